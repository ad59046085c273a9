package io.slotring.cluster;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.slotring.launcher.LocalRedisCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Nodes that announce a hostname ({@code cluster-announce-hostname} with {@code cluster-preferred-endpoint-type
 * hostname}) are dialled by that name: CLUSTER SHARDS/SLOTS and MOVED name them by hostname, and the client
 * resolves it (off the I/O thread) instead of expecting an IP.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AnnouncedHostnameIT
{
    @Test
    void nodesAnnouncedByHostnameAreDialledByThatName() throws Exception
    {
        try (LocalRedisCluster cluster = LocalRedisCluster.builder().masters(3).replicasPerMaster(0)
            .config("cluster-announce-hostname", "localhost")
            .config("cluster-preferred-endpoint-type", "hostname")
            .start();
            ClusterClient client = ClusterClient.connect(ClusterConfig.create().seeds(cluster.seeds())
                .commandTimeout(Duration.ofSeconds(3))))
        {
            for (int slot = 0; slot < 16384; slot += 4096)
            {
                assertThat(client.masterAddressOf(slot)).as("slot %d", slot).startsWith("localhost:");
            }
            for (int i = 0; i < 100; i++)
            {
                assertThat(client.sync().set("host-key-" + i, "v" + i)).isEqualTo("OK");
            }
            for (int i = 0; i < 100; i++)
            {
                assertThat(client.sync().get("host-key-" + i)).isEqualTo("v" + i);
            }
        }
    }
}
