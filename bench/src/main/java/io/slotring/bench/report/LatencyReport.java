package io.slotring.bench.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import io.slotring.bench.BenchSettings;
import io.slotring.bench.ClientFactory;
import io.slotring.bench.Op;
import io.slotring.bench.RunResult;

import static io.slotring.bench.report.Markdown.cell;

/**
 * The markdown and SVG of {@code bin/bench latency}, plus its plain-text tables for stderr. Every figure is
 * derived from the {@link RunResult}s that were also printed as JSON lines; tables show medians over rounds.
 */
public final class LatencyReport
{
    /** The targets: at these rates slotring's p50, p99, p99.9 and CPU/op each at most half the best peer's. */
    static final List<Integer> TARGET_PERCENTS = List.of(25, 50, 75);
    static final double TARGET_RATIO = 0.5;
    /** Single-thread target: context switches per op. */
    static final double TARGET_CS_PER_OP = 1.2;
    /**
     * A client whose completions over the window are off the offered rate by more than this share did not keep
     * pace: fewer, it fell behind; more, it was still working off a backlog from before the window.
     */
    static final double PACE_TOLERANCE = 0.03;

    private final LatencyResults results;
    private final Map<String, String> machine;
    private final Map<String, String> redisVersions;
    private final List<String> masters;

    /**
     * @param machine       {@link MachineInfo#collect()}.
     * @param redisVersions redis_version per master.
     * @param masters       the cluster's masters, host:port.
     */
    public LatencyReport(final LatencyResults results, final Map<String, String> machine,
        final Map<String, String> redisVersions, final List<String> masters)
    {
        this.results = results;
        this.machine = machine;
        this.redisVersions = redisVersions;
        this.masters = masters;
    }

    /**
     * Writes {@code YYYY-MM-DD-latency[-N].md} and the {@code .svg} of the same name.
     *
     * @return the markdown file.
     */
    public Path write(final Path dir) throws IOException
    {
        final Path markdown = Markdown.datedFile(dir, "latency");
        final Path svg = dir.resolve(markdown.getFileName().toString().replaceAll("\\.md$", ".svg"));
        Files.writeString(svg, svg(), StandardCharsets.UTF_8);
        Files.writeString(markdown, markdown(svg.getFileName().toString()), StandardCharsets.UTF_8);
        return markdown;
    }

    /** The plot: p50, p99 and p99.9 of every sweep client against offered load. */
    String svg()
    {
        final List<LatencyPlot.LoadPoint> points = new ArrayList<>();
        final List<String> clients = results.sweepClients();
        for (final long[] rate : results.ratePoints())
        {
            for (final String client : clients)
            {
                final Summary s = results.atRate(client, (int)rate[0]);
                if (s != null)
                {
                    points.add(new LatencyPlot.LoadPoint(client, rate[1], s.p50Us(), s.p99Us(), s.p999Us(),
                        keptPace(s.opsPerSec(), rate[1])));
                }
            }
        }
        final Map<String, Double> saturation = new LinkedHashMap<>();
        for (final RunResult result : results.saturation)
        {
            if (result.totalOps > 0)
            {
                saturation.put(result.client, result.opsPerSec);
            }
        }
        final String title = results.op.label().toUpperCase(Locale.ROOT) + " latency against offered load " +
            "(open loop, per command, coordinated-omission corrected)";
        final Map<Double, String> marks = new LinkedHashMap<>();
        for (final long[] rate : results.ratePoints())
        {
            marks.put((double)rate[1], rate[0] + "%");
        }
        return LatencyPlot.renderLoad(title, subtitle(), clients, points, saturation, marks);
    }

    /** Machine, JDK and Redis in one line, for the plot. */
    String subtitle()
    {
        final String cores = machine.getOrDefault("cores", "?").replace(" (availableProcessors)", "");
        final String jdk = machine.getOrDefault("jdk", "?");
        final int paren = jdk.indexOf(" (");
        return LocalDate.now() + " \u00b7 " + cores + " cores, " + machine.getOrDefault("cpu", "?") + " \u00b7 JDK " +
            (paren > 0 ? jdk.substring(0, paren) : jdk) + " \u00b7 Redis " + redisVersion() + ", " + masters.size() +
            " masters \u00b7 " + results.settings.connections + " workers/client \u00b7 " + results.settings.keySize +
            " B keys, " + results.settings.valueSize + " B values";
    }

    private String redisVersion()
    {
        final List<String> distinct = new ArrayList<>();
        for (final String version : redisVersions.values())
        {
            if (!distinct.contains(version))
            {
                distinct.add(version);
            }
        }
        return distinct.isEmpty() ? "?" : String.join("/", distinct);
    }

    String markdown(final String svgName)
    {
        final BenchSettings settings = results.settings;
        final StringBuilder md = new StringBuilder(24 * 1024);
        md.append("# Latency against load").append(settings.tls ? " (TLS)" : "")
            .append(": slotring vs Lettuce vs Jedis (").append(LocalDate.now()).append(")\n\n");
        md.append("Command:\n\n```\n").append(settings.commandLine).append("\n```\n\n");
        Markdown.clusterMachine(md, machine, redisVersions);

        md.append("## Setup\n\n");
        md.append("- Cluster: ").append(settings.seeds == null ? "embedded, " + masters.size() + " masters, 0 "
            + "replicas (io.slotring.launcher.LocalRedisCluster), on this machine" : "external, seeds " +
            settings.seeds).append(settings.tls ? "; every client over TLS (`--tls`: the nodes' tls-port, server "
            + "certificate verified against the run's CA and host 127.0.0.1)" : "").append(".\n");
        md.append("- Workload: op ").append(results.op.label()).append(", ").append(settings.keys)
            .append(" keys of ").append(settings.keySize).append(" B, values of ").append(settings.valueSize)
            .append(" B, keys drawn uniformly").append(settings.verify ? "; every reply verified" : "")
            .append(".\n");
        md.append("- Saturation: each client closed loop, ").append(settings.connections)
            .append(" workers each firing batches of ").append(settings.batch).append(" and awaiting them (")
            .append(results.saturationWindow).append(", one run each").append(settings.primeSec > 0 ?
                ", after " + settings.primeSec + " s of unmeasured priming per client" : "").append(").\n");
        md.append("- Fixed rates: ").append(settings.connections).append(" workers per client share the offered "
            + "rate, each on an evenly staggered schedule; a worker sends every command whose intended start has "
            + "come (at most ").append(settings.batch).append(" at once) and records each command's latency from "
            + "its INTENDED start, so a client that falls behind is charged for the queueing it causes "
            + "(coordinated-omission correction); ").append(settings.warmupSec).append(" s warmup + ")
            .append(settings.durationSec).append(" s measured, ").append(settings.rounds)
            .append(" round(s), clients alternating A B A B at each rate.\n");
        md.append("- Single thread: one worker, one command at a time, each library's plain blocking API; ")
            .append(settings.warmupSec).append(" s warmup + ").append(settings.durationSec).append(" s, ")
            .append(settings.rounds).append(" round(s), alternating.\n");
        md.append("- slotring: ").append(settings.mux).append(" connections per node; ")
            .append(settings.slotring.summary()).append(".\n");
        md.append("- Figures: CPU = whole-JVM process CPU time over the window / ops (workers, I/O threads, GC, "
            + "JIT; for redis-benchmark its process's user + system time); B/op = bytes allocated by all live JVM "
            + "threads / ops; cs/op = context switches (voluntary + involuntary) of every JVM thread over the "
            + "window / ops, from /proc/self/task/*/status sampled every second (a thread that ends inside the "
            + "window loses what it did after its last sample; n/a off Linux), for redis-benchmark GNU time's "
            + "count for its whole process. The harness's own threads (the open-loop workers' timed parks, the "
            + "once-a-second sampler) are in every client's CPU and cs alike.\n\n");

        saturationSection(md);
        rateSection(md, svgName);
        singleSection(md);
        everyRun(md);
        configured(md);
        if (!results.notes.isEmpty())
        {
            md.append("## Notes\n\n");
            for (final String note : results.notes)
            {
                md.append("- ").append(note).append('\n');
            }
            md.append('\n');
        }
        return md.toString();
    }

    private void saturationSection(final StringBuilder md)
    {
        md.append("## Saturation (closed loop)\n\n");
        if (results.saturation.isEmpty())
        {
            md.append(results.baseFromOption ? "Skipped: the 100% rate was given (`--base-rate " +
                Summary.fmt(results.baseRate, 0) + "`).\n\n" : "No saturation run.\n\n");
            return;
        }
        md.append("| client | ops/s | CPU \u00b5s/op | B/op | cs/op | batch p50 \u00b5s | batch p99 \u00b5s | "
            + "status |\n")
            .append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
        for (final RunResult r : results.saturation)
        {
            md.append("| ").append(r.client).append(" | ").append(Summary.fmt(r.opsPerSec, 0)).append(" | ")
                .append(Summary.fmt(r.cpuUsPerOp, 2)).append(" | ").append(Summary.fmt(r.allocBytesPerOp, 0))
                .append(" | ").append(Summary.fmt(r.csPerOp, 2)).append(" | ").append(Summary.fmt(r.p50Us, 0))
                .append(" | ").append(Summary.fmt(r.p99Us, 0)).append(" | ").append(cell(status(r))).append(" |\n");
        }
        md.append("\nThe 100% rate: ").append(Summary.fmt(results.baseRate, 0)).append(" ops/s")
            .append(results.baseFromOption ? " (--base-rate)" : "").append(".\n\n");
    }

    private void rateSection(final StringBuilder md, final String svgName)
    {
        md.append("## Latency against offered load (open loop)\n\n");
        md.append("![latency against offered load](").append(svgName).append(")\n\n");
        md.append("[").append(svgName).append("](").append(svgName).append("): x = offered ops/s, y = latency per "
            + "command (log scale); one colour per client, solid p50, dashed p99, dotted p99.9; dotted verticals "
            + "mark each client's closed-loop saturation; hollow points: the client did not keep pace (its "
            + "completions over the window were more than " + Math.round(PACE_TOLERANCE * 100) + "% off the "
            + "offered rate: fewer, it fell behind; more, it was still working off a backlog), so its latency there "
            + "is mostly queueing. Medians over rounds.\n\n");
        if (results.rates.isEmpty())
        {
            md.append("No fixed-rate run.\n\n");
            return;
        }
        md.append("| load | offered ops/s | client | achieved ops/s | p50 \u00b5s | p99 \u00b5s | p99.9 \u00b5s | "
            + "CPU \u00b5s/op | B/op | cs/op | status |\n")
            .append("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
        final List<String> clients = results.sweepClients();
        for (final long[] rate : results.ratePoints())
        {
            for (final String client : clients)
            {
                final Summary s = results.atRate(client, (int)rate[0]);
                if (s == null)
                {
                    continue;
                }
                md.append("| ").append(rate[0]).append(" % | ").append(Summary.fmt((double)rate[1], 0))
                    .append(" | ").append(client).append(" | ").append(Summary.fmt(s.opsPerSec(), 0)).append(" | ")
                    .append(Summary.fmt(s.p50Us(), 0)).append(" | ").append(Summary.fmt(s.p99Us(), 0)).append(" | ")
                    .append(Summary.fmt(s.p999Us(), 0)).append(" | ").append(Summary.fmt(s.cpuUsPerOp(), 2))
                    .append(" | ").append(Summary.fmt(s.allocBytesPerOp(), 0)).append(" | ")
                    .append(Summary.fmt(s.csPerOp(), 2)).append(" | ")
                    .append(cell(rateStatus(s, rate[1]))).append(" |\n");
            }
        }
        md.append("\n### slotring against the best peer at each rate\n\n");
        md.append("Ratio = slotring's figure / the lowest peer figure at that rate (below 1: slotring better); the "
            + "target at 25, 50 and 75 % is at most ").append(TARGET_RATIO).append("x for p50, p99, p99.9 and "
            + "CPU/op each.\n\n");
        for (final long[] rate : results.ratePoints())
        {
            final List<Summary> peers = new ArrayList<>();
            Summary mine = null;
            for (final String client : clients)
            {
                final Summary s = results.atRate(client, (int)rate[0]);
                if (s == null)
                {
                    continue;
                }
                if (client.equals(ClientFactory.SLOTRING))
                {
                    mine = s;
                }
                else
                {
                    peers.add(s);
                }
            }
            md.append("- ").append(rateAnalysis((int)rate[0], rate[1], mine, peers)).append('\n');
        }
        md.append('\n');
    }

    /**
     * @return one line: slotring's p50, p99, p99.9 and CPU/op as ratios of the best peer's, whether it and the
     * peers kept up, and the target verdict at the target rates.
     */
    static String rateAnalysis(final int percent, final long offered, final Summary mine, final List<Summary> peers)
    {
        final StringBuilder line = new StringBuilder();
        line.append("**").append(percent).append(" %** (").append(Summary.fmt((double)offered, 0))
            .append(" ops/s): ");
        if (mine == null || mine.p50Us() == null)
        {
            return line.append("slotring has no figures at this rate.").toString();
        }
        if (peers.isEmpty())
        {
            return line.append("no peer ran at this rate.").toString();
        }
        final List<String> missed = new ArrayList<>();
        final String[] names = { "p50", "p99", "p99.9", "CPU/op" };
        final List<Function<Summary, Double>> figures = List.of(Summary::p50Us, Summary::p99Us, Summary::p999Us,
            Summary::cpuUsPerOp);
        final List<String> parts = new ArrayList<>();
        for (int i = 0; i < names.length; i++)
        {
            final Double own = figures.get(i).apply(mine);
            Summary best = null;
            for (final Summary peer : peers)
            {
                final Double value = figures.get(i).apply(peer);
                if (value != null && (best == null || value < figures.get(i).apply(best)))
                {
                    best = peer;
                }
            }
            if (own == null || best == null || figures.get(i).apply(best) == 0)
            {
                parts.add(names[i] + " n/a");
                missed.add(names[i]);
                continue;
            }
            final double theirs = figures.get(i).apply(best);
            final double ratio = own / theirs;
            final int decimals = i == 3 ? 2 : 0;
            parts.add(String.format(Locale.ROOT, "%s %.2fx (%s vs %s %s \u00b5s)", names[i], ratio,
                Summary.fmt(own, decimals), best.client, Summary.fmt(theirs, decimals)));
            if (ratio > TARGET_RATIO)
            {
                missed.add(names[i]);
            }
        }
        line.append("slotring ").append(String.join(", ", parts)).append('.');
        final List<String> behind = new ArrayList<>();
        for (final Summary s : concat(mine, peers))
        {
            if (!keptPace(s.opsPerSec(), offered))
            {
                behind.add(s.client + " (" + Summary.fmt(s.opsPerSec(), 0) + ")");
            }
        }
        if (!behind.isEmpty())
        {
            line.append(" Did not keep pace with the offered rate: ").append(String.join(", ", behind))
                .append('.');
        }
        if (TARGET_PERCENTS.contains(percent))
        {
            line.append(missed.isEmpty() ? " Target (each <= " + TARGET_RATIO + "x): met." :
                " Target (each <= " + TARGET_RATIO + "x): missed on " + String.join(", ", missed) + ".");
        }
        return line.toString();
    }

    private static List<Summary> concat(final Summary first, final List<Summary> rest)
    {
        final List<Summary> out = new ArrayList<>();
        out.add(first);
        out.addAll(rest);
        return out;
    }

    private void singleSection(final StringBuilder md)
    {
        md.append("## Single-thread round trip\n\n");
        if (results.single.isEmpty())
        {
            md.append("No single-thread run.\n\n");
            return;
        }
        md.append("One worker, one ").append(results.op.label().toUpperCase(Locale.ROOT))
            .append(" at a time, each client's plain blocking API. Medians over rounds.\n\n");
        md.append("| client | API | ops/s | p50 \u00b5s | p99 \u00b5s | p99.9 \u00b5s | CPU \u00b5s/op | B/op | "
            + "cs/op | status |\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
        for (final String client : LatencyResults.clientsOf(results.single))
        {
            final Summary s = results.single(client);
            md.append("| ").append(client).append(" | ").append(cell(api(client, results.op))).append(" | ")
                .append(Summary.fmt(s.opsPerSec(), 0)).append(" | ").append(Summary.fmt(s.p50Us(), 0)).append(" | ")
                .append(Summary.fmt(s.p99Us(), 0)).append(" | ").append(Summary.fmt(s.p999Us(), 0)).append(" | ")
                .append(Summary.fmt(s.cpuUsPerOp(), 2)).append(" | ").append(Summary.fmt(s.allocBytesPerOp(), 0))
                .append(" | ").append(Summary.fmt(s.csPerOp(), 2)).append(" | ").append(cell(s.status()))
                .append(" |\n");
        }
        md.append('\n');
        final List<Summary> references = new ArrayList<>();
        for (final String reference : List.of(ClientFactory.JEDIS_SYNC, ClientFactory.REDIS_BENCHMARK))
        {
            final Summary s = results.single(reference);
            if (s != null && s.opsPerSec() != null)
            {
                references.add(s);
            }
        }
        for (final String client : List.of(ClientFactory.SLOTRING_SYNC, ClientFactory.SLOTRING))
        {
            final Summary s = results.single(client);
            if (s != null)
            {
                md.append("- ").append(singleAnalysis(s, references)).append('\n');
            }
        }
        md.append("\nTarget (single thread, both slotring styles): ops/s >= the best of Jedis sync and "
            + "redis-benchmark -c 1, p50 <= theirs, <= ").append(TARGET_CS_PER_OP).append(" context switches per "
            + "op. redis-benchmark's keys differ from the JVM clients' (a `{tag}` hash tag, one slot per master, "
            + "its one connection on one master), though their sizes match; see the notes.\n\n");
        for (final RunResult r : results.single)
        {
            if (r.client.equals(ClientFactory.REDIS_BENCHMARK) && r.note != null)
            {
                md.append("redis-benchmark round ").append(r.round).append(" ran: `").append(r.note).append('`');
                if (r.hitRatio != null)
                {
                    md.append(" (GET hit ratio ").append(String.format(Locale.ROOT, "%.4f", r.hitRatio))
                        .append(')');
                }
                md.append("\n\n");
            }
        }
    }

    /**
     * @param mine       a slotring single-thread summary.
     * @param references Jedis sync and redis-benchmark, those that ran.
     * @return one line: ops/s and p50 against the best reference, cs/op against the target.
     */
    static String singleAnalysis(final Summary mine, final List<Summary> references)
    {
        final StringBuilder line = new StringBuilder("**").append(mine.client).append("**: ");
        if (mine.opsPerSec() == null)
        {
            return line.append("no figures.").toString();
        }
        Summary fastest = null;
        Summary lowest = null;
        for (final Summary reference : references)
        {
            if (reference.opsPerSec() != null && (fastest == null || reference.opsPerSec() > fastest.opsPerSec()))
            {
                fastest = reference;
            }
            if (reference.p50Us() != null && (lowest == null || reference.p50Us() < lowest.p50Us()))
            {
                lowest = reference;
            }
        }
        final List<String> missed = new ArrayList<>();
        line.append(Summary.fmt(mine.opsPerSec(), 0)).append(" ops/s");
        if (fastest != null)
        {
            final double ratio = mine.opsPerSec() / fastest.opsPerSec();
            line.append(String.format(Locale.ROOT, " = %.2fx %s's %s", ratio, fastest.client,
                Summary.fmt(fastest.opsPerSec(), 0)));
            if (ratio < 1)
            {
                missed.add("ops/s");
            }
        }
        line.append("; p50 ").append(Summary.fmt(mine.p50Us(), 0)).append(" \u00b5s");
        if (lowest != null && mine.p50Us() != null)
        {
            final double ratio = mine.p50Us() / lowest.p50Us();
            line.append(String.format(Locale.ROOT, " = %.2fx %s's %s \u00b5s", ratio, lowest.client,
                Summary.fmt(lowest.p50Us(), 0)));
            if (ratio > 1)
            {
                missed.add("p50");
            }
        }
        line.append("; ").append(Summary.fmt(mine.csPerOp(), 2)).append(" cs/op");
        if (mine.csPerOp() == null || mine.csPerOp() > TARGET_CS_PER_OP)
        {
            missed.add("cs/op");
        }
        if (references.isEmpty())
        {
            line.append(" (no Jedis sync or redis-benchmark run to compare with)");
        }
        line.append(missed.isEmpty() ? ". Target: met." : ". Target: missed on " + String.join(", ", missed) + ".");
        return line.toString();
    }

    static String api(final String client, final Op op)
    {
        final String command = op.label();
        switch (client)
        {
            case ClientFactory.SLOTRING_SYNC:
                return "slotring `sync()." + command + "` (blocks until the reply)";
            case ClientFactory.SLOTRING:
                return "slotring zero-copy: one-command `Batch`, `await`";
            case ClientFactory.JEDIS_SYNC:
                return "Jedis `RedisClusterClient." + command + "` (JedisCluster." + command + " in Jedis 8)";
            case ClientFactory.LETTUCE_SYNC:
                return "Lettuce `RedisAdvancedClusterCommands." + command + "` (sync)";
            case ClientFactory.REDIS_BENCHMARK:
                return "redis-benchmark --cluster -c 1 -P 1 (C), same key and value sizes";
            default:
                return client;
        }
    }

    private void everyRun(final StringBuilder md)
    {
        md.append("## Every run\n\n| phase | load | client | round | ops/s | CPU \u00b5s/op | B/op | cs/op | p50 | "
            + "p99 | p99.9 \u00b5s | ops | status |\n")
            .append("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
        for (final RunResult r : results.saturation)
        {
            everyRunRow(md, LatencyResults.PHASE_SATURATION, "closed", r);
        }
        for (final LatencyResults.RateRun run : results.rates)
        {
            everyRunRow(md, LatencyResults.PHASE_RATE, run.percent + " % = " + Summary.fmt((double)run.offered, 0),
                run.result);
        }
        for (final RunResult r : results.single)
        {
            everyRunRow(md, LatencyResults.PHASE_SINGLE, "closed", r);
        }
        md.append('\n');
    }

    private static void everyRunRow(final StringBuilder md, final String phase, final String load, final RunResult r)
    {
        md.append("| ").append(phase).append(" | ").append(load).append(" | ").append(r.client).append(" | ")
            .append(r.round).append(" | ").append(Summary.fmt(r.opsPerSec, 0)).append(" | ")
            .append(Summary.fmt(r.cpuUsPerOp, 2)).append(" | ").append(Summary.fmt(r.allocBytesPerOp, 0))
            .append(" | ").append(Summary.fmt(r.csPerOp, 2)).append(" | ").append(Summary.fmt(r.p50Us, 0))
            .append(" | ").append(Summary.fmt(r.p99Us, 0)).append(" | ").append(Summary.fmt(r.p999Us, 0))
            .append(" | ").append(String.format(Locale.ROOT, "%,d", r.totalOps)).append(" | ")
            .append(cell(status(r))).append(" |\n");
    }

    private void configured(final StringBuilder md)
    {
        md.append("## How each client was configured\n\n");
        final List<String> done = new ArrayList<>();
        for (final RunResult r : results.all())
        {
            if (done.contains(r.client) || r.clientConfig.isEmpty())
            {
                continue;
            }
            done.add(r.client);
            final List<String> parts = new ArrayList<>();
            for (final Map.Entry<String, Object> entry : r.clientConfig.entrySet())
            {
                parts.add(entry.getKey() + " = " + entry.getValue());
            }
            md.append("- **").append(r.client).append("**: ").append(cell(String.join("; ", parts))).append('\n');
        }
        md.append('\n');
    }

    private static String status(final RunResult r)
    {
        if (r.error != null)
        {
            return r.error;
        }
        if (r.mismatches > 0)
        {
            return r.mismatches + " mismatches (" + r.firstMismatch + ")";
        }
        return r.errors > 0 ? r.errors + " errors" : "ok";
    }

    /**
     * @return whether the completions over the window match the offered rate within {@link #PACE_TOLERANCE}
     * (true when there is no figure: nothing to say).
     */
    static boolean keptPace(final Double achieved, final long offered)
    {
        return achieved == null || Math.abs(achieved - offered) <= PACE_TOLERANCE * offered;
    }

    private static String rateStatus(final Summary s, final long offered)
    {
        final String status = s.status();
        if (keptPace(s.opsPerSec(), offered))
        {
            return status;
        }
        return (s.opsPerSec() < offered ? "fell behind; " : "working off a backlog; ") + status;
    }

    /** The three tables for stderr. */
    public String table()
    {
        final StringBuilder out = new StringBuilder();
        if (!results.saturation.isEmpty())
        {
            out.append("saturation (closed loop)\n");
            out.append(String.format(Locale.ROOT, "  %-15s %12s %10s %8s %7s%n", "client", "ops/s", "cpu_us/op",
                "B/op", "cs/op"));
            for (final RunResult r : results.saturation)
            {
                out.append(String.format(Locale.ROOT, "  %-15s %12s %10s %8s %7s%n", r.client,
                    Summary.fmt(r.opsPerSec, 0), Summary.fmt(r.cpuUsPerOp, 2), Summary.fmt(r.allocBytesPerOp, 0),
                    Summary.fmt(r.csPerOp, 2)));
            }
        }
        if (!results.rates.isEmpty())
        {
            out.append("fixed rate (open loop, per command, CO-corrected; medians over rounds)\n");
            out.append(String.format(Locale.ROOT, "  %5s %10s %-15s %10s %8s %8s %9s %10s %8s %7s%n", "load",
                "offered", "client", "achieved", "p50_us", "p99_us", "p999_us", "cpu_us/op", "B/op", "cs/op"));
            for (final long[] rate : results.ratePoints())
            {
                for (final String client : results.sweepClients())
                {
                    final Summary s = results.atRate(client, (int)rate[0]);
                    if (s != null)
                    {
                        out.append(String.format(Locale.ROOT, "  %4d%% %10s %-15s %10s %8s %8s %9s %10s %8s %7s%n",
                            rate[0], Summary.fmt((double)rate[1], 0), client, Summary.fmt(s.opsPerSec(), 0),
                            Summary.fmt(s.p50Us(), 0), Summary.fmt(s.p99Us(), 0), Summary.fmt(s.p999Us(), 0),
                            Summary.fmt(s.cpuUsPerOp(), 2), Summary.fmt(s.allocBytesPerOp(), 0),
                            Summary.fmt(s.csPerOp(), 2)));
                    }
                }
            }
        }
        if (!results.single.isEmpty())
        {
            out.append("single-thread round trip (medians over rounds)\n");
            out.append(String.format(Locale.ROOT, "  %-15s %10s %8s %8s %9s %10s %8s %7s%n", "client", "ops/s",
                "p50_us", "p99_us", "p999_us", "cpu_us/op", "B/op", "cs/op"));
            for (final String client : LatencyResults.clientsOf(results.single))
            {
                final Summary s = results.single(client);
                out.append(String.format(Locale.ROOT, "  %-15s %10s %8s %8s %9s %10s %8s %7s%n", client,
                    Summary.fmt(s.opsPerSec(), 0), Summary.fmt(s.p50Us(), 0), Summary.fmt(s.p99Us(), 0),
                    Summary.fmt(s.p999Us(), 0), Summary.fmt(s.cpuUsPerOp(), 2), Summary.fmt(s.allocBytesPerOp(), 0),
                    Summary.fmt(s.csPerOp(), 2)));
            }
        }
        return out.toString();
    }

}
