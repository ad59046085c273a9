package io.slotring.engine;

/**
 * The command's deadline passed. When it had been written the outcome is unknown and the connection was reset,
 * since any later reply could no longer be matched to its command.
 */
public final class RedisTimeoutException extends RedisException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message            names the command's state and the connection.
     * @param mayHaveBeenApplied true when the command had been written.
     */
    public RedisTimeoutException(final String message, final boolean mayHaveBeenApplied)
    {
        super(message, mayHaveBeenApplied, null);
    }
}
