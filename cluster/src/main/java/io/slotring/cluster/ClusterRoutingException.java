package io.slotring.cluster;

import io.slotring.engine.RedisException;

/**
 * A command could not be routed: no node serves its slot, or it was redirected more often than allowed. The
 * command was not applied by the node that redirected it; after a MOVED/ASK chain it was never executed.
 */
public final class ClusterRoutingException extends RedisException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message names the slot and the nodes involved.
     */
    public ClusterRoutingException(final String message)
    {
        super(message, false, null);
    }
}
