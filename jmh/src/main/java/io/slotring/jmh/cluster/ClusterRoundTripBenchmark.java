package io.slotring.jmh.cluster;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import io.slotring.cluster.ClusterClient;
import io.slotring.cluster.ClusterConfig;
import io.slotring.codec.RespReader;
import io.slotring.engine.Batch;
import io.slotring.engine.RedisException;
import io.slotring.engine.ReplyHandler;
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
 * Routed zero-copy round trips against a real 3-master cluster from the launcher: slot hash, table lookup,
 * per-node round-robin, and the engine path. {@code -prof gc} covers every thread: ~0 B/op means routing adds no
 * allocation.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ClusterRoundTripBenchmark
{
    private static final int BATCH = 64;
    private static final int KEYS = 1024;

    private LocalRedisCluster cluster;
    private ClusterClient client;
    private Batch batch;
    private byte[][] keys;
    private byte[][] values;
    private int next;
    private final Sink sink = new Sink();

    static final class Sink implements ReplyHandler
    {
        long bytes;
        long failures;

        @Override
        public void onReply(final long token, final RespReader reply)
        {
            bytes += reply.valueLength();
        }

        @Override
        public void onFailure(final long token, final RedisException error)
        {
            failures++;
        }
    }

    @Setup(Level.Trial)
    public void setUp()
    {
        cluster = LocalRedisCluster.builder().masters(3).replicasPerMaster(0).start();
        client = ClusterClient.connect(ClusterConfig.create().seeds(cluster.seeds()).connectionsPerNode(4));
        batch = client.newBatch(sink);
        keys = new byte[KEYS][];
        values = new byte[KEYS][];
        for (int i = 0; i < KEYS; i++)
        {
            keys[i] = padded("bench:" + i + ":", 512, '0');
            values[i] = padded("val:" + i + ":", 512, 'X');
            client.set(keys[i], values[i], batch, i);
        }
        batch.await(30, TimeUnit.SECONDS);
    }

    static byte[] padded(final String prefix, final int length, final char pad)
    {
        final byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte)pad);
        final byte[] head = prefix.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(head, 0, bytes, 0, Math.min(head.length, length));
        return bytes;
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        client.close();
        cluster.close();
        if (sink.failures != 0)
        {
            throw new IllegalStateException(sink.failures + " commands failed");
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long getBatchOf64()
    {
        for (int i = 0; i < BATCH; i++)
        {
            client.get(keys[next++ & (KEYS - 1)], batch, i);
        }
        batch.await(10, TimeUnit.SECONDS);
        return sink.bytes;
    }
}
