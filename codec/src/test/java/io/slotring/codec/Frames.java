package io.slotring.codec;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.slotring.codec.internal.RespDecoder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Test helpers: wire bytes from readable strings (ISO-8859-1, one char per byte) and a canonical rendering of a
 * frame's token walk so decodings can be compared.
 */
final class Frames
{
    private Frames()
    {
    }

    static byte[] bytes(final String wire)
    {
        return wire.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String text(final byte[] bytes, final int offset, final int length)
    {
        return new String(bytes, offset, length, StandardCharsets.ISO_8859_1);
    }

    static UnsafeBuffer buffer(final String wire)
    {
        return new UnsafeBuffer(bytes(wire));
    }

    /** The wire bytes placed at {@code offset} in a larger buffer filled with junk, to check absolute offsets. */
    static UnsafeBuffer bufferAt(final String wire, final int offset)
    {
        final byte[] bytes = bytes(wire);
        final byte[] backing = new byte[offset + bytes.length + 7];
        java.util.Arrays.fill(backing, (byte)'#');
        System.arraycopy(bytes, 0, backing, offset, bytes.length);
        return new UnsafeBuffer(backing);
    }

    static String escape(final String s)
    {
        return s.replace("\r", "\\r").replace("\n", "\\n");
    }

    /**
     * Walk one frame with {@link RespReader#next()} and render each token: {@code TYPE} then {@code (count)} for
     * aggregates, {@code null} for nulls, or the payload in quotes.
     */
    static String dump(final DirectBuffer buffer, final int offset, final int length)
    {
        final RespReader reader = new RespReader().wrap(buffer, offset, length);
        final StringBuilder sb = new StringBuilder();
        int tokens = 0;
        while (reader.next())
        {
            if (++tokens > length)
            {
                throw new AssertionError("reader did not terminate on " + length + "-byte frame");
            }
            if (sb.length() > 0)
            {
                sb.append(' ');
            }
            sb.append(RespType.name(reader.type()));
            if (reader.isNull())
            {
                sb.append(":null");
            }
            else if (reader.isAggregate())
            {
                sb.append('(').append(reader.count()).append(')');
            }
            else
            {
                final byte[] payload = new byte[reader.valueLength()];
                reader.getBytes(payload, 0);
                sb.append(":'").append(escape(text(payload, 0, payload.length))).append('\'');
            }
        }
        return sb.toString();
    }

    /**
     * The reader's structural walk agrees with the decoder's frame boundary: skipping the top-level value (after any
     * attributes) ends exactly at the frame's end.
     */
    static void checkSkipCoversFrame(final DirectBuffer buffer, final int offset, final int length)
    {
        final RespReader reader = new RespReader().wrap(buffer, offset, length);
        if (!reader.nextValue())
        {
            throw new AssertionError("no value in frame of " + length + " bytes");
        }
        reader.skipChildren();
        if (reader.next())
        {
            throw new AssertionError("token after the top-level value at " + reader.tokenOffset() + " in frame [" +
                offset + ", " + (offset + length) + ")");
        }
    }

    static String dump(final String frame)
    {
        return dump(buffer(frame), 0, frame.length());
    }

    /** Decode every complete frame in one go; returns their dumps, and "INCOMPLETE" or the error, last. */
    static List<String> decodeAll(final RespDecoder decoder, final DirectBuffer buffer, final int offset,
        final int limit)
    {
        final List<String> out = new ArrayList<>();
        int position = offset;
        try
        {
            while (position < limit)
            {
                final int length = decoder.decode(buffer, position, limit);
                if (length == RespDecoder.INCOMPLETE)
                {
                    out.add("INCOMPLETE");
                    return out;
                }
                out.add(dump(buffer, position, length));
                position += length;
            }
        }
        catch (final RespProtocolException ex)
        {
            out.add("ERROR " + escape(ex.getMessage()));
        }
        return out;
    }
}
