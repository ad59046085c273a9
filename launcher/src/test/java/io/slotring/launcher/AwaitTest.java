package io.slotring.launcher;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AwaitTest
{
    @Test
    void returnsTheFirstAcceptedValue()
    {
        final AtomicInteger polls = new AtomicInteger();
        final int seen = Await.value(Duration.ofSeconds(5), polls::incrementAndGet, n -> n >= 3, "third poll");
        assertThat(seen).isEqualTo(3);
    }

    @Test
    void failsNamingWhatWasAwaitedAndWhatWasSeen()
    {
        assertThatThrownBy(() -> Await.value(Duration.ofMillis(20), () -> 7, n -> n > 7, "counter above 7"))
            .isInstanceOf(AssertionError.class)
            .hasMessageContaining("counter above 7")
            .hasMessageContaining("last value seen was 7");
    }

    @Test
    void succeedsRetriesUntilTheProbeStopsThrowingAndKeepsTheLastFailureAsCause()
    {
        final AtomicInteger calls = new AtomicInteger();
        final String result = Await.succeeds(Duration.ofSeconds(5), () ->
        {
            if (calls.incrementAndGet() < 3)
            {
                throw new IllegalStateException("not yet");
            }
            return "ok";
        }, "third call");
        assertThat(result).isEqualTo("ok");

        assertThatThrownBy(() -> Await.succeeds(Duration.ofMillis(20), () ->
        {
            throw new IllegalStateException("never");
        }, "never succeeds"))
            .isInstanceOf(AssertionError.class)
            .hasMessageContaining("never succeeds")
            .hasRootCauseMessage("never");
    }

    @Test
    void exceptionsFromTheConditionPropagate()
    {
        assertThatThrownBy(() -> Await.until(Duration.ofSeconds(1), () ->
        {
            throw new IllegalArgumentException("boom");
        }, "x")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsANonPositiveTimeout()
    {
        assertThatThrownBy(() -> Await.until(Duration.ZERO, () -> true, "x"))
            .isInstanceOf(IllegalArgumentException.class);
    }
}
