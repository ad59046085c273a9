package io.slotring.cluster;

import java.nio.charset.StandardCharsets;

import io.slotring.codec.RespReader;
import io.slotring.codec.RespType;
import io.slotring.codec.SlotHash;
import org.agrona.DirectBuffer;

/**
 * Flyweight over an error reply the routing layer acts on, read once, in place, from the zero-copy reader:
 * {@code MOVED <slot> <host>:<port>}, {@code ASK <slot> <host>:<port>}, {@code TRYAGAIN ...},
 * {@code CLUSTERDOWN ...}, {@code LOADING ...}, {@code MASTERDOWN ...}; anything else is {@link #OTHER}.
 *
 * <p>The address may leave the host out: {@code :6381} or {@code ?:6381} (Redis 7 with
 * {@code cluster-preferred-endpoint-type unknown-endpoint}, or {@code hostname} for a node without one) mean the
 * host of the node that answered ({@link #hasHost()} is false). The last colon separates the port, so an IPv6
 * host needs no brackets ({@code MOVED 1 ::1:6381}).
 *
 * <p>{@link #wrap} allocates nothing, and neither do the accessors but {@link #host}, {@link #address} and
 * {@link #problem}, which only the cold paths use (a new node, a failure message). A reply that does not parse is
 * not an exception here: {@link #problem} says what was expected and what came, and the router fails the command
 * with it. Valid while the wrapped buffer is (during the handler call); not thread-safe: the router keeps one per
 * thread.
 */
final class RedirectReply
{
    /** Not an error the router acts on. */
    static final int OTHER = 0;
    static final int MOVED = 1;
    static final int ASK = 2;
    static final int TRYAGAIN = 3;
    static final int CLUSTERDOWN = 4;
    static final int LOADING = 5;
    static final int MASTERDOWN = 6;

    private static final byte[] MOVED_PREFIX = ascii("MOVED ");
    private static final byte[] ASK_PREFIX = ascii("ASK ");
    private static final byte[] TRYAGAIN_PREFIX = ascii("TRYAGAIN");
    private static final byte[] CLUSTERDOWN_PREFIX = ascii("CLUSTERDOWN");
    private static final byte[] LOADING_PREFIX = ascii("LOADING");
    private static final byte[] MASTERDOWN_PREFIX = ascii("MASTERDOWN");

    /** {@link #problem} codes: what did not parse in a MOVED or ASK. */
    private static final int FINE = 0;
    private static final int NO_ADDRESS = 1;
    private static final int SLOT_NOT_A_NUMBER = 2;
    private static final int SLOT_OUT_OF_RANGE = 3;
    private static final int NO_PORT = 4;
    private static final int PORT_NOT_A_NUMBER = 5;
    private static final int PORT_OUT_OF_RANGE = 6;

    /** Values above these are only reported, so digits past them need not be accumulated (no overflow). */
    private static final int SLOT_CAP = SlotHash.SLOT_COUNT;
    private static final int PORT_CAP = 65536;

    // Everything below belongs to the thread that wrapped this last.
    private DirectBuffer buffer;
    private int offset;
    private int length;
    private int kind;
    private int slot;
    private int addressOffset;
    private int addressLength;
    private int hostOffset;
    private int hostLength;
    private int port;
    private int problem;
    /** The token {@link #problem} is about: the slot, or the address. */
    private int problemOffset;
    private int problemLength;

    /**
     * What kind of reply this is, without parsing it or moving the reader: a handful of byte compares, so the
     * engine can ask it of every error reply.
     *
     * @param reply a reader positioned on a reply.
     * @return {@link #OTHER} for anything but a simple error of one of the known kinds.
     */
    static int kindOf(final RespReader reply)
    {
        if (reply.type() != RespType.ERROR || reply.isNull())
        {
            return OTHER;
        }
        return kindOf(reply.buffer(), reply.valueOffset(), reply.valueLength());
    }

    /**
     * @param buffer holds the error text (without the leading {@code -}).
     * @param offset first byte of the text.
     * @param length its length.
     * @return the kind, {@link #OTHER} for an unknown error.
     */
    static int kindOf(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length == 0)
        {
            return OTHER;
        }
        // One dispatch on the first byte: an ordinary error (ERR, WRONGTYPE, NOSCRIPT) costs one compare.
        switch (buffer.getByte(offset))
        {
            case 'M':
                return startsWith(buffer, offset, length, MOVED_PREFIX) ? MOVED :
                    startsWith(buffer, offset, length, MASTERDOWN_PREFIX) ? MASTERDOWN : OTHER;
            case 'A':
                return startsWith(buffer, offset, length, ASK_PREFIX) ? ASK : OTHER;
            case 'T':
                return startsWith(buffer, offset, length, TRYAGAIN_PREFIX) ? TRYAGAIN : OTHER;
            case 'C':
                return startsWith(buffer, offset, length, CLUSTERDOWN_PREFIX) ? CLUSTERDOWN : OTHER;
            case 'L':
                return startsWith(buffer, offset, length, LOADING_PREFIX) ? LOADING : OTHER;
            default:
                return OTHER;
        }
    }

    /**
     * For replies that already became exceptions (a blocking command's answer on a dedicated connection).
     *
     * @param errorCode the error's first word, as {@code RedisServerException#errorCode()} reports it.
     * @return true for MOVED and ASK.
     */
    static boolean isRedirectCode(final String errorCode)
    {
        return "MOVED".equals(errorCode) || "ASK".equals(errorCode);
    }

    /**
     * @param reply a reader positioned on a reply; not moved.
     * @return this, over the reply's text; {@link #OTHER} for anything but a simple error.
     */
    RedirectReply wrap(final RespReader reply)
    {
        if (reply.type() != RespType.ERROR || reply.isNull())
        {
            return wrap(reply.buffer(), reply.valueOffset(), 0);
        }
        return wrap(reply.buffer(), reply.valueOffset(), reply.valueLength());
    }

    /**
     * Classifies the error text and, for MOVED and ASK, parses the slot and the address in place.
     *
     * @param buffer holds the error text (without the leading {@code -}).
     * @param offset first byte of the text.
     * @param length its length.
     * @return this.
     */
    RedirectReply wrap(final DirectBuffer buffer, final int offset, final int length)
    {
        this.buffer = buffer;
        this.offset = offset;
        this.length = length;
        this.kind = kindOf(buffer, offset, length);
        this.slot = -1;
        this.addressOffset = offset;
        this.addressLength = 0;
        this.hostOffset = offset;
        this.hostLength = 0;
        this.port = 0;
        this.problem = FINE;
        this.problemOffset = offset;
        this.problemLength = 0;
        if (kind == MOVED)
        {
            parseTarget(offset + MOVED_PREFIX.length);
        }
        else if (kind == ASK)
        {
            parseTarget(offset + ASK_PREFIX.length);
        }
        return this;
    }

    /** {@code <slot> <host>:<port>}, exactly: one space between the two, nothing after the port. */
    private void parseTarget(final int start)
    {
        final int end = offset + length;
        final int space = indexOf(' ', start, end);
        if (space < 0 || space + 1 >= end || indexOf(' ', space + 1, end) >= 0)
        {
            problem = NO_ADDRESS;
            return;
        }
        final int parsedSlot = parseDigits(start, space, SLOT_CAP);
        if (parsedSlot < 0)
        {
            fail(SLOT_NOT_A_NUMBER, start, space);
            return;
        }
        if (parsedSlot >= SlotHash.SLOT_COUNT)
        {
            fail(SLOT_OUT_OF_RANGE, start, space);
            return;
        }
        addressOffset = space + 1;
        addressLength = end - addressOffset;
        final int colon = lastIndexOf(':', addressOffset, end);
        if (colon < 0 || colon == end - 1)
        {
            fail(NO_PORT, addressOffset, end);
            return;
        }
        final int parsedPort = parseDigits(colon + 1, end, PORT_CAP);
        if (parsedPort < 0)
        {
            fail(PORT_NOT_A_NUMBER, addressOffset, end);
            return;
        }
        if (parsedPort == 0 || parsedPort >= PORT_CAP)
        {
            fail(PORT_OUT_OF_RANGE, addressOffset, end);
            return;
        }
        slot = parsedSlot;
        port = parsedPort;
        hostOffset = addressOffset;
        hostLength = colon - addressOffset;
        if (hostLength == 1 && buffer.getByte(hostOffset) == '?')
        {
            hostLength = 0;
        }
    }

    private void fail(final int code, final int from, final int to)
    {
        problem = code;
        problemOffset = from;
        problemLength = to - from;
    }

    /** @return the decimal value of {@code [from, to)} (at most {@code cap}), or -1 when empty or not all digits. */
    private int parseDigits(final int from, final int to, final int cap)
    {
        if (from >= to)
        {
            return -1;
        }
        int value = 0;
        for (int i = from; i < to; i++)
        {
            final int digit = buffer.getByte(i) - '0';
            if (digit < 0 || digit > 9)
            {
                return -1;
            }
            value = Math.min(cap, value * 10 + digit);
        }
        return value;
    }

    private int indexOf(final char c, final int from, final int to)
    {
        for (int i = from; i < to; i++)
        {
            if (buffer.getByte(i) == c)
            {
                return i;
            }
        }
        return -1;
    }

    private int lastIndexOf(final char c, final int from, final int to)
    {
        for (int i = to - 1; i >= from; i--)
        {
            if (buffer.getByte(i) == c)
            {
                return i;
            }
        }
        return -1;
    }

    /**
     * @return {@link #MOVED}, {@link #ASK}, {@link #TRYAGAIN}, {@link #CLUSTERDOWN}, {@link #LOADING},
     * {@link #MASTERDOWN} or {@link #OTHER}.
     */
    int kind()
    {
        return kind;
    }

    /**
     * @return true for a MOVED or ASK whose slot and address parsed (the host may still be the answering node's).
     */
    boolean isRedirect()
    {
        return (kind == MOVED || kind == ASK) && problem == FINE;
    }

    /**
     * @return the slot of a parsed MOVED or ASK; -1 otherwise.
     */
    int slot()
    {
        return slot;
    }

    /**
     * @return the port of a parsed MOVED or ASK; 0 otherwise.
     */
    int port()
    {
        return port;
    }

    /**
     * @return false when the address left the host out ({@code :port}, {@code ?:port}): the answering node's.
     */
    boolean hasHost()
    {
        return hostLength > 0;
    }

    /**
     * @return the buffer holding the host bytes ({@link #hostOffset()}, {@link #hostLength()}).
     */
    DirectBuffer buffer()
    {
        return buffer;
    }

    int hostOffset()
    {
        return hostOffset;
    }

    /**
     * @return the host's length in bytes; 0 when the address left it out.
     */
    int hostLength()
    {
        return hostLength;
    }

    /**
     * Allocation-free comparison of the named host with a known one, char by byte: a non-ASCII name never
     * matches (its lookup merely takes the slow path).
     *
     * @param host a host name or address.
     * @return true when the reply names exactly this host.
     */
    boolean hostEquals(final String host)
    {
        if (host.length() != hostLength)
        {
            return false;
        }
        for (int i = 0; i < hostLength; i++)
        {
            if ((buffer.getByte(hostOffset + i) & 0xFF) != host.charAt(i))
            {
                return false;
            }
        }
        return true;
    }

    /**
     * Cold path (a node met for the first time, a message): allocates.
     *
     * @param sourceHost host of the node that replied, taken when the address has none; null when unknown.
     * @return the host to go to, or null when the address has none and {@code sourceHost} is null.
     */
    String host(final String sourceHost)
    {
        return hasHost() ? buffer.getStringWithoutLengthUtf8(hostOffset, hostLength) : sourceHost;
    }

    /**
     * Cold path: allocates.
     *
     * @param sourceHost host of the node that replied, for an address without one; null when unknown.
     * @return {@code host:port} as the command will be sent to it.
     */
    String address(final String sourceHost)
    {
        final String host = host(sourceHost);
        return (host != null ? host : "") + ':' + port;
    }

    /**
     * Cold path: allocates.
     *
     * @return the whole error text, as the server sent it.
     */
    String text()
    {
        return buffer.getStringWithoutLengthUtf8(offset, length);
    }

    /**
     * Says why a MOVED or ASK cannot be followed, naming what was expected and what came; null when it can.
     * Allocates only when there is a problem.
     *
     * @param sourceHost host of the node that replied, for an address without one; null when unknown.
     * @return the reason, or null.
     */
    String problem(final String sourceHost)
    {
        if (kind != MOVED && kind != ASK)
        {
            return null;
        }
        if (problem == FINE)
        {
            return hasHost() || sourceHost != null ? null : expected() + ": the address has no host, and there is " +
                "no node to take the host from ('" + token(addressOffset, addressLength) + "')";
        }
        final String token = token(problemOffset, problemLength);
        switch (problem)
        {
            case NO_ADDRESS:
                return expected();
            case SLOT_NOT_A_NUMBER:
                return expected() + ": the slot '" + token + "' is not a number";
            case SLOT_OUT_OF_RANGE:
                return expected() + ": the slot " + token + " is not in 0..16383";
            case NO_PORT:
                return expected() + ": the address '" + token + "' has no port after its last ':' (expected " +
                    "host:port, :port or ?:port)";
            case PORT_NOT_A_NUMBER:
                return expected() + ": the port of '" + token + "' is not a number";
            default:
                return expected() + ": the port of '" + token + "' is not in 1..65535";
        }
    }

    private String expected()
    {
        return "expected " + (kind == ASK ? "ASK" : "MOVED") + " <slot> <host>:<port>, got '" + text() + "'";
    }

    private String token(final int from, final int count)
    {
        return buffer.getStringWithoutLengthUtf8(from, count);
    }

    private static boolean startsWith(final DirectBuffer buffer, final int offset, final int length,
        final byte[] prefix)
    {
        if (length < prefix.length)
        {
            return false;
        }
        for (int i = 0; i < prefix.length; i++)
        {
            if (buffer.getByte(offset + i) != prefix[i])
            {
                return false;
            }
        }
        return true;
    }

    private static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public String toString()
    {
        return buffer == null ? "RedirectReply{unwrapped}" : "RedirectReply{" + text() + '}';
    }
}
