package io.slotring.engine;

import java.util.ArrayList;
import java.util.Arrays;

import org.agrona.concurrent.Agent;
import org.jctools.queues.MpscArrayQueue;

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

    private final String roleName;
    private final IoRuntime runtime;
    private final MpscArrayQueue<NodeConnection> additions = new MpscArrayQueue<>(4096);
    private final RedirectedCommand redirected;
    private NodeConnection[] connections = new NodeConnection[0];
    /** Commands parked for a TRYAGAIN/CLUSTERDOWN backoff; rare, so a plain list scanned when non-empty. */
    private final ArrayList<CommandSlot> parked = new ArrayList<>();
    private final ArrayList<Long> parkedDue = new ArrayList<>();

    IoAgent(final String roleName, final IoRuntime runtime)
    {
        this.roleName = roleName;
        this.runtime = runtime;
        this.redirected = new RedirectedCommand(runtime.pool(), this);
    }

    static boolean isIoThread()
    {
        return IO_THREAD.get() != null;
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

    RedirectedCommand redirected()
    {
        return redirected;
    }

    /** Agent thread: keeps a detached command until {@code dueNs}. */
    void park(final CommandSlot detached, final long dueNs)
    {
        parked.add(detached);
        parkedDue.add(dueNs);
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
        for (final NodeConnection connection : connections)
        {
            work += connection.doWork(nowNs);
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

    private int runDueRetries(final long nowNs)
    {
        int work = 0;
        for (int i = parked.size() - 1; i >= 0; i--)
        {
            if (nowNs - parkedDue.get(i) < 0)
            {
                continue;
            }
            final CommandSlot command = parked.remove(i);
            parkedDue.remove(i);
            work++;
            try
            {
                if (nowNs - command.deadlineNs > 0)
                {
                    command.fail(new RedisTimeoutException("command " + command.commandName +
                        " timed out while waiting to be retried after a redirect (not applied)", false));
                }
                else
                {
                    final RedirectedCommand view = redirected.wrap(command);
                    runtime.redirectHandler().onRetryDue(view);
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
            connection.shutdown();
        }
        final RedisConnectionException closed =
            new RedisConnectionException("client closed while the command waited for a retry (not applied)",
                false, null);
        for (final CommandSlot command : parked)
        {
            command.fail(closed);
            command.releaseDetached(runtime.pool());
        }
        parked.clear();
        parkedDue.clear();
    }

    @Override
    public String roleName()
    {
        return roleName;
    }
}
