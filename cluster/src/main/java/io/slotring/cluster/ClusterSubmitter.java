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
            return route(ClusterRouter.nodeFor(null, slot, topology, client.readFrom()), slot, converter, args);
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
        return route(ClusterRouter.nodeFor(spec, slot, topology, client.readFrom()), slot, converter, args);
    }

    private NodeEndpoint node(final Topology topology, final CommandSpec spec, final int slot)
    {
        return spec.isReadOnly() ? topology.reader(slot, client.readFrom()) : topology.master(slot);
    }

    private <T> CompletableFuture<T> route(final NodeEndpoint node, final int slot, final ReplyConverter<T> converter,
        final Object[] args)
    {
        if (node == null)
        {
            client.router().requestRefresh();
            return CompletableFuture.failedFuture(new ClusterRoutingException("no node serves " +
                (slot >= 0 ? "slot " + slot + " of " : "") + ClusterClient.upperName(args[0]) +
                " (topology refresh requested; command not applied)"));
        }
        final CompletableFuture<T> future = node.submit(slot, converter, args);
        if (CommandChecks.blockTimeNs(args) != CommandChecks.NOT_BLOCKING)
        {
            // A blocking command runs PINNED on a dedicated connection, so a redirect is its answer (it was not
            // applied); the table is stale: refresh it so the caller's retry goes to the new owner.
            future.whenComplete((value, failure) ->
            {
                if (failure instanceof RedisServerException && isRedirect((RedisServerException)failure))
                {
                    client.router().requestRefresh();
                }
            });
        }
        return future;
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
        if (hashTagOrKey == null)
        {
            throw new NullPointerException("hashTagOrKey must not be null");
        }
        final int slot = ClusterClient.slotOf(hashTagOrKey);
        final NodeEndpoint master = client.router().topology().master(slot);
        if (master == null)
        {
            client.router().requestRefresh();
            throw new ClusterRoutingException("no node serves slot " + slot + " of the transaction on '" +
                hashTagOrKey + "' (topology refresh requested; nothing sent)");
        }
        return ApiAccess.transaction(master.dedicated().lease(), keyCheck(slot, hashTagOrKey),
            commandTimeoutNs);
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
