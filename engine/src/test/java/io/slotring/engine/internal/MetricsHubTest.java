package io.slotring.engine.internal;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.slotring.engine.ClientMetrics;
import io.slotring.engine.CommandFamily;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Counter arithmetic, aggregation per node, command families and the interval histograms' figures, without I/O.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MetricsHubTest
{
    @Test
    void familiesFollowTheCommandTable()
    {
        assertThat(MetricsHub.family("GET")).isEqualTo(CommandFamily.READ.ordinal());
        assertThat(MetricsHub.family("mget")).isEqualTo(CommandFamily.READ.ordinal());
        assertThat(MetricsHub.family("SET")).isEqualTo(CommandFamily.WRITE.ordinal());
        assertThat(MetricsHub.family("DEL")).isEqualTo(CommandFamily.WRITE.ordinal());
        assertThat(MetricsHub.family("NOSUCHCOMMAND")).isEqualTo(CommandFamily.OTHER.ordinal());
        assertThat(MetricsHub.family(null)).isEqualTo(CommandFamily.OTHER.ordinal());
    }

    @Test
    void countersAggregatePerNodeAndInTotal()
    {
        final MetricsHub hub = new MetricsHub();
        final ConnectionCounters a0 = hub.register("a:1", "a:1#0", false);
        final ConnectionCounters a1 = hub.register("a:1", "a:1#1", false);
        final ConnectionCounters b0 = hub.register("b:2", "b:2#0", true);
        a0.onReply(false);
        a0.onReply(true);
        a0.onWritten(100);
        a0.onRead(40);
        a0.onConnected();
        a0.onConnected();
        a1.onReply(false);
        a1.onTimeoutWritten();
        a1.onMoved();
        a1.onAsk();
        b0.onRetryReply();
        b0.onTimeoutNotWritten();
        b0.onConnectionLost();
        b0.onBackPressureRefused();
        b0.onConnected();

        final ClientMetrics metrics = hub.snapshot(7);
        assertThat(metrics.topologyRefreshes()).isEqualTo(7);
        assertThat(metrics.nodes()).extracting(ClientMetrics.Node::address).containsExactly("a:1", "b:2");
        final ClientMetrics.Node a = metrics.node("a:1");
        assertThat(a.replica()).isFalse();
        assertThat(a.connections()).hasSize(2);
        assertThat(a.counters()).isEqualTo(new ClientMetrics.Counters(3, 1, 100, 40, 2, 1, 0, 1, 0, 0, 1, 1, 0));
        final ClientMetrics.Node b = metrics.node("b:2");
        assertThat(b.replica()).isTrue();
        assertThat(b.counters()).isEqualTo(new ClientMetrics.Counters(0, 0, 0, 0, 1, 0, 1, 0, 1, 1, 0, 0, 1));
        assertThat(metrics.total()).isEqualTo(a.counters().plus(b.counters()));
        assertThat(metrics.total().timeouts()).isEqualTo(2);
        assertThat(metrics.total().minus(a.counters())).isEqualTo(b.counters());
        assertThat(metrics.node("c:3")).isNull();

        b0.markClosed();
        final ClientMetrics later = hub.snapshot(7);
        assertThat(later.nodes()).extracting(ClientMetrics.Node::address).containsExactly("a:1");
        assertThat(later.total()).isEqualTo(metrics.total());
        assertThat(hub.snapshot(7).total()).as("a closed connection is folded in once").isEqualTo(metrics.total());
    }

    @Test
    void intervalHistogramsGivePercentilesAndReset()
    {
        final MetricsHub hub = new MetricsHub();
        for (int i = 1; i <= 1000; i++)
        {
            hub.record(CommandFamily.READ.ordinal(), i * 1_000L);
        }
        hub.record(CommandFamily.WRITE.ordinal(), -5);
        hub.record(CommandFamily.OTHER.ordinal(), Long.MAX_VALUE);

        final ClientMetrics metrics = hub.snapshot(0);
        final ClientMetrics.Latency reads = metrics.reads();
        assertThat(reads.count()).isEqualTo(1000);
        // Two significant digits: within 1 % of the exact figure.
        assertThat((double)reads.p50Ns()).isCloseTo(500_000, within(5_000.0));
        assertThat((double)reads.p99Ns()).isCloseTo(990_000, within(9_900.0));
        assertThat((double)reads.p999Ns()).isCloseTo(999_000, within(9_990.0));
        assertThat((double)reads.maxNs()).isCloseTo(1_000_000, within(10_000.0));
        assertThat((double)reads.meanNs()).isCloseTo(500_500, within(5_005.0));
        assertThat(metrics.writes().count()).as("negative clamped to 0").isEqualTo(1);
        assertThat(metrics.writes().maxNs()).isZero();
        assertThat(metrics.others().count()).isEqualTo(1);
        assertThat((double)metrics.others().maxNs()).as("clamped to the range")
            .isCloseTo(MetricsHub.HIGHEST_TRACKABLE_NS, within(MetricsHub.HIGHEST_TRACKABLE_NS / 100.0));

        final ClientMetrics next = hub.snapshot(0);
        assertThat(next.reads()).isEqualTo(ClientMetrics.Latency.EMPTY);
        hub.record(CommandFamily.READ.ordinal(), 2_000);
        assertThat(hub.snapshot(0).reads().count()).as("recycled interval histogram records again").isEqualTo(1);
    }

    @Test
    void countersWrittenByOneThreadAtATimeAreReadWhole() throws InterruptedException
    {
        final MetricsHub hub = new MetricsHub();
        final ConnectionCounters counters = hub.register("a:1", "a:1#0", false);
        final int perThread = 200_000;
        final CountDownLatch done = new CountDownLatch(1);
        // One driver writes while this thread reads: every read is a value the driver wrote, never decreasing.
        final Thread writer = new Thread(() ->
        {
            for (int i = 0; i < perThread; i++)
            {
                counters.onReply(i % 10 == 0);
                counters.onWritten(3);
            }
            done.countDown();
        });
        writer.start();
        long last = 0;
        while (done.getCount() > 0)
        {
            final ClientMetrics.Counters read = counters.read();
            assertThat(read.commands()).isGreaterThanOrEqualTo(last);
            last = read.commands();
        }
        writer.join();
        final ClientMetrics.Counters end = counters.read();
        assertThat(end.commands()).isEqualTo(perThread);
        assertThat(end.errorReplies()).isEqualTo(perThread / 10);
        assertThat(end.bytesWritten()).isEqualTo(3L * perThread);
    }
}
