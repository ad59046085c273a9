package io.slotring.jmh.bench;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.util.List;

/**
 * Creates the clients named in {@code --clients}. slotring's runner is looked up by name so the harness builds and
 * runs its peers while {@code io.slotring.cluster.ClusterClient} is still being written.
 */
final class ClientFactory
{
    static final String SLOTRING = "slotring";
    static final String LETTUCE = "lettuce";
    static final String LETTUCE_MANUAL = "lettuce-manual";
    static final String JEDIS = "jedis";
    static final String REDIS_BENCHMARK = "redis-benchmark";
    static final List<String> JVM_CLIENTS = List.of(SLOTRING, LETTUCE, LETTUCE_MANUAL, JEDIS);

    private static final String SLOTRING_RUNNER = "io.slotring.jmh.bench.SlotringClient";
    private static final String SLOTRING_CLUSTER_CLIENT = "io.slotring.cluster.ClusterClient";

    private ClientFactory()
    {
    }

    /**
     * @return true when slotring's cluster client and its runner are on the class path.
     */
    static boolean slotringAvailable()
    {
        try
        {
            Class.forName(SLOTRING_CLUSTER_CLIENT, false, ClientFactory.class.getClassLoader());
            Class.forName(SLOTRING_RUNNER, false, ClientFactory.class.getClassLoader());
            return true;
        }
        catch (final ClassNotFoundException | LinkageError ex)
        {
            return false;
        }
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
                return slotring(cluster, settings, workload);
            default:
                throw new IllegalArgumentException("unknown client '" + name + "'; known: " + JVM_CLIENTS + " and " +
                    REDIS_BENCHMARK);
        }
    }

    private static BenchClient slotring(final Cluster cluster, final BenchSettings settings, final Workload workload)
    {
        if (!slotringAvailable())
        {
            throw new IllegalStateException("slotring's ClusterClient is not in this build (" +
                SLOTRING_CLUSTER_CLIENT + " missing)");
        }
        try
        {
            final Constructor<?> constructor = Class.forName(SLOTRING_RUNNER)
                .getDeclaredConstructor(List.class, BenchSettings.class, Workload.class);
            return (BenchClient)constructor.newInstance(cluster.seeds(), settings, workload);
        }
        catch (final InvocationTargetException ex)
        {
            final Throwable cause = ex.getCause();
            if (cause instanceof RuntimeException)
            {
                throw (RuntimeException)cause;
            }
            throw new IllegalStateException("slotring: " + Outcome.describe(cause), cause);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new IllegalStateException("slotring runner unusable: " + Outcome.describe(ex), ex);
        }
    }
}
