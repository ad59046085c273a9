package io.slotring.engine.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import io.slotring.codec.RespReader;
import io.slotring.codec.internal.RespDecoder;
import io.slotring.codec.internal.RespEncoder;
import io.slotring.engine.ConnectionSettings;
import io.slotring.engine.Subscription;
import io.slotring.engine.TlsSettings;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One dedicated subscriber connection to one node: its socket, handshake ({@link Handshake}: HELLO 3 with the
 * RESP2 fallback, AUTH, SETNAME, SELECT), its receive buffer and decoder, and the (un)subscribe commands it sent
 * and whose confirmations are still owed, in order. Owned by the subscriber thread; never used for commands.
 */
final class SubscriberConnection
{
    // Ordered: every state below READY is still setting up (the subscriber's connect deadline covers them).
    static final int CONNECTING = 0;
    /** TCP connected, TLS handshake in progress (only with {@code tls} configured). */
    static final int TLS_HANDSHAKING = 1;
    static final int HANDSHAKING = 2;
    static final int READY = 3;
    static final int CLOSED = 4;

    private static final int INITIAL_RECEIVE = 16 * 1024;
    private static final int INITIAL_SEND = 4 * 1024;
    /** The liveness PING, encoded once: without arguments, the only form RESP2 allows in subscribed state. */
    private static final byte[] PING = bytes("*1\r\n$4\r\nPING\r\n");
    /** Stands for a PING among the pending commands, so that replies keep matching commands in order. */
    private static final SubscriptionState PING_MARKER =
        new SubscriptionState(null, Subscription.Kind.CHANNEL, "PING", null);

    final Subscriber.NodeAddress address;
    private final Subscriber subscriber;
    private final Handshake handshake;
    private final RespDecoder decoder;
    private final RespEncoder encoder = new RespEncoder();
    private final RespReader reader = new RespReader();
    private final long maxBulkLength;

    /** Subscriptions placed here: confirmed, or with a SUBSCRIBE sent or to be sent once ready. */
    final List<SubscriptionState> carried = new ArrayList<>();
    /** (Un)subscribe commands sent whose confirmation or error has not come yet, oldest first. */
    private final ArrayDeque<SubscriptionState> pendingStates = new ArrayDeque<>();
    private final ArrayDeque<Boolean> pendingSubscribes = new ArrayDeque<>();

    private SocketChannel channel;
    private SelectionKey key;
    private final TlsSettings tlsSettings;
    /** The TLS layer while connected with TLS, else null. */
    private TlsChannel tls;
    private final ByteBuffer[] sendVector = new ByteBuffer[1];
    int state = CONNECTING;
    /** When the connect or the handshake must have finished ({@link System#nanoTime()}). */
    long deadlineNs;
    /** Set by every read that got bytes; the subscriber's tick turns it into {@link #lastReceivedNs}. */
    boolean received;
    /** When bytes last came, to the tick's precision ({@link System#nanoTime()}); set when the connection is ready. */
    long lastReceivedNs;
    /** When the liveness PING still unanswered was sent; 0 when none is. */
    long pingSentNs;

    private ByteBuffer receive;
    private UnsafeBuffer receiveView;
    private int frameStart;
    private ByteBuffer send;
    private UnsafeBuffer sendView;

    SubscriberConnection(final Subscriber subscriber, final Subscriber.NodeAddress address,
        final ConnectionSettings<?> config)
    {
        this.subscriber = subscriber;
        this.address = address;
        this.handshake = new Handshake(config, Handshake.NO_COMMANDS);
        this.decoder = new RespDecoder(config.maxDepth(), config.maxBulkLength());
        this.maxBulkLength = config.maxBulkLength();
        this.tlsSettings = config.tls();
        this.receive = ByteBuffer.allocateDirect(INITIAL_RECEIVE);
        this.receiveView = new UnsafeBuffer(receive);
        this.send = ByteBuffer.allocateDirect(Math.max(INITIAL_SEND, handshake.maxEncodedLength()));
        this.sendView = new UnsafeBuffer(send);
        this.deadlineNs = System.nanoTime() + config.connectTimeoutNs();
    }

    /** Starts the non-blocking connect. */
    void open(final Selector selector) throws IOException
    {
        channel = SocketChannel.open();
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        key = channel.register(selector, SelectionKey.OP_CONNECT, this);
        if (channel.connect(new InetSocketAddress(address.host, address.port)))
        {
            connected();
        }
    }

    /** The selector says the socket is ready. */
    void onReady() throws IOException
    {
        if (!key.isValid())
        {
            return;
        }
        if (key.isConnectable())
        {
            if (!channel.finishConnect())
            {
                return;
            }
            connected();
        }
        if (state == TLS_HANDSHAKING)
        {
            tlsStep();
            return;
        }
        if (key.isValid() && key.isWritable())
        {
            flush();
        }
        if (key.isValid() && key.isReadable())
        {
            read();
        }
    }

    private void connected() throws IOException
    {
        if (tlsSettings != null && tls == null)
        {
            tls = new TlsChannel(tlsSettings.createEngine(address.host, address.port), channel);
            state = TLS_HANDSHAKING;
            tlsStep();
            return;
        }
        state = HANDSHAKING;
        key.interestOps(SelectionKey.OP_READ);
        handshake.begin();
        encodeHandshakeStep();
    }

    /** Advances the TLS handshake; when done, Redis's own handshake follows over it. */
    private void tlsStep() throws IOException
    {
        final int step;
        try
        {
            step = tls.handshake();
        }
        catch (final javax.net.ssl.SSLException ex)
        {
            throw new HandshakeRefused(address + ": TLS handshake failed: " + ex.getMessage());
        }
        if (step == TlsChannel.HANDSHAKE_DONE)
        {
            connected();
            return;
        }
        key.interestOps(step == TlsChannel.HANDSHAKE_NEEDS_WRITE ?
            SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
    }

    private void encodeHandshakeStep() throws IOException
    {
        encoder.wrap(sendView, send.position());
        handshake.encode(encoder);
        send.position(send.position() + encoder.length());
        flush();
    }

    /**
     * Queues and writes the liveness PING (pre-encoded: allocates nothing).
     *
     * @param nowNs now ({@link System#nanoTime()}), never 0.
     */
    void sendPing(final long nowNs) throws IOException
    {
        ensureSendCapacity(PING.length);
        sendView.putBytes(send.position(), PING);
        send.position(send.position() + PING.length);
        pendingStates.addLast(PING_MARKER);
        pendingSubscribes.addLast(Boolean.FALSE);
        pingSentNs = nowNs == 0 ? 1 : nowNs;
        flush();
    }

    /** @return whether the oldest pending command (the one the next reply answers) is the liveness PING. */
    boolean oldestIsPing()
    {
        return pendingStates.peekFirst() == PING_MARKER;
    }

    /** The PING's reply came: takes the PING off the pending commands (normally the oldest one). */
    void pingAnswered()
    {
        pingSentNs = 0;
        if (oldestIsPing())
        {
            pendingStates.pollFirst();
            pendingSubscribes.pollFirst();
            return;
        }
        final Iterator<SubscriptionState> states = pendingStates.iterator();
        final Iterator<Boolean> directions = pendingSubscribes.iterator();
        while (states.hasNext())
        {
            directions.next();
            if (states.next() == PING_MARKER)
            {
                states.remove();
                directions.remove();
                return;
            }
        }
    }

    /** Queues {@code (S|P)SUBSCRIBE} or its UNSUBSCRIBE for one subscription and writes it. */
    void sendCommand(final SubscriptionState subscription, final boolean subscribe) throws IOException
    {
        final byte[] name = commandName(subscription.kind, subscribe);
        final int length = 32 + name.length + subscription.channelBytes.length;
        ensureSendCapacity(length);
        encoder.wrap(sendView, send.position()).arrayHeader(2).bulk(name).bulk(subscription.channelBytes);
        send.position(send.position() + encoder.length());
        pendingStates.addLast(subscription);
        pendingSubscribes.addLast(subscribe);
        flush();
    }

    private static final byte[][] NAMES = {
        bytes("SUBSCRIBE"), bytes("UNSUBSCRIBE"), bytes("PSUBSCRIBE"), bytes("PUNSUBSCRIBE"),
        bytes("SSUBSCRIBE"), bytes("SUNSUBSCRIBE") };

    private static byte[] bytes(final String text)
    {
        return text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static byte[] commandName(final Subscription.Kind kind, final boolean subscribe)
    {
        return NAMES[kind.ordinal() * 2 + (subscribe ? 0 : 1)];
    }

    private void ensureSendCapacity(final int more)
    {
        if (send.remaining() >= more)
        {
            return;
        }
        final ByteBuffer bigger = ByteBuffer.allocateDirect(Math.max(send.capacity() * 2, send.position() + more));
        send.flip();
        bigger.put(send);
        send = bigger;
        sendView = new UnsafeBuffer(send);
    }

    private void flush() throws IOException
    {
        if (state == CONNECTING || state == CLOSED)
        {
            return;
        }
        send.flip();
        if (tls == null)
        {
            channel.write(send);
        }
        else
        {
            sendVector[0] = send;
            tls.write(sendVector, 0, 1);
        }
        send.compact();
        if (send.position() > 0 || tls != null && tls.hasPendingOutput())
        {
            key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        }
        else
        {
            key.interestOps(SelectionKey.OP_READ);
        }
    }

    private void read() throws IOException
    {
        int n = readOnce();
        // Whole TLS records already off the socket are never reported by the selector: decode them all now. Redis
        // writes each message as its own record, so hundreds can wait in the TLS buffer; every pass consumes at
        // least one record or stops.
        while (n > 0 && tls != null && state != CLOSED && tls.hasBufferedInput())
        {
            n = readOnce();
        }
    }

    private int readOnce() throws IOException
    {
        final int n = tls == null ? channel.read(receive) : tls.read(receive);
        if (n < 0)
        {
            throw new IOException("the server closed the connection");
        }
        received |= n > 0;
        int limit = receive.position();
        while (frameStart < limit && state != CLOSED)
        {
            final int length = decoder.decode(receiveView, frameStart, limit);
            if (length == RespDecoder.INCOMPLETE)
            {
                break;
            }
            final int offset = frameStart;
            frameStart += length;
            onFrame(offset, length);
        }
        if (state == CLOSED)
        {
            return n;
        }
        if (frameStart == limit)
        {
            frameStart = 0;
            receive.clear();
            return n;
        }
        // An incomplete frame: move it to the front, and grow when it cannot fit.
        final int pending = limit - frameStart;
        if (frameStart > 0)
        {
            receiveView.putBytes(0, receiveView, frameStart, pending);
            frameStart = 0;
            receive.position(pending);
            limit = pending;
        }
        final long needed = Math.max(decoder.minimumFrameLength(), (long)limit + 1);
        if (needed > receive.capacity() || !receive.hasRemaining())
        {
            final long grown = Math.max(needed, 2L * receive.capacity());
            if (grown > maxBulkLength + 1024 || grown > Integer.MAX_VALUE - 16)
            {
                throw new IOException("a frame of at least " + needed + " bytes exceeds the decoder limit " +
                    maxBulkLength);
            }
            final ByteBuffer bigger = ByteBuffer.allocateDirect((int)grown);
            receive.flip();
            bigger.put(receive);
            receive = bigger;
            receiveView = new UnsafeBuffer(receive);
        }
        return n;
    }

    private void onFrame(final int offset, final int length) throws IOException
    {
        reader.wrap(receiveView, offset, length);
        if (state == HANDSHAKING)
        {
            reader.nextValue();
            final boolean error = reader.isError();
            if (!handshake.onReply(error ? reader.stringValue() : null))
            {
                throw new HandshakeRefused(address + " refused the subscriber handshake (" + handshake.failure() +
                    ')');
            }
            if (handshake.isDone())
            {
                state = READY;
                lastReceivedNs = System.nanoTime();
                subscriber.onConnectionReady(this);
            }
            else
            {
                encodeHandshakeStep();
            }
            return;
        }
        subscriber.onFrame(this, reader);
    }

    /**
     * Matches a confirmation to the command it answers: the oldest pending command of that kind and direction for
     * that channel.
     *
     * @return the subscription whose command it confirms, or null when nobody asked (the server unsubscribed us).
     */
    SubscriptionState confirm(final int frameType, final PubSubFrame frame)
    {
        final boolean subscribe = frameType <= PubSubFrame.SSUBSCRIBE;
        final Subscription.Kind kind = kindOf(frameType);
        final Iterator<SubscriptionState> states = pendingStates.iterator();
        final Iterator<Boolean> directions = pendingSubscribes.iterator();
        while (states.hasNext())
        {
            final SubscriptionState candidate = states.next();
            final boolean direction = directions.next();
            if (direction == subscribe && candidate.kind == kind && candidate != PING_MARKER &&
                candidate.matches(frame.buffer(), frame.channelOffset(), frame.channelLength()))
            {
                states.remove();
                directions.remove();
                return candidate;
            }
        }
        return null;
    }

    /**
     * An error reply answers the oldest pending command.
     *
     * @return that command's subscription, or null when none was pending.
     */
    SubscriptionState failOldest()
    {
        pendingSubscribes.pollFirst();
        return pendingStates.pollFirst();
    }

    /** @return whether the oldest pending command (the one an error answers) is a subscribe. */
    boolean oldestIsSubscribe()
    {
        final Boolean first = pendingSubscribes.peekFirst();
        return first != null && first;
    }

    boolean hasPending()
    {
        return !pendingStates.isEmpty();
    }

    static Subscription.Kind kindOf(final int frameType)
    {
        switch (frameType)
        {
            case PubSubFrame.SUBSCRIBE:
            case PubSubFrame.UNSUBSCRIBE:
            case PubSubFrame.MESSAGE:
                return Subscription.Kind.CHANNEL;
            case PubSubFrame.PSUBSCRIBE:
            case PubSubFrame.PUNSUBSCRIBE:
            case PubSubFrame.PMESSAGE:
                return Subscription.Kind.PATTERN;
            default:
                return Subscription.Kind.SHARD;
        }
    }

    /** Closes the socket; idempotent. */
    void close()
    {
        state = CLOSED;
        if (key != null)
        {
            key.cancel();
        }
        if (channel != null)
        {
            try
            {
                channel.close();
            }
            catch (final IOException ignored)
            {
                // Closing anyway.
            }
        }
        if (tls != null)
        {
            tls.close();
            tls = null;
        }
        pendingStates.clear();
        pendingSubscribes.clear();
    }

    @Override
    public String toString()
    {
        return "SubscriberConnection{" + address + '}';
    }

    /** The server answered the handshake with an error: retrying soon will not help, so back off at the most. */
    static final class HandshakeRefused extends IOException
    {
        private static final long serialVersionUID = 1L;

        HandshakeRefused(final String message)
        {
            super(message);
        }
    }
}
