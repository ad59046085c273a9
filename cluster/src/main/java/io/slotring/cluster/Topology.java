package io.slotring.cluster;

import io.slotring.codec.SlotHash;
import java.util.Arrays;

import io.slotring.engine.NodeEndpoint;

/**
 * An immutable routing snapshot: slot -> master endpoint through a 16384-entry array, and each master's replica
 * endpoints. The hot path reads one volatile reference to it ({@link ClusterRouter#topology}) and one array
 * element; a change builds a new snapshot and swaps the reference, never mutating a published one.
 */
final class Topology
{
    private static final NodeEndpoint[] NO_ENDPOINTS = new NodeEndpoint[0];

    static final Topology EMPTY = empty();

    /** Slot -> master endpoint; null when no node serves the slot. */
    private final NodeEndpoint[] slotMasters;
    /** Slot -> index into {@link #masters}, -1 when uncovered. */
    private final int[] slotMasterIndex;
    private final NodeEndpoint[] masters;
    private final NodeEndpoint[][] replicas;
    /**
     * Per-master round-robin over its replicas for read-from. One counter per master so no line is shared
     * across nodes; racy increments only skew the spread.
     */
    private final int[] replicaRoundRobin;

    Topology(final NodeEndpoint[] slotMasters, final int[] slotMasterIndex, final NodeEndpoint[] masters,
        final NodeEndpoint[][] replicas)
    {
        this.slotMasters = slotMasters;
        this.slotMasterIndex = slotMasterIndex;
        this.masters = masters;
        this.replicas = replicas;
        this.replicaRoundRobin = new int[masters.length * 16];
    }

    private static Topology empty()
    {
        final int[] uncovered = new int[SlotHash.SLOT_COUNT];
        Arrays.fill(uncovered, -1);
        return new Topology(new NodeEndpoint[SlotHash.SLOT_COUNT], uncovered, NO_ENDPOINTS, new NodeEndpoint[0][]);
    }

    NodeEndpoint master(final int slot)
    {
        return slotMasters[slot];
    }

    /**
     * @return the endpoint a read of {@code slot} goes to under {@code policy}, or null when uncovered.
     */
    NodeEndpoint reader(final int slot, final ReadFrom policy)
    {
        final NodeEndpoint master = slotMasters[slot];
        if (policy == ReadFrom.MASTER || master == null)
        {
            return master;
        }
        final int index = slotMasterIndex[slot];
        final NodeEndpoint[] candidates = index >= 0 ? replicas[index] : NO_ENDPOINTS;
        if (candidates.length == 0)
        {
            return master;
        }
        // Counters spaced 16 ints (64 bytes) apart: one cache line per master.
        final int turn = replicaRoundRobin[index * 16]++ & Integer.MAX_VALUE;
        final int choices = policy == ReadFrom.ANY ? candidates.length + 1 : candidates.length;
        for (int attempt = 0; attempt < choices; attempt++)
        {
            final int pick = (turn + attempt) % choices;
            final NodeEndpoint candidate = pick == candidates.length ? master : candidates[pick];
            if (candidate.isReady())
            {
                return candidate;
            }
        }
        return master;
    }

    NodeEndpoint[] masters()
    {
        return masters;
    }

    /**
     * A copy with one slot re-pointed (MOVED): the slot goes to {@code endpoint}, a master already known or a
     * new one appended without replicas until the next full refresh.
     */
    Topology withSlot(final int slot, final NodeEndpoint endpoint)
    {
        int index = -1;
        for (int i = 0; i < masters.length; i++)
        {
            if (masters[i] == endpoint)
            {
                index = i;
                break;
            }
        }
        NodeEndpoint[] newMasters = masters;
        NodeEndpoint[][] newReplicas = replicas;
        if (index < 0)
        {
            index = masters.length;
            newMasters = Arrays.copyOf(masters, masters.length + 1);
            newMasters[index] = endpoint;
            newReplicas = Arrays.copyOf(replicas, replicas.length + 1);
            newReplicas[index] = NO_ENDPOINTS;
        }
        final NodeEndpoint[] newSlots = slotMasters.clone();
        final int[] newIndex = slotMasterIndex.clone();
        newSlots[slot] = endpoint;
        newIndex[slot] = index;
        return new Topology(newSlots, newIndex, newMasters, newReplicas);
    }
}
