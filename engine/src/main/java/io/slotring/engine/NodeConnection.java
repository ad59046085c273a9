package io.slotring.engine;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ThreadLocalRandom;

import io.slotring.codec.RespDecoder;
import io.slotring.codec.RespEncoder;
import io.slotring.codec.RespProtocolException;
import io.slotring.codec.RespReader;
import io.slotring.codec.RespType;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One TCP connection to one Redis node and the ring that feeds it: connect, handshake, batched gathering writes,
 * zero-copy reply decoding, FIFO completion, deadlines, reconnect.
 *
 * <p>Threads: every field below is owned by the single I/O agent that runs {@link #doWork}, except the ring
 * (see {@link CommandRing}) and {@link #lastError}, which producers read for error messages.
 *
 * <p>Sequences, all on the ring's numbering, always {@code completedSeq <= sentSeq}:
 * <pre>
 *   ... completedSeq | in flight (written, awaiting reply) ... sentSeq | queued (published, not yet written) ...
 * </pre>
 * RESP replies are FIFO per connection, so a reply always completes slot {@code completedSeq + 1}. A command is
 * "may have been applied" once any byte of it was written, "certainly not applied" before.
 */
final class NodeConnection
{
    static final int DISCONNECTED = 0;
    static final int CONNECTING = 1;
    static final int HANDSHAKE = 2;
    static final int READY = 3;
    static final int CLOSED = 4;

    private static final int MAX_IOV = 1024;
    private static final int CONTROL_CAPACITY = 4096;
    private static final long CLOSE_DRAIN_NS = 1_000_000_000L;

    final CommandRing ring;
    private final String name;
    private final String host;
    private final int port;
    private final ClientConfig config;
    private final BufferPool pool;
    private final Handshake handshake;
    private final NodeEndpoint endpoint;
    /** The routing layer's hook (cluster), or null: then redirect-class errors reach the caller as they are. */
    private final RedirectHandler redirectHandler;
    /** The agent that owns this connection; set once, before the agent first runs it. */
    private IoAgent agent;

    private SocketChannel channel;
    private int state = DISCONNECTED;
    private long stateDeadlineNs;
    private long nextConnectNs;
    private int attempt;

    private long completedSeq = -1;
    private long sentSeq = -1;
    /** Bytes of slot {@code sentSeq + 1} already written by a partial write. */
    private int partialBytes;
    private final ByteBuffer[] iov = new ByteBuffer[MAX_IOV];

    /** Bytes written ahead of any ring slot: handshake steps and idle PINGs; unsent part is position..limit. */
    private final ByteBuffer control = ByteBuffer.allocateDirect(CONTROL_CAPACITY).limit(0);
    private final UnsafeBuffer controlBuffer = new UnsafeBuffer(control);
    private final RespEncoder controlEncoder = new RespEncoder();
    /** Replies owed to control commands; they precede every slot reply written after them. */
    private int controlReplies;
    private long pingDeadlineNs;
    private long lastActivityNs;

    /** Receive side: {@code recv} is either the standard buffer or a larger pooled one while a big reply lands. */
    private final ByteBuffer standardRecv;
    private ByteBuffer recv;
    private final UnsafeBuffer recvBuffer = new UnsafeBuffer(0, 0);
    private int frameStart;
    private int recvEnd;
    private final RespDecoder decoder;
    private final RespReader reader = new RespReader();
    private final RespReader pushReader = new RespReader();

    /** Why the last connection attempt or connection failed; read by producers for messages. */
    volatile String lastError;
    /** state == READY, published for other threads (routing to ready replicas, connect waits). */
    private volatile boolean ready;

    NodeConnection(final String name, final String host, final int port, final ClientConfig config,
        final BufferPool pool, final NodeEndpoint endpoint, final boolean readOnly)
    {
        this.name = name;
        this.host = host;
        this.port = port;
        this.config = config;
        this.pool = pool;
        this.endpoint = endpoint;
        this.redirectHandler = endpoint.redirectHandler();
        this.ring = new CommandRing(config.ringSize(), config.slotCapacity());
        this.handshake = new Handshake(config, readOnly);
        this.decoder = new RespDecoder(config.maxDepth(), config.maxBulkLength());
        this.standardRecv = ByteBuffer.allocateDirect(config.receiveBufferSize());
        useRecv(standardRecv);
    }

    String name()
    {
        return name;
    }

    void agent(final IoAgent owner)
    {
        this.agent = owner;
    }

    IoAgent agent()
    {
        return agent;
    }

    boolean isReady()
    {
        return ready;
    }

    int doWork(final long nowNs)
    {
        int work = 0;
        try
        {
            switch (state)
            {
                case DISCONNECTED:
                    work += failExpiredQueued(nowNs);
                    if (nowNs - nextConnectNs >= 0)
                    {
                        work += startConnect(nowNs);
                    }
                    break;

                case CONNECTING:
                    work += failExpiredQueued(nowNs);
                    if (channel.finishConnect())
                    {
                        onConnected(nowNs);
                        work++;
                    }
                    else if (nowNs - stateDeadlineNs > 0)
                    {
                        throw new IOException("connect timed out after " + config.connectTimeoutNs() / 1_000_000 + "ms");
                    }
                    break;

                case HANDSHAKE:
                    work += failExpiredQueued(nowNs);
                    work += flush(nowNs);
                    if (state == HANDSHAKE && nowNs - stateDeadlineNs > 0)
                    {
                        throw new IOException("handshake timed out after " + config.connectTimeoutNs() / 1_000_000 +
                            "ms");
                    }
                    break;

                case READY:
                    work += flush(nowNs);
                    work += checkDeadlines(nowNs);
                    break;

                default:
                    break;
            }
        }
        catch (final IOException | RespProtocolException | RedisException ex)
        {
            connectionFailed(nowNs, describe(ex), ex, -1);
            work++;
        }
        return work;
    }

    /**
     * The agent's selector found the socket readable (data, EOF or an error): read and complete what arrived.
     * Only then is {@code read} called, so a connection with replies still on their way costs no syscall.
     */
    int onReadable(final long nowNs)
    {
        if (state != READY && state != HANDSHAKE)
        {
            return 0;
        }
        try
        {
            return read(nowNs);
        }
        catch (final IOException | RespProtocolException | RedisException ex)
        {
            connectionFailed(nowNs, describe(ex), ex, -1);
            return 1;
        }
    }

    /**
     * @return true when bytes wait to be written: published slots, a partial write, or control bytes. The agent
     * does not block in its selector while this holds.
     */
    boolean hasPendingOutput()
    {
        if (control.hasRemaining() || partialBytes > 0)
        {
            return true;
        }
        return state == READY && ring.isAvailable(sentSeq + 1);
    }

    private static String describe(final Exception ex)
    {
        return ex.getClass().getSimpleName() + ": " + ex.getMessage();
    }

    private int startConnect(final long nowNs) throws IOException
    {
        closeChannel();
        channel = SocketChannel.open();
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, Boolean.TRUE);
        channel.setOption(StandardSocketOptions.SO_KEEPALIVE, Boolean.TRUE);
        // Shorten keepalive where the JDK exposes it, so a silent peer is found in seconds, not the kernel's hours.
        setExtendedOption("TCP_KEEPIDLE", 10);
        setExtendedOption("TCP_KEEPINTERVAL", 5);
        setExtendedOption("TCP_KEEPCOUNT", 3);
        state = CONNECTING;
        stateDeadlineNs = nowNs + config.connectTimeoutNs();
        if (channel.connect(new InetSocketAddress(host, port)))
        {
            onConnected(nowNs);
        }
        return 1;
    }

    @SuppressWarnings("unchecked")
    private void setExtendedOption(final String optionName, final int value)
    {
        for (final SocketOption<?> option : channel.supportedOptions())
        {
            if (option.name().equals(optionName) && option.type() == Integer.class)
            {
                try
                {
                    channel.setOption((SocketOption<Integer>)option, value);
                }
                catch (final IOException | UnsupportedOperationException ignore)
                {
                    // Best effort: command deadlines and idle PINGs still find a dead peer.
                }
                return;
            }
        }
    }

    private void onConnected(final long nowNs) throws IOException
    {
        channel.register(agent.selector(), SelectionKey.OP_READ, this);
        state = HANDSHAKE;
        stateDeadlineNs = nowNs + config.connectTimeoutNs();
        lastActivityNs = nowNs;
        handshake.begin();
        queueControl(handshake);
    }

    private void queueControl(final Handshake step)
    {
        controlEncoder.wrap(controlBuffer, 0);
        step.encode(controlEncoder);
        control.limit(controlEncoder.length()).position(0);
        controlReplies = 0;
    }

    private int flush(final long nowNs) throws IOException
    {
        int count = 0;
        if (control.hasRemaining())
        {
            iov[count++] = control;
        }
        final int firstSlot = count;
        if (state == READY)
        {
            long sequence = sentSeq + 1;
            int sentBytes = partialBytes;
            while (count < MAX_IOV && ring.isAvailable(sequence))
            {
                iov[count++] = ring.slot(sequence).sendView(sentBytes);
                sentBytes = 0;
                sequence++;
            }
        }
        if (count == 0)
        {
            return 0;
        }
        final long written = channel.write(iov, 0, count);
        if (written > 0)
        {
            lastActivityNs = nowNs;
        }
        for (int i = firstSlot; i < count; i++)
        {
            final ByteBuffer view = iov[i];
            iov[i] = null;
            if (view.hasRemaining())
            {
                partialBytes = view.position();
                for (int j = i + 1; j < count; j++)
                {
                    iov[j] = null;
                }
                break;
            }
            sentSeq++;
            partialBytes = 0;
        }
        iov[0] = null;
        return written > 0 ? 1 : 0;
    }

    private int read(final long nowNs) throws IOException
    {
        final ByteBuffer buffer = recv;
        if (recvEnd == buffer.capacity())
        {
            makeRoom(buffer.capacity() + 1);
        }
        recv.limit(recv.capacity()).position(recvEnd);
        final int bytes = channel.read(recv);
        if (bytes < 0)
        {
            throw new IOException("connection closed by the server");
        }
        if (bytes == 0)
        {
            return 0;
        }
        recvEnd += bytes;
        lastActivityNs = nowNs;
        decodeFrames(nowNs);
        return 1;
    }

    private void decodeFrames(final long nowNs)
    {
        while (frameStart < recvEnd)
        {
            final int length = decoder.decode(recvBuffer, frameStart, recvEnd);
            if (length == RespDecoder.INCOMPLETE)
            {
                final long needed = decoder.minimumFrameLength();
                if (needed > recv.capacity() - frameStart)
                {
                    makeRoom(needed);
                }
                break;
            }
            onFrame(frameStart, length, nowNs);
            frameStart += length;
            if (state != READY && state != HANDSHAKE)
            {
                return;
            }
        }
        ring.completed.set(completedSeq);
        if (frameStart == recvEnd)
        {
            frameStart = 0;
            recvEnd = 0;
            if (recv != standardRecv)
            {
                pool.release(recv);
                useRecv(standardRecv);
            }
        }
    }

    /**
     * Makes the buffer hold at least {@code needed} bytes from the current frame's start: compacts, or moves the
     * partial frame into a larger pooled buffer. The decoder keeps its state relative to the frame start, so a
     * frame moved mid-decode resumes without a rescan.
     */
    private void makeRoom(final long needed)
    {
        final int pending = recvEnd - frameStart;
        if (needed > Integer.MAX_VALUE - 8)
        {
            throw new RespProtocolException("reply of " + needed + " bytes exceeds the receive buffer limit", frameStart);
        }
        if (needed <= recv.capacity())
        {
            recv.limit(recvEnd).position(frameStart);
            recv.compact();
        }
        else
        {
            final ByteBuffer larger = pool.acquire((int)Math.max(needed, 2L * recv.capacity()));
            recv.limit(recvEnd).position(frameStart);
            larger.put(recv);
            if (recv != standardRecv)
            {
                pool.release(recv);
            }
            useRecv(larger);
        }
        frameStart = 0;
        recvEnd = pending;
    }

    private void useRecv(final ByteBuffer buffer)
    {
        recv = buffer;
        recvBuffer.wrap(buffer, 0, buffer.capacity());
    }

    private void onFrame(final int offset, final int length, final long nowNs)
    {
        // An attribute travels with the reply that follows it in the same frame; handlers see the reply.
        final RespReader reply = reader.wrap(recvBuffer, offset, length);
        reply.nextValue();
        if (reply.type() == RespType.PUSH)
        {
            deliverPush(offset, length);
            return;
        }
        if (state == HANDSHAKE)
        {
            onHandshakeReply(reply, nowNs);
            return;
        }
        if (controlReplies > 0)
        {
            controlReplies--;
            if (reply.type() == RespType.ERROR)
            {
                throw new RedisConnectionException(name + ": idle PING answered with an error: " + reply.stringValue(),
                    false, null);
            }
            return;
        }
        final long sequence = completedSeq + 1;
        if (sequence > sentSeq)
        {
            throw new RespProtocolException(
                "expected no reply (no command in flight), got a '" + (char)reply.type() + "' reply", offset);
        }
        final CommandSlot slot = ring.slot(sequence);
        try
        {
            if (redirectHandler == null || !isRedirect(reply) || !redirect(slot, reply))
            {
                slot.complete(reply);
            }
        }
        catch (final Throwable ex)
        {
            config.errorHandler().onError(ex);
        }
        finishSlot(slot, sequence);
    }

    private static final byte[] MOVED = "MOVED ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] ASK = "ASK ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] TRYAGAIN = "TRYAGAIN".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] CLUSTERDOWN = "CLUSTERDOWN".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private static boolean isRedirect(final RespReader reply)
    {
        return reply.type() == RespType.ERROR && (reply.contentStartsWith(MOVED) || reply.contentStartsWith(ASK) ||
            reply.contentStartsWith(TRYAGAIN) || reply.contentStartsWith(CLUSTERDOWN));
    }

    /** Offers a redirected command to the routing layer; true when it took the command over. */
    private boolean redirect(final CommandSlot slot, final RespReader reply)
    {
        if (slot.kind == CommandSlot.KIND_INTERNAL)
        {
            return true;
        }
        final RedirectedCommand view = agent.redirected().wrap(slot);
        if (redirectHandler.onRedirect(view, reply))
        {
            if (!view.taken())
            {
                slot.fail(new RedisBackPressureException(name + ": command " + slot.commandName +
                    " was redirected but could not be resubmitted (not applied)"));
            }
            return true;
        }
        return false;
    }

    private void finishSlot(final CommandSlot slot, final long sequence)
    {
        slot.markFinal();
        slot.clear(pool);
        completedSeq = sequence;
    }

    private void deliverPush(final int offset, final int length)
    {
        final PushListener listener = config.pushListener();
        if (listener != null)
        {
            final RespReader push = pushReader.wrap(recvBuffer, offset, length);
            push.nextValue();
            try
            {
                listener.onPush(push);
            }
            catch (final Throwable ex)
            {
                config.errorHandler().onError(ex);
            }
        }
    }

    private void onHandshakeReply(final RespReader reply, final long nowNs)
    {
        final String error = reply.type() == RespType.ERROR || reply.type() == RespType.BLOB_ERROR ?
            reply.stringValue() : null;
        if (!handshake.onReply(error))
        {
            throw new RedisConnectionException(name + ": handshake refused: " + handshake.failure(), false, null);
        }
        if (handshake.isDone())
        {
            state = READY;
            ready = true;
            attempt = 0;
            lastError = null;
            lastActivityNs = nowNs;
        }
        else
        {
            queueControl(handshake);
        }
    }

    private int checkDeadlines(final long nowNs)
    {
        if (completedSeq < sentSeq || partialBytes > 0)
        {
            final long oldest = completedSeq + 1;
            final CommandSlot slot = ring.slot(oldest);
            if (nowNs - slot.deadlineNs > 0)
            {
                connectionFailed(nowNs, "connection reset: command " + slot.commandName +
                    " ahead of this one timed out after it was written", null, oldest);
                return 1;
            }
        }
        else if (controlReplies == 0)
        {
            final int expired = failExpiredQueued(nowNs);
            if (expired > 0)
            {
                return expired;
            }
            if (nowNs - lastActivityNs > config.idlePingIntervalNs() && !control.hasRemaining() &&
                !ring.isAvailable(sentSeq + 1))
            {
                queueControl(Handshake.PING);
                controlReplies = 1;
                pingDeadlineNs = nowNs + config.commandTimeoutNs();
                lastActivityNs = nowNs;
                return 1;
            }
        }
        if (controlReplies > 0 && nowNs - pingDeadlineNs > 0)
        {
            connectionFailed(nowNs, "idle PING unanswered within " + config.commandTimeoutNs() / 1_000_000 +
                "ms: peer presumed dead", null, -1);
            return 1;
        }
        return 0;
    }

    /**
     * Fails queued commands at the head whose deadline passed before they could be written. Only the head: a
     * later command with an earlier deadline waits for the head to expire or be written.
     */
    private int failExpiredQueued(final long nowNs)
    {
        int failed = 0;
        while (completedSeq == sentSeq && partialBytes == 0 && ring.isAvailable(sentSeq + 1))
        {
            final long sequence = sentSeq + 1;
            final CommandSlot slot = ring.slot(sequence);
            if (nowNs - slot.deadlineNs <= 0)
            {
                break;
            }
            final String why = lastError;
            failSlot(slot, new RedisTimeoutException(name + ": command " + slot.commandName +
                " timed out before it could be written (not applied)" + (why != null ? "; connection: " + why : ""),
                false));
            sentSeq = sequence;
            finishSlot(slot, sequence);
            failed++;
        }
        if (failed > 0)
        {
            ring.completed.set(completedSeq);
        }
        return failed;
    }

    private void failSlot(final CommandSlot slot, final RedisException error)
    {
        try
        {
            slot.fail(error);
        }
        catch (final Throwable ex)
        {
            config.errorHandler().onError(ex);
        }
    }

    /**
     * Closes the socket and fails every written command: their replies can no longer be matched. Queued commands
     * stay queued and go out on the next connection: they were certainly not applied.
     */
    private void connectionFailed(final long nowNs, final String why, final Throwable cause, final long timedOutSeq)
    {
        closeChannel();
        ready = false;
        final String message = name + ": " + why;
        lastError = message;
        if (state != CLOSED)
        {
            state = DISCONNECTED;
        }
        final long lastWritten = partialBytes > 0 ? sentSeq + 1 : sentSeq;
        if (completedSeq < lastWritten)
        {
            final RedisConnectionException lost = new RedisConnectionException(
                message + "; the command was written and its outcome is unknown", true, cause);
            for (long sequence = completedSeq + 1; sequence <= lastWritten; sequence++)
            {
                final CommandSlot slot = ring.slot(sequence);
                failSlot(slot, sequence == timedOutSeq ?
                    new RedisTimeoutException(name + ": command " + slot.commandName + " timed out after " +
                        "it was written; outcome unknown, connection reset", true) : lost);
                finishSlot(slot, sequence);
            }
            sentSeq = lastWritten;
            ring.completed.set(completedSeq);
        }
        partialBytes = 0;
        controlReplies = 0;
        control.limit(0);
        decoder.reset();
        frameStart = 0;
        recvEnd = 0;
        if (recv != standardRecv)
        {
            pool.release(recv);
            useRecv(standardRecv);
        }
        final long min = config.reconnectMinDelayNs();
        final long max = config.reconnectMaxDelayNs();
        final long delay = Math.min(max, min << Math.min(attempt, 30));
        attempt++;
        nextConnectNs = nowNs + delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
        if (cause != null && !(cause instanceof IOException) && !(cause instanceof RedisException))
        {
            config.errorHandler().onError(cause);
        }
        if (redirectHandler != null && state != CLOSED)
        {
            try
            {
                redirectHandler.onConnectionLost(endpoint, message);
            }
            catch (final Throwable ex)
            {
                config.errorHandler().onError(ex);
            }
        }
    }

    private void closeChannel()
    {
        if (channel != null)
        {
            try
            {
                channel.close();
            }
            catch (final IOException ignore)
            {
                // Closing a broken socket may fail; it is gone either way.
            }
            channel = null;
        }
    }

    /**
     * Agent, on close: fails everything, written or queued, and waits briefly for producers that claimed but have
     * not yet published. Then marks the ring terminated so a producer publishing later completes its own slot.
     */
    void shutdown()
    {
        final long nowNs = System.nanoTime();
        if (state != CLOSED)
        {
            state = CLOSED;
            connectionFailed(nowNs, "client closed", null, -1);
        }
        final RedisConnectionException closed = new RedisConnectionException(
            name + ": client closed before the command was written (not applied)", false, null);
        final long drainDeadline = nowNs + CLOSE_DRAIN_NS;
        long sequence = sentSeq + 1;
        while (sequence <= ring.cursor() && System.nanoTime() - drainDeadline < 0)
        {
            if (ring.isAvailable(sequence))
            {
                final CommandSlot slot = ring.slot(sequence);
                if (slot.tryTakeFinal())
                {
                    failSlot(slot, closed);
                    slot.clear(pool);
                }
                completedSeq = sequence;
                sentSeq = sequence;
                sequence++;
            }
            else
            {
                Thread.onSpinWait();
            }
        }
        ring.completed.set(completedSeq);
        ring.terminated = true;
        closeChannel();
    }

    /**
     * Client, after every agent stopped: frees the agent-owned off-heap memory. The ring's arena is left to its
     * cleaner: a producer that passed the closing check just before close() may still be encoding into its slot,
     * and an explicit free would turn that race into a use-after-free.
     */
    void free()
    {
        if (recv != standardRecv)
        {
            pool.release(recv);
            useRecv(standardRecv);
        }
        BufferUtil.free(standardRecv);
        BufferUtil.free(control);
    }

    @Override
    public String toString()
    {
        return "NodeConnection{" + name + ", state=" + state + '}';
    }
}
