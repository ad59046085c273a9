package io.slotring.codec.internal;

import java.nio.charset.StandardCharsets;

import org.agrona.MutableDirectBuffer;

/**
 * Immutable, precomputed start of a RESP command: {@code *<argc>\r\n$<n>\r\n<NAME>\r\n}.
 * <p>
 * The array header and the command name never change for a given command shape, so they are rendered once at class
 * load (or by the caller, once, via {@link #of(int, String)}) and written by {@link RespEncoder#header(CommandHeader)}
 * with a single {@code putBytes}. Instances are thread-safe and meant to be held in {@code static final} fields.
 */
public final class CommandHeader
{
    /** {@code GET key}. */
    public static final CommandHeader GET = of(2, "GET");
    /** {@code SET key value} (no options). */
    public static final CommandHeader SET = of(3, "SET");
    /** {@code DEL key} (single key). */
    public static final CommandHeader DEL = of(2, "DEL");
    /** {@code INCR key}. */
    public static final CommandHeader INCR = of(2, "INCR");
    /** {@code EXISTS key} (single key). */
    public static final CommandHeader EXISTS = of(2, "EXISTS");
    /** {@code PING}. */
    public static final CommandHeader PING = of(1, "PING");

    private final int argc;
    private final String name;
    // Package-private so RespEncoder can putBytes it directly; never handed out, so it stays immutable.
    final byte[] bytes;

    private CommandHeader(final int argc, final String name, final byte[] bytes)
    {
        this.argc = argc;
        this.name = name;
        this.bytes = bytes;
    }

    /**
     * Precompute the header of a command with a fixed number of arguments.
     *
     * @param argc        number of array elements, <b>including</b> the command name itself (GET key = 2).
     * @param commandName the command name, printable ASCII without spaces, e.g. {@code "GET"} or {@code "HSET"}.
     * @return the immutable header.
     * @throws IllegalArgumentException if argc &lt; 1 or the name is empty or not printable ASCII.
     */
    public static CommandHeader of(final int argc, final String commandName)
    {
        if (argc < 1)
        {
            throw new IllegalArgumentException("argc must be >= 1 (it includes the command name): " + argc);
        }
        if (commandName == null || commandName.isEmpty())
        {
            throw new IllegalArgumentException("command name must not be empty");
        }
        for (int i = 0; i < commandName.length(); i++)
        {
            final char c = commandName.charAt(i);
            if (c <= ' ' || c >= 0x7F)
            {
                throw new IllegalArgumentException(
                    "command name must be printable ASCII without spaces: \"" + commandName + "\" at " + i);
            }
        }

        final String text = "*" + argc + "\r\n$" + commandName.length() + "\r\n" + commandName + "\r\n";
        return new CommandHeader(argc, commandName, text.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Precompute the name of a command whose argument count varies ({@code MGET}, {@code EVAL}, anything sent
     * through {@code execute}): only {@code $<n>\r\n<NAME>\r\n}, written after the caller's own
     * {@link RespEncoder#arrayHeader(int)}. {@link #argc()} is 0: the array header is not part of it.
     *
     * @param commandName the command name, printable ASCII without spaces.
     * @return the immutable name bulk.
     * @throws IllegalArgumentException if the name is empty or not printable ASCII.
     */
    public static CommandHeader nameOnly(final String commandName)
    {
        final CommandHeader full = of(1, commandName);
        final String text = "$" + commandName.length() + "\r\n" + commandName + "\r\n";
        return new CommandHeader(0, full.name, text.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * @return number of bytes {@link #putInto(MutableDirectBuffer, int)} writes.
     */
    public int length()
    {
        return bytes.length;
    }

    /**
     * @return number of array elements announced, including the command name; 0 for {@link #nameOnly}.
     */
    public int argc()
    {
        return argc;
    }

    /**
     * @return the command name as given to {@link #of(int, String)}.
     */
    public String name()
    {
        return name;
    }

    /**
     * Copy the precomputed bytes into a buffer.
     *
     * @param buffer destination.
     * @param index  where the first byte goes.
     * @return {@link #length()}.
     */
    public int putInto(final MutableDirectBuffer buffer, final int index)
    {
        buffer.putBytes(index, bytes);
        return bytes.length;
    }

    /**
     * @return the header as text with CR and LF escaped, for debugging.
     */
    public String toString()
    {
        return new String(bytes, StandardCharsets.US_ASCII).replace("\r", "\\r").replace("\n", "\\n");
    }
}
