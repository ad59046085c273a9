package io.slotring.cluster;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.slotring.engine.Credentials;
import io.slotring.launcher.Await;
import io.slotring.launcher.LocalCluster;
import io.slotring.launcher.LocalRedisCluster;
import io.slotring.launcher.RedisNodeHandle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Credential rotation on a cluster with replicas under load: ACL users exist per node, the client reads from
 * replicas too, and after {@code reauthenticate()} the old user is deleted on every node (which disconnects any
 * connection still authenticated as it) with 0 failed commands.
 */
@LocalCluster(masters = 3, replicasPerMaster = 1)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterCredentialsIT
{
    private static final String OLD_USER = "svc";
    private static final String NEW_USER = "svc-rotated";

    @Test
    void rotatingTheUserOnEveryNodeUnderLoadCostsNoCommand(final LocalRedisCluster cluster) throws Exception
    {
        for (final RedisNodeHandle node : cluster.nodes())
        {
            cluster.call(node, "ACL", "SETUSER", OLD_USER, "on", ">old-pw", "~*", "+@all");
        }
        final AtomicReference<Credentials> current =
            new AtomicReference<>(Credentials.of(OLD_USER, "old-pw".toCharArray()));
        final ClusterConfig config = ClusterConfig.create().seeds(cluster.seeds()).readFrom(ReadFrom.REPLICA_PREFERRED)
            .credentials(current::get).commandTimeout(Duration.ofSeconds(3));
        try (ClusterClient client = ClusterClient.connect(config))
        {
            // Replicas join the topology once they report themselves online; reads go to them from then on.
            Await.until(Duration.ofSeconds(30), () ->
            {
                client.refreshTopology();
                client.sync().get("{rot0}:probe");
                return replicaGets(cluster) > 0;
            }, "the replicas serving reads");
            final AtomicBoolean running = new AtomicBoolean(true);
            final AtomicLong completed = new AtomicLong();
            final AtomicLong failures = new AtomicLong();
            final AtomicReference<Throwable> firstFailure = new AtomicReference<>();
            final List<Thread> workers = new ArrayList<>();
            for (int w = 0; w < 3; w++)
            {
                final int worker = w;
                final Thread thread = new Thread(() ->
                {
                    // Bounded: the test stops it long before the count runs out.
                    for (int i = 0; i < 1_000_000 && running.get(); i++)
                    {
                        final String key = "{rot" + worker + "}:" + (i % 50);
                        try
                        {
                            client.sync().set(key, "v" + i);
                            client.sync().get(key);
                            completed.addAndGet(2);
                        }
                        catch (final RuntimeException ex)
                        {
                            failures.incrementAndGet();
                            firstFailure.compareAndSet(null, ex);
                        }
                    }
                }, "rotation-load-" + w);
                workers.add(thread);
                thread.start();
            }
            awaitMore(completed, failures, 2_000);

            for (final RedisNodeHandle node : cluster.nodes())
            {
                cluster.call(node, "ACL", "SETUSER", NEW_USER, "on", ">new-pw", "~*", "+@all");
            }
            current.set(Credentials.of(NEW_USER, "new-pw".toCharArray()));
            client.reauthenticate().get(10, TimeUnit.SECONDS);
            for (final RedisNodeHandle master : cluster.masters())
            {
                final Object whoami = client.executeOn(master.address(), "ACL", "WHOAMI").get(5, TimeUnit.SECONDS);
                assertThat(new String((byte[])whoami, StandardCharsets.UTF_8)).as("user on %s", master)
                    .isEqualTo(NEW_USER);
            }
            for (final RedisNodeHandle node : cluster.nodes())
            {
                cluster.call(node, "ACL", "DELUSER", OLD_USER);
            }
            awaitMore(completed, failures, 2_000);

            running.set(false);
            for (final Thread worker : workers)
            {
                worker.join(10_000);
            }
            assertThat(failures.get()).as("failed commands; first: %s", firstFailure.get()).isZero();
            assertThat(replicaGets(cluster)).as("GETs the replicas served").isGreaterThan(1_000);
        }
        finally
        {
            for (final RedisNodeHandle node : cluster.nodes())
            {
                cluster.call(node, "ACL", "DELUSER", OLD_USER, NEW_USER);
            }
        }
    }

    private static long replicaGets(final LocalRedisCluster cluster)
    {
        long gets = 0;
        for (final RedisNodeHandle replica : cluster.replicas())
        {
            final String stats = String.valueOf(cluster.call(replica, "INFO", "commandstats"));
            final int at = stats.indexOf("cmdstat_get:calls=");
            gets += at < 0 ? 0 : Long.parseLong(stats.substring(at + 18, stats.indexOf(',', at)));
        }
        return gets;
    }

    private static void awaitMore(final AtomicLong completed, final AtomicLong failures, final long more)
    {
        final long target = completed.get() + more;
        Await.until(Duration.ofSeconds(30), () -> completed.get() >= target || failures.get() > 0,
            more + " more commands completed");
    }
}
