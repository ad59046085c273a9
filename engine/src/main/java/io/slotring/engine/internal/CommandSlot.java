package io.slotring.engine.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

import io.slotring.codec.RespReader;
import io.slotring.codec.RespType;
import io.slotring.codec.internal.RespEncoder;
import io.slotring.engine.RedisException;
import io.slotring.engine.RedisServerException;
import io.slotring.engine.ReplyConverter;
import io.slotring.engine.ReplyHandler;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One preallocated ring entry: the command's encoded bytes (in place in its region of the ring's arena, or in a
 * pooled spill buffer when larger) and how to complete it.
 *
 * <p>Ownership and hand-off, the invariant everything else relies on:
 * <ol>
 *   <li>A producer owns the slot from its successful claim until {@code publish}: it writes every field. The
 *       ring's publish is a release store; the agent's {@code isAvailable} an acquire load of the same flag.</li>
 *   <li>From publish until completion the connection's I/O agent alone reads and writes it (plain accesses).</li>
 *   <li>The agent {@link #clear}s it, then moves the ring's completed sequence past it with a release store; a
 *       producer's claim reads that sequence with acquire before reusing the slot.</li>
 * </ol>
 * {@link #finalState} is the one field two threads race on, and only when a client closes: see
 * {@link #tryTakeFinal()}.
 */
final class CommandSlot
{
    static final int KIND_HANDLER = 1;
    static final int KIND_FUTURE = 2;
    /**
     * Internal command (a routing layer's pre-command, e.g. ASKING ahead of an ASK redirect): its reply or failure
     * goes nowhere.
     */
    static final int KIND_INTERNAL = 3;
    /**
     * Claimed, then abandoned before it was complete (encoding failed): published with no bytes so the ring moves
     * on; the agent skips it and no reply is owed for it.
     */
    static final int KIND_ABORTED = 4;

    private static final VarHandle FINAL_STATE;

    static
    {
        try
        {
            FINAL_STATE = MethodHandles.lookup().findVarHandle(CommandSlot.class, "finalState", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    /** Region of the ring's arena, allocated and freed by {@link CommandRing}. */
    final UnsafeBuffer region;
    /** The same memory as a ByteBuffer for the gathering write; position and limit touched by the agent only. */
    private final ByteBuffer regionView;
    /** Producer-side flyweight; one per slot so no thread shares an encoder. */
    final RespEncoder encoder = new RespEncoder();
    private final UnsafeBuffer spillView = new UnsafeBuffer(0, 0);

    /** Pooled buffer when the command outgrew the growth limit; returned to the pool by {@link #clear}. */
    private ByteBuffer spill;
    /**
     * A larger region this slot grew into for a command that did not fit {@link #region}, kept for the next one (up
     * to the growth limit), so a connection busy with large commands allocates once per slot, never per command,
     * while an idle one stays small: {@link #shrink} frees it. Owned like the slot's other fields.
     */
    private ByteBuffer grown;
    private final UnsafeBuffer grownView = new UnsafeBuffer(0, 0);
    /** The current command is encoded in {@link #grown}. */
    private boolean usesGrown;
    int length;
    int kind;
    ReplyHandler handler;
    long token;
    CommandBatch batch;
    CompletableFuture<Object> future;
    ReplyConverter<?> converter;
    long deadlineNs;
    /** When the command was submitted ({@code System.nanoTime()}): where its recorded latency starts. */
    long submitNs;
    /** Literal command name for error messages (never an argument: arguments may hold secrets). */
    String commandName;
    /** MOVED and ASK hops this command followed before landing here (the bound of {@code maxRedirects}). */
    int redirects;
    /** Backoff retries (TRYAGAIN, CLUSTERDOWN, LOADING) so far: they grow the backoff, not the redirect count. */
    int retries;
    /** Key slot the command was routed by, or -1 for a keyless one: a re-send picks its connection by it. */
    int routeSlot;
    /** Only for a detached slot parked for a later retry: when it is due (System.nanoTime). */
    long retryDueNs;
    /** Only for a detached slot parked for a later retry: its own pooled copy of the bytes. */
    private ByteBuffer detachedBytes;

    @SuppressWarnings("unused") // accessed through FINAL_STATE
    private int finalState;

    CommandSlot(final ByteBuffer arena, final int offset, final int capacity)
    {
        region = new UnsafeBuffer(arena, offset, capacity);
        regionView = arena.duplicate().position(offset).limit(offset + capacity).slice();
    }

    /**
     * Copies this slot's bytes and completion into a new detached slot that owns a pooled buffer, so the ring
     * slot can be reused while the command waits for a retry. Cold path: allocates the holder.
     */
    CommandSlot detach(final BufferPool pool)
    {
        final ByteBuffer copy = pool.acquire(length);
        final CommandSlot detached = new CommandSlot(copy, 0, copy.capacity());
        detached.detachedBytes = copy;
        wrapEncoded(detached.spillView);
        detached.region.putBytes(0, detached.spillView, 0, length);
        detached.spillView.wrap(0, 0);
        detached.length = length;
        detached.copyCompletionFrom(this);
        return detached;
    }

    /** Releases a detached slot's buffer once it was resubmitted or failed. */
    void releaseDetached(final BufferPool pool)
    {
        if (detachedBytes != null)
        {
            pool.release(detachedBytes);
            detachedBytes = null;
        }
        clear(pool);
    }

    /** Points {@code view} at the encoded bytes, in the region or the spill buffer. */
    void wrapEncoded(final UnsafeBuffer view)
    {
        if (spill != null)
        {
            view.wrap(spill, 0, length);
        }
        else if (usesGrown)
        {
            view.wrap(grown, 0, length);
        }
        else
        {
            view.wrap(region, 0, length);
        }
    }

    void copyCompletionFrom(final CommandSlot source)
    {
        kind = source.kind;
        handler = source.handler;
        token = source.token;
        batch = source.batch;
        future = source.future;
        converter = source.converter;
        deadlineNs = source.deadlineNs;
        submitNs = source.submitNs;
        commandName = source.commandName;
        redirects = source.redirects;
        retries = source.retries;
        routeSlot = source.routeSlot;
    }

    /**
     * Producer, after a failed encode: gives back a spill buffer and leaves an empty command the agent skips.
     * The slot must still be published: a multi-producer ring cannot take a claim back.
     */
    void abort(final BufferPool pool)
    {
        if (spill != null)
        {
            pool.release(spill);
            spill = null;
            spillView.wrap(0, 0);
        }
        usesGrown = false;
        length = 0;
        kind = KIND_ABORTED;
        commandName = "(aborted)";
        handler = null;
        batch = null;
        future = null;
        converter = null;
    }

    /**
     * Producer: picks in-place or spilled storage for {@code encodedLength} bytes and wraps the encoder over it.
     */
    RespEncoder beginEncode(final int encodedLength, final BufferPool pool, final int growthLimit)
    {
        FINAL_STATE.setOpaque(this, 0);
        length = encodedLength;
        usesGrown = false;
        if (encodedLength <= region.capacity())
        {
            return encoder.wrap(region, 0);
        }
        if (encodedLength <= growthLimit)
        {
            if (grown == null || grown.capacity() < encodedLength)
            {
                shrink();
                // Powers of two (at most the limit): a slot regrows at most a few times as commands vary.
                final int size = Math.min(growthLimit, Integer.highestOneBit(encodedLength - 1) << 1);
                grown = ByteBuffer.allocateDirect(Math.max(size, encodedLength));
                grownView.wrap(grown, 0, grown.capacity());
            }
            usesGrown = true;
            return encoder.wrap(grownView, 0);
        }
        spill = pool.acquire(encodedLength);
        spillView.wrap(spill, 0, encodedLength);
        return encoder.wrap(spillView, 0);
    }

    /**
     * Agent: the bytes to write, positioned at {@code sentBytes}.
     */
    ByteBuffer sendView(final int sentBytes)
    {
        final ByteBuffer view = spill != null ? spill : usesGrown ? grown : regionView;
        view.limit(length).position(sentBytes);
        return view;
    }

    void complete(final RespReader reply)
    {
        if (kind == KIND_INTERNAL || kind == KIND_ABORTED)
        {
            return;
        }
        if (kind == KIND_HANDLER)
        {
            try
            {
                handler.onReply(token, reply);
            }
            finally
            {
                if (batch != null)
                {
                    batch.onComplete();
                }
            }
        }
        else
        {
            final byte type = reply.type();
            if (type == RespType.ERROR || type == RespType.BLOB_ERROR)
            {
                future.completeExceptionally(new RedisServerException(reply.stringValue()));
            }
            else
            {
                try
                {
                    future.complete(converter.convert(reply));
                }
                catch (final RuntimeException ex)
                {
                    future.completeExceptionally(ex);
                }
            }
        }
    }

    void fail(final RedisException error)
    {
        if (kind == KIND_INTERNAL || kind == KIND_ABORTED)
        {
            return;
        }
        if (kind == KIND_HANDLER)
        {
            try
            {
                handler.onFailure(token, error);
            }
            finally
            {
                if (batch != null)
                {
                    batch.onComplete();
                }
            }
        }
        else
        {
            future.completeExceptionally(error);
        }
    }

    /**
     * Normal completion path (agent): marks the slot finished so a producer racing a close cannot fail it again.
     */
    void markFinal()
    {
        FINAL_STATE.setRelease(this, 1);
    }

    /**
     * Close path only: the agent's final drain and a producer that published after the agent terminated both try;
     * exactly one wins and completes the command.
     */
    boolean tryTakeFinal()
    {
        return FINAL_STATE.compareAndSet(this, 0, 1);
    }

    /**
     * Owner of a free slot (the agent, having claimed the whole ring of an idle connection): frees the grown region.
     *
     * @return true when there was one.
     */
    /** Agent, on a free slot: whether it holds a grown region (a hint to skip a shrink that frees nothing). */
    boolean hasGrown()
    {
        return grown != null;
    }

    boolean shrink()
    {
        if (grown == null)
        {
            return false;
        }
        final ByteBuffer old = grown;
        grown = null;
        grownView.wrap(0, 0);
        usesGrown = false;
        BufferUtil.free(old);
        return true;
    }

    /** Agent: drops references so the GC can take them, returns the spill buffer. */
    void clear(final BufferPool pool)
    {
        if (spill != null)
        {
            pool.release(spill);
            spill = null;
            spillView.wrap(0, 0);
        }
        usesGrown = false;
        handler = null;
        batch = null;
        future = null;
        converter = null;
        commandName = null;
        token = 0;
        kind = 0;
        redirects = 0;
        retries = 0;
        routeSlot = -1;
    }
}
