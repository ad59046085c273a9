package io.slotring.codec;

import io.slotring.codec.internal.RespDecoder;
import org.agrona.DirectBuffer;

/**
 * Flyweight cursor over ONE complete frame that {@link RespDecoder} has already validated: a pre-order walk over its
 * tokens with no allocation (except in the explicitly copying accessors {@link #stringValue()} and
 * {@link #bytesValue()}).
 * <p>
 * Each {@link #next()} lands on one token: a leaf value, or an aggregate header whose children are the following
 * tokens. Aggregates expose {@link #count()} as on the wire, so a map or attribute of {@code n} pairs has {@code 2n}
 * child values ({@link #elementCount()}). Attributes appear in the walk as {@link RespType#ATTRIBUTE} tokens before the
 * value they decorate; {@link #nextValue()} steps over them for callers that do not care.
 * <p>
 * The reader trusts the frame's framing (the decoder checked it) and only guards against running past the frame's
 * end, so a frame that was not validated yields garbage, never an endless loop or a read outside the frame. Payload
 * accessors refer to the wrapped buffer: they are valid until the caller reuses that region.
 * <p>
 * Not thread-safe: one instance per reading thread.
 */
public final class RespReader
{
    /** {@code 10^0 .. 10^22}: every one exactly representable as a double, the basis of the exact fast path. */
    private static final double[] EXACT_POWERS_OF_TEN = {
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
        1e20, 1e21, 1e22 };
    /** Largest mantissa that a double holds exactly. */
    private static final long MAX_EXACT_MANTISSA = 1L << 53;

    private DirectBuffer buffer;
    private int end;
    private int cursor;

    private int tokenOffset;
    private byte type;
    private boolean isNull;
    private int count;
    private int valueOffset;
    private int valueLength;

    /**
     * An empty reader: {@code wrap} it over a decoded frame before reading. Clients get a wrapped reader in
     * {@code ReplyHandler.onReply}; tests and tools wrap their own.
     */
    public RespReader()
    {
    }

    /** Out-value of {@link #parseHeaderNumber(int)}: index of the CR ending the header line. */
    private int lineEnd;

    /**
     * Point the reader at one complete frame, before its first token.
     *
     * @param buffer holding the frame.
     * @param offset index of the frame's first byte.
     * @param length frame length as returned by {@link RespDecoder#decode(DirectBuffer, int, int)}.
     * @return this, for chaining.
     */
    public RespReader wrap(final DirectBuffer buffer, final int offset, final int length)
    {
        if (offset < 0 || length < 0 || offset > buffer.capacity() - length)
        {
            throw new IllegalArgumentException(
                "offset=" + offset + " length=" + length + " capacity=" + buffer.capacity());
        }

        this.buffer = buffer;
        this.end = offset + length;
        this.cursor = offset;
        clearToken(offset, (byte)0);
        return this;
    }

    /**
     * Advance to the next token in pre-order.
     *
     * @return false when the frame is exhausted (the token accessors then describe nothing).
     */
    public boolean next()
    {
        final int at = cursor;
        if (at >= end)
        {
            clearToken(end, (byte)0);
            return false;
        }

        final DirectBuffer buffer = this.buffer;
        final byte type = buffer.getByte(at);
        clearToken(at, type);
        switch (type)
        {
            case RespType.BULK_STRING:
            case RespType.BLOB_ERROR:
            case RespType.VERBATIM_STRING:
            {
                final long length = parseHeaderNumber(at + 1);
                final int payload = lineEnd + 2;
                if (length < 0)
                {
                    isNull = true;
                    cursor = payload;
                    break;
                }
                valueOffset = payload;
                valueLength = (int)Math.min(length, Math.max(0, end - payload));
                cursor = (int)Math.min((long)payload + length + 2, end);
                if (type == RespType.VERBATIM_STRING && valueLength >= 4)
                {
                    // Expose the text; the 3-byte format ("txt", "mkd") stays reachable via verbatimFormatOffset().
                    valueOffset += 4;
                    valueLength -= 4;
                }
                break;
            }

            case RespType.SIMPLE_STRING:
            case RespType.ERROR:
            case RespType.INTEGER:
            case RespType.DOUBLE:
            case RespType.BIG_NUMBER:
            {
                final int cr = findCr(at + 1);
                valueOffset = at + 1;
                valueLength = cr - valueOffset;
                cursor = cr + 2;
                break;
            }

            case RespType.ARRAY:
            case RespType.MAP:
            case RespType.SET:
            case RespType.PUSH:
            case RespType.ATTRIBUTE:
            {
                final long value = parseHeaderNumber(at + 1);
                if (value < 0)
                {
                    isNull = true;
                }
                else
                {
                    count = (int)Math.min(value, Integer.MAX_VALUE);
                }
                cursor = lineEnd + 2;
                break;
            }

            case RespType.NULL:
                isNull = true;
                cursor = at + 3;
                break;

            case RespType.BOOLEAN:
                valueOffset = at + 1;
                valueLength = 1;
                cursor = at + 4;
                break;

            default:
                cursor = end;
                throw new IllegalStateException("not a validated RESP frame: type byte " +
                    RespDecoder.describe(type) + " at offset " + at);
        }
        return true;
    }

    /**
     * Advance to the next token that is not an attribute, skipping any attributes (and their contents) on the way.
     *
     * @return false when the frame is exhausted.
     */
    public boolean nextValue()
    {
        while (next())
        {
            if (type != RespType.ATTRIBUTE)
            {
                return true;
            }
            skipChildren();
        }
        return false;
    }

    /**
     * After landing on an aggregate: move past its whole subtree (attributes included), so that {@link #next()} lands
     * on its next sibling. The current token's accessors keep describing the aggregate. No effect on a leaf or a null
     * aggregate.
     */
    public void skipChildren()
    {
        if (!isAggregate() || isNull)
        {
            return;
        }

        final int savedTokenOffset = tokenOffset;
        final byte savedType = type;
        final int savedCount = count;

        long pending = elementCount();
        while (pending > 0 && next())
        {
            if (type == RespType.ATTRIBUTE)
            {
                pending += 2L * count; // an attribute decorates a value but is not one
                continue;
            }
            pending--;
            if (isAggregate() && !isNull)
            {
                pending += elementCount();
            }
        }

        clearToken(savedTokenOffset, savedType);
        count = savedCount;
    }

    /**
     * @return the current token's type byte, one of the {@link RespType} constants; 0 before the first
     * {@link #next()} and after the last.
     */
    public byte type()
    {
        return type;
    }

    /**
     * @return true for {@code $-1}, {@code *-1} and {@code _}.
     */
    public boolean isNull()
    {
        return isNull;
    }

    /**
     * @return true if the current token is an array, map, set, push or attribute header.
     */
    public boolean isAggregate()
    {
        return RespType.isAggregate(type);
    }

    /**
     * @return true if the current token is a simple error or a blob error.
     */
    public boolean isError()
    {
        return RespType.isError(type);
    }

    /**
     * Aggregate size as on the wire: elements for array, set and push; key/value <b>pairs</b> for map and
     * attribute. 0 for leaves and null aggregates.
     *
     * @return the wire count.
     */
    public int count()
    {
        return count;
    }

    /**
     * Number of child values that follow an aggregate header: {@link #count()} for array, set and push, twice
     * {@link #count()} for map and attribute. 0 for leaves.
     *
     * @return child value count.
     */
    public long elementCount()
    {
        return type == RespType.MAP || type == RespType.ATTRIBUTE ? 2L * count : count;
    }

    /**
     * Payload start in {@link #buffer()}: the bytes of a simple/bulk/verbatim string (verbatim: after the
     * {@code "txt:"} prefix), of an error message, or the text of an integer, double, big number or boolean.
     *
     * @return absolute index of the payload.
     */
    public int valueOffset()
    {
        return valueOffset;
    }

    /**
     * @return payload length in bytes; 0 for aggregates and nulls.
     */
    public int valueLength()
    {
        return valueLength;
    }

    /**
     * @return for a verbatim string, the absolute index of its 3-byte format (e.g. {@code txt}); otherwise -1.
     */
    public int verbatimFormatOffset()
    {
        return type == RespType.VERBATIM_STRING && !isNull ? valueOffset - 4 : -1;
    }

    /**
     * @return absolute index of the current token's type byte.
     */
    public int tokenOffset()
    {
        return tokenOffset;
    }

    /**
     * @return the wrapped buffer, for reading payloads via {@link #valueOffset()} and {@link #valueLength()}.
     */
    public DirectBuffer buffer()
    {
        return buffer;
    }

    /**
     * The value as a long, parsed in place: an integer, or a simple string, bulk string or big number whose payload
     * is a decimal integer (RESP2 replies often carry numbers that way).
     *
     * @return the value.
     * @throws IllegalStateException if the token is of another type or null.
     * @throws NumberFormatException if the payload is not a decimal integer within the signed 64-bit range.
     */
    public long longValue()
    {
        if (isNull || (type != RespType.INTEGER && type != RespType.BULK_STRING && type != RespType.SIMPLE_STRING &&
            type != RespType.BIG_NUMBER))
        {
            throw new IllegalStateException("longValue() on " + describeToken());
        }

        final DirectBuffer buffer = this.buffer;
        int i = valueOffset;
        final int end = i + valueLength;
        boolean negative = false;
        if (i < end)
        {
            final byte first = buffer.getByte(i);
            if (first == '-' || first == '+')
            {
                negative = first == '-';
                i++;
            }
        }
        if (i == end)
        {
            throw notAnInteger();
        }

        if (end - i <= 18)
        {
            // Fast path: up to 18 digits cannot overflow, so only the digits need checking.
            long value = 0;
            for (; i < end; i++)
            {
                final int digit = buffer.getByte(i) - '0';
                if (digit < 0 || digit > 9)
                {
                    throw notAnInteger();
                }
                value = value * 10 + digit;
            }
            return negative ? -value : value;
        }

        final long limit = negative ? Long.MIN_VALUE : -Long.MAX_VALUE;
        final long multiplyLimit = limit / 10;
        long result = 0;
        for (; i < end; i++)
        {
            final int digit = buffer.getByte(i) - '0';
            if (digit < 0 || digit > 9 || result < multiplyLimit)
            {
                throw notAnInteger();
            }
            result *= 10;
            if (result < limit + digit)
            {
                throw notAnInteger();
            }
            result -= digit;
        }
        return negative ? result : -result;
    }

    /**
     * The value of a boolean ({@code #t}/{@code #f}), or of an integer as RESP2 carries booleans (non-zero is true).
     *
     * @return the value.
     * @throws IllegalStateException if the token is neither.
     */
    public boolean booleanValue()
    {
        if (type == RespType.BOOLEAN)
        {
            return buffer.getByte(valueOffset) == 't';
        }
        if (type == RespType.INTEGER)
        {
            return longValue() != 0;
        }
        throw new IllegalStateException("booleanValue() on " + describeToken());
    }

    /**
     * The value of a double ({@code ,}), including {@code inf}, {@code -inf} and {@code nan}, or of an integer, simple
     * string or bulk string holding a number (RESP2 ZSCORE, INCRBYFLOAT).
     * <p>
     * Parsed in place without allocation when the decimal has at most 15 significant digits... precisely, when the
     * digits form an integer below 2<sup>53</sup> scaled by a power of ten up to 10<sup>22</sup>, which is exact.
     * Otherwise (e.g. 17-digit {@code %.17g} output of older servers) it falls back to {@link Double#parseDouble},
     * which allocates a temporary string.
     *
     * @return the value.
     * @throws IllegalStateException if the token is of another type or null.
     * @throws NumberFormatException if the payload is not a number.
     */
    public double doubleValue()
    {
        if (isNull || (type != RespType.DOUBLE && type != RespType.INTEGER && type != RespType.BULK_STRING &&
            type != RespType.SIMPLE_STRING))
        {
            throw new IllegalStateException("doubleValue() on " + describeToken());
        }

        final DirectBuffer buffer = this.buffer;
        final int start = valueOffset;
        final int end = start + valueLength;
        int i = start;
        boolean negative = false;
        if (i < end && (buffer.getByte(i) == '-' || buffer.getByte(i) == '+'))
        {
            negative = buffer.getByte(i) == '-';
            i++;
        }
        if (end - i == 3)
        {
            if (matchesIgnoreCase(buffer, i, "inf"))
            {
                return negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
            }
            if (matchesIgnoreCase(buffer, i, "nan"))
            {
                return Double.NaN;
            }
        }

        long mantissa = 0;
        int digits = 0;
        int scale = 0;
        boolean exact = true;
        boolean seenPoint = false;
        for (; i < end; i++)
        {
            final byte b = buffer.getByte(i);
            if (b >= '0' && b <= '9')
            {
                digits++;
                if (mantissa < MAX_EXACT_MANTISSA / 10)
                {
                    mantissa = mantissa * 10 + (b - '0');
                    if (seenPoint)
                    {
                        scale--;
                    }
                }
                else
                {
                    exact = false;
                }
            }
            else if (b == '.' && !seenPoint)
            {
                seenPoint = true;
            }
            else
            {
                break;
            }
        }
        if (digits == 0)
        {
            throw notANumber();
        }
        if (i < end)
        {
            if ((buffer.getByte(i) | 0x20) != 'e')
            {
                throw notANumber();
            }
            i++;
            boolean negativeExponent = false;
            if (i < end && (buffer.getByte(i) == '-' || buffer.getByte(i) == '+'))
            {
                negativeExponent = buffer.getByte(i) == '-';
                i++;
            }
            if (i == end)
            {
                throw notANumber();
            }
            int exponent = 0;
            for (; i < end; i++)
            {
                final int digit = buffer.getByte(i) - '0';
                if (digit < 0 || digit > 9)
                {
                    throw notANumber();
                }
                if (exponent < 10_000)
                {
                    exponent = exponent * 10 + digit;
                }
            }
            scale += negativeExponent ? -exponent : exponent;
        }

        if (exact && mantissa < MAX_EXACT_MANTISSA && scale >= -22 && scale <= 22)
        {
            // Clinger's fast path: both operands exact, so one IEEE operation rounds correctly.
            final double magnitude = scale < 0 ?
                mantissa / EXACT_POWERS_OF_TEN[-scale] : mantissa * EXACT_POWERS_OF_TEN[scale];
            return negative ? -magnitude : magnitude;
        }
        return Double.parseDouble(buffer.getStringWithoutLengthAscii(start, valueLength));
    }

    /**
     * Copy the payload out as a UTF-8 decoded string. Allocates: for logs, errors and cold paths.
     *
     * @return the payload text, or null for a null token.
     * @throws IllegalStateException on an aggregate.
     */
    public String stringValue()
    {
        checkPayload("stringValue()");
        return isNull ? null : buffer.getStringWithoutLengthUtf8(valueOffset, valueLength);
    }

    /**
     * Copy the payload out into a new array. Allocates: prefer {@link #getBytes(byte[], int)} or reading
     * {@link #buffer()} in place.
     *
     * @return a copy of the payload, or null for a null token.
     * @throws IllegalStateException on an aggregate.
     */
    public byte[] bytesValue()
    {
        checkPayload("bytesValue()");
        if (isNull)
        {
            return null;
        }
        final byte[] bytes = new byte[valueLength];
        buffer.getBytes(valueOffset, bytes);
        return bytes;
    }

    /**
     * Copy the payload into the caller's array.
     *
     * @param dst       destination, with room for {@link #valueLength()} bytes from {@code dstOffset}.
     * @param dstOffset where the first byte goes.
     * @return number of bytes copied ({@link #valueLength()}).
     */
    public int getBytes(final byte[] dst, final int dstOffset)
    {
        checkPayload("getBytes()");
        buffer.getBytes(valueOffset, dst, dstOffset, valueLength);
        return valueLength;
    }

    /**
     * @param expected bytes to compare with.
     * @return true if the payload has exactly these bytes (a null token equals nothing).
     */
    public boolean contentEquals(final byte[] expected)
    {
        return !isNull && valueLength == expected.length && regionMatches(expected, expected.length);
    }

    /**
     * @param prefix bytes to compare with.
     * @return true if the payload starts with these bytes (a null token starts with nothing).
     */
    public boolean contentStartsWith(final byte[] prefix)
    {
        return !isNull && valueLength >= prefix.length && regionMatches(prefix, prefix.length);
    }

    /**
     * @param expected buffer holding the bytes to compare with.
     * @param offset   index of the first byte in {@code expected}.
     * @param length   number of bytes.
     * @return true if the payload has exactly these bytes.
     */
    public boolean contentEquals(final DirectBuffer expected, final int offset, final int length)
    {
        if (isNull || valueLength != length)
        {
            return false;
        }
        final DirectBuffer buffer = this.buffer;
        final int base = valueOffset;
        for (int i = 0; i < length; i++)
        {
            if (buffer.getByte(base + i) != expected.getByte(offset + i))
            {
                return false;
            }
        }
        return true;
    }

    /**
     * @return the current token for debugging: type, offset and payload or count. Allocates.
     */
    public String toString()
    {
        return buffer == null ? "RespReader{unwrapped}" : "RespReader{" + describeToken() + "}";
    }

    private boolean regionMatches(final byte[] bytes, final int length)
    {
        final DirectBuffer buffer = this.buffer;
        final int base = valueOffset;
        for (int i = 0; i < length; i++)
        {
            if (buffer.getByte(base + i) != bytes[i])
            {
                return false;
            }
        }
        return true;
    }

    private void clearToken(final int at, final byte type)
    {
        this.tokenOffset = at;
        this.type = type;
        this.isNull = false;
        this.count = 0;
        this.valueOffset = at;
        this.valueLength = 0;
    }

    private void checkPayload(final String method)
    {
        if (type == 0 || isAggregate())
        {
            throw new IllegalStateException(method + " on " + describeToken());
        }
    }

    /**
     * Parse the (possibly negative) decimal after a type byte up to its CR; set {@link #lineEnd}. Validated by the
     * decoder, so this only guards the frame's end.
     */
    private long parseHeaderNumber(final int from)
    {
        final DirectBuffer buffer = this.buffer;
        final int end = this.end;
        int i = from;
        boolean negative = false;
        if (i < end && buffer.getByte(i) == '-')
        {
            negative = true;
            i++;
        }
        long value = 0;
        for (; i < end; i++)
        {
            final byte b = buffer.getByte(i);
            if (b == '\r')
            {
                break;
            }
            value = value * 10 + (b - '0');
        }
        lineEnd = i;
        return negative ? -value : value;
    }

    private int findCr(final int from)
    {
        final DirectBuffer buffer = this.buffer;
        final int end = this.end;
        int i = from;
        while (i < end && buffer.getByte(i) != '\r')
        {
            i++;
        }
        return i;
    }

    private static boolean matchesIgnoreCase(final DirectBuffer buffer, final int index, final String lowerCase)
    {
        for (int i = 0; i < lowerCase.length(); i++)
        {
            if ((buffer.getByte(index + i) | 0x20) != lowerCase.charAt(i))
            {
                return false;
            }
        }
        return true;
    }

    private NumberFormatException notAnInteger()
    {
        return new NumberFormatException("not a 64-bit integer: " + describeToken());
    }

    private NumberFormatException notANumber()
    {
        return new NumberFormatException("not a number: " + describeToken());
    }

    private String describeToken()
    {
        final StringBuilder sb = new StringBuilder().append(RespType.name(type)).append(" at offset ")
            .append(tokenOffset);
        if (isNull)
        {
            sb.append(" (null)");
        }
        else if (isAggregate())
        {
            sb.append(" count=").append(count);
        }
        else if (type != 0)
        {
            final int shown = Math.min(valueLength, 64);
            sb.append(" '").append(buffer.getStringWithoutLengthAscii(valueOffset, shown))
                .append(shown < valueLength ? "...'" : "'");
        }
        return sb.toString();
    }
}
