package io.slotring.engine.internal;

import java.nio.ByteBuffer;

import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import org.agrona.BufferUtil;

/**
 * One connection's Disruptor ring of {@link CommandSlot}s over one off-heap arena.
 *
 * <p>Sequences: producers claim with {@link RingBuffer#tryNext()} and publish; the I/O agent reads published slots
 * with {@link RingBuffer#isAvailable(long)} (it needs to look at a slot without consuming it, which an
 * {@code EventPoller} would not allow) and advances {@link #completed} as replies arrive. {@code completed} is the
 * ring's only gating sequence: a slot is reused only after its reply (or failure) has been delivered.
 *
 * <p>Ownership: the arena is allocated here and released by its cleaner once the client is unreachable, never
 * freed explicitly: a producer racing {@code close()} may still be encoding into a slot.
 */
final class CommandRing
{
    private final ByteBuffer arena;
    final RingBuffer<CommandSlot> ring;
    /** Highest sequence whose completion was delivered; written by the I/O agent (release), read by producers. */
    final Sequence completed = new Sequence(RingBuffer.INITIAL_CURSOR_VALUE);
    /**
     * Set by the agent before its final drain (client closed, node retired); a producer that sees it after
     * publishing completes its own slot unless the drain took it first. See NodeConnection#terminate.
     */
    volatile boolean terminated;
    /** Why the ring was terminated, for the errors of late publishes; written before {@link #terminated}. */
    String terminationReason = "client closed";

    CommandRing(final int size, final int slotCapacity)
    {
        arena = BufferUtil.allocateDirectAligned(size * slotCapacity, 64);
        final int[] next = {0};
        // The wait strategy serves SequenceBarriers, which slotring does not use: the agent polls isAvailable.
        ring = RingBuffer.createMultiProducer(
            () -> new CommandSlot(arena, slotCapacity * next[0]++, slotCapacity), size, new BusySpinWaitStrategy());
        ring.addGatingSequences(completed);
    }

    /**
     * @param count consecutive slots to claim (2 keeps ASKING and its command adjacent).
     * @return the highest claimed sequence, or -1 when the ring lacks room.
     */
    long tryClaim(final int count)
    {
        try
        {
            return ring.tryNext(count);
        }
        catch (final InsufficientCapacityException ex)
        {
            return -1;
        }
    }

    /**
     * Agent, on an idle connection (nothing queued or in flight): claims every slot, so no producer holds one,
     * frees the regions slots grew into, and hands the slots straight back as completed. A producer that tries to
     * claim meanwhile sees a full ring for these few microseconds (it waits, or is back-pressured under FAIL_FAST).
     *
     * @return the new completed sequence, or -1 when a producer held a slot or nothing had grown.
     */
    long shrinkIdle()
    {
        final int size = size();
        final long base = completed.get();
        boolean anyGrown = false;
        for (int i = 1; i <= size && !anyGrown; i++)
        {
            anyGrown = slot(base + i).hasGrown();
        }
        if (!anyGrown)
        {
            return -1;
        }
        final long high = tryClaim(size);
        if (high < 0)
        {
            return -1;
        }
        for (long sequence = high - size + 1; sequence <= high; sequence++)
        {
            final CommandSlot slot = slot(sequence);
            slot.shrink();
            slot.kind = CommandSlot.KIND_ABORTED;
            slot.length = 0;
        }
        ring.publish(high - size + 1, high);
        completed.set(high);
        return high;
    }

    CommandSlot slot(final long sequence)
    {
        return ring.get(sequence);
    }

    boolean isAvailable(final long sequence)
    {
        return ring.isAvailable(sequence);
    }

    void publish(final long low, final long high)
    {
        ring.publish(low, high);
    }

    long cursor()
    {
        return ring.getCursor();
    }

    int size()
    {
        return ring.getBufferSize();
    }
}
