package io.slotring.cluster;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import io.slotring.engine.RedisConnectionException;
import io.slotring.engine.ReplyConverter;
import io.slotring.engine.internal.CommandSubmitter;
import io.slotring.engine.internal.NodeEndpoint;
import io.slotring.engine.internal.ReplyConverters;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.IntArrayList;

/**
 * Routes the async and sync styles' commands: keyed commands by the slot of their first argument, multi-key
 * commands split per slot and merged, keyless commands per the documented rule. This path allocates by design
 * (futures, argument arrays); the zero-copy path on {@link ClusterClient} does not come here.
 */
final class ClusterSubmitter implements CommandSubmitter
{
    /** Read commands a replica may serve under a read-from policy other than MASTER. */
    private static final Set<String> READS = Set.of("GET", "MGET", "EXISTS", "TTL", "PTTL", "HGET", "HGETALL",
        "LRANGE", "SMEMBERS", "ZRANGE", "ZSCORE", "STRLEN", "TYPE", "HLEN", "LLEN", "SCARD", "ZCARD");
    private static final Set<String> ONE_MASTER = Set.of("PING", "ECHO", "INFO", "TIME", "RANDOMKEY", "CLUSTER",
        "COMMAND", "LASTSAVE", "CONFIG", "ROLE");
    private static final Set<String> COUNTING = Set.of("DEL", "EXISTS", "UNLINK", "TOUCH");

    private final ClusterClient client;

    ClusterSubmitter(final ClusterClient client)
    {
        this.client = client;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> CompletableFuture<T> submit(final ReplyConverter<T> converter, final Object... args)
    {
        final String name = ClusterClient.upperName(args[0]);
        final Topology topology = client.router().topology();
        switch (name)
        {
            case "MGET":
                return (CompletableFuture<T>)mget(topology, converter, args);
            case "MSET":
                return (CompletableFuture<T>)mset(topology, converter, args);
            case "DBSIZE":
                return (CompletableFuture<T>)(CompletableFuture<?>)sumOverMasters(topology, args);
            case "FLUSHALL":
            case "FLUSHDB":
                return (CompletableFuture<T>)(CompletableFuture<?>)okOverMasters(topology, args);
            case "KEYS":
                return (CompletableFuture<T>)(CompletableFuture<?>)concatOverMasters(topology, converter, args);
            default:
                break;
        }
        if (args.length == 1 || ONE_MASTER.contains(name))
        {
            return route(ClusterRouter.anyMaster(topology), NodeEndpoint.KEYLESS, name, converter, args);
        }
        if (COUNTING.contains(name) && args.length > 2)
        {
            return (CompletableFuture<T>)(CompletableFuture<?>)countAcrossSlots(topology, name, args);
        }
        final int slot = ClusterClient.slotOf(args[1]);
        final NodeEndpoint node = READS.contains(name) ? topology.reader(slot, client.readFrom()) :
            topology.master(slot);
        return route(node, slot, name, converter, args);
    }

    private <T> CompletableFuture<T> route(final NodeEndpoint node, final int slot, final String name,
        final ReplyConverter<T> converter, final Object[] args)
    {
        if (node == null)
        {
            client.router().requestRefresh();
            return CompletableFuture.failedFuture(new ClusterRoutingException("no node serves the slot of " + name +
                " (topology refresh requested; command not applied)"));
        }
        return node.submit(slot, converter, args);
    }

    /** Groups argument positions {@code first, first + step, ...} by the slot of the key at each. */
    private static Int2ObjectHashMap<IntArrayList> groupBySlot(final Object[] args, final int first, final int step)
    {
        final Int2ObjectHashMap<IntArrayList> groups = new Int2ObjectHashMap<>();
        for (int i = first; i < args.length; i += step)
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
    private <T> CompletableFuture<List<Object>> mget(final Topology topology, final ReplyConverter<T> converter,
        final Object[] args)
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
            return route(topology.reader(slot, client.readFrom()), slot, "GET", element,
                new Object[] {"GET", args[1]}).thenApply(value ->
                {
                    final List<Object> one = new ArrayList<>(1);
                    one.add(value);
                    return one;
                });
        }
        final Int2ObjectHashMap<IntArrayList> groups = groupBySlot(args, 1, 1);
        if (groups.size() == 1)
        {
            final int slot = ClusterClient.slotOf(args[1]);
            return route(topology.reader(slot, client.readFrom()), slot, "MGET", listConverter, args);
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
            parts.add(route(topology.reader(slot, client.readFrom()), slot, "MGET", listConverter, part)
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

    private <T> CompletableFuture<Object> mset(final Topology topology, final ReplyConverter<T> converter,
        final Object[] args)
    {
        if ((args.length - 1) % 2 != 0)
        {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                "MSET expects key value pairs, got " + (args.length - 1) + " arguments"));
        }
        final Int2ObjectHashMap<IntArrayList> groups = groupBySlot(args, 1, 2);
        if (groups.size() == 1)
        {
            final int slot = ClusterClient.slotOf(args[1]);
            return route(topology.master(slot), slot, "MSET", ReplyConverters.OBJECT, args);
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
            parts.add(route(topology.master(slot), slot, "MSET", converter, part));
        });
        // Not atomic across slots, as in Redis Cluster itself: a failed part leaves the others applied.
        return CompletableFuture.allOf(parts.toArray(new CompletableFuture<?>[0])).thenApply(ignored -> "OK");
    }

    private CompletableFuture<Long> countAcrossSlots(final Topology topology, final String name, final Object[] args)
    {
        final Int2ObjectHashMap<IntArrayList> groups = groupBySlot(args, 1, 1);
        if (groups.size() == 1)
        {
            final int slot = ClusterClient.slotOf(args[1]);
            return route(topology.master(slot), slot, name, ReplyConverters.LONG, args);
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
            parts.add(route(topology.master(slot), slot, name, ReplyConverters.LONG, part));
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

    private <T> CompletableFuture<T> noMasters()
    {
        client.router().requestRefresh();
        return CompletableFuture.failedFuture(
            new RedisConnectionException("no master known (topology refresh requested)", false, null));
    }
}
