package io.slotring.engine.internal;

import java.util.concurrent.TimeUnit;

import io.slotring.engine.internal.ConnectionHarness.Recorder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Base of the tests that drive connections in memory: one {@link ConnectionHarness} and one {@link Recorder} per
 * test, and a teardown that closes the harness (within 10 s, whatever the test left behind) and fails the test if
 * the harness's error handler saw anything.
 */
abstract class InMemoryConnectionTest
{
    final ConnectionHarness harness = new ConnectionHarness();
    final Recorder recorder = new Recorder();

    @AfterEach
    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void closeHarness()
    {
        harness.close();
        assertThat(harness.errors).isEmpty();
    }
}
