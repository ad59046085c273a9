package io.slotring.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import io.slotring.engine.internal.CommandChecks;
import io.slotring.engine.internal.DedicatedConnections;
import io.slotring.engine.internal.ReplyConverters;

/**
 * A MULTI/EXEC transaction on one slot, over a dedicated connection the transaction holds from creation to its end
 * ({@link #exec()}, {@link #discard()} or {@link #close()}), so no other caller's command lands inside it.
 *
 * <pre>{@code
 * try (Transaction tx = client.multi("{user42}"))
 * {
 *     tx.watch("{user42}balance");                       // optional, before the first queued command
 *     long balance = Long.parseLong((String)tx.execute("GET", "{user42}balance"));   // runs now, before MULTI
 *     tx.queue("SET", "{user42}balance", balance - 10).queue("INCR", "{user42}orders");
 *     List<Object> replies = tx.exec();                  // null: a watched key changed, nothing applied
 * }
 * }</pre>
 *
 * <p>Every key must be in the transaction's slot on a cluster client (the command table decides, as for routing):
 * a command with a key elsewhere, or keys in several slots (CROSSSLOT), throws {@code IllegalArgumentException}
 * before anything is sent. A command the server refuses while queueing (a MOVED or ASK after a slot migration, a
 * wrong argument count) aborts the whole transaction: {@link #exec()} throws a {@link RedisServerException} naming
 * the command and the reason, nothing was applied, and no command is ever re-sent outside the transaction.
 *
 * <p>Not thread-safe: one thread drives a transaction. Every call waits at most the command timeout (plus one
 * second); a timeout resets the dedicated connection, which ends the transaction on the server without applying it.
 *
 * <p>Async: {@link #watchAsync}, {@link #executeAsync}, {@link #queue} (which never waits) and {@link #execAsync}
 * (or {@link #discardAsync}) drive the same transaction without blocking the caller; commands are sent at once, in
 * call order, on the transaction's connection. {@code ClusterClient.multiAsync} also leases the connection without
 * blocking.
 * <pre>{@code
 * cluster.multiAsync("{user42}").thenCompose(tx -> tx.watchAsync("{user42}balance")
 *     .thenCompose(ok -> tx.executeAsync("GET", "{user42}balance"))
 *     .thenCompose(balance -> tx.queue("SET", "{user42}balance", parse(balance) - 10).execAsync()));
 * }</pre>
 */
public final class Transaction implements AutoCloseable
{
    private static final int OPEN = 0;
    private static final int QUEUEING = 1;
    private static final int ENDED = 2;

    private final DedicatedConnections.Lease lease;
    private final Consumer<Object[]> keyCheck;
    private final long waitNs;
    private final List<CompletableFuture<String>> queued = new ArrayList<>();
    private final List<String> queuedNames = new ArrayList<>();
    private final List<CompletableFuture<String>> watched = new ArrayList<>();
    private CompletableFuture<String> multi;
    private boolean watching;
    private int state = OPEN;

    Transaction(final DedicatedConnections.Lease lease, final Consumer<Object[]> keyCheck, final long commandTimeoutNs)
    {
        this.lease = lease;
        this.keyCheck = keyCheck;
        this.waitNs = commandTimeoutNs + TimeUnit.SECONDS.toNanos(1);
    }

    /**
     * WATCH keys: {@link #exec()} returns null if any of them changes before it. Only before the first
     * {@link #queue}.
     *
     * @param keys the keys, in the transaction's slot.
     * @return this.
     * @throws IllegalArgumentException for no keys, a null key or a key outside the slot; nothing was sent.
     * @throws IllegalStateException    after the first queued command, or once the transaction ended.
     */
    public Transaction watch(final Object... keys)
    {
        await(watchAsync(keys), "WATCH");
        return this;
    }

    /**
     * Runs a command now, outside the transaction but on its connection (typically a read of a watched key
     * between {@link #watch} and the first {@link #queue}). Only before the first {@link #queue}.
     *
     * @param args command name and arguments, keys in the transaction's slot.
     * @return the reply as Java values (see {@link AsyncCommands#execute}).
     * @throws IllegalArgumentException for a refused command or a key outside the slot; nothing was sent.
     * @throws IllegalStateException    after the first queued command, or once the transaction ended.
     * @throws RedisException           on an error reply, a timeout or a lost connection.
     */
    public Object execute(final Object... args)
    {
        requireState(OPEN, "execute");
        checkAllowed(args, false);
        return await(lease.submit(ReplyConverters.OBJECT, args), Arguments.name(args));
    }

    /**
     * Queues a command inside the transaction (MULTI goes before the first one). The command is sent at once and
     * its QUEUED acknowledgement checked at {@link #exec()}.
     *
     * @param args command name and arguments, keys in the transaction's slot.
     * @return this.
     * @throws IllegalArgumentException for a refused command (MULTI, EXEC, WATCH, SUBSCRIBE...) or a key outside
     *                                  the slot; nothing was sent.
     * @throws IllegalStateException    once the transaction ended.
     */
    public Transaction queue(final Object... args)
    {
        if (state == ENDED)
        {
            throw new IllegalStateException("expected an open transaction, got one that already ended");
        }
        checkAllowed(args, false);
        if (state == OPEN)
        {
            multi = lease.submit(ReplyConverters.STRING, "MULTI");
            state = QUEUEING;
        }
        queued.add(lease.submit(ReplyConverters.STRING, args));
        queuedNames.add(Arguments.name(args));
        return this;
    }

    /**
     * EXEC: runs the queued commands atomically and ends the transaction.
     *
     * @return one reply per queued command, in order (an error reply of one command is a
     * {@link RedisServerException} value in its place); null when a watched key changed, so nothing was applied.
     * @throws RedisServerException when the server refused a queued command (nothing was applied).
     * @throws IllegalStateException once the transaction ended.
     * @throws RedisException       on a timeout or a lost connection.
     */
    public List<Object> exec()
    {
        return await(execAsync(), "EXEC");
    }

    /**
     * EXEC without blocking the caller: sends MULTI (if nothing was queued) and EXEC behind the queued commands and
     * ends the transaction at once (no further call is accepted); the connection goes back to the pool when the
     * reply came.
     *
     * @return completes with one reply per queued command, in order (an error reply of one command is a
     * {@link RedisServerException} value in its place), or null when a watched key changed, so nothing was applied;
     * fails with a {@link RedisServerException} (EXECABORT) when the server refused a queued command, nothing
     * applied (a redirect inside a transaction is never followed), or with the {@link RedisException} of a timeout
     * or a lost connection. Completes on an I/O thread.
     * @throws IllegalStateException once the transaction ended.
     */
    @SuppressWarnings("unchecked")
    public CompletableFuture<List<Object>> execAsync()
    {
        if (state == ENDED)
        {
            throw new IllegalStateException("expected an open transaction, got one that already ended");
        }
        final CompletableFuture<Object> exec;
        try
        {
            if (state == OPEN)
            {
                multi = lease.submit(ReplyConverters.STRING, "MULTI");
                state = QUEUEING;
            }
            exec = lease.submit(ReplyConverters.OBJECT, "EXEC");
        }
        catch (final RuntimeException | Error ex)
        {
            end();
            throw ex;
        }
        state = ENDED;
        final CompletableFuture<String> multiAck = multi;
        final List<CompletableFuture<String>> commands = new ArrayList<>(queued);
        final List<String> names = new ArrayList<>(queuedNames);
        final List<CompletableFuture<String>> watches = new ArrayList<>(watched);
        final CompletableFuture<?>[] all = new CompletableFuture<?>[commands.size() + watches.size() + 2];
        int n = 0;
        for (final CompletableFuture<String> watch : watches)
        {
            all[n++] = watch;
        }
        all[n++] = multiAck;
        for (final CompletableFuture<String> command : commands)
        {
            all[n++] = command;
        }
        all[n] = exec;
        // Replies come in order on the leased connection; allOf only guards against a failure out of order.
        return CompletableFuture.allOf(all).handle((ignored, failure) ->
        {
            lease.release();
            final Throwable watchFailure = firstFailure(watches);
            if (watchFailure != null)
            {
                return CompletableFuture.<List<Object>>failedFuture(watchFailure);
            }
            final Throwable multiFailure = failureOf(multiAck);
            if (multiFailure != null)
            {
                return CompletableFuture.<List<Object>>failedFuture(multiFailure);
            }
            RedisException refused = null;
            for (int i = 0; i < commands.size(); i++)
            {
                final Throwable commandFailure = failureOf(commands.get(i));
                if (commandFailure instanceof RedisServerException ex && refused == null)
                {
                    refused = new RedisServerException("EXECABORT transaction aborted, nothing applied: queued " +
                        "command " + (i + 1) + " of " + commands.size() + " (" + names.get(i) + ") was " +
                        "refused: " + ex.getMessage() + (isRedirect(ex) ? " (a redirect inside a transaction " +
                        "is never followed: retry the whole transaction)" : ""));
                }
                else if (commandFailure != null && !(commandFailure instanceof RedisServerException))
                {
                    return CompletableFuture.<List<Object>>failedFuture(commandFailure);
                }
            }
            if (refused != null)
            {
                return CompletableFuture.<List<Object>>failedFuture(refused);
            }
            final Throwable execFailure = failureOf(exec);
            if (execFailure != null)
            {
                return CompletableFuture.<List<Object>>failedFuture(execFailure);
            }
            return CompletableFuture.completedFuture((List<Object>)exec.join());
        }).thenCompose(result -> result);
    }

    /**
     * {@link #watch} without waiting for the reply: the WATCH is sent at once, ahead of whatever is sent next on
     * the transaction's connection, so the caller may go on queueing; a failed WATCH also fails {@link #execAsync}.
     *
     * @param keys the keys, in the transaction's slot.
     * @return completes with OK.
     * @throws IllegalArgumentException for no keys, a null key or a key outside the slot; nothing was sent.
     * @throws IllegalStateException    after the first queued command, or once the transaction ended.
     */
    public CompletableFuture<String> watchAsync(final Object... keys)
    {
        requireState(OPEN, "WATCH");
        if (keys == null || keys.length == 0)
        {
            throw new IllegalArgumentException("WATCH expects at least one key, got none");
        }
        final Object[] command = new Object[keys.length + 1];
        command[0] = "WATCH";
        System.arraycopy(keys, 0, command, 1, keys.length);
        checkAllowed(command, true);
        watching = true;
        final CompletableFuture<String> reply = lease.submit(ReplyConverters.STRING, command);
        watched.add(reply);
        return reply;
    }

    /**
     * {@link #execute} without waiting: runs a command now, outside the transaction but on its connection (a read
     * of a watched key between {@link #watchAsync} and the first {@link #queue}).
     *
     * @param args command name and arguments, keys in the transaction's slot.
     * @return the reply as Java values (see {@link AsyncCommands#execute}); completes on an I/O thread.
     * @throws IllegalArgumentException for a refused command or a key outside the slot; nothing was sent.
     * @throws IllegalStateException    after the first queued command, or once the transaction ended.
     */
    public CompletableFuture<Object> executeAsync(final Object... args)
    {
        requireState(OPEN, "execute");
        checkAllowed(args, false);
        return lease.submit(ReplyConverters.OBJECT, args);
    }

    /**
     * {@link #discard} without waiting: sends DISCARD (or UNWATCH before anything was queued) and ends the
     * transaction; the connection goes back to the pool when the reply came.
     *
     * @return completes when the server answered (at once when nothing was sent or the transaction had ended).
     */
    public CompletableFuture<Void> discardAsync()
    {
        if (state == ENDED)
        {
            return CompletableFuture.completedFuture(null);
        }
        final String name = state == QUEUEING ? "DISCARD" : watching ? "UNWATCH" : null;
        state = ENDED;
        if (name == null)
        {
            lease.release();
            return CompletableFuture.completedFuture(null);
        }
        final CompletableFuture<String> reply;
        try
        {
            reply = lease.submit(ReplyConverters.STRING, name);
        }
        catch (final RuntimeException | Error ex)
        {
            lease.release();
            throw ex;
        }
        for (final CompletableFuture<String> command : queued)
        {
            command.exceptionally(ignored -> null);
        }
        return reply.handle((value, failure) ->
        {
            lease.release();
            return failure == null ? CompletableFuture.<Void>completedFuture(null) :
                CompletableFuture.<Void>failedFuture(failure);
        }).thenCompose(result -> result);
    }

    private static Throwable firstFailure(final List<CompletableFuture<String>> futures)
    {
        for (final CompletableFuture<String> future : futures)
        {
            final Throwable failure = failureOf(future);
            if (failure != null)
            {
                return failure;
            }
        }
        return null;
    }

    /** The cause a completed future failed with, or null. */
    private static Throwable failureOf(final CompletableFuture<?> future)
    {
        if (!future.isCompletedExceptionally())
        {
            return null;
        }
        try
        {
            future.join();
            return null;
        }
        catch (final java.util.concurrent.CompletionException | java.util.concurrent.CancellationException ex)
        {
            return ex.getCause() != null ? ex.getCause() : ex;
        }
    }

    /**
     * DISCARD (or UNWATCH before anything was queued): nothing queued is applied; ends the transaction. Does
     * nothing once it ended.
     *
     * @throws RedisException on a timeout or a lost connection (the transaction ended all the same).
     */
    public void discard()
    {
        await(discardAsync(), "DISCARD");
    }

    /**
     * Discards the transaction unless it was executed or discarded, and gives its connection back.
     */
    @Override
    public void close()
    {
        try
        {
            discard();
        }
        catch (final RedisException ignored)
        {
            // Closing must not throw: a failed DISCARD means the connection was reset, which ends it too.
        }
    }

    private void end()
    {
        state = ENDED;
        lease.release();
    }

    private void requireState(final int expected, final String what)
    {
        if (state != expected)
        {
            throw new IllegalStateException(what + ": expected a transaction before its first queued command, got " +
                (state == ENDED ? "one that already ended" : "one with " + queued.size() + " queued commands"));
        }
    }

    private void checkAllowed(final Object[] args, final boolean watch)
    {
        if (state == ENDED)
        {
            throw new IllegalStateException("expected an open transaction, got one that already ended");
        }
        if (!watch)
        {
            CommandChecks.checkArguments(args);
        }
        else
        {
            for (int i = 1; i < args.length; i++)
            {
                if (args[i] == null)
                {
                    throw new IllegalArgumentException("WATCH: key " + i + " is null: expected byte[] or " +
                        "CharSequence");
                }
            }
        }
        keyCheck.accept(args);
    }

    private static boolean isRedirect(final RedisServerException ex)
    {
        final String code = ex.errorCode();
        return "MOVED".equals(code) || "ASK".equals(code);
    }

    private <T> T await(final CompletableFuture<T> future, final String name)
    {
        try
        {
            return future.get(waitNs, TimeUnit.NANOSECONDS);
        }
        catch (final ExecutionException ex)
        {
            final Throwable cause = ex.getCause();
            if (cause instanceof RedisException)
            {
                throw (RedisException)cause;
            }
            throw new RedisException(name + " failed: " + cause, true, cause);
        }
        catch (final TimeoutException ex)
        {
            throw new RedisTimeoutException(name + ": no reply within " + waitNs / 1_000_000 + "ms on " +
                lease.name(), true);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new RedisException("interrupted while waiting for the reply to " + name, true, ex);
        }
    }

    /** Command names for messages. */
    private static final class Arguments
    {
        private Arguments()
        {
        }

        static String name(final Object[] args)
        {
            final Object name = args[0];
            return name instanceof byte[] ? new String((byte[])name, java.nio.charset.StandardCharsets.UTF_8)
                .toUpperCase(java.util.Locale.ROOT) : name.toString().toUpperCase(java.util.Locale.ROOT);
        }
    }
}
