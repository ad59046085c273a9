package io.slotring.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

import io.slotring.engine.RedisException;
import io.slotring.engine.RedisServerException;

/**
 * The books of one fault test: every command issued, its outcome, and the checks that outcomes must pass.
 *
 * <ul>
 *   <li><b>Wrong reply</b>: a GET value that belongs to another key or test, carries a corrupted byte, was never
 *       written, was written by a SET the client reported as "not applied", or is older than the last
 *       acknowledged SET (unless that older value's own SET has an unknown outcome: it may have landed late); a
 *       SET answered with anything but OK; an INCR answered with anything but a new positive number.</li>
 *   <li><b>INCR accounting</b>: acknowledged &lt;= final counter &lt;= acknowledged + may-have-been-applied.
 *       Not-applied failures must not have been applied.</li>
 *   <li><b>Completion</b>: every command completes exactly once, within its deadline plus a bound.</li>
 * </ul>
 *
 * <p>Redis replicates asynchronously: a write acknowledged just before its master dies may be lost in a failover.
 * A ledger told so ({@link #tolerateLostWrites}) counts such losses separately instead of as wrong replies, but
 * only on the failed shard and only for writes acknowledged within a window around the fault.
 *
 * <p>Threads: commands complete on any thread; {@link #settle} and the checks run under the ledger's lock.
 */
final class MatrixLedger
{
    private static final int MAX_PROBLEMS = 40;

    final String tag;
    final long timeoutNs;
    private final AtomicReferenceArray<MatrixOp> ops;
    private int opCount;
    private final List<String> problems = new ArrayList<>();
    private final Map<String, long[]> byShard = new TreeMap<>();

    private String lossShard;
    private long faultNs;
    private long lossWindowNs;

    long ok;
    long maybeApplied;
    long notApplied;
    long errorReplies;
    long wrong;
    long lostAckedWrites;
    long lateCompletions;
    long doubleCompletions;
    long lostCompletions;
    long unknownTokens;
    long maxOvershootNs = Long.MIN_VALUE;
    private long maxLatencyNs;

    MatrixLedger(final String tag, final long timeoutNs, final int capacity)
    {
        this.tag = tag;
        this.timeoutNs = timeoutNs;
        this.ops = new AtomicReferenceArray<>(capacity);
    }

    MatrixKey key(final String name, final String shard, final boolean counter)
    {
        return new MatrixKey(tag, name, shard, counter);
    }

    /**
     * Writes acknowledged on {@code shard} within {@code window} before {@code atNs} (a master's death) may be lost
     * by the failover that follows; count them as lost rather than as wrong replies.
     */
    synchronized void tolerateLostWrites(final String shard, final long atNs, final long window)
    {
        this.lossShard = shard;
        this.faultNs = atNs;
        this.lossWindowNs = window;
    }

    /**
     * The next command for a key: data keys alternate SET (a new value) and GET, counters INCR.
     *
     * @return the command, or null when the ledger is full (the caller stops issuing).
     */
    synchronized MatrixOp next(final MatrixKey key, final CountDownLatch latch)
    {
        if (key.counter)
        {
            return register(key, MatrixOp.Kind.INCR, -1, null, latch);
        }
        if (key.nextIsSet)
        {
            key.nextIsSet = false;
            return set(key, latch);
        }
        key.nextIsSet = true;
        return register(key, MatrixOp.Kind.GET, key.ackedFloor, null, latch);
    }

    /** A SET of a fresh value, whatever comes next. */
    synchronized MatrixOp set(final MatrixKey key, final CountDownLatch latch)
    {
        final long seq = key.issued + 1;
        final MatrixOp op = register(key, MatrixOp.Kind.SET, seq, key.valuePrefix + seq, latch);
        if (op != null)
        {
            key.issued = seq;
            key.status.put(seq, MatrixKey.Status.PENDING);
        }
        return op;
    }

    private MatrixOp register(final MatrixKey key, final MatrixOp.Kind kind, final long seq, final String value,
        final CountDownLatch latch)
    {
        if (opCount == ops.length())
        {
            return null;
        }
        final MatrixOp op = new MatrixOp(opCount, key, kind, seq, value, latch);
        ops.set(opCount++, op);
        return op;
    }

    /** Any thread (zero-copy handlers): the command a token stands for, or null for a token never issued. */
    MatrixOp op(final long token)
    {
        if (token < 0 || token >= ops.length())
        {
            return null;
        }
        return ops.get((int)token);
    }

    synchronized void unknownToken(final long token, final String what)
    {
        unknownTokens++;
        problem("a " + what + " arrived for token " + token + ", which no command was given");
    }

    /** Records a completed command's outcome and checks it. Each command is settled once, after it completed. */
    synchronized void settle(final MatrixOp op)
    {
        final long latency = op.completeNs() - op.submitNs();
        maxLatencyNs = Math.max(maxLatencyNs, latency);
        maxOvershootNs = Math.max(maxOvershootNs, latency - timeoutNs);
        final Throwable error = op.error();
        if (error != null)
        {
            settleFailure(op, error);
            return;
        }
        final Object result = op.result();
        if (result instanceof MatrixOp.ErrorReply)
        {
            errorReplies++;
            count(op, 3);
            problem(op + " got the error reply '" + ((MatrixOp.ErrorReply)result).text() + "'");
            markFailed(op, MatrixKey.Status.NOT_APPLIED);
            return;
        }
        switch (op.kind)
        {
            case SET:
                if (!"OK".equals(result))
                {
                    wrong(op, "SET answered " + describe(result) + " instead of OK");
                    markFailed(op, MatrixKey.Status.MAYBE_APPLIED);
                    return;
                }
                op.key.status.put(op.seq, MatrixKey.Status.ACKED);
                op.key.ackNs.put(op.seq, op.completeNs());
                op.key.ackedFloor = Math.max(op.key.ackedFloor, op.seq);
                break;
            case GET:
                if (!(result == null || result instanceof String))
                {
                    wrong(op, "GET answered " + describe(result));
                    return;
                }
                final String problem = checkValue(op.key, (String)result, op.seq);
                if (problem != null)
                {
                    wrong(op, problem);
                    return;
                }
                break;
            case INCR:
                if (!(result instanceof Long) || (Long)result < 1)
                {
                    wrong(op, "INCR answered " + describe(result));
                    op.key.incrMaybe++;
                    return;
                }
                op.key.incrAcked++;
                op.key.incrAckNs.add(op.completeNs());
                if (!op.key.incrResults.add((Long)result) && !mayHaveLostWrites(op.key))
                {
                    wrong(op, "INCR answered " + result + ", a number an earlier INCR of " + op.key + " got too");
                    return;
                }
                break;
            default:
                throw new IllegalStateException(op.kind.name());
        }
        ok++;
        count(op, 0);
    }

    private void settleFailure(final MatrixOp op, final Throwable error)
    {
        if (error instanceof RedisServerException)
        {
            errorReplies++;
            count(op, 3);
            problem(op + " failed with an error reply: " + error.getMessage());
            markFailed(op, MatrixKey.Status.NOT_APPLIED);
            return;
        }
        if (!(error instanceof RedisException))
        {
            // Every failure must be a RedisException; anything else (a ClassCastException from a converter, say)
            // means a reply reached a command it does not belong to.
            wrong(op, "failed with " + error);
            markFailed(op, MatrixKey.Status.MAYBE_APPLIED);
            return;
        }
        final String message = String.valueOf(error.getMessage());
        if (message.startsWith("no reply within"))
        {
            // The sync style gave up waiting (command timeout + 1 s): the engine's own deadline did not fire.
            lateCompletions++;
            problem(op + ": the sync call gave up before the engine completed the command: " + message);
        }
        if (((RedisException)error).mayHaveBeenApplied())
        {
            maybeApplied++;
            count(op, 1);
            markFailed(op, MatrixKey.Status.MAYBE_APPLIED);
        }
        else
        {
            notApplied++;
            count(op, 2);
            markFailed(op, MatrixKey.Status.NOT_APPLIED);
        }
    }

    private void markFailed(final MatrixOp op, final MatrixKey.Status status)
    {
        if (op.kind == MatrixOp.Kind.SET)
        {
            op.key.status.put(op.seq, status);
        }
        else if (op.kind == MatrixOp.Kind.INCR)
        {
            if (status == MatrixKey.Status.NOT_APPLIED)
            {
                op.key.incrNotApplied++;
            }
            else
            {
                op.key.incrMaybe++;
            }
        }
    }

    /**
     * @param floor the highest acknowledged sequence number when the read was issued.
     * @return why {@code value} is not a value the key may hold, or null when it may.
     */
    private String checkValue(final MatrixKey key, final String value, final long floor)
    {
        final long seq;
        if (value == null)
        {
            seq = -1;
        }
        else
        {
            if (!value.startsWith(key.valuePrefix))
            {
                return "read " + describe(value) + ", which is not a value of " + key + " in this test" +
                    (isAscii(value) ? "" : " (it carries non-ASCII bytes: corrupted on the way)");
            }
            try
            {
                seq = Long.parseLong(value.substring(key.valuePrefix.length()));
            }
            catch (final NumberFormatException ex)
            {
                return "read the malformed value " + describe(value);
            }
            if (seq < 0 || seq > key.issued)
            {
                return "read " + describe(value) + ", which was never written";
            }
        }
        final MatrixKey.Status status = seq < 0 ? MatrixKey.Status.ACKED : key.status.get(seq);
        if (status == MatrixKey.Status.NOT_APPLIED)
        {
            return "read " + describe(value) + ", written by a SET that was reported as not applied";
        }
        if (seq >= floor || status == MatrixKey.Status.MAYBE_APPLIED)
        {
            return null;
        }
        if (lostInFailover(key, seq, floor))
        {
            lostAckedWrites++;
            return null;
        }
        return "read " + describe(value) + " although SET #" + floor + " was acknowledged before the read";
    }

    /** True when every acknowledged write between {@code seq} and {@code floor} is one a failover may lose. */
    private boolean lostInFailover(final MatrixKey key, final long seq, final long floor)
    {
        if (lossShard == null || !lossShard.equals(key.shard))
        {
            return false;
        }
        for (long s = seq + 1; s <= floor; s++)
        {
            final Long acked = key.ackNs.get(s);
            if (acked != null && !inLossWindow(acked))
            {
                return false;
            }
        }
        return true;
    }

    private boolean inLossWindow(final long ackNs)
    {
        // The old master acknowledged it shortly before it died (or froze); nothing after the fault came from it
        // except what was already on the wire, hence the small grace after faultNs.
        return ackNs - (faultNs - lossWindowNs) >= 0 && ackNs - (faultNs + TimeUnit.MILLISECONDS.toNanos(50)) <= 0;
    }

    private boolean mayHaveLostWrites(final MatrixKey key)
    {
        return lossShard != null && lossShard.equals(key.shard) && lossAllowance(key) > 0;
    }

    private long lossAllowance(final MatrixKey key)
    {
        if (lossShard == null || !lossShard.equals(key.shard))
        {
            return 0;
        }
        long allowance = 0;
        for (final long acked : key.incrAckNs)
        {
            if (inLossWindow(acked))
            {
                allowance++;
            }
        }
        return allowance;
    }

    /** Checks a counter's final value (read directly from its server) against the INCR accounting. */
    synchronized void checkCounter(final MatrixKey key, final long finalValue)
    {
        final long allowance = lossAllowance(key);
        if (finalValue > key.incrAcked + key.incrMaybe)
        {
            problem("INCR accounting of " + key + ": final " + finalValue + " > acknowledged " + key.incrAcked +
                " + may-have-been-applied " + key.incrMaybe + " (a command reported as not applied was applied; " +
                "not applied: " + key.incrNotApplied + ")");
        }
        if (finalValue < key.incrAcked - allowance)
        {
            problem("INCR accounting of " + key + ": final " + finalValue + " < acknowledged " + key.incrAcked +
                (allowance > 0 ? " - " + allowance + " acknowledged just before the fault" : "") +
                " (an acknowledged INCR is missing)");
        }
        else if (finalValue < key.incrAcked)
        {
            lostAckedWrites += key.incrAcked - finalValue;
        }
    }

    /** Checks a data key's final value (read directly from its server). */
    synchronized void checkFinal(final MatrixKey key, final String value)
    {
        final String problem = checkValue(key, value, key.ackedFloor);
        if (problem != null)
        {
            wrong++;
            problem("final value of " + key + ": " + problem);
        }
    }

    /**
     * Every command issued must have completed exactly once.
     *
     * @return the commands that did not complete (lost).
     */
    synchronized List<MatrixOp> sweep()
    {
        final List<MatrixOp> lost = new ArrayList<>();
        for (int i = 0; i < opCount; i++)
        {
            final MatrixOp op = ops.get(i);
            if (op.submitNs() == 0)
            {
                continue; // issued but never handed to the client (the load stopped first)
            }
            if (!op.isDone())
            {
                lost.add(op);
            }
            else if (op.completions() > 1)
            {
                doubleCompletions++;
                problem(op + " completed " + op.completions() + " times");
            }
        }
        lostCompletions = lost.size();
        for (final MatrixOp op : lost.subList(0, Math.min(5, lost.size())))
        {
            problem(op + " never completed (submitted " +
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - op.submitNs()) + " ms ago)");
        }
        return lost;
    }

    /** @return the commands issued so far, in issue order. */
    synchronized List<MatrixOp> ops()
    {
        final List<MatrixOp> list = new ArrayList<>(opCount);
        for (int i = 0; i < opCount; i++)
        {
            list.add(ops.get(i));
        }
        return list;
    }

    synchronized void problem(final String text)
    {
        if (problems.size() < MAX_PROBLEMS)
        {
            problems.add(text);
        }
    }

    synchronized List<String> problems()
    {
        return new ArrayList<>(problems);
    }

    private void wrong(final MatrixOp op, final String why)
    {
        wrong++;
        count(op, 3);
        problem("WRONG REPLY: " + op + ": " + why);
    }

    /** Per shard: [0] ok, [1] may have been applied, [2] not applied, [3] wrong or error reply. */
    private void count(final MatrixOp op, final int column)
    {
        byShard.computeIfAbsent(op.key.shard, s -> new long[4])[column]++;
    }

    /** @return commands settled as successful so far: the load's progress, read from any thread. */
    synchronized long okCount()
    {
        return ok;
    }

    synchronized long[] shard(final String shard)
    {
        return byShard.getOrDefault(shard, new long[4]).clone();
    }

    synchronized long failuresOn(final String shard)
    {
        final long[] counts = shard(shard);
        return counts[1] + counts[2] + counts[3];
    }

    private static String describe(final Object value)
    {
        if (value == null)
        {
            return "nil";
        }
        if (value instanceof String)
        {
            final String text = (String)value;
            return '\'' + (text.length() > 80 ? text.substring(0, 80) + "..." : text) + '\'';
        }
        return value.getClass().getSimpleName() + ' ' + value;
    }

    private static boolean isAscii(final String value)
    {
        for (int i = 0; i < value.length(); i++)
        {
            if (value.charAt(i) > 0x7E || value.charAt(i) < 0x20)
            {
                return false;
            }
        }
        return true;
    }

    synchronized String summary()
    {
        final StringBuilder out = new StringBuilder();
        out.append("commands=").append(opCount).append(" ok=").append(ok).append(" maybeApplied=")
            .append(maybeApplied).append(" notApplied=").append(notApplied).append(" errorReplies=")
            .append(errorReplies).append(" wrong=").append(wrong).append(" lostAckedWrites=")
            .append(lostAckedWrites).append(" lost=").append(lostCompletions).append(" double=")
            .append(doubleCompletions).append(" late=").append(lateCompletions).append(" maxLatencyMs=")
            .append(TimeUnit.NANOSECONDS.toMillis(maxLatencyNs)).append(" maxOvershootMs=")
            .append(maxOvershootNs == Long.MIN_VALUE ? "n/a" : TimeUnit.NANOSECONDS.toMillis(maxOvershootNs));
        for (final Map.Entry<String, long[]> shard : byShard.entrySet())
        {
            final long[] c = shard.getValue();
            out.append("\n    shard ").append(shard.getKey()).append(": ok=").append(c[0]).append(" maybeApplied=")
                .append(c[1]).append(" notApplied=").append(c[2]).append(" wrongOrError=").append(c[3]);
        }
        return out.toString();
    }
}
