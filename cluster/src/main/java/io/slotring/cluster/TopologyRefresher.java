package io.slotring.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.slotring.engine.NodeEndpoint;
import io.slotring.engine.RedisServerException;
import io.slotring.engine.ReplyConverters;

/**
 * Keeps the slot map true, off every caller's thread: one daemon thread that refreshes periodically and on
 * request (MOVED, a lost connection, an uncovered slot). Requests are coalesced (a flag, not a queue) and
 * rate-limited with jitter, and each refresh asks one node at a time (CLUSTER SHARDS, or CLUSTER SLOTS on servers
 * before 7), moving on to the next known master, then the seeds, only when one fails to answer.
 *
 * <p>Threads: {@link #request()} from any thread (a volatile flag and an unpark); everything else on the
 * refresher's own thread. It waits parked, never spins.
 */
final class TopologyRefresher implements Runnable
{
    private final ClusterRouter router;
    private final ClusterConfig config;
    private final long timeoutNs;
    private volatile boolean requested;
    private volatile boolean closed;
    private volatile Thread thread;
    private volatile String lastFailure;
    private volatile long refreshCount;
    private long lastRefreshNs;
    private int rotation;

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
        refresher.start();
    }

    void request()
    {
        requested = true;
        final Thread refresher = thread;
        if (refresher != null)
        {
            LockSupport.unpark(refresher);
        }
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
            final long minimum = config.refreshMinIntervalNs();
            final long jitter = minimum == 0 ? 0 : ThreadLocalRandom.current().nextLong(minimum / 4 + 1);
            final long dueOnRequest = lastRefreshNs + minimum + jitter;
            final long duePeriodic = lastRefreshNs + config.refreshIntervalNs();
            if ((requested && now - dueOnRequest >= 0) || now - duePeriodic >= 0)
            {
                requested = false;
                refreshOnce(router.topology().masters().length == 0);
                lastRefreshNs = System.nanoTime();
                continue;
            }
            final long wait = requested ? dueOnRequest - now : duePeriodic - now;
            LockSupport.parkNanos(this, Math.max(1_000_000L, wait));
        }
    }

    /**
     * Asks candidates one at a time until one answers with a topology.
     *
     * @param waitForConnect give each candidate up to the connect timeout to connect (first discovery).
     * @return true when a topology was applied.
     */
    boolean refreshOnce(final boolean waitForConnect)
    {
        final List<NodeEndpoint> candidates = candidates();
        final StringBuilder failures = new StringBuilder();
        for (final NodeEndpoint candidate : candidates)
        {
            if (closed)
            {
                return false;
            }
            if (!candidate.isReady() && !(waitForConnect && awaitReady(candidate)))
            {
                failures.append(candidate.host()).append(':').append(candidate.port()).append(" not connected");
                final String why = candidate.lastError();
                failures.append(why != null ? " (" + why + ")" : "").append("; ");
                continue;
            }
            try
            {
                final TopologyDescription description = query(candidate);
                if (description.masters().isEmpty())
                {
                    failures.append(candidate.host()).append(':').append(candidate.port())
                        .append(" knows no masters; ");
                    continue;
                }
                router.apply(description);
                refreshCount++;
                lastFailure = null;
                if (config.readFrom() != ReadFrom.MASTER && hasLoadingReplica(description))
                {
                    // Redis 7.0 reports replicas of a never-written master as loading; look again soon rather
                    // than leave reads on the masters for a whole periodic interval.
                    requested = true;
                }
                return true;
            }
            catch (final RuntimeException ex)
            {
                failures.append(candidate.host()).append(':').append(candidate.port()).append(": ")
                    .append(ex.getMessage()).append("; ");
            }
        }
        lastFailure = failures.toString();
        return false;
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

    private TopologyDescription query(final NodeEndpoint node)
    {
        try
        {
            final Object shards = node.submit(NodeEndpoint.KEYLESS, ReplyConverters.OBJECT, "CLUSTER", "SHARDS")
                .get(timeoutNs, TimeUnit.NANOSECONDS);
            return TopologyParser.parseShards(shards, node.host());
        }
        catch (final java.util.concurrent.ExecutionException ex)
        {
            if (!(ex.getCause() instanceof RedisServerException))
            {
                throw new IllegalStateException("CLUSTER SHARDS failed: " + ex.getCause().getMessage(), ex);
            }
            // Servers before Redis 7 lack CLUSTER SHARDS.
            try
            {
                final Object slots = node.submit(NodeEndpoint.KEYLESS, ReplyConverters.OBJECT, "CLUSTER", "SLOTS")
                    .get(timeoutNs, TimeUnit.NANOSECONDS);
                return TopologyParser.parseSlots(slots, node.host());
            }
            catch (final java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException inner)
            {
                throw new IllegalStateException("CLUSTER SLOTS failed: " + inner.getMessage(), inner);
            }
            catch (final InterruptedException inner)
            {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", inner);
            }
        }
        catch (final java.util.concurrent.TimeoutException ex)
        {
            throw new IllegalStateException("CLUSTER SHARDS unanswered within " +
                TimeUnit.NANOSECONDS.toMillis(timeoutNs) + "ms", ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        }
    }

    private boolean awaitReady(final NodeEndpoint endpoint)
    {
        final long deadline = System.nanoTime() + config.engine().connectTimeoutNs();
        while (!endpoint.isReady())
        {
            if (closed || System.nanoTime() - deadline > 0)
            {
                return false;
            }
            LockSupport.parkNanos(1_000_000L);
        }
        return true;
    }

    /** Known masters first, starting at a rotating index so load spreads, then the seeds. */
    private List<NodeEndpoint> candidates()
    {
        final List<NodeEndpoint> candidates = new ArrayList<>();
        final NodeEndpoint[] masters = router.topology().masters();
        final int start = masters.length == 0 ? 0 : (rotation++ & Integer.MAX_VALUE) % masters.length;
        for (int i = 0; i < masters.length; i++)
        {
            final NodeEndpoint master = masters[(start + i) % masters.length];
            if (master.isReady())
            {
                candidates.add(master);
            }
        }
        for (final String seed : config.seedList())
        {
            final NodeEndpoint endpoint = router.endpoint(ClusterConfig.parseHost(seed), ClusterConfig.parsePort(seed),
                false);
            if (!candidates.contains(endpoint))
            {
                candidates.add(endpoint);
            }
        }
        for (final NodeEndpoint master : masters)
        {
            if (!candidates.contains(master))
            {
                candidates.add(master);
            }
        }
        return candidates;
    }
}
