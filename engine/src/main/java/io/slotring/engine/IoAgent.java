package io.slotring.engine;

import java.util.Arrays;

import org.agrona.concurrent.Agent;
import org.jctools.queues.MpscArrayQueue;

/**
 * Duty cycle of one I/O thread: for each connection it owns, write what was published, read and complete what
 * arrived, check deadlines. Returns the work done so the runner's idle strategy decides what an idle pass costs.
 *
 * <p>Threads: connections are handed over through a JCTools MPSC queue; {@link #connections} is touched only by
 * the agent thread. The number of agents is fixed by configuration and never grows with connections.
 */
final class IoAgent implements Agent
{
    // Lets a producer on an I/O thread (a callback submitting a follow-up command) refuse to wait for a slot that
    // only this very thread could free. Read on the slow path only.
    private static final ThreadLocal<Boolean> IO_THREAD = new ThreadLocal<>();

    private final String roleName;
    private final MpscArrayQueue<NodeConnection> additions = new MpscArrayQueue<>(1024);
    private NodeConnection[] connections = new NodeConnection[0];

    IoAgent(final String roleName)
    {
        this.roleName = roleName;
    }

    /**
     * Any thread: hands a connection to this agent, which owns it from its next duty cycle on.
     *
     * @param connection a connection no agent owns yet.
     */
    void add(final NodeConnection connection)
    {
        if (!additions.offer(connection))
        {
            throw new IllegalStateException(roleName + ": too many pending connection hand-overs");
        }
    }

    static boolean isIoThread()
    {
        return IO_THREAD.get() != null;
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
            NodeConnection added;
            while ((added = additions.relaxedPoll()) != null)
            {
                connections = Arrays.copyOf(connections, connections.length + 1);
                connections[connections.length - 1] = added;
                work++;
            }
        }
        final long nowNs = System.nanoTime();
        for (final NodeConnection connection : connections)
        {
            work += connection.doWork(nowNs);
        }
        return work;
    }

    @Override
    public void onClose()
    {
        NodeConnection added;
        while ((added = additions.relaxedPoll()) != null)
        {
            connections = Arrays.copyOf(connections, connections.length + 1);
            connections[connections.length - 1] = added;
        }
        for (final NodeConnection connection : connections)
        {
            connection.shutdown();
        }
    }

    @Override
    public String roleName()
    {
        return roleName;
    }
}
