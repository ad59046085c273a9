package io.slotring.cluster;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

import io.slotring.codec.RespReader;
import io.slotring.codec.RespType;

/**
 * One command sent by a fault test: what was sent, when, and how it ended. Completed exactly once by whichever
 * thread delivers the outcome (an I/O thread for the async and zero-copy styles, the caller for sync); a second
 * completion is counted, never applied, so a test can report commands completed twice.
 */
final class MatrixOp
{
    enum Kind
    {
        SET, GET, INCR
    }

    /** An error reply ({@code -ERR ...}) seen by a zero-copy handler. */
    record ErrorReply(String text)
    {
    }

    /** A reply of a type the command can never produce (a sign that replies and commands are misaligned). */
    record UnexpectedType(char type, String text)
    {
    }

    final int index;
    final MatrixKey key;
    final Kind kind;
    /** SET: the sequence number encoded in {@link #value}; GET: the key's acknowledged floor when submitted. */
    final long seq;
    /** SET only: the value written. */
    final String value;
    private final CountDownLatch latch;
    private final AtomicInteger completions = new AtomicInteger();
    private volatile long submitNs;
    private volatile long completeNs;
    private volatile Object result;
    private volatile Throwable error;
    private volatile boolean done;

    MatrixOp(final int index, final MatrixKey key, final Kind kind, final long seq, final String value,
        final CountDownLatch latch)
    {
        this.index = index;
        this.key = key;
        this.kind = kind;
        this.seq = seq;
        this.value = value;
        this.latch = latch;
    }

    /** Called right before the command is handed to the client: the deadline runs from here. */
    void submitted()
    {
        submitNs = System.nanoTime();
    }

    /**
     * @return true for the first completion; false (and counted) for any later one.
     */
    boolean complete(final Object reply, final Throwable failure)
    {
        final long now = System.nanoTime();
        if (completions.incrementAndGet() != 1)
        {
            return false;
        }
        result = reply;
        error = unwrap(failure);
        completeNs = now;
        done = true;
        if (latch != null)
        {
            latch.countDown();
        }
        return true;
    }

    /** Zero-copy replies are views valid only during the callback: copy out what the checks need. */
    static Object decode(final RespReader reply)
    {
        final byte type = reply.type();
        if (reply.isNull())
        {
            return null;
        }
        switch (type)
        {
            case RespType.ERROR:
            case RespType.BLOB_ERROR:
                return new ErrorReply(reply.stringValue());
            case RespType.INTEGER:
                return reply.longValue();
            case RespType.SIMPLE_STRING:
            case RespType.BULK_STRING:
            case RespType.VERBATIM_STRING:
                // ISO-8859-1 keeps every byte visible, so a flipped byte shows up as a non-ASCII character.
                return new String(reply.bytesValue(), StandardCharsets.ISO_8859_1);
            default:
                return new UnexpectedType((char)type, reply.isAggregate() ? "aggregate" : reply.toString());
        }
    }

    private static Throwable unwrap(final Throwable failure)
    {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) &&
            cause.getCause() != null)
        {
            cause = cause.getCause();
        }
        return cause;
    }

    boolean isDone()
    {
        return done;
    }

    int completions()
    {
        return completions.get();
    }

    long submitNs()
    {
        return submitNs;
    }

    long completeNs()
    {
        return completeNs;
    }

    Object result()
    {
        return result;
    }

    Throwable error()
    {
        return error;
    }

    /** @return true when the command succeeded as a write (SET answered OK, INCR answered a number). */
    boolean isAckedWrite()
    {
        return done && error == null && (kind == Kind.SET && "OK".equals(result) ||
            kind == Kind.INCR && result instanceof Long);
    }

    @Override
    public String toString()
    {
        return kind + " " + key.name + (value != null ? " " + value : "") + " #" + index;
    }
}
