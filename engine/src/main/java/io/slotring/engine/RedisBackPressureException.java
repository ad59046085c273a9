package io.slotring.engine;

/**
 * No ring slot was free (at once under {@link ClientConfig.BackPressure#FAIL_FAST}, or within the command timeout
 * under {@link ClientConfig.BackPressure#WAIT}). The command was never written.
 */
public final class RedisBackPressureException extends RedisException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message names the ring and its size.
     */
    public RedisBackPressureException(final String message)
    {
        super(message, false, null);
    }
}
