package io.slotring.launcher;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * The settings {@link LocalRedisServer.Builder} and {@link LocalRedisCluster.Builder} share: redis.conf directives
 * (applied to every node of a cluster), the redis-server binary and the startup timeout. Setters return the
 * concrete builder, so one chain mixes shared and specific settings.
 *
 * @param <B> the concrete builder.
 */
public abstract class LaunchBuilder<B extends LaunchBuilder<B>>
{
    /** Directives for every node; the launcher's defaults are already in it. */
    final RedisConfig config = new RedisConfig();
    /** Null: {@code $REDIS_SERVER}, then PATH and well-known directories. */
    Path redisServer;
    Duration timeout = Duration.ofSeconds(30);
    /** Null and {@link #tlsGenerate} false: no TLS. */
    TlsMaterial tlsMaterial;
    /** Generate fresh material into the workspace at start. */
    boolean tlsGenerate;
    boolean tlsAuthClients;

    LaunchBuilder()
    {
    }

    @SuppressWarnings("unchecked")
    private B self()
    {
        return (B)this;
    }

    /**
     * Adds a redis.conf directive, e.g. {@code config("requirepass", "secret")}. Overrides a launcher default
     * with the same key; repeatable for directives redis allows to repeat. A value containing spaces is
     * written as one quoted argument. Keys the launcher manages (port, bind, dir, daemonize, logfile, ...)
     * are rejected. On a cluster, every node gets it; with {@code requirepass}, {@code masterauth} defaults to the
     * same password and the launcher authenticates its own connections (and MIGRATE) with it.
     *
     * @param key directive name
     * @param value directive value; may be empty
     * @return this builder
     */
    public B config(String key, String value)
    {
        config.add(key, value);
        return self();
    }

    /**
     * @param enable whether to add {@code enable-debug-command local} (DEBUG SLEEP, DEBUG SEGFAULT, ...)
     * @return this builder
     */
    public B enableDebugCommand(boolean enable)
    {
        config.setDefault("enable-debug-command", enable ? "local" : "no");
        return self();
    }

    /**
     * Uses this redis-server binary instead of looking at {@code $REDIS_SERVER} and PATH.
     *
     * @param path the executable
     * @return this builder
     */
    public B redisServer(Path path)
    {
        this.redisServer = Objects.requireNonNull(path, "path");
        return self();
    }

    /**
     * Serves TLS with this material on a second port of every node ({@code tls-port}, see
     * {@link RedisNodeHandle#tlsPort()}), next to the plain {@code port}, which stays open (the launcher itself
     * talks plain text to it). Sets {@code tls-cert-file} / {@code tls-key-file} to the material's server
     * certificate and key, {@code tls-ca-cert-file} to its CA and {@code tls-auth-clients} as
     * {@link #tlsAuthClients(boolean)} says; a cluster also gets {@code tls-cluster yes} (the cluster bus is TLS
     * and nodes announce their TLS ports to TLS clients) and {@code tls-replication yes}. Any of these directives
     * can still be overridden with {@link #config(String, String)}; {@code tls-port} cannot.
     *
     * @param material certificates and keys, e.g. from {@link TlsMaterial#generate(Path)}
     * @return this builder
     */
    public B tls(TlsMaterial material)
    {
        this.tlsMaterial = Objects.requireNonNull(material, "material");
        this.tlsGenerate = false;
        return self();
    }

    /**
     * Like {@link #tls(TlsMaterial)} with material generated afresh at start into the server's or cluster's own
     * directory (a new CA for each start); read it back with {@code tlsMaterial()}.
     *
     * @return this builder
     */
    public B tls()
    {
        this.tlsMaterial = null;
        this.tlsGenerate = true;
        return self();
    }

    /**
     * @param required whether TLS clients must present a certificate signed by the CA
     *                 ({@code tls-auth-clients yes|no}); default false, so clients without a certificate connect,
     *                 as on managed services. Only takes effect with {@link #tls(TlsMaterial)} or {@link #tls()}.
     * @return this builder
     */
    public B tlsAuthClients(boolean required)
    {
        this.tlsAuthClients = required;
        return self();
    }

    /**
     * @param timeout bound for startup (and restarts), and for each wait of a cluster's fault operations;
     *                default 30 s
     * @return this builder
     */
    public B timeout(Duration timeout)
    {
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        return self();
    }

    /**
     * The material the nodes use, generating it into {@code workspace} if asked to; null without TLS.
     *
     * @param workspace the server's or cluster's directory
     * @return the material, or null
     */
    TlsMaterial tlsMaterial(Path workspace)
    {
        return tlsGenerate ? TlsMaterial.generate(workspace.resolve("tls")) : tlsMaterial;
    }

    /**
     * {@link #tlsMaterial(Path)} for a start: a failure to generate the material deletes the fresh workspace
     * before it propagates, so nothing is left behind.
     */
    TlsMaterial tlsMaterialOrCleanUp(Path workspace)
    {
        try
        {
            return tlsMaterial(workspace);
        }
        catch (RuntimeException e)
        {
            Hygiene.deleteWorkspace(workspace);
            throw e;
        }
    }
}
