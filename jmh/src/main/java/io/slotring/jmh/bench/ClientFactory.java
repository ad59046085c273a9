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
    static final List<String> JVM_CLIENTS = List.of(SLOTRING, LETTUCE, LETTUCE_MANUAL, JEDIS);

    private ClientFactory()
    {
    }

    static BenchClient create(final String name, final Cluster cluster, final BenchSettings settings,
        final Workload workload)
    {
        switch (name)
        {
            case LETTUCE:
                return new LettuceClient(false, cluster.seeds(), settings, workload);
            case LETTUCE_MANUAL:
                return new LettuceClient(true, cluster.seeds(), settings, workload);
            case JEDIS:
                return new JedisClient(cluster.seeds(), cluster.masters().size(), settings, workload);
            case SLOTRING:
                return new SlotringClient(cluster.seeds(), settings, workload);
            default:
                throw new IllegalArgumentException("unknown client '" + name + "'; known: " + JVM_CLIENTS + " and " +
                    REDIS_BENCHMARK);
        }
    }
}
