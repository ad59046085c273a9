package io.slotring.engine.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.slotring.engine.ConnectionSettings;
import io.slotring.engine.RedisConnectionException;
import io.slotring.engine.RedisTimeoutException;
import io.slotring.engine.ReplyConverter;

/**
 * One node's small pool of dedicated connections ({@link ConnectionSettings#blockingConnectionsPerNode()}, opened
 * lazily on first use) for blocking commands and transactions. They never carry low-latency traffic: a dedicated
 * connection carries exactly one blocking command, or one transaction, at a time, so a long block never delays
 * another caller's command and its deadline (the command's own block time plus the command timeout) resets nothing
 * but itself.
 *
 * <p>Ownership: the pool's lists are guarded by {@code this}; a leased connection belongs to its lessee (the command
 * or the {@code Transaction}) until it is released, which hands it to the longest waiting lessee, if any, before
 * it goes back to the idle list. Each connection is an ordinary {@link NodeConnection} driven by an I/O agent (and
 * by a caller that waits for its own reply), with reconnects, credentials and deadlines as usual. Commands on it are
 * {@link NodeEndpoint#PINNED}: a routing layer never moves them elsewhere, and a redirect is their answer.
 */
public final class DedicatedConnections
{
    /** Deadline offset for a command that blocks forever: about 36 years, i.e. none. */
    static final long NO_DEADLINE_NS = Long.MAX_VALUE / 8;
    private static final Object[][] NOTHING_BEFORE = {};
    private static final Object STANDALONE_WAIT_MARKER = "slotring:wait";

    private final NodeEndpoint endpoint;
    private final IoRuntime runtime;
    private final ConnectionSettings<?> config;
    private final int size;
    // Guarded by this.
    private final List<NodeConnection> all = new ArrayList<>();
    private final ArrayDeque<NodeConnection> idle = new ArrayDeque<>();
    private final ArrayDeque<CompletableFuture<NodeConnection>> waiting = new ArrayDeque<>();
    private String closedReason;

    DedicatedConnections(final NodeEndpoint endpoint, final IoRuntime runtime)
    {
        this.endpoint = endpoint;
        this.runtime = runtime;
        this.config = runtime.config();
        this.size = config.blockingConnectionsPerNode();
    }

    /**
     * Any thread: a free dedicated connection, opened if fewer than the pool's size exist; else completes when one
     * is released (first come, first served).
     *
     * @return the leased connection; failed when the client closed or the node was retired.
     */
    CompletableFuture<NodeConnection> acquire()
    {
        NodeConnection connection;
        boolean created = false;
        synchronized (this)
        {
            if (closedReason == null && runtime.isClosing())
            {
                closedReason = "client closed";
            }
            if (closedReason != null)
            {
                return CompletableFuture.failedFuture(closed());
            }
            connection = idle.pollFirst();
            if (connection == null && all.size() < size)
            {
                connection = new NodeConnection(endpoint.host() + ':' + endpoint.port() + "#dedicated-" + all.size(),
                    endpoint.host(), endpoint.port(), config, runtime.pool(), endpoint, endpoint.isReadOnly());
                all.add(connection);
                created = true;
            }
            if (connection == null)
            {
                final CompletableFuture<NodeConnection> lease = new CompletableFuture<>();
                waiting.addLast(lease);
                return lease;
            }
        }
        if (created)
        {
            runtime.attach(connection);
        }
        return CompletableFuture.completedFuture(connection);
    }

    /**
     * Any thread: the lessee is done with {@code connection}; it goes to the longest waiting lessee whose wait has
     * not ended, else back to the idle list.
     *
     * @param connection a connection {@link #acquire()} returned.
     */
    void release(final NodeConnection connection)
    {
        while (true)
        {
            final CompletableFuture<NodeConnection> next;
            synchronized (this)
            {
                if (closedReason != null)
                {
                    return;
                }
                next = waiting.pollFirst();
                if (next == null)
                {
                    idle.addFirst(connection);
                    return;
                }
            }
            if (next.complete(connection))
            {
                return;
            }
        }
    }

    /**
     * Any thread: a blocking command on a dedicated connection, with the deadline its own block time plus the
     * command timeout (none when it blocks forever). When every dedicated connection is busy it waits for one, at
     * most until that same deadline, and fails as not applied if none came.
     *
     * @param converter turns the reply view into the future's value.
     * @param args      the checked command.
     * @param length    its encoded length.
     * @param blockNs   its block time from {@link CommandChecks#blockTimeNs}, or {@link CommandChecks#BLOCKS_FOREVER}.
     * @param <T>       value type.
     * @return the future.
     */
    <T> CompletableFuture<T> submit(final ReplyConverter<T> converter, final Object[] args, final int length,
        final long blockNs)
    {
        return submit(converter, args, length, System.nanoTime() + budgetNs(blockNs, config.commandTimeoutNs()),
            // Standalone only: on a cluster node (a routing layer is installed) a marker key must be in a slot the
            // node serves, which the routing layer picks (ClusterClient.wait); a pinned WAIT there is sent as is.
            CommandChecks.is(args[0], "WAIT") && runtime.redirectHandler() == null ?
            waitPreamble(STANDALONE_WAIT_MARKER) : NOTHING_BEFORE);
    }

    /**
     * The commands sent right before WAIT on its dedicated connection: a replicated no-op write
     * ({@code MULTI SET marker DEL marker EXEC}, the marker never visible to anyone) so that the connection's write
     * offset, which WAIT compares with the replicas' acknowledged offsets, covers every write the node applied
     * before, including this client's writes over its shared connections. Without it, WAIT on a connection that
     * never wrote counts every connected replica at once.
     *
     * @param markerKey a key of a slot the node serves (cluster), deleted in the same transaction that sets it.
     * @return the commands, in order.
     */
    public static Object[][] waitPreamble(final Object markerKey)
    {
        return new Object[][] {{"MULTI"}, {"SET", markerKey, "1"}, {"DEL", markerKey}, {"EXEC"}};
    }

    /**
     * How long a blocking command may take in all: its block time plus the command timeout, or (practically) for
     * ever when it blocks for ever.
     *
     * @param blockNs          its block time from {@link CommandChecks#blockTimeNs}.
     * @param commandTimeoutNs the client's command timeout.
     * @return the budget in nanoseconds, from its submission.
     */
    public static long budgetNs(final long blockNs, final long commandTimeoutNs)
    {
        return blockNs == CommandChecks.BLOCKS_FOREVER ? NO_DEADLINE_NS : blockNs + commandTimeoutNs;
    }

    /**
     * Any thread: a blocking command on a dedicated connection with a deadline the caller fixed (a routing layer
     * that re-sends a redirected blocking command keeps its original deadline), with any commands sent right before
     * it on the same connection: opaque pre-commands the caller supplies (the cluster's {@code ASKING} for an ASK
     * redirect, {@link #waitPreamble}); their replies are not the caller's, but the first one that fails fails the
     * command. Waits for a free connection at most until the deadline, then fails as not applied.
     *
     * @param converter  turns the reply view into the future's value.
     * @param args       the command; checked here.
     * @param deadlineNs its deadline ({@link System#nanoTime()} based).
     * @param before     commands sent first, in order, on the same connection.
     * @param <T>        value type.
     * @return the future.
     * @throws IllegalArgumentException for a command {@link CommandChecks#checkArguments} refuses; nothing sent.
     */
    public <T> CompletableFuture<T> submit(final ReplyConverter<T> converter, final Object[] args,
        final long deadlineNs, final Object[][] before)
    {
        return submit(converter, args, CommandChecks.checkArguments(args), deadlineNs, before);
    }

    private <T> CompletableFuture<T> submit(final ReplyConverter<T> converter, final Object[] args, final int length,
        final long deadlineNs, final Object[][] before)
    {
        final boolean callerWillWait = before.length == 0 && CallerWaiter.takeWaitIntent();
        final long budgetNs = deadlineNs - System.nanoTime();
        final CompletableFuture<NodeConnection> lease = acquire();
        if (lease.isDone() && !lease.isCompletedExceptionally())
        {
            return run(lease.join(), converter, args, length, deadlineNs, callerWillWait, before);
        }
        if (budgetNs < NO_DEADLINE_NS / 2)
        {
            lease.orTimeout(Math.max(0, budgetNs), TimeUnit.NANOSECONDS);
        }
        return lease.handle((connection, failure) ->
        {
            if (failure != null)
            {
                final Throwable cause = failure instanceof CompletionException && failure.getCause() != null ?
                    failure.getCause() : failure;
                if (cause instanceof TimeoutException)
                {
                    return CompletableFuture.<T>failedFuture(new RedisTimeoutException(Arguments.commandName(args) +
                        ": all " + size + " dedicated connections to " + endpoint.host() + ':' + endpoint.port() +
                        " stayed busy until the command's deadline (blockingConnectionsPerNode; not applied)",
                        false));
                }
                return CompletableFuture.<T>failedFuture(cause);
            }
            return run(connection, converter, args, length, deadlineNs, false, before);
        }).thenCompose(future -> future);
    }

    private <T> CompletableFuture<T> run(final NodeConnection connection, final ReplyConverter<T> converter,
        final Object[] args, final int length, final long deadlineNs, final boolean callerWillWait,
        final Object[][] before)
    {
        final CompletableFuture<T> future;
        final List<CompletableFuture<Throwable>> preamble = new ArrayList<>(before.length);
        try
        {
            for (final Object[] command : before)
            {
                // Adjacent on the same connection (ASKING lets the next command into an importing slot).
                preamble.add(endpoint.submitOn(connection, NodeEndpoint.PINNED, ReplyConverters.OBJECT, command,
                    Arguments.encodedLength(command), deadlineNs, false).handle((value, failure) -> failure));
            }
            future = endpoint.submitOn(connection, NodeEndpoint.PINNED, converter, args, length, deadlineNs,
                callerWillWait);
        }
        catch (final RuntimeException | Error ex)
        {
            release(connection);
            throw ex;
        }
        future.whenComplete((value, failure) -> release(connection));
        if (preamble.isEmpty())
        {
            return future;
        }
        // Replies come in order: every preamble reply is in when the command's is.
        return future.handle((value, failure) ->
        {
            for (final CompletableFuture<Throwable> command : preamble)
            {
                final Throwable refused = command.getNow(null);
                if (refused != null)
                {
                    return CompletableFuture.<T>failedFuture(refused instanceof CompletionException &&
                        refused.getCause() != null ? refused.getCause() : refused);
                }
            }
            return failure == null ? CompletableFuture.completedFuture(value) : CompletableFuture.<T>failedFuture(
                failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure);
        }).thenCompose(result -> result);
    }

    /**
     * Any thread: leases a dedicated connection for a transaction without blocking the caller.
     *
     * @return completes with the lease (release it exactly once), or fails with {@link RedisTimeoutException} when
     * every dedicated connection stayed busy for the command timeout, or {@link RedisConnectionException} when the
     * client closed or the node left the topology.
     */
    public CompletableFuture<Lease> leaseAsync()
    {
        final CompletableFuture<NodeConnection> lease = acquire();
        if (lease.isDone() && !lease.isCompletedExceptionally())
        {
            return CompletableFuture.completedFuture(new Lease(lease.join()));
        }
        lease.orTimeout(config.commandTimeoutNs(), TimeUnit.NANOSECONDS);
        return lease.handle((connection, failure) ->
        {
            if (failure == null)
            {
                return new Lease(connection);
            }
            final Throwable cause = failure instanceof CompletionException && failure.getCause() != null ?
                failure.getCause() : failure;
            if (cause instanceof TimeoutException)
            {
                throw new RedisTimeoutException("all " + size + " dedicated connections to " + endpoint.host() +
                    ':' + endpoint.port() + " stayed busy for the command timeout of " +
                    config.commandTimeoutNs() / 1_000_000 + "ms (blockingConnectionsPerNode; nothing sent)", false);
            }
            throw cause instanceof RuntimeException ? (RuntimeException)cause : new RedisConnectionException(
                "could not lease a dedicated connection: " + cause, false, cause);
        });
    }

    /**
     * Caller thread: leases a dedicated connection for a transaction, waiting at most the command timeout for one.
     *
     * @return the lease; release it exactly once.
     * @throws RedisTimeoutException    when every dedicated connection stayed busy for the command timeout.
     * @throws RedisConnectionException when the client closed or the node left the topology.
     */
    public Lease lease()
    {
        final CompletableFuture<NodeConnection> lease = acquire();
        try
        {
            return new Lease(lease.get(config.commandTimeoutNs(), TimeUnit.NANOSECONDS));
        }
        catch (final TimeoutException ex)
        {
            if (!lease.completeExceptionally(ex))
            {
                // Handed over just now: give it back.
                release(lease.join());
            }
            throw new RedisTimeoutException("all " + size + " dedicated connections to " + endpoint.host() + ':' +
                endpoint.port() + " stayed busy for the command timeout of " + config.commandTimeoutNs() / 1_000_000 +
                "ms (blockingConnectionsPerNode; nothing sent)", false);
        }
        catch (final java.util.concurrent.ExecutionException ex)
        {
            throw ex.getCause() instanceof RuntimeException ? (RuntimeException)ex.getCause() :
                new RedisConnectionException("could not lease a dedicated connection: " + ex.getCause(), false,
                ex.getCause());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            if (!lease.completeExceptionally(ex))
            {
                release(lease.join());
            }
            throw new RedisConnectionException("interrupted while waiting for a dedicated connection (nothing sent)",
                false, ex);
        }
    }

    /**
     * One dedicated connection held by one lessee (a transaction) until {@link #release()}: nobody else's command
     * lands on it meanwhile.
     */
    public final class Lease
    {
        private final NodeConnection connection;
        private boolean released;

        private Lease(final NodeConnection connection)
        {
            this.connection = connection;
        }

        /**
         * Any thread: a command on the leased connection, behind the ones sent before it, with the command timeout
         * as its deadline; a redirect or any error reply is its answer (never re-sent elsewhere).
         *
         * @param converter turns the reply view into the future's value.
         * @param args      the command, checked by the caller.
         * @param <T>       value type.
         * @return the future.
         */
        public <T> CompletableFuture<T> submit(final ReplyConverter<T> converter, final Object... args)
        {
            return endpoint.submitOn(connection, NodeEndpoint.PINNED, converter, args, Arguments.encodedLength(args),
                System.nanoTime() + config.commandTimeoutNs(), false);
        }

        /**
         * @return the connection's name, for messages.
         */
        public String name()
        {
            return connection.name();
        }

        /**
         * Gives the connection back to the pool; later calls do nothing.
         */
        public void release()
        {
            if (!released)
            {
                released = true;
                DedicatedConnections.this.release(connection);
            }
        }
    }

    /**
     * Any thread, once: the client closes or the node left the topology. Waiting lessees fail as not applied;
     * connections retire when {@code retire} is set (the client's close shuts them down itself).
     *
     * @param reason  why, for messages.
     * @param retire  retire the connections (node left the topology).
     */
    void close(final String reason, final boolean retire)
    {
        final List<CompletableFuture<NodeConnection>> pending;
        final List<NodeConnection> connections;
        synchronized (this)
        {
            if (closedReason != null)
            {
                return;
            }
            closedReason = reason;
            pending = new ArrayList<>(waiting);
            waiting.clear();
            idle.clear();
            connections = new ArrayList<>(all);
        }
        final RedisConnectionException closed = closed();
        for (final CompletableFuture<NodeConnection> lease : pending)
        {
            lease.completeExceptionally(closed);
        }
        if (retire)
        {
            for (final NodeConnection connection : connections)
            {
                connection.requestRetire();
            }
        }
    }

    /** @return every dedicated connection opened so far. */
    synchronized List<NodeConnection> connections()
    {
        return new ArrayList<>(all);
    }

    /** @return how many dedicated connections were opened so far (tests). */
    public synchronized int opened()
    {
        return all.size();
    }

    private RedisConnectionException closed()
    {
        return new RedisConnectionException(endpoint.host() + ':' + endpoint.port() + ": " + closedReason +
            " before a dedicated connection was free (command not applied)", false, null);
    }
}
