package io.slotring.codec;

/**
 * Malformed RESP input: the byte stream cannot be a valid RESP2/RESP3 reply, or exceeds a configured bound.
 * <p>
 * The connection that produced it is out of sync and must be closed: there is no way to find the next frame boundary.
 * Only thrown on the error path, so allocating the message here costs nothing in steady state.
 */
public final class RespProtocolException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    private final int offset;

    /**
     * @param message what was expected and what came, including the offset.
     * @param offset  absolute index in the buffer given to the decoder where the problem was found.
     */
    public RespProtocolException(final String message, final int offset)
    {
        super(message);
        this.offset = offset;
    }

    /**
     * Absolute index in the buffer passed to the decoder's {@code decode} (not relative to the frame start) of the
     * offending byte, or of the start of the offending token for bound violations.
     *
     * @return the absolute offset of the problem.
     */
    public int offset()
    {
        return offset;
    }
}
