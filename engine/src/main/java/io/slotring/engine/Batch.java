package io.slotring.engine;

import java.util.concurrent.TimeUnit;

/**
 * A reusable group of zero-copy commands: submit many, then {@link #await} them all. Allocated once per worker and
 * reused for every batch, so the submit-then-await shape costs no allocation per command or per batch.
 *
 * <pre>{@code
 * Batch batch = client.newBatch(handler);        // once
 * for (;;) {
 *     for (int i = 0; i < 64; i++) client.get(keys[i], batch, i);
 *     if (!batch.await(1, TimeUnit.SECONDS)) { ... }   // handler saw every reply or failure
 * }
 * }</pre>
 *
 * <p>Sending and waiting: a batch's commands are published as they are submitted and leave at {@link #await} (or
 * {@link #flush}), one gathering write per connection holding everything published there. All of one batch's
 * commands for a node go over one of its connections; the next batch uses the next connection. A batch on one
 * connection (one node, a single command) is written and read by the awaiting caller itself, which blocks in its
 * own selector, so a reply wakes it directly (one context switch per round trip; it spins
 * {@code callerSpinTries} times first). A batch spread over several nodes is handed to the I/O agent, which
 * coalesces many callers' batches per write and per read, and the caller parks until its last completion.
 *
 * <p>Threads: one caller submits and awaits. Completions run on I/O threads or on other callers reading a shared
 * connection, so the handler must not assume it runs on the submitting thread.
 *
 * <p>Only batches made by a client ({@code newBatch}) can be passed to its commands; another implementation is
 * rejected with an {@link IllegalArgumentException}.
 */
public interface Batch
{
    /**
     * Writes the commands submitted so far, without waiting for their replies: one gathering write per connection
     * from this thread (or by the thread already writing it). {@link #await} does this itself; call it only to
     * start sending before the batch is complete.
     */
    void flush();

    /**
     * @return commands submitted and not yet completed.
     */
    int outstanding();

    /**
     * @return true when every submitted command completed (reply or failure).
     */
    boolean isComplete();

    /**
     * Waits until every submitted command completed (reply or failure), reading the replies on this thread when
     * they all went to one connection. Every command has its own deadline, so they all complete eventually; a
     * timed-out await leaves them running and the batch must not be reused until {@link #outstanding()} is 0.
     *
     * @param timeout bound.
     * @param unit    unit of {@code timeout}.
     * @return true when all completed, false on timeout.
     */
    boolean await(long timeout, TimeUnit unit);
}
