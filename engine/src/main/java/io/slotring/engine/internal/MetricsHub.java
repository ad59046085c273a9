package io.slotring.engine.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.slotring.engine.ClientMetrics;
import io.slotring.engine.CommandFamily;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * One client's metrics: the counters of each of its connections and one latency {@link Recorder} per
 * {@link CommandFamily}. Found by the client's (concluded, so per-client) config: connections register when they are
 * created, and {@code metrics()} on the client takes a snapshot here.
 *
 * <p>Recording ({@link #record}) is allocation-free and thread-safe: any connection's driver records into the
 * recorders concurrently. {@link #snapshot} swaps each recorder's interval histogram (allocating only there, and
 * only the first time: the previous interval histogram is recycled) and reads every counter with acquire loads.
 */
public final class MetricsHub
{
    /** Latencies above this are recorded as this: the histogram's range. */
    public static final long HIGHEST_TRACKABLE_NS = TimeUnit.SECONDS.toNanos(60);
    /** Two significant digits: 1 % resolution, about 30 KiB per histogram. */
    private static final int SIGNIFICANT_DIGITS = 2;

    private final List<ConnectionCounters> connections = new CopyOnWriteArrayList<>();
    private final Recorder[] recorders = new Recorder[CommandFamily.values().length];
    private final Histogram[] recycled = new Histogram[recorders.length];
    private long lastSnapshotNs = System.nanoTime();
    /** Counters of connections closed for good, folded in at a snapshot and dropped from {@link #connections}. */
    private ClientMetrics.Counters closedTotal = ClientMetrics.Counters.ZERO;

    /** One per client, owned by its {@link IoRuntime}; tests and benchmarks make their own. */
    public MetricsHub()
    {
        for (int i = 0; i < recorders.length; i++)
        {
            recorders[i] = new Recorder(1, HIGHEST_TRACKABLE_NS, SIGNIFICANT_DIGITS);
        }
    }

    /**
     * @param node       {@code host:port}.
     * @param connection the connection's name.
     * @param replica    dialled as a replica.
     * @return the new connection's counters, registered here.
     */
    public ConnectionCounters register(final String node, final String connection, final boolean replica)
    {
        final ConnectionCounters counters = new ConnectionCounters(node, connection, replica);
        connections.add(counters);
        return counters;
    }

    /**
     * @param commandName a command name, or null.
     * @return its family's ordinal: the command table's read-only flag, {@link CommandFamily#OTHER} when unknown.
     */
    public static int family(final String commandName)
    {
        final CommandSpec spec = commandName == null ? null : CommandTable.lookup(commandName);
        if (spec == null)
        {
            return CommandFamily.OTHER.ordinal();
        }
        return spec.isReadOnly() ? CommandFamily.READ.ordinal() : CommandFamily.WRITE.ordinal();
    }

    /**
     * Any thread, allocation-free: records one command's latency.
     *
     * @param family    the family's ordinal.
     * @param latencyNs from submit to reply; clamped to 0 .. {@link #HIGHEST_TRACKABLE_NS}.
     */
    public void record(final int family, final long latencyNs)
    {
        recorders[family].recordValue(latencyNs < 0 ? 0 : Math.min(latencyNs, HIGHEST_TRACKABLE_NS));
    }

    /**
     * Allocates: reads every counter and takes each family's interval histogram.
     *
     * @param topologyRefreshes the cluster's refresh count, or 0.
     * @return the snapshot.
     */
    public synchronized ClientMetrics snapshot(final long topologyRefreshes)
    {
        final long nowNs = System.nanoTime();
        final Map<String, List<ClientMetrics.Counters>> perNode = new LinkedHashMap<>();
        final Map<String, Boolean> replicas = new LinkedHashMap<>();
        ClientMetrics.Counters total = closedTotal;
        final List<ConnectionCounters> gone = new ArrayList<>();
        for (final ConnectionCounters counters : connections)
        {
            final boolean closed = counters.isClosed();
            final ClientMetrics.Counters values = counters.read();
            total = total.plus(values);
            if (closed)
            {
                // Read after the flag: its driver is done, nothing more will be counted there.
                gone.add(counters);
                closedTotal = closedTotal.plus(values);
                continue;
            }
            perNode.computeIfAbsent(counters.node(), ignored -> new ArrayList<>()).add(values);
            replicas.merge(counters.node(), counters.isReplica(), Boolean::logicalAnd);
        }
        connections.removeAll(gone);
        final List<ClientMetrics.Node> nodes = new ArrayList<>(perNode.size());
        for (final Map.Entry<String, List<ClientMetrics.Counters>> entry : perNode.entrySet())
        {
            ClientMetrics.Counters sum = ClientMetrics.Counters.ZERO;
            for (final ClientMetrics.Counters values : entry.getValue())
            {
                sum = sum.plus(values);
            }
            nodes.add(new ClientMetrics.Node(entry.getKey(), replicas.get(entry.getKey()), sum, entry.getValue()));
        }
        final ClientMetrics.Latency[] latencies = new ClientMetrics.Latency[recorders.length];
        for (int i = 0; i < recorders.length; i++)
        {
            final Histogram interval = recorders[i].getIntervalHistogram(recycled[i]);
            latencies[i] = latency(interval);
            recycled[i] = interval;
        }
        final long intervalNs = nowNs - lastSnapshotNs;
        lastSnapshotNs = nowNs;
        return new ClientMetrics(nowNs, intervalNs, total, nodes, latencies[CommandFamily.READ.ordinal()],
            latencies[CommandFamily.WRITE.ordinal()], latencies[CommandFamily.OTHER.ordinal()], topologyRefreshes);
    }

    /**
     * @param histogram an interval histogram.
     * @return its figures.
     */
    static ClientMetrics.Latency latency(final Histogram histogram)
    {
        final long count = histogram.getTotalCount();
        if (count == 0)
        {
            return ClientMetrics.Latency.EMPTY;
        }
        return new ClientMetrics.Latency(count, Math.round(histogram.getMean()),
            histogram.getValueAtPercentile(50.0), histogram.getValueAtPercentile(99.0),
            histogram.getValueAtPercentile(99.9), histogram.getMaxValue());
    }
}
