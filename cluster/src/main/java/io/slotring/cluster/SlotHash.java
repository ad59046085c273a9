package io.slotring.cluster;

import java.util.Objects;

import org.agrona.DirectBuffer;

/**
 * Redis Cluster key slots: CRC16/XMODEM (polynomial 0x1021, initial value 0, no reflection, no final xor) of the
 * key, or of its hash tag, modulo {@link #SLOT_COUNT}.
 * <p>
 * <b>Hash tags.</b> As in the cluster spec and the server's {@code keyHashSlot}: when the key contains a
 * {@code '{'}, and a {@code '}'} follows the FIRST {@code '{'}, and at least one byte lies between them, only the
 * bytes between that {@code '{'} and the first {@code '}'} after it are hashed; otherwise the whole key is. So
 * {@code "{user1000}.following"} and {@code "{user1000}.followers"} share a slot, {@code "foo{}{bar}"} hashes the whole
 * key, {@code "foo{{bar}}zap"} hashes {@code "{bar"} and {@code "foo{bar}{zap}"} hashes {@code "bar"}.
 * <p>
 * <b>No copying, no allocation.</b> Every overload reads the key where it lies: a slice of a {@code byte[]}, a region
 * of a {@link DirectBuffer} at any offset, or a {@link CharSequence} whose UTF-8 encoding is produced a code point at
 * a time and fed straight into the checksum (the same bytes as {@code String.getBytes(UTF_8)}: a surrogate pair is
 * four bytes, a lone surrogate is {@code '?'}).
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

    // char rather than int: the table is 512 bytes, 8 cache lines, and every entry is exactly 16 bits wide.
    private static final char[] TABLE = new char[256];

    static
    {
        for (int i = 0; i < 256; i++)
        {
            int crc = i << 8;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ POLYNOMIAL : crc << 1;
            }
            TABLE[i] = (char)crc;
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
        final int end = offset + length;
        final int open = indexOf(key, offset, end, (byte)'{');
        if (open >= 0)
        {
            final int close = indexOf(key, open + 1, end, (byte)'}');
            if (close > open + 1)
            {
                return crc16Unchecked(key, open + 1, close) & SLOT_MASK;
            }
        }
        return crc16Unchecked(key, offset, end) & SLOT_MASK;
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
        final int end = offset + length;
        final int open = indexOf(key, offset, end, (byte)'{');
        if (open >= 0)
        {
            final int close = indexOf(key, open + 1, end, (byte)'}');
            if (close > open + 1)
            {
                return crc16Unchecked(key, open + 1, close) & SLOT_MASK;
            }
        }
        return crc16Unchecked(key, offset, end) & SLOT_MASK;
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
        return crc16Unchecked(bytes, 0, bytes.length);
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
        return crc16Unchecked(bytes, offset, offset + length);
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
        return crc16Unchecked(buffer, offset, offset + length);
    }

    /**
     * @param text text whose UTF-8 encoding is checksummed, as {@code String.getBytes(UTF_8)} would encode it.
     * @return CRC16/XMODEM of the encoding, 0..0xFFFF; hash tags play no part.
     */
    public static int crc16(final CharSequence text)
    {
        return crc16Utf8(text, 0, text.length());
    }

    private static void checkRange(final DirectBuffer buffer, final int offset, final int length)
    {
        // One check up front, so a bad range fails before any byte is read rather than midway.
        Objects.checkFromIndexSize(offset, length, buffer.capacity());
    }

    private static int update(final int crc, final int b)
    {
        return ((crc << 8) ^ TABLE[((crc >>> 8) ^ b) & 0xFF]) & 0xFFFF;
    }

    private static int crc16Unchecked(final byte[] bytes, final int from, final int to)
    {
        int crc = 0;
        for (int i = from; i < to; i++)
        {
            crc = update(crc, bytes[i]);
        }
        return crc;
    }

    private static int crc16Unchecked(final DirectBuffer buffer, final int from, final int to)
    {
        int crc = 0;
        for (int i = from; i < to; i++)
        {
            crc = update(crc, buffer.getByte(i));
        }
        return crc;
    }

    /** CRC16 of the UTF-8 encoding of {@code text[from, to)}, encoding one code point at a time. */
    private static int crc16Utf8(final CharSequence text, final int from, final int to)
    {
        int crc = 0;
        for (int i = from; i < to; i++)
        {
            final char c = text.charAt(i);
            if (c < 0x80)
            {
                crc = update(crc, c);
            }
            else if (c < 0x800)
            {
                crc = update(crc, 0xC0 | (c >>> 6));
                crc = update(crc, 0x80 | (c & 0x3F));
            }
            else if (!Character.isSurrogate(c))
            {
                crc = update(crc, 0xE0 | (c >>> 12));
                crc = update(crc, 0x80 | ((c >>> 6) & 0x3F));
                crc = update(crc, 0x80 | (c & 0x3F));
            }
            else if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(text.charAt(i + 1)))
            {
                final int codePoint = Character.toCodePoint(c, text.charAt(++i));
                crc = update(crc, 0xF0 | (codePoint >>> 18));
                crc = update(crc, 0x80 | ((codePoint >>> 12) & 0x3F));
                crc = update(crc, 0x80 | ((codePoint >>> 6) & 0x3F));
                crc = update(crc, 0x80 | (codePoint & 0x3F));
            }
            else
            {
                // A lone surrogate has no UTF-8 encoding; String.getBytes(UTF_8) substitutes '?', and so must we
                // or a String key and its byte[] form would route to different slots.
                crc = update(crc, '?');
            }
        }
        return crc;
    }

    private static int indexOf(final byte[] bytes, final int from, final int to, final byte value)
    {
        for (int i = from; i < to; i++)
        {
            if (bytes[i] == value)
            {
                return i;
            }
        }
        return -1;
    }

    private static int indexOf(final DirectBuffer buffer, final int from, final int to, final byte value)
    {
        for (int i = from; i < to; i++)
        {
            if (buffer.getByte(i) == value)
            {
                return i;
            }
        }
        return -1;
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
}
