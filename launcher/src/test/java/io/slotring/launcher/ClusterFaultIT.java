package io.slotring.launcher;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * One shared cluster (via the extension) for all fault operations; each test derives what it needs from the current
 * topology.
 */
@LocalCluster(masters = 3, replicasPerMaster = 1, nodeTimeoutMillis = 2000, debugCommand = true,
        config = {"requirepass", "fault-pass"})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterFaultIT
{
    private static LocalRedisCluster shared;
    private final LocalRedisCluster cluster;

    ClusterFaultIT(LocalRedisCluster cluster)
    {
        this.cluster = cluster;
    }

    @BeforeAll
    static void capture(LocalRedisCluster cluster)
    {
        shared = cluster;
    }

    @Test
    @Order(1)
    void injectsOneSharedCluster(LocalRedisCluster parameter)
    {
        assertThat(parameter).isSameAs(cluster).isSameAs(shared);
        assertThat(cluster.masters()).hasSize(3);
        assertThat(cluster.call(cluster.masters().get(0), "CONFIG", "GET", "enable-debug-command"))
                .isEqualTo(List.of("enable-debug-command", "local"));
    }

    @Test
    @Order(2)
    void pauseResumeKillAndRestartAReplica()
    {
        RedisNodeHandle replica = cluster.replicas().get(0);
        cluster.pause(replica);
        assertThat(replica.isPaused()).isTrue();
        assertThatThrownBy(() -> cluster.call(replica, Duration.ofMillis(200),
            "PING")).isInstanceOf(UncheckedIOException.class);
        cluster.resume(replica);
        assertThat(cluster.call(replica, "PING")).isEqualTo("PONG");

        long oldPid = replica.pid();
        String id = replica.nodeId();
        cluster.kill(replica);
        assertThat(replica.isAlive()).isFalse();
        assertThat(LocalRedisServerIT.isRunning(oldPid)).isFalse();
        cluster.restart(replica);
        assertThat(replica.isAlive()).isTrue();
        cluster.awaitClusterOk(Duration.ofSeconds(30));
        assertThat(cluster.call(replica, "CLUSTER", "MYID")).as("same nodes.conf, same id").isEqualTo(id);
        assertThat(replica.role()).isEqualTo(RedisNodeHandle.Role.REPLICA);
    }

    @Test
    @Order(3)
    void failoverTakeoverPromotesAReplica()
    {
        RedisNodeHandle replica = cluster.replicas().get(0);
        RedisNodeHandle oldMaster = cluster.masters().stream()
                .filter(m -> m.nodeId().equals(replica.masterId())).findFirst().orElseThrow();
        cluster.failoverTakeover(replica);

        assertThat(replica.isMaster()).isTrue();
        assertThat(oldMaster.role()).isEqualTo(RedisNodeHandle.Role.REPLICA);
        assertThat(oldMaster.masterId()).isEqualTo(replica.nodeId());
        assertThat(cluster.replicasOf(replica)).containsExactly(oldMaster);
        for (RedisNodeHandle node : cluster.nodes())
        {
            String nodes = (String) cluster.call(node, "CLUSTER", "NODES");
            assertThat(ClusterView.parse(nodes).byId(replica.nodeId()).isMaster()).isTrue();
        }
    }

    @Test
    @Order(4)
    void moveSlotMovesKeysAndEveryNodeAgrees()
    {
        String tag = "{move}";
        int slot = LocalRedisCluster.slotOf(tag);
        RedisNodeHandle source = cluster.nodeForSlot(slot);
        for (int i = 0; i < 250; i++)
        {
            cluster.call(source, "SET", tag + i, "v" + i);
        }
        RedisNodeHandle target = cluster.masters().stream().filter(m -> m != source).findFirst().orElseThrow();

        cluster.moveSlot(slot, target);

        assertThat(cluster.nodeForSlot(slot)).isSameAs(target);
        for (RedisNodeHandle node : cluster.nodes())
        {
            ClusterView view = ClusterView.parse((String) cluster.call(node, "CLUSTER", "NODES"));
            assertThat(view.ownerOf(slot)).as("owner of %d according to %s", slot, node).isEqualTo(target.nodeId());
        }
        assertThat(cluster.call(target, "CLUSTER", "COUNTKEYSINSLOT", Integer.toString(slot))).isEqualTo(250L);
        assertThat(cluster.call(target, "GET", tag + 7)).isEqualTo("v7");
        assertThatThrownBy(() -> cluster.call(source, "GET", tag + 7))
                .isInstanceOfSatisfying(RedisReplyError.class, e -> assertThat(e.code()).isEqualTo("MOVED"));
    }

    @Test
    @Order(5)
    void slotCanBeHeldMidMigration()
    {
        String tag = "{hold}";
        int slot = LocalRedisCluster.slotOf(tag);
        RedisNodeHandle source = cluster.nodeForSlot(slot);
        cluster.call(source, "SET", tag + "a", "1");
        cluster.call(source, "SET", tag + "b", "2");
        RedisNodeHandle target = cluster.masters().stream().filter(m -> m != source).findFirst().orElseThrow();

        cluster.beginSlotMigration(slot, target);
        assertThat(cluster.migrateKeys(slot, target, 1)).isEqualTo(1);
        String moved = cluster.call(source, "EXISTS", tag + "a").equals(0L) ? tag + "a" : tag + "b";
        assertThatThrownBy(() -> cluster.call(source, "GET", moved))
                .isInstanceOfSatisfying(RedisReplyError.class, e -> assertThat(e.code()).isEqualTo("ASK"));
        assertThat(cluster.nodeForSlot(slot)).as("still owned by the source mid-migration").isSameAs(source);

        cluster.finishSlotMigration(slot, target);
        assertThat(cluster.nodeForSlot(slot)).isSameAs(target);
        assertThat(cluster.call(target, "MGET", tag + "a", tag + "b")).isEqualTo(List.of("1", "2"));
    }

    @Test
    @Order(6)
    void addMasterJoins()
    {
        int before = cluster.nodes().size();
        RedisNodeHandle added = cluster.addMaster();
        assertThat(cluster.nodes()).hasSize(before + 1).contains(added);
        assertThat(cluster.masters()).contains(added);
        for (RedisNodeHandle node : cluster.nodes())
        {
            String info = (String) cluster.call(node, "CLUSTER", "INFO");
            assertThat(Info.field(info, "cluster_known_nodes")).isEqualTo(Integer.toString(before + 1));
            assertThat(ClusterView.parse((String) cluster.call(node, "CLUSTER",
                "NODES")).byId(added.nodeId())).isNotNull();
        }
        int slot = LocalRedisCluster.slotOf("{new}");
        cluster.moveSlot(slot, added);
        cluster.call(added, "SET", "{new}x", "y");
        assertThat(cluster.call(cluster.nodeForKey("{new}x"), "GET", "{new}x")).isEqualTo("y");
    }

    @Test
    @Order(7)
    void killingAMasterFailsOverToItsReplica()
    {
        RedisNodeHandle master = cluster.masters().stream().filter(m -> !cluster.replicasOf(m).isEmpty())
                .findFirst().orElseThrow();
        RedisNodeHandle replica = cluster.replicasOf(master).get(0);
        cluster.kill(master);
        cluster.awaitClusterOk(Duration.ofSeconds(30));
        assertThat(replica.isMaster()).isTrue();
        assertThat(cluster.seeds()).doesNotContain(master.address()).contains(replica.address());

        cluster.restart(master);
        cluster.awaitClusterOk(Duration.ofSeconds(30));
        assertThat(master.role()).as("the old master rejoins as a replica").isEqualTo(RedisNodeHandle.Role.REPLICA);
        assertThat(master.masterId()).isEqualTo(replica.nodeId());
    }
}
