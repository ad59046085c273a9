package io.slotring.engine.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Spots redirect storms from a cold thread: once per window it reads each node's MOVED and ASK counters (the ones
 * {@link ConnectionCounters} keeps for metrics, acquire loads, no snapshot) and emits the Flight Recorder event
 * {@code io.slotring.RedirectStorm} for every node whose redirects in that time reached the threshold's rate. The
 * command path is untouched: it only bumps the counters it bumps anyway.
 *
 * <p>One pass per window: {@link #begin}, {@link #observe} for each node of the current topology, {@link #end}
 * (which forgets nodes not observed). Allocates only the first time it sees a node, and when it emits.
 * Single-threaded: the cluster's topology refresher calls it.
 */
public final class RedirectStormWatch
{
    /** Redirects (MOVED + ASK) per node and window that make a storm. */
    public static final long DEFAULT_THRESHOLD = 100;
    /** The window the threshold applies to. */
    public static final long DEFAULT_WINDOW_NS = TimeUnit.SECONDS.toNanos(1);

    private static final VarHandle MOVED;
    private static final VarHandle ASKED;

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            MOVED = lookup.findVarHandle(ConnectionCounters.class, "moved", long.class);
            ASKED = lookup.findVarHandle(ConnectionCounters.class, "asked", long.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final long threshold;
    private final long windowNs;
    private final Map<NodeEndpoint, Baseline> baselines = new IdentityHashMap<>();
    private long passNs;
    private long dueNs;
    private int pass;
    private long storms;

    /**
     * @param threshold redirects per node within {@code windowNs} that make a storm, at least 1.
     * @param windowNs  the window, and how often the counters are read; positive.
     */
    public RedirectStormWatch(final long threshold, final long windowNs)
    {
        if (threshold < 1 || windowNs <= 0)
        {
            throw new IllegalArgumentException("threshold " + threshold + ", window " + windowNs + " ns");
        }
        this.threshold = threshold;
        this.windowNs = windowNs;
    }

    /**
     * @param nowNs {@link System#nanoTime()}.
     * @return when the next pass is due: now on the first call.
     */
    public long dueNs(final long nowNs)
    {
        if (pass == 0)
        {
            dueNs = nowNs;
        }
        return dueNs;
    }

    /**
     * Starts a pass.
     *
     * @param nowNs {@link System#nanoTime()}.
     */
    public void begin(final long nowNs)
    {
        pass++;
        passNs = nowNs;
        dueNs = nowNs + windowNs;
    }

    /**
     * Reads {@code node}'s redirect counters; emits the event when, since the previous pass, they grew by at least
     * {@code threshold} per window.
     *
     * @param node a node of the current topology.
     */
    public void observe(final NodeEndpoint node)
    {
        long moved = 0;
        long asked = 0;
        for (final NodeConnection connection : node.connections())
        {
            moved += (long)MOVED.getAcquire(connection.counters);
            asked += (long)ASKED.getAcquire(connection.counters);
        }
        Baseline baseline = baselines.get(node);
        if (baseline == null)
        {
            baseline = new Baseline();
            baselines.put(node, baseline);
        }
        else if (baseline.pass != pass)
        {
            final long movedDelta = moved - baseline.moved;
            final long askedDelta = asked - baseline.asked;
            final long elapsedNs = passNs - baseline.atNs;
            // At least threshold per window, as a rate: a late pass (a slow refresh held the thread) needs more.
            if (elapsedNs > 0 && (double)(movedDelta + askedDelta) * windowNs >= (double)threshold * elapsedNs)
            {
                storms++;
                JfrEvents.redirectStorm(node.host() + ':' + node.port(), movedDelta, askedDelta, elapsedNs,
                    threshold);
            }
        }
        baseline.moved = moved;
        baseline.asked = asked;
        baseline.atNs = passNs;
        baseline.pass = pass;
    }

    /** Ends a pass: nodes not observed in it (they left the topology) are forgotten. */
    public void end()
    {
        for (final Iterator<Baseline> it = baselines.values().iterator(); it.hasNext(); )
        {
            if (it.next().pass != pass)
            {
                it.remove();
            }
        }
    }

    /** @return storms seen since this watch was created (tests). */
    public long storms()
    {
        return storms;
    }

    /** @return nodes currently watched (tests). */
    public int watched()
    {
        return baselines.size();
    }

    /** One node's counters at its last pass. */
    private static final class Baseline
    {
        long moved;
        long asked;
        long atNs;
        int pass;
    }
}
