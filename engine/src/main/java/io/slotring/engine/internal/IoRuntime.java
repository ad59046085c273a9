package io.slotring.engine.internal;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.slotring.codec.internal.CommandHeader;
import io.slotring.engine.ConnectionSettings;
import io.slotring.engine.RedisConnectionException;
import io.slotring.engine.ReplyHandler;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.IdleStrategy;

/**
 * The threads and memory behind a client: a fixed number of I/O agents on their {@link AgentRunner}s, the buffer
 * pool, and the endpoints they serve. Endpoints are spread over the agents round-robin as they are created; the
 * number of threads never grows with nodes or connections.
 *
 * <p>Public for the cluster module; applications use {@link RedisClient} or the cluster client.
 */
public final class IoRuntime implements AutoCloseable
{
    /** Counters and latency recorders of every connection of this client; snapshots read it from any thread. */
    private final MetricsHub metrics = new MetricsHub();
    private final ConnectionSettings<?> config;
    private final RedirectHandler redirectHandler;
    private final BufferPool pool = new BufferPool();
    private final IoAgent[] agents;
    private final AgentRunner[] runners;
    // Guarded by this: endpoints are created rarely (start, topology change) and from any thread.
    private final List<NodeEndpoint> endpoints = new ArrayList<>();
    private int nextAgent;
    private volatile boolean closing;
    /**
     * Host-name lookups, off the I/O threads (a slow resolver would stall every connection of an agent). One daemon
     * thread, started on first use, stopped at close; lookups are rare (a connection attempt to a name).
     */
    private ExecutorService resolver;
    /** Each caller thread's waiter (sync style); all of them are closed with the runtime. */
    private final ThreadLocal<CallerWaiter> callerWaiters = new ThreadLocal<>();
    // Guarded by this.
    private final List<CallerWaiter> allWaiters = new ArrayList<>();

    /**
     * Starts the I/O threads.
     *
     * @param config          concluded here.
     * @param redirectHandler the routing layer's hook, or null (standalone).
     */
    public IoRuntime(final ConnectionSettings<?> config, final RedirectHandler redirectHandler)
    {
        this.config = config.conclude();
        this.redirectHandler = redirectHandler;
        agents = new IoAgent[config.ioThreads()];
        runners = new AgentRunner[agents.length];
        for (int i = 0; i < agents.length; i++)
        {
            agents[i] = new IoAgent("slotring-io-" + i, this);
            final IdleStrategy idle = config.ioIdleStrategy() != null ? config.ioIdleStrategy().get() :
                new SelectorIdleStrategy(agents[i]);
            runners[i] = new AgentRunner(idle, config.errorHandler(), null, agents[i]);
        }
        for (final AgentRunner runner : runners)
        {
            AgentRunner.startOnThread(runner);
        }
    }

    /**
     * Creates an endpoint and hands its connections to the agents; they connect in the background.
     *
     * @param host          node host.
     * @param port          node port.
     * @param readOnly      opened for replica reads (a metrics label; what the node must be told comes next).
     * @param postHandshake whole commands without arguments that every connection of the node sends after its
     *                      handshake, in order, before any other command (the routing layer's: READONLY for a
     *                      cluster replica); a refusal fails the connect, naming the command and the server's error.
     *                      None for a plain node.
     * @return the endpoint.
     * @throws IllegalArgumentException when a post-handshake command is null or has arguments.
     */
    public synchronized NodeEndpoint endpoint(final String host, final int port, final boolean readOnly,
        final CommandHeader... postHandshake)
    {
        if (closing)
        {
            throw new RedisConnectionException("client closed", false, null);
        }
        final NodeEndpoint endpoint = new NodeEndpoint(this, host, port, readOnly, postHandshake);
        for (final NodeConnection connection : endpoint.connections())
        {
            agents[nextAgent++ % agents.length].add(connection);
        }
        endpoints.add(endpoint);
        return endpoint;
    }

    /**
     * Any thread: hands a dedicated connection, opened on first use, to the next agent. After close it is not
     * attached: its producers find the client closing and fail at once.
     */
    synchronized void attach(final NodeConnection connection)
    {
        if (closing)
        {
            return;
        }
        final IoAgent agent = agents[nextAgent++ % agents.length];
        agent.add(connection);
        agent.wake();
    }

    /**
     * Any thread: looks {@code host} up on the resolver thread and hands the result (an {@link InetSocketAddress},
     * or the failure as a String) to {@code connection}.
     */
    void resolve(final NodeConnection connection, final String host, final int port)
    {
        final ExecutorService executor;
        synchronized (this)
        {
            if (closing)
            {
                return;
            }
            if (resolver == null)
            {
                resolver = Executors.newSingleThreadExecutor(task ->
                {
                    final Thread thread = new Thread(task, "slotring-resolver");
                    thread.setDaemon(true);
                    return thread;
                });
            }
            executor = resolver;
        }
        executor.execute(() ->
        {
            final InetSocketAddress address = new InetSocketAddress(host, port);
            connection.onResolved(address.isUnresolved() ?
                "cannot resolve host " + host + ": no address found" : address);
        });
    }

    /** Caller thread: its waiter, created on first use. */
    CallerWaiter callerWaiter()
    {
        CallerWaiter waiter = callerWaiters.get();
        if (waiter == null)
        {
            waiter = newWaiter();
            callerWaiters.set(waiter);
        }
        return waiter;
    }

    /** A waiter closed with the runtime (a batch keeps its own). */
    synchronized CallerWaiter newWaiter()
    {
        if (closing)
        {
            throw new RedisConnectionException("client closed", false, null);
        }
        final CallerWaiter waiter = new CallerWaiter(config.callerSpinTries());
        allWaiters.add(waiter);
        return waiter;
    }

    /** A retired endpoint: its agent frees its connections; the runtime no longer holds it. */
    synchronized void forget(final NodeEndpoint endpoint)
    {
        endpoints.remove(endpoint);
    }

    /**
     * @return this client's metrics: every connection registers its counters here.
     */
    public MetricsHub metrics()
    {
        return metrics;
    }

    ConnectionSettings<?> config()
    {
        return config;
    }

    BufferPool pool()
    {
        return pool;
    }

    RedirectHandler redirectHandler()
    {
        return redirectHandler;
    }

    boolean isClosing()
    {
        return closing;
    }

    /**
     * @param handler receives replies of the batch's commands.
     * @return a new reusable batch.
     */
    public CommandBatch newBatch(final ReplyHandler handler)
    {
        return new CommandBatch(handler, this);
    }

    /**
     * Completes every pending command with an error, stops every I/O thread, frees the buffers. Idempotent.
     */
    @Override
    public void close()
    {
        synchronized (this)
        {
            if (closing)
            {
                return;
            }
            closing = true;
        }
        final List<NodeEndpoint> open;
        synchronized (this)
        {
            open = new ArrayList<>(endpoints);
        }
        for (final NodeEndpoint endpoint : open)
        {
            // Lessees still waiting for a dedicated connection fail now; the agents fail what is in flight.
            endpoint.dedicated().close("client closed", false);
        }
        CloseHelper.closeAll(runners);
        final ExecutorService lookups;
        synchronized (this)
        {
            lookups = resolver;
        }
        if (lookups != null)
        {
            lookups.shutdownNow();
        }
        final List<NodeEndpoint> all;
        synchronized (this)
        {
            all = new ArrayList<>(endpoints);
        }
        for (final NodeEndpoint endpoint : all)
        {
            for (final NodeConnection connection : endpoint.connections())
            {
                connection.free();
            }
            for (final NodeConnection connection : endpoint.dedicated().connections())
            {
                connection.free();
            }
        }
        pool.close();
        final List<CallerWaiter> waiters;
        synchronized (this)
        {
            waiters = new ArrayList<>(allWaiters);
            allWaiters.clear();
        }
        CloseHelper.closeAll(waiters);
    }
}
