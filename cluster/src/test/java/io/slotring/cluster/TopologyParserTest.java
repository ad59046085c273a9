package io.slotring.cluster;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.slotring.engine.RedisServerException;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The parser over hand-built replies in the shapes the engine's converter produces: RESP3 maps with String keys,
 * RESP2 flat key/value arrays with byte[] keys, bulk strings as byte[], integers as Long.
 */
class TopologyParserTest
{
    private static final String A = id('a');
    private static final String B = id('b');
    private static final String C = id('c');
    private static final String A1 = id('1');
    private static final String B1 = id('2');
    private static final String C1 = id('3');
    private static final String ANSWERING = "10.9.9.9";

    // ----------------------------------------------------------------------------------------------- CLUSTER SHARDS

    @Nested
    class Shards
    {
        @Test
        void resp3MapsDescribeMastersReplicasAndEverySlot()
        {
            final TopologyDescription topology = TopologyParser.parseShards(threeShards(true), ANSWERING);

            assertThreeShardTopology(topology);
            assertThat(topology.nodeById(A).replicationOffset()).isEqualTo(1000L);
            assertThat(topology.nodeById(B1).health()).isEqualTo(NodeDescription.Health.LOADING);
            assertThat(topology.nodeById(C1).health()).isEqualTo(NodeDescription.Health.FAILED);
            assertThat(topology.nodeById(A).health()).isEqualTo(NodeDescription.Health.ONLINE);
        }

        @Test
        void healthFailAsRedis70SendsItMeansFailed()
        {
            // Redis 7.0.15 reports a node marked failed as "fail", not the documented "failed".
            final TopologyDescription topology = TopologyParser.parseShards(threeShards(true, "fail"), ANSWERING);

            assertThat(topology.nodeById(C1).health()).isEqualTo(NodeDescription.Health.FAILED);
            assertThat(topology.uncoveredSlots()).isZero();
        }

        @Test
        void resp2FlatArraysParseIdenticallyToResp3Maps()
        {
            final TopologyDescription resp3 = TopologyParser.parseShards(threeShards(true), ANSWERING);
            final TopologyDescription resp2 = TopologyParser.parseShards(threeShards(false), ANSWERING);

            assertThreeShardTopology(resp2);
            assertThat(resp2.masters()).isEqualTo(resp3.masters());
            assertThat(resp2.replicas()).isEqualTo(resp3.replicas());
            assertThat(resp2.slotToMasterIndex()).isEqualTo(resp3.slotToMasterIndex());
        }

        @Test
        void textAsStringsParsesLikeBulkStrings()
        {
            // As from a client that decodes bulk strings, e.g. the launcher's admin connection.
            final List<Object> shards = list(shard(false, List.of(0L, 16383L),
                node(false, A, 7000, "127.0.0.1", "127.0.0.1", "master", "online")));
            stringify(shards);
            final TopologyDescription topology = TopologyParser.parseShards(shards, ANSWERING);
            assertThat(topology.masters()).extracting(NodeDescription::nodeId).containsExactly(A);
            assertThat(topology.uncoveredSlots()).isZero();
        }

        @Test
        void hostPrefersEndpointThenIpThenTheAnsweringHost()
        {
            final List<Object> shards = list(
                shard(true, List.of(0L, 99L),
                    node(true, A, 7000, "10.0.0.1", "redis-a.example", "master", "online")),
                shard(true, List.of(100L, 199L),
                    node(true, B, 7001, "10.0.0.2", "?", "master", "online")),
                shard(true, List.of(200L, 299L),
                    node(true, C, 7002, "", "", "master", "online")),
                shard(true, List.of(),
                    node(true, A1, 7003, "?", "?", "master", "online")),
                shard(true, List.of(),
                    node(true, B1, 7004, "10.0.0.5", null, "master", "online")));

            final TopologyDescription topology = TopologyParser.parseShards(shards, ANSWERING);

            assertThat(topology.nodeById(A).host()).isEqualTo("redis-a.example");
            assertThat(topology.nodeById(B).host()).isEqualTo("10.0.0.2");
            assertThat(topology.nodeById(C).host()).isEqualTo(ANSWERING);
            assertThat(topology.nodeById(A1).host()).isEqualTo(ANSWERING);
            assertThat(topology.nodeById(B1).host()).isEqualTo("10.0.0.5");
            assertThat(topology.nodeById(C).address()).isEqualTo(ANSWERING + ":7002");
        }

        @Test
        void tlsPortIsUsedWhenThereIsNoPlainPort()
        {
            final Map<Object, Object> node = map("id", bytes(A), "tls-port", 7443L, "ip", bytes("10.0.0.1"),
                "endpoint", bytes("10.0.0.1"), "role", bytes("master"), "health", bytes("online"));
            final TopologyDescription topology = TopologyParser.parseShards(
                list(map("slots", list(0L, 16383L), "nodes", list(node))), ANSWERING);
            assertThat(topology.nodeById(A).port()).isEqualTo(7443);
        }

        @Test
        void slotsOfAShardMayBeSeveralRangesAndAMasterMayHaveNone()
        {
            final List<Object> shards = list(
                shard(true, List.of(0L, 9L, 20L, 16383L),
                    node(true, A, 7000, "h", "h", "master", "online")),
                shard(true, List.of(10L, 19L),
                    node(true, B, 7001, "h", "h", "master", "online")),
                shard(true, List.of(),
                    node(true, C, 7002, "h", "h", "master", "online"),
                    node(true, C1, 7005, "h", "h", "replica", "online")));

            final TopologyDescription topology = TopologyParser.parseShards(shards, ANSWERING);

            assertThat(topology.uncoveredSlots()).isZero();
            assertThat(topology.masters()).extracting(NodeDescription::nodeId).containsExactly(A, B, C);
            assertThat(topology.nodeById(A).slotRanges()).containsExactly(0, 9, 20, 16383);
            assertThat(topology.nodeById(A).slotCount()).isEqualTo(16374);
            assertThat(topology.masterFor(15).nodeId()).isEqualTo(B);
            assertThat(topology.nodeById(C).slotRangeCount()).isZero();
            assertThat(topology.replicasOf(topology.nodeById(C))).extracting(NodeDescription::nodeId)
                .containsExactly(C1);
        }

        @Test
        void aFailedOldMasterDoesNotTakeTheShardsSlotsFromTheNewOne()
        {
            final List<Object> shards = list(shard(true, List.of(0L, 16383L),
                node(true, A, 7000, "h", "h", "master", "failed"),
                node(true, A1, 7003, "h", "h", "master", "online"),
                node(true, B1, 7004, "h", "h", "replica", "online")));

            final TopologyDescription topology = TopologyParser.parseShards(shards, ANSWERING);

            assertThat(topology.masterFor(0).nodeId()).isEqualTo(A1);
            assertThat(topology.nodeById(A).slotCount()).isZero();
            assertThat(topology.nodeById(B1).masterId()).isEqualTo(A1);
        }

        @Test
        void uncoveredSlotsAreCountedAndMapToNoMaster()
        {
            final TopologyDescription topology = TopologyParser.parseShards(list(
                shard(true, List.of(0L, 99L), node(true, A, 7000, "h", "h", "master", "online"))), ANSWERING);

            assertThat(topology.uncoveredSlots()).isEqualTo(16384 - 100);
            assertThat(topology.masterFor(99).nodeId()).isEqualTo(A);
            assertThat(topology.masterFor(100)).isNull();
            assertThat(topology.masterIndexFor(100)).isEqualTo(TopologyDescription.UNCOVERED);
            assertThat(TopologyParser.parseShards(list(), ANSWERING).uncoveredSlots()).isEqualTo(16384);
        }
    }

    // ------------------------------------------------------------------------------------------------ CLUSTER SLOTS

    @Nested
    class Slots
    {
        @Test
        void resp3AndResp2SlotsDescribeTheSameClusterAsShards()
        {
            final TopologyDescription shards = TopologyParser.parseShards(threeShards(true), ANSWERING);
            for (final boolean resp3 : new boolean[]{ true, false })
            {
                final TopologyDescription slots = TopologyParser.parseSlots(threeRanges(resp3), ANSWERING);
                assertThat(slots.uncoveredSlots()).isZero();
                assertThat(slots.masters()).extracting(NodeDescription::nodeId).containsExactly(A, B, C);
                assertThat(slots.replicas()).extracting(NodeDescription::nodeId).containsExactly(A1, B1, C1);
                assertThat(slots.slotToMasterIndex()).isEqualTo(shards.slotToMasterIndex());
                for (final NodeDescription node : shards.masters())
                {
                    final NodeDescription same = slots.nodeById(node.nodeId());
                    assertThat(same.address()).isEqualTo(node.address());
                    assertThat(same.slotRanges()).isEqualTo(node.slotRanges());
                }
                for (final NodeDescription node : slots.replicas())
                {
                    assertThat(node.masterId()).isEqualTo(shards.nodeById(node.nodeId()).masterId());
                    // CLUSTER SLOTS says nothing of health or offsets.
                    assertThat(node.health()).isEqualTo(NodeDescription.Health.ONLINE);
                    assertThat(node.replicationOffset()).isEqualTo(NodeDescription.UNKNOWN_OFFSET);
                }
            }
        }

        @Test
        void preRedis7EntriesWithoutMetadataParse()
        {
            final List<Object> reply = list(
                list(0L, 8191L, list(bytes("127.0.0.1"), 7000L, bytes(A)), list(bytes("127.0.0.1"), 7003L, bytes(A1))),
                list(8192L, 16383L, list(bytes("127.0.0.1"), 7001L, bytes(B))));

            final TopologyDescription topology = TopologyParser.parseSlots(reply, ANSWERING);

            assertThat(topology.uncoveredSlots()).isZero();
            assertThat(topology.masterFor(8191).nodeId()).isEqualTo(A);
            assertThat(topology.masterFor(8192).nodeId()).isEqualTo(B);
            assertThat(topology.replicasOf(topology.nodeById(A))).extracting(NodeDescription::nodeId)
                .containsExactly(A1);
            assertThat(topology.replicasOf(topology.nodeById(B))).isEmpty();
        }

        @Test
        void aNodeInSeveralRangesIsOneNodeOwningAllOfThem()
        {
            final List<Object> reply = list(
                list(0L, 100L, slotsNode(true, "h", 7000, A, "h"), slotsNode(true, "h", 7003, A1, "h")),
                list(101L, 101L, slotsNode(true, "h", 7001, B, "h")),
                list(102L, 200L, slotsNode(true, "h", 7000, A, "h"), slotsNode(true, "h", 7003, A1, "h")),
                list(201L, 16383L, slotsNode(true, "h", 7000, A, "h"), slotsNode(true, "h", 7003, A1, "h")));

            final TopologyDescription topology = TopologyParser.parseSlots(reply, ANSWERING);

            assertThat(topology.masters()).extracting(NodeDescription::nodeId).containsExactly(A, B);
            assertThat(topology.replicas()).extracting(NodeDescription::nodeId).containsExactly(A1);
            // Touching ranges merge.
            assertThat(topology.nodeById(A).slotRanges()).containsExactly(0, 100, 102, 16383);
            assertThat(topology.nodeById(B).slotRanges()).containsExactly(101, 101);
            assertThat(topology.uncoveredSlots()).isZero();
        }

        @Test
        void twoNodesMayShareAnAddressBecauseNodesAreKeyedById()
        {
            final List<Object> reply = list(
                list(0L, 100L, slotsNode(true, "h", 7000, A, "h")),
                list(101L, 200L, slotsNode(true, "h", 7000, B, "h")));

            final TopologyDescription topology = TopologyParser.parseSlots(reply, ANSWERING);

            assertThat(topology.masters()).extracting(NodeDescription::nodeId).containsExactly(A, B);
        }

        @Test
        void hostFallsBackFromEndpointToMetadataIpToTheAnsweringHost()
        {
            final List<Object> reply = list(
                list(0L, 0L, slotsNode(true, "redis-a.example", 7000, A, "10.0.0.1")),
                list(1L, 1L, slotsNode(true, "?", 7001, B, "10.0.0.2")),
                list(2L, 2L, slotsNode(false, "", 7002, C, "10.0.0.3")),
                list(3L, 3L, list(bytes(""), 7003L, bytes(A1))),
                list(4L, 4L, list(bytes("?"), 7004L, bytes(B1), map())),
                // Nil: unknown-endpoint, i.e. behind an address only the client knows.
                list(5L, 5L, slotsNode(true, null, 7005, C1, "10.0.0.6")));

            final TopologyDescription topology = TopologyParser.parseSlots(reply, ANSWERING);

            assertThat(topology.nodeById(A).host()).isEqualTo("redis-a.example");
            assertThat(topology.nodeById(B).host()).isEqualTo("10.0.0.2");
            assertThat(topology.nodeById(C).host()).isEqualTo("10.0.0.3");
            assertThat(topology.nodeById(A1).host()).isEqualTo(ANSWERING);
            assertThat(topology.nodeById(B1).host()).isEqualTo(ANSWERING);
            assertThat(topology.nodeById(C1).host()).isEqualTo(ANSWERING);
        }
    }

    // ------------------------------------------------------------------------------------------------------- errors

    @Nested
    class Errors
    {
        @Test
        void notAnArray()
        {
            assertRejected(() -> TopologyParser.parseShards(null, ANSWERING),
                "CLUSTER SHARDS reply", "expected an array of shards", "got nil");
            assertRejected(() -> TopologyParser.parseSlots(bytes("OK"), ANSWERING),
                "CLUSTER SLOTS reply", "expected an array", "got bulk string \"OK\"");
            assertRejected(() -> TopologyParser.parseShards(new RedisServerException("ERR unknown command"), ANSWERING),
                "expected an array", "error reply \"ERR unknown command\"");
        }

        @Test
        void malformedShard()
        {
            assertRejected(() -> TopologyParser.parseShards(list(5L), ANSWERING),
                "shard #0", "expected a map or a flat key/value array", "got integer 5");
            assertRejected(() -> TopologyParser.parseShards(list(list(bytes("slots"))), ANSWERING),
                "shard #0", "alternating keys and values", "odd count");
            assertRejected(() -> TopologyParser.parseShards(list(map("nodes", list())), ANSWERING),
                "shard #0", "expected a \"slots\" field", "got fields [nodes]");
            assertRejected(() -> TopologyParser.parseShards(list(map("slots", list(0L), "nodes", list())), ANSWERING),
                "shard #0 \"slots\"", "start, end slot pairs", "odd count");
            assertRejected(() -> TopologyParser.parseShards(list(map("slots", list(0L, 16384L), "nodes", list())),
                ANSWERING), "expected a slot in 0..16383", "got 16384");
            assertRejected(() -> TopologyParser.parseShards(list(map("slots", list(9L, 3L), "nodes", list())),
                ANSWERING), "expected start <= end", "got 9..3");
            assertRejected(() -> TopologyParser.parseShards(list(map("slots", list(bytes("0"), 5L), "nodes", list())),
                ANSWERING), "expected an integer", "got bulk string \"0\"");
            assertRejected(() -> TopologyParser.parseShards(list(map("slots", list(), "nodes", 3L)), ANSWERING),
                "shard #0 \"nodes\"", "expected an array of nodes", "got integer 3");
            assertRejected(() -> TopologyParser.parseShards(list(map(5L, list())), ANSWERING),
                "shard #0 key", "expected a string", "got integer 5");
        }

        @Test
        void malformedShardNode()
        {
            assertRejected(() -> parseOneNode(map("id", bytes(A), "ip", bytes("h"), "role", bytes("master"))),
                "shard #0 node #0", "expected a \"port\" or \"tls-port\" field");
            assertRejected(() -> parseOneNode(map("id", bytes(A), "port", bytes("7000"), "role", bytes("master"))),
                "node #0 \"port\"", "expected an integer", "got bulk string \"7000\"");
            assertRejected(() -> parseOneNode(map("id", bytes(A), "port", 70000L, "role", bytes("master"))),
                "expected a port in 0..65535", "got 70000");
            assertRejected(() -> parseOneNode(map("port", 7000L, "role", bytes("master"))),
                "expected a \"id\" field");
            assertRejected(() -> parseOneNode(map("id", bytes(""), "port", 7000L, "role", bytes("master"))),
                "expected a node id", "got an empty string");
            assertRejected(() -> parseOneNode(map("id", bytes(A), "port", 7000L, "role", bytes("primary"))),
                "node #0 \"role\"", "expected \"master\" or \"replica\"", "got bulk string \"primary\"");
            assertRejected(() -> parseOneNode(map("id", bytes(A), "port", 7000L, "role", bytes("master"),
                "health", bytes("sick"))), "\"health\"", "expected \"online\", \"loading\" or \"failed\"",
                "got bulk string \"sick\"");
            assertRejected(() -> parseOneNode(map("id", bytes(A), "port", 7000L, "role", null)),
                "expected a \"role\" field", "got nil");
        }

        @Test
        void inconsistentShards()
        {
            assertRejected(() -> TopologyParser.parseShards(list(
                shard(true, List.of(0L, 100L), node(true, A1, 7003, "h", "h", "replica", "online")),
                shard(true, List.of(), node(true, A, 7000, "h", "h", "master", "online"))), ANSWERING),
                "shard #0", "expected a master to own slots 0-100", "got only replicas");
            assertRejected(() -> TopologyParser.parseShards(list(
                shard(true, List.of(0L, 100L), node(true, A, 7000, "h", "h", "master", "online")),
                shard(true, List.of(50L, 200L), node(true, B, 7001, "h", "h", "master", "online"))), ANSWERING),
                "expected each slot to have one master", "slot 50 claimed by " + A + " and " + B);
            assertRejected(() -> TopologyParser.parseShards(list(
                shard(true, List.of(0L, 100L), node(true, A, 7000, "h", "h", "master", "online")),
                shard(true, List.of(), node(true, A, 7000, "h", "h", "master", "online"))), ANSWERING),
                "expected node ids to be unique", A + " twice");
        }

        @Test
        void malformedSlots()
        {
            assertRejected(() -> TopologyParser.parseSlots(list(list(0L, 100L)), ANSWERING),
                "CLUSTER SLOTS entry #0", "expected an array [start, end, master, replica...]", "array of 2");
            assertRejected(() -> TopologyParser.parseSlots(list(list(0L, 100L, list(bytes("h"), 7000L))), ANSWERING),
                "entry #0 master", "[endpoint, port, id, metadata?]", "array of 2");
            assertRejected(() -> TopologyParser.parseSlots(list(list(0L, -1L, slotsNode(true, "h", 7000, A, "h"))),
                ANSWERING), "entry #0 end", "expected a slot in 0..16383", "got -1");
            assertRejected(() -> TopologyParser.parseSlots(list(list(7L, 6L, slotsNode(true, "h", 7000, A, "h"))),
                ANSWERING), "entry #0", "expected start <= end", "got 7..6");
            assertRejected(() -> TopologyParser.parseSlots(list(list(0L, 1L, slotsNode(true, "h", 7000, A, "h"),
                list(bytes("h"), 7001L, 42L))), ANSWERING), "entry #0 replica #0 id", "expected a string",
                "got integer 42");
            assertRejected(() -> TopologyParser.parseSlots(list(list(0L, 1L,
                list(bytes("h"), 7000L, bytes(A), bytes("meta")))), ANSWERING),
                "entry #0 master metadata", "expected a map or a flat key/value array", "got bulk string \"meta\"");
            assertRejected(() -> TopologyParser.parseSlots(list(list(0L, 1L, 5L)), ANSWERING),
                "entry #0 master", "expected an array [endpoint, port, id, metadata?]", "got integer 5");
        }

        @Test
        void inconsistentSlots()
        {
            assertRejected(() -> TopologyParser.parseSlots(list(
                list(0L, 100L, slotsNode(true, "h", 7000, A, "h"), slotsNode(true, "h", 7001, B, "h")),
                list(101L, 200L, slotsNode(true, "h", 7001, B, "h"))), ANSWERING),
                "entry #1 master", "expected node " + B + " to keep its role", "got master after replica of " + A);
            assertRejected(() -> TopologyParser.parseSlots(list(
                list(0L, 100L, slotsNode(true, "h", 7000, A, "h")),
                list(101L, 200L, slotsNode(true, "h", 7009, A, "h"))), ANSWERING),
                "expected node " + A + " to keep its address h:7000", "got h:7009");
            assertRejected(() -> TopologyParser.parseSlots(list(
                list(0L, 100L, slotsNode(true, "h", 7000, A, "h")),
                list(100L, 200L, slotsNode(true, "h", 7001, B, "h"))), ANSWERING),
                "slot 100 claimed by " + A + " and " + B);
        }

        private TopologyDescription parseOneNode(final Map<Object, Object> node)
        {
            return TopologyParser.parseShards(list(map("slots", list(), "nodes", list(node))), ANSWERING);
        }

        private void assertRejected(final Runnable parse, final String... fragments)
        {
            assertThatThrownBy(parse::run).isInstanceOf(IllegalArgumentException.class).message()
                .contains(fragments);
        }
    }

    // ------------------------------------------------------------------------------------------------- descriptions

    @Test
    void nodeDescriptionNormalisesRangesAndRejectsImpossibleOnes()
    {
        final NodeDescription node = new NodeDescription(A, "h", 7000, NodeDescription.Role.MASTER,
            NodeDescription.Health.ONLINE, new int[]{ 200, 300, 0, 10, 11, 20, 250, 260 }, null, 5);
        assertThat(node.slotRanges()).containsExactly(0, 20, 200, 300);
        assertThat(node.slotCount()).isEqualTo(21 + 101);
        assertThat(node.slotRangeStart(1)).isEqualTo(200);
        assertThat(node.slotRangeEnd(1)).isEqualTo(300);

        assertThatThrownBy(() -> new NodeDescription(A1, "h", 7003, NodeDescription.Role.REPLICA,
            NodeDescription.Health.ONLINE, new int[]{ 0, 1 }, A, 0)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("expected replica " + A1 + " to own no slots");
        assertThatThrownBy(() -> new NodeDescription(A, "h", 7000, NodeDescription.Role.MASTER,
            NodeDescription.Health.ONLINE, new int[]{ 5, 1 }, null, 0)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("got 5..1");
        // The description is immutable: the caller's array and the returned copy are not its state.
        final int[] ranges = { 0, 5 };
        final NodeDescription copied = new NodeDescription(A, "h", 7000, NodeDescription.Role.MASTER,
            NodeDescription.Health.ONLINE, ranges, null, 0);
        ranges[1] = 9;
        copied.slotRanges()[1] = 9;
        assertThat(copied.slotRanges()).containsExactly(0, 5);
    }

    @Test
    void topologyDescriptionLooksUpReplicasById()
    {
        final TopologyDescription topology = TopologyParser.parseShards(threeShards(true), ANSWERING);
        final NodeDescription foreignA = new NodeDescription(A, "elsewhere", 1, NodeDescription.Role.MASTER,
            NodeDescription.Health.ONLINE, null, null, 0);
        assertThat(topology.replicasOf(foreignA)).extracting(NodeDescription::nodeId).containsExactly(A1);
        assertThat(topology.replicasOf(new NodeDescription(id('f'), "h", 1, NodeDescription.Role.MASTER,
            NodeDescription.Health.ONLINE, null, null, 0))).isEmpty();
        assertThat(topology.nodeById(id('f'))).isNull();
        assertThatThrownBy(() -> topology.masters().add(foreignA)).isInstanceOf(UnsupportedOperationException.class);
    }

    // -------------------------------------------------------------------------------------------------- fixtures

    private static void assertThreeShardTopology(final TopologyDescription topology)
    {
        assertThat(topology.uncoveredSlots()).isZero();
        assertThat(topology.masters()).extracting(NodeDescription::nodeId).containsExactly(A, B, C);
        assertThat(topology.masters()).extracting(NodeDescription::port).containsExactly(7000, 7001, 7002);
        assertThat(topology.masters()).allMatch(NodeDescription::isMaster);
        assertThat(topology.replicas()).extracting(NodeDescription::nodeId).containsExactly(A1, B1, C1);
        assertThat(topology.replicas()).extracting(NodeDescription::masterId).containsExactly(A, B, C);
        assertThat(topology.replicas()).noneMatch(NodeDescription::isMaster);
        assertThat(topology.masterFor(0).nodeId()).isEqualTo(A);
        assertThat(topology.masterFor(5460).nodeId()).isEqualTo(A);
        assertThat(topology.masterFor(5461).nodeId()).isEqualTo(B);
        assertThat(topology.masterFor(16383).nodeId()).isEqualTo(C);
        assertThat(topology.masterIndexFor(10923)).isEqualTo(2);
        assertThat(topology.replicasOf(0)).extracting(NodeDescription::nodeId).containsExactly(A1);
        assertThat(topology.replicasOf(topology.nodeById(C))).extracting(NodeDescription::port).containsExactly(7005);
        assertThat(topology.nodeById(B1).host()).isEqualTo("127.0.0.1");
    }

    // -------------------------------------------------------------------------------- CLUSTER SHARDS vs CLUSTER SLOTS

    /**
     * Redis 7 and Valkey up to 7.2.5 can answer CLUSTER SHARDS, after a failover, with the shard of the failed
     * primary and its promoted replica listing no slots, while CLUSTER SLOTS from the same node (its slot table)
     * names the promoted replica: the refresher cross-checks and keeps the view covering more slots.
     */
    @Nested
    class CrossCheck
    {
        @Test
        void aShardWithoutSlotsAfterAFailoverLosesToClusterSlotsThatCoversThem()
        {
            for (final boolean resp3 : new boolean[]{ true, false })
            {
                final TopologyDescription shards = TopologyParser.parseShards(list(
                    shard(resp3, List.of(),
                        node(resp3, A, 7000, "127.0.0.1", "127.0.0.1", "master", "fail"),
                        node(resp3, A1, 7003, "127.0.0.1", "127.0.0.1", "master", "online")),
                    shard(resp3, List.of(5461L, 16383L),
                        node(resp3, B, 7001, "127.0.0.1", "127.0.0.1", "master", "online"))), ANSWERING);
                assertThat(shards.uncoveredSlots()).isEqualTo(5461);
                assertThat(shards.masterFor(0)).isNull();

                final TopologyDescription slots = TopologyParser.parseSlots(list(
                    list(0L, 5460L, slotsNode(resp3, "127.0.0.1", 7003, A1, null)),
                    list(5461L, 16383L, slotsNode(resp3, "127.0.0.1", 7001, B, null))), ANSWERING);

                final TopologyDescription chosen = TopologyRefresher.moreCovering(shards, slots);
                assertThat(chosen).isSameAs(slots);
                assertThat(chosen.uncoveredSlots()).isZero();
                assertThat(chosen.masterFor(0).nodeId()).isEqualTo(A1);
                assertThat(chosen.masterFor(0).address()).isEqualTo("127.0.0.1:7003");
            }
        }

        @Test
        void clusterShardsStaysWhenClusterSlotsCoversNoMore()
        {
            final TopologyDescription shards = TopologyParser.parseShards(threeShards(true), ANSWERING);
            final TopologyDescription slots = TopologyParser.parseSlots(threeRanges(true), ANSWERING);
            // Equal coverage: CLUSTER SHARDS also says which replicas are loading or failed.
            assertThat(TopologyRefresher.moreCovering(shards, slots)).isSameAs(shards);

            final TopologyDescription partial = TopologyParser.parseShards(list(
                shard(true, List.of(0L, 99L), node(true, A, 7000, "h", "h", "master", "online"))), ANSWERING);
            final TopologyDescription lessCovering = TopologyParser.parseSlots(list(
                list(0L, 9L, slotsNode(true, "h", 7000, A, null))), ANSWERING);
            assertThat(TopologyRefresher.moreCovering(partial, lessCovering)).isSameAs(partial);
        }
    }

    /** Three shards, listed out of slot order, one with its replica before its master. */
    private static List<Object> threeShards(final boolean resp3)
    {
        return threeShards(resp3, "failed");
    }

    private static List<Object> threeShards(final boolean resp3, final String failedHealth)
    {
        return list(
            shard(resp3, List.of(5461L, 10922L),
                node(resp3, B, 7001, "127.0.0.1", "127.0.0.1", "master", "online"),
                node(resp3, B1, 7004, "127.0.0.1", "127.0.0.1", "replica", "loading")),
            shard(resp3, List.of(0L, 5460L),
                node(resp3, A, 7000, "127.0.0.1", "127.0.0.1", "master", "online"),
                node(resp3, A1, 7003, "127.0.0.1", "127.0.0.1", "replica", "online")),
            shard(resp3, List.of(10923L, 16383L),
                node(resp3, C1, 7005, "127.0.0.1", "127.0.0.1", "replica", failedHealth),
                node(resp3, C, 7002, "127.0.0.1", "127.0.0.1", "master", "online")));
    }

    /** The same cluster as {@link #threeShards(boolean)} in CLUSTER SLOTS form, with 7.x metadata. */
    private static List<Object> threeRanges(final boolean resp3)
    {
        return list(
            list(0L, 5460L, slotsNode(resp3, "127.0.0.1", 7000, A, null), slotsNode(resp3, "127.0.0.1", 7003, A1,
                null)),
            list(5461L, 10922L, slotsNode(resp3, "127.0.0.1", 7001, B, null),
                slotsNode(resp3, "127.0.0.1", 7004, B1, null)),
            list(10923L, 16383L, slotsNode(resp3, "127.0.0.1", 7002, C, null),
                slotsNode(resp3, "127.0.0.1", 7005, C1, null)));
    }

    private static Object shard(final boolean resp3, final List<Long> slots, final Object... nodes)
    {
        return fields(resp3, "slots", new ArrayList<Object>(slots), "nodes", list(nodes));
    }

    private static Object node(
        final boolean resp3,
        final String id,
        final int port,
        final String ip,
        final String endpoint,
        final String role,
        final String health)
    {
        final List<Object> fields = new ArrayList<>(List.of("id", bytes(id), "port", (long)port));
        if (ip != null)
        {
            fields.addAll(List.of("ip", bytes(ip)));
        }
        if (endpoint != null)
        {
            fields.addAll(List.of("endpoint", bytes(endpoint)));
        }
        fields.addAll(List.of("role", bytes(role), "replication-offset", 1000L, "health", bytes(health)));
        return fields(resp3, fields.toArray());
    }

    /** {@code [endpoint, port, id, {ip: metadataIp}]}; no "ip" entry when {@code metadataIp} is null. */
    private static List<Object> slotsNode(
        final boolean resp3,
        final String endpoint,
        final int port,
        final String id,
        final String metadataIp)
    {
        final Object metadata = metadataIp == null ? fields(resp3) : fields(resp3, "ip", bytes(metadataIp));
        return list(endpoint == null ? null : bytes(endpoint), (long)port, bytes(id), metadata);
    }

    /** A RESP3 map with String keys, or a RESP2 flat array with byte[] keys, as the engine's converter gives. */
    private static Object fields(final boolean resp3, final Object... keysAndValues)
    {
        if (resp3)
        {
            return map(keysAndValues);
        }
        final List<Object> flat = new ArrayList<>(keysAndValues.length);
        for (int i = 0; i < keysAndValues.length; i += 2)
        {
            flat.add(bytes((String)keysAndValues[i]));
            flat.add(keysAndValues[i + 1]);
        }
        return flat;
    }

    private static Map<Object, Object> map(final Object... keysAndValues)
    {
        final Map<Object, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2)
        {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    /** A mutable list that, unlike {@code List.of}, accepts nil elements. */
    private static List<Object> list(final Object... items)
    {
        return new ArrayList<>(Arrays.asList(items));
    }

    /** Replaces every byte[] in the nested reply with a String. */
    @SuppressWarnings("unchecked")
    private static void stringify(final List<Object> reply)
    {
        for (int i = 0; i < reply.size(); i++)
        {
            final Object item = reply.get(i);
            if (item instanceof byte[])
            {
                reply.set(i, new String((byte[])item, StandardCharsets.UTF_8));
            }
            else if (item instanceof List)
            {
                stringify((List<Object>)item);
            }
        }
    }

    private static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String id(final char c)
    {
        return String.valueOf(c).repeat(40);
    }
}
