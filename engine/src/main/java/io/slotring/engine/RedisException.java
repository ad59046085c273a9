package io.slotring.engine;

/**
 * Base of every failure slotring reports for a command. Each one says whether the command may have been applied
 * by the server: only commands that certainly were not (never written, or refused before execution) are ever
 * retried automatically; the others are reported, never silently re-sent.
 */
public class RedisException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final boolean mayHaveBeenApplied;

    /**
     * @param message            what happened, naming what was expected and what came.
     * @param mayHaveBeenApplied true when the command was written and its outcome is unknown.
     * @param cause              underlying cause, or null.
     */
    public RedisException(final String message, final boolean mayHaveBeenApplied, final Throwable cause)
    {
        super(message, cause);
        this.mayHaveBeenApplied = mayHaveBeenApplied;
    }

    /**
     * @return true when the command was (perhaps partly) written before the failure, so the server may have
     * executed it; false when it certainly was not applied.
     */
    public final boolean mayHaveBeenApplied()
    {
        return mayHaveBeenApplied;
    }
}
