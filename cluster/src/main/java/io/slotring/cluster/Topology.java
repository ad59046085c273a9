package io.slotring.cluster;

import java.util.Arrays;

import io.slotring.codec.SlotHash;
import io.slotring.engine.internal.NodeEndpoint;

/**
 * An immutable routing snapshot: slot -> master endpoint through a 16384-entry array, and each master's replica
 * endpoints. The hot path reads one volatile reference to it ({@link ClusterRouter#topology}) and one array
 * element; a change builds a new snapshot and swaps the reference, never mutating a published one.
 *
 * <p>{@link #masters()} are the masters that own slots (a failed one too, while it still owns them: its slots have
 * nowhere else to go); {@link #fanOut()} are those of them not reported failed, the nodes a command for "every
 * master" (DBSIZE, KEYS, SCAN, FLUSHALL) goes to, so one dead node does not make every fan-out time out.
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
    private final NodeEndpoint[] fanOut;
    /**
     * Per-master round-robin over its replicas for read-from. One counter per master so no line is shared
     * across nodes; racy increments only skew the spread.
     */
    private final int[] replicaRoundRobin;

    /**
     * @param slotMasters     slot -> master endpoint, null where uncovered; owned by the snapshot from now on.
     * @param slotMasterIndex slot -> index into {@code masters}, -1 where uncovered; owned likewise.
     * @param masters         the masters owning slots.
     * @param replicas        per master, the replica endpoints reads may go to.
     * @param fanOut          the masters not reported failed.
     */
    Topology(final NodeEndpoint[] slotMasters, final int[] slotMasterIndex, final NodeEndpoint[] masters,
        final NodeEndpoint[][] replicas, final NodeEndpoint[] fanOut)
    {
        this.slotMasters = slotMasters;
        this.slotMasterIndex = slotMasterIndex;
        this.masters = masters;
        this.replicas = replicas;
        this.fanOut = fanOut;
        this.replicaRoundRobin = new int[masters.length * 16];
    }

    private static Topology empty()
    {
        final int[] uncovered = new int[SlotHash.SLOT_COUNT];
        Arrays.fill(uncovered, -1);
        return new Topology(new NodeEndpoint[SlotHash.SLOT_COUNT], uncovered, NO_ENDPOINTS, new NodeEndpoint[0][],
            NO_ENDPOINTS);
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

    /**
     * @return the masters owning slots, failed ones included.
     */
    NodeEndpoint[] masters()
    {
        return masters;
    }

    /**
     * @param masterIndex index in {@link #masters()}.
     * @return the replica endpoints reads of that master's slots may go to.
     */
    NodeEndpoint[] replicasAt(final int masterIndex)
    {
        return replicas[masterIndex];
    }

    /**
     * @return the masters owning slots that are not reported failed: where "every master" commands go.
     */
    NodeEndpoint[] fanOut()
    {
        return fanOut;
    }

    /**
     * @return true when {@code endpoint} serves this snapshot: a slot's master or a replica reads go to.
     */
    boolean contains(final NodeEndpoint endpoint)
    {
        for (final NodeEndpoint master : masters)
        {
            if (master == endpoint)
            {
                return true;
            }
        }
        for (final NodeEndpoint[] ofMaster : replicas)
        {
            for (final NodeEndpoint replica : ofMaster)
            {
                if (replica == endpoint)
                {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * @return true when a master owning slots has no connection ready: its slots' commands wait, and only a new
     * topology (a promoted replica) can move them.
     */
    boolean hasUnreadyMaster()
    {
        for (final NodeEndpoint master : masters)
        {
            if (!master.isReady())
            {
                return true;
            }
        }
        return false;
    }

    /**
     * @return true when both snapshots send every command to the same endpoints (the refresher backs off while
     * refreshes keep finding nothing new).
     */
    boolean sameRouting(final Topology other)
    {
        return Arrays.equals(slotMasters, other.slotMasters) && Arrays.equals(fanOut, other.fanOut) &&
            Arrays.equals(masters, other.masters) && Arrays.deepEquals(replicas, other.replicas);
    }

    /**
     * A copy with one slot re-pointed (MOVED): the slot goes to {@code endpoint}, a master already known or a
     * new one appended without replicas until the next full refresh.
     */
    Topology withSlot(final int slot, final NodeEndpoint endpoint)
    {
        int index = indexOf(masters, endpoint);
        NodeEndpoint[] newMasters = masters;
        NodeEndpoint[][] newReplicas = replicas;
        NodeEndpoint[] newFanOut = fanOut;
        if (index < 0)
        {
            index = masters.length;
            newMasters = Arrays.copyOf(masters, masters.length + 1);
            newMasters[index] = endpoint;
            newReplicas = Arrays.copyOf(replicas, replicas.length + 1);
            newReplicas[index] = NO_ENDPOINTS;
        }
        if (indexOf(fanOut, endpoint) < 0)
        {
            // A node just named it the slot's owner: whatever an older snapshot said, it now holds keys.
            newFanOut = Arrays.copyOf(fanOut, fanOut.length + 1);
            newFanOut[fanOut.length] = endpoint;
        }
        final NodeEndpoint[] newSlots = slotMasters.clone();
        final int[] newIndex = slotMasterIndex.clone();
        newSlots[slot] = endpoint;
        newIndex[slot] = index;
        return new Topology(newSlots, newIndex, newMasters, newReplicas, newFanOut);
    }

    static int indexOf(final NodeEndpoint[] endpoints, final NodeEndpoint endpoint)
    {
        for (int i = 0; i < endpoints.length; i++)
        {
            if (endpoints[i] == endpoint)
            {
                return i;
            }
        }
        return -1;
    }
}
