package io.slotring.bench.report;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The facts a reader needs to judge the numbers: cores, memory, CPU model, JDK and its flags, the collector, and
 * the Redis version. Read once per run, outside every window.
 */
public final class MachineInfo
{
    private MachineInfo()
    {
    }

    public static Map<String, String> collect()
    {
        final Map<String, String> out = new LinkedHashMap<>();
        out.put("cores", Runtime.getRuntime().availableProcessors() + " (availableProcessors)");
        out.put("memory", memory());
        out.put("cpu", procField(Path.of("/proc/cpuinfo"), "model name"));
        out.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " +
            System.getProperty("os.arch"));
        out.put("jdk", System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + " " +
            System.getProperty("java.vm.version") + ", " + System.getProperty("java.vendor") + ")");
        out.put("jvm_args", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()));
        final List<String> collectors = new ArrayList<>();
        for (final GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans())
        {
            collectors.add(collector.getName());
        }
        out.put("gc", String.join(", ", collectors));
        out.put("max_heap", Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB");
        out.put("load_average_at_start", loadAverage());
        out.put("redis_server", command("redis-server", "--version"));
        out.put("redis_benchmark", command("redis-benchmark", "--version"));
        return out;
    }

    /**
     * @return /proc/loadavg's 1, 5 and 15 minute figures: above the core count, something else shares the machine
     * and the numbers carry its noise.
     */
    public static String loadAverage()
    {
        try
        {
            final String[] fields = Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII).split(" ");
            return fields.length >= 3 ? fields[0] + " " + fields[1] + " " + fields[2] : "unknown";
        }
        catch (final IOException ex)
        {
            return "unknown";
        }
    }

    private static String memory()
    {
        final String total = procField(Path.of("/proc/meminfo"), "MemTotal");
        if (total == null)
        {
            return "unknown";
        }
        try
        {
            final long kib = Long.parseLong(total.replace("kB", "").trim());
            return String.format(Locale.ROOT, "%.1f GiB", kib / 1024.0 / 1024.0);
        }
        catch (final NumberFormatException ex)
        {
            return total;
        }
    }

    private static String procField(final Path file, final String field)
    {
        try
        {
            for (final String line : Files.readAllLines(file, StandardCharsets.UTF_8))
            {
                final int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equals(field))
                {
                    return line.substring(colon + 1).trim();
                }
            }
        }
        catch (final IOException ex)
        {
            return "unknown (" + ex.getMessage() + ")";
        }
        return "unknown";
    }

    /** Runs a short version query, bounded to 5 s. */
    public static String command(final String... args)
    {
        try
        {
            final Process process = new ProcessBuilder(args).redirectErrorStream(true).start();
            if (!process.waitFor(5, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                return "no answer within 5 s";
            }
            return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        }
        catch (final IOException ex)
        {
            return "not installed";
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
