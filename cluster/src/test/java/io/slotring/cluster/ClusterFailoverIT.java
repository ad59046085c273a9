package io.slotring.cluster;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.slotring.codec.RespReader;
import io.slotring.codec.RespType;
import io.slotring.codec.SlotHash;
import io.slotring.engine.RedisException;
import io.slotring.engine.RedisServerException;
import io.slotring.engine.RedisTimeoutException;
import io.slotring.engine.ReplyHandler;
import io.slotring.engine.internal.NodeEndpoint;
import io.slotring.launcher.Await;
import io.slotring.launcher.LocalRedisCluster;
import io.slotring.launcher.RedisNodeHandle;
import io.slotring.launcher.RedisReplyError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Redirects, retries and failover against real clusters, each test with its own: MOVED without a host, retries
 * that must not count as redirects, replicas that cannot serve, a killed master whose queued commands follow its
 * promoted replica (and the refresh rate after it), and CLUSTERDOWN retries bounded by the command deadline.
 * Behaviour is asserted; measured durations are only logged.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClusterFailoverIT
{
    private static final long WAIT_SECONDS = 10;
    private static final Duration WAIT = Duration.ofSeconds(WAIT_SECONDS);

    @Test
    void movedWithoutAHostGoesToTheHostOfTheNodeThatReplied() throws Exception
    {
        try (LocalRedisCluster redis = LocalRedisCluster.builder().masters(3).replicasPerMaster(0)
            .config("cluster-preferred-endpoint-type", "unknown-endpoint").start();
            ClusterClient client = ClusterClient.connect(ClusterConfig.create().seeds(redis.seeds())
                // No refresh during the test: only the MOVED can teach the client the new owners.
                .topologyRefresh(Duration.ofSeconds(60), Duration.ofSeconds(60))
                .commandTimeout(Duration.ofSeconds(5))))
        {
            final String zeroCopyKey = "{stale-a}:k";
            final String asyncKey = "{stale-b}:k";
            client.sync().set(zeroCopyKey, "zero-copy");
            client.sync().set(asyncKey, "async");
            final int zeroCopySlot = SlotHash.slot(zeroCopyKey);
            final int asyncSlot = SlotHash.slot(asyncKey);
            final RedisNodeHandle zeroCopyOwner = redis.nodeForSlot(zeroCopySlot);
            final RedisNodeHandle zeroCopyTarget = otherMaster(redis, zeroCopyOwner);
            final RedisNodeHandle asyncOwner = redis.nodeForSlot(asyncSlot);
            final RedisNodeHandle asyncTarget = otherMaster(redis, asyncOwner);
            redis.moveSlot(zeroCopySlot, zeroCopyTarget);
            redis.moveSlot(asyncSlot, asyncTarget);
            assertThat(client.masterAddressOf(zeroCopySlot)).as("stale").isEqualTo(zeroCopyOwner.address());

            // What the old owner answers: the new owner's port, and no host.
            String moved = null;
            try
            {
                redis.call(zeroCopyOwner, "GET", zeroCopyKey);
            }
            catch (final RedisReplyError ex)
            {
                moved = ex.getMessage();
            }
            System.out.println("unknown-endpoint redirect: " + moved);
            assertThat(moved).startsWith("MOVED " + zeroCopySlot + " ").endsWith(":" + zeroCopyTarget.port())
                .doesNotContain(zeroCopyTarget.host());

            // A command for one chosen node is not redirected: the node's answer is the caller's.
            assertThatThrownBy(() -> client.executeOn(zeroCopyOwner.address(), "GET", zeroCopyKey)
                .get(WAIT_SECONDS, TimeUnit.SECONDS))
                .hasCauseInstanceOf(RedisServerException.class).hasMessageContaining("MOVED " + zeroCopySlot);
            assertThat(client.masterAddressOf(zeroCopySlot)).as("still stale").isEqualTo(zeroCopyOwner.address());

            final CompletableFuture<String> zeroCopy = new CompletableFuture<>();
            assertThat(client.get(zeroCopyKey.getBytes(StandardCharsets.US_ASCII), handlerOf(zeroCopy), 1))
                .isGreaterThanOrEqualTo(0);
            assertThat(zeroCopy.get(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("zero-copy");
            assertThat(client.async().get(asyncKey).get(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("async");
            assertThat(client.masterAddressOf(zeroCopySlot)).isEqualTo(zeroCopyTarget.address());
            assertThat(client.masterAddressOf(asyncSlot)).isEqualTo(asyncTarget.address());
        }
    }

    @Test
    void retriesAfterClusterDownDoNotCountAsRedirects() throws Exception
    {
        try (LocalRedisCluster redis = LocalRedisCluster.builder().masters(3).replicasPerMaster(0)
            .config("cluster-require-full-coverage", "no").start();
            ClusterClient client = ClusterClient.connect(ClusterConfig.create().seeds(redis.seeds())
                .maxRedirects(1)
                .retryBackoff(Duration.ofMillis(10))
                .topologyRefresh(Duration.ofSeconds(60), Duration.ofSeconds(60))
                .commandTimeout(Duration.ofSeconds(15))))
        {
            final String key = "{unserved}:k";
            final int slot = SlotHash.slot(key);
            final RedisNodeHandle owner = redis.nodeForSlot(slot);
            final RedisNodeHandle next = otherMaster(redis, owner);
            // The owner stops serving the slot: "CLUSTERDOWN Hash slot not served" until it is handed on.
            redis.call(owner, "CLUSTER", "DELSLOTS", Integer.toString(slot));
            final long rejectedBefore = ClusterTestSupport.getStat(redis, owner, "rejected_calls");
            final CompletableFuture<String> get = client.async().get(key);
            Await.until(WAIT, () -> ClusterTestSupport.getStat(redis, owner, "rejected_calls") - rejectedBefore >= 3,
                "the owner refused the GET 3 times");
            assertThat(get).isNotDone();

            // Handed to another master: the old owner answers MOVED, the one redirect allowed after those retries.
            redis.call(next, "CLUSTER", "SETSLOT", Integer.toString(slot), "NODE", next.nodeId());
            redis.call(owner, "CLUSTER", "SETSLOT", Integer.toString(slot), "NODE", next.nodeId());
            assertThat(get.get(WAIT_SECONDS, TimeUnit.SECONDS)).isNull();
            System.out.println("CLUSTERDOWN refusals before the MOVED: " +
                (ClusterTestSupport.getStat(redis, owner, "rejected_calls") - rejectedBefore));
            assertThat(client.masterAddressOf(slot)).isEqualTo(next.address());
        }
    }

    @Test
    void aReplicaThatCannotServeSendsTheReadToTheMasterAtOnce() throws Exception
    {
        try (LocalRedisCluster redis = LocalRedisCluster.builder().masters(3).replicasPerMaster(1).start();
            ClusterClient client = ClusterClient.connect(ClusterConfig.create().seeds(redis.seeds())
                .readFrom(ReadFrom.REPLICA_PREFERRED)
                .topologyRefresh(Duration.ofSeconds(2), Duration.ofMillis(50))
                // Longer than the deadline: a read that waited for a backoff instead of going to the master fails.
                .retryBackoff(Duration.ofSeconds(10))
                .commandTimeout(Duration.ofSeconds(3))))
        {
            final String key = "cut-off";
            final RedisNodeHandle master = redis.nodeForSlot(SlotHash.slot(key));
            final RedisNodeHandle replica = redis.replicasOf(master).get(0);
            assertThat(client.sync().set(key, "v1")).isEqualTo("OK");
            redis.call(master, "WAIT", "1", "2000");
            final long getsBefore = ClusterTestSupport.getStat(redis, replica, "calls");
            Await.until(WAIT, () ->
            {
                assertThat(client.sync().get(key)).isEqualTo("v1");
                return ClusterTestSupport.getStat(redis, replica, "calls") > getsBefore;
            }, "GETs served by the replica");

            // Cut the replica off its master (it cannot authenticate any more) and forbid stale reads: MASTERDOWN.
            redis.call(replica, "CONFIG", "SET", "replica-serve-stale-data", "no");
            redis.call(replica, "CONFIG", "SET", "masterauth", "not-the-password");
            redis.call(replica, "CLIENT", "KILL", "TYPE", "master");
            Await.until(WAIT, () -> String.valueOf(redis.call(replica, "INFO", "replication"))
                .contains("master_link_status:down"), "the replica's link to its master is down");

            final long refusedBefore = ClusterTestSupport.getStat(redis, replica, "rejected_calls");
            for (int i = 0; i < 20; i++)
            {
                assertThat(client.sync().get(key)).isEqualTo("v1");
                final CompletableFuture<String> zeroCopy = new CompletableFuture<>();
                assertThat(client.get(key, handlerOf(zeroCopy), i)).isGreaterThanOrEqualTo(0);
                assertThat(zeroCopy.get(WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo("v1");
            }
            final long refused = ClusterTestSupport.getStat(redis, replica, "rejected_calls") - refusedBefore;
            System.out.println("reads the cut-off replica refused with MASTERDOWN (then served by the master): " +
                refused);
            assertThat(refused).as("the replica refused reads, the master answered them").isPositive();
        }
    }

    @Test
    void killedMasterQueuedCommandsFollowThePromotedReplicaAndRefreshesCalmDown() throws Exception
    {
        try (LocalRedisCluster redis = LocalRedisCluster.builder().masters(3).replicasPerMaster(1)
            .nodeTimeoutMillis(1000).start();
            ClusterClient client = ClusterClient.connect(ClusterConfig.create().seeds(redis.seeds())
                .connectionsPerNode(2)
                .topologyRefresh(Duration.ofSeconds(30), Duration.ofMillis(500))
                .commandTimeout(Duration.ofSeconds(15))))
        {
            final String tag = "queued";
            final int slot = SlotHash.slot(tag);
            final RedisNodeHandle master = redis.nodeForSlot(slot);
            final RedisNodeHandle replica = redis.replicasOf(master).get(0);
            final int keys = 50;
            for (int i = 0; i < keys; i++)
            {
                client.sync().set(taggedKey(tag, i), "before");
                client.sync().set("spread:" + i, "x");
            }
            redis.call(master, "WAIT", "1", "2000");
            final NodeEndpoint dead = client.router().topology().master(slot);

            final long refreshesAtKill = client.topologyRefreshCount();
            redis.kill(master);
            final long killedAt = System.nanoTime();
            Await.until(WAIT, () -> !dead.isReady(), "the client saw the master go");
            // Issued now, they queue on the dead master's connections: never written, so they may move.
            final List<CompletableFuture<String>> sets = new ArrayList<>();
            for (int i = 0; i < keys; i++)
            {
                sets.add(client.async().set(taggedKey(tag, i), "after"));
            }
            final CompletableFuture<String> zeroCopy = new CompletableFuture<>();
            assertThat(client.get(taggedKey(tag, 0).getBytes(StandardCharsets.US_ASCII), handlerOf(zeroCopy), 1))
                .isGreaterThanOrEqualTo(0);
            // The cluster fails over by itself (node timeout, election); nothing tells the client but its polling.
            redis.awaitClusterOk(Duration.ofSeconds(30));
            assertThat(String.valueOf(redis.call(replica, "ROLE"))).startsWith("[master");
            final long promotedAt = System.nanoTime();

            for (final CompletableFuture<String> set : sets)
            {
                assertThat(set.get(20, TimeUnit.SECONDS)).isEqualTo("OK");
            }
            final long queuedDoneAt = System.nanoTime();
            assertThat(zeroCopy.get(20, TimeUnit.SECONDS)).isIn("before", "after");
            System.out.printf("failover: promotion confirmed %d ms after the kill; queued commands done %d ms " +
                "after the kill; %d refreshes since the kill%n", (promotedAt - killedAt) / 1_000_000,
                (queuedDoneAt - killedAt) / 1_000_000, client.topologyRefreshCount() - refreshesAtKill);
            for (int i = 0; i < keys; i++)
            {
                assertThat(client.sync().get(taggedKey(tag, i))).isEqualTo("after");
            }
            assertThat(client.masterAddressOf(slot)).isEqualTo(replica.address());
            assertThat(dead.isRetired()).as("the dead master's endpoint is retired").isTrue();
            assertThat(client.router().knownEndpoint(master.host(), master.port(), false)).isNull();

            // Fan-out skips the failed master (which Redis still lists, failed and without slots).
            assertThat(client.masterCount()).isEqualTo(3);
            assertThat(((Number)client.async().execute("DBSIZE").get(5, TimeUnit.SECONDS)).longValue())
                .isEqualTo(2L * keys);
            assertThat((List<?>)client.async().execute("KEYS", "spread:*").get(5, TimeUnit.SECONDS)).hasSize(keys);
            final Set<String> scanned = new HashSet<>();
            client.scan("*", 100, key -> scanned.add(new String(key, StandardCharsets.UTF_8)));
            assertThat(scanned).hasSize(2 * keys);
            assertThat(client.executeOnAllMasters("PING").get(5, TimeUnit.SECONDS)).hasSize(3).containsOnly("PONG");
            assertThat(client.executeOn(replica.address(), "PING").get(5, TimeUnit.SECONDS)).isEqualTo("PONG");

            // The node stays down: once the promotion is known, refreshes go back to the periodic rate, counted in
            // a window of fixed length.
            ClusterTestSupport.sleepUntil(promotedAt + TimeUnit.SECONDS.toNanos(10));
            final long before = client.topologyRefreshCount();
            ClusterTestSupport.sleepUntil(promotedAt + TimeUnit.SECONDS.toNanos(15));
            final long during = client.topologyRefreshCount() - before;
            System.out.printf("refreshes: %d in total, %d in the 5 s window starting 10 s after the promotion%n",
                client.topologyRefreshCount(), during);
            assertThat(during).as("refreshes in 5 s, 10 s after the promotion (periodic 30 s)").isLessThanOrEqualTo(2);
        }
    }

    @Test
    void clusterDownRetriesEndAtTheDeadlineAsNotApplied() throws Exception
    {
        final Duration timeout = Duration.ofMillis(500);
        try (LocalRedisCluster redis = LocalRedisCluster.builder().masters(3).replicasPerMaster(0)
            .nodeTimeoutMillis(1000).start();
            ClusterClient client = ClusterClient.connect(ClusterConfig.create().seeds(redis.seeds())
                .topologyRefresh(Duration.ofSeconds(30), Duration.ofMillis(500))
                .retryBackoff(Duration.ofMillis(20))
                .commandTimeout(timeout)))
        {
            final RedisNodeHandle paused = redis.masters().get(0);
            final List<String> healthyKeys = new ArrayList<>();
            for (int i = 0; healthyKeys.size() < 16; i++)
            {
                final String key = "healthy:" + i;
                if (!paused.address().equals(client.masterAddressOf(SlotHash.slot(key))))
                {
                    healthyKeys.add(key);
                }
            }
            final List<Sample> samples = new ArrayList<>();
            redis.pause(paused);
            try
            {
                // A burst of 8 GETs at each poll, until the healthy masters declared the cluster down and 30 GETs
                // waited it out until their deadline.
                Await.until(Duration.ofSeconds(12), () ->
                {
                    for (final String key : healthyKeys.subList(0, 8))
                    {
                        samples.add(new Sample(client.async().get(key)));
                    }
                    return parkedTimeouts(samples) >= 30;
                }, "30 GETs refused with CLUSTERDOWN and parked until their deadline");
            }
            finally
            {
                redis.resume(paused);
            }
            long maxFailureNs = 0;
            int failures = 0;
            int parked = 0;
            for (final Sample sample : samples)
            {
                try
                {
                    sample.future.get(WAIT_SECONDS, TimeUnit.SECONDS);
                }
                catch (final ExecutionException ex)
                {
                    failures++;
                    maxFailureNs = Math.max(maxFailureNs, sample.latencyNs());
                    assertThat(sample.latencyNs()).as("failure after %s", ex.getCause())
                        .isLessThanOrEqualTo(timeout.toNanos() + TimeUnit.SECONDS.toNanos(1));
                    if (isParkedTimeout(ex.getCause()))
                    {
                        parked++;
                        assertThat(((RedisException)ex.getCause()).mayHaveBeenApplied()).isFalse();
                    }
                }
            }
            System.out.printf("CLUSTERDOWN: %d GETs, %d failed (%d parked until their deadline), slowest failure " +
                "%d ms for a %d ms timeout%n", samples.size(), failures, parked, maxFailureNs / 1_000_000,
                timeout.toMillis());
            assertThat(parked).as("GETs refused with CLUSTERDOWN waited out their deadline").isPositive();
        }
    }

    // ------------------------------------------------------------------------------------------------- helpers

    /** An async GET and when it completed. */
    private static final class Sample
    {
        final long startNs = System.nanoTime();
        final AtomicLong doneNs = new AtomicLong();
        final CompletableFuture<String> future;

        Sample(final CompletableFuture<String> future)
        {
            this.future = future;
            future.whenComplete((value, error) -> doneNs.set(System.nanoTime()));
        }

        boolean isDone()
        {
            return future.isDone();
        }

        long latencyNs()
        {
            return doneNs.get() - startNs;
        }
    }

    private static int parkedTimeouts(final List<Sample> samples)
    {
        int parked = 0;
        for (final Sample sample : samples)
        {
            if (sample.isDone() && sample.future.isCompletedExceptionally())
            {
                try
                {
                    sample.future.join();
                }
                catch (final RuntimeException ex)
                {
                    parked += isParkedTimeout(ex.getCause()) ? 1 : 0;
                }
            }
        }
        return parked;
    }

    private static boolean isParkedTimeout(final Throwable error)
    {
        return error instanceof RedisTimeoutException && error.getMessage().contains("waiting to be retried");
    }

    private static ReplyHandler handlerOf(final CompletableFuture<String> result)
    {
        return new ReplyHandler()
        {
            @Override
            public void onReply(final long token, final RespReader reply)
            {
                if (reply.type() == RespType.ERROR)
                {
                    result.completeExceptionally(new AssertionError("error reply: " + reply.stringValue()));
                }
                else
                {
                    result.complete(reply.type() == RespType.NULL ? null : reply.stringValue());
                }
            }

            @Override
            public void onFailure(final long token, final RedisException error)
            {
                result.completeExceptionally(error);
            }
        };
    }

    private static RedisNodeHandle otherMaster(final LocalRedisCluster redis, final RedisNodeHandle master)
    {
        return redis.masters().stream().filter(node -> !node.equals(master)).findFirst().orElseThrow();
    }

    private static String taggedKey(final String tag, final int i)
    {
        return "{" + tag + "}:" + i;
    }
}
