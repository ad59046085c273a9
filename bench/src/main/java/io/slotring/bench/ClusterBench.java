package io.slotring.bench;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.slotring.bench.report.MachineInfo;
import io.slotring.bench.report.Report;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bin/bench}: the published multiplexed cluster-client benchmark, reproduced side by side for slotring,
 * Lettuce (shared connection and manual flush), Jedis (cluster pipelines) and redis-benchmark.
 *
 * <p>stdout carries only JSON lines, one per client, op and round, so it can be piped into anything; progress,
 * the summary table and the report path go to stderr. Exit status: 0 all good, 1 a verified reply did not match
 * (or a GET missed), 2 a client failed (it is reported and the run goes on), 64 bad arguments.
 */
@Command(name = "bin/bench", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Side-by-side Redis Cluster client benchmark: slotring vs Lettuce vs Jedis vs redis-benchmark.")
public final class ClusterBench extends BenchCommand
{
    @Option(names = "--op", split = ",", paramLabel = "get|set|mixed|eval|pubsub",
        description = "Ops to run, repeatable or comma list (default: get,set,mixed). mixed: every 5th command a "
            + "SET. eval: a one-key Lua script (GET of KEYS[1]) by EVALSHA with each library's NOSCRIPT fallback. "
            + "pubsub: SPUBLISH to shard channels on every master that the client also SSUBSCRIBEs; latency is "
            + "publish to receive, loss is reported. eval and pubsub: slotring, lettuce, lettuce-manual, jedis "
            + "only; redis-benchmark runs eval (EVALSHA, replies unchecked), pubsub n/a.")
    private List<String> ops = new ArrayList<>();

    @Option(names = "--clients", split = ",", paramLabel = "name",
        description = "slotring,lettuce,lettuce-manual,jedis,redis-benchmark (default: every JVM client in this "
            + "build, plus redis-benchmark when installed); also slotring-sync,lettuce-sync,jedis-sync: each "
            + "library's plain blocking API, one command at a time per worker; slotring-nolat (latency metrics "
            + "off) and slotring-openssl (TLS through BoringSSL, TlsSettings.ofEngines; with --tls or --compare-tls).")
    private List<String> clients = new ArrayList<>();

    @Option(names = "--rate", paramLabel = "ops/s", description = "Open loop: fixed offered load in ops/s per "
        + "client, per-command latency from intended start (coordinated-omission corrected). Default: closed loop.")
    private long rate;

    @Mixin
    private final BenchOptions options = new BenchOptions(8, 10, 8, 2);

    ClusterBench()
    {
        super("bench", "[bench]");
    }

    /**
     * @param args command-line arguments; see {@code bin/bench --help}.
     */
    public static void main(final String[] args)
    {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs the benchmark in this JVM (what the smoke test calls).
     *
     * @return the exit status.
     */
    static int run(final String[] args, final PrintStream stdout, final PrintStream stderr)
    {
        return execute(new ClusterBench(), args, stdout, stderr);
    }

    @Override
    public Integer call() throws Exception
    {
        final BenchSettings settings;
        final List<String> notes = new ArrayList<>();
        final List<String> clientOrder;
        try
        {
            settings = settings();
            clientOrder = resolveClients(settings, notes);
            BenchOptions.require(!clientOrder.isEmpty(), "no client to run");
        }
        catch (final IllegalArgumentException ex)
        {
            return usage(ex);
        }
        warnIfOversubscribed(settings, clientOrder, notes);
        final Map<String, String> machine = MachineInfo.collect();
        try (Cluster cluster = Cluster.open(settings, tag, stderr))
        {
            stderr.printf(Locale.ROOT, "%s cluster masters %s; clients %s; ops %s; transport %s%n", tag,
                cluster.masters(), clientOrder, settings.ops, settings.transport());
            final List<RunResult> results = run(settings, cluster, clientOrder, notes);
            final Report report = new Report(settings, results, labels(settings, clientOrder), machine,
                cluster.versions(), cluster.masters(), notes);
            final Path written = report.write(settings.out);
            stderr.println();
            stderr.print(report.table());
            stderr.println(tag + " report: " + written.toAbsolutePath());
            return exitStatus(results);
        }
    }

    private List<RunResult> run(final BenchSettings settings, final Cluster cluster, final List<String> clientOrder,
        final List<String> notes)
    {
        final Workload workload = new Workload(settings.keys, settings.keySize, settings.valueSize);
        final Map<String, Object> config = settings.describe(String.join(",", cluster.clientSeeds()),
            cluster.masters().size());
        // --compare-tls: every client runs on the plain ports, then on the TLS ports, back to back in each round.
        final List<Cluster> transports = settings.compareTls ? List.of(cluster.plain(), cluster) : List.of(cluster);
        final List<RedisBenchmarkRunner> redisBenchmarks = new ArrayList<>();
        if (clientOrder.contains(ClientFactory.REDIS_BENCHMARK))
        {
            for (final Cluster transport : transports)
            {
                redisBenchmarks.add(new RedisBenchmarkRunner(RedisBenchmarkRunner.locate(), transport, settings,
                    stderr));
            }
        }
        final List<RunResult> results = new ArrayList<>();
        boolean loaded = false;
        if (settings.primeSec > 0)
        {
            KeyLoader.load(cluster, workload, settings.awaitTimeoutNs);
            loaded = true;
            final BenchSettings priming = settings.withWindow(0, settings.primeSec);
            for (final String client : clientOrder)
            {
                for (final Cluster transport : transports)
                {
                    if (!client.equals(ClientFactory.REDIS_BENCHMARK))
                    {
                        final RunResult primed = runClient(client, Op.MIXED, RunResult.PRIME_ROUND, priming,
                            transport, workload, config);
                        if (primed.failed())
                        {
                            stderr.println(tag + " " + client + " failed while priming: " + primed.error);
                        }
                    }
                }
            }
        }
        for (final Op op : settings.ops)
        {
            // Priming's mixed SETs rewrite the canonical values, so the keys it loaded stay valid.
            if (op.needsKeys() && loaded)
            {
                loaded = false;
            }
            else if (op.needsKeys())
            {
                final double seconds = KeyLoader.load(cluster, workload, settings.awaitTimeoutNs);
                stderr.printf(Locale.ROOT, "%s wrote %,d keys in %.1f s (cluster holds %,d)%n", tag,
                    workload.count(), seconds, cluster.keyCount());
            }
            if (op == Op.EVAL)
            {
                ExtraOps.loadScript(cluster);
            }
            notes.addAll(ExtraOps.notes(op));
            for (int round = 1; round <= settings.rounds; round++)
            {
                for (final String label : labels(settings, clientOrder))
                {
                    // --compare-tls: "<client>" on the plain ports, then "<client>+tls" on the TLS ports.
                    final boolean tlsHalf = settings.compareTls && label.endsWith(TLS_SUFFIX);
                    final String client = tlsHalf ? label.substring(0, label.length() - TLS_SUFFIX.length()) : label;
                    final Cluster transport = transports.get(tlsHalf ? 1 : 0);
                    final RunResult result;
                    if (!client.equals(ClientFactory.REDIS_BENCHMARK) && !ExtraOps.supports(client, op))
                    {
                        final String gap = client + ": " + op.label() + " n/a (only " + ExtraOps.CLIENTS +
                            " run it).";
                        if (!notes.contains(gap))
                        {
                            notes.add(gap);
                        }
                        continue;
                    }
                    if (client.equals(ClientFactory.REDIS_BENCHMARK))
                    {
                        if (!RedisBenchmarkRunner.supports(op))
                        {
                            final String gap = ExtraOps.redisBenchmarkGap(op);
                            if (gap != null && !notes.contains(gap))
                            {
                                notes.add(gap);
                            }
                            continue;
                        }
                        result = redisBenchmarks.get(tlsHalf ? 1 : 0).run(op, round, config);
                    }
                    else
                    {
                        result = runClient(client, op, round, settings, transport, workload, config);
                    }
                    result.client = label;
                    results.add(result);
                    emit(result);
                    if (result.published != null)
                    {
                        final String delivery = String.format(Locale.ROOT, "pubsub %s round %d: published %,d, "
                            + "delivered %,d, lost %,d", client, round, result.published, result.delivered,
                            result.published - result.delivered);
                        stderr.println(tag + " " + delivery);
                        notes.add(delivery + ".");
                    }
                }
            }
        }
        if (clientOrder.contains(ClientFactory.REDIS_BENCHMARK))
        {
            notes.addAll(RedisBenchmarkRunner.caveats(cluster.masters().size(), settings));
        }
        return results;
    }

    /** Suffix of a client's TLS runs under {@code --compare-tls}. */
    static final String TLS_SUFFIX = "+tls";

    /**
     * @return the clients as the runs and the report name them: under {@code --compare-tls} each client twice,
     * plain text then {@code <client>+tls}; otherwise {@code clientOrder} itself.
     */
    static List<String> labels(final BenchSettings settings, final List<String> clientOrder)
    {
        if (!settings.compareTls)
        {
            return clientOrder;
        }
        final List<String> out = new ArrayList<>();
        for (final String client : clientOrder)
        {
            out.add(client);
            out.add(client + TLS_SUFFIX);
        }
        return out;
    }

    private List<String> resolveClients(final BenchSettings settings, final List<String> notes)
    {
        final Path redisBenchmark = RedisBenchmarkRunner.locate();
        final List<String> out = new ArrayList<>();
        if (settings.clients.isEmpty())
        {
            for (final String client : ClientFactory.JVM_CLIENTS)
            {
                out.add(client);
            }
            if (redisBenchmark == null)
            {
                notes.add("redis-benchmark left out: not installed.");
            }
            else if (settings.openLoop())
            {
                notes.add("redis-benchmark left out: it has no open-loop (--rate) mode.");
            }
            else if (settings.keySize < RedisBenchmarkRunner.TEMPLATE_PREFIX.length())
            {
                notes.add("redis-benchmark left out: its key template needs at least " +
                    RedisBenchmarkRunner.TEMPLATE_PREFIX.length() + " B keys.");
            }
            else
            {
                out.add(ClientFactory.REDIS_BENCHMARK);
            }
            return out;
        }
        for (final String client : settings.clients)
        {
            if (client.equals(ClientFactory.REDIS_BENCHMARK))
            {
                if (redisBenchmark == null)
                {
                    throw new IllegalArgumentException("redis-benchmark is not installed (not on PATH)");
                }
                if (settings.openLoop())
                {
                    throw new IllegalArgumentException("redis-benchmark has no open-loop (--rate) mode");
                }
            }
            else if (!ClientFactory.isJvmClient(client))
            {
                throw new IllegalArgumentException("unknown client '" + client + "'; known: " +
                    ClientFactory.JVM_CLIENTS + ", " + ClientFactory.BLOCKING_CLIENTS + ", " +
                    ClientFactory.REDIS_BENCHMARK);
            }
            out.add(client);
        }
        return out;
    }

    private BenchSettings settings()
    {
        final Set<Op> opSet = new LinkedHashSet<>();
        for (final String op : ops.isEmpty() ? List.of("get", "set", "mixed") : ops)
        {
            try
            {
                opSet.add(Op.parse(op));
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException("unknown op '" + op + "'; known: get, set, mixed, eval, pubsub");
            }
        }
        final Set<String> clientSet = new LinkedHashSet<>();
        for (final String client : clients)
        {
            clientSet.add(client.trim().toLowerCase(Locale.ROOT));
        }
        BenchOptions.require(rate >= 0, "--rate must be >= 0");
        final BenchSettings settings = options.settings(new ArrayList<>(opSet), new ArrayList<>(clientSet), rate,
            ClusterBench.class, rawArgs);
        final int template = RedisBenchmarkRunner.TEMPLATE_PREFIX.length();
        BenchOptions.require(settings.keySize >= template || !clientSet.contains(ClientFactory.REDIS_BENCHMARK),
            "--key-size must be at least " + template + " B for redis-benchmark's key template");
        return settings;
    }
}
