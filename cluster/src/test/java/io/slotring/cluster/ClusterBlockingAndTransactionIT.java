package io.slotring.cluster;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.slotring.codec.SlotHash;
import io.slotring.engine.RedisServerException;
import io.slotring.engine.Transaction;
import io.slotring.launcher.Await;
import io.slotring.launcher.LocalCluster;
import io.slotring.launcher.LocalRedisCluster;
import io.slotring.launcher.RedisNodeHandle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Blocking commands and transactions on a cluster: both go to the owner of the keys' slot (the command table
 * decides), on one of its dedicated connections; keys in several slots are refused before sending.
 */
@LocalCluster(masters = 3, replicasPerMaster = 0)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ClusterBlockingAndTransactionIT
{
    private static ClusterClient cluster;
    private static LocalRedisCluster redis;

    @BeforeAll
    static void connect(final LocalRedisCluster launched)
    {
        redis = launched;
        cluster = ClusterClient.connect(ClusterConfig.create().seeds(launched.seeds())
            .commandTimeout(Duration.ofSeconds(1)));
    }

    @AfterAll
    static void close()
    {
        cluster.close();
    }

    private static long blockedClientsOnAllMasters() throws Exception
    {
        long blocked = 0;
        for (final Object info : cluster.executeOnAllMasters("INFO", "clients").get(5, TimeUnit.SECONDS))
        {
            final String text = info instanceof byte[] ? new String((byte[])info) : String.valueOf(info);
            for (final String line : text.split("\r?\n"))
            {
                if (line.startsWith("blocked_clients:"))
                {
                    blocked += Long.parseLong(line.substring("blocked_clients:".length()).trim());
                }
            }
        }
        return blocked;
    }

    @Test
    void aBlpopOnHashTaggedKeysBlocksOnTheSlotOwnerLongerThanTheCommandTimeout() throws Exception
    {
        cluster.sync().execute("DEL", "{queue}a", "{queue}b");
        final long start = System.nanoTime();
        final CompletableFuture<List<String>> popped = cluster.async().blpop(Duration.ofSeconds(3), "{queue}a",
            "{queue}b");
        Await.until(Duration.ofSeconds(5), () ->
        {
            try
            {
                return blockedClientsOnAllMasters() == 1 && System.nanoTime() - start >= TimeUnit.MILLISECONDS
                    .toNanos(1500);
            }
            catch (final Exception ex)
            {
                throw new IllegalStateException(ex);
            }
        }, "BLPOP blocked for 1.5 s");
        assertThat(cluster.sync().get("{queue}unrelated")).isNull();
        cluster.sync().execute("RPUSH", "{queue}b", "job");
        assertThat(popped.get(5, TimeUnit.SECONDS)).containsExactly("{queue}b", "job");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThan(1500L);

        assertThat(cluster.sync().brpop(Duration.ofMillis(1200), "{queue}a")).isNull();
        cluster.sync().execute("RPUSH", "{queue}a", "x");
        assertThat(((List<?>)cluster.sync().execute("BLPOP", "{queue}a", "{queue}b", 0)).size()).isEqualTo(2);

        assertThat(SlotHash.slot("a")).isNotEqualTo(SlotHash.slot("b"));
        assertThatThrownBy(() -> cluster.async().blpop(Duration.ofSeconds(1), "a", "b"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("CROSSSLOT: keys of BLPOP");
    }

    @Test
    void aTransactionOnAHashTaggedSlotIsAtomicAndRefusesOtherSlots()
    {
        cluster.sync().execute("DEL", "{user42}a", "{user42}b");
        try (Transaction tx = cluster.multi("{user42}"))
        {
            tx.watch("{user42}a", "{user42}b");
            assertThatThrownBy(() -> tx.watch("other")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("CROSSSLOT");
            assertThat(tx.execute("GET", "{user42}a")).isNull();
            tx.queue("INCR", "{user42}a").queue("INCRBY", "{user42}b", 5);
            assertThatThrownBy(() -> tx.queue("INCR", "other")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("CROSSSLOT: keys of INCR map to slot " + SlotHash.slot("other"))
                .hasMessageContaining("expected the transaction's slot " + SlotHash.slot("{user42}"));
            assertThatThrownBy(() -> tx.queue("MGET", "{user42}a", "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("CROSSSLOT");
            assertThat(tx.exec()).containsExactly(1L, 5L);
        }
        assertThat(cluster.sync().get("{user42}b")).isEqualTo("5");
        try (Transaction tx = cluster.multi("{user42}"))
        {
            tx.queue("INCR", "{user42}a");
            tx.queue("INCR");
            assertThatThrownBy(tx::exec).isInstanceOf(RedisServerException.class).hasMessageContaining("EXECABORT");
        }
        assertThat(cluster.sync().get("{user42}a")).isEqualTo("1");
    }

    @Test
    void aMovedInsideATransactionAbortsItAndNothingIsResentOutsideIt()
    {
        final int slot = SlotHash.slot("{moving}");
        cluster.sync().set("{moving}n", "0");
        final RedisNodeHandle owner = redis.nodeForSlot(slot);
        final RedisNodeHandle target = redis.masters().stream().filter(node -> node.port() != owner.port())
            .findFirst().orElseThrow();
        try (Transaction tx = cluster.multi("{moving}"))
        {
            tx.queue("INCR", "{moving}n");
            redis.moveSlot(slot, target);
            tx.queue("INCR", "{moving}n");
            assertThatThrownBy(tx::exec).isInstanceOf(RedisServerException.class)
                .hasMessageContaining("EXECABORT").hasMessageContaining("command 2 of 2 (INCR)")
                .hasMessageContaining("MOVED " + slot).hasMessageContaining("never followed");
        }
        // Not applied, and no INCR was re-sent to the new owner outside the transaction.
        assertThat(cluster.sync().get("{moving}n")).isEqualTo("0");
        try (Transaction tx = cluster.multi("{moving}"))
        {
            assertThat(tx.queue("INCR", "{moving}n").exec()).containsExactly(1L);
        }
    }

    private static RedisNodeHandle otherMaster(final RedisNodeHandle owner)
    {
        return redis.masters().stream().filter(node -> node.port() != owner.port()).findFirst().orElseThrow();
    }

    @Test
    void aBlockedBlpopFollowsItsSlotToTheNewOwner() throws Exception
    {
        final int slot = SlotHash.slot("{follow}");
        cluster.sync().del("{follow}q");
        final RedisNodeHandle owner = redis.nodeForSlot(slot);
        // Redis 7.0 itself: a client blocked on a key whose slot moves away is unblocked with MOVED (pinned here).
        final CompletableFuture<Object> pinned = cluster.executeOn(owner.host() + ':' + owner.port(), "BLPOP",
            "{follow}q", 10);
        final CompletableFuture<List<String>> popped = cluster.async().blpop(Duration.ofSeconds(10), "{follow}q");
        Await.until(Duration.ofSeconds(5), () -> blockedOn(owner) == 2, "both BLPOPs blocked on the owner");
        final RedisNodeHandle target = otherMaster(owner);
        redis.moveSlot(slot, target);
        assertThatThrownBy(() -> pinned.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(RedisServerException.class)
            .hasMessageContaining("MOVED " + slot);
        Await.until(Duration.ofSeconds(5), () -> blockedOn(target) == 1, "the typed BLPOP blocked on the new owner");
        assertThat(popped).isNotDone();
        cluster.sync().rpush("{follow}q", "job");
        assertThat(popped.get(5, TimeUnit.SECONDS)).containsExactly("{follow}q", "job");
        redis.moveSlot(slot, owner);
    }

    @Test
    void aBlpopSentAfterTheSlotMovedFollowsMovedAndKeepsItsDeadline() throws Exception
    {
        final int slot = SlotHash.slot("{late}");
        cluster.sync().del("{late}q");
        final RedisNodeHandle owner = redis.nodeForSlot(slot);
        final RedisNodeHandle target = otherMaster(owner);
        redis.moveSlot(slot, target);
        // The client's table still names the old owner: MOVED, then the new owner's dedicated connection.
        final CompletableFuture<List<String>> popped = cluster.async().blpop(Duration.ofSeconds(10), "{late}q");
        Await.until(Duration.ofSeconds(5), () -> blockedOn(target) == 1, "BLPOP blocked on the new owner");
        cluster.sync().rpush("{late}q", "x");
        assertThat(popped.get(5, TimeUnit.SECONDS)).containsExactly("{late}q", "x");
        // A timed-out block after a redirect still returns null within block time + command timeout.
        redis.moveSlot(slot, owner);
        final long start = System.nanoTime();
        assertThat(cluster.sync().brpop(Duration.ofMillis(800), "{late}q")).isNull();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1800L);
    }

    @Test
    void aBlpopDuringAMigrationFollowsAskWithAsking() throws Exception
    {
        final int slot = SlotHash.slot("{ask}");
        cluster.sync().del("{ask}q");
        final RedisNodeHandle owner = redis.nodeForSlot(slot);
        final RedisNodeHandle target = otherMaster(owner);
        redis.beginSlotMigration(slot, target);
        try
        {
            // Missing on the migrating source: ASK; ASKING + BLPOP block on the importing target.
            final CompletableFuture<List<String>> popped = cluster.async().blpop(Duration.ofSeconds(10), "{ask}q");
            Await.until(Duration.ofSeconds(5), () -> blockedOn(target) == 1, "BLPOP blocked on the importing node");
            cluster.sync().rpush("{ask}q", "a");
            assertThat(popped.get(5, TimeUnit.SECONDS)).containsExactly("{ask}q", "a");
        }
        finally
        {
            redis.finishSlotMigration(slot, target);
        }
        redis.moveSlot(slot, owner);
    }

    private static long blockedOn(final RedisNodeHandle node)
    {
        final Object info = redis.call(node, "INFO", "clients");
        final String text = info instanceof byte[] ? new String((byte[])info) : String.valueOf(info);
        for (final String line : text.split("\r?\n"))
        {
            if (line.startsWith("blocked_clients:"))
            {
                return Long.parseLong(line.substring("blocked_clients:".length()).trim());
            }
        }
        return -1;
    }

    @Test
    void asyncTransactionsRetryWatchConflictsAndAbortOnAMovedInside() throws Exception
    {
        cluster.sync().del("{atx}n");
        final int workers = 3;
        final int incrementsEach = 40;
        final java.util.concurrent.atomic.AtomicLong conflicts = new java.util.concurrent.atomic.AtomicLong();
        final List<CompletableFuture<Void>> runs = new java.util.ArrayList<>();
        for (int w = 0; w < workers; w++)
        {
            runs.add(CompletableFuture.runAsync(() ->
            {
                for (int i = 0; i < incrementsEach; i++)
                {
                    for (int attempt = 1; ; attempt++)
                    {
                        assertThat(attempt).as("attempts for one increment").isLessThan(2000);
                        final List<Object> replies = cluster.multiAsync("{atx}").thenCompose(tx ->
                            tx.watchAsync("{atx}n").thenCompose(ok -> tx.executeAsync("GET", "{atx}n"))
                                .thenCompose(value -> tx.queue("SET", "{atx}n", (value == null ? 0 :
                                    Long.parseLong(new String((byte[])value))) + 1).execAsync())).join();
                        if (replies != null)
                        {
                            break;
                        }
                        conflicts.incrementAndGet();
                    }
                }
            }));
        }
        CompletableFuture.allOf(runs.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
        System.out.printf("cluster: %d async transactions, %d WATCH conflicts retried%n", workers * incrementsEach,
            conflicts.get());
        assertThat(cluster.sync().get("{atx}n")).isEqualTo(Integer.toString(workers * incrementsEach));

        final int slot = SlotHash.slot("{atx}");
        final RedisNodeHandle owner = redis.nodeForSlot(slot);
        final io.slotring.engine.Transaction tx = cluster.multiAsync("{atx}").get(5, TimeUnit.SECONDS);
        tx.queue("INCR", "{atx}n");
        redis.moveSlot(slot, otherMaster(owner));
        final CompletableFuture<List<Object>> exec = tx.queue("INCR", "{atx}n").execAsync();
        assertThatThrownBy(() -> exec.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(RedisServerException.class)
            .hasMessageContaining("EXECABORT").hasMessageContaining("MOVED " + slot);
        assertThat(cluster.sync().get("{atx}n")).isEqualTo(Integer.toString(workers * incrementsEach));
        redis.moveSlot(slot, owner);
    }
}
