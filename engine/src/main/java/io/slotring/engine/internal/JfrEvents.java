package io.slotring.engine.internal;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * Java Flight Recorder events for what operations teams look for in a recording: connections made and lost,
 * commands that timed out, topology changes. Emitted only on those cold paths, never per command; when no
 * recording has them enabled, {@code shouldCommit()} is a field read and nothing is allocated.
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
