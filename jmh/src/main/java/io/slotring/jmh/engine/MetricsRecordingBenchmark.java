package io.slotring.jmh.engine;

import java.util.concurrent.TimeUnit;

import io.slotring.engine.internal.ConnectionCounters;
import io.slotring.engine.internal.MetricsHub;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What metrics add to each completed command, on the thread that completes it: exactly the work of
 * {@code NodeConnection.recordReply} (the reply counter, the family by identity of the command name, one
 * {@code Recorder.recordValue}) plus the byte counters of one write and one read, against the same loop without
 * them. Latencies vary over a spread of values so the histogram's buckets are not one hot line. Run with
 * {@code bin/bench jmh MetricsRecordingBenchmark -prof gc}: the {@code gc.alloc.rate.norm} of every method is the
 * recording side's allocation (0 B/op expected).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class MetricsRecordingBenchmark
{
    private static final int SPREAD = 1024;
    private static final long COMMAND_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(5);

    private final long[] latencies = new long[SPREAD];
    private MetricsHub hub;
    private ConnectionCounters counters;
    /** The slot's name: a constant for the zero-copy API, as there. */
    private String commandName;
    private String lastFamilyName;
    private int lastFamily;
    private int index;

    /** Fresh hub and counters; latencies spread over 20 us .. 2 ms. */
    @Setup
    public void setUp()
    {
        hub = new MetricsHub();
        counters = hub.register("127.0.0.1:6379", "127.0.0.1:6379#0", false);
        commandName = "GET";
        for (int i = 0; i < SPREAD; i++)
        {
            latencies[i] = 20_000L + (i * 1_953L);
        }
    }

    private long nextLatency()
    {
        final int i = index++ & (SPREAD - 1);
        return latencies[i];
    }

    /**
     * The loop's own cost (the latency fetch and the deadline arithmetic), nothing recorded.
     *
     * @return the latency, so the work is not eliminated.
     */
    @Benchmark
    public long baseline()
    {
        final long deadlineNs = nextLatency() + COMMAND_TIMEOUT_NS;
        return deadlineNs - COMMAND_TIMEOUT_NS;
    }

    /**
     * The counters only: one reply, one write and one read.
     *
     * @return the latency.
     */
    @Benchmark
    public long countersOnly()
    {
        final long deadlineNs = nextLatency() + COMMAND_TIMEOUT_NS;
        counters.onReply(false);
        counters.onWritten(31);
        counters.onRead(12);
        return deadlineNs - COMMAND_TIMEOUT_NS;
    }

    /**
     * The histogram only: one {@code Recorder.recordValue}.
     *
     * @return the latency.
     */
    @Benchmark
    public long recordOnly()
    {
        final long latency = nextLatency() + COMMAND_TIMEOUT_NS - COMMAND_TIMEOUT_NS;
        hub.record(0, latency);
        return latency;
    }

    /**
     * Everything a completed command adds: counters, family lookup by identity, the histogram.
     *
     * @return the latency.
     */
    @Benchmark
    public long everything()
    {
        final long deadlineNs = nextLatency() + COMMAND_TIMEOUT_NS;
        counters.onWritten(31);
        counters.onRead(12);
        counters.onReply(false);
        final String name = commandName;
        if (name != lastFamilyName)
        {
            lastFamily = MetricsHub.family(name);
            lastFamilyName = name;
        }
        final long latency = deadlineNs - COMMAND_TIMEOUT_NS;
        hub.record(lastFamily, latency);
        return latency;
    }

    /**
     * The generic (async/sync {@code Object...}) path: a fresh name string per command, so the family comes from the
     * command table's hash lookup each time.
     *
     * @return the latency.
     */
    @Benchmark
    public long everythingWithTableLookup()
    {
        final long deadlineNs = nextLatency() + COMMAND_TIMEOUT_NS;
        counters.onWritten(31);
        counters.onRead(12);
        counters.onReply(false);
        final int family = MetricsHub.family(commandName);
        final long latency = deadlineNs - COMMAND_TIMEOUT_NS;
        hub.record(family, latency);
        return latency;
    }
}
