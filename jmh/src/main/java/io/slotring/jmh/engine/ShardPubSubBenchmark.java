package io.slotring.jmh.engine;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import io.slotring.engine.Batch;
import io.slotring.engine.ClientConfig;
import io.slotring.engine.MessageHandler;
import io.slotring.engine.RedisClient;
import io.slotring.engine.Subscription;
import io.slotring.launcher.LocalRedisServer;
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
 * Shard pub/sub end to end against a real redis-server: 64 {@code SPUBLISH}es per operation, sent zero-copy in a
 * batch ({@code execute(batch, token, args)} with reused argument arrays), and waits until a zero-copy
 * {@link MessageHandler} on the client's subscriber connection ({@code SSUBSCRIBE}) has received every one. The
 * score is messages per second, published and delivered; {@code -prof gc} covers every thread of the JVM (the
 * publisher's I/O path and the {@code slotring-pubsub} thread that decodes and delivers), so ~0 B/op means neither
 * side allocates per message.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ShardPubSubBenchmark
{
    static final int BATCH = 64;
    private static final String CHANNEL = "{bench}events";

    private LocalRedisServer server;
    private RedisClient client;
    private Batch batch;
    private Subscription subscription;
    private final CountingSink sink = new CountingSink();
    private final Receiver receiver = new Receiver();
    /** One reused {@code SPUBLISH channel payload} array: encoded at the call, so reusable at once. */
    private Object[] spublish;
    private long published;

    /** Zero-copy handler: reads the payload in place (sums a byte so the read is not dropped) and counts. */
    static final class Receiver implements MessageHandler
    {
        volatile long received;
        long checksum;

        @Override
        public void onMessage(final DirectBuffer buffer, final int channelOffset, final int channelLength,
            final int payloadOffset, final int payloadLength)
        {
            checksum += buffer.getByte(payloadOffset + payloadLength - 1) + channelLength;
            received = received + 1;   // single writer: the slotring-pubsub thread
        }
    }

    @Setup(Level.Trial)
    public void setUp()
    {
        server = LocalRedisServer.builder().start();
        client = RedisClient.connect(ClientConfig.create().address(server.host(), server.port()));
        batch = client.newBatch(sink);
        final byte[] payload = new byte[128];
        Arrays.fill(payload, (byte)'m');
        spublish = new Object[] {"SPUBLISH", CHANNEL.getBytes(StandardCharsets.UTF_8), payload};
        subscription = client.ssubscribe(CHANNEL, receiver);
        if (!subscription.awaitActive(Duration.ofSeconds(10)))
        {
            throw new IllegalStateException("SSUBSCRIBE " + CHANNEL + " was not confirmed within 10 s");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        subscription.close();
        client.close();
        server.close();
        sink.requireNoFailures();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long spublishAndReceiveBatchOf64()
    {
        for (int i = 0; i < BATCH; i++)
        {
            client.execute(batch, i, spublish);
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
