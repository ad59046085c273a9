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
        await(lease.submit(ReplyConverters.STRING, command), "WATCH");
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
    @SuppressWarnings("unchecked")
    public List<Object> exec()
    {
        if (state == ENDED)
        {
            throw new IllegalStateException("expected an open transaction, got one that already ended");
        }
        try
        {
            if (state == OPEN)
            {
                multi = lease.submit(ReplyConverters.STRING, "MULTI");
                state = QUEUEING;
            }
            final CompletableFuture<Object> exec = lease.submit(ReplyConverters.OBJECT, "EXEC");
            state = ENDED;
            await(multi, "MULTI");
            RedisException refused = null;
            for (int i = 0; i < queued.size(); i++)
            {
                try
                {
                    await(queued.get(i), queuedNames.get(i));
                }
                catch (final RedisServerException ex)
                {
                    if (refused == null)
                    {
                        refused = new RedisServerException("EXECABORT transaction aborted, nothing applied: queued " +
                            "command " + (i + 1) + " of " + queued.size() + " (" + queuedNames.get(i) + ") was " +
                            "refused: " + ex.getMessage() + (isRedirect(ex) ? " (a redirect inside a transaction " +
                            "is never followed: retry the whole transaction)" : ""));
                    }
                }
            }
            Object replies;
            try
            {
                replies = await(exec, "EXEC");
            }
            catch (final RedisServerException ex)
            {
                if (refused != null)
                {
                    throw refused;
                }
                throw ex;
            }
            if (refused != null)
            {
                throw refused;
            }
            return (List<Object>)replies;
        }
        finally
        {
            end();
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
        if (state == ENDED)
        {
            return;
        }
        try
        {
            if (state == QUEUEING)
            {
                state = ENDED;
                final CompletableFuture<String> discard = lease.submit(ReplyConverters.STRING, "DISCARD");
                for (final CompletableFuture<String> command : queued)
                {
                    command.exceptionally(ignored -> null);
                }
                await(discard, "DISCARD");
            }
            else if (watching)
            {
                state = ENDED;
                await(lease.submit(ReplyConverters.STRING, "UNWATCH"), "UNWATCH");
            }
        }
        finally
        {
            end();
        }
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
