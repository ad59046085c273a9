package io.slotring.engine;

import org.agrona.DirectBuffer;

/**
 * What the standalone {@link RedisClient} and the cluster client share: the three API styles over one set of
 * connections. Code written against this interface runs unchanged on one server or a cluster.
 *
 * <p><b>Zero-copy style</b> (the methods here): each returns a non-negative number when the command was published,
 * or a negative code ({@link #BACK_PRESSURED}, {@link #CLOSED}; a cluster client adds {@code NO_ROUTE}); it never
 * throws for those and allocates nothing. Arguments are checked before anything is claimed: a null key, value or
 * handler, or a buffer range outside its buffer, throws {@link IllegalArgumentException} or
 * {@link NullPointerException} and sends nothing. The reply reaches the handler (or the batch's handler) as a
 * zero-copy {@link io.slotring.codec.RespReader}, valid only during the callback, on whichever thread completes it
 * (an I/O thread, or a caller reading its own replies).
 *
 * <p><b>Async</b> ({@link #async()}) and <b>sync</b> ({@link #sync()}) styles convert replies to Java values.
 *
 * <p>Thread-safe: any number of threads may submit.
 */
public interface Client extends AutoCloseable
{
    /** The ring stayed full (at once under FAIL_FAST, for the command timeout under WAIT): nothing was sent. */
    long BACK_PRESSURED = -1;
    /** The client is closed: nothing was sent. */
    long CLOSED = -3;

    /**
     * @return the async style over this client: every command returns a {@code CompletableFuture}.
     */
    AsyncCommands async();

    /**
     * @return the sync style over this client: every command blocks until its reply or deadline.
     */
    SyncCommands sync();

    /**
     * @param handler receives every reply of the batch's commands, whatever node answered.
     * @return a new reusable batch; allocate once per worker thread.
     */
    Batch newBatch(ReplyHandler handler);

    /**
     * GET.
     *
     * @param key     the key bytes.
     * @param handler receives the bulk reply (null bulk when the key is missing).
     * @param token   passed back to the handler.
     * @return a non-negative number when published, else a negative code.
     */
    long get(byte[] key, ReplyHandler handler, long token);

    /**
     * GET of a key held in a buffer range (any offset).
     *
     * @param key     buffer holding the key.
     * @param offset  first byte of the key.
     * @param length  key length.
     * @param handler receives the reply.
     * @param token   passed back to the handler.
     * @return a non-negative number when published, else a negative code.
     */
    long get(DirectBuffer key, int offset, int length, ReplyHandler handler, long token);

    /**
     * GET of a text key (UTF-8).
     *
     * @param key     the key.
     * @param handler receives the reply.
     * @param token   passed back to the handler.
     * @return a non-negative number when published, else a negative code.
     */
    long get(CharSequence key, ReplyHandler handler, long token);

    /**
     * GET as part of a batch: the batch's handler receives the reply, {@link Batch#await} waits for it.
     *
     * @param key   the key bytes.
     * @param batch the caller's reusable batch, from {@link #newBatch}.
     * @param token passed back to the batch's handler.
     * @return a non-negative number when published, else a negative code.
     */
    long get(byte[] key, Batch batch, long token);

    /**
     * SET key value.
     *
     * @param key     the key bytes.
     * @param value   the value bytes.
     * @param handler receives {@code +OK}.
     * @param token   passed back to the handler.
     * @return a non-negative number when published, else a negative code.
     */
    long set(byte[] key, byte[] value, ReplyHandler handler, long token);

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
     * @return a non-negative number when published, else a negative code.
     */
    long set(DirectBuffer key, int keyOffset, int keyLength, DirectBuffer value, int valueOffset, int valueLength,
        ReplyHandler handler, long token);

    /**
     * SET as part of a batch.
     *
     * @param key   the key bytes.
     * @param value the value bytes.
     * @param batch the caller's reusable batch, from {@link #newBatch}.
     * @param token passed back to the batch's handler.
     * @return a non-negative number when published, else a negative code.
     */
    long set(byte[] key, byte[] value, Batch batch, long token);

    /**
     * Any command, zero-copy reply. The varargs array is the only allocation.
     *
     * @param handler receives the reply.
     * @param token   passed back to the handler.
     * @param args    command name and arguments: {@code byte[]}, {@code CharSequence} or numbers.
     * @return a non-negative number when published, else a negative code.
     * @throws IllegalArgumentException when {@code args} is empty, holds a null or an unsupported type, or names a
     *                                  command a shared connection cannot carry; nothing was sent.
     */
    long execute(ReplyHandler handler, long token, Object... args);

    /**
     * Completes every outstanding command (with a "client closed" failure where no reply came), stops the I/O
     * threads and frees the connections' memory. Idempotent.
     */
    @Override
    void close();
}
