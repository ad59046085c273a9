package io.slotring.engine;

import java.time.Duration;

/**
 * One pub/sub subscription: a channel ({@code SUBSCRIBE}), a pattern ({@code PSUBSCRIBE}) or a shard channel
 * ({@code SSUBSCRIBE}) with its {@link MessageHandler}, carried by a dedicated subscriber connection (never by the
 * request/reply connections).
 *
 * <p>The client keeps it subscribed until {@link #close()}: after a lost connection it subscribes again on a new
 * one, and a shard channel follows its slot to the slot's current owner (after {@code MOVED}, a slot migration, a
 * failover). Redis pub/sub is at most once: messages published while no server holds the subscription (between
 * the loss and the confirmation of the new subscribe) are not delivered; none is delivered twice.
 *
 * <p>Thread-safe.
 */
public interface Subscription extends AutoCloseable
{
    /** What the subscription names. */
    enum Kind
    {
        /** A channel: {@code SUBSCRIBE}, messages from {@code PUBLISH}. */
        CHANNEL,
        /** A glob-style pattern: {@code PSUBSCRIBE}, messages from {@code PUBLISH} to matching channels. */
        PATTERN,
        /** A shard channel: {@code SSUBSCRIBE} on its slot's owner, messages from {@code SPUBLISH}. */
        SHARD
    }

    /**
     * @return the kind of subscription.
     */
    Kind kind();

    /**
     * @return the channel or pattern, as given.
     */
    String channel();

    /**
     * @return true while a server has confirmed the subscription and its connection is up.
     */
    boolean isActive();

    /**
     * Waits until the subscription is active (a server confirmed it).
     *
     * @param timeout how long to wait at most.
     * @return true when active within the time, false otherwise (or when closed).
     */
    boolean awaitActive(Duration timeout);

    /**
     * @return how many times a server confirmed this subscription: 1 after the first subscribe, one more after
     * each re-subscription (reconnect, slot moved).
     */
    long confirmations();

    /**
     * @return {@link System#nanoTime()} of the latest confirmation, 0 before the first one.
     */
    long confirmedAtNanos();

    /**
     * Unsubscribes and stops delivery: no message reaches the handler after this returns, except one already
     * being delivered on the subscriber thread. Idempotent.
     */
    @Override
    void close();
}
