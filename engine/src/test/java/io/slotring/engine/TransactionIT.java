package io.slotring.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.slotring.launcher.LocalRedisServer;
import io.slotring.launcher.LocalServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Transactions on a pinned dedicated connection: atomic under concurrent load from the same client, WATCH
 * conflicts, DISCARD, and bad use refused before sending.
 */
@LocalServer
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TransactionIT
{
    private static LocalRedisServer redis;

    /** The class's server, started and stopped by the launcher's extension ({@code @LocalServer}). */
    @BeforeAll
    static void server(final LocalRedisServer server)
    {
        redis = server;
    }

    private static ClientConfig config()
    {
        return RedisClientFaultIT.config(redis).blockingConnectionsPerNode(1);
    }

    @Test
    void noCommandOfConcurrentLoadOnTheSameClientLandsInsideATransaction() throws Exception
    {
        redis.call("DEL", "tx:load", "tx:a", "tx:b");
        final int transactions = 300;
        try (RedisClient client = RedisClient.connect(config()))
        {
            final AtomicBoolean stop = new AtomicBoolean();
            final AtomicLong acknowledged = new AtomicLong();
            final List<Thread> load = new ArrayList<>();
            for (int t = 0; t < 3; t++)
            {
                final Thread thread = new Thread(() ->
                {
                    while (!stop.get())
                    {
                        client.sync().incr("tx:load");
                        acknowledged.incrementAndGet();
                    }
                }, "load-" + t);
                thread.start();
                load.add(thread);
            }
            int loadMovedBetweenTransactions = 0;
            long previous = -1;
            for (int i = 0; i < transactions; i++)
            {
                try (Transaction tx = client.multi("tx"))
                {
                    final List<Object> replies = tx.queue("GET", "tx:load").queue("INCR", "tx:a")
                        .queue("INCR", "tx:b").queue("GET", "tx:load").exec();
                    assertThat(replies).hasSize(4);
                    // The load INCRs the same counter all the time: none of them ran between the two GETs.
                    assertThat(replies.get(3)).as("transaction %d", i).isEqualTo(replies.get(0));
                    assertThat(replies.get(1)).isEqualTo((long)i + 1).isEqualTo(replies.get(2));
                    final long seen = replies.get(0) == null ? 0 : Long.parseLong(new String((byte[])replies.get(0)));
                    if (seen != previous)
                    {
                        loadMovedBetweenTransactions++;
                    }
                    previous = seen;
                }
            }
            stop.set(true);
            for (final Thread thread : load)
            {
                thread.join(5000);
            }
            System.out.printf("%d transactions, %d load INCRs; the load moved between %d of them%n", transactions,
                acknowledged.get(), loadMovedBetweenTransactions);
            assertThat(loadMovedBetweenTransactions).as("the load really ran concurrently").isGreaterThan(10);
            assertThat(client.sync().get("tx:load")).isEqualTo(Long.toString(acknowledged.get()));
            assertThat(client.sync().get("tx:a")).isEqualTo(Integer.toString(transactions));
        }
    }

    @Test
    void aWatchConflictReturnsNullAndAppliesNothing()
    {
        redis.call("DEL", "tx:w");
        try (RedisClient client = RedisClient.connect(config()); RedisClient other = RedisClient.connect(config()))
        {
            client.sync().set("tx:w", "10");
            try (Transaction tx = client.multi("tx:w"))
            {
                tx.watch("tx:w");
                assertThat(new String((byte[])tx.execute("GET", "tx:w"))).isEqualTo("10");
                other.sync().set("tx:w", "changed");
                assertThat(tx.queue("SET", "tx:w", "mine").queue("INCR", "tx:w2").exec()).isNull();
            }
            assertThat(client.sync().get("tx:w")).isEqualTo("changed");
            assertThat(client.sync().get("tx:w2")).isNull();
            // Without a conflict the same transaction applies.
            try (Transaction tx = client.multi("tx:w"))
            {
                tx.watch("tx:w");
                assertThat(tx.queue("SET", "tx:w", "mine").exec()).containsExactly("OK");
            }
            assertThat(client.sync().get("tx:w")).isEqualTo("mine");
        }
    }

    @Test
    void discardAndCloseApplyNothingAndGiveTheConnectionBack()
    {
        redis.call("DEL", "tx:d");
        try (RedisClient client = RedisClient.connect(config()))
        {
            final Transaction discarded = client.multi("tx:d");
            discarded.queue("SET", "tx:d", "1");
            discarded.discard();
            assertThat(client.sync().get("tx:d")).isNull();
            assertThatThrownBy(() -> discarded.queue("SET", "tx:d", "2")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already ended");
            try (Transaction abandoned = client.multi("tx:d"))
            {
                abandoned.queue("SET", "tx:d", "3");
            }
            assertThat(client.sync().get("tx:d")).isNull();
            // One dedicated connection: it came back each time, so the next transaction gets it.
            try (Transaction tx = client.multi("tx:d"))
            {
                assertThat(tx.queue("SET", "tx:d", "4").queue("GET", "tx:d").exec()).hasSize(2);
            }
            assertThat(client.sync().get("tx:d")).isEqualTo("4");
        }
    }

    @Test
    void badUseIsRefusedBeforeSendingAndAQueueingErrorAbortsTheTransaction()
    {
        redis.call("DEL", "tx:e");
        try (RedisClient client = RedisClient.connect(config()))
        {
            try (Transaction tx = client.multi("tx:e"))
            {
                assertThatThrownBy(() -> tx.queue("MULTI")).isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> tx.queue("SUBSCRIBE", "c")).isInstanceOf(IllegalArgumentException.class);
                tx.queue("SET", "tx:e", "1");
                assertThatThrownBy(() -> tx.watch("tx:e")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("1 queued commands");
                tx.queue("INCR");
                assertThatThrownBy(tx::exec).isInstanceOf(RedisServerException.class)
                    .hasMessageContaining("EXECABORT").hasMessageContaining("command 2 of 2 (INCR)");
            }
            assertThat(client.sync().get("tx:e")).isNull();
            try (Transaction tx = client.multi("tx:e"))
            {
                final List<Object> replies = tx.queue("SET", "tx:e", "x").queue("INCR", "tx:e").exec();
                assertThat(replies.get(0)).isEqualTo("OK");
                assertThat(replies.get(1)).isInstanceOf(RedisServerException.class);
            }
        }
    }

    /** One optimistic increment with an async transaction: WATCH, GET, SET n+1, EXEC; null on a WATCH conflict. */
    private static java.util.concurrent.CompletableFuture<List<Object>> incrementAsync(final Transaction tx,
        final String key)
    {
        return tx.watchAsync(key).thenCompose(ok -> tx.executeAsync("GET", key)).thenCompose(value ->
        {
            final long current = value == null ? 0 : Long.parseLong(new String((byte[])value));
            return tx.queue("SET", key, current + 1).execAsync();
        });
    }

    @Test
    void asyncTransactionsUnderConcurrentLoadRetryWatchConflictsAndCountEveryIncrementOnce() throws Exception
    {
        redis.call("DEL", "tx:async");
        final int workers = 4;
        final int incrementsEach = 60;
        try (RedisClient client = RedisClient.connect(config().blockingConnectionsPerNode(workers)))
        {
            final AtomicLong conflicts = new AtomicLong();
            final AtomicLong loadIncrs = new AtomicLong();
            final AtomicBoolean stop = new AtomicBoolean();
            final Thread load = new Thread(() ->
            {
                while (!stop.get())
                {
                    client.sync().incr("tx:async");
                    loadIncrs.incrementAndGet();
                    java.util.concurrent.locks.LockSupport.parkNanos(200_000);
                }
            }, "load");
            load.start();
            final List<Thread> threads = new ArrayList<>();
            final List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int w = 0; w < workers; w++)
            {
                final Thread thread = new Thread(() ->
                {
                    try
                    {
                        for (int i = 0; i < incrementsEach; i++)
                        {
                            int attempts = 0;
                            while (true)
                            {
                                assertThat(++attempts).as("attempts for one increment").isLessThan(2000);
                                // Leased without blocking, then driven without blocking; only the test waits.
                                final List<Object> replies = client.multiAsync("tx:async")
                                    .thenCompose(tx -> incrementAsync(tx, "tx:async")).get(5, TimeUnit.SECONDS);
                                if (replies != null)
                                {
                                    assertThat(replies).containsExactly("OK");
                                    break;
                                }
                                conflicts.incrementAndGet();
                            }
                        }
                    }
                    catch (final Throwable ex)
                    {
                        failures.add(ex);
                    }
                }, "tx-" + w);
                thread.start();
                threads.add(thread);
            }
            for (final Thread thread : threads)
            {
                thread.join(50_000);
            }
            stop.set(true);
            load.join(5000);
            assertThat(failures).isEmpty();
            System.out.printf("%d async transactions applied, %d WATCH conflicts retried, %d load INCRs%n",
                workers * incrementsEach, conflicts.get(), loadIncrs.get());
            assertThat(conflicts.get()).as("WATCH conflicts really happened").isPositive();
            assertThat(client.sync().get("tx:async"))
                .isEqualTo(Long.toString(workers * incrementsEach + loadIncrs.get()));
        }
    }

    @Test
    void asyncExecAbortsOnAQueueingErrorAndAsyncDiscardGivesTheConnectionBack() throws Exception
    {
        redis.call("DEL", "tx:ae");
        try (RedisClient client = RedisClient.connect(config()))
        {
            final Transaction aborted = client.multi("tx:ae");
            final java.util.concurrent.CompletableFuture<List<Object>> exec = aborted.queue("SET", "tx:ae", "1")
                .queue("INCR").execAsync();
            assertThatThrownBy(() -> exec.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(RedisServerException.class)
                .hasMessageContaining("EXECABORT").hasMessageContaining("command 2 of 2 (INCR)");
            assertThatThrownBy(() -> aborted.queue("SET", "tx:ae", "2")).isInstanceOf(IllegalStateException.class);
            assertThat(client.sync().get("tx:ae")).isNull();
            final Transaction discarded = client.multi("tx:ae");
            discarded.queue("SET", "tx:ae", "3").discardAsync().get(5, TimeUnit.SECONDS);
            assertThat(client.sync().get("tx:ae")).isNull();
            // One dedicated connection: back in the pool after each async end.
            final Transaction tx = client.multi("tx:ae");
            assertThat(tx.queue("SET", "tx:ae", "4").execAsync().get(5, TimeUnit.SECONDS)).containsExactly("OK");
            assertThat(client.sync().get("tx:ae")).isEqualTo("4");
        }
    }
}
