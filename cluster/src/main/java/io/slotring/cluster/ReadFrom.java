package io.slotring.cluster;

/**
 * Where read commands go. Writes always go to the master of the key's slot.
 */
public enum ReadFrom
{
    /** Reads go to the master: always the latest write. */
    MASTER,
    /** Reads go to a connected replica of the slot's master (READONLY), or to the master when none is up. */
    REPLICA_PREFERRED,
    /** Reads are spread over the master and its connected replicas. */
    ANY
}
