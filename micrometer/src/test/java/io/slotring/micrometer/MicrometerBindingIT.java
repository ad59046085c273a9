package io.slotring.micrometer;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.slotring.cluster.ClusterClient;
import io.slotring.cluster.ClusterConfig;
import io.slotring.engine.ClientConfig;
import io.slotring.engine.RedisClient;
import io.slotring.launcher.Await;
import io.slotring.launcher.LocalRedisCluster;
import io.slotring.launcher.LocalRedisServer;
import io.slotring.launcher.LocalServer;
import io.slotring.launcher.RedisNodeHandle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link SlotringMeterBinder} against real servers: a standalone server (the class's {@code @LocalServer}) and a
 * 3-master cluster. After N commands the registry shows N commands, bytes both ways, N latencies and one series per
 * node; after the client closed, every meter still reads without throwing.
 */
@LocalServer
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MicrometerBindingIT
{
    private static final int N = 200;
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static double counter(final MeterRegistry registry, final String name, final String... tags)
    {
        final FunctionCounter counter = registry.find(name).tags(tags).functionCounter();
        return counter == null ? Double.NaN : counter.count();
    }

    private static long latencyCount(final MeterRegistry registry, final String family)
    {
        return (long)registry.get("slotring.command.latency").tag("family", family).functionTimer().count();
    }

    private static void scrapeAll(final MeterRegistry registry)
    {
        for (final Meter meter : registry.getMeters())
        {
            meter.measure().forEach(measurement -> measurement.getValue());
        }
    }

    @Test
    void standaloneClientCountsCommandsBytesAndLatency(final LocalRedisServer redis)
    {
        final SimpleMeterRegistry registry = new SimpleMeterRegistry();
        final String address = redis.host() + ':' + redis.port();
        final SlotringMeterBinder binder;
        try (RedisClient client = RedisClient.connect(ClientConfig.create().address(redis.host(), redis.port())))
        {
            binder = SlotringMeterBinder.bind(client, registry, Tags.of("client", "standalone"));
            assertThat(counter(registry, "slotring.node.commands", "node", address, "role", "master")).isZero();
            assertThat(counter(registry, "slotring.connects")).isEqualTo(1);
            for (int i = 0; i < N / 2; i++)
            {
                client.sync().set("mm:" + i, "v" + i);
                assertThat(client.sync().get("mm:" + i)).isEqualTo("v" + i);
            }
            // The binder reuses a snapshot for up to a second: the counts show at the next one.
            Await.until(WAIT, () -> counter(registry, "slotring.commands") == N, "N commands in the registry");
            assertThat(counter(registry, "slotring.node.commands", "node", address, "role", "master")).isEqualTo(N);
            assertThat(counter(registry, "slotring.bytes.written", "client", "standalone")).isPositive();
            assertThat(counter(registry, "slotring.bytes.read")).isPositive();
            assertThat(counter(registry, "slotring.node.bytes.read", "node", address)).isPositive();
            assertThat(counter(registry, "slotring.error.replies")).isZero();
            assertThat(counter(registry, "slotring.redirects", "type", "moved")).isZero();
            assertThat(counter(registry, "slotring.topology.refreshes")).isZero();
            assertThat(latencyCount(registry, "read")).isEqualTo(N / 2);
            assertThat(latencyCount(registry, "write")).isEqualTo(N / 2);
            assertThat(registry.get("slotring.command.latency").tag("family", "read").functionTimer()
                .mean(TimeUnit.NANOSECONDS)).isPositive();
            assertThat(registry.get("slotring.node.connections").tag("node", address).gauge().value()).isEqualTo(1);
        }
        // Closed: the node's meters go at the next snapshot, the totals stay, nothing throws.
        Await.until(WAIT, () ->
        {
            scrapeAll(registry);
            return registry.find("slotring.node.commands").meters().isEmpty();
        }, "the closed client's node meters removed");
        assertThat(counter(registry, "slotring.commands")).isEqualTo(N);
        assertThat(registry.get("slotring.nodes").gauge().value()).isZero();
        binder.close();
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void clusterClientHasOneSeriesPerNode() throws Exception
    {
        final SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (LocalRedisCluster redis = LocalRedisCluster.builder().masters(3).replicasPerMaster(0).start())
        {
            final SlotringMeterBinder binder;
            try (ClusterClient client = ClusterClient.connect(ClusterConfig.create().seeds(redis.seeds())))
            {
                binder = SlotringMeterBinder.bind(client, registry, Tags.empty());
                final double before = counter(registry, "slotring.commands");
                for (int i = 0; i < N; i++)
                {
                    client.sync().set("cm:" + i, "v" + i);
                }
                Await.until(WAIT, () -> counter(registry, "slotring.commands") - before >= N,
                    "N commands in the registry");
                assertThat(counter(registry, "slotring.bytes.written")).isPositive();
                assertThat(latencyCount(registry, "write")).isGreaterThanOrEqualTo(N);
                assertThat(counter(registry, "slotring.topology.refreshes")).isPositive();
                double perNodeSum = 0;
                for (final RedisNodeHandle master : redis.masters())
                {
                    final double commands = counter(registry, "slotring.node.commands", "node", master.address(),
                        "role", "master");
                    assertThat(commands).as("commands on " + master.address()).isPositive();
                    perNodeSum += commands;
                }
                assertThat(perNodeSum).isEqualTo(counter(registry, "slotring.commands"));
                assertThat(registry.get("slotring.nodes").gauge().value()).isEqualTo(3);
            }
            Await.until(WAIT, () ->
            {
                scrapeAll(registry);
                return registry.find("slotring.node.commands").meters().isEmpty();
            }, "the closed client's node meters removed");
            scrapeAll(registry);
            assertThat(counter(registry, "slotring.commands")).isGreaterThanOrEqualTo(N);
            binder.close();
        }
    }
}
