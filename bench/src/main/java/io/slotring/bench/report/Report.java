package io.slotring.bench.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.slotring.bench.BenchSettings;
import io.slotring.bench.ClientFactory;
import io.slotring.bench.Op;
import io.slotring.bench.RunResult;

import static io.slotring.bench.report.Markdown.cell;

/**
 * The dated markdown report and its latency SVG, plus the plain-text table for stderr. Everything in it is
 * derived from the {@link RunResult}s, which are also the JSON lines, so the two never disagree.
 */
public final class Report
{
    /** Warmup counts as flat when the mean of its last seconds is within this of the measured median. */
    private static final double FLAT_TOLERANCE = 0.10;
    private static final int FLAT_TAIL = 3;

    private final BenchSettings settings;
    private final List<RunResult> results;
    private final List<Summary> summaries;
    private final Map<String, String> machine;
    private final Map<String, String> redisVersions;
    private final List<String> masters;
    private final List<String> clients;
    private final List<String> notes;

    /**
     * @param clients       the clients in run order.
     * @param machine       {@link MachineInfo#collect()}.
     * @param redisVersions redis_version per master.
     * @param masters       the cluster's masters, host:port.
     * @param notes         caveats and warnings of the run, one sentence each.
     */
    public Report(final BenchSettings settings, final List<RunResult> results, final List<String> clients,
        final Map<String, String> machine, final Map<String, String> redisVersions, final List<String> masters,
        final List<String> notes)
    {
        this.settings = settings;
        this.results = results;
        this.clients = clients;
        this.summaries = Summary.of(results, clients, settings.ops);
        this.machine = machine;
        this.redisVersions = redisVersions;
        this.masters = masters;
        this.notes = notes;
    }

    /**
     * Writes {@code YYYY-MM-DD-cluster-bench[-N].md} and the {@code .svg} beside it.
     *
     * @return the markdown file.
     */
    public Path write(final Path dir) throws IOException
    {
        final Path markdown = Markdown.datedFile(dir, "cluster-bench");
        final String base = markdown.getFileName().toString().replaceAll("\\.md$", "");
        final Path svg = dir.resolve(base + "-latency.svg");
        Files.writeString(svg, LatencyPlot.render(summaries, settings.ops, latencyKind()), StandardCharsets.UTF_8);
        Files.writeString(markdown, markdown(svg.getFileName().toString()), StandardCharsets.UTF_8);
        return markdown;
    }

    private String latencyKind()
    {
        return settings.openLoop() ? "per command, open loop at " + settings.rate + " ops/s, CO-corrected" :
            "per batch of " + settings.batch + ", closed loop";
    }

    String markdown(final String svgName)
    {
        final StringBuilder md = new StringBuilder(16 * 1024);
        md.append("# Cluster benchmark").append(settings.compareTls ? " (plain text vs TLS)" : settings.tls ?
            " (TLS)" : "").append(": slotring vs Lettuce vs Jedis vs redis-benchmark (")
            .append(LocalDate.now()).append(")\n\n");
        md.append("Command:\n\n```\n").append(settings.commandLine).append("\n```\n\n");
        Markdown.clusterMachine(md, machine, redisVersions);

        md.append("## Setup\n\n");
        md.append("- Cluster: ").append(settings.seeds == null ? "embedded, " + masters.size() +
            " masters, 0 replicas (io.slotring.launcher.LocalRedisCluster), on this machine" : "external, seeds " +
            settings.seeds).append("; masters ").append(masters).append(".\n");
        md.append("- Transport: ").append(settings.compareTls ? "plain text and TLS (`--compare-tls`): in every "
            + "round each client runs on the plain ports, then as `<client>+tls` on the TLS ports" : settings.tls ?
            "TLS (`--tls`)" : "plain text").append(settings.clusterTls() ? "; TLS = the nodes' `tls-port` (a fresh "
            + "CA per run, `tls-cluster yes`, no client certificate asked), every client verifying the server "
            + "certificate against the CA and the host 127.0.0.1: slotring TlsSettings, Lettuce SslVerifyMode.FULL "
            + "and Jedis SslVerifyMode.FULL (JDK TLS, whose negotiated protocol and cipher are the JDK's defaults), "
            + "redis-benchmark `--tls --cacert` (OpenSSL via hiredis: the chain is verified, the host name is not); "
            + "the harness's own connections stay plain text" : "")
            .append(".\n");
        md.append("- Workload: ").append(settings.keys).append(" keys of ").append(settings.keySize)
            .append(" B (`bench:<i>:` + '0' padding), values of ").append(settings.valueSize)
            .append(" B (`val:<i>:` + 'X' padding); GETs drawn uniformly from the written keys; mixed = every ")
            .append(Op.MIXED_SET_EVERY).append("th command a SET.\n");
        md.append("- ").append(settings.connections).append(" worker threads per client, ")
            .append(settings.openLoop() ? "open loop at " + settings.rate + " ops/s offered, commands sent as "
                + "they fall due (at most " + settings.batch + " at once)" : "each firing " + settings.batch +
                " async commands then awaiting all").append("; slotring ").append(settings.mux)
            .append(" connections per node; slotring threads: ").append(settings.slotring.summary()).append(".\n");
        md.append("- Per client, op and round: ").append(settings.warmupSec).append(" s warmup, ")
            .append(settings.durationSec).append(" s measured, ").append(settings.rounds)
            .append(" round(s); clients alternate A B A B within each op; each client is created fresh for its run "
                + "and closed after it, so an idle client never competes for the cores.\n");
        md.append("- Priming: ").append(settings.primeSec == 0 ? "none" : "before the first op every JVM client ran "
            + settings.primeSec + " s of mixed traffic, unmeasured, so the JIT compiled every client's code before "
            + "any window (a client's first appearance otherwise runs ~40% slow even after a 5 s warmup on 2 "
            + "cores)").append(".\n");
        md.append("- Verify: ").append(settings.verify ? "every GET reply compared with its key's value, every SET "
            + "reply with OK" : "off (GET misses still counted)").append(".\n");
        md.append("- Figures: ops/s over the measured window; CPU = whole-JVM process CPU time over the window / ops "
            + "(workers, I/O threads, GC, JIT); alloc = bytes allocated by all live JVM threads over the window / ops; "
            + "cs = context switches (voluntary + involuntary) of every JVM thread over the window / ops, from "
            + "/proc/self/task/*/status sampled every second (a thread that ends inside the window loses what it did "
            + "after its last sample; n/a off Linux), for redis-benchmark GNU time's count for the whole process; "
            + "latency = ").append(latencyKind()).append(", HdrHistogram per worker, merged. Tables show medians over "
            + "rounds.\n\n");

        md.append("## Results (median over rounds)\n\n");
        md.append("| op | client | TLS | ops/s | CPU \u00b5s/op | alloc B/op | cs/op | p50 \u00b5s | p99 \u00b5s | "
            + "p99.9 \u00b5s | p99.99 \u00b5s | GC (n / ms) | rounds | status |\n");
        md.append("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
        for (final Summary s : summaries)
        {
            md.append("| ").append(s.op.label()).append(" | ").append(s.client).append(" | ")
                .append(s.rounds.get(0).tls ? "yes" : "no").append(" | ")
                .append(Summary.fmt(s.opsPerSec(), 0)).append(" | ").append(Summary.fmt(s.cpuUsPerOp(), 2))
                .append(" | ").append(Summary.fmt(s.allocBytesPerOp(), 0)).append(" | ")
                .append(Summary.fmt(s.csPerOp(), 2)).append(" | ").append(Summary.fmt(s.p50Us(), 0)).append(" | ")
                .append(Summary.fmt(s.p99Us(), 0)).append(" | ")
                .append(Summary.fmt(s.p999Us(), 0)).append(" | ").append(Summary.fmt(s.p9999Us(), 0)).append(" | ")
                .append(s.client.startsWith(ClientFactory.REDIS_BENCHMARK) ? "n/a" : s.gcCount() + " / " + s.gcMillis())
                .append(" | ").append(s.rounds.size()).append(" | ").append(cell(s.status())).append(" |\n");
        }
        md.append('\n');

        md.append("## slotring against each peer\n\n");
        if (Summary.find(summaries, ClientFactory.SLOTRING, settings.ops.get(0)) == null &&
            !clients.contains(ClientFactory.SLOTRING))
        {
            md.append("slotring did not run (its cluster client is not in this build), so there are no ratios.\n\n");
        }
        else
        {
            md.append("Throughput ratio = slotring ops/s / peer ops/s (above 1: slotring faster). CPU ratio = "
                + "slotring CPU/op / peer CPU/op (below 1: slotring cheaper).\n\n");
            md.append("| op | peer | throughput ratio | CPU/op ratio | p99 ratio |\n")
                .append("| --- | --- | ---: | ---: | ---: |\n");
            for (final Op op : settings.ops)
            {
                final Summary mine = Summary.find(summaries, ClientFactory.SLOTRING, op);
                if (mine == null)
                {
                    continue;
                }
                for (final Summary peer : summaries)
                {
                    if (peer.op != op || peer.client.equals(ClientFactory.SLOTRING))
                    {
                        continue;
                    }
                    md.append("| ").append(op.label()).append(" | ").append(peer.client).append(" | ")
                        .append(ratio(mine.opsPerSec(), peer.opsPerSec())).append(" | ")
                        .append(ratio(mine.cpuUsPerOp(), peer.cpuUsPerOp())).append(" | ")
                        .append(ratio(mine.p99Us(), peer.p99Us())).append(" |\n");
                }
            }
            md.append('\n');
        }

        if (settings.compareTls)
        {
            tlsAgainstPlain(md);
        }

        md.append("## Latency\n\n![latency by percentile](").append(svgName).append(")\n\n");
        md.append("[").append(svgName).append("](").append(svgName).append("): one panel per op, one line per "
            + "client; JVM clients' rounds merged. redis-benchmark's own percentile ladder is coarser (each point is "
            + "the first step at or above the percentile) and its latency is per pipeline to one node, where a JVM "
            + "client's batch spans all masters.\n\n");

        md.append("## Per-second throughput\n\n");
        md.append("Warmup counts as flat when the mean of its last ").append(FLAT_TAIL)
            .append(" seconds is within ").append(Math.round(FLAT_TOLERANCE * 100))
            .append("% of the measured median. On 2 cores shared with 5 redis-servers, second-to-second spread of "
                + "10-30% is noise, not warmup.\n\n");
        md.append("| op | client | round | warmup first \u2192 last | measured min / median / max | spread | "
            + "flat by end of warmup |\n| --- | --- | ---: | --- | --- | ---: | --- |\n");
        for (final RunResult r : results)
        {
            final Double median = medianOf(r.measuredSeries);
            final long min = minOf(r.measuredSeries);
            final long max = maxOf(r.measuredSeries);
            final String warm = r.warmupSeries.length == 0 ? "none" :
                String.format(Locale.ROOT, "%,d \u2192 %,d", r.warmupSeries[0],
                    r.warmupSeries[r.warmupSeries.length - 1]);
            final Double tail = tailMean(r.warmupSeries);
            final String flat = tail == null || median == null || median == 0 ? "n/a" :
                Math.abs(tail - median) / median <= FLAT_TOLERANCE ? "yes" : "no";
            md.append("| ").append(r.op.label()).append(" | ").append(r.client).append(" | ").append(r.round)
                .append(" | ").append(warm).append(" | ")
                .append(median == null ? "n/a" : String.format(Locale.ROOT, "%,d / %,.0f / %,d", min, median, max))
                .append(" | ").append(median == null || median == 0 ? "n/a" :
                    String.format(Locale.ROOT, "%.1f%%", 100.0 * (max - min) / median))
                .append(" | ").append(flat).append(" |\n");
        }
        md.append("\n<details><summary>Full per-second series (ops/s)</summary>\n\n```\n");
        for (final RunResult r : results)
        {
            md.append(String.format(Locale.ROOT, "%-15s %-5s r%d warmup  %s%n", r.client, r.op.label(), r.round,
                join(r.warmupSeries)));
            md.append(String.format(Locale.ROOT, "%-15s %-5s r%d measure %s%n", r.client, r.op.label(), r.round,
                join(r.measuredSeries)));
        }
        md.append("```\n\n</details>\n\n");

        md.append("## How each client was configured\n\n");
        for (final String client : clients)
        {
            for (final RunResult r : results)
            {
                if (r.client.equals(client))
                {
                    md.append("- **").append(client).append("**: ");
                    final List<String> parts = new ArrayList<>();
                    for (final Map.Entry<String, Object> entry : r.clientConfig.entrySet())
                    {
                        parts.add(entry.getKey() + " = " + entry.getValue());
                    }
                    md.append(cell(String.join("; ", parts))).append('\n');
                    break;
                }
            }
        }
        md.append('\n');
        if (!notes.isEmpty())
        {
            md.append("## Notes\n\n");
            for (final String note : notes)
            {
                md.append("- ").append(note).append('\n');
            }
            md.append('\n');
        }
        for (final RunResult r : results)
        {
            if (r.client.startsWith(ClientFactory.REDIS_BENCHMARK) && r.note != null)
            {
                md.append(r.client).append(' ').append(r.op.label()).append(" round ").append(r.round)
                    .append(" ran: `").append(r.note).append('`');
                if (r.hitRatio != null)
                {
                    md.append(" (GET hit ratio ").append(String.format(Locale.ROOT, "%.4f", r.hitRatio))
                        .append(", from the masters' keyspace_hits/misses)");
                }
                md.append("\n\n");
            }
        }

        md.append("## Every run\n\n| op | client | round | ops/s | CPU \u00b5s/op | alloc B/op | cs/op | p50 | p99 | "
            + "p99.9 | p99.99 \u00b5s | ops | s |\n")
            .append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (final RunResult r : results)
        {
            md.append("| ").append(r.op.label()).append(" | ").append(r.client).append(" | ").append(r.round)
                .append(" | ").append(Summary.fmt(r.opsPerSec, 0)).append(" | ").append(Summary.fmt(r.cpuUsPerOp, 2))
                .append(" | ").append(Summary.fmt(r.allocBytesPerOp, 0)).append(" | ").append(Summary.fmt(r.csPerOp, 2))
                .append(" | ").append(Summary.fmt(r.p50Us, 0))
                .append(" | ").append(Summary.fmt(r.p99Us, 0)).append(" | ").append(Summary.fmt(r.p999Us, 0))
                .append(" | ").append(Summary.fmt(r.p9999Us, 0)).append(" | ")
                .append(String.format(Locale.ROOT, "%,d", r.totalOps)).append(" | ")
                .append(String.format(Locale.ROOT, "%.2f", r.durationSec)).append(" |\n");
        }
        return md.toString();
    }

    /**
     * {@code --compare-tls}: each client's TLS runs against its plain-text runs, and slotring's ratio to each peer
     * over TLS against the same ratio in plain text (the goal: no lower over TLS).
     */
    private void tlsAgainstPlain(final StringBuilder md)
    {
        md.append("## TLS against plain text\n\n");
        md.append("Per client, medians over rounds: TLS/plain = the client's `+tls` figure over its plain-text figure "
            + "(throughput below 1: TLS costs that share; CPU/op above 1: TLS costs that much more CPU). slotring/peer "
            + "= slotring ops/s over the peer's, in plain text and over TLS.\n\n");
        md.append("| op | client | plain ops/s | TLS ops/s | TLS/plain ops/s | plain CPU \u00b5s/op | TLS CPU "
            + "\u00b5s/op | TLS/plain CPU/op | plain B/op | TLS B/op | slotring/peer plain | slotring/peer TLS |\n")
            .append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (final Op op : settings.ops)
        {
            final Summary minePlain = Summary.find(summaries, ClientFactory.SLOTRING, op);
            final Summary mineTls = Summary.find(summaries, ClientFactory.SLOTRING + TLS_SUFFIX, op);
            for (final Summary plain : summaries)
            {
                if (plain.op != op || plain.client.endsWith(TLS_SUFFIX))
                {
                    continue;
                }
                final Summary tls = Summary.find(summaries, plain.client + TLS_SUFFIX, op);
                final boolean peer = !plain.client.equals(ClientFactory.SLOTRING);
                md.append("| ").append(op.label()).append(" | ").append(plain.client).append(" | ")
                    .append(Summary.fmt(plain.opsPerSec(), 0)).append(" | ")
                    .append(tls == null ? "n/a" : Summary.fmt(tls.opsPerSec(), 0)).append(" | ")
                    .append(tls == null ? "n/a" : ratio(tls.opsPerSec(), plain.opsPerSec())).append(" | ")
                    .append(Summary.fmt(plain.cpuUsPerOp(), 2)).append(" | ")
                    .append(tls == null ? "n/a" : Summary.fmt(tls.cpuUsPerOp(), 2)).append(" | ")
                    .append(tls == null ? "n/a" : ratio(tls.cpuUsPerOp(), plain.cpuUsPerOp())).append(" | ")
                    .append(Summary.fmt(plain.allocBytesPerOp(), 0)).append(" | ")
                    .append(tls == null ? "n/a" : Summary.fmt(tls.allocBytesPerOp(), 0)).append(" | ")
                    .append(peer && minePlain != null ? ratio(minePlain.opsPerSec(), plain.opsPerSec()) : "")
                    .append(" | ")
                    .append(peer && mineTls != null && tls != null ? ratio(mineTls.opsPerSec(), tls.opsPerSec()) : "")
                    .append(" |\n");
            }
        }
        md.append('\n');
    }

    /** Suffix of a client's TLS runs under {@code --compare-tls} (ClusterBench.TLS_SUFFIX). */
    private static final String TLS_SUFFIX = "+tls";

    /** The medians table for stderr. */
    public String table()
    {
        final StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%-5s %-15s %12s %10s %10s %7s %9s %9s %9s %9s  %s%n", "op",
            "client", "ops/s", "cpu_us/op", "alloc_B/op", "cs/op", "p50_us", "p99_us", "p999_us", "p9999_us",
            "status"));
        for (final Summary s : summaries)
        {
            out.append(String.format(Locale.ROOT, "%-5s %-15s %12s %10s %10s %7s %9s %9s %9s %9s  %s%n",
                s.op.label(), s.client, Summary.fmt(s.opsPerSec(), 0), Summary.fmt(s.cpuUsPerOp(), 2),
                Summary.fmt(s.allocBytesPerOp(), 0), Summary.fmt(s.csPerOp(), 2), Summary.fmt(s.p50Us(), 0),
                Summary.fmt(s.p99Us(), 0),
                Summary.fmt(s.p999Us(), 0), Summary.fmt(s.p9999Us(), 0), abbreviate(s.status())));
        }
        for (final Op op : settings.ops)
        {
            final Summary mine = Summary.find(summaries, ClientFactory.SLOTRING, op);
            if (mine == null)
            {
                continue;
            }
            for (final Summary peer : summaries)
            {
                if (peer.op == op && !peer.client.equals(ClientFactory.SLOTRING))
                {
                    out.append(String.format(Locale.ROOT, "%-5s slotring/%-15s throughput x%s  cpu/op x%s%n",
                        op.label(), peer.client, ratio(mine.opsPerSec(), peer.opsPerSec()),
                        ratio(mine.cpuUsPerOp(), peer.cpuUsPerOp())));
                }
            }
        }
        if (settings.compareTls)
        {
            for (final Op op : settings.ops)
            {
                final Summary slotringTls = Summary.find(summaries, ClientFactory.SLOTRING + TLS_SUFFIX, op);
                for (final Summary tls : summaries)
                {
                    if (tls.op != op || !tls.client.endsWith(TLS_SUFFIX))
                    {
                        continue;
                    }
                    final String base = tls.client.substring(0, tls.client.length() - TLS_SUFFIX.length());
                    final Summary plain = Summary.find(summaries, base, op);
                    out.append(String.format(Locale.ROOT, "%-5s %-15s tls/plain throughput x%s  cpu/op x%s  "
                        + "B/op %s -> %s%s%n", op.label(), base, plain == null ? "n/a" :
                        ratio(tls.opsPerSec(), plain.opsPerSec()), plain == null ? "n/a" :
                        ratio(tls.cpuUsPerOp(), plain.cpuUsPerOp()), plain == null ? "n/a" :
                        Summary.fmt(plain.allocBytesPerOp(), 0), Summary.fmt(tls.allocBytesPerOp(), 0),
                        slotringTls == null || tls == slotringTls ? "" : "  slotring+tls/" + tls.client +
                        " throughput x" + ratio(slotringTls.opsPerSec(), tls.opsPerSec())));
                }
            }
        }
        return out.toString();
    }

    private static String abbreviate(final String text)
    {
        return text.length() <= 100 ? text : text.substring(0, 97) + "...";
    }

    private static String ratio(final Double numerator, final Double denominator)
    {
        if (numerator == null || denominator == null || denominator == 0)
        {
            return "n/a";
        }
        return String.format(Locale.ROOT, "%.2f", numerator / denominator);
    }


    private static Double medianOf(final long[] series)
    {
        final List<Double> values = new ArrayList<>();
        for (final long value : series)
        {
            values.add((double)value);
        }
        return Summary.median(values);
    }

    private static Double tailMean(final long[] series)
    {
        if (series.length == 0)
        {
            return null;
        }
        final int from = Math.max(0, series.length - FLAT_TAIL);
        double sum = 0;
        for (int i = from; i < series.length; i++)
        {
            sum += series[i];
        }
        return sum / (series.length - from);
    }

    private static long minOf(final long[] series)
    {
        long min = Long.MAX_VALUE;
        for (final long value : series)
        {
            min = Math.min(min, value);
        }
        return series.length == 0 ? 0 : min;
    }

    private static long maxOf(final long[] series)
    {
        long max = 0;
        for (final long value : series)
        {
            max = Math.max(max, value);
        }
        return max;
    }

    private static String join(final long[] series)
    {
        final StringBuilder out = new StringBuilder();
        for (final long value : series)
        {
            out.append(String.format(Locale.ROOT, "%,d ", value));
        }
        return out.toString().trim();
    }
}
