package io.slotring.jmh.cluster;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import io.slotring.cluster.ClusterClient;
import io.slotring.cluster.ClusterConfig;
import io.slotring.engine.Batch;
import io.slotring.engine.MessageHandler;
import io.slotring.engine.Subscription;
import io.slotring.jmh.engine.CountingSink;
import io.slotring.launcher.LocalRedisCluster;
import org.agrona.DirectBuffer;
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
 * Shard pub/sub on a real 3-master cluster: 64 {@code SPUBLISH}es per operation over three shard channels (one per
 * master), sent zero-copy in a batch and routed by each channel's slot, then waits until the zero-copy
 * {@link MessageHandler}s ({@code SSUBSCRIBE} on each channel's owner) received every one. Messages per second;
 * {@code -prof gc}: ~0 B/op means routing, publishing and delivery allocate nothing per message.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ClusterShardPubSubBenchmark
{
    static final int BATCH = 64;

    private LocalRedisCluster cluster;
    private ClusterClient client;
    private Batch batch;
    private Subscription[] subscriptions;
    private final CountingSink sink = new CountingSink();
    private final Receiver receiver = new Receiver();
    /** One reused {@code SPUBLISH channel payload} array per channel. */
    private Object[][] spublish;
    private long published;

    /** Zero-copy handler shared by the subscriptions: one pub/sub thread delivers, one message at a time. */
    static final class Receiver implements MessageHandler
    {
        volatile long received;
        long checksum;

        @Override
        public void onMessage(final DirectBuffer buffer, final int channelOffset, final int channelLength,
            final int payloadOffset, final int payloadLength)
        {
            checksum += buffer.getByte(payloadOffset + payloadLength - 1) + channelLength;
            received = received + 1;
        }
    }

    @Setup(Level.Trial)
    public void setUp()
    {
        cluster = LocalRedisCluster.builder().masters(3).replicasPerMaster(0).start();
        client = ClusterClient.connect(ClusterConfig.create().seeds(cluster.seeds()).connectionsPerNode(2));
        batch = client.newBatch(sink);
        final byte[] payload = new byte[128];
        Arrays.fill(payload, (byte)'m');
        // {a}, {b}, {c}: slots 15495, 3300, 7365, one on each of the three masters.
        final String[] channels = {"{a}events", "{b}events", "{c}events"};
        spublish = new Object[channels.length][];
        subscriptions = new Subscription[channels.length];
        for (int i = 0; i < channels.length; i++)
        {
            spublish[i] = new Object[] {"SPUBLISH", channels[i].getBytes(StandardCharsets.UTF_8), payload};
            subscriptions[i] = client.ssubscribe(channels[i], receiver);
            if (!subscriptions[i].awaitActive(Duration.ofSeconds(10)))
            {
                throw new IllegalStateException("SSUBSCRIBE " + channels[i] + " was not confirmed within 10 s");
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        for (final Subscription subscription : subscriptions)
        {
            subscription.close();
        }
        client.close();
        cluster.close();
        sink.requireNoFailures();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long spublishAndReceiveBatchOf64()
    {
        for (int i = 0; i < BATCH; i++)
        {
            client.execute(batch, i, spublish[i % spublish.length]);
        }
        batch.await(10, TimeUnit.SECONDS);
        published += BATCH;
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int spins = 0;
        while (receiver.received < published)
        {
            if (++spins > 1_000)
            {
                Thread.yield();
                if (System.nanoTime() - deadline > 0)
                {
                    throw new IllegalStateException("messages lost: published " + published + ", received " +
                        receiver.received);
                }
            }
            else
            {
                Thread.onSpinWait();
            }
        }
        return receiver.checksum;
    }
}
