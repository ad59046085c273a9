package io.slotring.cluster;

import io.slotring.codec.SlotHash;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.slotring.launcher.LocalRedisCluster;
import io.slotring.launcher.RedisNodeHandle;
import io.slotring.launcher.RedisReplyError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The refresher against frozen masters (SIGSTOP: sockets open, nothing answered), which only a bound of its own on
 * each topology query and a liveness probe can notice before the command timeout breaks their connections; and
 * the settings and spacing rules behind that. Timings are logged; the asserted bounds are several times what a
 * working refresher needs and well under what one waiting for the command timeout takes.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TopologyRefresherTest
{
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void topologyQueryTimeoutAndLivenessProbeIntervalAreValidatedAndDefaulted()
    {
        final ClusterConfig defaults = ClusterConfig.create().seeds("127.0.0.1:7000").conclude();
        assertThat(defaults.topologyQueryTimeoutNs()).isEqualTo(TimeUnit.SECONDS.toNanos(1));
        assertThat(defaults.livenessProbeIntervalNs()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(500));
        assertThatThrownBy(() -> ClusterConfig.create().topologyQueryTimeout(Duration.ZERO))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("topologyQueryTimeout must be > 0");
        assertThatThrownBy(() -> ClusterConfig.create().topologyQueryTimeout(Duration.ofMillis(-1)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("topologyQueryTimeout must be > 0");
        assertThatThrownBy(() -> ClusterConfig.create().livenessProbeInterval(Duration.ofMillis(-1)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("livenessProbeInterval must be >= 0");
        assertThat(ClusterConfig.create().livenessProbeInterval(Duration.ZERO).livenessProbeIntervalNs()).isZero();

        // Never longer than the command timeout: the engine would fail the query at that deadline anyway.
        final ClusterConfig shortCommands = ClusterConfig.create().seeds("127.0.0.1:7000")
            .commandTimeout(Duration.ofMillis(300)).topologyQueryTimeout(Duration.ofSeconds(2)).conclude();
        assertThat(new TopologyRefresher(new ClusterRouter(shortCommands), shortCommands).queryTimeoutNs())
            .isEqualTo(300 * MS);
        final ClusterConfig shortQueries = ClusterConfig.create().seeds("127.0.0.1:7000")
            .topologyQueryTimeout(Duration.ofMillis(200)).conclude();
        assertThat(new TopologyRefresher(new ClusterRouter(shortQueries), shortQueries).queryTimeoutNs())
            .isEqualTo(200 * MS);
    }

    @Test
    void anExpectedFailoverHoldsTheSpacingDownForABoundedTimeOnly()
    {
        final long none = Long.MAX_VALUE;
        // Reported failed with a replica: the election is due.
        assertThat(TopologyRefresher.failoverSpacingCapNs(true, 0, true, 0))
            .isEqualTo(TopologyRefresher.FAILING_SPACING_NS);
        // Unreachable or stalled, not (yet) agreed failed: looked at again at least every SUSPECT_SPACING.
        assertThat(TopologyRefresher.failoverSpacingCapNs(false, 0, true, 0))
            .isEqualTo(TopologyRefresher.SUSPECT_SPACING_NS);
        // Past the windows the fault is a lasting one: the plain doubling applies.
        assertThat(TopologyRefresher.failoverSpacingCapNs(true, TopologyRefresher.FAILING_WINDOW_NS, true, 0))
            .isEqualTo(TopologyRefresher.SUSPECT_SPACING_NS);
        assertThat(TopologyRefresher.failoverSpacingCapNs(true, TopologyRefresher.FAILING_WINDOW_NS, true,
            TopologyRefresher.SUSPECT_WINDOW_NS)).isEqualTo(none);
        assertThat(TopologyRefresher.failoverSpacingCapNs(false, 0, false, 0)).isEqualTo(none);

        // A cap shortens a doubled spacing, never goes below the configured minimum, never lengthens one.
        assertThat(TopologyRefresher.cappedSpacingNs(6_400 * MS, 250 * MS, 100 * MS)).isEqualTo(250 * MS);
        assertThat(TopologyRefresher.cappedSpacingNs(6_400 * MS, 250 * MS, 500 * MS)).isEqualTo(500 * MS);
        assertThat(TopologyRefresher.cappedSpacingNs(100 * MS, 250 * MS, 100 * MS)).isEqualTo(100 * MS);
        assertThat(TopologyRefresher.cappedSpacingNs(6_400 * MS, none, 100 * MS)).isEqualTo(6_400 * MS);
    }

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
                // Probes notice the stall, but without a replica there is nothing to look for: no refreshes.
                MatrixSupport.sleepUntil(pausedAt + TimeUnit.SECONDS.toNanos(4));
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
                long promotedAt = 0;
                long routedAt = 0;
                final long giveUp = frozenAt + TimeUnit.SECONDS.toNanos(25);
                while ((promotedAt == 0 || routedAt == 0) && System.nanoTime() - giveUp < 0)
                {
                    if (promotedAt == 0 && isMaster(redis, replica))
                    {
                        promotedAt = System.nanoTime();
                    }
                    if (routedAt == 0 && replica.address().equals(client.masterAddressOf(slot)))
                    {
                        routedAt = System.nanoTime();
                    }
                    Thread.sleep(10);
                }
                assertThat(promotedAt).as("the replica was promoted").isNotZero();
                assertThat(routedAt).as("the client routed the slot to the promoted replica").isNotZero();
                System.out.printf("frozen master, no load: promotion %d ms after the freeze, routed to the replica " +
                    "%d ms after the promotion, %d refreshes since the freeze%n",
                    TimeUnit.NANOSECONDS.toMillis(promotedAt - frozenAt),
                    TimeUnit.NANOSECONDS.toMillis(routedAt - promotedAt),
                    client.topologyRefreshCount() - refreshesAtFreeze);
                assertThat(routedAt - promotedAt).as("ns from the promotion to the client routing to the replica")
                    .isLessThan(TimeUnit.SECONDS.toNanos(5));
                assertThat(client.sync().set(key, "after")).isEqualTo("OK");
                assertThat(client.sync().get(key)).isEqualTo("after");

                // The failed master serves nothing any more: back to the periodic rate (30 s).
                MatrixSupport.sleepUntil(routedAt + TimeUnit.SECONDS.toNanos(3));
                final long before = client.topologyRefreshCount();
                MatrixSupport.sleepUntil(routedAt + TimeUnit.SECONDS.toNanos(7));
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

    private static boolean isMaster(final LocalRedisCluster redis, final RedisNodeHandle node)
    {
        try
        {
            final Object role = redis.call(node, Duration.ofMillis(500), "ROLE");
            return role instanceof List && "master".equals(((List<?>)role).get(0));
        }
        catch (final UncheckedIOException | RedisReplyError ex)
        {
            return false;
        }
    }
}
