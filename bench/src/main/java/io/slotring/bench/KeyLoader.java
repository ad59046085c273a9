package io.slotring.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;

/**
 * Writes every key of the workload before a GET or mixed op, so GETs hit. Harness plumbing outside every measured
 * window: it uses Lettuce only because it is already on the class path, with a bounded window of in-flight SETs.
 */
final class KeyLoader
{
    private static final int WINDOW = 2048;

    private KeyLoader()

    {

    }

    /**
     * @return seconds taken.
     */
    static double load(final Cluster cluster, final Workload workload, final long timeoutNs)
    {
        final long begin = System.nanoTime();
        final List<RedisURI> uris = new ArrayList<>();
        for (final String seed : cluster.seeds())
        {
            final int colon = seed.lastIndexOf(':');
            uris.add(RedisURI.create(seed.substring(0, colon), Integer.parseInt(seed.substring(colon + 1))));
        }
        final RedisClusterClient client = RedisClusterClient.create(uris);
        try (StatefulRedisClusterConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE))
        {
            final RedisAdvancedClusterAsyncCommands<byte[], byte[]> async = connection.async();
            final RedisFuture<?>[] window = new RedisFuture<?>[WINDOW];
            for (int first = 0; first < workload.count(); first += WINDOW)
            {
                final int count = Math.min(WINDOW, workload.count() - first);
                for (int i = 0; i < count; i++)
                {
                    window[i] = async.set(workload.key(first + i), workload.value(first + i));
                }
                for (int i = 0; i < count; i++)
                {
                    final Object reply = window[i].get(timeoutNs, TimeUnit.NANOSECONDS);
                    if (!"OK".equals(reply))
                    {
                        throw new IllegalStateException("loading key " + (first + i) + ": SET answered " + reply);
                    }
                }
            }
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("could not write the " + workload.count() + " keys: " +
                Outcome.describe(ex), ex);
        }
        finally
        {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(5));
        }
        return (System.nanoTime() - begin) / 1e9;
    }
}
