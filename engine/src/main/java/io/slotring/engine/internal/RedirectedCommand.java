package io.slotring.engine.internal;

import io.slotring.codec.RespReader;
import io.slotring.codec.internal.CommandHeader;
import io.slotring.engine.RedisException;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Flyweight over a redirected command, handed to {@link RedirectHandler}: its encoded bytes (re-sent as they are,
 * never re-encoded) and the operations that take it over. Valid only during the handler call; one instance per
 * connection (used by whichever thread drives it) and one per I/O agent (for its parked retries).
 */
public final class RedirectedCommand
{
    /** {@link #counted()}: the reply is counted as a retry reply, unless the handler says otherwise. */
    static final int COUNT_RETRY = 0;
    /** {@link #counted()}: the reply is counted as a MOVED redirect ({@link #countAsMoved()}). */
    static final int COUNT_MOVED = 1;
    /** {@link #counted()}: the reply is counted as an ASK redirect ({@link #countAsAsk()}). */
    static final int COUNT_ASK = 2;

    private final BufferPool pool;
    private IoAgent agent;
    private final UnsafeBuffer bytes = new UnsafeBuffer(0, 0);
    private final RespReader commandReader = new RespReader();
    private CommandSlot slot;
    private NodeEndpoint source;
    private boolean taken;
    /** Which connection counter the taken-over reply goes to, as the handler named it; reset by each wrap. */
    private int counted;

    RedirectedCommand(final BufferPool pool)
    {
        this.pool = pool;
    }

    /**
     * @param agent the agent that runs the command's parked retry, if it gets one.
     */
    RedirectedCommand wrap(final CommandSlot slot, final NodeEndpoint source, final IoAgent agent)
    {
        this.slot = slot;
        this.source = source;
        this.agent = agent;
        this.taken = false;
        this.counted = COUNT_RETRY;
        slot.wrapEncoded(bytes);
        return this;
    }

    boolean taken()
    {
        return taken;
    }

    int counted()
    {
        return counted;
    }

    /**
     * Counts the reply this command got under the connection's {@code moved} metric instead of {@code retryReplies}
     * (the engine does not read the reply; the routing layer knows what it was).
     */
    public void countAsMoved()
    {
        counted = COUNT_MOVED;
    }

    /**
     * Counts the reply this command got under the connection's {@code asked} metric instead of
     * {@code retryReplies}.
     */
    public void countAsAsk()
    {
        counted = COUNT_ASK;
    }

    /**
     * @return the encoded command (a RESP array of bulk strings), valid during the call.
     */
    public DirectBuffer bytes()
    {
        return bytes;
    }

    /**
     * @return a reader over the encoded command, positioned before its array header: {@code next()} lands on the
     * array, the next {@code next()} on the command name, the next on the first argument (the key, for keyed
     * commands).
     */
    public RespReader reader()
    {
        return commandReader.wrap(bytes, 0, slot.length);
    }

    /**
     * @return how many MOVED or ASK redirects this command already followed (the bound of {@code maxRedirects}).
     */
    public int redirects()
    {
        return slot.redirects;
    }

    /**
     * @return how many backoff retries (TRYAGAIN, CLUSTERDOWN, LOADING) this command already waited for.
     */
    public int retries()
    {
        return slot.retries;
    }

    /**
     * @return the key slot the command was routed by, or a negative value for a keyless command.
     */
    public int slot()
    {
        return slot.routeSlot;
    }

    /**
     * @return the endpoint that answered with the redirect or holds the queued command; null for a parked retry.
     */
    public NodeEndpoint source()
    {
        return source;
    }

    /**
     * @return the command's deadline on the {@link System#nanoTime()} clock.
     */
    public long deadlineNs()
    {
        return slot.deadlineNs;
    }

    /**
     * @return the command name, for messages.
     */
    public String commandName()
    {
        return slot.commandName;
    }

    /**
     * Re-sends the command's bytes to {@code target}, counting a redirect, optionally preceded by a pre-command
     * the routing layer supplies (for an ASK redirect, {@code ASKING}) in the slot just before it: the two are
     * claimed together, so no other command can come between them. The pre-command's reply and failure go nowhere:
     * the command's own reply is the answer. Never waits for a slot.
     *
     * @param target     where to send it.
     * @param preCommand a complete command without arguments ({@link CommandHeader#argc()} 1) to send first, or
     *                   null for none.
     * @return true when resubmitted; false when the target's ring was full or the client is closing (the
     * command is still the handler's to fail).
     * @throws IllegalArgumentException when {@code preCommand} has arguments (it would not be a whole command).
     */
    public boolean resubmit(final NodeEndpoint target, final CommandHeader preCommand)
    {
        if (preCommand != null && preCommand.argc() != 1)
        {
            throw new IllegalArgumentException("a pre-command must be a whole command without arguments, got " +
                preCommand.name() + " announcing " + preCommand.argc() + " elements");
        }
        if (target.resubmit(slot, bytes, preCommand, true))
        {
            taken = true;
            return true;
        }
        return false;
    }

    /**
     * Sends the command's bytes to {@code target} without counting a redirect: a retry after a backoff, a queued
     * command moved to a new owner, a replica read falling back to the master. Never waits for a slot.
     *
     * @param target where to send it.
     * @return true when sent; false when the target's ring was full, the target is retired or the client is
     * closing (the command is still the caller's to fail).
     */
    public boolean reroute(final NodeEndpoint target)
    {
        if (target.resubmit(slot, bytes, null, false))
        {
            taken = true;
            return true;
        }
        return false;
    }

    /**
     * Parks the command (a copy of its bytes and completion) on this I/O agent and hands it back through
     * {@link RedirectHandler#onRetryDue} after {@code delayNs}: the backoff of TRYAGAIN and CLUSTERDOWN.
     *
     * @param delayNs how long to wait.
     */
    public void retryLater(final long delayNs)
    {
        final CommandSlot detached = slot.detach(pool);
        detached.retries++;
        // Never past the deadline: a retry due after it would only fail late.
        final long dueNs = System.nanoTime() + Math.max(0, delayNs);
        agent.park(detached, dueNs - detached.deadlineNs > 0 ? detached.deadlineNs : dueNs);
        taken = true;
    }

    /**
     * Completes the command with an error instead of its reply.
     *
     * @param error what to report.
     */
    public void fail(final RedisException error)
    {
        slot.fail(error);
        taken = true;
    }
}
