package io.slotring.engine.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One caller thread's way of waiting for its replies without a hand-off: it reads and completes the replies of the
 * connections it waits on itself, and blocks in its own selector, so a reply wakes this thread and no other. One
 * per caller thread per client (a {@link CommandBatch} keeps its own), created on first use and closed with the client.
 *
 * <p>Threads: {@link #await} and {@link #register} run on the owning thread only; {@link #wake} on any thread
 * (whoever completes the awaited thing), through the volatile {@link #blocked} flag and {@link Selector#wakeup()}.
 */
public final class CallerWaiter implements AutoCloseable
{
    private static final VarHandle BLOCKED;
    private static final long MIN_BLOCK_MS = 1;
    private static final int BUSY_PASSES_BEFORE_BLOCKING = 16;
    /**
     * Per thread, allocated once: true from the moment a sync call starts until its command is published, so the
     * publish knows this very thread will wait for the reply and does not wake an I/O thread to read it.
     */
    private static final ThreadLocal<boolean[]> WAIT_INTENT = ThreadLocal.withInitial(() -> new boolean[1]);

    static
    {
        try
        {
            BLOCKED = MethodHandles.lookup().findVarHandle(CallerWaiter.class, "blocked", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final Selector selector;
    private final int spinTries;
    /** Readiness is only a reason to loop: every pass reads every awaited connection. */
    private final Consumer<SelectionKey> ignoreKey = CallerWaiter::ignore;
    /** Connections whose sockets this caller's selector listens to, and those sockets; owner thread only. */
    private NodeConnection[] listenedConnections = new NodeConnection[4];
    private SocketChannel[] listenedChannels = new SocketChannel[4];
    private int listenedCount;
    /** Reused one-element array for waits on one connection (the sync style): no allocation per call. */
    private final NodeConnection[] single = new NodeConnection[1];
    /** 1 while the owner is (about to be) blocked in {@link #selector}; see {@link #block}. */
    @SuppressWarnings("unused") // accessed through BLOCKED
    private volatile int blocked;

    CallerWaiter(final int spinTries)
    {
        this.spinTries = spinTries;
        try
        {
            selector = Selector.open();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot open a selector for a waiting caller", ex);
        }
    }

    /**
     * Caller, before submitting a command it will wait for at once (the sync style).
     *
     * @return true, so it can be evaluated as an argument ahead of the submission.
     */
    public static boolean expectWait()
    {
        WAIT_INTENT.get()[0] = true;
        return true;
    }

    /**
     * Producer, publishing a future's command: whether this thread announced it will wait for it; clears the mark.
     */
    static boolean takeWaitIntent()
    {
        final boolean[] intent = WAIT_INTENT.get();
        final boolean waits = intent[0];
        intent[0] = false;
        return waits;
    }

    /** Caller: drops a mark a failed submission left behind. */
    public static void clearWaitIntent()
    {
        WAIT_INTENT.get()[0] = false;
    }

    /**
     * Owner thread: waits until {@code target} completes or {@code deadlineNs} passes, driving the reads of
     * {@code connections[0..count)} itself.
     *
     * @return true when the target completed.
     */
    boolean await(final Awaitable target, final NodeConnection[] connections, final int[] ownCommands,
        final int count, final long deadlineNs)
    {
        muteOthers(connections, count);
        try
        {
            int spins = spinTries;
            // The first pass only takes the read role and listens (unless spinning): the reply cannot be there yet.
            boolean readNow = spins > 0;
            int busyPasses = 0;
            while (!target.isComplete())
            {
                int outcome = NodeConnection.READ_WAIT;
                for (int i = 0; i < count; i++)
                {
                    final int result = connections[i].readAsCaller(this, target, readNow,
                        ownCommands == null ? 1 : ownCommands[i]);
                    if (result == NodeConnection.READ_BUSY && busyPasses >= BUSY_PASSES_BEFORE_BLOCKING)
                    {
                        connections[i].requestReader();
                        continue;
                    }
                    outcome |= result;
                }
                readNow = true;
                if (target.isComplete())
                {
                    return true;
                }
                final long remainingNs = deadlineNs - System.nanoTime();
                if (remainingNs <= 0)
                {
                    return false;
                }
                if ((outcome & NodeConnection.READ_PROGRESS) != 0)
                {
                    busyPasses = 0;
                    continue;
                }
                if ((outcome & NodeConnection.READ_BUSY) != 0)
                {
                    // Another thread holds a connection for one short pass: look again a few times, then ask for a
                    // reader (requestReader) and block like a follower.
                    busyPasses++;
                    Thread.onSpinWait();
                    continue;
                }
                busyPasses = 0;
                if (spins > 0)
                {
                    spins--;
                    Thread.onSpinWait();
                    continue;
                }
                block(target, remainingNs);
            }
            return true;
        }
        finally
        {
            for (int i = 0; i < count; i++)
            {
                connections[i].leaveWait(this);
            }
        }
    }

    /**
     * Owner thread: blocks until a registered socket is readable, {@link #wake} is called, or the time passes. The
     * flag is raised before the last look at the target: a completer sets the target, then reads the flag, so
     * either this look sees the completion or the completer sees the flag and wakes the selector.
     */
    private void block(final Awaitable target, final long remainingNs)
    {
        BLOCKED.setVolatile(this, 1);
        try
        {
            if (target.isComplete())
            {
                return;
            }
            selector.select(ignoreKey, Math.max(MIN_BLOCK_MS, TimeUnit.NANOSECONDS.toMillis(remainingNs)));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("waiting caller's selector failed", ex);
        }
        finally
        {
            BLOCKED.setVolatile(this, 0);
        }
    }

    /**
     * Any thread, after completing what this waiter awaits: wakes the owner if it is blocked.
     */
    void wake()
    {
        if ((int)BLOCKED.getVolatile(this) == 1)
        {
            selector.wakeup();
        }
    }

    /** Owner thread: the reusable array holding just {@code connection}. */
    NodeConnection[] single(final NodeConnection connection)
    {
        single[0] = connection;
        return single;
    }

    /**
     * Owner thread, leading the connection's reads: makes the socket wake this caller's selector, and remembers it
     * so a later wait on other connections can mute it (a readable socket this caller no longer reads would
     * otherwise turn every block into a busy loop).
     */
    void listen(final NodeConnection connection, final SocketChannel channel) throws ClosedChannelException
    {
        final SelectionKey key = channel.keyFor(selector);
        if (key == null)
        {
            // A new socket (the connection reconnected): a closed socket's descriptor is released only once every
            // selector it was registered with has selected again, so flush this one's cancelled keys now.
            selectNow();
            channel.register(selector, SelectionKey.OP_READ);
        }
        else if (key.isValid())
        {
            key.interestOps(SelectionKey.OP_READ);
        }
        for (int i = 0; i < listenedCount; i++)
        {
            if (listenedConnections[i] == connection)
            {
                listenedChannels[i] = channel;
                return;
            }
        }
        if (listenedCount == listenedConnections.length)
        {
            listenedConnections = Arrays.copyOf(listenedConnections, listenedCount * 2);
            listenedChannels = Arrays.copyOf(listenedChannels, listenedCount * 2);
        }
        listenedConnections[listenedCount] = connection;
        listenedChannels[listenedCount] = channel;
        listenedCount++;
    }

    /** Owner thread, not (or no longer) leading {@code connection}: its socket no longer wakes this caller. */
    void mute(final NodeConnection connection, final SocketChannel channel)
    {
        muteKey(channel);
        for (int i = 0; i < listenedCount; i++)
        {
            if (listenedConnections[i] == connection)
            {
                removeListened(i);
                return;
            }
        }
    }

    /**
     * Owner thread, at the start of a wait: mutes the sockets it listened to for earlier waits that this one does
     * not cover. A single caller that keeps waiting on the same connection pays nothing (no epoll_ctl per call).
     */
    private void muteOthers(final NodeConnection[] connections, final int count)
    {
        for (int i = listenedCount - 1; i >= 0; i--)
        {
            boolean covered = false;
            for (int j = 0; j < count && !covered; j++)
            {
                covered = connections[j] == listenedConnections[i];
            }
            if (!covered)
            {
                muteKey(listenedChannels[i]);
                removeListened(i);
            }
        }
    }

    private void selectNow()
    {
        try
        {
            selector.selectNow(ignoreKey);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("waiting caller's selector failed", ex);
        }
    }

    private void removeListened(final int index)
    {
        final int last = --listenedCount;
        listenedConnections[index] = listenedConnections[last];
        listenedChannels[index] = listenedChannels[last];
        listenedConnections[last] = null;
        listenedChannels[last] = null;
    }

    private void muteKey(final SocketChannel channel)
    {
        final SelectionKey key = channel == null ? null : channel.keyFor(selector);
        if (key != null && key.isValid())
        {
            key.interestOps(0);
        }
    }

    @Override
    public void close()
    {
        try
        {
            selector.close();
        }
        catch (final IOException ignore)
        {
            // Closing at client shutdown; nothing to do about a failure.
        }
    }

    private static void ignore(final SelectionKey key)
    {
    }
}
