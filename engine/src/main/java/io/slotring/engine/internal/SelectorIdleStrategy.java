package io.slotring.engine.internal;

import org.agrona.concurrent.IdleStrategy;

/**
 * The I/O agents' default idle strategy: after an idle pass, spin a little, yield a little, then block in the
 * agent's selector until a socket is readable, a producer publishes (it wakes the selector), or 10 ms pass for
 * deadline checks.
 *
 * <p>Why not Agrona's backoff: on a host where the client shares two cores with five redis-servers, a parked
 * agent wakes on a timer, not on the reply, so each idle park adds its length to the batch latency, while
 * spinning takes the cores the servers need. Blocking in epoll wakes on the event itself. With dedicated cores,
 * {@code BusySpinIdleStrategy} is one setting away ({@link ConnectionSettings#ioIdleStrategy}). The measurement is in
 * perf-results/.
 *
 * <p>One instance per agent, used only by that agent's thread.
 */
final class SelectorIdleStrategy implements IdleStrategy
{
    static final int SPINS = 20;
    static final int YIELDS = 2;
    static final long MAX_BLOCK_MS = 10;

    private final IoAgent agent;
    private int spins;
    private int yields;

    SelectorIdleStrategy(final IoAgent agent)
    {
        this.agent = agent;
    }

    @Override
    public void idle(final int workCount)
    {
        if (workCount > 0)
        {
            reset();
        }
        else
        {
            idle();
        }
    }

    @Override
    public void idle()
    {
        if (spins < SPINS)
        {
            spins++;
            Thread.onSpinWait();
        }
        else if (yields < YIELDS)
        {
            yields++;
            Thread.yield();
        }
        else
        {
            agent.block(MAX_BLOCK_MS);
        }
    }

    @Override
    public void reset()
    {
        spins = 0;
        yields = 0;
    }

    @Override
    public String alias()
    {
        return "selector";
    }
}
