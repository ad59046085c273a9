package io.slotring.engine;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.slotring.engine.internal.CallerWaiter;
import io.slotring.engine.internal.CommandChecks;

/**
 * The sync style: each command blocks until its reply, bounded by the command timeout (plus a margin, since the
 * engine's own deadline normally fires first). Failures are thrown as the {@link RedisException} the engine
 * reported.
 *
 * <p>Mirrors {@link AsyncCommands} one method for one method.
 */
public final class SyncCommands
{
    private final AsyncCommands async;
    private final long waitNs;

    private SyncCommands(final AsyncCommands async, final long commandTimeoutNs)
    {
        this.async = async;
        this.waitNs = commandTimeoutNs + TimeUnit.SECONDS.toNanos(1);
    }

    /**
     * @param async            the async commands to block on.
     * @param commandTimeoutNs the engine's command timeout; a call waits a second longer, since the engine's own
     *                         deadline normally fires first and says more.
     * @return the sync commands.
     */
    static SyncCommands over(final AsyncCommands async, final long commandTimeoutNs)
    {
        return new SyncCommands(async, commandTimeoutNs);
    }

    /**
     * Any command.
     *
     * @param args command name and arguments: {@code byte[]}, {@code CharSequence} or numbers.
     * @return the reply as Java values (see {@link AsyncCommands#execute}).
     */
    public Object execute(final Object... args)
    {
        final boolean waitIntent = CallerWaiter.expectWait();
        final CompletableFuture<Object> reply = async.execute(args);
        final long blockNs = CommandChecks.blockTimeNs(args);
        if (blockNs == CommandChecks.NOT_BLOCKING)
        {
            return await(waitIntent, reply);
        }
        return await(reply, blockNs == CommandChecks.BLOCKS_FOREVER ? -1 : waitNs + blockNs);
    }

    /**
     * GET key.
     *
     * @param key key.
     * @return the reply.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public byte[] get(final byte[] key)
    {
        return await(CallerWaiter.expectWait(), async.get(key));
    }

    /**
     * GET key (UTF-8).
     *
     * @param key key.
     * @return the reply.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public String get(final String key)
    {
        return await(CallerWaiter.expectWait(), async.get(key));
    }

    /**
     * SET key value; replies OK.
     *
     * @param key key.
     * @param value value.
     * @return the reply.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public String set(final byte[] key, final byte[] value)
    {
        return await(CallerWaiter.expectWait(), async.set(key, value));
    }

    /**
     * SET key value; replies OK.
     *
     * @param key key.
     * @param value value.
     * @return the reply.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public String set(final String key, final String value)
    {
        return await(CallerWaiter.expectWait(), async.set(key, value));
    }

    /**
     * SET key value with options; replies OK, null when NX/XX prevented it, or the old value with GET.
     *
     * @param key key.
     * @param value value.
     * @param options options.
     * @return the reply.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public String set(final String key, final String value, final SetOptions options)
    {
        return await(CallerWaiter.expectWait(), async.set(key, value, options));
    }

    /**
     * DEL keys; replies the number removed.
     *
     * @param keys keys.
     * @return the reply.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public Long del(final String... keys)
    {
        return await(CallerWaiter.expectWait(), async.del(keys));
    }

    /**
     * EXISTS keys; replies how many exist.
     *
     * @param keys keys.
     * @return the reply.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public Long exists(final String... keys)
    {
        return await(CallerWaiter.expectWait(), async.exists(keys));
    }

    /**
     * INCR key.
     *
     * @param key key.
     * @return the reply.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public Long incr(final String key)
    {
        return await(CallerWaiter.expectWait(), async.incr(key));
    }

    /**
     * INCRBY key delta.
     *
     * @param key key.
     * @param delta delta.
     * @return the reply.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public Long incrBy(final String key, final long delta)
    {
        return await(CallerWaiter.expectWait(), async.incrBy(key, delta));
    }

    /**
     * DECR key.
     *
     * @param key key.
     * @return the reply.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public Long decr(final String key)
    {
        return await(CallerWaiter.expectWait(), async.decr(key));
    }

    /**
     * DECRBY key delta.
     *
     * @param key key.
     * @param delta delta.
     * @return the reply.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public Long decrBy(final String key, final long delta)
    {
        return await(CallerWaiter.expectWait(), async.decrBy(key, delta));
    }

    /**
     * EXPIRE key seconds; true when the timeout was set.
     *
     * @param key key.
     * @param seconds seconds.
     * @return the reply.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public Boolean expire(final String key, final long seconds)
    {
        return await(CallerWaiter.expectWait(), async.expire(key, seconds));
    }

    /**
     * PEXPIRE key millis; true when the timeout was set.
     *
     * @param key key.
     * @param millis millis.
     * @return the reply.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public Boolean pexpire(final String key, final long millis)
    {
        return await(CallerWaiter.expectWait(), async.pexpire(key, millis));
    }

    /**
     * TTL key in seconds (-1 no expiry, -2 no key).
     *
     * @param key key.
     * @return the reply.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public Long ttl(final String key)
    {
        return await(CallerWaiter.expectWait(), async.ttl(key));
    }

    /**
     * PTTL key in milliseconds (-1 no expiry, -2 no key).
     *
     * @param key key.
     * @return the reply.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public Long pttl(final String key)
    {
        return await(CallerWaiter.expectWait(), async.pttl(key));
    }

    /**
     * MGET keys; null for missing keys.
     *
     * @param keys keys.
     * @return the reply.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public List<String> mget(final String... keys)
    {
        return await(CallerWaiter.expectWait(), async.mget(keys));
    }

    /**
     * MSET key value [key value ...]; replies OK.
     *
     * @param entries entries.
     * @return the reply.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public String mset(final Map<String, String> entries)
    {
        return await(CallerWaiter.expectWait(), async.mset(entries));
    }

    /**
     * HGET key field.
     *
     * @param key key.
     * @param field field.
     * @return the reply.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public String hget(final String key, final String field)
    {
        return await(CallerWaiter.expectWait(), async.hget(key, field));
    }

    /**
     * HSET key field value [field value ...]; replies fields added.
     *
     * @param key key.
     * @param fields fields.
     * @return the reply.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public Long hset(final String key, final Map<String, String> fields)
    {
        return await(CallerWaiter.expectWait(), async.hset(key, fields));
    }

    /**
     * HDEL key fields; replies fields removed.
     *
     * @param key key.
     * @param fields fields.
     * @return the reply.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public Long hdel(final String key, final String... fields)
    {
        return await(CallerWaiter.expectWait(), async.hdel(key, fields));
    }

    /**
     * HGETALL key (RESP2 flat array and RESP3 map alike).
     *
     * @param key key.
     * @return the reply.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public Map<String, String> hgetall(final String key)
    {
        return await(CallerWaiter.expectWait(), async.hgetall(key));
    }

    /**
     * LPUSH key values; replies the new length.
     *
     * @param key key.
     * @param values values.
     * @return the reply.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public Long lpush(final String key, final String... values)
    {
        return await(CallerWaiter.expectWait(), async.lpush(key, values));
    }

    /**
     * RPUSH key values; replies the new length.
     *
     * @param key key.
     * @param values values.
     * @return the reply.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public Long rpush(final String key, final String... values)
    {
        return await(CallerWaiter.expectWait(), async.rpush(key, values));
    }

    /**
     * LPOP key.
     *
     * @param key key.
     * @return the reply.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public String lpop(final String key)
    {
        return await(CallerWaiter.expectWait(), async.lpop(key));
    }

    /**
     * RPOP key.
     *
     * @param key key.
     * @return the reply.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public String rpop(final String key)
    {
        return await(CallerWaiter.expectWait(), async.rpop(key));
    }

    /**
     * LRANGE key start stop.
     *
     * @param key key.
     * @param start start.
     * @param stop stop.
     * @return the reply.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public List<String> lrange(final String key, final long start, final long stop)
    {
        return await(CallerWaiter.expectWait(), async.lrange(key, start, stop));
    }

    /**
     * SADD key members; replies members added.
     *
     * @param key key.
     * @param members members.
     * @return the reply.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public Long sadd(final String key, final String... members)
    {
        return await(CallerWaiter.expectWait(), async.sadd(key, members));
    }

    /**
     * SREM key members; replies members removed.
     *
     * @param key key.
     * @param members members.
     * @return the reply.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public Long srem(final String key, final String... members)
    {
        return await(CallerWaiter.expectWait(), async.srem(key, members));
    }

    /**
     * SMEMBERS key.
     *
     * @param key key.
     * @return the reply.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public Set<String> smembers(final String key)
    {
        return await(CallerWaiter.expectWait(), async.smembers(key));
    }

    /**
     * ZADD key score member; replies members added.
     *
     * @param key key.
     * @param score score.
     * @param member member.
     * @return the reply.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public Long zadd(final String key, final double score, final String member)
    {
        return await(CallerWaiter.expectWait(), async.zadd(key, score, member));
    }

    /**
     * ZRANGE key start stop (by index).
     *
     * @param key key.
     * @param start start.
     * @param stop stop.
     * @return the reply.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public List<String> zrange(final String key, final long start, final long stop)
    {
        return await(CallerWaiter.expectWait(), async.zrange(key, start, stop));
    }

    /**
     * ZSCORE key member; null when absent.
     *
     * @param key key.
     * @param member member.
     * @return the reply.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public Double zscore(final String key, final String member)
    {
        return await(CallerWaiter.expectWait(), async.zscore(key, member));
    }

    /**
     * BLPOP: see {@link AsyncCommands#blpop}. Waits up to {@code timeout} plus the command timeout (and a second);
     * for ever when {@code timeout} is zero.
     *
     * @param timeout how long the server waits; zero for ever.
     * @param keys    the lists, in the order they are tried.
     * @return {@code [key, value]}, or null when the timeout passed with every list empty.
     * @throws RedisException on an error reply, a timeout, a lost connection or a closed client.
     */
    public List<String> blpop(final Duration timeout, final String... keys)
    {
        return awaitBlocking(CallerWaiter.expectWait(), async.blpop(timeout, keys), timeout);
    }

    /**
     * BRPOP: see {@link AsyncCommands#brpop}.
     *
     * @param timeout how long the server waits; zero for ever.
     * @param keys    the lists, in the order they are tried.
     * @return {@code [key, value]}, or null when the timeout passed with every list empty.
     * @throws RedisException on an error reply, a timeout, a lost connection or a closed client.
     */
    public List<String> brpop(final Duration timeout, final String... keys)
    {
        return awaitBlocking(CallerWaiter.expectWait(), async.brpop(timeout, keys), timeout);
    }

    /**
     * BLMOVE: see {@link AsyncCommands#blmove}.
     *
     * @param source      the list popped.
     * @param destination the list pushed.
     * @param from        {@code "LEFT"} or {@code "RIGHT"}.
     * @param to          {@code "LEFT"} or {@code "RIGHT"}.
     * @param timeout     how long the server waits; zero for ever.
     * @return the moved element, or null when the timeout passed.
     * @throws RedisException on an error reply, a timeout, a lost connection or a closed client.
     */
    public String blmove(final String source, final String destination, final String from, final String to,
        final Duration timeout)
    {
        return awaitBlocking(CallerWaiter.expectWait(), async.blmove(source, destination, from, to, timeout),
            timeout);
    }

    /**
     * BZPOPMIN: see {@link AsyncCommands#bzpopmin}.
     *
     * @param timeout how long the server waits; zero for ever.
     * @param keys    the sorted sets, in the order they are tried.
     * @return {@code [key, member, score]}, or null when the timeout passed.
     * @throws RedisException on an error reply, a timeout, a lost connection or a closed client.
     */
    public List<String> bzpopmin(final Duration timeout, final String... keys)
    {
        return awaitBlocking(CallerWaiter.expectWait(), async.bzpopmin(timeout, keys), timeout);
    }

    /**
     * BZPOPMAX: see {@link AsyncCommands#bzpopmax}.
     *
     * @param timeout how long the server waits; zero for ever.
     * @param keys    the sorted sets, in the order they are tried.
     * @return {@code [key, member, score]}, or null when the timeout passed.
     * @throws RedisException on an error reply, a timeout, a lost connection or a closed client.
     */
    public List<String> bzpopmax(final Duration timeout, final String... keys)
    {
        return awaitBlocking(CallerWaiter.expectWait(), async.bzpopmax(timeout, keys), timeout);
    }

    /**
     * XREAD BLOCK: see {@link AsyncCommands#xread}.
     *
     * @param block   how long the server waits; zero for ever.
     * @param streams stream key to the ID to read after.
     * @return the entries, or null when the block time passed with nothing new.
     * @throws RedisException on an error reply, a timeout, a lost connection or a closed client.
     */
    public Object xread(final Duration block, final Map<String, String> streams)
    {
        return awaitBlocking(CallerWaiter.expectWait(), async.xread(block, streams), block);
    }

    /**
     * BLMPOP: see {@link AsyncCommands#blmpop}.
     *
     * @param timeout how long the server waits; zero for ever.
     * @param end     {@code "LEFT"} or {@code "RIGHT"}.
     * @param count   how many elements at most.
     * @param keys    the lists, in the order they are tried.
     * @return the list popped from and its elements, or null when the timeout passed.
     * @throws RedisException on an error reply, a timeout, a lost connection or a closed client.
     */
    public PoppedElements blmpop(final Duration timeout, final String end, final int count, final String... keys)
    {
        return awaitBlocking(false, async.blmpop(timeout, end, count, keys), timeout);
    }

    /**
     * BZMPOP: see {@link AsyncCommands#bzmpop}.
     *
     * @param timeout  how long the server waits; zero for ever.
     * @param minOrMax {@code "MIN"} or {@code "MAX"}.
     * @param count    how many members at most.
     * @param keys     the sorted sets, in the order they are tried.
     * @return the sorted set popped from and its members with scores, or null when the timeout passed.
     * @throws RedisException on an error reply, a timeout, a lost connection or a closed client.
     */
    public PoppedMembers bzmpop(final Duration timeout, final String minOrMax, final int count, final String... keys)
    {
        return awaitBlocking(false, async.bzmpop(timeout, minOrMax, count, keys), timeout);
    }

    /**
     * XREADGROUP BLOCK: see {@link AsyncCommands#xreadgroup}.
     *
     * @param group    the consumer group.
     * @param consumer the consumer's name.
     * @param block    how long the server waits; zero for ever.
     * @param streams  stream key to the ID to read after.
     * @return the entries, or null when the block time passed with nothing new.
     * @throws RedisException on an error reply, a timeout, a lost connection or a closed client.
     */
    public Object xreadgroup(final String group, final String consumer, final Duration block,
        final Map<String, String> streams)
    {
        return awaitBlocking(CallerWaiter.expectWait(), async.xreadgroup(group, consumer, block, streams), block);
    }

    /**
     * WAIT: see {@link AsyncCommands#wait(int, Duration)}.
     *
     * @param replicas how many replicas must acknowledge.
     * @param timeout  how long the server waits; zero for ever.
     * @return how many replicas acknowledged.
     * @throws RedisException on an error reply, a timeout, a lost connection or a closed client.
     */
    public Long wait(final int replicas, final Duration timeout)
    {
        return awaitBlocking(false, async.wait(replicas, timeout), timeout);
    }

    /**
     * PING; replies PONG.
     *
     * @return the reply.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public String ping()
    {
        return await(CallerWaiter.expectWait(), async.ping());
    }

    /**
     * INFO [section].
     *
     * @param sections sections.
     * @return the reply.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public String info(final String... sections)
    {
        return await(CallerWaiter.expectWait(), async.info(sections));
    }

    // Pub/sub publishing (typed): see AsyncCommands#publish and AsyncCommands#spublish.

    /**
     * PUBLISH channel message (see {@link AsyncCommands#publish(String, String)}).
     *
     * @param channel the channel.
     * @param message the message, UTF-8 encoded.
     * @return how many subscribers received it.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public Long publish(final String channel, final String message)
    {
        return await(CallerWaiter.expectWait(), async.publish(channel, message));
    }

    /**
     * PUBLISH channel message with a binary message.
     *
     * @param channel the channel.
     * @param message the message bytes.
     * @return how many subscribers received it.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public Long publish(final String channel, final byte[] message)
    {
        return await(CallerWaiter.expectWait(), async.publish(channel, message));
    }

    /**
     * SPUBLISH shardchannel message (Redis 7+; see {@link AsyncCommands#spublish(String, String)}): routed on a
     * cluster by the channel's hash slot.
     *
     * @param channel the shard channel.
     * @param message the message, UTF-8 encoded.
     * @return how many subscribers received it.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public Long spublish(final String channel, final String message)
    {
        return await(CallerWaiter.expectWait(), async.spublish(channel, message));
    }

    /**
     * SPUBLISH shardchannel message with a binary message.
     *
     * @param channel the shard channel.
     * @param message the message bytes.
     * @return how many subscribers received it.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public Long spublish(final String channel, final byte[] message)
    {
        return await(CallerWaiter.expectWait(), async.spublish(channel, message));
    }

    /**
     * EVAL script numkeys key... arg... (see {@link AsyncCommands#eval(String, Object[], Object...)}).
     *
     * @param script the Lua source.
     * @param keys   the script's keys.
     * @param args   the script's arguments.
     * @return the script's reply as Java values.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public Object eval(final String script, final Object[] keys, final Object... args)
    {
        return await(CallerWaiter.expectWait(), async.eval(script, keys, args));
    }

    /**
     * EVALSHA sha1 numkeys key... arg... (see {@link AsyncCommands#evalsha}).
     *
     * @param sha1 the script's SHA1.
     * @param keys the script's keys.
     * @param args the script's arguments.
     * @return the script's reply as Java values.
     * @throws RedisException on an error reply (NOSCRIPT included), a timeout, or a lost connection.
     */
    public Object evalsha(final String sha1, final Object[] keys, final Object... args)
    {
        return await(CallerWaiter.expectWait(), async.evalsha(sha1, keys, args));
    }

    /**
     * Runs a {@link Script}: EVALSHA, then EVAL on a {@code NOSCRIPT} reply (see
     * {@link AsyncCommands#eval(Script, Object[], Object...)}).
     *
     * @param script the script.
     * @param keys   the script's keys.
     * @param args   the script's arguments.
     * @return the script's reply as Java values.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public Object eval(final Script script, final Object[] keys, final Object... args)
    {
        // No wait intent: the reply this thread waits for may come from the fallback, a second command.
        return await(false, async.eval(script, keys, args));
    }

    /**
     * Runs a {@link Script} read-only: EVALSHA_RO, then EVAL_RO on a {@code NOSCRIPT} reply.
     *
     * @param script the script.
     * @param keys   the script's keys.
     * @param args   the script's arguments.
     * @return the script's reply as Java values.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public Object evalReadOnly(final Script script, final Object[] keys, final Object... args)
    {
        return await(false, async.evalReadOnly(script, keys, args));
    }

    /**
     * FCALL function numkeys key... arg... (see {@link AsyncCommands#fcall}).
     *
     * @param function the function's name.
     * @param keys     the function's keys.
     * @param args     the function's arguments.
     * @return the function's reply as Java values.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public Object fcall(final String function, final Object[] keys, final Object... args)
    {
        return await(CallerWaiter.expectWait(), async.fcall(function, keys, args));
    }

    /**
     * FCALL_RO function numkeys key... arg... (see {@link AsyncCommands#fcallReadOnly}).
     *
     * @param function the function's name.
     * @param keys     the function's keys.
     * @param args     the function's arguments.
     * @return the function's reply as Java values.
     * @throws RedisException on an error reply, a timeout, or a lost connection.
     */
    public Object fcallReadOnly(final String function, final Object[] keys, final Object... args)
    {
        return await(CallerWaiter.expectWait(), async.fcallReadOnly(function, keys, args));
    }

    /**
     * @param waitIntent evaluated before the command is submitted ({@link CallerWaiter#expectWait()}), so its
     *                   publish leaves the reply to this thread instead of waking an I/O thread for it.
     */
    private <T> T awaitBlocking(final boolean waitIntent, final CompletableFuture<T> future, final Duration block)
    {
        return await(future, block.isZero() ? -1 : waitNs + Math.max(block.toNanos(), 1_000_000));
    }

    private <T> T await(final boolean waitIntent, final CompletableFuture<T> future)
    {
        return await(future, waitNs);
    }

    /** @param limitNs how long to wait; negative: until the engine completes it (a command that blocks forever). */
    private <T> T await(final CompletableFuture<T> future, final long limitNs)
    {
        CallerWaiter.clearWaitIntent();
        try
        {
            return limitNs < 0 ? future.get() : future.get(limitNs, TimeUnit.NANOSECONDS);
        }
        catch (final ExecutionException ex)
        {
            final Throwable cause = ex.getCause();
            if (cause instanceof RedisException)
            {
                throw (RedisException)cause;
            }
            throw new RedisException("command failed: " + cause, true, cause);
        }
        catch (final TimeoutException ex)
        {
            throw new RedisTimeoutException("no reply within " + limitNs / 1_000_000 + "ms", true);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new RedisException("interrupted while waiting for a reply", true, ex);
        }
    }
}
