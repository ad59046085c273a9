package io.slotring.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Context switches of the whole JVM over a window: the sum over {@code /proc/self/task/<tid>/status} of
 * {@code voluntary_ctxt_switches + nonvoluntary_ctxt_switches}. Linux only; elsewhere the figure is n/a.
 *
 * <p>Why per task: {@code /proc/self/status} carries the MAIN thread's counts only (the kernel prints the task's
 * own {@code nvcsw}/{@code nivcsw}), and the process totals that include exited threads are reachable only through
 * {@code getrusage}, which Java does not expose. So a {@link Tally} keeps the last value it saw of every task: a
 * thread that ends inside the window keeps what it had at the last sample (the harness samples every second),
 * and loses only what it did after that. A thread id reused by a new thread inside the window would make that
 * thread's count look lower than at the start: it is clamped to 0 and lost. Harness threads (the coordinator
 * reading these files once a second) are counted too, alike for every client.
 */
final class ContextSwitches
{
    static final Path TASKS = Path.of("/proc/self/task");
    private static final String VOLUNTARY = "voluntary_ctxt_switches:";
    private static final String NONVOLUNTARY = "nonvoluntary_ctxt_switches:";

    private ContextSwitches()

    {

    }

    /**
     * @return whether this machine exposes per-task context switch counts.
     */
    static boolean supported()
    {
        return !read(TASKS).isEmpty();
    }

    /**
     * @param status the text of a {@code /proc/.../status} file.
     * @return voluntary + nonvoluntary context switches, or -1 when either line is missing.
     */
    static long parse(final String status)
    {
        long voluntary = -1;
        long nonvoluntary = -1;
        for (final String line : status.split("\n"))
        {
            if (line.startsWith(VOLUNTARY))
            {
                voluntary = number(line.substring(VOLUNTARY.length()));
            }
            else if (line.startsWith(NONVOLUNTARY))
            {
                nonvoluntary = number(line.substring(NONVOLUNTARY.length()));
            }
        }
        return voluntary < 0 || nonvoluntary < 0 ? -1 : voluntary + nonvoluntary;
    }

    private static long number(final String text)
    {
        try
        {
            return Long.parseLong(text.trim());
        }
        catch (final NumberFormatException ex)
        {
            return -1;
        }
    }

    /**
     * @param tasks a {@code /proc/<pid>/task} directory.
     * @return context switches per task id; empty when the directory cannot be read. Tasks that end while it is
     * being read are skipped.
     */
    static Map<Long, Long> read(final Path tasks)
    {
        final Map<Long, Long> out = new HashMap<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tasks))
        {
            for (final Path dir : dirs)
            {
                final long tid;
                try
                {
                    tid = Long.parseLong(dir.getFileName().toString());
                }
                catch (final NumberFormatException ex)
                {
                    continue;
                }
                try
                {
                    final long count = parse(Files.readString(dir.resolve("status"), StandardCharsets.US_ASCII));
                    if (count >= 0)
                    {
                        out.put(tid, count);
                    }
                }
                catch (final IOException ex)
                {
                    // The thread ended between the listing and the read (ENOENT or ESRCH): the tally keeps its
                    // last value.
                    continue;
                }
            }
        }
        catch (final IOException | UncheckedIOException | SecurityException ex)
        {
            return Map.of();
        }
        return out;
    }

    /**
     * @return a tally starting now, or null off Linux (no per-task counts).
     */
    static Tally start()
    {
        final Map<Long, Long> now = read(TASKS);
        return now.isEmpty() ? null : new Tally(now);
    }

    /** Context switches since a start, across samples; see the class comment for what it can miss. */
    static final class Tally
    {
        private final Map<Long, Long> start;
        private final Map<Long, Long> last;

        Tally(final Map<Long, Long> start)
        {
            this.start = new HashMap<>(start);
            this.last = new HashMap<>(start);
        }

        /** Reads every task now; tasks that ended keep their last value. */
        void sample()
        {
            update(read(TASKS));
        }

        /**
         * @param now counts per task id at one instant.
         */
        void update(final Map<Long, Long> now)
        {
            last.putAll(now);
        }

        /**
         * @return context switches since the start: per task, last seen minus its value at the start (0 for a
         * task born since), never negative.
         */
        long total()
        {
            long total = 0;
            for (final Map.Entry<Long, Long> entry : last.entrySet())
            {
                total += Math.max(0, entry.getValue() - start.getOrDefault(entry.getKey(), 0L));
            }
            return total;
        }
    }
}
