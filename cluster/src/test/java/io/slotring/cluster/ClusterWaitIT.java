package io.slotring.cluster;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.slotring.codec.SlotHash;
import io.slotring.launcher.LocalCluster;
import io.slotring.launcher.LocalRedisCluster;
import io.slotring.launcher.RedisNodeHandle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * WAIT routed by key to the slot's master, on a dedicated connection, counting replicas that acknowledged the
 * client's earlier writes (not merely the dedicated connection's own, which would be none).
 */
@LocalCluster(masters = 3, replicasPerMaster = 1)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ClusterWaitIT
{
    private static ClusterClient cluster;
    private static LocalRedisCluster redis;

    @BeforeAll
    static void connect(final LocalRedisCluster launched)
    {
        redis = launched;
        cluster = ClusterClient.connect(ClusterConfig.create().seeds(launched.seeds())
            .commandTimeout(Duration.ofSeconds(1)));
    }

    @AfterAll
    static void close()
    {
        cluster.close();
    }

    @Test
    void waitCountsTheReplicaOnlyOnceItAcknowledgedTheWrite() throws Exception
    {
        cluster.sync().set("{acked}k", "1");
        assertThat(cluster.wait("{acked}k", 1, Duration.ofSeconds(2)).get(5, TimeUnit.SECONDS)).isEqualTo(1L);

        final RedisNodeHandle master = redis.nodeForSlot(SlotHash.slot("{acked}"));
        final RedisNodeHandle replica = redis.replicasOf(master).get(0);
        redis.pause(replica);
        try
        {
            // The replica is connected but frozen: it cannot acknowledge the new write, so WAIT times out with 0.
            cluster.sync().set("{acked}k", "2");
            // What the no-op write before WAIT is for: a plain WAIT on a dedicated connection (executeOn sends it
            // as is) compares that connection's own last write offset, which the replica acknowledged before it
            // froze, so it counts the frozen replica at once.
            assertThat(cluster.executeOn(master.host() + ':' + master.port(), "WAIT", 1, 300)
                .get(5, TimeUnit.SECONDS)).isEqualTo(1L);
            final long start = System.nanoTime();
            assertThat(cluster.wait("{acked}k", 1, Duration.ofMillis(300)).get(5, TimeUnit.SECONDS)).isZero();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(250L, 1300L);
        }
        finally
        {
            redis.resume(replica);
        }
        assertThat(cluster.wait("{acked}k", 1, Duration.ofSeconds(2)).get(5, TimeUnit.SECONDS)).isEqualTo(1L);
        // WAIT 0 answers at once, with the replicas that already acknowledged the no-op write just before it.
        assertThat(cluster.wait("{acked}", 0, Duration.ZERO).get(5, TimeUnit.SECONDS)).isBetween(0L, 1L);
        assertThat(cluster.sync().exists("{acked}k")).isEqualTo(1L);
        assertThatThrownBy(() -> cluster.wait("{acked}", -1, Duration.ofSeconds(1)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("replicas >= 0");
    }
}
