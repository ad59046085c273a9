package io.slotring.engine.internal;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import io.slotring.engine.Batch;
import io.slotring.engine.ReplyHandler;

/**
 * The engine's {@link Batch}: which connections a batch touched, how many of its commands are outstanding, and who
 * waits for them.
 *
 * <p>Threads: one caller submits and awaits; completions may also run on I/O threads or on other callers that are
 * reading a shared connection, hence the atomic count.
 */
public final class CommandBatch implements Batch, Awaitable
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
    /**
     * Commands this batch sent on each of {@link #touched}: a waiter reads a socket itself only if it is all its own.
     */
    private int[] touchedCommands = new int[4];
    private int touchedCount;
    // Incremented by the submitting thread, decremented by whichever thread completes a command.
    private final AtomicInteger outstanding = new AtomicInteger();
    /** The caller's selector-backed waiter: created at the first await that has to wait, closed with the client. */
    private CallerWaiter waiter;
    /** {@link #waiter} while the caller awaits (read by completing threads to wake it), else null. */
    private volatile CallerWaiter awaiting;
    /** Set by {@link #overrideHandler} around a wrapper's submission; submitting thread only. */
    private ReplyHandler handlerOverride;
    /** The caller while it parks for a batch handed to the I/O agent, else null. */
    private volatile Thread parked;

    /**
     * The engine's view of a batch a user passes back: only batches made by a client's {@code newBatch} qualify.
     *
     * @param batch from the user, or null (left to the argument checks, which name it).
     * @return the same batch.
     * @throws IllegalArgumentException for a batch implemented outside slotring.
     */
    public static CommandBatch of(final Batch batch)
    {
        if (batch == null || batch instanceof CommandBatch)
        {
            return (CommandBatch)batch;
        }
        throw new IllegalArgumentException(
            "expected a Batch made by newBatch(handler), got a " + batch.getClass().getName());
    }

    CommandBatch(final ReplyHandler handler, final IoRuntime runtime)
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
        final ReplyHandler override = handlerOverride;
        return override != null ? override : handler;
    }

    /**
     * @return the handler the batch was made with (the user's), whatever {@link #overrideHandler} says.
     */
    public ReplyHandler userHandler()
    {
        return handler;
    }

    /**
     * Submitting thread only: the commands submitted until the next call complete on {@code interceptor} instead
     * of the batch's handler (still counted by this batch); null restores the batch's handler. A wrapper such as a
     * zero-copy script call sets it around one submission, so it sees the reply first (a {@code NOSCRIPT} it
     * answers itself) and passes the rest on to {@link #userHandler()}. Read by the engine only while the
     * submitting thread claims and commits a command, so a plain field suffices.
     *
     * @param interceptor the handler for the next submissions, or null.
     */
    public void overrideHandler(final ReplyHandler interceptor)
    {
        handlerOverride = interceptor;
    }

    /**
     * Any thread: counts one more outstanding completion, for a command the engine did not submit through this
     * batch (a fallback re-sent from a completion): {@link #await} waits for it until {@link #release()}. Call it
     * before the completion that triggers it returns, so the count never reaches zero in between.
     */
    public void hold()
    {
        outstanding.incrementAndGet();
    }

    /**
     * Any thread: the completion counted by {@link #hold()} happened (reply or failure); wakes the waiter when it
     * was the last outstanding one.
     */
    public void release()
    {
        onComplete();
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

    @Override
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

    @Override
    public int outstanding()
    {
        return outstanding.get();
    }

    @Override
    public boolean isComplete()
    {
        return outstanding.get() == 0;
    }

    @Override
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
