package io.slotring.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.slotring.launcher.TlsMaterial;
import redis.clients.jedis.ClusterPipeline;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.SslOptions;
import redis.clients.jedis.SslVerifyMode;

/**
 * Jedis at its best for batches: a cluster client and one long-lived {@link ClusterPipeline} per worker, synced
 * once per batch. A pipeline may be synced any number of times and keeps the node connections it borrowed, so
 * this skips a pool borrow and return per node per batch: measured here at 6-25% more throughput and ~15% less
 * CPU per op than the try-with-resources pipeline per batch of the Jedis docs. Jedis 8 deprecates
 * {@code JedisCluster} in favour of {@link RedisClusterClient}, the same engine (UnifiedJedis, per-node pools,
 * ClusterPipeline), so we use that.
 * <ul>
 *   <li>{@code ClusterPipeline.sync()} reads each node's replies on an executor when the batch spans nodes; with
 *       plain {@code pipelined()} it builds and tears down a new thread pool on EVERY sync. We pass one shared
 *       executor ({@code pipelined(ExecutorService)}) sized workers x masters, so a node's read never
 *       queues behind another's; its threads are started up front and live through the window (their allocation
 *       is counted).</li>
 *   <li>Per-node pools hold {@code maxTotal = maxIdle = minIdle = workers} connections, filled before the run:
 *       each worker's pipeline holds one per node, and with the default maxIdle of 8 (or a smaller maxTotal)
 *       16 workers would churn connections or wait for one.</li>
 * </ul>
 * As {@code jedis-sync} it runs Jedis' plain blocking API instead: {@code get}/{@code set} on the cluster client
 * (what {@code JedisCluster.get} is in Jedis 8), one command at a time on the caller's thread, a pool borrow and
 * return per command; no executor.
 */
final class JedisClient implements BenchClient
{
    private final Workload workload;
    private final boolean verify;
    private final boolean blocking;
    private final int batch;
    private final RedisClusterClient cluster;
    private final ThreadPoolExecutor executor;
    private final int poolSize;
    private final int socketTimeoutMs;
    private final List<ClusterPipeline> pipelines = new ArrayList<>();
    private final boolean tls;

    /**
     * @param tls null: plain text; else the seeds are TLS ports and the nodes are verified against its CA.
     */
    JedisClient(final List<String> seeds, final int masters, final BenchSettings settings, final Workload workload,
        final boolean blocking, final Cluster.Tls tls)
    {
        this.tls = tls != null;
        this.workload = workload;
        this.verify = settings.verify;
        this.blocking = blocking;
        this.batch = settings.batch;
        this.poolSize = settings.connections;
        this.socketTimeoutMs =
            (int)Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(settings.awaitTimeoutNs));
        final Set<HostAndPort> nodes = new HashSet<>();
        for (final String seed : seeds)
        {
            nodes.add(HostAndPort.from(seed));
        }
        final ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(poolSize);
        pool.setMaxIdle(poolSize);
        pool.setMinIdle(poolSize);
        pool.setJmxEnabled(false);
        // Never an unbounded wait for a connection (the default): a run must report, not hang.
        pool.setMaxWait(Duration.ofMillis(socketTimeoutMs));
        if (blocking)
        {
            // Blocking calls read on the caller's thread: no pipeline executor exists to compete for the cores.
            executor = null;
        }
        else
        {
            final int threads = Math.max(1, settings.connections * masters);
            final AtomicInteger threadNumber = new AtomicInteger();
            executor = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                task ->
                {
                    final Thread thread = new Thread(task, "jedis-pipeline-" + threadNumber.getAndIncrement());
                    thread.setDaemon(true);
                    return thread;
                });
            executor.prestartAllCoreThreads();
        }
        try
        {
            cluster = RedisClusterClient.builder()
                .nodes(nodes)
                .clientConfig(clientConfig(socketTimeoutMs, tls))
                .poolConfig(pool)
                .build();
            for (final ConnectionPool nodePool : cluster.getClusterNodes().values())
            {
                nodePool.preparePool();
            }
        }
        catch (final Exception ex)
        {
            if (executor != null)
            {
                executor.shutdownNow();
            }
            throw new IllegalStateException("jedis: " + Outcome.describe(ex), ex);
        }
    }

    /**
     * @param tls null: plain text; else TLS through Jedis 8's {@link SslOptions} (its older ssl(true) /
     *            sslSocketFactory are deprecated): a trust store holding only the cluster's CA, and
     *            {@link SslVerifyMode#FULL}, so the host name is verified too (127.0.0.1 is in the certificate's SAN).
     * @return the node connections' configuration.
     */
    static DefaultJedisClientConfig clientConfig(final int socketTimeoutMs, final Cluster.Tls tls)
    {
        final DefaultJedisClientConfig.Builder config = DefaultJedisClientConfig.builder()
            .connectionTimeoutMillis(2000)
            .socketTimeoutMillis(socketTimeoutMs);
        if (tls != null)
        {
            config.sslOptions(SslOptions.builder()
                .truststore(tls.trustStore.toFile(), tls.storePassword)
                .trustStoreType(TlsMaterial.STORE_TYPE)
                .sslVerifyMode(SslVerifyMode.FULL)
                .build());
        }
        return config.build();
    }

    @Override
    public String name()
    {
        return blocking ? ClientFactory.JEDIS_SYNC : ClientFactory.JEDIS;
    }

    @Override
    public Map<String, Object> describe()
    {
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("library", "jedis " + Versions.of("redis.clients", "jedis"));
        out.put("client", "RedisClusterClient (Jedis 8 successor of the deprecated JedisCluster)");
        if (blocking)
        {
            out.put("style", "blocking get/set on the cluster client (JedisCluster.get in Jedis 8), one command at "
                + "a time on the caller's thread");
        }
        else
        {
            out.put("pipeline", "one pipelined(sharedExecutor) per worker, sync() per batch");
            out.put("sync_executor_threads", executor.getCorePoolSize());
        }
        out.put("pool_per_node", "maxTotal=maxIdle=minIdle=" + poolSize + ", prefilled");
        out.put("socket_timeout_ms", socketTimeoutMs);
        out.put("protocol", "RESP2 (default)");
        out.put("tls", tls ? "sslOptions: truststore.p12 (CA only), SslVerifyMode.FULL" : "off");
        return out;
    }

    @Override
    public Worker newWorker(final int index, final Outcome outcome)
    {
        if (blocking)
        {
            // Bounded by the socket timeout set above.
            return new BlockingWorker(cluster::get, cluster::set, RuntimeException.class, workload, verify, outcome);
        }
        final ClusterPipeline pipeline = cluster.pipelined(executor);
        pipelines.add(pipeline);
        return new JedisWorker(pipeline, outcome);
    }

    /**
     * @return a pipeline on the shared executor, closed with this client, for {@link ExtraOps}' workers.
     */
    ClusterPipeline newPipeline()
    {
        final ClusterPipeline pipeline = cluster.pipelined(executor);
        pipelines.add(pipeline);
        return pipeline;
    }

    RedisClusterClient cluster()
    {
        return cluster;
    }

    boolean blocking()
    {
        return blocking;
    }

    /**
     * @return the socket timeout its connections use, in milliseconds.
     */
    int socketTimeoutMs()
    {
        return socketTimeoutMs;
    }

    @Override
    public void close()
    {
        try
        {
            for (final ClusterPipeline pipeline : pipelines)
            {
                try
                {
                    pipeline.close();
                }
                catch (final RuntimeException ignored)
                {
                    // A worker that failed may have left its pipeline broken; the cluster close still frees all.
                }
            }
            cluster.close();
        }
        finally
        {
            if (executor != null)
            {
                executor.shutdownNow();
                try
                {
                    // Its threads must not outlive this run into the next client's window.
                    executor.awaitTermination(10, TimeUnit.SECONDS);
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private final class JedisWorker implements Worker
    {
        private final ClusterPipeline pipeline;
        private final Outcome outcome;
        private final ReplyCheck check;
        private final Response<?>[] responses = new Response<?>[batch];

        JedisWorker(final ClusterPipeline pipeline, final Outcome outcome)
        {
            this.pipeline = pipeline;
            this.outcome = outcome;
            this.check = new ReplyCheck(workload, verify, outcome);
        }

        @Override
        public void execute(final int[] keyIndex, final boolean[] isSet, final int count, final long timeoutNs)
        {
            // sync() has no timeout of its own: every read is bounded by the socket timeout set above.
            try
            {
                for (int i = 0; i < count; i++)
                {
                    final int key = keyIndex[i];
                    responses[i] = isSet[i] ? pipeline.set(workload.key(key), workload.value(key)) :
                        pipeline.get(workload.key(key));
                }
                pipeline.sync();
                for (int i = 0; i < count; i++)
                {
                    final Object reply;
                    try
                    {
                        reply = responses[i].get();
                    }
                    catch (final RuntimeException ex)
                    {
                        outcome.error(ex);
                        continue;
                    }
                    check.check(keyIndex[i], isSet[i], reply);
                }
            }
            finally
            {
                Arrays.fill(responses, 0, count, null);
            }
        }
    }
}
