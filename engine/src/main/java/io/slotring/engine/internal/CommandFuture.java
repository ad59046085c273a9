package io.slotring.engine.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The future of one async command, which also knows its connection, so a caller that blocks on it (the sync style)
 * can read and complete the reply itself instead of parking until an I/O thread hands it over: one context switch
 * per round trip instead of three. Completing it wakes such a caller.
 *
 * @param <T> value type.
 */
final class CommandFuture<T> extends CompletableFuture<T> implements Awaitable
{
    private final NodeConnection connection;
    /** Set by the one caller that waits on it, before it waits; read by the completing thread. */
    private volatile CallerWaiter waiter;

    CommandFuture(final NodeConnection connection)
    {
        this.connection = connection;
    }

    /**
     * Caller: waits until complete or {@code deadlineNs}, driving the command's connection meanwhile.
     */
    void awaitDriven(final long deadlineNs)
    {
        if (isDone())
        {
            return;
        }
        final CallerWaiter callerWaiter = connection.callerWaiter();
        waiter = callerWaiter;
        final NodeConnection[] one = callerWaiter.single(connection);
        callerWaiter.await(this, one, null, 1, deadlineNs);
        waiter = null;
    }

    /**
     * Waits for the reply, reading it on this thread (see the class comment), then returns it as
     * {@link CompletableFuture#join()} does.
     */
    @Override
    public T join()
    {
        drive(Long.MAX_VALUE);
        return super.join();
    }

    @Override
    public T get() throws InterruptedException, ExecutionException
    {
        drive(Long.MAX_VALUE);
        return super.get();
    }

    @Override
    public T get(final long timeout, final TimeUnit unit)
        throws InterruptedException, ExecutionException, TimeoutException
    {
        drive(unit.toNanos(timeout));
        return super.get(timeout, unit);
    }

    /**
     * Drives the connection for up to {@code timeoutNs}, unless this thread is already completing replies (a
     * handler blocking on another future): there it must not take the read role, and the plain wait applies.
     */
    private void drive(final long timeoutNs)
    {
        if (!isDone() && !IoAgent.isIoThread())
        {
            final long now = System.nanoTime();
            awaitDriven(timeoutNs > Long.MAX_VALUE / 2 ? now + Long.MAX_VALUE / 2 : now + timeoutNs);
        }
    }

    @Override
    public boolean isComplete()
    {
        return isDone();
    }

    @Override
    public boolean complete(final T value)
    {
        final boolean done = super.complete(value);
        wakeWaiter();
        return done;
    }

    @Override
    public boolean completeExceptionally(final Throwable ex)
    {
        final boolean done = super.completeExceptionally(ex);
        wakeWaiter();
        return done;
    }

    private void wakeWaiter()
    {
        final CallerWaiter current = waiter;
        if (current != null)
        {
            current.wake();
        }
    }
}
