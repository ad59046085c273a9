package io.slotring.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.slotring.codec.SlotHash;
import io.slotring.launcher.Await;
import io.slotring.launcher.LocalRedisCluster;
import io.slotring.launcher.RedisNodeHandle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The refresher against frozen masters (SIGSTOP: sockets open, nothing answered), which only a bound of its own on
 * each topology query and a liveness probe can notice before the command timeout breaks their connections. Timings
 * are logged; the asserted bounds are several times what a working refresher needs and well under what one waiting
 * for the command timeout takes. The settings and spacing rules behind it are in {@link TopologyRefresherTest}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TopologyRefresherIT
{
    /**
     * Three masters without replicas, one frozen. Each refresh must finish long before the (20 s) command timeout
     * whichever master it asks first: rotation puts the frozen one first in one of any three refreshes. Nothing
     * can replace the frozen master, so its stall must not drive refreshes either.
     */
    @Test
    void aFrozenNodeHoldsUpNeitherARefreshNorCausesAStormWhenNothingCanReplaceIt() throws Exception
    {
        try (LocalRedisCluster redis = LocalRedisCluster.builder().masters(3).replicasPerMaster(0)
            .nodeTimeoutMillis(1000).start();
            ClusterClient client = ClusterClient.connect(ClusterConfig.create().seeds(redis.seeds())
                .topologyRefresh(Duration.ofSeconds(60), Duration.ofMillis(100))
                .topologyQueryTimeout(Duration.ofMillis(400))
                .commandTimeout(Duration.ofSeconds(20))))
        {
            final RedisNodeHandle frozen = redis.masters().get(0);
            // A second refresher over the client's router, driven from this thread (the client's stays idle).
            final TopologyRefresher refresher = new TopologyRefresher(client.router(), client.router().config());
            final List<Long> tookMs = new ArrayList<>();
            redis.pause(frozen);
            try
            {
                final long refreshesBefore = client.topologyRefreshCount();
                final long pausedAt = System.nanoTime();
                for (int i = 0; i < 3; i++)
                {
                    final long start = System.nanoTime();
                    assertThat(refresher.refreshOnce()).as("refresh %d: %s", i, refresher.lastFailure()).isTrue();
                    final long took = System.nanoTime() - start;
                    tookMs.add(TimeUnit.NANOSECONDS.toMillis(took));
                    assertThat(took).as("refresh %d with a frozen master (command timeout 20 s)", i)
                        .isLessThan(TimeUnit.SECONDS.toNanos(3));
                }
                refresher.close();
                // Probes notice the stall, but without a replica there is nothing to look for: no refreshes. The
                // window is fixed: the test counts what happens in it.
                ClusterTestSupport.sleepUntil(pausedAt + TimeUnit.SECONDS.toNanos(4));
                final long during = client.topologyRefreshCount() - refreshesBefore;
                System.out.printf("frozen master: refreshes took %s ms (query timeout 400 ms); the client's own " +
                    "refresher ran %d refreshes in the 4 s after the freeze%n", tookMs, during);
                assertThat(during).as("refreshes in 4 s while a master without replica is frozen")
                    .isLessThanOrEqualTo(1);
            }
            finally
            {
                redis.resume(frozen);
            }
        }
    }

    /**
     * A frozen master with a replica and no load at all: no command times out to break a connection, and the
     * periodic refresh (30 s) and the command timeout (10 s) are both far off. Only the liveness probe can notice,
     * and the refresher must then find the promotion soon after it happens; once it has, refreshes calm down.
     */
    @Test
    void aFrozenMasterIsReplacedWithoutAnyTrafficToNoticeIt() throws Exception
    {
        try (LocalRedisCluster redis = LocalRedisCluster.builder().masters(3).replicasPerMaster(1)
            .nodeTimeoutMillis(1000).start();
            ClusterClient client = ClusterClient.connect(ClusterConfig.create().seeds(redis.seeds())
                .topologyRefresh(Duration.ofSeconds(30), Duration.ofMillis(100))
                .commandTimeout(Duration.ofSeconds(10))))
        {
            final String key = "frozen-master";
            final int slot = SlotHash.slot(key);
            assertThat(client.sync().set(key, "before")).isEqualTo("OK");
            final RedisNodeHandle victim = redis.nodeForSlot(slot);
            final RedisNodeHandle replica = redis.replicasOf(victim).get(0);
            redis.call(victim, "WAIT", "1", "2000");
            final long refreshesAtFreeze = client.topologyRefreshCount();
            final long frozenAt = System.nanoTime();
            redis.pause(victim);
            try
            {
                // When each was first seen: [0] the replica says it is a master, [1] the client routes to it.
                final long[] seenAt = new long[2];
                Await.until(Duration.ofSeconds(25), () ->
                {
                    if (seenAt[0] == 0 && ClusterTestSupport.isMaster(redis, replica))
                    {
                        seenAt[0] = System.nanoTime();
                    }
                    if (seenAt[1] == 0 && replica.address().equals(client.masterAddressOf(slot)))
                    {
                        seenAt[1] = System.nanoTime();
                    }
                    return seenAt[0] != 0 && seenAt[1] != 0;
                }, "the replica promoted and the client routing the slot to it");
                final long promotedAt = seenAt[0];
                final long routedAt = seenAt[1];
                System.out.printf("frozen master, no load: promotion %d ms after the freeze, routed to the replica " +
                    "%d ms after the promotion, %d refreshes since the freeze%n",
                    TimeUnit.NANOSECONDS.toMillis(promotedAt - frozenAt),
                    TimeUnit.NANOSECONDS.toMillis(routedAt - promotedAt),
                    client.topologyRefreshCount() - refreshesAtFreeze);
                assertThat(routedAt - promotedAt).as("ns from the promotion to the client routing to the replica")
                    .isLessThan(TimeUnit.SECONDS.toNanos(5));
                assertThat(client.sync().set(key, "after")).isEqualTo("OK");
                assertThat(client.sync().get(key)).isEqualTo("after");

                // The failed master serves nothing any more: back to the periodic rate (30 s), counted in a window of
                // fixed length.
                ClusterTestSupport.sleepUntil(routedAt + TimeUnit.SECONDS.toNanos(3));
                final long before = client.topologyRefreshCount();
                ClusterTestSupport.sleepUntil(routedAt + TimeUnit.SECONDS.toNanos(7));
                final long during = client.topologyRefreshCount() - before;
                System.out.printf("refreshes in the 4 s window starting 3 s after the switch: %d%n", during);
                assertThat(during).as("refreshes in 4 s, 3 s after the switch (periodic 30 s)").isLessThanOrEqualTo(1);
            }
            finally
            {
                redis.resume(victim);
            }
        }
    }
}
