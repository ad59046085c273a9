package io.slotring.engine;

import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.slotring.launcher.Await;
import io.slotring.launcher.LocalRedisServer;
import io.slotring.launcher.ThreadLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Standalone pub/sub against a real redis-server, over RESP3 and RESP2: SUBSCRIBE, PSUBSCRIBE and SSUBSCRIBE
 * receive in publish order; a subscription survives {@code CLIENT KILL TYPE pubsub}; the zero-copy handler's
 * thread allocates nothing per message; close() leaves no subscriber thread behind.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PubSubIT
{
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static ClientConfig config(final LocalRedisServer redis, final boolean resp3)
    {
        return ClientConfig.create().address(redis.host(), redis.port()).preferResp3(resp3)
            .commandTimeout(Duration.ofSeconds(2)).connectTimeout(Duration.ofSeconds(2))
            .reconnectDelay(Duration.ofMillis(10), Duration.ofMillis(200));
    }

    private static List<String> numbered(final String prefix, final int count)
    {
        final List<String> expected = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            expected.add(prefix + i);
        }
        return expected;
    }

    @ParameterizedTest(name = "resp3={0}")
    @ValueSource(booleans = {true, false})
    void channelPatternAndShardSubscriptionsReceiveInPublishOrder(final boolean resp3) throws Exception
    {
        try (LocalRedisServer redis = LocalRedisServer.builder().start();
            RedisClient client = RedisClient.connect(config(redis, resp3)))
        {
            final List<String> channel = new CopyOnWriteArrayList<>();
            final List<String> pattern = new CopyOnWriteArrayList<>();
            final List<String> shard = new CopyOnWriteArrayList<>();
            final Subscription a = client.subscribe("news",
                MessageHandler.ofStrings((ch, message) -> channel.add(ch + ':' + message)));
            final Subscription b = client.psubscribe("ne*",
                MessageHandler.ofStrings((ch, message) -> pattern.add(ch + ':' + message)));
            final Subscription c = client.ssubscribe("{s}news",
                MessageHandler.ofBytes((ch, message) -> shard.add(ch + ':' + new String(message))));
            assertThat(a.awaitActive(WAIT) && b.awaitActive(WAIT) && c.awaitActive(WAIT)).as("all confirmed")
                .isTrue();
            final int count = 1_000;
            for (int i = 0; i < count; i++)
            {
                client.async().execute("PUBLISH", "news", "m" + i);
                client.async().execute("SPUBLISH", "{s}news", "s" + i);
            }
            client.async().execute("PUBLISH", "nothing-here", "x").get(5, TimeUnit.SECONDS);
            Await.until(WAIT, () -> channel.size() >= count && pattern.size() >= count && shard.size() >= count,
                "every message on every subscription");
            assertThat(channel).containsExactlyElementsOf(numbered("news:m", count));
            assertThat(pattern).as("'ne*' matches news, not nothing-here")
                .containsExactlyElementsOf(numbered("news:m", count));
            assertThat(shard).containsExactlyElementsOf(numbered("{s}news:s", count));
            assertThat(a.confirmations()).isEqualTo(1);
        }
        ThreadLeaks.awaitNone(WAIT, thread -> thread.getName().equals("slotring-pubsub"), "subscriber thread");
    }

    @ParameterizedTest(name = "resp3={0}")
    @ValueSource(booleans = {true, false})
    void resubscribesAfterTheServerKillsThePubSubConnection(final boolean resp3) throws Exception
    {
        try (LocalRedisServer redis = LocalRedisServer.builder().start();
            RedisClient client = RedisClient.connect(config(redis, resp3)))
        {
            final List<String> received = new CopyOnWriteArrayList<>();
            final Subscription subscription = client.subscribe("ch",
                MessageHandler.ofStrings((ch, message) -> received.add(message)));
            final Subscription shard = client.ssubscribe("sh", MessageHandler.ofStrings((ch, message) ->
                received.add(message)));
            assertThat(subscription.awaitActive(WAIT) && shard.awaitActive(WAIT)).isTrue();
            client.sync().execute("PUBLISH", "ch", "before");
            Await.until(WAIT, () -> received.contains("before"), "the message before the kill");
            final long killedAt = System.nanoTime();
            final Object killed = redis.call("CLIENT", "KILL", "TYPE", "pubsub");
            assertThat(killed).as("connections killed").isEqualTo(1L);
            Await.until(WAIT, () -> subscription.confirmations() == 2 && shard.confirmations() == 2,
                "both subscriptions confirmed again after the kill");
            System.out.printf("resp3=%s: resubscribed %.1f ms after CLIENT KILL TYPE pubsub%n", resp3,
                (subscription.confirmedAtNanos() - killedAt) / 1e6);
            client.sync().execute("PUBLISH", "ch", "after");
            client.sync().execute("SPUBLISH", "sh", "shard-after");
            Await.until(WAIT, () -> received.contains("after") && received.contains("shard-after"),
                "messages after the resubscription");
            assertThat(received).containsExactly("before", "after", "shard-after");
            subscription.close();
            assertThat(subscription.isActive()).isFalse();
            client.sync().execute("PUBLISH", "ch", "closed");
            client.sync().execute("SPUBLISH", "sh", "last");
            Await.until(WAIT, () -> received.contains("last"), "the shard message after closing the other one");
            assertThat(received).doesNotContain("closed");
        }
    }

    /** HotSpot's per-thread allocation counter, through reflection (the test module does not read jdk.management). */
    private static long allocatedBytes(final Thread thread)
    {
        try
        {
            final Method method = Class.forName("com.sun.management.ThreadMXBean")
                .getMethod("getThreadAllocatedBytes", long.class);
            return (Long)method.invoke(ManagementFactory.getThreadMXBean(), thread.getId());
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new IllegalStateException("expected HotSpot's com.sun.management.ThreadMXBean", ex);
        }
    }

    @Test
    void zeroCopyHandlerThreadAllocatesNothingPerMessage() throws Exception
    {
        try (LocalRedisServer redis = LocalRedisServer.builder().start();
            RedisClient client = RedisClient.connect(config(redis, true)))
        {
            final AtomicLong bytes = new AtomicLong();
            final AtomicLong messages = new AtomicLong();
            final int count = 40_000;
            final int warmUp = count / 2;
            final long[] allocated = new long[2];
            final MessageHandler handler = (buffer, channelOffset, channelLength, payloadOffset, payloadLength) ->
            {
                final long n = messages.incrementAndGet();
                if (n == warmUp || n == count)
                {
                    // On the subscriber thread itself: what it allocated between the two marks.
                    allocated[n == warmUp ? 0 : 1] = allocatedBytes(Thread.currentThread());
                }
                bytes.addAndGet(payloadLength + buffer.getByte(channelOffset));
            };
            final Subscription subscription = client.subscribe("zc", handler);
            assertThat(subscription.awaitActive(WAIT)).isTrue();
            final byte[] payload = new byte[64];
            for (int i = 0; i < count; i++)
            {
                client.async().execute("PUBLISH", "zc", payload);
            }
            Await.until(WAIT, () -> messages.get() >= count, count + " messages");
            final long measured = count - warmUp;
            final double perMessage = (double)(allocated[1] - allocated[0]) / measured;
            System.out.printf("slotring-pubsub allocated %d B over %d messages after %d to warm up (%.3f B/message)%n",
                allocated[1] - allocated[0], measured, warmUp, perMessage);
            assertThat(perMessage).as("bytes allocated per message on the subscriber thread")
                .isLessThan(1.0);
        }
    }
}
