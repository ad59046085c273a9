package io.slotring.jmh.cluster;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.slotring.cluster.ClusterClient;
import io.slotring.cluster.ClusterConfig;
import io.slotring.engine.Batch;
import io.slotring.engine.ClientConfig;
import io.slotring.jmh.engine.CountingSink;
import io.slotring.jmh.engine.KeyValues;
import io.slotring.launcher.LocalRedisCluster;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Routed zero-copy round trips against a real 3-master cluster from the launcher: slot hash, table lookup,
 * per-node round-robin, and the engine path, from as many JMH threads as {@code -t} asks (each with its own
 * batch). {@code -prof gc} covers every thread of the JVM, I/O threads included: ~0 B/op means routing and the
 * engine allocate nothing per command.
 *
 * <p>{@code -p idle=selector,backoff,yield,sleep,spin} compares the I/O agents' idle strategies on this host; this
 * is the measurement behind the default (see perf-results/).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ClusterRoundTripBenchmark
{
    static final int BATCH = 64;
    static final int KEYS = 1024;

    @Param({"selector"})
    public String idle;

    private LocalRedisCluster cluster;
    ClusterClient client;
    byte[][] keys;
    byte[][] values;

    /** Per-thread batch and cursor: each JMH thread is one worker of the benchmark's shape. */
    @State(Scope.Thread)
    public static class Worker
    {
        final CountingSink sink = new CountingSink();
        Batch batch;
        int next;

        @Setup(Level.Trial)
        public void setUp(final ClusterRoundTripBenchmark shared)
        {
            batch = shared.client.newBatch(sink);
            next = (int)(Thread.currentThread().getId() * 131);
        }

        @TearDown(Level.Trial)
        public void tearDown()
        {
            sink.requireNoFailures();
        }
    }

    static Supplier<IdleStrategy> idleStrategy(final String name)
    {
        switch (name)
        {
            case "selector":
                return null;
            case "backoff":
                return ClientConfig::backoffIoIdleStrategy;
            case "yield":
                return YieldingIdleStrategy::new;
            case "sleep":
                return () -> new SleepingIdleStrategy(50_000);
            case "spin":
                return BusySpinIdleStrategy::new;
            default:
                throw new IllegalArgumentException(
                    "idle must be selector, backoff, yield, sleep or spin, got " + name);
        }
    }

    @Setup(Level.Trial)
    public void setUp()
    {
        cluster = LocalRedisCluster.builder().masters(3).replicasPerMaster(0).start();
        final ClusterConfig config = ClusterConfig.create().seeds(cluster.seeds()).connectionsPerNode(4)
            .ioIdleStrategy(idleStrategy(idle));
        client = ClusterClient.connect(config);
        keys = KeyValues.keys(KEYS, 512);
        values = KeyValues.values(KEYS, 512);
        for (int i = 0; i < KEYS; i++)
        {
            client.sync().set(keys[i], values[i]);
        }
    }


    @TearDown(Level.Trial)
    public void tearDown()
    {
        client.close();
        cluster.close();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long getBatchOf64(final Worker worker)
    {
        final Batch batch = worker.batch;
        for (int i = 0; i < BATCH; i++)
        {
            client.get(keys[worker.next++ & (KEYS - 1)], batch, i);
        }
        batch.await(10, TimeUnit.SECONDS);
        return worker.sink.bytes();
    }
}
