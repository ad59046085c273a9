package io.slotring.engine;

import java.util.Arrays;
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
 * <p>Sending and waiting: a batch's commands are published as they are submitted and leave at {@link #await} (or
 * {@link #flush}), one gathering write per connection holding everything published there. All of one batch's
 * commands for a node go over one of its connections; the next batch uses the next connection. A batch on one
 * connection (one node, a single command) is written and read by the awaiting caller itself, which blocks in its
 * own selector, so a reply wakes it directly (one context switch per round trip; it spins
 * {@code callerSpinTries} times first). A batch spread over several nodes is handed to the I/O agent, which
 * coalesces many callers' batches per write and per read, and the caller parks until its last completion.
 *
 * <p>Threads: one caller submits and awaits; completions may also run on I/O threads or on other callers that are
 * reading a shared connection, hence the atomic count.
 */
public final class Batch implements Awaitable
{
    /** Spreads batches of different workers over a node's connections from the start. */
    private static final AtomicInteger AFFINITY_SEED = new AtomicInteger();

    private final ReplyHandler handler;
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
    /**
     * Connections this batch published to since its last await: written at flush, read at await. Grows to the
     * number of connections one batch touches (at most one per node), then stays: no allocation per batch.
     * Submitting thread only.
     */
    private NodeConnection[] touched = new NodeConnection[4];
    /** Commands this batch sent on each of {@link #touched}: a waiter reads a socket itself only if it is all its own. */
    private int[] touchedCommands = new int[4];
    private int touchedCount;
    // Incremented by the submitting thread, decremented by whichever thread completes a command.
    private final AtomicInteger outstanding = new AtomicInteger();
    /** The caller's selector-backed waiter: created at the first await that has to wait, closed with the client. */
    private CallerWaiter waiter;
    /** {@link #waiter} while the caller awaits (read by completing threads to wake it), else null. */
    private volatile CallerWaiter awaiting;
    /** The caller while it parks for a batch handed to the I/O agent, else null. */
    private volatile Thread parked;

    Batch(final ReplyHandler handler, final IoRuntime runtime)
    {
        this.handler = handler;
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

    void onSubmit(final NodeConnection connection)
    {
        outstanding.incrementAndGet();
        final int count = touchedCount;
        // A batch's commands for one node share one connection, so the last one added is almost always the match.
        if (count > 0 && touched[count - 1] == connection)
        {
            touchedCommands[count - 1]++;
            return;
        }
        for (int i = 0; i < count; i++)
        {
            if (touched[i] == connection)
            {
                touchedCommands[i]++;
                return;
            }
        }
        if (count == touched.length)
        {
            touched = Arrays.copyOf(touched, count * 2);
            touchedCommands = Arrays.copyOf(touchedCommands, count * 2);
        }
        touched[count] = connection;
        touchedCommands[count] = 1;
        touchedCount = count + 1;
    }

    /**
     * Writes the commands submitted so far, without waiting for their replies: one gathering write per connection
     * from this thread (or by the thread already writing it). {@link #await} does this itself; call it only to
     * start sending before the batch is complete.
     */
    public void flush()
    {
        flush(false);
    }

    private void flush(final boolean willAwait)
    {
        for (int i = 0; i < touchedCount; i++)
        {
            touched[i].afterPublish(willAwait);
        }
    }

    void onComplete()
    {
        if (outstanding.decrementAndGet() == 0)
        {
            final CallerWaiter current = awaiting;
            if (current != null)
            {
                current.wake();
            }
            final Thread thread = parked;
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

    @Override
    public boolean isComplete()
    {
        return outstanding.get() == 0;
    }

    /**
     * Waits until every submitted command completed (reply or failure), reading the replies on this thread. Every
     * command has its own deadline, so they all complete eventually; a timed-out await leaves them running and the
     * batch must not be reused until {@link #outstanding()} is 0.
     *
     * @param timeout bound.
     * @param unit    unit of {@code timeout}.
     * @return true when all completed, false on timeout.
     */
    public boolean await(final long timeout, final TimeUnit unit)
    {
        rotatePending = true;
        final int count = touchedCount;
        touchedCount = 0;
        final long deadlineNs = System.nanoTime() + unit.toNanos(timeout);
        try
        {
            if (count == 1)
            {
                return awaitDriven(deadlineNs);
            }
            return awaitHandedOff(count, deadlineNs);
        }
        finally
        {
            clearTouched(count);
        }
    }

    /**
     * A batch on one connection (one node; a single command is the latency-critical case): this thread writes it
     * and reads the replies itself, so the round trip costs it one blocking wait and wakes no other thread.
     */
    private boolean awaitDriven(final long deadlineNs)
    {
        touched[0].afterPublish(true);
        if (outstanding.get() == 0)
        {
            return true;
        }
        if (waiter == null)
        {
            waiter = runtime.newWaiter();
        }
        awaiting = waiter;
        try
        {
            return waiter.await(this, touched, touchedCommands, 1, deadlineNs);
        }
        finally
        {
            awaiting = null;
        }
    }

    /**
     * A batch spread over several nodes (the throughput case): the I/O agent writes and reads for every batch at
     * once, coalescing many callers' commands per write and per read, which costs less CPU per command than each
     * caller driving several sockets in turn (measured: the seed benchmark on two cores), and the caller parks
     * until the last completion unparks it.
     */
    private boolean awaitHandedOff(final int count, final long deadlineNs)
    {
        for (int i = 0; i < count; i++)
        {
            touched[i].handOff();
        }
        if (outstanding.get() == 0)
        {
            return true;
        }
        parked = Thread.currentThread();
        try
        {
            while (outstanding.get() != 0)
            {
                final long remaining = deadlineNs - System.nanoTime();
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
            parked = null;
        }
    }

    private void clearTouched(final int count)
    {
        for (int i = 0; i < count; i++)
        {
            touched[i] = null;
        }
    }
}
