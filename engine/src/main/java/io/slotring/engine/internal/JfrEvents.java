package io.slotring.engine.internal;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * Java Flight Recorder events for what operations teams look for in a recording: connections made and lost,
 * commands that timed out, topology changes, redirect storms. Emitted only on those cold paths, never per command;
 * when no recording has them enabled, {@code shouldCommit()} is a field read and nothing is allocated.
 *
 * <p>Enable them in a recording with {@code jfr configure} or {@code -XX:StartFlightRecording} settings
 * ({@code io.slotring.*}); they are enabled by default, without stack traces.
 */
public final class JfrEvents
{
    private JfrEvents()
    {
    }

    /** A connection finished its handshake and is ready. */
    @Name("io.slotring.Connect")
    @Label("Redis Connect")
    @Category({"slotring", "Connections"})
    @Description("A connection to a Redis node finished its handshake")
    @StackTrace(false)
    static final class Connect extends Event
    {
        @Label("Node")
        String node;
        @Label("Connection")
        String connection;
    }

    /** A ready connection was lost. */
    @Name("io.slotring.Disconnect")
    @Label("Redis Disconnect")
    @Category({"slotring", "Connections"})
    @Description("A ready connection to a Redis node was lost")
    @StackTrace(false)
    static final class Disconnect extends Event
    {
        @Label("Node")
        String node;
        @Label("Connection")
        String connection;
        @Label("Reason")
        String reason;
    }

    /** A command failed at its deadline. */
    @Name("io.slotring.CommandTimeout")
    @Label("Redis Command Timeout")
    @Category({"slotring", "Commands"})
    @Description("A command failed at its deadline, written (outcome unknown) or not (not applied)")
    @StackTrace(false)
    static final class CommandTimeout extends Event
    {
        @Label("Connection")
        String connection;
        @Label("Command")
        String command;
        @Label("Written")
        boolean written;
    }

    /** The cluster client switched to a new topology snapshot. */
    @Name("io.slotring.TopologyChange")
    @Label("Redis Cluster Topology Change")
    @Category({"slotring", "Cluster"})
    @Description("The cluster client applied a topology that routes slots differently")
    @StackTrace(false)
    static final class TopologyChange extends Event
    {
        @Label("Masters")
        int masters;
        @Label("Replicas")
        int replicas;
    }

    /** A node sent many MOVED/ASK redirects in a short time: a migration or a stale slot table under load. */
    @Name("io.slotring.RedirectStorm")
    @Label("Redis Redirect Storm")
    @Category({"slotring", "Cluster"})
    @Description("A node answered at least the threshold of MOVED/ASK redirects within the window")
    @StackTrace(false)
    static final class RedirectStorm extends Event
    {
        @Label("Node")
        String node;
        @Label("MOVED")
        long moved;
        @Label("ASK")
        long asked;
        @Label("Window")
        @Timespan(Timespan.NANOSECONDS)
        long window;
        @Label("Threshold")
        long threshold;
    }

    static void connected(final String node, final String connection)
    {
        final Connect event = new Connect();
        if (event.shouldCommit())
        {
            event.node = node;
            event.connection = connection;
            event.commit();
        }
    }

    static void disconnected(final String node, final String connection, final String reason)
    {
        final Disconnect event = new Disconnect();
        if (event.shouldCommit())
        {
            event.node = node;
            event.connection = connection;
            event.reason = reason;
            event.commit();
        }
    }

    static void commandTimedOut(final String connection, final String command, final boolean written)
    {
        final CommandTimeout event = new CommandTimeout();
        if (event.shouldCommit())
        {
            event.connection = connection;
            event.command = command;
            event.written = written;
            event.commit();
        }
    }

    /**
     * Emitted by {@link RedirectStormWatch} on the cluster's refresher thread, never on the command path.
     *
     * @param node      {@code host:port} that sent the redirects.
     * @param moved     MOVED replies it sent in the window.
     * @param asked     ASK replies it sent in the window.
     * @param windowNs  how long the window was.
     * @param threshold the redirects per window that make a storm.
     */
    static void redirectStorm(final String node, final long moved, final long asked, final long windowNs,
        final long threshold)
    {
        final RedirectStorm event = new RedirectStorm();
        if (event.shouldCommit())
        {
            event.node = node;
            event.moved = moved;
            event.asked = asked;
            event.window = windowNs;
            event.threshold = threshold;
            event.commit();
        }
    }

    /**
     * Called by the cluster layer when it applies a topology that routes differently.
     *
     * @param masters  masters in the new snapshot.
     * @param replicas replicas in the new snapshot.
     */
    public static void topologyChanged(final int masters, final int replicas)
    {
        final TopologyChange event = new TopologyChange();
        if (event.shouldCommit())
        {
            event.masters = masters;
            event.replicas = replicas;
            event.commit();
        }
    }
}
