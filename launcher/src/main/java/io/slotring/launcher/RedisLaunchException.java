package io.slotring.launcher;

/**
 * Thrown when a redis-server process fails to start, or when a bounded wait of the launcher (node ready,
 * cluster converged, failover done, slot moved) times out. The message names the node, what it last said and,
 * where useful, the tail of its log.
 */
public final class RedisLaunchException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    RedisLaunchException(String message)
    {
        super(message);
    }

    RedisLaunchException(String message, Throwable cause)
    {
        super(message, cause);
    }
}
