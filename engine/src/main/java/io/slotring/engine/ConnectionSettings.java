package io.slotring.engine;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

import io.slotring.engine.internal.RateLimitedErrorLog;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * The settings every connection to a Redis node uses, shared by {@link ClientConfig} (one server: adds its address)
 * and {@code ClusterConfig} (adds seeds, read-from policy, redirects and topology refresh): timeouts, rings and
 * buffers, idle strategies, credentials, protocol and error handling. One mutable object in the manner of
 * {@code Aeron.Context}: set what you need, then {@link #conclude()} (called by the client) fills defaults and
 * validates everything before a thread starts. A concluded config is frozen: setters throw.
 *
 * <p>Setters return the concrete config type, so one chain mixes shared and specific settings:
 * <pre>{@code
 * ClientConfig.create().address("127.0.0.1", 6379).connectionsPerNode(4).commandTimeout(Duration.ofSeconds(2));
 * }</pre>
 *
 * <p>Subclassed only by slotring's own configs. Threads: configure on one thread before connecting; a concluded
 * config is read by any thread (the client publishes it safely when it starts its threads).
 * {@link #toString()} never shows the password.
 *
 * @param <S> the concrete config type, returned by every setter.
 */
public abstract class ConnectionSettings<S extends ConnectionSettings<S>>
{
    /** What a producer does when its connection's ring has no free slot. */
    public enum BackPressure
    {
        /** Return {@link RedisClient#BACK_PRESSURED} (zero-copy style) or throw at once (async and sync styles). */
        FAIL_FAST,
        /** Wait with {@link #producerIdleStrategy} until a slot frees or the command's timeout passes. */
        WAIT
    }

    /** Default ring size per connection: enough for 16 workers x 64-command batches on a 4-way mux. */
    public static final int DEFAULT_RING_SIZE = 1024;
    /**
     * Default bytes each ring slot holds inline, in the ring's preallocated arena: 1024 x 128 B = 128 KiB per idle
     * connection. Small commands (GET of a short key) stay there; larger ones grow the slot (see
     * {@link #DEFAULT_SLOT_GROWTH_LIMIT}).
     */
    public static final int DEFAULT_SLOT_CAPACITY = 128;
    /**
     * Default bound a slot may grow to and keep for the next large command: a SET of a 512 B key and a 512 B value
     * (1,051 bytes) grows a slot once to 2 KiB and reuses it; larger commands use pooled buffers per command.
     */
    public static final int DEFAULT_SLOT_GROWTH_LIMIT = 4096;

    private boolean concluded;
    private int connectionsPerNode = 1;
    private int blockingConnectionsPerNode = 2;
    private int ioThreads = 1;
    private int ringSize = DEFAULT_RING_SIZE;
    private int slotCapacity = DEFAULT_SLOT_CAPACITY;
    private int slotGrowthLimit = DEFAULT_SLOT_GROWTH_LIMIT;
    private int receiveBufferSize = 64 * 1024;
    private long commandTimeoutNs = Duration.ofSeconds(5).toNanos();
    private long connectTimeoutNs = Duration.ofSeconds(2).toNanos();
    private long reconnectMinDelayNs = Duration.ofMillis(10).toNanos();
    private long reconnectMaxDelayNs = Duration.ofSeconds(2).toNanos();
    private long idlePingIntervalNs = Duration.ofSeconds(5).toNanos();
    /** Asked on every connect, reconnect and reauthentication; null for none. */
    private Supplier<Credentials> credentials;
    /** Whether {@link #credentials} always returns the same value (set through the two-argument setter). */
    private boolean fixedCredentials;
    private String clientName = "slotring";
    private int database;
    private boolean preferResp3 = true;
    private BackPressure backPressure = BackPressure.WAIT;
    private Supplier<IdleStrategy> ioIdleStrategy;
    private Supplier<IdleStrategy> producerIdleStrategy = ConnectionSettings::defaultProducerIdleStrategy;
    private boolean latencyMetrics = true;
    private int callerSpinTries = 0;
    private int maxDepth = 64;
    private long maxBulkLength = 512L * 1024 * 1024;
    private ErrorHandler errorHandler = RateLimitedErrorLog.createDefault();
    private PushListener pushListener;
    /** TLS for every connection; null for plain text. */
    private TlsSettings tls;

    /** Only slotring's configs extend this class. */
    protected ConnectionSettings()
    {
    }

    /**
     * Agrona backoff for I/O agents: spin a little, yield a little, then park 1 us growing to 100 us. Not the
     * default (which blocks in the agent's selector, waking on the reply itself); kept as a measured alternative.
     *
     * @return a new idle strategy instance (one per agent: they hold state).
     */
    public static IdleStrategy backoffIoIdleStrategy()
    {
        return new BackoffIdleStrategy(10, 10, 1_000, 100_000);
    }

    /**
     * A producer waiting for a free ring slot under {@link BackPressure#WAIT}.
     *
     * @return a new idle strategy instance.
     */
    public static IdleStrategy defaultProducerIdleStrategy()
    {
        return new BackoffIdleStrategy(1, 10, 1_000, 1_000_000);
    }

    @SuppressWarnings("unchecked")
    private S self()
    {
        return (S)this;
    }

    private ConnectionSettings<S> mutable()
    {
        if (concluded)
        {
            throw new IllegalStateException("config already concluded: it is owned by a running client");
        }
        return self();
    }

    /**
     * Fills defaults and validates. Called by the client before anything starts; idempotent.
     *
     * @return this.
     * @throws IllegalArgumentException naming the first invalid setting.
     */
    public final S conclude()
    {
        if (concluded)
        {
            return self();
        }
        concludeOwn();
        requireRange("connectionsPerNode", connectionsPerNode, 1, 1024);
        requireRange("blockingConnectionsPerNode", blockingConnectionsPerNode, 1, 1024);
        requireRange("ioThreads", ioThreads, 1, 256);
        requireRange("ringSize", ringSize, 2, 1 << 20);
        if (Integer.bitCount(ringSize) != 1)
        {
            throw new IllegalArgumentException("ringSize must be a power of two, got " + ringSize);
        }
        requireRange("slotCapacity", slotCapacity, 64, 1 << 24);
        requireRange("slotGrowthLimit", slotGrowthLimit, slotCapacity, 1 << 24);
        if ((long)ringSize * slotCapacity > Integer.MAX_VALUE - 64)
        {
            // One ring's arena is one direct ByteBuffer, indexed by int.
            throw new IllegalArgumentException("ringSize x slotCapacity must be below 2 GiB (one ring's arena), got " +
                ringSize + " x " + slotCapacity + " = " + (long)ringSize * slotCapacity + " bytes");
        }
        requireRange("receiveBufferSize", receiveBufferSize, 1024, 1 << 30);
        requirePositive("commandTimeout", commandTimeoutNs);
        requirePositive("connectTimeout", connectTimeoutNs);
        requirePositive("reconnectMinDelay", reconnectMinDelayNs);
        if (reconnectMaxDelayNs < reconnectMinDelayNs)
        {
            throw new IllegalArgumentException("reconnectMaxDelay " + reconnectMaxDelayNs +
                "ns is below reconnectMinDelay " + reconnectMinDelayNs + "ns");
        }
        requirePositive("idlePingInterval", idlePingIntervalNs);
        requireRange("database", database, 0, 1 << 16);
        requireRange("maxDepth", maxDepth, 1, 1 << 12);
        if (maxBulkLength < 1)
        {
            throw new IllegalArgumentException("maxBulkLength must be positive, got " + maxBulkLength);
        }
        Objects.requireNonNull(producerIdleStrategy, "producerIdleStrategy");
        Objects.requireNonNull(errorHandler, "errorHandler");
        warnOnSpinningOverCores();
        concluded = true;
        return self();
    }

    /**
     * Validates the concrete config's own settings, before the shared ones; called once by {@link #conclude()}.
     *
     * @throws IllegalArgumentException naming the first invalid setting.
     */
    protected abstract void concludeOwn();

    /**
     * Throws if the config is already concluded; every setter of a subclass calls it first.
     *
     * @throws IllegalStateException once a client owns the config.
     */
    protected final void requireMutable()
    {
        mutable();
    }

    /** Spins at or above this many tries are a caller that effectively never blocks. */
    static final int SPINNING_CALLER_TRIES = 100_000;

    /**
     * Busy-spinning threads only pay on cores nobody else needs: with more spinners than cores they steal the
     * cores the redis-servers, the callers and the other spinners need, and latency goes up, not down. Warned,
     * not refused: the host may have cores this JVM is not told about.
     */
    private void warnOnSpinningOverCores()
    {
        final int cores = Runtime.getRuntime().availableProcessors();
        final int spinningAgents = ioIdleStrategy != null && isSpinning(ioIdleStrategy.get()) ? ioThreads : 0;
        final boolean spinningCallers = callerSpinTries >= SPINNING_CALLER_TRIES;
        if (spinningAgents >= cores || (spinningAgents > 0 && spinningCallers && spinningAgents + 1 > cores))
        {
            System.getLogger("io.slotring").log(System.Logger.Level.WARNING, "slotring: " + spinningAgents +
                " busy-spinning I/O thread(s)" + (spinningCallers ? " and spinning callers" : "") + " on " + cores +
                " available core(s): spinning needs a dedicated core per spinning thread, or it starves the " +
                "others; use the default selector idle strategy on shared cores");
        }
    }

    private static boolean isSpinning(final IdleStrategy strategy)
    {
        return strategy instanceof org.agrona.concurrent.BusySpinIdleStrategy ||
            strategy instanceof org.agrona.concurrent.NoOpIdleStrategy;
    }

    /**
     * @param name  the setting, for the message.
     * @param value its value.
     * @param min   smallest allowed.
     * @param max   largest allowed.
     * @throws IllegalArgumentException naming the setting, the range and the value.
     */
    protected static void requireRange(final String name, final int value, final int min, final int max)
    {
        if (value < min || value > max)
        {
            throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "], got " + value);
        }
    }

    /**
     * @param name  the setting, for the message.
     * @param nanos its value in nanoseconds.
     * @throws IllegalArgumentException naming the setting and the value.
     */
    protected static void requirePositive(final String name, final long nanos)
    {
        if (nanos <= 0)
        {
            throw new IllegalArgumentException(name + " must be positive, got " + nanos + "ns");
        }
    }

    /**
     * @param connections multiplexed connections per node, each with its own ring; commands are spread round-robin.
     * @return this.
     */
    public S connectionsPerNode(final int connections)
    {
        mutable().connectionsPerNode = connections;
        return self();
    }

    /**
     * @param connections dedicated connections per node for blocking commands (BLPOP, XREAD BLOCK, WAIT...) and
     *                    transactions, opened on first use; each carries one command (or one transaction) at a time
     *                    and never low-latency traffic. A command finding them all busy waits for one. Default 2.
     * @return this.
     */
    public S blockingConnectionsPerNode(final int connections)
    {
        mutable().blockingConnectionsPerNode = connections;
        return self();
    }

    /**
     * @param threads I/O agent threads; connections are spread over them. Threads never grow with connections.
     * @return this.
     */
    public S ioThreads(final int threads)
    {
        mutable().ioThreads = threads;
        return self();
    }

    /**
     * @param size slots per connection ring, a power of two: the most commands in flight or queued per connection.
     * @return this.
     */
    public S ringSize(final int size)
    {
        mutable().ringSize = size;
        return self();
    }

    /**
     * @param bytes encoded bytes a slot holds inline, in the ring's arena (ringSize x bytes per connection, always
     *              allocated); larger commands grow the slot up to {@link #slotGrowthLimit(int)}.
     * @return this.
     */
    public S slotCapacity(final int bytes)
    {
        mutable().slotCapacity = bytes;
        return self();
    }

    /**
     * @param bytes the largest region a slot grows into and keeps for the next large command: a busy connection's
     *              slots grow once and then allocate nothing, and an idle connection frees them when it sends its
     *              idle PING. Commands above it use a pooled buffer per command.
     * @return this.
     */
    public S slotGrowthLimit(final int bytes)
    {
        mutable().slotGrowthLimit = bytes;
        return self();
    }

    /**
     * @param bytes the receive buffer per connection; it grows from a pool for a larger reply, then shrinks back.
     * @return this.
     */
    public S receiveBufferSize(final int bytes)
    {
        mutable().receiveBufferSize = bytes;
        return self();
    }

    /**
     * @param timeout deadline of every command from submission; a command written and then timed out resets its
     *                connection, because the reply order can no longer be trusted.
     * @return this.
     */
    public S commandTimeout(final Duration timeout)
    {
        mutable().commandTimeoutNs = timeout.toNanos();
        return self();
    }

    /**
     * @param timeout TCP connect plus handshake.
     * @return this.
     */
    public S connectTimeout(final Duration timeout)
    {
        mutable().connectTimeoutNs = timeout.toNanos();
        return self();
    }

    /**
     * Reconnect backoff: doubles from {@code min} to {@code max}, each delay jittered to 50-100% of its value.
     *
     * @param min first delay.
     * @param max bound.
     * @return this.
     */
    public S reconnectDelay(final Duration min, final Duration max)
    {
        mutable().reconnectMinDelayNs = min.toNanos();
        this.reconnectMaxDelayNs = max.toNanos();
        return self();
    }

    /**
     * @param interval a connection with nothing in flight for this long sends a PING; one unanswered within the
     *                 command timeout marks the peer dead, so a peer that vanished without a RST is found quickly.
     * @return this.
     */
    public S idlePingInterval(final Duration interval)
    {
        mutable().idlePingIntervalNs = interval.toNanos();
        return self();
    }

    /**
     * Fixed credentials.
     *
     * @param username ACL user, or null for the default user.
     * @param password password, copied, never logged or shown by {@code toString()}; null (with a null username)
     *                 for none.
     * @return this.
     * @throws IllegalArgumentException for a username without a password.
     */
    public S credentials(final String username, final char[] password)
    {
        if (password == null && username != null)
        {
            throw new IllegalArgumentException("expected a password for user '" + username + "', got none");
        }
        final Credentials fixed = password == null ? null : Credentials.of(username, password);
        mutable().credentials = fixed == null ? null : () -> fixed;
        this.fixedCredentials = true;
        return self();
    }

    /**
     * Credentials that may change: {@code supplier} is asked on every connect and reconnect (so a rotated password
     * is used by the next connection) and by the client's {@code reauthenticate()}, which sends {@code AUTH} on
     * every live connection without dropping commands in flight. It runs on an I/O thread: it must be quick and
     * must not block (read a field or a cache, not a vault).
     *
     * @param supplier returns the current credentials, or null for none.
     * @return this.
     */
    public S credentials(final Supplier<Credentials> supplier)
    {
        mutable().credentials = Objects.requireNonNull(supplier, "supplier");
        this.fixedCredentials = false;
        return self();
    }

    /**
     * @param name CLIENT SETNAME value, or null for none.
     * @return this.
     */
    public S clientName(final String name)
    {
        mutable().clientName = name;
        return self();
    }

    /**
     * @param db SELECT index on standalone servers.
     * @return this.
     */
    public S database(final int db)
    {
        mutable().database = db;
        return self();
    }

    /**
     * @param resp3 send HELLO 3 (true, default) and fall back to RESP2 when the server lacks HELLO; false stays RESP2.
     * @return this.
     */
    public S preferResp3(final boolean resp3)
    {
        mutable().preferResp3 = resp3;
        return self();
    }

    /**
     * @param mode what a producer does when the ring is full.
     * @return this.
     */
    public S backPressure(final BackPressure mode)
    {
        mutable().backPressure = mode;
        return self();
    }

    /**
     * @param supplier one idle strategy per I/O agent, e.g. {@code BusySpinIdleStrategy::new} on dedicated cores;
     *                 null (the default) spins briefly, then blocks in the agent's selector until a reply or a
     *                 publish wakes it, measured best on a small shared host (see perf-results/).
     * @return this.
     */
    public S ioIdleStrategy(final Supplier<IdleStrategy> supplier)
    {
        mutable().ioIdleStrategy = supplier;
        return self();
    }

    /**
     * @param supplier idle strategy of a producer waiting for a free slot under {@link BackPressure#WAIT}.
     * @return this.
     */
    public S producerIdleStrategy(final Supplier<IdleStrategy> supplier)
    {
        mutable().producerIdleStrategy = supplier;
        return self();
    }

    /**
     * @param enabled record every command's latency into per-family histograms ({@code metrics()}); about 20 ns
     *                and no allocation per command (perf-results/2026-11-30-metrics.md). Counters are always kept.
     * @return this.
     */
    public S latencyMetrics(final boolean enabled)
    {
        mutable().latencyMetrics = enabled;
        return self();
    }

    /**
     * @param tries busy-spin read passes a waiting caller (sync, future join, {@link Batch#await}) makes before it
     *              blocks in its selector; 0 blocks at once (best where cores are scarce), a large value spins
     *              (dedicated cores: budget one core per spinning caller plus one per busy-spin I/O thread).
     * @return this.
     */
    public S callerSpinTries(final int tries)
    {
        if (tries < 0)
        {
            throw new IllegalArgumentException("callerSpinTries must be >= 0, got " + tries);
        }
        mutable().callerSpinTries = tries;
        return self();
    }

    /**
     * Decoder bounds: a reply nested deeper or a bulk longer is a protocol error that resets the connection.
     *
     * @param maxDepth       aggregate nesting bound.
     * @param maxBulkLength bulk string bound in bytes (Redis's proto-max-bulk-len defaults to 512 MB).
     * @return this.
     */
    public S decoderLimits(final int maxDepth, final long maxBulkLength)
    {
        mutable().maxDepth = maxDepth;
        this.maxBulkLength = maxBulkLength;
        return self();
    }

    /**
     * @param handler receives exceptions thrown by reply handlers and I/O errors (connection lost, protocol error,
     *                failed reconnect); never null. The default logs each distinct failure once through
     *                {@code System.Logger} "io.slotring" at WARNING with its stack trace, then at most one line per
     *                failure per 10 s with the number of repeats.
     * @return this.
     */
    public S errorHandler(final ErrorHandler handler)
    {
        mutable().errorHandler = handler;
        return self();
    }

    /**
     * TLS on every connection (data, blocking, pub/sub and topology queries). In a cluster the nodes are dialled
     * at the TLS port {@code CLUSTER SHARDS} reports, and seeds must be TLS ports.
     *
     * @param settings the TLS settings, or null for plain text (the default).
     * @return this.
     */
    public S tls(final TlsSettings settings)
    {
        mutable().tls = settings;
        return self();
    }

    /**
     * @param listener receives RESP3 push frames (out of band; they never complete a command), or null.
     * @return this.
     */
    public S pushListener(final PushListener listener)
    {
        mutable().pushListener = listener;
        return self();
    }

    /**
     * @return the configured connectionsPerNode.
     */
    public int connectionsPerNode()
    {
        return connectionsPerNode;
    }

    /**
     * @return the configured blockingConnectionsPerNode.
     */
    public int blockingConnectionsPerNode()
    {
        return blockingConnectionsPerNode;
    }

    /**
     * @return the configured ioThreads.
     */
    public int ioThreads()
    {
        return ioThreads;
    }

    /**
     * @return the configured ringSize.
     */
    public int ringSize()
    {
        return ringSize;
    }

    /**
     * @return the configured slotCapacity.
     */
    public int slotCapacity()
    {
        return slotCapacity;
    }

    /**
     * @return the configured slotGrowthLimit.
     */
    public int slotGrowthLimit()
    {
        return slotGrowthLimit;
    }

    /**
     * @return the configured receiveBufferSize.
     */
    public int receiveBufferSize()
    {
        return receiveBufferSize;
    }

    /**
     * @return the command timeout in nanoseconds.
     */
    public long commandTimeoutNs()
    {
        return commandTimeoutNs;
    }

    /**
     * @return the connect (plus handshake) timeout in nanoseconds.
     */
    public long connectTimeoutNs()
    {
        return connectTimeoutNs;
    }

    /**
     * @return the configured reconnectMinDelayNs.
     */
    public long reconnectMinDelayNs()
    {
        return reconnectMinDelayNs;
    }

    /**
     * @return the configured reconnectMaxDelayNs.
     */
    public long reconnectMaxDelayNs()
    {
        return reconnectMaxDelayNs;
    }

    /**
     * @return the configured idlePingIntervalNs.
     */
    public long idlePingIntervalNs()
    {
        return idlePingIntervalNs;
    }

    /**
     * @return what the credentials supplier returns now, for a reauthentication.
     * @throws IllegalStateException when no credentials are configured or the supplier returns none.
     */
    public final Credentials currentCredentials()
    {
        final Credentials current = credentials == null ? null : credentials.get();
        if (current == null)
        {
            throw new IllegalStateException("expected credentials to reauthenticate with, got none: configure " +
                "credentials(user, password) or credentials(supplier)");
        }
        return current;
    }

    /**
     * @return the credentials supplier, or null when none is configured.
     */
    public Supplier<Credentials> credentials()
    {
        return credentials;
    }

    /**
     * @return the configured clientName.
     */
    public String clientName()
    {
        return clientName;
    }

    /**
     * @return the SELECT index.
     */
    public int database()
    {
        return database;
    }

    /**
     * @return the configured preferResp3.
     */
    public boolean preferResp3()
    {
        return preferResp3;
    }

    /**
     * @return the configured backPressure.
     */
    public BackPressure backPressure()
    {
        return backPressure;
    }

    /**
     * @return the configured ioIdleStrategy.
     */
    public Supplier<IdleStrategy> ioIdleStrategy()
    {
        return ioIdleStrategy;
    }

    /**
     * @return the configured producerIdleStrategy.
     */
    public Supplier<IdleStrategy> producerIdleStrategy()
    {
        return producerIdleStrategy;
    }

    /**
     * @return whether command latencies are recorded.
     */
    public boolean latencyMetrics()
    {
        return latencyMetrics;
    }

    /**
     * @return the configured callerSpinTries.
     */
    public int callerSpinTries()
    {
        return callerSpinTries;
    }

    /**
     * @return the configured maxDepth.
     */
    public int maxDepth()
    {
        return maxDepth;
    }

    /**
     * @return the configured maxBulkLength.
     */
    public long maxBulkLength()
    {
        return maxBulkLength;
    }

    /**
     * @return the configured errorHandler.
     */
    public ErrorHandler errorHandler()
    {
        return errorHandler;
    }

    /**
     * @return the TLS settings, or null for plain text.
     */
    public TlsSettings tls()
    {
        return tls;
    }

    /**
     * @return the configured pushListener.
     */
    public PushListener pushListener()
    {
        return pushListener;
    }

    /**
     * @return the shared settings as {@code key=value} pairs, password redacted, for a subclass's toString.
     */
    protected final String settingsString()
    {
        return "connectionsPerNode=" + connectionsPerNode +
            ", ioThreads=" + ioThreads +
            ", ringSize=" + ringSize +
            ", slotCapacity=" + slotCapacity +
            ", commandTimeoutMs=" + commandTimeoutNs / 1_000_000 +
            ", credentials=" + (credentials == null ? "none" : fixedCredentials ? credentials.get() : "<supplier>") +
            ", clientName=" + clientName +
            ", database=" + database +
            ", backPressure=" + backPressure;
    }
}
