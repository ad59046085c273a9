package io.slotring.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.SslVerifyMode;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;

/**
 * Lettuce in its two best shapes for this workload.
 * <ul>
 *   <li>{@code lettuce}: as its users run it, one {@link StatefulRedisClusterConnection} (ByteArrayCodec, so no
 *       String encoding) shared by every worker, async commands, auto-flush on. Lettuce multiplexes it onto one
 *       connection per node.</li>
 *   <li>{@code lettuce-manual}: a cluster connection per worker with auto-flush off and one
 *       {@code flushCommands()} per batch, Lettuce's documented way to pipeline. The node connections are opened
 *       (one per master) BEFORE auto-flush is switched off: a node connection created lazily afterwards would
 *       buffer its own handshake behind the flush and the first command to that node would hang.</li>
 *   <li>{@code lettuce-sync}: the shared connection's plain blocking API ({@code RedisAdvancedClusterCommands}:
 *       {@code sync().get}/{@code set}), one command at a time: the single-thread round trip of
 *       {@code bin/bench latency}.</li>
 * </ul>
 * Client resources (event loop threads) are Lettuce's defaults, as a user gets them.
 */
final class LettuceClient implements BenchClient
{
    private final String name;
    private final boolean manualFlush;
    private final boolean sync;
    private final Workload workload;
    private final boolean verify;
    private final ClientResources resources;
    private final RedisClusterClient client;
    private final StatefulRedisClusterConnection<byte[], byte[]> shared;
    private final List<StatefulRedisClusterConnection<byte[], byte[]>> perWorker = new ArrayList<>();
    private final int batch;
    private final boolean tls;

    /**
     * @param tls null: plain text; else the seeds are TLS ports and the nodes are verified against its CA.
     */
    LettuceClient(final boolean manualFlush, final boolean sync, final List<String> seeds,
        final BenchSettings settings, final Workload workload, final Cluster.Tls tls)
    {
        if (manualFlush && sync)
        {
            throw new IllegalArgumentException("lettuce: manual flush and sync exclude each other");
        }
        this.name = manualFlush ? ClientFactory.LETTUCE_MANUAL : sync ? ClientFactory.LETTUCE_SYNC :
            ClientFactory.LETTUCE;
        this.manualFlush = manualFlush;
        this.sync = sync;
        this.workload = workload;
        this.verify = settings.verify;
        this.batch = settings.batch;
        this.tls = tls != null;
        this.resources = DefaultClientResources.create();
        final List<RedisURI> uris = new ArrayList<>();
        for (final String seed : seeds)
        {
            final int colon = seed.lastIndexOf(':');
            final RedisURI.Builder uri = RedisURI.builder().withHost(seed.substring(0, colon))
                .withPort(Integer.parseInt(seed.substring(colon + 1)));
            if (tls != null)
            {
                // FULL: the CA chain and the host name (127.0.0.1, in the certificate's SAN), like the others.
                uri.withSsl(true).withVerifyPeer(SslVerifyMode.FULL);
            }
            uris.add(uri.build());
        }
        this.client = RedisClusterClient.create(resources, uris);
        if (tls != null)
        {
            // The JDK provider, as slotring and Jedis use; the nodes found in the topology inherit the seed's SSL.
            client.setOptions(ClusterClientOptions.builder()
                .sslOptions(SslOptions.builder().jdkSslProvider().trustManager(tls.caCertificate.toFile()).build())
                .build());
        }
        try
        {
            if (manualFlush)
            {
                shared = null;
                for (int i = 0; i < settings.connections; i++)
                {
                    final StatefulRedisClusterConnection<byte[], byte[]> connection =
                        client.connect(ByteArrayCodec.INSTANCE);
                    perWorker.add(connection);
                    openNodeConnections(connection);
                    connection.setAutoFlushCommands(false);
                }
            }
            else
            {
                shared = client.connect(ByteArrayCodec.INSTANCE);
                // Same warm state as the manual variant: no lazy connect inside the first measured seconds.
                openNodeConnections(shared);
            }
        }
        catch (final RuntimeException ex)
        {
            close();
            throw ex;
        }
    }

    /** Opens each master's node connection now and proves it with a PING. */
    private static void openNodeConnections(final StatefulRedisClusterConnection<byte[], byte[]> connection)
    {
        for (final RedisClusterNode node : connection.getPartitions())
        {
            if (node.is(RedisClusterNode.NodeFlag.UPSTREAM))
            {
                connection.getConnection(node.getNodeId()).sync().ping();
            }
        }
    }

    @Override
    public String name()
    {
        return name;
    }

    @Override
    public Map<String, Object> describe()
    {
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("library", "lettuce-core " + Versions.of("io.lettuce", "lettuce-core"));
        out.put("codec", "ByteArrayCodec");
        out.put("tls", tls ? "withSsl(true), SslVerifyMode.FULL, SslOptions jdkSslProvider + trustManager(ca.crt)" :
            "off");
        out.put("io_threads", resources.ioThreadPoolSize());
        out.put("computation_threads", resources.computationThreadPoolSize());
        if (manualFlush)
        {
            out.put("connections", "one StatefulRedisClusterConnection per worker (" + perWorker.size() + ")");
            out.put("flush", "setAutoFlushCommands(false) after opening every node connection; flushCommands() "
                + "per batch");
        }
        else
        {
            out.put("connections", "one shared StatefulRedisClusterConnection (one TCP connection per node)");
            out.put("flush", "auto-flush (default)");
        }
        if (sync)
        {
            out.put("style", "sync(): RedisAdvancedClusterCommands get/set, one command at a time");
        }
        return out;
    }

    @Override
    public Worker newWorker(final int index, final Outcome outcome)
    {
        final StatefulRedisClusterConnection<byte[], byte[]> connection =
            manualFlush ? perWorker.get(index) : shared;
        if (sync)
        {
            // The plain blocking API; it waits at most the connection's default timeout (60 s) per command.
            final RedisAdvancedClusterCommands<byte[], byte[]> commands = connection.sync();
            return new BlockingWorker(commands::get, commands::set, RuntimeException.class, workload, verify,
                outcome);
        }
        return new LettuceWorker(connection, manualFlush, workload, verify, outcome, batch);
    }

    /**
     * @return the worker's connection (shared, or its own under manual flush), for {@link ExtraOps}' workers.
     */
    StatefulRedisClusterConnection<byte[], byte[]> connectionFor(final int index)
    {
        return manualFlush ? perWorker.get(index) : shared;
    }

    boolean manualFlush()
    {
        return manualFlush;
    }

    boolean blocking()
    {
        return sync;
    }

    /**
     * @return the Lettuce cluster client, for the pub/sub subscriber connection of {@link ExtraOps}.
     */
    RedisClusterClient lettuce()
    {
        return client;
    }

    @Override
    public void close()
    {
        for (final StatefulRedisClusterConnection<byte[], byte[]> connection : perWorker)
        {
            connection.close();
        }
        if (shared != null)
        {
            shared.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(5));
        // Wait for the event loops to end so they never overlap the next client's window.
        try
        {
            resources.shutdown(0, 5, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        catch (final ExecutionException | TimeoutException ex)
        {
            throw new IllegalStateException("lettuce resources did not shut down: " + Outcome.describe(ex), ex);
        }
    }

    private static final class LettuceWorker implements Worker
    {
        private final StatefulRedisClusterConnection<byte[], byte[]> connection;
        private final RedisAdvancedClusterAsyncCommands<byte[], byte[]> async;
        private final boolean manualFlush;
        private final Workload workload;
        private final Outcome outcome;
        private final ReplyCheck check;
        private final RedisFuture<?>[] futures;

        LettuceWorker(final StatefulRedisClusterConnection<byte[], byte[]> connection, final boolean manualFlush,
            final Workload workload, final boolean verify, final Outcome outcome, final int batch)
        {
            this.connection = connection;
            this.async = connection.async();
            this.manualFlush = manualFlush;
            this.workload = workload;
            this.outcome = outcome;
            this.check = new ReplyCheck(workload, verify, outcome);
            this.futures = new RedisFuture<?>[batch];
        }

        @Override
        public void execute(final int[] keyIndex, final boolean[] isSet, final int count, final long timeoutNs)
            throws Exception
        {
            final Workload workload = this.workload;
            for (int i = 0; i < count; i++)
            {
                final int key = keyIndex[i];
                futures[i] = isSet[i] ? async.set(workload.key(key), workload.value(key)) :
                    async.get(workload.key(key));
            }
            if (manualFlush)
            {
                connection.flushCommands();
            }
            final long deadline = System.nanoTime() + timeoutNs;
            try
            {
                for (int i = 0; i < count; i++)
                {
                    final Object reply;
                    try
                    {
                        // A TimeoutException propagates: the batch cannot complete and the worker stops.
                        reply = futures[i].get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    }
                    catch (final ExecutionException ex)
                    {
                        outcome.error(ex.getCause() != null ? ex.getCause() : ex);
                        continue;
                    }
                    check.check(keyIndex[i], isSet[i], reply);
                }
            }
            finally
            {
                Arrays.fill(futures, 0, count, null);
            }
        }

    }
}
