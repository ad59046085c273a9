package io.slotring.cluster;

import io.slotring.codec.SlotHash;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

import io.slotring.engine.NodeEndpoint;
import io.slotring.engine.RedisServerException;
import io.slotring.engine.ReplyConverters;

/**
 * Keeps the slot map true, off every caller's thread: one daemon thread that refreshes periodically and on
 * demand. Demand is a request (MOVED, a lost connection of a routed node, an uncovered slot, CLUSTERDOWN) or a
 * state that only a newer topology can end: a master owning slots with no connection ready (a failover may be
 * promoting its replica), or a replica reported loading under replica reads.
 *
 * <p>Requests are coalesced (a flag, not a queue) and at least {@code minimum} apart plus up to 25% jitter. When
 * consecutive on-demand refreshes find nothing new (a node that stays down, a cluster that stays down) the spacing
 * doubles up to the periodic interval, so a lasting fault costs the periodic rate, not a query every
 * {@code minimum}; a refresh that finds a change, or a calm as long as the current spacing, resets it.
 *
 * <p>Each refresh asks one node at a time: the known masters (from a rotating start), then known replicas, and
 * only when none of them answered, the seeds, connecting them if need be. CLUSTER SHARDS is the question (CLUSTER
 * SLOTS on servers before 7); when its answer leaves slots uncovered, CLUSTER SLOTS from the same node is asked too
 * and the view covering more slots wins.
 *
 * <p>Threads: {@link #request()} from any thread (a volatile flag and an unpark); everything else on the
 * refresher's own thread (or the connecting thread before {@link #start()}). It waits parked, never spins.
 */
final class TopologyRefresher implements Runnable
{
    /** Bound of the spacing's doubling; {@code 1 ms << 40} is days, far past any periodic interval. */
    private static final int MAX_BACKOFF_SHIFT = 40;
    private static final long MIN_BACKOFF_BASE_NS = TimeUnit.MILLISECONDS.toNanos(1);

    private final ClusterRouter router;
    private final ClusterConfig config;
    private final long timeoutNs;
    private volatile boolean requested;
    private volatile boolean closed;
    private volatile Thread thread;
    private volatile String lastFailure;
    private volatile long refreshCount;
    // Refresher thread only.
    private long lastRefreshNs;
    private int rotation;
    private int backoffShift;
    private boolean wanted;
    private long calmSinceNs;
    private boolean loadingReplicas;
    private boolean lastChanged;
    private long queriedAtNs;

    TopologyRefresher(final ClusterRouter router, final ClusterConfig config)
    {
        this.router = router;
        this.config = config;
        this.timeoutNs = config.engine().commandTimeoutNs();
    }

    void start()
    {
        final Thread refresher = new Thread(this, "slotring-topology");
        refresher.setDaemon(true);
        thread = refresher;
        lastRefreshNs = System.nanoTime();
        calmSinceNs = lastRefreshNs;
        refresher.start();
    }

    /** Any thread; cheap when a request is already pending (a storm of redirects wakes the thread once). */
    void request()
    {
        if (requested)
        {
            return;
        }
        requested = true;
        final Thread refresher = thread;
        if (refresher != null)
        {
            LockSupport.unpark(refresher);
        }
    }

    /**
     * @return true while a request waits for the refresher (tests).
     */
    boolean pendingRequest()
    {
        return requested;
    }

    long refreshCount()
    {
        return refreshCount;
    }

    String lastFailure()
    {
        return lastFailure;
    }

    void close()
    {
        closed = true;
        final Thread refresher = thread;
        if (refresher != null)
        {
            LockSupport.unpark(refresher);
            try
            {
                refresher.join(TimeUnit.NANOSECONDS.toMillis(timeoutNs) + 1_000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void run()
    {
        while (!closed)
        {
            final long now = System.nanoTime();
            final boolean wantedNow = requested || loadingReplicas || router.topology().hasUnreadyMaster();
            if (wantedNow && !wanted && now - calmSinceNs >= spacingNs())
            {
                // A new episode after a calm: serve it at the minimum spacing again.
                backoffShift = 0;
            }
            if (!wantedNow && wanted)
            {
                calmSinceNs = now;
            }
            wanted = wantedNow;
            final long minimum = config.refreshMinIntervalNs();
            final long jitter = minimum == 0 ? 0 : ThreadLocalRandom.current().nextLong(minimum / 4 + 1);
            final long dueOnDemand = lastRefreshNs + spacingNs() + jitter;
            final long duePeriodic = lastRefreshNs + config.refreshIntervalNs();
            if ((wantedNow && now - dueOnDemand >= 0) || now - duePeriodic >= 0)
            {
                requested = false;
                final boolean applied = refreshOnce();
                if ((applied && lastChanged) || !wantedNow)
                {
                    backoffShift = 0;
                }
                else if (backoffShift < MAX_BACKOFF_SHIFT)
                {
                    backoffShift++;
                }
                lastRefreshNs = System.nanoTime();
                continue;
            }
            final long wait = (wantedNow && dueOnDemand - duePeriodic < 0 ? dueOnDemand : duePeriodic) - now;
            LockSupport.parkNanos(this, Math.max(1_000_000L, wait));
        }
    }

    /** Spacing of on-demand refreshes now: {@code minimum}, doubled per refresh that found nothing new. */
    private long spacingNs()
    {
        final long minimum = config.refreshMinIntervalNs();
        if (backoffShift == 0)
        {
            return minimum;
        }
        final long base = Math.max(minimum, MIN_BACKOFF_BASE_NS);
        final long periodic = config.refreshIntervalNs();
        return (periodic >> backoffShift) < base ? periodic : base << backoffShift;
    }

    /**
     * Asks candidates one at a time until one answers with a topology: known nodes, then, only if none did, the
     * seeds, each given up to the connect timeout to connect.
     *
     * @return true when a topology was applied.
     */
    boolean refreshOnce()
    {
        final StringBuilder failures = new StringBuilder();
        for (final NodeEndpoint candidate : knownCandidates(router.topology()))
        {
            if (closed)
            {
                return false;
            }
            if (ask(candidate, failures))
            {
                return true;
            }
        }
        // A seed may be down for good: probing it on every refresh would create (and lose) a connection each time.
        for (final String seed : config.seedList())
        {
            if (closed)
            {
                return false;
            }
            final NodeEndpoint endpoint = router.seedEndpoint(ClusterConfig.parseHost(seed),
                ClusterConfig.parsePort(seed));
            if (!endpoint.isReady() && !awaitReady(endpoint))
            {
                failures.append(seed).append(" not connected");
                final String why = endpoint.isRefused() ? "handshake refused: " + endpoint.lastError() :
                    endpoint.lastError() != null ? endpoint.lastError() : endpoint.progress();
                failures.append(why != null ? " (" + why + ")" : "").append("; ");
                continue;
            }
            if (ask(endpoint, failures))
            {
                return true;
            }
        }
        lastFailure = failures.length() == 0 ? "no node known and no seed configured" : failures.toString();
        lastChanged = false;
        return false;
    }

    /** Ready masters from a rotating start, so load spreads, then ready replicas. */
    private List<NodeEndpoint> knownCandidates(final Topology topology)
    {
        final List<NodeEndpoint> candidates = new ArrayList<>();
        final NodeEndpoint[] masters = topology.masters();
        final int start = masters.length == 0 ? 0 : (rotation++ & Integer.MAX_VALUE) % masters.length;
        for (int i = 0; i < masters.length; i++)
        {
            final NodeEndpoint master = masters[(start + i) % masters.length];
            if (master.isReady() && !candidates.contains(master))
            {
                candidates.add(master);
            }
        }
        for (int i = 0; i < masters.length; i++)
        {
            for (final NodeEndpoint replica : topology.replicasAt(i))
            {
                if (replica.isReady() && !candidates.contains(replica))
                {
                    candidates.add(replica);
                }
            }
        }
        return candidates;
    }

    private boolean ask(final NodeEndpoint candidate, final StringBuilder failures)
    {
        try
        {
            final TopologyDescription description = query(candidate);
            if (description.uncoveredSlots() == SlotHash.SLOT_COUNT)
            {
                failures.append(candidate.host()).append(':').append(candidate.port())
                    .append(" knows no master owning slots; ");
                return false;
            }
            lastChanged = router.apply(description, queriedAtNs);
            refreshCount++;
            lastFailure = null;
            // Redis 7.0 reports replicas of a never-written master as loading: look again soon (backing off) rather
            // than leave reads on the masters for a whole periodic interval.
            loadingReplicas = config.readFrom() != ReadFrom.MASTER && hasLoadingReplica(description);
            return true;
        }
        catch (final RuntimeException ex)
        {
            failures.append(candidate.host()).append(':').append(candidate.port()).append(": ")
                .append(ex.getMessage()).append("; ");
            return false;
        }
    }

    private static boolean hasLoadingReplica(final TopologyDescription description)
    {
        for (final NodeDescription replica : description.replicas())
        {
            if (replica.health() == NodeDescription.Health.LOADING)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * CLUSTER SHARDS, or CLUSTER SLOTS on servers before 7; sets {@link #queriedAtNs} to when the question whose
     * answer is returned was sent.
     */
    private TopologyDescription query(final NodeEndpoint node)
    {
        final long shardsSentNs = System.nanoTime();
        final Object shards;
        try
        {
            shards = call(node, "SHARDS");
        }
        catch (final RedisServerException ex)
        {
            if (!"ERR".equals(ex.errorCode()))
            {
                throw ex;
            }
            // Servers before Redis 7 lack CLUSTER SHARDS.
            final long slotsSentNs = System.nanoTime();
            final TopologyDescription slots = TopologyParser.parseSlots(call(node, "SLOTS"), node.host());
            queriedAtNs = slotsSentNs;
            return slots;
        }
        final TopologyDescription described = TopologyParser.parseShards(shards, node.host());
        queriedAtNs = shardsSentNs;
        if (described.uncoveredSlots() == 0)
        {
            return described;
        }
        // Redis 7 and Valkey up to 7.2.5 can list a shard whose primary failed with no slots while its promoted
        // replica serves them; CLUSTER SLOTS reads the node's slot table itself.
        try
        {
            final long slotsSentNs = System.nanoTime();
            final TopologyDescription slots = TopologyParser.parseSlots(call(node, "SLOTS"), node.host());
            final TopologyDescription chosen = moreCovering(described, slots);
            if (chosen == slots)
            {
                queriedAtNs = slotsSentNs;
            }
            return chosen;
        }
        catch (final RuntimeException ex)
        {
            // The cross-check is a second opinion: without it, CLUSTER SHARDS' answer stands.
            return described;
        }
    }

    /**
     * @return {@code slots} when it covers more slots than {@code shards}, else {@code shards} (which also reports
     * health).
     */
    static TopologyDescription moreCovering(final TopologyDescription shards, final TopologyDescription slots)
    {
        return slots.uncoveredSlots() < shards.uncoveredSlots() ? slots : shards;
    }

    /** One CLUSTER subcommand, bound to {@code node}, within the command timeout. */
    private Object call(final NodeEndpoint node, final String subcommand)
    {
        try
        {
            return node.submit(ClusterRouter.PINNED, ReplyConverters.OBJECT, "CLUSTER", subcommand)
                .get(timeoutNs, TimeUnit.NANOSECONDS);
        }
        catch (final ExecutionException ex)
        {
            if (ex.getCause() instanceof RedisServerException)
            {
                throw (RedisServerException)ex.getCause();
            }
            throw new IllegalStateException("CLUSTER " + subcommand + " failed: " + ex.getCause().getMessage(), ex);
        }
        catch (final TimeoutException ex)
        {
            throw new IllegalStateException("CLUSTER " + subcommand + " unanswered within " +
                TimeUnit.NANOSECONDS.toMillis(timeoutNs) + "ms", ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        }
    }

    /**
     * Waits up to the connect timeout for {@code endpoint} to connect; gives up early when an attempt fails (the
     * node is down, not slow) or the handshake was refused.
     */
    private boolean awaitReady(final NodeEndpoint endpoint)
    {
        final long deadline = System.nanoTime() + config.engine().connectTimeoutNs();
        final String errorBefore = endpoint.lastError();
        while (!endpoint.isReady())
        {
            final String error = endpoint.lastError();
            if (closed || endpoint.isRefused() || System.nanoTime() - deadline > 0 ||
                error != null && !error.equals(errorBefore))
            {
                return false;
            }
            LockSupport.parkNanos(1_000_000L);
        }
        return true;
    }
}
