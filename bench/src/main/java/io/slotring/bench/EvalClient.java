package io.slotring.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.slotring.cluster.ClusterClient;
import io.slotring.engine.Batch;
import io.slotring.engine.Script;
import redis.clients.jedis.ClusterPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * {@link Op#EVAL}: every command is {@link #SOURCE}, a one-key Lua script, sent by EVALSHA with the NOSCRIPT
 * fallback each library offers, its reply (the key's value) checked like a GET's. Wraps the client the GET/SET
 * runs create (same connections, pools, flush mode), so only the command differs:
 * <ul>
 *   <li>slotring: the zero-copy {@link Script.ZeroCopy} runner into a {@link Batch} per worker, as its GET runs
 *       (EVALSHA, EVAL on NOSCRIPT, built in), replies checked in the I/O callback like GET's.</li>
 *   <li>Lettuce: {@code async().evalsha(sha, VALUE, key)} on the same connection(s) as its GET/SET runs; a
 *       {@link RedisNoScriptException} falls back to {@code eval(source)} (Lettuce has no built-in fallback).</li>
 *   <li>Jedis: {@code ClusterPipeline.evalsha(sha, 1, key)} per worker, synced per batch; a
 *       {@link JedisNoScriptException} falls back to a blocking {@code eval(source, 1, key)}.</li>
 * </ul>
 * The harness loads the script on every master before the op ({@link ExtraOps#loadScript}), so the fallbacks only
 * serve a node that lost its cache; each fallback is counted in {@link #fallbacks()} and shown in the config.
 */
final class EvalClient implements BenchClient
{
    /** The script: a GET of its one key, so the reply is the key's canonical value. */
    static final Script SCRIPT = Script.of("return redis.call('GET', KEYS[1])");
    static final String SOURCE = SCRIPT.source();
    static final String SHA1 = SCRIPT.sha1();
    private static final byte[] SHA1_BYTES = SHA1.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] SOURCE_BYTES = SOURCE.getBytes(java.nio.charset.StandardCharsets.UTF_8);

    private final BenchClient base;
    private final Workload workload;
    private final boolean verify;
    private final int batch;
    private final java.util.concurrent.atomic.AtomicLong fallbacks = new java.util.concurrent.atomic.AtomicLong();

    /**
     * @param base an async client of {@link ClientFactory} (slotring, slotring-nolat, lettuce, lettuce-manual,
     *             jedis); closed by {@link #close()}.
     */
    EvalClient(final BenchClient base, final BenchSettings settings, final Workload workload)
    {
        this.base = base;
        this.workload = workload;
        this.verify = settings.verify;
        this.batch = settings.batch;
    }

    long fallbacks()
    {
        return fallbacks.get();
    }

    @Override
    public String name()
    {
        return base.name();
    }

    @Override
    public Map<String, Object> describe()
    {
        final Map<String, Object> out = new LinkedHashMap<>(base.describe());
        out.put("eval_script", SOURCE + " (sha1 " + SHA1 + ")");
        if (base instanceof SlotringClient)
        {
            out.put("eval_style", "Script.zeroCopy(client).eval(batch, token, 1, key) per command (EVALSHA, EVAL on "
                + "NOSCRIPT), one zero-copy Batch per worker awaited per batch");
        }
        else if (base instanceof LettuceClient)
        {
            out.put("eval_style", "async().evalsha(sha, VALUE, key); eval(source) on RedisNoScriptException");
        }
        else
        {
            out.put("eval_style", "ClusterPipeline.evalsha(sha, 1, key), sync() per batch; eval(source) on "
                + "JedisNoScriptException");
        }
        return out;
    }

    @Override
    public Worker newWorker(final int index, final Outcome outcome)
    {
        final ReplyCheck check = new ReplyCheck(workload, verify, outcome);
        if (base instanceof SlotringClient)
        {
            final ClusterClient cluster = ((SlotringClient)base).cluster();
            return new SlotringEval(SCRIPT.zeroCopy(cluster),
                cluster.newBatch(SlotringClient.checker(workload, verify, outcome)), outcome);
        }
        if (base instanceof LettuceClient)
        {
            final LettuceClient lettuce = (LettuceClient)base;
            return new LettuceEval(lettuce.connectionFor(index), lettuce.manualFlush(), check, outcome);
        }
        final JedisClient jedis = (JedisClient)base;
        return new JedisEval(jedis, jedis.newPipeline(), check, outcome);
    }

    @Override
    public void close()
    {
        base.close();
    }

    private final class SlotringEval implements Worker
    {
        private final Script.ZeroCopy runner;
        private final Batch replies;
        private final Outcome outcome;
        /** Reused for every call: the runner copies the elements out before it returns (see Script.ZeroCopy). */
        private final Object[] key = new Object[1];

        SlotringEval(final Script.ZeroCopy runner, final Batch replies, final Outcome outcome)
        {
            this.runner = runner;
            this.replies = replies;
            this.outcome = outcome;
        }

        @Override
        public void execute(final int[] keyIndex, final boolean[] isSet, final int count, final long timeoutNs)
        {
            for (int i = 0; i < count; i++)
            {
                key[0] = workload.key(keyIndex[i]);
                // Token layout of the GET checker: the key index shifted left once (the reply is the key's value).
                final long code = runner.eval(replies, (long)keyIndex[i] << 1, 1, key);
                if (code < 0)
                {
                    outcome.error("slotring refused an EVALSHA with code " + code);
                }
            }
            if (!replies.await(timeoutNs, TimeUnit.NANOSECONDS))
            {
                throw new IllegalStateException("slotring batch of " + count + " EVALSHAs not complete after " +
                    TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms (" + replies.outstanding() + " outstanding)");
            }
        }
    }

    private final class LettuceEval implements Worker
    {
        private final StatefulRedisClusterConnection<byte[], byte[]> connection;
        private final RedisAdvancedClusterAsyncCommands<byte[], byte[]> async;
        private final boolean manualFlush;
        private final ReplyCheck check;
        private final Outcome outcome;
        private final RedisFuture<?>[] futures = new RedisFuture<?>[batch];
        private final byte[][] keys = new byte[1][];

        LettuceEval(final StatefulRedisClusterConnection<byte[], byte[]> connection, final boolean manualFlush,
            final ReplyCheck check, final Outcome outcome)
        {
            this.connection = connection;
            this.async = connection.async();
            this.manualFlush = manualFlush;
            this.check = check;
            this.outcome = outcome;
        }

        @Override
        public void execute(final int[] keyIndex, final boolean[] isSet, final int count, final long timeoutNs)
            throws Exception
        {
            for (int i = 0; i < count; i++)
            {
                futures[i] = async.evalsha(SHA1, ScriptOutputType.VALUE, workload.key(keyIndex[i]));
            }
            if (manualFlush)
            {
                connection.flushCommands();
            }
            final long deadline = System.nanoTime() + timeoutNs;
            try
            {
                for (int i = 0; i < count; i++)
                {
                    Object reply;
                    try
                    {
                        reply = futures[i].get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    }
                    catch (final ExecutionException ex)
                    {
                        if (!(ex.getCause() instanceof RedisNoScriptException))
                        {
                            outcome.error(ex.getCause() != null ? ex.getCause() : ex);
                            continue;
                        }
                        fallbacks.incrementAndGet();
                        keys[0] = workload.key(keyIndex[i]);
                        final RedisFuture<Object> eval = async.eval(SOURCE_BYTES, ScriptOutputType.VALUE, keys);
                        if (manualFlush)
                        {
                            connection.flushCommands();
                        }
                        try
                        {
                            reply = eval.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                        }
                        catch (final ExecutionException again)
                        {
                            outcome.error(again.getCause() != null ? again.getCause() : again);
                            continue;
                        }
                    }
                    check.check(keyIndex[i], false, reply);
                }
            }
            finally
            {
                Arrays.fill(futures, 0, count, null);
            }
        }
    }

    private final class JedisEval implements Worker
    {
        private final JedisClient jedis;
        private final ClusterPipeline pipeline;
        private final ReplyCheck check;
        private final Outcome outcome;
        private final Response<?>[] responses = new Response<?>[batch];

        JedisEval(final JedisClient jedis, final ClusterPipeline pipeline, final ReplyCheck check,
            final Outcome outcome)
        {
            this.jedis = jedis;
            this.pipeline = pipeline;
            this.check = check;
            this.outcome = outcome;
        }

        @Override
        public void execute(final int[] keyIndex, final boolean[] isSet, final int count, final long timeoutNs)
        {
            // sync() has no timeout of its own: every read is bounded by the socket timeout of the client.
            try
            {
                for (int i = 0; i < count; i++)
                {
                    responses[i] = pipeline.evalsha(SHA1_BYTES, 1, workload.key(keyIndex[i]));
                }
                pipeline.sync();
                for (int i = 0; i < count; i++)
                {
                    Object reply;
                    try
                    {
                        reply = responses[i].get();
                    }
                    catch (final JedisNoScriptException ex)
                    {
                        fallbacks.incrementAndGet();
                        try
                        {
                            reply = jedis.cluster().eval(SOURCE_BYTES, 1, workload.key(keyIndex[i]));
                        }
                        catch (final RuntimeException again)
                        {
                            outcome.error(again);
                            continue;
                        }
                    }
                    catch (final RuntimeException ex)
                    {
                        outcome.error(ex);
                        continue;
                    }
                    check.check(keyIndex[i], false, reply);
                }
            }
            finally
            {
                Arrays.fill(responses, 0, count, null);
            }
        }
    }
}
