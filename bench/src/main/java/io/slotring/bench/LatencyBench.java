package io.slotring.bench;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.slotring.bench.report.LatencyReport;
import io.slotring.bench.report.LatencyResults;
import io.slotring.bench.report.MachineInfo;
import io.slotring.bench.report.Summary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bin/bench latency}: latency against load, the picture a latency-sensitive user looks at first.
 * <ol>
 *   <li>Saturation: each client closed loop ({@code --connections} workers, batches of {@code --batch}), to find
 *       its saturation ops/s.</li>
 *   <li>Fixed rates at {@code --rates} percent of slotring's saturation (open loop, latency per command from its
 *       intended start, so coordinated omission is corrected), every client at every rate, clients alternating
 *       A B A B within each rate.</li>
 *   <li>Single-thread round trip: one worker, one command at a time, over each library's plain blocking API, with
 *       redis-benchmark {@code -c 1 -P 1} as the C reference.</li>
 * </ol>
 * Writes {@code YYYY-MM-DD-latency.md} and {@code .svg} (p50, p99 and p99.9 against offered load); JSON lines on
 * stdout, one per run, as {@code bin/bench} does; exit status as {@link ClusterBench}.
 */
@Command(name = "bin/bench latency", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Latency against offered load, plus a single-thread round trip, for slotring and its peers.")
public final class LatencyBench extends BenchCommand
{
    private static final List<Integer> DEFAULT_RATES = List.of(10, 25, 50, 75, 90);
    /** The sweep's clients: the batch styles of {@code bin/bench}. */
    private static final List<String> SWEEP_CLIENTS = ClientFactory.JVM_CLIENTS;

    @Option(names = "--op", paramLabel = "get|set|mixed", description = "The op (default: ${DEFAULT-VALUE}).")
    private String op = "get";

    @Option(names = "--clients", split = ",", paramLabel = "name", description = "slotring,lettuce,lettuce-manual,"
        + "jedis,redis-benchmark (default: all, redis-benchmark when installed). The single-thread table runs each "
        + "named library's blocking API (slotring: sync() and a one-command Batch; lettuce or lettuce-manual: "
        + "lettuce sync; jedis: blocking get) and redis-benchmark -c 1 -P 1; redis-benchmark is in no sweep (it "
        + "has no open loop).")
    private List<String> clients = new ArrayList<>();

    @Option(names = "--rates", split = ",", paramLabel = "percent", description = "Offered rates in percent of "
        + "slotring's saturation (default: 10,25,50,75,90).")
    private List<Integer> rates = new ArrayList<>();

    @Option(names = "--base-rate", paramLabel = "ops/s", description = "Use this as the 100%% rate and skip the "
        + "saturation runs (default: slotring's measured saturation).")
    private long baseRate;

    @Option(names = "--saturation-warmup", paramLabel = "seconds", description = "Warmup of each saturation run "
        + "(default: ${DEFAULT-VALUE}).")
    private int saturationWarmup = 5;

    @Option(names = "--saturation-duration", paramLabel = "seconds", description = "Measured seconds of each "
        + "saturation run (default: ${DEFAULT-VALUE}).")
    private int saturationDuration = 5;

    @Mixin
    private final BenchOptions options = new BenchOptions(3, 5, 5, 1);

    LatencyBench()
    {
        super("bench latency", "[latency]");
    }

    /**
     * @param args command-line arguments; see {@code bin/bench latency --help}.
     */
    public static void main(final String[] args)
    {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs the sweep in this JVM (what the smoke test calls).
     *
     * @return the exit status.
     */
    static int run(final String[] args, final PrintStream stdout, final PrintStream stderr)
    {
        return execute(new LatencyBench(), args, stdout, stderr);
    }

    /** The resolved plan: which clients run in which phase, and the rates. */
    static final class Plan
    {
        final List<String> sweep = new ArrayList<>();
        final List<String> single = new ArrayList<>();
        final List<Integer> percents = new ArrayList<>();
        final List<String> notes = new ArrayList<>();
    }

    @Override
    public Integer call() throws Exception
    {
        final BenchSettings base;
        final Plan plan;
        final int saturationWarmupSec;
        final int saturationDurationSec;
        try
        {
            base = settings();
            plan = plan(base, clients, rates, RedisBenchmarkRunner.locate() != null);
            final boolean quick = options.quick();
            saturationWarmupSec = quick && !options.matched("--saturation-warmup") ? 1 : saturationWarmup;
            saturationDurationSec = quick && !options.matched("--saturation-duration") ? 1 : saturationDuration;
            BenchOptions.require(saturationWarmupSec >= 0 && saturationWarmupSec <= 3600,
                "--saturation-warmup must be 0..3600");
            BenchOptions.require(saturationDurationSec >= 1 && saturationDurationSec <= 3600,
                "--saturation-duration must be 1..3600");
            BenchOptions.require(baseRate >= 0, "--base-rate must be >= 0");
        }
        catch (final IllegalArgumentException ex)
        {
            return usage(ex);
        }
        final List<String> all = new ArrayList<>(plan.sweep);
        all.addAll(plan.single);
        warnIfOversubscribed(base, all, plan.notes);
        final Map<String, String> machine = MachineInfo.collect();
        try (Cluster cluster = Cluster.open(base, tag, stderr))
        {
            stderr.printf(Locale.ROOT, "%s cluster masters %s; sweep %s at %s%%; single thread %s%n", tag,
                cluster.masters(), plan.sweep, plan.percents, plan.single);
            final LatencyResults results = new LatencyResults(base, base.ops.get(0));
            results.saturationWindow = saturationWarmupSec + " s warmup + " + saturationDurationSec + " s";
            results.notes.addAll(plan.notes);
            measure(base, plan, cluster, results, saturationWarmupSec, saturationDurationSec);
            final LatencyReport report = new LatencyReport(results, machine, cluster.versions(), cluster.masters());
            final Path written = report.write(base.out);
            stderr.println();
            stderr.print(report.table());
            stderr.println(tag + " report: " + written.toAbsolutePath());
            return exitStatus(results.all());
        }
    }

    private void measure(final BenchSettings base, final Plan plan, final Cluster cluster,
        final LatencyResults results, final int saturationWarmupSec, final int saturationDurationSec)
    {
        final Op theOp = base.ops.get(0);
        final Workload workload = new Workload(base.keys, base.keySize, base.valueSize);
        final String seedList = String.join(",", cluster.seeds());
        final int masterCount = cluster.masters().size();
        if (theOp.needsKeys())
        {
            final double seconds = KeyLoader.load(cluster, workload, base.awaitTimeoutNs);
            stderr.printf(Locale.ROOT, "%s wrote %,d keys in %.1f s%n", tag, workload.count(), seconds);
        }

        // Saturation: closed loop, the batch shape of bin/bench, once per client (after an unmeasured priming).
        final BenchSettings saturation = base.withShape(base.connections, base.batch, 0)
            .withWindow(saturationWarmupSec, saturationDurationSec);
        if (base.primeSec > 0 && baseRate == 0)
        {
            for (final String client : plan.sweep)
            {
                final RunResult primed = runClient(client, theOp, RunResult.PRIME_ROUND,
                    saturation.withWindow(0, base.primeSec), cluster, workload, Map.of());
                if (primed.failed())
                {
                    stderr.println(tag + " " + client + " failed while priming: " + primed.error);
                }
            }
        }
        if (baseRate == 0)
        {
            for (final String client : plan.sweep)
            {
                final RunResult result = runClient(client, theOp, 1, saturation, cluster, workload,
                    phaseConfig(saturation, seedList, masterCount, LatencyResults.PHASE_SATURATION, null, null));
                results.saturation.add(result);
                emit(result);
            }
        }
        final Double measuredBase = baseRate > 0 ? Double.valueOf(baseRate) :
            baseRate(results.saturation, results.notes);
        results.baseRate = measuredBase;
        results.baseFromOption = baseRate > 0;
        if (measuredBase == null)
        {
            results.notes.add("No client reached a saturation figure, so no fixed-rate run was made.");
        }
        else
        {
            final List<Long> offered = offeredRates(measuredBase, plan.percents);
            for (int i = 0; i < offered.size(); i++)
            {
                final int percent = plan.percents.get(i);
                final BenchSettings fixed = base.withShape(base.connections, base.batch, offered.get(i));
                for (int round = 1; round <= base.rounds; round++)
                {
                    for (final String client : plan.sweep)
                    {
                        final RunResult result = runClient(client, theOp, round, fixed, cluster, workload,
                            phaseConfig(fixed, seedList, masterCount, LatencyResults.PHASE_RATE, percent,
                                offered.get(i)));
                        results.rates.add(new LatencyResults.RateRun(percent, offered.get(i), result));
                        emit(result);
                    }
                }
            }
        }

        // Single thread: one worker, one command at a time.
        final BenchSettings single = base.withShape(1, 1, 0);
        final RedisBenchmarkRunner redisBenchmark = plan.single.contains(ClientFactory.REDIS_BENCHMARK) ?
            new RedisBenchmarkRunner(RedisBenchmarkRunner.locate(), cluster, single, stderr) : null;
        for (int round = 1; round <= base.rounds; round++)
        {
            for (final String client : plan.single)
            {
                final Map<String, Object> config = phaseConfig(single, seedList, masterCount,
                    LatencyResults.PHASE_SINGLE, null, null);
                final RunResult result;
                if (client.equals(ClientFactory.REDIS_BENCHMARK))
                {
                    if (!RedisBenchmarkRunner.supports(theOp))
                    {
                        continue;
                    }
                    result = redisBenchmark.run(theOp, round, config);
                }
                else
                {
                    result = runClient(client, theOp, round, single, cluster, workload, config);
                }
                results.single.add(result);
                emit(result);
            }
        }
        if (redisBenchmark != null)
        {
            results.notes.addAll(RedisBenchmarkRunner.caveats(masterCount, single));
        }
    }

    private static Map<String, Object> phaseConfig(final BenchSettings settings, final String seedList,
        final int masterCount, final String phase, final Integer percent, final Long offered)
    {
        final Map<String, Object> config = new LinkedHashMap<>();
        config.put("phase", phase);
        if (percent != null)
        {
            config.put("rate_percent_of_base", percent);
            config.put("offered_rate", offered);
        }
        config.putAll(settings.describe(seedList, masterCount));
        return config;
    }

    /**
     * @return slotring's saturation ops/s; else the best client's (noted); null when none measured any.
     */
    static Double baseRate(final List<RunResult> saturation, final List<String> notes)
    {
        RunResult best = null;
        for (final RunResult result : saturation)
        {
            if (result.totalOps <= 0 || result.error != null)
            {
                continue;
            }
            if (result.client.equals(ClientFactory.SLOTRING))
            {
                return result.opsPerSec;
            }
            if (best == null || result.opsPerSec > best.opsPerSec)
            {
                best = result;
            }
        }
        if (best == null)
        {
            return null;
        }
        notes.add("slotring has no saturation figure in this run, so the rates are percentages of " + best.client +
            "'s (" + Summary.fmt(best.opsPerSec, 0) + " ops/s).");
        return best.opsPerSec;
    }

    /**
     * @param base     the 100% rate, ops/s.
     * @param percents percentages of it.
     * @return the offered rates, rounded to 3 significant digits (readable in the tables), at least 1 ops/s.
     */
    static List<Long> offeredRates(final double base, final List<Integer> percents)
    {
        final List<Long> out = new ArrayList<>();
        for (final int percent : percents)
        {
            final double rate = base * percent / 100.0;
            if (rate < 1)
            {
                out.add(1L);
                continue;
            }
            final double unit = Math.pow(10, Math.max(0, Math.floor(Math.log10(rate)) - 2));
            out.add(Math.max(1, Math.round(rate / unit) * (long)unit));
        }
        return out;
    }

    /**
     * Which clients run where.
     *
     * @param requested          {@code --clients}, empty for the default.
     * @param requestedRates     {@code --rates}, empty for the default.
     * @param haveRedisBenchmark whether redis-benchmark is on PATH.
     */
    static Plan plan(final BenchSettings settings, final List<String> requested, final List<Integer> requestedRates,
        final boolean haveRedisBenchmark)
    {
        final Plan plan = new Plan();
        final Set<String> names = new LinkedHashSet<>();
        if (requested.isEmpty())
        {
            names.addAll(SWEEP_CLIENTS);
            if (haveRedisBenchmark)
            {
                names.add(ClientFactory.REDIS_BENCHMARK);
            }
            else
            {
                plan.notes.add("redis-benchmark left out: not installed.");
            }
        }
        else
        {
            for (final String name : requested)
            {
                names.add(name.trim().toLowerCase(Locale.ROOT));
            }
        }
        for (final String name : names)
        {
            if (name.equals(ClientFactory.REDIS_BENCHMARK))
            {
                if (!haveRedisBenchmark)
                {
                    throw new IllegalArgumentException("redis-benchmark is not installed (not on PATH)");
                }
                if (settings.keySize < RedisBenchmarkRunner.TEMPLATE_PREFIX.length())
                {
                    throw new IllegalArgumentException("redis-benchmark's key template needs --key-size >= " +
                        RedisBenchmarkRunner.TEMPLATE_PREFIX.length());
                }
            }
            else if (!SWEEP_CLIENTS.contains(name))
            {
                throw new IllegalArgumentException("unknown client '" + name + "'; known: " + SWEEP_CLIENTS + ", " +
                    ClientFactory.REDIS_BENCHMARK);
            }
            else
            {
                plan.sweep.add(name);
            }
        }
        // The single-thread table: every named library's blocking API, slotring's zero-copy Batch, then C.
        if (names.contains(ClientFactory.SLOTRING))
        {
            plan.single.add(ClientFactory.SLOTRING_SYNC);
            plan.single.add(ClientFactory.SLOTRING);
        }
        if (names.contains(ClientFactory.JEDIS))
        {
            plan.single.add(ClientFactory.JEDIS_SYNC);
        }
        if (names.contains(ClientFactory.LETTUCE) || names.contains(ClientFactory.LETTUCE_MANUAL))
        {
            plan.single.add(ClientFactory.LETTUCE_SYNC);
        }
        if (names.contains(ClientFactory.REDIS_BENCHMARK))
        {
            plan.single.add(ClientFactory.REDIS_BENCHMARK);
        }
        for (final int percent : requestedRates.isEmpty() ? DEFAULT_RATES : requestedRates)
        {
            if (percent < 1 || percent > 1000)
            {
                throw new IllegalArgumentException("--rates must be percentages 1..1000, got " + percent);
            }
            if (!plan.percents.contains(percent))
            {
                plan.percents.add(percent);
            }
        }
        plan.percents.sort(null);
        if (plan.sweep.isEmpty() && plan.single.isEmpty())
        {
            throw new IllegalArgumentException("no client to run");
        }
        return plan;
    }

    private BenchSettings settings()
    {
        final Op theOp;
        try
        {
            theOp = Op.parse(op);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("unknown op '" + op + "'; known: get, set, mixed");
        }
        BenchOptions.require(!theOp.extra(), "bin/bench latency runs get, set or mixed; " + theOp.label() +
            " runs under bin/bench --op " + theOp.label());
        final BenchSettings settings = options.settings(List.of(theOp), List.of(), 0, LatencyBench.class, rawArgs);
        BenchOptions.require(!settings.compareTls, "bin/bench latency takes --tls, not --compare-tls: run it once "
            + "with and once without --tls");
        return settings;
    }
}
