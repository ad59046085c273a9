package io.slotring.cluster;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A key used by a fault test and what the test knows about it. Every field but the names is guarded by the
 * owning {@link MatrixLedger}. Data keys are written and read by one worker, one command at a time, so the state
 * below is exactly what a reader may legitimately see; counter keys may be shared by several workers.
 */
final class MatrixKey
{
    enum Status
    {
        PENDING, ACKED, MAYBE_APPLIED, NOT_APPLIED
    }

    final String name;
    final byte[] bytes;
    /** Which shard (node id, or "standalone") serves the key: failures are counted per shard. */
    final String shard;
    final boolean counter;
    /** Values written to this key start with this, so a value of another key or test is recognised. */
    final String valuePrefix;

    // ---- data keys
    long issued = -1;
    /** Highest sequence number whose SET was acknowledged; -1 for "never written" (the key reads as nil). */
    long ackedFloor = -1;
    final Map<Long, Status> status = new HashMap<>();
    final Map<Long, Long> ackNs = new HashMap<>();
    boolean nextIsSet = true;

    // ---- counter keys
    long incrAcked;
    long incrMaybe;
    long incrNotApplied;
    final Set<Long> incrResults = new HashSet<>();
    final List<Long> incrAckNs = new ArrayList<>();

    MatrixKey(final String tag, final String name, final String shard, final boolean counter)
    {
        this.name = name;
        this.bytes = name.getBytes(StandardCharsets.UTF_8);
        this.shard = shard;
        this.counter = counter;
        this.valuePrefix = tag + '|' + name + '|';
    }

    @Override
    public String toString()
    {
        return name;
    }
}
