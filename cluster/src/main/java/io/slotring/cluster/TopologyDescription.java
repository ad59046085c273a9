package io.slotring.cluster;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.slotring.codec.SlotHash;

/**
 * A cluster's topology as one node described it: masters, replicas, and which master owns each slot. Immutable;
 * built once per topology refresh, so construction allocates freely while the routing lookups
 * ({@link #masterIndexFor(int)}, {@link #masterFor(int)}) are an array read.
 */
final class TopologyDescription
{
    /** Entry of {@link #masterIndexFor(int)} for a slot no master owns. */
    static final int UNCOVERED = -1;

    private final List<NodeDescription> masters;
    private final List<NodeDescription> replicas;
    private final int[] slotToMasterIndex;
    private final int uncoveredSlots;
    private final Map<String, NodeDescription> nodesById;
    private final Map<String, Integer> masterIndexById;
    private final List<List<NodeDescription>> replicasByMaster;

    /**
     * @param masters  masters, in the order that defines their indexes; each {@link NodeDescription.Role#MASTER}.
     * @param replicas replicas; each {@link NodeDescription.Role#REPLICA}. One whose master is not among
     *                 {@code masters} is kept but attached to none.
     * @throws IllegalArgumentException on a role mismatch, a node id seen twice, or a slot claimed by two masters.
     */
    TopologyDescription(final List<NodeDescription> masters, final List<NodeDescription> replicas)
    {
        this.masters = List.copyOf(masters);
        this.replicas = List.copyOf(replicas);
        this.nodesById = new HashMap<>((this.masters.size() + this.replicas.size()) * 2);
        this.masterIndexById = new HashMap<>(this.masters.size() * 2);
        this.slotToMasterIndex = new int[SlotHash.SLOT_COUNT];
        Arrays.fill(slotToMasterIndex, UNCOVERED);

        int covered = 0;
        for (int index = 0; index < this.masters.size(); index++)
        {
            final NodeDescription master = this.masters.get(index);
            if (!master.isMaster())
            {
                throw new IllegalArgumentException("expected a master, got " + master);
            }
            register(master);
            masterIndexById.put(master.nodeId(), index);
            for (int range = 0; range < master.slotRangeCount(); range++)
            {
                for (int slot = master.slotRangeStart(range); slot <= master.slotRangeEnd(range); slot++)
                {
                    final int owner = slotToMasterIndex[slot];
                    if (owner != UNCOVERED)
                    {
                        throw new IllegalArgumentException("expected each slot to have one master, got slot " + slot +
                            " claimed by " + this.masters.get(owner).nodeId() + " and " + master.nodeId());
                    }
                    slotToMasterIndex[slot] = index;
                    covered++;
                }
            }
        }
        this.uncoveredSlots = SlotHash.SLOT_COUNT - covered;

        final List<List<NodeDescription>> byMaster = new ArrayList<>(this.masters.size());
        for (int i = 0; i < this.masters.size(); i++)
        {
            byMaster.add(new ArrayList<>());
        }
        for (final NodeDescription replica : this.replicas)
        {
            if (replica.isMaster())
            {
                throw new IllegalArgumentException("expected a replica, got " + replica);
            }
            register(replica);
            final Integer masterIndex = replica.masterId() == null ? null : masterIndexById.get(replica.masterId());
            if (masterIndex != null)
            {
                byMaster.get(masterIndex).add(replica);
            }
        }
        for (int i = 0; i < byMaster.size(); i++)
        {
            byMaster.set(i, Collections.unmodifiableList(byMaster.get(i)));
        }
        this.replicasByMaster = Collections.unmodifiableList(byMaster);
    }

    private void register(final NodeDescription node)
    {
        final NodeDescription previous = nodesById.putIfAbsent(node.nodeId(), node);
        if (previous != null)
        {
            throw new IllegalArgumentException("expected node ids to be unique, got " + node.nodeId() + " twice: " +
                previous + " and " + node);
        }
    }

    /**
     * @return masters; a master's position is its index in {@link #masterIndexFor(int)}.
     */
    List<NodeDescription> masters()
    {
        return masters;
    }

    /**
     * @return replicas.
     */
    List<NodeDescription> replicas()
    {
        return replicas;
    }

    /**
     * @param slot 0..16383.
     * @return index in {@link #masters()} of the slot's owner, or {@link #UNCOVERED}.
     * @throws ArrayIndexOutOfBoundsException when the slot is out of range.
     */
    int masterIndexFor(final int slot)
    {
        return slotToMasterIndex[slot];
    }

    /**
     * @param slot 0..16383.
     * @return the slot's owner, or null when no master owns it.
     * @throws ArrayIndexOutOfBoundsException when the slot is out of range.
     */
    NodeDescription masterFor(final int slot)
    {
        final int index = slotToMasterIndex[slot];
        return index == UNCOVERED ? null : masters.get(index);
    }

    /**
     * @return a copy of the 16384-entry slot to master index table, {@link #UNCOVERED} where no master owns a slot.
     */
    int[] slotToMasterIndex()
    {
        return slotToMasterIndex.clone();
    }

    /**
     * @param master a master, matched by node id (it may come from another description).
     * @return its replicas; empty when it has none or is not a master of this topology.
     */
    List<NodeDescription> replicasOf(final NodeDescription master)
    {
        final Integer index = masterIndexById.get(master.nodeId());
        return index == null ? List.of() : replicasByMaster.get(index);
    }

    /**
     * @param masterIndex index in {@link #masters()}.
     * @return that master's replicas.
     */
    List<NodeDescription> replicasOf(final int masterIndex)
    {
        return replicasByMaster.get(masterIndex);
    }

    /**
     * @return number of slots no master owns; 0 for a fully covered cluster.
     */
    int uncoveredSlots()
    {
        return uncoveredSlots;
    }

    /**
     * @param nodeId cluster node id.
     * @return the master or replica with that id, or null.
     */
    NodeDescription nodeById(final String nodeId)
    {
        return nodesById.get(nodeId);
    }

    @Override
    public String toString()
    {
        final StringBuilder text = new StringBuilder("TopologyDescription{uncovered=").append(uncoveredSlots);
        for (int i = 0; i < masters.size(); i++)
        {
            text.append("\n  ").append(masters.get(i));
            for (final NodeDescription replica : replicasByMaster.get(i))
            {
                text.append("\n    ").append(replica);
            }
        }
        for (final NodeDescription replica : replicas)
        {
            if (replica.masterId() == null || !masterIndexById.containsKey(replica.masterId()))
            {
                text.append("\n  unattached ").append(replica);
            }
        }
        return text.append('}').toString();
    }
}
