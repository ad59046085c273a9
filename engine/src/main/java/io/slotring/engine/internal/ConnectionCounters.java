package io.slotring.engine.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

import io.slotring.engine.ClientMetrics;

/**
 * Padding ahead of the counters, so the driver's stores never share a cache line with a neighbouring object.
 */
abstract class ConnectionCountersLhsPadding
{
    @SuppressWarnings("unused")
    private long p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
}

/**
 * The counter fields: plain longs.
 */
abstract class ConnectionCountersFields extends ConnectionCountersLhsPadding
{
    long commands;
    long errorReplies;
    long bytesWritten;
    long bytesRead;
    long connects;
    long connectionsLost;
    long timeoutsWritten;
    long timeoutsNotWritten;
    long moved;
    long asked;
    long retryReplies;
    /** The one counter producers write (several at once): {@link ConnectionCounters#onBackPressureRefused}. */
    long backPressureRefusals;
}

/**
 * The counters of one connection, in the Agrona style: plain {@code long} fields, each written by exactly one thread
 * at a time and read by any.
 *
 * <p>Who writes: the thread that currently drives the connection (the holder of {@code NodeConnection}'s driver
 * flag: its I/O agent, or a caller that writes or reads for itself). Taking the flag is an acquire and dropping it a
 * release, so each driver sees its predecessor's counts: an increment is a plain load of the field followed by a
 * release store ({@link VarHandle#setRelease}), never a CAS. Readers (a {@code metrics()} snapshot on any thread) use
 * acquire loads ({@link VarHandle#getAcquire}): each value is one the driver wrote, never torn, and never goes back.
 * Values of different counters are read one after the other, not as one atomic picture.
 *
 * <p>The exception is {@link #onBackPressureRefused()}, counted by producers that found the ring full: several may
 * refuse at once, so it is an atomic add, off the hot path (a refused command is not sent).
 */
public final class ConnectionCounters extends ConnectionCountersFields
{
    private static final VarHandle COMMANDS;
    private static final VarHandle ERROR_REPLIES;
    private static final VarHandle BYTES_WRITTEN;
    private static final VarHandle BYTES_READ;
    private static final VarHandle CONNECTS;
    private static final VarHandle CONNECTIONS_LOST;
    private static final VarHandle TIMEOUTS_WRITTEN;
    private static final VarHandle TIMEOUTS_NOT_WRITTEN;
    private static final VarHandle MOVED;
    private static final VarHandle ASKED;
    private static final VarHandle RETRY_REPLIES;
    private static final VarHandle BACK_PRESSURE_REFUSALS;

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            final Class<?> owner = ConnectionCountersFields.class;
            COMMANDS = lookup.findVarHandle(owner, "commands", long.class);
            ERROR_REPLIES = lookup.findVarHandle(owner, "errorReplies", long.class);
            BYTES_WRITTEN = lookup.findVarHandle(owner, "bytesWritten", long.class);
            BYTES_READ = lookup.findVarHandle(owner, "bytesRead", long.class);
            CONNECTS = lookup.findVarHandle(owner, "connects", long.class);
            CONNECTIONS_LOST = lookup.findVarHandle(owner, "connectionsLost", long.class);
            TIMEOUTS_WRITTEN = lookup.findVarHandle(owner, "timeoutsWritten", long.class);
            TIMEOUTS_NOT_WRITTEN = lookup.findVarHandle(owner, "timeoutsNotWritten", long.class);
            MOVED = lookup.findVarHandle(owner, "moved", long.class);
            ASKED = lookup.findVarHandle(owner, "asked", long.class);
            RETRY_REPLIES = lookup.findVarHandle(owner, "retryReplies", long.class);
            BACK_PRESSURE_REFUSALS = lookup.findVarHandle(owner, "backPressureRefusals", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    @SuppressWarnings("unused")
    private long p16, p17, p18, p19, p20, p21, p22, p23, p24, p25, p26, p27, p28, p29, p30;

    private final String node;
    private final String connection;
    private final boolean replica;
    /** Set once when the connection is closed or retired for good (any thread may read it). */
    private volatile boolean closed;

    /**
     * @param node       the node's address, {@code host:port}.
     * @param connection the connection's name ({@code host:port#index}).
     * @param replica    the node was dialled as a replica (read-only connection).
     */
    public ConnectionCounters(final String node, final String connection, final boolean replica)
    {
        this.node = node;
        this.connection = connection;
        this.replica = replica;
    }

    /** @return the node's address, {@code host:port}. */
    public String node()
    {
        return node;
    }

    /** @return the connection's name. */
    public String connection()
    {
        return connection;
    }

    /** @return whether the node was dialled as a replica. */
    public boolean isReplica()
    {
        return replica;
    }

    /** @return whether the connection closed for good. */
    public boolean isClosed()
    {
        return closed;
    }

    /** Any thread: the connection closed for good (client closed, node retired). */
    public void markClosed()
    {
        closed = true;
    }

    /**
     * Driver: a reply completed a caller's command.
     *
     * @param error the reply was an error reply.
     */
    public void onReply(final boolean error)
    {
        COMMANDS.setRelease(this, commands + 1);
        if (error)
        {
            ERROR_REPLIES.setRelease(this, errorReplies + 1);
        }
    }

    /**
     * Driver: bytes went out in one write.
     *
     * @param bytes how many.
     */
    public void onWritten(final long bytes)
    {
        BYTES_WRITTEN.setRelease(this, bytesWritten + bytes);
    }

    /**
     * Driver: bytes arrived in one read.
     *
     * @param bytes how many.
     */
    public void onRead(final long bytes)
    {
        BYTES_READ.setRelease(this, bytesRead + bytes);
    }

    /** Driver: the handshake completed, the connection is ready. */
    public void onConnected()
    {
        CONNECTS.setRelease(this, connects + 1);
    }

    /** Driver: a ready connection failed (it will reconnect unless closed). */
    public void onConnectionLost()
    {
        CONNECTIONS_LOST.setRelease(this, connectionsLost + 1);
    }

    /** Driver: a command timed out after it was (at least partly) written: it may have been applied. */
    public void onTimeoutWritten()
    {
        TIMEOUTS_WRITTEN.setRelease(this, timeoutsWritten + 1);
    }

    /** Driver: a command timed out before it could be written: it was not applied. */
    public void onTimeoutNotWritten()
    {
        TIMEOUTS_NOT_WRITTEN.setRelease(this, timeoutsNotWritten + 1);
    }

    /** Driver: a MOVED reply, handed to the routing layer. */
    public void onMoved()
    {
        MOVED.setRelease(this, moved + 1);
    }

    /** Driver: an ASK reply, handed to the routing layer. */
    public void onAsk()
    {
        ASKED.setRelease(this, asked + 1);
    }

    /** Driver: a TRYAGAIN, CLUSTERDOWN, LOADING or MASTERDOWN reply, handed to the routing layer to retry. */
    public void onRetryReply()
    {
        RETRY_REPLIES.setRelease(this, retryReplies + 1);
    }

    /** Producer, any thread (several at once): a command was refused because the ring was full. */
    public void onBackPressureRefused()
    {
        BACK_PRESSURE_REFUSALS.getAndAdd(this, 1L);
    }

    /** @return the counters as read now, with acquire loads. */
    public ClientMetrics.Counters read()
    {
        final long connectCount = (long)CONNECTS.getAcquire(this);
        return new ClientMetrics.Counters(
            (long)COMMANDS.getAcquire(this),
            (long)ERROR_REPLIES.getAcquire(this),
            (long)BYTES_WRITTEN.getAcquire(this),
            (long)BYTES_READ.getAcquire(this),
            connectCount,
            Math.max(0, connectCount - 1),
            (long)CONNECTIONS_LOST.getAcquire(this),
            (long)TIMEOUTS_WRITTEN.getAcquire(this),
            (long)TIMEOUTS_NOT_WRITTEN.getAcquire(this),
            (long)BACK_PRESSURE_REFUSALS.getVolatile(this),
            (long)MOVED.getAcquire(this),
            (long)ASKED.getAcquire(this),
            (long)RETRY_REPLIES.getAcquire(this));
    }
}
