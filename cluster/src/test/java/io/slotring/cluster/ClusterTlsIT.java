package io.slotring.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.slotring.engine.ClientMetrics;
import io.slotring.engine.MessageHandler;
import io.slotring.engine.RedisConnectionException;
import io.slotring.engine.Subscription;
import io.slotring.engine.TlsSettings;
import io.slotring.launcher.Await;
import io.slotring.launcher.LocalRedisCluster;
import io.slotring.launcher.RedisNodeHandle;
import io.slotring.launcher.TlsMaterial;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * TLS on a real cluster ({@code tls-cluster yes}, {@code tls-replication yes}, a throwaway CA): the client learns
 * every node's TLS port from {@code CLUSTER SHARDS} (which reports {@code port} and {@code tls-port} alike) and
 * never dials a plain-text port; reads from replicas, sharded pub/sub, a MOVED after a slot moved, and a failover
 * all stay on TLS; a seed signed by another CA fails with the reason.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterTlsIT
{
    private static final Duration WAIT = Duration.ofSeconds(20);

    private static LocalRedisCluster cluster;

    @BeforeAll
    static void start()
    {
        cluster = LocalRedisCluster.builder().masters(3).replicasPerMaster(1).nodeTimeoutMillis(2_000).tls().start();
    }

    @AfterAll
    static void stop()
    {
        if (cluster != null)
        {
            cluster.close();
        }
    }

    private static ClusterConfig config()
    {
        return ClusterConfig.create().seeds(cluster.tlsSeeds())
            .tls(TlsSettings.builder().trustCertificates(cluster.tlsMaterial().caCertificate()).build())
            .commandTimeout(Duration.ofSeconds(5)).connectTimeout(Duration.ofSeconds(3));
    }

    private static Set<Integer> tlsPorts()
    {
        final Set<Integer> ports = new HashSet<>();
        for (final RedisNodeHandle node : cluster.nodes())
        {
            ports.add(node.tlsPort());
        }
        return ports;
    }

    private static void assertOnlyTlsPortsDialled(final ClientMetrics metrics)
    {
        final Set<Integer> tls = tlsPorts();
        assertThat(metrics.nodes()).isNotEmpty();
        for (final ClientMetrics.Node node : metrics.nodes())
        {
            final int port = Integer.parseInt(node.address().substring(node.address().lastIndexOf(':') + 1));
            assertThat(tls).as("node %s is dialled at a TLS port", node.address()).contains(port);
        }
    }

    @Test
    @Order(1)
    void commandsOnEveryMasterAndReadsFromReplicasUseTheTlsPorts() throws Exception
    {
        try (ClusterClient client = ClusterClient.connect(config().readFrom(ReadFrom.REPLICA_PREFERRED)))
        {
            final int count = 1_000;
            final List<CompletableFuture<String>> writes = new ArrayList<>(count);
            for (int i = 0; i < count; i++)
            {
                writes.add(client.async().set("tls:" + i, "v" + i));
            }
            for (final CompletableFuture<String> write : writes)
            {
                assertThat(write.get(10, TimeUnit.SECONDS)).isEqualTo("OK");
            }
            // Replicas serve reads once they report themselves online (replication runs over TLS too).
            Await.until(WAIT, () ->
            {
                client.refreshTopology();
                return "v7".equals(client.sync().get("tls:7")) && replicaCommands(client.metrics()) > 0;
            }, "reads served by a replica over TLS");
            for (int i = 0; i < count; i++)
            {
                assertThat(client.sync().get("tls:" + i)).isEqualTo("v" + i);
            }
            assertOnlyTlsPortsDialled(client.metrics());
        }
    }

    private static long replicaCommands(final ClientMetrics metrics)
    {
        long commands = 0;
        for (final ClientMetrics.Node node : metrics.nodes())
        {
            if (node.replica())
            {
                commands += node.counters().commands();
            }
        }
        return commands;
    }

    @Test
    @Order(2)
    void shardedPubSubAndAMovedSlotStayOnTls() throws Exception
    {
        try (ClusterClient client = ClusterClient.connect(config()))
        {
            final List<String> received = new CopyOnWriteArrayList<>();
            try (Subscription subscription = client.ssubscribe("{tls-ch}orders",
                MessageHandler.ofStrings((channel, message) -> received.add(message))))
            {
                assertThat(subscription.awaitActive(WAIT)).isTrue();
                for (int i = 0; i < 200; i++)
                {
                    client.async().execute("SPUBLISH", "{tls-ch}orders", "m" + i);
                }
                // Redis writes each message as its own TLS record: hundreds wait in the subscriber's TLS buffer.
                Await.until(WAIT, () -> received.size() >= 200, "200 sharded messages over TLS");
            }

            final String key = "tls:moving";
            client.sync().set(key, "here");
            final int slot = LocalRedisCluster.slotOf(key);
            final RedisNodeHandle owner = cluster.nodeForSlot(slot);
            RedisNodeHandle target = null;
            for (final RedisNodeHandle master : cluster.masters())
            {
                if (!master.equals(owner))
                {
                    target = master;
                    break;
                }
            }
            cluster.moveSlot(slot, target);
            // The client's table still names the old owner: its MOVED names the new one's TLS port.
            assertThat(client.sync().get(key)).isEqualTo("here");
            assertThat(client.metrics().total().moved()).isGreaterThanOrEqualTo(1L);
            assertOnlyTlsPortsDialled(client.metrics());
        }
    }

    @Test
    @Order(3)
    void aFailoverPromotesAReplicaTheClientReachesOverTls() throws Exception
    {
        try (ClusterClient client = ClusterClient.connect(config()))
        {
            final String key = "tls:failover";
            client.sync().set(key, "before");
            final RedisNodeHandle master = cluster.nodeForKey(key);
            final RedisNodeHandle replica = cluster.replicasOf(master).get(0);
            // The write reached the replica (replication runs over TLS): the takeover loses nothing.
            assertThat(((Number)cluster.call(master, "WAIT", "1", "5000")).longValue()).isEqualTo(1L);
            cluster.failoverTakeover(replica);
            assertThat(Await.succeeds(WAIT, () -> client.sync().set(key, "after"), "a write to the new master"))
                .isEqualTo("OK");
            assertThat(client.sync().get(key)).isEqualTo("after");
            final String promoted = replica.host() + ':' + replica.tlsPort();
            assertThat(client.metrics().node(promoted)).as("the promoted replica, at its TLS port").isNotNull();
            assertThat(client.metrics().node(promoted).counters().commands()).isGreaterThan(0L);

            // A sharded channel in a slot the promoted replica now owns: subscribed and served there, over TLS.
            final String channel = "{" + key + "}events";
            final List<String> received = new CopyOnWriteArrayList<>();
            try (Subscription subscription = client.ssubscribe(channel,
                MessageHandler.ofStrings((name, message) -> received.add(message))))
            {
                assertThat(subscription.awaitActive(WAIT)).isTrue();
                for (int i = 0; i < 100; i++)
                {
                    client.async().execute("SPUBLISH", channel, "f" + i);
                }
                Await.until(WAIT, () -> received.size() >= 100, "100 sharded messages from the promoted replica");
            }
            assertOnlyTlsPortsDialled(client.metrics());
        }
    }

    @Test
    @Order(4)
    void seedsSignedByAnotherCaAreRefusedWithTheReason()
    {
        final TlsMaterial other = TlsMaterial.generate();
        final ClusterConfig config = ClusterConfig.create().seeds(cluster.tlsSeeds())
            .tls(TlsSettings.builder().trustCertificates(other.caCertificate()).build())
            .connectTimeout(Duration.ofSeconds(2));
        assertThatThrownBy(() -> ClusterClient.connect(config).close())
            .hasMessageContaining("TLS handshake")
            .hasMessageContaining("certification path")
            .isInstanceOfAny(RedisConnectionException.class, ClusterRoutingException.class,
                IllegalStateException.class);
    }
}
