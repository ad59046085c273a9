package io.slotring.cluster;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import io.slotring.codec.SlotHash;
import io.slotring.engine.ClientConfig;
import io.slotring.engine.RedisClient;
import io.slotring.launcher.Await;
import io.slotring.launcher.LocalCluster;
import io.slotring.launcher.LocalRedisCluster;
import io.slotring.launcher.RedisNodeHandle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The parser against the replies of a real 3-master, 1-replica-each cluster, fetched three ways: the engine's
 * client in RESP3 (maps) and in RESP2 (flat arrays), converted by the engine exactly as the cluster client's
 * refresher will see them, and the launcher's admin connection (text as String).
 * <p>
 * A freshly started cluster's replicas have replication offset 0 until the first write, and Redis 7.0 then reports
 * them as "loading" in CLUSTER SHARDS and leaves them out of CLUSTER SLOTS altogether. So the class writes to every
 * master and waits until every node reports the replicas, after checking that CLUSTER SHARDS described them before.
 */
@LocalCluster(masters = 3, replicasPerMaster = 1)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TopologyParserClusterIT
{
    private static LocalRedisCluster cluster;
    private static RedisClient resp3;
    private static RedisClient resp2;
    private static Map<String, RedisNodeHandle> nodesByMyId;
    private static TopologyDescription beforeFirstWrite;

    @BeforeAll
    static void connect(final LocalRedisCluster localCluster)
    {
        cluster = localCluster;
        final RedisNodeHandle seed = cluster.masters().get(0);
        resp3 = RedisClient.connect(ClientConfig.create().address(seed.host(), seed.port()));
        resp2 = RedisClient.connect(ClientConfig.create().address(seed.host(), seed.port()).preferResp3(false));
        nodesByMyId = new HashMap<>();
        for (final RedisNodeHandle node : cluster.nodes())
        {
            final Object myId = cluster.call(node, "CLUSTER", "MYID");
            assertThat(myId).as("CLUSTER MYID of %s", node).isInstanceOf(String.class);
            nodesByMyId.put((String)myId, node);
        }
        assertThat(nodesByMyId).hasSize(6);

        beforeFirstWrite = TopologyParser.parseShards(cluster.call(seed, "CLUSTER", "SHARDS"), seed.host());
        writeToEveryMaster(beforeFirstWrite);
        awaitReplicasReportedEverywhere();
    }

    private static void writeToEveryMaster(final TopologyDescription topology)
    {
        for (final NodeDescription master : topology.masters())
        {
            int i = 0;
            while (!topology.masterFor(SlotHash.slot("warm-up:" + i)).nodeId().equals(master.nodeId()))
            {
                i++;
            }
            cluster.call(nodesByMyId.get(master.nodeId()), "SET", "warm-up:" + i, "x");
        }
    }

    private static void awaitReplicasReportedEverywhere()
    {
        Await.value(Duration.ofSeconds(30), TopologyParserClusterIT::nodeNotReportingReplicas, Objects::isNull,
            "replicas reported online by every node (the last value is a node that did not)");
    }

    /** @return a node that does not report all three replicas online yet, with what it says; null if none. */
    private static String nodeNotReportingReplicas()
    {
        for (final RedisNodeHandle node : cluster.nodes())
        {
            final TopologyDescription slots = TopologyParser.parseSlots(
                cluster.call(node, "CLUSTER", "SLOTS"), node.host());
            final TopologyDescription shards = TopologyParser.parseShards(
                cluster.call(node, "CLUSTER", "SHARDS"), node.host());
            if (slots.replicas().size() != 3 ||
                !shards.replicas().stream().allMatch(r -> r.health() == NodeDescription.Health.ONLINE))
            {
                return node + " says\nCLUSTER SLOTS: " + slots + "\nCLUSTER SHARDS: " + shards;
            }
        }
        return null;
    }

    @AfterAll
    static void close()
    {
        if (resp3 != null)
        {
            resp3.close();
        }
        if (resp2 != null)
        {
            resp2.close();
        }
    }

    @Test
    void clusterShardsDescribesReplicasEvenBeforeTheFirstWrite()
    {
        assertMatchesCluster(beforeFirstWrite, true);
    }

    @Test
    void clusterShardsInResp3()
    {
        final Object reply = resp3.sync().execute("CLUSTER", "SHARDS");
        // The shape this test is about: shards and nodes as maps.
        assertThat(((List<?>)reply).get(0)).isInstanceOf(Map.class);
        assertMatchesCluster(TopologyParser.parseShards(reply, "127.0.0.1"), true);
    }

    @Test
    void clusterShardsInResp2()
    {
        final Object reply = resp2.sync().execute("CLUSTER", "SHARDS");
        assertThat(((List<?>)reply).get(0)).isInstanceOf(List.class);
        assertMatchesCluster(TopologyParser.parseShards(reply, "127.0.0.1"), true);
    }

    @Test
    void clusterSlotsInResp3AndResp2()
    {
        assertMatchesCluster(TopologyParser.parseSlots(resp3.sync().execute("CLUSTER", "SLOTS"), "127.0.0.1"), false);
        assertMatchesCluster(TopologyParser.parseSlots(resp2.sync().execute("CLUSTER", "SLOTS"), "127.0.0.1"), false);
    }

    @Test
    void everyNodeDescribesTheSameTopologyThroughTheLauncher()
    {
        // Replicas answer too, and the launcher's replies carry text as String rather than byte[].
        for (final RedisNodeHandle node : cluster.nodes())
        {
            final TopologyDescription shards = TopologyParser.parseShards(
                cluster.call(node, "CLUSTER", "SHARDS"), node.host());
            final TopologyDescription slots = TopologyParser.parseSlots(
                cluster.call(node, "CLUSTER", "SLOTS"), node.host());
            assertMatchesCluster(shards, true);
            assertMatchesCluster(slots, false);
            assertThat(slots.slotToMasterIndex()).isEqualTo(shards.slotToMasterIndex());
        }
    }

    private static void assertMatchesCluster(final TopologyDescription topology, final boolean reportsHealth)
    {
        assertThat(topology.uncoveredSlots()).as("%s", topology).isZero();
        assertThat(topology.masters()).hasSize(3);
        assertThat(topology.replicas()).hasSize(3);

        for (final NodeDescription master : topology.masters())
        {
            final RedisNodeHandle node = nodesByMyId.get(master.nodeId());
            assertThat(node).as("master %s is a node whose CLUSTER MYID matches", master).isNotNull();
            assertThat(node.isMaster()).as("%s", master).isTrue();
            assertThat(master.host()).isEqualTo(node.host());
            assertThat(master.port()).isEqualTo(node.port());
            assertThat(master.masterId()).isNull();
            if (reportsHealth)
            {
                assertThat(master.health()).as("%s", master).isEqualTo(NodeDescription.Health.ONLINE);
                assertThat(master.replicationOffset()).as("%s", master).isNotNegative();
            }

            final List<NodeDescription> replicas = topology.replicasOf(master);
            assertThat(replicas).as("replicas of %s", master).hasSize(1);
            final NodeDescription replica = replicas.get(0);
            final RedisNodeHandle replicaNode = nodesByMyId.get(replica.nodeId());
            assertThat(replicaNode).as("replica %s is a node whose CLUSTER MYID matches", replica).isNotNull();
            assertThat(replicaNode.isMaster()).isFalse();
            assertThat(replicaNode.masterId()).as("launcher's view of %s", replica).isEqualTo(master.nodeId());
            assertThat(replica.masterId()).isEqualTo(master.nodeId());
            assertThat(replica.port()).isEqualTo(replicaNode.port());
            assertThat(replica.host()).isEqualTo(replicaNode.host());
            // "loading" before the first write (see the class comment), never failed here.
            assertThat(replica.health()).as("%s", replica).isNotEqualTo(NodeDescription.Health.FAILED);
        }

        // Every slot routes to the master the cluster itself names for it, checked at the range edges.
        for (final int slot : new int[]{ 0, 5460, 5461, 10922, 10923, 16383 })
        {
            assertThat(topology.masterFor(slot).nodeId()).as("slot %d", slot)
                .isEqualTo(cluster.nodeForSlot(slot).nodeId());
        }
        for (final RedisNodeHandle node : cluster.nodes())
        {
            assertThat(topology.nodeById(node.nodeId())).as("%s", node).isNotNull();
        }
    }
}
