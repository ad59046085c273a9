package io.slotring.bench;

import java.util.Arrays;

/**
 * Checks a reply that a client's API hands back as a Java object (a SET's "OK" as a String or as bytes; a GET's
 * value as bytes, or null for a miss) against the workload. Every worker but slotring's zero-copy one, which reads
 * its reply in place, checks with one of these; mismatches go to the run's {@link Outcome}.
 */
final class ReplyCheck
{
    private static final byte[] OK = {'O', 'K'};

    private final Workload workload;
    private final boolean verify;
    private final Outcome outcome;

    /**
     * @param verify whether to compare every value and SET reply; a GET that misses always counts.
     */
    ReplyCheck(final Workload workload, final boolean verify, final Outcome outcome)
    {
        this.workload = workload;
        this.verify = verify;
        this.outcome = outcome;
    }

    /**
     * @param key   the command's key index.
     * @param set   whether it was a SET (else a GET).
     * @param reply what the API returned.
     */
    void check(final int key, final boolean set, final Object reply)
    {
        if (set)
        {
            if (verify && !"OK".equals(reply) && !(reply instanceof byte[] && Arrays.equals(OK, (byte[])reply)))
            {
                outcome.mismatch("SET " + key + " answered " + reply);
            }
        }
        else if (reply == null)
        {
            outcome.mismatch("GET " + key + " missed (nil)");
        }
        else if (verify && !Arrays.equals(workload.value(key), (byte[])reply))
        {
            outcome.mismatch("GET " + key + " returned another value");
        }
    }
}
