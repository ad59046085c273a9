package io.slotring.jmh.engine;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.slotring.engine.Batch;
import io.slotring.engine.ClientConfig;
import io.slotring.engine.RedisClient;
import io.slotring.engine.Script;
import io.slotring.launcher.LocalRedisServer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Zero-copy {@link Script} round trips against a real redis-server: {@code EVALSHA} of a script reading a 512-byte
 * value, 64 per batch ({@link Script.ZeroCopy#eval(Batch, long, int, Object...)}). The set-up flushes the script
 * cache, so the first calls take the {@code NOSCRIPT} to {@code EVAL} fallback; the measured steady state is
 * EVALSHA alone. Run with {@code -prof gc}: ~0 B/op means the runner's entry table, the reused command arrays
 * and the engine allocate nothing per call (the async style allocates a future and its stages per call).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ScriptRoundTripBenchmark
{
    static final int BATCH = 64;
    static final int KEYS = 1024;
    static final Script GET = Script.of("return redis.call('GET', KEYS[1])");

    private LocalRedisServer server;
    private RedisClient client;
    private Batch batch;
    private Script.ZeroCopy calls;
    /** One reused {@code keysThenArgs} array per key: its element stays unchanged while its call is in flight. */
    private Object[][] keyArgs;
    private final CountingSink sink = new CountingSink();
    private int next;

    @Setup(Level.Trial)
    public void setUp()
    {
        server = LocalRedisServer.builder().start();
        client = RedisClient.connect(ClientConfig.create().address(server.host(), server.port()));
        batch = client.newBatch(sink);
        final byte[][] keys = KeyValues.keys(KEYS, 512);
        final byte[][] values = KeyValues.values(KEYS, 512);
        keyArgs = new Object[KEYS][];
        for (int i = 0; i < KEYS; i++)
        {
            client.set(keys[i], values[i], batch, i);
            keyArgs[i] = new Object[] {keys[i]};
        }
        batch.await(30, TimeUnit.SECONDS);
        client.sync().execute("SCRIPT", "FLUSH");
        calls = GET.zeroCopy(client);
    }

    @TearDown(Level.Trial)
    public void tearDown()
    {
        client.close();
        server.close();
        sink.requireNoFailures();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long evalshaBatchOf64()
    {
        for (int i = 0; i < BATCH; i++)
        {
            calls.eval(batch, i, 1, keyArgs[next++ & (KEYS - 1)]);
        }
        batch.await(10, TimeUnit.SECONDS);
        return sink.bytes();
    }

    /** Baseline: the async style ({@link Script#evalAsync}), a future and its fallback stage per call. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public Object evalAsyncBatchOf64()
    {
        final CompletableFuture<?>[] replies = pending;
        for (int i = 0; i < BATCH; i++)
        {
            replies[i] = GET.evalAsync(client, keyArgs[next++ & (KEYS - 1)]);
        }
        Object last = null;
        for (int i = 0; i < BATCH; i++)
        {
            last = replies[i].join();
        }
        return last;
    }

    private final CompletableFuture<?>[] pending = new CompletableFuture<?>[BATCH];
}
