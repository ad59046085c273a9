package io.slotring.jmh.cluster;

import java.util.concurrent.TimeUnit;

import io.slotring.cluster.ClusterClient;
import io.slotring.cluster.ClusterConfig;
import io.slotring.engine.Batch;
import io.slotring.engine.Script;
import io.slotring.jmh.engine.CountingSink;
import io.slotring.jmh.engine.KeyValues;
import io.slotring.launcher.LocalRedisCluster;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Routed zero-copy {@link io.slotring.engine.Script} round trips on a real 3-master cluster: {@code EVALSHA} of a
 * script reading a 512-byte value, routed by its key's slot (command table: keys after {@code numkeys}), 64 per
 * batch spread over the masters. The script cache of every master is flushed first, so each node's first calls
 * take the {@code NOSCRIPT} to {@code EVAL} fallback. {@code -prof gc}: ~0 B/op means routing, the runner and the
 * engine allocate nothing per call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ClusterScriptRoundTripBenchmark
{
    static final int BATCH = 64;
    static final int KEYS = 1024;
    static final Script GET = Script.of("return redis.call('GET', KEYS[1])");

    private LocalRedisCluster cluster;
    ClusterClient client;
    Script.ZeroCopy calls;
    /** One reused {@code keysThenArgs} array per key, unchanged while its call is in flight. */
    Object[][] keyArgs;

    /** Per-thread batch and cursor. */
    @State(Scope.Thread)
    public static class Worker
    {
        final CountingSink sink = new CountingSink();
        Batch batch;
        int next;

        @Setup(Level.Trial)
        public void setUp(final ClusterScriptRoundTripBenchmark shared)
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

    @Setup(Level.Trial)
    public void setUp()
    {
        cluster = LocalRedisCluster.builder().masters(3).replicasPerMaster(0).start();
        client = ClusterClient.connect(ClusterConfig.create().seeds(cluster.seeds()).connectionsPerNode(4));
        final byte[][] keys = KeyValues.keys(KEYS, 512);
        final byte[][] values = KeyValues.values(KEYS, 512);
        keyArgs = new Object[KEYS][];
        for (int i = 0; i < KEYS; i++)
        {
            client.sync().set(keys[i], values[i]);
            keyArgs[i] = new Object[] {keys[i]};
        }
        client.sync().execute("SCRIPT", "FLUSH");
        calls = GET.zeroCopy(client, 4096);
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        client.close();
        cluster.close();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long evalshaBatchOf64(final Worker worker)
    {
        final Batch batch = worker.batch;
        for (int i = 0; i < BATCH; i++)
        {
            calls.eval(batch, i, 1, keyArgs[worker.next++ & (KEYS - 1)]);
        }
        batch.await(10, TimeUnit.SECONDS);
        return worker.sink.bytes();
    }
}
