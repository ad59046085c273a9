package io.slotring.micrometer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.slotring.engine.Client;
import io.slotring.engine.ClientMetrics;
import io.slotring.engine.CommandFamily;

/**
 * Publishes a slotring client's {@link ClientMetrics} as Micrometer meters. Recording stays in slotring (plain
 * counters and HdrHistogram recorders, nothing allocated per command); Micrometer only reads snapshots, taken on the
 * thread that reads the meters (a scrape, a step registry's publisher).
 *
 * <pre>{@code
 * SlotringMeterBinder binder = SlotringMeterBinder.bind(client, registry, Tags.of("client", "sessions"));
 * ...
 * client.close();
 * binder.close();   // removes its meters from the registry
 * }</pre>
 *
 * <h2>Meters</h2>
 * Every meter carries the tags given to the constructor. Client-wide counters (connections closed for good
 * included) and per-node counters have distinct names, so every name has one set of tag keys (Prometheus needs
 * that) and summing the per-node series never double counts the total.
 * <table>
 * <caption>Client-wide counters ({@link FunctionCounter}s, cumulative since the client started)</caption>
 * <tr><th>name</th><th>tags</th><th>base unit</th><th>{@link ClientMetrics.Counters} field</th></tr>
 * <tr><td>{@code slotring.commands}</td><td></td><td>commands</td><td>commands</td></tr>
 * <tr><td>{@code slotring.error.replies}</td><td></td><td>replies</td><td>errorReplies</td></tr>
 * <tr><td>{@code slotring.bytes.written}</td><td></td><td>bytes</td><td>bytesWritten</td></tr>
 * <tr><td>{@code slotring.bytes.read}</td><td></td><td>bytes</td><td>bytesRead</td></tr>
 * <tr><td>{@code slotring.connects}</td><td></td><td>connections</td><td>connects</td></tr>
 * <tr><td>{@code slotring.reconnects}</td><td></td><td>connections</td><td>reconnects</td></tr>
 * <tr><td>{@code slotring.connections.lost}</td><td></td><td>connections</td><td>connectionsLost</td></tr>
 * <tr><td>{@code slotring.timeouts}</td><td>{@code written=true|false}</td><td>commands</td>
 *     <td>timeoutsWritten, timeoutsNotWritten</td></tr>
 * <tr><td>{@code slotring.back.pressure.refusals}</td><td></td><td>commands</td><td>backPressureRefusals</td></tr>
 * <tr><td>{@code slotring.redirects}</td><td>{@code type=moved|ask}</td><td>redirects</td>
 *     <td>moved, asked</td></tr>
 * <tr><td>{@code slotring.retry.replies}</td><td></td><td>replies</td><td>retryReplies</td></tr>
 * <tr><td>{@code slotring.topology.refreshes}</td><td></td><td>refreshes</td>
 *     <td>{@link ClientMetrics#topologyRefreshes()} (0 for a standalone client)</td></tr>
 * </table>
 * <p>Gauge {@code slotring.nodes}: nodes the client holds live connections to.
 * <p>Per node: the same counters (all but {@code slotring.topology.refreshes}) named {@code slotring.node.*}
 * ({@code slotring.node.commands}, {@code slotring.node.error.replies}, {@code slotring.node.bytes.written},
 * {@code slotring.node.bytes.read}, {@code slotring.node.connects}, {@code slotring.node.reconnects},
 * {@code slotring.node.connections.lost}, {@code slotring.node.timeouts}, {@code slotring.node.back.pressure.refusals},
 * {@code slotring.node.redirects}, {@code slotring.node.retry.replies}), tagged {@code node=host:port} and
 * {@code role=master|replica}, plus the gauge {@code slotring.node.connections} (live connections to the node). A
 * node's meters are registered at the first snapshot that lists it and removed at the first one that does not
 * (it left the topology, or the client closed): retired nodes leak no meters. A node that appears during a scrape
 * shows from the next one.
 * <table>
 * <caption>Latency, per command family (tag {@code family=read|write|other}, see {@link CommandFamily})</caption>
 * <tr><th>name</th><th>type</th><th>what</th></tr>
 * <tr><td>{@code slotring.command.latency}</td><td>{@link FunctionTimer}</td><td>commands completed and their total
 *     latency, cumulative over the snapshots this binder took (rates and means)</td></tr>
 * <tr><td>{@code slotring.command.latency.percentile}</td><td>{@link TimeGauge}, tag {@code phi=0.5|0.99|0.999}</td>
 *     <td>the percentile over the latest snapshot's interval; 0 when no command completed in it</td></tr>
 * <tr><td>{@code slotring.command.latency.max}</td><td>{@link TimeGauge}</td><td>the largest latency of the latest
 *     interval; 0 when none</td></tr>
 * </table>
 * <p>Latency runs from submission to the reply's arrival, redirects and retries included, with 1 % resolution.
 * Latency figures are interval figures ({@link ClientMetrics}): an application that also calls
 * {@link Client#metrics()} itself splits the intervals with this binder, so the commands of its intervals are missing
 * from {@code slotring.command.latency}; the counters are cumulative and unaffected.
 *
 * <h2>Snapshots</h2>
 * A snapshot reads every connection's counters and swaps the latency recorders' interval histograms, so it is taken
 * at most once per {@link #DEFAULT_MAX_SNAPSHOT_AGE}: the first meter read after that takes one, every other read
 * (the rest of the same scrape, another registry's scrape in the same second) reuses it. See {@link #snapshot()}.
 *
 * <p>Thread-safe. The binder keeps the client reachable while its meters are registered; {@link #close()} removes
 * them. After the client is closed its meters keep reading the last counters (closed connections stay in the
 * totals) and no read throws.
 */
public final class SlotringMeterBinder implements MeterBinder, AutoCloseable
{
    /**
     * How long a snapshot is reused: far longer than one scrape takes (milliseconds), far shorter than any useful
     * scrape or publishing interval (seconds to minutes).
     */
    public static final Duration DEFAULT_MAX_SNAPSHOT_AGE = Duration.ofSeconds(1);

    private static final String NODE_PREFIX = "slotring.node.";
    private static final String LATENCY = "slotring.command.latency";
    private static final double[] PHIS = {0.5, 0.99, 0.999};
    private static final String[] PHI_TAGS = {"0.5", "0.99", "0.999"};

    /** The counters published client-wide and per node (with {@link #NODE_PREFIX} instead of "slotring."). */
    private static final List<CounterDef> COUNTERS = List.of(
        new CounterDef("commands", "commands", Tags.empty(),
            "Replies that completed a command, error replies included", ClientMetrics.Counters::commands),
        new CounterDef("error.replies", "replies", Tags.empty(),
            "Commands answered with an error reply", ClientMetrics.Counters::errorReplies),
        new CounterDef("bytes.written", BaseUnits.BYTES, Tags.empty(),
            "Bytes written to the sockets, handshakes and PINGs included", ClientMetrics.Counters::bytesWritten),
        new CounterDef("bytes.read", BaseUnits.BYTES, Tags.empty(),
            "Bytes read from the sockets", ClientMetrics.Counters::bytesRead),
        new CounterDef("connects", BaseUnits.CONNECTIONS, Tags.empty(),
            "Connection handshakes completed", ClientMetrics.Counters::connects),
        new CounterDef("reconnects", BaseUnits.CONNECTIONS, Tags.empty(),
            "Handshakes completed after a connection's first", ClientMetrics.Counters::reconnects),
        new CounterDef("connections.lost", BaseUnits.CONNECTIONS, Tags.empty(),
            "Ready connections that failed", ClientMetrics.Counters::connectionsLost),
        new CounterDef("timeouts", "commands", Tags.of("written", "true"),
            "Commands failed at their deadline, after (written=true: may have been applied) or before being written",
            ClientMetrics.Counters::timeoutsWritten),
        new CounterDef("timeouts", "commands", Tags.of("written", "false"),
            "Commands failed at their deadline, after (written=true: may have been applied) or before being written",
            ClientMetrics.Counters::timeoutsNotWritten),
        new CounterDef("back.pressure.refusals", "commands", Tags.empty(),
            "Commands refused because a connection's ring stayed full", ClientMetrics.Counters::backPressureRefusals),
        new CounterDef("redirects", "redirects", Tags.of("type", "moved"),
            "MOVED and ASK replies, on the node that sent them", ClientMetrics.Counters::moved),
        new CounterDef("redirects", "redirects", Tags.of("type", "ask"),
            "MOVED and ASK replies, on the node that sent them", ClientMetrics.Counters::asked),
        new CounterDef("retry.replies", "replies", Tags.empty(),
            "TRYAGAIN, CLUSTERDOWN, LOADING and MASTERDOWN replies retried", ClientMetrics.Counters::retryReplies));

    private final Supplier<ClientMetrics> source;
    private final Tags tags;
    private final long maxAgeNs;
    private final LongSupplier clock;

    // Guarded by this.
    private final List<Binding> bindings = new ArrayList<>();
    private final Map<String, NodeState> nodes = new HashMap<>();
    private final CounterState total = new CounterState();
    private final LatencyState[] latencies = new LatencyState[CommandFamily.values().length];
    private ClientMetrics latest;
    private long takenAtNs;
    private boolean closed;

    /**
     * @param client the client whose {@link Client#metrics()} the meters read.
     * @param tags   tags on every meter (e.g. which client this is), none when empty.
     */
    public SlotringMeterBinder(final Client client, final Iterable<Tag> tags)
    {
        this(Objects.requireNonNull(client, "client")::metrics, tags);
    }

    /**
     * For a snapshot source other than a client itself (a wrapper that shares the snapshots, a test).
     *
     * @param source called for each snapshot, at most once per {@link #DEFAULT_MAX_SNAPSHOT_AGE}.
     * @param tags   tags on every meter, none when empty.
     */
    public SlotringMeterBinder(final Supplier<ClientMetrics> source, final Iterable<Tag> tags)
    {
        this(source, tags, DEFAULT_MAX_SNAPSHOT_AGE, System::nanoTime);
    }

    SlotringMeterBinder(final Supplier<ClientMetrics> source, final Iterable<Tag> tags, final Duration maxAge,
        final LongSupplier clock)
    {
        this.source = Objects.requireNonNull(source, "source");
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
        this.maxAgeNs = maxAge.toNanos();
        this.clock = clock;
        for (final CommandFamily family : CommandFamily.values())
        {
            latencies[family.ordinal()] = new LatencyState(family);
        }
    }

    /**
     * Creates a binder for {@code client} and binds it to {@code registry}.
     *
     * @param client   the client.
     * @param registry where the meters go.
     * @param tags     tags on every meter, none when empty.
     * @return the binder: {@link #close()} it to remove the meters.
     */
    public static SlotringMeterBinder bind(final Client client, final MeterRegistry registry,
        final Iterable<Tag> tags)
    {
        final SlotringMeterBinder binder = new SlotringMeterBinder(client, tags);
        binder.bindTo(registry);
        return binder;
    }

    /**
     * Registers the client-wide counters and latency meters, and the per-node meters of the nodes the first snapshot
     * lists. May be called for several registries.
     *
     * @param registry where the meters go.
     * @throws IllegalStateException when this binder was closed.
     */
    @Override
    public void bindTo(final MeterRegistry registry)
    {
        Objects.requireNonNull(registry, "registry");
        synchronized (this)
        {
            if (closed)
            {
                throw new IllegalStateException("binder closed");
            }
            final Binding binding = new Binding(registry);
            bindings.add(binding);
            for (final CounterDef def : COUNTERS)
            {
                binding.fixed.add(counter("slotring." + def.suffix, total, def).tags(tags).register(registry));
            }
            binding.fixed.add(FunctionCounter.builder("slotring.topology.refreshes", this,
                    b -> b.snapshot().topologyRefreshes())
                .description("Completed topology refreshes (cluster); 0 for a standalone client")
                .baseUnit("refreshes").tags(tags).register(registry));
            for (final LatencyState latency : latencies)
            {
                registerLatency(binding, latency);
            }
            // Held strongly by the registry, it keeps this binder reachable, and through it the states the function
            // counters hold only weakly: a caller may drop the binder once bound.
            binding.fixed.add(Gauge.builder("slotring.nodes", this, b -> b.snapshot().nodes().size())
                .description("Nodes the client holds live connections to").baseUnit("nodes").tags(tags)
                .strongReference(true).register(registry));
            // Registers the nodes the client knows now; later ones at the scrape that first sees them.
            if (latest == null)
            {
                refresh(clock.getAsLong());
            }
            else
            {
                for (final NodeState node : nodes.values())
                {
                    registerNode(binding, node);
                }
            }
        }
    }

    /**
     * The snapshot the meters read now: the cached one when younger than {@link #DEFAULT_MAX_SNAPSHOT_AGE}, else a
     * new one. Why cache: a registry reads its meters one after another (dozens per scrape, more with several
     * nodes), and each {@link Client#metrics()} reads every connection's counters, allocates the snapshot and
     * swaps the latency intervals; one snapshot per scrape gives every meter of that scrape the same consistent
     * picture and the latency gauges one interval (scrape to scrape), not a sliver of it each. The age bound, rather
     * than an explicit "scrape started" signal Micrometer does not offer, is what makes it per scrape. When the
     * source throws (a client in an odd state), the previous snapshot stays: a scrape never fails because of us.
     *
     * @return the latest snapshot, or an empty one before the first succeeded.
     */
    public synchronized ClientMetrics snapshot()
    {
        final long now = clock.getAsLong();
        if (latest == null || now - takenAtNs >= maxAgeNs)
        {
            refresh(now);
        }
        return latest;
    }

    /** Removes every meter this binder registered, from every registry it was bound to. Idempotent. */
    @Override
    public synchronized void close()
    {
        closed = true;
        for (final Binding binding : bindings)
        {
            for (final Meter meter : binding.fixed)
            {
                binding.registry.remove(meter);
            }
            for (final List<Meter> meters : binding.perNode.values())
            {
                for (final Meter meter : meters)
                {
                    binding.registry.remove(meter);
                }
            }
        }
        bindings.clear();
        nodes.clear();
    }

    // ---------------------------------------------------------------------------------------------------------

    /** Under the lock: takes a snapshot, folds it in, and registers or removes per-node meters to match it. */
    private void refresh(final long now)
    {
        ClientMetrics snapshot;
        try
        {
            snapshot = source.get();
        }
        catch (final RuntimeException ex)
        {
            snapshot = null;
        }
        takenAtNs = now;
        if (snapshot == null)
        {
            if (latest == null)
            {
                latest = new ClientMetrics(now, 0, ClientMetrics.Counters.ZERO, List.of(),
                    ClientMetrics.Latency.EMPTY, ClientMetrics.Latency.EMPTY, ClientMetrics.Latency.EMPTY, 0);
            }
            return;
        }
        latest = snapshot;
        total.counters = snapshot.total();
        for (final LatencyState latency : latencies)
        {
            latency.add(snapshot.latency(latency.family));
        }
        if (closed)
        {
            return;
        }
        for (final Iterator<NodeState> it = nodes.values().iterator(); it.hasNext(); )
        {
            final NodeState node = it.next();
            final ClientMetrics.Node current = snapshot.node(node.address);
            if (current == null || current.replica() != node.replica)
            {
                // Left the topology (or changed role: a new series with the new role tag).
                for (final Binding binding : bindings)
                {
                    binding.removeNode(node);
                }
                it.remove();
            }
        }
        for (final ClientMetrics.Node listed : snapshot.nodes())
        {
            NodeState node = nodes.get(listed.address());
            if (node == null)
            {
                node = new NodeState(listed.address(), listed.replica());
                nodes.put(listed.address(), node);
                node.update(listed);
                for (final Binding binding : bindings)
                {
                    registerNode(binding, node);
                }
            }
            else
            {
                node.update(listed);
            }
        }
    }

    private void registerNode(final Binding binding, final NodeState node)
    {
        final Tags nodeTags = tags.and("node", node.address, "role", node.replica ? "replica" : "master");
        final List<Meter> meters = new ArrayList<>(COUNTERS.size() + 1);
        for (final CounterDef def : COUNTERS)
        {
            meters.add(counter(NODE_PREFIX + def.suffix, node, def).tags(nodeTags).register(binding.registry));
        }
        meters.add(Gauge.builder(NODE_PREFIX + "connections", node, n -> n.connections(this))
            .description("Live connections to the node").baseUnit(BaseUnits.CONNECTIONS).tags(nodeTags)
            .register(binding.registry));
        binding.perNode.put(node, meters);
    }

    private void registerLatency(final Binding binding, final LatencyState latency)
    {
        final Tags familyTags = tags.and("family", latency.family.name().toLowerCase(Locale.ROOT));
        binding.fixed.add(FunctionTimer.builder(LATENCY, latency, l -> l.read(this).count,
                l -> l.read(this).totalNs, TimeUnit.NANOSECONDS)
            .description("Commands completed and their latency, submission to reply").tags(familyTags)
            .register(binding.registry));
        for (int i = 0; i < PHIS.length; i++)
        {
            final double phi = PHIS[i];
            binding.fixed.add(TimeGauge.builder(LATENCY + ".percentile", latency, TimeUnit.NANOSECONDS,
                    l -> l.read(this).percentileNs(phi))
                .description("Latency percentile over the latest snapshot's interval").tags(familyTags)
                .tag("phi", PHI_TAGS[i]).strongReference(true).register(binding.registry));
        }
        binding.fixed.add(TimeGauge.builder(LATENCY + ".max", latency, TimeUnit.NANOSECONDS,
                l -> l.read(this).interval.maxNs())
            .description("Largest latency over the latest snapshot's interval").tags(familyTags)
            .strongReference(true).register(binding.registry));
    }

    private <T extends CounterState> FunctionCounter.Builder<T> counter(final String name, final T state,
        final CounterDef def)
    {
        final ToDoubleFunction<ClientMetrics.Counters> field = def.field;
        return FunctionCounter.builder(name, state, s -> field.applyAsDouble(s.read(this).counters))
            .description(def.description).baseUnit(def.baseUnit).tags(def.tags);
    }

    /** One registry this binder is bound to, and what it registered there. */
    private static final class Binding
    {
        final MeterRegistry registry;
        final List<Meter> fixed = new ArrayList<>();
        final Map<NodeState, List<Meter>> perNode = new HashMap<>();

        Binding(final MeterRegistry registry)
        {
            this.registry = registry;
        }

        void removeNode(final NodeState node)
        {
            final List<Meter> meters = perNode.remove(node);
            if (meters != null)
            {
                for (final Meter meter : meters)
                {
                    registry.remove(meter);
                }
            }
        }
    }

    /** A counter definition: the name after {@code slotring.} or {@code slotring.node.}, and its field. */
    private static final class CounterDef
    {
        final String suffix;
        final String baseUnit;
        final Tags tags;
        final String description;
        final ToDoubleFunction<ClientMetrics.Counters> field;

        CounterDef(final String suffix, final String baseUnit, final Tags tags, final String description,
            final ToDoubleFunction<ClientMetrics.Counters> field)
        {
            this.suffix = suffix;
            this.baseUnit = baseUnit;
            this.tags = tags;
            this.description = description;
            this.field = field;
        }
    }

    /** The counters a group of meters reads: the client's total, or one node's. */
    private static class CounterState
    {
        volatile ClientMetrics.Counters counters = ClientMetrics.Counters.ZERO;

        /** Brings the snapshot up to date first (the first meter read of a scrape takes it). */
        CounterState read(final SlotringMeterBinder binder)
        {
            binder.snapshot();
            return this;
        }
    }

    /** One node's counters; identity matters (a node that left and came back is a new state). */
    private static final class NodeState extends CounterState
    {
        final String address;
        final boolean replica;
        volatile int connections;

        NodeState(final String address, final boolean replica)
        {
            this.address = address;
            this.replica = replica;
        }

        void update(final ClientMetrics.Node node)
        {
            counters = node.counters();
            connections = node.connections().size();
        }

        int connections(final SlotringMeterBinder binder)
        {
            binder.snapshot();
            return connections;
        }
    }

    /** One family's latency: the latest interval, and the sums over every interval this binder took. */
    private static final class LatencyState
    {
        final CommandFamily family;
        volatile ClientMetrics.Latency interval = ClientMetrics.Latency.EMPTY;
        volatile long count;
        volatile double totalNs;

        LatencyState(final CommandFamily family)
        {
            this.family = family;
        }

        /** Under the binder's lock. */
        void add(final ClientMetrics.Latency latest)
        {
            interval = latest;
            count += latest.count();
            totalNs += (double)latest.meanNs() * latest.count();
        }

        LatencyState read(final SlotringMeterBinder binder)
        {
            binder.snapshot();
            return this;
        }

        double percentileNs(final double phi)
        {
            final ClientMetrics.Latency figures = interval;
            if (phi == 0.5)
            {
                return figures.p50Ns();
            }
            return phi == 0.99 ? figures.p99Ns() : figures.p999Ns();
        }
    }
}
