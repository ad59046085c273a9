package io.slotring.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

import io.slotring.codec.SlotHash;
import io.slotring.engine.MessageHandler;
import io.slotring.engine.Subscription;
import io.slotring.launcher.Await;
import io.slotring.launcher.LocalRedisCluster;
import io.slotring.launcher.RedisNodeHandle;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pub/sub on a real cluster: SUBSCRIBE and PSUBSCRIBE on any master receive PUBLISH from any node; a shard channel
 * receives numbered SPUBLISHes across a live slot migration and across a failover (master killed, replica taken
 * over). Redis pub/sub is at most once, so what may be lost is what is published while no node holds the
 * subscription; the tests check that nothing is delivered twice or out of order, that every message published
 * after the subscription was confirmed on the new owner arrives, and print the loss window.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ShardedPubSubIT
{
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int MESSAGES = 10_000;

    private static ClusterConfig config(final LocalRedisCluster redis)
    {
        return ClusterConfig.create().seeds(redis.seeds())
            .topologyRefresh(Duration.ofSeconds(2), Duration.ofMillis(50))
            .retryBackoff(Duration.ofMillis(5))
            .commandTimeout(Duration.ofSeconds(3))
            .reconnectDelay(Duration.ofMillis(10), Duration.ofMillis(200));
    }

    @Test
    void channelsAndPatternsReceivePublishesFromEveryNode() throws Exception
    {
        try (LocalRedisCluster redis = LocalRedisCluster.builder().masters(3).replicasPerMaster(0).start();
            ClusterClient client = ClusterClient.connect(config(redis)))
        {
            final List<String> channel = new CopyOnWriteArrayList<>();
            final List<String> pattern = new CopyOnWriteArrayList<>();
            final Subscription a = client.subscribe("events", MessageHandler.ofStrings((c, m) -> channel.add(m)));
            final Subscription b = client.psubscribe("ev*", MessageHandler.ofStrings((c, m) -> pattern.add(c + m)));
            assertThat(a.awaitActive(WAIT) && b.awaitActive(WAIT)).isTrue();
            final List<String> expected = new ArrayList<>();
            int i = 0;
            for (final RedisNodeHandle master : redis.masters())
            {
                for (int j = 0; j < 10; j++, i++)
                {
                    // Straight to each master: PUBLISH on any node reaches subscribers on every node.
                    redis.call(master, "PUBLISH", "events", "m" + i);
                    expected.add("m" + i);
                }
            }
            final int total = i;
            Await.until(WAIT, () -> channel.size() >= total && pattern.size() >= total, "every message");
            // Each node's messages keep their order; messages relayed from other nodes over the cluster bus may
            // interleave differently.
            assertThat(channel).containsExactlyInAnyOrderElementsOf(expected);
            for (int from = 0; from < total; from += 10)
            {
                final List<String> fromOneNode = expected.subList(from, from + 10);
                assertThat(channel.stream().filter(fromOneNode::contains)).containsExactlyElementsOf(fromOneNode);
            }
            assertThat(pattern).hasSize(total).allMatch(text -> text.startsWith("events"));
        }
    }

    @Test
    void shardChannelFollowsALiveSlotMigration() throws Exception
    {
        try (LocalRedisCluster redis = LocalRedisCluster.builder().masters(3).replicasPerMaster(0).start();
            ClusterClient client = ClusterClient.connect(config(redis)))
        {
            final String channel = "{migrating}seq";
            final int slot = SlotHash.slot(channel);
            final RedisNodeHandle source = redis.nodeForSlot(slot);
            final RedisNodeHandle target = redis.masters().stream().filter(n -> !n.equals(source)).findFirst()
                .orElseThrow();
            final SequenceRun run = new SequenceRun(client, channel);
            run.start();
            run.awaitPublished(MESSAGES / 5);
            // Step by step, publishing all along: IMPORTING/MIGRATING (SPUBLISH gets ASK and goes to the target
            // meanwhile), MIGRATE of the slot's keys, then SETSLOT NODE (the source unsubscribes the channel).
            final long movedAt = System.nanoTime();
            redis.beginSlotMigration(slot, target);
            run.awaitPublished(run.published() + 500);
            redis.migrateKeys(slot, target, 100);
            run.awaitPublished(run.published() + 500);
            redis.finishSlotMigration(slot, target);
            final long movedDoneAt = System.nanoTime();
            Await.until(WAIT, () -> run.subscription.confirmations() >= 2 &&
                run.subscription.confirmedAtNanos() - movedAt > 0, "the shard channel confirmed on its new owner");
            run.finish();
            run.report("migration of slot " + slot + " from " + source.port() + " to " + target.port() +
                " (the migration took " + (movedDoneAt - movedAt) / 1_000_000 + " ms)", movedAt);
        }
    }

    @Test
    void shardChannelFollowsAFailover() throws Exception
    {
        try (LocalRedisCluster redis = LocalRedisCluster.builder().masters(3).replicasPerMaster(1).start();
            ClusterClient client = ClusterClient.connect(config(redis)))
        {
            final String channel = "{failing}seq";
            final int slot = SlotHash.slot(channel);
            final RedisNodeHandle master = redis.nodeForSlot(slot);
            final RedisNodeHandle replica = redis.replicasOf(master).get(0);
            final SequenceRun run = new SequenceRun(client, channel);
            run.start();
            run.awaitPublished(MESSAGES / 5);
            final long killedAt = System.nanoTime();
            redis.kill(master);
            redis.failoverTakeover(replica);
            final long promotedAt = System.nanoTime();
            Await.until(WAIT, () -> run.subscription.confirmations() >= 2 &&
                run.subscription.confirmedAtNanos() - killedAt > 0,
                "the shard channel confirmed on the promoted replica");
            run.finish();
            run.report("failover of slot " + slot + " from " + master.port() + " (killed) to " + replica.port() +
                " (promoted " + (promotedAt - killedAt) / 1_000_000 + " ms after the kill)", killedAt);
        }
    }

    /**
     * A master frozen with SIGSTOP (its sockets stay open; no FIN, no RST) while its replica takes over: the shard
     * channel follows the topology to the promoted replica, and a channel subscription on the frozen master, which
     * no topology change moves, is given up by its unanswered idle PING and subscribes again on another master.
     */
    @Test
    void shardAndChannelSubscriptionsLeaveAPausedMaster() throws Exception
    {
        try (LocalRedisCluster redis = LocalRedisCluster.builder().masters(3).replicasPerMaster(1).start();
            ClusterClient client = ClusterClient.connect(config(redis).idlePingInterval(Duration.ofMillis(300))))
        {
            final List<String> events = new CopyOnWriteArrayList<>();
            final Subscription channelSubscription = client.subscribe("frozen-events",
                MessageHandler.ofStrings((c, m) -> events.add(m)));
            assertThat(channelSubscription.awaitActive(WAIT)).isTrue();
            // The master that carries the channel subscription, and a shard channel of a slot it owns.
            final RedisNodeHandle master = redis.masters().stream()
                .filter(node -> String.valueOf(redis.call(node, "CLIENT", "LIST", "TYPE", "pubsub")).contains("sub=1"))
                .findFirst().orElseThrow();
            String shardChannel = null;
            for (int i = 0; shardChannel == null; i++)
            {
                final String candidate = "{frozen" + i + "}seq";
                if (redis.nodeForSlot(SlotHash.slot(candidate)).equals(master))
                {
                    shardChannel = candidate;
                }
            }
            final RedisNodeHandle replica = redis.replicasOf(master).get(0);
            final SequenceRun run = new SequenceRun(client, shardChannel);
            run.start();
            run.awaitPublished(MESSAGES / 5);
            final long pausedAt = System.nanoTime();
            redis.pause(master);
            redis.failoverTakeover(replica);
            final long promotedAt = System.nanoTime();
            Await.until(WAIT, () -> run.subscription.confirmations() >= 2 &&
                run.subscription.confirmedAtNanos() - pausedAt > 0,
                "the shard channel confirmed on the promoted replica");
            Await.until(WAIT, () -> channelSubscription.confirmations() >= 2 && channelSubscription.isActive(),
                "the channel subscription confirmed again on a running master");
            final long channelMovedMs = (channelSubscription.confirmedAtNanos() - pausedAt) / 1_000_000;
            run.finish();
            run.report("failover of slot " + SlotHash.slot(shardChannel) + " from " + master.port() +
                " (paused) to " + replica.port() + " (promoted " + (promotedAt - pausedAt) / 1_000_000 +
                " ms after the pause)", pausedAt);
            System.out.printf("channel subscription moved off the paused master %d ms after the pause%n",
                channelMovedMs);
            client.sync().execute("PUBLISH", "frozen-events", "after");
            Await.until(WAIT, () -> events.contains("after"), "a channel message after the resubscription");
            assertThat(events).containsExactly("after");
        }
    }

    /**
     * Publishes numbered messages to one shard channel from a thread of its own while a subscription records what
     * arrives; checks duplicates, order and completeness after the resubscription.
     */
    private static final class SequenceRun
    {
        final Subscription subscription;
        private final ClusterClient client;
        private final String channel;
        /** When each number's SPUBLISH was sent, and whether the server accepted it. */
        private final AtomicLongArray publishedAt = new AtomicLongArray(MESSAGES);
        private final AtomicLongArray accepted = new AtomicLongArray(MESSAGES);
        /** How often each number arrived, and when. */
        private final AtomicLongArray arrivals = new AtomicLongArray(MESSAGES);
        private final AtomicLongArray arrivedAt = new AtomicLongArray(MESSAGES);
        private final AtomicInteger published = new AtomicInteger();
        private final AtomicInteger outOfOrder = new AtomicInteger();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final List<Throwable> publishErrors = new CopyOnWriteArrayList<>();
        private Thread publisher;
        private long last = -1;

        SequenceRun(final ClusterClient client, final String channel)
        {
            this.client = client;
            this.channel = channel;
            this.subscription = client.ssubscribe(channel, this::onMessage);
        }

        /** Subscriber thread: zero-copy, parses the number from the payload. */
        private void onMessage(final DirectBuffer buffer, final int channelOffset, final int channelLength,
            final int payloadOffset, final int payloadLength)
        {
            final int number = (int)buffer.parseLongAscii(payloadOffset, payloadLength);
            arrivedAt.set(number, System.nanoTime());
            arrivals.incrementAndGet(number);
            if (number <= last)
            {
                outOfOrder.incrementAndGet();
            }
            last = number;
        }

        void start()
        {
            assertThat(subscription.awaitActive(WAIT)).as("subscribed").isTrue();
            publisher = new Thread(() ->
            {
                for (int i = 0; i < MESSAGES && !stop.get(); i++)
                {
                    publishedAt.set(i, System.nanoTime());
                    try
                    {
                        client.sync().execute("SPUBLISH", channel, Integer.toString(i));
                        accepted.set(i, 1);
                    }
                    catch (final RuntimeException ex)
                    {
                        publishErrors.add(ex);
                    }
                    published.set(i + 1);
                    if ((i & 7) == 0)
                    {
                        // About 5,000 per second: 10,000 over ~2 s, enough to straddle the move.
                        LockSupport.parkNanos(1_000_000);
                    }
                }
            }, "sequence-publisher");
            publisher.start();
        }

        int published()
        {
            return published.get();
        }

        void awaitPublished(final int count)
        {
            Await.until(WAIT, () -> published.get() >= count, count + " messages published");
        }

        void finish() throws InterruptedException
        {
            publisher.join(TimeUnit.SECONDS.toMillis(60));
            stop.set(true);
            assertThat(publisher.isAlive()).as("publisher finished").isFalse();
            // The last accepted message after the resubscription must arrive; wait for it.
            int lastAccepted = -1;
            for (int i = MESSAGES - 1; i >= 0; i--)
            {
                if (accepted.get(i) == 1)
                {
                    lastAccepted = i;
                    break;
                }
            }
            final int awaited = lastAccepted;
            assertThat(awaited).as("some message accepted").isGreaterThanOrEqualTo(0);
            Await.until(WAIT, () -> arrivals.get(awaited) > 0, "the last accepted message, number " + awaited);
        }

        void report(final String what, final long eventAt)
        {
            final long confirmedAt = subscription.confirmedAtNanos();
            int received = 0;
            int duplicated = 0;
            int lost = 0;
            int lostAfterResubscribe = 0;
            long firstLostAt = 0;
            long lastLostAt = 0;
            final List<Integer> lostAfter = new ArrayList<>();
            int acceptedCount = 0;
            for (int i = 0; i < MESSAGES; i++)
            {
                final long count = arrivals.get(i);
                received += count > 0 ? 1 : 0;
                duplicated += count > 1 ? 1 : 0;
                if (accepted.get(i) == 1)
                {
                    acceptedCount++;
                    if (count == 0)
                    {
                        lost++;
                        firstLostAt = firstLostAt == 0 ? publishedAt.get(i) : firstLostAt;
                        lastLostAt = publishedAt.get(i);
                        if (publishedAt.get(i) - confirmedAt > 0)
                        {
                            lostAfterResubscribe++;
                            lostAfter.add(i);
                        }
                    }
                }
            }
            System.out.printf("%s: %d published, %d accepted, %d publish errors, %d received, %d duplicated, " +
                "%d out of order, %d lost (published from %.1f to %.1f ms after the event), resubscribed " +
                "%.1f ms after the event (%d confirmations), %d lost after the resubscription%n", what,
                published.get(), acceptedCount, publishErrors.size(), received, duplicated, outOfOrder.get(), lost,
                lost == 0 ? 0.0 : (firstLostAt - eventAt) / 1e6, lost == 0 ? 0.0 : (lastLostAt - eventAt) / 1e6,
                (confirmedAt - eventAt) / 1e6, subscription.confirmations(), lostAfterResubscribe);
            assertThat(duplicated).as("messages delivered twice").isZero();
            assertThat(outOfOrder.get()).as("messages delivered out of order").isZero();
            assertThat(lostAfter).as("messages published after the resubscription on the new owner, never delivered")
                .isEmpty();
            assertThat(received).as("received").isGreaterThan(MESSAGES / 2);
        }
    }
}
