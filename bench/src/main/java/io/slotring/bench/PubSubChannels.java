package io.slotring.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * The shard channels of {@link Op#PUBSUB}: {@code bench:ps:{<t>}}, the hash tags {@code t} chosen so that every
 * master owns the same number of them (their slots read from CLUSTER NODES), so publishing and delivery load every
 * master alike.
 */
final class PubSubChannels
{
    /** Tags tried before giving up (a master owning a tiny slot range may need many). */
    private static final int MAX_TAGS = 1_000_000;

    private PubSubChannels()

    {

    }

    /**
     * @param perMaster channels per master.
     * @return the channels, master by master.
     */
    static List<String> place(final Cluster cluster, final int perMaster)
    {
        RuntimeException last = null;
        for (final String seed : cluster.seeds())
        {
            final String nodes;
            try (Jedis jedis = new Jedis(HostAndPort.from(seed), DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(2000).socketTimeoutMillis(10_000).build()))
            {
                nodes = jedis.clusterNodes();
            }
            catch (final RuntimeException ex)
            {
                last = ex;
                continue;
            }
            return place(slotOwners(nodes), perMaster);
        }
        throw new IllegalStateException("no seed of " + cluster.seeds() + " answered CLUSTER NODES", last);
    }

    /**
     * @param owners    master address per slot (null: unowned).
     * @param perMaster channels per master.
     * @return the channels, master by master.
     */
    static List<String> place(final String[] owners, final int perMaster)
    {
        final Map<String, List<String>> byMaster = new LinkedHashMap<>();
        for (final String owner : owners)
        {
            if (owner != null)
            {
                byMaster.computeIfAbsent(owner, o -> new ArrayList<>());
            }
        }
        if (byMaster.isEmpty())
        {
            throw new IllegalStateException("no master owns a slot");
        }
        int placed = 0;
        for (int tag = 0; tag < MAX_TAGS && placed < byMaster.size() * perMaster; tag++)
        {
            final String channel = "bench:ps:{" + tag + "}";
            final List<String> mine = byMaster.get(owners[JedisClusterCRC16.getSlot(channel)]);
            if (mine != null && mine.size() < perMaster)
            {
                mine.add(channel);
                placed++;
            }
        }
        final List<String> out = new ArrayList<>();
        for (final Map.Entry<String, List<String>> entry : byMaster.entrySet())
        {
            if (entry.getValue().size() < perMaster)
            {
                throw new IllegalStateException("found no " + perMaster + " channel tags for master " +
                    entry.getKey());
            }
            out.addAll(entry.getValue());
        }
        return out;
    }

    /**
     * @param clusterNodes CLUSTER NODES output.
     * @return the master address ({@code host:port}) owning each of the 16384 slots, null where none does.
     */
    static String[] slotOwners(final String clusterNodes)
    {
        final String[] owners = new String[16384];
        for (final String line : clusterNodes.split("\r?\n"))
        {
            final String[] parts = line.trim().split(" ");
            if (parts.length < 9 || !parts[2].contains("master") || parts[2].contains("fail"))
            {
                continue;
            }
            String address = parts[1];
            final int at = address.indexOf('@');
            address = at >= 0 ? address.substring(0, at) : address;
            for (int i = 8; i < parts.length; i++)
            {
                final String range = parts[i];
                if (range.startsWith("["))
                {
                    continue;
                }
                final int dash = range.indexOf('-');
                final int start = Integer.parseInt(dash < 0 ? range : range.substring(0, dash));
                final int end = dash < 0 ? start : Integer.parseInt(range.substring(dash + 1));
                for (int slot = start; slot <= end; slot++)
                {
                    owners[slot] = address;
                }
            }
        }
        return owners;
    }
}
