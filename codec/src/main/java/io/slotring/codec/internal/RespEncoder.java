package io.slotring.codec.internal;

import java.nio.ByteOrder;

import io.slotring.codec.RespType;
import org.agrona.AsciiEncoding;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Flyweight that writes one or more RESP commands (arrays of bulk strings) in place into a
 * {@link MutableDirectBuffer}.
 * <p>
 * Usage: {@code encoder.wrap(buffer, offset).header(CommandHeader.GET).bulk(key)}, then ship {@code [offset(),
 * position())}. Nothing is allocated per call: numbers are rendered with Agrona's in-place ASCII writers, and
 * characters are converted through a scratch array owned by the encoder (256 B, grown once to at most 64 KiB by the
 * first longer text; longer text goes through it in chunks). The encoder does not check that the argument count matches
 * the array header; it is a byte writer, not a command builder.
 * <p>
 * Capacity is the caller's concern: use the static {@code *Length} methods to size a fixed region before writing, or
 * wrap an expandable buffer. A write past the end of a fixed buffer fails in the buffer's own bounds check, leaving
 * {@link #position()} at the end of the last complete element.
 * <p>
 * Not thread-safe: one instance per writing thread.
 */
public final class RespEncoder
{
    /** {@code "\r\n"} as one little-endian short, so the terminator is a single store. */
    private static final short CRLF = (short)(('\n' << 8) | '\r');
    private static final int CRLF_LENGTH = 2;
    /** Characters in {@link Long#MIN_VALUE} rendered in decimal, which cannot be negated to count its digits. */
    private static final int LONG_MIN_VALUE_LENGTH = 20;

    /** Largest scratch array kept for character conversion; longer text is converted in chunks of this size. */
    private static final int MAX_SCRATCH = 64 * 1024;

    private MutableDirectBuffer buffer;
    private int offset;
    private int position;
    private byte[] scratch = new byte[256];

    /**
     * Start writing at {@code offset}. May be called again to reuse the instance.
     *
     * @param buffer destination, not copied: the encoder only holds a reference until the next wrap.
     * @param offset index of the first byte to write.
     * @return this, for chaining.
     */
    public RespEncoder wrap(final MutableDirectBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        this.position = offset;
        return this;
    }

    /**
     * Write an array header {@code *<count>\r\n}.
     *
     * @param count number of bulk strings that follow, including the command name.
     * @return this, for chaining.
     */
    public RespEncoder arrayHeader(final int count)
    {
        if (count < 0)
        {
            throw new IllegalArgumentException("array count must be >= 0: " + count);
        }

        final MutableDirectBuffer buffer = this.buffer;
        int p = position;
        buffer.putByte(p++, RespType.ARRAY);
        p += buffer.putNaturalIntAscii(p, count);
        buffer.putShort(p, CRLF, ByteOrder.LITTLE_ENDIAN);
        position = p + CRLF_LENGTH;
        return this;
    }

    /**
     * Write a precomputed array header and command name with one copy.
     *
     * @param header from {@link CommandHeader#of(int, String)} or one of its constants.
     * @return this, for chaining.
     */
    public RespEncoder header(final CommandHeader header)
    {
        final byte[] bytes = header.bytes;
        buffer.putBytes(position, bytes);
        position += bytes.length;
        return this;
    }

    /**
     * Write a whole array as a bulk string.
     *
     * @param value payload, any bytes (binary safe).
     * @return this, for chaining.
     */
    public RespEncoder bulk(final byte[] value)
    {
        return bulk(value, 0, value.length);
    }

    /**
     * Write a slice of an array as a bulk string.
     *
     * @param value  source array.
     * @param offset first payload byte in {@code value}.
     * @param length payload length.
     * @return this, for chaining.
     */
    public RespEncoder bulk(final byte[] value, final int offset, final int length)
    {
        // Checked up front so a bad slice cannot leave a header without its payload in the buffer.
        if ((offset | length) < 0 || offset > value.length - length)
        {
            throw new IndexOutOfBoundsException(
                "offset=" + offset + " length=" + length + " array length=" + value.length);
        }

        int p = putBulkHeader(position, length);
        buffer.putBytes(p, value, offset, length);
        p += length;
        buffer.putShort(p, CRLF, ByteOrder.LITTLE_ENDIAN);
        position = p + CRLF_LENGTH;
        return this;
    }

    /**
     * Write a range of another buffer as a bulk string (e.g. a key held in a receive buffer), copying memory to
     * memory.
     *
     * @param value  source buffer.
     * @param offset first payload byte in {@code value}.
     * @param length payload length.
     * @return this, for chaining.
     */
    public RespEncoder bulk(final DirectBuffer value, final int offset, final int length)
    {
        if ((offset | length) < 0 || offset > value.capacity() - length)
        {
            throw new IndexOutOfBoundsException(
                "offset=" + offset + " length=" + length + " buffer capacity=" + value.capacity());
        }

        int p = putBulkHeader(position, length);
        buffer.putBytes(p, value, offset, length);
        p += length;
        buffer.putShort(p, CRLF, ByteOrder.LITTLE_ENDIAN);
        position = p + CRLF_LENGTH;
        return this;
    }

    /**
     * Write characters as a UTF-8 bulk string without materialising a {@code byte[]} or {@code String}.
     * <p>
     * Pure ASCII (the common case for keys) is written one byte per char. Otherwise the UTF-8 length is counted
     * first, because the RESP length prefix precedes the payload. Unpaired surrogates become {@code '?'}, exactly as
     * {@code String.getBytes(UTF_8)} does, so the bytes match what a {@code String}-based client would send.
     *
     * @param value characters to encode.
     * @return this, for chaining.
     */
    public RespEncoder bulk(final CharSequence value)
    {
        final int charCount = value.length();
        int asciiPrefix = 0;
        while (asciiPrefix < charCount && value.charAt(asciiPrefix) < 0x80)
        {
            asciiPrefix++;
        }

        final MutableDirectBuffer buffer = this.buffer;
        int p;
        if (asciiPrefix == charCount)
        {
            p = putBulkHeader(position, charCount);
            p = putAscii(buffer, p, value, charCount);
        }
        else
        {
            final int byteCount = asciiPrefix + utf8Length(value, asciiPrefix);
            p = putBulkHeader(position, byteCount);
            p = putUtf8(buffer, p, value, byteCount);
        }

        buffer.putShort(p, CRLF, ByteOrder.LITTLE_ENDIAN);
        position = p + CRLF_LENGTH;
        return this;
    }

    /**
     * Write a number as a bulk string of its decimal digits, as Redis expects for INCRBY, EXPIRE, etc.
     *
     * @param value any long, including {@link Long#MIN_VALUE}.
     * @return this, for chaining.
     */
    public RespEncoder bulk(final long value)
    {
        int p = putBulkHeader(position, decimalLength(value));
        p += buffer.putLongAscii(p, value);
        buffer.putShort(p, CRLF, ByteOrder.LITTLE_ENDIAN);
        position = p + CRLF_LENGTH;
        return this;
    }

    /**
     * @return the buffer last wrapped.
     */
    public MutableDirectBuffer buffer()
    {
        return buffer;
    }

    /**
     * @return the index given to {@link #wrap(MutableDirectBuffer, int)}.
     */
    public int offset()
    {
        return offset;
    }

    /**
     * @return index of the next byte to be written.
     */
    public int position()
    {
        return position;
    }

    /**
     * @return bytes written since {@link #wrap(MutableDirectBuffer, int)}.
     */
    public int length()
    {
        return position - offset;
    }

    /**
     * @param count array element count.
     * @return encoded length of {@code *<count>\r\n}.
     */
    public static int arrayHeaderLength(final int count)
    {
        return 1 + AsciiEncoding.digitCount(count) + CRLF_LENGTH;
    }

    /**
     * @param payloadLength bytes in the payload.
     * @return encoded length of {@code $<n>\r\n<payload>\r\n}.
     */
    public static int bulkLength(final int payloadLength)
    {
        return 1 + AsciiEncoding.digitCount(payloadLength) + CRLF_LENGTH + payloadLength + CRLF_LENGTH;
    }

    /**
     * @param value number that {@link #bulk(long)} would write.
     * @return encoded length of the bulk string holding its decimal digits.
     */
    public static int bulkLength(final long value)
    {
        return bulkLength(decimalLength(value));
    }

    /**
     * @param value characters that {@link #bulk(CharSequence)} would write.
     * @return encoded length including framing, using the exact UTF-8 byte count.
     */
    public static int bulkLength(final CharSequence value)
    {
        return bulkLength(utf8Length(value, 0));
    }

    /**
     * Number of bytes {@code value} takes in UTF-8, counting an unpaired surrogate as the one byte {@code '?'} that
     * replaces it.
     *
     * @param value characters.
     * @return UTF-8 byte count.
     */
    public static int utf8Length(final CharSequence value)
    {
        return utf8Length(value, 0);
    }

    private int putBulkHeader(final int index, final int payloadLength)
    {
        final MutableDirectBuffer buffer = this.buffer;
        int p = index;
        buffer.putByte(p++, RespType.BULK_STRING);
        p += buffer.putNaturalIntAscii(p, payloadLength);
        buffer.putShort(p, CRLF, ByteOrder.LITTLE_ENDIAN);
        return p + CRLF_LENGTH;
    }

    private static int decimalLength(final long value)
    {
        if (value >= 0)
        {
            return AsciiEncoding.digitCount(value);
        }
        return value == Long.MIN_VALUE ? LONG_MIN_VALUE_LENGTH : 1 + AsciiEncoding.digitCount(-value);
    }

    private static int utf8Length(final CharSequence value, final int from)
    {
        final int charCount = value.length();
        int bytes = 0;
        for (int i = from; i < charCount; i++)
        {
            final char c = value.charAt(i);
            if (c < 0x80)
            {
                bytes += 1;
            }
            else if (c < 0x800)
            {
                bytes += 2;
            }
            else if (Character.isSurrogate(c))
            {
                if (Character.isHighSurrogate(c) && i + 1 < charCount && Character.isLowSurrogate(value.charAt(i + 1)))
                {
                    bytes += 4;
                    i++;
                }
                else
                {
                    bytes += 1; // '?' replacement
                }
            }
            else
            {
                bytes += 3;
            }
        }
        return bytes;
    }

    /**
     * The scratch array, grown to {@code needed} (up to {@link #MAX_SCRATCH}) on first need: characters are
     * converted into it with plain array stores and copied into the buffer with one bounds-checked {@code putBytes}
     * per chunk, instead of one bounds-checked {@code putByte} per byte.
     */
    private byte[] scratch(final int needed)
    {
        byte[] scratch = this.scratch;
        if (scratch.length < needed && scratch.length < MAX_SCRATCH)
        {
            scratch = new byte[Math.min(MAX_SCRATCH, Math.max(needed, scratch.length << 1))];
            this.scratch = scratch;
        }
        return scratch;
    }

    private int putAscii(final MutableDirectBuffer buffer, final int index, final CharSequence value, final int length)
    {
        final byte[] bytes = scratch(length);
        int p = index;
        for (int from = 0; from < length; )
        {
            final int chunk = Math.min(bytes.length, length - from);
            if (value instanceof String)
            {
                copyLowBytes((String)value, from, from + chunk, bytes);
            }
            else
            {
                for (int i = 0; i < chunk; i++)
                {
                    bytes[i] = (byte)value.charAt(from + i);
                }
            }
            buffer.putBytes(p, bytes, 0, chunk);
            p += chunk;
            from += chunk;
        }
        return p;
    }

    /**
     * {@code String.getBytes(int, int, byte[], int)} is deprecated because it drops the high byte of each char;
     * for text already checked to be ASCII that is exactly right, and it is an intrinsic copy for compact strings.
     */
    @SuppressWarnings("deprecation")
    private static void copyLowBytes(final String value, final int from, final int to, final byte[] dst)
    {
        value.getBytes(from, to, dst, 0);
    }

    private int putUtf8(final MutableDirectBuffer buffer, final int index, final CharSequence value,
        final int byteCount)
    {
        final byte[] bytes = scratch(byteCount);
        final int charCount = value.length();
        int p = index;
        int n = 0;
        for (int i = 0; i < charCount; i++)
        {
            if (n + 4 > bytes.length)
            {
                // Flush a full chunk; 4 bytes is the longest sequence one iteration writes.
                buffer.putBytes(p, bytes, 0, n);
                p += n;
                n = 0;
            }

            final char c = value.charAt(i);
            if (c < 0x80)
            {
                bytes[n++] = (byte)c;
            }
            else if (c < 0x800)
            {
                bytes[n++] = (byte)(0xC0 | (c >>> 6));
                bytes[n++] = (byte)(0x80 | (c & 0x3F));
            }
            else if (Character.isSurrogate(c))
            {
                if (Character.isHighSurrogate(c) && i + 1 < charCount && Character.isLowSurrogate(value.charAt(i + 1)))
                {
                    final int codePoint = Character.toCodePoint(c, value.charAt(++i));
                    bytes[n++] = (byte)(0xF0 | (codePoint >>> 18));
                    bytes[n++] = (byte)(0x80 | ((codePoint >>> 12) & 0x3F));
                    bytes[n++] = (byte)(0x80 | ((codePoint >>> 6) & 0x3F));
                    bytes[n++] = (byte)(0x80 | (codePoint & 0x3F));
                }
                else
                {
                    bytes[n++] = (byte)'?';
                }
            }
            else
            {
                bytes[n++] = (byte)(0xE0 | (c >>> 12));
                bytes[n++] = (byte)(0x80 | ((c >>> 6) & 0x3F));
                bytes[n++] = (byte)(0x80 | (c & 0x3F));
            }
        }
        buffer.putBytes(p, bytes, 0, n);
        return p + n;
    }
}
