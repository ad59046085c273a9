package io.slotring.micrometer;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.slotring.engine.ClientMetrics;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link SlotringMeterBinder} over an in-memory snapshot source and a hand-driven clock: no server. */
class SlotringMeterBinderTest
{
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final AtomicReference<ClientMetrics> current = new AtomicReference<>();
    private final AtomicInteger snapshots = new AtomicInteger();
    private final AtomicLong clock = new AtomicLong(1_000);

    private static ClientMetrics.Counters counters(final long commands, final long moved, final long asked)
    {
        return new ClientMetrics.Counters(commands, 1, commands * 10, commands * 5, 1, 0, 0, 2, 3, 4, moved, asked,
            6);
    }

    private static ClientMetrics metrics(final ClientMetrics.Counters total, final List<ClientMetrics.Node> nodes,
        final ClientMetrics.Latency reads, final long refreshes)
    {
        return new ClientMetrics(0, SECOND, total, nodes, reads, ClientMetrics.Latency.EMPTY,
            ClientMetrics.Latency.EMPTY, refreshes);
    }

    private static ClientMetrics.Node node(final String address, final boolean replica,
        final ClientMetrics.Counters counters)
    {
        return new ClientMetrics.Node(address, replica, counters, List.of(counters));
    }

    private SlotringMeterBinder binder()
    {
        return new SlotringMeterBinder(() ->
        {
            snapshots.incrementAndGet();
            return current.get();
        }, Tags.of("client", "test"), Duration.ofSeconds(1), clock::get);
    }

    private static double counter(final SimpleMeterRegistry registry, final String name, final String... tags)
    {
        final FunctionCounter counter = registry.find(name).tags(tags).functionCounter();
        assertThat(counter).as(name + " " + String.join(",", tags)).isNotNull();
        return counter.count();
    }

    @Test
    void publishesTotalsNodesAndLatencyFromOneSnapshotPerPeriod()
    {
        final ClientMetrics.Counters a = counters(30, 2, 1);
        final ClientMetrics.Counters b = counters(70, 0, 0);
        current.set(metrics(a.plus(b), List.of(node("10.0.0.1:7000", false, a), node("10.0.0.2:7001", true, b)),
            new ClientMetrics.Latency(100, 2_000, 1_000, 9_000, 20_000, 50_000), 4));
        final SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (SlotringMeterBinder binder = binder())
        {
            binder.bindTo(registry);
            assertThat(counter(registry, "slotring.commands", "client", "test")).isEqualTo(100);
            assertThat(counter(registry, "slotring.bytes.written")).isEqualTo(1_000);
            assertThat(counter(registry, "slotring.bytes.read")).isEqualTo(500);
            assertThat(counter(registry, "slotring.error.replies")).isEqualTo(2);
            assertThat(counter(registry, "slotring.timeouts", "written", "true")).isEqualTo(4);
            assertThat(counter(registry, "slotring.timeouts", "written", "false")).isEqualTo(6);
            assertThat(counter(registry, "slotring.back.pressure.refusals")).isEqualTo(8);
            assertThat(counter(registry, "slotring.redirects", "type", "moved")).isEqualTo(2);
            assertThat(counter(registry, "slotring.redirects", "type", "ask")).isEqualTo(1);
            assertThat(counter(registry, "slotring.retry.replies")).isEqualTo(12);
            assertThat(counter(registry, "slotring.topology.refreshes")).isEqualTo(4);
            assertThat(counter(registry, "slotring.node.commands", "node", "10.0.0.1:7000", "role", "master"))
                .isEqualTo(30);
            assertThat(counter(registry, "slotring.node.commands", "node", "10.0.0.2:7001", "role", "replica"))
                .isEqualTo(70);
            assertThat(counter(registry, "slotring.node.redirects", "node", "10.0.0.1:7000", "type", "moved"))
                .isEqualTo(2);
            assertThat(registry.get("slotring.node.connections").tag("node", "10.0.0.1:7000").gauge().value())
                .isEqualTo(1);
            assertThat(registry.get("slotring.nodes").gauge().value()).isEqualTo(2);

            final FunctionTimer reads = registry.get("slotring.command.latency").tag("family", "read").functionTimer();
            assertThat(reads.count()).isEqualTo(100);
            assertThat(reads.totalTime(TimeUnit.NANOSECONDS)).isEqualTo(200_000);
            final TimeGauge p99 = registry.get("slotring.command.latency.percentile").tags("family", "read",
                "phi", "0.99").timeGauge();
            assertThat(p99.value(TimeUnit.NANOSECONDS)).isEqualTo(9_000);
            assertThat(registry.get("slotring.command.latency.max").tag("family", "read").timeGauge()
                .value(TimeUnit.MICROSECONDS)).isEqualTo(50);
            assertThat(registry.get("slotring.command.latency").tag("family", "write").functionTimer().count())
                .isZero();
            // Every read above shared the first snapshot.
            assertThat(snapshots.get()).isEqualTo(1);

            // A second later: a new snapshot; the latency interval adds up, the percentiles are the new interval's.
            current.set(metrics(a.plus(b).plus(counters(5, 0, 0)), List.of(node("10.0.0.1:7000", false, a),
                node("10.0.0.2:7001", true, b)), new ClientMetrics.Latency(50, 4_000, 3_000, 5_000, 6_000, 7_000), 4));
            clock.addAndGet(SECOND);
            assertThat(counter(registry, "slotring.commands")).isEqualTo(105);
            assertThat(reads.count()).isEqualTo(150);
            assertThat(reads.totalTime(TimeUnit.NANOSECONDS)).isEqualTo(400_000);
            assertThat(p99.value(TimeUnit.NANOSECONDS)).isEqualTo(5_000);
            assertThat(snapshots.get()).isEqualTo(2);
        }
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void nodesAppearAndRetireWithTheTopologyWithoutLeakingMeters()
    {
        final ClientMetrics.Counters a = counters(1, 0, 0);
        current.set(metrics(a, List.of(node("n1:1", false, a)), ClientMetrics.Latency.EMPTY, 1));
        final SimpleMeterRegistry registry = new SimpleMeterRegistry();
        final SlotringMeterBinder binder = binder();
        binder.bindTo(registry);
        final int perNode = registry.find("slotring.node.commands").tag("node", "n1:1").meters().size();
        assertThat(perNode).isEqualTo(1);
        final int fixed = registry.getMeters().size() - nodeMeters(registry, "n1:1");

        // A second node joins: registered at the scrape that first sees it.
        current.set(metrics(a.plus(a), List.of(node("n1:1", false, a), node("n2:2", false, a)),
            ClientMetrics.Latency.EMPTY, 2));
        clock.addAndGet(SECOND);
        registry.getMeters().forEach(SlotringMeterBinderTest::read);
        assertThat(nodeMeters(registry, "n2:2")).isEqualTo(nodeMeters(registry, "n1:1")).isPositive();

        // n1 leaves, n2 is now dialled as a replica (a new series with the new role).
        current.set(metrics(a.plus(a), List.of(node("n2:2", true, a)), ClientMetrics.Latency.EMPTY, 3));
        clock.addAndGet(SECOND);
        registry.getMeters().forEach(SlotringMeterBinderTest::read);
        assertThat(nodeMeters(registry, "n1:1")).isZero();
        assertThat(registry.find("slotring.node.commands").tag("node", "n2:2").tag("role", "replica").meters())
            .hasSize(1);
        assertThat(registry.find("slotring.node.commands").tag("node", "n2:2").tag("role", "master").meters())
            .isEmpty();

        // The client closed: no live node, totals stay; a failing source keeps the last snapshot, nothing throws.
        current.set(metrics(a.plus(a), List.of(), ClientMetrics.Latency.EMPTY, 3));
        clock.addAndGet(SECOND);
        registry.getMeters().forEach(SlotringMeterBinderTest::read);
        assertThat(registry.getMeters()).hasSize(fixed);
        assertThat(counter(registry, "slotring.commands")).isEqualTo(2);
        current.set(null);
        clock.addAndGet(SECOND);
        registry.getMeters().forEach(SlotringMeterBinderTest::read);
        assertThat(counter(registry, "slotring.commands")).isEqualTo(2);
        binder.close();
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void aThrowingSourceNeverFailsAScrape()
    {
        final SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (SlotringMeterBinder binder = new SlotringMeterBinder(() ->
        {
            throw new IllegalStateException("closed");
        }, Tags.empty()))
        {
            binder.bindTo(registry);
            registry.getMeters().forEach(SlotringMeterBinderTest::read);
            assertThat(counter(registry, "slotring.commands")).isZero();
            assertThat(registry.get("slotring.nodes").gauge().value()).isZero();
        }
    }

    private static int nodeMeters(final SimpleMeterRegistry registry, final String address)
    {
        int count = 0;
        for (final Meter meter : registry.getMeters())
        {
            if (address.equals(meter.getId().getTag("node")))
            {
                count++;
            }
        }
        return count;
    }

    private static void read(final Meter meter)
    {
        meter.measure().forEach(measurement -> measurement.getValue());
    }
}
