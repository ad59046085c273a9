package io.slotring.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.HdrHistogram.Histogram;

/**
 * The figures of one client, op and round. Filled by {@link Measurement} or {@link RedisBenchmarkRunner}; a
 * figure a client cannot give (allocation of a C process) stays null and is written as JSON null.
 */
public final class RunResult
{
    /** Round number of the unmeasured priming pass. */
    public static final int PRIME_ROUND = 0;

    /** Percentiles drawn in the report's plot and listed in its tables: 50 .. 99.99. */
    static final double[] CURVE_PERCENTILES = {
        50, 60, 70, 75, 80, 85, 90, 92.5, 95, 96, 97, 98, 98.5, 99, 99.25, 99.5, 99.6, 99.7, 99.8, 99.9, 99.95,
        99.97, 99.99 };

    /** The client's name; under {@code --compare-tls} a TLS run is relabelled {@code <client>+tls}. */
    public String client;
    public final Op op;
    public final int round;
    public long totalOps;
    public double durationSec;
    public double opsPerSec;
    public Double cpuUsPerOp;
    public Double allocBytesPerOp;
    /** Context switches of the whole JVM (or the C process) per op; null where the OS does not say. */
    public Double csPerOp;
    public Double p50Us;
    public Double p99Us;
    public Double p999Us;
    public Double p9999Us;
    public Double maxUs;
    public String latencyKind;
    public long mismatches;
    public long errors;
    public String error;
    public String firstMismatch;
    public long gcCount;
    public long gcMillis;
    public long[] warmupSeries = new long[0];
    public long[] measuredSeries = new long[0];
    public Map<String, Object> clientConfig = new LinkedHashMap<>();
    public Map<String, Object> config = new LinkedHashMap<>();
    /** (percentile, microseconds) points, ascending; empty when the client gave no latency. */
    public List<double[]> curve = new ArrayList<>();
    /** Latency in nanoseconds; null for redis-benchmark, which only prints its own percentiles. */
    public Histogram histogram;
    public Double hitRatio;
    public String note;
    /** {@link Op#PUBSUB} only: messages whose SPUBLISH succeeded, and messages the subscribers received. */
    public Long published;
    public Long delivered;
    /** Whether the client talked TLS to the cluster ({@code --tls}, or the TLS half of {@code --compare-tls}). */
    public boolean tls;

    public RunResult(final String client, final Op op, final int round)
    {
        this.client = client;
        this.op = op;
        this.round = round;
    }

    public boolean failed()
    {
        return error != null || errors > 0 || mismatches > 0;
    }

    /** Fills the percentile fields and the curve from {@link #histogram} (nanoseconds). */
    public void percentilesFromHistogram()
    {
        if (histogram == null || histogram.getTotalCount() == 0)
        {
            return;
        }
        p50Us = micros(histogram.getValueAtPercentile(50));
        p99Us = micros(histogram.getValueAtPercentile(99));
        p999Us = micros(histogram.getValueAtPercentile(99.9));
        p9999Us = micros(histogram.getValueAtPercentile(99.99));
        maxUs = micros(histogram.getMaxValue());
        curve = curveOf(histogram);
    }

    public static List<double[]> curveOf(final Histogram histogram)
    {
        final List<double[]> points = new ArrayList<>();
        for (final double percentile : CURVE_PERCENTILES)
        {
            points.add(new double[] { percentile, micros(histogram.getValueAtPercentile(percentile)) });
        }
        return points;
    }

    private static double micros(final long nanos)
    {
        return nanos / 1000.0;
    }

    public Map<String, Object> toJson()
    {
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("client", client);
        out.put("op", op.label());
        out.put("round", round);
        out.put("tls", tls);
        out.put("ops_per_sec", round1(opsPerSec));
        out.put("total_ops", totalOps);
        out.put("duration_sec", round3(durationSec));
        out.put("cpu_us_per_op", cpuUsPerOp == null ? null : round3(cpuUsPerOp));
        out.put("alloc_bytes_per_op", allocBytesPerOp == null ? null : round1(allocBytesPerOp));
        out.put("cs_per_op", csPerOp == null ? null : round3(csPerOp));
        out.put("p50_us", p50Us == null ? null : round1(p50Us));
        out.put("p99_us", p99Us == null ? null : round1(p99Us));
        out.put("p999_us", p999Us == null ? null : round1(p999Us));
        out.put("p9999_us", p9999Us == null ? null : round1(p9999Us));
        out.put("max_us", maxUs == null ? null : round1(maxUs));
        out.put("latency", latencyKind);
        out.put("mismatches", mismatches);
        out.put("errors", errors);
        out.put("error", error);
        out.put("gc_count", gcCount);
        out.put("gc_ms", gcMillis);
        out.put("hit_ratio", hitRatio);
        if (published != null)
        {
            out.put("published", published);
            out.put("delivered", delivered);
            out.put("lost", published - delivered);
        }
        out.put("warmup_series", warmupSeries);
        out.put("measured_series", measuredSeries);
        final Map<String, Object> fullConfig = new LinkedHashMap<>(config);
        fullConfig.put("client", clientConfig);
        if (note != null)
        {
            fullConfig.put("note", note);
        }
        out.put("config", fullConfig);
        return out;
    }

    private static double round1(final double value)
    {
        return Math.round(value * 10.0) / 10.0;
    }

    private static double round3(final double value)
    {
        return Math.round(value * 1000.0) / 1000.0;
    }
}
