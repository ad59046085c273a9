package io.slotring.bench.report;

import java.util.ArrayList;
import java.util.List;

import io.slotring.bench.BenchSettings;
import io.slotring.bench.Op;
import io.slotring.bench.RunResult;

/**
 * Everything one {@code bin/bench latency} run measured, by phase, for {@link LatencyReport}. The same
 * {@link RunResult}s were printed as the JSON lines.
 */
public final class LatencyResults
{
    /** The {@code phase} of a closed-loop run per client, in the JSON config and the report. */
    public static final String PHASE_SATURATION = "saturation";
    /** An open-loop run at a fixed share of the 100% rate. */
    public static final String PHASE_RATE = "fixed-rate";
    /** One worker, one command at a time. */
    public static final String PHASE_SINGLE = "single-thread";

    final BenchSettings settings;
    final Op op;
    /** Closed loop, one run per sweep client. */
    public final List<RunResult> saturation = new ArrayList<>();
    /** Open loop, every sweep client at every rate and round. */
    public final List<RateRun> rates = new ArrayList<>();
    /** One worker, one command at a time. */
    public final List<RunResult> single = new ArrayList<>();
    public final List<String> notes = new ArrayList<>();
    /** The 100% rate; null when there was none. */
    public Double baseRate;
    /** Whether the 100% rate came from {@code --base-rate} rather than slotring's saturation. */
    public boolean baseFromOption;
    public String saturationWindow = "";

    public LatencyResults(final BenchSettings settings, final Op op)
    {
        this.settings = settings;
        this.op = op;
    }

    /** One client at one rate in one round. */
    public static final class RateRun
    {
        final int percent;
        final long offered;
        final RunResult result;

        public RateRun(final int percent, final long offered, final RunResult result)
        {
            this.percent = percent;
            this.offered = offered;
            this.result = result;
        }
    }

    /**
     * @return every measured run, in the order it ran.
     */
    public List<RunResult> all()
    {
        final List<RunResult> out = new ArrayList<>(saturation);
        for (final RateRun run : rates)
        {
            out.add(run.result);
        }
        out.addAll(single);
        return out;
    }

    /**
     * @return the distinct (percent, offered) pairs in ascending order.
     */
    List<long[]> ratePoints()
    {
        final List<long[]> out = new ArrayList<>();
        for (final RateRun run : rates)
        {
            boolean seen = false;
            for (final long[] point : out)
            {
                seen |= point[0] == run.percent;
            }
            if (!seen)
            {
                out.add(new long[] { run.percent, run.offered });
            }
        }
        out.sort((a, b) -> Long.compare(a[0], b[0]));
        return out;
    }

    /**
     * @return the rounds of one client at one rate, as a {@link Summary} (medians over rounds); null if none.
     */
    Summary atRate(final String client, final int percent)
    {
        final Summary summary = new Summary(client, op);
        for (final RateRun run : rates)
        {
            if (run.percent == percent && run.result.client.equals(client))
            {
                summary.rounds.add(run.result);
            }
        }
        return summary.rounds.isEmpty() ? null : summary;
    }

    /**
     * @return the rounds of one single-thread client; null if none.
     */
    Summary single(final String client)
    {
        final Summary summary = new Summary(client, op);
        for (final RunResult result : single)
        {
            if (result.client.equals(client))
            {
                summary.rounds.add(result);
            }
        }
        return summary.rounds.isEmpty() ? null : summary;
    }

    /**
     * @return clients in the order they first ran in the list.
     */
    static List<String> clientsOf(final List<RunResult> results)
    {
        final List<String> out = new ArrayList<>();
        for (final RunResult result : results)
        {
            if (!out.contains(result.client))
            {
                out.add(result.client);
            }
        }
        return out;
    }

    /**
     * @return the sweep's clients in run order.
     */
    List<String> sweepClients()
    {
        final List<RunResult> runs = new ArrayList<>(saturation);
        for (final RateRun run : rates)
        {
            runs.add(run.result);
        }
        return clientsOf(runs);
    }
}
