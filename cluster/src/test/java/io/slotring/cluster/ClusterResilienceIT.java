package io.slotring.cluster;

import io.slotring.codec.SlotHash;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.slotring.engine.RedisException;
import io.slotring.launcher.LocalRedisCluster;
import io.slotring.launcher.RedisNodeHandle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Topology changes under load against real clusters: a live slot migration (ASK), a new master taking slots,
 * a master killed and its replica promoted, replica reads. Each test owns its cluster.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClusterResilienceTest
{
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
            Thread.sleep(200);
            redis.beginSlotMigration(slot, target);
            int moved;
            do
            {
                moved = redis.migrateKeys(slot, target, 50);
                Thread.sleep(20);
            }
            while (moved > 0);
            Thread.sleep(200);
            redis.finishSlotMigration(slot, target);
            Thread.sleep(500);
            stop.set(true);
            load.join(30_000);
            assertThat(load.isAlive()).isFalse();
            assertThat(commands.get()).isPositive();
            assertThat(errors.get()).isZero();
            assertThat(mismatches.get()).isZero();
            assertThat(client.router().askCount()).as("ASK path exercised").isPositive();
            // The table follows the move: through MOVED at once, and the background refresh.
            client.sync().get(taggedKey(tag, 1));
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!target.address().equals(client.masterAddressOf(slot)) && System.nanoTime() < deadline)
            {
                Thread.sleep(20);
            }
            assertThat(client.masterAddressOf(slot)).isEqualTo(target.address());
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
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (client.masterCount() != 4 && System.nanoTime() < deadline)
            {
                Thread.sleep(20);
            }
            assertThat(client.masterCount()).isEqualTo(4);
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
            final AtomicBoolean stop = new AtomicBoolean();
            final Thread load = new Thread(() ->
            {
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                for (int i = 0; !stop.get() && System.nanoTime() < deadline; i++)
                {
                    all.add(client.async().set(taggedKey(tag, 1 + i % 100), "x"));
                    all.add(client.async().get(taggedKey(tag, 0)));
                    if (i % 50 == 0)
                    {
                        try
                        {
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
            Thread.sleep(300);
            redis.kill(master);
            redis.failoverTakeover(replica);
            final long promotedAt = System.nanoTime();
            String value = null;
            String lastFailure = null;
            while (value == null && System.nanoTime() - promotedAt < TimeUnit.SECONDS.toNanos(20))
            {
                try
                {
                    value = client.sync().get(taggedKey(tag, 0));
                    lastFailure = "GET returned " + value;
                }
                catch (final RedisException ex)
                {
                    lastFailure = ex.toString();
                    Thread.sleep(50);
                }
            }
            assertThat(value).as("reads succeed again after the promotion; last: %s; slot served by %s, " +
                "promoted replica %s; last refresh failure: %s", lastFailure, client.masterAddressOf(slot),
                replica.address(), client.lastTopologyFailure())
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
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            long replicaGets = 0;
            while (replicaGets == 0 && System.nanoTime() < deadline)
            {
                assertThat(client.sync().get(key)).isEqualTo("v1");
                replicaGets = getCalls(redis, replica);
            }
            assertThat(replicaGets).as("GETs served by the replica").isPositive();

            redis.kill(replica);
            final long fallbackDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            String value = null;
            while (value == null && System.nanoTime() < fallbackDeadline)
            {
                try
                {
                    value = client.sync().get(key);
                }
                catch (final RedisException ex)
                {
                    // A read in flight on the killed replica fails as "may have been applied"; reads retry.
                    Thread.sleep(20);
                }
            }
            assertThat(value).isEqualTo("v1");
            for (int i = 0; i < 20; i++)
            {
                assertThat(client.sync().get(key)).isEqualTo("v1");
            }
        }
    }

    private static long getCalls(final LocalRedisCluster redis, final RedisNodeHandle node)
    {
        final String stats = String.valueOf(redis.call(node, "INFO", "commandstats"));
        for (final String line : stats.split("\r?\n"))
        {
            if (line.startsWith("cmdstat_get:calls="))
            {
                return Long.parseLong(line.substring("cmdstat_get:calls=".length(), line.indexOf(',')));
            }
        }
        return 0;
    }
}
