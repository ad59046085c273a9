package io.slotring.cluster;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import io.slotring.codec.RespReader;
import io.slotring.codec.SlotHash;
import io.slotring.codec.internal.CommandHeader;
import io.slotring.engine.internal.CommandSpec;
import io.slotring.engine.internal.CommandTable;
import io.slotring.engine.internal.IoRuntime;
import io.slotring.engine.internal.JfrEvents;
import io.slotring.engine.internal.NodeEndpoint;
import io.slotring.engine.internal.RedirectHandler;
import io.slotring.engine.internal.RedirectedCommand;

/**
 * Owns the routing state: the current {@link Topology} snapshot, the endpoints by address, and what happens when
 * a node redirects a command or cannot take it.
 *
 * <ul>
 *   <li>MOVED: the slot is re-pointed at once (a new snapshot, the patch remembered with its time), a full refresh
 *       is requested in the background, and the command's encoded bytes are re-sent to the named node, which is
 *       connected if new. An empty or {@code ?} host means the host of the node that replied.</li>
 *   <li>ASK: {@code ASKING} and the command go to the named node in two adjacent ring slots; the table is not
 *       changed. ASKING (like READONLY, which replica connections send after their handshake) is a command of this
 *       layer: the engine sends it as an opaque pre-command.</li>
 *   <li>TRYAGAIN, CLUSTERDOWN, LOADING (and MASTERDOWN) from a master: the command is parked on its I/O agent and
 *       re-routed after a doubling backoff, never past its deadline. LOADING or MASTERDOWN from a replica: the read
 *       goes to the slot's master at once.</li>
 *   <li>Queued, never written commands on a node that cannot write them ({@link #onUnsent}) go to the slot's
 *       current master once a new snapshot names another one.</li>
 * </ul>
 * The engine offers exactly the error replies {@link #wantsReply} names; each is read once, in place, by a
 * per-thread {@link RedirectReply}, and a MOVED or ASK to a node met before finds it in {@link RedirectTargets}
 * without allocating. Only MOVED and ASK count against {@code maxRedirects}; past it the command fails naming its
 * slot and the nodes.
 * Retries and re-routes do not count: their bound is the command's deadline. Commands {@link #PINNED} to one node
 * are never redirected, retried or moved: their error replies are their answers.
 *
 * <p>Endpoints: those a snapshot, a MOVED patch or a seed probe put in use are <em>managed</em>, and retired
 * ({@link NodeEndpoint#retire()}, dropped from the map) once a new snapshot no longer refers to them, so a node that
 * left stops reconnecting; a node that comes back gets a fresh endpoint. Endpoints created for {@code executeOn}
 * and ASK targets outside every snapshot are left alone.
 *
 * <p>Threads: {@link #topology} is written under {@link #lock} (refresher thread, or an I/O thread on MOVED) and
 * read lock-free by every producer (volatile). Everything else mutable is guarded by {@link #lock}.
 */
final class ClusterRouter implements RedirectHandler
{
    /**
     * Route slot of a keyless command meant for the node it was sent to (fan-out parts, {@code executeOn}, the
     * refresher's queries): it is never moved to another node, and any error reply is its answer. The engine picks
     * its connection like a keyless command's ({@link NodeEndpoint#PINNED}).
     */
    static final int PINNED = NodeEndpoint.PINNED;

    private static final NodeEndpoint[] NO_ENDPOINTS = new NodeEndpoint[0];
    /** Sent, as the engine's opaque pre-command, right before a command following an ASK. */
    private static final CommandHeader ASKING = CommandHeader.of(1, "ASKING");
    /** Sent after the handshake on every connection of a replica endpoint: replica reads. */
    private static final CommandHeader READONLY = CommandHeader.of(1, "READONLY");
    /**
     * One reply flyweight per thread that hands this router a redirect (the I/O threads, a caller driving its own
     * batch): created on a thread's first redirect, reused after.
     */
    private static final ThreadLocal<RedirectReply> REPLIES = ThreadLocal.withInitial(RedirectReply::new);

    private final ClusterConfig config;
    /**
     * A command re-sent with less time than this left would likely time out after being written, which reports
     * "may have been applied" and resets a healthy connection; it waits out its deadline instead ("not applied").
     */
    private final long rerouteMarginNs;
    private final Object lock = new Object();
    private final Map<String, NodeEndpoint> endpoints = new HashMap<>();
    private final Set<NodeEndpoint> managed = Collections.newSetFromMap(new IdentityHashMap<>());
    /** The master endpoints of {@link #endpoints} that redirects named, by address, for lookups from reply bytes. */
    private final RedirectTargets redirectTargets = new RedirectTargets();
    /** Per slot, the owner the last MOVED named, until a snapshot queried after it was applied; else null. */
    private final NodeEndpoint[] patchedOwner = new NodeEndpoint[SlotHash.SLOT_COUNT];
    /** Per slot, when ({@link System#nanoTime()}) the MOVED patch in {@link #patchedOwner} was applied. */
    private final long[] patchedAtNs = new long[SlotHash.SLOT_COUNT];
    private int patchedSlots;
    private volatile Topology topology = Topology.EMPTY;
    private IoRuntime runtime;
    private TopologyRefresher refresher;
    /** ASK redirects followed, bumped on the (cold) redirect path by any I/O thread; tests read it. */
    private final AtomicLong asked = new AtomicLong();
    /** MOVED redirects followed, bumped on the (cold) redirect path by any I/O thread; tests read it. */
    private final AtomicLong moved = new AtomicLong();

    ClusterRouter(final ClusterConfig config)
    {
        this.config = config;
        this.rerouteMarginNs = Math.min(config.retryBackoffNs(), config.commandTimeoutNs() / 10);
    }

    /**
     * @param runtime   creates the endpoints.
     * @param refresher receives refresh requests; null in tests of the router alone.
     */
    void attach(final IoRuntime runtime, final TopologyRefresher refresher)
    {
        this.runtime = runtime;
        this.refresher = refresher;
    }

    Topology topology()
    {
        return topology;
    }

    ClusterConfig config()
    {
        return config;
    }

    /**
     * @return the endpoint for an address, created (and connecting) on first use. One created here stays until the
     * client closes unless a snapshot takes it into use (then it leaves with the snapshot).
     */
    NodeEndpoint endpoint(final String host, final int port, final boolean readOnly)
    {
        synchronized (lock)
        {
            return endpointLocked(host, port, readOnly);
        }
    }

    /**
     * @return the endpoint of a seed the refresher asks because no known node answered; retired with the next
     * snapshot that does not list it, so probing a seed never leaves a connection behind.
     */
    NodeEndpoint seedEndpoint(final String host, final int port)
    {
        synchronized (lock)
        {
            final NodeEndpoint endpoint = endpointLocked(host, port, false);
            managed.add(endpoint);
            return endpoint;
        }
    }

    /**
     * @return the endpoint known for the address, or null (none, or it was retired).
     */
    NodeEndpoint knownEndpoint(final String host, final int port, final boolean readOnly)
    {
        synchronized (lock)
        {
            return endpoints.get(key(host, port, readOnly));
        }
    }

    private NodeEndpoint endpointLocked(final String host, final int port, final boolean readOnly)
    {
        final String key = key(host, port, readOnly);
        NodeEndpoint endpoint = endpoints.get(key);
        if (endpoint == null)
        {
            endpoint = readOnly ? runtime.endpoint(host, port, true, READONLY) : runtime.endpoint(host, port, false);
            endpoints.put(key, endpoint);
        }
        return endpoint;
    }

    /**
     * Under the lock: the master endpoint a parsed MOVED or ASK names, from the reply's bytes. A node met before is
     * found without allocating; a new one is created (host String, map key) and remembered.
     *
     * @param sourceHost the answering node's host, for an address without one; non-null then.
     */
    private NodeEndpoint redirectTargetLocked(final RedirectReply reply, final String sourceHost)
    {
        NodeEndpoint target = redirectTargets.find(reply, sourceHost);
        if (target == null || target.isRetired())
        {
            final String host = reply.host(sourceHost);
            target = endpointLocked(host, reply.port(), false);
            redirectTargets.put(host, reply.port(), target);
        }
        return target;
    }

    private static String key(final String host, final int port, final boolean readOnly)
    {
        return host + ':' + port + (readOnly ? "/ro" : "");
    }

    /**
     * Builds and publishes the snapshot for a freshly read topology, then retires the endpoints it no longer
     * refers to and asks the endpoints that cannot write to offer their queued commands to the new owners.
     * Endpoints are reused by address, so a refresh that changes nothing reconnects nothing.
     *
     * @param description the topology as one node described it.
     * @param queriedAtNs when ({@link System#nanoTime()}) the query for it was sent: a slot a MOVED re-pointed after
     *                    that keeps its patched owner, since the description may predate the move.
     * @return true when the routing changed (another owner, master set or replica set).
     */
    boolean apply(final TopologyDescription description, final long queriedAtNs)
    {
        final List<NodeEndpoint> retiring = new ArrayList<>();
        final Topology applied;
        final boolean changed;
        synchronized (lock)
        {
            final List<NodeDescription> described = description.masters();
            final List<NodeEndpoint> masters = new ArrayList<>(described.size());
            final List<NodeEndpoint[]> replicas = new ArrayList<>(described.size());
            final List<NodeEndpoint> fanOut = new ArrayList<>(described.size());
            final int[] describedToIndex = new int[described.size()];
            for (int i = 0; i < described.size(); i++)
            {
                final NodeDescription master = described.get(i);
                describedToIndex[i] = -1;
                if (master.slotCount() == 0)
                {
                    // Serves nothing, so nothing goes to it; a failed old master after a failover is one of these.
                    continue;
                }
                final NodeEndpoint endpoint = endpointLocked(master.host(), master.port(), false);
                int index = masters.indexOf(endpoint);
                if (index < 0)
                {
                    index = masters.size();
                    masters.add(endpoint);
                    replicas.add(replicaEndpoints(description, i));
                }
                describedToIndex[i] = index;
                if (master.health() != NodeDescription.Health.FAILED && !fanOut.contains(endpoint))
                {
                    fanOut.add(endpoint);
                }
            }
            final int[] slotToIndex = new int[SlotHash.SLOT_COUNT];
            for (int slot = 0; slot < SlotHash.SLOT_COUNT; slot++)
            {
                final int describedIndex = description.masterIndexFor(slot);
                slotToIndex[slot] = describedIndex < 0 ? -1 : describedToIndex[describedIndex];
            }
            if (patchedSlots > 0)
            {
                keepNewerPatches(queriedAtNs, slotToIndex, masters, replicas, fanOut);
            }
            final NodeEndpoint[] masterArray = masters.toArray(NO_ENDPOINTS);
            final NodeEndpoint[] slotMasters = new NodeEndpoint[SlotHash.SLOT_COUNT];
            for (int slot = 0; slot < SlotHash.SLOT_COUNT; slot++)
            {
                slotMasters[slot] = slotToIndex[slot] >= 0 ? masterArray[slotToIndex[slot]] : null;
            }
            applied = new Topology(slotMasters, slotToIndex, masterArray, replicas.toArray(new NodeEndpoint[0][]),
                fanOut.toArray(NO_ENDPOINTS));
            changed = !applied.sameRouting(topology);
            topology = applied;
            collectRetiring(applied, masterArray, replicas, retiring);
        }
        // Outside the lock: both only raise flags and wake the endpoints' I/O agents, which do the work.
        for (final NodeEndpoint endpoint : retiring)
        {
            endpoint.retire();
        }
        rerouteQueuedOf(applied.masters());
        int replicaCount = 0;
        for (final NodeEndpoint[] ofMaster : replicasOf(applied))
        {
            rerouteQueuedOf(ofMaster);
            replicaCount += ofMaster.length;
        }
        if (changed)
        {
            JfrEvents.topologyChanged(applied.masters().length, replicaCount);
            requestRefreshForEarlyFailures(applied);
        }
        return changed;
    }

    private NodeEndpoint[] replicaEndpoints(final TopologyDescription description, final int masterIndex)
    {
        if (config.readFrom() == ReadFrom.MASTER)
        {
            return NO_ENDPOINTS;
        }
        final List<NodeEndpoint> replicas = new ArrayList<>();
        for (final NodeDescription replica : description.replicasOf(masterIndex))
        {
            // Loading or failed replicas get no reads.
            if (replica.health() == NodeDescription.Health.ONLINE)
            {
                replicas.add(endpointLocked(replica.host(), replica.port(), true));
            }
        }
        return replicas.toArray(NO_ENDPOINTS);
    }

    /**
     * Under the lock: a slot a MOVED re-pointed after the query was sent keeps that owner (the description may be
     * older than the move); older patches are superseded by the description and forgotten.
     */
    private void keepNewerPatches(final long queriedAtNs, final int[] slotToIndex, final List<NodeEndpoint> masters,
        final List<NodeEndpoint[]> replicas, final List<NodeEndpoint> fanOut)
    {
        for (int slot = 0; slot < SlotHash.SLOT_COUNT; slot++)
        {
            final NodeEndpoint owner = patchedOwner[slot];
            if (owner == null)
            {
                continue;
            }
            if (patchedAtNs[slot] - queriedAtNs <= 0)
            {
                patchedOwner[slot] = null;
                patchedSlots--;
                continue;
            }
            int index = masters.indexOf(owner);
            if (index < 0)
            {
                index = masters.size();
                masters.add(owner);
                replicas.add(NO_ENDPOINTS);
            }
            if (!fanOut.contains(owner))
            {
                fanOut.add(owner);
            }
            slotToIndex[slot] = index;
        }
    }

    /** Under the lock: managed endpoints the new snapshot does not refer to leave the map, to be retired. */
    private void collectRetiring(final Topology applied, final NodeEndpoint[] masters,
        final List<NodeEndpoint[]> replicas, final List<NodeEndpoint> retiring)
    {
        final Set<NodeEndpoint> referenced = Collections.newSetFromMap(new IdentityHashMap<>());
        Collections.addAll(referenced, masters);
        for (final NodeEndpoint[] ofMaster : replicas)
        {
            Collections.addAll(referenced, ofMaster);
        }
        managed.addAll(referenced);
        for (final Iterator<NodeEndpoint> it = endpoints.values().iterator(); it.hasNext(); )
        {
            final NodeEndpoint endpoint = it.next();
            if (managed.contains(endpoint) && !referenced.contains(endpoint))
            {
                it.remove();
                managed.remove(endpoint);
                redirectTargets.remove(endpoint);
                retiring.add(endpoint);
            }
        }
    }

    private static NodeEndpoint[][] replicasOf(final Topology topology)
    {
        final NodeEndpoint[] masters = topology.masters();
        final NodeEndpoint[][] replicas = new NodeEndpoint[masters.length][];
        for (int i = 0; i < masters.length; i++)
        {
            replicas[i] = topology.replicasAt(i);
        }
        return replicas;
    }

    private static void rerouteQueuedOf(final NodeEndpoint[] endpoints)
    {
        for (final NodeEndpoint endpoint : endpoints)
        {
            if (!endpoint.isReady())
            {
                endpoint.rerouteQueued();
            }
        }
    }

    /**
     * MOVED: re-points {@code slot} at the named node in a new snapshot and remembers when, so a refresh whose
     * query went out before this keeps it.
     *
     * @return the slot's new owner.
     */
    NodeEndpoint patch(final int slot, final String host, final int port)
    {
        synchronized (lock)
        {
            return patchLocked(slot, endpointLocked(host, port, false));
        }
    }

    /**
     * MOVED from a reply: as {@link #patch(int, String, int)}, the target found from the reply's bytes; allocates
     * nothing but the new snapshot when the slot changes owner (the table patch).
     *
     * @param reply      a parsed MOVED.
     * @param sourceHost the answering node's host, for an address without one; non-null then.
     * @return the slot's new owner.
     */
    NodeEndpoint patch(final RedirectReply reply, final String sourceHost)
    {
        synchronized (lock)
        {
            return patchLocked(reply.slot(), redirectTargetLocked(reply, sourceHost));
        }
    }

    private NodeEndpoint askTarget(final RedirectReply reply, final String sourceHost)
    {
        synchronized (lock)
        {
            return redirectTargetLocked(reply, sourceHost);
        }
    }

    private NodeEndpoint patchLocked(final int slot, final NodeEndpoint target)
    {
        managed.add(target);
        if (patchedOwner[slot] == null)
        {
            patchedSlots++;
        }
        patchedOwner[slot] = target;
        patchedAtNs[slot] = System.nanoTime();
        if (topology.master(slot) != target)
        {
            topology = topology.withSlot(slot, target);
        }
        return target;
    }

    long askCount()
    {
        return asked.get();
    }

    long movedCount()
    {
        return moved.get();
    }

    void requestRefresh()
    {
        final TopologyRefresher current = refresher;
        if (current != null)
        {
            current.request();
        }
    }

    /**
     * Engine, driver thread, every error reply on a cluster connection: MOVED, ASK, TRYAGAIN, CLUSTERDOWN, LOADING
     * and MASTERDOWN are this layer's. A few byte compares on the reply in place; allocation-free.
     */
    @Override
    public boolean wantsReply(final RespReader errorReply)
    {
        return RedirectReply.kindOf(errorReply) != RedirectReply.OTHER;
    }

    @Override
    public boolean onRedirect(final RedirectedCommand command, final RespReader error)
    {
        final RedirectReply reply = REPLIES.get().wrap(error);
        if (command.slot() == PINNED)
        {
            // Meant for this very node: its answer, even a redirect or "try later", is the caller's. A MOVED or ASK
            // is still counted on the node that sent it, as the metric says.
            if (reply.kind() == RedirectReply.MOVED)
            {
                command.countAsMoved();
            }
            else if (reply.kind() == RedirectReply.ASK)
            {
                command.countAsAsk();
            }
            return false;
        }
        final int kind = reply.kind();
        if (kind == RedirectReply.OTHER)
        {
            return false;
        }
        if (kind == RedirectReply.MOVED || kind == RedirectReply.ASK)
        {
            redirect(command, reply);
            return true;
        }
        final NodeEndpoint source = command.source();
        final boolean unavailable = kind == RedirectReply.LOADING || kind == RedirectReply.MASTERDOWN;
        if (unavailable && source != null && source.isReadOnly())
        {
            // A replica that cannot serve now (loading its data, or cut off from its master with
            // replica-serve-stale-data no): the master can, at once. The refresh drops a loading replica from reads.
            requestRefresh();
            final NodeEndpoint master = ownerOf(command.slot(), topology);
            if (master != null && master != source && hasTimeToSend(command) && command.reroute(master))
            {
                return true;
            }
        }
        else if (kind == RedirectReply.CLUSTERDOWN)
        {
            requestRefresh();
        }
        // TRYAGAIN (multi-key command during a migration), CLUSTERDOWN (no quorum, failover in progress), LOADING
        // (a restarted master): the command was not applied; wait and re-route until its deadline.
        parkForRetry(command);
        return true;
    }

    /**
     * MOVED or ASK: checks the bound, then follows. A reply that does not parse fails the command, saying why. The
     * reply is read before the command is re-sent, never after (the re-send may run this thread's I/O).
     */
    private void redirect(final RedirectedCommand command, final RedirectReply reply)
    {
        final boolean asking = reply.kind() == RedirectReply.ASK;
        if (asking)
        {
            asked.incrementAndGet();
            command.countAsAsk();
        }
        else
        {
            moved.incrementAndGet();
            command.countAsMoved();
        }
        final NodeEndpoint source = command.source();
        final String sourceHost = source == null ? null : source.host();
        final String problem = reply.problem(sourceHost);
        if (problem != null)
        {
            command.fail(new ClusterRoutingException("command " + command.commandName() + " for slot " +
                command.slot() + " got a redirect it cannot follow from " + describe(source) + ": " + problem +
                " (not applied)"));
            return;
        }
        if (command.redirects() >= config.maxRedirects())
        {
            command.fail(new ClusterRoutingException("command " + command.commandName() + " for slot " +
                reply.slot() + " redirected more than " + config.maxRedirects() + " times; last " +
                (asking ? "ASK" : "MOVED") + " to " + reply.address(sourceHost) + " from " + describe(source) +
                " (not applied)"));
            requestRefresh();
            return;
        }
        final int slot = reply.slot();
        final NodeEndpoint target;
        if (asking)
        {
            target = askTarget(reply, sourceHost);
        }
        else
        {
            target = patch(reply, sourceHost);
            requestRefresh();
        }
        if (!command.resubmit(target, asking ? ASKING : null))
        {
            command.fail(new ClusterRoutingException("command " + command.commandName() + " for slot " + slot +
                " could not be re-sent to " + describe(target) + ": its ring is full or it left the topology " +
                "(not applied)"));
        }
    }

    private static String describe(final NodeEndpoint endpoint)
    {
        return endpoint == null ? "an unknown node" : endpoint.host() + ':' + endpoint.port();
    }

    /** Doubling from {@code retryBackoff}, capped at 64x: the deadline bounds the whole wait anyway. */
    private long backoff(final RedirectedCommand command)
    {
        return config.retryBackoffNs() << Math.min(command.retries(), 6);
    }

    /**
     * Parks the command for its next backoff, never past its deadline (where the engine fails it as a timeout,
     * not applied).
     */
    private void parkForRetry(final RedirectedCommand command)
    {
        final long remaining = command.deadlineNs() - System.nanoTime();
        command.retryLater(Math.max(0, Math.min(backoff(command), remaining)));
    }

    private boolean hasTimeToSend(final RedirectedCommand command)
    {
        return command.deadlineNs() - System.nanoTime() > rerouteMarginNs;
    }

    @Override
    public void onRetryDue(final RedirectedCommand command)
    {
        try
        {
            final int slot = command.slot();
            if (slot == PINNED)
            {
                // Never parked (onRedirect hands pinned commands' errors back); nowhere else to send one.
                command.fail(new ClusterRoutingException("command " + command.commandName() + " for one chosen " +
                    "node cannot be retried elsewhere (not applied)"));
                return;
            }
            final NodeEndpoint target = ownerOf(slot, topology);
            if (target == null)
            {
                requestRefresh();
                parkForRetry(command);
                return;
            }
            if (!hasTimeToSend(command))
            {
                parkForRetry(command);
                return;
            }
            if (!command.reroute(target))
            {
                command.fail(new ClusterRoutingException("command " + command.commandName() + " for slot " + slot +
                    " could not be re-sent: the ring of " + target + " is full or it left the topology " +
                    "(not applied)"));
            }
        }
        catch (final RuntimeException ex)
        {
            // The engine would leave a parked command uncompleted if this threw; nothing above was sent.
            command.fail(new ClusterRoutingException("command " + command.commandName() + " could not be " +
                "retried: " + ex + " (not applied)"));
        }
    }

    /**
     * A queued, never written command on a node that cannot write it: it goes to its slot's current master (any
     * master for a keyless one) when the snapshot names another node than the one holding it.
     */
    @Override
    public boolean onUnsent(final RedirectedCommand command)
    {
        final int slot = command.slot();
        if (slot == PINNED)
        {
            return false;
        }
        final NodeEndpoint target = ownerOf(slot, topology);
        if (target == null || target == command.source())
        {
            return false;
        }
        return command.reroute(target);
    }

    /**
     * A master new to this snapshot whose connection failed before the snapshot named it reported that outage to
     * the previous snapshot, which ignored it; and an outage is reported once. Ask now for the refresh that report
     * would have asked for. ({@code lastError} is set before the report, so a failure after this check is reported
     * to this snapshot.)
     */
    private void requestRefreshForEarlyFailures(final Topology applied)
    {
        for (final NodeEndpoint master : applied.masters())
        {
            if (!master.isReady() && master.lastError() != null)
            {
                requestRefresh();
                return;
            }
        }
    }

    /**
     * Only nodes the current snapshot routes to ask for a refresh: an endpoint outside it (a seed probe, an
     * {@code executeOn} target) that stays down must not keep the refresher busy.
     */
    @Override
    public void onConnectionLost(final NodeEndpoint endpoint, final String reason)
    {
        if (topology.contains(endpoint))
        {
            requestRefresh();
        }
    }

    private static NodeEndpoint ownerOf(final int slot, final Topology topology)
    {
        return slot >= 0 ? topology.master(slot) : anyMaster(topology);
    }

    /**
     * The one place a command's slot is decided, once, before it is sent (every style; retries and re-routes keep
     * it): the slot of the keys the {@link CommandTable} places, all in one slot; for a command the table does not
     * know, the slot of its first argument when that is a {@code byte[]} or {@code CharSequence}. No allocation.
     *
     * @param spec the command's table row, or null when the table does not know it.
     * @param args command name and arguments.
     * @return the slot, or {@link NodeEndpoint#KEYLESS} for a keyless command.
     * @throws IllegalArgumentException (CROSSSLOT) when the keys map to several slots, or for a bad key count.
     */
    static int slotFor(final CommandSpec spec, final Object[] args)
    {
        if (spec == null)
        {
            return args.length > 1 && ClusterClient.isKeyLike(args[1]) ? ClusterClient.slotOf(args[1]) :
                NodeEndpoint.KEYLESS;
        }
        return spec.slot(args);
    }

    /**
     * @param spec     the command's table row, or null.
     * @param slot     from {@link #slotFor}.
     * @param topology the snapshot to route by.
     * @param readFrom the client's read-from policy: read commands may go to a replica.
     * @return the node for the command, or null when none serves its slot.
     */
    static NodeEndpoint nodeFor(final CommandSpec spec, final int slot, final Topology topology,
        final ReadFrom readFrom)
    {
        if (slot < 0)
        {
            return anyMaster(topology);
        }
        return spec != null && spec.isReadOnly() ? topology.reader(slot, readFrom) : topology.master(slot);
    }

    /**
     * @return a master for a keyless command: a connected one not reported failed if any, else any master, else
     * null.
     */
    static NodeEndpoint anyMaster(final Topology topology)
    {
        final NodeEndpoint[] candidates = topology.fanOut().length > 0 ? topology.fanOut() : topology.masters();
        for (final NodeEndpoint master : candidates)
        {
            if (master.isReady())
            {
                return master;
            }
        }
        return candidates.length > 0 ? candidates[0] : null;
    }
}
