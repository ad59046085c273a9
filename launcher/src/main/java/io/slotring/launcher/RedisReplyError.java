package io.slotring.launcher;

/**
 * A RESP error reply ({@code -ERR ...}, {@code -MOVED ...}, {@code -ASK ...}) received by the launcher's
 * admin connection.
 *
 * <p>Convention used by every {@code call(...)} method of this module: an error that is the whole reply is
 * <em>thrown</em>; an error nested inside an array reply (for example one element of an {@code EXEC} result)
 * is <em>returned</em> as an instance of this class inside the {@code List}, so the rest of the array is not lost.
 */
public final class RedisReplyError extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    RedisReplyError(String message)
    {
        super(message);
    }

    /**
     * The error code: the first word of the message, e.g. {@code ERR}, {@code MOVED}, {@code ASK},
     * {@code NOAUTH}, {@code LOADING}.
     *
     * @return the error code, never null
     */
    public String code()
    {
        String message = getMessage();
        int space = message.indexOf(' ');
        return space < 0 ? message : message.substring(0, space);
    }
}
