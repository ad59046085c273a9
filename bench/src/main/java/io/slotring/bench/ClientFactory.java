package io.slotring.bench;

import java.util.List;

/**
 * Creates the clients named in {@code --clients}.
 */
public final class ClientFactory
{
    public static final String SLOTRING = "slotring";
    public static final String LETTUCE = "lettuce";
    public static final String LETTUCE_MANUAL = "lettuce-manual";
    public static final String JEDIS = "jedis";
    public static final String REDIS_BENCHMARK = "redis-benchmark";
    /** The batch clients every default run measures. */
    public static final List<String> JVM_CLIENTS = List.of(SLOTRING, LETTUCE, LETTUCE_MANUAL, JEDIS);

    public static final String SLOTRING_SYNC = "slotring-sync";
    /** slotring with {@code latencyMetrics(false)}: only when asked for, to measure what the histograms cost. */
    public static final String SLOTRING_NO_LATENCY_METRICS = "slotring-nolat";
    /** slotring with TLS through BoringSSL (Netty's engine via {@code TlsSettings.ofEngines}); plain text as is. */
    public static final String SLOTRING_OPENSSL = "slotring-openssl";
    public static final String LETTUCE_SYNC = "lettuce-sync";
    public static final String JEDIS_SYNC = "jedis-sync";
    /**
     * Each library's plain blocking API, one command at a time whatever {@code --batch} says: the single-thread
     * round trip of {@code bin/bench latency}; {@code bin/bench} runs them only when named.
     */
    public static final List<String> BLOCKING_CLIENTS = List.of(SLOTRING_SYNC, LETTUCE_SYNC, JEDIS_SYNC);

    private ClientFactory()

    {

    }

    static boolean isJvmClient(final String name)
    {
        return JVM_CLIENTS.contains(name) || BLOCKING_CLIENTS.contains(name) ||
            SLOTRING_NO_LATENCY_METRICS.equals(name) || SLOTRING_OPENSSL.equals(name);
    }

    static BenchClient create(final String name, final Cluster cluster, final BenchSettings settings,
        final Workload workload)
    {
        // Under TLS the clients dial the masters' TLS ports and verify them against the cluster's CA.
        final List<String> seeds = cluster.clientSeeds();
        final Cluster.Tls tls = cluster.tls();
        switch (name)
        {
            case LETTUCE:
                return new LettuceClient(false, false, seeds, settings, workload, tls);
            case LETTUCE_MANUAL:
                return new LettuceClient(true, false, seeds, settings, workload, tls);
            case LETTUCE_SYNC:
                return new LettuceClient(false, true, seeds, settings, workload, tls);
            case JEDIS:
                return new JedisClient(seeds, cluster.masters().size(), settings, workload, false, tls);
            case JEDIS_SYNC:
                return new JedisClient(seeds, cluster.masters().size(), settings, workload, true, tls);
            case SLOTRING:
                return new SlotringClient(seeds, settings, workload, false, true, tls, false);
            case SLOTRING_NO_LATENCY_METRICS:
                return new SlotringClient(seeds, settings, workload, false, false, tls, false);
            case SLOTRING_OPENSSL:
                return new SlotringClient(seeds, settings, workload, false, true, tls, true);
            case SLOTRING_SYNC:
                return new SlotringClient(seeds, settings, workload, true, true, tls, false);
            default:
                throw new IllegalArgumentException("unknown client '" + name + "'; known: " + JVM_CLIENTS + ", " +
                    BLOCKING_CLIENTS + " and " + REDIS_BENCHMARK);
        }
    }
}
