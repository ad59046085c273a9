package io.slotring.codec.internal;

import java.nio.ByteOrder;

import io.slotring.codec.RespProtocolException;
import io.slotring.codec.RespType;
import org.agrona.DirectBuffer;

/**
 * Incremental, resumable framer: finds where ONE complete top-level RESP2/RESP3 frame ends, validating every byte of
 * framing on the way, without copying or materialising anything.
 * <p>
 * <b>Framing rule.</b> A frame is one top-level value. An attribute ({@code |}) and the value it decorates are one
 * frame, as is any run of attributes before a value. A push ({@code >}) is a frame of its own, as on the wire.
 * <p>
 * <b>Resumption.</b> When the bytes end mid-frame, {@link #decode(DirectBuffer, int, int)} returns {@link #INCOMPLETE}
 * and keeps what it has validated as positions <em>relative to the frame start</em> plus the stack of open aggregates.
 * The caller may then compact its receive buffer (move the partial frame to another offset, even another buffer) and
 * call again with the frame's new start and a larger limit; the scan resumes where it stopped. Bulk payloads are
 * skipped by their declared length, never scanned, and an unterminated text line remembers how far it was searched,
 * so every byte is examined a bounded number of times whatever the chunking: a 100 MB bulk arriving in 64 KB reads
 * costs O(reads), not O(reads x size).
 * <p>
 * <b>Contract.</b> Between an {@code INCOMPLETE} and the call that completes the frame, the caller must present the
 * same frame bytes (same content from the frame start, possibly moved) with at least as many bytes as before.
 * Presenting a different frame requires {@link #reset()} first.
 * <p>
 * <b>Bounds.</b> Nesting depth and the length of bulk strings (and of text lines: simple strings, errors, doubles,
 * big numbers) are capped, so a forged header cannot make the caller grow a buffer without limit. Nothing is ever
 * allocated from a length read off the wire; the depth stack is preallocated. Streamed strings and aggregates
 * ({@code $?}, {@code *?}) are rejected.
 * <p>
 * <b>Errors.</b> Bad input throws {@link RespProtocolException} (and nothing else) whose message names the absolute
 * offset in the buffer passed to this call, what was expected and what came. The decoder resets itself before
 * throwing; the connection is out of sync and should be closed. Error detection does not depend on chunking: the same
 * bytes fail at the same offset with the same message whether they arrive at once or one at a time.
 * <p>
 * Not thread-safe: one instance per connection.
 */
public final class RespDecoder
{
    /** Returned by {@link #decode(DirectBuffer, int, int)} when the frame needs more bytes. */
    public static final int INCOMPLETE = 0;
    /** Default maximum number of nested aggregates open at once. */
    public static final int DEFAULT_MAX_DEPTH = 64;
    /** Default maximum bulk string length: Redis' default {@code proto-max-bulk-len}, 512 MiB. */
    public static final long DEFAULT_MAX_BULK_LENGTH = 512L * 1024 * 1024;

    /** 19 digits always fit a long; the 19th needs an overflow check, a 20th never fits. */
    private static final int MAX_DIGITS = 19;
    private static final long NO_BULK = -1;
    /** {@code "\r\n"} as a short read in native byte order, to check a terminator with one load. */
    private static final short CRLF_NATIVE = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ?
        (short)(('\n' << 8) | '\r') : (short)(('\r' << 8) | '\n');

    private final int maxDepth;
    private final long maxBulkLength;

    // Stack of open aggregates, preallocated: values still expected at each level, and whether the level is an
    // attribute (which is not itself a value of its parent).
    private final long[] remaining;
    private final boolean[] isAttribute;
    private int depth;

    // All positions below are relative to the frame start, so the partial frame may move between calls.
    /** Start of the next token: everything before it is validated. While a bulk is pending: its payload start. */
    private int position;
    /** Where the search for the CR of an unterminated text line resumes, 0 when no line is in progress. */
    private int lineScan;
    /** Index of the CR after a pending bulk payload, or {@link #NO_BULK}. */
    private long bulkEnd = NO_BULK;
    private byte bulkType;
    /** Relative index up to which the pending bulk's bytes were added to {@link #bytesScanned}. */
    private long bulkAccounted;

    /** Out-value of {@link #parseNumber}, a field to avoid allocating a holder. */
    private long number;
    /** Bytes examined (payloads skipped count once per skip), for tests asserting linear work. */
    private long bytesScanned;

    /**
     * Decoder with {@link #DEFAULT_MAX_DEPTH} and {@link #DEFAULT_MAX_BULK_LENGTH}.
     */
    public RespDecoder()
    {
        this(DEFAULT_MAX_DEPTH, DEFAULT_MAX_BULK_LENGTH);
    }

    /**
     * @param maxDepth      maximum number of aggregates open at once (a flat array is depth 1), at least 1.
     * @param maxBulkLength maximum payload of a bulk string, blob error or verbatim string, and maximum content length
     *                      of a text line; from 0 to {@link Integer#MAX_VALUE} as a frame must fit a buffer.
     */
    public RespDecoder(final int maxDepth, final long maxBulkLength)
    {
        if (maxDepth < 1)
        {
            throw new IllegalArgumentException("maxDepth must be >= 1: " + maxDepth);
        }
        if (maxBulkLength < 0 || maxBulkLength > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("maxBulkLength must be in [0, " + Integer.MAX_VALUE + "]: " +
                maxBulkLength);
        }

        this.maxDepth = maxDepth;
        this.maxBulkLength = maxBulkLength;
        this.remaining = new long[maxDepth];
        this.isAttribute = new boolean[maxDepth];
    }

    /**
     * Scan for the end of the frame starting at {@code offset}.
     *
     * @param buffer holding the frame.
     * @param offset index of the frame's first byte (after an {@code INCOMPLETE}: where the same frame now starts).
     * @param limit  index one past the last byte received.
     * @return the frame length, {@code > 0}, when {@code [offset, offset + length)} holds one complete frame (the
     * decoder is then reset for the next frame); {@link #INCOMPLETE} when more bytes are needed.
     * @throws RespProtocolException    on malformed input or a bound exceeded.
     * @throws IllegalArgumentException if {@code offset}/{@code limit} do not lie within the buffer (a caller bug, not
     *                                  bad input).
     */
    public int decode(final DirectBuffer buffer, final int offset, final int limit)
    {
        if (offset < 0 || limit < offset || limit > buffer.capacity())
        {
            throw new IllegalArgumentException(
                "offset=" + offset + " limit=" + limit + " capacity=" + buffer.capacity());
        }

        final int available = limit - offset;
        if (bulkEnd != NO_BULK)
        {
            if (!completeBulk(buffer, offset, available))
            {
                return INCOMPLETE;
            }
            if (valueCompleted())
            {
                return frameCompleted();
            }
        }

        while (true)
        {
            final int p = position;
            if (p >= available)
            {
                return INCOMPLETE;
            }

            final byte type = buffer.getByte(offset + p);
            bytesScanned++;
            switch (type)
            {
                case RespType.BULK_STRING:
                case RespType.BLOB_ERROR:
                case RespType.VERBATIM_STRING:
                {
                    final int payloadStart = parseNumber(buffer, offset, available, p, type);
                    if (payloadStart < 0)
                    {
                        return INCOMPLETE;
                    }
                    final long length = number;
                    if (length == -1 && type == RespType.BULK_STRING)
                    {
                        position = payloadStart; // null bulk string: a complete value
                        break;
                    }
                    checkBulkLength(offset + p + 1, type, length);
                    if (payloadStart + length + 2 > Integer.MAX_VALUE)
                    {
                        throw error("expected a frame shorter than 2 GiB", offset + p + 1,
                            "a " + length + "-byte payload at frame position " + payloadStart);
                    }
                    final long end = payloadStart + length;
                    if (end + 2 <= available && type == RespType.BULK_STRING &&
                        buffer.getShort(offset + (int)end) == CRLF_NATIVE)
                    {
                        // Fast path, the common case: the whole bulk string is here and well terminated, so no
                        // resumption state is needed.
                        bytesScanned += length + 2;
                        position = (int)end + 2;
                        break;
                    }
                    position = payloadStart;
                    bulkEnd = end;
                    bulkType = type;
                    bulkAccounted = payloadStart;
                    if (!completeBulk(buffer, offset, available))
                    {
                        return INCOMPLETE;
                    }
                    break;
                }

                case RespType.SIMPLE_STRING:
                case RespType.ERROR:
                case RespType.DOUBLE:
                case RespType.BIG_NUMBER:
                {
                    final int cr = scanLine(buffer, offset, available, p);
                    if (cr < 0)
                    {
                        return INCOMPLETE;
                    }
                    if (type == RespType.DOUBLE)
                    {
                        validateDouble(buffer, offset, p + 1, cr);
                    }
                    else if (type == RespType.BIG_NUMBER)
                    {
                        validateBigNumber(buffer, offset, p + 1, cr);
                    }
                    position = cr + 2;
                    break;
                }

                case RespType.INTEGER:
                {
                    final int next = parseNumber(buffer, offset, available, p, type);
                    if (next < 0)
                    {
                        return INCOMPLETE;
                    }
                    position = next;
                    break;
                }

                case RespType.NULL:
                {
                    if (!expectBytes(buffer, offset, available, p + 1, '\r', '\n'))
                    {
                        return INCOMPLETE;
                    }
                    position = p + 3;
                    break;
                }

                case RespType.BOOLEAN:
                {
                    if (p + 1 >= available)
                    {
                        return INCOMPLETE;
                    }
                    final byte value = buffer.getByte(offset + p + 1);
                    bytesScanned++;
                    if (value != 't' && value != 'f')
                    {
                        throw unexpected("'t' or 'f'", offset + p + 1, value);
                    }
                    if (!expectBytes(buffer, offset, available, p + 2, '\r', '\n'))
                    {
                        return INCOMPLETE;
                    }
                    position = p + 4;
                    break;
                }

                case RespType.ARRAY:
                case RespType.MAP:
                case RespType.SET:
                case RespType.PUSH:
                case RespType.ATTRIBUTE:
                {
                    final int next = parseNumber(buffer, offset, available, p, type);
                    if (next < 0)
                    {
                        return INCOMPLETE;
                    }
                    final long count = number;
                    if (count < 0)
                    {
                        if (count != -1 || type != RespType.ARRAY)
                        {
                            throw error(type == RespType.ARRAY ?
                                "expected an element count >= 0 (or -1 for null)" : "expected an element count >= 0",
                                offset + p + 1, Long.toString(count));
                        }
                        position = next; // null array: a complete value
                        break;
                    }
                    if (count > Integer.MAX_VALUE)
                    {
                        throw error("expected an element count <= " + Integer.MAX_VALUE, offset + p + 1,
                            Long.toString(count));
                    }

                    position = next;
                    final boolean attribute = type == RespType.ATTRIBUTE;
                    if (count == 0)
                    {
                        if (attribute)
                        {
                            continue; // an empty attribute decorates the next value but is not one itself
                        }
                        break; // empty aggregate: a complete value
                    }
                    if (depth == maxDepth)
                    {
                        throw error("expected nesting depth <= " + maxDepth + " (maxDepth)", offset + p,
                            "depth " + (maxDepth + 1));
                    }
                    final boolean pairs = attribute || type == RespType.MAP;
                    remaining[depth] = pairs ? count << 1 : count;
                    isAttribute[depth] = attribute;
                    depth++;
                    continue;
                }

                default:
                    throw unexpected("a RESP type byte (one of + - : $ * _ , # ! = ( % ~ > |)", offset + p, type);
            }

            if (valueCompleted())
            {
                return frameCompleted();
            }
        }
    }

    /**
     * After {@link #INCOMPLETE}: a lower bound of the whole frame's length from what is known for certain, chiefly the
     * end of a bulk string whose header has arrived ({@code header + length + 2}). A caller whose receive buffer is
     * smaller can grow it once to this size instead of doubling repeatedly.
     * <p>
     * Elements still expected by open aggregates are deliberately not counted: a forged count of two billion would
     * otherwise ask for gigabytes. The result is therefore at most the frame bytes already validated plus
     * {@code maxBulkLength} plus framing; callers should still apply their own ceiling before allocating.
     * Meaningless after a completed frame.
     *
     * @return lower bound of the frame length, in bytes.
     */
    public long minimumFrameLength()
    {
        if (bulkEnd != NO_BULK)
        {
            return bulkEnd + 2;
        }
        if (lineScan > 0)
        {
            return lineScan + 2L;
        }
        return position + 1L;
    }

    /**
     * Forget any partial frame, e.g. after a reconnect. Not needed after a completed frame or an exception.
     */
    public void reset()
    {
        depth = 0;
        position = 0;
        lineScan = 0;
        bulkEnd = NO_BULK;
        bulkType = 0;
    }

    /**
     * @return the nesting bound this decoder enforces.
     */
    public int maxDepth()
    {
        return maxDepth;
    }

    /**
     * @return the payload and line length bound this decoder enforces.
     */
    public long maxBulkLength()
    {
        return maxBulkLength;
    }

    /**
     * Total bytes examined since construction; a bulk payload, which is skipped rather than read, counts as its bytes
     * arrive, once. Lets tests assert
     * that chunked input is processed in linear time without measuring wall-clock time.
     */
    public long bytesScanned()
    {
        return bytesScanned;
    }

    private int frameCompleted()
    {
        final int length = position;
        position = 0;
        lineScan = 0;
        // depth is already 0 and bulkEnd already NO_BULK: a frame only completes when both hold.
        return length;
    }

    /**
     * A value just ended: consume it from the innermost open aggregate, closing every aggregate it completes.
     *
     * @return true when the top-level frame is complete.
     */
    private boolean valueCompleted()
    {
        final long[] remaining = this.remaining;
        int depth = this.depth;
        while (depth > 0)
        {
            final int top = depth - 1;
            if (--remaining[top] > 0)
            {
                this.depth = depth;
                return false;
            }
            depth = top;
            if (isAttribute[top])
            {
                // A finished attribute is not a value of its parent: the value it decorates is still to come.
                this.depth = depth;
                return false;
            }
        }
        this.depth = 0;
        return true;
    }

    /**
     * Check the CRLF after a pending bulk payload, if it has arrived. The payload itself is never read, except the
     * verbatim format separator.
     */
    private boolean completeBulk(final DirectBuffer buffer, final int offset, final int available)
    {
        final long end = bulkEnd;
        // Account for the payload bytes seen so far exactly once, however many calls the bulk spans.
        final long seen = Math.min(available, end + 2);
        if (seen > bulkAccounted)
        {
            bytesScanned += seen - bulkAccounted;
            bulkAccounted = seen;
        }
        if (end >= available)
        {
            return false;
        }

        // Each terminator byte is checked as soon as it arrives, so the error does not depend on chunking.
        final int cr = (int)end;
        final byte first = buffer.getByte(offset + cr);
        if (first != '\r')
        {
            throw unexpected("'\\r\\n' after the " + (cr - position) + "-byte payload", offset + cr, first);
        }
        if (cr + 1 >= available)
        {
            return false;
        }
        final byte second = buffer.getByte(offset + cr + 1);
        if (second != '\n')
        {
            throw unexpected("'\\r\\n' after the " + (cr - position) + "-byte payload", offset + cr + 1, second);
        }
        if (bulkType == RespType.VERBATIM_STRING)
        {
            final byte separator = buffer.getByte(offset + position + 3);
            if (separator != ':')
            {
                throw unexpected("':' after the 3-byte verbatim format", offset + position + 3, separator);
            }
        }

        position = cr + 2;
        bulkEnd = NO_BULK;
        return true;
    }

    private void checkBulkLength(final int digitsOffset, final byte type, final long length)
    {
        if (length < 0)
        {
            throw error(type == RespType.BULK_STRING ?
                "expected a length >= 0 (or -1 for null)" : "expected a length >= 0", digitsOffset,
                    Long.toString(length));
        }
        if (length > maxBulkLength)
        {
            throw error("expected a length <= " + maxBulkLength + " (maxBulkLength)", digitsOffset,
                Long.toString(length));
        }
        if (type == RespType.VERBATIM_STRING && length < 4)
        {
            throw error("expected a verbatim string length >= 4 (3-byte format and ':')", digitsOffset,
                Long.toString(length));
        }
    }

    /**
     * Parse the decimal number and CRLF that follow the type byte at {@code typeIndex}; store it in {@link #number}.
     * The line is short and bounded, so on INCOMPLETE it is simply parsed again next time; bytes are validated as
     * they come, so an error surfaces at the same offset however the input is chunked.
     *
     * @return relative index after the CRLF, or -1 if the line is not complete yet.
     */
    private int parseNumber(final DirectBuffer buffer, final int offset, final int available, final int typeIndex,
        final byte type)
    {
        // Fast path, small enough to inline: an optional '-', 1 to 18 digits (never overflows) and CRLF, all present.
        // Anything else - '+', '?', bad byte, 19+ digits, line not complete - goes to the full parser, which is
        // authoritative for errors, so both paths accept and reject exactly the same input.
        int i = typeIndex + 1;
        final boolean negative = i < available && buffer.getByte(offset + i) == '-';
        if (negative)
        {
            i++;
        }
        final int digitsStart = i;
        final int digitsLimit = Math.min(available, digitsStart + MAX_DIGITS - 1);
        long value = 0;
        while (i < digitsLimit)
        {
            final int digit = buffer.getByte(offset + i) - '0';
            if (digit < 0 || digit > 9)
            {
                break;
            }
            value = value * 10 + digit;
            i++;
        }
        if (i > digitsStart && i + 1 < available && buffer.getShort(offset + i) == CRLF_NATIVE)
        {
            bytesScanned += i + 1 - typeIndex;
            number = negative ? -value : value;
            return i + 2;
        }
        return parseNumberSlow(buffer, offset, available, typeIndex, type);
    }

    private int parseNumberSlow(final DirectBuffer buffer, final int offset, final int available, final int typeIndex,
        final byte type)
    {
        int i = typeIndex + 1;
        if (i >= available)
        {
            return -1;
        }

        byte b = buffer.getByte(offset + i);
        boolean negative = false;
        if (b < '0') // rare: a sign or '?'; any other byte fails as "expected a digit" below
        {
            if (b == '-')
            {
                negative = true;
                i++;
            }
            else if (b == '+' && type == RespType.INTEGER)
            {
                i++;
            }
        }
        else if (b == '?' && type != RespType.INTEGER)
        {
            throw unexpected("a length (streamed strings and aggregates are not supported)", offset + i, b);
        }

        // Accumulate negatively, like Long.parseLong, so Long.MIN_VALUE parses without overflow.
        final long limit = negative ? Long.MIN_VALUE : -Long.MAX_VALUE;
        final int digitsStart = i;
        long result = 0;
        while (true)
        {
            if (i >= available)
            {
                bytesScanned += i - typeIndex - 1;
                return -1;
            }
            b = buffer.getByte(offset + i);
            if (b < '0' || b > '9')
            {
                break;
            }
            final int digits = i - digitsStart;
            if (digits >= MAX_DIGITS - 1)
            {
                if (digits >= MAX_DIGITS)
                {
                    throw unexpected("'\\r' after at most " + MAX_DIGITS + " digits", offset + i, b);
                }
                final int digit = b - '0';
                if (result < limit / 10 || result * 10 < limit + digit)
                {
                    throw error("expected a number within the signed 64-bit range", offset + digitsStart,
                        "overflow at digit " + describe(b) + " at offset " + (offset + i));
                }
            }
            result = result * 10 - (b - '0');
            i++;
        }

        if (i == digitsStart)
        {
            throw unexpected("a digit", offset + i, b);
        }
        if (b != '\r')
        {
            throw unexpected("a digit or '\\r'", offset + i, b);
        }
        if (i + 1 >= available)
        {
            bytesScanned += i - typeIndex - 1;
            return -1;
        }
        final byte lf = buffer.getByte(offset + i + 1);
        if (lf != '\n')
        {
            throw unexpected("'\\n' after '\\r'", offset + i + 1, lf);
        }

        bytesScanned += i + 1 - typeIndex;
        number = negative ? result : -result;
        return i + 2;
    }

    /**
     * Find the CR ending the text line whose type byte is at {@code typeIndex}. The search resumes where the previous
     * call stopped, so a long line arriving in pieces is scanned once.
     *
     * @return relative index of the CR (followed by LF), or -1 if the line is not complete yet.
     */
    private int scanLine(final DirectBuffer buffer, final int offset, final int available, final int typeIndex)
    {
        final int contentStart = typeIndex + 1;
        final long maxLength = maxBulkLength;
        final int from = Math.max(lineScan, contentStart);
        int i = from;
        while (i < available)
        {
            final byte b = buffer.getByte(offset + i);
            if (b == '\r')
            {
                if (i + 1 >= available)
                {
                    break;
                }
                final byte lf = buffer.getByte(offset + i + 1);
                if (lf != '\n')
                {
                    throw unexpected("'\\n' after '\\r'", offset + i + 1, lf);
                }
                bytesScanned += i + 2 - from;
                lineScan = 0;
                return i;
            }
            if (b == '\n')
            {
                throw unexpected("'\\r\\n' (a line must not contain a bare '\\n')", offset + i, b);
            }
            if (i - contentStart >= maxLength)
            {
                throw unexpected("'\\r\\n' within " + maxLength + " bytes (maxBulkLength)", offset + i, b);
            }
            i++;
        }

        bytesScanned += i - from;
        lineScan = i;
        return -1;
    }

    /**
     * Check the next two bytes, validating whatever part of them has arrived.
     *
     * @return true if both are present and as expected, false if more bytes are needed.
     */
    private boolean expectBytes(
        final DirectBuffer buffer, final int offset, final int available, final int index, final char first,
        final char second)
    {
        if (index >= available)
        {
            return false;
        }
        final byte b0 = buffer.getByte(offset + index);
        bytesScanned++;
        if (b0 != first)
        {
            throw unexpected("'\\r\\n'", offset + index, b0);
        }
        if (index + 1 >= available)
        {
            return false;
        }
        final byte b1 = buffer.getByte(offset + index + 1);
        bytesScanned++;
        if (b1 != second)
        {
            throw unexpected("'\\r\\n'", offset + index + 1, b1);
        }
        return true;
    }

    /**
     * A RESP3 double: {@code [+-]digits[.digits][(e|E)[+-]digits]}, a mantissa with at least one digit, or
     * {@code inf}, {@code -inf}, {@code nan} (any case, optional sign).
     */
    private void validateDouble(final DirectBuffer buffer, final int offset, final int start, final int end)
    {
        int i = start;
        if (i < end && isSign(buffer.getByte(offset + i)))
        {
            i++;
        }
        if (end - i == 3 &&
            (matchesIgnoreCase(buffer, offset + i, "inf") || matchesIgnoreCase(buffer, offset + i, "nan")))
        {
            return;
        }

        int mantissaDigits = 0;
        while (i < end && isDigit(buffer.getByte(offset + i)))
        {
            i++;
            mantissaDigits++;
        }
        if (i < end && buffer.getByte(offset + i) == '.')
        {
            i++;
            while (i < end && isDigit(buffer.getByte(offset + i)))
            {
                i++;
                mantissaDigits++;
            }
        }
        if (mantissaDigits == 0)
        {
            throw unexpected("a double (digits, inf, -inf or nan)", offset + i, buffer.getByte(offset + i));
        }
        if (i < end && (buffer.getByte(offset + i) | 0x20) == 'e')
        {
            i++;
            if (i < end && isSign(buffer.getByte(offset + i)))
            {
                i++;
            }
            final int exponentStart = i;
            while (i < end && isDigit(buffer.getByte(offset + i)))
            {
                i++;
            }
            if (i == exponentStart)
            {
                throw unexpected("a digit in the double's exponent", offset + i, buffer.getByte(offset + i));
            }
        }
        if (i != end)
        {
            throw unexpected("'\\r\\n' after the double", offset + i, buffer.getByte(offset + i));
        }
    }

    /**
     * A RESP3 big number: {@code [+-]digits}, at least one digit.
     */
    private void validateBigNumber(final DirectBuffer buffer, final int offset, final int start, final int end)
    {
        int i = start;
        if (i < end && isSign(buffer.getByte(offset + i)))
        {
            i++;
        }
        final int digitsStart = i;
        while (i < end && isDigit(buffer.getByte(offset + i)))
        {
            i++;
        }
        if (i == digitsStart)
        {
            throw unexpected("a digit", offset + i, buffer.getByte(offset + i));
        }
        if (i != end)
        {
            throw unexpected("a digit or '\\r\\n'", offset + i, buffer.getByte(offset + i));
        }
    }

    private static boolean isDigit(final byte b)
    {
        return b >= '0' && b <= '9';
    }

    private static boolean isSign(final byte b)
    {
        return b == '-' || b == '+';
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

    private RespProtocolException unexpected(final String expected, final int offset, final byte got)
    {
        return error("expected " + expected, offset, describe(got));
    }

    private RespProtocolException error(final String expected, final int offset, final String got)
    {
        // The stream is out of sync: leave the decoder clean for a new connection rather than half-way in a frame.
        reset();
        return new RespProtocolException(expected + " at offset " + offset + ", got " + got, offset);
    }

    /**
     * Render a byte for an error message: {@code 'x' (0x78)}, {@code '\r' (0x0d)} or {@code 0xff}.
     */
    public static String describe(final byte b)
    {
        final String hex = String.format("0x%02x", b & 0xFF);
        switch (b)
        {
            case '\r': return "'\\r' (" + hex + ")";
            case '\n': return "'\\n' (" + hex + ")";
            case '\t': return "'\\t' (" + hex + ")";
            default:
                return b >= 0x20 && b < 0x7F ? "'" + (char)b + "' (" + hex + ")" : hex;
        }
    }
}
