package io.slotring.cluster;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.slotring.launcher.LocalCluster;
import io.slotring.launcher.LocalRedisCluster;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** The first topology a cluster client applies is a Flight Recorder {@code io.slotring.TopologyChange} event. */
@LocalCluster(masters = 3, replicasPerMaster = 0)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClusterJfrEventsIT
{
    @Test
    void theFirstTopologyIsRecorded(final LocalRedisCluster cluster, @TempDir final Path dir) throws Exception
    {
        final Path file = dir.resolve("topology.jfr");
        try (Recording recording = new Recording())
        {
            recording.enable("io.slotring.TopologyChange");
            recording.start();
            try (ClusterClient client = ClusterClient.connect(ClusterConfig.create().seeds(cluster.seeds())))
            {
                assertThat(client.sync().set("jfr-topology", "1")).isEqualTo("OK");
            }
            recording.stop();
            recording.dump(file);
        }
        final List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        assertThat(events).filteredOn(e -> e.getEventType().getName().equals("io.slotring.TopologyChange"))
            .anySatisfy(e -> assertThat(e.getInt("masters")).isEqualTo(3));
    }
}
