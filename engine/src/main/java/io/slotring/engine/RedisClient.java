package io.slotring.engine;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.slotring.engine.internal.ApiAccess;
import io.slotring.engine.internal.CommandBatch;
import io.slotring.engine.internal.IoRuntime;
import io.slotring.engine.internal.NodeEndpoint;
import io.slotring.engine.internal.Subscriber;
import org.agrona.DirectBuffer;

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
public final class RedisClient implements Client
{
    /** A standalone server has no slots: a transaction's keys need no check. */
    private static final java.util.function.Consumer<Object[]> NO_SLOT_CHECK = args ->
    {
    };

    private final ClientConfig config;
    private final IoRuntime runtime;
    private final NodeEndpoint endpoint;
    private final AsyncCommands async;
    private final SyncCommands sync;
    private final Subscriber subscriber;

    private RedisClient(final ClientConfig config)
    {
        this.config = config.conclude();
        this.runtime = new IoRuntime(config, null);
        this.endpoint = runtime.endpoint(config.host(), config.port(), false);
        this.async = ApiAccess.async(endpoint::submit);
        this.sync = ApiAccess.sync(async, config.commandTimeoutNs());
        this.subscriber = new Subscriber(config, Subscriber.fixedRoute(config.host(), config.port()));
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
        while (!client.endpoint.isReady())
        {
            if (client.endpoint.isRefused())
            {
                // The server answered and said no (credentials, database): waiting out the timeout changes nothing.
                final String why = client.endpoint.lastError();
                client.close();
                throw new RedisConnectionException("could not connect to " + config.host() + ':' + config.port() +
                    ": " + why, false, null);
            }
            if (System.nanoTime() - deadline > 0)
            {
                final String why = client.endpoint.lastError();
                final String progress = client.endpoint.progress();
                client.close();
                throw new RedisConnectionException("could not connect to " + config.host() + ':' + config.port() +
                    " within " + config.connectTimeoutNs() / 1_000_000 + "ms: " + progress +
                    (why != null && !why.equals(progress) ? "; last failure: " + why : ""), false, null);
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

    @Override
    public AsyncCommands async()
    {
        return async;
    }

    @Override
    public SyncCommands sync()
    {
        return sync;
    }

    @Override
    public Batch newBatch(final ReplyHandler handler)
    {
        return runtime.newBatch(handler);
    }

    // Zero-copy style: see Client. One server: every command goes to its endpoint, connection chosen by key slot.

    @Override
    public long get(final byte[] key, final ReplyHandler handler, final long token)
    {
        return endpoint.get(NodeEndpoint.HASH_KEY, key, handler, null, token);
    }

    @Override
    public long get(final DirectBuffer key, final int offset, final int length, final ReplyHandler handler,
        final long token)
    {
        return endpoint.get(NodeEndpoint.HASH_KEY, key, offset, length, handler, null, token);
    }

    @Override
    public long get(final CharSequence key, final ReplyHandler handler, final long token)
    {
        return endpoint.get(NodeEndpoint.HASH_KEY, key, handler, null, token);
    }

    @Override
    public long get(final byte[] key, final Batch batch, final long token)
    {
        return endpoint.get(NodeEndpoint.HASH_KEY, key, null, CommandBatch.of(batch), token);
    }

    @Override
    public long set(final byte[] key, final byte[] value, final ReplyHandler handler, final long token)
    {
        return endpoint.set(NodeEndpoint.HASH_KEY, key, value, handler, null, token);
    }

    @Override
    public long set(final DirectBuffer key, final int keyOffset, final int keyLength, final DirectBuffer value,
        final int valueOffset, final int valueLength, final ReplyHandler handler, final long token)
    {
        return endpoint.set(NodeEndpoint.HASH_KEY, key, keyOffset, keyLength, value, valueOffset, valueLength, handler,
            null, token);
    }

    @Override
    public long set(final byte[] key, final byte[] value, final Batch batch, final long token)
    {
        return endpoint.set(NodeEndpoint.HASH_KEY, key, value, null, CommandBatch.of(batch), token);
    }

    @Override
    public long execute(final ReplyHandler handler, final long token, final Object... args)
    {
        return endpoint.execute(NodeEndpoint.HASH_KEY, handler, null, token, args);
    }

    /** {@inheritDoc} */
    @Override
    public long execute(final Batch batch, final long token, final Object... args)
    {
        return endpoint.execute(NodeEndpoint.HASH_KEY, null, CommandBatch.of(requireBatch(batch)), token, args);
    }

    private static Batch requireBatch(final Batch batch)
    {
        if (batch == null)
        {
            throw new NullPointerException("batch must not be null");
        }
        return batch;
    }

    /**
     * @param timeout how long to wait.
     * @param unit    unit of timeout.
     * @return true when every connection is ready (handshake done) within the time.
     */
    public boolean awaitAllConnected(final long timeout, final TimeUnit unit)
    {
        final long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (!endpoint.isFullyConnected())
        {
            if (System.nanoTime() - deadline > 0)
            {
                return false;
            }
            sleepBriefly();
        }
        return true;
    }

    @Override
    public CompletableFuture<Void> reauthenticate()
    {
        return endpoint.reauthenticate(config.currentCredentials());
    }

    /** {@inheritDoc} */
    @Override
    public Subscription subscribe(final Subscription.Kind kind, final String name, final MessageHandler handler)
    {
        return subscriber.subscribe(kind, name, handler);
    }

    /**
     * Completes every pending command with an error (written ones: may have been applied; queued ones: not
     * applied), stops every I/O thread and frees the buffers. Idempotent.
     */
    @Override
    public void close()
    {
        subscriber.close();
        runtime.close();
    }

    NodeEndpoint endpoint()
    {
        return endpoint;
    }

    @Override
    public String toString()
    {
        return "RedisClient{" + config + '}';
    }

    @Override
    public ClientMetrics metrics()
    {
        return runtime.metrics().snapshot(0);
    }

    /** {@inheritDoc} One server: every key is in the transaction's "slot". */
    @Override
    public Transaction multi(final String hashTagOrKey)
    {
        java.util.Objects.requireNonNull(hashTagOrKey, "hashTagOrKey must not be null");
        return ApiAccess.transaction(endpoint.dedicated().lease(), NO_SLOT_CHECK, config.commandTimeoutNs());
    }

    @Override
    public CompletableFuture<Transaction> multiAsync(final String hashTagOrKey)
    {
        java.util.Objects.requireNonNull(hashTagOrKey, "hashTagOrKey must not be null");
        final long timeoutNs = config.commandTimeoutNs();
        return endpoint.dedicated().leaseAsync().thenApply(lease -> ApiAccess.transaction(lease, NO_SLOT_CHECK,
            timeoutNs));
    }
}
