package io.slotring.engine;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.slotring.codec.RespReader;
import io.slotring.launcher.Await;
import io.slotring.launcher.LocalRedisServer;
import io.slotring.launcher.LocalServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Blocking commands on dedicated connections: a block longer than the command timeout, normal traffic while two
 * BLPOPs block, a BLPOP that times out, a full pool, and closing the client under a BLPOP.
 */
@LocalServer
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BlockingCommandsIT
{
    private static LocalRedisServer redis;

    /** The class's server, started and stopped by the launcher's extension ({@code @LocalServer}). */
    @BeforeAll
    static void server(final LocalRedisServer server)
    {
        redis = server;
    }

    /** Command timeout 1 s, one shared connection, two dedicated ones. */
    private static ClientConfig config()
    {
        return RedisClientFaultIT.config(redis);
    }

    private static long blockedClients()
    {
        final String info = String.valueOf(redis.call("INFO", "clients"));
        for (final String line : info.split("\r?\n"))
        {
            if (line.startsWith("blocked_clients:"))
            {
                return Long.parseLong(line.substring("blocked_clients:".length()).trim());
            }
        }
        throw new AssertionError("expected blocked_clients in INFO clients, got " + info);
    }

    private static long connectionsReceived()
    {
        final String info = String.valueOf(redis.call("INFO", "stats"));
        for (final String line : info.split("\r?\n"))
        {
            if (line.startsWith("total_connections_received:"))
            {
                return Long.parseLong(line.substring("total_connections_received:".length()).trim());
            }
        }
        throw new AssertionError("expected total_connections_received in INFO stats, got " + info);
    }

    @Test
    void aBlpopOfThreeSecondsWithAOneSecondTimeoutReturnsTheValuePushedAfterTwoSeconds() throws Exception
    {
        redis.call("DEL", "blk:list");
        try (RedisClient client = RedisClient.connect(config()); RedisClient pusher = RedisClient.connect(config()))
        {
            final Object sharedIdBefore = client.sync().execute("CLIENT", "ID");
            final long connectionsBefore = connectionsReceived();
            final long start = System.nanoTime();
            final CompletableFuture<List<String>> popped = client.async().blpop(Duration.ofSeconds(3), "blk:list");
            Await.until(Duration.ofSeconds(5), () -> blockedClients() == 1 &&
                System.nanoTime() - start >= TimeUnit.SECONDS.toNanos(2), "BLPOP blocked for 2 s");
            assertThat(popped).isNotDone();
            assertThat(pusher.sync().execute("RPUSH", "blk:list", "late")).isEqualTo(1L);
            assertThat(popped.get(5, TimeUnit.SECONDS)).containsExactly("blk:list", "late");
            final long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(elapsedMs).as("BLPOP outlived the 1 s command timeout").isBetween(2000L, 3000L);
            // Nothing was reset: the shared connection is the same one, and exactly one (dedicated) connection was
            // opened for the BLPOP.
            assertThat(client.sync().execute("CLIENT", "ID")).isEqualTo(sharedIdBefore);
            assertThat(connectionsReceived() - connectionsBefore).isEqualTo(1);
            // Through execute and sync as well: the same dedicated connection, no new one.
            pusher.sync().execute("RPUSH", "blk:list", "again");
            final List<?> viaExecute = (List<?>)client.sync().execute("BLPOP", "blk:list", 3);
            assertThat(new String((byte[])viaExecute.get(1), StandardCharsets.UTF_8)).isEqualTo("again");
            assertThat(connectionsReceived() - connectionsBefore).isEqualTo(1);
        }
    }

    @Test
    void whileTwoBlpopsBlockNormalCommandsOnTheSameClientRunAtFullSpeed() throws Exception
    {
        redis.call("DEL", "blk:a", "blk:b");
        try (RedisClient client = RedisClient.connect(config()))
        {
            final long baseline = getSetRoundsIn(client, 500);
            final CompletableFuture<List<String>> first = client.async().blpop(Duration.ZERO, "blk:a");
            final CompletableFuture<List<String>> second = client.async().blpop(Duration.ZERO, "blk:b");
            Await.until(Duration.ofSeconds(5), () -> blockedClients() == 2, "two BLPOPs blocked");
            final long during = getSetRoundsIn(client, 500);
            System.out.printf("GET+SET rounds in 500 ms: %d before, %d while two BLPOPs block%n", baseline, during);
            assertThat(during).as("rounds while blocked vs %d before", baseline)
                .isGreaterThan(Math.max(200, baseline / 5));
            // A third one finds both dedicated connections busy: it waits for one, at most its own block time plus
            // the command timeout, and fails as not applied.
            final long start = System.nanoTime();
            assertThatThrownBy(() -> client.sync().blpop(Duration.ofMillis(200), "blk:c"))
                .isInstanceOf(RedisTimeoutException.class).hasMessageContaining("dedicated connections")
                .hasMessageContaining("not applied");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(1000L, 2500L);
            client.sync().execute("RPUSH", "blk:a", "1");
            client.sync().execute("RPUSH", "blk:b", "2");
            assertThat(first.get(5, TimeUnit.SECONDS)).containsExactly("blk:a", "1");
            assertThat(second.get(5, TimeUnit.SECONDS)).containsExactly("blk:b", "2");
            System.out.printf("GET+SET rounds in 500 ms after the BLPOPs returned: %d%n", getSetRoundsIn(client, 500));
            assertThat(client.async().brpop(Duration.ofMillis(50), "blk:a").get(5, TimeUnit.SECONDS)).isNull();
        }
    }

    /**
     * GET and SET pairs completed in {@code millis}; asserts that none took longer than 250 ms (a command stuck behind
     * a BLPOP would take its whole block time, here for ever).
     */
    private static long getSetRoundsIn(final RedisClient client, final long millis)
    {
        final long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        long rounds = 0;
        long slowestNs = 0;
        while (System.nanoTime() - end < 0)
        {
            final long start = System.nanoTime();
            client.sync().set("blk:counter", Long.toString(rounds));
            assertThat(client.sync().get("blk:counter")).isEqualTo(Long.toString(rounds));
            slowestNs = Math.max(slowestNs, System.nanoTime() - start);
            rounds++;
        }
        assertThat(TimeUnit.NANOSECONDS.toMillis(slowestNs)).as("slowest GET+SET round, ms").isLessThan(250L);
        return rounds;
    }

    @Test
    void aBlpopThatTimesOutReturnsNullEvenPastTheCommandTimeout()
    {
        redis.call("DEL", "blk:empty");
        try (RedisClient client = RedisClient.connect(config()))
        {
            assertThat(client.sync().blpop(Duration.ofMillis(100), "blk:empty")).isNull();
            final long start = System.nanoTime();
            assertThat(client.sync().blpop(Duration.ofMillis(1500), "blk:empty")).isNull();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(1400L);
            assertThat(client.sync().execute("BRPOP", "blk:empty", "1.2")).isNull();
            assertThat(client.sync().xread(Duration.ofMillis(1200), Map.of("blk:stream", "$"))).isNull();
            assertThat(client.sync().bzpopmin(Duration.ofMillis(50), "blk:zset")).isNull();
            client.sync().execute("ZADD", "blk:zset", 2, "two", 1, "one");
            assertThat(client.sync().bzpopmin(Duration.ofSeconds(2), "blk:zset")).containsExactly("blk:zset", "one",
                "1");
            client.sync().execute("RPUSH", "blk:src", "x");
            assertThat(client.sync().blmove("blk:src", "blk:dst", "LEFT", "RIGHT", Duration.ofSeconds(2)))
                .isEqualTo("x");
            assertThat(client.sync().ping()).isEqualTo("PONG");
        }
    }

    @Test
    void theZeroCopyStyleStillRefusesLongBlocksAndPointsToAsyncAndSync()
    {
        try (RedisClient client = RedisClient.connect(config()))
        {
            final ReplyHandler ignored = new ReplyHandler()
            {
                @Override
                public void onReply(final long token, final RespReader reply)
                {
                }

                @Override
                public void onFailure(final long token, final RedisException error)
                {
                }
            };
            assertThatThrownBy(() -> client.execute(ignored, 0, "BLPOP", "blk:list", 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("blocks for ever")
                .hasMessageContaining("async() or sync()");
            assertThatThrownBy(() -> client.async().blpop(Duration.ofSeconds(-1), "k"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected a block time >= 0");
            assertThatThrownBy(() -> client.async().blpop(Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one key");
        }
    }

    @Test
    void closingTheClientWhileABlpopBlocksCompletesItWithAClearError() throws Exception
    {
        redis.call("DEL", "blk:never");
        final RedisClient client = RedisClient.connect(config());
        final CompletableFuture<List<String>> popped;
        try
        {
            popped = client.async().blpop(Duration.ZERO, "blk:never");
            Await.until(Duration.ofSeconds(5), () -> blockedClients() == 1, "BLPOP blocked");
        }
        finally
        {
            client.close();
        }
        assertThatThrownBy(() -> popped.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
            .cause().isInstanceOf(RedisConnectionException.class).hasMessageContaining("client closed");
        assertThatThrownBy(() -> client.sync().blpop(Duration.ZERO, "blk:never"))
            .isInstanceOf(RedisConnectionException.class).hasMessageContaining("closed");
    }

    @Test
    void typedBlmpopBzmpopXreadgroupAndWaitReturnTheirResults() throws Exception
    {
        redis.call("DEL", "blk:m1", "blk:m2", "blk:z", "blk:s");
        try (RedisClient client = RedisClient.connect(config()))
        {
            final CompletableFuture<PoppedElements> lists = client.async().blmpop(Duration.ofSeconds(3), "right", 2,
                "blk:m1", "blk:m2");
            Await.until(Duration.ofSeconds(2), () -> blockedClients() == 1, "BLMPOP blocked");
            client.sync().rpush("blk:m2", "a", "b", "c");
            assertThat(lists.get(5, TimeUnit.SECONDS)).isEqualTo(new PoppedElements("blk:m2", List.of("c", "b")));
            assertThat(client.sync().blmpop(Duration.ofMillis(100), "LEFT", 5, "blk:m1", "blk:m2"))
                .isEqualTo(new PoppedElements("blk:m2", List.of("a")));
            assertThat(client.sync().blmpop(Duration.ofMillis(100), "LEFT", 1, "blk:m1")).isNull();
            assertThatThrownBy(() -> client.async().blmpop(Duration.ofSeconds(1), "UP", 1, "blk:m1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("LEFT or RIGHT");

            final CompletableFuture<PoppedMembers> members = client.async().bzmpop(Duration.ZERO, "MAX", 2, "blk:z");
            Await.until(Duration.ofSeconds(2), () -> blockedClients() == 1, "BZMPOP blocked");
            client.sync().execute("ZADD", "blk:z", 1, "one", 2.5, "two", 3, "three");
            assertThat(members.get(5, TimeUnit.SECONDS)).isEqualTo(new PoppedMembers("blk:z", List.of(
                new PoppedMembers.ScoredMember("three", 3), new PoppedMembers.ScoredMember("two", 2.5))));
            assertThat(client.sync().bzmpop(Duration.ofMillis(100), "min", 9, "blk:z").members())
                .containsExactly(new PoppedMembers.ScoredMember("one", 1));

            client.sync().execute("XGROUP", "CREATE", "blk:s", "g", "$", "MKSTREAM");
            final CompletableFuture<Object> entries = client.async().xreadgroup("g", "c1", Duration.ofSeconds(3),
                Map.of("blk:s", ">"));
            Await.until(Duration.ofSeconds(2), () -> blockedClients() == 1, "XREADGROUP blocked");
            client.sync().execute("XADD", "blk:s", "*", "f", "v");
            assertThat(String.valueOf(entries.get(5, TimeUnit.SECONDS))).contains("blk:s");
            assertThat(client.sync().xreadgroup("g", "c1", Duration.ofMillis(100), Map.of("blk:s", ">"))).isNull();

            // No replicas here: WAIT 0 answers at once, WAIT 1 after its timeout, both with 0.
            client.sync().set("blk:w", "1");
            assertThat(client.sync().wait(0, Duration.ofSeconds(5))).isZero();
            final long start = System.nanoTime();
            assertThat(client.sync().wait(1, Duration.ofMillis(300))).isZero();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(250L, 1300L);
            // The no-op write before WAIT leaves nothing behind.
            assertThat(client.sync().exists("slotring:wait")).isZero();
        }
    }
}
