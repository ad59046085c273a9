package io.slotring.codec;

import java.util.List;
import java.util.SplittableRandom;

import io.slotring.codec.internal.RespDecoder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A multi-reply stream decodes identically however it is split into reads, including when the receive buffer is
 * compacted (partial frame moved to offset 0 or into a new buffer) between reads.
 */
class ChunkedDecodeTest
{
    private static byte[] stream;
    private static List<String> expectedDumps;
    private static List<Integer> expectedLengths;

    @BeforeAll
    static void corpus()
    {
        stream = Frames.bytes(Corpus.stream());
        expectedDumps = Corpus.dumps();
        expectedLengths = Corpus.lengths();
        // sanity: the corpus really covers every RESP type byte as a frame start or inside one
        for (final char type : "+-:$*_,#!=(%~>|".toCharArray())
        {
            assertThat(Corpus.stream()).contains(String.valueOf(type));
        }
    }

    private static ReceiveSimulator simulator(final long seed, final int capacity, final double compact)
    {
        return new ReceiveSimulator(new RespDecoder(), capacity, seed, compact, expectedLengths);
    }

    private static void assertDecodedIdentically(final ReceiveSimulator sim, final String description)
    {
        assertThat(sim.finish()).as(description).containsExactlyElementsOf(expectedDumps);
        assertThat(sim.frameLengths()).as(description).containsExactlyElementsOf(expectedLengths);
        assertThat(sim.minimumBoundViolations()).as("minimumFrameLength above the real length: " + description)
            .isZero();
    }

    @Test
    void wholeStreamAtOnce()
    {
        final ReceiveSimulator sim = simulator(1, stream.length, 0);
        sim.feed(stream, 0, stream.length);
        assertDecodedIdentically(sim, "whole");
        assertThat(sim.frameLengths()).hasSize(35);
    }

    @Test
    void everySplitPoint()
    {
        for (int split = 0; split <= stream.length; split++)
        {
            final ReceiveSimulator sim = simulator(split, 64, 0.5);
            sim.feed(stream, 0, split);
            sim.feed(stream, split, stream.length - split);
            assertDecodedIdentically(sim, "split at " + split);
        }
    }

    @Test
    void byteByByteWithCompaction()
    {
        for (final double compact : new double[] { 0, 0.3, 1 })
        {
            final ReceiveSimulator sim = simulator(7, 16, compact);
            for (int i = 0; i < stream.length; i++)
            {
                sim.feed(stream, i, 1);
            }
            assertDecodedIdentically(sim, "byte by byte, compact " + compact);
        }
    }

    @Test
    void randomChunkingsSeeded()
    {
        final int[] maxChunks = { 2, 3, 7, 16, 64, 300, 1000 };
        for (long seed = 0; seed < 3000; seed++)
        {
            final SplittableRandom random = new SplittableRandom(seed);
            final int maxChunk = maxChunks[random.nextInt(maxChunks.length)];
            final ReceiveSimulator sim = simulator(seed, 1 + random.nextInt(128), random.nextDouble());
            int position = 0;
            while (position < stream.length)
            {
                final int chunk = Math.min(stream.length - position, 1 + random.nextInt(maxChunk));
                sim.feed(stream, position, chunk);
                position += chunk;
            }
            assertDecodedIdentically(sim, "seed " + seed + " maxChunk " + maxChunk);
        }
    }

    @Test
    void truncatedStreamEndsIncompleteAtEveryLength()
    {
        int frameEnd = 0;
        int frames = 0;
        for (int length = 0; length < stream.length; length++)
        {
            while (frames < expectedLengths.size() && frameEnd + expectedLengths.get(frames) <= length)
            {
                frameEnd += expectedLengths.get(frames++);
            }
            final ReceiveSimulator sim = simulator(length, 32, 0.5);
            sim.feed(stream, 0, length);
            final List<String> events = sim.finish();
            assertThat(sim.frameLengths()).as("length " + length).containsExactlyElementsOf(
                expectedLengths.subList(0, frames));
            if (length > frameEnd)
            {
                assertThat(events).last().isEqualTo("INCOMPLETE");
            }
        }
    }
}
