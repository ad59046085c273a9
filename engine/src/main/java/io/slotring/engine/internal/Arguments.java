package io.slotring.engine.internal;

import io.slotring.codec.internal.RespEncoder;

/**
 * Sizing and encoding of the loosely typed arguments of the async and sync styles and of {@code execute}:
 * {@code byte[]} as is, {@code CharSequence} as UTF-8, integral numbers as decimal digits, other numbers via
 * their {@code toString()}.
 */
final class Arguments
{
    private Arguments()
    {
    }

    static int encodedLength(final Object[] args)
    {
        int length = RespEncoder.arrayHeaderLength(args.length);
        for (final Object arg : args)
        {
            length += encodedLength(arg);
        }
        return length;
    }

    private static int encodedLength(final Object arg)
    {
        if (arg instanceof byte[])
        {
            return RespEncoder.bulkLength(((byte[])arg).length);
        }
        if (arg instanceof CharSequence)
        {
            return RespEncoder.bulkLength((CharSequence)arg);
        }
        if (arg instanceof Long || arg instanceof Integer || arg instanceof Short || arg instanceof Byte)
        {
            return RespEncoder.bulkLength(((Number)arg).longValue());
        }
        if (arg instanceof Number)
        {
            return RespEncoder.bulkLength(arg.toString());
        }
        throw new IllegalArgumentException("unsupported argument type " +
            (arg == null ? "null" : arg.getClass().getName()) + ": expected byte[], CharSequence or a number");
    }

    static void encode(final RespEncoder encoder, final Object[] args)
    {
        encode(encoder, args, CommandTable.lookup(args[0]));
    }

    /**
     * @param spec the command's table row, looked up once by the caller, or null for a command the table does not
     *             know: then the name is encoded from {@code args[0]} like any argument.
     */
    static void encode(final RespEncoder encoder, final Object[] args, final CommandSpec spec)
    {
        encoder.arrayHeader(args.length);
        int i = 0;
        if (spec != null)
        {
            // Same length as args[0] (the table matches names ignoring ASCII case): the precomputed bulk is copied.
            encoder.header(spec.nameBulk());
            i = 1;
        }
        for (; i < args.length; i++)
        {
            final Object arg = args[i];
            if (arg instanceof byte[])
            {
                encoder.bulk((byte[])arg);
            }
            else if (arg instanceof CharSequence)
            {
                encoder.bulk((CharSequence)arg);
            }
            else if (arg instanceof Long || arg instanceof Integer || arg instanceof Short || arg instanceof Byte)
            {
                encoder.bulk(((Number)arg).longValue());
            }
            else
            {
                encoder.bulk(arg.toString());
            }
        }
    }

    /**
     * The command name for messages and metrics: the table's constant when it knows the command (no allocation,
     * and the family cache in {@code NodeConnection} matches it by identity), else the first argument.
     */
    static String commandName(final Object[] args, final CommandSpec spec)
    {
        return spec != null ? spec.name() : commandName(args);
    }

    /** The command name for messages: the first argument, never a later one (they may hold secrets). */
    static String commandName(final Object[] args)
    {
        final Object first = args[0];
        return first instanceof byte[] ? new String((byte[])first, java.nio.charset.StandardCharsets.UTF_8) :
            String.valueOf(first);
    }
}
