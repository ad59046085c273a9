package io.slotring.engine;

import java.util.List;

/**
 * An immutable snapshot of a client's counters and latencies, taken by {@link Client#metrics()}: the only moment
 * metrics allocate. Recording is allocation-free: counters are plain fields written by the thread that drives each
 * connection (release stores, no CAS), latencies go to HdrHistogram recorders.
 *
 * <p>Counters are cumulative since the client started; a counter of a connection closed for good (client closed,
 * node left the cluster) stays in {@link #total()} but its node leaves {@link #nodes()}. Latencies are interval
 * figures: the commands completed since the previous snapshot (or since the client started), so two callers taking
 * snapshots of one client split the intervals between them.
 *
 * <pre>{@code
 * ClientMetrics m = client.metrics();
 * long errors = m.total().errorReplies();
 * ClientMetrics.Latency reads = m.latency(CommandFamily.READ);
 * System.out.printf("reads: %d, p99 %d us%n", reads.count(), reads.p99Ns() / 1000);
 * }</pre>
 *
 * @param takenAtNs         {@link System#nanoTime()} when the snapshot was taken.
 * @param intervalNs        nanoseconds the latency figures cover (since the previous snapshot, or the start).
 * @param total             every connection's counters summed, closed ones included.
 * @param nodes             per node (connections of one {@code host:port} summed), live connections only.
 * @param reads             latency of read-only commands (GET, MGET, HGET...) completed in the interval.
 * @param writes            latency of commands that may write (SET, DEL, EVAL...) completed in the interval.
 * @param others            latency of commands the command table does not know.
 * @param topologyRefreshes completed topology refreshes (cluster), 0 for a standalone client.
 */
public record ClientMetrics(long takenAtNs, long intervalNs, Counters total, List<Node> nodes, Latency reads,
    Latency writes, Latency others, long topologyRefreshes)
{
    /**
     * Copies {@code nodes}.
     *
     * @param takenAtNs         {@link System#nanoTime()} when the snapshot was taken.
     * @param intervalNs        nanoseconds the latency figures cover.
     * @param total             every connection's counters summed.
     * @param nodes             per node.
     * @param reads             read latency.
     * @param writes            write latency.
     * @param others            latency of other commands.
     * @param topologyRefreshes completed topology refreshes.
     */
    public ClientMetrics
    {
        nodes = List.copyOf(nodes);
    }

    /**
     * @param family a command family.
     * @return the latency figures of that family.
     */
    public Latency latency(final CommandFamily family)
    {
        switch (family)
        {
            case READ:
                return reads;
            case WRITE:
                return writes;
            default:
                return others;
        }
    }

    /**
     * @param address {@code host:port} as the client dialled it.
     * @return that node's counters, or null when the client has no live connection to it.
     */
    public Node node(final String address)
    {
        for (final Node node : nodes)
        {
            if (node.address().equals(address))
            {
                return node;
            }
        }
        return null;
    }

    /**
     * Cumulative counters of a connection, a node or a whole client.
     *
     * @param commands             replies that completed a caller's command (error replies included; engine-internal
     *                             commands such as ASKING, handshakes and idle PINGs excluded).
     * @param errorReplies         of those, error replies ({@code -ERR}, {@code -WRONGTYPE}, ...).
     * @param bytesWritten         bytes written to the socket (commands, handshakes, idle PINGs).
     * @param bytesRead            bytes read from the socket.
     * @param connects             handshakes completed (the connection became ready).
     * @param reconnects           of those, the ones after the first (per connection).
     * @param connectionsLost      ready connections that failed (reset, closed by the server, timed-out command).
     * @param timeoutsWritten      commands that timed out after they were written: they may have been applied.
     * @param timeoutsNotWritten   commands that timed out before they could be written: not applied.
     * @param backPressureRefusals commands refused because the connection's ring was full.
     * @param moved                MOVED replies handed to the cluster router.
     * @param asked                ASK replies handed to the cluster router.
     * @param retryReplies         TRYAGAIN, CLUSTERDOWN, LOADING and MASTERDOWN replies handed to the router to retry.
     */
    public record Counters(long commands, long errorReplies, long bytesWritten, long bytesRead, long connects,
        long reconnects, long connectionsLost, long timeoutsWritten, long timeoutsNotWritten, long backPressureRefusals,
        long moved, long asked, long retryReplies)
    {
        /** All zero. */
        public static final Counters ZERO = new Counters(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

        /**
         * @param other counters to add.
         * @return the sum, field by field.
         */
        public Counters plus(final Counters other)
        {
            return new Counters(commands + other.commands, errorReplies + other.errorReplies,
                bytesWritten + other.bytesWritten, bytesRead + other.bytesRead, connects + other.connects,
                reconnects + other.reconnects, connectionsLost + other.connectionsLost,
                timeoutsWritten + other.timeoutsWritten, timeoutsNotWritten + other.timeoutsNotWritten,
                backPressureRefusals + other.backPressureRefusals, moved + other.moved, asked + other.asked,
                retryReplies + other.retryReplies);
        }

        /**
         * @param earlier an earlier snapshot of the same connection, node or client.
         * @return what happened between the two, field by field.
         */
        public Counters minus(final Counters earlier)
        {
            return new Counters(commands - earlier.commands, errorReplies - earlier.errorReplies,
                bytesWritten - earlier.bytesWritten, bytesRead - earlier.bytesRead, connects - earlier.connects,
                reconnects - earlier.reconnects, connectionsLost - earlier.connectionsLost,
                timeoutsWritten - earlier.timeoutsWritten, timeoutsNotWritten - earlier.timeoutsNotWritten,
                backPressureRefusals - earlier.backPressureRefusals, moved - earlier.moved, asked - earlier.asked,
                retryReplies - earlier.retryReplies);
        }

        /** @return timeouts, written or not. */
        public long timeouts()
        {
            return timeoutsWritten + timeoutsNotWritten;
        }
    }

    /**
     * One node's counters.
     *
     * @param address     {@code host:port} as the client dialled it.
     * @param replica     dialled as a replica (read-only connections).
     * @param counters    its connections' counters summed.
     * @param connections per connection, in the order the client opened them.
     */
    public record Node(String address, boolean replica, Counters counters, List<Counters> connections)
    {
        /**
         * Copies {@code connections}.
         *
         * @param address     {@code host:port}.
         * @param replica     dialled as a replica.
         * @param counters    summed counters.
         * @param connections per connection.
         */
        public Node
        {
            connections = List.copyOf(connections);
        }
    }

    /**
     * Latency of one command family over one interval, from submit (the command's slot was committed) to the
     * reply's arrival, redirects and retries included; in nanoseconds, with two significant digits (1 %).
     *
     * @param count  commands completed in the interval.
     * @param meanNs mean latency.
     * @param p50Ns  median.
     * @param p99Ns  99th percentile.
     * @param p999Ns 99.9th percentile.
     * @param maxNs  largest value recorded (values above 60 s are recorded as 60 s).
     */
    public record Latency(long count, long meanNs, long p50Ns, long p99Ns, long p999Ns, long maxNs)
    {
        /** No command in the interval. */
        public static final Latency EMPTY = new Latency(0, 0, 0, 0, 0, 0);
    }
}
