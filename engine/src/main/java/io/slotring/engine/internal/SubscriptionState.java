package io.slotring.engine.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.slotring.codec.SlotHash;
import io.slotring.engine.MessageHandler;
import io.slotring.engine.Subscription;
import org.agrona.DirectBuffer;

/**
 * One subscription's state. The volatile fields are read by any thread; the rest is owned by the subscriber
 * thread ({@link Subscriber}), which alone places the subscription on a connection and delivers its messages.
 */
final class SubscriptionState implements Subscription
{
    final Subscriber owner;
    final Kind kind;
    final String channel;
    final byte[] channelBytes;
    final int hash;
    /** The channel's slot for a shard channel, -1 otherwise. */
    final int slot;
    final MessageHandler handler;

    /** Set by close(), from any thread: no delivery once set. */
    volatile boolean closed;
    private volatile boolean active;
    private volatile long confirmations;
    private volatile long confirmedAtNanos;

    // Subscriber thread only.
    /** The connection that carries (or is subscribing) this subscription, null while unplaced. */
    SubscriberConnection placement;
    /** Consecutive failed placements, for the backoff. */
    int failures;
    /** When an unplaced subscription is placed again ({@link System#nanoTime()}). */
    long retryAtNs;
    /** Chains subscriptions of the same hash bucket in the subscriber's dispatch table. */
    SubscriptionState next;

    SubscriptionState(final Subscriber owner, final Kind kind, final String channel, final MessageHandler handler)
    {
        this.owner = owner;
        this.kind = kind;
        this.channel = channel;
        this.channelBytes = channel.getBytes(StandardCharsets.UTF_8);
        this.hash = hash(channelBytes);
        this.slot = kind == Kind.SHARD ? SlotHash.slot(channelBytes) : -1;
        this.handler = handler;
    }

    static int hash(final byte[] bytes)
    {
        int h = 1;
        for (final byte b : bytes)
        {
            h = 31 * h + b;
        }
        return h;
    }

    static int hash(final DirectBuffer buffer, final int offset, final int length)
    {
        int h = 1;
        for (int i = 0; i < length; i++)
        {
            h = 31 * h + buffer.getByte(offset + i);
        }
        return h;
    }

    boolean matches(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length != channelBytes.length)
        {
            return false;
        }
        for (int i = 0; i < length; i++)
        {
            if (buffer.getByte(offset + i) != channelBytes[i])
            {
                return false;
            }
        }
        return true;
    }

    /** Subscriber thread: a server confirmed the subscription on its current placement. */
    void confirmed()
    {
        confirmedAtNanos = System.nanoTime();
        confirmations = confirmations + 1;
        failures = 0;
        synchronized (this)
        {
            active = true;
            notifyAll();
        }
    }

    /** Subscriber thread: the placement was lost or given up. */
    void deactivated()
    {
        active = false;
    }

    @Override
    public Kind kind()
    {
        return kind;
    }

    @Override
    public String channel()
    {
        return channel;
    }

    @Override
    public boolean isActive()
    {
        return active && !closed;
    }

    @Override
    public boolean awaitActive(final Duration timeout)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this)
        {
            while (!isActive())
            {
                final long left = deadline - System.nanoTime();
                if (closed || left <= 0)
                {
                    return false;
                }
                try
                {
                    wait(Math.max(1, left / 1_000_000));
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    @Override
    public long confirmations()
    {
        return confirmations;
    }

    @Override
    public long confirmedAtNanos()
    {
        return confirmedAtNanos;
    }

    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            synchronized (this)
            {
                notifyAll();
            }
            owner.unsubscribe(this);
        }
    }

    @Override
    public String toString()
    {
        return "Subscription{" + kind + ' ' + channel + (isActive() ? ", active" : closed ? ", closed" : "") + '}';
    }
}
