package io.slotring.cluster;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The refresher's settings and spacing rules, without a cluster: the topology query timeout and liveness probe
 * interval, and how an expected failover caps the spacing of refreshes. Against frozen masters: {@link
 * TopologyRefresherIT}.
 */
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
}
