package io.slotring.bench;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What went wrong in one measured run, shared by its workers and their clients' I/O threads. Only the failure
 * paths touch it, so contention on these atomics never shows in a healthy run.
 */
final class Outcome
{
    private final AtomicLong mismatches = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicReference<String> firstMismatch = new AtomicReference<>();
    private final AtomicReference<String> firstError = new AtomicReference<>();

    /**
     * A reply that was not the key's value (or not OK for a SET).
     *
     * @param what description, built only for the first one.
     */
    void mismatch(final String what)
    {
        if (mismatches.getAndIncrement() == 0)
        {
            firstMismatch.compareAndSet(null, what);
        }
    }

    /**
     * A command or batch that failed (timeout, connection, server error reply).
     *
     * @param what description.
     */
    void error(final String what)
    {
        if (errors.getAndIncrement() == 0)
        {
            firstError.compareAndSet(null, what);
        }
    }

    void error(final Throwable cause)
    {
        error(describe(cause));
    }

    static String describe(final Throwable cause)
    {
        final StringBuilder text = new StringBuilder(cause.getClass().getSimpleName());
        if (cause.getMessage() != null)
        {
            text.append(": ").append(cause.getMessage());
        }
        if (cause.getCause() != null && cause.getCause() != cause)
        {
            text.append(" (caused by ").append(describe(cause.getCause())).append(')');
        }
        return text.toString();
    }

    long mismatches()
    {
        return mismatches.get();
    }

    long errors()
    {
        return errors.get();
    }

    String firstMismatch()
    {
        return firstMismatch.get();
    }

    String firstError()
    {
        return firstError.get();
    }
}
