package io.slotring.launcher;

import java.nio.file.Path;

/**
 * One redis-server of a {@link LocalRedisCluster}. Host, port and node id never change (a restarted node reuses
 * its port and nodes.conf); {@link #role()} and {@link #masterId()} are as last observed by the launcher, i.e.
 * refreshed by every convergence wait ({@link LocalRedisCluster#awaitClusterOk}, failover, slot moves, ...).
 */
public final class RedisNodeHandle
{
    /** Role of a cluster node. */
    public enum Role
    {
        /** Serves slots (or could: a freshly added master owns none). */
        MASTER,
        /** Replicates a master. */
        REPLICA
    }

    private final RedisProcess process;
    private volatile String nodeId;
    private volatile Role role;
    private volatile String masterId;

    RedisNodeHandle(RedisProcess process, Role role)
    {
        this.process = process;
        this.role = role;
    }

    RedisProcess process()
    {
        return process;
    }

    void nodeId(String id)
    {
        this.nodeId = id;
    }

    void observed(Role observedRole, String observedMasterId)
    {
        this.role = observedRole;
        this.masterId = observedMasterId;
    }

    /** @return always {@code "127.0.0.1"} */
    public String host()
    {
        return RedisProcess.HOST;
    }

    /** @return the client port (the cluster bus is on port + 10000) */
    public int port()
    {
        return process.port();
    }

    /** @return {@code "127.0.0.1:port"} */
    public String address()
    {
        return host() + ":" + port();
    }

    /**
     * @return the TLS client port when the cluster was started with {@code tls(...)} (the plain {@link #port()}
     *     stays open next to it), else 0; stable across restarts
     */
    public int tlsPort()
    {
        return process.tlsPort();
    }

    /**
     * @return {@code "127.0.0.1:tlsPort"}
     * @throws IllegalStateException when the node serves no TLS
     */
    public String tlsAddress()
    {
        int tls = tlsPort();
        if (tls == 0)
        {
            throw new IllegalStateException(this + " serves no TLS: start the cluster with tls(...)");
        }
        return host() + ":" + tls;
    }

    /** @return the 40-character cluster node id */
    public String nodeId()
    {
        return nodeId;
    }

    /** @return the role as last observed */
    public Role role()
    {
        return role;
    }

    /** @return whether the last observed role is {@link Role#MASTER} */
    public boolean isMaster()
    {
        return role == Role.MASTER;
    }

    /** @return node id of the master this replica follows as last observed, or null for a master */
    public String masterId()
    {
        return masterId;
    }

    /** @return pid of the current process (changes on restart) */
    public long pid()
    {
        return process.pid();
    }

    /** @return whether the process is running (a paused process is alive) */
    public boolean isAlive()
    {
        return process.isAlive();
    }

    /** @return whether the launcher paused the process (SIGSTOP) and has not resumed it */
    public boolean isPaused()
    {
        return process.isPaused();
    }

    /** @return this node's directory (redis.conf, redis.log, nodes.conf) */
    public Path directory()
    {
        return process.dir();
    }

    @Override
    public String toString()
    {
        return address() + (tlsPort() > 0 ? " (tls " + tlsPort() + ")" : "") + " "
                + (role == Role.MASTER ? "master" : "replica") + " " + ClusterView.shortId(nodeId)
                + (process.isAlive() ? (process.isPaused() ? " (paused)" : "") : " (dead)");
    }
}
