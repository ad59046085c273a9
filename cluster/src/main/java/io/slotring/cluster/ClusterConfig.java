package io.slotring.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import io.slotring.engine.ConnectionSettings;

/**
 * Configuration of a {@link ClusterClient}: the seeds and the cluster behaviour (read-from, redirect bound,
 * topology refresh), plus the {@link ConnectionSettings} every node connection uses (connections per node, ring
 * size, timeouts, idle strategies, credentials...). Mutable until the client concludes it.
 *
 * <pre>{@code
 * ClusterConfig config = ClusterConfig.create()
 *     .seeds("127.0.0.1:7000,127.0.0.1:7001")
 *     .connectionsPerNode(4)
 *     .commandTimeout(Duration.ofSeconds(2))
 *     .readFrom(ReadFrom.REPLICA_PREFERRED);
 * }</pre>
 *
 * <p>{@link #toString()} never shows the password.
 */
public final class ClusterConfig extends ConnectionSettings<ClusterConfig>
{
    private final List<String> seeds = new ArrayList<>();
    private ReadFrom readFrom = ReadFrom.MASTER;
    private int maxRedirects = 5;
    private long refreshIntervalNs = Duration.ofSeconds(30).toNanos();
    private long refreshMinIntervalNs = Duration.ofMillis(500).toNanos();
    private long retryBackoffNs = Duration.ofMillis(20).toNanos();
    private long topologyQueryTimeoutNs = Duration.ofSeconds(1).toNanos();
    private long livenessProbeIntervalNs = Duration.ofMillis(500).toNanos();

    private ClusterConfig()

    {

    }

    /**
     * @return a new config with defaults: read from masters, 5 redirects, refresh every 30 s and at most every
     * 500 ms on demand, topology queries answered within 1 s, masters probed for liveness every 500 ms.
     */
    public static ClusterConfig create()
    {
        return new ClusterConfig();
    }

    private ClusterConfig mutable()
    {
        requireMutable();
        return this;
    }

    /**
     * @param csv seed addresses, {@code host:port[,host:port...]}; any reachable one is enough.
     * @return this.
     */
    public ClusterConfig seeds(final String csv)
    {
        mutable();
        for (final String seed : csv.split(","))
        {
            final String trimmed = seed.trim();
            if (!trimmed.isEmpty())
            {
                parsePort(trimmed);
                seeds.add(trimmed);
            }
        }
        return this;
    }

    /**
     * @param host seed host.
     * @param port seed port.
     * @return this.
     */
    public ClusterConfig seed(final String host, final int port)
    {
        mutable().seeds.add(host + ':' + port);
        return this;
    }

    /**
     * @param policy where reads go.
     * @return this.
     */
    public ClusterConfig readFrom(final ReadFrom policy)
    {
        mutable().readFrom = Objects.requireNonNull(policy, "policy");
        return this;
    }

    /**
     * @param redirects MOVED/ASK redirections a command may follow before it fails naming its slot and nodes.
     * @return this.
     */
    public ClusterConfig maxRedirects(final int redirects)
    {
        if (redirects < 0)
        {
            throw new IllegalArgumentException("maxRedirects must be >= 0, got " + redirects);
        }
        mutable().maxRedirects = redirects;
        return this;
    }

    /**
     * @param periodic full refresh every this long, even without a trigger.
     * @param minimum  on-demand refreshes (MOVED, lost connection, uncovered slot, CLUSTERDOWN, a master that
     *                 cannot be reached) are coalesced and at least this far apart, plus up to 25% jitter, so a storm
     *                 of redirects causes one query; while consecutive ones find nothing new (a node that stays
     *                 down), the spacing doubles up to {@code periodic}.
     * @return this.
     */
    public ClusterConfig topologyRefresh(final Duration periodic, final Duration minimum)
    {
        if (periodic.isNegative() || periodic.isZero() || minimum.isNegative() || minimum.compareTo(periodic) > 0)
        {
            throw new IllegalArgumentException("topologyRefresh needs 0 <= minimum (" + minimum + ") <= periodic (" +
                periodic + "), periodic > 0");
        }
        mutable().refreshIntervalNs = periodic.toNanos();
        this.refreshMinIntervalNs = minimum.toNanos();
        return this;
    }

    /**
     * @param backoff first delay before re-sending after TRYAGAIN, CLUSTERDOWN or LOADING; doubles per retry (up to
     *                64 times this), always bounded by the command's deadline. Must be positive: a zero backoff would
     *                re-send as fast as the node can refuse.
     * @return this.
     * @throws IllegalArgumentException when {@code backoff} is zero or negative.
     */
    public ClusterConfig retryBackoff(final Duration backoff)
    {
        Objects.requireNonNull(backoff, "backoff");
        mutable().retryBackoffNs = requirePositiveBackoff(backoff.toNanos());
        return this;
    }

    /**
     * @param timeout how long the topology refresher waits for one node's answer to CLUSTER SHARDS (or SLOTS)
     *                before it gives up on that node and asks the next; never longer than the command timeout. A
     *                node silent for a quarter of it gets company: the next node is asked as well and the first
     *                answer wins. Short, because a frozen master (its socket open, nothing answered) would otherwise
     *                hold up the refresh that is to find its promoted replica. A master whose liveness probe stays
     *                unanswered for half of it is suspected stalled (see {@link #livenessProbeInterval}).
     * @return this.
     * @throws IllegalArgumentException when {@code timeout} is zero or negative.
     */
    public ClusterConfig topologyQueryTimeout(final Duration timeout)
    {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero())
        {
            throw new IllegalArgumentException("topologyQueryTimeout must be > 0, got " + timeout);
        }
        mutable().topologyQueryTimeoutNs = timeout.toNanos();
        return this;
    }

    /**
     * @param interval how often the topology refresher sends a PING to each master serving slots, one at a time
     *                 per master, to notice one that stopped answering while its connections stay open (a frozen
     *                 process, a link cut without a reset): unanswered for half the {@link #topologyQueryTimeout}
     *                 while a replica could replace it, the master makes the refresher look for a promotion every
     *                 second or faster instead of waiting for the command timeout to break its connections.
     *                 {@link Duration#ZERO} sends no probes.
     * @return this.
     * @throws IllegalArgumentException when {@code interval} is negative.
     */
    public ClusterConfig livenessProbeInterval(final Duration interval)
    {
        Objects.requireNonNull(interval, "interval");
        if (interval.isNegative())
        {
            throw new IllegalArgumentException("livenessProbeInterval must be >= 0 (0 disables probes), got " +
                interval);
        }
        mutable().livenessProbeIntervalNs = interval.toNanos();
        return this;
    }

    private static long requirePositiveBackoff(final long nanos)
    {
        if (nanos <= 0)
        {
            throw new IllegalArgumentException("retryBackoff must be > 0 (a zero backoff re-sends in a busy loop), " +
                "got " + nanos + "ns");
        }
        return nanos;
    }

    @Override
    protected void concludeOwn()
    {
        if (seeds.isEmpty())
        {
            throw new IllegalArgumentException("no seeds: expected at least one host:port");
        }
        if (database() != 0)
        {
            throw new IllegalArgumentException("Redis Cluster has only database 0, got database " + database());
        }
        requirePositiveBackoff(retryBackoffNs);
    }

    static int parsePort(final String address)
    {
        final int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1)
        {
            throw new IllegalArgumentException("expected host:port, got '" + address + "'");
        }
        try
        {
            return Integer.parseInt(address.substring(colon + 1));
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("expected a numeric port in '" + address + "'", ex);
        }
    }

    static String parseHost(final String address)
    {
        return address.substring(0, address.lastIndexOf(':'));
    }

    List<String> seedList()
    {
        return seeds;
    }

    ReadFrom readFrom()
    {
        return readFrom;
    }

    int maxRedirects()
    {
        return maxRedirects;
    }

    long refreshIntervalNs()
    {
        return refreshIntervalNs;
    }

    long refreshMinIntervalNs()
    {
        return refreshMinIntervalNs;
    }

    long retryBackoffNs()
    {
        return retryBackoffNs;
    }

    /** The configured bound, not yet capped at the command timeout. */
    long topologyQueryTimeoutNs()
    {
        return topologyQueryTimeoutNs;
    }

    long livenessProbeIntervalNs()
    {
        return livenessProbeIntervalNs;
    }

    @Override
    public String toString()
    {
        return "ClusterConfig{seeds=" + seeds + ", readFrom=" + readFrom + ", maxRedirects=" + maxRedirects +
            ", " + settingsString() + '}';
    }
}
