package io.slotring.engine;

/**
 * The connection carrying the command failed (reset, closed by the peer, protocol error) or the client closed.
 */
public final class RedisConnectionException extends RedisException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message            what failed and where.
     * @param mayHaveBeenApplied true when the command had been written.
     * @param cause              underlying I/O or protocol error, or null.
     */
    public RedisConnectionException(final String message, final boolean mayHaveBeenApplied, final Throwable cause)
    {
        super(message, mayHaveBeenApplied, cause);
    }
}
