package io.slotring.codec;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import io.slotring.codec.internal.RespDecoder;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A connection's receive path as the engine would run it: append what a read returned, decode every complete frame,
 * keep the partial one, and sometimes compact it to offset 0 (or into a fresh buffer) before the next read, so the
 * decoder must resume a frame that moved. Records each frame's dump, and the final error in stream coordinates, so
 * that different chunkings can be compared.
 */
final class ReceiveSimulator
{
    private static final long GROW_CEILING = 1 << 20;
    private static final java.util.regex.Pattern OFFSET = java.util.regex.Pattern.compile("at offset (\\d+)");

    private final RespDecoder decoder;
    private final SplittableRandom random;
    private final double compactProbability;
    private final List<String> events = new ArrayList<>();
    private final List<Integer> frameLengths = new ArrayList<>();

    private UnsafeBuffer buffer;
    private int start;
    private int limit;
    /** Stream offset of buffer index 0, to report errors independently of where bytes sat in the buffer. */
    private long streamBase;
    private boolean failed;
    private int decodeCalls;
    private int growths;
    private long maxMinimumFrameLength;
    private long minimumBoundViolations;
    private final List<Integer> expectedFrameLengths;

    ReceiveSimulator(final RespDecoder decoder, final int initialCapacity, final long seed,
        final double compactProbability)
    {
        this(decoder, initialCapacity, seed, compactProbability, null);
    }

    /**
     * @param expectedFrameLengths if known, every {@link RespDecoder#minimumFrameLength()} after INCOMPLETE is checked
     *                             to be a true lower bound of the frame being received.
     */
    ReceiveSimulator(
        final RespDecoder decoder,
        final int initialCapacity,
        final long seed,
        final double compactProbability,
        final List<Integer> expectedFrameLengths)
    {
        this.decoder = decoder;
        this.random = new SplittableRandom(seed);
        this.compactProbability = compactProbability;
        this.buffer = new UnsafeBuffer(new byte[initialCapacity]);
        this.expectedFrameLengths = expectedFrameLengths;
    }

    /** Feed one read's worth of bytes. */
    void feed(final byte[] source, final int offset, final int length)
    {
        if (failed)
        {
            return;
        }
        ensureRoom(length);
        buffer.putBytes(limit, source, offset, length);
        limit += length;
        decodeAvailable();
    }

    /** Feed {@code length} bytes produced by a generator without materialising the whole stream. */
    void feed(final UnsafeBuffer chunk, final int length)
    {
        if (failed)
        {
            return;
        }
        ensureRoom(length);
        buffer.putBytes(limit, chunk, 0, length);
        limit += length;
        decodeAvailable();
    }

    private void decodeAvailable()
    {
        // Each iteration either consumes a frame (start advances) or stops: bounded by the bytes held.
        while (start < limit)
        {
            final int frameLength;
            try
            {
                decodeCalls++;
                frameLength = decoder.decode(buffer, start, limit);
            }
            catch (final RespProtocolException ex)
            {
                final long streamOffset = streamBase + ex.offset();
                final long base = streamBase;
                events.add("ERROR@" + streamOffset + " " + OFFSET.matcher(ex.getMessage())
                    .replaceAll(m -> "at stream offset " + (base + Long.parseLong(m.group(1)))));
                failed = true;
                return;
            }

            if (frameLength == RespDecoder.INCOMPLETE)
            {
                final long minimum = decoder.minimumFrameLength();
                maxMinimumFrameLength = Math.max(maxMinimumFrameLength, minimum);
                if (expectedFrameLengths != null && frameLengths.size() < expectedFrameLengths.size() &&
                    minimum > expectedFrameLengths.get(frameLengths.size()))
                {
                    minimumBoundViolations++;
                }
                // Trust the hint only up to a ceiling, as a real receive path must: forged lengths are in the input.
                if (minimum > buffer.capacity() && minimum <= GROW_CEILING)
                {
                    grow((int)Math.min(minimum, Integer.MAX_VALUE - 8));
                }
                else if (start > 0 && random.nextDouble() < compactProbability)
                {
                    compact(random.nextBoolean());
                }
                return;
            }

            if (frameLength < 0 || frameLength > limit - start)
            {
                throw new AssertionError("frame length " + frameLength + " outside " + (limit - start) + " bytes");
            }
            events.add(Frames.dump(buffer, start, frameLength));
            Frames.checkSkipCoversFrame(buffer, start, frameLength);
            frameLengths.add(frameLength);
            start += frameLength;
        }
    }

    /** Call after the last read: records a trailing partial frame. */
    List<String> finish()
    {
        if (!failed && start < limit)
        {
            events.add("INCOMPLETE");
        }
        return events;
    }

    List<Integer> frameLengths()
    {
        return frameLengths;
    }

    int growths()
    {
        return growths;
    }

    int decodeCalls()
    {
        return decodeCalls;
    }

    long maxMinimumFrameLength()
    {
        return maxMinimumFrameLength;
    }

    long minimumBoundViolations()
    {
        return minimumBoundViolations;
    }

    int capacity()
    {
        return buffer.capacity();
    }

    private void ensureRoom(final int length)
    {
        if (limit + length <= buffer.capacity())
        {
            return;
        }
        if (start > 0)
        {
            compact(false);
        }
        if (limit + length > buffer.capacity())
        {
            grow(Math.max(limit + length, buffer.capacity() * 2));
        }
    }

    /** Move the unconsumed bytes to offset 0, in place or into a brand new buffer. */
    private void compact(final boolean intoNewBuffer)
    {
        final int remaining = limit - start;
        final UnsafeBuffer target = intoNewBuffer ? new UnsafeBuffer(new byte[buffer.capacity()]) : buffer;
        final byte[] copy = new byte[remaining];
        buffer.getBytes(start, copy);
        if (intoNewBuffer)
        {
            // Poison the old buffer: a decoder holding absolute positions into it would now read garbage.
            buffer.setMemory(0, buffer.capacity(), (byte)'?');
        }
        target.putBytes(0, copy);
        streamBase += start;
        buffer = target;
        start = 0;
        limit = remaining;
    }

    private void grow(final int capacity)
    {
        growths++;
        final int remaining = limit - start;
        final UnsafeBuffer target = new UnsafeBuffer(new byte[capacity]);
        target.putBytes(0, buffer, start, remaining);
        buffer.setMemory(0, buffer.capacity(), (byte)'?');
        streamBase += start;
        buffer = target;
        start = 0;
        limit = remaining;
    }
}
