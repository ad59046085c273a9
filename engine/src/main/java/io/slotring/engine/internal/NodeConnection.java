package io.slotring.engine.internal;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ThreadLocalRandom;

import io.slotring.codec.RespProtocolException;
import io.slotring.codec.RespReader;
import io.slotring.codec.RespType;
import io.slotring.codec.internal.RespDecoder;
import io.slotring.codec.internal.RespEncoder;
import io.slotring.engine.ConnectionSettings;
import io.slotring.engine.PushListener;
import io.slotring.engine.RedisBackPressureException;
import io.slotring.engine.RedisConnectionException;
import io.slotring.engine.RedisException;
import io.slotring.engine.RedisTimeoutException;
import io.slotring.engine.TlsSettings;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One TCP connection to one Redis node and the ring that feeds it: connect, handshake, batched gathering writes,
 * zero-copy reply decoding, FIFO completion, deadlines, reconnect.
 *
 * <p>Threads: the connection is <em>driven</em> by one thread at a time, the holder of {@link #driver}: its I/O
 * agent in a duty-cycle pass, or a caller thread that writes what it just published (combining everything other
 * producers published too, in one gathering write) or reads and completes replies while it waits for its own
 * (leader/follower: it completes other callers' replies on the way). Every field below the ring is touched only by
 * the holder; taking the flag is an acquire, dropping it a release, so each holder sees its predecessor's writes.
 * Connecting, handshakes, deadlines, idle PINGs and reconnects stay with the agent; callers drive a connection only
 * while it is {@link #READY}. Exceptions: the ring (see {@link CommandRing}), and the volatile fields producers and
 * the routing layer read.
 *
 * <p>Who reads replies: while a waiting caller leads (see {@link #leader}), the agent's interest in the socket is
 * dropped ({@link #armed} false), so a reply wakes only that caller: one context switch per round trip. When the
 * leader leaves with replies still owed, or a producer publishes a command nobody leads for (a callback, an async
 * future), interest is restored and the agent woken.
 *
 * <p>Sequences, all on the ring's numbering, always {@code completedSeq <= sentSeq}:
 * <pre>
 *   ... completedSeq | in flight (written, awaiting reply) ... sentSeq | queued (published, not yet written) ...
 * </pre>
 * RESP replies are FIFO per connection, so a reply always completes slot {@code completedSeq + 1}. A command is
 * "may have been applied" once any byte of it was written, "certainly not applied" before.
 */
public final class NodeConnection
{
    static final int DISCONNECTED = 0;
    static final int CONNECTING = 1;
    static final int HANDSHAKE = 2;
    static final int READY = 3;
    static final int CLOSED = 4;
    /** Waiting for the runtime's resolver thread to look the host name up (never done on the I/O thread). */
    static final int RESOLVING = 5;
    /** The node left the topology: no reconnect; queued commands are re-routed, then the agent drops it. */
    static final int RETIRED = 6;
    /** TCP connected, TLS handshake in progress (only with {@code tls} configured); Redis's handshake follows. */
    static final int TLS_HANDSHAKE = 7;

    /** {@link #readAsCaller} outcomes. */
    static final int READ_WAIT = 0;
    static final int READ_PROGRESS = 1;
    static final int READ_BUSY = 2;

    private static final int MAX_IOV = 1024;
    private static final int MIN_CONTROL_CAPACITY = 4096;
    private static final long CLOSE_DRAIN_NS = 1_000_000_000L;
    /** How long a retired connection keeps re-routing late publishes before its ring is terminated. */
    private static final long RETIRE_GRACE_NS = 1_000_000_000L;
    /** See {@link #replyOverdue}: a waiting caller reads its reply within microseconds, or leaves. */
    private static final long UNREAD_GRACE_NS = 2_000_000L;

    final CommandRing ring;
    private final String name;
    private final String host;
    private final int port;
    private final ConnectionSettings<?> config;
    private final BufferPool pool;
    private final Handshake handshake;
    private final NodeEndpoint endpoint;
    /** The routing layer's hook (cluster), or null: then redirect-class errors reach the caller as they are. */
    private final RedirectHandler redirectHandler;
    /** The agent that owns this connection; set once, before the agent first runs it. */
    private IoAgent agent;
    /** The client's latency recorders and counter registry. */
    private final MetricsHub metrics;
    /** This connection's counters: written by the driver only (release stores), read by snapshots (acquire). */
    final ConnectionCounters counters;
    /** Driver only: when the bytes of the current read arrived (System.nanoTime), the end of replies' latency. */
    private long replyNs;
    /** {@code latencyMetrics} of the config: when false, no clock read per socket read and no histogram record. */
    private final boolean recordLatency;
    /** Driver only: the last command name classified, by identity, and its family (names are mostly constants). */
    private String lastFamilyName;
    private int lastFamily;

    private SocketChannel channel;
    /** TLS settings of the config, or null for plain text. */
    private final TlsSettings tlsSettings;
    /** The TLS layer over {@link #channel} while connected with TLS, else null; driver only, one per socket. */
    private TlsChannel tls;
    private SelectionKey selectionKey;
    private int state = DISCONNECTED;
    /** True from a connection failure until the next successful handshake: one onConnectionLost per outage. */
    private boolean outage;
    private long retireDeadlineNs;
    /** Off-heap buffers released (retired by the agent, or at client close after the agents stopped). */
    private boolean freed;
    /** Host lookup handed to the resolver thread: written there (volatile), read and cleared by the agent. */
    private volatile Object resolution;
    private long stateDeadlineNs;
    private long nextConnectNs;
    private int attempt;

    private static final VarHandle DRIVER;

    static
    {
        try
        {
            DRIVER = MethodHandles.lookup().findVarHandle(NodeConnection.class, "driver", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    /** 1 while a thread drives the connection (see the class comment); CAS from 0 to take, volatile store to drop. */
    @SuppressWarnings("unused") // accessed through DRIVER
    private volatile int driver;
    /**
     * The one waiting caller that reads this socket (the leader of leader/followers), or null; driver only. Other
     * waiting callers do not listen to the socket: the leader completes their replies and their completion wakes
     * them, so a reply wakes one thread, not every waiter.
     */
    private CallerWaiter leader;
    /** The agent's selection key asks for OP_READ; driver only (the key itself is thread-safe). */
    private boolean armed = true;
    /**
     * A producer published a command nobody will wait for (callback, future) and may have found the driver flag
     * taken: whoever drives next, or lets go, makes the agent read. Set by producers, cleared by the driver.
     */
    private volatile boolean armRequested;

    private long completedSeq = -1;
    private long sentSeq = -1;
    /** Bytes of slot {@code sentSeq + 1} already written by a partial write. */
    private int partialBytes;
    /**
     * The last write left bytes unwritten: the socket's send buffer is full. {@link #release} then leaves the pending
     * bytes to the agent instead of writing again at once, which would spin for as long as the peer does not read.
     */
    private boolean outputBlocked;
    private final ByteBuffer[] iov = new ByteBuffer[MAX_IOV];

    /**
     * Bytes written ahead of any ring slot: handshake steps and idle PINGs; unsent part is position..limit. Sized
     * for the longest handshake step the current credentials and client name produce, and replaced (by the driver,
     * at the start of a handshake) when rotated credentials need more.
     */
    private ByteBuffer control;
    private final UnsafeBuffer controlBuffer;
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
    /** Flyweight handed to the redirect handler; used by whichever thread drives this connection. */
    private final RedirectedCommand redirected;

    /** Why the last connection attempt or connection failed; read by producers for messages. */
    volatile String lastError;
    /** The server refused the handshake (credentials, database): set by the agent, read by connect waits. */
    volatile boolean refused;
    /** state == READY, published for other threads (routing to ready replicas, connect waits). */
    private volatile boolean ready;
    /** {@link #state} as last published by the agent, for progress messages on other threads. */
    private volatile int publishedState = DISCONNECTED;
    /** Requests from other threads (routing layer): re-route queued commands; retire. Cleared by the agent. */
    private volatile boolean rerouteRequested;
    private volatile boolean retireRequested;

    NodeConnection(final String name, final String host, final int port, final ConnectionSettings<?> config,
        final BufferPool pool, final NodeEndpoint endpoint, final boolean readOnly)
    {
        this.name = name;
        this.host = host;
        this.port = port;
        this.config = config;
        this.pool = pool;
        this.endpoint = endpoint;
        this.redirectHandler = endpoint.redirectHandler();
        this.tlsSettings = config.tls();
        this.ring = new CommandRing(config.ringSize(), config.slotCapacity());
        this.handshake = new Handshake(config, endpoint.postHandshake());
        this.decoder = new RespDecoder(config.maxDepth(), config.maxBulkLength());
        this.redirected = new RedirectedCommand(pool);
        this.metrics = endpoint.runtime().metrics();
        this.recordLatency = config.latencyMetrics();
        this.counters = metrics.register(host + ':' + port, name, readOnly);
        this.standardRecv = ByteBuffer.allocateDirect(config.receiveBufferSize());
        this.control = ByteBuffer.allocateDirect(Math.max(MIN_CONTROL_CAPACITY, handshake.maxEncodedLength())).limit(0);
        this.controlBuffer = new UnsafeBuffer(control);
        useRecv(standardRecv);
    }

    boolean isRetired()
    {
        return publishedState == RETIRED;
    }

    /** Caller thread: its waiter for this client. */
    CallerWaiter callerWaiter()
    {
        return endpoint.callerWaiter();
    }

    /** Any thread: see {@link NodeEndpoint#rerouteQueued()}. */
    void requestReroute()
    {
        rerouteRequested = true;
        final IoAgent owner = agent;
        if (owner != null)
        {
            owner.wake();
        }
    }

    /** Any thread: see {@link NodeEndpoint#retire()}. */
    void requestRetire()
    {
        retireRequested = true;
        requestReroute();
    }

    /** Resolver thread: the looked-up address, or the failure as a String. */
    void onResolved(final Object addressOrError)
    {
        resolution = addressOrError;
        final IoAgent owner = agent;
        if (owner != null)
        {
            owner.wake();
        }
    }

    /**
     * @return a short description of where the connection stands, for messages on any thread.
     */
    String progress()
    {
        switch (publishedState)
        {
            case RESOLVING:
                return "looking up host " + host;
            case CONNECTING:
                return "TCP connect to " + host + ':' + port + " in progress";
            case TLS_HANDSHAKE:
                return "TCP connected to " + host + ':' + port + ", but no TLS handshake answer yet (a plain-text " +
                    "port never answers one: is this the server's tls-port?)";
            case HANDSHAKE:
                return "TCP connected to " + host + ':' + port + ", but the server did not answer the handshake (" +
                    handshake.stepName() + ")";
            case READY:
                return "ready";
            case RETIRED:
                return "retired: the node left the topology";
            case CLOSED:
                return "closed";
            default:
                final String why = lastError;
                return why != null ? why : "not connected yet";
        }
    }

    private void state(final int newState)
    {
        state = newState;
        publishedState = newState;
    }

    String name()
    {
        return name;
    }

    void agent(final IoAgent owner)
    {
        this.agent = owner;
    }

    boolean isReady()
    {
        return ready;
    }

    /**
     * Agent: one duty-cycle pass. Never throws: whatever goes wrong with this connection (an I/O error, a protocol
     * violation, an unexpected runtime exception, even running out of direct memory) fails this connection alone,
     * so the agent goes on serving its other connections.
     */
    int doWork(final long nowNs)
    {
        if (!tryDrive())
        {
            // A caller drives it right now, and checks for more work as it lets go.
            return 0;
        }
        int work = 0;
        try
        {
            work += agentPass(nowNs);
        }
        finally
        {
            work += release(nowNs);
        }
        return work;
    }

    private int agentPass(final long nowNs)
    {
        int work = 0;
        try
        {
            if (rerouteRequested || retireRequested)
            {
                work += onRequests(nowNs);
            }
            switch (state)
            {
                case DISCONNECTED:
                    work += failExpiredQueued(nowNs);
                    if (nowNs - nextConnectNs >= 0)
                    {
                        work += startConnect(nowNs);
                    }
                    break;

                case RESOLVING:
                    work += failExpiredQueued(nowNs);
                    work += checkResolution(nowNs);
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
                        throw new IOException("TCP connect to " + host + ':' + port + " timed out after " +
                            config.connectTimeoutNs() / 1_000_000 + "ms");
                    }
                    break;

                case TLS_HANDSHAKE:
                    work += failExpiredQueued(nowNs);
                    work += tlsStep(nowNs);
                    if (state == TLS_HANDSHAKE && nowNs - stateDeadlineNs > 0)
                    {
                        throw new IOException("TCP connected, but the TLS handshake with " + host + ':' + port +
                            " did not finish within " + config.connectTimeoutNs() / 1_000_000 + "ms");
                    }
                    break;

                case HANDSHAKE:
                    work += failExpiredQueued(nowNs);
                    work += flush(nowNs);
                    if (state == HANDSHAKE && nowNs - stateDeadlineNs > 0)
                    {
                        throw new IOException("TCP connected, but the server did not answer the handshake (" +
                            handshake.stepName() + ") within " + config.connectTimeoutNs() / 1_000_000 + "ms");
                    }
                    break;

                case READY:
                    work += flush(nowNs);
                    work += checkDeadlines(nowNs);
                    if (!armed && leader == null && (armRequested || replyOverdue(nowNs)))
                    {
                        // Safety net: nobody reads a reply that is due; never more than one pass late.
                        armRequested = false;
                        arm(false);
                    }
                    break;

                case RETIRED:
                    work += drainRetired(nowNs);
                    break;

                default:
                    break;
            }
        }
        catch (final Throwable ex)
        {
            work += contain(nowNs, ex);
        }
        return work;
    }

    /**
     * Agent: confines a failure to this connection. Expected failures (I/O, protocol, our own exceptions) reset
     * it; anything else is reported to the error handler too, then resets it the same way.
     */
    int contain(final long nowNs, final Throwable ex)
    {
        if (state == CLOSED || state == RETIRED)
        {
            config.errorHandler().onError(ex);
            return 1;
        }
        try
        {
            connectionFailed(nowNs, describe(ex), ex, -1);
        }
        catch (final Throwable inner)
        {
            // Failing the connection itself failed (a handler threw past its guard, memory ran out): keep the agent.
            inner.addSuppressed(ex);
            config.errorHandler().onError(inner);
        }
        return 1;
    }

    /**
     * The agent's selector found the socket readable (data, EOF or an error): read and complete what arrived.
     * Only then is {@code read} called, so a connection with replies still on their way costs no syscall.
     */
    int onReadable(final long nowNs)
    {
        if (!tryDrive())
        {
            return 0;
        }
        try
        {
            return readable(nowNs);
        }
        finally
        {
            release(nowNs);
        }
    }

    private int readable(final long nowNs)
    {
        try
        {
            if (state == CONNECTING)
            {
                if (channel.finishConnect())
                {
                    onConnected(nowNs);
                    return 1;
                }
                return 0;
            }
            if (state == TLS_HANDSHAKE)
            {
                return tlsStep(nowNs);
            }
            if (state != READY && state != HANDSHAKE)
            {
                return 0;
            }
            return read(nowNs);
        }
        catch (final Throwable ex)
        {
            return contain(nowNs, ex);
        }
    }

    boolean tryDrive()
    {
        return (int)DRIVER.getVolatile(this) == 0 && DRIVER.compareAndSet(this, 0, 1);
    }

    /**
     * Drops the driver flag, then looks once more for work published while it was held: a producer that found the
     * flag taken left its command to the holder. The fence makes this a Dekker pair with {@link #afterPublish}:
     * either the producer sees the flag free and writes itself, or this re-check sees its publish.
     *
     * <p>Once a write left bytes unwritten (the send buffer is full), published commands are left to the agent: it
     * does not block while output is pending ({@link #hasPendingOutput}), retries the write every pass and keeps
     * checking deadlines. Writing again here would loop until the peer reads, holding the calling producer, or the
     * agent and its other connections, for as long as that takes (forever, for a stopped peer).
     */
    private int release(final long nowNs)
    {
        int work = 0;
        while (true)
        {
            DRIVER.setVolatile(this, 0);
            VarHandle.fullFence();
            if (!(state == READY && (armRequested || (!outputBlocked && ring.isAvailable(sentSeq + 1)))) ||
                !tryDrive())
            {
                if (outputBlocked)
                {
                    // The agent may be blocked in its selector since before these bytes were pending.
                    agent.wake();
                }
                return work;
            }
            work += armRequested ? writeAndArm(nowNs) : writeOnly(nowNs);
        }
    }

    /** Driver: writes what was published and makes sure somebody will read the replies. */
    private int writeAndArm(final long nowNs)
    {
        armRequested = false;
        try
        {
            if (state != READY)
            {
                return 0;
            }
            final int work = flush(nowNs);
            if (!armed && leader == null && owesReplies())
            {
                arm(true);
            }
            return work;
        }
        catch (final Throwable ex)
        {
            return contain(nowNs, ex);
        }
    }

    /**
     * Driver: the oldest unanswered command was written over {@link #UNREAD_GRACE_NS} ago and no caller leads:
     * its publisher was going to read it but did not come (a sync call that gave up early, say).
     */
    private boolean replyOverdue(final long nowNs)
    {
        return completedSeq < sentSeq &&
            nowNs - (ring.slot(completedSeq + 1).deadlineNs - config.commandTimeoutNs()) > UNREAD_GRACE_NS;
    }

    /** Driver: replies are owed for written commands, or bytes still wait to be written. */
    private boolean owesReplies()
    {
        return completedSeq < sentSeq || partialBytes > 0 || ring.isAvailable(sentSeq + 1) || controlReplies > 0;
    }

    /** Driver: the agent's selector reports this socket again; wakes the agent when it may be blocked. */
    private void arm(final boolean wakeAgent)
    {
        armed = true;
        final SelectionKey key = selectionKey;
        if (key != null && key.isValid())
        {
            key.interestOps(SelectionKey.OP_READ);
            if (wakeAgent)
            {
                // The agent may sit in epoll_wait with the old interest set: only a wake-up applies the change.
                agent.wake();
            }
        }
    }

    private void disarm()
    {
        armed = false;
        final SelectionKey key = selectionKey;
        if (key != null && key.isValid())
        {
            key.interestOps(0);
        }
    }

    /**
     * Producer, after publishing: writes now, with everything else published, unless another thread drives the
     * connection, in which case that thread writes it as it lets go. When the publishing caller will not wait for
     * the reply itself (a callback, a future nobody joins yet), the agent is made to read it.
     *
     * @param callerWillWait the publishing thread reads the reply itself next (sync, a batch's await).
     */
    void afterPublish(final boolean callerWillWait)
    {
        if (!callerWillWait)
        {
            armRequested = true;
        }
        VarHandle.fullFence();
        if (!ready)
        {
            // Connecting: the agent drives, and sends the command once the handshake is done.
            agent.wake();
            return;
        }
        if (tryDrive())
        {
            final long nowNs = System.nanoTime();
            if (callerWillWait)
            {
                writeOnly(nowNs);
            }
            else
            {
                writeAndArm(nowNs);
            }
            release(nowNs);
        }
    }

    /** Driver: writes what was published; whoever published it reads the reply (or asked for the agent to). */
    private int writeOnly(final long nowNs)
    {
        try
        {
            return state == READY ? flush(nowNs) : 0;
        }
        catch (final Throwable ex)
        {
            return contain(nowNs, ex);
        }
    }

    /**
     * Caller, leaving {@link CallerWaiter#await}: gives up the read role if it held it, handing reading back to the
     * agent if replies are still owed (a follower, if any, takes the role on its next pass).
     */
    void leaveWait(final CallerWaiter waiter)
    {
        driveBlocking();
        try
        {
            if (leader == waiter)
            {
                // The caller's selector keeps listening to this socket (muting costs two epoll_ctl per round trip);
                // it mutes it when it next waits as a follower, and a stray wake-up meanwhile is only a loop.
                leader = null;
                if (!armed && owesReplies())
                {
                    arm(true);
                }
            }
        }
        finally
        {
            release(System.nanoTime());
        }
    }

    /**
     * Producer of a batch that leaves writing and reading to the agent: asks for both and wakes it. The agent writes
     * everything published in its next pass, coalescing other callers' batches into the same write.
     */
    void handOff()
    {
        armRequested = true;
        VarHandle.fullFence();
        agent.wake();
    }

    /**
     * Caller that could not get the driver flag and is about to block: makes sure somebody reads its replies (the
     * holder, as it lets go, or this caller now), the same Dekker pair as {@link #afterPublish}.
     */
    void requestReader()
    {
        armRequested = true;
        VarHandle.fullFence();
        if (tryDrive())
        {
            final long nowNs = System.nanoTime();
            try
            {
                armRequested = false;
                if (state == READY && !armed && leader == null && owesReplies())
                {
                    arm(true);
                }
            }
            finally
            {
                release(nowNs);
            }
        }
    }

    /** Takes the driver flag, spinning: holders keep it for one short non-blocking pass. */
    private void driveBlocking()
    {
        int tries = 0;
        while (!tryDrive())
        {
            if (++tries < 100)
            {
                Thread.onSpinWait();
            }
            else
            {
                Thread.yield();
            }
        }
    }

    /**
     * Caller: one non-blocking read pass while driving; registers the socket with the caller's selector so the next
     * block wakes on it. Completions (this caller's and others') run on this thread.
     *
     * @return {@link #READ_PROGRESS} when the pass completed a command, {@link #READ_BUSY} when another thread
     * drives the connection (look again soon: it may be about to let go with nobody reading), else
     * {@link #READ_WAIT} (leading with nothing to read yet, following, or not connected: blocking is safe, since a
     * completion or the socket wakes the caller).
     */
    int readAsCaller(final CallerWaiter waiter, final Awaitable target, final boolean readNow, final int ownCommands)
    {
        if (!tryDrive())
        {
            return READ_BUSY;
        }
        final long nowNs = System.nanoTime();
        try
        {
            if (state != READY)
            {
                return READ_WAIT;
            }
            if (leader == null)
            {
                if (ring.cursor() - completedSeq > ownCommands)
                {
                    // Other callers' commands share the socket: one reader for all (the agent) costs less than
                    // callers taking turns, and nobody waits for another caller to finish its own wait.
                    if (!armed)
                    {
                        arm(true);
                    }
                    waiter.mute(this, channel);
                    return READ_WAIT;
                }
                leader = waiter;
                if (armed)
                {
                    disarm();
                }
            }
            else if (leader != waiter)
            {
                // A follower: the leader reads for it; it listens only for its own completion.
                waiter.mute(this, channel);
                return READ_WAIT;
            }
            waiter.listen(this, channel);
            if (!readNow)
            {
                // Just published: the reply is tens of microseconds away; a read now would only return nothing.
                return READ_WAIT;
            }
            final long before = completedSeq;
            final int[] depth = IoAgent.enterCallerIo();
            try
            {
                int reads = 0;
                // Stop once the awaited completion is in: reading on would usually cost a syscall that finds
                // nothing; later bytes wake the next reader (or this one again).
                while (state == READY && read(nowNs) > 0 && !target.isComplete() && ++reads < 16)
                {
                    // Drain what arrived; bounded so one busy socket cannot keep a caller forever.
                }
            }
            finally
            {
                IoAgent.leaveCallerIo(depth);
            }
            return completedSeq != before ? READ_PROGRESS : READ_WAIT;
        }
        catch (final Throwable ex)
        {
            contain(nowNs, ex);
            return READ_PROGRESS;
        }
        finally
        {
            release(nowNs);
        }
    }

    /**
     * @return true when bytes wait to be written: published slots, a partial write, or control bytes. The agent
     * does not block in its selector while this holds.
     */
    boolean hasPendingOutput()
    {
        if (control.hasRemaining() || partialBytes > 0 || tls != null && tls.hasPendingOutput())
        {
            return true;
        }
        return state == READY && ring.isAvailable(sentSeq + 1);
    }

    private static String describe(final Throwable ex)
    {
        return ex.getClass().getSimpleName() + ": " + ex.getMessage();
    }

    /**
     * Starts a connection attempt. An IP literal is used as is; a host name is looked up on the runtime's resolver
     * thread (a slow resolver must not stall the other connections of this agent) and again on every attempt, so
     * a changed DNS record is followed.
     */
    private int startConnect(final long nowNs) throws IOException
    {
        closeChannel();
        stateDeadlineNs = nowNs + config.connectTimeoutNs();
        if (HostNames.isIpLiteral(host))
        {
            return openChannel(nowNs, new InetSocketAddress(host, port));
        }
        resolution = null;
        state(RESOLVING);
        endpoint.resolveLater(this, host, port);
        return 1;
    }

    private int checkResolution(final long nowNs) throws IOException
    {
        final Object result = resolution;
        if (result == null)
        {
            if (nowNs - stateDeadlineNs > 0)
            {
                throw new IOException("host lookup of " + host + " did not finish within " +
                    config.connectTimeoutNs() / 1_000_000 + "ms");
            }
            return 0;
        }
        resolution = null;
        if (result instanceof InetSocketAddress)
        {
            return openChannel(nowNs, (InetSocketAddress)result);
        }
        throw new IOException(String.valueOf(result));
    }

    private int openChannel(final long nowNs, final InetSocketAddress address) throws IOException
    {
        channel = SocketChannel.open();
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, Boolean.TRUE);
        channel.setOption(StandardSocketOptions.SO_KEEPALIVE, Boolean.TRUE);
        // Shorten keepalive where the JDK exposes it, so a silent peer is found in seconds, not the kernel's hours.
        setExtendedOption("TCP_KEEPIDLE", 10);
        setExtendedOption("TCP_KEEPINTERVAL", 5);
        setExtendedOption("TCP_KEEPCOUNT", 3);
        state(CONNECTING);
        stateDeadlineNs = nowNs + config.connectTimeoutNs();
        if (channel.connect(address))
        {
            onConnected(nowNs);
        }
        else
        {
            // The selector reports the connect's completion: no polling, no waiting out an idle block.
            selectionKey = channel.register(agent.selector(), SelectionKey.OP_CONNECT, this);
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
        if (selectionKey != null)
        {
            selectionKey.interestOps(SelectionKey.OP_READ);
        }
        else
        {
            selectionKey = channel.register(agent.selector(), SelectionKey.OP_READ, this);
        }
        if (tlsSettings == null)
        {
            beginHandshake(nowNs);
            return;
        }
        // A new engine per socket: a TLS session's state cannot outlive its connection.
        tls = new TlsChannel(tlsSettings.createEngine(host, port), channel);
        state(TLS_HANDSHAKE);
        stateDeadlineNs = nowNs + config.connectTimeoutNs();
        tlsStep(nowNs);
    }

    /**
     * Driver (agent): advances the TLS handshake; once it is done, Redis's own handshake ({@code HELLO}) starts over
     * the TLS layer. A certificate the trust material rejects, or a name it does not carry, refuses the connection
     * as a wrong password does: connect waits fail at once with the JDK's reason, and reconnects keep trying.
     */
    private int tlsStep(final long nowNs) throws IOException
    {
        final int step;
        try
        {
            step = tls.handshake();
        }
        catch (final javax.net.ssl.SSLException ex)
        {
            final String message = String.valueOf(ex.getMessage());
            final String why = name + ": TLS handshake with " + host + ':' + port + " failed: " + message +
                (message.contains("nrecognized") || message.contains("plaintext") ?
                " (the server did not answer in TLS: is this its tls-port?)" : "");
            // The reason first, then the flag: a connect wait that sees the flag must find the reason.
            lastError = why;
            refused = true;
            throw new RedisConnectionException(why, false, ex);
        }
        if (step == TlsChannel.HANDSHAKE_DONE)
        {
            beginHandshake(nowNs);
            return 1 + flush(nowNs);
        }
        return 0;
    }

    /**
     * Test seam, never called in production: adopts {@code connected}, a channel that is already connected (an
     * in-memory one in the unit tests), as if the agent's own connect had just completed, and starts the handshake.
     * The channel is not registered with the agent's selector (a channel of another {@code SelectorProvider} cannot
     * be), so whoever calls this drives the connection as the agent would: {@link #doWork} writes (and checks
     * deadlines), {@link #onReadable} reads. Everything else is the production code: the {@link #channel} field
     * keeps its {@code SocketChannel} type, so the hot path's calls on it are what they were.
     */
    void adoptConnected(final SocketChannel connected, final long nowNs)
    {
        driveBlocking();
        try
        {
            if (state == CLOSED || state == RETIRED)
            {
                throw new IllegalStateException(name + ": " + progress());
            }
            closeChannel();
            channel = connected;
            beginHandshake(nowNs);
        }
        finally
        {
            release(nowNs);
        }
    }

    private void beginHandshake(final long nowNs)
    {
        armed = true;
        state(HANDSHAKE);
        stateDeadlineNs = nowNs + config.connectTimeoutNs();
        lastActivityNs = nowNs;
        handshake.begin();
        final int needed = handshake.maxEncodedLength();
        if (needed > control.capacity())
        {
            control = ByteBuffer.allocateDirect(needed).limit(0);
            controlBuffer.wrap(control);
        }
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
        if (tls != null && tls.hasPendingOutput() && !tls.flushNetOut())
        {
            // The last batch's ciphertext still waits for room in the send buffer: nothing more fits behind it.
            outputBlocked = true;
            return 0;
        }
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
            outputBlocked = false;
            return 0;
        }
        final long written = tls == null ? channel.write(iov, 0, count) : tls.write(iov, 0, count);
        if (written > 0)
        {
            counters.onWritten(written);
            lastActivityNs = nowNs;
        }
        boolean blocked = control.hasRemaining() || tls != null && tls.hasPendingOutput();
        for (int i = firstSlot; i < count; i++)
        {
            final ByteBuffer view = iov[i];
            iov[i] = null;
            if (view.hasRemaining())
            {
                blocked = true;
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
        outputBlocked = blocked;
        skipAborted();
        return written > 0 ? 1 : 0;
    }

    /**
     * Agent: finishes aborted slots at the head of the in-flight range: they were "written" as zero bytes and owe
     * no reply, so the next reply belongs to the command after them.
     */
    private void skipAborted()
    {
        final long before = completedSeq;
        finishAbortedHead();
        if (completedSeq != before)
        {
            ring.completed.set(completedSeq);
        }
    }

    /** Driver: {@link #skipAborted} without publishing the completed sequence (the caller does). */
    private void finishAbortedHead()
    {
        while (completedSeq < sentSeq)
        {
            final long sequence = completedSeq + 1;
            final CommandSlot slot = ring.slot(sequence);
            if (slot.kind != CommandSlot.KIND_ABORTED)
            {
                break;
            }
            finishSlot(slot, sequence);
        }
    }

    private int read(final long nowNs) throws IOException
    {
        final int result = readOnce(nowNs);
        if (tls != null)
        {
            // Whole TLS records already taken off the socket would never be reported by a selector: decode them now.
            while (result > 0 && (state == READY || state == HANDSHAKE) && tls.hasBufferedInput() &&
                readOnce(nowNs) > 0)
            {
                // each pass decodes and completes what one more record held
            }
        }
        return result;
    }

    private int readOnce(final long nowNs) throws IOException
    {
        if (recvEnd == recv.capacity())
        {
            makeRoom();
        }
        recv.limit(recv.capacity()).position(recvEnd);
        final int bytes = tls == null ? channel.read(recv) : tls.read(recv);
        if (bytes < 0)
        {
            throw new IOException("connection closed by the server");
        }
        if (bytes == 0)
        {
            return 0;
        }
        recvEnd += bytes;
        counters.onRead(bytes);
        if (recordLatency)
        {
            replyNs = System.nanoTime();
        }
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
                // Room is made when the buffer fills (read), growing with the bytes that actually arrive: a
                // declared length alone (a 14-byte "$1073741823" header) never allocates.
                break;
            }
            onFrame(frameStart, length, nowNs);
            frameStart += length;
            if (state != READY && state != HANDSHAKE)
            {
                return;
            }
        }
        // An aborted slot right behind the last reply owes none: finish it now. Left in flight, it would carry the
        // stale deadline of its slot's previous use, and the next deadline check would reset the connection.
        finishAbortedHead();
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
     * The buffer is full: compacts when a finished frame sits before the current one, else moves the partial frame
     * into a pooled buffer twice as large, so the buffer grows only as fast as reply bytes arrive (amortised linear
     * copying) and never on a declared length alone. The decoder keeps its state relative to the frame start, so a
     * frame moved mid-decode resumes without a rescan.
     */
    private void makeRoom()
    {
        final int pending = recvEnd - frameStart;
        if (frameStart > 0)
        {
            recv.limit(recvEnd).position(frameStart);
            recv.compact();
        }
        else
        {
            final long larger = 2L * recv.capacity();
            if (larger > BufferPool.MAX_CAPACITY)
            {
                throw new RespProtocolException("expected a reply of at most " + BufferPool.MAX_CAPACITY +
                    " bytes (the largest receive buffer), got a longer one", frameStart);
            }
            final ByteBuffer grown;
            try
            {
                grown = pool.acquire((int)larger);
            }
            catch (final OutOfMemoryError ex)
            {
                throw new RespProtocolException("no direct memory for a receive buffer of " + larger + " bytes " +
                    "while a reply of more than " + pending + " bytes arrives: " + ex.getMessage(), frameStart);
            }
            final ByteBuffer bigger = grown;
            recv.limit(recvEnd).position(frameStart);
            bigger.put(recv);
            if (recv != standardRecv)
            {
                pool.release(recv);
            }
            useRecv(bigger);
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
            // LOADING and MASTERDOWN answer a PING from a live node that cannot serve data yet: alive all the same.
            if (reply.type() == RespType.ERROR && !reply.contentStartsWith(LOADING) &&
                !reply.contentStartsWith(MASTERDOWN))
            {
                throw new RedisConnectionException(name + ": idle PING answered with an error: " + reply.stringValue(),
                    false, null);
            }
            return;
        }
        skipAborted();
        final long sequence = completedSeq + 1;
        if (sequence > sentSeq)
        {
            throw new RespProtocolException(
                "expected no reply (no command in flight), got a '" + (char)reply.type() + "' reply", offset);
        }
        final CommandSlot slot = ring.slot(sequence);
        if (redirectHandler == null || !isRedirect(reply) || !redirect(slot, reply))
        {
            recordReply(slot, reply);
            try
            {
                slot.complete(reply);
            }
            catch (final Throwable ex)
            {
                config.errorHandler().onError(ex);
            }
        }
        finishSlot(slot, sequence);
    }

    /**
     * Driver: counts a reply that completes a caller's command and records its latency, from submit (the deadline
     * less the command timeout) to the read that brought it. Allocation-free.
     */
    private void recordReply(final CommandSlot slot, final RespReader reply)
    {
        if (slot.kind == CommandSlot.KIND_INTERNAL)
        {
            return;
        }
        counters.onReply(reply.type() == RespType.ERROR || reply.type() == RespType.BLOB_ERROR);
        if (!recordLatency)
        {
            return;
        }
        final String commandName = slot.commandName;
        if (commandName != lastFamilyName)
        {
            lastFamily = MetricsHub.family(commandName);
            lastFamilyName = commandName;
        }
        metrics.record(lastFamily, replyNs - slot.submitNs);
    }

    /** Driver: a reply the routing layer took over, counted as the handler named it (the engine reads none). */
    private void countRedirect(final RedirectedCommand view)
    {
        switch (view.counted())
        {
            case RedirectedCommand.COUNT_MOVED:
                counters.onMoved();
                break;
            case RedirectedCommand.COUNT_ASK:
                counters.onAsk();
                break;
            default:
                counters.onRetryReply();
                break;
        }
    }

    private static final byte[] LOADING = "LOADING".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] MASTERDOWN = "MASTERDOWN".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /**
     * Driver: an error reply the routing layer wants ("not executed here, try elsewhere or later": the command was
     * certainly not applied). Which errors those are is the handler's alone to say; only error replies are asked
     * about, so a command's ordinary reply pays one type compare.
     */
    private boolean isRedirect(final RespReader reply)
    {
        return reply.type() == RespType.ERROR && redirectHandler.wantsReply(reply);
    }

    /**
     * Offers a redirected command to the routing layer; true when it took the command over. Whatever the handler
     * does, the command completes: if it throws, or claims the command without taking it, the command fails here
     * with the reason (it was not applied).
     */
    private boolean redirect(final CommandSlot slot, final RespReader reply)
    {
        if (slot.kind == CommandSlot.KIND_INTERNAL)
        {
            return true;
        }
        final RedirectedCommand view = redirected.wrap(slot, endpoint, agent);
        try
        {
            if (!redirectHandler.onRedirect(view, reply))
            {
                if (view.counted() != RedirectedCommand.COUNT_RETRY)
                {
                    // A redirect the routing layer leaves to the caller (a pinned command): still one on this node.
                    countRedirect(view);
                }
                return false;
            }
            countRedirect(view);
            if (!view.taken())
            {
                failSlot(slot, new RedisBackPressureException(name + ": command " + slot.commandName +
                    " was redirected but could not be resubmitted (not applied)"));
            }
        }
        catch (final Throwable ex)
        {
            if (!view.taken())
            {
                failSlot(slot, new RedisConnectionException(name + ": command " + slot.commandName + " got '" +
                    reply.stringValue() + "' and the redirect could not be followed: " + describe(ex) +
                    " (not applied)", false, ex));
            }
            config.errorHandler().onError(ex);
        }
        return true;
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
            final String why = name + ": handshake refused: " + handshake.failure();
            // The reason first, then the flag: a connect wait that sees the flag must find the reason.
            lastError = why;
            refused = true;
            throw new RedisConnectionException(why, false, null);
        }
        if (handshake.isDone())
        {
            counters.onConnected();
            JfrEvents.connected(host + ':' + port, name);
            state(READY);
            ready = true;
            refused = false;
            outage = false;
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
                // Idle: give back what the slots grew into under load (they regrow on demand).
                final long shrunk = ring.shrinkIdle();
                if (shrunk >= 0)
                {
                    sentSeq = shrunk;
                    completedSeq = shrunk;
                }
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
            counters.onTimeoutNotWritten();
            JfrEvents.commandTimedOut(name, slot.commandName, false);
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
        if (state == READY)
        {
            counters.onConnectionLost();
            JfrEvents.disconnected(host + ':' + port, name, why);
        }
        closeChannel();
        // The next socket starts with the agent reading; a waiting caller takes the role again once it is ready.
        leader = null;
        ready = false;
        final String message = name + ": " + why;
        lastError = message;
        if (state != CLOSED && state != RETIRED)
        {
            state(DISCONNECTED);
        }
        final long lastWritten = partialBytes > 0 ? sentSeq + 1 : sentSeq;
        if (completedSeq < lastWritten)
        {
            final RedisConnectionException lost = new RedisConnectionException(
                message + "; the command was written and its outcome is unknown", true, cause);
            for (long sequence = completedSeq + 1; sequence <= lastWritten; sequence++)
            {
                final CommandSlot slot = ring.slot(sequence);
                if (sequence == timedOutSeq)
                {
                    counters.onTimeoutWritten();
                    JfrEvents.commandTimedOut(name, slot.commandName, true);
                }
                failSlot(slot, sequence == timedOutSeq ?
                    new RedisTimeoutException(name + ": command " + slot.commandName + " timed out after " +
                        "it was written; outcome unknown, connection reset", true) : lost);
                finishSlot(slot, sequence);
            }
            sentSeq = lastWritten;
            ring.completed.set(completedSeq);
        }
        partialBytes = 0;
        outputBlocked = false;
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
        final long delay = reconnectDelay(config.reconnectMinDelayNs(), config.reconnectMaxDelayNs(), attempt);
        attempt++;
        nextConnectNs = nowNs + delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
        if (cause != null && !(cause instanceof IOException) && !(cause instanceof RedisException) &&
            !(cause instanceof RespProtocolException))
        {
            config.errorHandler().onError(cause);
        }
        // Once per outage, not per failed attempt: a node that stays down must not drive a refresh every backoff.
        if (redirectHandler != null && state != CLOSED && state != RETIRED && !outage)
        {
            outage = true;
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

    /** Doubling backoff from {@code min}, capped at {@code max} without overflowing for any minimum. */
    public static long reconnectDelay(final long min, final long max, final int attempt)
    {
        final int headroom = Long.numberOfLeadingZeros(min) - 1;
        final int shift = Math.min(attempt, Math.max(0, headroom));
        return Math.min(max, min << shift);
    }

    private void closeChannel()
    {
        selectionKey = null;
        if (tls != null)
        {
            tls.close();
            tls = null;
        }
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
        // A caller may be mid-pass: wait for it (it keeps the flag for one short pass), then keep the flag for good.
        driveBlocking();
        final long nowNs = System.nanoTime();
        if (state != CLOSED)
        {
            state(CLOSED);
            connectionFailed(nowNs, "client closed", null, -1);
        }
        terminate("client closed before the command was written", nowNs);
    }

    /**
     * Agent, last act on a ring: marks it terminated, then fails everything published up to the cursor. The order
     * closes the race with a producer that passed every check: the flag is written (and fenced) before the cursor
     * is read, and a producer reads the flag after its claim (a CAS on the cursor) and publish. Either the cursor
     * read sees the claim, and this drain waits for its publish, or the producer sees the flag and completes its own
     * slot; {@link CommandSlot#tryTakeFinal()} makes sure only one of the two does.
     */
    private void terminate(final String reason, final long nowNs)
    {
        counters.markClosed();
        ring.terminationReason = reason;
        ring.terminated = true;
        VarHandle.fullFence();
        final RedisConnectionException closed = new RedisConnectionException(
            name + ": " + reason + " (not applied)", false, null);
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
        closeChannel();
    }

    /**
     * Agent: handles the routing layer's requests. A re-route offers queued (never written) commands at the head to
     * {@link RedirectHandler#onUnsent} while the connection cannot write them; a retire closes the connection for
     * good, after which {@link #drainRetired} keeps re-routing until the grace period ends.
     */
    private int onRequests(final long nowNs)
    {
        int work = 0;
        if (retireRequested && state != RETIRED && state != CLOSED)
        {
            retireRequested = false;
            state(RETIRED);
            connectionFailed(nowNs, "node left the cluster topology", null, -1);
            retireDeadlineNs = nowNs + RETIRE_GRACE_NS;
            work++;
        }
        if (rerouteRequested)
        {
            rerouteRequested = false;
            if (state != READY && state != CLOSED)
            {
                work += rerouteQueued();
            }
        }
        return work;
    }

    private int rerouteQueued()
    {
        if (redirectHandler == null || completedSeq != sentSeq || partialBytes > 0)
        {
            return 0;
        }
        int moved = 0;
        while (ring.isAvailable(sentSeq + 1))
        {
            final long sequence = sentSeq + 1;
            final CommandSlot slot = ring.slot(sequence);
            if (slot.kind != CommandSlot.KIND_INTERNAL && slot.kind != CommandSlot.KIND_ABORTED)
            {
                final RedirectedCommand view = redirected.wrap(slot, endpoint, agent);
                boolean taken;
                try
                {
                    taken = redirectHandler.onUnsent(view) && view.taken();
                }
                catch (final Throwable ex)
                {
                    config.errorHandler().onError(ex);
                    taken = view.taken();
                }
                if (!taken)
                {
                    break;
                }
            }
            // A pre-command (the routing layer's, e.g. ASKING) ahead of a re-routed command belongs to this node
            // only: it is dropped with it.
            sentSeq = sequence;
            finishSlot(slot, sequence);
            moved++;
        }
        if (moved > 0)
        {
            ring.completed.set(completedSeq);
        }
        return moved;
    }

    /**
     * Agent, retired connection: re-routes what producers still publish (they routed by an older snapshot), fails
     * what nobody takes, and after the grace period terminates the ring and leaves the agent.
     */
    private int drainRetired(final long nowNs)
    {
        int work = rerouteQueued();
        if (ring.isAvailable(sentSeq + 1))
        {
            work += failQueuedHead(new RedisConnectionException(name + ": node left the cluster topology and no " +
                "other node took the command (not applied)", false, null));
        }
        if (nowNs - retireDeadlineNs > 0)
        {
            terminate("node left the cluster topology", nowNs);
            agent.remove(this);
            free();
            work++;
        }
        return work;
    }

    private int failQueuedHead(final RedisException error)
    {
        int failed = 0;
        while (ring.isAvailable(sentSeq + 1))
        {
            final long sequence = sentSeq + 1;
            final CommandSlot slot = ring.slot(sequence);
            failSlot(slot, error);
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

    /**
     * Client, after every agent stopped: frees the agent-owned off-heap memory. The ring's arena is left to its
     * cleaner: a producer that passed the closing check just before close() may still be encoding into its slot,
     * and an explicit free would turn that race into a use-after-free.
     */
    void free()
    {
        if (freed)
        {
            return;
        }
        freed = true;
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
