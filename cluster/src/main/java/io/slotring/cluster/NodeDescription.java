package io.slotring.cluster;

import java.util.Arrays;
import java.util.Objects;

import io.slotring.codec.SlotHash;

/**
 * One cluster node as a topology reply describes it: immutable. Slot ranges are normalised (sorted, touching or
 * overlapping ranges merged), so the same ownership reads the same whether it came from CLUSTER SHARDS or from
 * CLUSTER SLOTS.
 */
final class NodeDescription
{
    /** Role of a node. */
    enum Role
    {
        /** Owns slots (or could: a master may own none). */
        MASTER,
        /** Replicates a master. */
        REPLICA
    }

    /** CLUSTER SHARDS' {@code health}; CLUSTER SLOTS reports none, and lists no failed replica, so ONLINE. */
    enum Health
    {
        /** Serving. */
        ONLINE,
        /** A replica still loading its initial sync. */
        LOADING,
        /** Marked failed by the cluster. */
        FAILED
    }

    /** Replication offset of a node whose reply does not say (CLUSTER SLOTS). */
    static final long UNKNOWN_OFFSET = -1;

    private static final int[] NO_SLOTS = new int[0];

    private final String nodeId;
    private final String host;
    private final int port;
    private final Role role;
    private final Health health;
    private final int[] slotRanges;
    private final int slotCount;
    private final String masterId;
    private final long replicationOffset;

    /**
     * @param nodeId            cluster node id, non-empty.
     * @param host              where to connect, already resolved (no "?" or empty endpoint).
     * @param port              client port, 0..65535.
     * @param role              master or replica.
     * @param health            health.
     * @param slotRanges        inclusive start/end pairs, 0..16383 and start &lt;= end; copied. Replicas own none.
     * @param masterId          id of the master a replica follows; null for a master, may be null for a replica whose
     *                          master the reply does not name.
     * @param replicationOffset as reported, or {@link #UNKNOWN_OFFSET}.
     * @throws IllegalArgumentException naming the offending value.
     */
    NodeDescription(
        final String nodeId,
        final String host,
        final int port,
        final Role role,
        final Health health,
        final int[] slotRanges,
        final String masterId,
        final long replicationOffset)
    {
        Objects.requireNonNull(nodeId, "nodeId");
        if (nodeId.isEmpty())
        {
            throw new IllegalArgumentException("expected a non-empty node id, got an empty one");
        }
        if (port < 0 || port > 65535)
        {
            throw new IllegalArgumentException("expected a port in 0..65535 for node " + nodeId + ", got " + port);
        }
        this.nodeId = nodeId;
        this.host = Objects.requireNonNull(host, "host");
        this.port = port;
        this.role = Objects.requireNonNull(role, "role");
        this.health = Objects.requireNonNull(health, "health");
        this.slotRanges = normalise(nodeId, slotRanges);
        if (role == Role.REPLICA && this.slotRanges.length > 0)
        {
            throw new IllegalArgumentException("expected replica " + nodeId + " to own no slots, got " +
                rangesToString(this.slotRanges));
        }
        if (role == Role.MASTER && masterId != null)
        {
            throw new IllegalArgumentException("expected master " + nodeId + " to follow no master, got " + masterId);
        }
        this.slotCount = count(this.slotRanges);
        this.masterId = masterId;
        this.replicationOffset = replicationOffset;
    }

    /**
     * @return the cluster node id.
     */
    String nodeId()
    {
        return nodeId;
    }

    /**
     * @return host to connect to.
     */
    String host()
    {
        return host;
    }

    /**
     * @return client port.
     */
    int port()
    {
        return port;
    }

    /**
     * @return master or replica.
     */
    Role role()
    {
        return role;
    }

    /**
     * @return whether {@link #role()} is {@link Role#MASTER}.
     */
    boolean isMaster()
    {
        return role == Role.MASTER;
    }

    /**
     * @return health as reported.
     */
    Health health()
    {
        return health;
    }

    /**
     * @return the id of the master this replica follows; null for a master.
     */
    String masterId()
    {
        return masterId;
    }

    /**
     * @return replication offset as reported, or {@link #UNKNOWN_OFFSET}.
     */
    long replicationOffset()
    {
        return replicationOffset;
    }

    /**
     * @return number of disjoint slot ranges owned.
     */
    int slotRangeCount()
    {
        return slotRanges.length >> 1;
    }

    /**
     * @param index 0 .. {@link #slotRangeCount()} - 1, ranges in ascending order.
     * @return first slot of the range.
     */
    int slotRangeStart(final int index)
    {
        return slotRanges[index << 1];
    }

    /**
     * @param index 0 .. {@link #slotRangeCount()} - 1, ranges in ascending order.
     * @return last slot of the range, inclusive.
     */
    int slotRangeEnd(final int index)
    {
        return slotRanges[(index << 1) + 1];
    }

    /**
     * @return a copy of the ranges as inclusive start/end pairs in ascending order.
     */
    int[] slotRanges()
    {
        return slotRanges.clone();
    }

    /**
     * @return number of slots owned.
     */
    int slotCount()
    {
        return slotCount;
    }

    /**
     * @return {@code host:port}.
     */
    String address()
    {
        return host + ':' + port;
    }

    @Override
    public boolean equals(final Object other)
    {
        if (this == other)
        {
            return true;
        }
        if (!(other instanceof NodeDescription))
        {
            return false;
        }
        final NodeDescription that = (NodeDescription)other;
        return port == that.port &&
            replicationOffset == that.replicationOffset &&
            nodeId.equals(that.nodeId) &&
            host.equals(that.host) &&
            role == that.role &&
            health == that.health &&
            Arrays.equals(slotRanges, that.slotRanges) &&
            Objects.equals(masterId, that.masterId);
    }

    @Override
    public int hashCode()
    {
        return nodeId.hashCode() * 31 + port;
    }

    @Override
    public String toString()
    {
        return "NodeDescription{" + nodeId + ' ' + host + ':' + port + ' ' + role + ' ' + health +
            (masterId != null ? " of " + masterId : "") +
            (slotRanges.length > 0 ? " slots " + rangesToString(slotRanges) : "") + '}';
    }

    static String rangesToString(final int[] ranges)
    {
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < ranges.length; i += 2)
        {
            text.append(i > 0 ? "," : "").append(ranges[i]);
            if (ranges[i + 1] != ranges[i])
            {
                text.append('-').append(ranges[i + 1]);
            }
        }
        return text.toString();
    }

    private static int count(final int[] ranges)
    {
        int slots = 0;
        for (int i = 0; i < ranges.length; i += 2)
        {
            slots += ranges[i + 1] - ranges[i] + 1;
        }
        return slots;
    }

    /** Validates, sorts by start and merges touching or overlapping ranges; returns a fresh array. */
    private static int[] normalise(final String nodeId, final int[] ranges)
    {
        if (ranges == null || ranges.length == 0)
        {
            return NO_SLOTS;
        }
        if ((ranges.length & 1) != 0)
        {
            throw new IllegalArgumentException("expected slot ranges of node " + nodeId +
                " as start/end pairs, got an odd count " + ranges.length);
        }
        final int pairs = ranges.length >> 1;
        // Pack each pair into one long so a primitive sort orders them by start without boxing.
        final long[] packed = new long[pairs];
        for (int i = 0; i < pairs; i++)
        {
            final int start = ranges[i << 1];
            final int end = ranges[(i << 1) + 1];
            if (start < 0 || end >= SlotHash.SLOT_COUNT || start > end)
            {
                throw new IllegalArgumentException("expected a slot range within 0..16383 with start <= end for node " +
                    nodeId + ", got " + start + ".." + end);
            }
            packed[i] = ((long)start << 32) | end;
        }
        Arrays.sort(packed);
        final int[] merged = new int[ranges.length];
        int length = 0;
        for (final long pair : packed)
        {
            final int start = (int)(pair >>> 32);
            final int end = (int)pair;
            if (length > 0 && start <= merged[length - 1] + 1)
            {
                merged[length - 1] = Math.max(merged[length - 1], end);
            }
            else
            {
                merged[length++] = start;
                merged[length++] = end;
            }
        }
        return length == merged.length ? merged : Arrays.copyOf(merged, length);
    }
}
