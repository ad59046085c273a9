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
}
