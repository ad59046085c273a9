package io.slotring.cluster;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.slotring.codec.RespReader;
import io.slotring.codec.RespType;
import io.slotring.codec.SlotHash;
import io.slotring.engine.RedisException;
import io.slotring.engine.ReplyHandler;
import io.slotring.engine.Script;
import io.slotring.engine.SyncCommands;
import io.slotring.launcher.Await;
import io.slotring.launcher.LocalCluster;
import io.slotring.launcher.LocalRedisCluster;
import io.slotring.launcher.RedisNodeHandle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Routing by the command table on a real 3-master cluster: scripts, functions, streams and the other commands whose
 * keys are not the first argument reach their slot's owner with no MOVED; cross-slot keys are refused before
 * sending; a {@link Script} survives SCRIPT FLUSH and a failover to a replica that never saw it.
 */
@LocalCluster(masters = 3, replicasPerMaster = 1)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ClusterScriptsAndRoutingIT
{
    private static final String LIBRARY = "#!lua name=slotringit\n" +
        "redis.register_function('kvset', function(keys, args) return redis.call('SET', keys[1], args[1]) end)\n" +
        "redis.register_function{function_name='kvget', callback=function(keys, args) " +
        "return redis.call('GET', keys[1]) end, flags={'no-writes'}}\n";
    private static final int TAGS = 60;

    private static ClusterClient cluster;

    @BeforeAll
    static void connect(final LocalRedisCluster redis)
    {
        cluster = ClusterClient.connect(ClusterConfig.create().seeds(redis.seeds()).connectionsPerNode(2));
        assertThat(bytes(cluster.sync().execute("FUNCTION", "LOAD", "REPLACE", LIBRARY))).isEqualTo("slotringit");
    }

    @AfterAll
    static void close()
    {
        cluster.close();
    }

    private static String tag(final int i)
    {
        return "{t" + i + "}";
    }

    /** How many of the tags' keys the old routing (slot of the first argument) would have sent to another master. */
    private static int misroutedByFirstArgument(final String firstArgument)
    {
        int wrong = 0;
        for (int i = 0; i < TAGS; i++)
        {
            final String owner = cluster.masterAddressOf(SlotHash.slot(tag(i) + ":a"));
            if (!owner.equals(cluster.masterAddressOf(SlotHash.slot(firstArgument))))
            {
                wrong++;
            }
        }
        return wrong;
    }

    @Test
    @Order(1)
    void evalEvalshaAndFcallWithHashTaggedKeysGoToTheOwnerWithoutMoved()
    {
        final SyncCommands redis = cluster.sync();
        final String source = "redis.call('SET', KEYS[1], ARGV[1]); redis.call('SET', KEYS[2], ARGV[2]); " +
            "return redis.call('GET', KEYS[1])";
        final String sha = bytes(redis.execute("SCRIPT", "LOAD", source));
        // The test has teeth: routing by the first argument (the script, the digest) would miss most owners.
        assertThat(misroutedByFirstArgument(source) + misroutedByFirstArgument(sha)).isGreaterThan(TAGS / 2);
        final long movedBefore = cluster.router().movedCount();
        for (int i = 0; i < TAGS; i++)
        {
            final String a = tag(i) + ":a";
            final String b = tag(i) + ":b";
            assertThat(bytes(redis.eval(source, new Object[] {a, b}, "e" + i, "f" + i))).isEqualTo("e" + i);
            assertThat(bytes(redis.evalsha(sha, new Object[] {a, b}, "g" + i, "h" + i))).isEqualTo("g" + i);
            assertThat(bytes(cluster.async().execute("EVALSHA", sha, 2, a, b, "i" + i, "j" + i).join()))
                .isEqualTo("i" + i);
            assertThat(redis.fcall("kvset", new Object[] {a}, "k" + i)).isEqualTo("OK");
            assertThat(bytes(redis.fcallReadOnly("kvget", new Object[] {a}))).isEqualTo("k" + i);
            assertThat(bytes(zeroCopy("EVAL_RO", "return redis.call('GET', KEYS[1])", 1, b))).isEqualTo("j" + i);
            assertThat(bytes(zeroCopy("FCALL", "kvget", 1, a))).isEqualTo("k" + i);
        }
        assertThat(cluster.router().movedCount() - movedBefore).as("MOVED replies followed").isZero();
    }

    @Test
    @Order(2)
    void crossSlotKeysAreRefusedBeforeAnythingIsSent()
    {
        final int slotA = SlotHash.slot("a");
        final int slotB = SlotHash.slot("b");
        final String crossSlot = "CROSSSLOT: keys of EVAL map to slots " + slotA + " and " + slotB;
        // Thrown on the caller's thread, not a failed future: nothing was claimed, so nothing was sent.
        assertThatThrownBy(() -> cluster.async().execute("EVAL", "return 1", 2, "a", "b"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(crossSlot);
        assertThatThrownBy(() -> cluster.sync().eval("return 1", new Object[] {"a", "b"}))
            .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(crossSlot);
        assertThatThrownBy(() -> cluster.execute(ignoring(), 0, "EVAL", "return 1", 2, "a", "b"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(crossSlot);
        assertThatThrownBy(() -> Script.of("return 1").eval(cluster, new Object[] {"a", "b"}))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("CROSSSLOT: keys of EVALSHA");
        assertThatThrownBy(() -> cluster.async().execute("XREAD", "STREAMS", "a", "b", "0", "0"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("CROSSSLOT: keys of XREAD");
        // Zero-copy MGET across slots: one command goes to one node, so it is refused, pointing to the async style.
        assertThatThrownBy(() -> cluster.execute(ignoring(), 0, "MGET", "a", "b"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("keys of MGET map to slots " + slotA + " and " + slotB)
            .hasMessageContaining("async");
        assertThatThrownBy(() -> cluster.execute(ignoring(), 0, "DBSIZE"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("every master");
        // The same keys in one slot go, in every style; the async MGET across slots is split and merged.
        cluster.sync().set("{m}a", "1");
        cluster.sync().set("{m}b", "2");
        assertThat((List<?>)zeroCopyObject("MGET", "{m}a", "{m}b")).hasSize(2);
        assertThat(cluster.sync().mget("a", "{m}a", "b", "{m}b")).containsExactly(null, "1", null, "2");
    }

    @Test
    @Order(3)
    void scriptFallsBackToEvalAfterScriptFlushOnEveryNode(final LocalRedisCluster redis)
    {
        final Script script = Script.of("return redis.call('INCRBY', KEYS[1], ARGV[1])");
        final Script reader = Script.of("return redis.call('GET', KEYS[1])");
        assertThat(bytes(cluster.sync().execute("SCRIPT", "LOAD", script.source()))).isEqualTo(script.sha1());
        for (int round = 0; round < 2; round++)
        {
            for (final RedisNodeHandle node : redis.nodes())
            {
                assertThat(redis.call(node, "SCRIPT", "FLUSH")).isEqualTo("OK");
            }
            final long movedBefore = cluster.router().movedCount();
            for (int i = 0; i < TAGS; i++)
            {
                final String key = tag(i) + ":counter:" + round;
                assertThat(script.eval(cluster, new Object[] {key}, 2)).isEqualTo(2L);
                assertThat(script.evalAsync(cluster, new Object[] {key}, 3).join()).isEqualTo(5L);
                assertThat(bytes(reader.evalReadOnly(cluster, new Object[] {key}))).isEqualTo("5");
            }
            assertThat(cluster.router().movedCount() - movedBefore).as("MOVED replies followed").isZero();
            // Loaded where it ran: every master now has it cached.
            for (final RedisNodeHandle master : redis.masters())
            {
                assertThat(redis.call(master, "SCRIPT", "EXISTS", script.sha1())).isEqualTo(List.of(1L));
            }
        }
    }

    @Test
    @Order(4)
    void streamsAndOtherKeyPositionsGoToTheOwnerWithoutMoved()
    {
        final SyncCommands redis = cluster.sync();
        final long movedBefore = cluster.router().movedCount();
        for (int i = 0; i < TAGS; i++)
        {
            final String stream = tag(i) + ":stream";
            final String other = tag(i) + ":other";
            redis.execute("XADD", stream, "*", "n", i);
            redis.execute("XADD", other, "*", "n", -i);
            assertThat(size(redis.execute("XREAD", "COUNT", 10, "STREAMS", stream, other, "0", "0"))).isEqualTo(2);
            assertThat(redis.execute("XGROUP", "CREATE", stream, "g", "0")).isEqualTo("OK");
            assertThat(size(redis.execute("XREADGROUP", "GROUP", "g", "c", "COUNT", 1, "STREAMS", stream, ">")))
                .isEqualTo(1);
            assertThat(redis.execute("XLEN", stream)).isEqualTo(1L);
            assertThat(redis.execute("XINFO", "STREAM", stream)).isNotNull();
            assertThat(size(zeroCopyObject("XREAD", "STREAMS", stream, "0"))).isEqualTo(1);
            redis.set(tag(i) + ":x", "abc");
            assertThat(redis.execute("BITOP", "NOT", tag(i) + ":y", tag(i) + ":x")).isEqualTo(3L);
            assertThat(bytes(redis.execute("OBJECT", "ENCODING", tag(i) + ":x"))).isEqualTo("embstr");
            assertThat(redis.execute("MEMORY", "USAGE", tag(i) + ":x")).isInstanceOf(Long.class);
            redis.rpush(tag(i) + ":l", "v");
            assertThat((List<?>)redis.execute("LMPOP", 2, tag(i) + ":none", tag(i) + ":l", "LEFT")).hasSize(2);
            redis.zadd(tag(i) + ":z1", 1, "m");
            assertThat(redis.execute("ZUNIONSTORE", tag(i) + ":z3", 2, tag(i) + ":z1", tag(i) + ":z2"))
                .isEqualTo(1L);
        }
        assertThat(cluster.router().movedCount() - movedBefore).as("MOVED replies followed").isZero();
    }

    @Test
    @Order(5)
    void scriptWorksOnAPromotedReplicaThatNeverSawIt(final LocalRedisCluster redis)
    {
        final Script script = Script.of("return redis.call('INCR', KEYS[1]) -- failover");
        final String key = "{failover}:n";
        assertThat(script.eval(cluster, new Object[] {key})).isEqualTo(1L);
        final RedisNodeHandle master = redis.nodeForKey(key);
        final RedisNodeHandle replica = redis.replicasOf(master).get(0);
        assertThat(redis.call(master, "SCRIPT", "EXISTS", script.sha1())).isEqualTo(List.of(1L));
        assertThat(redis.call(replica, "SCRIPT", "EXISTS", script.sha1())).isEqualTo(List.of(0L));
        assertThat(redis.call(master, "WAIT", "1", "5000")).as("replicas that acknowledged the key").isEqualTo(1L);
        redis.failoverTakeover(replica);
        final Object after = Await.succeeds(Duration.ofSeconds(20), () -> script.eval(cluster, new Object[] {key}),
            "the script answers on the promoted replica");
        assertThat(after).isEqualTo(2L);
        assertThat(redis.call(replica, "SCRIPT", "EXISTS", script.sha1())).isEqualTo(List.of(1L));
    }

    // ---------------------------------------------------------------------------------------------------------

    private static String bytes(final Object value)
    {
        return value == null ? null : new String((byte[])value, StandardCharsets.UTF_8);
    }

    /** Entries of a reply: an array (RESP2) or a map (RESP3, as XREAD answers). */
    private static int size(final Object reply)
    {
        return reply instanceof Map ? ((Map<?, ?>)reply).size() : ((List<?>)reply).size();
    }

    private static ReplyHandler ignoring()
    {
        return new ReplyHandler()
        {
            @Override
            public void onReply(final long token, final RespReader reply)
            {
            }

            @Override
            public void onFailure(final long token, final RedisException error)
            {
            }
        };
    }

    /** Zero-copy execute, the reply copied out in the handler as a bulk string's bytes. */
    private static Object zeroCopy(final Object... args)
    {
        final AtomicReference<Object> result = new AtomicReference<>();
        final long code = cluster.execute(new ReplyHandler()
        {
            @Override
            public void onReply(final long token, final RespReader reply)
            {
                result.set(reply.type() == RespType.ERROR ? new AssertionError(reply.stringValue()) :
                    reply.stringValue().getBytes(StandardCharsets.UTF_8));
            }

            @Override
            public void onFailure(final long token, final RedisException error)
            {
                result.set(error);
            }
        }, 0, args);
        assertThat(code).isGreaterThanOrEqualTo(0);
        final Object value = Await.value(Duration.ofSeconds(5), result::get, v -> v != null, "the reply");
        assertThat(value).isNotInstanceOf(Throwable.class);
        return value;
    }

    /** Zero-copy execute, the reply's top-level array elements counted. */
    private static Object zeroCopyObject(final Object... args)
    {
        final AtomicReference<Object> result = new AtomicReference<>();
        cluster.execute(new ReplyHandler()
        {
            @Override
            public void onReply(final long token, final RespReader reply)
            {
                result.set(reply.type() == RespType.ERROR ? new AssertionError(reply.stringValue()) :
                    java.util.Collections.nCopies(reply.count(), "element"));
            }

            @Override
            public void onFailure(final long token, final RedisException error)
            {
                result.set(error);
            }
        }, 0, args);
        final Object value = Await.value(Duration.ofSeconds(5), result::get, v -> v != null, "the reply");
        assertThat(value).isNotInstanceOf(Throwable.class);
        return value;
    }
}
