package io.slotring.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Real redis-servers serving TLS next to plain text, reached over JDK {@link SSLSocket}s. */
class TlsLaunchIT
{
    private static final int TIMEOUT_MILLIS = 5000;

    @Test
    void standaloneServerAnswersOverTlsWithHostnameVerificationAndKeepsTlsAcrossRestart() throws Exception
    {
        TlsMaterial material = TlsMaterial.generate();
        try (LocalRedisServer redis = LocalRedisServer.builder().tls(material).start())
        {
            assertThat(redis.tlsMaterial()).isSameAs(material);
            int tlsPort = redis.tlsPort();
            assertThat(tlsPort).isPositive().isNotEqualTo(redis.port());
            assertThat(redis.call("PING")).as("plain port still open").isEqualTo("PONG");
            assertThat(redis.call("CONFIG", "GET", "tls-auth-clients")).isEqualTo(List.of("tls-auth-clients", "no"));
            try (AdminConnection tls = connect(material.clientContext(), tlsPort))
            {
                assertThat(tls.call(TIMEOUT_MILLIS, "PING")).isEqualTo("PONG");
                assertThat(tls.call(TIMEOUT_MILLIS, "SET", "k", "v")).isEqualTo("OK");
            }
            try (AdminConnection tls = connect(material.trustOnlyContext(), tlsPort))
            {
                assertThat(tls.call(TIMEOUT_MILLIS, "GET", "k")).as("no client certificate needed").isEqualTo("v");
            }
            redis.restart();
            assertThat(redis.tlsPort()).isEqualTo(tlsPort);
            try (AdminConnection tls = connect(material.clientContext(), tlsPort))
            {
                assertThat(tls.call(TIMEOUT_MILLIS, "PING")).isEqualTo("PONG");
            }
        }
    }

    @Test
    void clientTrustingAnotherCaFailsTheHandshake() throws Exception
    {
        TlsMaterial wrong = TlsMaterial.generate();
        try (LocalRedisServer redis = LocalRedisServer.builder().tls().start())
        {
            assertThat(redis.tlsMaterial().directory()).startsWith(redis.directory().getParent());
            assertThatThrownBy(() -> connect(wrong.clientContext(), redis.tlsPort()).close())
                    .isInstanceOf(SSLHandshakeException.class);
            try (AdminConnection tls = connect(redis.tlsMaterial().clientContext(), redis.tlsPort()))
            {
                assertThat(tls.call(TIMEOUT_MILLIS, "PING")).isEqualTo("PONG");
            }
        }
    }

    @Test
    void tlsAuthClientsRejectsAClientWithoutCertificateAndAcceptsOneWithIt() throws Exception
    {
        try (LocalRedisServer redis = LocalRedisServer.builder().tls().tlsAuthClients(true).start())
        {
            TlsMaterial material = redis.tlsMaterial();
            assertThat(redis.call("CONFIG", "GET", "tls-auth-clients")).isEqualTo(List.of("tls-auth-clients", "yes"));
            // TLS 1.3: the client's handshake may complete before the server checks the (absent) certificate,
            // then the server's alert surfaces on the first read.
            assertThatThrownBy(() ->
            {
                try (AdminConnection tls = connect(material.trustOnlyContext(), redis.tlsPort()))
                {
                    tls.call(TIMEOUT_MILLIS, "PING");
                }
            }).satisfies(e -> System.out.println("TLS client without certificate under tls-auth-clients yes: " + e))
                    .isInstanceOf(IOException.class);
            try (AdminConnection tls = connect(material.clientContext(), redis.tlsPort()))
            {
                assertThat(tls.call(TIMEOUT_MILLIS, "PING")).isEqualTo("PONG");
            }
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void tlsClusterFormsAnnouncesTlsPortsToTlsClientsMigratesAndFailsOver() throws Exception
    {
        try (LocalRedisCluster cluster = LocalRedisCluster.builder().masters(3).replicasPerMaster(1).tls().start())
        {
            TlsMaterial material = cluster.tlsMaterial();
            assertThat(material).isNotNull();
            for (RedisNodeHandle node : cluster.nodes())
            {
                assertThat(node.tlsPort()).isPositive().isNotEqualTo(node.port());
                assertThat(node.tlsAddress()).isEqualTo("127.0.0.1:" + node.tlsPort());
                assertThat(cluster.node(node.tlsPort())).isSameAs(node);
                assertThat(cluster.call(node, "CONFIG", "GET", "tls-cluster")).isEqualTo(List.of("tls-cluster", "yes"));
                assertThat(cluster.call(node, "CONFIG", "GET", "tls-replication"))
                        .isEqualTo(List.of("tls-replication", "yes"));
            }
            RedisNodeHandle master = cluster.masters().get(0);
            Map<Integer, RedisNodeHandle> byTlsPort = new LinkedHashMap<>();
            for (RedisNodeHandle node : cluster.nodes())
            {
                byTlsPort.put(node.tlsPort(), node);
            }
            try (AdminConnection tls = connect(material.clientContext(), master.tlsPort()))
            {
                List<Object> shards = (List<Object>) tls.call(TIMEOUT_MILLIS, "CLUSTER", "SHARDS");
                assertThat(shards).hasSize(3);
                for (Object shard : shards)
                {
                    Map<String, Object> fields = map((List<Object>) shard);
                    List<Object> shardNodes = (List<Object>) fields.get("nodes");
                    assertThat(shardNodes).hasSize(2);
                    for (Object n : shardNodes)
                    {
                        Map<String, Object> node = map((List<Object>) n);
                        System.out.println("CLUSTER SHARDS node over TLS: " + node);
                        RedisNodeHandle handle = cluster.node(Math.toIntExact((Long) node.get("tls-port")));
                        assertThat(node.get("id")).isEqualTo(handle.nodeId());
                        assertThat(node.get("tls-port")).isEqualTo((long) handle.tlsPort());
                        assertThat(node.get("port")).isEqualTo((long) handle.port());
                    }
                }
                List<Object> slots = (List<Object>) tls.call(TIMEOUT_MILLIS, "CLUSTER", "SLOTS");
                System.out.println("CLUSTER SLOTS over TLS: " + slots);
                assertThat(slots).hasSize(3);
                for (Object range : slots)
                {
                    List<Object> entry = (List<Object>) range;
                    for (Object n : entry.subList(2, entry.size()))
                    {
                        List<Object> node = (List<Object>) n;
                        int port = Math.toIntExact((Long) node.get(1));
                        assertThat(byTlsPort).as("CLUSTER SLOTS over TLS names TLS ports").containsKey(port);
                        assertThat(node.get(2)).isEqualTo(byTlsPort.get(port).nodeId());
                    }
                }
                String nodes = (String) tls.call(TIMEOUT_MILLIS, "CLUSTER", "NODES");
                assertThat(nodes).as("CLUSTER NODES over TLS names TLS ports")
                        .contains("127.0.0.1:" + master.tlsPort() + "@" + (master.tlsPort() + Ports.BUS_OFFSET));
                assertThat((String) cluster.call(master, "CLUSTER", "NODES")).as("and plain ports over plain text")
                        .contains("127.0.0.1:" + master.port() + "@" + (master.tlsPort() + Ports.BUS_OFFSET));
                String movedKey = keyNotOwnedBy(cluster, master);
                RedisNodeHandle owner = cluster.nodeForKey(movedKey);
                assertThatThrownBy(() -> tls.call(TIMEOUT_MILLIS, "GET", movedKey))
                        .isInstanceOf(RedisReplyError.class)
                        .hasMessageEndingWith(" " + owner.tlsAddress())
                        .satisfies(e -> System.out.println("MOVED over TLS: " + e.getMessage()));
                assertThatThrownBy(() -> cluster.call(master, "GET", movedKey))
                        .as("plain clients are redirected to plain ports")
                        .hasMessageEndingWith(" " + owner.address());

                // Redis 7.0 leaves a replica out of CLUSTER SLOTS while its replication offset is 0 ("loading"):
                // write to every shard, then the replicas show up, with their TLS ports.
                for (RedisNodeHandle m : cluster.masters())
                {
                    String key = keyOwnedBy(cluster, m);
                    cluster.call(m, "SET", key, "x");
                    cluster.call(m, "WAIT", "1", "5000");
                }
                List<Object> withReplicas = Await.succeeds(Duration.ofSeconds(20), () ->
                {
                    try
                    {
                        List<Object> reply = (List<Object>) tls.call(TIMEOUT_MILLIS, "CLUSTER", "SLOTS");
                        for (Object range : reply)
                        {
                            assertThat((List<Object>) range).hasSize(4);
                        }
                        return reply;
                    }
                    catch (IOException e)
                    {
                        throw new UncheckedIOException(e);
                    }
                }, "replicas listed in CLUSTER SLOTS");
                System.out.println("CLUSTER SLOTS over TLS, after writes: " + withReplicas);
                for (Object range : withReplicas)
                {
                    List<Object> replicaEntry = (List<Object>) ((List<Object>) range).get(3);
                    RedisNodeHandle replica = byTlsPort.get(Math.toIntExact((Long) replicaEntry.get(1)));
                    assertThat(replica).as("replica TLS port").isNotNull();
                    assertThat(replica.nodeId()).isEqualTo(replicaEntry.get(2));
                }
            }
            RedisNodeHandle someOwner = cluster.masters().get(0);
            List<Object> plainSlots = (List<Object>) cluster.call(someOwner, "CLUSTER", "SLOTS");
            System.out.println("CLUSTER SLOTS over plain text: " + plainSlots);
            for (Object range : plainSlots)
            {
                int port = Math.toIntExact((Long) ((List<Object>) ((List<Object>) range).get(2)).get(1));
                assertThat(cluster.node(port).port()).as("plain clients see plain ports").isEqualTo(port);
            }
            System.out.println("CLUSTER SHARDS over plain text: " + cluster.call(someOwner, "CLUSTER", "SHARDS"));

            // A new master keeps the TLS config; MIGRATE (TLS with tls-cluster) moves a key to it.
            RedisNodeHandle added = cluster.addMaster();
            assertThat(added.tlsPort()).isPositive();
            String key = "tls:migrated";
            int slot = LocalRedisCluster.slotOf(key);
            cluster.call(cluster.nodeForSlot(slot), "SET", key, "v");
            cluster.moveSlot(slot, added);
            assertThat(cluster.call(added, "GET", key)).isEqualTo("v");
            try (AdminConnection tls = connect(material.clientContext(), added.tlsPort()))
            {
                assertThat(tls.call(TIMEOUT_MILLIS, "GET", key)).isEqualTo("v");
            }

            // Failover with TLS replication: kill a master, its replica takes over; the restarted node rejoins
            // as a replica whose (TLS) link comes up.
            RedisNodeHandle victim = cluster.masters().get(1);
            RedisNodeHandle replica = cluster.replicasOf(victim).get(0);
            String victimKey = keyOwnedBy(cluster, victim);
            cluster.call(victim, "SET", victimKey, "before");
            cluster.call(victim, Duration.ofSeconds(5), "WAIT", "1", "5000");
            cluster.kill(victim);
            cluster.awaitClusterOk(Duration.ofSeconds(30));
            assertThat(replica.isMaster()).isTrue();
            try (AdminConnection tls = connect(material.clientContext(), replica.tlsPort()))
            {
                assertThat(tls.call(TIMEOUT_MILLIS, "GET", victimKey)).isEqualTo("before");
            }
            cluster.restart(victim);
            assertThat(victim.tlsPort()).isPositive();
            cluster.awaitClusterOk(Duration.ofSeconds(30));
            assertThat(victim.isMaster()).isFalse();
            assertThat(victim.masterId()).isEqualTo(replica.nodeId());
            String replication = (String) cluster.call(victim, "INFO", "replication");
            assertThat(Info.field(replication, "master_port")).as("replicates over the TLS port")
                    .isEqualTo(Integer.toString(replica.tlsPort()));
            assertThat(Info.field(replication, "master_link_status")).isEqualTo("up");
        }
    }

    /** The JUnit extension: {@code @LocalServer(tls = true)} generates material into the server's directory. */
    @Nested
    @LocalServer(tls = true, tlsAuthClients = true)
    class Extension
    {
        @Test
        void servesTlsWithGeneratedMaterial(LocalRedisServer redis) throws Exception
        {
            assertThat(redis.tlsPort()).isPositive();
            assertThat(redis.tlsMaterial().directory()).startsWith(redis.directory().getParent());
            assertThat(redis.call("CONFIG", "GET", "tls-auth-clients")).isEqualTo(List.of("tls-auth-clients", "yes"));
            try (AdminConnection tls = connect(redis.tlsMaterial().clientContext(), redis.tlsPort()))
            {
                assertThat(tls.call(TIMEOUT_MILLIS, "PING")).isEqualTo("PONG");
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** An SSLSocket to 127.0.0.1:port with hostname (here: IP SAN) verification, handshake done. */
    static AdminConnection connect(SSLContext context, int port) throws IOException
    {
        Socket plain = new Socket();
        try
        {
            plain.connect(new InetSocketAddress(RedisProcess.HOST, port), TIMEOUT_MILLIS);
            SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain, RedisProcess.HOST, port,
                    true);
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(parameters);
            socket.setSoTimeout(TIMEOUT_MILLIS);
            socket.startHandshake();
            return AdminConnection.over(socket);
        }
        catch (IOException | RuntimeException e)
        {
            plain.close();
            throw e;
        }
    }

    private static Map<String, Object> map(List<Object> flat)
    {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2)
        {
            map.put((String) flat.get(i), flat.get(i + 1));
        }
        return map;
    }

    private static String keyNotOwnedBy(LocalRedisCluster cluster, RedisNodeHandle node)
    {
        List<String> tried = new ArrayList<>();
        for (int i = 0; i < 1000; i++)
        {
            String key = "tls:key:" + i;
            if (!cluster.nodeForKey(key).equals(node))
            {
                return key;
            }
            tried.add(key);
        }
        throw new IllegalStateException("every key maps to " + node + ": " + tried.size());
    }

    private static String keyOwnedBy(LocalRedisCluster cluster, RedisNodeHandle node)
    {
        for (int i = 0; i < 1000; i++)
        {
            String key = "tls:owned:" + i;
            if (cluster.nodeForKey(key).equals(node))
            {
                return key;
            }
        }
        throw new IllegalStateException("no key maps to " + node);
    }
}
