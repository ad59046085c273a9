package io.slotring.engine.internal;

import io.slotring.codec.RespReader;

/**
 * The hook through which a routing layer (slotring's cluster client) takes over commands the server redirected.
 * Applications do not implement it. Every method runs on an I/O thread and must not block.
 */
public interface RedirectHandler
{
    /**
     * Asked for every error reply ({@code -...}) of a command on a connection this handler serves, before the reply
     * completes the command: does the routing layer want it? The engine knows no redirect or retry error by name;
     * this answer is the whole of what it knows. Called on the connection's driver thread for each error reply, so
     * it must be cheap and allocation-free (a few prefix compares), must not move the reader, and must not throw.
     *
     * @param errorReply the error reply, a view over the receive buffer valid only during this call.
     * @return true to offer the command to {@link #onRedirect}; false (the default: none) completes the command
     * with the error as is.
     */
    default boolean wantsReply(final RespReader errorReply)
    {
        return false;
    }

    /**
     * A command's reply is an error {@link #wantsReply} asked for (for slotring's cluster client: {@code MOVED},
     * {@code ASK}, {@code TRYAGAIN}, {@code CLUSTERDOWN}, {@code LOADING} or {@code MASTERDOWN}), which says the
     * command was certainly not applied, so it may be re-sent. If the handler throws, the command fails with the
     * reason.
     *
     * @param command view of the command, valid only during this call.
     * @param error   the error reply.
     * @return true when the handler took the command over ({@link RedirectedCommand#resubmit},
     * {@link RedirectedCommand#retryLater} or {@link RedirectedCommand#fail}); false delivers the error reply to
     * the caller as is.
     */
    boolean onRedirect(RedirectedCommand command, RespReader error);

    /**
     * A command parked by {@link RedirectedCommand#retryLater} is due. The handler must resubmit or fail it.
     *
     * @param command view of the parked command, valid only during this call.
     */
    void onRetryDue(RedirectedCommand command);

    /**
     * A queued command that was never written, on a connection that cannot write it now (disconnected, or its node
     * retired), offered after {@link NodeEndpoint#rerouteQueued()} or {@link NodeEndpoint#retire()}: the handler may
     * send it to the slot's current owner with {@link RedirectedCommand#reroute}. It was certainly not applied.
     *
     * @param command view of the command, valid only during this call.
     * @return true when the handler took the command over; false leaves it queued here (and stops the offers, so
     * the order of the queue is kept).
     */
    default boolean onUnsent(final RedirectedCommand command)
    {
        return false;
    }

    /**
     * A connection of {@code endpoint} failed or could not connect: called once per outage (the first failure after
     * it was ready, or after it was created), not for every failed reconnect attempt. Commands written on it were
     * failed as "may have been applied"; queued ones wait for a reconnect, a re-route or their deadline.
     *
     * @param endpoint the endpoint.
     * @param reason   what failed.
     */
    default void onConnectionLost(final NodeEndpoint endpoint, final String reason)
    {
    }
}
