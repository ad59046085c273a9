package io.slotring.jmh.engine;

import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.slotring.engine.Batch;
import io.slotring.engine.ClientConfig;
import io.slotring.engine.RedisClient;
import io.slotring.engine.TlsSettings;
import io.slotring.launcher.LocalRedisServer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * End-to-end zero-copy round trips against a real redis-server started by the launcher: claim, encode in place,
 * publish, one gathering write per batch, zero-copy decode, FIFO completion. Run with {@code -prof gc}: the
 * allocation column covers every thread of the JVM, the client's I/O thread included, so ~0 B/op means the whole
 * path allocates nothing per command. {@code -p tls=jdk} runs the same over TLS (the server's {@code tls-port}, a
 * throwaway CA) with the JDK's {@code SSLEngine}, {@code -p tls=openssl} with Netty's BoringSSL engine.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RoundTripBenchmark
{
    private static final int BATCH = 64;
    private static final int KEYS = 1024;

    private LocalRedisServer server;
    private RedisClient client;
    private Batch batch;
    private byte[][] keys;
    private byte[][] values;
    private final CountingSink sink = new CountingSink();

    /** {@code off}: plain text; {@code jdk}: the JDK's SSLEngine; {@code openssl}: Netty's BoringSSL engine. */
    @Param({"off"})
    public String tls;

    @Setup(Level.Trial)
    public void setUp() throws Exception
    {
        if ("off".equals(tls))
        {
            server = LocalRedisServer.builder().start();
            client = RedisClient.connect(ClientConfig.create().address(server.host(), server.port()));
        }
        else
        {
            server = LocalRedisServer.builder().tls().start();
            client = RedisClient.connect(ClientConfig.create().address(server.host(), server.tlsPort())
                .tls(tlsSettings(tls, server.tlsMaterial().caCertificate().toFile())));
        }
        batch = client.newBatch(sink);
        keys = KeyValues.keys(KEYS, 512);
        values = KeyValues.values(KEYS, 512);
        for (int i = 0; i < KEYS; i++)
        {
            client.set(keys[i], values[i], batch, i);
        }
        batch.await(30, TimeUnit.SECONDS);
    }


    /** TLS with the JDK's engine, or with an OpenSSL (BoringSSL, netty-tcnative) engine from Netty. */
    static TlsSettings tlsSettings(final String kind, final java.io.File caPem) throws Exception
    {
        if ("jdk".equals(kind))
        {
            return TlsSettings.builder().trustCertificates(caPem.toPath()).build();
        }
        if (!"openssl".equals(kind))
        {
            throw new IllegalArgumentException("tls: expected off, jdk or openssl, got " + kind);
        }
        final SslContext openssl = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL)
            .trustManager(caPem).endpointIdentificationAlgorithm("HTTPS").build();
        return TlsSettings.ofEngines((host, port) -> openssl.newEngine(ByteBufAllocator.DEFAULT, host, port));
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        client.close();
        server.close();
        sink.requireNoFailures();
    }

    private int next;

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long getBatchOf64()
    {
        for (int i = 0; i < BATCH; i++)
        {
            client.get(keys[next++ & (KEYS - 1)], batch, i);
        }
        batch.await(10, TimeUnit.SECONDS);
        return sink.bytes();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long setBatchOf64()
    {
        for (int i = 0; i < BATCH; i++)
        {
            final int k = next++ & (KEYS - 1);
            client.set(keys[k], values[k], batch, i);
        }
        batch.await(10, TimeUnit.SECONDS);
        return sink.bytes();
    }
}
