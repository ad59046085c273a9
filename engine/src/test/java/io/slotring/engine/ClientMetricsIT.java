package io.slotring.engine;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.slotring.launcher.Await;
import io.slotring.launcher.LocalRedisServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link Client#metrics()} against a real redis-server: a known set of commands (some answered with errors), a
 * connection killed by the server, and a command timed out on a paused server, each counted exactly.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClientMetricsIT
{
    private static final int SETS = 10;
    private static final int GETS = 20;
    private static final int BAD_INCRS = 5;

    private static long encodedLength(final String... args)
    {
        long length = ("*" + args.length + "\r\n").length();
        for (final String arg : args)
        {
            final int bytes = arg.getBytes(StandardCharsets.UTF_8).length;
            length += ("$" + bytes + "\r\n").length() + bytes + 2;
        }
        return length;
    }

    @Test
    void countsCommandsErrorsBytesReconnectsAndTimeoutsExactly() throws Exception
    {
        try (LocalRedisServer redis = LocalRedisServer.builder().start();
            RedisClient client = RedisClient.connect(ClientConfig.create().address(redis.host(), redis.port())
                .commandTimeout(Duration.ofMillis(1000))
                .reconnectDelay(Duration.ofMillis(10), Duration.ofMillis(200))
                .idlePingInterval(Duration.ofMinutes(10))))
        {
            final ClientMetrics start = client.metrics();
            assertThat(start.total().connects()).isEqualTo(1);
            assertThat(start.nodes()).extracting(ClientMetrics.Node::address)
                .containsExactly(redis.host() + ':' + redis.port());

            long written = 0;
            for (int i = 0; i < SETS; i++)
            {
                client.sync().set("m:" + i, "value:" + i);
                written += encodedLength("SET", "m:" + i, "value:" + i);
            }
            for (int i = 0; i < GETS; i++)
            {
                assertThat(client.sync().get("m:" + (i % SETS))).isEqualTo("value:" + (i % SETS));
                written += encodedLength("GET", "m:" + (i % SETS));
            }
            for (int i = 0; i < BAD_INCRS; i++)
            {
                final String key = "m:" + i;
                assertThatThrownBy(() -> client.sync().incr(key)).isInstanceOf(RedisServerException.class);
                written += encodedLength("INCR", key);
            }

            final ClientMetrics afterCommands = client.metrics();
            final ClientMetrics.Counters delta = afterCommands.total().minus(start.total());
            assertThat(delta.commands()).isEqualTo(SETS + GETS + BAD_INCRS);
            assertThat(delta.errorReplies()).isEqualTo(BAD_INCRS);
            assertThat(delta.bytesWritten()).isEqualTo(written);
            assertThat(delta.bytesRead()).isPositive();
            assertThat(delta.timeouts()).isZero();
            assertThat(afterCommands.reads().count()).isEqualTo(GETS);
            assertThat(afterCommands.writes().count()).isEqualTo(SETS + BAD_INCRS);
            assertThat(afterCommands.others().count()).isZero();
            assertThat(afterCommands.reads().p50Ns()).isPositive().isLessThanOrEqualTo(afterCommands.reads().maxNs());
            assertThat(afterCommands.reads().maxNs()).isLessThan(TimeUnit.SECONDS.toNanos(1));
            System.out.printf("GET latency over %d: p50 %d us, p99 %d us, max %d us%n", GETS,
                afterCommands.reads().p50Ns() / 1000, afterCommands.reads().p99Ns() / 1000,
                afterCommands.reads().maxNs() / 1000);

            // The server drops the connection: lost once, reconnected once. An idle connection notices at its next
            // command (or idle PING), which fails as "outcome unknown"; the one after goes out on the new connection.
            redis.call("CLIENT", "KILL", "TYPE", "normal");
            assertThat(Await.succeeds(Duration.ofSeconds(10), () -> client.sync().get("m:1"), "GET after reconnect"))
                .isEqualTo("value:1");
            Await.until(Duration.ofSeconds(10), () -> client.metrics().total().reconnects() == 1, "a reconnect");
            ClientMetrics.Counters total = client.metrics().total();
            assertThat(total.connectionsLost()).isEqualTo(1);
            assertThat(total.connects()).isEqualTo(2);

            // A paused server: the written command times out (may have been applied) and resets the connection.
            redis.pause();
            try
            {
                final CompletableFuture<String> stalled = client.async().get("m:2");
                assertThatThrownBy(stalled::join).cause().isInstanceOf(RedisTimeoutException.class);
            }
            finally
            {
                redis.resume();
            }
            Await.until(Duration.ofSeconds(10), () -> client.metrics().total().reconnects() == 2, "a second reconnect");
            total = client.metrics().total();
            assertThat(total.timeoutsWritten()).isEqualTo(1);
            assertThat(total.timeoutsNotWritten()).isZero();
            assertThat(total.connectionsLost()).isEqualTo(2);
            assertThat(total.moved() + total.asked() + total.retryReplies()).isZero();
        }
    }
}
