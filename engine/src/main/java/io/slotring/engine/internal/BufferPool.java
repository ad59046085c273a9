package io.slotring.engine.internal;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

import org.agrona.BufferUtil;
import org.jctools.queues.MpmcArrayQueue;

/**
 * Free lists of direct buffers in power-of-two size classes, for commands that outgrow their ring slot and replies
 * that outgrow a connection's receive buffer. Both are rare: the pool keeps them from costing an allocation
 * (and a cleaner) each time.
 *
 * <p>Ownership: {@link #acquire} hands a buffer to one owner (a producer for a spilled command, later the I/O agent
 * that completes it; or an I/O agent for a grown receive buffer), which gives it back with {@link #release}.
 * Any thread may call either: the free lists are JCTools MPMC queues. {@link #close} frees what the lists hold.
 */
public final class BufferPool
{
    static final int MIN_CLASS_SHIFT = 12;
    private static final int MAX_CLASS_SHIFT = 30;
    /** The largest buffer the pool hands out (1 GiB). */
    static final int MAX_CAPACITY = 1 << MAX_CLASS_SHIFT;
    private static final int BUFFERS_PER_CLASS = 8;
    /**
     * Buffers above this size (1 MiB) are freed on release instead of kept: one large reply, or a hostile one,
     * must not pin its memory for the client's life. Smaller classes cover the common spills and stay pooled.
     */
    static final int MAX_RETAINED_CAPACITY = 1 << 20;
    /** All free lists together keep at most this many bytes (4 MiB); past it a released buffer is freed. */
    public static final long MAX_RETAINED_BYTES = 4L << 20;

    // One queue per size class 2^MIN_CLASS_SHIFT .. 2^MAX_CLASS_SHIFT; immutable array, thread-safe queues.
    private final MpmcArrayQueue<ByteBuffer>[] freeLists;
    private volatile boolean closed;
    /** Bytes held by the free lists; updated on the (rare) spill and grow paths only. */
    private final AtomicLong retainedBytes = new AtomicLong();

    @SuppressWarnings({"unchecked", "rawtypes"})
    BufferPool()
    {
        freeLists = (MpmcArrayQueue<ByteBuffer>[])new MpmcArrayQueue[MAX_CLASS_SHIFT - MIN_CLASS_SHIFT + 1];
        for (int i = 0; i < freeLists.length; i++)
        {
            freeLists[i] = new MpmcArrayQueue<>(BUFFERS_PER_CLASS);
        }
    }

    /**
     * @param minCapacity bytes needed.
     * @return a cleared direct buffer of at least that capacity (a power of two, at least 4 KiB).
     */
    ByteBuffer acquire(final int minCapacity)
    {
        if (minCapacity > (1 << MAX_CLASS_SHIFT))
        {
            throw new IllegalArgumentException("buffer of " + minCapacity + " bytes exceeds the pool's largest class " +
                (1 << MAX_CLASS_SHIFT));
        }
        final int index = classIndex(minCapacity);
        final ByteBuffer pooled = freeLists[index].relaxedPoll();
        if (pooled != null)
        {
            retainedBytes.addAndGet(-pooled.capacity());
        }
        final ByteBuffer buffer = pooled != null ? pooled : ByteBuffer.allocateDirect(1 << (index + MIN_CLASS_SHIFT));
        buffer.clear();
        return buffer;
    }

    /**
     * @param buffer a buffer from {@link #acquire}; the caller must not touch it afterwards.
     */
    void release(final ByteBuffer buffer)
    {
        final int capacity = buffer.capacity();
        final int index = classIndex(capacity);
        if (!closed && capacity <= MAX_RETAINED_CAPACITY && (1 << (index + MIN_CLASS_SHIFT)) == capacity)
        {
            if (retainedBytes.addAndGet(capacity) <= MAX_RETAINED_BYTES && freeLists[index].relaxedOffer(buffer))
            {
                return;
            }
            retainedBytes.addAndGet(-capacity);
        }
        BufferUtil.free(buffer);
    }

    void close()
    {
        closed = true;
        for (final MpmcArrayQueue<ByteBuffer> freeList : freeLists)
        {
            ByteBuffer buffer;
            while ((buffer = freeList.relaxedPoll()) != null)
            {
                BufferUtil.free(buffer);
            }
        }
    }

    static int classIndex(final int capacity)
    {
        final int shift = Math.max(MIN_CLASS_SHIFT, 32 - Integer.numberOfLeadingZeros(Math.max(1, capacity - 1)));
        return shift - MIN_CLASS_SHIFT;
    }
}
