package io.slotring.cluster;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.slotring.codec.SlotHash;
import io.slotring.engine.ClientMetrics;
import io.slotring.launcher.Await;
import io.slotring.launcher.LocalCluster;
import io.slotring.launcher.LocalRedisCluster;
import io.slotring.launcher.RedisNodeHandle;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link ClusterClient#metrics()} through a live slot migration on a real cluster: ASK replies counted on the
 * migrating source while keys move one by one, MOVED once the slot was handed over, per node and in total, and
 * topology refreshes counted; and the Flight Recorder {@code io.slotring.RedirectStorm} event when a node sends
 * redirects by the hundred. Each test migrates its own slot of the shared cluster.
 */
@LocalCluster(masters = 3, replicasPerMaster = 0)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterMetricsIT
{
    private static final int KEYS = 20;
    private static final Duration WAIT = Duration.ofSeconds(10);

    /** A long periodic refresh: only a MOVED (or a request) teaches the client the new owner. */
    private static ClusterConfig config(final LocalRedisCluster cluster)
    {
        return ClusterConfig.create().seeds(cluster.seeds())
            .topologyRefresh(Duration.ofSeconds(60), Duration.ofMillis(50))
            .retryBackoff(Duration.ofMillis(5));
    }

    private static String key(final String tag, final int i)
    {
        return "{" + tag + "}:" + i;
    }

    private static RedisNodeHandle otherMaster(final LocalRedisCluster cluster, final RedisNodeHandle source)
    {
        return cluster.masters().stream().filter(n -> !n.equals(source)).findFirst().orElseThrow();
    }

    private static ClientMetrics.Counters countersOf(final ClientMetrics metrics, final RedisNodeHandle node)
    {
        final ClientMetrics.Node listed = metrics.node(node.address());
        assertThat(listed).as("metrics of " + node.address() + " in " + metrics.nodes()).isNotNull();
        return listed.counters();
    }

    @Test
    void aMovedThatIsTheCallersAnswerIsCountedOnTheNodeThatSentIt(final LocalRedisCluster cluster) throws Exception
    {
        try (ClusterClient client = ClusterClient.connect(config(cluster)))
        {
            final String key = key("pinned", 0);
            final RedisNodeHandle owner = cluster.nodeForKey(key);
            final RedisNodeHandle other = otherMaster(cluster, owner);
            // executeOn names the node: its MOVED is the answer, not followed, and still a MOVED on that node.
            final Object reply = client.executeOn(other.address(), "GET", key)
                .handle((value, error) -> error != null ? error.getMessage() : value).get(5, TimeUnit.SECONDS);
            assertThat(String.valueOf(reply)).startsWith("MOVED " + LocalRedisCluster.slotOf(key) + " ");
            final ClientMetrics metrics = client.metrics();
            assertThat(countersOf(metrics, other).moved()).isEqualTo(1L);
            assertThat(countersOf(metrics, owner).moved()).isZero();
            assertThat(metrics.total().moved()).isEqualTo(1L);
        }
    }

    @Test
    void askWhileMigratingAndMovedAfterAreCountedPerNodeAndInTotal(final LocalRedisCluster cluster)
    {
        final String tag = "metrics-migration";
        final int slot = SlotHash.slot(tag);
        final RedisNodeHandle source = cluster.nodeForSlot(slot);
        final RedisNodeHandle target = otherMaster(cluster, source);
        try (ClusterClient client = ClusterClient.connect(config(cluster)))
        {
            for (int i = 0; i < KEYS; i++)
            {
                assertThat(client.sync().set(key(tag, i), "v" + i)).isEqualTo("OK");
            }
            final ClientMetrics start = client.metrics();
            assertThat(start.topologyRefreshes()).as("the first discovery").isPositive();
            assertThat(start.total().moved() + start.total().asked()).isZero();

            // Keys move one by one; after each, every key is read: the moved ones answer ASK from the source.
            cluster.beginSlotMigration(slot, target);
            int moved = 0;
            while (moved < KEYS / 2 && cluster.migrateKeys(slot, target, 1) > 0)
            {
                moved++;
                for (int i = 0; i < KEYS; i++)
                {
                    assertThat(client.sync().get(key(tag, i))).isEqualTo("v" + i);
                }
            }
            assertThat(moved).isEqualTo(KEYS / 2);
            final ClientMetrics migrating = client.metrics();
            final ClientMetrics.Counters sourceMigrating = countersOf(migrating, source).minus(countersOf(start,
                source));
            final ClientMetrics.Counters totalMigrating = migrating.total().minus(start.total());
            // Key i moved after round i-1: rounds 1..moved read 1+2+...+moved moved keys through ASK.
            final long expectedAsks = (long)moved * (moved + 1) / 2;
            assertThat(sourceMigrating.asked()).as("ASK from the migrating source").isEqualTo(expectedAsks);
            assertThat(totalMigrating.asked()).as("ASK in total").isEqualTo(expectedAsks);
            assertThat(totalMigrating.moved()).as("no MOVED while the slot is migrating").isZero();
            assertThat(countersOf(migrating, target).minus(countersOf(start, target)).asked()).isZero();

            // Handed over: the client's table still names the source, which answers MOVED once; the router
            // re-points the slot and asks for a refresh.
            cluster.finishSlotMigration(slot, target);
            final long refreshesBefore = client.metrics().topologyRefreshes();
            for (int i = 0; i < KEYS; i++)
            {
                assertThat(client.sync().get(key(tag, i))).isEqualTo("v" + i);
            }
            final ClientMetrics after = client.metrics();
            final ClientMetrics.Counters sourceAfter = countersOf(after, source).minus(countersOf(start, source));
            assertThat(sourceAfter.moved()).as("MOVED from the former owner").isPositive();
            assertThat(after.total().minus(start.total()).moved()).as("MOVED in total")
                .isEqualTo(sourceAfter.moved());
            assertThat(countersOf(after, target).minus(countersOf(start, target)).moved()).isZero();
            assertThat(client.masterAddressOf(slot)).isEqualTo(target.address());
            Await.until(WAIT, () -> client.metrics().topologyRefreshes() > refreshesBefore,
                "a topology refresh counted after the MOVED");
            final long refreshes = client.metrics().topologyRefreshes();
            client.refreshTopology();
            Await.until(WAIT, () -> client.metrics().topologyRefreshes() > refreshes,
                "a requested topology refresh counted");
            assertThat(client.metrics().topologyRefreshes()).isEqualTo(client.topologyRefreshCount());
        }
    }

    @Test
    void aNodeAnsweringHundredsOfRedirectsIsARedirectStormEvent(final LocalRedisCluster cluster,
        @TempDir final Path dir) throws Exception
    {
        final String tag = "metrics-storm";
        final int slot = SlotHash.slot(tag);
        final RedisNodeHandle source = cluster.nodeForSlot(slot);
        final RedisNodeHandle target = otherMaster(cluster, source);
        final Path file = dir.resolve("storm.jfr");
        try (Recording recording = new Recording())
        {
            recording.enable("io.slotring.RedirectStorm");
            recording.start();
            try (ClusterClient client = ClusterClient.connect(config(cluster)))
            {
                for (int i = 0; i < KEYS; i++)
                {
                    client.sync().set(key(tag, i), "v" + i);
                }
                // Every key on the target, the slot still migrating: each read of them is an ASK from the source.
                cluster.beginSlotMigration(slot, target);
                int left = KEYS;
                while (left > 0)
                {
                    left -= Math.max(1, cluster.migrateKeys(slot, target, KEYS));
                }
                final long asksBefore = client.metrics().total().asked();
                // Three seconds of load span at least two of the watch's one-second windows.
                final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                while (System.nanoTime() - until < 0)
                {
                    final List<CompletableFuture<String>> gets = new ArrayList<>(KEYS);
                    for (int i = 0; i < KEYS; i++)
                    {
                        gets.add(client.async().get(key(tag, i)));
                    }
                    for (int i = 0; i < KEYS; i++)
                    {
                        assertThat(gets.get(i).get(10, TimeUnit.SECONDS)).isEqualTo("v" + i);
                    }
                }
                final long asks = client.metrics().total().asked() - asksBefore;
                assertThat(asks).as("ASK replies during the load").isGreaterThan(300);
                cluster.finishSlotMigration(slot, target);
                // The watch runs once a second on the refresher: wait until it has emitted (the recording, dumped
                // while it runs, shows it) before the client closes.
                Await.until(WAIT, () -> !storms(recording, dir.resolve("partial.jfr")).isEmpty(),
                    "a RedirectStorm event recorded");
            }
            recording.stop();
            recording.dump(file);
        }
        final List<RecordedEvent> storms = storms(file);
        assertThat(storms).as("RedirectStorm events").isNotEmpty().allSatisfy(event ->
        {
            assertThat(event.getString("node")).isEqualTo(source.address());
            assertThat(event.getLong("moved") + event.getLong("asked")).isGreaterThanOrEqualTo(100);
            assertThat(event.getLong("threshold")).isEqualTo(100);
            assertThat(event.getDuration("window")).isPositive();
        });
        assertThat(storms).anySatisfy(event -> assertThat(event.getLong("asked")).isGreaterThanOrEqualTo(100));
    }

    /** The RedirectStorm events in a running recording so far (dumped to {@code file}). */
    private static List<RecordedEvent> storms(final Recording recording, final Path file)
    {
        try
        {
            recording.dump(file);
            return storms(file);
        }
        catch (final java.io.IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
    }

    private static List<RecordedEvent> storms(final Path file) throws java.io.IOException
    {
        final List<RecordedEvent> storms = new ArrayList<>();
        for (final RecordedEvent event : RecordingFile.readAllEvents(file))
        {
            if (event.getEventType().getName().equals("io.slotring.RedirectStorm"))
            {
                storms.add(event);
            }
        }
        return storms;
    }
}
