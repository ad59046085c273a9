package io.slotring.bench;

import java.util.List;

import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * The ops beyond GET and SET, {@link Op#EVAL} ({@link EvalClient}) and {@link Op#PUBSUB} ({@link PubSubClient}):
 * which clients run them, how they are created, and what the harness does around them. They reuse each library's
 * client exactly as the GET/SET runs configure it; only the commands (and, for pub/sub, the subscribers) differ.
 */
final class ExtraOps
{
    /** The clients that run {@link Op#EVAL} and {@link Op#PUBSUB}: every batch (async) client. */
    static final List<String> CLIENTS = List.of(ClientFactory.SLOTRING, ClientFactory.SLOTRING_NO_LATENCY_METRICS,
        ClientFactory.LETTUCE, ClientFactory.LETTUCE_MANUAL, ClientFactory.JEDIS);

    private ExtraOps()

    {

    }

    /**
     * @return whether JVM client {@code client} can run {@code op}: every client runs GET/SET/mixed, only
     * {@link #CLIENTS} the extra ops (the blocking variants are one-command round-trip probes of GET/SET).
     */
    static boolean supports(final String client, final Op op)
    {
        return !op.extra() || CLIENTS.contains(client);
    }

    /**
     * @return why redis-benchmark has no row for {@code op}, or null when it runs it.
     */
    static String redisBenchmarkGap(final Op op)
    {
        if (op == Op.PUBSUB)
        {
            return "redis-benchmark: pubsub n/a: it can send SPUBLISH but cannot subscribe, so it has no delivery "
                + "count or publish-to-receive latency.";
        }
        return null;
    }

    /**
     * @return the client for one run of {@code op}.
     */
    static BenchClient create(final String client, final Op op, final Cluster cluster, final BenchSettings settings,
        final Workload workload)
    {
        final BenchClient base = ClientFactory.create(client, cluster, settings, workload);
        try
        {
            switch (op)
            {
                case EVAL:
                    return new EvalClient(base, settings, workload);
                case PUBSUB:
                    return new PubSubClient(base, cluster, settings);
                default:
                    return base;
            }
        }
        catch (final RuntimeException ex)
        {
            base.close();
            throw ex;
        }
    }

    /**
     * After a measured run: pub/sub drains its deliveries and fills its counts and receive latency; the eval
     * client records how often it fell back from NOSCRIPT.
     */
    static void finish(final BenchClient client, final RunResult result)
    {
        if (client instanceof PubSubClient)
        {
            ((PubSubClient)client).finish(result);
        }
        else if (client instanceof EvalClient)
        {
            result.clientConfig.put("eval_noscript_fallbacks", ((EvalClient)client).fallbacks());
        }
    }

    /**
     * @return what a reader of the report must know about the rows of {@code op}, or an empty list.
     */
    static List<String> notes(final Op op)
    {
        if (op == Op.EVAL)
        {
            return List.of("eval: every command is EVALSHA of `" + EvalClient.SOURCE + "` (sha1 " +
                EvalClient.SHA1 + "), SCRIPT LOADed on every master before the op; replies checked as GET replies. "
                + "slotring runs it through Script.evalAsync (EVALSHA, EVAL on NOSCRIPT), a future per command: the "
                + "Script API has no zero-copy style; Lettuce async evalsha, Jedis ClusterPipeline.evalsha, each "
                + "with an EVAL fallback on NOSCRIPT (counted in the JSON config as eval_noscript_fallbacks). "
                + "redis-benchmark sends `EVALSHA <sha1> 1 <its key template>` and cannot check replies.");
        }
        if (op == Op.PUBSUB)
        {
            return List.of("pubsub: ops/s = SPUBLISH messages published (batches as for GET/SET, each message to a "
                + "random one of " + PubSubClient.CHANNELS_PER_MASTER + " shard channels per master, payload = "
                + "--value-size B carrying the send System.nanoTime() and a sequence number); the same client "
                + "SSUBSCRIBEs every channel before the run. Latency columns = publish to receive per message (not "
                + "per batch), from the end of warmup; CPU and alloc per published message include delivery. "
                + "Every SPUBLISH must reach 1 subscriber; delivered must equal published after a bounded drain "
                + "(JSON: published, delivered, lost).");
        }
        return List.of();
    }

    /**
     * SCRIPT LOAD of {@link EvalClient#SOURCE} on every master, before the eval runs, so every client starts
     * with the script cached (their NOSCRIPT fallbacks stay for a node that loses it).
     */
    static void loadScript(final Cluster cluster)
    {
        for (final String master : cluster.masters())
        {
            try (Jedis jedis = new Jedis(HostAndPort.from(master), DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(2000).socketTimeoutMillis(10_000).build()))
            {
                final String sha = jedis.scriptLoad(EvalClient.SOURCE);
                if (!EvalClient.SHA1.equals(sha))
                {
                    throw new IllegalStateException("SCRIPT LOAD on " + master + " answered " + sha + ", expected " +
                        EvalClient.SHA1);
                }
            }
        }
    }
}
