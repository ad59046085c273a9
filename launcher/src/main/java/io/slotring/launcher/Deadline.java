package io.slotring.launcher;

import java.time.Duration;

/** A point in monotonic time; every wait in the launcher is bounded by one. */
final class Deadline
{
    private final long deadlineNanos;
    private final Duration budget;

    private Deadline(Duration budget)
    {
        this.budget = budget;
        this.deadlineNanos = System.nanoTime() + budget.toNanos();
    }

    static Deadline after(Duration budget)
    {
        if (budget.isNegative() || budget.isZero())
        {
            throw new IllegalArgumentException("timeout must be positive: " + budget);
        }
        return new Deadline(budget);
    }

    boolean expired()
    {
        return System.nanoTime() - deadlineNanos >= 0;
    }

    long remainingMillis()
    {
        return Math.max(0, (deadlineNanos - System.nanoTime()) / 1_000_000);
    }

    /** The original budget, for error messages ("within 30s"). */
    String budget()
    {
        long millis = budget.toMillis();
        return millis % 1000 == 0 ? (millis / 1000) + "s" : millis + "ms";
    }

    static void sleep(long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new RedisLaunchException("interrupted while waiting", e);
        }
    }
}
