package io.slotring.engine;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A reusable group of zero-copy commands: submit many, then {@link #await} them all. Allocated once per worker and
 * reused for every batch, so the submit-then-await shape costs no allocation per command or per batch.
 *
 * <pre>{@code
 * Batch batch = client.newBatch(handler);        // once
 * for (;;) {
 *     for (int i = 0; i < 64; i++) client.get(keys[i], batch, i);
 *     if (!batch.await(1, TimeUnit.SECONDS)) { ... }   // handler saw every reply or failure
 * }
 * }</pre>
 *
 * <p>Sending: a batch's commands are published as they are submitted but the I/O agents are woken once, at
 * {@link #await} (or {@link #flush}), so everything the batch holds for a connection leaves in one write; an agent
 * that is awake anyway picks them up sooner. All of one batch's commands for a node go over one of its
 * connections; the next batch uses the next connection.
 *
 * <p>Threads: one caller submits and awaits; completions arrive on I/O threads (several, when a batch spans
 * nodes), hence the atomic count. A caller that awaits spins {@code callerSpinTries} times and then parks until the
 * last completion unparks it.
 */
public final class Batch
{
    /** Spreads batches of different workers over a node's connections from the start. */
    private static final AtomicInteger AFFINITY_SEED = new AtomicInteger();

    private final ReplyHandler handler;
    private final int spinTries;
    private final IoRuntime runtime;
    /**
     * Which of a node's connections this batch's commands use; advanced after an {@link #await}, so a worker's
     * batches go round-robin over each node's connections while one batch's commands for a node share one
     * connection and leave in one write. It moves only once every command sent so far has completed, so the
     * caller's commands on one key never overtake each other, even after an await that timed out. Submitting
     * thread only.
     */
    private int affinity = AFFINITY_SEED.getAndIncrement();
    /** An await asked to move to the next connection; done by the next submission that finds nothing in flight. */
    private boolean rotatePending;
    /** Commands published since the last wake: the agents are woken once per batch, not per command. */
    private boolean unflushed;
    // Incremented by the submitting thread, decremented by I/O threads.
    private final AtomicInteger outstanding = new AtomicInteger();
    // Written by the awaiting thread before it parks; read by the I/O thread that completes the last command.
    private volatile Thread waiter;

    Batch(final ReplyHandler handler, final int spinTries, final IoRuntime runtime)
    {
        this.handler = handler;
        this.spinTries = spinTries;
        this.runtime = runtime;
    }

    int affinity()
    {
        if (rotatePending && outstanding.get() == 0)
        {
            rotatePending = false;
            affinity++;
        }
        return affinity;
    }

    ReplyHandler handler()
    {
        return handler;
    }

    void onSubmit()
    {
        outstanding.incrementAndGet();
        unflushed = true;
    }

    /**
     * Wakes the I/O agents for the commands submitted so far, without waiting for them. {@link #await} does this
     * itself; call it only to start sending before the batch is complete.
     */
    public void flush()
    {
        if (unflushed)
        {
            unflushed = false;
            runtime.wakeAgents();
        }
    }

    void onComplete()
    {
        if (outstanding.decrementAndGet() == 0)
        {
            final Thread thread = waiter;
            if (thread != null)
            {
                LockSupport.unpark(thread);
            }
        }
    }

    /**
     * @return commands submitted and not yet completed.
     */
    public int outstanding()
    {
        return outstanding.get();
    }

    /**
     * Waits until every submitted command completed (reply or failure). Every command has its own deadline, so
     * they all complete eventually; a timed-out await leaves them running and the batch must not be reused until
     * {@link #outstanding()} is 0.
     *
     * @param timeout bound.
     * @param unit    unit of {@code timeout}.
     * @return true when all completed, false on timeout.
     */
    public boolean await(final long timeout, final TimeUnit unit)
    {
        flush();
        rotatePending = true;
        if (outstanding.get() == 0)
        {
            return true;
        }
        for (int i = 0; i < spinTries; i++)
        {
            if (outstanding.get() == 0)
            {
                return true;
            }
            Thread.onSpinWait();
        }
        final long deadline = System.nanoTime() + unit.toNanos(timeout);
        waiter = Thread.currentThread();
        try
        {
            while (outstanding.get() != 0)
            {
                final long remaining = deadline - System.nanoTime();
                if (remaining <= 0)
                {
                    return false;
                }
                LockSupport.parkNanos(this, remaining);
            }
            return true;
        }
        finally
        {
            waiter = null;
        }
    }
}
