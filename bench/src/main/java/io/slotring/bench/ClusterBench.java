package io.slotring.jmh.bench;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

import io.slotring.launcher.LocalRedisCluster;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

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
public final class ClusterBench implements Callable<Integer>
{
    static final int EXIT_MISMATCH = 1;
    static final int EXIT_CLIENT_ERROR = 2;
    private static final int EXIT_USAGE = 64;

    @Option(names = "--op", split = ",", paramLabel = "get|set|mixed",
        description = "Ops to run, repeatable or comma list (default: get,set,mixed). mixed: every 5th command a SET.")
    private List<String> ops = new ArrayList<>();

    @Option(names = "--connections", description = "Worker threads per client (default: ${DEFAULT-VALUE}).")
    private int connections = 16;

    @Option(names = "--mux", description = "slotring connections per node (default: ${DEFAULT-VALUE}).")
    private int mux = 4;

    @Option(names = "--key-size", description = "Key bytes (default: ${DEFAULT-VALUE}).")
    private int keySize = 512;

    @Option(names = "--value-size", description = "Value bytes (default: ${DEFAULT-VALUE}).")
    private int valueSize = 512;

    @Option(names = "--batch", description = "Async commands per worker batch (default: ${DEFAULT-VALUE}).")
    private int batch = 64;

    @Option(names = "--keys", description = "Keys written before get and mixed; GETs drawn from them "
        + "(default: ${DEFAULT-VALUE}).")
    private int keys = 100_000;

    @Option(names = "--duration", description = "Measured seconds per client, op and round (default: "
        + "${DEFAULT-VALUE}).")
    private int duration = 10;

    @Option(names = "--warmup", description = "Warmup seconds before each measured window; the per-second series "
        + "shows it is flat by the end (default: ${DEFAULT-VALUE}).")
    private int warmup = 8;

    @Option(names = "--rounds", description = "Rounds; clients alternate A B A B within each op "
        + "(default: ${DEFAULT-VALUE}).")
    private int rounds = 2;

    @Option(names = "--prime", paramLabel = "seconds", description = "Before the first op, run every JVM client "
        + "this long on the mixed op, unmeasured, so no client's first appearance pays for JIT compilation while "
        + "its window runs (measured: ~40%% lower throughput without it at 5 s warmup). 0 disables; --quick: 0 "
        + "(default: ${DEFAULT-VALUE}).")
    private int prime = 8;

    @Option(names = "--seeds", paramLabel = "host:port,...",
        description = "An existing cluster (default: an embedded local cluster, started and closed by the run).")
    private String seeds;

    @Option(names = "--masters", description = "Masters of the embedded cluster (default: ${DEFAULT-VALUE}).")
    private int masters = 5;

    @Option(names = "--clients", split = ",", paramLabel = "name",
        description = "slotring,lettuce,lettuce-manual,jedis,redis-benchmark (default: every JVM client in this "
            + "build, plus redis-benchmark when installed); also slotring-sync,lettuce-sync,jedis-sync: each "
            + "library's plain blocking API, one command at a time per worker.")
    private List<String> clients = new ArrayList<>();

    @Option(names = "--verify", description = "Check every GET reply against its key's value (and every SET "
        + "reply is OK); a mismatch fails the run.")
    private boolean verify;

    @Option(names = "--rate", paramLabel = "ops/s", description = "Open loop: fixed offered load in ops/s per "
        + "client, per-command latency from intended start (coordinated-omission corrected). Default: closed loop.")
    private long rate;

    @Option(names = "--out", paramLabel = "dir", description = "Report directory (default: perf-results).")
    private Path out;

    @Option(names = "--quick", description = "Smoke configuration: 1 s warmup, 2 s measured, 1 round, 2,000 keys "
        + "(explicit options still win).")
    private boolean quick;

    @Option(names = "--await-timeout", paramLabel = "seconds", description = "Bound on every batch wait "
        + "(default: ${DEFAULT-VALUE}).")
    private int awaitTimeout = 10;

    @Mixin
    private SlotringFlags slotringFlags = new SlotringFlags();

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    private PrintStream stdout = System.out;
    private PrintStream stderr = System.err;
    private String[] rawArgs = new String[0];

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
        final ClusterBench bench = new ClusterBench();
        bench.stdout = stdout;
        bench.stderr = stderr;
        bench.rawArgs = args.clone();
        final CommandLine commandLine = new CommandLine(bench);
        commandLine.setOut(new java.io.PrintWriter(stderr, true));
        commandLine.setErr(new java.io.PrintWriter(stderr, true));
        commandLine.setExecutionExceptionHandler((ex, line, parsed) ->
        {
            stderr.println("bench: " + Outcome.describe(ex));
            ex.printStackTrace(stderr);
            return EXIT_CLIENT_ERROR;
        });
        return commandLine.execute(args);
    }

    @Override
    public Integer call() throws Exception
    {
        final BenchSettings settings;
        try
        {
            settings = settings();
        }
        catch (final IllegalArgumentException ex)
        {
            stderr.println("bench: " + ex.getMessage());
            return EXIT_USAGE;
        }
        final List<String> notes = new ArrayList<>();
        final List<String> clientOrder = resolveClients(settings, notes);
        if (clientOrder.isEmpty())
        {
            stderr.println("bench: no client to run");
            return EXIT_USAGE;
        }
        warnIfOversubscribed(settings, clientOrder, notes, stderr);
        final Map<String, String> machine = MachineInfo.collect();
        LocalRedisCluster embedded = null;
        try
        {
            final String seedList;
            if (settings.seeds == null)
            {
                stderr.printf(Locale.ROOT, "[bench] starting an embedded cluster: %d masters, 0 replicas%n", masters);
                embedded = LocalRedisCluster.builder().masters(masters).replicasPerMaster(0).start();
                seedList = embedded.seeds();
            }
            else
            {
                seedList = settings.seeds;
            }
            final Cluster cluster = Cluster.discover(seedList);
            stderr.printf(Locale.ROOT, "[bench] cluster masters %s; clients %s; ops %s%n", cluster.masters(),
                clientOrder, settings.ops);
            final List<RunResult> results = run(settings, cluster, clientOrder, notes);
            final Report report = new Report(settings, results, clientOrder, machine, cluster, notes);
            final Path written = report.write(settings.out);
            stderr.println();
            stderr.print(report.table());
            stderr.println("[bench] report: " + written.toAbsolutePath());
            return exitStatus(results);
        }
        finally
        {
            if (embedded != null)
            {
                embedded.close();
            }
        }
    }

    private List<RunResult> run(final BenchSettings settings, final Cluster cluster, final List<String> clientOrder,
        final List<String> notes)
    {
        final Workload workload = new Workload(settings.keys, settings.keySize, settings.valueSize);
        final Map<String, Object> config = settings.describe(String.join(",", cluster.seeds()),
            cluster.masters().size());
        final RedisBenchmarkRunner redisBenchmark = clientOrder.contains(ClientFactory.REDIS_BENCHMARK) ?
            new RedisBenchmarkRunner(RedisBenchmarkRunner.locate(), cluster, settings, stderr) : null;
        final List<RunResult> results = new ArrayList<>();
        boolean loaded = false;
        if (settings.primeSec > 0)
        {
            KeyLoader.load(cluster, workload, settings.awaitTimeoutNs);
            loaded = true;
            final BenchSettings priming = settings.withWindow(0, settings.primeSec);
            for (final String client : clientOrder)
            {
                if (!client.equals(ClientFactory.REDIS_BENCHMARK))
                {
                    final RunResult primed = runJvmClient(client, Op.MIXED, Measurement.PRIME_ROUND, priming, cluster,
                        workload, config);
                    if (primed.failed())
                    {
                        stderr.println("[bench] " + client + " failed while priming: " + primed.error);
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
                stderr.printf(Locale.ROOT, "[bench] wrote %,d keys in %.1f s (cluster holds %,d)%n", workload.count(),
                    seconds, cluster.keyCount());
            }
            for (int round = 1; round <= settings.rounds; round++)
            {
                for (final String client : clientOrder)
                {
                    final RunResult result;
                    if (client.equals(ClientFactory.REDIS_BENCHMARK))
                    {
                        if (!RedisBenchmarkRunner.supports(op))
                        {
                            continue;
                        }
                        result = redisBenchmark.run(op, round, config);
                    }
                    else
                    {
                        result = runJvmClient(client, op, round, settings, cluster, workload, config);
                    }
                    results.add(result);
                    stdout.println(Json.write(result.toJson()));
                    stdout.flush();
                    if (result.failed())
                    {
                        stderr.println("[bench] " + client + " " + op.label() + " round " + round + ": " +
                            (result.error != null ? result.error : "") +
                            (result.mismatches > 0 ? " " + result.mismatches + " mismatches, first: " +
                                result.firstMismatch : ""));
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

    private RunResult runJvmClient(final String name, final Op op, final int round, final BenchSettings settings,
        final Cluster cluster, final Workload workload, final Map<String, Object> config)
    {
        final BenchClient client;
        try
        {
            client = ClientFactory.create(name, cluster, settings, workload);
        }
        catch (final RuntimeException | LinkageError ex)
        {
            final RunResult failed = new RunResult(name, op, round);
            failed.config.putAll(config);
            failed.error = "could not connect: " + Outcome.describe(ex);
            return failed;
        }
        RunResult result = null;
        try
        {
            result = Measurement.run(client, op, round, settings, workload, config, stderr);
            return result;
        }
        finally
        {
            try
            {
                client.close();
            }
            catch (final RuntimeException ex)
            {
                if (result != null)
                {
                    result.error = (result.error == null ? "" : result.error + "; ") + "close failed: " +
                        Outcome.describe(ex);
                }
            }
        }
    }

    /**
     * Warns on stderr (and in the report's notes) when slotring's spinning threads exceed the cores: its I/O
     * agents under busy-spin, plus {@code --connections} workers when callers spin.
     */
    static void warnIfOversubscribed(final BenchSettings settings, final List<String> clientOrder,
        final List<String> notes, final PrintStream stderr)
    {
        if (!clientOrder.contains(ClientFactory.SLOTRING) && !clientOrder.contains(ClientFactory.SLOTRING_SYNC))
        {
            return;
        }
        final String warning = settings.slotring.oversubscription(settings.connections,
            Runtime.getRuntime().availableProcessors());
        if (warning != null)
        {
            stderr.println("[bench] WARNING: " + warning);
            notes.add("Warning: " + warning + ".");
        }
    }

    private static int exitStatus(final List<RunResult> results)
    {
        int status = 0;
        for (final RunResult result : results)
        {
            if (result.mismatches > 0)
            {
                return EXIT_MISMATCH;
            }
            if (result.error != null || result.errors > 0)
            {
                status = EXIT_CLIENT_ERROR;
            }
        }
        return status;
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
        final ParseResult parsed = spec.commandLine().getParseResult();
        if (quick)
        {
            if (!parsed.hasMatchedOption("--warmup"))
            {
                warmup = 1;
            }
            if (!parsed.hasMatchedOption("--duration"))
            {
                duration = 2;
            }
            if (!parsed.hasMatchedOption("--rounds"))
            {
                rounds = 1;
            }
            if (!parsed.hasMatchedOption("--keys"))
            {
                keys = 2_000;
            }
            if (!parsed.hasMatchedOption("--prime"))
            {
                prime = 0;
            }
        }
        final Set<Op> opSet = new LinkedHashSet<>();
        for (final String op : ops.isEmpty() ? List.of("get", "set", "mixed") : ops)
        {
            try
            {
                opSet.add(Op.parse(op));
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException("unknown op '" + op + "'; known: get, set, mixed");
            }
        }
        final Set<String> clientSet = new LinkedHashSet<>();
        for (final String client : clients)
        {
            clientSet.add(client.trim().toLowerCase(Locale.ROOT));
        }
        require(connections >= 1 && connections <= 4096, "--connections must be 1..4096");
        require(mux >= 1 && mux <= 1024, "--mux must be 1..1024");
        require(batch >= 1 && batch <= 65_536, "--batch must be 1..65536");
        require(keys >= 1, "--keys must be >= 1");
        require(duration >= 1 && duration <= 3600, "--duration must be 1..3600 s");
        require(warmup >= 0 && warmup <= 3600, "--warmup must be 0..3600 s");
        require(rounds >= 1 && rounds <= 100, "--rounds must be 1..100");
        require(prime >= 0 && prime <= 3600, "--prime must be 0..3600 s");
        require(masters >= 1 && masters <= 64, "--masters must be 1..64");
        require(rate >= 0, "--rate must be >= 0");
        require(awaitTimeout >= 1 && awaitTimeout <= 600, "--await-timeout must be 1..600 s");
        final int widest = ("bench:" + (keys - 1) + ':').length();
        final int template = RedisBenchmarkRunner.TEMPLATE_PREFIX.length();
        require(keySize >= Math.max(widest, clientSet.contains(ClientFactory.REDIS_BENCHMARK) ? template : 0),
            "--key-size must hold 'bench:<i>:' (" + widest + " B here; " + template + " B for redis-benchmark's " +
                "template)");
        require(valueSize >= ("val:" + (keys - 1) + ':').length() && valueSize >= 20,
            "--value-size too small for 'val:<i>:'");
        final SlotringOptions slotring = slotringFlags.resolve();
        final Path outDir = out != null ? out :
            Path.of(System.getProperty("slotring.bench.defaultOut", "perf-results"));
        final String launcher = System.getProperty("slotring.bench.command");
        final String commandLine = launcher != null ? launcher :
            "java -cp jmh/target/benchmarks.jar " + ClusterBench.class.getName() + " " + String.join(" ", rawArgs);
        return new BenchSettings(new ArrayList<>(opSet), new ArrayList<>(clientSet), connections, mux, keySize,
            valueSize, batch, keys, duration, warmup, rounds, prime, seeds, masters, verify, rate, outDir, quick,
            awaitTimeout, commandLine, slotring);
    }

    private static void require(final boolean condition, final String message)
    {
        if (!condition)
        {
            throw new IllegalArgumentException(message);
        }
    }
}
