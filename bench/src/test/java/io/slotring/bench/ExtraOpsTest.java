package io.slotring.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import redis.clients.jedis.util.JedisClusterCRC16;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ExtraOpsTest
{
    private static final String NODES =
        "a1 127.0.0.1:7000@17000 myself,master - 0 0 1 connected 0-5460\n" +
        "b2 127.0.0.1:7001@17001 master - 0 0 2 connected 5461-10922 [5461->-c3]\n" +
        "c3 127.0.0.1:7002@17002 master - 0 0 3 connected 10923-16383\n" +
        "d4 127.0.0.1:7003@17003 slave a1 0 0 1 connected\n";

    @Test
    void opsParseAndOnlyEvalReadsKeys()
    {
        assertThat(Op.parse("eval")).isEqualTo(Op.EVAL);
        assertThat(Op.parse(" PubSub ")).isEqualTo(Op.PUBSUB);
        assertThat(Op.EVAL.needsKeys()).isTrue();
        assertThat(Op.PUBSUB.needsKeys()).isFalse();
        assertThat(Op.EVAL.isSet(4)).isFalse();
        assertThat(Op.PUBSUB.extra()).isTrue();
        assertThat(Op.MIXED.extra()).isFalse();
    }

    @Test
    void onlyTheBatchClientsRunTheExtraOps()
    {
        assertThat(ExtraOps.supports(ClientFactory.SLOTRING, Op.EVAL)).isTrue();
        assertThat(ExtraOps.supports(ClientFactory.LETTUCE_MANUAL, Op.PUBSUB)).isTrue();
        assertThat(ExtraOps.supports(ClientFactory.JEDIS_SYNC, Op.PUBSUB)).isFalse();
        assertThat(ExtraOps.supports(ClientFactory.JEDIS_SYNC, Op.GET)).isTrue();
        assertThat(RedisBenchmarkRunner.supports(Op.EVAL)).isTrue();
        assertThat(RedisBenchmarkRunner.supports(Op.PUBSUB)).isFalse();
        assertThat(ExtraOps.redisBenchmarkGap(Op.PUBSUB)).contains("n/a");
    }

    @Test
    void slotOwnersFollowClusterNodesAndSkipMigrationsAndReplicas()
    {
        final String[] owners = PubSubChannels.slotOwners(NODES);
        assertThat(owners[0]).isEqualTo("127.0.0.1:7000");
        assertThat(owners[5461]).isEqualTo("127.0.0.1:7001");
        assertThat(owners[16383]).isEqualTo("127.0.0.1:7002");
        assertThat(Arrays.stream(owners).filter(o -> o == null).count()).isZero();
    }

    @Test
    void channelsLandOnEveryMasterAlike()
    {
        final String[] owners = PubSubChannels.slotOwners(NODES);
        final List<String> channels = PubSubChannels.place(owners, 2);
        assertThat(channels).hasSize(6).doesNotHaveDuplicates();
        final Map<String, Integer> perMaster = new HashMap<>();
        for (final String channel : channels)
        {
            assertThat(channel).matches("bench:ps:\\{[0-9]+}");
            perMaster.merge(owners[JedisClusterCRC16.getSlot(channel)], 1, Integer::sum);
        }
        assertThat(perMaster).containsOnly(Map.entry("127.0.0.1:7000", 2), Map.entry("127.0.0.1:7001", 2),
            Map.entry("127.0.0.1:7002", 2));
        assertThatThrownBy(() -> PubSubChannels.place(new String[16384], 1)).hasMessageContaining("no master");
    }

    @Test
    void payloadHeaderRoundTrips()
    {
        final byte[] payload = Workload.pad("", 32, (byte)'P');
        PubSubClient.writeLong(payload, 0, -2L);
        PubSubClient.writeLong(payload, 8, 0x0123_4567_89AB_CDEFL);
        assertThat(PubSubClient.readLong(payload, 0)).isEqualTo(-2L);
        assertThat(PubSubClient.readLong(payload, 8)).isEqualTo(0x0123_4567_89AB_CDEFL);
        assertThat(payload[16]).isEqualTo((byte)'P');
    }

    @Test
    void redisBenchmarkSendsTheSameScriptByItsDigest()
    {
        final Cluster cluster = Cluster.of(List.of("127.0.0.1:7000"), List.of("127.0.0.1:7000", "127.0.0.1:7001"));
        final BenchSettings settings = new BenchSettings(List.of(Op.EVAL), List.of(), 4, 4, 512, 512, 8, 1000, 1, 0,
            1, 0, null, 2, false, 0, Path.of("unused"), false, 5, "test");
        final RedisBenchmarkRunner runner = new RedisBenchmarkRunner(Path.of("/usr/bin/redis-benchmark"), cluster,
            settings, System.err);
        final List<String> args = runner.arguments(Op.EVAL, 1000, false);
        assertThat(args).containsSequence("EVALSHA", EvalClient.SHA1, "1");
        assertThat(args.get(args.size() - 1)).startsWith(RedisBenchmarkRunner.TEMPLATE_PREFIX).hasSize(512);
        assertThat(EvalClient.SHA1).hasSize(40);
        assertThat(EvalClient.SOURCE.getBytes(StandardCharsets.UTF_8)).isNotEmpty();
    }
}
