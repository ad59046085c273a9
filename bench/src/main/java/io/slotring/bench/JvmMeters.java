package io.slotring.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.sun.management.OperatingSystemMXBean;
import com.sun.management.ThreadMXBean;

/**
 * Process-wide cost meters read at the edges of a measured window: CPU time of the whole JVM (workers, the
 * client's I/O threads, GC, JIT) and bytes allocated by every live thread.
 *
 * <p>Allocation is summed per thread id: a thread born inside the window counts from zero, a thread that dies
 * inside it loses its count. That is why clients are kept alive across the window and why Jedis gets a
 * long-lived executor (its default one-pool-per-sync would make its allocation vanish from the figure).
 */
final class JvmMeters
{
    private static final OperatingSystemMXBean OS =
        (OperatingSystemMXBean)ManagementFactory.getOperatingSystemMXBean();
    private static final ThreadMXBean THREADS = (ThreadMXBean)ManagementFactory.getThreadMXBean();

    static
    {
        if (THREADS.isThreadAllocatedMemorySupported() && !THREADS.isThreadAllocatedMemoryEnabled())
        {
            THREADS.setThreadAllocatedMemoryEnabled(true);
        }
    }

    private JvmMeters()

    {

    }

    /** Readings at one instant. */
    static final class Snapshot
    {
        final long nanoTime;
        final long cpuNs;
        final Map<Long, Long> allocatedByThread;
        final long gcCount;
        final long gcMillis;

        private Snapshot(final long nanoTime, final long cpuNs, final Map<Long, Long> allocatedByThread,
            final long gcCount, final long gcMillis)
        {
            this.nanoTime = nanoTime;
            this.cpuNs = cpuNs;
            this.allocatedByThread = allocatedByThread;
            this.gcCount = gcCount;
            this.gcMillis = gcMillis;
        }

        /**
         * @param earlier a snapshot taken before this one.
         * @return bytes allocated between the two by threads alive at this one.
         */
        long allocatedSince(final Snapshot earlier)
        {
            long total = 0;
            for (final Map.Entry<Long, Long> entry : allocatedByThread.entrySet())
            {
                final long before = earlier.allocatedByThread.getOrDefault(entry.getKey(), 0L);
                total += Math.max(0, entry.getValue() - before);
            }
            return total;
        }
    }

    static Snapshot snapshot()
    {
        final long[] ids = THREADS.getAllThreadIds();
        final long[] bytes = THREADS.getThreadAllocatedBytes(ids);
        final Map<Long, Long> byThread = new HashMap<>(ids.length * 2);
        for (int i = 0; i < ids.length; i++)
        {
            if (bytes[i] >= 0)
            {
                byThread.put(ids[i], bytes[i]);
            }
        }
        long gcCount = 0;
        long gcMillis = 0;
        final List<GarbageCollectorMXBean> collectors = ManagementFactory.getGarbageCollectorMXBeans();
        for (final GarbageCollectorMXBean collector : collectors)
        {
            gcCount += Math.max(0, collector.getCollectionCount());
            gcMillis += Math.max(0, collector.getCollectionTime());
        }
        return new Snapshot(System.nanoTime(), OS.getProcessCpuTime(), byThread, gcCount, gcMillis);
    }
}
