package io.slotring.cluster;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.slotring.codec.RespReader;
import io.slotring.codec.RespType;
import io.slotring.codec.SlotHash;
import io.slotring.engine.Batch;
import io.slotring.engine.RedisException;
import io.slotring.engine.RedisServerException;
import io.slotring.engine.ReplyHandler;
import io.slotring.engine.SyncCommands;
import io.slotring.launcher.LocalCluster;
import io.slotring.launcher.LocalRedisCluster;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every command against a real 5-master cluster, and 16 threads of verified mixed traffic.
 */
@LocalCluster(masters = 5, replicasPerMaster = 0)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ClusterClientCommandsIT
{
    private static ClusterClient cluster;

    @BeforeAll
    static void connect(final LocalRedisCluster redis)
    {
        cluster = ClusterClient.connect(ClusterConfig.create().seeds(redis.seeds()).connectionsPerNode(2));
    }

    @AfterAll
    static void close()
    {
        cluster.close();
    }

    @BeforeEach
    void flush()
    {
        cluster.sync().execute("FLUSHALL");
    }

    @Test
    void discoversAllMastersAndCoversEverySlot(final LocalRedisCluster redis)
    {
        assertThat(cluster.masterCount()).isEqualTo(5);
        for (int slot = 0; slot < SlotHash.SLOT_COUNT; slot += 97)
        {
            assertThat(cluster.masterAddressOf(slot)).isEqualTo(redis.nodeForSlot(slot).address());
        }
    }

    @Test
    void singleKeyCommandsRouteToTheOwningMaster()
    {
        final SyncCommands redis = cluster.sync();
        for (int i = 0; i < 200; i++)
        {
            assertThat(redis.set("key:" + i, "value:" + i)).isEqualTo("OK");
        }
        for (int i = 0; i < 200; i++)
        {
            assertThat(redis.get("key:" + i)).isEqualTo("value:" + i);
        }
        assertThat(redis.incr("n")).isEqualTo(1L);
        assertThat(redis.incrBy("n", 9)).isEqualTo(10L);
        assertThat(redis.decr("n")).isEqualTo(9L);
        assertThat(redis.decrBy("n", 10)).isEqualTo(-1L);
        assertThat(redis.expire("n", 100)).isTrue();
        assertThat(redis.ttl("n")).isBetween(1L, 100L);
        assertThat(redis.pexpire("n", 100_000)).isTrue();
        assertThat(redis.pttl("n")).isBetween(1L, 100_000L);
        assertThat(redis.set("opt", "1", io.slotring.engine.SetOptions.none().onlyIfAbsent())).isEqualTo("OK");
        assertThat(redis.set("opt", "2", io.slotring.engine.SetOptions.none().onlyIfAbsent())).isNull();
        assertThat(redis.hset("h", Map.of("a", "1", "b", "2"))).isEqualTo(2L);
        assertThat(redis.hget("h", "a")).isEqualTo("1");
        assertThat(redis.hgetall("h")).containsOnly(Map.entry("a", "1"), Map.entry("b", "2"));
        assertThat(redis.hdel("h", "a")).isEqualTo(1L);
        assertThat(redis.rpush("l", "x", "y")).isEqualTo(2L);
        assertThat(redis.lpush("l", "w")).isEqualTo(3L);
        assertThat(redis.lrange("l", 0, -1)).containsExactly("w", "x", "y");
        assertThat(redis.lpop("l")).isEqualTo("w");
        assertThat(redis.rpop("l")).isEqualTo("y");
        assertThat(redis.sadd("s", "m1", "m2")).isEqualTo(2L);
        assertThat(redis.smembers("s")).isEqualTo(Set.of("m1", "m2"));
        assertThat(redis.srem("s", "m1")).isEqualTo(1L);
        assertThat(redis.zadd("z", 1.5, "a")).isEqualTo(1L);
        assertThat(redis.zrange("z", 0, -1)).containsExactly("a");
        assertThat(redis.zscore("z", "a")).isEqualTo(1.5);
        assertThatThrownBy(() -> redis.incr("h")).isInstanceOf(RedisServerException.class)
            .hasMessageStartingWith("WRONGTYPE");
    }

    @Test
    void multiKeyCommandsSplitBySlotAndMergeInCallerOrder()
    {
        final SyncCommands redis = cluster.sync();
        final Map<String, String> entries = new LinkedHashMap<>();
        final List<String> keys = new ArrayList<>();
        for (int i = 0; i < 100; i++)
        {
            entries.put("mk:" + i, "mv:" + i);
            keys.add("mk:" + i);
        }
        assertThat(redis.mset(entries)).isEqualTo("OK");
        keys.add(50, "absent");
        final List<String> values = redis.mget(keys.toArray(new String[0]));
        assertThat(values).hasSize(101);
        for (int i = 0; i < 101; i++)
        {
            final String key = keys.get(i);
            assertThat(values.get(i)).isEqualTo(key.equals("absent") ? null : "mv:" + key.substring(3));
        }
        assertThat(redis.mget("mk:7")).containsExactly("mv:7");
        assertThat(redis.mget("{t}a", "{t}b")).containsExactly(null, null);
        assertThat(redis.exists("mk:1", "mk:2", "absent", "mk:3")).isEqualTo(3L);
        assertThat(((Number)redis.execute("TOUCH", "mk:1", "mk:2", "absent")).longValue()).isEqualTo(2L);
        assertThat(((Number)redis.execute("UNLINK", "mk:1", "mk:2")).longValue()).isEqualTo(2L);
        assertThat(redis.del("mk:3", "mk:4", "absent")).isEqualTo(2L);
        assertThat(((Number)redis.execute("DBSIZE")).longValue()).isEqualTo(96L);
        assertThat((List<?>)redis.execute("KEYS", "mk:9*")).hasSize(11);
    }

    @Test
    void keylessCommandsAndScanCoverTheWholeCluster()
    {
        final SyncCommands redis = cluster.sync();
        assertThat(redis.ping()).isEqualTo("PONG");
        assertThat(redis.info("server")).contains("redis_mode:cluster");
        for (int i = 0; i < 300; i++)
        {
            redis.set("scan:" + i, "x");
        }
        redis.set("other", "y");
        final Set<String> seen = new java.util.HashSet<>();
        cluster.scan("scan:*", 50, key -> seen.add(new String(key, StandardCharsets.UTF_8)));
        assertThat(seen).hasSize(300);
        assertThat(cluster.executeOnAllMasters("DBSIZE").join()).hasSize(5);
        assertThat(redis.execute("FLUSHALL")).isEqualTo("OK");
        assertThat(((Number)redis.execute("DBSIZE")).longValue()).isZero();
    }

    @Test
    void zeroCopyStyleHashesKeysInPlaceAtAnyOffset() throws Exception
    {
        final byte[] key = "zc:{user42}:name".getBytes(StandardCharsets.US_ASCII);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[128]);
        buffer.putBytes(61, key);
        final CompletableFuture<String> done = new CompletableFuture<>();
        final ReplyHandler handler = new ReplyHandler()
        {
            public void onReply(final long token, final RespReader reply)
            {
                if (token == 1)
                {
                    cluster.get(buffer, 61, key.length, this, 2);
                }
                else
                {
                    done.complete(reply.stringValue());
                }
            }

            public void onFailure(final long token, final RedisException error)
            {
                done.completeExceptionally(error);
            }
        };
        assertThat(cluster.set(buffer, 61, key.length, new UnsafeBuffer("Ada".getBytes()), 0, 3, handler, 1))
            .isGreaterThanOrEqualTo(0);
        assertThat(done.get(10, TimeUnit.SECONDS)).isEqualTo("Ada");
        assertThat(cluster.sync().get("zc:{user42}:name")).isEqualTo("Ada");
    }

    @Test
    void sixteenThreadsOfMixedCommandsEachGetTheirOwnReplies() throws Exception
    {
        final int threads = 16;
        final int perThread = 100_000;
        final AtomicLong mismatches = new AtomicLong();
        final AtomicLong failures = new AtomicLong();
        final AtomicLong replies = new AtomicLong();
        final List<Thread> workers = new ArrayList<>();
        try (ClusterClient client = ClusterClient.connect(ClusterConfig.create()
            .seeds(cluster.masterAddressOf(0)).connectionsPerNode(4).ioThreads(2)))
        {
            for (int t = 0; t < threads; t++)
            {
                final int thread = t;
                workers.add(new Thread(() -> work(client, thread, perThread, mismatches, failures, replies)));
            }
            workers.forEach(Thread::start);
            for (final Thread worker : workers)
            {
                worker.join(TimeUnit.SECONDS.toMillis(250));
                assertThat(worker.isAlive()).isFalse();
            }
        }
        assertThat(failures.get()).isZero();
        assertThat(mismatches.get()).isZero();
        assertThat(replies.get()).isEqualTo((long)threads * perThread);
    }

    private static void work(final ClusterClient client, final int thread, final int commands,
        final AtomicLong mismatches, final AtomicLong failures, final AtomicLong replies)
    {
        final int keyCount = 1024;
        final byte[][] keys = new byte[keyCount][];
        final byte[][] values = new byte[keyCount][];
        for (int i = 0; i < keyCount; i++)
        {
            keys[i] = ("c:" + thread + ":" + i).getBytes(StandardCharsets.US_ASCII);
            values[i] = ("value-of:c:" + thread + ":" + i).getBytes(StandardCharsets.US_ASCII);
        }
        final boolean[] written = new boolean[keyCount];
        final Batch batch = client.newBatch(new ReplyHandler()
        {
            public void onReply(final long token, final RespReader reply)
            {
                replies.incrementAndGet();
                final int index = (int)(token >> 1);
                if ((token & 1) == 0)
                {
                    if (reply.type() != RespType.SIMPLE_STRING)
                    {
                        mismatches.incrementAndGet();
                    }
                }
                else if (reply.isNull() ? written[index] : !reply.contentEquals(values[index]))
                {
                    mismatches.incrementAndGet();
                }
            }

            public void onFailure(final long token, final RedisException error)
            {
                failures.incrementAndGet();
            }
        });
        for (int done = 0; done < commands; done += 64)
        {
            final int size = Math.min(64, commands - done);
            for (int i = 0; i < size; i++)
            {
                final int n = done + i;
                final int index = (n * 7) % keyCount;
                final long code = n % 5 == 0 ? client.set(keys[index], values[index], batch, (long)index << 1) :
                    client.get(keys[index], batch, ((long)index << 1) | 1);
                if (code < 0)
                {
                    failures.incrementAndGet();
                }
            }
            if (!batch.await(60, TimeUnit.SECONDS))
            {
                failures.incrementAndGet();
                return;
            }
            for (int i = 0; i < size; i++)
            {
                final int n = done + i;
                if (n % 5 == 0)
                {
                    written[(n * 7) % keyCount] = true;
                }
            }
        }
    }
}
