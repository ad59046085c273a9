package io.slotring.engine.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.ResourceBundle;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RateLimitedErrorLogTest
{
    private static final long SECOND = 1_000_000_000L;

    private final AtomicLong now = new AtomicLong(1_000 * SECOND);
    private final CapturingLogger logger = new CapturingLogger();
    private final RateLimitedErrorLog log = new RateLimitedErrorLog(logger, 10 * SECOND, now::get);

    @Test
    void logsAFailureOnceWithItsStackTraceThenOneSummaryPerInterval()
    {
        final IOException refused = new IOException("connection to 127.0.0.1:7001 refused");
        for (int i = 0; i < 1_000; i++)
        {
            log.onError(refused);
        }
        assertThat(logger.lines).hasSize(1);
        assertThat(logger.lines.get(0)).isEqualTo(
            "slotring: java.io.IOException: connection to 127.0.0.1:7001 refused");
        assertThat(logger.thrown).containsExactly(refused);

        now.addAndGet(10 * SECOND);
        log.onError(refused);
        assertThat(logger.lines).hasSize(2);
        assertThat(logger.lines.get(1))
            .contains("connection to 127.0.0.1:7001 refused").contains("1000 time(s) in the last 10000 ms");
        assertThat(logger.thrown).as("repeats carry no stack trace").hasSize(1);
    }

    @Test
    void distinctFailuresAreLoggedSeparately()
    {
        log.onError(new IOException("connection to 127.0.0.1:7001 refused"));
        log.onError(new IOException("connection to 127.0.0.1:7002 refused"));
        log.onError(new IllegalStateException("connection to 127.0.0.1:7001 refused"));
        assertThat(logger.lines).hasSize(3);
    }

    @Test
    void aStreamOfUniqueMessagesIsBoundedByTheOverflowEntry()
    {
        for (int i = 0; i < 10_000; i++)
        {
            log.onError(new IOException("unique failure " + i));
        }
        assertThat(logger.lines).hasSize(RateLimitedErrorLog.MAX_DISTINCT + 1);
    }

    private static final class CapturingLogger implements System.Logger
    {
        final List<String> lines = new ArrayList<>();
        final List<Throwable> thrown = new ArrayList<>();

        @Override
        public String getName()
        {
            return "test";
        }

        @Override
        public boolean isLoggable(final Level level)
        {
            return true;
        }

        @Override
        public void log(final Level level, final ResourceBundle bundle, final String msg, final Throwable failure)
        {
            lines.add(msg);
            thrown.add(failure);
        }

        @Override
        public void log(final Level level, final ResourceBundle bundle, final String format, final Object... params)
        {
            lines.add(format);
        }

        @Override
        public void log(final Level level, final Supplier<String> msgSupplier)
        {
            lines.add(msgSupplier.get());
        }
    }
}
