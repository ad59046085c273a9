package io.slotring.engine.internal;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import org.agrona.ErrorHandler;

/**
 * The default error handler: logs each distinct failure once through {@link System.Logger} (no logging library
 * forced on users), then at most one summary line per failure and interval with the count it suppressed.
 * <p>
 * A failure is distinct by its type and message, so "connection to 10.0.0.7:7001 refused" is logged once per
 * outage, not once per reconnect attempt or duty-cycle pass. The first occurrence carries its stack trace; repeats
 * never do. At most {@value #MAX_DISTINCT} distinct failures are tracked; beyond that, failures share one overflow
 * entry, so a stream of unique messages cannot grow memory or flood the log.
 * <p>
 * Called from I/O threads and callers on failure paths only, never per command; thread-safe.
 */
public final class RateLimitedErrorLog implements ErrorHandler
{
    /** Distinct failures remembered before they share the overflow entry. */
    static final int MAX_DISTINCT = 256;
    private static final String OVERFLOW_KEY = "(other failures)";

    private final Logger logger;
    private final long intervalNs;
    private final LongSupplier clock;
    private final ConcurrentHashMap<String, Entry> seen = new ConcurrentHashMap<>();

    /** One failure's state: when it was last logged and how many occurrences were not logged since. */
    private static final class Entry
    {
        final AtomicLong lastLoggedNs;
        final AtomicLong suppressed = new AtomicLong();

        Entry(final long nowNs)
        {
            lastLoggedNs = new AtomicLong(nowNs);
        }
    }

    /**
     * @param logger     where the lines go.
     * @param intervalNs the least time between two lines for one failure.
     * @param clock      nanosecond clock (System::nanoTime; a test passes its own).
     */
    public RateLimitedErrorLog(final Logger logger, final long intervalNs, final LongSupplier clock)
    {
        this.logger = Objects.requireNonNull(logger, "logger");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (intervalNs <= 0)
        {
            throw new IllegalArgumentException("intervalNs must be positive, got " + intervalNs);
        }
        this.intervalNs = intervalNs;
    }

    /**
     * @return the handler every config starts with: logger {@code io.slotring}, one line per failure per 10 s.
     */
    public static RateLimitedErrorLog createDefault()
    {
        return new RateLimitedErrorLog(System.getLogger("io.slotring"), 10_000_000_000L, System::nanoTime);
    }

    @Override
    public void onError(final Throwable failure)
    {
        final String key = failure.getClass().getName() + ": " + failure.getMessage();
        final long now = clock.getAsLong();
        Entry entry = seen.get(key);
        if (entry == null)
        {
            final boolean room = seen.size() < MAX_DISTINCT;
            final Entry created = new Entry(now);
            entry = seen.putIfAbsent(room ? key : OVERFLOW_KEY, created);
            if (entry == null)
            {
                logger.log(Level.WARNING, "slotring: " + key, failure);
                return;
            }
        }
        final long last = entry.lastLoggedNs.get();
        if (now - last >= intervalNs && entry.lastLoggedNs.compareAndSet(last, now))
        {
            final long repeats = entry.suppressed.getAndSet(0) + 1;
            logger.log(Level.WARNING, "slotring: " + key + " (" + repeats + " time(s) in the last " +
                (now - last) / 1_000_000L + " ms; stack trace at the first occurrence)");
        }
        else
        {
            entry.suppressed.incrementAndGet();
        }
    }
}
