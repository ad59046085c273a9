package io.slotring.cluster;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import io.slotring.engine.RedisConnectionException;
import io.slotring.engine.RedisServerException;
import io.slotring.engine.ReplyConverter;
import io.slotring.engine.Transaction;
import io.slotring.engine.internal.ApiAccess;
import io.slotring.engine.internal.CommandChecks;
import io.slotring.engine.internal.CommandSpec;
import io.slotring.engine.internal.CommandSubmitter;
import io.slotring.engine.internal.CommandTable;
import io.slotring.engine.internal.DedicatedConnections;
import io.slotring.engine.internal.NodeEndpoint;
import io.slotring.engine.internal.ReplyConverters;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.IntArrayList;

/**
 * Routes the async and sync styles' commands by the {@link CommandTable}: single-slot commands by the slot of the
 * keys the table names (CROSSSLOT refused before sending), multi-key commands split per slot and merged, keyless
 * commands per their policy; commands the table does not know by their first argument. This path allocates by design
 * (futures, argument arrays); the zero-copy path on {@link ClusterClient} does not come here.
 */
final class ClusterSubmitter implements CommandSubmitter
{
    private final ClusterClient client;

    ClusterSubmitter(final ClusterClient client)
    {
        this.client = client;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> CompletableFuture<T> submit(final ReplyConverter<T> converter, final Object... args)
    {
        final CommandSpec spec = CommandTable.lookup(args[0]);
        final Topology topology = client.router().topology();
        if (spec == null)
        {
            // Unknown to the table: routed by its first argument, as documented on AsyncCommands.execute.
            final int slot = ClusterRouter.slotFor(null, args);
            return route(ClusterRouter.nodeFor(null, slot, topology, client.readFrom()), slot, null, converter, args);
        }
        switch (spec.policy())
        {
            case CommandSpec.SPLIT_MERGE:
                return (CompletableFuture<T>)mget(topology, spec, converter, args);
            case CommandSpec.SPLIT_OK:
                return (CompletableFuture<T>)mset(topology, spec, converter, args);
            case CommandSpec.SPLIT_SUM:
                return (CompletableFuture<T>)(CompletableFuture<?>)countAcrossSlots(topology, spec, args);
            case CommandSpec.ALL_MASTERS_SUM:
                return (CompletableFuture<T>)(CompletableFuture<?>)sumOverMasters(topology, args);
            case CommandSpec.ALL_MASTERS_OK:
                return (CompletableFuture<T>)(CompletableFuture<?>)okOverMasters(topology, args);
            case CommandSpec.ALL_MASTERS_CONCAT:
                return (CompletableFuture<T>)(CompletableFuture<?>)concatOverMasters(topology, converter, args);
            case CommandSpec.ALL_MASTERS_FIRST:
                return firstOverMasters(topology, converter, args);
            default:
                break;
        }
        // SINGLE_SLOT (CROSSSLOT throws here, before anything is claimed) or ANY_MASTER.
        final int slot = ClusterRouter.slotFor(spec, args);
        return route(ClusterRouter.nodeFor(spec, slot, topology, client.readFrom()), slot, spec, converter, args);
    }

    private NodeEndpoint node(final Topology topology, final CommandSpec spec, final int slot)
    {
        return spec.isReadOnly() ? topology.reader(slot, client.readFrom()) : topology.master(slot);
    }

    private <T> CompletableFuture<T> route(final NodeEndpoint node, final int slot, final ReplyConverter<T> converter,
        final Object[] args)
    {
        return route(node, slot, CommandTable.lookup(args[0]), converter, args);
    }

    /** @param spec {@code CommandTable.lookup(args[0])}, looked up once by the caller. */
    private <T> CompletableFuture<T> route(final NodeEndpoint node, final int slot, final CommandSpec spec,
        final ReplyConverter<T> converter, final Object[] args)
    {
        if (node == null)
        {
            client.router().requestRefresh();
            return CompletableFuture.failedFuture(new ClusterRoutingException("no node serves " +
                (slot >= 0 ? "slot " + slot + " of " : "") + ClusterClient.upperName(args[0]) +
                " (topology refresh requested; command not applied)"));
        }
        final long blockNs = CommandChecks.blockTimeNs(args);
        if (blockNs != CommandChecks.NOT_BLOCKING && slot >= 0)
        {
            return blocking(node, slot, converter, args, blockNs);
        }
        return node.submit(slot, spec, converter, args);
    }

    /**
     * A blocking command on a dedicated connection of {@code node}, following MOVED and ASK itself (the dedicated
     * connection is PINNED, so the engine hands the redirect back): a MOVED re-points the slot and requests a
     * refresh, an ASK sends {@code ASKING} first on the target's dedicated connection; either way the command is
     * re-sent with the block time it has left, under its original deadline (block time plus command timeout), at
     * most {@code maxRedirects} times. Redis 7 answers a client blocked on a slot that moved away with MOVED, so
     * a blocked command follows its slot too.
     */
    private <T> CompletableFuture<T> blocking(final NodeEndpoint node, final int slot,
        final ReplyConverter<T> converter, final Object[] args, final long blockNs)
    {
        final long startNs = System.nanoTime();
        final long deadlineNs = startNs + DedicatedConnections.budgetNs(blockNs,
            client.router().config().commandTimeoutNs());
        final CompletableFuture<T> result = new CompletableFuture<>();
        sendBlocking(node, slot, converter, args, blockNs, startNs, deadlineNs, false, 0, result);
        return result;
    }

    private <T> void sendBlocking(final NodeEndpoint node, final int slot, final ReplyConverter<T> converter,
        final Object[] args, final long blockNs, final long startNs, final long deadlineNs, final boolean asking,
        final int hops, final CompletableFuture<T> result)
    {
        final CompletableFuture<T> attempt;
        final Object[][] before = preamble(args, slot, asking);
        if (hops == 0)
        {
            // Throws IllegalArgumentException to the caller for bad input, as every other command does.
            attempt = node.dedicated().submit(converter, args, deadlineNs, before);
        }
        else
        {
            try
            {
                attempt = node.dedicated().submit(converter, args, deadlineNs, before);
            }
            catch (final RuntimeException ex)
            {
                result.completeExceptionally(ex);
                return;
            }
        }
        attempt.whenComplete((value, failure) ->
        {
            if (failure == null)
            {
                result.complete(value);
                return;
            }
            final Throwable cause = failure instanceof java.util.concurrent.CompletionException &&
                failure.getCause() != null ? failure.getCause() : failure;
            if (!(cause instanceof RedisServerException) || !isRedirect((RedisServerException)cause))
            {
                result.completeExceptionally(cause);
                return;
            }
            // Not applied: the server refused it (or unblocked it because its slot moved away).
            final RedisServerException redirect = (RedisServerException)cause;
            final boolean ask = "ASK".equals(redirect.errorCode());
            if (!ask)
            {
                client.router().requestRefresh();
            }
            final NodeEndpoint target = hops < client.router().config().maxRedirects() &&
                System.nanoTime() - deadlineNs < 0 ? redirectTarget(redirect, node, slot, ask) : null;
            if (target == null)
            {
                result.completeExceptionally(cause);
                return;
            }
            final long remainingNs = blockNs == CommandChecks.BLOCKS_FOREVER ? 0 :
                blockNs - (System.nanoTime() - startNs);
            sendBlocking(target, slot, converter, CommandChecks.withBlockTimeNs(args, remainingNs), blockNs,
                startNs, deadlineNs, ask, hops + 1, result);
        });
    }

    /** ASKING for an ASK; for WAIT the replicated no-op write that makes WAIT cover earlier writes. */
    private static Object[][] preamble(final Object[] args, final int slot, final boolean asking)
    {
        final boolean isWait = "WAIT".equals(ClusterClient.upperName(args[0]));
        if (!isWait)
        {
            return asking ? new Object[][] {{"ASKING"}} : new Object[0][];
        }
        // ASKING stays in force inside MULTI, so it covers the marker's SET on an importing node.
        final Object[][] write = DedicatedConnections.waitPreamble(WaitMarkers.of(slot));
        if (!asking)
        {
            return write;
        }
        final Object[][] both = new Object[write.length + 1][];
        both[0] = new Object[] {"ASKING"};
        System.arraycopy(write, 0, both, 1, write.length);
        return both;
    }

    /**
     * WAIT routed by a key: on the master of its slot, on a dedicated connection (deadline: timeout plus the command
     * timeout), after a replicated no-op write in that slot; follows MOVED and ASK as blocking commands do.
     */
    CompletableFuture<Long> wait(final String keyOrHashTag, final int replicas, final long timeoutMs)
    {
        if (keyOrHashTag == null)
        {
            throw new NullPointerException("keyOrHashTag must not be null");
        }
        if (replicas < 0 || timeoutMs < 0)
        {
            throw new IllegalArgumentException("WAIT expects replicas >= 0 and a timeout >= 0 (0: for ever), got " +
                replicas + " and " + timeoutMs + "ms");
        }
        final int slot = ClusterClient.slotOf(keyOrHashTag);
        final Object[] args = {"WAIT", replicas, timeoutMs};
        final NodeEndpoint master = client.router().topology().master(slot);
        if (master == null)
        {
            client.router().requestRefresh();
            return CompletableFuture.failedFuture(new ClusterRoutingException("no node serves slot " + slot +
                " of WAIT on '" + keyOrHashTag + "' (topology refresh requested; command not applied)"));
        }
        return blocking(master, slot, ReplyConverters.LONG, args, CommandChecks.blockTimeNs(args));
    }

    /** Per slot, a key in that slot for WAIT's no-op write, found once by trying short names. */
    private static final class WaitMarkers
    {
        private static final String[] MARKERS = new String[io.slotring.codec.SlotHash.SLOT_COUNT];

        static
        {
            int found = 0;
            for (int i = 0; found < MARKERS.length; i++)
            {
                final String tag = Integer.toString(i, 36);
                final int slot = io.slotring.codec.SlotHash.slot(tag);
                if (MARKERS[slot] == null)
                {
                    MARKERS[slot] = "{" + tag + "}slotring:wait";
                    found++;
                }
            }
        }

        private WaitMarkers()
        {
        }

        static String of(final int slot)
        {
            return MARKERS[slot];
        }
    }

    /**
     * The node a MOVED or ASK error names (an empty or {@code ?} host: the answering node's); a MOVED also patches
     * the slot table. Null when the reply does not parse or names another slot.
     */
    private NodeEndpoint redirectTarget(final RedisServerException redirect, final NodeEndpoint source,
        final int slot, final boolean ask)
    {
        final String[] parts = redirect.getMessage().trim().split(" ");
        if (parts.length < 3)
        {
            return null;
        }
        final int colon = parts[2].lastIndexOf(':');
        try
        {
            if (Integer.parseInt(parts[1]) != slot || colon < 0)
            {
                return null;
            }
            final String named = parts[2].substring(0, colon);
            final String host = named.isEmpty() || "?".equals(named) ? source.host() : named;
            final int port = Integer.parseInt(parts[2].substring(colon + 1));
            return ask ? client.router().endpoint(host, port, false) : client.router().patch(slot, host, port);
        }
        catch (final NumberFormatException ex)
        {
            return null;
        }
    }

    private static boolean isRedirect(final RedisServerException error)
    {
        return RedirectReply.isRedirectCode(error.errorCode());
    }

    /** Groups the key positions the table names by the slot of the key at each. */
    private static Int2ObjectHashMap<IntArrayList> groupBySlot(final CommandSpec spec, final Object[] args)
    {
        final Int2ObjectHashMap<IntArrayList> groups = new Int2ObjectHashMap<>();
        for (final int i : spec.keyPositions(args))
        {
            final int slot = ClusterClient.slotOf(args[i]);
            IntArrayList positions = groups.get(slot);
            if (positions == null)
            {
                positions = new IntArrayList();
                groups.put(slot, positions);
            }
            positions.addInt(i);
        }
        return groups;
    }

    @SuppressWarnings("unchecked")
    private <T> CompletableFuture<List<Object>> mget(final Topology topology, final CommandSpec spec,
        final ReplyConverter<T> converter, final Object[] args)
    {
        final ReplyConverter<List<Object>> listConverter = (ReplyConverter<List<Object>>)converter;
        if (args.length == 2)
        {
            // A one-key MGET is a GET: a single-key command any node version serves the same way.
            final ReplyConverter<Object> element = converter == (Object)ReplyConverters.LIST_OF_BYTES ?
                (ReplyConverter<Object>)(ReplyConverter<?>)ReplyConverters.BYTES :
                converter == (Object)ReplyConverters.LIST_OF_STRINGS ?
                (ReplyConverter<Object>)(ReplyConverter<?>)ReplyConverters.STRING : ReplyConverters.OBJECT;
            final int slot = ClusterClient.slotOf(args[1]);
            return route(topology.reader(slot, client.readFrom()), slot, element,
                new Object[] {"GET", args[1]}).thenApply(value ->
                {
                    final List<Object> one = new ArrayList<>(1);
                    one.add(value);
                    return one;
                });
        }
        final Int2ObjectHashMap<IntArrayList> groups = groupBySlot(spec, args);
        if (groups.size() <= 1)
        {
            final int slot = args.length > 1 ? ClusterClient.slotOf(args[1]) : NodeEndpoint.KEYLESS;
            return route(slot < 0 ? ClusterRouter.anyMaster(topology) : topology.reader(slot, client.readFrom()),
                slot, listConverter, args);
        }
        final Object[] merged = new Object[args.length - 1];
        final List<CompletableFuture<?>> parts = new ArrayList<>(groups.size());
        groups.forEach((slot, positions) ->
        {
            final Object[] part = new Object[positions.size() + 1];
            part[0] = "MGET";
            for (int i = 0; i < positions.size(); i++)
            {
                part[i + 1] = args[positions.getInt(i)];
            }
            parts.add(route(topology.reader(slot, client.readFrom()), slot, listConverter, part)
                .thenAccept(values ->
                {
                    for (int i = 0; i < positions.size(); i++)
                    {
                        merged[positions.getInt(i) - 1] = values.get(i);
                    }
                }));
        });
        return CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0]))
            .thenApply(ignored -> Arrays.asList(merged));
    }

    private <T> CompletableFuture<Object> mset(final Topology topology, final CommandSpec spec,
        final ReplyConverter<T> converter, final Object[] args)
    {
        if ((args.length - 1) % 2 != 0)
        {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                "MSET expects key value pairs, got " + (args.length - 1) + " arguments"));
        }
        final Int2ObjectHashMap<IntArrayList> groups = groupBySlot(spec, args);
        if (groups.size() <= 1)
        {
            final int slot = args.length > 1 ? ClusterClient.slotOf(args[1]) : NodeEndpoint.KEYLESS;
            return route(slot < 0 ? ClusterRouter.anyMaster(topology) : topology.master(slot), slot,
                ReplyConverters.OBJECT, args);
        }
        final List<CompletableFuture<?>> parts = new ArrayList<>(groups.size());
        groups.forEach((slot, positions) ->
        {
            final Object[] part = new Object[positions.size() * 2 + 1];
            part[0] = "MSET";
            for (int i = 0; i < positions.size(); i++)
            {
                part[2 * i + 1] = args[positions.getInt(i)];
                part[2 * i + 2] = args[positions.getInt(i) + 1];
            }
            parts.add(route(topology.master(slot), slot, converter, part));
        });
        // Not atomic across slots, as in Redis Cluster itself: a failed part leaves the others applied.
        return CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0])).thenApply(ignored -> "OK");
    }

    private CompletableFuture<Long> countAcrossSlots(final Topology topology, final CommandSpec spec,
        final Object[] args)
    {
        final Int2ObjectHashMap<IntArrayList> groups = groupBySlot(spec, args);
        if (groups.size() <= 1)
        {
            final int slot = args.length > 1 ? ClusterClient.slotOf(args[1]) : NodeEndpoint.KEYLESS;
            return route(slot < 0 ? ClusterRouter.anyMaster(topology) : node(topology, spec, slot), slot,
                ReplyConverters.LONG, args);
        }
        final List<CompletableFuture<Long>> parts = new ArrayList<>(groups.size());
        groups.forEach((slot, positions) ->
        {
            final Object[] part = new Object[positions.size() + 1];
            part[0] = args[0];
            for (int i = 0; i < positions.size(); i++)
            {
                part[i + 1] = args[positions.getInt(i)];
            }
            parts.add(route(node(topology, spec, slot), slot, ReplyConverters.LONG, part));
        });
        return sum(parts);
    }

    private static CompletableFuture<Long> sum(final List<CompletableFuture<Long>> parts)
    {
        return CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0])).thenApply(ignored ->
        {
            long total = 0;
            for (final CompletableFuture<Long> part : parts)
            {
                total += part.join();
            }
            return total;
        });
    }

    private CompletableFuture<Long> sumOverMasters(final Topology topology, final Object[] args)
    {
        final List<CompletableFuture<Long>> parts = new ArrayList<>();
        for (final NodeEndpoint master : topology.fanOut())
        {
            parts.add(master.submit(ClusterRouter.PINNED, ReplyConverters.LONG, args));
        }
        return parts.isEmpty() ? noMasters() : sum(parts);
    }

    private CompletableFuture<String> okOverMasters(final Topology topology, final Object[] args)
    {
        final List<CompletableFuture<String>> parts = new ArrayList<>();
        for (final NodeEndpoint master : topology.fanOut())
        {
            parts.add(master.submit(ClusterRouter.PINNED, ReplyConverters.STRING, args));
        }
        return parts.isEmpty() ? noMasters() :
            CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0])).thenApply(ignored -> "OK");
    }

    @SuppressWarnings("unchecked")
    private <T> CompletableFuture<List<Object>> concatOverMasters(final Topology topology,
        final ReplyConverter<T> converter, final Object[] args)
    {
        final List<CompletableFuture<List<Object>>> parts = new ArrayList<>();
        for (final NodeEndpoint master : topology.fanOut())
        {
            parts.add(master.submit(ClusterRouter.PINNED,
                (ReplyConverter<List<Object>>)(ReplyConverter<?>)ReplyConverters.OBJECT, args));
        }
        if (parts.isEmpty())
        {
            return noMasters();
        }
        return CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0])).thenApply(ignored ->
        {
            final List<Object> all = new ArrayList<>();
            parts.forEach(part -> all.addAll(part.join()));
            return all;
        });
    }

    /** SCRIPT, FUNCTION: every master, so a later EVALSHA or FCALL finds it on whichever master it reaches. */
    @SuppressWarnings("unchecked")
    private <T> CompletableFuture<T> firstOverMasters(final Topology topology, final ReplyConverter<T> converter,
        final Object[] args)
    {
        final List<CompletableFuture<T>> parts = new ArrayList<>();
        for (final NodeEndpoint master : topology.fanOut())
        {
            parts.add(master.submit(ClusterRouter.PINNED, converter, args));
        }
        if (parts.isEmpty())
        {
            return noMasters();
        }
        return CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0]))
            .thenApply(ignored -> parts.get(0).join());
    }

    private <T> CompletableFuture<T> noMasters()
    {
        client.router().requestRefresh();
        return CompletableFuture.failedFuture(
            new RedisConnectionException("no master known (topology refresh requested)", false, null));
    }

    /**
     * A transaction on the master of {@code hashTagOrKey}'s slot, over one of its dedicated connections. Every
     * command's keys must be in that slot (the table places them, as for routing; CROSSSLOT refused), checked
     * before anything is sent.
     */
    Transaction multi(final String hashTagOrKey, final long commandTimeoutNs)
    {
        final NodeEndpoint master = transactionMaster(hashTagOrKey);
        final int slot = ClusterClient.slotOf(hashTagOrKey);
        if (master == null)
        {
            throw noTransactionMaster(slot, hashTagOrKey);
        }
        return ApiAccess.transaction(master.dedicated().lease(), keyCheck(slot, hashTagOrKey),
            commandTimeoutNs);
    }

    /** The master of {@code hashTagOrKey}'s slot, or null (a refresh is then requested). */
    private NodeEndpoint transactionMaster(final String hashTagOrKey)
    {
        if (hashTagOrKey == null)
        {
            throw new NullPointerException("hashTagOrKey must not be null");
        }
        final NodeEndpoint master = client.router().topology().master(ClusterClient.slotOf(hashTagOrKey));
        if (master == null)
        {
            client.router().requestRefresh();
        }
        return master;
    }

    private static ClusterRoutingException noTransactionMaster(final int slot, final String hashTagOrKey)
    {
        return new ClusterRoutingException("no node serves slot " + slot + " of the transaction on '" +
            hashTagOrKey + "' (topology refresh requested; nothing sent)");
    }

    /**
     * As {@link #multi}, without blocking the caller: the lease completes when a dedicated connection of the slot's
     * master is free (failing after the command timeout, as {@link #multi} does).
     */
    CompletableFuture<Transaction> multiAsync(final String hashTagOrKey, final long commandTimeoutNs)
    {
        final NodeEndpoint master = transactionMaster(hashTagOrKey);
        final int slot = ClusterClient.slotOf(hashTagOrKey);
        if (master == null)
        {
            return CompletableFuture.failedFuture(noTransactionMaster(slot, hashTagOrKey));
        }
        final Consumer<Object[]> check = keyCheck(slot, hashTagOrKey);
        return master.dedicated().leaseAsync().thenApply(lease -> ApiAccess.transaction(lease, check,
            commandTimeoutNs));
    }

    /** Refuses a command whose keys are not all in {@code slot}: CROSSSLOT, or keys in another slot. */
    static Consumer<Object[]> keyCheck(final int slot, final String hashTagOrKey)
    {
        return args ->
        {
            if (CommandTable.lookup(args[0]) == null && "WATCH".equals(ClusterClient.upperName(args[0])))
            {
                for (int i = 1; i < args.length; i++)
                {
                    requireSlot(slot, hashTagOrKey, "WATCH", ClusterClient.slotOf(args[i]));
                }
                return;
            }
            final CommandSpec spec = CommandTable.lookup(args[0]);
            final int commandSlot = spec == null ? ClusterRouter.slotFor(null, args) : spec.slot(args);
            requireSlot(slot, hashTagOrKey, ClusterClient.upperName(args[0]), commandSlot);
        };
    }

    private static void requireSlot(final int slot, final String hashTagOrKey, final String name,
        final int commandSlot)
    {
        if (commandSlot >= 0 && commandSlot != slot)
        {
            throw new IllegalArgumentException("CROSSSLOT: keys of " + name + " map to slot " + commandSlot +
                ", expected the transaction's slot " + slot + " (of '" + hashTagOrKey + "'); nothing sent");
        }
    }
}
