package io.slotring.cluster;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.slotring.codec.RespReader;
import io.slotring.codec.RespType;
import io.slotring.codec.SlotHash;
import io.slotring.engine.Batch;
import io.slotring.engine.MessageHandler;
import io.slotring.engine.RedisException;
import io.slotring.engine.ReplyHandler;
import io.slotring.engine.Script;
import io.slotring.engine.Subscription;
import io.slotring.launcher.Await;
import io.slotring.launcher.LocalRedisCluster;
import io.slotring.launcher.RedisNodeHandle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Zero-copy scripts on a real 3-master cluster: {@link Script.ZeroCopy} routes EVALSHA by its keys' slot, and after
 * {@code SCRIPT FLUSH} on every master each node's {@code NOSCRIPT} is answered with EVAL on that node before the
 * handler sees anything, batched calls spread over every master included; cross-slot keys are refused before
 * sending. Also {@code execute(batch, token, args)} routed per command, and the typed {@code spublish} routed by
 * the channel's slot to its {@code SSUBSCRIBE}r.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ZeroCopyScriptIT
{
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Script INCRBY = Script.of("return redis.call('INCRBY', KEYS[1], ARGV[1])");

    private static ClusterClient connect(final LocalRedisCluster redis)
    {
        return ClusterClient.connect(ClusterConfig.create().seeds(redis.seeds()).connectionsPerNode(2)
            .commandTimeout(Duration.ofSeconds(3)));
    }

    /** Records each reply (integers as digits, errors prefixed "-") or failure by token. */
    static final class Recorder implements ReplyHandler
    {
        final ConcurrentHashMap<Long, String> replies = new ConcurrentHashMap<>();

        @Override
        public void onReply(final long token, final RespReader reply)
        {
            final String text = reply.type() == RespType.INTEGER ? Long.toString(reply.longValue()) :
                reply.isNull() ? "(nil)" : reply.stringValue();
            replies.put(token, (reply.isError() ? "-" : "") + text);
        }

        @Override
        public void onFailure(final long token, final RedisException error)
        {
            replies.put(token, "failed: " + error);
        }
    }

    private static long evalCalls(final LocalRedisCluster redis)
    {
        long total = 0;
        for (final RedisNodeHandle master : redis.masters())
        {
            final String stats = String.valueOf(redis.call(master, "INFO", "commandstats"));
            for (final String line : stats.split("\r?\n"))
            {
                if (line.startsWith("cmdstat_eval:calls="))
                {
                    total += Long.parseLong(line.substring("cmdstat_eval:calls=".length(), line.indexOf(',')));
                }
            }
        }
        return total;
    }

    @Test
    void batchedAndSingleCallsFallBackOnEveryMasterThenRunByDigest() throws Exception
    {
        try (LocalRedisCluster redis = LocalRedisCluster.builder().masters(3).replicasPerMaster(0).start();
            ClusterClient client = connect(redis))
        {
            client.sync().execute("SCRIPT", "FLUSH");
            final Recorder recorder = new Recorder();
            final Batch batch = client.newBatch(recorder);
            final Script.ZeroCopy calls = INCRBY.zeroCopy(client);
            final Object[][] args = new Object[64][];
            final Set<String> owners = new HashSet<>();
            for (int i = 0; i < 64; i++)
            {
                final byte[] key = ("key" + i).getBytes(StandardCharsets.UTF_8);
                args[i] = new Object[] {key, (long)i};
                owners.add(client.masterAddressOf(SlotHash.slot(key)));
            }
            assertThat(owners).as("the keys span every master").hasSize(3);
            for (int round = 1; round <= 2; round++)
            {
                recorder.replies.clear();
                for (int i = 0; i < 64; i++)
                {
                    assertThat(calls.eval(batch, i, 1, args[i])).isGreaterThanOrEqualTo(0);
                }
                assertThat(batch.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("round " + round).isTrue();
                for (int i = 0; i < 64; i++)
                {
                    assertThat(recorder.replies.get((long)i)).as("key" + i).isEqualTo(Long.toString((long)i * round));
                }
            }
            final long evals = evalCalls(redis);
            assertThat(evals).as("at least one EVAL fallback per master").isBetween(3L, 64L);

            // One call (handler style) per key after another flush: each falls back on its own node.
            client.sync().execute("SCRIPT", "FLUSH");
            for (int i = 0; i < 64; i++)
            {
                assertThat(INCRBY.eval(client, recorder, 100 + i, 1, args[i])).isGreaterThanOrEqualTo(0);
            }
            Await.until(WAIT, () -> recorder.replies.size() >= 128, "every single call's reply");
            for (int i = 0; i < 64; i++)
            {
                assertThat(recorder.replies.get(100L + i)).isEqualTo(Long.toString((long)i * 3));
            }
            assertThat(evalCalls(redis)).isGreaterThanOrEqualTo(evals + 3);
            assertThat(calls.inFlight()).isZero();

            // Keys in two slots: refused before anything is claimed or sent.
            assertThat(SlotHash.slot("a")).isNotEqualTo(SlotHash.slot("b"));
            assertThatThrownBy(() -> calls.eval(recorder, 999, 2, "a", "b", 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("CROSSSLOT");
            assertThatThrownBy(() -> calls.eval(batch, 999, 2, "a", "b", 1))
                .isInstanceOf(IllegalArgumentException.class);
            assertThat(batch.outstanding()).isZero();
            assertThat(calls.inFlight()).isZero();
            // Same hash tag: one slot, accepted.
            calls.eval(batch, 1000, 2, "{t}a", "{t}b", 4);
            assertThat(batch.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThat(recorder.replies.get(1000L)).isEqualTo("4");
        }
    }

    @Test
    void executeWithABatchRoutesEachCommandAndSpublishFollowsTheChannelSlot() throws Exception
    {
        try (LocalRedisCluster redis = LocalRedisCluster.builder().masters(3).replicasPerMaster(0).start();
            ClusterClient client = connect(redis))
        {
            final Recorder recorder = new Recorder();
            final Batch batch = client.newBatch(recorder);
            final Object[] set = new Object[3];
            set[0] = "SET";
            for (int i = 0; i < 30; i++)
            {
                set[1] = "bk" + i;
                set[2] = "v" + i;
                assertThat(client.execute(batch, i, set)).isGreaterThanOrEqualTo(0);
            }
            assertThat(batch.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < 30; i++)
            {
                client.execute(batch, 100 + i, "GET", "bk" + i);
            }
            assertThat(batch.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < 30; i++)
            {
                assertThat(recorder.replies.get(100L + i)).isEqualTo("v" + i);
            }
            assertThat(client.sync().mget("bk0", "bk1", "bk2")).containsExactly("v0", "v1", "v2");
            assertThatThrownBy(() -> client.execute(batch, 0, "FLUSHALL"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("every master");
            assertThatThrownBy(() -> client.execute(batch, 0, "MGET", "a", "b"))
                .isInstanceOf(IllegalArgumentException.class);

            final List<String> received = new CopyOnWriteArrayList<>();
            final List<String> channels = List.of("{a}news", "{b}news", "{c}news");
            for (final String channel : channels)
            {
                final Subscription subscription = client.ssubscribe(channel,
                    MessageHandler.ofStrings((c, m) -> received.add(c + '=' + m)));
                assertThat(subscription.awaitActive(WAIT)).isTrue();
            }
            for (final String channel : channels)
            {
                // Counted 1 only on the slot's owner, where the SSUBSCRIBE is: the typed call routes by slot.
                assertThat(client.sync().spublish(channel, "m1")).as(channel).isEqualTo(1L);
                assertThat(client.async().spublish(channel, "m2".getBytes(StandardCharsets.UTF_8))
                    .get(5, TimeUnit.SECONDS)).isEqualTo(1L);
            }
            final Subscription plain = client.subscribe("broadcast",
                MessageHandler.ofStrings((c, m) -> received.add(c + '=' + m)));
            assertThat(plain.awaitActive(WAIT)).isTrue();
            assertThat(client.sync().publish("broadcast", "b1")).isGreaterThanOrEqualTo(0L);
            Await.until(WAIT, () -> received.size() >= 7, "every message");
            assertThat(received).containsExactlyInAnyOrder("{a}news=m1", "{a}news=m2", "{b}news=m1", "{b}news=m2",
                "{c}news=m1", "{c}news=m2", "broadcast=b1");
        }
    }
}
