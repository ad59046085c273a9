package io.slotring.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import io.slotring.codec.SlotHash;
import io.slotring.engine.Batch;
import io.slotring.engine.ClientConfig;
import io.slotring.engine.ConnectionSettings;
import io.slotring.engine.RedisClient;
import io.slotring.engine.ReplyHandler;
import io.slotring.launcher.Await;
import io.slotring.launcher.FaultProxy;
import io.slotring.launcher.LocalRedisCluster;
import io.slotring.launcher.LocalRedisServer;
import io.slotring.launcher.RedisNodeHandle;
import io.slotring.launcher.ThreadLeaks;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Network faults under load, for every combination of topology (a standalone server, a 3-master cluster), API
 * style (zero-copy, async, sync) and fault (added latency, a black hole, connection resets, a corrupted reply
 * byte), injected by {@link FaultProxy}s that sit where the client connects.
 *
 * <p>The cluster's masters announce their proxies' ports ({@code cluster-announce-port}), so discovery, MOVED and
 * every command go through the proxies; each cell checks that before injecting anything. The fault is injected
 * on every proxy of the topology at once (a network fault, not a node fault), while two workers run SET/GET of
 * verified values and INCR of a shared counter in the cell's style. The phases follow the load, not the clock: the
 * fault goes in once the load has completed a number of commands, and the load stops once it has completed as many
 * again after the fault; only a fault that must last (a delay, a black hole) is held for a fixed time.
 *
 * <p>Every cell asserts: no wrong reply (see {@link MatrixLedger}); INCR accounting; every command completes
 * exactly once and no later than its deadline + 1 s; the client works again after {@code heal()}; its threads are
 * gone after {@code close()}. Servers and proxies are shared per topology; each cell gets a healed proxy, fresh
 * keys and a fresh client.
 */
class FaultMatrixIT
{
    enum Topology
    {
        STANDALONE, CLUSTER
    }

    enum Style
    {
        ZERO_COPY, ASYNC, SYNC
    }

    enum Fault
    {
        DELAY, BLACKHOLE, RESET, CORRUPT
    }

    private static final Duration COMMAND_TIMEOUT = Duration.ofMillis(500);
    private static final long TIMEOUT_NS = COMMAND_TIMEOUT.toNanos();
    /** How long past its deadline a command may complete: the agents check deadlines every few ms. */
    private static final long OVERSHOOT_BOUND_NS = TimeUnit.SECONDS.toNanos(1);
    /** Waits for completions are the command timeout plus this. */
    private static final long COMPLETION_GRACE_NS = TimeUnit.SECONDS.toNanos(2);
    private static final int WORKERS = 2;
    private static final int DATA_KEYS_PER_SHARD = 4;
    private static final int MAX_ROUNDS = 20_000;
    /** Successful commands the load completes before the fault, and again after each step of it. */
    private static final long PROGRESS = 1_000;
    /** How long a delay or a black hole lasts: longer than the command timeout plus an idle PING interval. */
    private static final long HOLD_NS = TimeUnit.MILLISECONDS.toNanos(1_000);
    /** Two INCRs and a command per data key (at most three shards) per round. */
    private static final int LEDGER_CAPACITY = WORKERS * MAX_ROUNDS * (2 + 3 * DATA_KEYS_PER_SHARD);
    private static final AtomicInteger CELLS = new AtomicInteger();

    private static LocalRedisServer server;
    private static FaultProxy serverProxy;
    private static LocalRedisCluster cluster;
    /** Proxy in front of each master, by node id, in the cluster's master order. */
    private static final Map<String, FaultProxy> CLUSTER_PROXIES = new LinkedHashMap<>();
    private static final Map<String, RedisNodeHandle> MASTERS = new LinkedHashMap<>();
    private static String[] slotOwners;

    @BeforeAll
    static void startServers()
    {
        server = LocalRedisServer.builder().start();
        serverProxy = FaultProxy.start(server.host(), server.port());
        cluster = LocalRedisCluster.builder().masters(3).replicasPerMaster(0).start();
        for (final RedisNodeHandle master : cluster.masters())
        {
            MASTERS.put(master.nodeId(), master);
            CLUSTER_PROXIES.put(master.nodeId(), FaultProxy.start(master.host(), master.port()));
        }
        ClusterTestSupport.announceProxies(cluster, CLUSTER_PROXIES, Duration.ofSeconds(15));
        slotOwners = ClusterTestSupport.slotOwners(cluster, cluster.masters().get(0));
    }

    @AfterAll
    static void stopServers()
    {
        final List<AutoCloseable> closeables = new ArrayList<>(CLUSTER_PROXIES.values());
        closeables.add(serverProxy);
        closeables.add(cluster);
        closeables.add(server);
        for (final AutoCloseable closeable : closeables)
        {
            try
            {
                if (closeable != null)
                {
                    closeable.close();
                }
            }
            catch (final Exception ex)
            {
                System.out.println("[matrix] closing " + closeable + " failed: " + ex);
            }
        }
        CLUSTER_PROXIES.clear();
        MASTERS.clear();
    }

    static Stream<Arguments> cells()
    {
        final List<Arguments> cells = new ArrayList<>();
        for (final Topology topology : Topology.values())
        {
            for (final Style style : Style.values())
            {
                for (final Fault fault : Fault.values())
                {
                    cells.add(Arguments.of(topology, style, fault));
                }
            }
        }
        return cells.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cells")
    @Timeout(value = 40, unit = TimeUnit.SECONDS)
    void faultUnderLoad(final Topology topology, final Style style, final Fault fault) throws Exception
    {
        final long cellStart = System.nanoTime();
        final String cell = topology + " " + style + " " + fault;
        final String tag = "fm" + CELLS.incrementAndGet() + "x" + Long.toString(System.currentTimeMillis(), 36);
        final List<FaultProxy> proxies = topology == Topology.STANDALONE ? List.of(serverProxy) :
            new ArrayList<>(CLUSTER_PROXIES.values());
        proxies.forEach(FaultProxy::heal);
        final List<String> shards = topology == Topology.STANDALONE ? List.of("standalone") :
            new ArrayList<>(CLUSTER_PROXIES.keySet());
        final MatrixLedger ledger = new MatrixLedger(tag, TIMEOUT_NS, LEDGER_CAPACITY);

        // One counter shared by the workers, INCRed twice per round by each (concurrent INCRs of one key in flight);
        // per worker a few data keys on every shard, so each proxy carries a pipeline of several commands.
        final MatrixKey counter = ledger.key(keyOn(topology, shards.get(0), tag + ":counter", 0), shards.get(0),
            true);
        final List<List<MatrixKey>> workerKeys = new ArrayList<>();
        final List<MatrixKey> allKeys = new ArrayList<>(List.of(counter));
        for (int w = 0; w < WORKERS; w++)
        {
            final List<MatrixKey> keys = new ArrayList<>(List.of(counter, counter));
            for (final String shard : shards)
            {
                for (int k = 0; k < DATA_KEYS_PER_SHARD; k++)
                {
                    final MatrixKey key = ledger.key(keyOn(topology, shard, tag + ":w" + w + ":data", k), shard,
                        false);
                    keys.add(key);
                    allKeys.add(key);
                }
            }
            workerKeys.add(keys);
        }

        final Connected connected = connect(topology, ledger);
        final MatrixClient client = connected.client();
        final SoftAssertions softly = new SoftAssertions();
        List<String> leaked = List.of();
        long recoveredMs = -1;
        final long[] acceptedBefore = proxies.stream().mapToLong(FaultProxy::acceptedConnections).toArray();
        try
        {
            if (topology == Topology.CLUSTER)
            {
                assertRoutesThroughProxies(connected.cluster(), allKeys);
            }
            final AtomicBoolean stop = new AtomicBoolean();
            final List<Thread> workers = new ArrayList<>();
            for (int w = 0; w < WORKERS; w++)
            {
                final List<MatrixKey> keys = workerKeys.get(w);
                final int index = w;
                final Thread worker = new Thread(() -> runWorker(client, ledger, keys, style, index, stop),
                    "matrix-" + tag + "-worker-" + w);
                worker.setDaemon(true);
                workers.add(worker);
                worker.start();
            }
            try
            {
                inject(fault, proxies, ledger);
            }
            catch (final AssertionError stalled)
            {
                // Reported with the cell's other findings below.
                ledger.problem("the load did not progress: " + stalled.getMessage());
            }
            finally
            {
                // A round waits at most timeout + 2 s for its completions, a sync call timeout + 1 s.
                ClusterTestSupport.stopLoad(stop, workers, TIMEOUT_NS + COMPLETION_GRACE_NS, ledger);
                proxies.forEach(FaultProxy::heal);
            }

            final List<String> recoverKeys = new ArrayList<>();
            for (final String shard : shards)
            {
                recoverKeys.add(keyOn(topology, shard, tag + ":recover", 0));
            }
            recoveredMs = ClusterTestSupport.recover(client, recoverKeys, tag + ":recovered", Duration.ofSeconds(5));
            ledger.sweep();
            checkServerState(topology, ledger, counter, allKeys);
        }
        finally
        {
            proxies.forEach(FaultProxy::heal);
            // Proves the leak check below looks for the right names.
            softly.assertThat(ThreadLeaks.names(ThreadLeaks.CLIENT)).as("%s: client threads while it runs", cell)
                .anyMatch(name -> name.startsWith("slotring-io"));
            client.close();
            leaked = ThreadLeaks.remainingAfter(Duration.ofSeconds(5), ThreadLeaks.CLIENT);
        }

        final long[] acceptedAfter = proxies.stream().mapToLong(FaultProxy::acceptedConnections).toArray();
        System.out.printf("[matrix] %-32s %s%n    recoveryMs=%d reconnects=%s cellMs=%d%n", cell, ledger.summary(),
            recoveredMs, reconnects(acceptedBefore, acceptedAfter),
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cellStart));
        for (final String problem : ledger.problems())
        {
            System.out.println("    problem: " + problem);
        }

        softly.assertThat(ledger.ok).as("%s: commands that succeeded (the load ran)", cell).isPositive();
        softly.assertThat(ledger.wrong).as("%s: wrong replies; problems: %s", cell, ledger.problems()).isZero();
        softly.assertThat(ledger.errorReplies).as("%s: error replies", cell).isZero();
        softly.assertThat(ledger.unknownTokens).as("%s: completions for unknown tokens", cell).isZero();
        softly.assertThat(ledger.lostCompletions).as("%s: commands never completed", cell).isZero();
        softly.assertThat(ledger.doubleCompletions).as("%s: commands completed twice", cell).isZero();
        softly.assertThat(ledger.lateCompletions).as("%s: sync calls that outwaited the engine", cell).isZero();
        softly.assertThat(ledger.maxOvershootNs).as("%s: latest completion past its deadline (ns), bound 1 s", cell)
            .isLessThanOrEqualTo(OVERSHOOT_BOUND_NS);
        softly.assertThat(ledger.problems()).as("%s: problems (accounting, completion)", cell).isEmpty();
        softly.assertThat(recoveredMs).as("%s: ms until a verified SET/GET worked after heal()", cell)
            .isBetween(0L, 5_000L);
        softly.assertThat(leaked).as("%s: client threads alive 5 s after close()", cell).isEmpty();
        if (fault != Fault.DELAY)
        {
            // The fault must have hit: the client had to reconnect (through the proxy) at least once.
            softly.assertThat(sum(acceptedAfter) - sum(acceptedBefore))
                .as("%s: reconnects forced by the fault", cell).isPositive();
        }
        if (fault == Fault.CORRUPT)
        {
            // A flipped type byte is a protocol error: the client must reset that connection, on every proxy.
            for (int i = 0; i < proxies.size(); i++)
            {
                softly.assertThat(acceptedAfter[i] - acceptedBefore[i])
                    .as("%s: reconnects through %s after its reply byte was corrupted", cell, proxies.get(i))
                    .isPositive();
            }
        }
        softly.assertAll();
    }

    // ------------------------------------------------------------------------------------------------- the load

    /**
     * One worker: rounds of one command per data key (SET and GET alternating) and two INCRs of the shared
     * counter, in the cell's style, each round awaited in full before the next, so every data key has at most one
     * command in flight and its state is exactly known. In the zero-copy style even workers use a {@link Batch},
     * odd ones the handler-per-call form.
     */
    private static void runWorker(final MatrixClient client, final MatrixLedger ledger, final List<MatrixKey> keys,
        final Style style, final int index, final AtomicBoolean stop)
    {
        final ReplyHandler handler = MatrixClient.handler(ledger);
        final Batch batch = style == Style.ZERO_COPY && index % 2 == 0 ? client.newBatch(handler) : null;
        for (int round = 0; round < MAX_ROUNDS && !stop.get(); round++)
        {
            final CountDownLatch latch = new CountDownLatch(keys.size());
            final List<MatrixOp> ops = new ArrayList<>(keys.size());
            for (final MatrixKey key : keys)
            {
                final MatrixOp op = ledger.next(key, latch);
                if (op == null)
                {
                    return;
                }
                ops.add(op);
            }
            switch (style)
            {
                case SYNC:
                    ops.forEach(client::runSync);
                    break;
                case ASYNC:
                    ops.forEach(client::submitAsync);
                    break;
                default:
                    ops.forEach(op -> client.submitZeroCopy(op, handler, batch));
                    if (batch != null && !batch.await(TIMEOUT_NS + COMPLETION_GRACE_NS, TimeUnit.NANOSECONDS))
                    {
                        ledger.problem("batch.await returned false after timeout + 2 s in round " + round + ", " +
                            batch.outstanding() + " outstanding: " + pending(ops));
                    }
                    break;
            }
            if (!MatrixClient.await(latch, TIMEOUT_NS + COMPLETION_GRACE_NS))
            {
                ledger.problem("round " + round + " of worker " + index + " not complete after timeout + 2 s: " +
                    pending(ops));
                return; // the keys' state is unknown from here on
            }
            ops.forEach(ledger::settle);
            LockSupport.parkNanos(200_000); // paces the load: leaves the two cores room for the servers and proxies
        }
    }

    private static List<MatrixOp> pending(final List<MatrixOp> ops)
    {
        return ops.stream().filter(op -> !op.isDone()).toList();
    }

    /**
     * The cell's fault, between phases of load: each step waits until the load has completed {@link #PROGRESS}
     * more successful commands, so the fault meets a running load and the client shows it works again afterwards.
     */
    private static void inject(final Fault fault, final List<FaultProxy> proxies, final MatrixLedger ledger)
    {
        awaitProgress(ledger, "before the fault");
        switch (fault)
        {
            case DELAY:
                // Well below the timeout even with the proxy's per-chunk queueing (up to 2 x 60 ms each way).
                proxies.forEach(p -> p.delay(Duration.ofMillis(60)));
                ClusterTestSupport.sleepUntil(System.nanoTime() + HOLD_NS); // held while the load runs
                proxies.forEach(FaultProxy::heal);
                break;
            case BLACKHOLE:
                // The proxy drops the bytes sent meanwhile, which TCP never does on a live connection: one that
                // survived the gap would pair later replies with the dropped commands through no fault of the
                // client. Lasting longer than the command timeout plus an idle PING interval, it makes sure every
                // connection that lived through it is reset before heal().
                proxies.forEach(FaultProxy::blackhole);
                ClusterTestSupport.sleepUntil(System.nanoTime() + HOLD_NS); // held while the load runs
                proxies.forEach(FaultProxy::heal);
                break;
            case RESET:
                proxies.forEach(FaultProxy::resetAll);
                awaitProgress(ledger, "after the first reset");
                proxies.forEach(FaultProxy::resetAll);
                break;
            default:
                proxies.forEach(p -> p.corruptNextByte(FaultProxy.Direction.TO_CLIENT));
                break;
        }
        awaitProgress(ledger, "after the fault");
    }

    private static void awaitProgress(final MatrixLedger ledger, final String when)
    {
        final long from = ledger.okCount();
        Await.until(Duration.ofSeconds(10), () -> ledger.okCount() - from >= PROGRESS,
            PROGRESS + " more successful commands " + when);
    }

    // ------------------------------------------------------------------------------------------------ the client

    /** A connected client; {@code cluster} is the same client as a ClusterClient, or null for standalone. */
    private record Connected(MatrixClient client, ClusterClient cluster)
    {
    }

    private static Connected connect(final Topology topology, final MatrixLedger ledger)
    {
        if (topology == Topology.STANDALONE)
        {
            final ClientConfig config = ClientConfig.create().address(serverProxy.host(), serverProxy.port());
            return new Connected(MatrixClient.of(RedisClient.connect(engine(config, ledger))), null);
        }
        final StringJoiner seeds = new StringJoiner(",");
        CLUSTER_PROXIES.values().forEach(p -> seeds.add(p.host() + ':' + p.port()));
        final ClusterConfig config = ClusterConfig.create().seeds(seeds.toString())
            .topologyRefresh(Duration.ofSeconds(30), Duration.ofMillis(100));
        engine(config, ledger);
        final ClusterClient client = ClusterClient.connect(config);
        return new Connected(MatrixClient.of(client), client);
    }

    /**
     * Short timeouts so a cell stays short. The idle PING interval is what makes every connection that lived
     * through a black hole reset before it heals (see {@link Plan#inject}).
     */
    private static <S extends ConnectionSettings<S>> S engine(final S config, final MatrixLedger ledger)
    {
        return config.commandTimeout(COMMAND_TIMEOUT)
            .connectTimeout(Duration.ofMillis(500))
            .reconnectDelay(Duration.ofMillis(10), Duration.ofMillis(100))
            .idlePingInterval(Duration.ofMillis(100))
            .errorHandler(ex -> ledger.problem("client error handler got: " + ex));
    }

    private static void assertRoutesThroughProxies(final ClusterClient client, final List<MatrixKey> keys)
    {
        for (final MatrixKey key : keys)
        {
            final int slot = SlotHash.slot(key.name);
            final FaultProxy proxy = CLUSTER_PROXIES.get(slotOwners[slot]);
            assertThat(client.masterAddressOf(slot))
                .as("the client must reach the master of slot %d (key %s) through its proxy", slot, key)
                .isEqualTo(proxy.host() + ':' + proxy.port());
        }
    }

    /** The {@code index}-th key name starting with {@code prefix} that lands on {@code shard}. */
    private static String keyOn(final Topology topology, final String shard, final String prefix, final int index)
    {
        return topology == Topology.STANDALONE ? prefix + '-' + index :
            ClusterTestSupport.keysOn(slotOwners, shard, prefix, index + 1).get(index);
    }

    // ---------------------------------------------------------------------------------------------- the checks

    /** Reads the counter and every data key straight from the servers (not through the proxies). */
    private static void checkServerState(final Topology topology, final MatrixLedger ledger,
        final MatrixKey counter, final List<MatrixKey> keys)
    {
        final Object total = read(topology, counter.name);
        ledger.checkCounter(counter, total == null ? 0 : Long.parseLong((String)total));
        for (final MatrixKey key : keys)
        {
            if (!key.counter)
            {
                ledger.checkFinal(key, (String)read(topology, key.name));
            }
        }
    }

    private static Object read(final Topology topology, final String key)
    {
        if (topology == Topology.STANDALONE)
        {
            return server.call("GET", key);
        }
        return cluster.call(MASTERS.get(slotOwners[SlotHash.slot(key)]), "GET", key);
    }

    private static String reconnects(final long[] before, final long[] after)
    {
        final StringJoiner out = new StringJoiner(",", "[", "]");
        for (int i = 0; i < before.length; i++)
        {
            out.add(Long.toString(after[i] - before[i]));
        }
        return out.toString();
    }

    private static long sum(final long[] values)
    {
        long total = 0;
        for (final long value : values)
        {
            total += value;
        }
        return total;
    }
}
