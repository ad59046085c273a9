package io.slotring.bench;

import java.nio.file.Path;
import java.util.List;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The options {@code bin/bench} and {@code bin/bench latency} share (a picocli mixin): the workload, the windows,
 * the cluster, the report directory and slotring's thread flags, spelled, checked and turned into
 * {@link BenchSettings} in one place. Each command passes its own window defaults.
 */
final class BenchOptions
{
    /** Keys a {@code --quick} run writes. */
    private static final int QUICK_KEYS = 2_000;

    @Option(names = "--connections", description = "Worker threads per client (latency: in the saturation and "
        + "fixed-rate runs; default: ${DEFAULT-VALUE}).")
    private int connections = 16;

    @Option(names = "--mux", description = "slotring connections per node (default: ${DEFAULT-VALUE}).")
    private int mux = 4;

    @Option(names = "--key-size", description = "Key bytes (default: ${DEFAULT-VALUE}).")
    private int keySize = 512;

    @Option(names = "--value-size", description = "Value bytes (default: ${DEFAULT-VALUE}).")
    private int valueSize = 512;

    @Option(names = "--batch", description = "Async commands per worker batch; open loop: the most a worker sends "
        + "at once when several fall due (default: ${DEFAULT-VALUE}).")
    private int batch = 64;

    @Option(names = "--keys", description = "Keys written before the GETs, which are drawn from them (default: "
        + "${DEFAULT-VALUE}).")
    private int keys = 100_000;

    @Option(names = "--duration", description = "Measured seconds of each run (latency: of each fixed-rate and "
        + "single-thread run; default: ${DEFAULT-VALUE}).")
    private int duration;

    @Option(names = "--warmup", description = "Warmup seconds before each measured window; the per-second series "
        + "shows it is flat by the end (default: ${DEFAULT-VALUE}).")
    private int warmup;

    @Option(names = "--rounds", description = "Rounds; clients alternate A B A B within each op or rate (default: "
        + "${DEFAULT-VALUE}).")
    private int rounds = 2;

    @Option(names = "--prime", paramLabel = "seconds", description = "Before the first measured run, run every JVM "
        + "client this long, unmeasured, so no client's first appearance pays for JIT compilation while its window "
        + "runs (measured: ~40%% lower throughput without it at 5 s warmup). 0 disables; --quick: 0 (default: "
        + "${DEFAULT-VALUE}).")
    private int prime;

    @Option(names = "--seeds", paramLabel = "host:port,...",
        description = "An existing cluster (default: an embedded local cluster, started and closed by the run).")
    private String seeds;

    @Option(names = "--masters", description = "Masters of the embedded cluster (default: ${DEFAULT-VALUE}).")
    private int masters = 5;

    @Option(names = "--tls", description = "Start the embedded cluster with TLS (a fresh CA; nodes keep their "
        + "plain port for the harness) and run every client over TLS, verifying the server certificate against the "
        + "CA and the host 127.0.0.1: slotring, Lettuce and Jedis (JDK TLS), redis-benchmark (--tls --cacert).")
    private boolean tls;

    @Option(names = "--compare-tls", description = "Like --tls, but every client runs twice in each round, plain "
        + "text then TLS (as <client>+tls), and the report adds TLS/plain ratios per client.")
    private boolean compareTls;

    @Option(names = "--verify", description = "Check every GET reply against its key's value (and every SET "
        + "reply is OK); a mismatch fails the run.")
    private boolean verify;

    @Option(names = "--out", paramLabel = "dir", description = "Report directory (default: perf-results).")
    private Path out;

    @Option(names = "--quick", description = "Smoke configuration: 1 s warmups, windows of 2 s (latency: 1 s), 1 "
        + "round, 2,000 keys, no priming (explicit options still win).")
    private boolean quick;

    @Option(names = "--await-timeout", paramLabel = "seconds", description = "Bound on every batch wait "
        + "(default: ${DEFAULT-VALUE}).")
    private int awaitTimeout = 10;

    @Mixin
    private SlotringFlags slotringFlags = new SlotringFlags();

    @Spec(Spec.Target.MIXEE)
    private CommandSpec command;

    private final int quickDuration;

    /**
     * @param warmup        the command's default {@code --warmup}.
     * @param duration      its default {@code --duration}.
     * @param prime         its default {@code --prime}.
     * @param quickDuration {@code --duration} under {@code --quick}.
     */
    BenchOptions(final int warmup, final int duration, final int prime, final int quickDuration)
    {
        this.warmup = warmup;
        this.duration = duration;
        this.prime = prime;
        this.quickDuration = quickDuration;
    }

    boolean quick()
    {
        return quick;
    }

    /**
     * @return whether the command line named {@code option} (so a {@code --quick} default must not replace it).
     */
    boolean matched(final String option)
    {
        return command.commandLine().getParseResult().hasMatchedOption(option);
    }

    /**
     * Applies {@code --quick}, checks every shared option and builds the settings.
     *
     * @param ops     the ops to run.
     * @param clients {@code --clients} as given, normalized (empty: the command's default).
     * @param rate    offered ops/s for an open loop; 0: closed loop.
     * @param main    the command's class, for the command line the report prints when no launcher names it.
     * @param rawArgs the arguments as given.
     * @throws IllegalArgumentException naming the bad option.
     */
    BenchSettings settings(final List<Op> ops, final List<String> clients, final long rate, final Class<?> main,
        final String[] rawArgs)
    {
        if (quick)
        {
            warmup = matched("--warmup") ? warmup : 1;
            duration = matched("--duration") ? duration : quickDuration;
            rounds = matched("--rounds") ? rounds : 1;
            keys = matched("--keys") ? keys : QUICK_KEYS;
            prime = matched("--prime") ? prime : 0;
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
        require(awaitTimeout >= 1 && awaitTimeout <= 600, "--await-timeout must be 1..600 s");
        final int widest = ("bench:" + (keys - 1) + ':').length();
        require(keySize >= widest, "--key-size must hold 'bench:<i>:' (" + widest + " B here)");
        require(valueSize >= ("val:" + (keys - 1) + ':').length() && valueSize >= 20,
            "--value-size too small for 'val:<i>:'");
        require(!(tls && compareTls), "--tls and --compare-tls exclude each other");
        require(seeds == null || !(tls || compareTls), "--tls and --compare-tls need the embedded cluster (no "
            + "--seeds): the harness reads the CA from the cluster it starts");
        final SlotringOptions slotring = slotringFlags.resolve();
        final Path outDir = out != null ? out :
            Path.of(System.getProperty("slotring.bench.defaultOut", "perf-results"));
        final String launcher = System.getProperty("slotring.bench.command");
        final String commandLine = launcher != null ? launcher :
            "java -cp bench/target/slotring-bench.jar " + main.getName() + " " + String.join(" ", rawArgs);
        return new BenchSettings(ops, clients, connections, mux, keySize, valueSize, batch, keys, duration, warmup,
            rounds, prime, seeds, masters, verify, rate, outDir, quick, awaitTimeout, commandLine, slotring, tls,
            compareTls);
    }

    /**
     * @throws IllegalArgumentException with {@code message} unless {@code condition} holds.
     */
    static void require(final boolean condition, final String message)
    {
        if (!condition)
        {
            throw new IllegalArgumentException(message);
        }
    }
}
