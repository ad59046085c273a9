package io.slotring.engine;

/**
 * The server answered with an error reply ({@code -ERR ...}, {@code -WRONGTYPE ...}). The connection is unaffected.
 * The command was processed and refused, so {@link #mayHaveBeenApplied()} is false; {@link #errorCode()} is the
 * first word (ERR, WRONGTYPE, MOVED, ...).
 */
public final class RedisServerException extends RedisException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param serverMessage the error reply's text without the leading '-'.
     */
    public RedisServerException(final String serverMessage)
    {
        super(serverMessage, false, null);
    }

    /**
     * @return the error's first word, e.g. {@code WRONGTYPE}.
     */
    public String errorCode()
    {
        final String message = getMessage();
        final int space = message.indexOf(' ');
        return space < 0 ? message : message.substring(0, space);
    }
}
