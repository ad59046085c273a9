package io.slotring.launcher;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The one way tests wait for something to become true: poll a condition until it holds or a timeout passes, then
 * fail with what was awaited and what was last seen.
 * <p>
 * Tests wait on observed progress (a counter, a latch, a reply, a server's view), never on elapsed time alone: a
 * bare {@code Thread.sleep} is either too short on a loaded machine or wastes time on an idle one. The poll interval
 * starts at 1 ms and doubles to 50 ms, so a condition that holds soon is seen soon and a slow one costs little CPU
 * (this machine shares two cores with the redis-servers under test).
 * <p>
 * Thread-safe and stateless; conditions run on the calling thread.
 */
public final class Await
{
    private static final long FIRST_PAUSE_NANOS = 1_000_000L;
    private static final long MAX_PAUSE_NANOS = 50_000_000L;

    private Await()

    {

    }

    /**
     * Waits until {@code condition} returns true.
     *
     * @param timeout     how long to wait at most
     * @param condition   polled on this thread; an exception it throws propagates at once
     * @param description what is awaited, for the failure message ("replica 2 promoted")
     * @throws AssertionError if the condition does not hold within the timeout, or the thread is interrupted
     */
    public static void until(final Duration timeout, final BooleanSupplier condition, final String description)
    {
        Objects.requireNonNull(condition, "condition");
        value(timeout, condition::getAsBoolean, Boolean::booleanValue, description);
    }

    /**
     * Polls {@code probe} until its value satisfies {@code accept} and returns that value.
     *
     * @param timeout     how long to wait at most
     * @param probe       reads the observed state; an exception it throws propagates at once
     * @param accept      the condition on the observed value
     * @param description what is awaited, for the failure message
     * @param <T>         the observed value's type
     * @return the first value that satisfied {@code accept}
     * @throws AssertionError naming the description and the last value seen, if none satisfied it in time
     */
    public static <T> T value(
        final Duration timeout, final Supplier<T> probe, final Predicate<? super T> accept, final String description)
    {
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(probe, "probe");
        Objects.requireNonNull(accept, "accept");
        if (timeout.isNegative() || timeout.isZero())
        {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        final long start = System.nanoTime();
        final long deadline = start + timeout.toNanos();
        long pause = FIRST_PAUSE_NANOS;
        T last;
        while (true)
        {
            last = probe.get();
            if (accept.test(last))
            {
                return last;
            }
            final long now = System.nanoTime();
            if (now - deadline >= 0)
            {
                break;
            }
            LockSupport.parkNanos(Math.min(pause, deadline - now));
            if (Thread.interrupted())
            {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for: " + description);
            }
            pause = Math.min(pause << 1, MAX_PAUSE_NANOS);
        }
        final long waitedMs = (System.nanoTime() - start) / 1_000_000L;
        throw new AssertionError(
            "expected within " + timeout.toMillis() + " ms: " + description + "; after " + waitedMs +
            " ms the last value seen was " + last);
    }

    /**
     * Polls {@code probe} until it returns normally, retrying on {@link AssertionError} or {@link RuntimeException}
     * (a reply not there yet, a node not ready), and returns its result.
     *
     * @param timeout     how long to wait at most
     * @param probe       the action to retry
     * @param description what is awaited
     * @param <T>         the result type
     * @return the probe's first normal result
     * @throws AssertionError with the last failure as its cause, if the probe never succeeded in time
     */
    public static <T> T succeeds(final Duration timeout, final Supplier<T> probe, final String description)
    {
        Objects.requireNonNull(probe, "probe");
        final Throwable[] lastFailure = new Throwable[1];
        final Object[] result = new Object[1];
        try
        {
            value(timeout, () ->
            {
                try
                {
                    result[0] = probe.get();
                    return Boolean.TRUE;
                }
                catch (final AssertionError | RuntimeException e)
                {
                    lastFailure[0] = e;
                    return Boolean.FALSE;
                }
            }, Boolean::booleanValue, description);
        }
        catch (final AssertionError timedOut)
        {
            if (lastFailure[0] != null)
            {
                timedOut.initCause(lastFailure[0]);
            }
            throw timedOut;
        }
        @SuppressWarnings("unchecked") final T value = (T)result[0];
        return value;
    }
}
