package io.slotring.engine.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.function.Consumer;

import io.slotring.engine.RedisBackPressureException;
import io.slotring.engine.RedisConnectionException;
import io.slotring.engine.RedisTimeoutException;
import org.agrona.concurrent.Agent;
import org.jctools.queues.MpscArrayQueue;
import org.jctools.queues.MpscUnboundedArrayQueue;

/**
 * Duty cycle of one I/O thread: for each connection it owns, write what was published, read and complete what
 * arrived, check deadlines; then run the parked retries that are due. Returns the work done so the runner's idle
 * strategy decides what an idle pass costs.
 *
 * <p>Threads: connections are handed over through a JCTools MPSC queue; {@link #connections} and
 * {@link #parked} are touched only by the agent thread. The number of agents is fixed by configuration and never
 * grows with connections.
 */
final class IoAgent implements Agent
{
    // Lets a producer on an I/O thread (a callback submitting a follow-up command) refuse to wait for a slot that
    // only this very thread could free. Read on the slow path only.
    private static final ThreadLocal<Boolean> IO_THREAD = new ThreadLocal<>();
    // Per caller thread, allocated once: > 0 while the caller completes replies itself (see NodeConnection).
    private static final ThreadLocal<int[]> CALLER_IO_DEPTH = ThreadLocal.withInitial(() -> new int[1]);
    private static final VarHandle SLEEPING;

    static
    {
        try
        {
            SLEEPING = MethodHandles.lookup().findVarHandle(IoAgent.class, "sleeping", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final String roleName;
    private final IoRuntime runtime;
    private final MpscArrayQueue<NodeConnection> additions = new MpscArrayQueue<>(4096);
    private final RedirectedCommand redirected;
    private NodeConnection[] connections = new NodeConnection[0];
    /** Commands parked for a TRYAGAIN/CLUSTERDOWN backoff; rare, so a plain list scanned when non-empty. */
    private final ArrayList<CommandSlot> parked = new ArrayList<>();
    /**
     * Parks requested by any thread that handles a redirect (the agent, or a caller reading replies itself); the
     * agent moves them into {@link #parked}, which only it touches.
     */
    private final MpscUnboundedArrayQueue<CommandSlot> parkRequests = new MpscUnboundedArrayQueue<>(64);
    /** Readiness of every owned socket; reads happen only for sockets it reports. Agent thread only. */
    private final Selector selector;
    private final Consumer<SelectionKey> onReady = this::onReady;
    private long passNowNs;
    private int passWork;
    /**
     * 1 while the agent blocks (or is about to block) in its selector. Producers read it after publishing, with a
     * full fence between, and wake the selector; the agent sets it, fences, then re-checks the rings: whichever
     * runs second sees the other's write, so a publish is never left unnoticed for a whole block.
     * <p>
     * Unpadded on purpose, measured: the agent writes {@code passNowNs} and {@code passWork} beside it once per
     * pass, producers read it once per publish. {@code FalseSharingBenchmark} (jmh) found that giving it a padded
     * line of its own (a Disruptor {@code Sequence}) slows the producers' read by the extra indirection (1.50k vs
     * 2.26k reads/us, 2 cores, 2026-11-30) and only speeds up the agent's writes when a producer hammers the line
     * every nanosecond, which real producers never do.
     */
    @SuppressWarnings("unused") // accessed through SLEEPING
    private volatile int sleeping;

    IoAgent(final String roleName, final IoRuntime runtime)
    {
        this.roleName = roleName;
        this.runtime = runtime;
        this.redirected = new RedirectedCommand(runtime.pool());
        try
        {
            this.selector = Selector.open();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot open a selector for " + roleName, ex);
        }
    }

    Selector selector()
    {
        return selector;
    }

    private void onReady(final SelectionKey key)
    {
        passWork += ((NodeConnection)key.attachment()).onReadable(passNowNs);
    }

    /**
     * Agent thread, from its idle strategy: blocks in the selector for up to {@code maxMillis}, unless output is
     * pending. Readable sockets are read before it returns.
     */
    void block(final long maxMillis)
    {
        SLEEPING.setVolatile(this, 1);
        VarHandle.fullFence();
        for (final NodeConnection connection : connections)
        {
            if (connection.hasPendingOutput())
            {
                SLEEPING.setVolatile(this, 0);
                return;
            }
        }
        try
        {
            passNowNs = System.nanoTime();
            passWork = 0;
            selector.select(onReady, maxMillis);
        }
        catch (final IOException ex)
        {
            runtime.config().errorHandler().onError(ex);
        }
        finally
        {
            SLEEPING.setVolatile(this, 0);
        }
    }

    /**
     * Producer, after publishing: wakes the agent when it blocks in its selector. The fence orders the publish
     * before the read of {@link #sleeping} (see there).
     */
    void wake()
    {
        VarHandle.fullFence();
        if ((int)SLEEPING.getVolatile(this) == 1 && SLEEPING.compareAndSet(this, 1, 0))
        {
            selector.wakeup();
        }
    }

    /**
     * @return true on an I/O agent's thread, and on a caller thread while it reads and completes replies itself:
     * a producer there must not wait for a ring slot that only its own thread could free.
     */
    static boolean isIoThread()
    {
        return IO_THREAD.get() != null || CALLER_IO_DEPTH.get()[0] > 0;
    }

    /** A caller thread starts completing replies (it runs handlers that may submit follow-ups). */
    static int[] enterCallerIo()
    {
        final int[] depth = CALLER_IO_DEPTH.get();
        depth[0]++;
        return depth;
    }

    /** The caller thread is done completing replies. */
    static void leaveCallerIo(final int[] depth)
    {
        depth[0]--;
    }

    /**
     * Any thread: hands a connection to this agent, which owns it from its next duty cycle on.
     *
     * @param connection a connection no agent owns yet.
     */
    void add(final NodeConnection connection)
    {
        connection.agent(this);
        if (!additions.offer(connection))
        {
            throw new IllegalStateException(roleName + ": too many pending connection hand-overs");
        }
    }

    /** Any thread: keeps a detached command until {@code dueNs}, then hands it to the redirect handler. */
    void park(final CommandSlot detached, final long dueNs)
    {
        detached.retryDueNs = dueNs;
        parkRequests.offer(detached);
    }

    @Override
    public void onStart()
    {
        IO_THREAD.set(Boolean.TRUE);
    }

    @Override
    public int doWork()
    {
        int work = 0;
        if (!additions.isEmpty())
        {
            work += drainAdditions();
        }
        final long nowNs = System.nanoTime();
        passNowNs = nowNs;
        passWork = 0;
        try
        {
            selector.selectNow(onReady);
        }
        catch (final IOException ex)
        {
            runtime.config().errorHandler().onError(ex);
        }
        work += passWork;
        // The array is re-read: a retired connection removes itself during its own doWork.
        final NodeConnection[] current = connections;
        for (final NodeConnection connection : current)
        {
            work += connection.doWork(nowNs);
        }
        CommandSlot request;
        while ((request = parkRequests.relaxedPoll()) != null)
        {
            parked.add(request);
        }
        if (!parked.isEmpty())
        {
            work += runDueRetries(nowNs);
        }
        return work;
    }

    private int drainAdditions()
    {
        int added = 0;
        NodeConnection connection;
        while ((connection = additions.relaxedPoll()) != null)
        {
            connections = Arrays.copyOf(connections, connections.length + 1);
            connections[connections.length - 1] = connection;
            added++;
        }
        return added;
    }

    /** Agent thread: drops a retired connection from the duty cycle. */
    void remove(final NodeConnection connection)
    {
        final NodeConnection[] current = connections;
        for (int i = 0; i < current.length; i++)
        {
            if (current[i] == connection)
            {
                final NodeConnection[] fewer = new NodeConnection[current.length - 1];
                System.arraycopy(current, 0, fewer, 0, i);
                System.arraycopy(current, i + 1, fewer, i, current.length - i - 1);
                connections = fewer;
                return;
            }
        }
    }

    private int runDueRetries(final long nowNs)
    {
        int work = 0;
        for (int i = parked.size() - 1; i >= 0; i--)
        {
            if (nowNs - parked.get(i).retryDueNs < 0)
            {
                continue;
            }
            final CommandSlot command = parked.remove(i);
            work++;
            try
            {
                if (nowNs - command.deadlineNs >= 0)
                {
                    command.fail(new RedisTimeoutException("command " + command.commandName +
                        " timed out while waiting to be retried after a redirect (not applied)", false));
                }
                else
                {
                    final RedirectedCommand view = redirected.wrap(command, null, this);
                    try
                    {
                        runtime.redirectHandler().onRetryDue(view);
                    }
                    catch (final Throwable ex)
                    {
                        if (!view.taken())
                        {
                            command.fail(new RedisConnectionException("command " + command.commandName +
                                " could not be retried: " + ex + " (not applied)", false, ex));
                        }
                        throw ex;
                    }
                    if (!view.taken())
                    {
                        command.fail(new RedisBackPressureException("command " + command.commandName +
                            " could not be resubmitted after a redirect (not applied)"));
                    }
                }
            }
            catch (final Throwable ex)
            {
                runtime.config().errorHandler().onError(ex);
            }
            finally
            {
                command.releaseDetached(runtime.pool());
            }
        }
        return work;
    }

    @Override
    public void onClose()
    {
        drainAdditions();
        for (final NodeConnection connection : connections)
        {
            final boolean retired = connection.isRetired();
            connection.shutdown();
            if (retired)
            {
                // Its endpoint was already forgotten by the runtime, which frees only the endpoints it knows.
                connection.free();
            }
        }
        final RedisConnectionException closed =
            new RedisConnectionException("client closed while the command waited for a retry (not applied)",
                false, null);
        CommandSlot request;
        while ((request = parkRequests.relaxedPoll()) != null)
        {
            parked.add(request);
        }
        for (final CommandSlot command : parked)
        {
            command.fail(closed);
            command.releaseDetached(runtime.pool());
        }
        parked.clear();
        try
        {
            selector.close();
        }
        catch (final IOException ex)
        {
            runtime.config().errorHandler().onError(ex);
        }
    }

    @Override
    public String roleName()
    {
        return roleName;
    }
}
