package io.slotring.engine.internal;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.slotring.codec.RespReader;
import io.slotring.engine.ConnectionSettings;
import io.slotring.engine.MessageHandler;
import io.slotring.engine.Subscription;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;

/**
 * The pub/sub runtime of one client: every subscription and the dedicated subscriber connections that carry them,
 * driven by one {@code slotring-pubsub} thread with its own selector. Started by the first subscription; the
 * request/reply rings and I/O agents never see a subscriber connection.
 *
 * <p>Each subscription is <em>placed</em> on the connection to the node {@link Routes} names (standalone: the
 * server; cluster: any master for channels and patterns, the slot's owner for shard channels), one connection per
 * node. Whenever that placement is lost (the connection died, the server unsubscribed the shard channel because
 * its slot moved away, a {@code MOVED} or {@code CLUSTERDOWN} answer, the topology names another owner of its
 * slot), it is placed again at once, and after failures with a doubling backoff between the configured reconnect
 * delays. A message is delivered only when it arrives on the subscription's current placement, so a message is
 * never delivered twice when a subscription moves between nodes.
 *
 * <p>Threads: callers subscribe and close from any thread (a task queue hands the work to the subscriber thread);
 * handlers run on the subscriber thread, one message at a time, in arrival order.
 */
public final class Subscriber implements AutoCloseable
{
    private static final long TICK_MS = 20;
    private static final byte[] LOADING = ascii("LOADING");
    private static final byte[] MASTERDOWN = ascii("MASTERDOWN");

    /** Where subscriptions go; the cluster's implementation follows its topology. */
    public interface Routes
    {
        /** {@link #onErrorReply}: the routes changed; place the subscription again at once. */
        int PLACE_AGAIN = 0;
        /** {@link #onErrorReply}: a routing error that passes; retry with backoff. */
        int RETRY_LATER = 1;
        /** {@link #onErrorReply}: not a routing error; report it, then retry with backoff. */
        int NOT_ROUTING = 2;

        /**
         * @param kind what is subscribed.
         * @param slot the shard channel's slot, -1 for channels and patterns.
         * @return the node that should carry the subscription now, or null when none is known (asked again soon).
         */
        NodeAddress route(Subscription.Kind kind, int slot);

        /**
         * A node answered a (un)subscribe command with an error that is not the engine's own (the routing layer
         * owns MOVED, ASK, TRYAGAIN, CLUSTERDOWN: the engine does not read them). Subscriber thread; allocation-free
         * unless the routes change.
         *
         * @param error         the error reply, in place (valid during the call).
         * @param answeringHost the host of the node that answered (for a redirect that leaves its host out).
         * @return {@link #PLACE_AGAIN} when the routes changed (a MOVED: place the subscription again now),
         * {@link #RETRY_LATER} for a routing error that passes (retry with backoff), {@link #NOT_ROUTING} for
         * anything else (reported to the error handler, then retried with backoff).
         */
        int onErrorReply(RespReader error, String answeringHost);

        /** A subscriber connection failed or a slot moved: the topology may be stale. */
        void refresh();
    }

    /**
     * @param host the server's host.
     * @param port the server's port.
     * @return routes that send every subscription to one server (standalone).
     */
    public static Routes fixedRoute(final String host, final int port)
    {
        final NodeAddress address = new NodeAddress(host, port);
        return new Routes()
        {
            @Override
            public NodeAddress route(final Subscription.Kind kind, final int slot)
            {
                return address;
            }

            @Override
            public int onErrorReply(final RespReader error, final String answeringHost)
            {
                // One server: no error is a routing one.
                return NOT_ROUTING;
            }

            @Override
            public void refresh()
            {
                // One server: nothing to refresh.
            }
        };
    }

    /** A node's address. */
    public static final class NodeAddress
    {
        final String host;
        final int port;

        /**
         * @param host the node's host.
         * @param port the node's port.
         */
        public NodeAddress(final String host, final int port)
        {
            this.host = Objects.requireNonNull(host, "host");
            this.port = port;
        }

        @Override
        public boolean equals(final Object other)
        {
            return other instanceof NodeAddress && ((NodeAddress)other).port == port &&
                ((NodeAddress)other).host.equals(host);
        }

        @Override
        public int hashCode()
        {
            return host.hashCode() * 31 + port;
        }

        @Override
        public String toString()
        {
            return host + ':' + port;
        }
    }

    private final ConnectionSettings<?> config;
    private final Routes routes;
    private final ErrorHandler errors;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** Every open subscription by kind and channel; written by callers, to refuse a second one for a channel. */
    private final Map<String, SubscriptionState> registry = new ConcurrentHashMap<>();
    private final Object lifecycle = new Object();
    private volatile boolean closed;
    private Thread thread;
    private Selector selector;

    // Subscriber thread only.
    private final Map<NodeAddress, SubscriberConnection> connections = new HashMap<>();
    /** The same connections as a list, walked by index on every tick without allocating. */
    private final List<SubscriberConnection> connectionList = new ArrayList<>();
    private final List<SubscriptionState> unplaced = new ArrayList<>();
    private final DispatchTable[] tables = {new DispatchTable(), new DispatchTable(), new DispatchTable()};
    private final PubSubFrame frame = new PubSubFrame();
    /** Built once: selecting allocates nothing per wake-up. */
    private final Consumer<SelectionKey> onSelected = this::onSelected;

    /**
     * @param config the client's connection settings: handshake, timeouts, reconnect delays, decoder limits, error
     *               handler.
     * @param routes where subscriptions go.
     */
    public Subscriber(final ConnectionSettings<?> config, final Routes routes)
    {
        this.config = config;
        this.routes = routes;
        this.errors = config.errorHandler();
    }

    /**
     * Subscribes; the subscription becomes active once a server confirms it.
     *
     * @param kind    channel, pattern or shard channel.
     * @param channel the channel or pattern.
     * @param handler receives the messages on the subscriber thread.
     * @return the subscription.
     * @throws IllegalArgumentException when this client already has an open subscription of that kind and channel.
     * @throws IllegalStateException    when the client is closed.
     */
    public Subscription subscribe(final Subscription.Kind kind, final String channel, final MessageHandler handler)
    {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(handler, "handler");
        if (channel.isEmpty())
        {
            throw new IllegalArgumentException("the channel of a " + kind + " subscription is empty");
        }
        final SubscriptionState subscription = new SubscriptionState(this, kind, channel, handler);
        final SubscriptionState existing = registry.putIfAbsent(kind + " " + channel, subscription);
        if (existing != null)
        {
            throw new IllegalArgumentException("expected one subscription per " + kind + " channel, but '" +
                channel + "' already has an open one: close it first");
        }
        try
        {
            start();
        }
        catch (final RuntimeException ex)
        {
            registry.remove(kind + " " + channel, subscription);
            throw ex;
        }
        submit(() -> add(subscription));
        return subscription;
    }

    void unsubscribe(final SubscriptionState subscription)
    {
        registry.remove(subscription.kind + " " + subscription.channel, subscription);
        submit(() -> remove(subscription));
    }

    private void start()
    {
        synchronized (lifecycle)
        {
            if (closed)
            {
                throw new IllegalStateException("the client is closed");
            }
            if (thread != null)
            {
                return;
            }
            try
            {
                selector = Selector.open();
            }
            catch (final IOException ex)
            {
                throw new IllegalStateException("could not open a selector for the subscriber thread", ex);
            }
            thread = new Thread(this::run, "slotring-pubsub");
            thread.setDaemon(true);
            thread.start();
        }
    }

    private void submit(final Runnable task)
    {
        tasks.add(task);
        // Under the lock: the thread closes its selector under it too, after closed is set, so no wake-up ever
        // reaches a closed selector.
        synchronized (lifecycle)
        {
            if (!closed && selector != null)
            {
                selector.wakeup();
            }
        }
    }

    /** Closes every subscriber connection and stops the thread. Idempotent. */
    @Override
    public void close()
    {
        final Thread running;
        synchronized (lifecycle)
        {
            if (closed)
            {
                return;
            }
            closed = true;
            running = thread;
            if (running != null)
            {
                selector.wakeup();
            }
        }
        if (running != null)
        {
            try
            {
                running.join(TimeUnit.SECONDS.toMillis(5));
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run()
    {
        try
        {
            while (!closed)
            {
                selector.select(onSelected, TICK_MS);
                Runnable task;
                while ((task = tasks.poll()) != null)
                {
                    task.run();
                }
                tick();
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            errors.onError(new IllegalStateException("the subscriber thread stopped", ex));
        }
        finally
        {
            for (final SubscriberConnection connection : connections.values())
            {
                connection.close();
            }
            connections.clear();
            connectionList.clear();
            synchronized (lifecycle)
            {
                closed = true;
                try
                {
                    selector.close();
                }
                catch (final IOException ignored)
                {
                    // Stopping anyway.
                }
            }
        }
    }

    private void onSelected(final SelectionKey key)
    {
        final SubscriberConnection connection = (SubscriberConnection)key.attachment();
        try
        {
            connection.onReady();
        }
        catch (final IOException | RuntimeException ex)
        {
            lost(connection, ex);
        }
    }

    private void add(final SubscriptionState subscription)
    {
        if (subscription.closed)
        {
            return;
        }
        tables[subscription.kind.ordinal()].add(subscription);
        place(subscription);
    }

    private void remove(final SubscriptionState subscription)
    {
        tables[subscription.kind.ordinal()].remove(subscription);
        unplaced.remove(subscription);
        final SubscriberConnection connection = subscription.placement;
        if (connection != null)
        {
            detach(subscription);
            if (connection.state == SubscriberConnection.READY)
            {
                send(connection, subscription, false);
            }
        }
    }

    /** Puts the subscription on the connection to its route's node, opening that connection if needed. */
    private void place(final SubscriptionState subscription)
    {
        if (subscription.closed || subscription.placement != null)
        {
            return;
        }
        unplaced.remove(subscription);
        final NodeAddress address = routes.route(subscription.kind, subscription.slot);
        if (address == null)
        {
            routes.refresh();
            retryLater(subscription);
            return;
        }
        SubscriberConnection connection = connections.get(address);
        if (connection == null)
        {
            connection = new SubscriberConnection(this, address, config);
            connections.put(address, connection);
            connectionList.add(connection);
            try
            {
                connection.open(selector);
            }
            catch (final IOException | RuntimeException ex)
            {
                subscription.placement = connection;
                connection.carried.add(subscription);
                lost(connection, ex);
                return;
            }
        }
        subscription.placement = connection;
        connection.carried.add(subscription);
        if (connection.state == SubscriberConnection.READY)
        {
            send(connection, subscription, true);
        }
    }

    private void retryLater(final SubscriptionState subscription)
    {
        final long min = config.reconnectMinDelayNs();
        final long max = config.reconnectMaxDelayNs();
        final int shift = Math.min(subscription.failures, 20);
        subscription.failures++;
        subscription.retryAtNs = System.nanoTime() + Math.min(max, min << shift);
        if (!unplaced.contains(subscription))
        {
            unplaced.add(subscription);
        }
    }

    private void detach(final SubscriptionState subscription)
    {
        final SubscriberConnection connection = subscription.placement;
        subscription.placement = null;
        subscription.deactivated();
        if (connection != null)
        {
            connection.carried.remove(subscription);
        }
    }

    private void send(final SubscriberConnection connection, final SubscriptionState subscription,
        final boolean subscribe)
    {
        try
        {
            connection.sendCommand(subscription, subscribe);
        }
        catch (final IOException | RuntimeException ex)
        {
            lost(connection, ex);
        }
    }

    void onConnectionReady(final SubscriberConnection connection) throws IOException
    {
        if (connection.carried.isEmpty())
        {
            // Every subscription it was opened for was closed meanwhile.
            connection.close();
            forget(connection);
            return;
        }
        for (final SubscriptionState subscription : new ArrayList<>(connection.carried))
        {
            connection.sendCommand(subscription, true);
        }
    }

    /** The connection failed: every subscription it carried is placed again after a backoff. */
    private void lost(final SubscriberConnection connection, final Throwable cause)
    {
        if (connection.state == SubscriberConnection.CLOSED)
        {
            return;
        }
        connection.close();
        forget(connection);
        if (!closed && !connection.carried.isEmpty())
        {
            errors.onError(new IOException("subscriber connection to " + connection.address + " lost (" +
                cause.getMessage() + "); " + connection.carried.size() + " subscription(s) will subscribe again",
                cause));
        }
        routes.refresh();
        final List<SubscriptionState> again = new ArrayList<>();
        for (final SubscriptionState subscription : new ArrayList<>(connection.carried))
        {
            detach(subscription);
            if (subscription.failures == 0 && !(cause instanceof SubscriberConnection.HandshakeRefused))
            {
                // The first loss: try again at once (a reconnect, or the slot's next owner); later ones back off.
                subscription.failures++;
                again.add(subscription);
            }
            else
            {
                retryLater(subscription);
            }
        }
        if (!closed)
        {
            for (final SubscriptionState subscription : again)
            {
                place(subscription);
            }
        }
    }

    void onFrame(final SubscriberConnection connection, final RespReader reader)
    {
        final int type = frame.read(reader);
        switch (type)
        {
            case PubSubFrame.MESSAGE:
            case PubSubFrame.SMESSAGE:
                deliver(connection, type, frame.channelOffset(), frame.channelLength());
                break;
            case PubSubFrame.PMESSAGE:
                deliver(connection, type, frame.patternOffset(), frame.patternLength());
                break;
            case PubSubFrame.SUBSCRIBE:
            case PubSubFrame.PSUBSCRIBE:
            case PubSubFrame.SSUBSCRIBE:
            {
                final SubscriptionState subscription = connection.confirm(type, frame);
                if (subscription != null && subscription.placement == connection && !subscription.closed)
                {
                    subscription.confirmed();
                }
                break;
            }
            case PubSubFrame.UNSUBSCRIBE:
            case PubSubFrame.PUNSUBSCRIBE:
            case PubSubFrame.SUNSUBSCRIBE:
                onUnsubscribed(connection, type);
                break;
            case PubSubFrame.ERROR:
                onError(connection, reader);
                break;
            case PubSubFrame.PONG:
                connection.pingAnswered();
                break;
            default:
                break;
        }
        if (connection.carried.isEmpty() && !connection.hasPending())
        {
            // Nothing left to carry: close rather than keep an idle socket per node.
            connection.close();
            forget(connection);
        }
    }

    private void deliver(final SubscriberConnection connection, final int type, final int offset, final int length)
    {
        final SubscriptionState subscription =
            tables[SubscriberConnection.kindOf(type).ordinal()].find(frame.buffer(), offset, length);
        if (subscription == null || subscription.placement != connection || subscription.closed)
        {
            return;
        }
        try
        {
            subscription.handler.onMessage(frame.buffer(), frame.channelOffset(), frame.channelLength(),
                frame.payloadOffset(), frame.payloadLength());
        }
        catch (final RuntimeException ex)
        {
            errors.onError(ex);
        }
    }

    private void onUnsubscribed(final SubscriberConnection connection, final int type)
    {
        if (connection.confirm(type, frame) != null || frame.channelLength() < 0)
        {
            return;
        }
        // Nobody asked: the server dropped the subscription (its shard channel's slot moved away).
        final SubscriptionState subscription = tables[SubscriberConnection.kindOf(type).ordinal()]
            .find(frame.buffer(), frame.channelOffset(), frame.channelLength());
        if (subscription != null && subscription.placement == connection)
        {
            detach(subscription);
            routes.refresh();
            place(subscription);
        }
    }

    /**
     * An error reply: it answers the oldest pending command. Recognised by its first bytes, without allocating
     * (only an unexpected error's text becomes a string; the routing layer reads its own errors in place).
     *
     * @param reader positioned on the error token.
     */
    private void onError(final SubscriberConnection connection, final RespReader reader)
    {
        if (connection.oldestIsPing())
        {
            // The peer answered, so it is alive; LOADING and MASTERDOWN are how a live node that cannot serve data
            // yet answers a PING.
            connection.pingAnswered();
            if (!reader.contentStartsWith(LOADING) && !reader.contentStartsWith(MASTERDOWN))
            {
                errors.onError(new IllegalStateException("expected PONG from " + connection.address +
                    ", but it answered: " + reader.stringValue()));
            }
            return;
        }
        final boolean subscribe = connection.oldestIsSubscribe();
        final SubscriptionState subscription = connection.failOldest();
        if (subscription == null || !subscribe || subscription.placement != connection)
        {
            return;
        }
        detach(subscription);
        // LOADING is any restarting server's answer, the engine's own; the rest is the routing layer's to read.
        final int verdict = reader.contentStartsWith(LOADING) ? Routes.RETRY_LATER :
            routes.onErrorReply(reader, connection.address.host);
        if (verdict == Routes.PLACE_AGAIN && subscription.failures++ < 3)
        {
            // At most three times in a row: a node that keeps redirecting waits for a refreshed topology instead.
            place(subscription);
            return;
        }
        if (verdict == Routes.NOT_ROUTING)
        {
            errors.onError(new IllegalStateException("expected a confirmation of " + subscription.kind + " '" +
                subscription.channel + "' from " + connection.address + ", but it answered: " +
                reader.stringValue()));
        }
        routes.refresh();
        retryLater(subscription);
    }

    private static byte[] ascii(final String text)
    {
        return text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /**
     * Timers: connects and handshakes past their deadline, liveness PINGs, retries that are due, shard channels
     * whose slot moved. Allocates nothing while there is nothing to do.
     */
    private void tick()
    {
        final long now = System.nanoTime();
        checkLiveness(now);
        if (hasOverdueConnection(now))
        {
            for (final SubscriberConnection connection : new ArrayList<>(connectionList))
            {
                if (connection.state < SubscriberConnection.READY && now - connection.deadlineNs > 0)
                {
                    final String step = connection.state == SubscriberConnection.CONNECTING ? "connect" :
                        connection.state == SubscriberConnection.TLS_HANDSHAKING ? "TLS handshake" : "handshake";
                    lost(connection, new IOException(step + " did not finish within the connect timeout"));
                }
            }
        }
        if (!unplaced.isEmpty())
        {
            for (final SubscriptionState subscription : new ArrayList<>(unplaced))
            {
                if (now - subscription.retryAtNs >= 0)
                {
                    place(subscription);
                }
            }
        }
        final SubscriptionState[] shards = tables[Subscription.Kind.SHARD.ordinal()].buckets;
        for (final SubscriptionState head : shards)
        {
            for (SubscriptionState at = head; at != null; )
            {
                final SubscriptionState next = at.next;
                followSlot(at);
                at = next;
            }
        }
    }

    /**
     * Sends a PING on every ready connection that received nothing for the idle PING interval, and drops one
     * whose PING went unanswered, with nothing else received either, for the command timeout (bytes still
     * arriving, a backlog of messages ahead of the PONG, keep it alive): its subscriptions subscribe again on a
     * new connection, as after any loss.
     */
    private void checkLiveness(final long now)
    {
        final long interval = config.idlePingIntervalNs();
        final long timeout = config.commandTimeoutNs();
        // Backwards: a lost connection leaves the list, and the connections its loss opens join at the end.
        for (int i = connectionList.size() - 1; i >= 0; i--)
        {
            if (i >= connectionList.size())
            {
                continue;
            }
            final SubscriberConnection connection = connectionList.get(i);
            if (connection.state != SubscriberConnection.READY)
            {
                continue;
            }
            if (connection.received)
            {
                connection.received = false;
                connection.lastReceivedNs = now;
            }
            if (connection.pingSentNs != 0)
            {
                final long quietSince = connection.lastReceivedNs - connection.pingSentNs > 0 ?
                    connection.lastReceivedNs : connection.pingSentNs;
                if (now - quietSince > timeout)
                {
                    lost(connection, new IOException("PING unanswered within " + timeout / 1_000_000 +
                        " ms (the command timeout): peer presumed dead"));
                }
            }
            else if (now - connection.lastReceivedNs > interval)
            {
                try
                {
                    connection.sendPing(now);
                }
                catch (final IOException | RuntimeException ex)
                {
                    lost(connection, ex);
                }
            }
        }
    }

    private void forget(final SubscriberConnection connection)
    {
        if (connections.remove(connection.address, connection))
        {
            connectionList.remove(connection);
        }
    }

    private boolean hasOverdueConnection(final long now)
    {
        for (int i = 0; i < connectionList.size(); i++)
        {
            final SubscriberConnection connection = connectionList.get(i);
            if (connection.state < SubscriberConnection.READY && now - connection.deadlineNs > 0)
            {
                return true;
            }
        }
        return false;
    }

    /** Moves a shard channel whose slot the topology now gives to another node (unsubscribing here first). */
    private void followSlot(final SubscriptionState subscription)
    {
        final SubscriberConnection connection = subscription.placement;
        if (connection == null)
        {
            return;
        }
        final NodeAddress owner = routes.route(Subscription.Kind.SHARD, subscription.slot);
        if (owner != null && !owner.equals(connection.address))
        {
            detach(subscription);
            if (connection.state == SubscriberConnection.READY)
            {
                send(connection, subscription, false);
            }
            place(subscription);
        }
    }

    /** Subscriptions of one kind by channel bytes: found without allocating, from the receive buffer. */
    private static final class DispatchTable
    {
        SubscriptionState[] buckets = new SubscriptionState[16];
        private int size;

        void add(final SubscriptionState subscription)
        {
            if (++size > buckets.length / 2)
            {
                final SubscriptionState[] old = buckets;
                buckets = new SubscriptionState[old.length * 2];
                for (SubscriptionState head : old)
                {
                    while (head != null)
                    {
                        final SubscriptionState next = head.next;
                        insert(head);
                        head = next;
                    }
                }
            }
            insert(subscription);
        }

        private void insert(final SubscriptionState subscription)
        {
            final int index = subscription.hash & (buckets.length - 1);
            subscription.next = buckets[index];
            buckets[index] = subscription;
        }

        void remove(final SubscriptionState subscription)
        {
            final int index = subscription.hash & (buckets.length - 1);
            SubscriptionState previous = null;
            for (SubscriptionState at = buckets[index]; at != null; previous = at, at = at.next)
            {
                if (at == subscription)
                {
                    if (previous == null)
                    {
                        buckets[index] = at.next;
                    }
                    else
                    {
                        previous.next = at.next;
                    }
                    at.next = null;
                    size--;
                    return;
                }
            }
        }

        SubscriptionState find(final DirectBuffer buffer, final int offset, final int length)
        {
            if (length < 0)
            {
                return null;
            }
            final int hash = SubscriptionState.hash(buffer, offset, length);
            for (SubscriptionState at = buckets[hash & (buckets.length - 1)]; at != null; at = at.next)
            {
                if (at.hash == hash && at.matches(buffer, offset, length))
                {
                    return at;
                }
            }
            return null;
        }
    }
}
