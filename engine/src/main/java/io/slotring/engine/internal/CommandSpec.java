package io.slotring.engine.internal;

import io.slotring.codec.SlotHash;
import io.slotring.codec.internal.CommandHeader;

/**
 * One row of the {@link CommandTable}: where a command's keys are, whether a replica may serve it, and how a
 * cluster routes it. Immutable; the key walk ({@link #firstKey}, {@link #lastKey}, {@link #step}, {@link #slot})
 * allocates nothing.
 *
 * <p>Key layouts:
 * <ul>
 *   <li>{@link #RANGE}: keys at {@code first, first + step, ...} up to {@code last} (negative: counted from the
 *       end, -1 being the last argument), as in {@code COMMAND INFO};</li>
 *   <li>{@link #NUMKEYS}: the argument at {@code first} is the number of keys, which follow it (EVAL, FCALL,
 *       LMPOP, ZINTER...); when {@code last} is 1 the argument at 1 is a key too (ZINTERSTORE's destination);</li>
 *   <li>{@link #STREAMS}: keys after the {@code STREAMS} word, half of the remaining arguments (XREAD,
 *       XREADGROUP);</li>
 *   <li>{@link #NONE}: keyless.</li>
 * </ul>
 */
public final class CommandSpec
{
    /** Keyless. */
    public static final int NONE = 0;
    /** Keys from a first to a last position with a step. */
    public static final int RANGE = 1;
    /** A key count, then that many keys. */
    public static final int NUMKEYS = 2;
    /** Keys after the STREAMS word. */
    public static final int STREAMS = 3;

    /** Cluster policy: every key in one slot (CROSSSLOT otherwise); a keyless use goes to any master. */
    public static final int SINGLE_SLOT = 0;
    /** Cluster policy: split by slot, replies merged in key order (MGET). */
    public static final int SPLIT_MERGE = 1;
    /** Cluster policy: split by slot, integer replies summed (DEL, EXISTS, UNLINK, TOUCH). */
    public static final int SPLIT_SUM = 2;
    /** Cluster policy: split by slot, "OK" once every part said so (MSET). */
    public static final int SPLIT_OK = 3;
    /** Cluster policy: keyless, any one master. */
    public static final int ANY_MASTER = 4;
    /** Cluster policy: every master, integer replies summed (DBSIZE). */
    public static final int ALL_MASTERS_SUM = 5;
    /** Cluster policy: every master, "OK" once each said so (FLUSHALL). */
    public static final int ALL_MASTERS_OK = 6;
    /** Cluster policy: every master, array replies concatenated (KEYS). */
    public static final int ALL_MASTERS_CONCAT = 7;
    /** Cluster policy: every master, the first master's reply once all succeeded (SCRIPT, FUNCTION). */
    public static final int ALL_MASTERS_FIRST = 8;

    private static final int[] NO_KEYS = new int[0];

    private final String name;
    /** The name as a RESP bulk string, rendered once: encoding copies it instead of converting characters. */
    private final CommandHeader nameBulk;
    private final int layout;
    private final int first;
    private final int last;
    private final int step;
    private final boolean readOnly;
    private final int policy;

    CommandSpec(final String name, final int layout, final int first, final int last, final int step,
        final boolean readOnly, final int policy)
    {
        this.name = name;
        this.nameBulk = CommandHeader.nameOnly(name);
        this.layout = layout;
        this.first = first;
        this.last = last;
        this.step = step;
        this.readOnly = readOnly;
        this.policy = policy;
    }

    /** @return the command name, uppercase. */
    public String name()
    {
        return name;
    }

    /** @return the name as a precomputed RESP bulk string, to write after an array header. */
    public CommandHeader nameBulk()
    {
        return nameBulk;
    }

    /** @return {@link #NONE}, {@link #RANGE}, {@link #NUMKEYS} or {@link #STREAMS}. */
    public int layout()
    {
        return layout;
    }

    /** @return true when a replica may serve it under a read-from policy other than MASTER. */
    public boolean isReadOnly()
    {
        return readOnly;
    }

    /** @return the cluster policy, one of the constants of this class. */
    public int policy()
    {
        return policy;
    }

    /** @return true for the policies that split the keys by slot. */
    public boolean splitsBySlot()
    {
        return policy == SPLIT_MERGE || policy == SPLIT_SUM || policy == SPLIT_OK;
    }

    /** @return true for the policies that go to every master. */
    public boolean allMasters()
    {
        return policy >= ALL_MASTERS_SUM;
    }

    /** @return the distance between two keys (2 for MSET's key value pairs). */
    public int step()
    {
        return layout == RANGE ? step : 1;
    }

    /**
     * @param args command name and arguments.
     * @return the position of the first key; greater than {@link #lastKey} when the command has none.
     * @throws IllegalArgumentException when a key count is not a number or exceeds the arguments.
     */
    public int firstKey(final Object[] args)
    {
        switch (layout)
        {
            case RANGE:
                return first;
            case NUMKEYS:
                if (last == 1)
                {
                    return 1;
                }
                return first + 1;
            case STREAMS:
                return streamsAt(args) + 1;
            default:
                return Integer.MAX_VALUE;
        }
    }

    /**
     * @param args command name and arguments.
     * @return the position of the last key; below {@link #firstKey} when the command has none.
     * @throws IllegalArgumentException when a key count is not a number or exceeds the arguments.
     */
    public int lastKey(final Object[] args)
    {
        switch (layout)
        {
            case RANGE:
                return Math.min(last < 0 ? args.length + last : last, args.length - 1);
            case NUMKEYS:
                return first + numKeys(args);
            case STREAMS:
            {
                final int at = streamsAt(args);
                if (at < 0)
                {
                    return -1;
                }
                return at + (args.length - at - 1) / 2;
            }
            default:
                return -1;
        }
    }

    /**
     * Position {@code i} is a key when it lies in {@code firstKey..lastKey} on the step; for a NUMKEYS command with a
     * leading destination, the count itself (at {@code first}) is not.
     *
     * @param args command name and arguments.
     * @param i    a position from {@link #firstKey} on.
     * @return the next key position after {@code i}.
     */
    public int nextKey(final Object[] args, final int i)
    {
        final int next = i + step();
        return layout == NUMKEYS && next == first ? next + 1 : next;
    }

    /**
     * The one slot all keys hash to.
     *
     * @param args command name and arguments.
     * @return the slot, or {@link NodeEndpoint#KEYLESS} when this use of the command has no keys.
     * @throws IllegalArgumentException (CROSSSLOT) when the keys map to different slots, or for a bad key count;
     *                                  nothing was sent.
     */
    public int slot(final Object[] args)
    {
        final int end = lastKey(args);
        int slot = NodeEndpoint.KEYLESS;
        for (int i = firstKey(args); i <= end; i = nextKey(args, i))
        {
            final int keySlot = slotOf(args[i]);
            if (slot == NodeEndpoint.KEYLESS)
            {
                slot = keySlot;
            }
            else if (keySlot != slot)
            {
                throw new IllegalArgumentException("CROSSSLOT: keys of " + name + " map to slots " + slot + " and " +
                    keySlot + ": expected every key in one slot (use a hash tag such as {user1}:a and {user1}:b)");
            }
        }
        return slot;
    }

    /**
     * @param args command name and arguments.
     * @return the key positions, in order (allocates: tests and the splitting paths only).
     */
    public int[] keyPositions(final Object[] args)
    {
        final int end = lastKey(args);
        int count = 0;
        for (int i = firstKey(args); i <= end; i = nextKey(args, i))
        {
            count++;
        }
        if (count == 0)
        {
            return NO_KEYS;
        }
        final int[] positions = new int[count];
        int n = 0;
        for (int i = firstKey(args); i <= end; i = nextKey(args, i))
        {
            positions[n++] = i;
        }
        return positions;
    }

    /**
     * @param key a key argument: {@code byte[]}, {@code CharSequence} or a number.
     * @return its hash slot.
     */
    public static int slotOf(final Object key)
    {
        if (key instanceof byte[])
        {
            return SlotHash.slot((byte[])key);
        }
        if (key instanceof CharSequence)
        {
            return SlotHash.slot((CharSequence)key);
        }
        return SlotHash.slot(String.valueOf(key));
    }

    private int numKeys(final Object[] args)
    {
        if (args.length <= first)
        {
            return 0;
        }
        final long count = CommandTable.integer(args[first]);
        if (count < 0 || count > args.length - first - 1)
        {
            throw new IllegalArgumentException(name + ": expected a key count from 0 to " +
                (args.length - first - 1) + " (the arguments after it) at position " + first + ", got '" +
                CommandTable.describe(args[first]) + "'");
        }
        return (int)count;
    }

    /** @return the position of STREAMS after the options, or -1 when absent (the server will refuse it). */
    private int streamsAt(final Object[] args)
    {
        int i = first;
        while (i < args.length)
        {
            final Object arg = args[i];
            if (CommandChecks.is(arg, "STREAMS"))
            {
                return i;
            }
            if (CommandChecks.is(arg, "GROUP"))
            {
                i += 3;
            }
            else if (CommandChecks.is(arg, "COUNT") || CommandChecks.is(arg, "BLOCK"))
            {
                i += 2;
            }
            else
            {
                i++;
            }
        }
        return -1;
    }

    @Override
    public String toString()
    {
        return "CommandSpec{" + name + '}';
    }
}
