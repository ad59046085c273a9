package io.slotring.engine.internal;

import java.util.concurrent.TimeUnit;

import io.slotring.engine.ReplyHandler;
import org.agrona.DirectBuffer;

/**
 * Checks at the API edge, run before a ring slot is claimed, so bad input throws on the caller's thread and leaves
 * every connection as it was.
 *
 * <p>Besides null and range checks, {@link #checkedLength} refuses the commands a shared, multiplexed connection
 * cannot carry, because they break "one reply per command, in order" for every other caller on it:
 * <ul>
 *   <li>subscriptions and MONITOR: replies turn into a stream of pushes;</li>
 *   <li>{@code CLIENT REPLY OFF|SKIP}: replies stop, so later replies complete the wrong commands;</li>
 *   <li>MULTI, EXEC, DISCARD, WATCH, UNWATCH: other callers' commands would land inside the transaction;</li>
 *   <li>SELECT, HELLO, AUTH, RESET, QUIT: connection state the engine owns, lost or broken on reconnect
 *       (configure database, protocol and credentials on the client instead);</li>
 *   <li>on the zero-copy style, blocking commands whose block time is forever or not below the command timeout:
 *       the deadline would reset the connection and fail everything else in flight on it (the async and sync
 *       styles send every blocking command on a dedicated connection, see {@link DedicatedConnections}).</li>
 * </ul>
 */
public final class CommandChecks
{
    private static final String[] REFUSED = {
        "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE", "MONITOR",
        "MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH", "SELECT", "HELLO", "AUTH", "RESET", "QUIT", "SYNC", "PSYNC"};
    /** Blocking commands whose last argument is the block time in seconds (fractions allowed). */
    private static final String[] BLOCK_SECONDS_LAST = {
        "BLPOP", "BRPOP", "BRPOPLPUSH", "BLMOVE", "BZPOPMIN", "BZPOPMAX"};
    /** Blocking commands whose block time in seconds is the first argument. */
    private static final String[] BLOCK_SECONDS_FIRST = {"BLMPOP", "BZMPOP"};

    private CommandChecks()

    {

    }

    static void requireKey(final Object key, final String name)
    {
        if (key == null)
        {
            throw new NullPointerException(name + " must not be null");
        }
    }

    static void requireTarget(final ReplyHandler handler, final CommandBatch batch)
    {
        if (handler == null && batch == null)
        {
            throw new NullPointerException("handler must not be null (or pass a batch)");
        }
    }

    static void requireRange(final DirectBuffer buffer, final int offset, final int length, final String name)
    {
        requireKey(buffer, name);
        if (offset < 0 || length < 0 || (long)offset + length > buffer.capacity())
        {
            throw new IndexOutOfBoundsException(name + ": expected offset >= 0, length >= 0 and offset + length <= " +
                buffer.capacity() + " (the buffer's capacity), got offset " + offset + " and length " + length);
        }
    }

    /**
     * @param args            command name and arguments.
     * @param commandTimeoutNs the client's command timeout, the bound for blocking commands.
     * @return the encoded length of the command.
     * @throws IllegalArgumentException for no arguments, a null or unsupported argument, or a refused command.
     */
    static int checkedLength(final Object[] args, final long commandTimeoutNs)
    {
        final int length = checkArguments(args);
        checkBlockTime(args, commandTimeoutNs);
        return length;
    }

    /**
     * Everything {@link #checkedLength} checks except the block time, for a layer that routes by the name and key
     * before the engine sizes the command.
     *
     * @param args command name and arguments.
     * @return the encoded length of the command.
     * @throws IllegalArgumentException for no arguments, a null or unsupported argument, or a refused command.
     */
    public static int checkArguments(final Object[] args)
    {
        if (args == null || args.length == 0)
        {
            throw new IllegalArgumentException("expected a command name and its arguments, got " +
                (args == null ? "null" : "no arguments"));
        }
        for (int i = 0; i < args.length; i++)
        {
            if (args[i] == null)
            {
                throw new IllegalArgumentException("argument " + i + " of " + describeName(args) +
                    " is null: expected byte[], CharSequence or a number");
            }
        }
        final int length = Arguments.encodedLength(args);
        final Object name = args[0];
        if (isOneOf(name, REFUSED))
        {
            throw new IllegalArgumentException(describeName(args) + " is not supported on a shared connection: it " +
                "breaks one reply per command for every other caller (see the README: what execute refuses)");
        }
        if (is(name, "CLIENT") && args.length >= 3 && is(args[1], "REPLY") && !is(args[2], "ON"))
        {
            throw new IllegalArgumentException("CLIENT REPLY " + args[2] + " is not supported on a shared " +
                "connection: later replies would complete the wrong commands");
        }
        return length;
    }

    /**
     * Zero-copy style: a blocking command whose block time is forever or not below the command timeout is refused
     * there (it would reset the shared connection); the async and sync styles send it on a dedicated connection.
     */
    private static void checkBlockTime(final Object[] args, final long commandTimeoutNs)
    {
        final long blockNs = blockTimeNs(args);
        if (blockNs == NOT_BLOCKING)
        {
            return;
        }
        final double timeoutSeconds = commandTimeoutNs / (double)TimeUnit.SECONDS.toNanos(1);
        if (blockNs == BLOCKS_FOREVER || blockNs >= commandTimeoutNs)
        {
            throw new IllegalArgumentException(describeName(args) + " blocks for " + (blockNs == BLOCKS_FOREVER ?
                "ever" : blockNs / 1e9 + "s") + ": expected a block time below the command timeout of " +
                timeoutSeconds + "s on the zero-copy style (a longer wait would reset the shared connection and " +
                "fail every other command in flight on it); send it through async() or sync(), which run blocking " +
                "commands on dedicated connections");
        }
    }

    /** {@link #blockTimeNs}: not a blocking command (or its block time does not parse: the server refuses it). */
    public static final long NOT_BLOCKING = -1;
    /** {@link #blockTimeNs}: blocks until something arrives (a block time of 0). */
    public static final long BLOCKS_FOREVER = 0;

    /**
     * @param args command name and arguments, already checked by {@link #checkArguments}.
     * @return the command's own block time in nanoseconds, {@link #BLOCKS_FOREVER}, or {@link #NOT_BLOCKING} for a
     * command that does not block (XREAD without BLOCK, anything not a blocking command).
     */
    public static long blockTimeNs(final Object[] args)
    {
        final Object name = args[0];
        final double seconds;
        if (isOneOf(name, BLOCK_SECONDS_LAST) && args.length >= 3)
        {
            seconds = number(args[args.length - 1]);
        }
        else if (isOneOf(name, BLOCK_SECONDS_FIRST) && args.length >= 2)
        {
            seconds = number(args[1]);
        }
        else if (is(name, "WAIT") && args.length == 3)
        {
            seconds = number(args[2]) / 1000.0;
        }
        else if (is(name, "XREAD") || is(name, "XREADGROUP"))
        {
            seconds = xreadBlockSeconds(args);
        }
        else
        {
            return NOT_BLOCKING;
        }
        if (Double.isNaN(seconds) || seconds < 0)
        {
            return NOT_BLOCKING;
        }
        if (seconds == 0)
        {
            return BLOCKS_FOREVER;
        }
        return Math.max(1, (long)Math.min(seconds * 1e9, Long.MAX_VALUE / 8.0));
    }

    /**
     * A copy of a blocking command with its block time replaced, for a layer that re-sends it (a redirect) and must
     * keep it within its original deadline. A command that blocks for ever keeps blocking for ever.
     *
     * @param args        a command {@link #blockTimeNs} reports as blocking.
     * @param remainingNs the block time left, at least one millisecond is sent (0 or less: one millisecond).
     * @return the copy; {@code args} itself when it blocks for ever or its block time cannot be found.
     */
    public static Object[] withBlockTimeNs(final Object[] args, final long remainingNs)
    {
        if (blockTimeNs(args) == BLOCKS_FOREVER)
        {
            return args;
        }
        final long millis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(remainingNs));
        final String seconds = java.math.BigDecimal.valueOf(millis, 3).toPlainString();
        final Object name = args[0];
        final Object[] copy = args.clone();
        if (isOneOf(name, BLOCK_SECONDS_LAST))
        {
            copy[copy.length - 1] = seconds;
        }
        else if (isOneOf(name, BLOCK_SECONDS_FIRST))
        {
            copy[1] = seconds;
        }
        else if (is(name, "WAIT"))
        {
            copy[2] = millis;
        }
        else
        {
            for (int i = 1; i + 1 < copy.length && !is(copy[i], "STREAMS"); i++)
            {
                if (is(copy[i], "BLOCK"))
                {
                    copy[i + 1] = millis;
                    break;
                }
            }
        }
        return copy;
    }

    private static double xreadBlockSeconds(final Object[] args)
    {
        for (int i = 1; i + 1 < args.length; i++)
        {
            if (is(args[i], "STREAMS"))
            {
                return Double.NaN;
            }
            if (is(args[i], "BLOCK"))
            {
                return number(args[i + 1]) / 1000.0;
            }
        }
        return Double.NaN;
    }

    /** The argument as a number, or NaN when it is not one (the server will refuse it itself). */
    private static double number(final Object arg)
    {
        if (arg instanceof Number)
        {
            return ((Number)arg).doubleValue();
        }
        final String text = arg instanceof byte[] ?
            new String((byte[])arg, java.nio.charset.StandardCharsets.US_ASCII) : arg.toString();
        try
        {
            return Double.parseDouble(text.trim());
        }
        catch (final NumberFormatException ex)
        {
            return Double.NaN;
        }
    }

    private static boolean isOneOf(final Object name, final String[] names)
    {
        for (final String candidate : names)
        {
            if (is(name, candidate))
            {
                return true;
            }
        }
        return false;
    }

    /** Case-insensitive ASCII comparison of a command word, without allocating. */
    static boolean is(final Object arg, final String word)
    {
        if (arg instanceof CharSequence)
        {
            final CharSequence text = (CharSequence)arg;
            if (text.length() != word.length())
            {
                return false;
            }
            for (int i = 0; i < word.length(); i++)
            {
                if (Character.toUpperCase(text.charAt(i)) != word.charAt(i))
                {
                    return false;
                }
            }
            return true;
        }
        if (arg instanceof byte[])
        {
            final byte[] bytes = (byte[])arg;
            if (bytes.length != word.length())
            {
                return false;
            }
            for (int i = 0; i < word.length(); i++)
            {
                final int c = bytes[i] >= 'a' && bytes[i] <= 'z' ? bytes[i] - 32 : bytes[i];
                if (c != word.charAt(i))
                {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    private static String describeName(final Object[] args)
    {
        return Arguments.commandName(args);
    }
}
