package io.slotring.bench.report;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.slotring.bench.BenchWindowEvent;
import io.slotring.bench.RunResult;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The summarizer behind {@code bin/bench profile}: reads the recording of a ClusterBench run and writes
 * {@code YYYY-MM-DD-profile[-N].md}, per client: CPU cost centers (self and inclusive), native samples, allocation
 * sites by sampled bytes, GC and per-thread CPU, plus factual bullets computed from them.
 *
 * <p>A sample counts for a client when it falls inside one of that client's measured windows (the
 * {@link BenchWindowEvent}s; priming, round 0, is left out) and was taken on one of its threads
 * ({@link ThreadRoles}). A recording without window events (an older harness) falls back to the span of each
 * client's worker-thread samples, warmup and priming included.
 */
@Command(name = "JfrSummary", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Summarizes a bin/bench JFR recording per client into a dated markdown profile.")
public final class JfrSummary implements Callable<Integer>
{
    private static final String EXECUTION_SAMPLE = "jdk.ExecutionSample";
    private static final String NATIVE_SAMPLE = "jdk.NativeMethodSample";
    /** jdk.ThreadCPULoad's period in bin/lib/slotring-profile.jfc: what a thread's first event covers. */
    private static final long CPU_LOAD_PERIOD_NS = 1_000_000_000L;

    @Option(names = "--jfr", required = true, paramLabel = "file", description = "The recording.")
    private Path jfr;

    @Option(names = "--results", paramLabel = "file", description = "ClusterBench's JSON lines (stdout) for the "
        + "same run: ops per window, to put the samples per op.")
    private Path results;

    @Option(names = "--out", paramLabel = "dir", description = "Report directory (default: perf-results).")
    private Path out;

    @Option(names = "--command", paramLabel = "text", description = "The command line to print in the report.")
    private String command = "";

    @Option(names = "--top", description = "Rows per table (default: ${DEFAULT-VALUE}).")
    private int top = 20;

    private PrintStream stderr = System.err;

    /** The recording, read: the clients in the order they first ran, and facts about the profiled JVM. */
    static final class Profile
    {
        final List<ClientProfile> clients = new ArrayList<>();
        final Map<String, String> recording = new LinkedHashMap<>();
        boolean windowsFromEvents;
        long executionSamplesOutside;
        long executionSamplesTotal;
        /** jdk.ThreadCPULoad is a share of the whole machine; bin/bench profile summarizes on the same machine. */
        int cpus = Runtime.getRuntime().availableProcessors();

        ClientProfile client(final String name)
        {
            for (final ClientProfile client : clients)
            {
                if (client.client.equals(name))
                {
                    return client;
                }
            }
            return null;
        }
    }

    /** One measured window: [startNs, endNs] in epoch nanoseconds. */
    static final class Window
    {
        final String client;
        final String op;
        final int round;
        final long startNs;
        final long endNs;

        Window(final String client, final String op, final int round, final long startNs, final long endNs)
        {
            this.client = client;
            this.op = op;
            this.round = round;
            this.startNs = startNs;
            this.endNs = endNs;
        }

        boolean contains(final long timeNs)
        {
            return timeNs >= startNs && timeNs <= endNs;
        }
    }

    /** One jdk.ThreadCPULoad event: the thread's share of the machine over the period ending at timeNs. */
    private static final class CpuLoad
    {
        final long threadId;
        final String thread;
        final long timeNs;
        final double user;
        final double system;

        CpuLoad(final long threadId, final String thread, final long timeNs, final double user, final double system)
        {
            this.threadId = threadId;
            this.thread = thread;
            this.timeNs = timeNs;
            this.user = user;
            this.system = system;
        }
    }

    /** The fields of one ClusterBench JSON line that the profile uses. */
    static final class ResultLine
    {
        String client;
        String op;
        int round;
        long totalOps;
        double opsPerSec = Double.NaN;
        double cpuUsPerOp = Double.NaN;
        double allocBytesPerOp = Double.NaN;
        long gcCount;
        long gcMs;
        String error;
    }

    /**
     * @param args see {@code --help}.
     */
    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new JfrSummary()).execute(args));
    }

    @Override
    public Integer call() throws IOException
    {
        final Profile profile = read(jfr, results);
        if (profile.clients.isEmpty())
        {
            stderr.println("[profile] no client's measured window in " + jfr + " (did ClusterBench reach one?); "
                + "nothing written");
            return 1;
        }
        final Path dir = out != null ? out : Path.of(System.getProperty("slotring.bench.defaultOut", "perf-results"));
        final ProfileReport report = new ProfileReport(profile, machine(), command, jfr, top);
        final Path written = report.write(dir);
        stderr.print(report.console(5));
        stderr.println("[profile] report: " + written.toAbsolutePath());
        return 0;
    }

    /** MachineInfo, less what describes this summarizer's JVM rather than the profiled one (that comes from JFR). */
    private static Map<String, String> machine()
    {
        final Map<String, String> machine = new LinkedHashMap<>(MachineInfo.collect());
        machine.remove("jdk");
        machine.remove("jvm_args");
        machine.remove("gc");
        machine.remove("max_heap");
        final String load = machine.remove("load_average_at_start");
        machine.put("load_average_after_run", load);
        return machine;
    }

    /**
     * Reads the recording twice: first the windows and the JVM facts (a window event is written when it ends, after
     * the samples inside it), then every sample against those windows.
     */
    static Profile read(final Path jfr, final Path resultLines) throws IOException
    {
        final Profile profile = new Profile();
        final List<Window> windows = new ArrayList<>();
        final Map<String, long[]> workerSpans = new LinkedHashMap<>();
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        try (RecordingFile file = new RecordingFile(jfr))
        {
            while (file.hasMoreEvents())
            {
                final RecordedEvent event = file.readEvent();
                final long time = nanos(event.getStartTime());
                first = Math.min(first, time);
                last = Math.max(last, nanos(event.getEndTime()));
                switch (event.getEventType().getName())
                {
                    case BenchWindowEvent.NAME:
                        if (event.getInt("round") != RunResult.PRIME_ROUND)
                        {
                            windows.add(new Window(event.getString("client"), event.getString("op"),
                                event.getInt("round"), time, nanos(event.getEndTime())));
                        }
                        break;
                    case EXECUTION_SAMPLE:
                        final String worker = ThreadRoles.workerClient(name(event.getThread("sampledThread")));
                        if (worker != null)
                        {
                            final long[] span = workerSpans.computeIfAbsent(worker,
                                key -> new long[] {Long.MAX_VALUE, Long.MIN_VALUE});
                            span[0] = Math.min(span[0], time);
                            span[1] = Math.max(span[1], time);
                        }
                        break;
                    case "jdk.JVMInformation":
                        profile.recording.put("profiled_jvm", event.getString("jvmVersion"));
                        profile.recording.put("profiled_jvm_args", event.getString("jvmArguments"));
                        break;
                    case "jdk.GCConfiguration":
                        profile.recording.put("profiled_gc", event.getString("youngCollector") + " / " +
                            event.getString("oldCollector"));
                        break;
                    default:
                        break;
                }
            }
        }
        profile.windowsFromEvents = !windows.isEmpty();
        if (!profile.windowsFromEvents)
        {
            for (final Map.Entry<String, long[]> span : workerSpans.entrySet())
            {
                windows.add(new Window(span.getKey(), null, -1, span.getValue()[0], span.getValue()[1]));
            }
        }
        windows.sort(Comparator.comparingLong((Window window) -> window.startNs));
        for (final Window window : windows)
        {
            ClientProfile client = profile.client(window.client);
            if (client == null)
            {
                client = new ClientProfile(window.client);
                profile.clients.add(client);
            }
            client.windows.add(window);
        }
        if (first <= last)
        {
            profile.recording.put("recording_span", String.format(Locale.ROOT, "%.1f s (%s to %s)",
                (last - first) / 1e9, Instant.ofEpochSecond(0, first), Instant.ofEpochSecond(0, last)));
        }
        profile.recording.put("recording_size", String.format(Locale.ROOT, "%.1f MiB",
            Files.size(jfr) / 1048576.0));
        attribute(jfr, profile, windows);
        if (resultLines != null && Files.exists(resultLines))
        {
            matchResults(profile, resultLines);
        }
        return profile;
    }

    private static void attribute(final Path jfr, final Profile profile, final List<Window> windows)
        throws IOException
    {
        final List<CpuLoad> loads = new ArrayList<>();
        final Map<Long, Long> threadStarts = new HashMap<>();
        try (RecordingFile file = new RecordingFile(jfr))
        {
            while (file.hasMoreEvents())
            {
                final RecordedEvent event = file.readEvent();
                final String type = event.getEventType().getName();
                final long time = nanos(event.getStartTime());
                switch (type)
                {
                    case EXECUTION_SAMPLE:
                    case NATIVE_SAMPLE:
                    {
                        final String thread = name(event.getThread("sampledThread"));
                        final boolean execution = type.equals(EXECUTION_SAMPLE);
                        if (execution)
                        {
                            profile.executionSamplesTotal++;
                        }
                        final Window window = window(windows, time, thread);
                        if (window == null)
                        {
                            if (execution)
                            {
                                profile.executionSamplesOutside++;
                            }
                            break;
                        }
                        final ClientProfile client = profile.client(window.client);
                        final String role = ThreadRoles.of(window.client, thread);
                        if (role == null)
                        {
                            if (execution)
                            {
                                client.otherThreads.add(thread == null ? "<unnamed>" : thread, ThreadRoles.OTHER, 1);
                            }
                            break;
                        }
                        final RecordedStackTrace stack = event.getStackTrace();
                        final List<RecordedFrame> frames = stack == null ? List.of() : stack.getFrames();
                        if (execution)
                        {
                            client.executionSample(role, frames, stack != null && stack.isTruncated());
                        }
                        else
                        {
                            client.nativeSample(role, frames);
                        }
                        break;
                    }
                    case "jdk.ObjectAllocationSample":
                    {
                        final String thread = name(event.getThread());
                        final Window window = window(windows, time, thread);
                        final String role = window == null ? null : ThreadRoles.of(window.client, thread);
                        if (role != null)
                        {
                            final RecordedStackTrace stack = event.getStackTrace();
                            profile.client(window.client).allocationSample(role,
                                event.getClass("objectClass").getName(),
                                stack == null ? List.of() : stack.getFrames(), event.getLong("weight"));
                        }
                        break;
                    }
                    case "jdk.ObjectAllocationInNewTLAB":
                    case "jdk.ObjectAllocationOutsideTLAB":
                    {
                        final String thread = name(event.getThread());
                        final Window window = window(windows, time, thread);
                        if (window != null && ThreadRoles.of(window.client, thread) != null)
                        {
                            final ClientProfile client = profile.client(window.client);
                            if (type.endsWith("InNewTLAB"))
                            {
                                client.tlabEvents++;
                                client.tlabBytes += event.getLong("tlabSize");
                            }
                            else
                            {
                                client.outsideTlabEvents++;
                                client.outsideTlabBytes += event.getLong("allocationSize");
                            }
                        }
                        break;
                    }
                    case "jdk.ThreadCPULoad":
                    {
                        final RecordedThread thread = event.getThread();
                        if (thread != null)
                        {
                            loads.add(new CpuLoad(thread.getJavaThreadId(), name(thread), time,
                                event.getDouble("user"), event.getDouble("system")));
                        }
                        break;
                    }
                    case "jdk.ThreadStart":
                    {
                        final RecordedThread thread = event.getThread("thread");
                        if (thread != null)
                        {
                            threadStarts.put(thread.getJavaThreadId(), time);
                        }
                        break;
                    }
                    case "jdk.GarbageCollection":
                    {
                        final Window window = window(windows, time, null);
                        if (window != null)
                        {
                            final ClientProfile client = profile.client(window.client);
                            client.gcCount++;
                            client.gcNanos += event.getDuration().toNanos();
                            client.gcPauseNanos += event.getDuration("sumOfPauses").toNanos();
                            client.gcLongestPauseNanos = Math.max(client.gcLongestPauseNanos,
                                event.getDuration("longestPause").toNanos());
                            client.gcKinds.merge(event.getString("name") + " (" + event.getString("cause") + ")", 1,
                                Integer::sum);
                        }
                        break;
                    }
                    case "jdk.CPULoad":
                    {
                        final Window window = window(windows, time, null);
                        if (window != null)
                        {
                            final ClientProfile client = profile.client(window.client);
                            client.machineTotalSum += event.getDouble("machineTotal");
                            client.jvmSum += event.getDouble("jvmUser") + event.getDouble("jvmSystem");
                            client.cpuLoadEvents++;
                        }
                        break;
                    }
                    default:
                        break;
                }
            }
        }
        threadCpu(profile, windows, loads, threadStarts);
    }

    /**
     * Spreads each jdk.ThreadCPULoad event over the period it covers (since the thread's previous event, or its
     * start, or one period) and credits the part inside a window of the thread's client: a 1 s period straddles
     * both edges of a 10 s window, and counting whole events by timestamp would be off by up to a tenth.
     */
    private static void threadCpu(final Profile profile, final List<Window> windows, final List<CpuLoad> loads,
        final Map<Long, Long> threadStarts)
    {
        loads.sort(Comparator.comparingLong((CpuLoad load) -> load.threadId).thenComparingLong(load -> load.timeNs));
        CpuLoad previous = null;
        for (final CpuLoad load : loads)
        {
            long from = load.timeNs - CPU_LOAD_PERIOD_NS;
            if (previous != null && previous.threadId == load.threadId)
            {
                from = previous.timeNs;
            }
            else
            {
                final Long started = threadStarts.get(load.threadId);
                if (started != null && started > from && started < load.timeNs)
                {
                    from = started;
                }
            }
            previous = load;
            for (final Window window : windows)
            {
                final String role = ThreadRoles.of(window.client, load.thread);
                final long overlap = Math.min(load.timeNs, window.endNs) - Math.max(from, window.startNs);
                if (role != null && overlap > 0)
                {
                    // user and system are fractions of the whole machine over the period: times CPUs is cores.
                    final double coreSeconds = profile.cpus * overlap / 1e9;
                    profile.client(window.client).threadCpu(role, load.user * coreSeconds,
                        load.system * coreSeconds);
                }
            }
        }
    }

    /**
     * @return the window that holds this moment and whose client owns the thread; else the first that holds the
     * moment (a thread of no client: the harness, JFR); else null. A null thread takes the first holding window.
     */
    private static Window window(final List<Window> windows, final long timeNs, final String thread)
    {
        Window holding = null;
        for (final Window window : windows)
        {
            if (window.contains(timeNs))
            {
                if (thread == null || ThreadRoles.of(window.client, thread) != null)
                {
                    return window;
                }
                if (holding == null)
                {
                    holding = window;
                }
            }
        }
        return holding;
    }

    private static void matchResults(final Profile profile, final Path resultLines) throws IOException
    {
        for (final String line : Files.readAllLines(resultLines, StandardCharsets.UTF_8))
        {
            if (!line.startsWith("{"))
            {
                continue;
            }
            final ResultLine result = parse(line);
            final ClientProfile client = profile.client(result.client);
            if (client == null)
            {
                continue;
            }
            for (final Window window : client.windows)
            {
                // Without window events a client's span covers all its runs: every line of it counts.
                if (window.op == null || window.op.equals(result.op) && window.round == result.round)
                {
                    client.results.add(result);
                    break;
                }
            }
        }
    }

    /** Reads the top-level fields the profile needs; each occurs before the nested config object. */
    static ResultLine parse(final String line)
    {
        final ResultLine result = new ResultLine();
        result.client = string(line, "client");
        result.op = string(line, "op");
        result.round = (int)number(line, "round", -1);
        result.totalOps = (long)number(line, "total_ops", 0);
        result.opsPerSec = number(line, "ops_per_sec", Double.NaN);
        result.cpuUsPerOp = number(line, "cpu_us_per_op", Double.NaN);
        result.allocBytesPerOp = number(line, "alloc_bytes_per_op", Double.NaN);
        result.gcCount = (long)number(line, "gc_count", 0);
        result.gcMs = (long)number(line, "gc_ms", 0);
        result.error = string(line, "error");
        return result;
    }

    private static String string(final String line, final String key)
    {
        final Matcher matcher = Pattern.compile("\"" + key + "\":\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(line);
        return matcher.find() ? matcher.group(1) : null;
    }

    private static double number(final String line, final String key, final double missing)
    {
        final Matcher matcher = Pattern.compile("\"" + key + "\":(-?[0-9][0-9.eE+-]*)").matcher(line);
        return matcher.find() ? Double.parseDouble(matcher.group(1)) : missing;
    }

    private static String name(final RecordedThread thread)
    {
        if (thread == null)
        {
            return null;
        }
        return thread.getJavaName() != null ? thread.getJavaName() : thread.getOSName();
    }

    private static long nanos(final Instant instant)
    {
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }
}
