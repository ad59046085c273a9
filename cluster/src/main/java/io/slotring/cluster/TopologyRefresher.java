package io.slotring.cluster;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import io.slotring.codec.SlotHash;
import io.slotring.engine.RedisServerException;
import io.slotring.engine.internal.NodeEndpoint;
import io.slotring.engine.internal.RedirectStormWatch;
import io.slotring.engine.internal.ReplyConverters;

/**
 * Keeps the slot map true, off every caller's thread: one daemon thread that refreshes periodically and on
 * demand. Demand is a request (MOVED, a lost connection of a routed node, an uncovered slot, CLUSTERDOWN) or a
 * state that only a newer topology can end: a master owning slots with no connection ready (a failover may be
 * promoting its replica), a master that stopped answering while its connections stay open (a frozen process, a
 * link cut without a reset), a master the cluster reports failed, or a replica reported loading under replica
 * reads.
 *
 * <p>Requests are coalesced (a flag, not a queue) and at least {@code minimum} apart plus up to 25% jitter. When
 * consecutive on-demand refreshes find nothing new (a node that stays down, a cluster that stays down) the spacing
 * doubles up to the periodic interval, so a lasting fault costs the periodic rate, not a query every
 * {@code minimum}; a refresh that finds a change, or a calm as long as the current spacing, resets it. Only while a
 * failover is expected does the doubling stop short: a master with a replica that cannot be reached, or
 * stalls, is looked at again at least every {@link #SUSPECT_SPACING_NS} for {@link #SUSPECT_WINDOW_NS}, and one the
 * cluster reports failed (its replica's election is due) every {@link #FAILING_SPACING_NS} for
 * {@link #FAILING_WINDOW_NS}; past those windows the fault counts as lasting.
 *
 * <p>Stalls: every {@code livenessProbeInterval} each master serving slots gets a PING (one in flight per master);
 * unanswered for half the topology query timeout, the master is suspected stalled until it answers something.
 * Nothing else would say so: its connections stay ready until a written command's deadline passes.
 *
 * <p>Each refresh asks the known nodes, masters from a rotating start then replicas, and nodes that recently left
 * a question unanswered or that the cluster reports failed last; only when none of them answered, the seeds,
 * connecting them if need be. Each node gets the topology query timeout; one silent for a quarter of it gets
 * company (the next node is asked too, at most {@link #MAX_PARALLEL_QUERIES} at once) and the first answer wins.
 * CLUSTER SHARDS is the question (CLUSTER SLOTS on servers before 7); when its answer leaves slots uncovered,
 * CLUSTER SLOTS from the same node is asked too and the view covering more slots wins.
 *
 * <p>Redirect storms: once per {@link RedirectStormWatch#DEFAULT_WINDOW_NS} this thread reads every node's MOVED and
 * ASK counters and emits the Flight Recorder event {@code io.slotring.RedirectStorm} for a node that sent at least
 * {@link RedirectStormWatch#DEFAULT_THRESHOLD} in that time; the command path only counts, as it does for metrics.
 *
 * <p>Threads: {@link #request()} from any thread (a volatile flag and an unpark); everything else on the
 * refresher's own thread (or the connecting thread before {@link #start()}). It waits parked, never spins, and
 * never submits a command itself: with back-pressure {@code WAIT} a submission to a node whose rings are full (a
 * frozen master under load) blocks for up to the command timeout, so submissions go through a few sender threads
 * and the refresher only waits on their replies, each within its own bound.
 */
final class TopologyRefresher implements Runnable
{
    /** Bound of the spacing's doubling; {@code 1 ms << 40} is days, far past any periodic interval. */
    private static final int MAX_BACKOFF_SHIFT = 40;
    private static final long MIN_BACKOFF_BASE_NS = TimeUnit.MILLISECONDS.toNanos(1);
    /** Topology queries in flight at once in one refresh: the slow one and one more. */
    static final int MAX_PARALLEL_QUERIES = 2;
    /**
     * Spacing cap while a master serving slots is reported failed and has a replica: its election is due
     * (about half a second to a second after the failure is agreed, for the best ranked replica), and the refresh
     * after the promotion ends the outage of its slots.
     */
    static final long FAILING_SPACING_NS = TimeUnit.MILLISECONDS.toNanos(250);
    /** How long a reported failure keeps {@link #FAILING_SPACING_NS}: a few elections' worth. */
    static final long FAILING_WINDOW_NS = TimeUnit.SECONDS.toNanos(10);
    /**
     * Spacing cap while a master with a replica cannot be reached or stalls, before the cluster agrees it
     * failed: the refresh that sees the failure (or the promotion) comes at most this late.
     */
    static final long SUSPECT_SPACING_NS = TimeUnit.SECONDS.toNanos(1);
    /** How long a suspicion keeps {@link #SUSPECT_SPACING_NS}: longer than most clusters' node timeout. */
    static final long SUSPECT_WINDOW_NS = TimeUnit.SECONDS.toNanos(30);
    /** Sender threads: each blocks at most a command timeout on a full ring, so a few cover every stuck node. */
    private static final int MAX_SENDERS = 4;
    private static final long SENDER_KEEP_ALIVE_S = 10;
    private static final String SENDER_NAME = "slotring-topology-send";

    private final ClusterRouter router;
    private final ClusterConfig config;
    private final long timeoutNs;
    private final long queryTimeoutNs;
    private final long hedgeDelayNs;
    private final long stallAfterNs;
    private final long probeIntervalNs;
    private final ThreadPoolExecutor senders;
    /** Refresher thread only. */
    private final RedirectStormWatch storms =
        new RedirectStormWatch(RedirectStormWatch.DEFAULT_THRESHOLD, RedirectStormWatch.DEFAULT_WINDOW_NS);
    private volatile boolean requested;
    private volatile boolean closed;
    private volatile Thread thread;
    private volatile String lastFailure;
    private volatile long refreshCount;
    // Refresher thread only.
    private long lastRefreshNs;
    private long jitterNs;
    private int rotation;
    private int backoffShift;
    private boolean wanted;
    private long calmSinceNs;
    private boolean loadingReplicas;
    private boolean lastChanged;
    private long queriedAtNs;
    /** Per node asked or probed: what it answered lately. Dropped when the node leaves the snapshot. */
    private final Map<NodeEndpoint, Liveness> liveness = new IdentityHashMap<>();
    /** Masters serving slots that the last applied description reports failed. */
    private final Set<NodeEndpoint> failingMasters = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Masters that the last applied description lists with a replica not failed: a failover can replace them. */
    private final Set<NodeEndpoint> replicatedMasters = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean suspecting;
    private long suspectSinceNs;
    private boolean failing;
    private long failingSinceNs;

    TopologyRefresher(final ClusterRouter router, final ClusterConfig config)
    {
        this.router = router;
        this.config = config;
        this.timeoutNs = config.commandTimeoutNs();
        this.queryTimeoutNs = Math.max(1, Math.min(config.topologyQueryTimeoutNs(), timeoutNs));
        this.hedgeDelayNs = queryTimeoutNs / 4;
        this.stallAfterNs = queryTimeoutNs / 2;
        this.probeIntervalNs = config.livenessProbeIntervalNs();
        this.senders = new ThreadPoolExecutor(0, MAX_SENDERS, SENDER_KEEP_ALIVE_S, TimeUnit.SECONDS,
            new SynchronousQueue<>(), TopologyRefresher::newSender);
    }

    private static Thread newSender(final Runnable task)
    {
        final Thread sender = new Thread(task, SENDER_NAME);
        sender.setDaemon(true);
        return sender;
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

    /** @return the bound on one node's answer to a topology query: the configured one, at most the command's. */
    long queryTimeoutNs()
    {
        return queryTimeoutNs;
    }

    void close()
    {
        closed = true;
        // Idle senders leave now; one blocked on a full ring leaves when the runtime closes (the client's next step).
        senders.shutdown();
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
            final Topology topology = router.topology();
            final long probeDueNs = probeMasters(topology, now);
            final long stormDueNs = watchRedirects(topology, now);
            final long capNs = failoverSpacingCapNs(topology, now);
            final boolean wantedNow = requested || loadingReplicas || suspecting || topology.hasUnreadyMaster();
            if (wantedNow && !wanted && now - calmSinceNs >= spacingNs(capNs))
            {
                // A new episode after a calm: serve it at the minimum spacing again.
                backoffShift = 0;
            }
            if (!wantedNow && wanted)
            {
                calmSinceNs = now;
            }
            wanted = wantedNow;
            final long dueOnDemand = lastRefreshNs + spacingNs(capNs) + jitterNs;
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
                // Drawn once per refresh: drawn per wake-up (probes wake the thread often) it would pull the due time
                // towards its earliest.
                final long minimum = config.refreshMinIntervalNs();
                jitterNs = minimum == 0 ? 0 : ThreadLocalRandom.current().nextLong(minimum / 4 + 1);
                continue;
            }
            long due = wantedNow && dueOnDemand - duePeriodic < 0 ? dueOnDemand : duePeriodic;
            if (probeDueNs - due < 0)
            {
                due = probeDueNs;
            }
            if (stormDueNs - due < 0)
            {
                due = stormDueNs;
            }
            LockSupport.parkNanos(this, Math.max(1_000_000L, due - now));
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

    /** {@link #spacingNs()}, held at {@code capNs} while a failover is expected, never below {@code minimum}. */
    private long spacingNs(final long capNs)
    {
        return cappedSpacingNs(spacingNs(), capNs, config.refreshMinIntervalNs());
    }

    static long cappedSpacingNs(final long spacingNs, final long capNs, final long minimumNs)
    {
        return capNs < spacingNs ? Math.max(capNs, minimumNs) : spacingNs;
    }

    /**
     * Updates the failover watch: which masters that a replica could replace are unreachable, stalled or reported
     * failed, and since when.
     *
     * @return the cap on the on-demand spacing now, {@link Long#MAX_VALUE} for none.
     */
    private long failoverSpacingCapNs(final Topology topology, final long now)
    {
        boolean failingNow = false;
        boolean suspectNow = false;
        for (final NodeEndpoint master : topology.masters())
        {
            if (!replicatedMasters.contains(master))
            {
                // No replica to promote: only the plain rules (an unready master, a request) ask for refreshes.
                continue;
            }
            if (failingMasters.contains(master))
            {
                failingNow = true;
                suspectNow = true;
            }
            else if (!master.isReady() || isStalled(master, now))
            {
                suspectNow = true;
            }
        }
        if (failingNow && !failing)
        {
            failingSinceNs = now;
        }
        failing = failingNow;
        if (suspectNow && !suspecting)
        {
            suspectSinceNs = now;
        }
        suspecting = suspectNow;
        return failoverSpacingCapNs(failing, now - failingSinceNs, suspecting, now - suspectSinceNs);
    }

    static long failoverSpacingCapNs(final boolean failing, final long failingForNs, final boolean suspecting,
        final long suspectingForNs)
    {
        if (failing && failingForNs < FAILING_WINDOW_NS)
        {
            return FAILING_SPACING_NS;
        }
        if (suspecting && suspectingForNs < SUSPECT_WINDOW_NS)
        {
            return SUSPECT_SPACING_NS;
        }
        return Long.MAX_VALUE;
    }

    /**
     * Sends a PING to each master serving slots whose last one was answered {@code livenessProbeInterval} ago,
     * marks one unanswered past {@link #stallAfterNs} as silent, and forgets nodes that left the snapshot.
     *
     * @return when the next probe is due or the oldest one in flight turns late.
     */
    private long probeMasters(final Topology topology, final long now)
    {
        for (final Iterator<Map.Entry<NodeEndpoint, Liveness>> it = liveness.entrySet().iterator(); it.hasNext(); )
        {
            final NodeEndpoint node = it.next().getKey();
            if (node.isRetired() || !topology.contains(node))
            {
                it.remove();
            }
        }
        long dueNs = now + config.refreshIntervalNs();
        if (probeIntervalNs == 0)
        {
            return dueNs;
        }
        for (final NodeEndpoint master : topology.masters())
        {
            final Liveness state = livenessOf(master);
            if (state.probe != null)
            {
                if (!state.probe.isDone())
                {
                    if (now - state.probeSentNs - stallAfterNs >= 0)
                    {
                        state.silent = true;
                    }
                    else if (state.probeSentNs + stallAfterNs - dueNs < 0)
                    {
                        dueNs = state.probeSentNs + stallAfterNs;
                    }
                    continue;
                }
                // An error (a lost connection, a full ring) is no answer either; the next answer clears it.
                state.silent = state.probe.isCompletedExceptionally();
                state.probe = null;
            }
            if (!master.isReady())
            {
                // Its connections speak for it (an unready master is wanted anyway); the engine reconnects.
                continue;
            }
            final long nextNs = state.probeSentNs + probeIntervalNs;
            if (state.probeSentNs == 0 || now - nextNs >= 0)
            {
                state.probe = send(master, "PING");
                state.probeSentNs = now == 0 ? 1 : now;
                if (now + stallAfterNs - dueNs < 0)
                {
                    dueNs = now + stallAfterNs;
                }
            }
            else if (nextNs - dueNs < 0)
            {
                dueNs = nextNs;
            }
        }
        return dueNs;
    }

    /**
     * When due, one {@link RedirectStormWatch} pass over every node of the snapshot (masters, then replicas).
     *
     * @return when the next pass is due.
     */
    private long watchRedirects(final Topology topology, final long now)
    {
        if (now - storms.dueNs(now) < 0)
        {
            return storms.dueNs(now);
        }
        storms.begin(now);
        final NodeEndpoint[] masters = topology.masters();
        for (int i = 0; i < masters.length; i++)
        {
            storms.observe(masters[i]);
            for (final NodeEndpoint replica : topology.replicasAt(i))
            {
                storms.observe(replica);
            }
        }
        storms.end();
        return storms.dueNs(now);
    }

    /** @return true when the node left a probe or query unanswered past its bound and answered nothing since. */
    private boolean isStalled(final NodeEndpoint node, final long now)
    {
        final Liveness state = liveness.get(node);
        return state != null && (state.silent ||
            state.probe != null && !state.probe.isDone() && now - state.probeSentNs - stallAfterNs >= 0);
    }

    private Liveness livenessOf(final NodeEndpoint node)
    {
        Liveness state = liveness.get(node);
        if (state == null)
        {
            state = new Liveness();
            liveness.put(node, state);
        }
        return state;
    }

    /**
     * Asks known nodes until one answers with a topology; then, only if none did, the seeds, each given up to the
     * connect timeout to connect.
     *
     * @return true when a topology was applied.
     */
    boolean refreshOnce()
    {
        final StringBuilder failures = new StringBuilder();
        if (askFirstAnswer(knownCandidates(router.topology(), System.nanoTime()), failures))
        {
            return true;
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
            if (askFirstAnswer(List.of(endpoint), failures))
            {
                return true;
            }
        }
        lastFailure = failures.length() == 0 ? "no node known and no seed configured" : failures.toString();
        lastChanged = false;
        return false;
    }

    /**
     * Ready masters from a rotating start, so load spreads, then ready replicas; those that left a question
     * unanswered lately or that the cluster reports failed go last, still asked if nobody else answers.
     */
    private List<NodeEndpoint> knownCandidates(final Topology topology, final long now)
    {
        final List<NodeEndpoint> candidates = new ArrayList<>();
        final List<NodeEndpoint> doubtful = new ArrayList<>();
        final NodeEndpoint[] masters = topology.masters();
        final int start = masters.length == 0 ? 0 : (rotation++ & Integer.MAX_VALUE) % masters.length;
        for (int i = 0; i < masters.length; i++)
        {
            addCandidate(masters[(start + i) % masters.length], now, candidates, doubtful);
        }
        for (int i = 0; i < masters.length; i++)
        {
            for (final NodeEndpoint replica : topology.replicasAt(i))
            {
                addCandidate(replica, now, candidates, doubtful);
            }
        }
        for (final NodeEndpoint node : doubtful)
        {
            if (!candidates.contains(node))
            {
                candidates.add(node);
            }
        }
        return candidates;
    }

    private void addCandidate(final NodeEndpoint node, final long now, final List<NodeEndpoint> candidates,
        final List<NodeEndpoint> doubtful)
    {
        if (!node.isReady() || candidates.contains(node) || doubtful.contains(node))
        {
            return;
        }
        if (isStalled(node, now) || failingMasters.contains(node))
        {
            doubtful.add(node);
        }
        else
        {
            candidates.add(node);
        }
    }

    /**
     * Asks {@code candidates} in order, each within the query timeout; once the node asked last has been silent
     * for {@link #hedgeDelayNs}, the next is asked too (up to {@link #MAX_PARALLEL_QUERIES} in flight). The first
     * description that covers a slot is applied; a question left behind completes (or times out) in the engine
     * unheeded.
     *
     * @return true when a topology was applied.
     */
    private boolean askFirstAnswer(final List<NodeEndpoint> candidates, final StringBuilder failures)
    {
        // Cleared on return: a reply left behind may come much later, and the caller may be the application's
        // thread (connect), which nothing should unpark then.
        final AtomicReference<Thread> waiter = new AtomicReference<>(Thread.currentThread());
        try
        {
            return askFirstAnswer(candidates, failures, waiter);
        }
        finally
        {
            waiter.set(null);
        }
    }

    private boolean askFirstAnswer(final List<NodeEndpoint> candidates, final StringBuilder failures,
        final AtomicReference<Thread> waiter)
    {
        final List<Query> inFlight = new ArrayList<>(MAX_PARALLEL_QUERIES);
        int next = 0;
        long companyDueNs = 0;
        while (!closed)
        {
            final long now = System.nanoTime();
            if (next < candidates.size() &&
                (inFlight.isEmpty() || inFlight.size() < MAX_PARALLEL_QUERIES && now - companyDueNs >= 0))
            {
                final NodeEndpoint node = candidates.get(next++);
                final CompletableFuture<Object> reply = send(node, "CLUSTER", "SHARDS");
                reply.whenComplete((value, error) -> wake(waiter));
                inFlight.add(new Query(node, reply, now));
                companyDueNs = now + hedgeDelayNs;
                continue;
            }
            if (inFlight.isEmpty())
            {
                return false;
            }
            boolean settled = false;
            long wakeNs = next < candidates.size() && inFlight.size() < MAX_PARALLEL_QUERIES ? companyDueNs :
                now + queryTimeoutNs;
            for (final Iterator<Query> it = inFlight.iterator(); it.hasNext(); )
            {
                final Query query = it.next();
                if (query.reply.isDone())
                {
                    it.remove();
                    settled = true;
                    if (settle(query, failures))
                    {
                        return true;
                    }
                }
                else if (now - query.sentNs - queryTimeoutNs >= 0)
                {
                    it.remove();
                    settled = true;
                    livenessOf(query.node).silent = true;
                    failures.append(addressOf(query.node)).append(": CLUSTER SHARDS unanswered within ")
                        .append(TimeUnit.NANOSECONDS.toMillis(queryTimeoutNs)).append("ms; ");
                }
                else if (query.sentNs + queryTimeoutNs - wakeNs < 0)
                {
                    wakeNs = query.sentNs + queryTimeoutNs;
                }
            }
            if (!settled)
            {
                // Woken by a reply (its completion unparks this thread), the next node's turn, or a bound.
                LockSupport.parkNanos(this, Math.max(1_000L, wakeNs - now));
            }
        }
        return false;
    }

    private static void wake(final AtomicReference<Thread> waiter)
    {
        final Thread waiting = waiter.get();
        if (waiting != null)
        {
            LockSupport.unpark(waiting);
        }
    }

    /** A CLUSTER SHARDS reply came (or failed): describe and apply it. */
    private boolean settle(final Query query, final StringBuilder failures)
    {
        final NodeEndpoint candidate = query.node;
        try
        {
            final TopologyDescription description = describe(candidate, query);
            livenessOf(candidate).silent = false;
            if (description.uncoveredSlots() == SlotHash.SLOT_COUNT)
            {
                failures.append(addressOf(candidate)).append(" knows no master owning slots; ");
                return false;
            }
            lastChanged = router.apply(description, queriedAtNs);
            noteHealth(description);
            refreshCount++;
            lastFailure = null;
            // Redis 7.0 reports replicas of a never-written master as loading: look again soon (backing off) rather
            // than leave reads on the masters for a whole periodic interval.
            loadingReplicas = config.readFrom() != ReadFrom.MASTER && hasLoadingReplica(description);
            return true;
        }
        catch (final RuntimeException ex)
        {
            failures.append(addressOf(candidate)).append(": ").append(ex.getMessage()).append("; ");
            return false;
        }
    }

    /**
     * Remembers, by endpoint, which masters the applied description reports failed while serving slots and which
     * have a replica not failed: the failover watch and the order of candidates read them.
     */
    private void noteHealth(final TopologyDescription description)
    {
        failingMasters.clear();
        replicatedMasters.clear();
        final List<NodeDescription> masters = description.masters();
        for (int i = 0; i < masters.size(); i++)
        {
            final NodeDescription master = masters.get(i);
            final NodeEndpoint endpoint = router.knownEndpoint(master.host(), master.port(), false);
            if (endpoint == null)
            {
                continue;
            }
            if (master.health() == NodeDescription.Health.FAILED && master.slotCount() > 0)
            {
                failingMasters.add(endpoint);
            }
            for (final NodeDescription replica : description.replicasOf(i))
            {
                // Loading counts: Redis 7.0 reports the replicas of a master never written to as loading, and
                // they are promoted like any other.
                if (replica.health() != NodeDescription.Health.FAILED)
                {
                    replicatedMasters.add(endpoint);
                    break;
                }
            }
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
     * The description in a CLUSTER SHARDS reply, or CLUSTER SLOTS' on servers before 7; sets {@link #queriedAtNs}
     * to when the question whose answer is returned was sent.
     */
    private TopologyDescription describe(final NodeEndpoint node, final Query query)
    {
        final Object shards;
        try
        {
            shards = replyOf(query.reply, "SHARDS");
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
        final TopologyDescription described = TopologyParser.parseShards(shards, node.host(), config.tls() != null);
        queriedAtNs = query.sentNs;
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

    /** One CLUSTER subcommand, bound to {@code node}, within the query timeout. */
    private Object call(final NodeEndpoint node, final String subcommand)
    {
        final CompletableFuture<Object> reply = send(node, "CLUSTER", subcommand);
        try
        {
            reply.get(queryTimeoutNs, TimeUnit.NANOSECONDS);
        }
        catch (final TimeoutException ex)
        {
            livenessOf(node).silent = true;
            throw new IllegalStateException("CLUSTER " + subcommand + " unanswered within " +
                TimeUnit.NANOSECONDS.toMillis(queryTimeoutNs) + "ms", ex);
        }
        catch (final ExecutionException ex)
        {
            // Reported by replyOf below.
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        }
        return replyOf(reply, subcommand);
    }

    /**
     * @param reply a completed reply.
     * @return its value.
     * @throws RedisServerException the node's error reply.
     * @throws IllegalStateException any other failure, naming the subcommand.
     */
    private static Object replyOf(final CompletableFuture<Object> reply, final String subcommand)
    {
        try
        {
            return reply.get();
        }
        catch (final ExecutionException ex)
        {
            if (ex.getCause() instanceof RedisServerException)
            {
                throw (RedisServerException)ex.getCause();
            }
            throw new IllegalStateException("CLUSTER " + subcommand + " failed: " + ex.getCause().getMessage(), ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        }
    }

    /**
     * Submits a command pinned to {@code node} on a sender thread (see the class comment).
     *
     * @return its reply; failed at once when every sender is stuck on a full ring or the client is closing.
     */
    private CompletableFuture<Object> send(final NodeEndpoint node, final Object... args)
    {
        final CompletableFuture<Object> reply = new CompletableFuture<>();
        try
        {
            senders.execute(() ->
            {
                try
                {
                    node.submit(ClusterRouter.PINNED, ReplyConverters.OBJECT, args).whenComplete((value, error) ->
                    {
                        if (error != null)
                        {
                            reply.completeExceptionally(error);
                        }
                        else
                        {
                            reply.complete(value);
                        }
                    });
                }
                catch (final RuntimeException ex)
                {
                    reply.completeExceptionally(ex);
                }
            });
        }
        catch (final RejectedExecutionException ex)
        {
            reply.completeExceptionally(new IllegalStateException(closed ? "client closing" :
                "no sender free: " + MAX_SENDERS + " wait on full rings", ex));
        }
        return reply;
    }

    private static String addressOf(final NodeEndpoint node)
    {
        return node.host() + ':' + node.port();
    }

    /**
     * Waits up to the connect timeout for {@code endpoint} to connect; gives up early when an attempt fails (the
     * node is down, not slow) or the handshake was refused.
     */
    private boolean awaitReady(final NodeEndpoint endpoint)
    {
        final long deadline = System.nanoTime() + config.connectTimeoutNs();
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

    /** What the refresher knows of one node's answers; refresher thread only. */
    private static final class Liveness
    {
        /** The liveness probe in flight, or null. */
        CompletableFuture<Object> probe;
        /** When the last probe was sent; 0 before the first. */
        long probeSentNs;
        /** A probe or query went unanswered past its bound (or failed); cleared by the next answer. */
        boolean silent;
    }

    /** One topology question in flight. */
    private static final class Query
    {
        final NodeEndpoint node;
        final CompletableFuture<Object> reply;
        final long sentNs;

        Query(final NodeEndpoint node, final CompletableFuture<Object> reply, final long sentNs)
        {
            this.node = node;
            this.reply = reply;
            this.sentNs = sentNs;
        }
    }
}
