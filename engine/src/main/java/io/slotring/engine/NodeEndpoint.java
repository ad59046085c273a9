package io.slotring.engine;

import java.util.concurrent.CompletableFuture;

import io.slotring.codec.CommandHeader;
import io.slotring.codec.RespEncoder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One Redis node as the engine sees it: {@code connectionsPerNode} connections, each with its own ring, and the
 * zero-copy submission path. Commands are spread over the connections round-robin with a counter that belongs to
 * this node alone: no counter or lock is shared across nodes.
 *
 * <p>Applications use {@link RedisClient} or the cluster client; this type is public for the cluster module,
 * which routes each command to the endpoint owning its slot.
 *
 * <p>Every submission method returns a non-negative number when the command was published, or
 * {@link RedisClient#BACK_PRESSURED} / {@link RedisClient#CLOSED}; it never throws for those and allocates nothing.
 */
public final class NodeEndpoint
{
    private static final CommandHeader ASKING = CommandHeader.of(1, "ASKING");

    private final IoRuntime runtime;
    private final ClientConfig config;
    private final BufferPool pool;
    private final String host;
    private final int port;
    private final boolean readOnly;
    private final NodeConnection[] connections;
    // Racy round-robin: a lost increment only skews the spread; an atomic would make this a contended line.
    private int roundRobin;

    NodeEndpoint(final IoRuntime runtime, final String host, final int port, final boolean readOnly)
    {
        this.runtime = runtime;
        this.config = runtime.config();
        this.pool = runtime.pool();
        this.host = host;
        this.port = port;
        this.readOnly = readOnly;
        final int count = config.connectionsPerNode();
        connections = new NodeConnection[count];
        for (int i = 0; i < count; i++)
        {
            connections[i] = new NodeConnection(
                host + ':' + port + '#' + i, host, port, config, pool, this, readOnly);
        }
    }

    NodeConnection[] connections()
    {
        return connections;
    }

    /**
     * @return host of the node.
     */
    public String host()
    {
        return host;
    }

    /**
     * @return port of the node.
     */
    public int port()
    {
        return port;
    }

    /**
     * @return true when its connections send READONLY (replica reads).
     */
    public boolean isReadOnly()
    {
        return readOnly;
    }

    /**
     * @return true when at least one connection completed its handshake.
     */
    public boolean isReady()
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
     * @return true when every connection completed its handshake.
     */
    public boolean isFullyConnected()
    {
        for (final NodeConnection connection : connections)
        {
            if (!connection.isReady())
            {
                return false;
            }
        }
        return true;
    }

    /**
     * @return why the last connection attempt failed, or null.
     */
    public String lastError()
    {
        for (final NodeConnection connection : connections)
        {
            final String error = connection.lastError;
            if (error != null)
            {
                return error;
            }
        }
        return null;
    }

    RedirectHandler redirectHandler()
    {
        return runtime.redirectHandler();
    }

    /**
     * GET.
     *
     * @param key     the key bytes.
     * @param handler receives the reply, or the batch's handler when {@code batch} is set.
     * @param batch   the caller's batch, or null.
     * @param token   passed back to the handler.
     * @return a non-negative number when published, else a negative code.
     */
    public long get(final byte[] key, final ReplyHandler handler, final Batch batch, final long token)
    {
        final NodeConnection connection = next(batch);
        final long sequence = claim(connection);
        if (sequence < 0)
        {
            return sequence;
        }
        begin(connection, sequence, CommandHeader.GET.length() + RespEncoder.bulkLength(key.length))
            .header(CommandHeader.GET).bulk(key);
        return commit(connection, sequence, "GET", handler, batch, token);
    }

    /**
     * GET of a key in a buffer range.
     *
     * @param key     buffer holding the key.
     * @param offset  first key byte.
     * @param length  key length.
     * @param handler receives the reply, or the batch's handler when {@code batch} is set.
     * @param batch   the caller's batch, or null.
     * @param token   passed back to the handler.
     * @return a non-negative number when published, else a negative code.
     */
    public long get(final DirectBuffer key, final int offset, final int length, final ReplyHandler handler,
        final Batch batch, final long token)
    {
        final NodeConnection connection = next(batch);
        final long sequence = claim(connection);
        if (sequence < 0)
        {
            return sequence;
        }
        begin(connection, sequence, CommandHeader.GET.length() + RespEncoder.bulkLength(length))
            .header(CommandHeader.GET).bulk(key, offset, length);
        return commit(connection, sequence, "GET", handler, batch, token);
    }

    /**
     * GET of a text key.
     *
     * @param key     the key, UTF-8 encoded in place.
     * @param handler receives the reply, or the batch's handler when {@code batch} is set.
     * @param batch   the caller's batch, or null.
     * @param token   passed back to the handler.
     * @return a non-negative number when published, else a negative code.
     */
    public long get(final CharSequence key, final ReplyHandler handler, final Batch batch, final long token)
    {
        final NodeConnection connection = next(batch);
        final long sequence = claim(connection);
        if (sequence < 0)
        {
            return sequence;
        }
        begin(connection, sequence, CommandHeader.GET.length() + RespEncoder.bulkLength(key))
            .header(CommandHeader.GET).bulk(key);
        return commit(connection, sequence, "GET", handler, batch, token);
    }

    /**
     * SET key value.
     *
     * @param key     the key bytes.
     * @param value   the value bytes.
     * @param handler receives the reply, or the batch's handler when {@code batch} is set.
     * @param batch   the caller's batch, or null.
     * @param token   passed back to the handler.
     * @return a non-negative number when published, else a negative code.
     */
    public long set(final byte[] key, final byte[] value, final ReplyHandler handler, final Batch batch,
        final long token)
    {
        final NodeConnection connection = next(batch);
        final long sequence = claim(connection);
        if (sequence < 0)
        {
            return sequence;
        }
        begin(connection, sequence, CommandHeader.SET.length() + RespEncoder.bulkLength(key.length) +
            RespEncoder.bulkLength(value.length)).header(CommandHeader.SET).bulk(key).bulk(value);
        return commit(connection, sequence, "SET", handler, batch, token);
    }

    /**
     * SET of buffer ranges.
     *
     * @param key         buffer holding the key.
     * @param keyOffset   first key byte.
     * @param keyLength   key length.
     * @param value       buffer holding the value.
     * @param valueOffset first value byte.
     * @param valueLength value length.
     * @param handler     receives the reply, or the batch's handler when {@code batch} is set.
     * @param batch       the caller's batch, or null.
     * @param token       passed back to the handler.
     * @return a non-negative number when published, else a negative code.
     */
    public long set(final DirectBuffer key, final int keyOffset, final int keyLength, final DirectBuffer value,
        final int valueOffset, final int valueLength, final ReplyHandler handler, final Batch batch,
        final long token)
    {
        final NodeConnection connection = next(batch);
        final long sequence = claim(connection);
        if (sequence < 0)
        {
            return sequence;
        }
        begin(connection, sequence, CommandHeader.SET.length() + RespEncoder.bulkLength(keyLength) +
            RespEncoder.bulkLength(valueLength)).header(CommandHeader.SET)
            .bulk(key, keyOffset, keyLength).bulk(value, valueOffset, valueLength);
        return commit(connection, sequence, "SET", handler, batch, token);
    }

    /**
     * Any command with a zero-copy reply.
     *
     * @param handler receives the reply, or the batch's handler when {@code batch} is set.
     * @param batch   the caller's batch, or null.
     * @param token   passed back to the handler.
     * @param args    command name and arguments: {@code byte[]}, {@code CharSequence} or numbers.
     * @return a non-negative number when published, else a negative code.
     */
    public long execute(final ReplyHandler handler, final Batch batch, final long token, final Object... args)
    {
        final int length = Arguments.encodedLength(args);
        final NodeConnection connection = next(batch);
        final long sequence = claim(connection);
        if (sequence < 0)
        {
            return sequence;
        }
        Arguments.encode(begin(connection, sequence, length), args);
        return commit(connection, sequence, Arguments.commandName(args), handler, batch, token);
    }

    /**
     * Any command, completing a future with the converted reply.
     *
     * @param converter turns the reply view into the future's value.
     * @param args      command name and arguments.
     * @param <T>       value type.
     * @return the future; failed at once on back-pressure or a closed client.
     */
    @SuppressWarnings("unchecked")
    public <T> CompletableFuture<T> submit(final ReplyConverter<T> converter, final Object... args)
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
        slot.redirects = 0;
        publish(connection, sequence, sequence, true);
        return (CompletableFuture<T>)future;
    }

    RedisException claimFailure(final NodeConnection connection, final long code)
    {
        if (code == RedisClient.CLOSED)
        {
            return new RedisConnectionException("client closed (command not applied)", false, null);
        }
        return new RedisBackPressureException(connection.name() + ": ring of " + connection.ring.size() +
            " slots full" + (config.backPressure() == ClientConfig.BackPressure.WAIT ?
            " for the command timeout of " + config.commandTimeoutNs() / 1_000_000 + "ms" : "") +
            " (command not applied)");
    }

    /**
     * Resubmission of a redirected command (I/O thread, or the agent running a parked retry): never waits.
     */
    boolean resubmit(final CommandSlot source, final DirectBuffer bytes, final boolean asking)
    {
        if (runtime.isClosing())
        {
            return false;
        }
        final NodeConnection connection = next();
        final CommandRing ring = connection.ring;
        final long high = ring.tryClaim(asking ? 2 : 1);
        if (high < 0)
        {
            return false;
        }
        final long low = asking ? high - 1 : high;
        if (asking)
        {
            final CommandSlot askingSlot = ring.slot(low);
            askingSlot.beginEncode(ASKING.length(), pool).header(ASKING);
            askingSlot.kind = CommandSlot.KIND_INTERNAL;
            askingSlot.commandName = "ASKING";
            askingSlot.deadlineNs = source.deadlineNs;
        }
        final CommandSlot target = ring.slot(high);
        final RespEncoder encoder = target.beginEncode(source.length, pool);
        encoder.buffer().putBytes(encoder.offset(), bytes, 0, source.length);
        target.copyCompletionFrom(source);
        publish(connection, low, high, true);
        return true;
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

    private NodeConnection next(final Batch batch)
    {
        if (batch == null)
        {
            return next();
        }
        final NodeConnection[] connections = this.connections;
        return connections[(batch.affinity() & Integer.MAX_VALUE) % connections.length];
    }

    private long claim(final NodeConnection connection)
    {
        if (runtime.isClosing())
        {
            return RedisClient.CLOSED;
        }
        final long sequence = connection.ring.tryClaim(1);
        if (sequence >= 0)
        {
            return sequence;
        }
        // An I/O thread never waits: the slot it waits for may be one only it can free.
        return config.backPressure() == ClientConfig.BackPressure.FAIL_FAST || IoAgent.isIoThread() ?
            RedisClient.BACK_PRESSURED : claimWaiting(connection);
    }

    private long claimWaiting(final NodeConnection connection)
    {
        final IdleStrategy idle = config.producerIdleStrategy().get();
        final long deadline = System.nanoTime() + config.commandTimeoutNs();
        while (true)
        {
            if (runtime.isClosing())
            {
                return RedisClient.CLOSED;
            }
            final long sequence = connection.ring.tryClaim(1);
            if (sequence >= 0)
            {
                return sequence;
            }
            if (System.nanoTime() - deadline > 0)
            {
                return RedisClient.BACK_PRESSURED;
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
        slot.handler = batch != null ? batch.handler() : handler;
        slot.batch = batch;
        slot.token = token;
        slot.commandName = name;
        slot.redirects = 0;
        slot.deadlineNs = System.nanoTime() + config.commandTimeoutNs();
        if (batch != null)
        {
            batch.onSubmit();
        }
        publish(connection, sequence, sequence, batch == null);
        return sequence;
    }

    private void publish(final NodeConnection connection, final long low, final long high, final boolean wake)
    {
        final CommandRing ring = connection.ring;
        ring.publish(low, high);
        if (wake)
        {
            connection.agent().wake();
        }
        if (ring.terminated)
        {
            // Published after the agent's final drain: nobody else will complete these.
            for (long sequence = low; sequence <= high; sequence++)
            {
                final CommandSlot slot = ring.slot(sequence);
                if (slot.tryTakeFinal())
                {
                    slot.fail(new RedisConnectionException("client closed (command not applied)", false, null));
                    slot.clear(pool);
                }
            }
        }
    }

    @Override
    public String toString()
    {
        return "NodeEndpoint{" + host + ':' + port + (readOnly ? ", readOnly" : "") + '}';
    }
}
