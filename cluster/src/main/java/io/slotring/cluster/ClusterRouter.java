package io.slotring.cluster;

import io.slotring.codec.SlotHash;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.slotring.codec.RespReader;
import io.slotring.engine.IoRuntime;
import io.slotring.engine.NodeEndpoint;
import io.slotring.engine.RedirectHandler;
import io.slotring.engine.RedirectedCommand;

/**
 * Owns the routing state: the current {@link Topology} snapshot, the endpoints by address, and what happens when
 * a node redirects a command.
 *
 * <ul>
 *   <li>MOVED: the slot is re-pointed at once (a new snapshot), a full refresh is requested in the background,
 *       and the command's encoded bytes are re-sent to the named node, which is connected if new.</li>
 *   <li>ASK: {@code ASKING} and the command go to the named node in two adjacent ring slots; the table is not
 *       changed.</li>
 *   <li>TRYAGAIN, CLUSTERDOWN: the command is parked on its I/O agent and re-routed after a doubling backoff,
 *       until its deadline.</li>
 * </ul>
 * MOVED and ASK count against {@code maxRedirects}; past it the command fails naming its slot and the nodes.
 *
 * <p>Threads: {@link #topology} is written under {@link #lock} (refresher thread, or an I/O thread on MOVED) and
 * read lock-free by every producer (volatile). {@link #endpoints} is guarded by {@link #lock}.
 */
final class ClusterRouter implements RedirectHandler
{
    private final ClusterConfig config;
    private final Object lock = new Object();
    private final Map<String, NodeEndpoint> endpoints = new HashMap<>();
    private volatile Topology topology = Topology.EMPTY;
    private IoRuntime runtime;
    private TopologyRefresher refresher;
    /** ASK redirects followed, bumped on the (cold) redirect path by any I/O thread; tests read it. */
    private final AtomicLong asked = new AtomicLong();

    ClusterRouter(final ClusterConfig config)
    {
        this.config = config;
    }

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
     * @return the endpoint for an address, created (and connecting) on first use.
     */
    NodeEndpoint endpoint(final String host, final int port, final boolean readOnly)
    {
        final String key = host + ':' + port + (readOnly ? "/ro" : "");
        synchronized (lock)
        {
            NodeEndpoint endpoint = endpoints.get(key);
            if (endpoint == null)
            {
                endpoint = runtime.endpoint(host, port, readOnly);
                endpoints.put(key, endpoint);
            }
            return endpoint;
        }
    }

    /**
     * Builds and publishes the snapshot for a freshly read topology. Endpoints are reused by address, so a
     * refresh that changes nothing reconnects nothing.
     */
    void apply(final TopologyDescription description)
    {
        final List<NodeDescription> masters = description.masters();
        final NodeEndpoint[] masterEndpoints = new NodeEndpoint[masters.size()];
        final NodeEndpoint[][] replicaEndpoints = new NodeEndpoint[masters.size()][];
        for (int i = 0; i < masters.size(); i++)
        {
            final NodeDescription master = masters.get(i);
            masterEndpoints[i] = endpoint(master.host(), master.port(), false);
            final List<NodeEndpoint> replicas = new ArrayList<>();
            if (config.readFrom() != ReadFrom.MASTER)
            {
                for (final NodeDescription replica : description.replicasOf(i))
                {
                    // Loading or failed replicas get no reads.
                    if (replica.health() == NodeDescription.Health.ONLINE)
                    {
                        replicas.add(endpoint(replica.host(), replica.port(), true));
                    }
                }
            }
            replicaEndpoints[i] = replicas.toArray(new NodeEndpoint[0]);
        }
        final int[] slotToIndex = description.slotToMasterIndex();
        final NodeEndpoint[] slotMasters = new NodeEndpoint[SlotHash.SLOT_COUNT];
        for (int slot = 0; slot < SlotHash.SLOT_COUNT; slot++)
        {
            final int index = slotToIndex[slot];
            slotMasters[slot] = index >= 0 ? masterEndpoints[index] : null;
        }
        synchronized (lock)
        {
            topology = new Topology(slotMasters, slotToIndex, masterEndpoints, replicaEndpoints);
        }
    }

    long askCount()
    {
        return asked.get();
    }

    void requestRefresh()
    {
        final TopologyRefresher current = refresher;
        if (current != null)
        {
            current.request();
        }
    }

    @Override
    public boolean onRedirect(final RedirectedCommand command, final RespReader error)
    {
        final String message = error.stringValue();
        if (message.startsWith("MOVED ") || message.startsWith("ASK "))
        {
            final boolean asking = message.startsWith("ASK ");
            if (asking)
            {
                asked.incrementAndGet();
            }
            final String[] parts = message.split(" ");
            if (parts.length < 3)
            {
                return false;
            }
            final int slot = Integer.parseInt(parts[1]);
            final String address = parts[2];
            if (command.redirects() >= config.maxRedirects())
            {
                command.fail(new ClusterRoutingException("command " + command.commandName() + " for slot " + slot +
                    " redirected more than " + config.maxRedirects() + " times; last " + parts[0] + " to " +
                    address + " (not applied)"));
                requestRefresh();
                return true;
            }
            final NodeEndpoint target = endpoint(redirectHost(address, command.source()),
                ClusterConfig.parsePort(address), false);
            if (!asking)
            {
                synchronized (lock)
                {
                    if (topology.master(slot) != target)
                    {
                        topology = topology.withSlot(slot, target);
                    }
                }
                requestRefresh();
            }
            if (!command.resubmit(target, asking))
            {
                command.fail(new ClusterRoutingException("command " + command.commandName() + " for slot " + slot +
                    " could not be re-sent to " + address + ": its ring is full (not applied)"));
            }
            return true;
        }
        // TRYAGAIN (multi-key command during a migration) and CLUSTERDOWN (no quorum, failover in progress):
        // the command was not applied; wait and re-route until its deadline.
        if (message.startsWith("CLUSTERDOWN"))
        {
            requestRefresh();
        }
        command.retryLater(backoff(command));
        return true;
    }

    /**
     * The host of a MOVED/ASK address. An empty host, or {@code ?} (Redis 7 with
     * {@code cluster-preferred-endpoint-type unknown-endpoint}, or {@code hostname} for a node without one), means
     * "the host you sent the command to".
     */
    static String redirectHost(final String address, final NodeEndpoint source)
    {
        final int colon = address.lastIndexOf(':');
        final String host = colon < 0 ? address : address.substring(0, colon);
        if (host.isEmpty() || "?".equals(host))
        {
            if (source == null)
            {
                throw new IllegalArgumentException("expected host:port in a redirect, got '" + address +
                    "' with no node to take the host from");
            }
            return source.host();
        }
        return ClusterConfig.parseHost(address);
    }

    /** Doubling from {@code retryBackoff}, capped at 64x: the deadline bounds the whole wait anyway. */
    private long backoff(final RedirectedCommand command)
    {
        return config.retryBackoffNs() << Math.min(command.retries(), 6);
    }

    @Override
    public void onRetryDue(final RedirectedCommand command)
    {
        final int slot = slotOf(command.reader());
        final Topology current = topology;
        final NodeEndpoint target = slot >= 0 ? current.master(slot) : anyMaster(current);
        if (target == null)
        {
            requestRefresh();
            command.retryLater(backoff(command));
            return;
        }
        if (!command.reroute(target))
        {
            command.fail(new ClusterRoutingException("command " + command.commandName() + " for slot " + slot +
                " could not be re-sent: the ring of " + target + " is full (not applied)"));
        }
    }

    @Override
    public void onConnectionLost(final NodeEndpoint endpoint, final String reason)
    {
        requestRefresh();
    }

    /**
     * @return the slot of the command's first argument, or -1 for a command without one.
     */
    static int slotOf(final RespReader command)
    {
        if (!command.next() || !command.next() || !command.next())
        {
            return -1;
        }
        return SlotHash.slot(command.buffer(), command.valueOffset(), command.valueLength());
    }

    static NodeEndpoint anyMaster(final Topology topology)
    {
        final NodeEndpoint[] masters = topology.masters();
        for (final NodeEndpoint master : masters)
        {
            if (master.isReady())
            {
                return master;
            }
        }
        return masters.length > 0 ? masters[0] : null;
    }
}
