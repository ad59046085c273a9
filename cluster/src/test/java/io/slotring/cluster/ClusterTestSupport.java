package io.slotring.cluster;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import io.slotring.codec.SlotHash;
import io.slotring.engine.RedisException;
import io.slotring.launcher.Await;
import io.slotring.launcher.FaultProxy;
import io.slotring.launcher.LocalRedisCluster;
import io.slotring.launcher.RedisNodeHandle;
import io.slotring.launcher.RedisReplyError;

/**
 * Helpers shared by the cluster's integration tests: slot ownership, keys on chosen shards, proxies announced by the
 * cluster, a node's role and command statistics, the verified SET/GET that shows a client recovered, and the one
 * deliberate sleep (a window of fixed length in which a test counts what happens).
 */
final class ClusterTestSupport
{
    private ClusterTestSupport()
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
     * @throws AssertionError when gossip did not spread the new ports within {@code timeout}.
     */
    static void announceProxies(final LocalRedisCluster redis, final Map<String, FaultProxy> proxyByNodeId,
        final Duration timeout)
    {
        for (final RedisNodeHandle node : redis.masters())
        {
            redis.call(node, "CONFIG", "SET", "cluster-announce-port",
                Integer.toString(proxyByNodeId.get(node.nodeId()).port()));
        }
        Await.value(timeout, () -> notYetAnnounced(redis, proxyByNodeId), Objects::isNull,
            "cluster-announce-port spread to every node (the last value is a node that did not show it yet)");
    }

    /** @return a node whose CLUSTER NODES does not show every proxy port yet, with what it shows; null if none. */
    private static String notYetAnnounced(final LocalRedisCluster redis, final Map<String, FaultProxy> proxyByNodeId)
    {
        for (final RedisNodeHandle asked : redis.nodes())
        {
            final String nodes = (String)redis.call(asked, "CLUSTER", "NODES");
            for (final Map.Entry<String, FaultProxy> entry : proxyByNodeId.entrySet())
            {
                if (!announces(nodes, entry.getKey(), entry.getValue().port()))
                {
                    return asked + " does not show port " + entry.getValue().port() + " for " + entry.getKey() +
                        ":\n" + nodes;
                }
            }
        }
        return null;
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

    /**
     * Stops the load's workers: sets {@code stop} and joins each for what its last round may take plus 2 s; one
     * still running then is a finding of the ledger, and is interrupted.
     */
    static void stopLoad(final AtomicBoolean stop, final List<Thread> workers, final long lastRoundNs,
        final MatrixLedger ledger) throws InterruptedException
    {
        stop.set(true);
        for (final Thread worker : workers)
        {
            worker.join(TimeUnit.NANOSECONDS.toMillis(lastRoundNs) + 2_000);
            if (worker.isAlive())
            {
                ledger.problem(worker.getName() + " did not finish (stuck in a call?)");
                worker.interrupt();
            }
        }
    }

    /**
     * @return true when {@code node} answers ROLE as a master; false when it says otherwise or does not answer
     * (killed, paused) within 500 ms.
     */
    static boolean isMaster(final LocalRedisCluster redis, final RedisNodeHandle node)
    {
        try
        {
            final Object role = redis.call(node, Duration.ofMillis(500), "ROLE");
            return role instanceof List && "master".equals(((List<?>)role).get(0));
        }
        catch (final UncheckedIOException | RedisReplyError ex)
        {
            return false;
        }
    }

    /**
     * @param field a field of the node's {@code cmdstat_get} line in INFO commandstats: {@code calls} (GETs run),
     *              {@code rejected_calls} (refused before running: redirects, CLUSTERDOWN, MASTERDOWN)
     * @return its value; 0 while the node has seen no GET
     */
    static long getStat(final LocalRedisCluster redis, final RedisNodeHandle node, final String field)
    {
        final String stats = String.valueOf(redis.call(node, "INFO", "commandstats"));
        for (final String line : stats.split("\r?\n"))
        {
            if (line.startsWith("cmdstat_get:"))
            {
                for (final String pair : line.substring("cmdstat_get:".length()).split(","))
                {
                    if (pair.startsWith(field + "="))
                    {
                        return Long.parseLong(pair.substring(field.length() + 1).trim());
                    }
                }
            }
        }
        return 0;
    }

    /**
     * After a fault: a verified SET then GET of each key (one per shard), each retried until it works, within
     * {@code timeout} for all of them.
     *
     * @return milliseconds from the first attempt until every key worked, or -1 if one did not in time (the caller
     * reports it with its other findings)
     */
    static long recover(final MatrixClient client, final List<String> keys, final String value,
        final Duration timeout)
    {
        final long start = System.nanoTime();
        final long deadline = start + timeout.toNanos();
        for (final String key : keys)
        {
            if (!awaitQuietly(deadline, () -> verifiedSetGet(client, key, value), "a verified SET and GET of " + key))
            {
                return -1;
            }
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    /**
     * {@link Await#until} up to {@code deadlineNs} (System.nanoTime()), for tests that collect their findings (soft
     * assertions, a ledger) instead of failing at the first: a condition that does not hold in time is one of them.
     *
     * @return whether {@code condition} held in time
     */
    static boolean awaitQuietly(final long deadlineNs, final BooleanSupplier condition, final String what)
    {
        try
        {
            Await.until(Duration.ofNanos(Math.max(1, deadlineNs - System.nanoTime())), condition, what);
            return true;
        }
        catch (final AssertionError notInTime)
        {
            return false;
        }
    }

    private static boolean verifiedSetGet(final MatrixClient client, final String key, final String value)
    {
        try
        {
            return "OK".equals(client.sync().set(key, value)) && value.equals(client.sync().get(key));
        }
        catch (final RedisException ex)
        {
            return false;
        }
    }

    /**
     * Sleeps until {@code deadlineNs} (System.nanoTime()). Deliberate, never a wait for a condition: the tests use it
     * for a window of fixed length in which they count what happens (refreshes in 4 s, which must stay few) or for
     * how long a fault is held while the load runs.
     */
    static void sleepUntil(final long deadlineNs)
    {
        final long left = deadlineNs - System.nanoTime();
        if (left <= 0)
        {
            return;
        }
        try
        {
            // A fixed window, not a wait for something to happen (see above).
            Thread.sleep(TimeUnit.NANOSECONDS.toMillis(left), (int)(left % 1_000_000));
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while holding a window of fixed length", ex);
        }
    }
}
