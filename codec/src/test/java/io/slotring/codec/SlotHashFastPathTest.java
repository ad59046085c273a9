package io.slotring.codec;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Supplier;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The block-at-a-time paths (sliced CRC, SWAR brace search, ASCII runs of a CharSequence) against the plain
 * table-driven byte-at-a-time CRC and a transcription of the server's keyHashSlot: keys up to 2000 bytes at every
 * word phase, and braces at every position around the 8-, 16- and 32-byte block boundaries where the loops hand over.
 */
class SlotHashFastPathTest
{
    /** The braces, then bytes a SWAR compare could confuse with them: a bit away, the high bit above all, or 0, -1. */
    private static final byte[] NEAR_BRACES = { 0x7B, 0x7D, (byte)0xFB, (byte)0xFD, 0x7A, 0x7C, 0x3B, 0x5D, 0, -1 };
    /** Room for the longest key, its offset and padding; the tests run one at a time. */
    private static final ByteBuffer OFF_HEAP = ByteBuffer.allocateDirect(4096);
    private static final char[] NON_ASCII = {
        '\u0080', '\u00e9', '\u07ff', '\u0800', '\u4e2d', '\uffff', '\u00fb', '\u017b', '\u7b7b', '\uD800', '\uDC00',
    };

    @Property(tries = 2000)
    void longByteKeysAtAnyOffsetAgreeWithTheReference(
        @ForAll final long seed,
        @ForAll @IntRange(max = 2000) final int length,
        @ForAll @IntRange(max = 23) final int offset,
        @ForAll @IntRange(max = 4) final int braces)
    {
        final Random random = new Random(seed);
        final byte[] key = new byte[length];
        for (int i = 0; i < length; i++)
        {
            key[i] = random.nextInt(4) == 0 ? NEAR_BRACES[2 + random.nextInt(NEAR_BRACES.length - 2)] :
                (byte)random.nextInt(256);
            if (key[i] == '{' || key[i] == '}')
            {
                key[i] = 'x';
            }
        }
        for (int i = 0; i < braces && length > 0; i++)
        {
            key[random.nextInt(length)] = random.nextBoolean() ? (byte)'{' : (byte)'}';
        }
        assertEveryByteOverload(key, offset);
    }

    @Property(tries = 2000)
    void longTextKeysAgreeWithTheReferenceOnTheirUtf8(
        @ForAll final long seed,
        @ForAll @IntRange(max = 2000) final int length,
        @ForAll @IntRange(max = 4) final int braces,
        @ForAll @IntRange(max = 64) final int nonAsciiPerThousand)
    {
        final Random random = new Random(seed);
        final StringBuilder key = new StringBuilder(length);
        while (key.length() < length)
        {
            if (random.nextInt(1000) < nonAsciiPerThousand)
            {
                if (random.nextInt(4) == 0)
                {
                    key.appendCodePoint(0x10000 + random.nextInt(0x100000));
                }
                else
                {
                    key.append(NON_ASCII[random.nextInt(NON_ASCII.length)]);
                }
            }
            else
            {
                final char c = (char)(1 + random.nextInt(0x7F));
                key.append(c == '{' || c == '}' ? 'x' : c);
            }
        }
        key.setLength(length);
        for (int i = 0; i < braces && length > 0; i++)
        {
            key.setCharAt(random.nextInt(length), random.nextBoolean() ? '{' : '}');
        }
        assertEveryTextOverload(key.toString());
    }

    @Test
    void bracesAtEveryPairOfPositionsInShortKeys()
    {
        for (int length = 0; length <= 48; length++)
        {
            for (int open = -1; open < length; open++)
            {
                for (int close = -1; close < length; close++)
                {
                    if (close == open && open >= 0)
                    {
                        continue;
                    }
                    final byte[] key = filled(length, open, close);
                    for (int offset = 0; offset < 8; offset++)
                    {
                        assertEveryByteOverload(key, offset);
                    }
                    assertEveryTextOverload(new String(key, StandardCharsets.US_ASCII));
                }
            }
        }
    }

    @Test
    void bracesAroundEveryBlockBoundaryOfLongerKeys()
    {
        // Every length mod 16 over several 16-byte CRC blocks and 32-byte search blocks, braces anywhere; then the
        // benchmark's length, braces around each block boundary.
        for (int length = 96; length <= 112; length++)
        {
            checkBracesAround(length, new int[]{ 0, 1, 2, 3, 4, 5, 6, 7 }, false);
        }
        checkBracesAround(512, new int[]{ 0, 3, 7 }, true);
        checkBracesAround(521, new int[]{ 0, 5 }, true);
    }

    @Test
    void nonAsciiAtEveryPositionAroundTheAsciiFastPath()
    {
        final String[] inserts = { "\u00e9", "\u4e2d", "\uD83D\uDE00", "\uD800", "\uDC00", "\u007f", "\u0080" };
        for (int length = 1; length <= 40; length++)
        {
            for (int at = 0; at < length; at++)
            {
                for (final String insert : inserts)
                {
                    for (final int open : new int[]{ -1, 0, at, length - 1 })
                    {
                        final char[] chars = new String(filled(length, -1, -1), StandardCharsets.US_ASCII)
                            .toCharArray();
                        if (open >= 0)
                        {
                            chars[open] = '{';
                        }
                        chars[length - 1] = chars[length - 1] == '{' ? '{' : '}';
                        final String ascii = new String(chars);
                        assertEveryTextOverload(ascii.substring(0, at) + insert + ascii.substring(at));
                        // A surrogate pair split across the fast path's eight-char blocks, and lone halves at ends.
                        assertEveryTextOverload(ascii.substring(0, at) + insert + insert + ascii.substring(at));
                    }
                }
            }
        }
    }

    @Test
    void everyByteValueInEveryLaneMatchesOnlyItsBrace()
    {
        // Each byte value in each lane of the words, in the 32-byte presence test and in the exact search after it:
        // only a real brace may open or close a tag, whatever bytes sit next to it.
        for (int value = 0; value < 256; value++)
        {
            for (int lane = 0; lane < 48; lane++)
            {
                final byte[] key = filled(48, -1, -1);
                key[lane] = (byte)value;
                assertEveryByteOverload(key, 3);
                key[(lane + 5) % 48] = '{';
                assertEveryByteOverload(key, 3);
                key[(lane + 37) % 48] = '}';
                assertEveryByteOverload(key, 3);
                key[(lane + 5) % 48] = '}';
                key[(lane + 43) % 48] = '{';
                assertEveryByteOverload(key, 3);
            }
        }
    }

    private static void checkBracesAround(final int length, final int[] offsets, final boolean nearBoundaryOnly)
    {
        for (int open = -1; open < length; open++)
        {
            if (nearBoundaryOnly && open >= 24 && !nearBoundary(open))
            {
                continue;
            }
            for (final int close : new int[]{ -1, open + 1, open + 2, open + 7, open + 8, open + 9, length - 1 })
            {
                if (close >= length || (close == open && open >= 0))
                {
                    continue;
                }
                final byte[] key = filled(length, open, close);
                for (final int offset : offsets)
                {
                    assertEveryByteOverload(key, offset);
                }
                assertEveryTextOverload(new String(key, StandardCharsets.US_ASCII));
            }
        }
    }

    private static boolean nearBoundary(final int position)
    {
        final int phase = position & 7;
        return phase <= 1 || phase >= 6;
    }

    /** A key of ASCII digits and letters, with a '{' at open and a '}' at close when those are not negative. */
    private static byte[] filled(final int length, final int open, final int close)
    {
        final byte[] key = new byte[length];
        for (int i = 0; i < length; i++)
        {
            key[i] = (byte)('0' + (i * 7) % 43);
        }
        if (open >= 0)
        {
            key[open] = '{';
        }
        if (close >= 0)
        {
            key[close] = '}';
        }
        return key;
    }

    private static void assertEveryByteOverload(final byte[] key, final int offset)
    {
        final int expectedSlot = Reference.slot(key, 0, key.length);
        final int expectedCrc = Reference.crc16(key, 0, key.length);

        // Braces on both sides so a range overrun would change the tag.
        final byte[] padded = new byte[offset + key.length + 17];
        Arrays.fill(padded, 0, offset, (byte)'{');
        Arrays.fill(padded, offset + key.length, padded.length, (byte)'}');
        System.arraycopy(key, 0, padded, offset, key.length);
        final UnsafeBuffer heap = new UnsafeBuffer(padded);
        // Off-heap, at an adjustment; one shared block, as allocating one per check makes the exhaustive tests crawl.
        final UnsafeBuffer direct = new UnsafeBuffer(OFF_HEAP, 5, padded.length);
        direct.putBytes(0, padded);

        // Described lazily: the exhaustive tests make millions of these checks.
        final Supplier<String> why =
            () -> "length " + key.length + " offset " + offset + " key " + Arrays.toString(key);
        assertThat(SlotHash.slot(key)).as(why).isEqualTo(expectedSlot);
        assertThat(SlotHash.slot(padded, offset, key.length)).as(why).isEqualTo(expectedSlot);
        assertThat(SlotHash.slot(heap, offset, key.length)).as(why).isEqualTo(expectedSlot);
        assertThat(SlotHash.slot(direct, offset, key.length)).as(why).isEqualTo(expectedSlot);
        assertThat(SlotHash.crc16(key)).as(why).isEqualTo(expectedCrc);
        assertThat(SlotHash.crc16(padded, offset, key.length)).as(why).isEqualTo(expectedCrc);
        assertThat(SlotHash.crc16(heap, offset, key.length)).as(why).isEqualTo(expectedCrc);
        assertThat(SlotHash.crc16(direct, offset, key.length)).as(why).isEqualTo(expectedCrc);
    }

    private static void assertEveryTextOverload(final String key)
    {
        final byte[] utf8 = key.getBytes(StandardCharsets.UTF_8);
        final int expectedSlot = Reference.slot(utf8, 0, utf8.length);
        final int expectedCrc = Reference.crc16(utf8, 0, utf8.length);
        final Supplier<String> why =
            () -> key.length() + " chars " + key.chars().mapToObj(Integer::toHexString).toList();
        assertThat(SlotHash.slot(key)).as(why).isEqualTo(expectedSlot);
        assertThat(SlotHash.slot(new StringBuilder(key))).as(why).isEqualTo(expectedSlot);
        assertThat(SlotHash.crc16(key)).as(why).isEqualTo(expectedCrc);
        assertThat(SlotHash.crc16(new StringBuilder(key))).as(why).isEqualTo(expectedCrc);
    }

    /** The simple table-driven byte-at-a-time CRC, and the server's keyHashSlot over it. */
    private static final class Reference
    {
        private static final int[] TABLE = new int[256];

        static
        {
            for (int i = 0; i < 256; i++)
            {
                int crc = i << 8;
                for (int bit = 0; bit < 8; bit++)
                {
                    crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
                }
                TABLE[i] = crc & 0xFFFF;
            }
        }

        static int crc16(final byte[] bytes, final int from, final int to)
        {
            int crc = 0;
            for (int i = from; i < to; i++)
            {
                crc = ((crc << 8) ^ TABLE[((crc >>> 8) ^ bytes[i]) & 0xFF]) & 0xFFFF;
            }
            return crc;
        }

        static int slot(final byte[] key, final int from, final int to)
        {
            int open = from;
            while (open < to && key[open] != '{')
            {
                open++;
            }
            if (open < to)
            {
                int close = open + 1;
                while (close < to && key[close] != '}')
                {
                    close++;
                }
                if (close < to && close > open + 1)
                {
                    return crc16(key, open + 1, close) & 0x3FFF;
                }
            }
            return crc16(key, from, to) & 0x3FFF;
        }
    }
}
