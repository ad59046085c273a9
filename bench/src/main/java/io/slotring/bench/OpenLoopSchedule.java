package io.slotring.bench;

/**
 * The intended start times of one open-loop worker: the offered rate split evenly over the workers, each worker's
 * schedule shifted by its share of one interval so the merged load is smooth (a command every 1/rate seconds),
 * not every worker firing at the same instant. Latency is measured from these times, never from the actual send,
 * which is what charges a client for the queueing it causes (coordinated-omission correction).
 */
final class OpenLoopSchedule
{
    private final long startNs;
    private final double offsetNs;
    private final double intervalNs;

    /**
     * @param startNs {@code System.nanoTime()} of the first command of worker 0.
     * @param rate    offered ops/s over all workers, > 0.
     * @param workers worker count, > 0.
     * @param index   this worker, 0-based.
     */
    OpenLoopSchedule(final long startNs, final long rate, final int workers, final int index)
    {
        if (rate <= 0 || workers <= 0 || index < 0 || index >= workers)
        {
            throw new IllegalArgumentException("rate " + rate + ", workers " + workers + ", index " + index);
        }
        this.startNs = startNs;
        this.intervalNs = 1e9 * workers / rate;
        this.offsetNs = intervalNs * index / workers;
    }

    /**
     * @param command this worker's command number, 0-based.
     * @return when it is meant to start.
     */
    long intended(final long command)
    {
        return startNs + (long)(offsetNs + command * intervalNs);
    }

    /**
     * @param next the first command not yet sent.
     * @param now  the current time.
     * @param max  the most to send at once.
     * @return how many commands from {@code next} on are due at {@code now}, at most {@code max}; 0 when
     * {@code next} is not due yet.
     */
    int due(final long next, final long now, final int max)
    {
        int count = 0;
        while (count < max && intended(next + count) - now <= 0)
        {
            count++;
        }
        return count;
    }
}
