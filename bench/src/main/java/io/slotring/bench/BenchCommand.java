package io.slotring.bench;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import io.slotring.bench.report.Json;
import picocli.CommandLine;

/**
 * What {@link ClusterBench} and {@link LatencyBench} do alike: parse with picocli (help and usage on stderr, stdout
 * kept for the JSON lines), run one freshly created client per measured run, print each run as a JSON line, and
 * turn the runs into an exit status. Their shared options are a {@link BenchOptions} mixin, which each declares
 * after its own options with its own window defaults.
 */
abstract class BenchCommand implements Callable<Integer>
{
    static final int EXIT_MISMATCH = 1;
    static final int EXIT_CLIENT_ERROR = 2;
    static final int EXIT_USAGE = 64;

    /** Prefix of this command's error lines, e.g. {@code bench}. */
    private final String name;
    /** Prefix of its progress lines, e.g. {@code [bench]}. */
    final String tag;

    PrintStream stdout = System.out;
    PrintStream stderr = System.err;
    String[] rawArgs = new String[0];

    BenchCommand(final String name, final String tag)
    {
        this.name = name;
        this.tag = tag;
    }

    /**
     * Runs {@code command} in this JVM (what {@code main} and the smoke tests call).
     *
     * @return the exit status.
     */
    static int execute(final BenchCommand command, final String[] args, final PrintStream stdout,
        final PrintStream stderr)
    {
        command.stdout = stdout;
        command.stderr = stderr;
        command.rawArgs = args.clone();
        final CommandLine commandLine = new CommandLine(command);
        commandLine.setOut(new PrintWriter(stderr, true));
        commandLine.setErr(new PrintWriter(stderr, true));
        commandLine.setExecutionExceptionHandler((ex, line, parsed) ->
        {
            stderr.println(command.name + ": " + Outcome.describe(ex));
            ex.printStackTrace(stderr);
            return EXIT_CLIENT_ERROR;
        });
        return commandLine.execute(args);
    }

    /**
     * @return {@link #EXIT_USAGE}, after saying why on stderr.
     */
    int usage(final IllegalArgumentException ex)
    {
        stderr.println(name + ": " + ex.getMessage());
        return EXIT_USAGE;
    }

    /**
     * Creates the named JVM client, measures one run of it and closes it: a client lives for its own run only, so
     * an idle one never competes with the measured one for the cores.
     */
    RunResult runClient(final String client, final Op op, final int round, final BenchSettings settings,
        final Cluster cluster, final Workload workload, final Map<String, Object> config)
    {
        final BenchClient created;
        try
        {
            created = ExtraOps.create(client, op, cluster, settings, workload);
        }
        catch (final RuntimeException | LinkageError ex)
        {
            final RunResult failed = new RunResult(client, op, round);
            failed.config.putAll(config);
            failed.error = "could not connect: " + Outcome.describe(ex);
            failed.tls = cluster.tls() != null;
            return failed;
        }
        RunResult result = null;
        try
        {
            result = Measurement.run(created, op, round, settings, workload, config, stderr);
            result.tls = cluster.tls() != null;
            ExtraOps.finish(created, result);
            return result;
        }
        finally
        {
            try
            {
                created.close();
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

    /** Prints the run as a JSON line on stdout, and what went wrong in it, if anything, on stderr. */
    void emit(final RunResult result)
    {
        stdout.println(Json.write(result.toJson()));
        stdout.flush();
        if (result.failed())
        {
            stderr.println(tag + " " + result.client + " " + result.op.label() + " round " + result.round + ": " +
                (result.error != null ? result.error : "") + (result.mismatches > 0 ? " " + result.mismatches +
                " mismatches, first: " + result.firstMismatch : ""));
        }
    }

    /**
     * Warns on stderr (and in the report's notes) when slotring's spinning threads exceed the cores: its I/O
     * agents under busy-spin, plus {@code --connections} workers when callers spin.
     */
    void warnIfOversubscribed(final BenchSettings settings, final List<String> clients, final List<String> notes)
    {
        if (!clients.contains(ClientFactory.SLOTRING) && !clients.contains(ClientFactory.SLOTRING_SYNC))
        {
            return;
        }
        final String warning = settings.slotring.oversubscription(settings.connections,
            Runtime.getRuntime().availableProcessors());
        if (warning != null)
        {
            stderr.println(tag + " WARNING: " + warning);
            notes.add("Warning: " + warning + ".");
        }
    }

    /**
     * @return 0 all good, {@link #EXIT_MISMATCH} a verified reply did not match (or a GET missed),
     * {@link #EXIT_CLIENT_ERROR} a client failed.
     */
    static int exitStatus(final List<RunResult> results)
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
}
