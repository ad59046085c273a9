package io.slotring.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.slotring.codec.SlotHash;
import io.slotring.engine.RedisException;
import io.slotring.launcher.Await;
import io.slotring.launcher.LocalRedisCluster;
import io.slotring.launcher.RedisNodeHandle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Topology changes under load against real clusters: a live slot migration (ASK), a new master taking slots,
 * a master killed and its replica promoted, replica reads. Each test owns its cluster. Every step waits on what it
 * can observe (commands the load completed, the client's slot table, the servers' answers), never on the clock.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClusterResilienceIT
{
    /** Commands the load completes between two steps of a topology change: the change happens under load. */
    private static final long LOAD_STEP = 256;
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(30);

    private static ClusterConfig config(final LocalRedisCluster redis)
    {
        return ClusterConfig.create().seeds(redis.seeds()).connectionsPerNode(2)
            .topologyRefresh(Duration.ofSeconds(2), Duration.ofMillis(50))
            .retryBackoff(Duration.ofMillis(5))
            .commandTimeout(Duration.ofSeconds(5));
    }

    /** Keys sharing one hash tag, so one slot moves with all of them. */
    private static String taggedKey(final String tag, final int i)
    {
        return "{" + tag + "}:" + i;
    }

    @Test
    void liveSlotMigrationUnderLoadIsInvisibleToCallersAndFollowsAsk() throws Exception
    {
        try (LocalRedisCluster redis = LocalRedisCluster.builder().masters(3).replicasPerMaster(0).start();
            ClusterClient client = ClusterClient.connect(config(redis)))
        {
            final String tag = "migrating";
            final int slot = SlotHash.slot(tag);
            final RedisNodeHandle source = redis.nodeForSlot(slot);
            final RedisNodeHandle target = redis.masters().stream().filter(n -> !n.equals(source)).findFirst()
                .orElseThrow();
            final int keys = 2_000;
            for (int i = 0; i < keys; i++)
            {
                client.sync().set(taggedKey(tag, i), "v" + i);
            }
            final AtomicBoolean stop = new AtomicBoolean();
            final AtomicLong errors = new AtomicLong();
            final AtomicLong mismatches = new AtomicLong();
            final AtomicLong commands = new AtomicLong();
            final Thread load = new Thread(() ->
            {
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                int i = 0;
                while (!stop.get() && System.nanoTime() < deadline)
                {
                    final List<CompletableFuture<String>> gets = new ArrayList<>();
                    final List<CompletableFuture<String>> sets = new ArrayList<>();
                    for (int j = 0; j < 32; j++, i++)
                    {
                        gets.add(client.async().get(taggedKey(tag, i % keys)));
                        sets.add(client.async().set(taggedKey(tag, keys + i % 500), "w" + (i % 500)));
                    }
                    for (int j = 0; j < 32; j++)
                    {
                        try
                        {
                            final int index = (i - 32 + j) % keys;
                            if (!("v" + index).equals(gets.get(j).get(10, TimeUnit.SECONDS)))
                            {
                                mismatches.incrementAndGet();
                            }
                            sets.get(j).get(10, TimeUnit.SECONDS);
                        }
                        catch (final Exception ex)
                        {
                            errors.incrementAndGet();
                        }
                        commands.addAndGet(2);
                    }
                }
            });
            load.start();
            awaitLoad(commands, LOAD_STEP, "before the migration");
            redis.beginSlotMigration(slot, target);
            awaitLoad(commands, LOAD_STEP, "with the slot MIGRATING/IMPORTING and every key still on the source");
            // A batch of keys at a time, the load running between batches: some keys answer from the source, the
            // moved ones through ASK from the target.
            int batches = 0;
            while (redis.migrateKeys(slot, target, 50) > 0)
            {
                batches++;
                if (batches == 1)
                {
                    // A moved key, or a key the load creates, which the migrating source sends to the target.
                    Await.until(STEP_TIMEOUT, () -> client.router().askCount() > 0, "the client following an ASK");
                }
                awaitLoad(commands, LOAD_STEP / 4, "after migration batch " + batches);
            }
            assertThat(redis.call(source, "CLUSTER", "COUNTKEYSINSLOT", Integer.toString(slot)))
                .as("keys left on the source").isEqualTo(0L);
            awaitLoad(commands, LOAD_STEP, "with every key on the target and the slot still migrating (all ASK)");
            redis.finishSlotMigration(slot, target);
            // The launcher waited until every node agreed the target owns the slot; the load follows the MOVED.
            awaitLoad(commands, LOAD_STEP, "after the slot was handed to the target");
            stop.set(true);
            load.join(30_000);
            assertThat(load.isAlive()).isFalse();
            assertThat(commands.get()).isPositive();
            assertThat(errors.get()).isZero();
            assertThat(mismatches.get()).isZero();
            assertThat(client.router().askCount()).as("ASK path exercised").isPositive();
            // The table follows the move: through MOVED at once, and the background refresh.
            client.sync().get(taggedKey(tag, 1));
            Await.until(Duration.ofSeconds(10), () -> target.address().equals(client.masterAddressOf(slot)),
                "the client's table routing slot " + slot + " to the target " + target.address());
            assertThat(client.sync().get(taggedKey(tag, 7))).isEqualTo("v7");
        }
    }

    @Test
    void newMasterWithMovedSlotsIsPickedUpWithoutRestart() throws Exception
    {
        try (LocalRedisCluster redis = LocalRedisCluster.builder().masters(3).replicasPerMaster(0).start();
            ClusterClient client = ClusterClient.connect(config(redis)))
        {
            assertThat(client.masterCount()).isEqualTo(3);
            final RedisNodeHandle added = redis.addMaster();
            final int slot = SlotHash.slot("newcomer");
            client.sync().set("{newcomer}:a", "1");
            redis.moveSlot(slot, added);
            // The next command meets MOVED, follows it, and the refresher learns the fourth master.
            assertThat(client.sync().get("{newcomer}:a")).isEqualTo("1");
            assertThat(client.masterAddressOf(slot)).isEqualTo(added.address());
            Await.until(Duration.ofSeconds(10), () -> client.masterCount() == 4, "the client routing to 4 masters");
            assertThat(client.sync().set("{newcomer}:b", "2")).isEqualTo("OK");
        }
    }

    @Test
    void killedMasterIsReplacedByItsReplicaAndEveryCommandCompletesOnce() throws Exception
    {
        try (LocalRedisCluster redis = LocalRedisCluster.builder().masters(3).replicasPerMaster(1)
            .nodeTimeoutMillis(1000).start();
            ClusterClient client = ClusterClient.connect(config(redis).commandTimeout(Duration.ofSeconds(2))))
        {
            final String tag = "failover";
            final int slot = SlotHash.slot(tag);
            final RedisNodeHandle master = redis.nodeForSlot(slot);
            final RedisNodeHandle replica = redis.replicasOf(master).get(0);
            client.sync().set(taggedKey(tag, 0), "before");
            redis.call(master, "WAIT", "1", "2000");

            final List<CompletableFuture<String>> all = java.util.Collections.synchronizedList(new ArrayList<>());
            final AtomicLong completed = new AtomicLong();
            final AtomicBoolean stop = new AtomicBoolean();
            final Thread load = new Thread(() ->
            {
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                for (int i = 0; !stop.get() && System.nanoTime() < deadline; i++)
                {
                    all.add(client.async().set(taggedKey(tag, 1 + i % 100), "x")
                        .whenComplete((reply, error) -> completed.incrementAndGet()));
                    all.add(client.async().get(taggedKey(tag, 0))
                        .whenComplete((reply, error) -> completed.incrementAndGet()));
                    if (i % 50 == 0)
                    {
                        try
                        {
                            // Paces the load generator (about 100 commands per 5 ms); not a wait for anything.
                            Thread.sleep(5);
                        }
                        catch (final InterruptedException ex)
                        {
                            return;
                        }
                    }
                }
            });
            load.start();
            awaitLoad(completed, LOAD_STEP, "before the kill");
            redis.kill(master);
            redis.failoverTakeover(replica);
            // The value, or the failure of the last read, until a read succeeds.
            final String value = Await.value(Duration.ofSeconds(20), () ->
            {
                try
                {
                    return client.sync().get(taggedKey(tag, 0));
                }
                catch (final RedisException ex)
                {
                    return "failed: " + ex;
                }
            }, read -> read != null && !read.startsWith("failed: "), "a read through the promoted replica " +
                replica.address());
            assertThat(value).as("reads succeed again after the promotion; slot served by %s, promoted replica %s; " +
                "last refresh failure: %s", client.masterAddressOf(slot), replica.address(),
                client.lastTopologyFailure())
                .isEqualTo("before");
            assertThat(client.sync().set(taggedKey(tag, 0), "after")).isEqualTo("OK");
            stop.set(true);
            load.join(30_000);
            // Every command completes exactly once (a future completes once by construction), value or error,
            // and none hangs past its deadline.
            for (final CompletableFuture<String> future : all)
            {
                try
                {
                    future.get(10, TimeUnit.SECONDS);
                }
                catch (final java.util.concurrent.ExecutionException ex)
                {
                    assertThat(ex.getCause()).isInstanceOf(RedisException.class);
                }
            }
            assertThat(all).allMatch(CompletableFuture::isDone);
            assertThat(client.masterAddressOf(slot)).isEqualTo(replica.address());
        }
    }

    @Test
    void replicaReadsSeeReplicatedWritesAndFallBackToTheMaster() throws Exception
    {
        try (LocalRedisCluster redis = LocalRedisCluster.builder().masters(3).replicasPerMaster(1).start();
            ClusterClient client = ClusterClient.connect(config(redis).readFrom(ReadFrom.REPLICA_PREFERRED)))
        {
            final String key = "replicated";
            final RedisNodeHandle master = redis.nodeForSlot(SlotHash.slot(key));
            final RedisNodeHandle replica = redis.replicasOf(master).get(0);
            assertThat(client.sync().set(key, "v1")).isEqualTo("OK");
            redis.call(master, "WAIT", "1", "2000");
            // Replica connections come up in the background after discovery.
            Await.until(Duration.ofSeconds(10), () ->
            {
                assertThat(client.sync().get(key)).isEqualTo("v1");
                return ClusterTestSupport.getStat(redis, replica, "calls") > 0;
            }, "GETs served by the replica");

            redis.kill(replica);
            final String value = Await.value(Duration.ofSeconds(15), () ->
            {
                try
                {
                    return client.sync().get(key);
                }
                catch (final RedisException ex)
                {
                    // A read in flight on the killed replica fails as "may have been applied"; reads retry.
                    return null;
                }
            }, read -> read != null, "a read served by the master after the replica was killed");
            assertThat(value).isEqualTo("v1");
            for (int i = 0; i < 20; i++)
            {
                assertThat(client.sync().get(key)).isEqualTo("v1");
            }
        }
    }

    /** Waits until the load has completed {@code commands} more commands than now. */
    private static void awaitLoad(final AtomicLong counter, final long commands, final String when)
    {
        final long from = counter.get();
        Await.until(STEP_TIMEOUT, () -> counter.get() - from >= commands,
            commands + " more commands completed by the load " + when);
    }
}
