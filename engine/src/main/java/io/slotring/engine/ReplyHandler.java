package io.slotring.engine;

import io.slotring.codec.RespReader;

/**
 * The zero-allocation completion of a command. Both methods run on the connection's I/O thread: keep them short
 * and never block in them.
 *
 * <p>The {@code token} is whatever the caller passed at submission (an index into its own arrays, say), so one
 * handler instance serves every command without a capturing lambda per call.
 */
public interface ReplyHandler
{
    /**
     * A reply arrived. Server error replies ({@code -ERR}, {@code -WRONGTYPE}) arrive here too, as
     * {@link io.slotring.codec.RespType#ERROR}: the connection is fine and the reply is the command's answer.
     *
     * @param token the caller's token.
     * @param reply positioned on the reply's first token (a leading RESP3 attribute already skipped); a view over
     *              the receive buffer, valid only during this call: copy out what must outlive it.
     */
    void onReply(long token, RespReader reply);

    /**
     * The command failed without a reply: timed out, connection lost, client closed.
     * {@link RedisException#mayHaveBeenApplied()} says whether it may have reached the server.
     *
     * @param token the caller's token.
     * @param error why.
     */
    void onFailure(long token, RedisException error);
}
