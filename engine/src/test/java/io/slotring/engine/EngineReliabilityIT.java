package io.slotring.engine;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import io.slotring.codec.RespReader;
import io.slotring.engine.internal.IoRuntime;
import io.slotring.engine.internal.NodeEndpoint;
import io.slotring.engine.internal.ReplyConverters;
import io.slotring.launcher.Await;
import io.slotring.launcher.LocalRedisServer;
import io.slotring.launcher.LocalServer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The engine's reliability guarantees against a real redis-server, each pinned by a case that failed before its
 * fix: bad input never wedges a connection, an encode that fails after the claim is aborted, per-key order across
 * a node's connections, no misbehaving connection stops its agent, close() completes every command, connect
 * failures say why at once, the commands a shared connection cannot carry are refused, and an idle connection
 * gives back what it grew. The cases against fake peers (a silent handshake, a hostile reply) are in
 * {@link EngineReliabilityTest}.
 */
@LocalServer
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EngineReliabilityIT
{
    private static LocalRedisServer redis;

    /** Counts replies and failures per token; the one handler every zero-copy case here uses. */
    private static final class Recorder implements ReplyHandler
    {
        final AtomicLong replies = new AtomicLong();
        final AtomicLong failures = new AtomicLong();
        volatile RedisException lastFailure;
        volatile String lastReply;

        @Override
        public void onReply(final long token, final RespReader reply)
        {
            lastReply = reply.isNull() ? null : reply.stringValue();
            replies.incrementAndGet();
        }

        @Override
        public void onFailure(final long token, final RedisException error)
        {
            lastFailure = error;
            failures.incrementAndGet();
        }

        long completed()
        {
            return replies.get() + failures.get();
        }
    }

    /** A key that changes between sizing and encoding: the encode after the claim throws. */
    private static final class ShiftyKey implements CharSequence
    {
        private int reads;

        @Override
        public int length()
        {
            return 4;
        }

        @Override
        public char charAt(final int index)
        {
            if (++reads > 4)
            {
                throw new IllegalStateException("key changed while it was being encoded");
            }
            return 'k';
        }

        @Override
        public CharSequence subSequence(final int start, final int end)
        {
            return toString().subSequence(start, end);
        }

        @Override
        public String toString()
        {
            return "kkkk";
        }
    }

    /** The class's server, started and stopped by the launcher's extension ({@code @LocalServer}). */
    @BeforeAll
    static void server(final LocalRedisServer server)
    {
        redis = server;
    }

    private static ClientConfig config()
    {
        return RedisClientFaultIT.config(redis);
    }

    @Test
    void badArgumentsAreRejectedBeforeClaimAndTheConnectionStaysUsable() throws Exception
    {
        try (RedisClient client = RedisClient.connect(config()))
        {
            final Recorder handler = new Recorder();
            final Batch batch = client.newBatch(handler);
            assertThatThrownBy(() -> client.async().execute()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected a command name");
            assertThatThrownBy(() -> client.get((byte[])null, handler, 1)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("key");
            assertThatThrownBy(() -> client.set("k".getBytes(), null, handler, 1))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("value");
            assertThatThrownBy(() -> client.get((byte[])null, batch, 1)).isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> client.get(new UnsafeBuffer(new byte[8]), 4, 8, handler, 1))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("offset 4 and length 8");
            assertThatThrownBy(() -> client.execute(handler, 1, "GET", new Object()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unsupported argument type");
            assertThatThrownBy(() -> client.async().execute("SET", "k", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("argument 2 of SET is null");
            assertThatThrownBy(() -> client.get("k".getBytes(), (ReplyHandler)null, 1))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("handler");

            assertThat(batch.outstanding()).isZero();
            assertThat(batch.await(1, TimeUnit.SECONDS)).isTrue();
            assertThat(client.sync().execute("PING")).isEqualTo("PONG");
            assertThat(client.get("k".getBytes(), batch, 2)).isNotNegative();
            assertThat(batch.await(2, TimeUnit.SECONDS)).isTrue();
            assertThat(handler.failures.get()).isZero();
        }
    }

    @Test
    void anEncodeThatFailsAfterTheClaimIsAbortedAndSkipped() throws Exception
    {
        try (RedisClient client = RedisClient.connect(config()))
        {
            final Recorder handler = new Recorder();
            client.sync().set("after-abort", "still-in-order");
            for (int i = 0; i < 3; i++)
            {
                assertThatThrownBy(() -> client.get(new ShiftyKey(), handler, 0))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("while it was being encoded");
                assertThatThrownBy(() -> client.async().execute("GET", new ShiftyKey()))
                    .isInstanceOf(IllegalStateException.class);
            }
            // Interleave aborted slots with real commands: every real reply must land on its own command.
            final List<CompletableFuture<String>> gets = new ArrayList<>();
            for (int i = 0; i < 50; i++)
            {
                gets.add(client.async().get("after-abort"));
                assertThatThrownBy(() -> client.execute(handler, 0, "GET", new ShiftyKey()))
                    .isInstanceOf(IllegalStateException.class);
            }
            for (final CompletableFuture<String> get : gets)
            {
                assertThat(get.get(2, TimeUnit.SECONDS)).isEqualTo("still-in-order");
            }
            assertThat(client.sync().execute("PING")).isEqualTo("PONG");
            assertThat(handler.completed()).isZero();
        }
    }

    @Test
    void oneCallersCommandsOnOneKeyKeepTheirOrderAcrossANodesConnections() throws Exception
    {
        try (RedisClient client = RedisClient.connect(config().connectionsPerNode(4)))
        {
            assertThat(client.awaitAllConnected(5, TimeUnit.SECONDS)).isTrue();
            final List<CompletableFuture<String>> gets = new ArrayList<>();
            for (int i = 0; i < 500; i++)
            {
                client.async().set("order:" + i, "v" + i);
                gets.add(client.async().get("order:" + i));
            }
            for (int i = 0; i < gets.size(); i++)
            {
                assertThat(gets.get(i).get(5, TimeUnit.SECONDS)).as("GET issued right after its SET")
                    .isEqualTo("v" + i);
            }
            // The zero-copy style: a handler SET followed at once by a GET of the same key.
            final Recorder handler = new Recorder();
            for (int i = 0; i < 200; i++)
            {
                final byte[] key = ("zc-order:" + i).getBytes(StandardCharsets.US_ASCII);
                client.sync().del("zc-order:" + i);
                assertThat(client.set(key, ("w" + i).getBytes(StandardCharsets.US_ASCII), handler, i)).isNotNegative();
                final int index = i;
                final CompletableFuture<String> value = new CompletableFuture<>();
                assertThat(client.get(key, new ReplyHandler()
                {
                    @Override
                    public void onReply(final long token, final RespReader reply)
                    {
                        value.complete(reply.isNull() ? null : reply.stringValue());
                    }

                    @Override
                    public void onFailure(final long token, final RedisException error)
                    {
                        value.completeExceptionally(error);
                    }
                }, index)).isNotNegative();
                assertThat(value.get(5, TimeUnit.SECONDS)).isEqualTo("w" + i);
            }
        }
    }

    @Test
    void wrongPasswordFailsAtOnceWithTheServersReasonAndNoSecret() throws Exception
    {
        try (LocalRedisServer secured = LocalRedisServer.builder().config("requirepass", "right-secret").start())
        {
            final ClientConfig wrong = ClientConfig.create().address(secured.host(), secured.port())
                .connectTimeout(Duration.ofSeconds(120))
                .credentials(null, "wrong-secret".toCharArray());
            // With a 120 s connect timeout, this test's 60 s limit fails it unless the refusal ends the wait.
            assertThatThrownBy(() -> RedisClient.connect(wrong)).isInstanceOf(RedisConnectionException.class)
                .hasMessageContaining("handshake refused").hasMessageMatching("(?s).*(WRONGPASS|invalid).*")
                .satisfies(ex -> assertThat(ex.getMessage()).doesNotContain("wrong-secret"));
        }
    }

    @Test
    void handshakeLongerThanFourKibibytesConnects() throws Exception
    {
        final char[] password = new char[6000];
        Arrays.fill(password, 'p');
        try (LocalRedisServer secured = LocalRedisServer.builder().config("requirepass", new String(password))
            .start();
            RedisClient client = RedisClient.connect(ClientConfig.create().address(secured.host(), secured.port())
                .credentials(null, password).clientName("n".repeat(3000))))
        {
            assertThat(client.sync().execute("PING")).isEqualTo("PONG");
        }
    }

    @Test
    void anUnresolvableHostFailsItsOwnCommandsAndNeverStopsTheAgent() throws Exception
    {
        final ClientConfig config = config().ioThreads(1);
        try (IoRuntime runtime = new IoRuntime(config, null))
        {
            final NodeEndpoint broken = runtime.endpoint("no-such-host.invalid", 6379, false);
            final NodeEndpoint healthy = runtime.endpoint(redis.host(), redis.port(), false);
            final CompletableFuture<Object> lost = broken.submit(ReplyConverters.OBJECT, "PING");
            Await.until(Duration.ofSeconds(10), healthy::isReady, "the healthy endpoint connected");
            for (int i = 0; i < 20; i++)
            {
                assertThat(healthy.submit(ReplyConverters.STRING, "PING").get(2, TimeUnit.SECONDS)).isEqualTo("PONG");
            }
            assertThatThrownBy(() -> lost.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(RedisTimeoutException.class)
                .hasMessageContaining("not applied").hasMessageContaining("no-such-host.invalid");
            assertThat(broken.lastError()).contains("cannot resolve host no-such-host.invalid");
        }
    }

    @Test
    void closeRacingProducersCompletesEveryCommand() throws Exception
    {
        for (int round = 0; round < 15; round++)
        {
            final RedisClient client = RedisClient.connect(config().connectionsPerNode(2));
            final AtomicBoolean stop = new AtomicBoolean();
            final AtomicLongArray published = new AtomicLongArray(3);
            final Recorder handler = new Recorder();
            final List<CompletableFuture<String>> futures = java.util.Collections.synchronizedList(new ArrayList<>());
            final List<Thread> producers = new ArrayList<>();
            for (int p = 0; p < 3; p++)
            {
                final int producer = p;
                final Thread thread = new Thread(() ->
                {
                    final byte[] key = ("race:" + producer).getBytes(StandardCharsets.US_ASCII);
                    for (int i = 0; i < 200_000 && !stop.get(); i++)
                    {
                        if ((i & 1) == 0)
                        {
                            futures.add(client.async().get("race"));
                        }
                        else if (client.get(key, handler, i) >= 0)
                        {
                            published.incrementAndGet(producer);
                        }
                    }
                }, "race-producer-" + p);
                producers.add(thread);
                thread.start();
            }
            // Close at a random point of the load, counted in commands issued, not in time.
            final int closeAfter = ThreadLocalRandom.current().nextInt(0, 5_000);
            Await.until(Duration.ofSeconds(10), () -> futures.size() + published.get(0) + published.get(1) +
                published.get(2) >= closeAfter, closeAfter + " commands issued before close()");
            client.close();
            stop.set(true);
            for (final Thread thread : producers)
            {
                thread.join(10_000);
                assertThat(thread.isAlive()).isFalse();
            }
            final long expected = published.get(0) + published.get(1) + published.get(2);
            Await.until(Duration.ofSeconds(5), () -> handler.completed() >= expected,
                "every published zero-copy command completed in round " + round);
            assertThat(handler.completed()).as("zero-copy completions in round " + round).isEqualTo(expected);
            synchronized (futures)
            {
                for (final CompletableFuture<String> future : futures)
                {
                    assertThat(future).as("future in round " + round).isDone();
                }
            }
        }
    }

    @Test
    void commandsThatBreakOneReplyPerCommandAreRefusedWithTheReason() throws Exception
    {
        try (RedisClient client = RedisClient.connect(config()))
        {
            final Recorder handler = new Recorder();
            final Object[][] refused = {
                {"SUBSCRIBE", "news"}, {"psubscribe", "n*"}, {"SSUBSCRIBE", "s"}, {"MONITOR"},
                {"CLIENT", "REPLY", "OFF"}, {"client", "reply", "skip"}, {"MULTI"}, {"EXEC"}, {"WATCH", "k"},
                {"SELECT", 1}, {"HELLO", 2}, {"QUIT"}, {"RESET"}};
            for (final Object[] command : refused)
            {
                assertThatThrownBy(() -> client.async().execute(command)).as(Arrays.toString(command))
                    .isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> client.execute(handler, 0, command)).as(Arrays.toString(command))
                    .isInstanceOf(IllegalArgumentException.class);
            }
            // Long blocks: refused on the zero-copy style only (async and sync use dedicated connections).
            final Object[][] longBlocks = {
                {"BLPOP", "list", 0}, {"BRPOP", "list", "5"}, {"BLMOVE", "a", "b", "LEFT", "RIGHT", 0},
                {"BZPOPMIN", "z", 2.5}, {"BLMPOP", 0, 1, "list", "LEFT"},
                {"XREAD", "BLOCK", 0, "STREAMS", "s", "$"}, {"WAIT", 1, 0}};
            for (final Object[] command : longBlocks)
            {
                assertThatThrownBy(() -> client.execute(handler, 0, command)).as(Arrays.toString(command))
                    .isInstanceOf(IllegalArgumentException.class);
            }
            assertThatThrownBy(() -> client.execute(handler, 0, "BLPOP", "list", 0))
                .hasMessageContaining("blocks for ever").hasMessageContaining("command timeout of 1.0s");
            assertThatThrownBy(() -> client.async().execute("SUBSCRIBE", "news"))
                .hasMessageContaining("SUBSCRIBE is not supported on a shared connection");
            // A block time below the command timeout is fine; so are CLIENT REPLY ON and non-blocking XREAD.
            assertThat(client.async().execute("BLPOP", "empty-list", "0.1").get(2, TimeUnit.SECONDS)).isNull();
            assertThat(client.async().execute("CLIENT", "REPLY", "ON").get(2, TimeUnit.SECONDS)).isEqualTo("OK");
            assertThat(client.async().execute("XREAD", "COUNT", 1, "STREAMS", "no-stream", "0")
                .get(2, TimeUnit.SECONDS)).isNull();
            assertThat(client.sync().execute("PING")).isEqualTo("PONG");
            assertThat(handler.completed()).isZero();
        }
    }

    @Test
    void anIdleConnectionStaysSmallAndGivesBackWhatItGrewUnderLoad() throws Exception
    {
        final long before = DirectMemory.used();
        try (RedisClient client = RedisClient.connect(config().connectionsPerNode(4)
            .idlePingInterval(Duration.ofMillis(300))))
        {
            assertThat(client.awaitAllConnected(5, TimeUnit.SECONDS)).isTrue();
            final long idle = DirectMemory.used() - before;
            assertThat(idle / 4).as("direct bytes per idle connection").isLessThanOrEqualTo(256 << 10);
            final Recorder handler = new Recorder();
            final Batch batch = client.newBatch(handler);
            final byte[] value = new byte[1000];
            Arrays.fill(value, (byte)'v');
            for (int round = 0; round < 20; round++)
            {
                for (int i = 0; i < 200; i++)
                {
                    client.set(("grow:" + i).getBytes(StandardCharsets.US_ASCII), value, batch, i);
                }
                assertThat(batch.await(5, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(handler.failures.get()).isZero();
            final long busy = DirectMemory.used() - before;
            assertThat(busy).as("slots grew for 1 KB SETs").isGreaterThan(idle + (200 << 10));
            // Idle for a PING interval: the grown regions are freed.
            final long shrunk = DirectMemory.awaitUsed(used -> used - before <= idle + (64 << 10),
                "the grown regions freed once the connections went idle") - before;
            assertThat(shrunk).as("direct bytes after the connections went idle")
                .isLessThanOrEqualTo(idle + (64 << 10));
            System.out.println("direct memory: idle " + idle / 4 + " B per connection, busy " + busy / 4 +
                ", after idle shrink " + shrunk / 4);
            assertThat(client.sync().get("grow:7")).hasSize(1000);
        }
    }
}
