package io.slotring.cluster;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import io.slotring.codec.SlotHash;
import io.slotring.engine.RedisException;
import io.slotring.engine.internal.NodeEndpoint;
import io.slotring.launcher.Await;
import io.slotring.launcher.LocalRedisCluster;
import io.slotring.launcher.RedisNodeHandle;
import io.slotring.launcher.ThreadLeaks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the client costs as the cluster grows, on one launcher cluster that ends with 30 masters: connect time,
 * the time of one requested topology refresh, direct memory per connection and the client's threads, measured
 * with a fresh client at each size; routing to every master; and a master killed at 30 masters while the other
 * shards keep serving and its replica takes over.
 *
 * <p>Asserted are properties, not timings: direct memory per idle connection (the engine's allocation, at most
 * 256 KiB), a thread count that does not follow the node count, commands landing on the owning master, no failure
 * on a healthy shard, and no client thread left after close. Times are logged, one table row per size.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ClusterScaleIT
{
    /**
     * Masters at each measurement. The launcher starts the first size with slots spread evenly; each master added
     * afterwards takes one slot, which is what makes the client route to it (a master without slots gets no
     * connection) at the price of one empty-slot move, where spreading slots evenly would move thousands.
     */
    private static final int[] SIZES = {10, 20, 30};
    /** Added masters' slots: spread over the first masters' ranges, distinct for up to 20 additions. */
    private static final int GROWTH_SLOT_BASE = 100;
    private static final int GROWTH_SLOT_STEP = 797;
    /** Masters given a replica for the failover part: 30 more redis-servers would not fit 2 cores. */
    private static final int REPLICATED_MASTERS = 2;
    private static final long MAX_DIRECT_PER_CONNECTION = 256 << 10;
    /** Every connection has its 64 KiB receive buffer at least: less means the measurement missed them. */
    private static final long MIN_DIRECT_PER_CONNECTION = 64 << 10;
    /** I/O, topology, topology senders (at most 4), resolver: 7; the bound leaves one spare. */
    private static final int MAX_CLIENT_THREADS = 8;
    private static final int HEALTHY_COMMANDS = 300;
    private static final int QUEUED_COMMANDS = 20;
    /** Past the minimum spacing of refreshes and the backoff of any the connecting phase asked for. */
    private static final long CALM_BEFORE_REFRESH_NS = TimeUnit.MILLISECONDS.toNanos(2_000);
    private static final long WAIT_SECONDS = 10;
    private static final Duration WAIT = Duration.ofSeconds(WAIT_SECONDS);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    private static final BufferPoolMXBean DIRECT = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)
        .stream().filter(pool -> pool.getName().equals("direct")).findFirst().orElseThrow();

    /**
     * One measurement: a fresh client against {@code masters} masters. {@code readyMs} counts from the start of
     * connect until every master's connection is ready; {@code refreshesBefore} are the refreshes the client made
     * before the requested one (its first discovery included). Ready and refresh times are as an {@link Await} poll
     * saw them: it backs off from 1 ms to 50 ms, so a longer wait reads up to that much late.
     */
    private record Row(int masters, int connections, double connectMs, double readyMs, double refreshMs,
        long refreshesBefore, long directPerConnection, int threads, double closeMs)
    {
        Row closedIn(final double millis)
        {
            return new Row(masters, connections, connectMs, readyMs, refreshMs, refreshesBefore, directPerConnection,
                threads, millis);
        }
    }

    @Test
    void upToThirtyMastersMemoryAndThreadsStayPerConnectionAndAKilledMasterOnlyTouchesItsShard() throws Exception
    {
        // Threads other tests of this JVM may have left are theirs, not this client's.
        final Set<Thread> foreign = new HashSet<>(ThreadLeaks.alive(ThreadLeaks.CLIENT));
        final long launchNs = System.nanoTime();
        try (LocalRedisCluster redis = LocalRedisCluster.builder().masters(SIZES[0]).replicasPerMaster(0)
            .nodeTimeoutMillis(1000)
            // Healthy shards keep serving while one master is down, so their answers depend on the client only
            // (with the default "yes" Redis refuses every shard with CLUSTERDOWN between the failure and the
            // promotion; ClusterFailoverIT covers the client's retries through that).
            .config("cluster-require-full-coverage", "no")
            .timeout(Duration.ofSeconds(60)).start())
        {
            System.out.printf("launcher: %d masters started in %d ms%n", SIZES[0],
                millis(System.nanoTime() - launchNs));
            // Not in the table: the first client in this JVM pays for class loading and cold code, which would read
            // as a cost of the smallest cluster.
            System.out.println("warm-up: " + measure(redis, SIZES[0], foreign, "warm-up:"));
            final List<Row> rows = new ArrayList<>();
            int added = 0;
            for (final int size : SIZES)
            {
                final int from = redis.masters().size();
                final long growNs = System.nanoTime();
                while (redis.masters().size() < size)
                {
                    addSlotOwningMaster(redis, added++);
                }
                if (from < size)
                {
                    final long grewMs = millis(System.nanoTime() - growNs);
                    System.out.printf("launcher: grew from %d to %d masters in %d ms (%d ms per master)%n", from,
                        size, grewMs, grewMs / (size - from));
                }
                final Row row = measure(redis, size, foreign, "scale:" + size + ":");
                System.out.println("measured: " + row);
                rows.add(row);
            }
            System.out.println("masters | connections | connect ms | ready ms | refresh ms | direct KiB/conn | " +
                "client threads | close ms | refreshes before");
            for (final Row row : rows)
            {
                System.out.printf("%7d | %11d | %10.1f | %8.1f | %10.1f | %15.1f | %14d | %8.1f | %16d%n",
                    row.masters(), row.connections(), row.connectMs(), row.readyMs(), row.refreshMs(),
                    row.directPerConnection() / 1024.0, row.threads(), row.closeMs(), row.refreshesBefore());
            }
            failOver(redis, foreign);
        }
        System.out.printf("whole test: %d ms%n", millis(System.nanoTime() - launchNs));
    }

    // ------------------------------------------------------------------------------------------------ measuring

    private static void addSlotOwningMaster(final LocalRedisCluster redis, final int index)
    {
        final RedisNodeHandle master = redis.addMaster();
        redis.moveSlot(GROWTH_SLOT_BASE + index * GROWTH_SLOT_STEP, master);
    }

    /** Direct memory in use once a GC no longer changes it (buffers waiting for their cleaner are freed). */
    private static long settledDirectMemory()
    {
        final AtomicLong previous = new AtomicLong(-1);
        return Await.value(Duration.ofSeconds(10), () ->
        {
            System.gc();
            return DIRECT.getMemoryUsed();
        }, used -> previous.getAndSet(used) == used, "direct memory in use to settle after a GC");
    }

    /**
     * Connects a fresh client with one connection per node and measures it; {@code prefix} names keys no earlier
     * measurement wrote.
     */
    private static Row measure(final LocalRedisCluster redis, final int masters, final Set<Thread> foreign,
        final String prefix) throws Exception
    {
        // Nothing between here and the reading below touches the launcher: its socket I/O on this thread uses
        // temporary direct buffers too. The baseline is taken once the direct buffers earlier steps dropped have
        // been collected: a GC inside the measurement would otherwise free them and shrink the difference.
        final long before = settledDirectMemory();
        final long connectNs = System.nanoTime();
        final Row open;
        final long closeNs;
        try (ClusterClient client = ClusterClient.connect(ClusterConfig.create().seeds(redis.seeds())
            .connectionsPerNode(1)))
        {
            final long connectedNs = System.nanoTime();
            assertThat(client.masterCount()).as("masters the client routes to").isEqualTo(masters);
            final NodeEndpoint[] endpoints = client.router().topology().masters();
            // Connect returns once the topology is known; the masters' connections come up in the background.
            Await.until(WAIT, () -> allFullyConnected(endpoints), "every master's connection is ready");
            final long readyNs = System.nanoTime();
            final Map<String, String> keys = keyPerMaster(client, prefix);
            // Every connection carries a command first: the cost of a connection in use, not of one just opened.
            for (final String key : keys.values())
            {
                assertThat(client.sync().get(key)).as(key).isNull();
            }
            final long direct = DIRECT.getMemoryUsed() - before;

            // The client spaces refreshes by time (a minimum spacing, a backoff after the connecting phase's): a
            // refresh asked for sooner would be held back, and the measurement would include the hold.
            ClusterTestSupport.sleepUntil(readyNs + CALM_BEFORE_REFRESH_NS);
            final long refreshesBefore = client.topologyRefreshCount();
            final long refreshNs = System.nanoTime();
            client.refreshTopology();
            Await.until(WAIT, () -> client.topologyRefreshCount() > refreshesBefore, "the requested refresh");
            final long refreshedNs = System.nanoTime();
            final int threads = clientThreads(foreign).size();

            verifyRouting(redis, client, keys, "v" + masters);
            open = new Row(masters, endpoints.length, millisOf(connectedNs - connectNs),
                millisOf(readyNs - connectNs), millisOf(refreshedNs - refreshNs), refreshesBefore,
                direct / endpoints.length, threads, 0);
            closeNs = System.nanoTime();
        }
        ThreadLeaks.awaitNone(CLOSE_WAIT, clientThread(foreign), "client threads after close()");
        final Row row = open.closedIn(millisOf(System.nanoTime() - closeNs));
        assertThat(row.directPerConnection()).as("direct bytes per idle connection at %d masters", masters)
            .isBetween(MIN_DIRECT_PER_CONNECTION, MAX_DIRECT_PER_CONNECTION);
        assertThat(row.threads()).as("client threads at %d masters", masters).isLessThanOrEqualTo(MAX_CLIENT_THREADS);
        return row;
    }

    // -------------------------------------------------------------------------------------------------- failover

    private static void failOver(final LocalRedisCluster redis, final Set<Thread> foreign) throws Exception
    {
        final long replicateNs = System.nanoTime();
        final List<RedisNodeHandle> masters = redis.masters();
        // Masters from the launcher's start: they serve a range of slots, not the one an added master took.
        for (int i = 0; i < REPLICATED_MASTERS; i++)
        {
            final RedisNodeHandle replica = redis.addMaster();
            redis.call(replica, "CLUSTER", "REPLICATE", masters.get(1 + i).nodeId());
        }
        redis.awaitClusterOk(Duration.ofSeconds(60));
        final RedisNodeHandle victim = masters.get(1);
        assertThat(redis.replicasOf(victim)).hasSize(1);
        final RedisNodeHandle replica = redis.replicasOf(victim).get(0);
        System.out.printf("launcher: replicas for %d masters in %d ms; %d nodes%n", REPLICATED_MASTERS,
            millis(System.nanoTime() - replicateNs), redis.nodes().size());

        final long closeNs;
        try (ClusterClient client = ClusterClient.connect(ClusterConfig.create().seeds(redis.seeds())
            .connectionsPerNode(1)
            // Commands queued for the killed master wait for failure detection, election and a refresh: seconds
            // on a loaded machine, which the default 5 s could cut short.
            .commandTimeout(Duration.ofSeconds(15))))
        {
            final NodeEndpoint[] endpoints = client.router().topology().masters();
            Await.until(WAIT, () -> allFullyConnected(endpoints), "every master's connection is ready");
            final Map<String, String> keys = keyPerMaster(client, "failover:");
            verifyRouting(redis, client, keys, "before");
            final String victimTag = keys.get(victim.address());
            assertThat(victimTag).as("a key of %s among %s", victim, keys.keySet()).isNotNull();
            final int victimSlot = SlotHash.slot(victimTag);
            final List<String> healthy = new ArrayList<>(keys.values());
            healthy.remove(victimTag);
            assertThat(healthy).hasSize(masters.size() - 1);
            redis.call(victim, "WAIT", "1", "2000");
            final NodeEndpoint dead = client.router().topology().master(victimSlot);

            final long refreshesAtKill = client.topologyRefreshCount();
            final long killedNs = System.nanoTime();
            redis.kill(victim);
            Await.until(WAIT, () -> !dead.isReady(), "the client saw the master go");
            // Issued now, they queue on the dead master's connection: never written, so they follow the promotion.
            final List<CompletableFuture<String>> queued = new ArrayList<>();
            final AtomicLong queuedDoneNs = new AtomicLong();
            for (int i = 0; i < QUEUED_COMMANDS; i++)
            {
                final CompletableFuture<String> set = client.async().set("{" + victimTag + "}:" + i, "after");
                set.whenComplete((reply, error) -> queuedDoneNs.accumulateAndGet(System.nanoTime(), Math::max));
                queued.add(set);
            }
            final AtomicLong promotedNs = new AtomicLong();
            final AtomicReference<Throwable> watchError = new AtomicReference<>();
            final Thread watch = new Thread(() ->
            {
                try
                {
                    awaitPromotion(redis, replica);
                    promotedNs.set(System.nanoTime());
                }
                catch (final RuntimeException | AssertionError ex)
                {
                    watchError.set(ex);
                }
            }, "scale-test-failover-watch");
            watch.setDaemon(true);
            watch.start();

            // Healthy shards through the failure, the election and the promotion: none of it is theirs.
            final long loopEnd = killedNs + TimeUnit.SECONDS.toNanos(45);
            int commands = 0;
            int failures = 0;
            String firstFailure = null;
            int maxThreads = 0;
            for (int i = 0; (commands < HEALTHY_COMMANDS || watch.isAlive()) && System.nanoTime() - loopEnd < 0; i++)
            {
                final String key = healthy.get(i % healthy.size());
                final String value = "during-" + i;
                try
                {
                    final String set = client.sync().set(key, value);
                    final String got = client.sync().get(key);
                    if (!"OK".equals(set) || !value.equals(got))
                    {
                        failures++;
                        firstFailure = firstFailure != null ? firstFailure : key + ": SET " + set + ", GET " + got;
                    }
                }
                catch (final RedisException ex)
                {
                    failures++;
                    firstFailure = firstFailure != null ? firstFailure : key + ": " + ex;
                }
                commands += 2;
                if (i % 25 == 0)
                {
                    maxThreads = Math.max(maxThreads, clientThreads(foreign).size());
                }
                // Paces the healthy shards' load (a SET and a GET per 5 ms); not a wait for anything.
                Thread.sleep(5);
            }
            watch.join(TimeUnit.SECONDS.toMillis(WAIT_SECONDS));
            assertThat(watchError.get()).as("the failover watch's failure").isNull();
            assertThat(promotedNs.get()).as("the cluster promoted the replica").isNotZero();
            assertThat(String.valueOf(redis.call(replica, "ROLE"))).startsWith("[master");

            for (final CompletableFuture<String> set : queued)
            {
                assertThat(set.get(20, TimeUnit.SECONDS)).isEqualTo("OK");
            }
            Await.until(WAIT, () -> replica.address().equals(client.masterAddressOf(victimSlot)),
                "the client routes the failed shard to the promoted replica");
            for (int i = 0; i < QUEUED_COMMANDS; i++)
            {
                assertThat(client.sync().get("{" + victimTag + "}:" + i)).isEqualTo("after");
            }
            System.out.printf("failover: promotion confirmed %d ms after the kill, the commands queued on the " +
                "failed shard done %d ms after the kill; healthy shards: %d commands, %d failed; %d refreshes " +
                "since the kill; at most %d client threads%n", millis(promotedNs.get() - killedNs),
                millis(queuedDoneNs.get() - killedNs), commands, failures,
                client.topologyRefreshCount() - refreshesAtKill, maxThreads);
            assertThat(failures).as("failures on healthy shards; first: %s", firstFailure).isZero();
            assertThat(commands).isGreaterThanOrEqualTo(HEALTHY_COMMANDS);
            assertThat(maxThreads).as("client threads during the failover").isLessThanOrEqualTo(MAX_CLIENT_THREADS);

            // Routing after the failover still covers every master, the promoted one included.
            assertThat(client.masterCount()).isEqualTo(masters.size());
            verifyRouting(redis, client, keyPerMaster(client, "after-failover:"), "after");
            closeNs = System.nanoTime();
        }
        ThreadLeaks.awaitNone(CLOSE_WAIT, clientThread(foreign), "client threads after close()");
        System.out.printf("failover client closed, its threads gone in %d ms%n", millis(System.nanoTime() - closeNs));
    }

    // --------------------------------------------------------------------------------------------------- helpers

    /**
     * Waits until the replica says it is a master and every live node agrees. The launcher's convergence alone is
     * not enough here: without full coverage the cluster stays "ok" once the failure is marked, before the election.
     */
    private static void awaitPromotion(final LocalRedisCluster redis, final RedisNodeHandle replica)
    {
        Await.until(Duration.ofSeconds(30), () -> ClusterTestSupport.isMaster(redis, replica),
            replica + " promoted");
        redis.awaitClusterOk(Duration.ofSeconds(30));
    }

    /**
     * @return per master address, the first key {@code prefix + i} whose slot it serves in the client's table.
     */
    private static Map<String, String> keyPerMaster(final ClusterClient client, final String prefix)
    {
        final Topology topology = client.router().topology();
        final int masters = topology.masters().length;
        final Map<NodeEndpoint, String> found = new IdentityHashMap<>();
        // A master that owns one slot takes about 16384 tries; the bound is far past a few dozen of them.
        for (int i = 0; found.size() < masters && i < 10_000_000; i++)
        {
            final String key = prefix + i;
            final NodeEndpoint owner = topology.master(SlotHash.slot(key));
            if (owner != null && !found.containsKey(owner))
            {
                found.put(owner, key);
            }
        }
        assertThat(found).as("a key for every master").hasSize(masters);
        final Map<String, String> byAddress = new LinkedHashMap<>();
        for (final Map.Entry<NodeEndpoint, String> entry : found.entrySet())
        {
            byAddress.put(entry.getKey().host() + ':' + entry.getKey().port(), entry.getValue());
        }
        return byAddress;
    }

    /**
     * SET and GET through the client, checked against the cluster: each key's slot is routed where the cluster
     * says it is owned, and the value is on that node.
     */
    private static void verifyRouting(final LocalRedisCluster redis, final ClusterClient client,
        final Map<String, String> keys, final String value)
    {
        for (final Map.Entry<String, String> entry : keys.entrySet())
        {
            final String key = entry.getValue();
            final RedisNodeHandle owner = redis.nodeForSlot(SlotHash.slot(key));
            assertThat(entry.getKey()).as("client's owner of %s", key).isEqualTo(owner.address());
            assertThat(client.sync().set(key, value)).isEqualTo("OK");
            assertThat(client.sync().get(key)).isEqualTo(value);
            assertThat(redis.call(owner, "GET", key)).as("%s on its owner %s", key, owner).isEqualTo(value);
        }
    }

    private static boolean allFullyConnected(final NodeEndpoint[] endpoints)
    {
        for (final NodeEndpoint endpoint : endpoints)
        {
            if (!endpoint.isFullyConnected())
            {
                return false;
            }
        }
        return true;
    }

    /** The client's threads (see {@link ThreadLeaks#CLIENT}) but those other tests of this JVM left. */
    private static Predicate<Thread> clientThread(final Set<Thread> foreign)
    {
        return ThreadLeaks.CLIENT.and(thread -> !foreign.contains(thread));
    }

    private static List<Thread> clientThreads(final Set<Thread> foreign)
    {
        return ThreadLeaks.alive(clientThread(foreign));
    }

    private static long millis(final long nanos)
    {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    private static double millisOf(final long nanos)
    {
        return nanos / 1e6;
    }
}
