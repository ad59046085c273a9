package io.slotring.bench.report;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import io.slotring.bench.RunResult;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;

/**
 * Everything {@link JfrSummary} attributes to one client: its measured windows and, inside them, the samples its
 * own threads took. Filled event by event, then read by {@link ProfileReport}.
 */
final class ClientProfile
{
    static final String NATIVE_READ = "socket read";
    static final String NATIVE_WRITE = "socket write";
    static final String NATIVE_WAIT = "selector/poll wait";
    static final String NATIVE_WAKEUP = "selector wakeup";
    static final String NATIVE_OTHER = "other native";
    static final List<String> NATIVE_KINDS = List.of(NATIVE_READ, NATIVE_WRITE, NATIVE_WAIT, NATIVE_WAKEUP,
        NATIVE_OTHER);

    private static final String LAMBDA = "$$Lambda";

    /** Joins the parts of an allocation key: class, allocating frame, via. */
    static final String SEPARATOR = "\u0001";

    /** The harness's own code (this package too): left out of the "where the time goes" facts, not the tables. */
    static final String HARNESS_PACKAGE = RunResult.class.getPackageName() + ".";

    /**
     * Thread entry frames: under every sample of their thread, so inclusive time says nothing about them. Netty's
     * anonymous runnables are matched by prefix because their numbers change between versions.
     */
    private static final Set<String> ENTRY_FRAMES = Set.of(
        "java.lang.Thread.run",
        "java.util.concurrent.ThreadPoolExecutor.runWorker",
        "java.util.concurrent.ThreadPoolExecutor$Worker.run",
        "io.netty.util.concurrent.FastThreadLocalRunnable.run",
        "org.agrona.concurrent.AgentRunner.run",
        HARNESS_PACKAGE + "Measurement$WorkerThread.run");

    final String client;
    final List<JfrSummary.Window> windows = new ArrayList<>();

    final Map<String, Long> samplesByRole = new LinkedHashMap<>();
    final Tally self = new Tally();
    final Tally inclusive = new Tally();
    long interpretedTop;
    long truncatedStacks;
    /** Execution samples of threads that are not this client's, taken inside its windows (harness, JFR, ...). */
    final Tally otherThreads = new Tally();

    final Tally nativeFrames = new Tally();
    final Map<String, Long> nativeByKind = new LinkedHashMap<>();

    final Tally allocSites = new Tally();
    long tlabEvents;
    long tlabBytes;
    long outsideTlabEvents;
    long outsideTlabBytes;

    int gcCount;
    long gcNanos;
    long gcPauseNanos;
    long gcLongestPauseNanos;
    /** "collector (cause)" to count, e.g. "ParallelScavenge (Allocation Failure)". */
    final Map<String, Integer> gcKinds = new TreeMap<>();

    /** Role to {user, system} core-seconds inside the windows, from jdk.ThreadCPULoad. */
    final Map<String, double[]> threadCpu = new LinkedHashMap<>();
    double machineTotalSum;
    double jvmSum;
    int cpuLoadEvents;

    /** The harness's JSON lines for this client's windows (ops, and its own CPU and allocation meters). */
    final List<JfrSummary.ResultLine> results = new ArrayList<>();

    ClientProfile(final String client)
    {
        this.client = client;
        for (final String role : ThreadRoles.ALL)
        {
            samplesByRole.put(role, 0L);
            threadCpu.put(role, new double[2]);
        }
        for (final String kind : NATIVE_KINDS)
        {
            nativeByKind.put(kind, 0L);
        }
    }

    void executionSample(final String role, final List<RecordedFrame> frames, final boolean truncated)
    {
        if (frames.isEmpty())
        {
            return;
        }
        samplesByRole.merge(role, 1L, Long::sum);
        if (truncated)
        {
            truncatedStacks++;
        }
        final RecordedFrame top = frames.get(0);
        if ("Interpreted".equals(top.getType()))
        {
            interpretedTop++;
        }
        self.add(method(top), role, 1);
        final Set<String> seen = new HashSet<>();
        for (final RecordedFrame frame : frames)
        {
            final String method = method(frame);
            if (!isEntryFrame(method) && seen.add(method))
            {
                inclusive.addInclusive(method, role);
            }
        }
        inclusive.countStack();
    }

    void nativeSample(final String role, final List<RecordedFrame> frames)
    {
        if (frames.isEmpty())
        {
            return;
        }
        final String method = method(frames.get(0));
        nativeFrames.add(method, role, 1);
        nativeByKind.merge(nativeKind(method), 1L, Long::sum);
    }

    void allocationSample(final String role, final String objectClass, final List<RecordedFrame> frames,
        final long weight)
    {
        allocSites.add(allocationKey(javaName(objectClass), frames), role, weight);
    }

    void threadCpu(final String role, final double userCoreSeconds, final double systemCoreSeconds)
    {
        final double[] sums = threadCpu.get(role);
        sums[0] += userCoreSeconds;
        sums[1] += systemCoreSeconds;
    }

    long executionSamples()
    {
        long total = 0;
        for (final long n : samplesByRole.values())
        {
            total += n;
        }
        return total;
    }

    long nativeSamples()
    {
        return nativeFrames.count();
    }

    double windowSeconds()
    {
        double seconds = 0;
        for (final JfrSummary.Window window : windows)
        {
            seconds += (window.endNs - window.startNs) / 1e9;
        }
        return seconds;
    }

    long ops()
    {
        long ops = 0;
        for (final JfrSummary.ResultLine line : results)
        {
            ops += line.totalOps;
        }
        return ops;
    }

    /** @return the harness's figure weighted by each window's ops, or NaN without results. */
    double harnessPerOp(final boolean cpu)
    {
        double sum = 0;
        long ops = 0;
        for (final JfrSummary.ResultLine line : results)
        {
            final double value = cpu ? line.cpuUsPerOp : line.allocBytesPerOp;
            if (!Double.isNaN(value) && line.totalOps > 0)
            {
                sum += value * line.totalOps;
                ops += line.totalOps;
            }
        }
        return ops > 0 ? sum / ops : Double.NaN;
    }

    /**
     * @return {@code pkg.Class.method}; a lambda's hidden class loses its number and address
     * ({@code Foo$$Lambda$686+0x00007fc878157858.263053820} becomes {@code Foo$$Lambda}), which change every run.
     */
    static String method(final RecordedFrame frame)
    {
        final RecordedMethod method = frame.getMethod();
        if (method == null)
        {
            return "<unknown>";
        }
        String type = method.getType() == null ? "<unknown>" : method.getType().getName();
        final int lambda = type.indexOf(LAMBDA);
        if (lambda >= 0)
        {
            type = type.substring(0, lambda + LAMBDA.length());
        }
        return type + "." + method.getName();
    }

    /** JFR names array classes by descriptor ({@code [B}, {@code [Ljava.lang.Object;}): written as Java does. */
    static String javaName(final String className)
    {
        int dims = 0;
        while (dims < className.length() && className.charAt(dims) == '[')
        {
            dims++;
        }
        if (dims == 0)
        {
            return className;
        }
        final String element = className.substring(dims);
        final String base;
        switch (element.charAt(0))
        {
            case 'B': base = "byte"; break;
            case 'C': base = "char"; break;
            case 'D': base = "double"; break;
            case 'F': base = "float"; break;
            case 'I': base = "int"; break;
            case 'J': base = "long"; break;
            case 'S': base = "short"; break;
            case 'Z': base = "boolean"; break;
            case 'L': base = element.substring(1, element.length() - (element.endsWith(";") ? 1 : 0)); break;
            default: base = element; break;
        }
        return base + "[]".repeat(dims);
    }

    static boolean isEntryFrame(final String method)
    {
        return ENTRY_FRAMES.contains(method) ||
            method.startsWith("io.netty.util.concurrent.SingleThreadEventExecutor$") && method.endsWith(".run") ||
            method.startsWith("io.netty.util.internal.ThreadExecutorMap$") && method.endsWith(".run");
    }

    /** Classifies a native top frame by what the thread is doing in the kernel. */
    static String nativeKind(final String method)
    {
        final int dot = method.lastIndexOf('.');
        final String type = method.substring(0, Math.max(0, dot));
        final String name = method.substring(dot + 1).toLowerCase(Locale.ROOT);
        if (!type.startsWith("sun.nio.ch.") && !type.startsWith("java.net.") && !type.startsWith("sun.net."))
        {
            return NATIVE_OTHER;
        }
        // The selector's wakeup pipe (JDK 17: IOUtil.write1 / drain1; later JDKs: EventFD).
        if (type.equals("sun.nio.ch.EventFD") || name.equals("write1") || name.startsWith("drain"))
        {
            return NATIVE_WAKEUP;
        }
        if (name.contains("wait") || name.contains("poll"))
        {
            return NATIVE_WAIT;
        }
        if (name.contains("read") || name.contains("recv"))
        {
            return NATIVE_READ;
        }
        if (name.contains("write") || name.contains("send"))
        {
            return NATIVE_WRITE;
        }
        return NATIVE_OTHER;
    }

    /**
     * @return class, allocating frame (method:line) and the first frame outside the JDK when the allocating frame
     * is in the JDK (who asked for the {@code byte[]}), joined by {@link #SEPARATOR}.
     */
    static String allocationKey(final String objectClass, final List<RecordedFrame> frames)
    {
        if (frames.isEmpty())
        {
            return objectClass + SEPARATOR + "<no stack>" + SEPARATOR;
        }
        final RecordedFrame top = frames.get(0);
        final String site = withLine(top);
        String via = "";
        if (isJdk(method(top)))
        {
            for (final RecordedFrame frame : frames)
            {
                if (!isJdk(method(frame)))
                {
                    via = withLine(frame);
                    break;
                }
            }
        }
        return objectClass + SEPARATOR + site + SEPARATOR + via;
    }

    private static String withLine(final RecordedFrame frame)
    {
        final int line = frame.getLineNumber();
        return line > 0 ? method(frame) + ":" + line : method(frame);
    }

    private static boolean isJdk(final String method)
    {
        return method.startsWith("java.") || method.startsWith("jdk.") || method.startsWith("sun.") ||
            method.startsWith("javax.") || method.startsWith("com.sun.");
    }
}
