package io.slotring.engine;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.slotring.engine.internal.NodeConnection;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The client's settings, without a connection: validation, the password kept out of toString, the backoff. */
class ClientConfigTest
{
    @Test
    void configValidatesAndHidesThePassword()
    {
        assertThatThrownBy(() -> ClientConfig.create().ringSize(1000).conclude())
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("power of two, got 1000");
        final ClientConfig config = ClientConfig.create().credentials("user", "hunter2".toCharArray());
        assertThat(config.toString()).doesNotContain("hunter2").contains("<redacted>");
        config.conclude();
        assertThatThrownBy(() -> config.connectionsPerNode(2)).isInstanceOf(IllegalStateException.class);
        assertThat(Duration.ofNanos(config.commandTimeoutNs())).isPositive();
    }

    @Test
    void configRejectsARingArenaOverTwoGibibytesAndBackoffNeverOverflows()
    {
        assertThatThrownBy(() -> ClientConfig.create().address("127.0.0.1", 6379).ringSize(1 << 20)
            .slotCapacity(1 << 12).conclude()).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("ringSize x slotCapacity must be below 2 GiB");
        final long max = TimeUnit.SECONDS.toNanos(60);
        for (int attempt = 0; attempt < 100; attempt++)
        {
            final long delay = NodeConnection.reconnectDelay(TimeUnit.SECONDS.toNanos(10), max, attempt);
            assertThat(delay).as("attempt " + attempt).isPositive().isLessThanOrEqualTo(max);
        }
        assertThat(NodeConnection.reconnectDelay(TimeUnit.SECONDS.toNanos(10), max, 40)).isEqualTo(max);
        assertThat(NodeConnection.reconnectDelay(TimeUnit.MILLISECONDS.toNanos(10), max, 3))
            .isEqualTo(TimeUnit.MILLISECONDS.toNanos(80));
    }
}
