package io.slotring.jmh.engine;

import java.util.concurrent.TimeUnit;

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
 * path allocates nothing per command. {@code -p tls=true} runs the same over TLS (the server's {@code tls-port},
 * a throwaway CA): the JDK's {@code SSLEngine} allocates a result object per wrap and unwrap, which shows here.
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

    @Param({"false"})
    public boolean tls;

    @Setup(Level.Trial)
    public void setUp()
    {
        if (tls)
        {
            server = LocalRedisServer.builder().tls().start();
            client = RedisClient.connect(ClientConfig.create().address(server.host(), server.tlsPort()).tls(
                TlsSettings.builder().trustCertificates(server.tlsMaterial().caCertificate()).build()));
        }
        else
        {
            server = LocalRedisServer.builder().start();
            client = RedisClient.connect(ClientConfig.create().address(server.host(), server.port()));
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
