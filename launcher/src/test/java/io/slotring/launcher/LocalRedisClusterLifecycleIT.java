package io.slotring.launcher;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

class LocalRedisClusterLifecycleIT
{

    @ParameterizedTest(name = "{0} masters + 1 replica each")
    @ValueSource(ints = {3, 5})
    void comesUpAnswersAndLeavesNothingBehind(int masterCount)
    {
        List<Long> pids = new ArrayList<>();
        Path dir;
        try (LocalRedisCluster cluster = LocalRedisCluster.builder()
                .masters(masterCount).replicasPerMaster(1).nodeTimeoutMillis(2000).start())
        {
            dir = cluster.directory();
            assertThat(cluster.nodes()).hasSize(masterCount * 2);
            assertThat(cluster.masters()).hasSize(masterCount);
            assertThat(cluster.replicas()).hasSize(masterCount);
            for (RedisNodeHandle master : cluster.masters())
            {
                assertThat(cluster.replicasOf(master)).hasSize(1);
            }
            Set<Integer> ports = new HashSet<>();
            for (RedisNodeHandle node : cluster.nodes())
            {
                pids.add(node.pid());
                ports.add(node.port());
                assertThat(node.host()).isEqualTo("127.0.0.1");
                assertThat(node.nodeId()).hasSize(40);
                assertThat(node.isAlive()).isTrue();
                assertThat(node.directory()).startsWith(dir);
                assertThat(cluster.node(node.port())).isSameAs(node);
                String info = (String) cluster.call(node, "CLUSTER", "INFO");
                assertThat(Info.field(info, "cluster_state")).isEqualTo("ok");
                assertThat(Info.field(info, "cluster_known_nodes")).isEqualTo(Integer.toString(masterCount * 2));
            }
            assertThat(ports).hasSize(masterCount * 2);
            assertThat(cluster.seeds().split(",")).hasSize(masterCount).allMatch(s -> s.startsWith("127.0.0.1:"));

            Set<RedisNodeHandle> owners = new HashSet<>();
            for (int i = 0; i < 50; i++)
            {
                String key = "key:" + i;
                long redisSlot = (Long) cluster.call(cluster.masters().get(0), "CLUSTER", "KEYSLOT", key);
                assertThat(LocalRedisCluster.slotOf(key)).isEqualTo((int) redisSlot);
                RedisNodeHandle owner = cluster.nodeForKey(key);
                owners.add(owner);
                assertThat(owner.isMaster()).isTrue();
                assertThat(cluster.call(owner, "SET", key, "v" + i)).isEqualTo("OK");
                assertThat(cluster.call(owner, "GET", key)).isEqualTo("v" + i);
            }
            assertThat(owners).as("keys spread over every master").hasSize(masterCount);
            assertThat(cluster.nodeForSlot(0)).isSameAs(cluster.masters().get(0));
            assertThat(cluster.nodeForSlot(16383)).isSameAs(cluster.masters().get(masterCount - 1));
        }
        for (long pid : pids)
        {
            assertThat(LocalRedisServerIT.isRunning(pid)).as("pid %d after close", pid).isFalse();
        }
        assertThat(dir).doesNotExist();
    }
}
