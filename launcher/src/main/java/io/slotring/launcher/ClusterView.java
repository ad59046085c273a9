package io.slotring.launcher;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One node's opinion of the cluster, parsed from {@code CLUSTER NODES}. Convergence is decided by comparing
 * these opinions across nodes: CLUSTER NODES (unlike CLUSTER SLOTS) also carries flags (fail, handshake) and
 * each node's own role in its {@code myself} line, so one call per node answers every question we ask.
 * <p>
 * Public for the benchmark, which names the masters of a cluster it did not start ({@link #masterAddresses()}).
 * The launcher keeps this reader instead of the client's {@code TopologyParser} (CLUSTER SHARDS/SLOTS over RESP):
 * it is the test harness that checks the client, so it depends on nothing but the JDK, and the launcher asks
 * questions the client never does (flags, handshake state, each node's own opinion).
 */
public final class ClusterView
{
    static final int SLOTS = 16384;

    /** One line of CLUSTER NODES. */
    static final class Entry
    {
        final String id;
        /** As announced; empty before the node's first MEET. */
        final String host;
        final int port;
        final Set<String> flags;
        /** Null for a master. */
        final String masterId;
        /** Inclusive [start, end] pairs; open migrations ("[slot->-id]") are left out on purpose. */
        final List<int[]> slots;

        Entry(String id, String host, int port, Set<String> flags, String masterId, List<int[]> slots)
        {
            this.id = id;
            this.host = host;
            this.port = port;
            this.flags = flags;
            this.masterId = masterId;
            this.slots = slots;
        }

        boolean isMaster()
        {
            return flags.contains("master");
        }

        boolean isMyself()
        {
            return flags.contains("myself");
        }

        /** Not failing, not mid-handshake, address known. */
        boolean isHealthy()
        {
            return !flags.contains("fail") && !flags.contains("fail?") && !flags.contains("handshake")
                    && !flags.contains("noaddr");
        }

        String describe()
        {
            return String.join(",", flags) + (masterId == null ? "" : " of " + shortId(masterId));
        }
    }

    final List<Entry> entries;

    private ClusterView(List<Entry> entries)
    {
        this.entries = entries;
    }

    /**
     * @param clusterNodes a {@code CLUSTER NODES} reply.
     * @return the view it describes.
     * @throws IllegalArgumentException naming a malformed line.
     */
    public static ClusterView parse(String clusterNodes)
    {
        List<Entry> entries = new ArrayList<>();
        for (String line : clusterNodes.split("\r?\n"))
        {
            if (line.isBlank())
            {
                continue;
            }
            String[] parts = line.trim().split(" ");
            if (parts.length < 8)
            {
                throw new IllegalArgumentException("malformed CLUSTER NODES line: " + line);
            }
            // address: ip:port@cport[,hostname]; ip may be empty before the first MEET
            String address = parts[1];
            int at = address.indexOf('@');
            String hostPort = at < 0 ? address : address.substring(0, at);
            int colon = hostPort.lastIndexOf(':');
            String host = hostPort.substring(0, colon);
            int port = Integer.parseInt(hostPort.substring(colon + 1));
            Set<String> flags = new HashSet<>(Arrays.asList(parts[2].split(",")));
            String masterId = "-".equals(parts[3]) ? null : parts[3];
            List<int[]> slots = new ArrayList<>();
            for (int i = 8; i < parts.length; i++)
            {
                String range = parts[i];
                if (range.startsWith("["))
                {
                    continue;
                }
                int dash = range.indexOf('-');
                int start = Integer.parseInt(dash < 0 ? range : range.substring(0, dash));
                int end = dash < 0 ? start : Integer.parseInt(range.substring(dash + 1));
                slots.add(new int[] {start, end});
            }
            entries.add(new Entry(parts[0], host, port, flags, masterId, slots));
        }
        return new ClusterView(entries);
    }

    /**
     * @return {@code host:port} of every healthy master (not failing, not in handshake, address known), sorted.
     */
    public List<String> masterAddresses()
    {
        List<String> masters = new ArrayList<>();
        for (Entry entry : entries)
        {
            if (entry.isMaster() && entry.isHealthy() && !entry.host.isEmpty())
            {
                masters.add(entry.host + ':' + entry.port);
            }
        }
        masters.sort(null);
        return masters;
    }

    Entry self()
    {
        for (Entry entry : entries)
        {
            if (entry.isMyself())
            {
                return entry;
            }
        }
        throw new IllegalStateException("CLUSTER NODES without a myself line");
    }

    Entry byId(String id)
    {
        for (Entry entry : entries)
        {
            if (entry.id.equals(id))
            {
                return entry;
            }
        }
        return null;
    }

    /** Id of the node this view says owns {@code slot}, or null when unassigned. */
    String ownerOf(int slot)
    {
        for (Entry entry : entries)
        {
            for (int[] range : entry.slots)
            {
                if (slot >= range[0] && slot <= range[1])
                {
                    return entry.id;
                }
            }
        }
        return null;
    }

    /** Canonical "start-end=id" list, merged and sorted, so two views agree iff the strings are equal. */
    String slotMap()
    {
        String[] owners = new String[SLOTS];
        for (Entry entry : entries)
        {
            for (int[] range : entry.slots)
            {
                for (int slot = range[0]; slot <= range[1]; slot++)
                {
                    owners[slot] = entry.id;
                }
            }
        }
        StringBuilder out = new StringBuilder();
        int start = 0;
        for (int slot = 1; slot <= SLOTS; slot++)
        {
            if (slot == SLOTS || !java.util.Objects.equals(owners[slot], owners[start]))
            {
                if (owners[start] != null)
                {
                    out.append(out.length() == 0 ? "" : " ").append(start).append('-').append(slot - 1)
                            .append('=').append(shortId(owners[start]));
                }
                start = slot;
            }
        }
        return out.toString();
    }

    static String shortId(String id)
    {
        return id == null ? "?" : id.substring(0, Math.min(8, id.length()));
    }
}
