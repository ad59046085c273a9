package io.slotring.bench;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.slotring.bench.report.MachineInfo;

/**
 * redis-benchmark, the C reference, sending the same traffic shape as the JVM clients: 512 B keys and values,
 * {@code -c connections}, {@code -P batch}, {@code --cluster}.
 *
 * <p>What it cannot do identically, and what we do instead (all stated in the report):
 * <ul>
 *   <li>Its built-in tests ({@code -t get,set}) use {@code key:{tag}:__rand_int__}, a ~24 B key, and ignore
 *       anything but {@code -d}; so we pass the commands literally, with a key template padded to the key size.</li>
 *   <li>In cluster mode a literal command's key MUST contain {@code {tag}}: the tool replaces it with a hash tag
 *       of the slot its connection's node serves. A tag-free key gets {@code MOVED} and the tool exits. So the
 *       template is {@code bench:{tag}:__rand_int__:000...}, 512 B after substitution.</li>
 *   <li>7.0 pins one slot tag per master, so {@code -r N} spans {@code masters x N} keys: we use
 *       {@code N = keys / masters} and, before GETs, fill that key space with a SET pass of 16 x its size (random
 *       keys, and its connections are not spread evenly over the masters: 10 x left 0.1% of GETs missing); the GET
 *       hit ratio is measured from the masters' keyspace_hits/misses and reported. The fill is not measured, so it
 *       runs with at least 16 connections pipelining 64: at the measured run's own {@code -c 1 -P 1} its 1.6 M
 *       SETs took longer than the fill's bound and the C reference was lost.</li>
 *   <li>A literal SET sends one fixed value; there is no mixed op (one command per run in 7.0).</li>
 *   <li>It has no duration option: a calibration run sizes {@code -n} to last about the warmup, then about the
 *       measured duration.</li>
 * </ul>
 * CPU per op comes from the shell's {@code times} of the child; context switches per op from GNU time's
 * {@code %w %c} (voluntary and involuntary, all of the process's threads, exited ones included) where
 * {@code /usr/bin/time} is GNU time, else n/a; allocation does not apply.
 */
final class RedisBenchmarkRunner
{
    /** Key template head; the rest is '0' padding to the key size. Its two placeholders keep their length. */
    static final String TEMPLATE_PREFIX = "bench:{tag}:__rand_int__:";

    private static final Pattern THROUGHPUT = Pattern.compile("throughput summary: ([0-9.]+) requests per second");
    private static final Pattern COMPLETED =
        Pattern.compile("([0-9]+) requests completed in ([0-9.]+) seconds");
    private static final Pattern LADDER = Pattern.compile("^\\s*([0-9.]+)% <= ([0-9.]+) milliseconds");
    private static final Pattern PROGRESS_RPS = Pattern.compile("rps=([0-9.]+)");
    private static final Pattern TIMES = Pattern.compile("([0-9]+)m([0-9.]+)s\\s+([0-9]+)m([0-9.]+)s");
    private static final Pattern RUSAGE = Pattern.compile("slotring-rusage: ([0-9]+) ([0-9]+)");
    private static final int CALIBRATION_BATCHES_PER_CONNECTION = 40;
    /**
     * Its throughput figure includes its start (cluster discovery, connects): at {@code -c 1 -P 1} the 40 requests
     * of the per-connection rule took ~0.1 s, were rated at a few hundred ops/s, and every later run was sized far
     * too short. A floor keeps the calibration long enough to rate the steady state.
     */
    private static final long CALIBRATION_MIN_REQUESTS = 10_000;
    private static final int FILL_FACTOR = 16;
    /** The fill's least parallelism: it is plumbing, and must finish well within its bound at any -c and -P. */
    static final int FILL_MIN_CONNECTIONS = 16;
    static final int FILL_MIN_PIPELINE = 64;
    private static final Path GNU_TIME = gnuTime();

    private final Path binary;
    private final Cluster cluster;
    private final BenchSettings settings;
    private final PrintStream progress;
    private final String keyTemplate;
    private final String value;
    private final int keysPerMaster;
    /** The fill is done once per runner: nothing else writes redis-benchmark's keys between its runs. */
    private boolean filled;

    RedisBenchmarkRunner(final Path binary, final Cluster cluster, final BenchSettings settings,
        final PrintStream progress)
    {
        this.binary = binary;
        this.cluster = cluster;
        this.settings = settings;
        this.progress = progress;
        this.keyTemplate = new String(Workload.pad(TEMPLATE_PREFIX, settings.keySize, (byte)'0'),
            StandardCharsets.US_ASCII);
        this.value = new String(Workload.pad("val:redis-benchmark:", settings.valueSize, (byte)'X'),
            StandardCharsets.US_ASCII);
        this.keysPerMaster = Math.max(1, (settings.keys + cluster.masters().size() - 1) / cluster.masters().size());
    }

    /**
     * @return the first redis-benchmark on PATH, or null.
     */
    static Path locate()
    {
        final String path = System.getenv("PATH");
        if (path == null)
        {
            return null;
        }
        for (final String dir : path.split(File.pathSeparator))
        {
            final Path candidate = Path.of(dir, "redis-benchmark");
            if (Files.isExecutable(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    /**
     * @return what a reader must know to compare its figures with the JVM clients'.
     */
    static List<String> caveats(final int masters, final BenchSettings settings)
    {
        final List<String> out = new ArrayList<>();
        out.add("redis-benchmark: `-t get,set` would send ~24 B keys (`key:{tag}:__rand_int__`) and ignore the key "
            + "size, so the commands are passed literally with a key template of " + settings.keySize + " B.");
        out.add("redis-benchmark: in --cluster mode a literal command's key must contain `{tag}` (a tag-free key "
            + "gets MOVED and the tool exits), so its keys carry a hash tag the JVM clients' keys do not have; 7.0 "
            + "pins one slot per master, so `-r` spans masters x r keys (r = keys / masters here).");
        if (settings.connections == 1 && settings.batch == 1)
        {
            out.add("redis-benchmark: its one connection sends one command at a time to ONE master (the first), "
                + "where a JVM worker's commands go to the master that owns each key. It runs one thread per "
                + "master (its cluster default; the others have no connection, and `--threads 1` measured the same "
                + "here) and cannot verify replies; its GET hit ratio is measured on the servers.");
        }
        else
        {
            out.add("redis-benchmark: its " + settings.connections + " connections are spread round-robin over the "
                + masters + " masters and each pipelines " + settings.batch + " commands to ONE node, where a JVM "
                + "worker's batch of " + settings.batch + " is split over all masters (~" +
                Math.max(1, settings.batch / Math.max(1, masters)) + " per node): fewer, larger writes and reads "
                + "for the servers. It runs one thread per master (its cluster default) and cannot verify replies; "
                + "its GET hit ratio is measured on the servers.");
        }
        out.add("redis-benchmark: before GETs its own key space is filled by an unmeasured SET pass of " + FILL_FACTOR
            + " x its size with at least " + FILL_MIN_CONNECTIONS + " connections pipelining " + FILL_MIN_PIPELINE
            + ", whatever the measured -c and -P.");
        out.add("redis-benchmark: a literal SET sends one fixed value; it has no mixed run (7.0 runs one command "
            + "per invocation) and no duration option (-n is sized from a calibration run).");
        return out;
    }

    static boolean supports(final Op op)
    {
        return op == Op.GET || op == Op.SET || op == Op.EVAL;
    }

    /** What the report says ran, with the 512 B arguments abbreviated. */
    String describeCommand(final Op op, final long requests)
    {
        return String.join(" ", abbreviated(arguments(op, requests, false)));
    }

    private String describeFill(final long requests)
    {
        return String.join(" ", abbreviated(arguments(Op.SET, requests, true)));
    }

    /** GNU time, for the child's context switches; null where /usr/bin/time is missing or another time. */
    private static Path gnuTime()
    {
        final Path time = Path.of("/usr/bin/time");
        if (!Files.isExecutable(time))
        {
            return null;
        }
        return MachineInfo.command(time.toString(), "--version").contains("GNU") ? time : null;
    }

    RunResult run(final Op op, final int round, final Map<String, Object> config)
    {
        final RunResult result = new RunResult(ClientFactory.REDIS_BENCHMARK, op, round);
        result.tls = cluster.tls() != null;
        result.config.putAll(config);
        result.latencyKind = "per pipeline of " + settings.batch + " to one node (redis-benchmark)";
        final Map<String, Object> clientConfig = result.clientConfig;
        clientConfig.put("binary", binary.toString());
        clientConfig.put("key_template", "bench:{tag}:__rand_int__:0... (" + settings.keySize + " B)");
        clientConfig.put("r_per_master", keysPerMaster);
        clientConfig.put("threads", "one per master (its cluster-mode default)");
        clientConfig.put("tls", cluster.tls() != null ? "--tls --cacert ca.crt (OpenSSL: chain verified, "
            + "host name not checked by hiredis)" : "off");
        clientConfig.put("context_switches", GNU_TIME != null ? "GNU time %w + %c of the process" :
            "n/a (no GNU /usr/bin/time)");
        try
        {
            final long calibrationRequests = Math.max(CALIBRATION_MIN_REQUESTS,
                (long)settings.connections * settings.batch * CALIBRATION_BATCHES_PER_CONNECTION);
            // EVAL's script is a GET of its key, so it reads the same filled key space (and counts hits alike).
            final boolean reads = op == Op.GET || op == Op.EVAL;
            if (reads && !filled)
            {
                final long fill = (long)FILL_FACTOR * keysPerMaster * cluster.masters().size();
                clientConfig.put("fill", describeFill(fill));
                final Run filled = execute(Op.SET, fill, "fill", 0, true);
                if (filled.error != null)
                {
                    result.error = "fill: " + filled.error;
                    return result;
                }
                this.filled = true;
            }
            final Run calibration = execute(op, calibrationRequests, "calibrate", 0, false);
            if (calibration.error != null)
            {
                result.error = "calibration: " + calibration.error;
                return result;
            }
            double rate = Math.max(1, calibration.opsPerSec);
            final List<Long> warmupSeries = new ArrayList<>();
            if (settings.warmupSec > 0)
            {
                final Run warmup = execute(op, Math.max(calibrationRequests, (long)(rate * settings.warmupSec)),
                    "warmup", settings.warmupSec, false);
                if (warmup.error != null)
                {
                    result.error = "warmup: " + warmup.error;
                    return result;
                }
                rate = Math.max(1, warmup.opsPerSec);
                warmupSeries.addAll(warmup.series);
            }
            final long requests = Math.max(calibrationRequests, (long)(rate * settings.durationSec));
            final long hitsBefore = reads ? cluster.sumInfo("stats", "keyspace_hits") : 0;
            final long missesBefore = reads ? cluster.sumInfo("stats", "keyspace_misses") : 0;
            final Run measured = execute(op, requests, "measure", settings.durationSec, false);
            if (reads)
            {
                final long hits = cluster.sumInfo("stats", "keyspace_hits") - hitsBefore;
                final long misses = cluster.sumInfo("stats", "keyspace_misses") - missesBefore;
                result.hitRatio = hits + misses == 0 ? null : Math.round(1e5 * hits / (double)(hits + misses)) / 1e5;
            }
            result.note = describeCommand(op, requests);
            result.warmupSeries = toArray(warmupSeries);
            result.measuredSeries = toArray(measured.series);
            if (measured.error != null)
            {
                result.error = measured.error;
                return result;
            }
            result.totalOps = measured.requests;
            result.durationSec = measured.seconds;
            result.opsPerSec = measured.opsPerSec;
            if (measured.cpuSeconds >= 0 && measured.requests > 0)
            {
                result.cpuUsPerOp = measured.cpuSeconds * 1e6 / measured.requests;
            }
            if (measured.contextSwitches >= 0 && measured.requests > 0)
            {
                result.csPerOp = (double)measured.contextSwitches / measured.requests;
            }
            result.p50Us = measured.p50Us;
            result.p99Us = measured.p99Us;
            result.p999Us = ladderAt(measured.ladder, 99.9);
            result.p9999Us = ladderAt(measured.ladder, 99.99);
            result.maxUs = ladderAt(measured.ladder, 100);
            for (final double percentile : RunResult.CURVE_PERCENTILES)
            {
                final Double micros = ladderAt(measured.ladder, percentile);
                if (micros != null)
                {
                    result.curve.add(new double[] { percentile, micros });
                }
            }
        }
        catch (final RuntimeException ex)
        {
            result.error = Outcome.describe(ex);
        }
        return result;
    }

    private static long[] toArray(final List<Long> values)
    {
        final long[] out = new long[values.size()];
        for (int i = 0; i < out.length; i++)
        {
            out[i] = values.get(i);
        }
        return out;
    }

    /**
     * @param fill the unmeasured SET pass before GETs: at least {@link #FILL_MIN_CONNECTIONS} connections
     *             pipelining {@link #FILL_MIN_PIPELINE}, whatever the measured shape.
     */
    List<String> arguments(final Op op, final long requests, final boolean fill)
    {
        // Under TLS it dials the first master's TLS port and verifies the nodes against the cluster's CA.
        final Cluster.Tls tls = cluster.tls();
        final String first = tls != null ? tls.masters.get(0) : cluster.masters().get(0);
        final int colon = first.lastIndexOf(':');
        final int connections = fill ? Math.max(FILL_MIN_CONNECTIONS, settings.connections) : settings.connections;
        final int pipeline = fill ? Math.max(FILL_MIN_PIPELINE, settings.batch) : settings.batch;
        final List<String> args = new ArrayList<>(List.of(binary.toString(),
            "-h", first.substring(0, colon), "-p", first.substring(colon + 1), "--cluster",
            "-c", Integer.toString(connections), "-P", Integer.toString(pipeline),
            "-r", Integer.toString(keysPerMaster), "-n", Long.toString(requests)));
        if (tls != null)
        {
            args.addAll(List.of("--tls", "--cacert", tls.caCertificate.toString()));
        }
        if (op == Op.SET)
        {
            args.addAll(List.of("SET", keyTemplate, value));
        }
        else if (op == Op.EVAL)
        {
            // The script is loaded on every master beforehand (ExtraOps.loadScript); {tag} routes it like a GET.
            args.addAll(List.of("EVALSHA", EvalClient.SHA1, "1", keyTemplate));
        }
        else
        {
            args.addAll(List.of("GET", keyTemplate));
        }
        return args;
    }

    private List<String> abbreviated(final List<String> args)
    {
        final List<String> out = new ArrayList<>();
        for (final String arg : args)
        {
            if (arg.equals(keyTemplate))
            {
                out.add("'" + TEMPLATE_PREFIX + "' + '0' x " + (keyTemplate.length() - TEMPLATE_PREFIX.length()));
            }
            else if (arg.equals(value))
            {
                out.add("'val:redis-benchmark:' + 'X' x " + (value.length() - 20));
            }
            else
            {
                out.add(arg);
            }
        }
        return out;
    }

    /** The outcome of one redis-benchmark process. */
    private static final class Run
    {
        String error;
        long requests;
        double seconds;
        double opsPerSec;
        double cpuSeconds = -1;
        long contextSwitches = -1;
        Double p50Us;
        Double p99Us;
        final List<double[]> ladder = new ArrayList<>();
        final List<Long> series = new ArrayList<>();
    }

    private Run execute(final Op op, final long requests, final String phase, final int expectedSeconds,
        final boolean fill)
    {
        final List<String> command = new ArrayList<>();
        if (GNU_TIME != null)
        {
            // Its rusage of the shell includes the waited-for redis-benchmark: every thread, exited ones too.
            command.addAll(List.of(GNU_TIME.toString(), "-f", "slotring-rusage: %w %c"));
        }
        command.addAll(List.of("bash", "-c", "\"$@\"; rc=$?; times >&2; exit $rc", "redis-benchmark"));
        command.addAll(arguments(op, requests, fill));
        final Run run = new Run();
        final Process process;
        try
        {
            process = new ProcessBuilder(command).start();
        }
        catch (final IOException ex)
        {
            run.error = "cannot start " + binary + ": " + ex.getMessage();
            return run;
        }
        final StreamCollector stdout = new StreamCollector(process.getInputStream());
        final StreamCollector stderr = new StreamCollector(process.getErrorStream());
        stdout.start();
        stderr.start();
        // Generous bound: its own -n was sized for expectedSeconds at the calibrated rate.
        final long limitNs = TimeUnit.SECONDS.toNanos(60L + 4L * Math.max(expectedSeconds, 5));
        final long begin = System.nanoTime();
        int second = 0;
        try
        {
            while (!process.waitFor(1, TimeUnit.SECONDS))
            {
                second++;
                final double rps = stdout.lastRps;
                run.series.add(Math.round(rps));
                progress.printf(Locale.ROOT, "[bench] %-14s %-5s %-9s %3ds %,12.0f ops/s%n",
                    ClientFactory.REDIS_BENCHMARK, op.label(), phase, second, rps);
                if (System.nanoTime() - begin > limitNs)
                {
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                    run.error = "redis-benchmark " + phase + " did not finish within " +
                        TimeUnit.NANOSECONDS.toSeconds(limitNs) + " s; killed";
                    return run;
                }
            }
            stdout.join(5000);
            stderr.join(5000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            run.error = "interrupted";
            return run;
        }
        final String out = stdout.text();
        final String err = stderr.text();
        parse(out, run);
        parseTimes(err, run);
        final Matcher rusage = RUSAGE.matcher(err);
        if (rusage.find())
        {
            run.contextSwitches = Long.parseLong(rusage.group(1)) + Long.parseLong(rusage.group(2));
        }
        if (process.exitValue() != 0 || run.requests == 0)
        {
            run.error = "redis-benchmark exited " + process.exitValue() + ": " + tail(out + "\n" + err);
        }
        return run;
    }

    private static void parse(final String output, final Run run)
    {
        boolean inLadder = false;
        final String[] lines = output.replace('\r', '\n').split("\n");
        for (int i = 0; i < lines.length; i++)
        {
            final String line = lines[i];
            Matcher m = COMPLETED.matcher(line);
            if (m.find())
            {
                run.requests = Long.parseLong(m.group(1));
                run.seconds = Double.parseDouble(m.group(2));
            }
            m = THROUGHPUT.matcher(line);
            if (m.find())
            {
                run.opsPerSec = Double.parseDouble(m.group(1));
            }
            if (line.startsWith("Latency by percentile distribution"))
            {
                inLadder = true;
                continue;
            }
            if (inLadder)
            {
                m = LADDER.matcher(line);
                if (m.find())
                {
                    run.ladder.add(new double[] { Double.parseDouble(m.group(1)),
                        Double.parseDouble(m.group(2)) * 1000 });
                }
                else if (!line.isBlank())
                {
                    inLadder = false;
                }
            }
            if (line.trim().startsWith("avg") && line.contains("p50") && i + 1 < lines.length)
            {
                final String[] header = line.trim().split("\\s+");
                final String[] values = lines[i + 1].trim().split("\\s+");
                for (int c = 0; c < header.length && c < values.length; c++)
                {
                    if ("p50".equals(header[c]))
                    {
                        run.p50Us = Double.parseDouble(values[c]) * 1000;
                    }
                    else if ("p99".equals(header[c]))
                    {
                        run.p99Us = Double.parseDouble(values[c]) * 1000;
                    }
                }
            }
        }
        if (run.opsPerSec == 0 && run.seconds > 0)
        {
            run.opsPerSec = run.requests / run.seconds;
        }
    }

    /** Second line of bash's {@code times}: the children's user and system time. */
    private static void parseTimes(final String stderr, final Run run)
    {
        final List<String> matches = new ArrayList<>();
        for (final String line : stderr.split("\n"))
        {
            if (TIMES.matcher(line.trim()).matches())
            {
                matches.add(line.trim());
            }
        }
        if (matches.size() >= 2)
        {
            final Matcher m = TIMES.matcher(matches.get(matches.size() - 1));
            if (m.matches())
            {
                run.cpuSeconds = Long.parseLong(m.group(1)) * 60 + Double.parseDouble(m.group(2)) +
                    Long.parseLong(m.group(3)) * 60 + Double.parseDouble(m.group(4));
            }
        }
    }

    /** The first ladder step at or above the percentile: an upper bound, as the tool prints no finer. */
    private static Double ladderAt(final List<double[]> ladder, final double percentile)
    {
        for (final double[] step : ladder)
        {
            if (step[0] >= percentile)
            {
                return step[1];
            }
        }
        return ladder.isEmpty() ? null : ladder.get(ladder.size() - 1)[1];
    }

    private static String tail(final String text)
    {
        final String trimmed = text.replace('\r', '\n').trim();
        return trimmed.length() <= 600 ? trimmed : "..." + trimmed.substring(trimmed.length() - 600);
    }

    /** Drains a process stream (so the child never blocks on a full pipe) and tracks its latest rps figure. */
    private static final class StreamCollector extends Thread
    {
        private final InputStream in;
        private final ByteArrayOutputStream all = new ByteArrayOutputStream();
        private final StringBuilder segment = new StringBuilder();
        volatile double lastRps;

        StreamCollector(final InputStream in)
        {
            super("redis-benchmark-reader");
            setDaemon(true);
            this.in = in;
        }

        @Override
        public void run()
        {
            final byte[] buffer = new byte[8192];
            try
            {
                int read;
                while ((read = in.read(buffer)) >= 0)
                {
                    synchronized (all)
                    {
                        all.write(buffer, 0, read);
                    }
                    for (int i = 0; i < read; i++)
                    {
                        final char c = (char)(buffer[i] & 0xFF);
                        if (c == '\r' || c == '\n')
                        {
                            final Matcher m = PROGRESS_RPS.matcher(segment);
                            if (m.find())
                            {
                                lastRps = Double.parseDouble(m.group(1));
                            }
                            segment.setLength(0);
                        }
                        else
                        {
                            // Its progress line repeats the whole command (1 KB here): keep the tail with rps=.
                            if (segment.length() >= 8192)
                            {
                                segment.delete(0, 4096);
                            }
                            segment.append(c);
                        }
                    }
                }
            }
            catch (final IOException ignored)
            {
                // The process ended or was killed; what was read is what there is.
            }
        }

        String text()
        {
            synchronized (all)
            {
                return all.toString(StandardCharsets.UTF_8);
            }
        }
    }
}
