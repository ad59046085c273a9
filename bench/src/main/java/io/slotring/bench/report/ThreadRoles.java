package io.slotring.bench.report;

import java.util.List;

import io.slotring.bench.ClientFactory;

/**
 * Which of a client's threads a JFR sample came from, by thread name. Clients run one after another and each is
 * closed before the next starts, so inside a client's measured window its name patterns are unambiguous (Lettuce
 * and Lettuce-manual share {@code lettuce-*}, but never a window).
 */
final class ThreadRoles
{
    /** The harness's worker threads, {@code bench-<client>-<n>} (see {@link Measurement}). */
    static final String WORKERS = "workers";
    /** Threads that move the client's bytes: slotring's I/O agents, Netty's event loops, Jedis's sync readers. */
    static final String IO = "I/O";
    /** The client's other threads: topology refresh, Lettuce's computation pool and timer, pool evictors. */
    static final String OTHER = "other client";
    static final List<String> ALL = List.of(WORKERS, IO, OTHER);

    private ThreadRoles()

    {

    }

    /**
     * @param client     a {@link ClientFactory} name.
     * @param threadName the sampled thread's Java name.
     * @return {@link #WORKERS}, {@link #IO}, {@link #OTHER}, or null: not one of this client's threads.
     */
    static String of(final String client, final String threadName)
    {
        if (threadName == null)
        {
            return null;
        }
        if (isWorker(client, threadName))
        {
            return WORKERS;
        }
        if (client.equals(ClientFactory.SLOTRING))
        {
            return threadName.startsWith("slotring-io-") ? IO : threadName.startsWith("slotring-") ? OTHER : null;
        }
        if (client.equals(ClientFactory.LETTUCE) || client.equals(ClientFactory.LETTUCE_MANUAL))
        {
            // lettuce-nioEventLoop-4-1 and lettuce-epollEventLoop-*; lettuce-eventExecutorLoop-* and lettuce-timer-*
            // (completions, timeouts) are not I/O.
            return !threadName.startsWith("lettuce-") ? null : threadName.contains("EventLoop-") ? IO : OTHER;
        }
        if (client.equals(ClientFactory.JEDIS))
        {
            // jedis-pipeline-N: the harness's executor on which ClusterPipeline.sync() reads each node's replies.
            return threadName.startsWith("jedis-pipeline-") ? IO :
                threadName.startsWith("commons-pool-") || threadName.startsWith("jedis-") ? OTHER : null;
        }
        return null;
    }

    /**
     * @return the client name of a harness worker thread, or null.
     */
    static String workerClient(final String threadName)
    {
        if (threadName == null || !threadName.startsWith("bench-"))
        {
            return null;
        }
        final int dash = threadName.lastIndexOf('-');
        return dash > "bench-".length() && isDigits(threadName, dash + 1) ?
            threadName.substring("bench-".length(), dash) : null;
    }

    private static boolean isWorker(final String client, final String threadName)
    {
        final String prefix = "bench-" + client + "-";
        // The digits check keeps bench-lettuce-manual-3 out of lettuce's workers.
        return threadName.startsWith(prefix) && isDigits(threadName, prefix.length());
    }

    private static boolean isDigits(final String text, final int from)
    {
        if (from >= text.length())
        {
            return false;
        }
        for (int i = from; i < text.length(); i++)
        {
            if (!Character.isDigit(text.charAt(i)))
            {
                return false;
            }
        }
        return true;
    }
}
