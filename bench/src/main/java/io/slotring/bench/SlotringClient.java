package io.slotring.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.slotring.cluster.ClusterClient;
import io.slotring.cluster.ClusterConfig;
import io.slotring.codec.RespReader;
import io.slotring.codec.RespType;
import io.slotring.engine.Batch;
import io.slotring.engine.RedisException;
import io.slotring.engine.ReplyHandler;
import io.slotring.engine.SyncCommands;
import io.slotring.engine.TlsSettings;

/**
 * slotring's cluster client in its zero-copy batch style: one reusable {@link Batch} per worker, replies checked
 * in place on the I/O thread (the view is only valid during the callback), no allocation per command. As
 * {@code slotring-sync} it runs its plain blocking style instead: {@code sync().get} / {@code sync().set}, one
 * command at a time (the single-thread round trip of {@code bin/bench latency}).
 */
final class SlotringClient implements BenchClient
{
    /** RESP-encoded SET of the largest key and value, plus headroom for the command header. */
    private static final int SET_OVERHEAD = 64;

    private final Workload workload;
    private final boolean verify;
    private final boolean sync;
    private final SlotringOptions options;
    private final ClusterClient client;
    private final int slotCapacity;
    private final int ringSize;
    private final int mux;
    private final String configText;
    private final boolean latencyMetrics;
    private final Cluster.Tls tls;
    /** TLS through BoringSSL (Netty's engine) instead of the JDK's. */
    private final boolean openssl;

    /**
     * @param tls     null: plain text; else the seeds are TLS ports and the nodes are verified against its CA.
     * @param openssl with TLS, BoringSSL engines (Netty's, through {@code TlsSettings.ofEngines}), not the JDK's.
     */
    SlotringClient(final List<String> seeds, final BenchSettings settings, final Workload workload,
        final boolean sync, final boolean latencyMetrics, final Cluster.Tls tls, final boolean openssl)
    {
        this.tls = tls;
        this.openssl = openssl;
        this.workload = workload;
        this.latencyMetrics = latencyMetrics;
        this.verify = settings.verify;
        this.sync = sync;
        this.options = settings.slotring;
        this.mux = settings.mux;
        // Every command must fit its ring slot without spilling, and every worker's whole batch must fit the rings.
        this.slotCapacity = Math.max(2048, nextPowerOfTwo(settings.keySize + settings.valueSize + SET_OVERHEAD));
        this.ringSize = Math.max(1024, nextPowerOfTwo(settings.connections * settings.batch));
        final ClusterConfig config = ClusterConfig.create()
            .seeds(String.join(",", seeds))
            .connectionsPerNode(mux)
            .slotCapacity(slotCapacity)
            .ringSize(ringSize)
            .latencyMetrics(latencyMetrics);
        if (tls != null)
        {
            // Hostname verification stays on (the default): 127.0.0.1 is in the server certificate's SAN.
            config.tls(openssl ? openSsl(tls) : TlsSettings.builder().trustCertificates(tls.caCertificate).build());
        }
        options.applyTo(config);
        this.client = ClusterClient.connect(config);
        this.configText = config.toString();
    }

    private static TlsSettings openSsl(final Cluster.Tls tls)
    {
        try
        {
            final SslContext context = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL)
                .trustManager(tls.caCertificate.toFile()).endpointIdentificationAlgorithm("HTTPS").build();
            return TlsSettings.ofEngines((host, port) -> context.newEngine(ByteBufAllocator.DEFAULT, host, port));
        }
        catch (final javax.net.ssl.SSLException ex)
        {
            throw new IllegalStateException("cannot build a BoringSSL context from " + tls.caCertificate, ex);
        }
    }

    private static int nextPowerOfTwo(final int value)
    {
        return value <= 1 ? 1 : Integer.highestOneBit(value - 1) << 1;
    }

    @Override
    public String name()
    {
        if (sync)
        {
            return ClientFactory.SLOTRING_SYNC;
        }
        if (openssl)
        {
            return ClientFactory.SLOTRING_OPENSSL;
        }
        return latencyMetrics ? ClientFactory.SLOTRING : ClientFactory.SLOTRING_NO_LATENCY_METRICS;
    }

    @Override
    public Map<String, Object> describe()
    {
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("library", "slotring ClusterClient (this build)");
        out.put("connections_per_node", mux);
        out.put("slot_capacity", slotCapacity);
        out.put("ring_size", ringSize);
        out.put("tls", tls == null ? "off" : openssl ? "TlsSettings.ofEngines(Netty SslContext, SslProvider.OPENSSL "
            + "(BoringSSL, netty-tcnative), trustManager(ca.crt), HTTPS endpoint identification)" :
            "TlsSettings.builder().trustCertificates(ca.crt): JDK SSLEngine, hostname verified");
        out.putAll(options.describe());
        out.put("style", sync ? "sync(): get/set block the caller until the reply, one command at a time" :
            "zero-copy Batch per worker, replies verified in the I/O callback");
        out.put("config", configText);
        return out;
    }

    @Override
    public Worker newWorker(final int index, final Outcome outcome)
    {
        if (sync)
        {
            final SyncCommands sync = client.sync();
            // Bounded by the client's command timeout (plus its hand-off): each call returns or throws.
            return new BlockingWorker(sync::get, sync::set, RedisException.class, workload, verify, outcome);
        }
        final Checker checker = new Checker(workload, verify, outcome);
        return new SlotringWorker(client, client.newBatch(checker), workload, outcome);
    }

    /**
     * @return the connected cluster client, for {@link ExtraOps}' workers; null-free; owned (closed) by this.
     */
    ClusterClient cluster()
    {
        return client;
    }

    /**
     * @return whether this is the blocking {@code slotring-sync} variant.
     */
    boolean blocking()
    {
        return sync;
    }

    @Override
    public void close()
    {
        client.close();
    }

    /**
     * @return a zero-copy reply checker for GET-shaped replies (the key's value), for {@link ExtraOps}' workers.
     */
    static ReplyHandler checker(final Workload workload, final boolean verify, final Outcome outcome)
    {
        return new Checker(workload, verify, outcome);
    }

    /** Token layout: key index shifted left once, low bit set for a SET. */
    private static final class Checker implements ReplyHandler
    {
        private static final byte[] OK = {'O', 'K'};

        private final Workload workload;
        private final boolean verify;
        private final Outcome outcome;

        Checker(final Workload workload, final boolean verify, final Outcome outcome)
        {
            this.workload = workload;
            this.verify = verify;
            this.outcome = outcome;
        }

        @Override
        public void onReply(final long token, final RespReader reply)
        {
            final int key = (int)(token >>> 1);
            if (reply.isError())
            {
                outcome.error("key " + key + ": " + reply.stringValue());
            }
            else if ((token & 1) != 0)
            {
                if (verify && !(reply.type() == RespType.SIMPLE_STRING && reply.contentEquals(OK)))
                {
                    outcome.mismatch("SET " + key + " answered " + reply);
                }
            }
            else if (reply.isNull())
            {
                outcome.mismatch("GET " + key + " missed (nil)");
            }
            else if (verify && !reply.contentEquals(workload.value(key)))
            {
                outcome.mismatch("GET " + key + " returned another value");
            }
        }

        @Override
        public void onFailure(final long token, final RedisException error)
        {
            outcome.error(error);
        }
    }

    private static final class SlotringWorker implements Worker
    {
        private final ClusterClient client;
        private final Batch batch;
        private final Workload workload;
        private final Outcome outcome;

        SlotringWorker(final ClusterClient client, final Batch batch, final Workload workload, final Outcome outcome)
        {
            this.client = client;
            this.batch = batch;
            this.workload = workload;
            this.outcome = outcome;
        }

        @Override
        public void execute(final int[] keyIndex, final boolean[] isSet, final int count, final long timeoutNs)
        {
            final ClusterClient client = this.client;
            final Workload workload = this.workload;
            for (int i = 0; i < count; i++)
            {
                final int key = keyIndex[i];
                final long token = (long)key << 1;
                final long code = isSet[i] ? client.set(workload.key(key), workload.value(key), batch, token | 1) :
                    client.get(workload.key(key), batch, token);
                if (code < 0)
                {
                    // Not sent (back-pressure or closed): the already-sent ones are still awaited below.
                    outcome.error("slotring refused a command with code " + code);
                }
            }
            if (!batch.await(timeoutNs, TimeUnit.NANOSECONDS))
            {
                throw new IllegalStateException("slotring batch of " + count + " not complete after " +
                    TimeUnit.NANOSECONDS.toMillis(timeoutNs) + " ms (" + batch.outstanding() + " outstanding)");
            }
        }
    }
}
