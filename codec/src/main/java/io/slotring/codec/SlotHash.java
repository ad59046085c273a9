package io.slotring.codec;

import java.lang.ref.Reference;
import java.nio.ByteOrder;
import java.util.Objects;

import org.agrona.BufferUtil;
import org.agrona.DirectBuffer;
import org.agrona.UnsafeApi;

/**
 * Redis Cluster key slots: CRC16/XMODEM (polynomial 0x1021, initial value 0, no reflection, no final xor) of the
 * key, or of its hash tag, modulo {@link #SLOT_COUNT}.
 * <p>
 * <b>Hash tags.</b> As in the cluster spec and the server's {@code keyHashSlot}: when the key contains a
 * <code>'&#123;'</code>, and a <code>'&#125;'</code> follows the FIRST <code>'&#123;'</code>, and at least one byte
 * lies between them, only the bytes between that <code>'&#123;'</code> and the first <code>'&#125;'</code> after it
 * are hashed; otherwise the whole key is. So {@code "{user1000}.following"} and {@code "{user1000}.followers"} share
 * a slot, {@code "foo{}{bar}"} hashes the whole
 * key, {@code "foo{{bar}}zap"} hashes <code>"&#123;bar"</code> and {@code "foo{bar}{zap}"} hashes {@code "bar"}.
 * <p>
 * <b>No copying, no allocation.</b> Every overload reads the key where it lies: a slice of a {@code byte[]}, a region
 * of a {@link DirectBuffer} at any offset, or a {@link CharSequence} whose UTF-8 encoding is produced a code point at
 * a time and fed straight into the checksum (the same bytes as {@code String.getBytes(UTF_8)}: a surrogate pair is
 * four bytes, a lone surrogate is {@code '?'}).
 * <p>
 * <b>Long keys.</b> The CRC is computed sixteen bytes per step by slicing, and braces are searched for eight bytes
 * per compare (SWAR); runs of ASCII chars in a {@link CharSequence} take the same sliced path, as they are their own
 * UTF-8 bytes. Arrays and buffers share one implementation over raw memory, Agrona style: the range is checked once,
 * up front, and then read without a bounds check per byte.
 * <p>
 * Stateless and thread-safe.
 */
public final class SlotHash
{
    /** Number of hash slots in a Redis Cluster. */
    public static final int SLOT_COUNT = 16384;

    /** {@link #SLOT_COUNT} is a power of two, so the modulo is a mask. */
    private static final int SLOT_MASK = SLOT_COUNT - 1;
    private static final int POLYNOMIAL = 0x1021;

    /**
     * Slicing tables: {@code TABLES[(k << 8) + b]} is the CRC of byte {@code b} followed by {@code k} zero bytes, k
     * in 0..15; table 0 is the classic byte-at-a-time table.
     * <p>
     * The CRC is linear, and being non-reflected it shifts its 16-bit register left, out through the top: so the
     * register can be xored into the first two bytes of the next block, and that block's CRC is then the xor of one
     * lookup per byte, in the table for the byte's distance from the block's end. Only the first two lookups of a
     * block wait on the previous block; the other fourteen, and their xors, overlap with it, where byte at a time
     * makes every lookup wait on the one before.
     * <p>
     * One array, so a single base register and constant offsets reach every table; char entries, so all sixteen are
     * 8 KiB and stay in L1.
     */
    private static final char[] TABLES = new char[16 * 256];

    /** Words for the brace search are read in native order, so where a match lies in a word depends on it. */
    private static final boolean NATIVE_LITTLE_ENDIAN = BufferUtil.NATIVE_BYTE_ORDER == ByteOrder.LITTLE_ENDIAN;

    private static final long ONES = 0x0101_0101_0101_0101L;
    private static final long HIGH_BITS = 0x8080_8080_8080_8080L;
    private static final long LOW_7_BITS = 0x7F7F_7F7F_7F7F_7F7FL;
    private static final long OPEN_BRACES = 0x7B7B_7B7B_7B7B_7B7BL;
    private static final long CLOSE_BRACES = 0x7D7D_7D7D_7D7D_7D7DL;

    static
    {
        for (int b = 0; b < 256; b++)
        {
            int crc = b << 8;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ POLYNOMIAL : crc << 1;
            }
            TABLES[b] = (char)crc;
        }
        for (int k = 1; k < 16; k++)
        {
            for (int b = 0; b < 256; b++)
            {
                // One zero byte more than table k - 1: a byte-at-a-time update of its entry with 0.
                final int previous = TABLES[((k - 1) << 8) + b];
                TABLES[(k << 8) + b] = (char)((previous << 8) ^ TABLES[previous >>> 8]);
            }
        }
    }

    private SlotHash()

    {

    }

    /**
     * @param key whole array is the key.
     * @return the key's slot, 0..16383.
     */
    public static int slot(final byte[] key)
    {
        return slot(key, 0, key.length);
    }

    /**
     * @param key    array holding the key.
     * @param offset index of the key's first byte.
     * @param length key length in bytes.
     * @return the key's slot, 0..16383.
     * @throws IndexOutOfBoundsException when the range does not lie within the array.
     */
    public static int slot(final byte[] key, final int offset, final int length)
    {
        Objects.checkFromIndexSize(offset, length, key.length);
        return slotAt(key, BufferUtil.ARRAY_BASE_OFFSET + offset, length);
    }

    /**
     * @param key    buffer holding the key; any offset (a heap or off-heap buffer, wrapped at any adjustment).
     * @param offset index in {@code key} of the key's first byte.
     * @param length key length in bytes.
     * @return the key's slot, 0..16383.
     * @throws IndexOutOfBoundsException when the range does not lie within the buffer.
     */
    public static int slot(final DirectBuffer key, final int offset, final int length)
    {
        checkRange(key, offset, length);
        final int slot = slotAt(key.byteArray(), key.addressOffset() + offset, length);
        // The buffer may own the memory just read, a direct ByteBuffer's, which must not be freed before the reads.
        Reference.reachabilityFence(key);
        return slot;
    }

    /**
     * The slot of the UTF-8 encoding of {@code key}, computed without encoding it into a buffer.
     * <p>
     * Braces are ASCII and no byte of a multi-byte UTF-8 sequence is below 0x80, so the hash tag can be found on
     * the chars: the bytes between the braces are exactly the encoding of the chars between them.
     *
     * @param key key text.
     * @return the key's slot, 0..16383.
     */
    public static int slot(final CharSequence key)
    {
        if (key instanceof String)
        {
            // The usual key type gets code of its own: its charAt is inlined whatever other CharSequence types the
            // application passes here too, and its braces are found by the String.indexOf intrinsic.
            return slotOfString((String)key);
        }
        final int end = key.length();
        final int open = indexOf(key, 0, end, '{');
        if (open >= 0)
        {
            final int close = indexOf(key, open + 1, end, '}');
            if (close > open + 1)
            {
                return crc16Utf8(key, open + 1, close) & SLOT_MASK;
            }
        }
        return crc16Utf8(key, 0, end) & SLOT_MASK;
    }

    /**
     * @param bytes whole array is checksummed.
     * @return CRC16/XMODEM of the bytes, 0..0xFFFF; hash tags play no part.
     */
    public static int crc16(final byte[] bytes)
    {
        return crc16At(bytes, BufferUtil.ARRAY_BASE_OFFSET, bytes.length);
    }

    /**
     * @param bytes  array holding the data.
     * @param offset index of the first byte.
     * @param length number of bytes.
     * @return CRC16/XMODEM of the bytes, 0..0xFFFF; hash tags play no part.
     * @throws IndexOutOfBoundsException when the range does not lie within the array.
     */
    public static int crc16(final byte[] bytes, final int offset, final int length)
    {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        return crc16At(bytes, BufferUtil.ARRAY_BASE_OFFSET + offset, length);
    }

    /**
     * @param buffer buffer holding the data.
     * @param offset index of the first byte.
     * @param length number of bytes.
     * @return CRC16/XMODEM of the bytes, 0..0xFFFF; hash tags play no part.
     * @throws IndexOutOfBoundsException when the range does not lie within the buffer.
     */
    public static int crc16(final DirectBuffer buffer, final int offset, final int length)
    {
        checkRange(buffer, offset, length);
        final int crc = crc16At(buffer.byteArray(), buffer.addressOffset() + offset, length);
        Reference.reachabilityFence(buffer);
        return crc;
    }

    /**
     * @param text text whose UTF-8 encoding is checksummed, as {@code String.getBytes(UTF_8)} would encode it.
     * @return CRC16/XMODEM of the encoding, 0..0xFFFF; hash tags play no part.
     */
    public static int crc16(final CharSequence text)
    {
        if (text instanceof String)
        {
            return crc16Utf8((String)text, 0, text.length());
        }
        return crc16Utf8(text, 0, text.length());
    }

    private static void checkRange(final DirectBuffer buffer, final int offset, final int length)
    {
        // One check up front, so a bad range fails before any byte is read rather than midway.
        Objects.checkFromIndexSize(offset, length, buffer.capacity());
    }

    private static int slotOfString(final String key)
    {
        final int open = key.indexOf('{');
        if (open >= 0)
        {
            final int close = key.indexOf('}', open + 1);
            if (close > open + 1)
            {
                return crc16Utf8(key, open + 1, close) & SLOT_MASK;
            }
        }
        return crc16Utf8(key, 0, key.length()) & SLOT_MASK;
    }

    private static int update(final int crc, final int b)
    {
        return ((crc << 8) ^ TABLES[((crc >>> 8) ^ b) & 0xFF]) & 0xFFFF;
    }

    /**
     * The slot of the {@code length} bytes at {@code address} in {@code base}: Unsafe's addressing, an array and the
     * offset of the first byte in it, or null and the absolute address of off-heap memory. The caller has checked
     * that the range lies within the array or buffer.
     */
    private static int slotAt(final byte[] base, final long address, final int length)
    {
        // The search is a pass of its own, not fused into the CRC loop: a test and branch per block there costs
        // more than this second pass over words already in L1.
        final int open = indexOf(base, address, 0, length, OPEN_BRACES, (byte)'{');
        if (open >= 0)
        {
            final int close = indexOf(base, address, open + 1, length, CLOSE_BRACES, (byte)'}');
            if (close > open + 1)
            {
                return crc16At(base, address + open + 1, close - open - 1) & SLOT_MASK;
            }
        }
        return crc16At(base, address, length) & SLOT_MASK;
    }

    /** CRC16 of the {@code length} bytes at {@code address} in {@code base}, addressed as for {@link #slotAt}. */
    private static int crc16At(final byte[] base, final long address, final int length)
    {
        int crc = 0;
        int i = 0;
        for (; i <= length - 16; i += 16)
        {
            // Byte loads rather than a long load and shifts: a zero-extending byte load is one instruction where a
            // byte out of a long takes two, and the loads spread over the load ports while the ALUs do the xors.
            final long at = address + i;
            final int rest =
                (TABLES[(13 << 8) + byteAt(base, at + 2)] ^ TABLES[(12 << 8) + byteAt(base, at + 3)]) ^
                (TABLES[(11 << 8) + byteAt(base, at + 4)] ^ TABLES[(10 << 8) + byteAt(base, at + 5)]) ^
                (TABLES[(9 << 8) + byteAt(base, at + 6)] ^ TABLES[(8 << 8) + byteAt(base, at + 7)]) ^
                (TABLES[(7 << 8) + byteAt(base, at + 8)] ^ TABLES[(6 << 8) + byteAt(base, at + 9)]) ^
                (TABLES[(5 << 8) + byteAt(base, at + 10)] ^ TABLES[(4 << 8) + byteAt(base, at + 11)]) ^
                (TABLES[(3 << 8) + byteAt(base, at + 12)] ^ TABLES[(2 << 8) + byteAt(base, at + 13)]) ^
                (TABLES[(1 << 8) + byteAt(base, at + 14)] ^ TABLES[byteAt(base, at + 15)]);
            crc = (TABLES[(15 << 8) + ((crc >>> 8) ^ byteAt(base, at))] ^
                TABLES[(14 << 8) + ((crc & 0xFF) ^ byteAt(base, at + 1))]) ^ rest;
        }
        if (i <= length - 8)
        {
            final long at = address + i;
            final int rest =
                (TABLES[(5 << 8) + byteAt(base, at + 2)] ^ TABLES[(4 << 8) + byteAt(base, at + 3)]) ^
                (TABLES[(3 << 8) + byteAt(base, at + 4)] ^ TABLES[(2 << 8) + byteAt(base, at + 5)]) ^
                (TABLES[(1 << 8) + byteAt(base, at + 6)] ^ TABLES[byteAt(base, at + 7)]);
            crc = (TABLES[(7 << 8) + ((crc >>> 8) ^ byteAt(base, at))] ^
                TABLES[(6 << 8) + ((crc & 0xFF) ^ byteAt(base, at + 1))]) ^ rest;
            i += 8;
        }
        for (; i < length; i++)
        {
            crc = update(crc, byteAt(base, address + i));
        }
        return crc;
    }

    /**
     * Index in {@code [from, to)} of the first byte equal to {@code value}, whose repetition is {@code pattern}, in
     * the bytes at {@code address} in {@code base}, addressed as for {@link #slotAt}; -1 when there is none.
     */
    private static int indexOf(
        final byte[] base, final long address, final int from, final int to, final long pattern, final byte value)
    {
        int i = from;
        // Thirty-two bytes per test and branch while nothing is found, then where exactly, eight bytes at a time.
        for (; i <= to - 32; i += 32)
        {
            final long at = address + i;
            if (contains(UnsafeApi.getLong(base, at), pattern) | contains(UnsafeApi.getLong(base, at + 8), pattern) |
                contains(UnsafeApi.getLong(base, at + 16), pattern) |
                contains(UnsafeApi.getLong(base, at + 24), pattern))
            {
                break;
            }
        }
        for (; i <= to - 8; i += 8)
        {
            final long matches = matches(UnsafeApi.getLong(base, address + i), pattern);
            if (matches != 0)
            {
                return i + firstMatch(matches);
            }
        }
        for (; i < to; i++)
        {
            if (UnsafeApi.getByte(base, address + i) == value)
            {
                return i;
            }
        }
        return -1;
    }

    private static int byteAt(final byte[] base, final long address)
    {
        return UnsafeApi.getByte(base, address) & 0xFF;
    }

    /**
     * Whether any byte of {@code word} equals the byte repeated in {@code pattern}. The classic zero-byte test,
     * which may flag a byte next to a real match as well, so it answers whether, never where.
     */
    private static boolean contains(final long word, final long pattern)
    {
        final long x = word ^ pattern;
        return ((x - ONES) & ~x & HIGH_BITS) != 0;
    }

    /**
     * A high bit in each byte of {@code word} that equals the byte repeated in {@code pattern}, and in no other:
     * no carry crosses from one byte to the next, so unlike {@link #contains} it is exact and can say where.
     */
    private static long matches(final long word, final long pattern)
    {
        final long x = word ^ pattern;
        return ~(((x & LOW_7_BITS) + LOW_7_BITS) | x | LOW_7_BITS);
    }

    /** Index in a native-order word of the first byte in memory flagged by {@link #matches}, which is non-zero. */
    private static int firstMatch(final long matches)
    {
        return (NATIVE_LITTLE_ENDIAN ? Long.numberOfTrailingZeros(matches) : Long.numberOfLeadingZeros(matches)) >>> 3;
    }

    private static int indexOf(final CharSequence text, final int from, final int to, final char value)
    {
        for (int i = from; i < to; i++)
        {
            if (text.charAt(i) == value)
            {
                return i;
            }
        }
        return -1;
    }

    /**
     * CRC16 of the UTF-8 encoding of {@code text[from, to)}. The same as the {@link CharSequence} version, with the
     * receiver's type fixed.
     */
    private static int crc16Utf8(final String text, final int from, final int to)
    {
        int crc = 0;
        int i = from;
        while (i < to)
        {
            for (; i <= to - 16; i += 16)
            {
                final int c0 = text.charAt(i);
                final int c1 = text.charAt(i + 1);
                final int c2 = text.charAt(i + 2);
                final int c3 = text.charAt(i + 3);
                final int c4 = text.charAt(i + 4);
                final int c5 = text.charAt(i + 5);
                final int c6 = text.charAt(i + 6);
                final int c7 = text.charAt(i + 7);
                final int c8 = text.charAt(i + 8);
                final int c9 = text.charAt(i + 9);
                final int c10 = text.charAt(i + 10);
                final int c11 = text.charAt(i + 11);
                final int c12 = text.charAt(i + 12);
                final int c13 = text.charAt(i + 13);
                final int c14 = text.charAt(i + 14);
                final int c15 = text.charAt(i + 15);
                if ((c0 | c1 | c2 | c3 | c4 | c5 | c6 | c7 | c8 | c9 | c10 | c11 | c12 | c13 | c14 | c15) > 0x7F)
                {
                    break;
                }
                crc = updateAscii(crc, c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15);
            }
            if (i < to)
            {
                final long chunk = crc16Utf8Chunk(crc, text, i, to - i > 16 ? i + 16 : to, to);
                i = (int)(chunk >>> 16);
                crc = (int)chunk & 0xFFFF;
            }
        }
        return crc;
    }

    /** CRC16 of the UTF-8 encoding of {@code text[from, to)}, with runs of ASCII sixteen chars at a time. */
    private static int crc16Utf8(final CharSequence text, final int from, final int to)
    {
        int crc = 0;
        int i = from;
        while (i < to)
        {
            for (; i <= to - 16; i += 16)
            {
                final int c0 = text.charAt(i);
                final int c1 = text.charAt(i + 1);
                final int c2 = text.charAt(i + 2);
                final int c3 = text.charAt(i + 3);
                final int c4 = text.charAt(i + 4);
                final int c5 = text.charAt(i + 5);
                final int c6 = text.charAt(i + 6);
                final int c7 = text.charAt(i + 7);
                final int c8 = text.charAt(i + 8);
                final int c9 = text.charAt(i + 9);
                final int c10 = text.charAt(i + 10);
                final int c11 = text.charAt(i + 11);
                final int c12 = text.charAt(i + 12);
                final int c13 = text.charAt(i + 13);
                final int c14 = text.charAt(i + 14);
                final int c15 = text.charAt(i + 15);
                if ((c0 | c1 | c2 | c3 | c4 | c5 | c6 | c7 | c8 | c9 | c10 | c11 | c12 | c13 | c14 | c15) > 0x7F)
                {
                    break;
                }
                crc = updateAscii(crc, c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14, c15);
            }
            if (i < to)
            {
                // A non-ASCII char or the last few: sixteen chars at most the slow way, then back to the fast one.
                final long chunk = crc16Utf8Chunk(crc, text, i, to - i > 16 ? i + 16 : to, to);
                i = (int)(chunk >>> 16);
                crc = (int)chunk & 0xFFFF;
            }
        }
        return crc;
    }

    /**
     * The CRC after sixteen ASCII chars, which are their own UTF-8 bytes. Every char must be below 0x80, so it
     * indexes its table as it is: masking them would cost an instruction a char, and measurably more than that.
     */
    private static int updateAscii(
        final int crc,
        final int c0, final int c1, final int c2, final int c3, final int c4, final int c5, final int c6, final int c7,
        final int c8, final int c9, final int c10, final int c11, final int c12, final int c13, final int c14,
        final int c15)
    {
        final int rest = (TABLES[(13 << 8) + c2] ^ TABLES[(12 << 8) + c3]) ^
            (TABLES[(11 << 8) + c4] ^ TABLES[(10 << 8) + c5]) ^
            (TABLES[(9 << 8) + c6] ^ TABLES[(8 << 8) + c7]) ^
            (TABLES[(7 << 8) + c8] ^ TABLES[(6 << 8) + c9]) ^
            (TABLES[(5 << 8) + c10] ^ TABLES[(4 << 8) + c11]) ^
            (TABLES[(3 << 8) + c12] ^ TABLES[(2 << 8) + c13]) ^
            (TABLES[(1 << 8) + c14] ^ TABLES[c15]);
        return (TABLES[(15 << 8) + ((crc >>> 8) ^ c0)] ^ TABLES[(14 << 8) + ((crc & 0xFF) ^ c1)]) ^ rest;
    }

    /**
     * The slow path: the UTF-8 encoding of {@code text[from, chunkEnd)}, a code point at a time, continuing from
     * {@code crc}; a surrogate pair straddling {@code chunkEnd} is taken whole. Returns both the index after the
     * last char taken and the CRC, as {@code (index << 16) | crc}, so nothing is allocated.
     */
    private static long crc16Utf8Chunk(
        final int crc, final CharSequence text, final int from, final int chunkEnd, final int to)
    {
        int result = crc;
        int i = from;
        for (; i < chunkEnd; i++)
        {
            final char c = text.charAt(i);
            if (c < 0x80)
            {
                result = update(result, c);
            }
            else if (c < 0x800)
            {
                result = update(result, 0xC0 | (c >>> 6));
                result = update(result, 0x80 | (c & 0x3F));
            }
            else if (!Character.isSurrogate(c))
            {
                result = update(result, 0xE0 | (c >>> 12));
                result = update(result, 0x80 | ((c >>> 6) & 0x3F));
                result = update(result, 0x80 | (c & 0x3F));
            }
            else if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(text.charAt(i + 1)))
            {
                final int codePoint = Character.toCodePoint(c, text.charAt(++i));
                result = update(result, 0xF0 | (codePoint >>> 18));
                result = update(result, 0x80 | ((codePoint >>> 12) & 0x3F));
                result = update(result, 0x80 | ((codePoint >>> 6) & 0x3F));
                result = update(result, 0x80 | (codePoint & 0x3F));
            }
            else
            {
                // A lone surrogate has no UTF-8 encoding; String.getBytes(UTF_8) substitutes '?', and so must we
                // or a String key and its byte[] form would route to different slots.
                result = update(result, '?');
            }
        }
        return ((long)i << 16) | result;
    }
}
