package io.slotring.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.slotring.codec.SlotHash;
import io.slotring.launcher.FaultProxy;
import io.slotring.launcher.LocalRedisCluster;
import io.slotring.launcher.RedisNodeHandle;

/** Helpers shared by the fault tests: slot ownership, keys on chosen shards, proxies announced by the cluster. */
final class MatrixSupport
{
    private MatrixSupport()
    {
    }

    /**
     * @return the node id owning each slot, according to {@code node}'s CLUSTER SLOTS.
     */
    static String[] slotOwners(final LocalRedisCluster redis, final RedisNodeHandle node)
    {
        final String[] owners = new String[SlotHash.SLOT_COUNT];
        for (final Object range : (List<?>)redis.call(node, "CLUSTER", "SLOTS"))
        {
            final List<?> entry = (List<?>)range;
            final int first = ((Long)entry.get(0)).intValue();
            final int last = ((Long)entry.get(1)).intValue();
            final String owner = (String)((List<?>)entry.get(2)).get(2);
            for (int slot = first; slot <= last; slot++)
            {
                owners[slot] = owner;
            }
        }
        return owners;
    }

    /**
     * @return {@code count} key names starting with {@code prefix} whose slots {@code shard} owns.
     */
    static List<String> keysOn(final String[] owners, final String shard, final String prefix, final int count)
    {
        final List<String> keys = new ArrayList<>(count);
        for (int n = 0; keys.size() < count; n++)
        {
            if (n > 100_000)
            {
                throw new IllegalStateException("no key with prefix " + prefix + " lands on " + shard);
            }
            final String candidate = prefix + '-' + n;
            if (shard.equals(owners[SlotHash.slot(candidate)]))
            {
                keys.add(candidate);
            }
        }
        return keys;
    }

    /**
     * Makes every master announce its proxy's port (CONFIG SET cluster-announce-port), so that CLUSTER SHARDS,
     * CLUSTER SLOTS and MOVED send clients through the proxies, and waits until every node's CLUSTER NODES shows
     * the proxy ports. The cluster bus keeps the real ports (its port is derived from the real one).
     *
     * @throws IllegalStateException when gossip did not spread the new ports within {@code timeoutMillis}.
     */
    static void announceProxies(final LocalRedisCluster redis, final Map<String, FaultProxy> proxyByNodeId,
        final long timeoutMillis)
    {
        for (final RedisNodeHandle node : redis.masters())
        {
            redis.call(node, "CONFIG", "SET", "cluster-announce-port",
                Integer.toString(proxyByNodeId.get(node.nodeId()).port()));
        }
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        String last = "nothing asked yet";
        while (System.nanoTime() - deadline < 0)
        {
            last = null;
            for (final RedisNodeHandle asked : redis.nodes())
            {
                final String nodes = (String)redis.call(asked, "CLUSTER", "NODES");
                for (final Map.Entry<String, FaultProxy> entry : proxyByNodeId.entrySet())
                {
                    if (!announces(nodes, entry.getKey(), entry.getValue().port()))
                    {
                        last = asked + " does not show port " + entry.getValue().port() + " for " + entry.getKey() +
                            " yet:\n" + nodes;
                    }
                }
            }
            if (last == null)
            {
                return;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        throw new IllegalStateException("cluster-announce-port did not spread within " + timeoutMillis + " ms: " +
            last);
    }

    private static boolean announces(final String clusterNodes, final String nodeId, final int port)
    {
        for (final String line : clusterNodes.split("\n"))
        {
            final String[] fields = line.trim().split(" ");
            if (fields.length > 1 && fields[0].equals(nodeId))
            {
                return fields[1].contains(":" + port + "@");
            }
        }
        return false;
    }

    /** @return the names of the client's threads alive now: I/O agents, topology refresher and senders, resolver. */
    static List<String> clientThreads()
    {
        final List<String> alive = new ArrayList<>();
        for (final Thread thread : Thread.getAllStackTraces().keySet())
        {
            final String name = thread.getName();
            if (thread.isAlive() && (name.startsWith("slotring-io") || name.equals("slotring-topology") ||
                name.equals("slotring-topology-send") || name.equals("slotring-resolver")))
            {
                alive.add(name);
            }
        }
        return alive;
    }

    /**
     * Waits (up to {@code timeoutMillis}) until no client thread is left.
     *
     * @return the names of client threads still alive; empty when none.
     */
    static List<String> awaitNoClientThreads(final long timeoutMillis)
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true)
        {
            final List<String> alive = clientThreads();
            if (alive.isEmpty() || System.nanoTime() - deadline > 0)
            {
                return alive;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    static void sleepUntil(final long deadlineNs)
    {
        for (long left = deadlineNs - System.nanoTime(); left > 0; left = deadlineNs - System.nanoTime())
        {
            LockSupport.parkNanos(left);
        }
    }
}
