package io.slotring.bench;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.slotring.cluster.ClusterClient;
import io.slotring.codec.RespReader;
import io.slotring.engine.Batch;
import io.slotring.engine.RedisException;
import io.slotring.engine.ReplyHandler;
import io.slotring.engine.Subscription;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.agrona.DirectBuffer;
import redis.clients.jedis.BinaryJedisShardedPubSub;
import redis.clients.jedis.ClusterPipeline;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.Response;

/**
 * {@link Op#PUBSUB}: sharded pub/sub through one library. Before the run the client subscribes (SSUBSCRIBE) to
 * {@link PubSubChannels} (hash-tagged so every master owns {@link #CHANNELS_PER_MASTER} of them); then the
 * measured workers publish (SPUBLISH) in batches like GET/SET, each message to a random channel, its payload
 * carrying the send time ({@link System#nanoTime()}, same JVM) and a sequence number, padded to
 * {@code --value-size}. The subscriber records publish-to-receive latency per message into an HdrHistogram and
 * counts deliveries; after the window {@link #finish} waits for the last deliveries (bounded) and puts the
 * receive latency, published and delivered counts in the result (loss fails the run).
 * <ul>
 *   <li>slotring: {@code ssubscribe(channel, MessageHandler)}, zero-copy (the payload read in place on the
 *       {@code slotring-pubsub} thread); publishing by the zero-copy {@code execute(batch, token, "SPUBLISH",
 *       ...)} into one {@code Batch} per worker, awaited per batch like the GET runs.</li>
 *   <li>Lettuce: {@code connectPubSub(ByteArrayCodec)}, each channel SSUBSCRIBEd on its slot owner's node
 *       connection with an {@code smessage} listener; publishing by {@code async().spublish} on the client's own
 *       connection(s), as in its GET/SET runs.</li>
 *   <li>Jedis: a separate {@code RedisClusterClient} whose {@code ssubscribe(BinaryJedisShardedPubSub, channel)}
 *       runs on one thread per channel (an SSUBSCRIBE's channels must share a slot); publishing by
 *       {@code ClusterPipeline.spublish}, synced per batch.</li>
 * </ul>
 * Each SPUBLISH reply must be 1 (one subscriber per channel): another count is a mismatch.
 */
final class PubSubClient implements BenchClient
{
    static final int CHANNELS_PER_MASTER = 2;
    /** Send time, sequence number. */
    static final int HEADER_BYTES = 16;
    private static final long HIGHEST_NS = TimeUnit.MINUTES.toNanos(10);
    private static final Duration SUBSCRIBE_TIMEOUT = Duration.ofSeconds(10);

    private final BenchClient base;
    private final int batch;
    private final int payloadSize;
    private final long warmupNs;
    private final long drainTimeoutNs;
    private final List<String> channels;
    private final byte[][] channelBytes;
    private final Stats stats = new Stats();
    private final List<AutoCloseable> subscribers = new ArrayList<>();
    private final String subscriberStyle;

    /**
     * Subscribes to every channel and waits until each subscription is confirmed.
     *
     * @param base an async client of {@link ClientFactory}; closed by {@link #close()}.
     */
    PubSubClient(final BenchClient base, final Cluster cluster, final BenchSettings settings)
    {
        this.base = base;
        this.batch = settings.batch;
        this.payloadSize = Math.max(HEADER_BYTES, settings.valueSize);
        this.warmupNs = TimeUnit.SECONDS.toNanos(settings.warmupSec);
        this.drainTimeoutNs = settings.awaitTimeoutNs;
        this.channels = PubSubChannels.place(cluster, CHANNELS_PER_MASTER);
        this.channelBytes = new byte[channels.size()][];
        for (int i = 0; i < channels.size(); i++)
        {
            channelBytes[i] = channels.get(i).getBytes(StandardCharsets.US_ASCII);
        }
        try
        {
            if (base instanceof SlotringClient)
            {
                subscriberStyle = "ssubscribe(channel, zero-copy MessageHandler) per channel";
                subscribeSlotring(((SlotringClient)base).cluster());
            }
            else if (base instanceof LettuceClient)
            {
                subscriberStyle = "connectPubSub(ByteArrayCodec); SSUBSCRIBE on the slot owner's node connection, "
                    + "RedisPubSubAdapter.smessage";
                subscribeLettuce((LettuceClient)base);
            }
            else
            {
                subscriberStyle = "own RedisClusterClient; ssubscribe(BinaryJedisShardedPubSub, channel) on one "
                    + "thread per channel";
                subscribeJedis(cluster, settings);
            }
        }
        catch (final RuntimeException ex)
        {
            // The base client is the caller's to close (ExtraOps.create).
            try
            {
                closeSubscribers();
            }
            catch (final RuntimeException suppressed)
            {
                ex.addSuppressed(suppressed);
            }
            throw ex;
        }
    }

    @Override
    public String name()
    {
        return base.name();
    }

    @Override
    public Map<String, Object> describe()
    {
        final Map<String, Object> out = new LinkedHashMap<>(base.describe());
        out.put("pubsub_channels", channels.size() + " shard channels, " + CHANNELS_PER_MASTER + " per master: " +
            channels);
        out.put("pubsub_subscriber", subscriberStyle);
        out.put("pubsub_payload_bytes", payloadSize);
        return out;
    }

    @Override
    public Worker newWorker(final int index, final Outcome outcome)
    {
        if (base instanceof SlotringClient)
        {
            return new SlotringPublisher(((SlotringClient)base).cluster(), index, outcome);
        }
        if (base instanceof LettuceClient)
        {
            final LettuceClient lettuce = (LettuceClient)base;
            return new LettucePublisher(lettuce.connectionFor(index), lettuce.manualFlush(), index, outcome);
        }
        return new JedisPublisher(((JedisClient)base).newPipeline(), index, outcome);
    }

    /**
     * After the measured run (every publish answered): waits until the subscribers received every published
     * message or the await timeout passed, then replaces the run's latency (Measurement's per publish batch) with
     * the publish-to-receive latency and fills the published and delivered counts.
     */
    void finish(final RunResult result)
    {
        final long deadline = System.nanoTime() + drainTimeoutNs;
        while (stats.delivered.sum() < stats.published.sum() && System.nanoTime() - deadline < 0)
        {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        result.published = stats.published.sum();
        result.delivered = stats.delivered.sum();
        final Histogram received = stats.recorder.getIntervalHistogram();
        result.histogram = received;
        result.p50Us = null;
        result.p99Us = null;
        result.p999Us = null;
        result.p9999Us = null;
        result.maxUs = null;
        result.curve = new ArrayList<>();
        result.percentilesFromHistogram();
        result.latencyKind = "publish to receive per message (send System.nanoTime() in the payload, read on the "
            + "subscriber's thread), messages sent from the end of warmup on";
        final long malformed = stats.malformed.get();
        if (malformed > 0)
        {
            result.mismatches += malformed;
            if (result.firstMismatch == null)
            {
                result.firstMismatch = stats.firstMalformed.get();
            }
        }
        if (result.published.longValue() != result.delivered.longValue() && result.error == null)
        {
            result.error = "pub/sub delivered " + result.delivered + " of " + result.published +
                " published messages within " + TimeUnit.NANOSECONDS.toMillis(drainTimeoutNs) + " ms";
        }
    }

    @Override
    public void close()
    {
        try
        {
            closeSubscribers();
        }
        finally
        {
            base.close();
        }
    }

    private void closeSubscribers()
    {
        RuntimeException failure = null;
        for (final AutoCloseable subscriber : subscribers)
        {
            try
            {
                subscriber.close();
            }
            catch (final Exception ex)
            {
                if (failure == null)
                {
                    failure = new IllegalStateException("pub/sub subscriber close: " + Outcome.describe(ex), ex);
                }
            }
        }
        subscribers.clear();
        if (failure != null)
        {
            throw failure;
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Subscribers.
    // ---------------------------------------------------------------------------------------------------------

    private void subscribeSlotring(final ClusterClient client)
    {
        final List<Subscription> subscriptions = new ArrayList<>();
        for (final String channel : channels)
        {
            final Subscription subscription = client.ssubscribe(channel, this::onSlotringMessage);
            subscriptions.add(subscription);
            subscribers.add(subscription);
        }
        for (final Subscription subscription : subscriptions)
        {
            if (!subscription.awaitActive(SUBSCRIBE_TIMEOUT))
            {
                throw new IllegalStateException("slotring: SSUBSCRIBE " + subscription.channel() +
                    " not confirmed within " + SUBSCRIBE_TIMEOUT.toSeconds() + " s");
            }
        }
    }

    private void onSlotringMessage(final DirectBuffer buffer, final int channelOffset, final int channelLength,
        final int payloadOffset, final int payloadLength)
    {
        final long now = System.nanoTime();
        if (payloadLength < HEADER_BYTES)
        {
            stats.malformed("a message of " + payloadLength + " B");
            return;
        }
        stats.received(buffer.getLong(payloadOffset, ByteOrder.BIG_ENDIAN), now);
    }

    private void subscribeLettuce(final LettuceClient lettuce)
    {
        final StatefulRedisClusterPubSubConnection<byte[], byte[]> pubsub =
            lettuce.lettuce().connectPubSub(ByteArrayCodec.INSTANCE);
        subscribers.add(pubsub::close);
        final RedisPubSubAdapter<byte[], byte[]> listener = new RedisPubSubAdapter<>()
        {
            @Override
            public void smessage(final byte[] channel, final byte[] message)
            {
                final long now = System.nanoTime();
                if (message.length < HEADER_BYTES)
                {
                    stats.malformed("a message of " + message.length + " B");
                    return;
                }
                stats.received(readLong(message, 0), now);
            }
        };
        final Set<String> listening = new HashSet<>();
        for (final byte[] channel : channelBytes)
        {
            final RedisClusterNode node = pubsub.getPartitions().getPartitionBySlot(SlotHash.getSlot(channel));
            if (node == null)
            {
                throw new IllegalStateException("lettuce: no node owns the slot of " +
                    new String(channel, StandardCharsets.US_ASCII));
            }
            final StatefulRedisPubSubConnection<byte[], byte[]> connection = pubsub.getConnection(node.getNodeId());
            if (listening.add(node.getNodeId()))
            {
                connection.addListener(listener);
            }
            // Bounded by the connection's command timeout (Lettuce's default, 60 s).
            connection.sync().ssubscribe(channel);
        }
    }

    private void subscribeJedis(final Cluster cluster, final BenchSettings settings)
    {
        final Set<HostAndPort> nodes = new HashSet<>();
        for (final String seed : cluster.seeds())
        {
            nodes.add(HostAndPort.from(seed));
        }
        final ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(CHANNELS_PER_MASTER + 2);
        pool.setJmxEnabled(false);
        pool.setMaxWait(Duration.ofSeconds(10));
        final RedisClusterClient subscriberClient = RedisClusterClient.builder()
            .nodes(nodes)
            .clientConfig(DefaultJedisClientConfig.builder().connectionTimeoutMillis(2000)
                .socketTimeoutMillis((int)Math.min(Integer.MAX_VALUE,
                    TimeUnit.NANOSECONDS.toMillis(settings.awaitTimeoutNs))).build())
            .poolConfig(pool)
            .build();
        final List<JedisSubscriber> threads = new ArrayList<>();
        subscribers.add(() ->
        {
            for (final JedisSubscriber subscriber : threads)
            {
                subscriber.stop();
            }
            subscriberClient.close();
        });
        for (final byte[] channel : channelBytes)
        {
            final JedisSubscriber subscriber = new JedisSubscriber(subscriberClient, channel);
            threads.add(subscriber);
            subscriber.start();
        }
        for (final JedisSubscriber subscriber : threads)
        {
            subscriber.awaitSubscribed();
        }
    }

    /** One Jedis SSUBSCRIBE, blocking its own thread until unsubscribed. */
    private final class JedisSubscriber extends BinaryJedisShardedPubSub
    {
        private final RedisClusterClient client;
        private final byte[] channel;
        private final CountDownLatch subscribed = new CountDownLatch(1);
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final Thread thread;

        JedisSubscriber(final RedisClusterClient client, final byte[] channel)
        {
            this.client = client;
            this.channel = channel;
            this.thread = new Thread(this::run, "jedis-ssubscribe-" + new String(channel, StandardCharsets.US_ASCII));
            thread.setDaemon(true);
        }

        void start()
        {
            thread.start();
        }

        private void run()
        {
            try
            {
                client.ssubscribe(this, channel);
            }
            catch (final Throwable ex)
            {
                failure.set(ex);
                subscribed.countDown();
            }
        }

        void awaitSubscribed()
        {
            try
            {
                if (!subscribed.await(SUBSCRIBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
                {
                    throw new IllegalStateException("jedis: SSUBSCRIBE not confirmed within " +
                        SUBSCRIBE_TIMEOUT.toSeconds() + " s");
                }
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", ex);
            }
            if (failure.get() != null)
            {
                throw new IllegalStateException("jedis ssubscribe: " + Outcome.describe(failure.get()),
                    failure.get());
            }
        }

        void stop()
        {
            if (isSubscribed())
            {
                sunsubscribe();
            }
            try
            {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void onSSubscribe(final byte[] shardChannel, final int subscribedChannels)
        {
            subscribed.countDown();
        }

        @Override
        public void onSMessage(final byte[] shardChannel, final byte[] message)
        {
            final long now = System.nanoTime();
            if (message.length < HEADER_BYTES)
            {
                stats.malformed("a message of " + message.length + " B");
                return;
            }
            stats.received(readLong(message, 0), now);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Publishers: one per worker, a payload buffer per batch slot (reused once its SPUBLISH was answered, so long
    // after the library encoded it).
    // ---------------------------------------------------------------------------------------------------------

    private abstract class Publisher implements Worker
    {
        final Outcome outcome;
        final byte[][] payloads = new byte[batch][];
        private final long sequenceBase;
        private long sequence;

        Publisher(final int index, final Outcome outcome)
        {
            this.outcome = outcome;
            this.sequenceBase = (long)index << 40;
            for (int i = 0; i < batch; i++)
            {
                payloads[i] = Workload.pad("", payloadSize, (byte)'P');
            }
        }

        /** Stamps slot {@code i}'s payload with the next sequence number and the send time; returns it. */
        final byte[] stamp(final int i)
        {
            final byte[] payload = payloads[i];
            writeLong(payload, 8, sequenceBase | sequence++);
            writeLong(payload, 0, System.nanoTime());
            return payload;
        }

        final byte[] channel(final int keyIndex)
        {
            return channelBytes[keyIndex % channelBytes.length];
        }

        /** Checks a SPUBLISH reply (subscribers reached): one, the benchmark's own subscriber. */
        final void published(final long receivers)
        {
            stats.published.increment();
            if (receivers != 1)
            {
                outcome.mismatch("SPUBLISH reached " + receivers + " subscribers, expected 1");
            }
        }

        final void begin()
        {
            stats.start(warmupNs);
        }
    }

    private final class SlotringPublisher extends Publisher implements ReplyHandler
    {
        private final ClusterClient client;
        /** This publisher's zero-copy batch: its SPUBLISHes leave per node in one write, as the GET runs' do. */
        private final Batch replies;
        /** Reused for every call: the engine encodes the arguments before {@code execute} returns. */
        private final Object[] command = {"SPUBLISH", null, null};

        SlotringPublisher(final ClusterClient client, final int index, final Outcome outcome)
        {
            super(index, outcome);
            this.client = client;
            this.replies = client.newBatch(this);
        }

        @Override
        public void execute(final int[] keyIndex, final boolean[] isSet, final int count, final long timeoutNs)
        {
            begin();
            for (int i = 0; i < count; i++)
            {
                command[1] = channel(keyIndex[i]);
                command[2] = stamp(i);
                final long code = client.execute(replies, i, command);
                if (code < 0)
                {
                    outcome.error("slotring refused a SPUBLISH with code " + code);
                }
            }
            if (!replies.await(timeoutNs, TimeUnit.NANOSECONDS))
            {
                throw new IllegalStateException("slotring SPUBLISH batch of " + count + " not complete after " +
                    TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms (" + replies.outstanding() + " outstanding)");
            }
        }

        @Override
        public void onReply(final long token, final RespReader reply)
        {
            if (reply.isError())
            {
                outcome.error("SPUBLISH: " + reply.stringValue());
            }
            else
            {
                published(reply.longValue());
            }
        }

        @Override
        public void onFailure(final long token, final RedisException error)
        {
            outcome.error(error);
        }
    }

    private final class LettucePublisher extends Publisher
    {
        private final StatefulRedisClusterConnection<byte[], byte[]> connection;
        private final RedisAdvancedClusterAsyncCommands<byte[], byte[]> async;
        private final boolean manualFlush;
        private final RedisFuture<?>[] futures = new RedisFuture<?>[batch];

        LettucePublisher(final StatefulRedisClusterConnection<byte[], byte[]> connection, final boolean manualFlush,
            final int index, final Outcome outcome)
        {
            super(index, outcome);
            this.connection = connection;
            this.async = connection.async();
            this.manualFlush = manualFlush;
        }

        @Override
        public void execute(final int[] keyIndex, final boolean[] isSet, final int count, final long timeoutNs)
            throws Exception
        {
            begin();
            for (int i = 0; i < count; i++)
            {
                futures[i] = async.spublish(channel(keyIndex[i]), stamp(i));
            }
            if (manualFlush)
            {
                connection.flushCommands();
            }
            final long deadline = System.nanoTime() + timeoutNs;
            try
            {
                for (int i = 0; i < count; i++)
                {
                    final Object reply;
                    try
                    {
                        reply = futures[i].get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    }
                    catch (final ExecutionException ex)
                    {
                        outcome.error(ex.getCause() != null ? ex.getCause() : ex);
                        continue;
                    }
                    published((Long)reply);
                }
            }
            finally
            {
                Arrays.fill(futures, 0, count, null);
            }
        }
    }

    private final class JedisPublisher extends Publisher
    {
        private final ClusterPipeline pipeline;
        private final Response<?>[] responses = new Response<?>[batch];

        JedisPublisher(final ClusterPipeline pipeline, final int index, final Outcome outcome)
        {
            super(index, outcome);
            this.pipeline = pipeline;
        }

        @Override
        public void execute(final int[] keyIndex, final boolean[] isSet, final int count, final long timeoutNs)
        {
            begin();
            try
            {
                for (int i = 0; i < count; i++)
                {
                    responses[i] = pipeline.spublish(channel(keyIndex[i]), stamp(i));
                }
                pipeline.sync();
                for (int i = 0; i < count; i++)
                {
                    final Object reply;
                    try
                    {
                        reply = responses[i].get();
                    }
                    catch (final RuntimeException ex)
                    {
                        outcome.error(ex);
                        continue;
                    }
                    published((Long)reply);
                }
            }
            finally
            {
                Arrays.fill(responses, 0, count, null);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    /** Counters and the receive-latency recorder, written by publishers and subscriber threads. */
    static final class Stats
    {
        final Recorder recorder = new Recorder(1, HIGHEST_NS, 3);
        final LongAdder published = new LongAdder();
        final LongAdder delivered = new LongAdder();
        final AtomicLong malformed = new AtomicLong();
        final AtomicReference<String> firstMalformed = new AtomicReference<>();
        private volatile boolean started;
        private volatile long measureFromNs;

        /** At the first publish: messages sent from then + warmup on are the measured ones. */
        void start(final long warmupNs)
        {
            if (!started)
            {
                synchronized (this)
                {
                    if (!started)
                    {
                        measureFromNs = System.nanoTime() + warmupNs;
                        started = true;
                    }
                }
            }
        }

        void received(final long sentNs, final long nowNs)
        {
            delivered.increment();
            if (started && sentNs - measureFromNs >= 0)
            {
                recorder.recordValue(Math.min(Math.max(1, nowNs - sentNs), HIGHEST_NS));
            }
        }

        void malformed(final String what)
        {
            if (malformed.getAndIncrement() == 0)
            {
                firstMalformed.compareAndSet(null, "pub/sub received " + what + ", shorter than its header");
            }
        }
    }

    static void writeLong(final byte[] into, final int offset, final long value)
    {
        for (int i = 0; i < 8; i++)
        {
            into[offset + i] = (byte)(value >>> (56 - 8 * i));
        }
    }

    static long readLong(final byte[] from, final int offset)
    {
        long value = 0;
        for (int i = 0; i < 8; i++)
        {
            value = (value << 8) | (from[offset + i] & 0xFF);
        }
        return value;
    }
}
