package io.slotring.engine;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A Lua script, sent as {@code EVALSHA} and loaded where it is missing. Its SHA1 is computed once, here, when it is
 * created; the script is sent in full only to a node that answers {@code NOSCRIPT} (it never saw the script, its
 * cache was flushed with {@code SCRIPT FLUSH}, or it is a replica promoted after a failover): that node gets
 * {@code EVAL} with the same keys and arguments, which runs the script and caches it, and later calls find it there.
 * It works the same on a {@link RedisClient} and a cluster client; on a cluster, it is routed by its keys (all in one
 * slot, else it is refused before sending), so the fallback goes to the node that answered {@code NOSCRIPT}.
 *
 * <pre>{@code
 * Script increment = Script.of("return redis.call('INCRBY', KEYS[1], ARGV[1])");   // once, e.g. a constant
 * Object n = increment.eval(client, new Object[] {"counter:{user42}"}, 5);          // sync: 5, 10, ...
 * CompletableFuture<Object> later = increment.evalAsync(client, new Object[] {"counter:{user42}"}, 1);
 * }</pre>
 *
 * <p>Thread-safe and immutable: create it once and share it.
 */
public final class Script
{
    private final String source;
    private final String sha1;

    private Script(final String source)
    {
        this.source = source;
        this.sha1 = sha1Hex(source);
    }

    /**
     * @param source the Lua source.
     * @return the script, its SHA1 computed.
     * @throws NullPointerException when {@code source} is null.
     */
    public static Script of(final String source)
    {
        if (source == null)
        {
            throw new NullPointerException("source must not be null");
        }
        return new Script(source);
    }

    /**
     * @return the Lua source.
     */
    public String source()
    {
        return source;
    }

    /**
     * @return the SHA1 of the source, 40 lowercase hex digits, as {@code SCRIPT LOAD} returns it.
     */
    public String sha1()
    {
        return sha1;
    }

    /**
     * Runs the script (async style): {@code EVALSHA}, then {@code EVAL} on a {@code NOSCRIPT} reply.
     *
     * @param client a client (standalone or cluster).
     * @param keys   the script's keys ({@code KEYS}): {@code byte[]}, {@code CharSequence} or numbers.
     * @param args   the script's arguments ({@code ARGV}).
     * @return the script's reply as Java values (see {@link AsyncCommands#execute}).
     * @throws IllegalArgumentException for a null key or argument, or (cluster) keys in several slots; nothing was
     *                                  sent.
     */
    public CompletableFuture<Object> evalAsync(final Client client, final Object[] keys, final Object... args)
    {
        return client.async().eval(this, keys, args);
    }

    /**
     * Runs the script read-only (async style): {@code EVALSHA_RO}, then {@code EVAL_RO} on a {@code NOSCRIPT} reply
     * (Redis 7+); a replica may serve it under a read-from policy other than MASTER.
     *
     * @param client a client (standalone or cluster).
     * @param keys   the script's keys.
     * @param args   the script's arguments.
     * @return the script's reply as Java values.
     * @throws IllegalArgumentException as {@link #evalAsync}.
     */
    public CompletableFuture<Object> evalReadOnlyAsync(final Client client, final Object[] keys,
        final Object... args)
    {
        return client.async().evalReadOnly(this, keys, args);
    }

    /**
     * Runs the script (sync style): {@code EVALSHA}, then {@code EVAL} on a {@code NOSCRIPT} reply.
     *
     * @param client a client (standalone or cluster).
     * @param keys   the script's keys.
     * @param args   the script's arguments.
     * @return the script's reply as Java values.
     * @throws RedisException on an error reply (other than the first NOSCRIPT), a timeout or a lost connection.
     * @throws IllegalArgumentException as {@link #evalAsync}.
     */
    public Object eval(final Client client, final Object[] keys, final Object... args)
    {
        return client.sync().eval(this, keys, args);
    }

    /**
     * Runs the script read-only (sync style): {@code EVALSHA_RO}, then {@code EVAL_RO} on a {@code NOSCRIPT} reply.
     *
     * @param client a client (standalone or cluster).
     * @param keys   the script's keys.
     * @param args   the script's arguments.
     * @return the script's reply as Java values.
     * @throws RedisException as {@link #eval}.
     * @throws IllegalArgumentException as {@link #evalAsync}.
     */
    public Object evalReadOnly(final Client client, final Object[] keys, final Object... args)
    {
        return client.sync().evalReadOnly(this, keys, args);
    }

    /** {@inheritDoc} */
    @Override
    public String toString()
    {
        return "Script{sha1=" + sha1 + '}';
    }

    /**
     * @param failure a future's failure, possibly wrapped.
     * @return true when it is a {@code NOSCRIPT} error reply.
     */
    static boolean isNoScript(final Throwable failure)
    {
        final Throwable cause = failure instanceof CompletionException && failure.getCause() != null ?
            failure.getCause() : failure;
        return cause instanceof RedisServerException && "NOSCRIPT".equals(((RedisServerException)cause).errorCode());
    }

    /**
     * @param failure a future's failure, possibly wrapped.
     * @return the failure itself, unwrapped from a {@link CompletionException}.
     */
    static Throwable unwrap(final Throwable failure)
    {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    private static String sha1Hex(final String source)
    {
        final byte[] digest;
        try
        {
            digest = MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8));
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("expected the JDK to provide SHA-1, got none", ex);
        }
        final char[] hex = new char[digest.length * 2];
        for (int i = 0; i < digest.length; i++)
        {
            hex[2 * i] = Character.forDigit((digest[i] >> 4) & 0xF, 16);
            hex[2 * i + 1] = Character.forDigit(digest[i] & 0xF, 16);
        }
        return new String(hex);
    }
}
