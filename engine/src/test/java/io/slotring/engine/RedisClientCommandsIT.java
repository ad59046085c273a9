package io.slotring.engine;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.slotring.codec.RespReader;
import io.slotring.codec.RespType;
import io.slotring.launcher.LocalRedisServer;
import io.slotring.launcher.LocalServer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@LocalServer(debugCommand = true)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisClientCommandsIT
{
    private static final List<String> PUSHES = new CopyOnWriteArrayList<>();
    private static RedisClient client;
    private static RedisClient resp2Client;

    @BeforeAll
    static void connect(final LocalRedisServer redis)
    {
        client = RedisClient.connect(ClientConfig.create().address(redis.host(), redis.port())
            .connectionsPerNode(2).pushListener(push -> PUSHES.add(describePush(push))));
        resp2Client = RedisClient.connect(ClientConfig.create().address(redis.host(), redis.port())
            .preferResp3(false));
    }

    private static String describePush(final RespReader push)
    {
        final StringBuilder text = new StringBuilder();
        final int count = push.count();
        for (int i = 0; i < count; i++)
        {
            push.next();
            text.append(push.type() == RespType.INTEGER ? Long.toString(push.longValue()) : push.stringValue())
                .append(i + 1 < count ? " " : "");
        }
        return text.toString();
    }

    @AfterAll
    static void close()
    {
        client.close();
        resp2Client.close();
    }

    @BeforeEach
    void flush()
    {
        client.sync().execute("FLUSHALL");
    }

    @Test
    void stringCommandsInSyncStyle()
    {
        final SyncCommands redis = client.sync();
        assertThat(redis.set("k", "v")).isEqualTo("OK");
        assertThat(redis.get("k")).isEqualTo("v");
        assertThat(redis.get("missing")).isNull();
        assertThat(redis.set("k", "w", SetOptions.none().onlyIfAbsent())).isNull();
        assertThat(redis.set("k", "w", SetOptions.expireSeconds(100).onlyIfPresent().returnOldValue()))
            .isEqualTo("v");
        assertThat(redis.ttl("k")).isBetween(1L, 100L);
        assertThat(redis.set("k", "x", SetOptions.keepTtl())).isEqualTo("OK");
        assertThat(redis.ttl("k")).isBetween(1L, 100L);
        assertThat(redis.set("p", "1", SetOptions.expireMillis(100_000))).isEqualTo("OK");
        assertThat(redis.pttl("p")).isBetween(1L, 100_000L);
        assertThat(redis.exists("k", "p", "missing")).isEqualTo(2L);
        assertThat(redis.del("k", "p", "missing")).isEqualTo(2L);
        assertThat(redis.ttl("k")).isEqualTo(-2L);
    }

    @Test
    void countersAndExpiry()
    {
        final SyncCommands redis = client.sync();
        assertThat(redis.incr("n")).isEqualTo(1L);
        assertThat(redis.incrBy("n", 41)).isEqualTo(42L);
        assertThat(redis.decr("n")).isEqualTo(41L);
        assertThat(redis.decrBy("n", 50)).isEqualTo(-9L);
        assertThat(redis.ttl("n")).isEqualTo(-1L);
        assertThat(redis.expire("n", 50)).isTrue();
        assertThat(redis.pexpire("n", 60_000)).isTrue();
        assertThat(redis.pttl("n")).isBetween(1L, 60_000L);
        assertThat(redis.expire("missing", 5)).isFalse();
    }

    @Test
    void multiKeyHashListSetAndSortedSetInBothProtocols()
    {
        for (final RedisClient each : List.of(client, resp2Client))
        {
            each.sync().execute("FLUSHALL");
            final SyncCommands redis = each.sync();
            final Map<String, String> entries = new LinkedHashMap<>();
            entries.put("a", "1");
            entries.put("b", "2");
            assertThat(redis.mset(entries)).isEqualTo("OK");
            assertThat(redis.mget("a", "missing", "b")).containsExactly("1", null, "2");

            assertThat(redis.hset("h", Map.of("f1", "v1", "f2", "v2"))).isEqualTo(2L);
            assertThat(redis.hget("h", "f1")).isEqualTo("v1");
            assertThat(redis.hgetall("h")).containsOnly(Map.entry("f1", "v1"), Map.entry("f2", "v2"));
            assertThat(redis.hdel("h", "f1", "nope")).isEqualTo(1L);

            assertThat(redis.rpush("l", "b", "c")).isEqualTo(2L);
            assertThat(redis.lpush("l", "a")).isEqualTo(3L);
            assertThat(redis.lrange("l", 0, -1)).containsExactly("a", "b", "c");
            assertThat(redis.lpop("l")).isEqualTo("a");
            assertThat(redis.rpop("l")).isEqualTo("c");

            assertThat(redis.sadd("s", "x", "y", "x")).isEqualTo(2L);
            assertThat(redis.smembers("s")).isEqualTo(Set.of("x", "y"));
            assertThat(redis.srem("s", "x")).isEqualTo(1L);

            assertThat(redis.zadd("z", 2.5, "two")).isEqualTo(1L);
            assertThat(redis.zadd("z", 1, "one")).isEqualTo(1L);
            assertThat(redis.zrange("z", 0, -1)).containsExactly("one", "two");
            assertThat(redis.zscore("z", "two")).isEqualTo(2.5);
            assertThat(redis.zscore("z", "none")).isNull();

            assertThat(redis.ping()).isEqualTo("PONG");
            assertThat(redis.info("server")).contains("redis_version:");
        }
    }

    @Test
    void errorReplyFailsOnlyThatCommandAndTheConnectionStaysUp()
    {
        final SyncCommands redis = client.sync();
        redis.rpush("list", "x");
        assertThatThrownBy(() -> redis.get("list"))
            .isInstanceOf(RedisServerException.class)
            .hasMessageStartingWith("WRONGTYPE")
            .satisfies(ex -> assertThat(((RedisServerException)ex).errorCode()).isEqualTo("WRONGTYPE"))
            .satisfies(ex -> assertThat(((RedisException)ex).mayHaveBeenApplied()).isFalse());
        assertThatThrownBy(() -> redis.execute("NOSUCHCOMMAND", "x"))
            .isInstanceOf(RedisServerException.class).hasMessageContaining("unknown command");
        assertThat(redis.set("after", "ok")).isEqualTo("OK");
        assertThat(redis.get("after")).isEqualTo("ok");
    }

    @Test
    void asyncStyleCompletesFuturesWithJavaValues()
    {
        final AsyncCommands redis = client.async();
        final List<CompletableFuture<String>> sets = new ArrayList<>();
        for (int i = 0; i < 500; i++)
        {
            sets.add(redis.set("key:" + i, "value:" + i));
        }
        sets.forEach(f -> assertThat(f.join()).isEqualTo("OK"));
        for (int i = 0; i < 500; i++)
        {
            assertThat(redis.get("key:" + i).join()).isEqualTo("value:" + i);
        }
        assertThat(redis.get("key:7".getBytes(StandardCharsets.UTF_8)).join())
            .isEqualTo("value:7".getBytes(StandardCharsets.UTF_8));
        final CompletableFuture<Long> wrongType = redis.incr("key:1");
        assertThatThrownBy(wrongType::join).isInstanceOf(CompletionException.class)
            .hasCauseInstanceOf(RedisServerException.class);
        assertThat(redis.execute("ECHO", "hi").join()).isEqualTo("hi".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void zeroCopyStyleDeliversViewsAndTokens() throws Exception
    {
        final byte[][] keys = new byte[64][];
        final byte[][] values = new byte[64][];
        for (int i = 0; i < keys.length; i++)
        {
            keys[i] = ("zk:" + i).getBytes(StandardCharsets.US_ASCII);
            values[i] = ("zv:" + i + ":" + "x".repeat(i * 10)).getBytes(StandardCharsets.US_ASCII);
        }
        final int[] okCount = {0};
        final Batch sets = client.newBatch(new ReplyHandler()
        {
            public void onReply(final long token, final RespReader reply)
            {
                if (reply.type() == RespType.SIMPLE_STRING && reply.contentEquals("OK".getBytes()))
                {
                    okCount[0]++;
                }
            }

            public void onFailure(final long token, final RedisException error)

            {

            }
        });
        for (int i = 0; i < keys.length; i++)
        {
            assertThat(client.set(keys[i], values[i], sets, i)).isGreaterThanOrEqualTo(0);
        }
        assertThat(sets.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(okCount[0]).isEqualTo(64);

        final boolean[] matched = new boolean[64];
        final Batch gets = client.newBatch(new ReplyHandler()
        {
            public void onReply(final long token, final RespReader reply)
            {
                matched[(int)token] = reply.contentEquals(values[(int)token]);
            }

            public void onFailure(final long token, final RedisException error)

            {

            }
        });
        for (int round = 0; round < 3; round++)
        {
            java.util.Arrays.fill(matched, false);
            for (int i = 0; i < keys.length; i++)
            {
                client.get(keys[i], gets, i);
            }
            assertThat(gets.await(10, TimeUnit.SECONDS)).isTrue();
            for (final boolean each : matched)
            {
                assertThat(each).isTrue();
            }
        }

        final UnsafeBuffer keyBuffer = new UnsafeBuffer(new byte[100]);
        keyBuffer.putBytes(37, keys[5]);
        final CompletableFuture<Boolean> viaBuffer = new CompletableFuture<>();
        client.get(keyBuffer, 37, keys[5].length, new ReplyHandler()
        {
            public void onReply(final long token, final RespReader reply)
            {
                viaBuffer.complete(token == 99 && reply.contentEquals(values[5]));
            }

            public void onFailure(final long token, final RedisException error)
            {
                viaBuffer.completeExceptionally(error);
            }
        }, 99);
        assertThat(viaBuffer.get(10, TimeUnit.SECONDS)).isTrue();

        final CompletableFuture<Boolean> textKey = new CompletableFuture<>();
        client.set(keyBuffer, 37, keys[5].length, new UnsafeBuffer("new".getBytes()), 0, 3, new ReplyHandler()
        {
            public void onReply(final long token, final RespReader reply)
            {
                client.get("zk:5", new ReplyHandler()
                {
                    public void onReply(final long t, final RespReader r)
                    {
                        textKey.complete(r.contentEquals("new".getBytes()));
                    }

                    public void onFailure(final long t, final RedisException error)
                    {
                        textKey.completeExceptionally(error);
                    }
                }, 0);
            }

            public void onFailure(final long token, final RedisException error)
            {
                textKey.completeExceptionally(error);
            }
        }, 0);
        assertThat(textKey.get(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void largeValuesSpillOnSendAndGrowTheReceiveBuffer()
    {
        final byte[] big = new byte[5 * 1024 * 1024 + 17];
        for (int i = 0; i < big.length; i++)
        {
            big[i] = (byte)(i * 31 + 7);
        }
        assertThat(client.async().set("big".getBytes(), big).join()).isEqualTo("OK");
        assertThat(client.async().get("big".getBytes()).join()).isEqualTo(big);
        // Binary bytes including CR LF and zeros survive the round trip.
        final byte[] binary = {0, '\r', '\n', (byte)0xff, '$', '*', 0};
        client.async().set("bin".getBytes(), binary).join();
        assertThat(client.async().get("bin".getBytes()).join()).isEqualTo(binary);
        assertThat(client.sync().get("small-after-big")).isNull();
    }

    @Test
    void pushFramesAreOutOfBandAndAttributesTravelWithTheirReply()
    {
        PUSHES.clear();
        final Object reply = client.sync().execute("DEBUG", "PROTOCOL", "push");
        assertThat(new String((byte[])reply, StandardCharsets.UTF_8)).contains("real reply");
        assertThat(PUSHES).containsExactly("server-cpu-usage 42");
        final Object attributed = client.sync().execute("DEBUG", "PROTOCOL", "attrib");
        assertThat(new String((byte[])attributed, StandardCharsets.UTF_8)).contains("real reply");
        assertThat(client.sync().ping()).isEqualTo("PONG");
    }

    @Test
    void rejectsArgumentsItCannotEncode()
    {
        assertThatThrownBy(() -> client.async().execute("SET", "k", new Object()))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected byte[], CharSequence");
        assertThat(client.sync().ping()).isEqualTo("PONG");
    }
}
