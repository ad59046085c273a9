package io.slotring.bench;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;

import io.slotring.launcher.ClusterView;
import io.slotring.launcher.LocalRedisCluster;
import io.slotring.launcher.RedisNodeHandle;
import io.slotring.launcher.TlsMaterial;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;

/**
 * The cluster under test as the harness sees it: seeds for the clients and the masters (from CLUSTER NODES) for
 * per-node statistics. Admin calls use short-lived Jedis connections outside every measured window. Closing it
 * stops the embedded cluster it started, if any.
 *
 * <p>Under {@code --tls} (or {@code --compare-tls}) the embedded cluster serves TLS next to plain text: the
 * harness's own plumbing ({@link #seeds()}, {@link #masters()}, admin calls, the key loader) stays on the plain
 * ports, while the measured clients take {@link #clientSeeds()} and {@link #tls()}; {@link #plain()} is the same
 * cluster as a plain-text client sees it.
 */
final class Cluster implements AutoCloseable
{
    private static final JedisClientConfig ADMIN = DefaultJedisClientConfig.builder()
        .connectionTimeoutMillis(2000).socketTimeoutMillis(10_000).build();

    private final List<String> seeds;
    private final List<String> masters;
    /** The cluster this run started (no {@code --seeds}), else null. */
    private final LocalRedisCluster embedded;
    /** What the measured clients must use for TLS, or null: they talk plain text. */
    private final Tls tls;

    private Cluster(final List<String> seeds, final List<String> masters, final LocalRedisCluster embedded)
    {
        this(seeds, masters, embedded, null);
    }

    private Cluster(final List<String> seeds, final List<String> masters, final LocalRedisCluster embedded,
        final Tls tls)
    {
        this.seeds = List.copyOf(seeds);
        this.masters = List.copyOf(masters);
        this.embedded = embedded;
        this.tls = tls;
    }

    /**
     * How the measured clients reach a TLS cluster: its TLS seeds, the TLS address of each master, and the CA
     * that signed the nodes' certificate (whose SAN names 127.0.0.1, so every client verifies the peer).
     */
    static final class Tls
    {
        /** The masters' TLS addresses, host:tlsPort, in the order of {@link Cluster#masters()}. */
        final List<String> masters;
        /** The CA certificate, PEM. */
        final Path caCertificate;
        /** A PKCS#12 store holding only the CA, and its password. */
        final Path trustStore;
        final char[] storePassword;
        /** Trusts the CA only, presents no client certificate. */
        final SSLContext context;

        Tls(final List<String> masters, final Path caCertificate, final Path trustStore, final char[] storePassword,
            final SSLContext context)
        {
            this.masters = List.copyOf(masters);
            this.caCertificate = caCertificate;
            this.trustStore = trustStore;
            this.storePassword = storePassword.clone();
            this.context = context;
        }

        static Tls of(final LocalRedisCluster cluster, final List<String> plainMasters)
        {
            final TlsMaterial material = cluster.tlsMaterial();
            final List<String> addresses = new ArrayList<>();
            for (final String master : plainMasters)
            {
                final int port = Integer.parseInt(master.substring(master.lastIndexOf(':') + 1));
                String address = null;
                for (final RedisNodeHandle node : cluster.nodes())
                {
                    if (node.port() == port)
                    {
                        address = master.substring(0, master.lastIndexOf(':')) + ":" + node.tlsPort();
                    }
                }
                if (address == null)
                {
                    throw new IllegalStateException("no node of the embedded cluster serves " + master);
                }
                addresses.add(address);
            }
            return new Tls(addresses, material.caCertificate(), material.trustStore(), material.storePassword(),
                material.trustOnlyContext());
        }

        /**
         * @return what the report says about it.
         */
        String describe()
        {
            return "TLS (JDK provider in the JVM clients), server certificate verified against the run's fresh CA "
                + "and host 127.0.0.1";
        }
    }

    /**
     * @return a cluster of known seeds and masters, contacted by nothing until asked (for tests of the plumbing).
     */
    static Cluster of(final List<String> seeds, final List<String> masters)
    {
        return new Cluster(seeds, masters, null);
    }

    /**
     * The cluster a run measures: {@code --seeds}, else an embedded one of {@code --masters} masters and no
     * replicas, started now and stopped by {@link #close()}.
     *
     * @param tag      prefix of the progress line, e.g. {@code [bench]}.
     * @param progress where that line goes.
     */
    static Cluster open(final BenchSettings settings, final String tag, final PrintStream progress)
    {
        if (settings.seeds != null)
        {
            return discover(settings.seeds);
        }
        progress.printf(Locale.ROOT, "%s starting an embedded cluster: %d masters, 0 replicas%s%n", tag,
            settings.embeddedMasters, settings.clusterTls() ? ", TLS (and plain text)" : "");
        final var builder = LocalRedisCluster.builder().masters(settings.embeddedMasters).replicasPerMaster(0);
        if (settings.clusterTls())
        {
            builder.tls();
        }
        final LocalRedisCluster started = builder.start();
        try
        {
            final Cluster found = discover(started.seeds());
            return new Cluster(found.seeds, found.masters, started,
                settings.clusterTls() ? Tls.of(started, found.masters) : null);
        }
        catch (final RuntimeException ex)
        {
            started.close();
            throw ex;
        }
    }

    /**
     * @param seedList comma-separated host:port.
     * @return the cluster, its masters read from the first seed that answers.
     */
    static Cluster discover(final String seedList)
    {
        final List<String> seeds = new ArrayList<>();
        for (final String seed : seedList.split(","))
        {
            if (!seed.isBlank())
            {
                seeds.add(seed.trim());
            }
        }
        if (seeds.isEmpty())
        {
            throw new IllegalArgumentException("no seeds in '" + seedList + "'");
        }
        RuntimeException last = null;
        for (final String seed : seeds)
        {
            try (Jedis jedis = new Jedis(HostAndPort.from(seed), ADMIN))
            {
                return new Cluster(seeds, ClusterView.parse(jedis.clusterNodes()).masterAddresses(), null);
            }
            catch (final RuntimeException ex)
            {
                last = ex;
            }
        }
        throw new IllegalStateException("no seed of " + seeds + " answered CLUSTER NODES", last);
    }

    /**
     * @return the plain-text seeds, for the harness's own connections (admin, key loading).
     */
    List<String> seeds()
    {
        return seeds;
    }

    /**
     * @return the seeds a measured client dials: the masters' TLS addresses under TLS, else {@link #seeds()}.
     */
    List<String> clientSeeds()
    {
        return tls != null ? tls.masters : seeds;
    }

    /**
     * @return how a measured client must use TLS, or null for plain text.
     */
    Tls tls()
    {
        return tls;
    }

    /**
     * @return this cluster as a plain-text client sees it (no TLS); closing it stops nothing.
     */
    Cluster plain()
    {
        return new Cluster(seeds, masters, null, null);
    }

    List<String> masters()
    {
        return masters;
    }

    /**
     * @return the sum of DBSIZE over the masters.
     */
    long keyCount()
    {
        long total = 0;
        for (final String master : masters)
        {
            try (Jedis jedis = new Jedis(HostAndPort.from(master), ADMIN))
            {
                total += jedis.dbSize();
            }
        }
        return total;
    }

    /**
     * @param field an INFO field, e.g. keyspace_hits.
     * @return its numeric value summed over the masters.
     */
    long sumInfo(final String section, final String field)
    {
        long total = 0;
        for (final String master : masters)
        {
            try (Jedis jedis = new Jedis(HostAndPort.from(master), ADMIN))
            {
                final String value = infoField(jedis.info(section), field);
                if (value != null)
                {
                    total += Long.parseLong(value);
                }
            }
        }
        return total;
    }

    /**
     * @return redis_version per master, e.g. {127.0.0.1:7000=7.0.15}.
     */
    Map<String, String> versions()
    {
        final Map<String, String> out = new LinkedHashMap<>();
        for (final String master : masters)
        {
            try (Jedis jedis = new Jedis(HostAndPort.from(master), ADMIN))
            {
                out.put(master, infoField(jedis.info("server"), "redis_version"));
            }
            catch (final RuntimeException ex)
            {
                out.put(master, "unreachable: " + Outcome.describe(ex));
            }
        }
        return out;
    }

    static String infoField(final String info, final String field)
    {
        for (final String line : info.split("\r?\n"))
        {
            if (line.startsWith(field + ":"))
            {
                return line.substring(field.length() + 1).trim();
            }
        }
        return null;
    }

    @Override
    public void close()
    {
        if (embedded != null)
        {
            embedded.close();
        }
    }
}
