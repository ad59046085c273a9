package io.slotring.bench.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

import io.slotring.bench.Op;
import io.slotring.bench.RunResult;
import org.HdrHistogram.Histogram;

/**
 * Medians over rounds for one client and op: the figure the report's tables show. The median, not the mean, so
 * one disturbed round does not move it.
 */
public final class Summary
{
    final String client;
    final Op op;
    final List<RunResult> rounds = new ArrayList<>();

    Summary(final String client, final Op op)
    {
        this.client = client;
        this.op = op;
    }

    static List<Summary> of(final List<RunResult> results, final List<String> clientOrder, final List<Op> ops)
    {
        final List<Summary> out = new ArrayList<>();
        for (final Op op : ops)
        {
            for (final String client : clientOrder)
            {
                final Summary summary = new Summary(client, op);
                for (final RunResult result : results)
                {
                    if (result.client.equals(client) && result.op == op)
                    {
                        summary.rounds.add(result);
                    }
                }
                if (!summary.rounds.isEmpty())
                {
                    out.add(summary);
                }
            }
        }
        return out;
    }

    static Summary find(final List<Summary> summaries, final String client, final Op op)
    {
        for (final Summary summary : summaries)
        {
            if (summary.client.equals(client) && summary.op == op)
            {
                return summary;
            }
        }
        return null;
    }

    private List<RunResult> measured()
    {
        final List<RunResult> out = new ArrayList<>();
        for (final RunResult result : rounds)
        {
            if (result.totalOps > 0)
            {
                out.add(result);
            }
        }
        return out;
    }

    Double opsPerSec()
    {
        return median(result -> result.totalOps > 0 ? result.opsPerSec : null);
    }

    Double cpuUsPerOp()
    {
        return median(result -> result.cpuUsPerOp);
    }

    Double allocBytesPerOp()
    {
        return median(result -> result.allocBytesPerOp);
    }

    Double csPerOp()
    {
        return median(result -> result.csPerOp);
    }

    Double p50Us()
    {
        return median(result -> result.p50Us);
    }

    Double p99Us()
    {
        return median(result -> result.p99Us);
    }

    Double p999Us()
    {
        return median(result -> result.p999Us);
    }

    Double p9999Us()
    {
        return median(result -> result.p9999Us);
    }

    Double hitRatio()
    {
        return median(result -> result.hitRatio);
    }

    long gcCount()
    {
        long total = 0;
        for (final RunResult result : rounds)
        {
            total += result.gcCount;
        }
        return total;
    }

    long gcMillis()
    {
        long total = 0;
        for (final RunResult result : rounds)
        {
            total += result.gcMillis;
        }
        return total;
    }

    long mismatches()
    {
        long total = 0;
        for (final RunResult result : rounds)
        {
            total += result.mismatches;
        }
        return total;
    }

    long errors()
    {
        long total = 0;
        for (final RunResult result : rounds)
        {
            total += result.errors + (result.error != null && result.errors == 0 ? 1 : 0);
        }
        return total;
    }

    String status()
    {
        final StringBuilder out = new StringBuilder();
        for (final RunResult result : rounds)
        {
            if (result.error != null)
            {
                out.append(out.length() > 0 ? "; " : "").append("r").append(result.round).append(": ")
                    .append(result.error);
            }
            if (result.mismatches > 0)
            {
                out.append(out.length() > 0 ? "; " : "").append("r").append(result.round).append(": ")
                    .append(result.mismatches).append(" mismatches (").append(result.firstMismatch).append(')');
            }
        }
        return out.length() == 0 ? "ok" : out.toString();
    }

    /**
     * @return (percentile, us) points for the plot: the rounds' histograms merged, else the first round that
     * has its own curve (redis-benchmark).
     */
    List<double[]> curve()
    {
        Histogram merged = null;
        for (final RunResult result : measured())
        {
            if (result.histogram != null && result.histogram.getTotalCount() > 0)
            {
                if (merged == null)
                {
                    merged = result.histogram.copy();
                }
                else
                {
                    merged.add(result.histogram);
                }
            }
        }
        if (merged != null)
        {
            return RunResult.curveOf(merged);
        }
        for (final RunResult result : measured())
        {
            if (!result.curve.isEmpty())
            {
                return result.curve;
            }
        }
        return List.of();
    }

    private Double median(final Function<RunResult, Double> figure)
    {
        final List<Double> values = new ArrayList<>();
        for (final RunResult result : measured())
        {
            final Double value = figure.apply(result);
            if (value != null && !value.isNaN())
            {
                values.add(value);
            }
        }
        return median(values);
    }

    static Double median(final List<Double> values)
    {
        if (values.isEmpty())
        {
            return null;
        }
        final double[] sorted = new double[values.size()];
        for (int i = 0; i < sorted.length; i++)
        {
            sorted[i] = values.get(i);
        }
        Arrays.sort(sorted);
        final int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    public static String fmt(final Double value, final int decimals)
    {
        if (value == null)
        {
            return "n/a";
        }
        return String.format(Locale.ROOT, "%,." + decimals + "f", value);
    }
}
