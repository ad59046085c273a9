package io.slotring.engine;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.slotring.codec.RespReader;
import io.slotring.codec.RespType;
import io.slotring.launcher.Await;
import io.slotring.launcher.LocalRedisServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Zero-copy scripts on a real redis-server: {@link Script.ZeroCopy} sends EVALSHA and, after {@code SCRIPT FLUSH},
 * answers the {@code NOSCRIPT} itself with EVAL before the handler sees anything (counted in
 * {@code INFO commandstats}); batched calls all fall back and are awaited; script errors reach the handler as error
 * replies. Also {@code execute(batch, token, args)} and the typed {@code publish}/{@code spublish}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ZeroCopyScriptIT
{
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Script INCRBY = Script.of("return redis.call('INCRBY', KEYS[1], ARGV[1])");

    private static RedisClient connect(final LocalRedisServer redis)
    {
        return RedisClient.connect(ClientConfig.create().address(redis.host(), redis.port())
            .commandTimeout(Duration.ofSeconds(3)).connectTimeout(Duration.ofSeconds(3)));
    }

    /** Records each reply (as text, errors prefixed "-") or failure by token. */
    static final class Recorder implements ReplyHandler
    {
        final ConcurrentHashMap<Long, String> replies = new ConcurrentHashMap<>();
        final List<Long> order = new CopyOnWriteArrayList<>();
        volatile CountDownLatch latch = new CountDownLatch(1);

        @Override
        public void onReply(final long token, final RespReader reply)
        {
            final String text = reply.type() == RespType.INTEGER ? Long.toString(reply.longValue()) :
                reply.isNull() ? "(nil)" : reply.stringValue();
            replies.put(token, (reply.isError() ? "-" : "") + text);
            order.add(token);
            latch.countDown();
        }

        @Override
        public void onFailure(final long token, final RedisException error)
        {
            replies.put(token, "failed: " + error);
            order.add(token);
            latch.countDown();
        }

        String await(final long token) throws InterruptedException
        {
            assertThat(latch.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("reply for token " + token).isTrue();
            latch = new CountDownLatch(1);
            return replies.get(token);
        }
    }

    static long evalCalls(final Client client)
    {
        final String info = client.sync().info("commandstats");
        for (final String line : info.split("\r?\n"))
        {
            if (line.startsWith("cmdstat_eval:calls="))
            {
                return Long.parseLong(line.substring("cmdstat_eval:calls=".length(), line.indexOf(',')));
            }
        }
        return 0;
    }

    @Test
    void handlerCallFallsBackToEvalOnNoScriptThenRunsByDigest() throws Exception
    {
        try (LocalRedisServer redis = LocalRedisServer.builder().start();
            RedisClient client = connect(redis))
        {
            client.sync().execute("SCRIPT", "FLUSH");
            final Script.ZeroCopy calls = INCRBY.zeroCopy(client);
            final Recorder recorder = new Recorder();
            final byte[] key = "counter".getBytes(StandardCharsets.UTF_8);

            assertThat(calls.eval(recorder, 7, 1, key, 5)).isGreaterThanOrEqualTo(0);
            assertThat(recorder.await(7)).as("the handler sees EVAL's reply, not NOSCRIPT").isEqualTo("5");
            assertThat(evalCalls(client)).as("one EVAL fallback").isEqualTo(1);
            assertThat(client.sync().execute("SCRIPT", "EXISTS", INCRBY.sha1())).isEqualTo(List.of(1L));

            assertThat(calls.eval(recorder, 8, 1, "counter", 2L)).isGreaterThanOrEqualTo(0);
            assertThat(recorder.await(8)).isEqualTo("7");
            assertThat(evalCalls(client)).as("cached: EVALSHA alone").isEqualTo(1);

            client.sync().execute("SCRIPT", "FLUSH");
            // The shortcut on Script, with the same client: falls back again after the flush.
            assertThat(INCRBY.eval(client, recorder, 9, 1, key, 3)).isGreaterThanOrEqualTo(0);
            assertThat(recorder.await(9)).isEqualTo("10");
            assertThat(evalCalls(client)).isEqualTo(2);
            assertThat(calls.inFlight()).isZero();
            assertThat(recorder.order).containsExactly(7L, 8L, 9L);
        }
    }

    /**
     * With one connection the awaiting caller reads the replies itself; with four, the fallback EVAL may go out on
     * another connection than the batch's (chosen by its key), which the I/O agent reads while the batch waits.
     */
    @ParameterizedTest(name = "connectionsPerNode={0}")
    @ValueSource(ints = {1, 4})
    void batchedCallsAllFallBackAndAreAwaitedThenHitTheCache(final int connections) throws Exception
    {
        try (LocalRedisServer redis = LocalRedisServer.builder().start();
            RedisClient client = RedisClient.connect(ClientConfig.create().address(redis.host(), redis.port())
                .connectionsPerNode(connections).commandTimeout(Duration.ofSeconds(3))))
        {
            client.sync().execute("SCRIPT", "FLUSH");
            final Recorder recorder = new Recorder();
            final Batch batch = client.newBatch(recorder);
            final Script.ZeroCopy calls = INCRBY.zeroCopy(client, 64);
            final Object[][] args = new Object[64][];
            for (int i = 0; i < 64; i++)
            {
                args[i] = new Object[] {("k" + i).getBytes(StandardCharsets.UTF_8), (long)i};
            }
            for (int round = 1; round <= 3; round++)
            {
                recorder.replies.clear();
                for (int i = 0; i < 64; i++)
                {
                    assertThat(calls.eval(batch, i, 1, args[i])).isGreaterThanOrEqualTo(0);
                }
                assertThat(batch.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("round " + round).isTrue();
                assertThat(recorder.replies).hasSize(64);
                for (int i = 0; i < 64; i++)
                {
                    assertThat(recorder.replies.get((long)i)).as("k" + i).isEqualTo(Long.toString((long)i * round));
                }
                assertThat(calls.inFlight()).isZero();
                if (round == 1)
                {
                    // Sent before any reply came, the EVALSHAs all found no script: each re-sent as EVAL.
                    assertThat(evalCalls(client)).isBetween(1L, 64L);
                }
            }
            final long afterFallback = evalCalls(client);
            assertThat(afterFallback).isGreaterThanOrEqualTo(1);
            for (int i = 0; i < 64; i++)
            {
                calls.eval(batch, i, 1, args[i]);
            }
            assertThat(batch.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThat(evalCalls(client)).as("cached after the first round").isEqualTo(afterFallback);
            // A full table refuses without sending.
            final Script.ZeroCopy tiny = INCRBY.zeroCopy(client, 1);
            final Recorder slow = new Recorder();
            assertThat(tiny.eval(slow, 1, 1, "x", 1)).isGreaterThanOrEqualTo(0);
            final long second = tiny.eval(slow, 2, 1, "x", 1);
            assertThat(slow.await(1)).isEqualTo("1");
            assertThat(second == Client.BACK_PRESSURED || second >= 0).isTrue();
        }
    }

    @Test
    void scriptErrorsReachTheHandlerAndBadInputSendsNothing() throws Exception
    {
        try (LocalRedisServer redis = LocalRedisServer.builder().start();
            RedisClient client = connect(redis))
        {
            client.sync().set("text", "not a number");
            final Script.ZeroCopy calls = INCRBY.zeroCopy(client);
            final Recorder recorder = new Recorder();
            calls.eval(recorder, 1, 1, "text", 1);
            assertThat(recorder.await(1)).startsWith("-ERR");
            // A NOSCRIPT-shaped error raised by the script itself after the fallback is the caller's answer.
            final Script raises = Script.of("return redis.error_reply('NOSCRIPT raised by the script')");
            client.sync().execute("SCRIPT", "FLUSH");
            raises.zeroCopy(client).eval(recorder, 2, 0);
            assertThat(recorder.await(2)).isEqualTo("-NOSCRIPT raised by the script");
            final long evals = evalCalls(client);
            raises.zeroCopy(client).eval(recorder, 5, 0);
            assertThat(recorder.await(5)).isEqualTo("-NOSCRIPT raised by the script");
            assertThat(evalCalls(client)).as("the script's own NOSCRIPT error is not retried by EVAL").isEqualTo(evals);

            assertThatThrownBy(() -> calls.eval(recorder, 3, 2, "only-one-key"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("numkeys");
            assertThatThrownBy(() -> calls.eval(recorder, 3, 1, "k", null))
                .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> calls.eval((ReplyHandler)null, 3, 0))
                .isInstanceOf(NullPointerException.class);
            assertThat(calls.inFlight()).as("refused calls free their entries").isZero();

            // Read-only variant (Redis 7+): EVALSHA_RO, EVAL_RO after NOSCRIPT.
            final Script get = Script.of("return redis.call('GET', KEYS[1])");
            get.zeroCopy(client).evalReadOnly(recorder, 4, 1, "text");
            assertThat(recorder.await(4)).isEqualTo("not a number");
        }
    }

    @Test
    void executeWithABatchAndTypedPublish() throws Exception
    {
        try (LocalRedisServer redis = LocalRedisServer.builder().start();
            RedisClient client = connect(redis))
        {
            final Recorder recorder = new Recorder();
            final Batch batch = client.newBatch(recorder);
            final Object[] set = new Object[3];
            set[0] = "SET";
            for (int i = 0; i < 20; i++)
            {
                set[1] = "key" + i;
                set[2] = "value" + i;
                assertThat(client.execute(batch, i, set)).isGreaterThanOrEqualTo(0);
            }
            assertThat(batch.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < 20; i++)
            {
                client.execute(batch, 100 + i, "GET", "key" + i);
            }
            assertThat(batch.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < 20; i++)
            {
                assertThat(recorder.replies.get(100L + i)).isEqualTo("value" + i);
            }
            assertThatThrownBy(() -> client.execute((Batch)null, 0, "PING"))
                .isInstanceOf(NullPointerException.class);

            final List<String> plain = new CopyOnWriteArrayList<>();
            final List<String> shard = new CopyOnWriteArrayList<>();
            final Subscription a = client.subscribe("news", MessageHandler.ofStrings((c, m) -> plain.add(m)));
            final Subscription b = client.ssubscribe("{s}news", MessageHandler.ofStrings((c, m) -> shard.add(m)));
            assertThat(a.awaitActive(WAIT) && b.awaitActive(WAIT)).isTrue();
            assertThat(client.sync().publish("news", "p1")).isEqualTo(1L);
            assertThat(client.async().publish("news", "p2".getBytes(StandardCharsets.UTF_8)).get(5, TimeUnit.SECONDS))
                .isEqualTo(1L);
            assertThat(client.sync().spublish("{s}news", "s1")).isEqualTo(1L);
            assertThat(client.async().spublish("{s}news", "s2".getBytes(StandardCharsets.UTF_8))
                .get(5, TimeUnit.SECONDS)).isEqualTo(1L);
            assertThat(client.sync().spublish("{s}nobody", "x")).isZero();
            Await.until(WAIT, () -> plain.size() >= 2 && shard.size() >= 2, "every message");
            assertThat(plain).containsExactly("p1", "p2");
            assertThat(shard).containsExactly("s1", "s2");
        }
    }
}
