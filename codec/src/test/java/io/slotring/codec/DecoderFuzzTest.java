package io.slotring.codec;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;

import io.slotring.codec.internal.RespDecoder;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeded mutation fuzzing: valid frames are corrupted (bytes flipped, truncated, digits inserted, lengths forged) and
 * decoded whole and in random chunks with compaction. Every input must end in frames, INCOMPLETE or a
 * {@link RespProtocolException}; any other exception fails the test, and both feeds must agree exactly (same frames,
 * same error message at the same stream offset). Every decoded frame is also walked by {@link RespReader}.
 */
class DecoderFuzzTest
{
    private static final int INPUTS = 120_000;
    private static final long SEED = 0x5107_2196_C0DEL;
    private static final byte[] SPECIAL = Frames.bytes("\r\n-?+0123456789$*:%~>|_,#!=(.eEinfatx\u0000\u00ff");
    private static final String[] FORGED_LENGTHS = {
        "-1", "-2", "0", "1", "2147483647", "2147483648", "536870912", "536870913", "9223372036854775807",
        "9223372036854775808", "99999999999999999999", "?", "", "-", "+1", "00000000000000000000001", "1\r" };

    @Test
    void mutatedInputsEndInFrameIncompleteOrProtocolException()
    {
        final List<String> corpus = Corpus.replies();
        final SplittableRandom random = new SplittableRandom(SEED);
        int frames = 0;
        int errors = 0;
        int incompletes = 0;
        for (int n = 0; n < INPUTS; n++)
        {
            final long inputSeed = random.nextLong();
            final byte[] input = mutate(corpus, new SplittableRandom(inputSeed));
            final List<String> whole;
            final List<String> chunked;
            try
            {
                whole = decodeWhole(input, inputSeed);
                chunked = decodeChunked(input, inputSeed);
            }
            catch (final Throwable t)
            {
                throw new AssertionError("input #" + n + " seed " + inputSeed + ": " +
                    Frames.escape(new String(input, StandardCharsets.ISO_8859_1)), t);
            }

            assertThat(chunked).as("input #%d seed %d: %s", n, inputSeed,
                Frames.escape(new String(input, StandardCharsets.ISO_8859_1))).isEqualTo(whole);

            final String last = whole.isEmpty() ? "" : whole.get(whole.size() - 1);
            if (last.startsWith("ERROR"))
            {
                errors++;
                frames += whole.size() - 1;
            }
            else if (last.equals("INCOMPLETE"))
            {
                incompletes++;
                frames += whole.size() - 1;
            }
            else
            {
                frames += whole.size();
            }
        }

        // the mutations must exercise all three outcomes substantially, or the fuzzer tests nothing
        assertThat(errors).isGreaterThan(INPUTS / 10);
        assertThat(incompletes).isGreaterThan(INPUTS / 20);
        assertThat(frames).isGreaterThan(INPUTS);
    }

    @Test
    void tightBoundsFuzz()
    {
        // small bounds make depth and length limits fire often
        final List<String> corpus = Corpus.replies();
        final SplittableRandom random = new SplittableRandom(SEED + 1);
        for (int n = 0; n < 20_000; n++)
        {
            final long inputSeed = random.nextLong();
            final byte[] input = mutate(corpus, new SplittableRandom(inputSeed));
            final ReceiveSimulator whole = new ReceiveSimulator(new RespDecoder(2, 16), input.length + 1, inputSeed, 0);
            whole.feed(input, 0, input.length);
            final ReceiveSimulator chunked = new ReceiveSimulator(new RespDecoder(2, 16), 8, inputSeed, 0.5);
            final SplittableRandom chunks = new SplittableRandom(inputSeed);
            for (int i = 0; i < input.length; )
            {
                final int length = Math.min(input.length - i, 1 + chunks.nextInt(5));
                chunked.feed(input, i, length);
                i += length;
            }
            assertThat(chunked.finish()).as("seed %d", inputSeed).isEqualTo(whole.finish());
        }
    }

    private static List<String> decodeWhole(final byte[] input, final long seed)
    {
        final ReceiveSimulator sim = new ReceiveSimulator(new RespDecoder(), input.length + 1, seed, 0);
        sim.feed(input, 0, input.length);
        return sim.finish();
    }

    private static List<String> decodeChunked(final byte[] input, final long seed)
    {
        final SplittableRandom random = new SplittableRandom(~seed);
        final ReceiveSimulator sim = new ReceiveSimulator(new RespDecoder(), 1 + random.nextInt(32), seed, 0.5);
        final int maxChunk = 1 + random.nextInt(random.nextBoolean() ? 3 : 40);
        for (int i = 0; i < input.length; )
        {
            final int length = Math.min(input.length - i, 1 + random.nextInt(maxChunk));
            sim.feed(input, i, length);
            i += length;
        }
        return sim.finish();
    }

    static byte[] mutate(final List<String> corpus, final SplittableRandom random)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final int frames = 1 + random.nextInt(3);
        for (int i = 0; i < frames; i++)
        {
            out.writeBytes(Frames.bytes(corpus.get(random.nextInt(corpus.size()))));
        }
        byte[] bytes = out.toByteArray();

        final int mutations = random.nextInt(4); // 0: valid input, also worth checking chunk-independence
        for (int m = 0; m < mutations && bytes.length > 0; m++)
        {
            final int at = random.nextInt(bytes.length);
            switch (random.nextInt(8))
            {
                case 0: // flip to any byte
                    bytes[at] = (byte)random.nextInt(256);
                    break;
                case 1: // flip to a byte that matters to the grammar
                    bytes[at] = SPECIAL[random.nextInt(SPECIAL.length)];
                    break;
                case 2: // truncate
                    bytes = java.util.Arrays.copyOf(bytes, at);
                    break;
                case 3: // insert digits
                    bytes = insert(bytes, at, Frames.bytes(Long.toString(random.nextLong(1, 1_000_000_000_000L))
                        .substring(0, 1 + random.nextInt(6))));
                    break;
                case 4: // forge the length/count after some type byte
                    bytes = forgeLength(bytes, at, FORGED_LENGTHS[random.nextInt(FORGED_LENGTHS.length)]);
                    break;
                case 5: // delete a byte
                    bytes = remove(bytes, at, 1 + random.nextInt(Math.min(4, bytes.length - at)));
                    break;
                case 6: // duplicate a range
                {
                    final int length = 1 + random.nextInt(Math.min(16, bytes.length - at));
                    bytes = insert(bytes, at, java.util.Arrays.copyOfRange(bytes, at, at + length));
                    break;
                }
                default: // wrap in an aggregate header
                    bytes = insert(bytes, 0, Frames.bytes(
                        "*%~>|".charAt(random.nextInt(5)) + Integer.toString(random.nextInt(4)) + "\r\n"));
                    break;
            }
        }
        return bytes;
    }

    /** Replace the digits that follow the first length-carrying type byte at or after {@code from}. */
    private static byte[] forgeLength(final byte[] bytes, final int from, final String forged)
    {
        for (int i = from; i < bytes.length; i++)
        {
            final byte b = bytes[i];
            if (b == '$' || b == '*' || b == '%' || b == '~' || b == '>' || b == '|' || b == '!' || b == '=' ||
                b == ':')
            {
                int end = i + 1;
                while (end < bytes.length && bytes[end] != '\r')
                {
                    end++;
                }
                final byte[] head = java.util.Arrays.copyOf(bytes, i + 1);
                final byte[] forgedBytes = Frames.bytes(forged);
                final byte[] tail = java.util.Arrays.copyOfRange(bytes, end, bytes.length);
                final byte[] result = new byte[head.length + forgedBytes.length + tail.length];
                System.arraycopy(head, 0, result, 0, head.length);
                System.arraycopy(forgedBytes, 0, result, head.length, forgedBytes.length);
                System.arraycopy(tail, 0, result, head.length + forgedBytes.length, tail.length);
                return result;
            }
        }
        return bytes;
    }

    private static byte[] insert(final byte[] bytes, final int at, final byte[] insertion)
    {
        final byte[] result = new byte[bytes.length + insertion.length];
        System.arraycopy(bytes, 0, result, 0, at);
        System.arraycopy(insertion, 0, result, at, insertion.length);
        System.arraycopy(bytes, at, result, at + insertion.length, bytes.length - at);
        return result;
    }

    private static byte[] remove(final byte[] bytes, final int at, final int length)
    {
        final byte[] result = new byte[bytes.length - length];
        System.arraycopy(bytes, 0, result, 0, at);
        System.arraycopy(bytes, at + length, result, at, bytes.length - at - length);
        return result;
    }
}
