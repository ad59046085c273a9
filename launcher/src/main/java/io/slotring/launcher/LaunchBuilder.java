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
     * @param timeout bound for startup (and restarts), and for each wait of a cluster's fault operations;
     *                default 30 s
     * @return this builder
     */
    public B timeout(Duration timeout)
    {
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        return self();
    }
}
