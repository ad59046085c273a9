package io.slotring.engine;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.slotring.launcher.Await;
import io.slotring.launcher.FaultProxy;
import io.slotring.launcher.LocalRedisServer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Liveness of subscriber connections against a real redis-server behind a {@link FaultProxy}, over RESP3 and RESP2:
 * idle PINGs on a healthy connection are answered (no reconnect); a blackholed connection, which never sees a
 * FIN or RST, is given up within about the idle PING interval plus the command timeout; once the network heals,
 * the subscriptions subscribe again and receive what is published afterwards.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PubSubLivenessIT
{
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Duration PING_INTERVAL = Duration.ofMillis(200);
    private static final Duration TIMEOUT = Duration.ofMillis(500);
    /** Room for a shared, slow machine on top of interval + timeout. */
    private static final Duration SLACK = Duration.ofMillis(1_500);

    @ParameterizedTest(name = "resp3={0}")
    @ValueSource(booleans = {true, false})
    void aBlackholedSubscriberIsFoundByItsPingAndSubscribesAgainAfterTheNetworkHeals(final boolean resp3)
        throws Exception
    {
        final List<Throwable> errors = new CopyOnWriteArrayList<>();
        try (LocalRedisServer redis = LocalRedisServer.builder().start();
            FaultProxy proxy = FaultProxy.start(redis.host(), redis.port());
            RedisClient client = RedisClient.connect(ClientConfig.create().address(proxy.host(), proxy.port())
                .preferResp3(resp3).commandTimeout(TIMEOUT).connectTimeout(TIMEOUT)
                .idlePingInterval(PING_INTERVAL).reconnectDelay(Duration.ofMillis(10), Duration.ofMillis(100))
                .errorHandler(errors::add)))
        {
            final List<String> received = new CopyOnWriteArrayList<>();
            final Subscription channel = client.subscribe("live",
                MessageHandler.ofStrings((ch, message) -> received.add(message)));
            final Subscription shard = client.ssubscribe("{l}live",
                MessageHandler.ofStrings((ch, message) -> received.add(message)));
            assertThat(channel.awaitActive(WAIT) && shard.awaitActive(WAIT)).as("both confirmed").isTrue();
            redis.call("PUBLISH", "live", "before");
            Await.until(WAIT, () -> received.contains("before"), "the message before the blackhole");

            // Healthy and idle: several PINGs go out and their replies (+PONG, or RESP2's pong array) keep it alive.
            final long pingsBefore = pings(redis);
            Await.until(WAIT, () -> pings(redis) >= pingsBefore + 4, "four idle PINGs answered by the server");
            assertThat(String.valueOf(redis.call("CLIENT", "LIST", "TYPE", "pubsub")))
                .as("the subscriber connection's last command").contains("cmd=ping");
            assertThat(channel.isActive() && shard.isActive()).as("still subscribed while PINGs are answered")
                .isTrue();
            assertThat(channel.confirmations()).as("no resubscription while healthy").isEqualTo(1);
            assertThat(errors).as("errors while healthy").isEmpty();

            proxy.blackhole();
            final long blackholedAt = System.nanoTime();
            Await.until(PING_INTERVAL.plus(TIMEOUT).plus(SLACK).plus(WAIT), () -> !channel.isActive() &&
                !shard.isActive(), "the subscriptions given up after an unanswered PING");
            final long noticedMs = (System.nanoTime() - blackholedAt) / 1_000_000;
            redis.call("PUBLISH", "live", "during");

            // Held until the subscriber has tried to reconnect into the blackhole at least once.
            final long acceptedBefore = proxy.acceptedConnections();
            Await.until(WAIT, () -> proxy.acceptedConnections() > acceptedBefore,
                "a reconnect attempt into the blackhole");
            proxy.heal();
            final long healedAt = System.nanoTime();
            Await.until(WAIT, () -> channel.confirmations() == 2 && shard.confirmations() == 2 &&
                channel.isActive() && shard.isActive(), "both subscriptions confirmed again after the heal");
            System.out.printf("resp3=%s: blackholed subscriber given up after %d ms (interval %d ms + timeout %d ms);" +
                " resubscribed %.1f ms after the heal (%d connections accepted)%n", resp3, noticedMs,
                PING_INTERVAL.toMillis(), TIMEOUT.toMillis(), (channel.confirmedAtNanos() - healedAt) / 1e6,
                proxy.acceptedConnections());
            assertThat(noticedMs).as("ms from the blackhole to giving the subscriber connection up")
                .isLessThan(PING_INTERVAL.plus(TIMEOUT).plus(SLACK).toMillis());

            redis.call("PUBLISH", "live", "after");
            redis.call("SPUBLISH", "{l}live", "shard-after");
            Await.until(WAIT, () -> received.contains("after") && received.contains("shard-after"),
                "messages published after the resubscription");
            assertThat(received).as("nothing twice; what was published while unsubscribed is lost")
                .containsExactly("before", "after", "shard-after");
            assertThat(errors).as("the loss is reported").anyMatch(error ->
                String.valueOf(error.getMessage()).contains("PING unanswered"));
            assertThat(errors).as("no PING reply taken for an error").noneMatch(error ->
                String.valueOf(error.getMessage()).contains("expected PONG") ||
                String.valueOf(error.getMessage()).contains("expected a confirmation"));
        }
    }

    /** PING calls the server has executed so far ({@code INFO commandstats}). */
    private static long pings(final LocalRedisServer redis)
    {
        final String stats = String.valueOf(redis.call("INFO", "commandstats"));
        final int at = stats.indexOf("cmdstat_ping:calls=");
        if (at < 0)
        {
            return 0;
        }
        final int from = at + "cmdstat_ping:calls=".length();
        int to = from;
        while (to < stats.length() && Character.isDigit(stats.charAt(to)))
        {
            to++;
        }
        return Long.parseLong(stats.substring(from, to));
    }
}
