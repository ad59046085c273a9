package io.slotring.engine;

import java.util.concurrent.CompletableFuture;

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
     * <p>On a cluster client the command table (looked up without allocating) routes it as one command to one
     * node: by the slot of the keys wherever they are (EVAL and FCALL after their key count, XREAD after STREAMS,
     * BITOP from its third argument...), to a replica for reads when the read-from policy allows, and keyless
     * commands to one master. Keys in several slots are refused: {@code CROSSSLOT} for single-slot commands, and
     * for MGET, MSET, DEL, EXISTS, UNLINK and TOUCH too (only the async and sync styles split those); commands for
     * every master (DBSIZE, FLUSHALL, KEYS, SCRIPT, FUNCTION...) are refused as well. <b>A command the table does
     * not know is routed by its first argument</b> (taken as its key), or to any master when it has none.
     *
     * @param handler receives the reply.
     * @param token   passed back to the handler.
     * @param args    command name and arguments: {@code byte[]}, {@code CharSequence} or numbers.
     * @return a non-negative number when published, else a negative code.
     * @throws IllegalArgumentException when {@code args} is empty, holds a null or an unsupported type, or names a
     *                                  command a shared connection cannot carry, or (cluster) when its keys span
     *                                  slots or it goes to every master; nothing was sent.
     */
    long execute(ReplyHandler handler, long token, Object... args);

    /**
     * Any command as part of a batch: routed and checked as {@link #execute(ReplyHandler, long, Object...)}; the
     * batch's handler receives the reply and {@link Batch#await} waits for it, and it leaves with the batch's other
     * commands for its node in one write. Pass a reused {@code args} array to allocate nothing: the arguments are
     * encoded before this returns, so the array and its elements are the caller's again at once.
     *
     * @param batch the caller's reusable batch, from {@link #newBatch}.
     * @param token passed back to the batch's handler.
     * @param args  command name and arguments: {@code byte[]}, {@code CharSequence} or numbers.
     * @return a non-negative number when published, else a negative code.
     * @throws IllegalArgumentException as {@link #execute(ReplyHandler, long, Object...)}, or for a batch not made
     *                                  by this client's {@code newBatch}; nothing was sent.
     * @throws NullPointerException     when {@code batch} is null; nothing was sent.
     */
    long execute(Batch batch, long token, Object... args);

    /**
     * Switches every live connection to the credentials the config's supplier returns now (see
     * {@link ConnectionSettings#credentials(java.util.function.Supplier)}), by sending {@code AUTH} on each connection
     * behind the commands already in flight there: nothing is dropped or reordered. Connections that are down, and
     * every later reconnect, ask the supplier themselves.
     *
     * @return completes when every connection accepted the credentials; fails with the server's error (for example
     * WRONGPASS) otherwise.
     * @throws IllegalStateException when the config has no credentials or the supplier returns none.
     */
    CompletableFuture<Void> reauthenticate();

    /**
     * Subscribes to a channel ({@code SUBSCRIBE}) on a dedicated subscriber connection (cluster: any master, since
     * {@code PUBLISH} reaches every node), and keeps it subscribed across reconnects until the subscription is
     * closed. Returns at once; {@link Subscription#awaitActive} waits for the server's confirmation.
     *
     * @param channel the channel.
     * @param handler receives each message as a zero-copy view, on the {@code slotring-pubsub} thread.
     * @return the subscription.
     * @throws IllegalArgumentException when this client already has an open subscription to the channel.
     */
    default Subscription subscribe(String channel, MessageHandler handler)
    {
        return subscribe(Subscription.Kind.CHANNEL, channel, handler);
    }

    /**
     * Subscribes to a glob-style pattern ({@code PSUBSCRIBE}); otherwise like {@link #subscribe}.
     *
     * @param pattern the pattern, e.g. {@code news.*}.
     * @param handler receives each message (with the channel it was published to) as a zero-copy view, on the
     *                {@code slotring-pubsub} thread.
     * @return the subscription.
     * @throws IllegalArgumentException when this client already has an open subscription to the pattern.
     */
    default Subscription psubscribe(String pattern, MessageHandler handler)
    {
        return subscribe(Subscription.Kind.PATTERN, pattern, handler);
    }

    /**
     * Subscribes to a shard channel ({@code SSUBSCRIBE}, Redis 7+) on its slot's owner (cluster), following the
     * slot to its new owner after a {@code MOVED}, a slot migration or a failover. Messages come from
     * {@code SPUBLISH}.
     *
     * @param channel the shard channel; its hash slot decides the node.
     * @param handler receives each message as a zero-copy view, on the {@code slotring-pubsub} thread.
     * @return the subscription.
     * @throws IllegalArgumentException when this client already has an open subscription to the shard channel.
     */
    default Subscription ssubscribe(String channel, MessageHandler handler)
    {
        return subscribe(Subscription.Kind.SHARD, channel, handler);
    }

    /**
     * Subscribes to a channel, pattern or shard channel: what {@link #subscribe(String, MessageHandler)},
     * {@link #psubscribe} and {@link #ssubscribe} do, chosen by {@code kind}.
     *
     * @param kind    channel, pattern or shard channel.
     * @param name    the channel or pattern.
     * @param handler receives each message as a zero-copy view, on the {@code slotring-pubsub} thread.
     * @return the subscription.
     * @throws IllegalArgumentException when this client already has an open subscription of that kind and name.
     */
    Subscription subscribe(Subscription.Kind kind, String name, MessageHandler handler);

    /**
     * Completes every outstanding command (with a "client closed" failure where no reply came), stops the I/O
     * threads and frees the connections' memory. Idempotent.
     */
    @Override
    void close();

    /**
     * A snapshot of this client's counters (per node and connection, cumulative) and latencies (per
     * {@link CommandFamily}, since the previous snapshot). Recording them costs no allocation; this call allocates.
     *
     * @return the snapshot.
     */
    ClientMetrics metrics();

    /**
     * Starts a transaction on the slot of {@code hashTagOrKey} (a key, or a hash tag such as {@code "{user42}"}):
     * it leases one of the node's dedicated connections ({@link ConnectionSettings#blockingConnectionsPerNode})
     * until it ends, so no other caller's command lands inside it. See {@link Transaction}.
     *
     * @param hashTagOrKey decides the slot (cluster) every key of the transaction must be in.
     * @return the open transaction; close it (try-with-resources) to discard it if not executed.
     * @throws NullPointerException  when {@code hashTagOrKey} is null.
     * @throws RedisTimeoutException when every dedicated connection stayed busy for the command timeout.
     * @throws RedisException        when the client is closed, or (cluster) no node serves the slot.
     */
    Transaction multi(String hashTagOrKey);

    /**
     * As {@link #multi}, without blocking the caller: completes with the open transaction once one of the node's
     * dedicated connections is free; drive it with {@link Transaction#watchAsync}, {@link Transaction#executeAsync},
     * {@link Transaction#queue} and {@link Transaction#execAsync}.
     *
     * @param hashTagOrKey decides the slot (cluster) every key of the transaction must be in.
     * @return the open transaction (end it with exec, discard or close); fails with a {@link RedisTimeoutException}
     * when every dedicated connection stayed busy for the command timeout, or (cluster) when no node serves the
     * slot.
     * @throws NullPointerException when {@code hashTagOrKey} is null.
     */
    CompletableFuture<Transaction> multiAsync(String hashTagOrKey);
}
