package io.slotring.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.slotring.launcher.LocalRedisCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code --verify} is only worth something if it fails: every client's worker must count a GET that returns
 * another value and a GET that misses, and nothing for correct replies.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class VerifyCatchesWrongRepliesIT
{
    private static final int KEYS = 4;
    private static LocalRedisCluster redis;
    private static Cluster cluster;

    @BeforeAll
    static void startCluster()
    {
        redis = LocalRedisCluster.builder().masters(3).replicasPerMaster(0).start();
        cluster = Cluster.discover(redis.seeds());
    }

    @AfterAll
    static void stopCluster()
    {
        if (redis != null)
        {
            redis.close();
        }
    }

    @Test
    void everyClientCountsAWrongValueAndAMissAndNothingElse() throws Exception
    {
        final List<String> clients = new ArrayList<>(List.of(ClientFactory.LETTUCE, ClientFactory.LETTUCE_MANUAL,
            ClientFactory.JEDIS, ClientFactory.SLOTRING));
        // Two workers: the test opens a second one per client after the first (Jedis pipelines hold a connection).
        final BenchSettings settings = new BenchSettings(List.of(Op.GET), clients, 2, 1, 64, 64, KEYS, KEYS, 1, 0,
            1, 0, redis.seeds(), 3, true, 0, Path.of("unused"), false, 5, "test");
        final Workload workload = new Workload(KEYS, 64, 64);
        for (final String name : clients)
        {
            for (int i = 0; i < KEYS; i++)
            {
                set(workload, i, workload.value(i));
            }
            set(workload, 1, workload.value(0));
            final String missing = new String(workload.key(2), StandardCharsets.US_ASCII);
            redis.call(redis.nodeForKey(missing), "DEL", missing);

            final Outcome outcome = new Outcome();
            try (BenchClient client = ClientFactory.create(name, cluster, settings, workload))
            {
                final BenchClient.Worker worker = client.newWorker(0, outcome);
                worker.execute(new int[] { 0, 1, 2, 3 }, new boolean[KEYS], KEYS, TimeUnit.SECONDS.toNanos(5));
                assertThat(outcome.mismatches()).as(name + ": wrong value and miss").isEqualTo(2);
                assertThat(outcome.firstMismatch()).as(name).isNotBlank();

                final Outcome clean = new Outcome();
                final BenchClient.Worker again = client.newWorker(1, clean);
                again.execute(new int[] { 1, 2, 1, 2 }, new boolean[] { true, true, false, false }, KEYS,
                    TimeUnit.SECONDS.toNanos(5));
                assertThat(clean.mismatches()).as(name + ": SETs restore the canonical values, GETs see them")
                    .isZero();
                assertThat(clean.errors()).as(name + ": " + clean.firstError()).isZero();
            }
            assertThat(outcome.errors()).as(name + ": " + outcome.firstError()).isZero();
        }
    }

    private static void set(final Workload workload, final int index, final byte[] value)
    {
        final String key = new String(workload.key(index), StandardCharsets.US_ASCII);
        redis.call(redis.nodeForKey(key), "SET", key, new String(value, StandardCharsets.US_ASCII));
    }
}
