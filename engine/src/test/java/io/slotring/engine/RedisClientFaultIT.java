package io.slotring.engine;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.slotring.codec.RespReader;
import io.slotring.launcher.Await;
import io.slotring.launcher.LocalRedisServer;
import io.slotring.launcher.ThreadLeaks;
import org.agrona.concurrent.IdleStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Faults injected into real redis-server processes: SIGSTOP/SIGCONT, kill and restart, a full ring, close under
 * load, authentication. Each test starts its own server so a fault never leaks into another test.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisClientFaultIT
{
    /** Short timeouts and a quick reconnect: the settings the fault cases here and in EngineReliabilityIT share. */
    static ClientConfig config(final LocalRedisServer redis)
    {
        return ClientConfig.create().address(redis.host(), redis.port())
            .commandTimeout(Duration.ofMillis(1000))
            .connectTimeout(Duration.ofSeconds(2))
            .reconnectDelay(Duration.ofMillis(10), Duration.ofMillis(200));
    }

    @Test
    void pausedServerTimesCommandsOutAndNoLateReplyLandsOnAnotherCommand() throws Exception
    {
        try (LocalRedisServer redis = LocalRedisServer.builder().start();
            RedisClient client = RedisClient.connect(config(redis)))
        {
            for (int i = 0; i < 100; i++)
            {
                client.sync().set("p:" + i, "value:" + i);
            }
            redis.pause();
            final List<CompletableFuture<String>> stalled = new ArrayList<>();
            for (int i = 0; i < 100; i++)
            {
                stalled.add(client.async().get("p:" + i));
            }
            for (final CompletableFuture<String> future : stalled)
            {
                assertThatThrownBy(future::join).isInstanceOf(CompletionException.class)
                    .cause().isInstanceOf(RedisException.class)
                    .satisfies(ex -> assertThat(((RedisException)ex).mayHaveBeenApplied()).isTrue());
            }
            assertThatThrownBy(stalled.get(0)::join).cause().isInstanceOf(RedisTimeoutException.class)
                .hasMessageContaining("timed out after it was written");
            redis.resume();
            // The paused server answers the stale GETs once resumed; the client reset that connection, so those
            // replies die with it. Every new command must get its own value.
            for (int round = 0; round < 3; round++)
            {
                final List<CompletableFuture<String>> fresh = new ArrayList<>();
                for (int i = 0; i < 100; i++)
                {
                    fresh.add(client.async().get("p:" + (99 - i)));
                }
                for (int i = 0; i < 100; i++)
                {
                    assertThat(fresh.get(i).get(5, TimeUnit.SECONDS)).isEqualTo("value:" + (99 - i));
                }
            }
        }
    }

    @Test
    void clientReconnectsAfterServerRestartAndQueuedCommandsAreNotLost() throws Exception
    {
        try (LocalRedisServer redis = LocalRedisServer.builder().start();
            RedisClient client = RedisClient.connect(config(redis).commandTimeout(Duration.ofSeconds(10))))
        {
            assertThat(client.sync().set("before", "1")).isEqualTo("OK");
            redis.kill();
            // Written into a dead socket or queued while down: each completes exactly once, value or error.
            final CompletableFuture<String> duringOutage = client.async().set("during", "2");
            redis.restart();
            try
            {
                assertThat(duringOutage.get(15, TimeUnit.SECONDS)).isEqualTo("OK");
            }
            catch (final java.util.concurrent.ExecutionException ex)
            {
                assertThat(ex.getCause()).isInstanceOf(RedisConnectionException.class);
                assertThat(((RedisException)ex.getCause()).mayHaveBeenApplied()).isTrue();
            }
            final String after = Await.value(Duration.ofSeconds(10), () ->
            {
                try
                {
                    return client.sync().set("after", "3");
                }
                catch (final RedisConnectionException ex)
                {
                    // The first command after a kill may be written into the dead socket; it reports that.
                    assertThat(ex.mayHaveBeenApplied()).isTrue();
                    return null;
                }
            }, reply -> reply != null, "a SET through the reconnected client");
            assertThat(after).isEqualTo("OK");
            assertThat(client.sync().get("after")).isEqualTo("3");
            assertThat(client.sync().get("before")).isNull();
        }
    }

    @Test
    void idlePingFindsAPeerThatStoppedAnsweringWithoutAReset() throws Exception
    {
        try (LocalRedisServer redis = LocalRedisServer.builder().start();
            RedisClient client = RedisClient.connect(config(redis).idlePingInterval(Duration.ofMillis(100))
                .commandTimeout(Duration.ofMillis(300))))
        {
            assertThat(client.sync().ping()).isEqualTo("PONG");
            redis.pause();
            Await.until(Duration.ofSeconds(10), () -> client.endpoint().lastError() != null,
                "the idle PING noticed the paused server");
            assertThat(client.endpoint().lastError()).contains("idle PING unanswered");
            assertThat(client.endpoint().isReady()).isFalse();
            redis.resume();
            Await.until(Duration.ofSeconds(10), client.endpoint()::isReady, "reconnected after the resume");
            assertThat(client.sync().ping()).isEqualTo("PONG");
        }
    }

    @Test
    void commandsQueuedWhileDisconnectedTimeOutAsNotApplied() throws Exception
    {
        try (LocalRedisServer redis = LocalRedisServer.builder().start();
            RedisClient client = RedisClient.connect(config(redis).reconnectDelay(Duration.ofSeconds(5),
                Duration.ofSeconds(5))))
        {
            redis.kill();
            // Let the client notice (an idle connection learns of the death on its next write).
            client.async().ping().handle((v, e) -> null).get(5, TimeUnit.SECONDS);
            final CompletableFuture<String> queued = client.async().get("x");
            assertThatThrownBy(() -> queued.get(5, TimeUnit.SECONDS)).cause()
                .isInstanceOf(RedisTimeoutException.class)
                .hasMessageContaining("before it could be written (not applied)")
                .satisfies(ex -> assertThat(((RedisException)ex).mayHaveBeenApplied()).isFalse());
        }
    }

    @Test
    void fullRingFailsFastWithACodeAndAnException() throws Exception
    {
        try (LocalRedisServer redis = LocalRedisServer.builder().start();
            RedisClient client = RedisClient.connect(config(redis).ringSize(8)
                .backPressure(ClientConfig.BackPressure.FAIL_FAST).commandTimeout(Duration.ofSeconds(30))))
        {
            redis.pause();
            final AtomicInteger replies = new AtomicInteger();
            final ReplyHandler handler = new ReplyHandler()
            {
                public void onReply(final long token, final RespReader reply)
                {
                    replies.incrementAndGet();
                }

                public void onFailure(final long token, final RedisException error)

                {

                }
            };
            final byte[] key = "bp".getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 8; i++)
            {
                assertThat(client.get(key, handler, i)).isGreaterThanOrEqualTo(0);
            }
            assertThat(client.get(key, handler, 8)).isEqualTo(RedisClient.BACK_PRESSURED);
            assertThatThrownBy(() -> client.async().get("bp").join()).cause()
                .isInstanceOf(RedisBackPressureException.class).hasMessageContaining("ring of 8 slots full")
                .satisfies(ex -> assertThat(((RedisException)ex).mayHaveBeenApplied()).isFalse());
            redis.resume();
            Await.until(Duration.ofSeconds(10), () -> replies.get() >= 8, "the 8 stalled GETs answered");
            assertThat(replies.get()).isEqualTo(8);
            assertThat(client.sync().ping()).isEqualTo("PONG");
        }
    }

    @Test
    void fullRingMakesProducersWaitUntilASlotFreesOrTheTimeoutPasses() throws Exception
    {
        // Counts the waiting producer's idle calls: the sign that it is blocked on the full ring.
        final AtomicLong producerIdles = new AtomicLong();
        try (LocalRedisServer redis = LocalRedisServer.builder().start();
            RedisClient client = RedisClient.connect(config(redis).ringSize(4)
                .backPressure(ClientConfig.BackPressure.WAIT).commandTimeout(Duration.ofSeconds(3))
                .producerIdleStrategy(() -> countingIdle(producerIdles))))
        {
            redis.pause();
            final List<CompletableFuture<String>> first = new ArrayList<>();
            for (int i = 0; i < 4; i++)
            {
                first.add(client.async().ping());
            }
            final AtomicBoolean returned = new AtomicBoolean();
            final CompletableFuture<CompletableFuture<String>> waiting = CompletableFuture.supplyAsync(() ->
            {
                final CompletableFuture<String> f = client.async().ping();
                returned.set(true);
                return f;
            });
            Await.until(Duration.ofSeconds(10), () -> producerIdles.get() >= 10,
                "the producer idling on the full ring");
            assertThat(returned).as("producer waits while the ring is full").isFalse();
            redis.resume();
            assertThat(waiting.get(10, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS)).isEqualTo("PONG");
            for (final CompletableFuture<String> f : first)
            {
                assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo("PONG");
            }

            // The ring fills again and the server stays paused: the waiting producer gets its slot only when the
            // head command times out and resets the connection; nothing is dropped on the way.
            redis.pause();
            final List<CompletableFuture<String>> stalled = new ArrayList<>();
            for (int i = 0; i < 4; i++)
            {
                stalled.add(client.async().ping());
            }
            final CompletableFuture<String> late = client.async().ping();
            assertThatThrownBy(stalled.get(0)::join).cause().isInstanceOf(RedisTimeoutException.class);
            for (final CompletableFuture<String> f : stalled.subList(1, 4))
            {
                assertThatThrownBy(f::join).cause().isInstanceOf(RedisConnectionException.class)
                    .hasMessageContaining("ahead of this one timed out")
                    .satisfies(ex -> assertThat(((RedisException)ex).mayHaveBeenApplied()).isTrue());
            }
            assertThat(late.isCompletedExceptionally() || !late.isDone()).isTrue();
            redis.resume();
        }
    }

    @Test
    void closeUnderLoadCompletesEveryCommandAndStopsEveryThread() throws Exception
    {
        try (LocalRedisServer redis = LocalRedisServer.builder().start())
        {
            final RedisClient client = RedisClient.connect(config(redis).connectionsPerNode(4).ioThreads(2)
                .commandTimeout(Duration.ofSeconds(30)));
            final List<CompletableFuture<String>> futures = java.util.Collections.synchronizedList(new ArrayList<>());
            final AtomicBoolean stop = new AtomicBoolean();
            final List<Thread> producers = new ArrayList<>();
            for (int t = 0; t < 4; t++)
            {
                final Thread producer = new Thread(() ->
                {
                    for (int i = 0; i < 200_000 && !stop.get(); i++)
                    {
                        futures.add(client.async().set("c:" + i, "v"));
                    }
                });
                producers.add(producer);
                producer.start();
            }
            // Close under load: once the producers have issued a good number of commands.
            Await.until(Duration.ofSeconds(10), () -> futures.size() >= 20_000, "20000 commands issued");
            client.close();
            stop.set(true);
            for (final Thread producer : producers)
            {
                producer.join(10_000);
                assertThat(producer.isAlive()).isFalse();
            }
            assertThat(futures).isNotEmpty();
            for (final CompletableFuture<String> future : futures)
            {
                assertThat(future).as("every future completed").isDone();
            }
            assertThat(futures.stream().filter(f -> f.isCompletedExceptionally()).count()).isPositive();
            assertThat(ThreadLeaks.names(ThreadLeaks.IO_AGENTS)).as("I/O threads right after close()")
                .isEmpty();
            assertThat(client.async().get("x")).isCompletedExceptionally();
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
            assertThat(client.get("x".getBytes(), ignored, 0)).isEqualTo(RedisClient.CLOSED);
        }
    }

    @Test
    void fallsBackToResp2AndAuthOnAServerWithoutHello() throws Exception
    {
        // A real server with HELLO disabled answers it as an unknown command, as servers before Redis 6 do.
        try (LocalRedisServer redis = LocalRedisServer.builder().config("requirepass", "pw-2")
            .config("rename-command HELLO", "").start();
            RedisClient client = RedisClient.connect(config(redis).credentials(null, "pw-2".toCharArray())
                .clientName("fallback")))
        {
            assertThat(client.sync().ping()).isEqualTo("PONG");
            assertThat(client.sync().execute("CLIENT", "GETNAME"))
                .isEqualTo("fallback".getBytes(StandardCharsets.UTF_8));
            // RESP2: HGETALL arrives as a flat array and still converts to a map.
            client.sync().hset("h", java.util.Map.of("f", "v"));
            assertThat(client.sync().hgetall("h")).containsEntry("f", "v");
        }
    }

    @Test
    void authenticatesWithHelloAndNeverShowsThePassword() throws Exception
    {
        try (LocalRedisServer redis = LocalRedisServer.builder().config("requirepass", "s3cret-pw").start())
        {
            try (RedisClient client = RedisClient.connect(config(redis).credentials(null, "s3cret-pw".toCharArray())))
            {
                assertThat(client.sync().ping()).isEqualTo("PONG");
                assertThat(client.toString()).doesNotContain("s3cret-pw");
            }
            try (RedisClient resp2 = RedisClient.connect(config(redis).preferResp3(false)
                .credentials(null, "s3cret-pw".toCharArray()).clientName("resp2-client").database(3)))
            {
                assertThat(resp2.sync().set("db3", "x")).isEqualTo("OK");
                assertThat(resp2.sync().execute("CLIENT", "GETNAME"))
                    .isEqualTo("resp2-client".getBytes(StandardCharsets.UTF_8));
            }
            assertThatThrownBy(() -> RedisClient.connect(config(redis).credentials(null, "wrong-pw".toCharArray())))
                .isInstanceOf(RedisConnectionException.class)
                .hasMessageContaining("WRONGPASS")
                .satisfies(ex -> assertThat(ex.getMessage()).doesNotContain("wrong-pw"));
            assertThatThrownBy(() -> RedisClient.connect(config(redis)))
                .isInstanceOf(RedisConnectionException.class)
                .hasMessageContaining("NOAUTH");
        }
    }

    /** The default producer idle strategy, counting its calls into {@code idles}. */
    private static IdleStrategy countingIdle(final AtomicLong idles)
    {
        final IdleStrategy delegate = ConnectionSettings.defaultProducerIdleStrategy();
        return new IdleStrategy()
        {
            @Override
            public void idle(final int workCount)
            {
                idles.incrementAndGet();
                delegate.idle(workCount);
            }

            @Override
            public void idle()
            {
                idles.incrementAndGet();
                delegate.idle();
            }

            @Override
            public void reset()
            {
                delegate.reset();
            }
        };
    }
}
