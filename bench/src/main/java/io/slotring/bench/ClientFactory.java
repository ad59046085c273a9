package io.slotring.jmh.bench;

import java.util.List;

/**
 * Creates the clients named in {@code --clients}.
 */
final class ClientFactory
{
    static final String SLOTRING = "slotring";
    static final String LETTUCE = "lettuce";
    static final String LETTUCE_MANUAL = "lettuce-manual";
    static final String JEDIS = "jedis";
    static final String REDIS_BENCHMARK = "redis-benchmark";
    /** The batch clients every default run measures. */
    static final List<String> JVM_CLIENTS = List.of(SLOTRING, LETTUCE, LETTUCE_MANUAL, JEDIS);

    static final String SLOTRING_SYNC = "slotring-sync";
    static final String LETTUCE_SYNC = "lettuce-sync";
    static final String JEDIS_SYNC = "jedis-sync";
    /**
     * Each library's plain blocking API, one command at a time whatever {@code --batch} says: the single-thread
     * round trip of {@code bin/bench latency}; {@code bin/bench} runs them only when named.
     */
    static final List<String> BLOCKING_CLIENTS = List.of(SLOTRING_SYNC, LETTUCE_SYNC, JEDIS_SYNC);

    private ClientFactory()
    {
    }

    static boolean isJvmClient(final String name)
    {
        return JVM_CLIENTS.contains(name) || BLOCKING_CLIENTS.contains(name);
    }

    static BenchClient create(final String name, final Cluster cluster, final BenchSettings settings,
        final Workload workload)
    {
        switch (name)
        {
            case LETTUCE:
                return new LettuceClient(false, false, cluster.seeds(), settings, workload);
            case LETTUCE_MANUAL:
                return new LettuceClient(true, false, cluster.seeds(), settings, workload);
            case LETTUCE_SYNC:
                return new LettuceClient(false, true, cluster.seeds(), settings, workload);
            case JEDIS:
                return new JedisClient(cluster.seeds(), cluster.masters().size(), settings, workload, false);
            case JEDIS_SYNC:
                return new JedisClient(cluster.seeds(), cluster.masters().size(), settings, workload, true);
            case SLOTRING:
                return new SlotringClient(cluster.seeds(), settings, workload, false);
            case SLOTRING_SYNC:
                return new SlotringClient(cluster.seeds(), settings, workload, true);
            default:
                throw new IllegalArgumentException("unknown client '" + name + "'; known: " + JVM_CLIENTS + ", " +
                    BLOCKING_CLIENTS + " and " + REDIS_BENCHMARK);
        }
    }
}
