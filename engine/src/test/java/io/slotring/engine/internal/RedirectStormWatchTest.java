package io.slotring.engine.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link RedirectStormWatch} over real endpoints whose counters the test bumps as a driver would: a storm is a node
 * reaching the threshold within a window, as a rate; nodes that leave are forgotten; the event carries the counts.
 */
class RedirectStormWatchTest
{
    private static final long WINDOW = 1_000_000_000L;

    private static void redirects(final NodeEndpoint node, final int moved, final int asked)
    {
        final ConnectionCounters counters = node.connections()[0].counters;
        for (int i = 0; i < moved; i++)
        {
            counters.onMoved();
        }
        for (int i = 0; i < asked; i++)
        {
            counters.onAsk();
        }
    }

    private static void pass(final RedirectStormWatch watch, final long now, final NodeEndpoint... nodes)
    {
        watch.begin(now);
        for (final NodeEndpoint node : nodes)
        {
            watch.observe(node);
        }
        watch.end();
    }

    @Test
    void aNodeReachingTheThresholdWithinAWindowIsAStorm() throws Exception
    {
        final Path file = Files.createTempFile("storm", ".jfr");
        try (ConnectionHarness harness = new ConnectionHarness();
            Recording recording = new Recording())
        {
            recording.enable("io.slotring.RedirectStorm");
            recording.start();
            final NodeEndpoint a = harness.node().endpoint;
            final NodeEndpoint b = harness.node().endpoint;
            final RedirectStormWatch watch = new RedirectStormWatch(100, WINDOW);
            assertThat(watch.dueNs(5)).as("the first pass is due at once").isEqualTo(5);
            redirects(a, 500, 0);
            pass(watch, 0, a, b);
            assertThat(watch.storms()).as("the first pass only takes baselines").isZero();
            assertThat(watch.dueNs(0)).isEqualTo(WINDOW);

            redirects(a, 60, 40);
            redirects(b, 0, 99);
            pass(watch, WINDOW, a, b);
            assertThat(watch.storms()).as("a: 100 in a window; b: 99").isEqualTo(1);

            // A late pass (two windows) needs twice the redirects.
            redirects(a, 150, 0);
            pass(watch, 3 * WINDOW, a, b);
            assertThat(watch.storms()).isEqualTo(1);

            // b leaves the topology and is forgotten.
            pass(watch, 4 * WINDOW, a);
            assertThat(watch.watched()).isEqualTo(1);
            recording.stop();
            recording.dump(file);
        }
        final List<RecordedEvent> storms = new ArrayList<>();
        for (final RecordedEvent event : RecordingFile.readAllEvents(file))
        {
            if (event.getEventType().getName().equals("io.slotring.RedirectStorm"))
            {
                storms.add(event);
            }
        }
        Files.delete(file);
        assertThat(storms).hasSize(1);
        final RecordedEvent storm = storms.get(0);
        assertThat(storm.getString("node")).isEqualTo("127.0.0.1:6379");
        assertThat(storm.getLong("moved")).isEqualTo(60);
        assertThat(storm.getLong("asked")).isEqualTo(40);
        assertThat(storm.getLong("threshold")).isEqualTo(100);
        assertThat(storm.getDuration("window").toNanos()).isEqualTo(WINDOW);
    }

    @Test
    void rejectsANonsenseThresholdOrWindow()
    {
        assertThatThrownBy(() -> new RedirectStormWatch(0, WINDOW)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RedirectStormWatch(1, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
