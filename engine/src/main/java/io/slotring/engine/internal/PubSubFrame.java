package io.slotring.engine.internal;

import java.nio.charset.StandardCharsets;

import io.slotring.codec.RespReader;
import io.slotring.codec.RespType;
import org.agrona.DirectBuffer;

/**
 * Flyweight over one frame a subscriber connection received: a message ({@code message}, {@code pmessage},
 * {@code smessage}), a (un)subscribe confirmation, a PING's reply, an error reply, or anything else. RESP3 push
 * frames ({@code >3 message ch payload}) and RESP2 arrays ({@code *3 message ch payload}) read alike. Ranges refer
 * to the buffer the reader wraps; nothing is allocated. One instance per subscriber thread.
 */
public final class PubSubFrame
{
    /** Not a pub/sub frame (a handshake reply, anything unexpected). */
    public static final int OTHER = 0;
    /** {@code message channel payload}. */
    public static final int MESSAGE = 1;
    /** {@code pmessage pattern channel payload}. */
    public static final int PMESSAGE = 2;
    /** {@code smessage channel payload}. */
    public static final int SMESSAGE = 3;
    /** {@code subscribe channel count}. */
    public static final int SUBSCRIBE = 4;
    /** {@code psubscribe pattern count}. */
    public static final int PSUBSCRIBE = 5;
    /** {@code ssubscribe channel count}. */
    public static final int SSUBSCRIBE = 6;
    /** {@code unsubscribe channel count}. */
    public static final int UNSUBSCRIBE = 7;
    /** {@code punsubscribe pattern count}. */
    public static final int PUNSUBSCRIBE = 8;
    /** {@code sunsubscribe channel count}; also sent unasked when the channel's slot moved away. */
    public static final int SUNSUBSCRIBE = 9;
    /** An error reply ({@code -} or {@code !}). */
    public static final int ERROR = 10;
    /**
     * The reply to a {@code PING} without arguments: {@code +PONG} (RESP3, or RESP2 before any subscription), or
     * the {@code pong} array RESP2 answers in subscribed state ({@code *2 $4 pong $0 ""}, as a push too).
     */
    public static final int PONG = 11;

    private static final byte[][] NAMES = {
        null,
        bytes("message"), bytes("pmessage"), bytes("smessage"),
        bytes("subscribe"), bytes("psubscribe"), bytes("ssubscribe"),
        bytes("unsubscribe"), bytes("punsubscribe"), bytes("sunsubscribe") };
    private static final byte[] PONG_REPLY = bytes("PONG");
    private static final byte[] PONG_ELEMENT = bytes("pong");

    private int type;
    private DirectBuffer buffer;
    private int patternOffset;
    private int patternLength;
    private int channelOffset;
    private int channelLength;
    private int payloadOffset;
    private int payloadLength;
    private long count;

    private static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Reads the frame the reader was just wrapped over.
     *
     * @param reader wrapped over one complete frame, before its first token.
     * @return the frame's type, one of the constants of this class.
     */
    public int read(final RespReader reader)
    {
        type = OTHER;
        buffer = reader.buffer();
        patternOffset = patternLength = channelOffset = channelLength = payloadOffset = payloadLength = 0;
        count = 0;
        if (!reader.nextValue())
        {
            return type;
        }
        final byte head = reader.type();
        if (head == RespType.ERROR || head == RespType.BLOB_ERROR)
        {
            payloadOffset = reader.valueOffset();
            payloadLength = reader.valueLength();
            type = ERROR;
            return type;
        }
        if (head == RespType.SIMPLE_STRING && reader.contentEquals(PONG_REPLY))
        {
            type = PONG;
            return type;
        }
        if (head != RespType.PUSH && head != RespType.ARRAY || reader.isNull() || reader.count() < 2)
        {
            return type;
        }
        final int elements = reader.count();
        if (!reader.nextValue() || reader.type() != RespType.BULK_STRING && reader.type() != RespType.SIMPLE_STRING)
        {
            return type;
        }
        if (elements == 2)
        {
            // The only two-element frame: RESP2's answer to PING in subscribed state.
            if (reader.contentEquals(PONG_ELEMENT))
            {
                type = PONG;
            }
            return type;
        }
        final int found = lookup(reader);
        if (found == OTHER)
        {
            return type;
        }
        if (found == PMESSAGE)
        {
            if (elements != 4 || !reader.nextValue())
            {
                return type;
            }
            patternOffset = reader.valueOffset();
            patternLength = reader.valueLength();
        }
        else if (elements != 3)
        {
            return type;
        }
        if (!reader.nextValue())
        {
            return type;
        }
        channelOffset = reader.valueOffset();
        channelLength = reader.isNull() ? -1 : reader.valueLength();
        if (!reader.nextValue())
        {
            return type;
        }
        if (found <= SMESSAGE)
        {
            payloadOffset = reader.valueOffset();
            payloadLength = reader.valueLength();
        }
        else
        {
            count = reader.type() == RespType.INTEGER ? reader.longValue() : -1;
        }
        type = found;
        return type;
    }

    private static int lookup(final RespReader reader)
    {
        for (int i = 1; i < NAMES.length; i++)
        {
            if (reader.valueLength() == NAMES[i].length && reader.contentEquals(NAMES[i]))
            {
                return i;
            }
        }
        return OTHER;
    }

    /**
     * @return the type of the frame last read.
     */
    public int type()
    {
        return type;
    }

    /**
     * @return the buffer the ranges refer to.
     */
    public DirectBuffer buffer()
    {
        return buffer;
    }

    /**
     * @return offset of the channel (messages, confirmations) or the pattern (psubscribe, punsubscribe).
     */
    public int channelOffset()
    {
        return channelOffset;
    }

    /**
     * @return length of the channel or pattern; -1 when null (an unsubscribe from nothing).
     */
    public int channelLength()
    {
        return channelLength;
    }

    /**
     * @return offset of the pattern of a {@code pmessage}.
     */
    public int patternOffset()
    {
        return patternOffset;
    }

    /**
     * @return length of the pattern of a {@code pmessage}.
     */
    public int patternLength()
    {
        return patternLength;
    }

    /**
     * @return offset of a message's payload, or of an error's text.
     */
    public int payloadOffset()
    {
        return payloadOffset;
    }

    /**
     * @return length of a message's payload, or of an error's text.
     */
    public int payloadLength()
    {
        return payloadLength;
    }

    /**
     * @return the subscription count of a confirmation, -1 when it was not an integer.
     */
    public long count()
    {
        return count;
    }

    /**
     * @return the error text (allocates; errors only).
     */
    public String errorText()
    {
        return buffer.getStringWithoutLengthAscii(payloadOffset, payloadLength);
    }
}
