package io.slotring.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import io.slotring.codec.RespReader;
import io.slotring.codec.RespType;
import io.slotring.engine.internal.CommandBatch;

/**
 * A Lua script, sent as {@code EVALSHA} and loaded where it is missing. Its SHA1 is computed once, here, when it is
 * created; the script is sent in full only to a node that answers {@code NOSCRIPT} (it never saw the script, its
 * cache was flushed with {@code SCRIPT FLUSH}, or it is a replica promoted after a failover): that node gets
 * {@code EVAL} with the same keys and arguments, which runs the script and caches it, and later calls find it there.
 * It works the same on a {@link RedisClient} and a cluster client; on a cluster, it is routed by its keys (all in one
 * slot, else it is refused before sending), so the fallback goes to the node that answered {@code NOSCRIPT}.
 *
 * <pre>{@code
 * Script increment = Script.of("return redis.call('INCRBY', KEYS[1], ARGV[1])");   // once, e.g. a constant
 * Object n = increment.eval(client, new Object[] {"counter:{user42}"}, 5);          // sync: 5, 10, ...
 * CompletableFuture<Object> later = increment.evalAsync(client, new Object[] {"counter:{user42}"}, 1);
 * }</pre>
 *
 * <p>The zero-copy style ({@link #eval(Client, ReplyHandler, long, int, Object...)}, {@link ZeroCopy}) does the
 * same without a future: the reply reaches a {@link ReplyHandler} as a view, and the {@code NOSCRIPT} fallback
 * happens before the handler sees anything. It allocates nothing per call in steady state.
 *
 * <pre>{@code
 * Script.ZeroCopy calls = increment.zeroCopy(client);      // once per client (thread-safe)
 * Object[] keyAndDelta = {"counter:{user42}".getBytes(UTF_8), 5L};   // reused, unchanged until the reply
 * long code = calls.eval(handler, token, 1, keyAndDelta);   // negative: not sent (back-pressure, closed...)
 * }</pre>
 *
 * <p>Thread-safe and immutable: create it once and share it.
 */
public final class Script
{
    private final String source;
    private final String sha1;
    /** The SHA1 as ASCII bytes: sent as is by every zero-copy EVALSHA (immutable, never handed out). */
    private final byte[] sha1Bytes;
    /** The runner {@link #eval(Client, ReplyHandler, long, int, Object...)} used last; replaced for another client. */
    private volatile ZeroCopy lastZeroCopy;

    private Script(final String source)
    {
        this.source = source;
        this.sha1 = sha1Hex(source);
        this.sha1Bytes = sha1.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * @param source the Lua source.
     * @return the script, its SHA1 computed.
     * @throws NullPointerException when {@code source} is null.
     */
    public static Script of(final String source)
    {
        if (source == null)
        {
            throw new NullPointerException("source must not be null");
        }
        return new Script(source);
    }

    /**
     * @return the Lua source.
     */
    public String source()
    {
        return source;
    }

    /**
     * @return the SHA1 of the source, 40 lowercase hex digits, as {@code SCRIPT LOAD} returns it.
     */
    public String sha1()
    {
        return sha1;
    }

    /**
     * Runs the script (async style): {@code EVALSHA}, then {@code EVAL} on a {@code NOSCRIPT} reply.
     *
     * @param client a client (standalone or cluster).
     * @param keys   the script's keys ({@code KEYS}): {@code byte[]}, {@code CharSequence} or numbers.
     * @param args   the script's arguments ({@code ARGV}).
     * @return the script's reply as Java values (see {@link AsyncCommands#execute}).
     * @throws IllegalArgumentException for a null key or argument, or (cluster) keys in several slots; nothing was
     *                                  sent.
     */
    public CompletableFuture<Object> evalAsync(final Client client, final Object[] keys, final Object... args)
    {
        return client.async().eval(this, keys, args);
    }

    /**
     * Runs the script read-only (async style): {@code EVALSHA_RO}, then {@code EVAL_RO} on a {@code NOSCRIPT} reply
     * (Redis 7+); a replica may serve it under a read-from policy other than MASTER.
     *
     * @param client a client (standalone or cluster).
     * @param keys   the script's keys.
     * @param args   the script's arguments.
     * @return the script's reply as Java values.
     * @throws IllegalArgumentException as {@link #evalAsync}.
     */
    public CompletableFuture<Object> evalReadOnlyAsync(final Client client, final Object[] keys,
        final Object... args)
    {
        return client.async().evalReadOnly(this, keys, args);
    }

    /**
     * Runs the script (sync style): {@code EVALSHA}, then {@code EVAL} on a {@code NOSCRIPT} reply.
     *
     * @param client a client (standalone or cluster).
     * @param keys   the script's keys.
     * @param args   the script's arguments.
     * @return the script's reply as Java values.
     * @throws RedisException on an error reply (other than the first NOSCRIPT), a timeout or a lost connection.
     * @throws IllegalArgumentException as {@link #evalAsync}.
     */
    public Object eval(final Client client, final Object[] keys, final Object... args)
    {
        return client.sync().eval(this, keys, args);
    }

    /**
     * Runs the script read-only (sync style): {@code EVALSHA_RO}, then {@code EVAL_RO} on a {@code NOSCRIPT} reply.
     *
     * @param client a client (standalone or cluster).
     * @param keys   the script's keys.
     * @param args   the script's arguments.
     * @return the script's reply as Java values.
     * @throws RedisException as {@link #eval}.
     * @throws IllegalArgumentException as {@link #evalAsync}.
     */
    public Object evalReadOnly(final Client client, final Object[] keys, final Object... args)
    {
        return client.sync().evalReadOnly(this, keys, args);
    }

    /**
     * Runs the script (zero-copy style) through {@code client}: {@code EVALSHA}, and on a {@code NOSCRIPT} reply
     * {@code EVAL} with the same keys and arguments to the same node, before the handler sees anything; the
     * handler then gets the script's reply (or its error reply) as a view. A shortcut for
     * {@code zeroCopy(client).eval(...)} that keeps the runner of the last client used, so calling it with one
     * client allocates nothing; alternating clients creates runners, so hold a {@link #zeroCopy} per client then.
     *
     * @param client       a client (standalone or cluster).
     * @param handler      receives the reply, or the failure.
     * @param token        passed back to the handler.
     * @param numkeys      how many of {@code keysThenArgs} are keys ({@code KEYS}); the rest are {@code ARGV}.
     * @param keysThenArgs the keys, then the arguments (see {@link ZeroCopy#eval(ReplyHandler, long, int,
     *                     Object...)} for how long they must stay unchanged).
     * @return a non-negative number when published, else a negative code ({@link Client#BACK_PRESSURED},
     * {@link Client#CLOSED}, a cluster client's {@code NO_ROUTE}).
     * @throws IllegalArgumentException as {@link ZeroCopy#eval(ReplyHandler, long, int, Object...)}.
     */
    public long eval(final Client client, final ReplyHandler handler, final long token, final int numkeys,
        final Object... keysThenArgs)
    {
        return zeroCopyFor(client).eval(handler, token, numkeys, keysThenArgs);
    }

    /**
     * Runs the script (zero-copy style) as part of a batch: as {@link #eval(Client, ReplyHandler, long, int,
     * Object...)}, the batch's handler receiving the reply and {@link Batch#await} waiting for it (for the
     * {@code EVAL} fallback too).
     *
     * @param client       a client (standalone or cluster); the batch must be from its {@code newBatch}.
     * @param batch        the caller's reusable batch.
     * @param token        passed back to the batch's handler.
     * @param numkeys      how many of {@code keysThenArgs} are keys.
     * @param keysThenArgs the keys, then the arguments.
     * @return a non-negative number when published, else a negative code.
     * @throws IllegalArgumentException as {@link ZeroCopy#eval(Batch, long, int, Object...)}.
     */
    public long eval(final Client client, final Batch batch, final long token, final int numkeys,
        final Object... keysThenArgs)
    {
        return zeroCopyFor(client).eval(batch, token, numkeys, keysThenArgs);
    }

    /**
     * A zero-copy runner of this script on {@code client}, holding up to 1024 calls in flight. Thread-safe; create
     * one per client (or per thread, to keep threads off each other's cache lines) and keep it.
     *
     * @param client a client (standalone or cluster).
     * @return the runner.
     * @throws NullPointerException when {@code client} is null.
     */
    public ZeroCopy zeroCopy(final Client client)
    {
        return new ZeroCopy(this, client, ZeroCopy.DEFAULT_MAX_IN_FLIGHT);
    }

    /**
     * A zero-copy runner of this script on {@code client}.
     *
     * @param client      a client (standalone or cluster).
     * @param maxInFlight how many of its calls may await their reply at once (rounded up to a power of two); a call
     *                    beyond that returns {@link Client#BACK_PRESSURED}.
     * @return the runner.
     * @throws NullPointerException     when {@code client} is null.
     * @throws IllegalArgumentException when {@code maxInFlight} is not in 1..2^20.
     */
    public ZeroCopy zeroCopy(final Client client, final int maxInFlight)
    {
        return new ZeroCopy(this, client, maxInFlight);
    }

    private ZeroCopy zeroCopyFor(final Client client)
    {
        final ZeroCopy last = lastZeroCopy;
        if (last != null && last.client == client)
        {
            return last;
        }
        // Rare: the first call, or another client. A runner replaced here stays valid for its calls in flight.
        final ZeroCopy created = zeroCopy(client);
        lastZeroCopy = created;
        return created;
    }

    /** {@inheritDoc} */
    @Override
    public String toString()
    {
        return "Script{sha1=" + sha1 + '}';
    }

    /**
     * @param failure a future's failure, possibly wrapped.
     * @return true when it is a {@code NOSCRIPT} error reply.
     */
    static boolean isNoScript(final Throwable failure)
    {
        final Throwable cause = failure instanceof CompletionException && failure.getCause() != null ?
            failure.getCause() : failure;
        return cause instanceof RedisServerException && "NOSCRIPT".equals(((RedisServerException)cause).errorCode());
    }

    /**
     * @param failure a future's failure, possibly wrapped.
     * @return the failure itself, unwrapped from a {@link CompletionException}.
     */
    static Throwable unwrap(final Throwable failure)
    {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    /**
     * Zero-copy calls of one {@link Script} on one {@link Client}: {@code EVALSHA} with the precomputed SHA1, and
     * on a {@code NOSCRIPT} reply {@code EVAL} with the same keys and arguments, sent from the completing thread to
     * the node that answered (the keys' slot decides it on a cluster), before the caller's handler sees anything.
     * The handler gets the script's reply as a {@link RespReader} view, valid only during the call; a script error
     * ({@code ERR ...}) arrives there as an error reply, a timeout or lost connection as
     * {@link ReplyHandler#onFailure}.
     *
     * <p>No allocation per call in steady state: each call takes an entry of a preallocated table (its completion
     * finds it again by the token the engine carries), whose command array is built once per argument count and
     * reused; the SHA1 bytes are computed once. The varargs array is the caller's: pass a reused one. Only the
     * fallback's rare path may allocate (an exception when it cannot be sent).
     *
     * <p>Ownership: the key and argument objects are encoded before the call returns, but the {@code NOSCRIPT}
     * fallback encodes them again, so the runner keeps references to them until the handler was called: a
     * {@code byte[]} or mutable {@code CharSequence} passed in must stay unchanged until then (the array that held
     * them may be reused at once). The runner drops the references when the call completes.
     *
     * <p>Routing (cluster): by the slot of the keys, which must all be in one slot, else
     * {@link IllegalArgumentException} ({@code CROSSSLOT}) before anything is sent.
     *
     * <p>Thread-safe and lock-free: any number of threads may call; completions run on I/O threads (or a caller
     * reading its own batch's replies).
     */
    public static final class ZeroCopy
    {
        static final int DEFAULT_MAX_IN_FLIGHT = 1024;
        private static final int MAX_IN_FLIGHT = 1 << 20;
        /**
         * The server's own "not cached" reply (Redis and Valkey: {@code NOSCRIPT No matching script. Please use
         * EVAL.}); matched beyond the error code so that a script raising a {@code NOSCRIPT ...} error itself is
         * not run a second time.
         */
        private static final byte[] NOSCRIPT = "NOSCRIPT No matching script".getBytes(StandardCharsets.US_ASCII);
        /** Boxed key counts, so a call never boxes (Integer.valueOf caches only up to 127). */
        private static final Integer[] NUMKEYS = new Integer[256];

        static
        {
            for (int i = 0; i < NUMKEYS.length; i++)
            {
                NUMKEYS[i] = i;
            }
        }

        private final Script script;
        private final Client client;
        private final Entry[] entries;
        private final int mask;
        private final Completion completion = new Completion();
        /**
         * Where the next claim starts looking: a racy hint (a lost update only makes a claim try a taken entry
         * first, which its CAS refuses), so callers share no atomic counter.
         */
        private int cursor;

        ZeroCopy(final Script script, final Client client, final int maxInFlight)
        {
            if (client == null)
            {
                throw new NullPointerException("client must not be null");
            }
            if (maxInFlight < 1 || maxInFlight > MAX_IN_FLIGHT)
            {
                throw new IllegalArgumentException("maxInFlight: expected 1.." + MAX_IN_FLIGHT + ", got " +
                    maxInFlight);
            }
            this.script = script;
            this.client = client;
            final int capacity = maxInFlight == 1 ? 1 : Integer.highestOneBit(maxInFlight - 1) << 1;
            this.entries = new Entry[capacity];
            for (int i = 0; i < capacity; i++)
            {
                entries[i] = new Entry();
            }
            this.mask = capacity - 1;
        }

        /**
         * @return the script this runner sends.
         */
        public Script script()
        {
            return script;
        }

        /**
         * Runs the script: {@code EVALSHA sha1 numkeys keys... args...}, then {@code EVAL} on {@code NOSCRIPT}.
         *
         * @param handler      receives the reply (of the {@code EVAL} after a {@code NOSCRIPT}), or the failure.
         * @param token        passed back to the handler.
         * @param numkeys      how many of {@code keysThenArgs} are keys ({@code KEYS}); the rest are {@code ARGV}.
         * @param keysThenArgs the keys, then the arguments: {@code byte[]}, {@code CharSequence} or numbers; kept
         *                     (by reference) until the handler was called, for the fallback.
         * @return a non-negative number when published, else a negative code ({@link Client#BACK_PRESSURED}: the
         * ring or this runner's table of calls in flight is full; {@link Client#CLOSED}; a cluster client's
         * {@code NO_ROUTE}); nothing was sent then.
         * @throws NullPointerException     when {@code handler} or {@code keysThenArgs} is null; nothing was sent.
         * @throws IllegalArgumentException when {@code numkeys} is not in 0..{@code keysThenArgs.length}, an
         *                                  element is null or of an unsupported type, or (cluster) the keys span
         *                                  slots; nothing was sent.
         */
        public long eval(final ReplyHandler handler, final long token, final int numkeys,
            final Object... keysThenArgs)
        {
            if (handler == null)
            {
                throw new NullPointerException("handler must not be null");
            }
            return submit(handler, null, token, false, numkeys, keysThenArgs);
        }

        /**
         * Runs the script as part of a batch: the batch's handler receives the reply, {@link Batch#await} waits
         * for it (and for the {@code EVAL} fallback), and it leaves with the batch's other commands for its node.
         *
         * @param batch        the caller's reusable batch, from this runner's client's {@code newBatch}.
         * @param token        passed back to the batch's handler.
         * @param numkeys      how many of {@code keysThenArgs} are keys.
         * @param keysThenArgs the keys, then the arguments; kept until the batch's handler was called.
         * @return a non-negative number when published, else a negative code.
         * @throws NullPointerException     when {@code batch} or {@code keysThenArgs} is null.
         * @throws IllegalArgumentException as {@link #eval(ReplyHandler, long, int, Object...)}, or for a batch
         *                                  not made by a slotring client.
         */
        public long eval(final Batch batch, final long token, final int numkeys, final Object... keysThenArgs)
        {
            if (batch == null)
            {
                throw new NullPointerException("batch must not be null");
            }
            return submit(null, CommandBatch.of(batch), token, false, numkeys, keysThenArgs);
        }

        /**
         * Runs the script read-only: {@code EVALSHA_RO}, then {@code EVAL_RO} on {@code NOSCRIPT} (Redis 7+); a
         * replica may serve it under a read-from policy other than MASTER.
         *
         * @param handler      receives the reply, or the failure.
         * @param token        passed back to the handler.
         * @param numkeys      how many of {@code keysThenArgs} are keys.
         * @param keysThenArgs the keys, then the arguments; kept until the handler was called.
         * @return a non-negative number when published, else a negative code.
         * @throws NullPointerException     as {@link #eval(ReplyHandler, long, int, Object...)}.
         * @throws IllegalArgumentException as {@link #eval(ReplyHandler, long, int, Object...)}.
         */
        public long evalReadOnly(final ReplyHandler handler, final long token, final int numkeys,
            final Object... keysThenArgs)
        {
            if (handler == null)
            {
                throw new NullPointerException("handler must not be null");
            }
            return submit(handler, null, token, true, numkeys, keysThenArgs);
        }

        /**
         * Runs the script read-only as part of a batch ({@code EVALSHA_RO}, then {@code EVAL_RO}).
         *
         * @param batch        the caller's reusable batch.
         * @param token        passed back to the batch's handler.
         * @param numkeys      how many of {@code keysThenArgs} are keys.
         * @param keysThenArgs the keys, then the arguments; kept until the batch's handler was called.
         * @return a non-negative number when published, else a negative code.
         * @throws NullPointerException     as {@link #eval(Batch, long, int, Object...)}.
         * @throws IllegalArgumentException as {@link #eval(Batch, long, int, Object...)}.
         */
        public long evalReadOnly(final Batch batch, final long token, final int numkeys,
            final Object... keysThenArgs)
        {
            if (batch == null)
            {
                throw new NullPointerException("batch must not be null");
            }
            return submit(null, CommandBatch.of(batch), token, true, numkeys, keysThenArgs);
        }

        /**
         * @return how many calls of this runner await their reply now (a racy count, for monitoring).
         */
        public int inFlight()
        {
            int count = 0;
            for (final Entry entry : entries)
            {
                if ((int)Entry.STATE.getOpaque(entry) != Entry.FREE)
                {
                    count++;
                }
            }
            return count;
        }

        private long submit(final ReplyHandler handler, final CommandBatch batch, final long token,
            final boolean readOnly, final int numkeys, final Object[] keysThenArgs)
        {
            if (keysThenArgs == null)
            {
                throw new NullPointerException("keysThenArgs must not be null (pass an empty array)");
            }
            if (numkeys < 0 || numkeys > keysThenArgs.length)
            {
                throw new IllegalArgumentException("numkeys: expected 0.." + keysThenArgs.length +
                    " (the number of keys and arguments given), got " + numkeys);
            }
            final int index = claim();
            if (index < 0)
            {
                return Client.BACK_PRESSURED;
            }
            final Entry entry = entries[index];
            final Object[] command = entry.command(3 + keysThenArgs.length);
            command[0] = readOnly ? "EVALSHA_RO" : "EVALSHA";
            command[1] = script.sha1Bytes;
            command[2] = numkeys < NUMKEYS.length ? NUMKEYS[numkeys] : Integer.valueOf(numkeys);
            System.arraycopy(keysThenArgs, 0, command, 3, keysThenArgs.length);
            entry.current = command;
            entry.readOnly = readOnly;
            entry.fallback = false;
            entry.token = token;
            long code = Client.CLOSED;
            try
            {
                if (batch == null)
                {
                    entry.handler = handler;
                    entry.batch = null;
                    // Published with the command: the completion sees every field written above (the ring's
                    // publish is a release, the I/O thread's read of it an acquire).
                    code = client.execute(completion, index, command);
                }
                else
                {
                    entry.handler = batch.userHandler();
                    entry.batch = batch;
                    // The engine gives a batched command the batch's handler: for this one submission it is the
                    // runner's completion, which passes the reply on to the batch's handler.
                    batch.overrideHandler(completion);
                    try
                    {
                        code = client.execute(batch, index, command);
                    }
                    finally
                    {
                        batch.overrideHandler(null);
                    }
                }
            }
            finally
            {
                if (code < 0)
                {
                    // Not published (refused, or it threw): no completion will come, so free the entry here.
                    entry.free();
                }
            }
            return code;
        }

        /** Takes a free entry (CAS FREE to BUSY), or -1 when all are in flight. */
        private int claim()
        {
            final int start = cursor;
            for (int i = 0; i <= mask; i++)
            {
                final int index = (start + i) & mask;
                final Entry entry = entries[index];
                if ((int)Entry.STATE.getOpaque(entry) == Entry.FREE && Entry.STATE.compareAndSet(entry, Entry.FREE,
                    Entry.BUSY))
                {
                    cursor = index + 1;
                    return index;
                }
            }
            return -1;
        }

        /**
         * Completion side: the engine carries the entry's index as the token. Runs on whichever thread completes
         * the command; each entry has one command in flight at a time, so one thread at a time touches it.
         */
        private final class Completion implements ReplyHandler
        {
            @Override
            public void onReply(final long token, final RespReader reply)
            {
                final Entry entry = entries[(int)token];
                if (!entry.fallback && reply.type() == RespType.ERROR && reply.contentStartsWith(NOSCRIPT))
                {
                    resendBySource(entry, (int)token);
                    return;
                }
                final ReplyHandler handler = entry.handler;
                final long userToken = entry.token;
                final CommandBatch held = entry.fallback ? entry.batch : null;
                entry.free();
                try
                {
                    handler.onReply(userToken, reply);
                }
                finally
                {
                    if (held != null)
                    {
                        held.release();
                    }
                }
            }

            @Override
            public void onFailure(final long token, final RedisException error)
            {
                final Entry entry = entries[(int)token];
                final ReplyHandler handler = entry.handler;
                final long userToken = entry.token;
                final CommandBatch held = entry.fallback ? entry.batch : null;
                entry.free();
                try
                {
                    handler.onFailure(userToken, error);
                }
                finally
                {
                    if (held != null)
                    {
                        held.release();
                    }
                }
            }

            /**
             * {@code NOSCRIPT}: the same command array, its name and SHA1 swapped for EVAL and the source, sent
             * alone (not through the batch, which belongs to its submitting thread) with this completion again; a
             * batched call holds its batch open until the fallback completes. Rare, so it may allocate.
             */
            private void resendBySource(final Entry entry, final int index)
            {
                final Object[] command = entry.current;
                command[0] = entry.readOnly ? "EVAL_RO" : "EVAL";
                command[1] = script.source;
                entry.fallback = true;
                final CommandBatch batch = entry.batch;
                if (batch != null)
                {
                    // Before this completion returns (and the engine counts the EVALSHA done), so await goes on.
                    batch.hold();
                }
                long code;
                RuntimeException thrown = null;
                try
                {
                    code = client.execute(this, index, command);
                }
                catch (final RuntimeException ex)
                {
                    code = Client.CLOSED;
                    thrown = ex;
                }
                if (code >= 0)
                {
                    return;
                }
                final RedisException why = code == Client.BACK_PRESSURED ?
                    new RedisBackPressureException("NOSCRIPT, and the EVAL fallback found the ring full " +
                        "(command not applied)") :
                    new RedisConnectionException("NOSCRIPT, and the EVAL fallback could not be sent (" +
                        (thrown != null ? thrown.toString() : code == Client.CLOSED ? "client closed" :
                        "no route, code " + code) + "; command not applied)", false, thrown);
                onFailure(index, why);
            }
        }

        /**
         * One call in flight. Written by the claiming thread before the command is published, read and cleared by
         * the completing thread, which frees it last (a release store); the next claimer's CAS sees the clears.
         */
        private static final class Entry
        {
            static final int FREE = 0;
            static final int BUSY = 1;
            static final VarHandle STATE;

            static
            {
                try
                {
                    STATE = MethodHandles.lookup().findVarHandle(Entry.class, "state", int.class);
                }
                catch (final ReflectiveOperationException ex)
                {
                    throw new ExceptionInInitializerError(ex);
                }
            }

            @SuppressWarnings("unused")
            private volatile int state;
            ReplyHandler handler;
            long token;
            /** Set for a batched call: the batch to release after a fallback. */
            CommandBatch batch;
            boolean readOnly;
            /** The EVAL fallback was sent: its reply (error or not) goes to the caller. */
            boolean fallback;
            /** The command array in use (one of {@link #byLength}), re-sent by the fallback. */
            Object[] current;
            /** Command arrays by length, made at a length's first use, then reused (the engine needs exact sizes). */
            Object[][] byLength = new Object[8][];

            Object[] command(final int length)
            {
                if (length >= byLength.length)
                {
                    byLength = Arrays.copyOf(byLength, Math.max(length + 1, byLength.length * 2));
                }
                Object[] command = byLength[length];
                if (command == null)
                {
                    command = new Object[length];
                    byLength[length] = command;
                }
                return command;
            }

            void free()
            {
                final Object[] command = current;
                if (command != null)
                {
                    // Drop the caller's keys and arguments: the runner must not keep them alive.
                    Arrays.fill(command, null);
                }
                current = null;
                handler = null;
                batch = null;
                STATE.setRelease(this, FREE);
            }
        }
    }

    private static String sha1Hex(final String source)
    {
        final byte[] digest;
        try
        {
            digest = MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8));
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("expected the JDK to provide SHA-1, got none", ex);
        }
        final char[] hex = new char[digest.length * 2];
        for (int i = 0; i < digest.length; i++)
        {
            hex[2 * i] = Character.forDigit((digest[i] >> 4) & 0xF, 16);
            hex[2 * i + 1] = Character.forDigit(digest[i] & 0xF, 16);
        }
        return new String(hex);
    }
}
