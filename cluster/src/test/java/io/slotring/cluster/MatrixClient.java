package io.slotring.cluster;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.slotring.codec.RespReader;
import io.slotring.engine.AsyncCommands;
import io.slotring.engine.Batch;
import io.slotring.engine.RedisClient;
import io.slotring.engine.RedisException;
import io.slotring.engine.ReplyHandler;
import io.slotring.engine.SyncCommands;

/**
 * The standalone and the cluster client behind one face, so the fault tests drive both the same way in each of
 * the three API styles. Also holds the submission of one {@link MatrixOp} per style.
 */
interface MatrixClient extends AutoCloseable
{
    AsyncCommands async();

    SyncCommands sync();

    Batch newBatch(ReplyHandler handler);

    long get(byte[] key, ReplyHandler handler, long token);

    long get(byte[] key, Batch batch, long token);

    long set(byte[] key, byte[] value, ReplyHandler handler, long token);

    long set(byte[] key, byte[] value, Batch batch, long token);

    long execute(ReplyHandler handler, long token, Object... args);

    @Override
    void close();

    static MatrixClient of(final RedisClient client)
    {
        return new MatrixClient()
        {
            @Override
            public AsyncCommands async()
            {
                return client.async();
            }

            @Override
            public SyncCommands sync()
            {
                return client.sync();
            }

            @Override
            public Batch newBatch(final ReplyHandler handler)
            {
                return client.newBatch(handler);
            }

            @Override
            public long get(final byte[] key, final ReplyHandler handler, final long token)
            {
                return client.get(key, handler, token);
            }

            @Override
            public long get(final byte[] key, final Batch batch, final long token)
            {
                return client.get(key, batch, token);
            }

            @Override
            public long set(final byte[] key, final byte[] value, final ReplyHandler handler, final long token)
            {
                return client.set(key, value, handler, token);
            }

            @Override
            public long set(final byte[] key, final byte[] value, final Batch batch, final long token)
            {
                return client.set(key, value, batch, token);
            }

            @Override
            public long execute(final ReplyHandler handler, final long token, final Object... args)
            {
                return client.execute(handler, token, args);
            }

            @Override
            public void close()
            {
                client.close();
            }
        };
    }

    static MatrixClient of(final ClusterClient client)
    {
        return new MatrixClient()
        {
            @Override
            public AsyncCommands async()
            {
                return client.async();
            }

            @Override
            public SyncCommands sync()
            {
                return client.sync();
            }

            @Override
            public Batch newBatch(final ReplyHandler handler)
            {
                return client.newBatch(handler);
            }

            @Override
            public long get(final byte[] key, final ReplyHandler handler, final long token)
            {
                return client.get(key, handler, token);
            }

            @Override
            public long get(final byte[] key, final Batch batch, final long token)
            {
                return client.get(key, batch, token);
            }

            @Override
            public long set(final byte[] key, final byte[] value, final ReplyHandler handler, final long token)
            {
                return client.set(key, value, handler, token);
            }

            @Override
            public long set(final byte[] key, final byte[] value, final Batch batch, final long token)
            {
                return client.set(key, value, batch, token);
            }

            @Override
            public long execute(final ReplyHandler handler, final long token, final Object... args)
            {
                return client.execute(handler, token, args);
            }

            @Override
            public void close()
            {
                client.close();
            }
        };
    }

    /** The zero-copy handler of a ledger: the token is the command's index in the ledger. */
    static ReplyHandler handler(final MatrixLedger ledger)
    {
        return new ReplyHandler()
        {
            @Override
            public void onReply(final long token, final RespReader reply)
            {
                final MatrixOp op = ledger.op(token);
                if (op == null)
                {
                    ledger.unknownToken(token, "reply");
                    return;
                }
                op.complete(MatrixOp.decode(reply), null);
            }

            @Override
            public void onFailure(final long token, final RedisException error)
            {
                final MatrixOp op = ledger.op(token);
                if (op == null)
                {
                    ledger.unknownToken(token, "failure");
                    return;
                }
                op.complete(null, error);
            }
        };
    }

    /** Async style: completes the command from the future, on whatever thread completes it. */
    default CompletableFuture<?> submitAsync(final MatrixOp op)
    {
        op.submitted();
        final CompletableFuture<?> future;
        try
        {
            switch (op.kind)
            {
                case SET:
                    future = async().set(op.key.name, op.value);
                    break;
                case GET:
                    future = async().get(op.key.name);
                    break;
                default:
                    future = async().incr(op.key.name);
                    break;
            }
        }
        catch (final RuntimeException ex)
        {
            // The API promises failed futures, not exceptions; record it as a failure all the same.
            op.complete(null, ex);
            return CompletableFuture.failedFuture(ex);
        }
        future.whenComplete(op::complete);
        return future;
    }

    /** Sync style: blocks the caller; the call's own duration is what the deadline check sees. */
    default void runSync(final MatrixOp op)
    {
        op.submitted();
        try
        {
            final Object result;
            switch (op.kind)
            {
                case SET:
                    result = sync().set(op.key.name, op.value);
                    break;
                case GET:
                    result = sync().get(op.key.name);
                    break;
                default:
                    result = sync().incr(op.key.name);
                    break;
            }
            op.complete(result, null);
        }
        catch (final RuntimeException ex)
        {
            op.complete(null, ex);
        }
    }

    /**
     * Zero-copy style: GET and SET into {@code batch} when given, else straight to {@code handler}; INCR through
     * {@code execute} (which has no batch form). A negative code means nothing was sent: the command completes
     * here as not applied, exactly as the API documents.
     */
    default void submitZeroCopy(final MatrixOp op, final ReplyHandler handler, final Batch batch)
    {
        op.submitted();
        final long token = op.index;
        long code;
        try
        {
            switch (op.kind)
            {
                case SET:
                {
                    final byte[] value = op.value.getBytes(StandardCharsets.UTF_8);
                    code = batch != null ? set(op.key.bytes, value, batch, token) :
                        set(op.key.bytes, value, handler, token);
                    break;
                }
                case GET:
                    code = batch != null ? get(op.key.bytes, batch, token) : get(op.key.bytes, handler, token);
                    break;
                default:
                    code = execute(handler, token, "INCR", op.key.bytes);
                    break;
            }
        }
        catch (final RuntimeException ex)
        {
            // The zero-copy calls promise codes, not exceptions; record it as a failure all the same.
            op.complete(null, ex);
            return;
        }
        if (code < 0)
        {
            op.complete(null, new RedisException("not sent: the client returned code " + code, false, null));
        }
    }

    /** Waits for a latch; false when it did not open in time. */
    static boolean await(final CountDownLatch latch, final long nanos)
    {
        try
        {
            return latch.await(nanos, TimeUnit.NANOSECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
