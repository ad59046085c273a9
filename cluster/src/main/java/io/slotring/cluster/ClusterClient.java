package io.slotring.cluster;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.slotring.codec.SlotHash;
import io.slotring.engine.AsyncCommands;
import io.slotring.engine.Batch;
import io.slotring.engine.Client;
import io.slotring.engine.Credentials;
import io.slotring.engine.MessageHandler;
import io.slotring.engine.RedisClient;
import io.slotring.engine.RedisConnectionException;
import io.slotring.engine.ReplyHandler;
import io.slotring.engine.Subscription;
import io.slotring.engine.SyncCommands;
import io.slotring.engine.internal.ApiAccess;
import io.slotring.engine.internal.CommandBatch;
import io.slotring.engine.internal.CommandChecks;
import io.slotring.engine.internal.CommandSpec;
import io.slotring.engine.internal.CommandTable;
import io.slotring.engine.internal.IoRuntime;
import io.slotring.engine.internal.NodeEndpoint;
import io.slotring.engine.internal.ReplyConverters;
import io.slotring.engine.internal.Subscriber;
import org.agrona.DirectBuffer;

/**
 * A Redis Cluster client: everything {@link RedisClient} offers, routed by key slot.
 *
 * <p>Each command's slot is CRC16 of its key (or hash tag) mod 16384; the node comes from an immutable
 * 16384-entry table read through one volatile reference, and the command goes to one of that node's
 * {@code connectionsPerNode} connections round-robin (a counter per node, none shared across nodes). MOVED, ASK,
 * TRYAGAIN and CLUSTERDOWN are handled inside the engine by re-sending the already encoded bytes; the table is
 * kept true by a background refresher.
 *
 * <pre>{@code
 * try (ClusterClient cluster = ClusterClient.connect(ClusterConfig.create().seeds("127.0.0.1:7000"))) {
 *     cluster.sync().set("user:{42}:name", "Ada");
 *     List<String> both = cluster.sync().mget("user:{42}:name", "other-key");   // split by slot, merged in order
 * }
 * }</pre>
 *
 * <p>Every style routes by the command table: a command's slot is that of its keys wherever they are (EVAL after
 * its key count, XREAD after STREAMS...), decided once, before sending, and kept by retries; keys of a single-slot
 * command in several slots are refused with {@code IllegalArgumentException} (CROSSSLOT). A command the table does
 * not know is routed by its first argument.
 *
 * <p>Multi-key MGET, MSET, DEL, EXISTS, UNLINK and TOUCH with keys in several slots are split per slot, sent in
 * parallel and merged in the caller's key order; keys in one slot go as one command. Keyless commands:
 * PING, ECHO, INFO, TIME, RANDOMKEY, CLUSTER, COMMAND go to one master; DBSIZE (summed), FLUSHALL, FLUSHDB and
 * KEYS (concatenated) go to every master owning slots and not reported failed; {@link #executeOn} targets a chosen
 * node; {@link #scan} walks those masters.
 *
 * <p>Failover: commands queued for a master that went down wait for it (or their deadline) until a refreshed
 * topology names another owner of their slot, then go there; they had never been written, so they run once. A node
 * that leaves the topology is disconnected for good.
 */
public final class ClusterClient implements Client
{
    /** No node serves the key's slot right now; a topology refresh was requested. Nothing was sent. */
    public static final long NO_ROUTE = -4;

    private final ClusterConfig config;
    private final ClusterRouter router;
    private final IoRuntime runtime;
    private final TopologyRefresher refresher;
    private final ReadFrom readFrom;
    private final AsyncCommands async;
    private final SyncCommands sync;
    private final Subscriber subscriber;

    private ClusterClient(final ClusterConfig config)
    {
        this.config = config.conclude();
        this.readFrom = config.readFrom();
        this.router = new ClusterRouter(config);
        this.runtime = new IoRuntime(config, router);
        this.refresher = new TopologyRefresher(router, config);
        router.attach(runtime, refresher);
        this.async = ApiAccess.async(new ClusterSubmitter(this));
        this.sync = ApiAccess.sync(async, config.commandTimeoutNs());
        this.subscriber = new Subscriber(config, new ShardedSubscriberRoutes(router));
    }

    /**
     * Connects to the seeds, discovers the topology (CLUSTER SHARDS, or CLUSTER SLOTS on older servers) and starts
     * the background refresher.
     *
     * @param config concluded here; owned by the client afterwards.
     * @return a connected client.
     * @throws RedisConnectionException when no seed answered with a topology within the connect timeout.
     */
    public static ClusterClient connect(final ClusterConfig config)
    {
        final ClusterClient client = new ClusterClient(config);
        if (!client.refresher.refreshOnce())
        {
            final String why = client.refresher.lastFailure();
            client.close();
            throw new RedisConnectionException("no seed of " + config.seedList() + " answered with a cluster " +
                "topology: " + why, false, null);
        }
        client.refresher.start();
        return client;
    }

    /** {@inheritDoc} */
    @Override
    public AsyncCommands async()
    {
        return async;
    }

    /** {@inheritDoc} */
    @Override
    public SyncCommands sync()
    {
        return sync;
    }

    /** {@inheritDoc} */
    @Override
    public Batch newBatch(final ReplyHandler handler)
    {
        return runtime.newBatch(handler);
    }

    // Zero-copy style: see Client. GET goes to the key slot's reader (a replica when the read-from policy says so),
    // SET to its master; NO_ROUTE when the current topology has no node for the slot.

    /** {@inheritDoc} */
    @Override
    public long get(final byte[] key, final ReplyHandler handler, final long token)
    {
        final int slot = SlotHash.slot(requireKey(key, "key"));
        final NodeEndpoint node = router.topology().reader(slot, readFrom);
        return node == null ? noRoute() : node.get(slot, key, handler, null, token);
    }

    /** {@inheritDoc} */
    @Override
    public long get(final byte[] key, final Batch batch, final long token)
    {
        final int slot = SlotHash.slot(requireKey(key, "key"));
        final NodeEndpoint node = router.topology().reader(slot, readFrom);
        return node == null ? noRoute() : node.get(slot, key, null, CommandBatch.of(batch), token);
    }

    /** {@inheritDoc} */
    @Override
    public long get(final DirectBuffer key, final int offset, final int length, final ReplyHandler handler,
        final long token)
    {
        final int slot = SlotHash.slot(requireRange(key, offset, length, "key"), offset, length);
        final NodeEndpoint node = router.topology().reader(slot, readFrom);
        return node == null ? noRoute() : node.get(slot, key, offset, length, handler, null, token);
    }

    /** {@inheritDoc} */
    @Override
    public long get(final CharSequence key, final ReplyHandler handler, final long token)
    {
        final int slot = SlotHash.slot(requireKey(key, "key"));
        final NodeEndpoint node = router.topology().reader(slot, readFrom);
        return node == null ? noRoute() : node.get(slot, key, handler, null, token);
    }

    /** {@inheritDoc} */
    @Override
    public long set(final byte[] key, final byte[] value, final ReplyHandler handler, final long token)
    {
        final int slot = SlotHash.slot(requireKey(key, "key"));
        final NodeEndpoint node = router.topology().master(slot);
        return node == null ? noRoute() : node.set(slot, key, value, handler, null, token);
    }

    /** {@inheritDoc} */
    @Override
    public long set(final byte[] key, final byte[] value, final Batch batch, final long token)
    {
        final int slot = SlotHash.slot(requireKey(key, "key"));
        final NodeEndpoint node = router.topology().master(slot);
        return node == null ? noRoute() : node.set(slot, key, value, null, CommandBatch.of(batch), token);
    }

    /** {@inheritDoc} */
    @Override
    public long set(final DirectBuffer key, final int keyOffset, final int keyLength, final DirectBuffer value,
        final int valueOffset, final int valueLength, final ReplyHandler handler, final long token)
    {
        final int slot = SlotHash.slot(requireRange(key, keyOffset, keyLength, "key"), keyOffset, keyLength);
        final NodeEndpoint node = router.topology().master(slot);
        return node == null ? noRoute() :
            node.set(slot, key, keyOffset, keyLength, value, valueOffset, valueLength, handler, null, token);
    }

    /** {@inheritDoc} */
    @Override
    public long execute(final ReplyHandler handler, final long token, final Object... args)
    {
        return executeOnOneNode(handler, null, token, args, "the zero-copy style");
    }

    /** {@inheritDoc} */
    @Override
    public long execute(final Batch batch, final long token, final Object... args)
    {
        return executeOnOneNode(null, CommandBatch.of(requireKey(batch, "batch")), token, args, "a batch");
    }

    /**
     * The zero-copy {@code execute}, with a handler or a batch: one command to one node, routed by the command
     * table; checked (and refused, for every-master commands) before anything is claimed.
     */
    private long executeOnOneNode(final ReplyHandler handler, final CommandBatch batch, final long token,
        final Object[] args, final String style)
    {
        if (args == null || args.length == 0)
        {
            throw new IllegalArgumentException("expected a command name and its arguments, got " +
                (args == null ? "null" : "no arguments"));
        }
        for (final Object arg : args)
        {
            if (arg == null)
            {
                CommandChecks.checkArguments(args);
            }
        }
        final CommandSpec spec = CommandTable.lookup(args[0]);
        if (spec != null && spec.allMasters())
        {
            throw new IllegalArgumentException(spec.name() + " goes to every master: expected the async or sync " +
                "style (async().execute(...), which merges the replies) or executeOnAllMasters, got " + style +
                ", which sends one command to one node");
        }
        final int slot = slotForOneNode(spec, args);
        final NodeEndpoint node = ClusterRouter.nodeFor(spec, slot, router.topology(), readFrom);
        return node == null ? noRoute() : node.execute(slot, spec, handler, batch, token, args);
    }

    /**
     * The one slot of a command sent as one command to one node (zero-copy): CROSSSLOT is refused, and so is a
     * multi-key command whose keys span slots, which only the async and sync styles split.
     */
    private static int slotForOneNode(final CommandSpec spec, final Object[] args)
    {
        try
        {
            return ClusterRouter.slotFor(spec, args);
        }
        catch (final IllegalArgumentException ex)
        {
            if (spec == null || !spec.splitsBySlot())
            {
                throw ex;
            }
            throw new IllegalArgumentException(ex.getMessage().replace("CROSSSLOT: ", "") + "; the zero-copy " +
                "style sends one command to one node, so " + spec.name() + " across slots is refused: expected " +
                "keys in one slot, or the async or sync style (async().execute(...)), which splits by slot and " +
                "merges the replies", ex);
        }
    }

    private static <K> K requireKey(final K key, final String name)
    {
        if (key == null)
        {
            throw new NullPointerException(name + " must not be null");
        }
        return key;
    }

    private static DirectBuffer requireRange(final DirectBuffer buffer, final int offset, final int length,
        final String name)
    {
        requireKey(buffer, name);
        if (offset < 0 || length < 0 || (long)offset + length > buffer.capacity())
        {
            throw new IndexOutOfBoundsException(name + ": expected offset >= 0, length >= 0 and offset + length <= " +
                buffer.capacity() + " (the buffer's capacity), got offset " + offset + " and length " + length);
        }
        return buffer;
    }

    private long noRoute()
    {
        router.requestRefresh();
        return NO_ROUTE;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Node-level operations.
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Runs a command on every master that owns slots and is not reported failed (a failed master's slots have no
     * live owner, and waiting for it would only time out).
     *
     * @param args command name and arguments.
     * @return one reply per master, in topology order.
     */
    public CompletableFuture<List<Object>> executeOnAllMasters(final Object... args)
    {
        final NodeEndpoint[] masters = router.topology().fanOut();
        final List<CompletableFuture<Object>> replies = new ArrayList<>(masters.length);
        for (final NodeEndpoint master : masters)
        {
            replies.add(master.submit(ClusterRouter.PINNED, ReplyConverters.OBJECT, args));
        }
        return CompletableFuture.allOf(replies.toArray(new CompletableFuture<?>[0])).thenApply(ignored ->
        {
            final List<Object> all = new ArrayList<>(replies.size());
            replies.forEach(reply -> all.add(reply.join()));
            return all;
        });
    }

    /**
     * Runs a command on a chosen node, connecting to it if no snapshot did; it is never redirected or moved to
     * another node, and its error replies (MOVED, LOADING...) are its answer.
     *
     * @param hostPort the node's {@code host:port}.
     * @param args     command name and arguments.
     * @return the reply as Java values.
     */
    public CompletableFuture<Object> executeOn(final String hostPort, final Object... args)
    {
        return router.endpoint(ClusterConfig.parseHost(hostPort), ClusterConfig.parsePort(hostPort), false)
            .submit(ClusterRouter.PINNED, ReplyConverters.OBJECT, args);
    }

    /**
     * Iterates every key of the cluster matching {@code pattern}: SCAN on each master owning slots and not reported
     * failed, in turn, to its end.
     *
     * @param pattern MATCH pattern, e.g. {@code user:*}.
     * @param count   COUNT hint per SCAN call.
     * @param keys    receives each key (a key may repeat if the topology changes mid-scan, as SCAN allows).
     */
    @SuppressWarnings("unchecked")
    public void scan(final String pattern, final int count, final Consumer<byte[]> keys)
    {
        final long timeoutNs = config.commandTimeoutNs();
        for (final NodeEndpoint master : router.topology().fanOut())
        {
            String cursor = "0";
            do
            {
                final List<Object> reply;
                try
                {
                    reply = (List<Object>)master.submit(ClusterRouter.PINNED, ReplyConverters.OBJECT, "SCAN", cursor,
                        "MATCH", pattern, "COUNT", count).get(timeoutNs, TimeUnit.NANOSECONDS);
                }
                catch (final Exception ex)
                {
                    throw new RedisConnectionException("SCAN on " + master + " failed: " + ex, true, ex);
                }
                cursor = new String((byte[])reply.get(0), StandardCharsets.US_ASCII);
                for (final Object key : (List<Object>)reply.get(1))
                {
                    keys.accept((byte[])key);
                }
            }
            while (!"0".equals(cursor));
        }
    }

    /**
     * @return how many masters serve slots in the current snapshot.
     */
    public int masterCount()
    {
        return router.topology().masters().length;
    }

    /**
     * @param slot a hash slot, 0..16383 (see {@code SlotHash}).
     * @return {@code host:port} of the master serving {@code slot} in the current snapshot, or null.
     */
    public String masterAddressOf(final int slot)
    {
        final NodeEndpoint master = router.topology().master(slot);
        return master == null ? null : master.host() + ':' + master.port();
    }

    /**
     * @return completed topology refreshes since the client started (the first discovery included).
     */
    public long topologyRefreshCount()
    {
        return refresher.refreshCount();
    }

    /**
     * Requests a topology refresh now (still coalesced and rate-limited).
     */
    public void refreshTopology()
    {
        router.requestRefresh();
    }

    /**
     * {@inheritDoc}
     * <p>Every node of the current topology, masters and replicas; a node that joins later, and every reconnect,
     * asks the supplier itself.
     */
    @Override
    public CompletableFuture<Void> reauthenticate()
    {
        final Credentials credentials = config.currentCredentials();
        final Topology topology = router.topology();
        final List<CompletableFuture<Void>> acks = new ArrayList<>();
        final NodeEndpoint[] masters = topology.masters();
        for (int i = 0; i < masters.length; i++)
        {
            acks.add(masters[i].reauthenticate(credentials));
            for (final NodeEndpoint replica : topology.replicasAt(i))
            {
                acks.add(replica.reauthenticate(credentials));
            }
        }
        return CompletableFuture.allOf(acks.toArray(new CompletableFuture<?>[0]));
    }

    /** {@inheritDoc} */
    @Override
    public Subscription subscribe(final Subscription.Kind kind, final String name, final MessageHandler handler)
    {
        return subscriber.subscribe(kind, name, handler);
    }

    /**
     * Completes every pending command with an error, closes the subscriptions, stops the refresher and every I/O
     * thread, frees the buffers. Idempotent.
     */
    @Override
    public void close()
    {
        subscriber.close();
        refresher.close();
        runtime.close();
    }

    /** {@inheritDoc} */
    @Override
    public String toString()
    {
        return "ClusterClient{" + config + '}';
    }

    // ---------------------------------------------------------------------------------------------------------

    String lastTopologyFailure()
    {
        return refresher.lastFailure();
    }

    ClusterRouter router()
    {
        return router;
    }

    ReadFrom readFrom()
    {
        return readFrom;
    }

    static boolean isKeyLike(final Object arg)
    {
        return arg instanceof byte[] || arg instanceof CharSequence;
    }

    static int slotOf(final Object key)
    {
        if (key instanceof byte[])
        {
            return SlotHash.slot((byte[])key);
        }
        if (key instanceof CharSequence)
        {
            return SlotHash.slot((CharSequence)key);
        }
        return SlotHash.slot(String.valueOf(key));
    }

    static String upperName(final Object name)
    {
        return (name instanceof byte[] ? new String((byte[])name, StandardCharsets.UTF_8) : String.valueOf(name))
            .toUpperCase(Locale.ROOT);
    }

    /**
     * {@inheritDoc}
     * <p>Nodes are every {@code host:port} the client holds connections to (masters and replicas); MOVED, ASK and
     * retry replies are counted on the node that sent them; its {@code topologyRefreshes()} is
     * {@link #topologyRefreshCount()}.
     */
    @Override
    public io.slotring.engine.ClientMetrics metrics()
    {
        return runtime.metrics().snapshot(refresher.refreshCount());
    }

    /**
     * {@inheritDoc}
     * <p>The transaction runs on the master of the slot of {@code hashTagOrKey}; every key must be in that slot
     * (CROSSSLOT refused before sending). A MOVED or ASK while queueing aborts it (see
     * {@link io.slotring.engine.Transaction}).
     */
    @Override
    public io.slotring.engine.Transaction multi(final String hashTagOrKey)
    {
        return new ClusterSubmitter(this).multi(hashTagOrKey, config.commandTimeoutNs());
    }

    /**
     * As {@link #multi}, without blocking the caller: completes with the open transaction once one of the slot
     * master's dedicated connections is free; drive it with {@link io.slotring.engine.Transaction#watchAsync},
     * {@link io.slotring.engine.Transaction#executeAsync}, {@code queue} and
     * {@link io.slotring.engine.Transaction#execAsync}.
     *
     * @param hashTagOrKey decides the slot every key of the transaction must be in.
     * @return the open transaction (end it with exec, discard or close); fails with a
     * {@link io.slotring.engine.RedisTimeoutException} when every dedicated connection stayed busy for the command
     * timeout, or a {@link ClusterRoutingException} when no node serves the slot.
     * @throws NullPointerException when {@code hashTagOrKey} is null.
     */
    @Override
    public CompletableFuture<io.slotring.engine.Transaction> multiAsync(final String hashTagOrKey)
    {
        return new ClusterSubmitter(this).multiAsync(hashTagOrKey, config.commandTimeoutNs());
    }

    /**
     * WAIT numreplicas timeout on the master of {@code keyOrHashTag}'s slot: waits until at least {@code replicas}
     * of its replicas acknowledged every write that master applied before the call (so every write of this client
     * to that slot that completed before), or until {@code timeout}. Runs on one of the master's dedicated
     * connections with the deadline {@code timeout} plus the command timeout, after a replicated no-op write in the
     * slot (a marker key set and deleted in one MULTI, never visible); follows MOVED and ASK like blocking commands.
     *
     * @param keyOrHashTag a key written to, or its hash tag, such as {@code "{user42}"}.
     * @param replicas     how many replicas must acknowledge; 0 returns at once.
     * @param timeout      how long the server waits; {@link java.time.Duration#ZERO} for ever.
     * @return how many replicas acknowledged (fewer than {@code replicas} when the timeout passed).
     * @throws NullPointerException     when {@code keyOrHashTag} or {@code timeout} is null.
     * @throws IllegalArgumentException for a negative count or timeout; nothing was sent.
     */
    public CompletableFuture<Long> wait(final String keyOrHashTag, final int replicas,
        final java.time.Duration timeout)
    {
        if (timeout == null)
        {
            throw new NullPointerException("timeout must not be null (Duration.ZERO waits for ever)");
        }
        final long millis = timeout.isNegative() ? -1 : Math.max(timeout.isZero() ? 0 : 1, timeout.toMillis());
        return new ClusterSubmitter(this).wait(keyOrHashTag, replicas, millis);
    }
}
