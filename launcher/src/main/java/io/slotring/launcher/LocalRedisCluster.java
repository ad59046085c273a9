package io.slotring.launcher;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A Redis Cluster of redis-server processes started by this JVM on free loopback ports, each node in its own
 * temp dir, with fault operations for tests (kill, pause, failover, live slot migration, adding a master).
 *
 * <pre>{@code
 * try (LocalRedisCluster cluster = LocalRedisCluster.builder().masters(3).replicasPerMaster(1).start()) {
 *     RedisNodeHandle owner = cluster.nodeForKey("user:42");
 *     cluster.call(owner, "SET", "user:42", "x");
 * }
 * }</pre>
 *
 * <p>{@link Builder#start()} returns only once every node reports {@code cluster_state:ok}, all nodes agree on
 * the slot map and on every node's role, and every replica's link to its master is up. Every wait is bounded by
 * the builder's timeout and fails with a {@link RedisLaunchException} naming the node and what it last said.
 *
 * <p>Nodes paused or killed through this class are left out of convergence checks (they cannot answer).
 * Roles and slot ownership are as last observed: call {@link #awaitClusterOk(Duration)} after changing the
 * cluster behind the launcher's back. Thread-safe; topology-changing operations are serialised.
 *
 * <p>With {@link LaunchBuilder#tls(TlsMaterial)} (or {@link LaunchBuilder#tls()}) every node also serves TLS on
 * {@link RedisNodeHandle#tlsPort()}, with {@code tls-cluster yes} (TLS cluster bus, on the TLS port + 10000) and
 * {@code tls-replication yes}; TLS clients then see TLS ports in {@code CLUSTER SLOTS}, {@code CLUSTER NODES} and
 * redirects, plain clients plain ports. The launcher's own connections stay plain text.
 */
public final class LocalRedisCluster implements AutoCloseable
{
    private static final int POLL_MILLIS = 50;
    private static final int POLL_CALL_TIMEOUT_MILLIS = 1000;
    private static final int MIGRATE_TIMEOUT_MILLIS = 5000;
    private static final int MIGRATE_BATCH = 100;

    private final Path workspace;
    private final Path binary;
    private final RedisConfig config;
    private final Duration timeout;
    private final TlsMaterial tlsMaterial;
    private final List<RedisNodeHandle> nodes = new CopyOnWriteArrayList<>();
    private int nextNodeIndex; // guarded by this
    private volatile boolean closed;

    private LocalRedisCluster(Path workspace, Path binary, RedisConfig config, Duration timeout,
                              TlsMaterial tlsMaterial)
    {
        this.workspace = workspace;
        this.binary = binary;
        this.config = config;
        this.timeout = timeout;
        this.tlsMaterial = tlsMaterial;
    }

    /** @return a builder with launcher defaults (3 masters, 1 replica each, 2000 ms node timeout) */
    public static Builder builder()
    {
        return new Builder();
    }

    // ------------------------------------------------------------------------------------------------ accessors

    /** @return every node started by this cluster, in start order, including dead ones */
    public List<RedisNodeHandle> nodes()
    {
        return Collections.unmodifiableList(new ArrayList<>(nodes));
    }

    /** @return nodes whose last observed role is master (dead ones included) */
    public List<RedisNodeHandle> masters()
    {
        return filter(RedisNodeHandle.Role.MASTER, null);
    }

    /** @return nodes whose last observed role is replica (dead ones included) */
    public List<RedisNodeHandle> replicas()
    {
        return filter(RedisNodeHandle.Role.REPLICA, null);
    }

    /**
     * @param master a master of this cluster
     * @return the replicas last observed following {@code master}
     */
    public List<RedisNodeHandle> replicasOf(RedisNodeHandle master)
    {
        return filter(RedisNodeHandle.Role.REPLICA, Objects.requireNonNull(master, "master").nodeId());
    }

    private List<RedisNodeHandle> filter(RedisNodeHandle.Role role, String masterId)
    {
        List<RedisNodeHandle> out = new ArrayList<>();
        for (RedisNodeHandle node : nodes)
        {
            if (node.role() == role && (masterId == null || masterId.equals(node.masterId())))
            {
                out.add(node);
            }
        }
        return Collections.unmodifiableList(out);
    }

    /** @return comma-separated {@code 127.0.0.1:port} of the running masters, for a client's seed list */
    public String seeds()
    {
        return aliveMasters(false);
    }

    /**
     * @return comma-separated {@code 127.0.0.1:tlsPort} of the running masters, for a TLS client's seed list
     * @throws IllegalStateException when the cluster serves no TLS
     */
    public String tlsSeeds()
    {
        if (tlsMaterial == null)
        {
            throw new IllegalStateException("this cluster serves no TLS: start it with tls(...)");
        }
        return aliveMasters(true);
    }

    private String aliveMasters(boolean tls)
    {
        StringJoiner seeds = new StringJoiner(",");
        for (RedisNodeHandle node : masters())
        {
            if (node.isAlive())
            {
                seeds.add(tls ? node.tlsAddress() : node.address());
            }
        }
        return seeds.toString();
    }

    /**
     * @return the certificates and keys the nodes use (given to, or generated by, {@code tls(...)}), or null when
     *     the cluster serves no TLS
     */
    public TlsMaterial tlsMaterial()
    {
        return tlsMaterial;
    }

    /**
     * @param port a client port, plain or TLS (what a TLS client sees in {@code CLUSTER SLOTS} or {@code MOVED})
     * @return the node listening on it
     * @throws IllegalArgumentException when no node of this cluster has that port
     */
    public RedisNodeHandle node(int port)
    {
        for (RedisNodeHandle node : nodes)
        {
            if (node.port() == port || (port > 0 && node.tlsPort() == port))
            {
                return node;
            }
        }
        throw new IllegalArgumentException("no node of this cluster on port " + port + "; nodes: " + nodes);
    }

    /** @return this cluster's directory, holding one directory per node; deleted by {@link #close()} */
    public Path directory()
    {
        return workspace;
    }

    /**
     * The owner of a slot according to a running, unpaused node (masters asked first), queried now.
     *
     * @param slot 0..16383
     * @return the owning master
     * @throws IllegalStateException when the slot is unassigned or no node answers
     */
    public RedisNodeHandle nodeForSlot(int slot)
    {
        checkSlot(slot);
        RuntimeException last = null;
        List<RedisNodeHandle> candidates = new ArrayList<>(masters());
        candidates.addAll(replicas());
        for (RedisNodeHandle node : candidates)
        {
            if (!node.process().isResponsive())
            {
                continue;
            }
            try
            {
                String owner = view(node, POLL_CALL_TIMEOUT_MILLIS).ownerOf(slot);
                if (owner == null)
                {
                    throw new IllegalStateException("slot " + slot + " is unassigned according to " + node);
                }
                return byId(owner);
            }
            catch (UncheckedIOException | RedisReplyError e)
            {
                last = e;
            }
        }
        throw new IllegalStateException("no running node could say who owns slot " + slot, last);
    }

    /**
     * @param key a key
     * @return the master owning {@link #slotOf(String) slotOf(key)}
     */
    public RedisNodeHandle nodeForKey(String key)
    {
        return nodeForSlot(slotOf(key));
    }

    /**
     * The Redis Cluster hash slot of a key: CRC16/XMODEM of the key (or of its non-empty {@code {hash tag}})
     * modulo 16384, exactly as CLUSTER KEYSLOT computes it.
     *
     * @param key the key, encoded as UTF-8
     * @return 0..16383
     */
    public static int slotOf(String key)
    {
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        int start = 0;
        int end = bytes.length;
        for (int open = 0; open < bytes.length; open++)
        {
            if (bytes[open] == '{')
            {
                for (int close = open + 1; close < bytes.length; close++)
                {
                    if (bytes[close] == '}')
                    {
                        if (close > open + 1)
                        {
                            start = open + 1;
                            end = close;
                        }
                        break;
                    }
                }
                break;
            }
        }
        return Crc16.of(bytes, start, end) & (ClusterView.SLOTS - 1);
    }

    // --------------------------------------------------------------------------------------------------- calls

    /**
     * Runs one command on one node, exactly like {@link LocalRedisServer#call(String...)} (5 s timeout, no
     * redirect following: address the node that owns the slot).
     *
     * @param node the node to ask
     * @param args command and arguments
     * @return String, Long, {@code List<Object>} or null; nested errors returned as {@link RedisReplyError}
     * @throws RedisReplyError when the reply is an error (e.g. {@code MOVED}, {@code ASK})
     * @throws UncheckedIOException on I/O failure or timeout
     */
    public Object call(RedisNodeHandle node, String... args)
    {
        return call(node, LocalRedisServer.DEFAULT_CALL_TIMEOUT, args);
    }

    /**
     * Like {@link #call(RedisNodeHandle, String...)} with an explicit reply timeout.
     *
     * @param node the node to ask
     * @param timeout reply timeout
     * @param args command and arguments
     * @return the reply
     */
    public Object call(RedisNodeHandle node, Duration timeout, String... args)
    {
        return own(node).process().call(Math.toIntExact(Math.max(1, timeout.toMillis())), args);
    }

    // ------------------------------------------------------------------------------------------ fault operations

    /**
     * SIGKILLs a node and waits for it to exit. Does not wait for the cluster to react.
     *
     * @param node the node
     */
    public void kill(RedisNodeHandle node)
    {
        own(node).process().kill();
    }

    /**
     * Freezes a node with SIGSTOP (its sockets stay open, it just stops answering).
     *
     * @param node the node
     */
    public void pause(RedisNodeHandle node)
    {
        own(node).process().pause();
    }

    /**
     * Continues a paused node with SIGCONT.
     *
     * @param node the node
     */
    public void resume(RedisNodeHandle node)
    {
        own(node).process().resume();
    }

    /**
     * Starts a node again (killing it first if running) on the same port with the same nodes.conf, so it keeps
     * its node id, and waits until it answers. Data is gone. Does not wait for it to rejoin: follow with
     * {@link #awaitClusterOk(Duration)} when the test needs a converged cluster.
     *
     * @param node the node
     */
    public void restart(RedisNodeHandle node)
    {
        own(node).process().restart(Deadline.after(timeout));
    }

    /**
     * Promotes a replica with {@code CLUSTER FAILOVER TAKEOVER} (no agreement from other masters needed, works
     * when its master is dead or paused) and waits until it is a master and every running node agrees.
     *
     * @param replica a running replica
     */
    public synchronized void failoverTakeover(RedisNodeHandle replica)
    {
        Deadline deadline = Deadline.after(timeout);
        own(replica);
        requireResponsive(replica, "fail over to");
        if (view(replica, POLL_CALL_TIMEOUT_MILLIS).self().isMaster())
        {
            throw new IllegalArgumentException(replica + " is already a master");
        }
        replica.process().call(POLL_CALL_TIMEOUT_MILLIS, "CLUSTER", "FAILOVER", "TAKEOVER");
        awaitConverged(deadline, "failover to " + replica, snapshot ->
                snapshot.views.get(replica).self().isMaster() ? null
                        : new Problem(replica, "is still a replica after CLUSTER FAILOVER TAKEOVER"));
    }

    /**
     * Moves a slot and its keys to {@code target} with a live migration (IMPORTING/MIGRATING, MIGRATE in batches,
     * SETSLOT NODE on target, source and the other masters) and waits until every running node agrees.
     * A no-op (apart from the wait) when {@code target} already owns the slot.
     *
     * @param slot 0..16383
     * @param target a running master
     */
    public synchronized void moveSlot(int slot, RedisNodeHandle target)
    {
        checkSlot(slot);
        if (!owner(slot, target).equals(target))
        {
            beginSlotMigration(slot, target);
        }
        finishSlotMigration(slot, target);
    }

    /**
     * Step 1 of a live migration: {@code SETSLOT IMPORTING} on the target, then {@code SETSLOT MIGRATING} on the
     * current owner. Afterwards the owner answers {@code -ASK} for keys it no longer has.
     *
     * @param slot 0..16383
     * @param target a running master other than the current owner
     */
    public synchronized void beginSlotMigration(int slot, RedisNodeHandle target)
    {
        checkSlot(slot);
        RedisNodeHandle source = owner(slot, target);
        if (source.equals(target))
        {
            throw new IllegalArgumentException(target + " already owns slot " + slot);
        }
        requireResponsive(source, "migrate slot " + slot + " from");
        target.process().call(POLL_CALL_TIMEOUT_MILLIS, "CLUSTER", "SETSLOT", Integer.toString(slot),
                "IMPORTING", source.nodeId());
        source.process().call(POLL_CALL_TIMEOUT_MILLIS, "CLUSTER", "SETSLOT", Integer.toString(slot),
                "MIGRATING", target.nodeId());
    }

    /**
     * Step 2 of a live migration, callable repeatedly: moves at most {@code batch} keys of the slot from its
     * owner to {@code target} with {@code MIGRATE ... KEYS}.
     *
     * @param slot 0..16383
     * @param target the importing master
     * @param batch maximum number of keys to move, at least 1
     * @return how many keys were moved; 0 once the owner holds none of the slot's keys
     */
    public synchronized int migrateKeys(int slot, RedisNodeHandle target, int batch)
    {
        checkSlot(slot);
        if (batch < 1)
        {
            throw new IllegalArgumentException("batch must be at least 1: " + batch);
        }
        RedisNodeHandle source = owner(slot, target);
        if (source.equals(target))
        {
            return 0;
        }
        Object reply = source.process().call(POLL_CALL_TIMEOUT_MILLIS, "CLUSTER", "GETKEYSINSLOT",
                Integer.toString(slot), Integer.toString(batch));
        List<?> keys = (List<?>) reply;
        if (keys.isEmpty())
        {
            return 0;
        }
        // With tls-cluster, redis opens MIGRATE's connection with TLS: it must go to the TLS port.
        String port = Integer.toString(announcedPort(target));
        List<String> args = new ArrayList<>(List.of("MIGRATE", target.host(), port, "", "0",
                Integer.toString(MIGRATE_TIMEOUT_MILLIS)));
        String password = config.password();
        if (password != null)
        {
            args.add("AUTH");
            args.add(password);
        }
        args.add("KEYS");
        for (Object key : keys)
        {
            args.add((String) key);
        }
        source.process().call(MIGRATE_TIMEOUT_MILLIS + POLL_CALL_TIMEOUT_MILLIS, args.toArray(new String[0]));
        return keys.size();
    }

    /**
     * Step 3 of a live migration: moves any keys left, then {@code SETSLOT NODE} on the target, the source and
     * every other running master, and waits until every running node agrees that {@code target} owns the slot.
     *
     * @param slot 0..16383
     * @param target the importing master
     */
    public synchronized void finishSlotMigration(int slot, RedisNodeHandle target)
    {
        checkSlot(slot);
        Deadline deadline = Deadline.after(timeout);
        RedisNodeHandle source = owner(slot, target);
        if (!source.equals(target))
        {
            while (migrateKeys(slot, target, MIGRATE_BATCH) > 0)
            {
                if (deadline.expired())
                {
                    throw new RedisLaunchException("slot " + slot + " still has keys on " + source
                            + " after " + deadline.budget() + " of MIGRATE");
                }
            }
            // Order from the Redis docs: target first (it bumps its epoch), then source, then everyone else.
            List<RedisNodeHandle> order = new ArrayList<>(List.of(target, source));
            for (RedisNodeHandle master : masters())
            {
                if (!order.contains(master))
                {
                    order.add(master);
                }
            }
            for (RedisNodeHandle master : order)
            {
                if (master.process().isResponsive())
                {
                    master.process().call(POLL_CALL_TIMEOUT_MILLIS, "CLUSTER", "SETSLOT", Integer.toString(slot),
                            "NODE", target.nodeId());
                }
            }
        }
        awaitConverged(deadline, "move of slot " + slot + " to " + target, snapshot ->
        {
            for (Map.Entry<RedisNodeHandle, ClusterView> entry : snapshot.views.entrySet())
            {
                String owner = entry.getValue().ownerOf(slot);
                if (!target.nodeId().equals(owner))
                {
                    return new Problem(entry.getKey(), "says slot " + slot + " is owned by "
                            + ClusterView.shortId(owner));
                }
            }
            return null;
        });
    }

    /**
     * Starts a new empty master (no slots, no replica), introduces it with CLUSTER MEET and waits until every
     * running node knows it.
     *
     * @return the new node
     */
    public synchronized RedisNodeHandle addMaster()
    {
        Deadline deadline = Deadline.after(timeout);
        RedisNodeHandle introducer = null;
        for (RedisNodeHandle node : nodes)
        {
            if (node.process().isResponsive())
            {
                introducer = node;
                break;
            }
        }
        if (introducer == null)
        {
            throw new IllegalStateException("no running node to introduce a new master to");
        }
        RedisNodeHandle node = newNode(RedisNodeHandle.Role.MASTER);
        node.process().spawn();
        node.process().awaitReady(deadline);
        node.nodeId((String) node.process().call(POLL_CALL_TIMEOUT_MILLIS, "CLUSTER", "MYID"));
        introducer.process().call(POLL_CALL_TIMEOUT_MILLIS, "CLUSTER", "MEET", node.host(),
                Integer.toString(announcedPort(node)));
        awaitConverged(deadline, "join of new master " + node, snapshot -> null);
        return node;
    }

    /**
     * Waits until every running, unpaused node reports {@code cluster_state:ok}, all of them agree on the slot
     * map and on each other's roles (no fail/handshake flags among them), all of them flag every node killed
     * through this class as {@code fail}, and every replica of a running master has
     * {@code master_link_status:up}; then refreshes the roles seen by {@link #masters()} and friends. So after
     * killing a master, this returns once the failure was detected and a replica took over.
     *
     * @param timeout the bound
     * @throws RedisLaunchException on timeout, naming the node and what it last said
     */
    public synchronized void awaitClusterOk(Duration timeout)
    {
        awaitConverged(Deadline.after(timeout), "cluster convergence", snapshot -> null);
    }

    /** Kills every node and deletes the cluster's directory. Idempotent; safe while other calls are running. */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        try
        {
            for (RedisNodeHandle node : nodes)
            {
                try
                {
                    node.process().close();
                }
                catch (RuntimeException e)
                {
                    // Keep going: one stubborn node must not leave the others running.
                }
            }
        }
        finally
        {
            Hygiene.deleteWorkspace(workspace);
        }
    }

    @Override
    public String toString()
    {
        return "LocalRedisCluster" + nodes;
    }

    // -------------------------------------------------------------------------------------------- convergence

    /** Who is unhappy and what it said; the timeout message is built from the last one. */
    private static final class Problem
    {
        final RedisNodeHandle node;
        final String text;

        Problem(RedisNodeHandle node, String text)
        {
            this.node = node;
            this.text = text;
        }
    }

    /** The opinions of all responsive nodes, gathered in one poll. */
    private static final class Snapshot
    {
        final Map<RedisNodeHandle, ClusterView> views = new LinkedHashMap<>();
    }

    private Snapshot awaitConverged(Deadline deadline, String what, Function<Snapshot, Problem> extra)
    {
        while (true)
        {
            Snapshot snapshot = new Snapshot();
            Problem problem = check(snapshot);
            if (problem == null)
            {
                problem = extra.apply(snapshot);
            }
            if (problem == null)
            {
                for (Map.Entry<RedisNodeHandle, ClusterView> entry : snapshot.views.entrySet())
                {
                    ClusterView.Entry self = entry.getValue().self();
                    entry.getKey().observed(self.isMaster() ?
                        RedisNodeHandle.Role.MASTER : RedisNodeHandle.Role.REPLICA,
                            self.masterId);
                }
                return snapshot;
            }
            if (closed)
            {
                throw new IllegalStateException("cluster closed while waiting for " + what);
            }
            if (deadline.expired())
            {
                String where = problem.node == null ? "" : problem.node + " ";
                String log = problem.node == null ? "" : "\nlog tail of " + problem.node + " ("
                        + problem.node.directory().resolve("redis.log") + "):\n" + problem.node.process().logTail();
                throw new RedisLaunchException(what + " not reached within " + deadline.budget() + ": " + where
                        + problem.text + log);
            }
            Deadline.sleep(POLL_MILLIS);
        }
    }

    private Problem check(Snapshot snapshot)
    {
        List<RedisNodeHandle> live = new ArrayList<>();
        for (RedisNodeHandle node : nodes)
        {
            if (node.process().isResponsive())
            {
                live.add(node);
            }
        }
        if (live.isEmpty())
        {
            return new Problem(null, "no node is running");
        }
        try
        {
            for (RedisNodeHandle node : live)
            {
                String info = (String) node.process().call(POLL_CALL_TIMEOUT_MILLIS, "CLUSTER", "INFO");
                String state = Info.field(info, "cluster_state");
                if (!"ok".equals(state))
                {
                    return new Problem(node, "last said cluster_state:" + state + " (cluster_slots_assigned:"
                            + Info.field(info, "cluster_slots_assigned") + ", cluster_known_nodes:"
                            + Info.field(info, "cluster_known_nodes") + ")");
                }
                snapshot.views.put(node, view(node, POLL_CALL_TIMEOUT_MILLIS));
            }
            RedisNodeHandle reference = live.get(0);
            String referenceSlots = snapshot.views.get(reference).slotMap();
            for (RedisNodeHandle x : live)
            {
                ClusterView view = snapshot.views.get(x);
                for (RedisNodeHandle y : live)
                {
                    ClusterView.Entry self = snapshot.views.get(y).self();
                    ClusterView.Entry seen = view.byId(y.nodeId());
                    if (seen == null)
                    {
                        return new Problem(x, "does not know " + y + " yet");
                    }
                    if (!seen.isHealthy())
                    {
                        return new Problem(x, "sees " + y + " as " + seen.describe());
                    }
                    if (seen.isMaster() != self.isMaster() || !Objects.equals(seen.masterId, self.masterId))
                    {
                        return new Problem(x, "sees " + y + " as " + seen.describe() + " but it says "
                                + self.describe());
                    }
                }
                for (RedisNodeHandle dead : nodes)
                {
                    // Without this, a wait right after kill() would pass before anyone noticed the death.
                    ClusterView.Entry seen = dead.isAlive() ? null : view.byId(dead.nodeId());
                    if (seen != null && !seen.flags.contains("fail"))
                    {
                        return new Problem(x, "has not marked killed " + dead + " as failed yet (sees "
                                + seen.describe() + ")");
                    }
                }
                String slots = view.slotMap();
                if (!slots.equals(referenceSlots))
                {
                    return new Problem(x, "has slot map [" + slots + "] but " + reference + " has ["
                            + referenceSlots + "]");
                }
            }
            for (RedisNodeHandle node : live)
            {
                ClusterView.Entry self = snapshot.views.get(node).self();
                if (self.isMaster())
                {
                    continue;
                }
                RedisNodeHandle master = byIdOrNull(self.masterId);
                if (master == null || !master.process().isResponsive())
                {
                    continue; // its link cannot be up; cluster_state above already says whether that matters
                }
                String info = (String) node.process().call(POLL_CALL_TIMEOUT_MILLIS, "INFO", "replication");
                String link = Info.field(info, "master_link_status");
                if (!"up".equals(link))
                {
                    return new Problem(node, "last said master_link_status:" + link + " (master "
                            + master + ", master_sync_in_progress:" + Info.field(info, "master_sync_in_progress")
                            + ")");
                }
            }
            return null;
        }
        catch (UncheckedIOException | RedisReplyError e)
        {
            return new Problem(null, e.getMessage());
        }
    }

    // ---------------------------------------------------------------------------------------------- internals

    private ClusterView view(RedisNodeHandle node, int timeoutMillis)
    {
        return ClusterView.parse((String) node.process().call(timeoutMillis, "CLUSTER", "NODES"));
    }

    /** Current owner of {@code slot} according to {@code target} (a master taking part in the move). */
    private RedisNodeHandle owner(int slot, RedisNodeHandle target)
    {
        own(target);
        requireResponsive(target, "move slot " + slot + " to");
        ClusterView view = view(target, POLL_CALL_TIMEOUT_MILLIS);
        if (!view.self().isMaster())
        {
            throw new IllegalArgumentException(target + " is a replica; slots can only move to a master");
        }
        String owner = view.ownerOf(slot);
        if (owner == null)
        {
            throw new IllegalStateException("slot " + slot + " is unassigned according to " + target);
        }
        return byId(owner);
    }

    /**
     * The port the cluster knows a node by: with {@code tls-cluster yes}, redis 7.0 announces its TLS port, puts
     * the cluster bus on TLS port + 10000 and opens MIGRATE connections with TLS; CLUSTER MEET (whose bus port
     * defaults to the given port + 10000) and MIGRATE must then name the TLS port.
     */
    private int announcedPort(RedisNodeHandle node)
    {
        return config.isTlsCluster() ? node.tlsPort() : node.port();
    }

    private RedisNodeHandle byId(String nodeId)
    {
        RedisNodeHandle node = byIdOrNull(nodeId);
        if (node == null)
        {
            throw new IllegalStateException("node " + nodeId + " was not started by this launcher");
        }
        return node;
    }

    private RedisNodeHandle byIdOrNull(String nodeId)
    {
        for (RedisNodeHandle node : nodes)
        {
            if (node.nodeId() != null && node.nodeId().equals(nodeId))
            {
                return node;
            }
        }
        return null;
    }

    private RedisNodeHandle own(RedisNodeHandle node)
    {
        if (!nodes.contains(Objects.requireNonNull(node, "node")))
        {
            throw new IllegalArgumentException(node + " does not belong to this cluster");
        }
        return node;
    }

    private static void requireResponsive(RedisNodeHandle node, String action)
    {
        if (!node.process().isResponsive())
        {
            throw new IllegalStateException("cannot " + action + " " + node + ": it is not running or is paused");
        }
    }

    private static void checkSlot(int slot)
    {
        if (slot < 0 || slot >= ClusterView.SLOTS)
        {
            throw new IllegalArgumentException("slot out of range 0..16383: " + slot);
        }
    }

    private synchronized RedisNodeHandle newNode(RedisNodeHandle.Role role)
    {
        String name = "node-" + nextNodeIndex++;
        RedisProcess process = new RedisProcess(name, binary, workspace.resolve(name), config.copy());
        RedisNodeHandle node = new RedisNodeHandle(process, role);
        nodes.add(node);
        return node;
    }

    /** Boots the initial topology; on any failure the caller closes the cluster. */
    private void bootstrap(int masterCount, int replicasPerMaster, Deadline deadline)
    {
        List<RedisNodeHandle> masters = new ArrayList<>();
        List<RedisNodeHandle> replicas = new ArrayList<>();
        for (int i = 0; i < masterCount; i++)
        {
            masters.add(newNode(RedisNodeHandle.Role.MASTER));
        }
        for (RedisNodeHandle master : masters)
        {
            for (int r = 0; r < replicasPerMaster; r++)
            {
                RedisNodeHandle replica = newNode(RedisNodeHandle.Role.REPLICA);
                replica.observed(RedisNodeHandle.Role.REPLICA, null);
                replicas.add(replica);
            }
        }
        // Spawn everything first so the processes boot in parallel, then wait for each.
        for (RedisNodeHandle node : nodes)
        {
            node.process().spawn();
        }
        for (RedisNodeHandle node : nodes)
        {
            node.process().awaitReady(deadline);
            node.nodeId((String) node.process().call(POLL_CALL_TIMEOUT_MILLIS, "CLUSTER", "MYID"));
        }
        // Distinct config epochs up front (as redis-cli does) instead of relying on collision resolution.
        int epoch = 1;
        for (RedisNodeHandle node : nodes)
        {
            node.process().call(POLL_CALL_TIMEOUT_MILLIS, "CLUSTER", "SET-CONFIG-EPOCH", Integer.toString(epoch++));
        }
        for (int i = 0; i < masterCount; i++)
        {
            int first = (int) ((long) i * ClusterView.SLOTS / masterCount);
            int last = (int) ((long) (i + 1) * ClusterView.SLOTS / masterCount) - 1;
            masters.get(i).process().call(POLL_CALL_TIMEOUT_MILLIS, "CLUSTER", "ADDSLOTSRANGE",
                    Integer.toString(first), Integer.toString(last));
        }
        RedisNodeHandle introducer = nodes.get(0);
        for (RedisNodeHandle node : nodes)
        {
            if (node != introducer)
            {
                introducer.process().call(POLL_CALL_TIMEOUT_MILLIS, "CLUSTER", "MEET", node.host(),
                        Integer.toString(announcedPort(node)));
            }
        }
        for (int i = 0; i < replicas.size(); i++)
        {
            RedisNodeHandle replica = replicas.get(i);
            RedisNodeHandle master = masters.get(i / replicasPerMaster);
            replicate(replica, master, deadline);
            replica.observed(RedisNodeHandle.Role.REPLICA, master.nodeId());
        }
        awaitConverged(deadline, "cluster startup", snapshot -> null);
    }

    /** CLUSTER REPLICATE fails with "Unknown node" until gossip told the replica about the master: retry. */
    private void replicate(RedisNodeHandle replica, RedisNodeHandle master, Deadline deadline)
    {
        String last = "nothing yet";
        while (true)
        {
            try
            {
                ClusterView.Entry known = view(replica, POLL_CALL_TIMEOUT_MILLIS).byId(master.nodeId());
                if (known == null || known.flags.contains("handshake"))
                {
                    last = "does not know master " + master + " yet";
                }
                else
                {
                    replica.process().call(POLL_CALL_TIMEOUT_MILLIS, "CLUSTER", "REPLICATE", master.nodeId());
                    return;
                }
            }
            catch (RedisReplyError | UncheckedIOException e)
            {
                last = e.getMessage();
            }
            if (deadline.expired())
            {
                throw new RedisLaunchException("replica " + replica + " could not attach to " + master + " within "
                        + deadline.budget() + ": it last said: " + last + "\nlog tail:\n"
                        + replica.process().logTail());
            }
            Deadline.sleep(20);
        }
    }

    // ------------------------------------------------------------------------------------------------- builder

    /** Configures and starts a {@link LocalRedisCluster}. Not thread-safe; each start is a new cluster. */
    public static final class Builder extends LaunchBuilder<Builder>
    {
        private int masters = 3;
        private int replicasPerMaster = 1;
        private int nodeTimeoutMillis = 2000;

        private Builder()

        {

        }

        /**
         * @param count number of masters, at least 1 (slots are spread evenly)
         * @return this builder
         */
        public Builder masters(int count)
        {
            if (count < 1 || count > ClusterView.SLOTS)
            {
                throw new IllegalArgumentException("masters must be 1..16384: " + count);
            }
            this.masters = count;
            return this;
        }

        /**
         * @param count replicas per master, at least 0
         * @return this builder
         */
        public Builder replicasPerMaster(int count)
        {
            if (count < 0)
            {
                throw new IllegalArgumentException("replicasPerMaster must be >= 0: " + count);
            }
            this.replicasPerMaster = count;
            return this;
        }

        /**
         * @param millis {@code cluster-node-timeout}: how long until an unreachable node is marked failed
         * @return this builder
         */
        public Builder nodeTimeoutMillis(int millis)
        {
            if (millis < 100)
            {
                throw new IllegalArgumentException("nodeTimeoutMillis must be >= 100: " + millis);
            }
            this.nodeTimeoutMillis = millis;
            return this;
        }

        /**
         * Starts the nodes, forms the cluster and waits until it has converged.
         *
         * @return the running cluster
         * @throws RedisNotInstalledException when no redis-server binary is found
         * @throws RedisLaunchException when a node fails to start or the cluster does not converge in time
         */
        public LocalRedisCluster start()
        {
            Path binary = RedisBinary.locate(redisServer);
            Deadline deadline = Deadline.after(timeout);
            RedisConfig nodeConfig = config.copy().cluster(nodeTimeoutMillis);
            Path workspace = Hygiene.newWorkspace("cluster");
            TlsMaterial tls = tlsMaterialOrCleanUp(workspace);
            if (tls != null)
            {
                nodeConfig.tls(tls, tlsAuthClients);
            }
            LocalRedisCluster cluster = new LocalRedisCluster(workspace, binary, nodeConfig, timeout, tls);
            try
            {
                cluster.bootstrap(masters, replicasPerMaster, deadline);
                return cluster;
            }
            catch (RuntimeException e)
            {
                cluster.close();
                throw e;
            }
        }
    }
}
