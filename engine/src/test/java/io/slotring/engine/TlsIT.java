package io.slotring.engine;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.slotring.launcher.Await;
import io.slotring.launcher.LocalRedisServer;
import io.slotring.launcher.TlsMaterial;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * TLS against a real redis-server started with {@code --tls-port} and certificates from a throwaway CA: every API
 * style, replies that span many TLS records, pipelines that fill the TLS buffers, blocking commands and pub/sub on
 * their own connections, a reconnect after the server kills the connection, client certificates, and the errors a
 * user meets: an untrusted CA, a plain-text port.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TlsIT
{
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static LocalRedisServer redis;
    private static TlsMaterial material;

    @BeforeAll
    static void start()
    {
        redis = LocalRedisServer.builder().tls().start();
        material = redis.tlsMaterial();
    }

    @AfterAll
    static void stop()
    {
        if (redis != null)
        {
            redis.close();
        }
    }

    private static TlsSettings trustingTheCa()
    {
        return TlsSettings.builder().trustCertificates(material.caCertificate()).build();
    }

    private static ClientConfig config(final String host, final int port, final TlsSettings tls)
    {
        return ClientConfig.create().address(host, port).tls(tls).commandTimeout(Duration.ofSeconds(5))
            .connectTimeout(Duration.ofSeconds(3)).reconnectDelay(Duration.ofMillis(10), Duration.ofMillis(200));
    }

    @Test
    void everyStyleWorksOverTlsWithRepliesSpanningManyRecords() throws Exception
    {
        try (RedisClient client = RedisClient.connect(config("127.0.0.1", redis.tlsPort(), trustingTheCa())))
        {
            assertThat(client.sync().set("tls:a", "1")).isEqualTo("OK");
            assertThat(client.sync().get("tls:a")).isEqualTo("1");
            assertThat(client.async().incr("tls:n").get(5, TimeUnit.SECONDS)).isEqualTo(1L);

            // 1 MiB each way: 64 TLS records of 16 KiB, a receive buffer that grows while they land.
            final byte[] big = new byte[1 << 20];
            for (int i = 0; i < big.length; i++)
            {
                big[i] = (byte)('a' + i % 26);
            }
            assertThat(client.sync().set("tls:big".getBytes(StandardCharsets.US_ASCII), big)).isEqualTo("OK");
            assertThat(client.sync().get("tls:big".getBytes(StandardCharsets.US_ASCII))).isEqualTo(big);

            // Zero-copy: the reply view is handed to the handler straight from the unwrapped receive buffer.
            final CompletableFuture<String> seen = new CompletableFuture<>();
            final long token = client.get("tls:a", new ReplyHandler()
            {
                @Override
                public void onReply(final long t, final io.slotring.codec.RespReader reply)
                {
                    seen.complete(t + ":" + reply.stringValue());
                }

                @Override
                public void onFailure(final long t, final RedisException error)
                {
                    seen.completeExceptionally(error);
                }
            }, 7);
            assertThat(token).isGreaterThanOrEqualTo(0);
            assertThat(seen.get(5, TimeUnit.SECONDS)).isEqualTo("7:1");
        }
    }

    @Test
    void aPipelineLargerThanTheTlsBuffersKeepsEveryReplyInOrder() throws Exception
    {
        try (RedisClient client = RedisClient.connect(config("127.0.0.1", redis.tlsPort(), trustingTheCa())
            .connectionsPerNode(2)))
        {
            final int count = 20_000;
            final List<CompletableFuture<String>> writes = new ArrayList<>(count);
            for (int i = 0; i < count; i++)
            {
                writes.add(client.async().set("tls:p:" + i, "value-" + i + "-" + "x".repeat(i % 300)));
            }
            for (final CompletableFuture<String> write : writes)
            {
                assertThat(write.get(10, TimeUnit.SECONDS)).isEqualTo("OK");
            }
            final List<CompletableFuture<String>> reads = new ArrayList<>(count);
            for (int i = 0; i < count; i++)
            {
                reads.add(client.async().get("tls:p:" + i));
            }
            for (int i = 0; i < count; i++)
            {
                assertThat(reads.get(i).get(10, TimeUnit.SECONDS)).isEqualTo("value-" + i + "-" + "x".repeat(i % 300));
            }
        }
    }

    @Test
    void blockingCommandsAndPubSubUseTlsOnTheirOwnConnections() throws Exception
    {
        try (RedisClient client = RedisClient.connect(config("127.0.0.1", redis.tlsPort(), trustingTheCa())))
        {
            final CompletableFuture<List<String>> popped = client.async().blpop(Duration.ofSeconds(5), "tls:queue");
            client.sync().execute("RPUSH", "tls:queue", "job-1");
            assertThat(popped.get(10, TimeUnit.SECONDS)).containsExactly("tls:queue", "job-1");

            final List<String> received = new CopyOnWriteArrayList<>();
            try (Subscription subscription = client.subscribe("tls-news",
                MessageHandler.ofStrings((channel, message) -> received.add(message))))
            {
                assertThat(subscription.awaitActive(WAIT)).isTrue();
                for (int i = 0; i < 500; i++)
                {
                    client.async().execute("PUBLISH", "tls-news", "m" + i);
                }
                Await.until(WAIT, () -> received.size() >= 500, "500 messages over the TLS subscriber connection");
                final List<String> expected = new ArrayList<>();
                for (int i = 0; i < 500; i++)
                {
                    expected.add("m" + i);
                }
                assertThat(received).containsExactlyElementsOf(expected);
            }
        }
    }

    @Test
    void aConnectionTheServerKillsReconnectsOverTls() throws Exception
    {
        try (RedisClient client = RedisClient.connect(config("127.0.0.1", redis.tlsPort(), trustingTheCa())))
        {
            client.sync().set("tls:r", "before");
            final Object killed = redis.call("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
            assertThat(((Number)killed).longValue()).isGreaterThanOrEqualTo(1L);
            assertThat(Await.succeeds(WAIT, () -> client.sync().get("tls:r"), "a command after the reconnect"))
                .isEqualTo("before");
            assertThat(client.metrics().total().connects()).isGreaterThanOrEqualTo(2L);
        }
    }

    @Test
    void aHostNameIsVerifiedAndSentAsSni() throws Exception
    {
        // The server certificate names DNS:localhost: verification passes for that name, over a resolved address.
        try (RedisClient client = RedisClient.connect(config("localhost", redis.tlsPort(), trustingTheCa())))
        {
            assertThat(client.sync().execute("PING")).isEqualTo("PONG");
        }
        final var engine = trustingTheCa().createEngine("localhost", redis.tlsPort());
        assertThat(engine.getSSLParameters().getEndpointIdentificationAlgorithm()).isEqualTo("HTTPS");
        assertThat(engine.getSSLParameters().getServerNames()).hasSize(1);
        assertThat(trustingTheCa().createEngine("127.0.0.1", 1).getSSLParameters().getServerNames())
            .as("no SNI for an IP literal (RFC 6066)").isNullOrEmpty();
        assertThat(TlsSettings.builder().trustCertificates(material.caCertificate()).hostnameVerification(false)
            .build().createEngine("localhost", 1).getSSLParameters().getEndpointIdentificationAlgorithm())
            .isNullOrEmpty();
    }

    @Test
    void aNativeEngineFromAFactoryCarriesEveryStyle() throws Exception
    {
        // BoringSSL through Netty: engines whose gathering wrap makes a record per buffer, so TlsChannel stages a
        // batch into one record's plaintext first.
        final SslContext openssl = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL)
            .trustManager(material.caCertificate().toFile()).endpointIdentificationAlgorithm("HTTPS").build();
        final TlsSettings tls = TlsSettings.ofEngines((host, port) ->
            openssl.newEngine(ByteBufAllocator.DEFAULT, host, port));
        assertThat(tls.createEngine("127.0.0.1", redis.tlsPort()).getClass().getName()).contains("OpenSsl");
        try (RedisClient client = RedisClient.connect(config("127.0.0.1", redis.tlsPort(), tls).connectionsPerNode(2)))
        {
            final byte[] big = new byte[300_000];
            java.util.Arrays.fill(big, (byte)'n');
            assertThat(client.sync().set("tls:native".getBytes(StandardCharsets.US_ASCII), big)).isEqualTo("OK");
            assertThat(client.sync().get("tls:native".getBytes(StandardCharsets.US_ASCII))).isEqualTo(big);
            final List<CompletableFuture<String>> writes = new ArrayList<>();
            for (int i = 0; i < 5_000; i++)
            {
                writes.add(client.async().set("tls:n:" + i, "v" + i));
            }
            for (final CompletableFuture<String> write : writes)
            {
                assertThat(write.get(10, TimeUnit.SECONDS)).isEqualTo("OK");
            }
            for (int i = 0; i < 5_000; i += 97)
            {
                assertThat(client.sync().get("tls:n:" + i)).isEqualTo("v" + i);
            }
        }
        final SslContext untrusting = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL)
            .trustManager(TlsMaterial.generate().caCertificate().toFile()).build();
        assertThatThrownBy(() -> RedisClient.connect(config("127.0.0.1", redis.tlsPort(),
            TlsSettings.ofEngines((host, port) -> untrusting.newEngine(ByteBufAllocator.DEFAULT, host, port))))
            .close())
            .isInstanceOf(RedisConnectionException.class)
            .hasMessageContaining("TLS handshake with 127.0.0.1:" + redis.tlsPort() + " failed");
        assertThatThrownBy(() -> TlsSettings.ofEngines((host, port) ->
        {
            final javax.net.ssl.SSLEngine server = openssl.newEngine(ByteBufAllocator.DEFAULT);
            return server.getUseClientMode() ? null : server;
        }).createEngine("h", 1)).isInstanceOf(IllegalStateException.class).hasMessageContaining("client-mode");
    }

    @Test
    void aServerSignedByAnotherCaIsRefusedWithTheReason() throws Exception
    {
        final TlsMaterial other = TlsMaterial.generate();
        final TlsSettings wrong = TlsSettings.builder().trustCertificates(other.caCertificate()).build();
        final long started = System.nanoTime();
        assertThatThrownBy(() -> RedisClient.connect(config("127.0.0.1", redis.tlsPort(), wrong)).close())
            .isInstanceOf(RedisConnectionException.class)
            .hasMessageContaining("TLS handshake with 127.0.0.1:" + redis.tlsPort() + " failed")
            .hasMessageContaining("certification path");
        assertThat(Duration.ofNanos(System.nanoTime() - started))
            .as("refused at once, like a wrong password, not after the connect timeout").isLessThan(WAIT);
    }

    @Test
    void tlsToAPlainTextPortSaysSo()
    {
        assertThatThrownBy(() -> RedisClient.connect(config("127.0.0.1", redis.port(), trustingTheCa())
            .connectTimeout(Duration.ofMillis(500))).close())
            .isInstanceOf(RedisConnectionException.class)
            .hasMessageContaining("tls-port");
    }

    @Test
    void clientCertificatesAreSentWhenTheServerRequiresThem() throws Exception
    {
        try (LocalRedisServer strict = LocalRedisServer.builder().tls(material).tlsAuthClients(true).start())
        {
            final TlsSettings withCertificate = TlsSettings.builder().trustCertificates(material.caCertificate())
                .keyCertificate(material.clientCertificate(), material.clientKey()).build();
            try (RedisClient client = RedisClient.connect(config("127.0.0.1", strict.tlsPort(), withCertificate)))
            {
                assertThat(client.sync().execute("PING")).isEqualTo("PONG");
            }
            final TlsSettings fromStores = TlsSettings.builder()
                .trustStore(material.trustStore(), material.storePassword())
                .keyStore(material.clientKeyStore(), material.storePassword()).build();
            try (RedisClient client = RedisClient.connect(config("127.0.0.1", strict.tlsPort(), fromStores)))
            {
                assertThat(client.sync().execute("PING")).isEqualTo("PONG");
            }
            assertThatThrownBy(() -> RedisClient.connect(config("127.0.0.1", strict.tlsPort(), trustingTheCa())
                .connectTimeout(Duration.ofSeconds(1))).close())
                .as("no client certificate: the server ends the handshake")
                .isInstanceOf(RedisConnectionException.class);
        }
    }

    @Test
    void badTrustMaterialIsRejectedBeforeAnythingConnects()
    {
        assertThatThrownBy(() -> TlsSettings.builder().trustCertificates(material.serverKey()).build())
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("expected PEM certificates in " + material.serverKey());
        assertThatThrownBy(() -> TlsSettings.builder().keyCertificate(material.clientCertificate(),
            material.caCertificate()).build())
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("PKCS#8");
        assertThatThrownBy(() -> TlsSettings.builder().trustCertificates(material.caCertificate())
            .trustStore(material.trustStore(), material.storePassword()).build())
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("expected one source of trust");
        assertThat(trustingTheCa().toString()).contains("hostnameVerification=true").doesNotContain("password");
    }
}
