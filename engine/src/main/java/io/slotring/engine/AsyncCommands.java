package io.slotring.engine;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import io.slotring.engine.internal.ApiAccess;
import io.slotring.engine.internal.CommandChecks;
import io.slotring.engine.internal.CommandSubmitter;
import io.slotring.engine.internal.DedicatedConnections;
import io.slotring.engine.internal.ReplyConverters;

/**
 * The async style: each command returns a {@code CompletableFuture} of a Java value. Error replies complete the
 * future exceptionally with {@link RedisServerException}; back-pressure and a closed client with
 * {@link RedisBackPressureException} and {@link RedisConnectionException}. Futures complete on I/O threads: chain
 * with the {@code *Async} variants before doing anything slow.
 *
 * <p>{@link SyncCommands} mirrors this class one method for one method.
 */
public final class AsyncCommands
{
    static
    {
        // The only way in from the clients (here and in the cluster module): see ApiAccess.
        ApiAccess.install(new ApiAccess.Factory()
        {
            @Override
            public AsyncCommands async(final CommandSubmitter submitter)
            {
                return new AsyncCommands(submitter);
            }

            @Override
            public SyncCommands sync(final AsyncCommands async, final long commandTimeoutNs)
            {
                return SyncCommands.over(async, commandTimeoutNs);
            }

            @Override
            public Transaction transaction(final DedicatedConnections.Lease lease,
                final Consumer<Object[]> keyCheck, final long commandTimeoutNs)
            {
                return new Transaction(lease, keyCheck, commandTimeoutNs);
            }
        });
    }

    private final CommandSubmitter client;

    private AsyncCommands(final CommandSubmitter client)
    {
        this.client = client;
    }

    /**
     * Any command. On a cluster client the command table routes it: a command with keys goes to the owner of their
     * slot (all keys of a single-slot command, such as EVAL or XREAD, must share it, else
     * {@code IllegalArgumentException} with CROSSSLOT before sending); MGET, MSET, DEL, EXISTS, UNLINK and TOUCH are
     * split by slot and merged; DBSIZE, FLUSHALL, FLUSHDB, KEYS, SCRIPT and FUNCTION go to every master; keyless
     * commands to one master. <b>A command the table does not know is routed by its first argument</b> (taken as its
     * key), or to any master when it has none.
     *
     * @param args command name and arguments: {@code byte[]}, {@code CharSequence} or numbers.
     * @return the reply as Java values: byte[] for bulk strings, String for simple strings, Long, Double, Boolean,
     * List, Map, null; nested error replies as {@link RedisServerException} values.
     * @throws IllegalArgumentException when {@code args} is empty, holds a null or an unsupported type, or names a
     *                                  command a shared connection cannot carry, or (cluster) keys of a
     *                                  single-slot command in several slots; nothing was sent.
     */
    public CompletableFuture<Object> execute(final Object... args)
    {
        // Checked here as well as in the engine: a router reads the name and key before the engine sees them.
        CommandChecks.checkArguments(args);
        return client.submit(ReplyConverters.OBJECT, args);
    }

    /**
     * GET key.
     *
     * @param key key.
     * @return the reply, completed on an I/O thread.
     */
    public CompletableFuture<byte[]> get(final byte[] key)
    {
        return client.submit(ReplyConverters.BYTES, "GET", key);
    }

    /**
     * GET key (UTF-8).
     *
     * @param key key.
     * @return the reply, completed on an I/O thread.
     */
    public CompletableFuture<String> get(final String key)
    {
        return client.submit(ReplyConverters.STRING, "GET", key);
    }

    /**
     * SET key value; replies OK.
     *
     * @param key key.
     * @param value value.
     * @return the reply, completed on an I/O thread.
     */
    public CompletableFuture<String> set(final byte[] key, final byte[] value)
    {
        return client.submit(ReplyConverters.STRING, "SET", key, value);
    }

    /**
     * SET key value; replies OK.
     *
     * @param key key.
     * @param value value.
     * @return the reply, completed on an I/O thread.
     */
    public CompletableFuture<String> set(final String key, final String value)
    {
        return client.submit(ReplyConverters.STRING, "SET", key, value);
    }

    /**
     * SET key value with options; replies OK, null when NX/XX prevented it, or the old value with GET.
     *
     * @param key key.
     * @param value value.
     * @param options options.
     * @return the reply, completed on an I/O thread.
     */
    public CompletableFuture<String> set(final String key, final String value, final SetOptions options)
    {
        return client.submit(ReplyConverters.STRING, options.arguments(key, value));
    }

    /**
     * DEL keys; replies the number removed.
     *
     * @param keys keys.
     * @return the reply, completed on an I/O thread.
     */
    public CompletableFuture<Long> del(final String... keys)
    {
        return client.submit(ReplyConverters.LONG, prepend("DEL", keys));
    }

    /**
     * EXISTS keys; replies how many exist.
     *
     * @param keys keys.
     * @return the reply, completed on an I/O thread.
     */
    public CompletableFuture<Long> exists(final String... keys)
    {
        return client.submit(ReplyConverters.LONG, prepend("EXISTS", keys));
    }

    /**
     * INCR key.
     *
     * @param key key.
     * @return the reply, completed on an I/O thread.
     */
    public CompletableFuture<Long> incr(final String key)
    {
        return client.submit(ReplyConverters.LONG, "INCR", key);
    }

    /**
     * INCRBY key delta.
     *
     * @param key key.
     * @param delta delta.
     * @return the reply, completed on an I/O thread.
     */
    public CompletableFuture<Long> incrBy(final String key, final long delta)
    {
        return client.submit(ReplyConverters.LONG, "INCRBY", key, delta);
    }

    /**
     * DECR key.
     *
     * @param key key.
     * @return the reply, completed on an I/O thread.
     */
    public CompletableFuture<Long> decr(final String key)
    {
        return client.submit(ReplyConverters.LONG, "DECR", key);
    }

    /**
     * DECRBY key delta.
     *
     * @param key key.
     * @param delta delta.
     * @return the reply, completed on an I/O thread.
     */
    public CompletableFuture<Long> decrBy(final String key, final long delta)
    {
        return client.submit(ReplyConverters.LONG, "DECRBY", key, delta);
    }

    /**
     * EXPIRE key seconds; true when the timeout was set.
     *
     * @param key key.
     * @param seconds seconds.
     * @return the reply, completed on an I/O thread.
     */
    public CompletableFuture<Boolean> expire(final String key, final long seconds)
    {
        return client.submit(ReplyConverters.BOOLEAN, "EXPIRE", key, seconds);
    }

    /**
     * PEXPIRE key millis; true when the timeout was set.
     *
     * @param key key.
     * @param millis millis.
     * @return the reply, completed on an I/O thread.
     */
    public CompletableFuture<Boolean> pexpire(final String key, final long millis)
    {
        return client.submit(ReplyConverters.BOOLEAN, "PEXPIRE", key, millis);
    }

    /**
     * TTL key in seconds (-1 no expiry, -2 no key).
     *
     * @param key key.
     * @return the reply, completed on an I/O thread.
     */
    public CompletableFuture<Long> ttl(final String key)
    {
        return client.submit(ReplyConverters.LONG, "TTL", key);
    }

    /**
     * PTTL key in milliseconds (-1 no expiry, -2 no key).
     *
     * @param key key.
     * @return the reply, completed on an I/O thread.
     */
    public CompletableFuture<Long> pttl(final String key)
    {
        return client.submit(ReplyConverters.LONG, "PTTL", key);
    }

    /**
     * MGET keys; null for missing keys.
     *
     * @param keys keys.
     * @return the reply, completed on an I/O thread.
     */
    public CompletableFuture<List<String>> mget(final String... keys)
    {
        return client.submit(ReplyConverters.LIST_OF_STRINGS, prepend("MGET", keys));
    }

    /**
     * MSET key value [key value ...]; replies OK.
     *
     * @param entries entries.
     * @return the reply, completed on an I/O thread.
     */
    public CompletableFuture<String> mset(final Map<String, String> entries)
    {
        return client.submit(ReplyConverters.STRING, pairs("MSET", entries));
    }

    /**
     * HGET key field.
     *
     * @param key key.
     * @param field field.
     * @return the reply, completed on an I/O thread.
     */
    public CompletableFuture<String> hget(final String key, final String field)
    {
        return client.submit(ReplyConverters.STRING, "HGET", key, field);
    }

    /**
     * HSET key field value [field value ...]; replies fields added.
     *
     * @param key key.
     * @param fields fields.
     * @return the reply, completed on an I/O thread.
     */
    public CompletableFuture<Long> hset(final String key, final Map<String, String> fields)
    {
        return client.submit(ReplyConverters.LONG, pairs("HSET", key, fields));
    }

    /**
     * HDEL key fields; replies fields removed.
     *
     * @param key key.
     * @param fields fields.
     * @return the reply, completed on an I/O thread.
     */
    public CompletableFuture<Long> hdel(final String key, final String... fields)
    {
        return client.submit(ReplyConverters.LONG, prepend("HDEL", key, fields));
    }

    /**
     * HGETALL key (RESP2 flat array and RESP3 map alike).
     *
     * @param key key.
     * @return the reply, completed on an I/O thread.
     */
    public CompletableFuture<Map<String, String>> hgetall(final String key)
    {
        return client.submit(ReplyConverters.MAP_OF_STRINGS, "HGETALL", key);
    }

    /**
     * LPUSH key values; replies the new length.
     *
     * @param key key.
     * @param values values.
     * @return the reply, completed on an I/O thread.
     */
    public CompletableFuture<Long> lpush(final String key, final String... values)
    {
        return client.submit(ReplyConverters.LONG, prepend("LPUSH", key, values));
    }

    /**
     * RPUSH key values; replies the new length.
     *
     * @param key key.
     * @param values values.
     * @return the reply, completed on an I/O thread.
     */
    public CompletableFuture<Long> rpush(final String key, final String... values)
    {
        return client.submit(ReplyConverters.LONG, prepend("RPUSH", key, values));
    }

    /**
     * LPOP key.
     *
     * @param key key.
     * @return the reply, completed on an I/O thread.
     */
    public CompletableFuture<String> lpop(final String key)
    {
        return client.submit(ReplyConverters.STRING, "LPOP", key);
    }

    /**
     * RPOP key.
     *
     * @param key key.
     * @return the reply, completed on an I/O thread.
     */
    public CompletableFuture<String> rpop(final String key)
    {
        return client.submit(ReplyConverters.STRING, "RPOP", key);
    }

    /**
     * LRANGE key start stop.
     *
     * @param key key.
     * @param start start.
     * @param stop stop.
     * @return the reply, completed on an I/O thread.
     */
    public CompletableFuture<List<String>> lrange(final String key, final long start, final long stop)
    {
        return client.submit(ReplyConverters.LIST_OF_STRINGS, "LRANGE", key, start, stop);
    }

    /**
     * SADD key members; replies members added.
     *
     * @param key key.
     * @param members members.
     * @return the reply, completed on an I/O thread.
     */
    public CompletableFuture<Long> sadd(final String key, final String... members)
    {
        return client.submit(ReplyConverters.LONG, prepend("SADD", key, members));
    }

    /**
     * SREM key members; replies members removed.
     *
     * @param key key.
     * @param members members.
     * @return the reply, completed on an I/O thread.
     */
    public CompletableFuture<Long> srem(final String key, final String... members)
    {
        return client.submit(ReplyConverters.LONG, prepend("SREM", key, members));
    }

    /**
     * SMEMBERS key.
     *
     * @param key key.
     * @return the reply, completed on an I/O thread.
     */
    public CompletableFuture<Set<String>> smembers(final String key)
    {
        return client.submit(ReplyConverters.SET_OF_STRINGS, "SMEMBERS", key);
    }

    /**
     * ZADD key score member; replies members added.
     *
     * @param key key.
     * @param score score.
     * @param member member.
     * @return the reply, completed on an I/O thread.
     */
    public CompletableFuture<Long> zadd(final String key, final double score, final String member)
    {
        return client.submit(ReplyConverters.LONG, "ZADD", key, score, member);
    }

    /**
     * ZRANGE key start stop (by index).
     *
     * @param key key.
     * @param start start.
     * @param stop stop.
     * @return the reply, completed on an I/O thread.
     */
    public CompletableFuture<List<String>> zrange(final String key, final long start, final long stop)
    {
        return client.submit(ReplyConverters.LIST_OF_STRINGS, "ZRANGE", key, start, stop);
    }

    /**
     * ZSCORE key member; null when absent.
     *
     * @param key key.
     * @param member member.
     * @return the reply, completed on an I/O thread.
     */
    public CompletableFuture<Double> zscore(final String key, final String member)
    {
        return client.submit(ReplyConverters.DOUBLE, "ZSCORE", key, member);
    }

    /**
     * BLPOP keys... timeout: pops the head of the first non-empty list, waiting up to {@code timeout} for one. Runs
     * on a dedicated connection of the keys' node (never on the shared rings), with the deadline {@code timeout}
     * plus the command timeout; {@link Duration#ZERO} waits forever, with no deadline. On a cluster client all keys
     * must share a slot (CROSSSLOT refused before sending).
     *
     * @param timeout how long the server waits; zero for ever.
     * @param keys    the lists, in the order they are tried.
     * @return {@code [key, value]}, or null when the timeout passed with every list empty.
     * @throws IllegalArgumentException for a negative timeout, no key, or keys in several slots; nothing was sent.
     */
    public CompletableFuture<List<String>> blpop(final Duration timeout, final String... keys)
    {
        return client.submit(ReplyConverters.LIST_OF_STRINGS, blockingKeys("BLPOP", timeout, keys));
    }

    /**
     * BRPOP keys... timeout: as {@link #blpop}, popping the tail.
     *
     * @param timeout how long the server waits; zero for ever.
     * @param keys    the lists, in the order they are tried.
     * @return {@code [key, value]}, or null when the timeout passed with every list empty.
     * @throws IllegalArgumentException for a negative timeout, no key, or keys in several slots; nothing was sent.
     */
    public CompletableFuture<List<String>> brpop(final Duration timeout, final String... keys)
    {
        return client.submit(ReplyConverters.LIST_OF_STRINGS, blockingKeys("BRPOP", timeout, keys));
    }

    /**
     * BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout, on a dedicated connection (see {@link #blpop}).
     *
     * @param source      the list popped.
     * @param destination the list pushed (same slot on a cluster client).
     * @param from        {@code "LEFT"} or {@code "RIGHT"}: the end of {@code source} popped.
     * @param to          {@code "LEFT"} or {@code "RIGHT"}: the end of {@code destination} pushed.
     * @param timeout     how long the server waits; zero for ever.
     * @return the moved element, or null when the timeout passed.
     * @throws IllegalArgumentException for a negative timeout or keys in several slots; nothing was sent.
     */
    public CompletableFuture<String> blmove(final String source, final String destination, final String from,
        final String to, final Duration timeout)
    {
        return client.submit(ReplyConverters.STRING, "BLMOVE", source, destination, from, to, seconds(timeout));
    }

    /**
     * BZPOPMIN keys... timeout, on a dedicated connection (see {@link #blpop}).
     *
     * @param timeout how long the server waits; zero for ever.
     * @param keys    the sorted sets, in the order they are tried.
     * @return {@code [key, member, score]}, or null when the timeout passed.
     * @throws IllegalArgumentException for a negative timeout, no key, or keys in several slots; nothing was sent.
     */
    public CompletableFuture<List<String>> bzpopmin(final Duration timeout, final String... keys)
    {
        return client.submit(ReplyConverters.LIST_OF_STRINGS, blockingKeys("BZPOPMIN", timeout, keys));
    }

    /**
     * BZPOPMAX keys... timeout, on a dedicated connection (see {@link #blpop}).
     *
     * @param timeout how long the server waits; zero for ever.
     * @param keys    the sorted sets, in the order they are tried.
     * @return {@code [key, member, score]}, or null when the timeout passed.
     * @throws IllegalArgumentException for a negative timeout, no key, or keys in several slots; nothing was sent.
     */
    public CompletableFuture<List<String>> bzpopmax(final Duration timeout, final String... keys)
    {
        return client.submit(ReplyConverters.LIST_OF_STRINGS, blockingKeys("BZPOPMAX", timeout, keys));
    }

    /**
     * XREAD BLOCK ms STREAMS keys... ids..., on a dedicated connection (see {@link #blpop}).
     *
     * @param block   how long the server waits for an entry; zero for ever.
     * @param streams stream key to the ID to read after ({@code "$"}: only new entries), in iteration order.
     * @return the entries as {@link #execute} returns them (per stream: name and entries), or null when the block
     * time passed with nothing new.
     * @throws IllegalArgumentException for a negative block time, no stream, or streams in several slots; nothing
     *                                  was sent.
     */
    public CompletableFuture<Object> xread(final Duration block, final Map<String, String> streams)
    {
        if (streams == null || streams.isEmpty())
        {
            throw new IllegalArgumentException("XREAD expects at least one stream, got " +
                (streams == null ? "null" : "none"));
        }
        return client.submit(ReplyConverters.OBJECT, withStreams(streams, "XREAD", "BLOCK", millis(block)));
    }

    /**
     * BLMPOP timeout numkeys keys... LEFT|RIGHT COUNT count (Redis 7+): pops up to {@code count} elements from the
     * first non-empty list, waiting up to {@code timeout} for one; on a dedicated connection (see {@link #blpop}).
     *
     * @param timeout how long the server waits; zero for ever.
     * @param end     {@code "LEFT"} or {@code "RIGHT"}: the end popped.
     * @param count   how many elements at most, at least 1.
     * @param keys    the lists, in the order they are tried (one slot on a cluster client).
     * @return the list popped from and its elements, or null when the timeout passed with every list empty.
     * @throws IllegalArgumentException for a negative timeout, an end other than LEFT or RIGHT, a count below 1, no
     *                                  key, or keys in several slots; nothing was sent.
     */
    public CompletableFuture<PoppedElements> blmpop(final Duration timeout, final String end, final int count,
        final String... keys)
    {
        return client.submit(ReplyConverters.OBJECT, multiPop("BLMPOP", timeout, end, "LEFT", "RIGHT", count, keys))
            .thenApply(AsyncCommands::poppedElements);
    }

    /**
     * BZMPOP timeout numkeys keys... MIN|MAX COUNT count (Redis 7+): pops up to {@code count} members with the
     * lowest or highest scores from the first non-empty sorted set, waiting up to {@code timeout} for one; on a
     * dedicated connection (see {@link #blpop}).
     *
     * @param timeout  how long the server waits; zero for ever.
     * @param minOrMax {@code "MIN"} or {@code "MAX"}: the lowest or the highest scores first.
     * @param count    how many members at most, at least 1.
     * @param keys     the sorted sets, in the order they are tried (one slot on a cluster client).
     * @return the sorted set popped from and its members with scores, or null when the timeout passed with every
     * sorted set empty.
     * @throws IllegalArgumentException for a negative timeout, MIN/MAX misspelt, a count below 1, no key, or keys in
     *                                  several slots; nothing was sent.
     */
    public CompletableFuture<PoppedMembers> bzmpop(final Duration timeout, final String minOrMax, final int count,
        final String... keys)
    {
        return client.submit(ReplyConverters.OBJECT, multiPop("BZMPOP", timeout, minOrMax, "MIN", "MAX", count, keys))
            .thenApply(AsyncCommands::poppedMembers);
    }

    /**
     * XREADGROUP GROUP group consumer BLOCK ms STREAMS keys... ids..., on a dedicated connection (see
     * {@link #blpop}).
     *
     * @param group    the consumer group.
     * @param consumer the consumer's name in the group.
     * @param block    how long the server waits for an entry; zero for ever.
     * @param streams  stream key to the ID to read after ({@code ">"}: entries never delivered to the group), in
     *                 iteration order.
     * @return the entries as {@link #execute} returns them, or null when the block time passed with nothing new.
     * @throws IllegalArgumentException for a negative block time, no stream, or streams in several slots; nothing
     *                                  was sent.
     */
    public CompletableFuture<Object> xreadgroup(final String group, final String consumer, final Duration block,
        final Map<String, String> streams)
    {
        if (streams == null || streams.isEmpty())
        {
            throw new IllegalArgumentException("XREADGROUP expects at least one stream, got " +
                (streams == null ? "null" : "none"));
        }
        return client.submit(ReplyConverters.OBJECT,
            withStreams(streams, "XREADGROUP", "GROUP", group, consumer, "BLOCK", millis(block)));
    }

    /**
     * {@code prefix... STREAMS key1 key2 ... id1 id2 ...}: the layout XREAD and XREADGROUP share, checked.
     */
    private static Object[] withStreams(final Map<String, String> streams, final Object... prefix)
    {
        final Object[] command = new Object[prefix.length + 1 + streams.size() * 2];
        System.arraycopy(prefix, 0, command, 0, prefix.length);
        command[prefix.length] = "STREAMS";
        int i = prefix.length + 1;
        for (final Map.Entry<String, String> stream : streams.entrySet())
        {
            command[i] = stream.getKey();
            command[i + streams.size()] = stream.getValue();
            i++;
        }
        CommandChecks.checkArguments(command);
        return command;
    }

    /**
     * WAIT numreplicas timeout: waits until at least {@code replicas} replicas acknowledged every write this client
     * had completed on the node before the call, or until {@code timeout}. Runs on a dedicated connection (deadline
     * {@code timeout} plus the command timeout), where it is preceded by a replicated no-op write
     * ({@code MULTI SET slotring:wait DEL slotring:wait EXEC}) so that the server's per-connection write offset WAIT
     * compares covers those writes. <b>On a cluster client use {@code ClusterClient.wait(keyOrHashTag, ...)}</b>,
     * which picks the master of the key's slot: this keyless form goes to any master there and is sent as is, so it
     * says nothing about this client's writes.
     *
     * @param replicas how many replicas must acknowledge; 0 returns at once.
     * @param timeout  how long the server waits; zero for ever.
     * @return how many replicas acknowledged (possibly fewer than {@code replicas} when the timeout passed).
     * @throws IllegalArgumentException for a negative count or timeout; nothing sent.
     */
    public CompletableFuture<Long> wait(final int replicas, final Duration timeout)
    {
        if (replicas < 0)
        {
            throw new IllegalArgumentException("WAIT expects replicas >= 0, got " + replicas);
        }
        return client.submit(ReplyConverters.LONG, "WAIT", replicas, millis(timeout));
    }

    private static Object[] multiPop(final String name, final Duration timeout, final String end,
        final String first, final String second, final int count, final String[] keys)
    {
        if (keys == null || keys.length == 0)
        {
            throw new IllegalArgumentException(name + " expects at least one key, got " +
                (keys == null ? "null" : "none"));
        }
        if (!first.equalsIgnoreCase(end) && !second.equalsIgnoreCase(end))
        {
            throw new IllegalArgumentException(name + " expects " + first + " or " + second + ", got " + end);
        }
        if (count < 1)
        {
            throw new IllegalArgumentException(name + " expects a count >= 1, got " + count);
        }
        final Object[] command = new Object[keys.length + 6];
        command[0] = name;
        command[1] = seconds(timeout);
        command[2] = keys.length;
        System.arraycopy(keys, 0, command, 3, keys.length);
        command[keys.length + 3] = end.toUpperCase(java.util.Locale.ROOT);
        command[keys.length + 4] = "COUNT";
        command[keys.length + 5] = count;
        CommandChecks.checkArguments(command);
        return command;
    }

    private static PoppedElements poppedElements(final Object reply)
    {
        if (!(reply instanceof List<?> pair) || pair.size() != 2 || !(pair.get(1) instanceof List<?> values))
        {
            return null;
        }
        final List<String> elements = new java.util.ArrayList<>(values.size());
        for (final Object value : values)
        {
            elements.add(text(value));
        }
        return new PoppedElements(text(pair.get(0)), elements);
    }

    private static PoppedMembers poppedMembers(final Object reply)
    {
        if (!(reply instanceof List<?> pair) || pair.size() != 2 || !(pair.get(1) instanceof List<?> values))
        {
            return null;
        }
        final List<PoppedMembers.ScoredMember> members = new java.util.ArrayList<>(values.size());
        for (final Object value : values)
        {
            final List<?> scored = (List<?>)value;
            final Object score = scored.get(1);
            members.add(new PoppedMembers.ScoredMember(text(scored.get(0)), score instanceof Number ?
                ((Number)score).doubleValue() : Double.parseDouble(text(score))));
        }
        return new PoppedMembers(text(pair.get(0)), members);
    }

    private static String text(final Object value)
    {
        return value instanceof byte[] ? new String((byte[])value, java.nio.charset.StandardCharsets.UTF_8) :
            value == null ? null : value.toString();
    }

    /** {@code name keys... seconds}, checked. */
    private static Object[] blockingKeys(final String name, final Duration timeout, final String[] keys)
    {
        if (keys == null || keys.length == 0)
        {
            throw new IllegalArgumentException(name + " expects at least one key, got " +
                (keys == null ? "null" : "none"));
        }
        final Object[] command = new Object[keys.length + 2];
        command[0] = name;
        System.arraycopy(keys, 0, command, 1, keys.length);
        command[keys.length + 1] = seconds(timeout);
        CommandChecks.checkArguments(command);
        return command;
    }

    /** A block time in seconds with millisecond precision; a positive time below 1 ms is 1 ms, never "forever". */
    private static String seconds(final Duration timeout)
    {
        return BigDecimal.valueOf(millis(timeout), 3).toPlainString();
    }

    private static long millis(final Duration timeout)
    {
        if (timeout == null)
        {
            throw new NullPointerException("timeout must not be null (Duration.ZERO blocks for ever)");
        }
        if (timeout.isNegative())
        {
            throw new IllegalArgumentException("expected a block time >= 0 (0: for ever), got " + timeout);
        }
        final long millis = timeout.toMillis();
        return millis == 0 && !timeout.isZero() ? 1 : millis;
    }

    /**
     * PING; replies PONG.
     *
     * @return the reply, completed on an I/O thread.
     */
    public CompletableFuture<String> ping()
    {
        return client.submit(ReplyConverters.STRING, "PING");
    }

    /**
     * INFO [section].
     *
     * @param sections sections.
     * @return the reply, completed on an I/O thread.
     */
    public CompletableFuture<String> info(final String... sections)
    {
        return client.submit(ReplyConverters.STRING, prepend("INFO", sections));
    }

    static Object[] prepend(final String command, final Object[] rest)
    {
        final Object[] args = new Object[rest.length + 1];
        args[0] = command;
        System.arraycopy(rest, 0, args, 1, rest.length);
        return args;
    }

    static Object[] prepend(final String command, final Object key, final Object[] rest)
    {
        final Object[] args = new Object[rest.length + 2];
        args[0] = command;
        args[1] = key;
        System.arraycopy(rest, 0, args, 2, rest.length);
        return args;
    }

    static Object[] pairs(final String command, final Map<String, String> entries)
    {
        final Object[] args = new Object[1 + entries.size() * 2];
        args[0] = command;
        int i = 1;
        for (final Map.Entry<String, String> entry : entries.entrySet())
        {
            args[i++] = entry.getKey();
            args[i++] = entry.getValue();
        }
        return args;
    }

    static Object[] pairs(final String command, final String key, final Map<String, String> entries)
    {
        final Object[] args = new Object[2 + entries.size() * 2];
        args[0] = command;
        args[1] = key;
        int i = 2;
        for (final Map.Entry<String, String> entry : entries.entrySet())
        {
            args[i++] = entry.getKey();
            args[i++] = entry.getValue();
        }
        return args;
    }

    // Pub/sub publishing (typed). Subscriptions live on their own connections: see Client#subscribe.

    /**
     * PUBLISH channel message: on a cluster, sent to one master (the cluster bus carries it to every node).
     *
     * @param channel the channel.
     * @param message the message, UTF-8 encoded.
     * @return how many subscribers received it (on a cluster: those of the node it was sent to), completed on an
     * I/O thread.
     */
    public CompletableFuture<Long> publish(final String channel, final String message)
    {
        return client.submit(ReplyConverters.LONG, "PUBLISH", channel, message);
    }

    /**
     * PUBLISH channel message with a binary message.
     *
     * @param channel the channel.
     * @param message the message bytes (encoded at the call, not retained).
     * @return how many subscribers received it, completed on an I/O thread.
     */
    public CompletableFuture<Long> publish(final String channel, final byte[] message)
    {
        return client.submit(ReplyConverters.LONG, "PUBLISH", channel, message);
    }

    /**
     * SPUBLISH shardchannel message (Redis 7+): on a cluster, routed by the channel's hash slot to its master,
     * where {@link Client#ssubscribe} subscribers of that channel listen.
     *
     * @param channel the shard channel; its hash slot decides the node.
     * @param message the message, UTF-8 encoded.
     * @return how many subscribers received it, completed on an I/O thread.
     */
    public CompletableFuture<Long> spublish(final String channel, final String message)
    {
        return client.submit(ReplyConverters.LONG, "SPUBLISH", channel, message);
    }

    /**
     * SPUBLISH shardchannel message with a binary message.
     *
     * @param channel the shard channel; its hash slot decides the node.
     * @param message the message bytes (encoded at the call, not retained).
     * @return how many subscribers received it, completed on an I/O thread.
     */
    public CompletableFuture<Long> spublish(final String channel, final byte[] message)
    {
        return client.submit(ReplyConverters.LONG, "SPUBLISH", channel, message);
    }

    /**
     * EVAL script numkeys key... arg...: routed (cluster) by the keys, which must all be in one slot.
     *
     * @param script the Lua source.
     * @param keys   the script's keys ({@code KEYS}).
     * @param args   the script's arguments ({@code ARGV}).
     * @return the script's reply as Java values (see {@link #execute}).
     * @throws IllegalArgumentException for a null key or argument, or (cluster) keys in several slots
     *                                  ({@code CROSSSLOT}); nothing was sent.
     */
    public CompletableFuture<Object> eval(final String script, final Object[] keys, final Object... args)
    {
        return client.submit(ReplyConverters.OBJECT, scriptCommand("EVAL", script, keys, args));
    }

    /**
     * EVALSHA sha1 numkeys key... arg...; fails with a {@code NOSCRIPT} {@link RedisServerException} where the
     * script is not loaded ({@link #eval(Script, Object[], Object...)} handles that).
     *
     * @param sha1 the script's SHA1.
     * @param keys the script's keys.
     * @param args the script's arguments.
     * @return the script's reply as Java values.
     * @throws IllegalArgumentException as {@link #eval(String, Object[], Object...)}.
     */
    public CompletableFuture<Object> evalsha(final String sha1, final Object[] keys, final Object... args)
    {
        return client.submit(ReplyConverters.OBJECT, scriptCommand("EVALSHA", sha1, keys, args));
    }

    /**
     * Runs a {@link Script}: EVALSHA, and on a {@code NOSCRIPT} reply EVAL with the same keys and arguments, which
     * goes to the same node (the keys' slot) and caches the script there.
     *
     * @param script the script.
     * @param keys   the script's keys.
     * @param args   the script's arguments.
     * @return the script's reply as Java values.
     * @throws IllegalArgumentException as {@link #eval(String, Object[], Object...)}.
     */
    public CompletableFuture<Object> eval(final Script script, final Object[] keys, final Object... args)
    {
        return withFallback(script, "EVALSHA", "EVAL", keys, args);
    }

    /**
     * Runs a {@link Script} read-only: EVALSHA_RO, and on a {@code NOSCRIPT} reply EVAL_RO (Redis 7+); a replica
     * may serve it under a read-from policy other than MASTER.
     *
     * @param script the script.
     * @param keys   the script's keys.
     * @param args   the script's arguments.
     * @return the script's reply as Java values.
     * @throws IllegalArgumentException as {@link #eval(String, Object[], Object...)}.
     */
    public CompletableFuture<Object> evalReadOnly(final Script script, final Object[] keys, final Object... args)
    {
        return withFallback(script, "EVALSHA_RO", "EVAL_RO", keys, args);
    }

    /**
     * FCALL function numkeys key... arg... (Redis 7+): routed (cluster) by the keys. Load the library first with
     * {@code execute("FUNCTION", "LOAD", code)}, which a cluster client sends to every master.
     *
     * @param function the function's name.
     * @param keys     the function's keys.
     * @param args     the function's arguments.
     * @return the function's reply as Java values.
     * @throws IllegalArgumentException as {@link #eval(String, Object[], Object...)}.
     */
    public CompletableFuture<Object> fcall(final String function, final Object[] keys, final Object... args)
    {
        return client.submit(ReplyConverters.OBJECT, scriptCommand("FCALL", function, keys, args));
    }

    /**
     * FCALL_RO function numkeys key... arg... (Redis 7+): a read-only function call a replica may serve.
     *
     * @param function the function's name.
     * @param keys     the function's keys.
     * @param args     the function's arguments.
     * @return the function's reply as Java values.
     * @throws IllegalArgumentException as {@link #eval(String, Object[], Object...)}.
     */
    public CompletableFuture<Object> fcallReadOnly(final String function, final Object[] keys, final Object... args)
    {
        return client.submit(ReplyConverters.OBJECT, scriptCommand("FCALL_RO", function, keys, args));
    }

    private CompletableFuture<Object> withFallback(final Script script, final String byDigest, final String bySource,
        final Object[] keys, final Object[] args)
    {
        if (script == null)
        {
            throw new NullPointerException("script must not be null");
        }
        final Object[] command = scriptCommand(byDigest, script.sha1(), keys, args);
        return client.submit(ReplyConverters.OBJECT, command).exceptionallyCompose(failure ->
        {
            if (!Script.isNoScript(failure))
            {
                return CompletableFuture.failedFuture(Script.unwrap(failure));
            }
            // Same keys, so the same slot and node: EVAL runs the script there and caches it for later EVALSHAs.
            command[0] = bySource;
            command[1] = script.source();
            return client.submit(ReplyConverters.OBJECT, command);
        });
    }

    /** {@code name target numkeys keys... args...}, checked before anything is sent. */
    private static Object[] scriptCommand(final String name, final String target, final Object[] keys,
        final Object[] args)
    {
        if (target == null)
        {
            throw new NullPointerException(name + ": the script, digest or function name must not be null");
        }
        if (keys == null || args == null)
        {
            throw new NullPointerException(name + ": " + (keys == null ? "keys" : "args") + " must not be null " +
                "(pass an empty array)");
        }
        final Object[] command = new Object[3 + keys.length + args.length];
        command[0] = name;
        command[1] = target;
        command[2] = keys.length;
        System.arraycopy(keys, 0, command, 3, keys.length);
        System.arraycopy(args, 0, command, 3 + keys.length, args.length);
        CommandChecks.checkArguments(command);
        return command;
    }
}
