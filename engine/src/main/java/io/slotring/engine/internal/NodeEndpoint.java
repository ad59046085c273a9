package io.slotring.engine.internal;

import java.nio.CharBuffer;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

import com.lmax.disruptor.Sequence;
import io.slotring.codec.SlotHash;
import io.slotring.codec.internal.CommandHeader;
import io.slotring.codec.internal.RespEncoder;
import io.slotring.engine.ConnectionSettings;
import io.slotring.engine.Credentials;
import io.slotring.engine.RedisBackPressureException;
import io.slotring.engine.RedisClient;
import io.slotring.engine.RedisConnectionException;
import io.slotring.engine.RedisException;
import io.slotring.engine.ReplyConverter;
import io.slotring.engine.ReplyHandler;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.IdleStrategy;

/**
 * One Redis node as the engine sees it: {@code connectionsPerNode} connections, each with its own ring, and the
 * zero-copy submission path. A command's connection is chosen by its key's slot (a batch keeps one connection per
 * node until it completes), so one caller's commands on one key are executed in the order they were issued;
 * nothing is shared across nodes.
 *
 * <p>Every argument is checked before a ring slot is claimed: bad input throws and touches no connection. A slot
 * whose encoding fails after the claim is aborted (published empty and skipped), never left unpublished.
 *
 * <p>Applications use {@link RedisClient} or the cluster client; this type is public for the cluster module,
 * which routes each command to the endpoint owning its slot.
 *
 * <p>Every submission method returns a non-negative number when the command was published, or
 * {@link RedisClient#BACK_PRESSURED} / {@link RedisClient#CLOSED}; it never throws for those and allocates nothing.
 */
public final class NodeEndpoint
{
    /** Slot argument: hash the key to choose the connection (standalone); free when there is one connection. */
    public static final int HASH_KEY = -2;
    /** Slot argument: the command has no key; it takes any connection. */
    public static final int KEYLESS = -1;
    /**
     * Slot argument: keyless and meant for this node alone (a fan-out part, a command sent to a chosen node): a
     * routing layer must never move it elsewhere, and its error replies are its answer.
     */
    public static final int PINNED = -3;

    private final IoRuntime runtime;
    private final ConnectionSettings<?> config;
    private final BufferPool pool;
    private final String host;
    private final int port;
    private final boolean readOnly;
    /**
     * Sent by every connection of this node after its handshake, in order (the routing layer's, e.g. READONLY for
     * replica reads); immutable, read by the connections' constructors.
     */
    private final CommandHeader[] postHandshake;
    private final NodeConnection[] connections;
    /** Blocking commands and transactions: a small pool of connections opened on first use. */
    private final DedicatedConnections dedicated;
    /**
     * Racy round-robin for keyless commands: a lost increment only skews the spread; an atomic increment would make
     * it a contended line. Written by every producer of a keyless command, so it sits in a Disruptor
     * {@link Sequence}, padded to its own cache lines: the fields next to it here ({@code connections},
     * {@code config}, {@code retired}) are read by every producer on every command and must not share its line
     * ({@code FalseSharingBenchmark} in jmh measures the two layouts).
     */
    private final Sequence roundRobin = new Sequence(0);
    /** Set once by {@link #retire()} (any thread); producers and re-sends check it. */
    private volatile boolean retired;

    /**
     * @param readOnly      the routing layer opened it for replica reads: metrics label its connections replicas.
     * @param postHandshake whole commands without arguments each connection sends after its handshake, in order;
     *                      a refusal fails the connect, naming the command and the server's error.
     */
    NodeEndpoint(final IoRuntime runtime, final String host, final int port, final boolean readOnly,
        final CommandHeader... postHandshake)
    {
        this.runtime = runtime;
        this.config = runtime.config();
        this.pool = runtime.pool();
        this.host = host;
        this.port = port;
        this.readOnly = readOnly;
        this.postHandshake = Handshake.checkedCommands(postHandshake);
        final int count = config.connectionsPerNode();
        connections = new NodeConnection[count];
        for (int i = 0; i < count; i++)
        {
            connections[i] = new NodeConnection(
                host + ':' + port + '#' + i, host, port, config, pool, this, readOnly);
        }
        dedicated = new DedicatedConnections(this, runtime);
    }

    /**
     * @return this node's dedicated connections (blocking commands, transactions).
     */
    public DedicatedConnections dedicated()
    {
        return dedicated;
    }

    IoRuntime runtime()
    {
        return runtime;
    }

    NodeConnection[] connections()
    {
        return connections;
    }

    /**
     * @return host of the node.
     */
    public String host()
    {
        return host;
    }

    /**
     * @return port of the node.
     */
    public int port()
    {
        return port;
    }

    /**
     * @return true when the routing layer opened it for replica reads.
     */
    public boolean isReadOnly()
    {
        return readOnly;
    }

    /** @return the commands each connection sends after its handshake (never modified). */
    CommandHeader[] postHandshake()
    {
        return postHandshake;
    }

    /**
     * @return true when at least one connection completed its handshake.
     */
    public boolean isReady()
    {
        for (final NodeConnection connection : connections)
        {
            if (connection.isReady())
            {
                return true;
            }
        }
        return false;
    }

    /**
     * @return true when every connection completed its handshake.
     */
    public boolean isFullyConnected()
    {
        for (final NodeConnection connection : connections)
        {
            if (!connection.isReady())
            {
                return false;
            }
        }
        return true;
    }

    /**
     * @return why the last connection attempt failed, or null.
     */
    public String lastError()
    {
        for (final NodeConnection connection : connections)
        {
            final String error = connection.lastError;
            if (error != null)
            {
                return error;
            }
        }
        return null;
    }

    /**
     * @return true when a connection's handshake was refused by the server (bad credentials, unknown database...):
     * waiting longer will not help.
     */
    public boolean isRefused()
    {
        for (final NodeConnection connection : connections)
        {
            if (connection.refused)
            {
                return true;
            }
        }
        return false;
    }

    /**
     * @return where the first connection stands, for a connect-timeout message (e.g. "TCP connected, handshake step
     * HELLO unanswered").
     */
    public String progress()
    {
        return connections[0].progress();
    }

    /**
     * Any thread (the routing layer, after a topology change): asks every connection that is not ready to offer its
     * queued, never-written commands to {@link RedirectHandler#onUnsent}, which may send them to the slot's new
     * owner. They were never written, so re-routing them cannot apply them twice.
     */
    public void rerouteQueued()
    {
        for (final NodeConnection connection : connections)
        {
            connection.requestReroute();
        }
    }

    /**
     * Any thread, once: the node left the topology. Its connections stop reconnecting; queued commands are offered
     * to {@link RedirectHandler#onUnsent} (else failed as not applied), written ones fail as "may have been
     * applied", and the agent drops the connections and frees their buffers. Commands published to it later fail
     * at once as not applied.
     */
    public void retire()
    {
        retired = true;
        runtime.forget(this);
        dedicated.close("node left the cluster topology", true);
        for (final NodeConnection connection : connections)
        {
            connection.requestRetire();
        }
    }

    /**
     * @return true once {@link #retire()} was called.
     */
    public boolean isRetired()
    {
        return retired;
    }

    CallerWaiter callerWaiter()
    {
        return runtime.callerWaiter();
    }

    void resolveLater(final NodeConnection connection, final String host, final int port)
    {
        runtime.resolve(connection, host, port);
    }

    RedirectHandler redirectHandler()
    {
        return runtime.redirectHandler();
    }

    /**
     * GET.
     *
     * @param slot    the key's slot when the caller computed it (cluster), or {@link #HASH_KEY}.
     * @param key     the key bytes.
     * @param handler receives the reply, or the batch's handler when {@code batch} is set.
     * @param batch   the caller's batch, or null.
     * @param token   passed back to the handler.
     * @return a non-negative number when published, else a negative code.
     * @throws NullPointerException when {@code key} is null, or both {@code handler} and {@code batch} are; nothing
     *                              was claimed or sent.
     */
    public long get(final int slot, final byte[] key, final ReplyHandler handler, final CommandBatch batch,
        final long token)
    {
        CommandChecks.requireKey(key, "key");
        CommandChecks.requireTarget(handler, batch);
        final int route = slot != HASH_KEY || connections.length == 1 ? slot : SlotHash.slot(key);
        final NodeConnection connection = connectionFor(route, batch);
        final long sequence = claim(connection);
        if (sequence < 0)
        {
            return sequence;
        }
        try
        {
            begin(connection, sequence, CommandHeader.GET.length() + RespEncoder.bulkLength(key.length))
                .header(CommandHeader.GET).bulk(key);
        }
        catch (final Throwable ex)
        {
            throw abort(connection, sequence, ex);
        }
        return commit(connection, sequence, "GET", handler, batch, token, route);
    }

    /**
     * GET of a key in a buffer range.
     *
     * @param slot    the key's slot when the caller computed it (cluster), or {@link #HASH_KEY}.
     * @param key     buffer holding the key.
     * @param offset  first key byte.
     * @param length  key length.
     * @param handler receives the reply, or the batch's handler when {@code batch} is set.
     * @param batch   the caller's batch, or null.
     * @param token   passed back to the handler.
     * @return a non-negative number when published, else a negative code.
     * @throws NullPointerException      when {@code key} is null, or both {@code handler} and {@code batch} are.
     * @throws IndexOutOfBoundsException when the range is not inside {@code key}; nothing was claimed or sent.
     */
    public long get(final int slot, final DirectBuffer key, final int offset, final int length,
        final ReplyHandler handler, final CommandBatch batch, final long token)
    {
        CommandChecks.requireRange(key, offset, length, "key");
        CommandChecks.requireTarget(handler, batch);
        final int route = slot != HASH_KEY || connections.length == 1 ? slot : SlotHash.slot(key, offset, length);
        final NodeConnection connection = connectionFor(route, batch);
        final long sequence = claim(connection);
        if (sequence < 0)
        {
            return sequence;
        }
        try
        {
            begin(connection, sequence, CommandHeader.GET.length() + RespEncoder.bulkLength(length))
                .header(CommandHeader.GET).bulk(key, offset, length);
        }
        catch (final Throwable ex)
        {
            throw abort(connection, sequence, ex);
        }
        return commit(connection, sequence, "GET", handler, batch, token, route);
    }

    /**
     * GET of a text key.
     *
     * @param slot    the key's slot when the caller computed it (cluster), or {@link #HASH_KEY}.
     * @param key     the key, UTF-8 encoded in place.
     * @param handler receives the reply, or the batch's handler when {@code batch} is set.
     * @param batch   the caller's batch, or null.
     * @param token   passed back to the handler.
     * @return a non-negative number when published, else a negative code.
     * @throws NullPointerException when {@code key} is null, or both {@code handler} and {@code batch} are.
     */
    public long get(final int slot, final CharSequence key, final ReplyHandler handler, final CommandBatch batch,
        final long token)
    {
        CommandChecks.requireKey(key, "key");
        CommandChecks.requireTarget(handler, batch);
        final int route = slot != HASH_KEY || connections.length == 1 ? slot : SlotHash.slot(key);
        final NodeConnection connection = connectionFor(route, batch);
        final long sequence = claim(connection);
        if (sequence < 0)
        {
            return sequence;
        }
        try
        {
            begin(connection, sequence, CommandHeader.GET.length() + RespEncoder.bulkLength(key))
                .header(CommandHeader.GET).bulk(key);
        }
        catch (final Throwable ex)
        {
            throw abort(connection, sequence, ex);
        }
        return commit(connection, sequence, "GET", handler, batch, token, route);
    }

    /**
     * SET key value.
     *
     * @param slot    the key's slot when the caller computed it (cluster), or {@link #HASH_KEY}.
     * @param key     the key bytes.
     * @param value   the value bytes.
     * @param handler receives the reply, or the batch's handler when {@code batch} is set.
     * @param batch   the caller's batch, or null.
     * @param token   passed back to the handler.
     * @return a non-negative number when published, else a negative code.
     * @throws NullPointerException when {@code key} or {@code value} is null, or both {@code handler} and
     *                              {@code batch} are; nothing was claimed or sent.
     */
    public long set(final int slot, final byte[] key, final byte[] value, final ReplyHandler handler,
        final CommandBatch batch, final long token)
    {
        CommandChecks.requireKey(key, "key");
        CommandChecks.requireKey(value, "value");
        CommandChecks.requireTarget(handler, batch);
        final int route = slot != HASH_KEY || connections.length == 1 ? slot : SlotHash.slot(key);
        final NodeConnection connection = connectionFor(route, batch);
        final long sequence = claim(connection);
        if (sequence < 0)
        {
            return sequence;
        }
        try
        {
            begin(connection, sequence, CommandHeader.SET.length() + RespEncoder.bulkLength(key.length) +
                RespEncoder.bulkLength(value.length)).header(CommandHeader.SET).bulk(key).bulk(value);
        }
        catch (final Throwable ex)
        {
            throw abort(connection, sequence, ex);
        }
        return commit(connection, sequence, "SET", handler, batch, token, route);
    }

    /**
     * SET of buffer ranges.
     *
     * @param slot        the key's slot when the caller computed it (cluster), or {@link #HASH_KEY}.
     * @param key         buffer holding the key.
     * @param keyOffset   first key byte.
     * @param keyLength   key length.
     * @param value       buffer holding the value.
     * @param valueOffset first value byte.
     * @param valueLength value length.
     * @param handler     receives the reply, or the batch's handler when {@code batch} is set.
     * @param batch       the caller's batch, or null.
     * @param token       passed back to the handler.
     * @return a non-negative number when published, else a negative code.
     * @throws NullPointerException      when a buffer is null, or both {@code handler} and {@code batch} are.
     * @throws IndexOutOfBoundsException when a range is not inside its buffer; nothing was claimed or sent.
     */
    public long set(final int slot, final DirectBuffer key, final int keyOffset, final int keyLength,
        final DirectBuffer value, final int valueOffset, final int valueLength, final ReplyHandler handler,
        final CommandBatch batch, final long token)
    {
        CommandChecks.requireRange(key, keyOffset, keyLength, "key");
        CommandChecks.requireRange(value, valueOffset, valueLength, "value");
        CommandChecks.requireTarget(handler, batch);
        final int route = slot != HASH_KEY || connections.length == 1 ? slot : SlotHash.slot(key, keyOffset, keyLength);
        final NodeConnection connection = connectionFor(route, batch);
        final long sequence = claim(connection);
        if (sequence < 0)
        {
            return sequence;
        }
        try
        {
            begin(connection, sequence, CommandHeader.SET.length() + RespEncoder.bulkLength(keyLength) +
                RespEncoder.bulkLength(valueLength)).header(CommandHeader.SET)
                .bulk(key, keyOffset, keyLength).bulk(value, valueOffset, valueLength);
        }
        catch (final Throwable ex)
        {
            throw abort(connection, sequence, ex);
        }
        return commit(connection, sequence, "SET", handler, batch, token, route);
    }

    /**
     * Any command with a zero-copy reply.
     *
     * @param slot    the slot of the command's key when the caller computed it (cluster), {@link #HASH_KEY} to
     *                hash the first argument after the name, or {@link #KEYLESS}.
     * @param handler receives the reply, or the batch's handler when {@code batch} is set.
     * @param batch   the caller's batch, or null.
     * @param token   passed back to the handler.
     * @param args    command name and arguments: {@code byte[]}, {@code CharSequence} or numbers.
     * @return a non-negative number when published, else a negative code.
     * @throws IllegalArgumentException when {@code args} is empty, holds a null or an unsupported type, or names a
     *                                  command a shared connection cannot carry (see {@link CommandChecks}); nothing
     *                                  was claimed or sent.
     */
    public long execute(final int slot, final ReplyHandler handler, final CommandBatch batch, final long token,
        final Object... args)
    {
        return execute(slot, args == null || args.length == 0 ? null : CommandTable.lookup(args[0]), handler, batch,
            token, args);
    }

    /**
     * {@link #execute(int, ReplyHandler, CommandBatch, long, Object...)} for a caller that already looked the
     * command up (the cluster, to route it): the one lookup serves routing, encoding (the row's precomputed name)
     * and the name kept for metrics.
     *
     * @param slot    as {@link #execute(int, ReplyHandler, CommandBatch, long, Object...)}.
     * @param spec    {@code CommandTable.lookup(args[0])}: the row, or null for a command the table does not know.
     * @param handler receives the reply, or the batch's handler when {@code batch} is set.
     * @param batch   the caller's batch, or null.
     * @param token   passed back to the handler.
     * @param args    command name and arguments.
     * @return a non-negative number when published, else a negative code.
     * @throws IllegalArgumentException as {@link #execute(int, ReplyHandler, CommandBatch, long, Object...)}.
     */
    public long execute(final int slot, final CommandSpec spec, final ReplyHandler handler, final CommandBatch batch,
        final long token, final Object... args)
    {
        CommandChecks.requireTarget(handler, batch);
        final int length = CommandChecks.checkedLength(args, config.commandTimeoutNs());
        final int route = slot != HASH_KEY || connections.length == 1 ? slot : hashFirstKey(args, spec);
        final NodeConnection connection = connectionFor(route, batch);
        final long sequence = claim(connection);
        if (sequence < 0)
        {
            return sequence;
        }
        try
        {
            Arguments.encode(begin(connection, sequence, length), args, spec);
        }
        catch (final Throwable ex)
        {
            throw abort(connection, sequence, ex);
        }
        return commit(connection, sequence, Arguments.commandName(args, spec), handler, batch, token, route);
    }

    /**
     * Any command, completing a future with the converted reply; the connection is chosen by the slot of the first
     * argument after the name (so one caller's commands on one key keep their order).
     *
     * @param converter turns the reply view into the future's value.
     * @param args      command name and arguments.
     * @param <T>       value type.
     * @return the future; failed at once on back-pressure or a closed client.
     * @throws IllegalArgumentException as {@link #execute}; nothing was claimed or sent.
     */
    public <T> CompletableFuture<T> submit(final ReplyConverter<T> converter, final Object... args)
    {
        return submit(HASH_KEY, converter, args);
    }

    /**
     * Any command, completing a future with the converted reply.
     *
     * @param slot      the slot of the command's key when the caller computed it (cluster), {@link #HASH_KEY}, or
     *                  {@link #KEYLESS}.
     * @param converter turns the reply view into the future's value.
     * @param args      command name and arguments.
     * @param <T>       value type.
     * @return the future; failed at once on back-pressure or a closed client.
     * @throws IllegalArgumentException as {@link #execute} (except that a blocking command is sent, whatever its
     *                                  block time, on a dedicated connection); nothing was claimed or sent.
     */
    public <T> CompletableFuture<T> submit(final int slot, final ReplyConverter<T> converter, final Object... args)
    {
        return submit(slot, args == null || args.length == 0 ? null : CommandTable.lookup(args[0]), converter, args);
    }

    /**
     * {@link #submit(int, ReplyConverter, Object...)} for a caller that already looked the command up.
     *
     * @param slot      as {@link #submit(int, ReplyConverter, Object...)}.
     * @param spec      {@code CommandTable.lookup(args[0])}: the row, or null for a command the table does not know.
     * @param converter turns the reply view into the future's value.
     * @param args      command name and arguments.
     * @param <T>       value type.
     * @return the future; failed at once on back-pressure or a closed client.
     * @throws IllegalArgumentException as {@link #submit(int, ReplyConverter, Object...)}.
     */
    public <T> CompletableFuture<T> submit(final int slot, final CommandSpec spec, final ReplyConverter<T> converter,
        final Object... args)
    {
        final int length = CommandChecks.checkArguments(args);
        final long blockNs = CommandChecks.blockTimeNs(args);
        if (blockNs != CommandChecks.NOT_BLOCKING)
        {
            // Never on a shared ring: its own connection, deadline = its block time + the command timeout.
            return dedicated.submit(converter, args, length, blockNs);
        }
        final int route = slot != HASH_KEY || connections.length == 1 ? slot : hashFirstKey(args, spec);
        return submitOn(connectionFor(route, null), route, converter, args, length,
            System.nanoTime() + config.commandTimeoutNs(), CallerWaiter.takeWaitIntent(), spec);
    }

    /**
     * Sends {@code AUTH} with {@code credentials} on every connection of this node, behind the commands already
     * published there (so nothing in flight is dropped or reordered), and completes when every connection has
     * answered. A connection that is down gets the new credentials from the supplier at its reconnect; its queued
     * AUTH then merely repeats them.
     *
     * @param credentials the credentials to switch to.
     * @return completes normally when every connection answered OK; exceptionally with the first failure (for
     * example WRONGPASS) otherwise.
     */
    public CompletableFuture<Void> reauthenticate(final Credentials credentials)
    {
        final char[] password = credentials.password();
        try
        {
            // Not through CommandChecks: AUTH is refused there because users must not change a shared
            // connection's identity; here the engine does it on every connection at once.
            final Object[] args = credentials.username() == null ?
                new Object[] {"AUTH", CharBuffer.wrap(password)} :
                new Object[] {"AUTH", credentials.username(), CharBuffer.wrap(password)};
            final int length = Arguments.encodedLength(args);
            final CompletableFuture<?>[] acks = new CompletableFuture<?>[connections.length];
            for (int i = 0; i < connections.length; i++)
            {
                acks[i] = submitOn(connections[i], PINNED, ReplyConverters.STRING, args, length);
            }
            return CompletableFuture.allOf(acks);
        }
        finally
        {
            // The command is encoded into the ring slots by now; clear the copy.
            Arrays.fill(password, '\0');
        }
    }

    private <T> CompletableFuture<T> submitOn(final NodeConnection connection, final int route,
        final ReplyConverter<T> converter, final Object[] args, final int length)
    {
        return submitOn(connection, route, converter, args, length, System.nanoTime() + config.commandTimeoutNs(),
            CallerWaiter.takeWaitIntent());
    }

    <T> CompletableFuture<T> submitOn(final NodeConnection connection, final int route,
        final ReplyConverter<T> converter, final Object[] args, final int length, final long deadlineNs,
        final boolean callerWillWait)
    {
        return submitOn(connection, route, converter, args, length, deadlineNs, callerWillWait,
            CommandTable.lookup(args[0]));
    }

    @SuppressWarnings("unchecked")
    private <T> CompletableFuture<T> submitOn(final NodeConnection connection, final int route,
        final ReplyConverter<T> converter, final Object[] args, final int length, final long deadlineNs,
        final boolean callerWillWait, final CommandSpec spec)
    {
        final long sequence = claim(connection);
        if (sequence < 0)
        {
            return CompletableFuture.failedFuture(claimFailure(connection, sequence));
        }
        final CommandSlot slotEntry = connection.ring.slot(sequence);
        try
        {
            Arguments.encode(begin(connection, sequence, length), args, spec);
            slotEntry.commandName = Arguments.commandName(args, spec);
        }
        catch (final Throwable ex)
        {
            throw abort(connection, sequence, ex);
        }
        final CompletableFuture<Object> future = new CommandFuture<>(connection);
        slotEntry.kind = CommandSlot.KIND_FUTURE;
        slotEntry.future = future;
        slotEntry.converter = converter;
        slotEntry.deadlineNs = deadlineNs;
        slotEntry.submitNs = System.nanoTime();
        slotEntry.redirects = 0;
        slotEntry.retries = 0;
        slotEntry.routeSlot = route;
        publish(connection, sequence, sequence, true, callerWillWait);
        return (CompletableFuture<T>)future;
    }

    /** The slot of {@code args[1]} when it is a key-like argument; {@link #KEYLESS} otherwise. */
    /**
     * The slot that picks one of this node's connections for {@code args}: its first key as the command table
     * places it (EVAL's first key follows its key count, XREAD's follows STREAMS), so one key's commands share a
     * connection and keep their order whatever the command; a command the table does not know hashes its first
     * argument, and a keyless one is {@link #KEYLESS} (round robin).
     *
     * @throws IllegalArgumentException when a key count is not a number or exceeds the arguments (nothing claimed).
     */
    private static int hashFirstKey(final Object[] args, final CommandSpec spec)
    {
        if (args.length < 2)
        {
            return KEYLESS;
        }
        final int at;
        if (spec == null)
        {
            at = 1;
        }
        else
        {
            if (spec.layout() == CommandSpec.NONE)
            {
                return KEYLESS;
            }
            at = spec.firstKey(args);
            if (at > spec.lastKey(args) || at >= args.length)
            {
                return KEYLESS;
            }
        }
        final Object key = args[at];
        if (key instanceof byte[])
        {
            return SlotHash.slot((byte[])key);
        }
        return key instanceof CharSequence ? SlotHash.slot((CharSequence)key) : KEYLESS;
    }

    RedisException claimFailure(final NodeConnection connection, final long code)
    {
        if (code == RedisClient.CLOSED)
        {
            return new RedisConnectionException("client closed (command not applied)", false, null);
        }
        return new RedisBackPressureException(connection.name() + ": ring of " + connection.ring.size() +
            " slots full" + (config.backPressure() == ConnectionSettings.BackPressure.WAIT ?
            " for the command timeout of " + config.commandTimeoutNs() / 1_000_000 + "ms" : "") +
            " (command not applied)");
    }

    /**
     * Resubmission of a redirected command (I/O thread, or the agent running a parked retry): never waits.
     */
    boolean resubmit(final CommandSlot source, final DirectBuffer bytes, final CommandHeader preCommand,
        final boolean redirect)
    {
        if (runtime.isClosing() || retired)
        {
            return false;
        }
        final NodeConnection connection = connectionFor(source.routeSlot, null);
        final CommandRing ring = connection.ring;
        final boolean pre = preCommand != null;
        final long high = ring.tryClaim(pre ? 2 : 1);
        if (high < 0)
        {
            return false;
        }
        final long low = pre ? high - 1 : high;
        if (pre)
        {
            // Internal: its reply (or failure) goes nowhere; the command right behind it carries the answer.
            final CommandSlot preSlot = ring.slot(low);
            preSlot.beginEncode(preCommand.length(), pool, config.slotGrowthLimit()).header(preCommand);
            preSlot.kind = CommandSlot.KIND_INTERNAL;
            preSlot.commandName = preCommand.name();
            preSlot.deadlineNs = source.deadlineNs;
            preSlot.submitNs = source.submitNs;
        }
        final CommandSlot target = ring.slot(high);
        final RespEncoder encoder = target.beginEncode(source.length, pool, config.slotGrowthLimit());
        encoder.buffer().putBytes(encoder.offset(), bytes, 0, source.length);
        target.copyCompletionFrom(source);
        if (redirect)
        {
            target.redirects++;
        }
        publish(connection, low, high, true, false);
        return true;
    }

    /**
     * Picks the connection: a batch keeps its own (so its commands for this node leave in one write, and a caller's
     * batches stay in order because the batch changes connection only once all it sent completed); otherwise the
     * key's slot decides, so every command on one key from one caller takes one connection and executes in issue
     * order. Keyless commands go round-robin.
     */
    private NodeConnection connectionFor(final int slot, final CommandBatch batch)
    {
        final NodeConnection[] connections = this.connections;
        final int count = connections.length;
        if (count == 1)
        {
            return connections[0];
        }
        if (batch != null)
        {
            return connections[(batch.affinity() & Integer.MAX_VALUE) % count];
        }
        if (slot >= 0)
        {
            return connections[slot % count];
        }
        final long next = roundRobin.get();
        roundRobin.set(next + 1);
        return connections[(int)((next & Integer.MAX_VALUE) % count)];
    }

    private long claim(final NodeConnection connection)
    {
        if (runtime.isClosing())
        {
            return RedisClient.CLOSED;
        }
        final long sequence = connection.ring.tryClaim(1);
        if (sequence >= 0)
        {
            return sequence;
        }
        // An I/O thread never waits: the slot it waits for may be one only it can free.
        final long code = config.backPressure() == ConnectionSettings.BackPressure.FAIL_FAST ||
            IoAgent.isIoThread() ? RedisClient.BACK_PRESSURED : claimWaiting(connection);
        if (code == RedisClient.BACK_PRESSURED)
        {
            connection.counters.onBackPressureRefused();
        }
        return code;
    }

    private long claimWaiting(final NodeConnection connection)
    {
        final IdleStrategy idle = config.producerIdleStrategy().get();
        final long deadline = System.nanoTime() + config.commandTimeoutNs();
        while (true)
        {
            if (runtime.isClosing())
            {
                return RedisClient.CLOSED;
            }
            final long sequence = connection.ring.tryClaim(1);
            if (sequence >= 0)
            {
                return sequence;
            }
            if (System.nanoTime() - deadline > 0)
            {
                return RedisClient.BACK_PRESSURED;
            }
            idle.idle();
        }
    }

    private RespEncoder begin(final NodeConnection connection, final long sequence, final int length)
    {
        return connection.ring.slot(sequence).beginEncode(length, pool, config.slotGrowthLimit());
    }

    /**
     * Producer, when encoding into a claimed slot failed: the slot is published empty (a multi-producer ring cannot
     * take a claim back) so the connection moves past it; the caller gets the original exception.
     */
    private RuntimeException abort(final NodeConnection connection, final long sequence, final Throwable cause)
    {
        connection.ring.slot(sequence).abort(pool);
        publish(connection, sequence, sequence, false, false);
        if (cause instanceof RuntimeException)
        {
            return (RuntimeException)cause;
        }
        if (cause instanceof Error)
        {
            throw (Error)cause;
        }
        return new IllegalStateException(cause);
    }

    private long commit(final NodeConnection connection, final long sequence, final String name,
        final ReplyHandler handler, final CommandBatch batch, final long token, final int slotOfKey)
    {
        final CommandSlot slot = connection.ring.slot(sequence);
        slot.kind = CommandSlot.KIND_HANDLER;
        slot.handler = batch != null ? batch.handler() : handler;
        slot.batch = batch;
        slot.token = token;
        slot.commandName = name;
        slot.redirects = 0;
        slot.retries = 0;
        slot.routeSlot = slotOfKey;
        final long nowNs = System.nanoTime();
        slot.submitNs = nowNs;
        slot.deadlineNs = nowNs + config.commandTimeoutNs();
        if (batch != null)
        {
            batch.onSubmit(connection);
        }
        publish(connection, sequence, sequence, batch == null, false);
        return sequence;
    }

    /**
     * @param write          write now (else a batch's flush writes it).
     * @param callerWillWait the publishing thread reads the reply itself (see NodeConnection#afterPublish).
     */
    private void publish(final NodeConnection connection, final long low, final long high, final boolean write,
        final boolean callerWillWait)
    {
        final CommandRing ring = connection.ring;
        ring.publish(low, high);
        if (write)
        {
            // Write it now from this thread unless somebody else is writing (see NodeConnection#afterPublish);
            // a batch's commands wait for the batch's flush instead, to leave in one write.
            connection.afterPublish(callerWillWait);
        }
        if (ring.terminated)
        {
            // The agent may have drained this ring for the last time before these were published: whichever of the
            // two takes a slot first completes it (see CommandRing#terminated for why no publish is missed).
            for (long sequence = low; sequence <= high; sequence++)
            {
                final CommandSlot slot = ring.slot(sequence);
                if (slot.tryTakeFinal())
                {
                    slot.fail(new RedisConnectionException(connection.name() + ": " + ring.terminationReason +
                        " (command not applied)", false, null));
                    slot.clear(pool);
                }
            }
        }
    }

    @Override
    public String toString()
    {
        return "NodeEndpoint{" + host + ':' + port + (readOnly ? ", readOnly" : "") + '}';
    }
}
