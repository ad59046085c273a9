package io.slotring.engine;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.slotring.codec.CommandHeader;
import io.slotring.codec.RespEncoder;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.IdleStrategy;

/**
 * A client of one Redis server (standalone mode), in three styles over one engine:
 * <ul>
 *   <li>zero-copy callbacks on this class: {@code get(key, handler, token)} returns a code, never throws on
 *       back-pressure, allocates nothing; the handler sees the reply as a view valid during the call;</li>
 *   <li>{@link #async()}: {@code CompletableFuture}s of Java values;</li>
 *   <li>{@link #sync()}: blocking calls bounded by the command timeout.</li>
 * </ul>
 *
 * <p>Each command is claimed into a slot of a preallocated Disruptor ring (one ring per connection), encoded in
 * place into the slot's off-heap region, and published; an I/O agent writes everything published since its last
 * pass in one gathering write and completes replies in FIFO order. With {@code connectionsPerNode > 1} commands
 * are spread round-robin.
 *
 * <pre>{@code
 * try (RedisClient client = RedisClient.connect(ClientConfig.create().address("127.0.0.1", 6379))) {
 *     client.sync().set("k", "v");
 *     String v = client.async().get("k").join();
 * }
 * }</pre>
 *
 * <p>Thread-safe: any number of threads may submit. Reply handlers and future completions run on I/O threads.
 */
public final class RedisClient implements AutoCloseable
{
    /** The ring stayed full (at once under FAIL_FAST, for the command timeout under WAIT): nothing was sent. */
    public static final long BACK_PRESSURED = -1;
    /** The client is closed: nothing was sent. */
    public static final long CLOSED = -3;

    private final ClientConfig config;
    private final BufferPool pool = new BufferPool();
    private final NodeConnection[] connections;
    private final AgentRunner[] runners;
    private final AsyncCommands async;
    private final SyncCommands sync;
    // Racy round-robin: a lost increment only skews the spread a little; an atomic would be a contended line.
    private int roundRobin;
    private volatile boolean closing;

    private RedisClient(final ClientConfig config)
    {
        this.config = config.conclude();
        final int count = config.connectionsPerNode();
        connections = new NodeConnection[count];
        final IoAgent[] agents = new IoAgent[Math.min(config.ioThreads(), count)];
        for (int i = 0; i < agents.length; i++)
        {
            agents[i] = new IoAgent("slotring-io-" + i);
        }
        for (int i = 0; i < count; i++)
        {
            connections[i] = new NodeConnection(
                config.host() + ':' + config.port() + '#' + i, config.host(), config.port(), config, pool);
            agents[i % agents.length].add(connections[i]);
        }
        runners = new AgentRunner[agents.length];
        for (int i = 0; i < agents.length; i++)
        {
            runners[i] = new AgentRunner(config.ioIdleStrategy().get(), config.errorHandler(), null, agents[i]);
            AgentRunner.startOnThread(runners[i]);
        }
        async = new AsyncCommands(this);
        sync = new SyncCommands(async, config.commandTimeoutNs());
    }

    /**
     * Starts the I/O threads and waits until at least one connection completed its handshake.
     *
     * @param config concluded here; owned by the client afterwards.
     * @return a connected client.
     * @throws RedisConnectionException when no connection is ready within the connect timeout; the client is
     *                                  closed and its threads stopped.
     */
    public static RedisClient connect(final ClientConfig config)
    {
        final RedisClient client = new RedisClient(config);
        final long deadline = System.nanoTime() + config.connectTimeoutNs();
        while (!client.anyReady())
        {
            if (System.nanoTime() - deadline > 0)
            {
                final String why = client.connections[0].lastError;
                client.close();
                throw new RedisConnectionException("could not connect to " + config.host() + ':' + config.port() +
                    " within " + config.connectTimeoutNs() / 1_000_000 + "ms" + (why != null ? ": " + why : ""),
                    false, null);
            }
            sleepBriefly();
        }
        return client;
    }

    private static void sleepBriefly()
    {
        try
        {
            Thread.sleep(1);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new RedisConnectionException("interrupted while connecting", false, ex);
        }
    }

    private boolean anyReady()
    {
        for (final NodeConnection connection : connections)
        {
            if (connection.isReady())
            {
                return true;
            }
        }
        return false;
    }

    /**
     * @return the async style over this client.
     */
    public AsyncCommands async()
    {
        return async;
    }

    /**
     * @return the sync style over this client.
     */
    public SyncCommands sync()
    {
        return sync;
    }

    /**
     * @param handler receives every reply of the batch's commands.
     * @return a new reusable batch; allocate once per worker thread.
     */
    public Batch newBatch(final ReplyHandler handler)
    {
        return new Batch(handler, config.callerSpinTries());
    }

    // ---------------------------------------------------------------------------------------------------------
    // Zero-copy style. Each returns a non-negative number when the command was published, or BACK_PRESSURED /
    // CLOSED; it never throws for those and allocates nothing.
    // ---------------------------------------------------------------------------------------------------------

    /**
     * GET.
     *
     * @param key     the key bytes.
     * @param handler receives the bulk reply (null bulk when the key is missing).
     * @param token   passed back to the handler.
     * @return a non-negative number when published, else {@link #BACK_PRESSURED} or {@link #CLOSED}.
     */
    public long get(final byte[] key, final ReplyHandler handler, final long token)
    {
        final NodeConnection connection = next();
        final long sequence = claim(connection);
        if (sequence < 0)
        {
            return sequence;
        }
        begin(connection, sequence, CommandHeader.GET.length() + RespEncoder.bulkLength(key.length))
            .header(CommandHeader.GET).bulk(key);
        return commit(connection, sequence, "GET", handler, null, token);
    }

    /**
     * GET of a key held in a buffer range (any offset).
     *
     * @param key     buffer holding the key.
     * @param offset  first byte of the key.
     * @param length  key length.
     * @param handler receives the reply.
     * @param token   passed back to the handler.
     * @return a non-negative number when published, else {@link #BACK_PRESSURED} or {@link #CLOSED}.
     */
    public long get(final DirectBuffer key, final int offset, final int length, final ReplyHandler handler,
        final long token)
    {
        final NodeConnection connection = next();
        final long sequence = claim(connection);
        if (sequence < 0)
        {
            return sequence;
        }
        begin(connection, sequence, CommandHeader.GET.length() + RespEncoder.bulkLength(length))
            .header(CommandHeader.GET).bulk(key, offset, length);
        return commit(connection, sequence, "GET", handler, null, token);
    }

    /**
     * GET of a text key (UTF-8).
     *
     * @param key     the key.
     * @param handler receives the reply.
     * @param token   passed back to the handler.
     * @return a non-negative number when published, else {@link #BACK_PRESSURED} or {@link #CLOSED}.
     */
    public long get(final CharSequence key, final ReplyHandler handler, final long token)
    {
        final NodeConnection connection = next();
        final long sequence = claim(connection);
        if (sequence < 0)
        {
            return sequence;
        }
        begin(connection, sequence, CommandHeader.GET.length() + RespEncoder.bulkLength(key))
            .header(CommandHeader.GET).bulk(key);
        return commit(connection, sequence, "GET", handler, null, token);
    }

    /**
     * GET as part of a batch: the batch's handler receives the reply, {@link Batch#await} waits for it.
     *
     * @param key   the key bytes.
     * @param batch the caller's reusable batch.
     * @param token passed back to the batch's handler.
     * @return a non-negative number when published, else {@link #BACK_PRESSURED} or {@link #CLOSED}.
     */
    public long get(final byte[] key, final Batch batch, final long token)
    {
        final NodeConnection connection = next();
        final long sequence = claim(connection);
        if (sequence < 0)
        {
            return sequence;
        }
        begin(connection, sequence, CommandHeader.GET.length() + RespEncoder.bulkLength(key.length))
            .header(CommandHeader.GET).bulk(key);
        return commit(connection, sequence, "GET", batch.handler(), batch, token);
    }

    /**
     * SET key value.
     *
     * @param key     the key bytes.
     * @param value   the value bytes.
     * @param handler receives {@code +OK}.
     * @param token   passed back to the handler.
     * @return a non-negative number when published, else {@link #BACK_PRESSURED} or {@link #CLOSED}.
     */
    public long set(final byte[] key, final byte[] value, final ReplyHandler handler, final long token)
    {
        final NodeConnection connection = next();
        final long sequence = claim(connection);
        if (sequence < 0)
        {
            return sequence;
        }
        begin(connection, sequence, CommandHeader.SET.length() + RespEncoder.bulkLength(key.length) +
            RespEncoder.bulkLength(value.length)).header(CommandHeader.SET).bulk(key).bulk(value);
        return commit(connection, sequence, "SET", handler, null, token);
    }

    /**
     * SET of buffer ranges (any offsets).
     *
     * @param key         buffer holding the key.
     * @param keyOffset   first key byte.
     * @param keyLength   key length.
     * @param value       buffer holding the value.
     * @param valueOffset first value byte.
     * @param valueLength value length.
     * @param handler     receives {@code +OK}.
     * @param token       passed back to the handler.
     * @return a non-negative number when published, else {@link #BACK_PRESSURED} or {@link #CLOSED}.
     */
    public long set(final DirectBuffer key, final int keyOffset, final int keyLength, final DirectBuffer value,
        final int valueOffset, final int valueLength, final ReplyHandler handler, final long token)
    {
        final NodeConnection connection = next();
        final long sequence = claim(connection);
        if (sequence < 0)
        {
            return sequence;
        }
        begin(connection, sequence, CommandHeader.SET.length() + RespEncoder.bulkLength(keyLength) +
            RespEncoder.bulkLength(valueLength)).header(CommandHeader.SET)
            .bulk(key, keyOffset, keyLength).bulk(value, valueOffset, valueLength);
        return commit(connection, sequence, "SET", handler, null, token);
    }

    /**
     * SET as part of a batch.
     *
     * @param key   the key bytes.
     * @param value the value bytes.
     * @param batch the caller's reusable batch.
     * @param token passed back to the batch's handler.
     * @return a non-negative number when published, else {@link #BACK_PRESSURED} or {@link #CLOSED}.
     */
    public long set(final byte[] key, final byte[] value, final Batch batch, final long token)
    {
        final NodeConnection connection = next();
        final long sequence = claim(connection);
        if (sequence < 0)
        {
            return sequence;
        }
        begin(connection, sequence, CommandHeader.SET.length() + RespEncoder.bulkLength(key.length) +
            RespEncoder.bulkLength(value.length)).header(CommandHeader.SET).bulk(key).bulk(value);
        return commit(connection, sequence, "SET", batch.handler(), batch, token);
    }

    /**
     * Any command, zero-copy reply. The varargs array is the only allocation.
     *
     * @param handler receives the reply.
     * @param token   passed back to the handler.
     * @param args    command name and arguments: {@code byte[]}, {@code CharSequence} or numbers.
     * @return a non-negative number when published, else {@link #BACK_PRESSURED} or {@link #CLOSED}.
     */
    public long execute(final ReplyHandler handler, final long token, final Object... args)
    {
        final int length = Arguments.encodedLength(args);
        final NodeConnection connection = next();
        final long sequence = claim(connection);
        if (sequence < 0)
        {
            return sequence;
        }
        Arguments.encode(begin(connection, sequence, length), args);
        return commit(connection, sequence, Arguments.commandName(args), handler, null, token);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Engine internals shared by the three styles.
    // ---------------------------------------------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    <T> CompletableFuture<T> submit(final ReplyConverter<T> converter, final Object... args)
    {
        final int length = Arguments.encodedLength(args);
        final NodeConnection connection = next();
        final long sequence = claim(connection);
        if (sequence < 0)
        {
            return CompletableFuture.failedFuture(claimFailure(connection, sequence));
        }
        Arguments.encode(begin(connection, sequence, length), args);
        final CommandSlot slot = connection.ring.slot(sequence);
        final CompletableFuture<Object> future = new CompletableFuture<>();
        slot.kind = CommandSlot.KIND_FUTURE;
        slot.future = future;
        slot.converter = converter;
        slot.commandName = Arguments.commandName(args);
        slot.deadlineNs = System.nanoTime() + config.commandTimeoutNs();
        publish(connection, sequence);
        return (CompletableFuture<T>)future;
    }

    private RedisException claimFailure(final NodeConnection connection, final long code)
    {
        if (code == CLOSED)
        {
            return new RedisConnectionException("client closed (command not applied)", false, null);
        }
        return new RedisBackPressureException(connection.name() + ": ring of " + connection.ring.size() +
            " slots full" + (config.backPressure() == ClientConfig.BackPressure.WAIT ?
            " for the command timeout of " + config.commandTimeoutNs() / 1_000_000 + "ms" : "") +
            " (command not applied)");
    }

    private NodeConnection next()
    {
        final NodeConnection[] connections = this.connections;
        if (connections.length == 1)
        {
            return connections[0];
        }
        final int index = roundRobin++;
        return connections[(index & Integer.MAX_VALUE) % connections.length];
    }

    private long claim(final NodeConnection connection)
    {
        if (closing)
        {
            return CLOSED;
        }
        final long sequence = connection.ring.tryClaim();
        if (sequence >= 0)
        {
            return sequence;
        }
        // An I/O thread never waits: the slot it waits for may be one only it can free.
        return config.backPressure() == ClientConfig.BackPressure.FAIL_FAST || IoAgent.isIoThread() ?
            BACK_PRESSURED : claimWaiting(connection);
    }

    private long claimWaiting(final NodeConnection connection)
    {
        final IdleStrategy idle = config.producerIdleStrategy().get();
        final long deadline = System.nanoTime() + config.commandTimeoutNs();
        while (true)
        {
            if (closing)
            {
                return CLOSED;
            }
            final long sequence = connection.ring.tryClaim();
            if (sequence >= 0)
            {
                idle.reset();
                return sequence;
            }
            if (System.nanoTime() - deadline > 0)
            {
                return BACK_PRESSURED;
            }
            idle.idle();
        }
    }

    private RespEncoder begin(final NodeConnection connection, final long sequence, final int length)
    {
        return connection.ring.slot(sequence).beginEncode(length, pool);
    }

    private long commit(final NodeConnection connection, final long sequence, final String name,
        final ReplyHandler handler, final Batch batch, final long token)
    {
        final CommandSlot slot = connection.ring.slot(sequence);
        slot.kind = CommandSlot.KIND_HANDLER;
        slot.handler = handler;
        slot.batch = batch;
        slot.token = token;
        slot.commandName = name;
        slot.deadlineNs = System.nanoTime() + config.commandTimeoutNs();
        if (batch != null)
        {
            batch.onSubmit();
        }
        publish(connection, sequence);
        return sequence;
    }

    private void publish(final NodeConnection connection, final long sequence)
    {
        final CommandRing ring = connection.ring;
        ring.publish(sequence);
        if (ring.terminated)
        {
            // Published after the agent's final drain: nobody else will complete it.
            final CommandSlot slot = ring.slot(sequence);
            if (slot.tryTakeFinal())
            {
                slot.fail(new RedisConnectionException("client closed (command not applied)", false, null));
                slot.clear(pool);
            }
        }
    }

    /**
     * Completes every pending command with an error (written ones: may have been applied; queued ones: not
     * applied), stops every I/O thread and frees the buffers. Idempotent.
     */
    @Override
    public void close()
    {
        if (closing)
        {
            return;
        }
        closing = true;
        CloseHelper.closeAll(runners);
        for (final NodeConnection connection : connections)
        {
            connection.free();
        }
        pool.close();
    }

    /**
     * @param timeout how long to wait.
     * @param unit    unit of timeout.
     * @return true when every connection is ready (handshake done) within the time.
     */
    public boolean awaitAllConnected(final long timeout, final TimeUnit unit)
    {
        final long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (true)
        {
            boolean all = true;
            for (final NodeConnection connection : connections)
            {
                all &= connection.isReady();
            }
            if (all)
            {
                return true;
            }
            if (System.nanoTime() - deadline > 0)
            {
                return false;
            }
            sleepBriefly();
        }
    }

    @Override
    public String toString()
    {
        return "RedisClient{" + config + '}';
    }
}
