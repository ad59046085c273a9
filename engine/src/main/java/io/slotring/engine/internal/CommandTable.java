package io.slotring.engine.internal;

import java.nio.charset.StandardCharsets;

/**
 * The command table: each known command once, with its key positions, read/write and cluster policy (see
 * {@link CommandSpec}). Routing, replica eligibility and multi-key splitting ask it.
 *
 * <p>Lookup allocates nothing: the name ({@code CharSequence} or {@code byte[]}, any case) is hashed
 * case-insensitively over its ASCII characters into an open-addressing table of {@value #CAPACITY} entries (linear
 * probing, at most a quarter full), and the candidate is compared character by character, case-insensitively.
 * Commands the table does not know return null; the cluster routes those by their first argument.
 */
public final class CommandTable
{
    private static final int CAPACITY = 1024;
    private static final int MASK = CAPACITY - 1;
    private static final CommandSpec[] TABLE = new CommandSpec[CAPACITY];
    private static int size;

    private static final boolean R = true;
    private static final boolean W = false;

    static
    {
        // Strings.
        keys(R, 1, 1, "GET", "STRLEN", "GETRANGE", "SUBSTR", "GETBIT", "BITCOUNT", "BITPOS", "BITFIELD_RO");
        keys(W, 1, 1, "SET", "SETNX", "SETEX", "PSETEX", "GETSET", "GETDEL", "GETEX", "APPEND", "SETRANGE",
            "INCR", "INCRBY", "INCRBYFLOAT", "DECR", "DECRBY", "SETBIT", "BITFIELD");
        row("MGET", CommandSpec.RANGE, 1, -1, 1, R, CommandSpec.SPLIT_MERGE);
        row("MSET", CommandSpec.RANGE, 1, -1, 2, W, CommandSpec.SPLIT_OK);
        row("MSETNX", CommandSpec.RANGE, 1, -1, 2, W, CommandSpec.SINGLE_SLOT);
        row("LCS", CommandSpec.RANGE, 1, 2, 1, R, CommandSpec.SINGLE_SLOT);
        row("BITOP", CommandSpec.RANGE, 2, -1, 1, W, CommandSpec.SINGLE_SLOT);
        // Keys and expiry.
        row("DEL", CommandSpec.RANGE, 1, -1, 1, W, CommandSpec.SPLIT_SUM);
        row("UNLINK", CommandSpec.RANGE, 1, -1, 1, W, CommandSpec.SPLIT_SUM);
        row("TOUCH", CommandSpec.RANGE, 1, -1, 1, R, CommandSpec.SPLIT_SUM);
        row("EXISTS", CommandSpec.RANGE, 1, -1, 1, R, CommandSpec.SPLIT_SUM);
        keys(R, 1, 1, "TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME", "TYPE", "DUMP");
        keys(W, 1, 1, "EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT", "PERSIST", "RESTORE");
        keys(W, 1, 2, "RENAME", "RENAMENX", "COPY");
        keys(R, 1, 1, "SORT_RO");
        keys(W, 1, 1, "SORT");
        keys(R, 2, 2, "OBJECT", "MEMORY");
        // Hashes.
        keys(R, 1, 1, "HGET", "HMGET", "HGETALL", "HKEYS", "HVALS", "HLEN", "HEXISTS", "HSTRLEN", "HRANDFIELD",
            "HSCAN");
        keys(W, 1, 1, "HSET", "HSETNX", "HMSET", "HDEL", "HINCRBY", "HINCRBYFLOAT");
        // Lists.
        keys(R, 1, 1, "LRANGE", "LLEN", "LINDEX", "LPOS");
        keys(W, 1, 1, "LPUSH", "RPUSH", "LPUSHX", "RPUSHX", "LPOP", "RPOP", "LSET", "LREM", "LTRIM", "LINSERT");
        keys(W, 1, 2, "RPOPLPUSH", "LMOVE", "BRPOPLPUSH", "BLMOVE");
        keys(W, 1, -2, "BLPOP", "BRPOP");
        row("LMPOP", CommandSpec.NUMKEYS, 1, 0, 1, W, CommandSpec.SINGLE_SLOT);
        row("BLMPOP", CommandSpec.NUMKEYS, 2, 0, 1, W, CommandSpec.SINGLE_SLOT);
        // Sets.
        keys(R, 1, 1, "SMEMBERS", "SCARD", "SISMEMBER", "SMISMEMBER", "SRANDMEMBER", "SSCAN");
        keys(W, 1, 1, "SADD", "SREM", "SPOP");
        keys(R, 1, -1, "SDIFF", "SINTER", "SUNION");
        keys(W, 1, -1, "SDIFFSTORE", "SINTERSTORE", "SUNIONSTORE");
        keys(W, 1, 2, "SMOVE");
        row("SINTERCARD", CommandSpec.NUMKEYS, 1, 0, 1, R, CommandSpec.SINGLE_SLOT);
        // Sorted sets.
        keys(R, 1, 1, "ZRANGE", "ZSCORE", "ZCARD", "ZCOUNT", "ZRANK", "ZREVRANK", "ZRANGEBYSCORE", "ZREVRANGE",
            "ZREVRANGEBYSCORE", "ZRANGEBYLEX", "ZREVRANGEBYLEX", "ZLEXCOUNT", "ZMSCORE", "ZRANDMEMBER", "ZSCAN");
        keys(W, 1, 1, "ZADD", "ZINCRBY", "ZREM", "ZREMRANGEBYSCORE", "ZREMRANGEBYRANK", "ZREMRANGEBYLEX",
            "ZPOPMIN", "ZPOPMAX");
        keys(W, 1, 2, "ZRANGESTORE");
        keys(W, 1, -2, "BZPOPMIN", "BZPOPMAX");
        for (final String name : new String[] {"ZINTER", "ZUNION", "ZDIFF", "ZINTERCARD"})
        {
            row(name, CommandSpec.NUMKEYS, 1, 0, 1, R, CommandSpec.SINGLE_SLOT);
        }
        for (final String name : new String[] {"ZINTERSTORE", "ZUNIONSTORE", "ZDIFFSTORE"})
        {
            // Destination at 1, then the key count at 2 and its keys.
            row(name, CommandSpec.NUMKEYS, 2, 1, 1, W, CommandSpec.SINGLE_SLOT);
        }
        row("ZMPOP", CommandSpec.NUMKEYS, 1, 0, 1, W, CommandSpec.SINGLE_SLOT);
        row("BZMPOP", CommandSpec.NUMKEYS, 2, 0, 1, W, CommandSpec.SINGLE_SLOT);
        // HyperLogLog and geo.
        keys(R, 1, -1, "PFCOUNT");
        keys(W, 1, 1, "PFADD", "GEOADD");
        keys(W, 1, -1, "PFMERGE");
        keys(R, 1, 1, "GEOPOS", "GEODIST", "GEOHASH", "GEOSEARCH", "GEORADIUS_RO", "GEORADIUSBYMEMBER_RO");
        keys(W, 1, 2, "GEOSEARCHSTORE");
        // Streams.
        keys(R, 1, 1, "XRANGE", "XREVRANGE", "XLEN", "XPENDING");
        keys(W, 1, 1, "XADD", "XDEL", "XTRIM", "XACK", "XCLAIM", "XAUTOCLAIM", "XSETID");
        keys(W, 2, 2, "XGROUP");
        keys(R, 2, 2, "XINFO");
        row("XREAD", CommandSpec.STREAMS, 1, 0, 1, R, CommandSpec.SINGLE_SLOT);
        row("XREADGROUP", CommandSpec.STREAMS, 1, 0, 1, W, CommandSpec.SINGLE_SLOT);
        // Scripts and functions: the key count at 2.
        row("EVAL", CommandSpec.NUMKEYS, 2, 0, 1, W, CommandSpec.SINGLE_SLOT);
        row("EVALSHA", CommandSpec.NUMKEYS, 2, 0, 1, W, CommandSpec.SINGLE_SLOT);
        row("FCALL", CommandSpec.NUMKEYS, 2, 0, 1, W, CommandSpec.SINGLE_SLOT);
        row("EVAL_RO", CommandSpec.NUMKEYS, 2, 0, 1, R, CommandSpec.SINGLE_SLOT);
        row("EVALSHA_RO", CommandSpec.NUMKEYS, 2, 0, 1, R, CommandSpec.SINGLE_SLOT);
        row("FCALL_RO", CommandSpec.NUMKEYS, 2, 0, 1, R, CommandSpec.SINGLE_SLOT);
        row("SCRIPT", CommandSpec.NONE, 0, 0, 1, W, CommandSpec.ALL_MASTERS_FIRST);
        row("FUNCTION", CommandSpec.NONE, 0, 0, 1, W, CommandSpec.ALL_MASTERS_FIRST);
        // Pub/sub publishing (the subscriptions live on their own connections).
        row("PUBLISH", CommandSpec.NONE, 0, 0, 1, W, CommandSpec.ANY_MASTER);
        keys(W, 1, 1, "SPUBLISH");
        // Keyless.
        for (final String name : new String[] {"PING", "ECHO", "INFO", "TIME", "RANDOMKEY", "CLUSTER", "COMMAND",
            "LASTSAVE", "CONFIG", "ROLE", "SCAN", "WAIT", "CLIENT", "LATENCY", "SLOWLOG", "ACL", "DEBUG"})
        {
            row(name, CommandSpec.NONE, 0, 0, 1, W, CommandSpec.ANY_MASTER);
        }
        row("DBSIZE", CommandSpec.NONE, 0, 0, 1, R, CommandSpec.ALL_MASTERS_SUM);
        row("FLUSHALL", CommandSpec.NONE, 0, 0, 1, W, CommandSpec.ALL_MASTERS_OK);
        row("FLUSHDB", CommandSpec.NONE, 0, 0, 1, W, CommandSpec.ALL_MASTERS_OK);
        row("KEYS", CommandSpec.NONE, 0, 0, 1, R, CommandSpec.ALL_MASTERS_CONCAT);
    }

    private CommandTable()
    {
    }

    private static void keys(final boolean readOnly, final int first, final int last, final String... names)
    {
        for (final String name : names)
        {
            row(name, CommandSpec.RANGE, first, last, 1, readOnly, CommandSpec.SINGLE_SLOT);
        }
    }

    private static void row(final String name, final int layout, final int first, final int last, final int step,
        final boolean readOnly, final int policy)
    {
        if (size >= CAPACITY / 4)
        {
            throw new IllegalStateException("command table over a quarter full: raise CAPACITY");
        }
        int index = hash(name) & MASK;
        while (TABLE[index] != null)
        {
            if (TABLE[index].name().equals(name))
            {
                throw new IllegalStateException("command " + name + " is in the table twice");
            }
            index = (index + 1) & MASK;
        }
        TABLE[index] = new CommandSpec(name, layout, first, last, step, readOnly, policy);
        size++;
    }

    /**
     * @param name a command name: {@code CharSequence} or {@code byte[]}, any case.
     * @return its row, or null for a command the table does not know (or a name of another type).
     */
    public static CommandSpec lookup(final Object name)
    {
        final int hash;
        if (name instanceof CharSequence)
        {
            hash = hash((CharSequence)name);
        }
        else if (name instanceof byte[])
        {
            hash = hash((byte[])name);
        }
        else
        {
            return null;
        }
        int index = hash & MASK;
        CommandSpec spec;
        while ((spec = TABLE[index]) != null)
        {
            if (CommandChecks.is(name, spec.name()))
            {
                return spec;
            }
            index = (index + 1) & MASK;
        }
        return null;
    }

    /** @return how many commands the table knows. */
    public static int size()
    {
        return size;
    }

    private static int hash(final CharSequence name)
    {
        int h = name.length();
        for (int i = 0; i < name.length(); i++)
        {
            h = h * 31 + upper(name.charAt(i));
        }
        return mix(h);
    }

    private static int hash(final byte[] name)
    {
        int h = name.length;
        for (final byte b : name)
        {
            h = h * 31 + upper((char)(b & 0xFF));
        }
        return mix(h);
    }

    private static int upper(final char c)
    {
        return c >= 'a' && c <= 'z' ? c - 32 : c;
    }

    private static int mix(final int h)
    {
        final int x = h * 0x9E3779B9;
        return x ^ (x >>> 16);
    }

    /**
     * @param arg a numeric argument: a number, or its decimal digits as {@code CharSequence} or {@code byte[]}.
     * @return its value, or -1 when it is not a non-negative integer.
     */
    static long integer(final Object arg)
    {
        if (arg instanceof Long || arg instanceof Integer || arg instanceof Short || arg instanceof Byte)
        {
            return ((Number)arg).longValue();
        }
        final int length;
        if (arg instanceof CharSequence)
        {
            length = ((CharSequence)arg).length();
        }
        else if (arg instanceof byte[])
        {
            length = ((byte[])arg).length;
        }
        else
        {
            return -1;
        }
        if (length == 0 || length > 9)
        {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < length; i++)
        {
            final int c = arg instanceof CharSequence ? ((CharSequence)arg).charAt(i) : ((byte[])arg)[i];
            if (c < '0' || c > '9')
            {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    /** @return the argument as text for a message (cold path). */
    static String describe(final Object arg)
    {
        return arg instanceof byte[] ? new String((byte[])arg, StandardCharsets.UTF_8) : String.valueOf(arg);
    }
}
