package io.slotring.launcher;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One redis-server child process in its own directory: config file, log file, start/stop/signal, and a cached
 * admin connection. Shared by {@link LocalRedisServer} and the nodes of {@link LocalRedisCluster}.
 */
final class RedisProcess
{
    static final String HOST = "127.0.0.1";
    private static final int PROBE_TIMEOUT_MILLIS = 1000;
    private static final int MAX_PORT_ATTEMPTS = 10;
    private static final int LOG_TAIL_LINES = 25;

    private final String name;
    private final Path binary;
    private final Path dir;
    private final Path confFile;
    private final Path logFile;
    private final RedisConfig config;
    private final String password;
    private final Object callLock = new Object();

    private volatile int port = -1;
    /** 0 without TLS; like the port, kept across restarts. */
    private volatile int tlsPort;
    /** Once a start succeeded the port is the node's identity (clients and cluster peers know it): never change it. */
    private volatile boolean portConfirmed;
    private volatile Process process;
    private volatile long logOffset;
    private volatile boolean paused;
    /** Written under callLock; read without it by kill() so a call blocked on a frozen server can be aborted. */
    private volatile AdminConnection connection;
    private boolean closed; // guarded by this

    RedisProcess(String name, Path binary, Path dir, RedisConfig config)
    {
        this.name = name;
        this.binary = binary;
        this.dir = dir;
        this.confFile = dir.resolve("redis.conf");
        this.logFile = dir.resolve("redis.log");
        this.config = config;
        this.password = config.password();
        try
        {
            Files.createDirectories(dir);
        }
        catch (IOException e)
        {
            throw new UncheckedIOException("cannot create node dir " + dir, e);
        }
    }

    String name()
    {
        return name;
    }

    int port()
    {
        return port;
    }

    /** @return the TLS port, 0 when the config serves no TLS */
    int tlsPort()
    {
        return tlsPort;
    }

    Path dir()
    {
        return dir;
    }

    long pid()
    {
        Process p = process;
        return p == null ? -1 : p.pid();
    }

    boolean isAlive()
    {
        Process p = process;
        return p != null && p.isAlive();
    }

    boolean isPaused()
    {
        return paused && isAlive();
    }

    /** Alive and not paused by the launcher: worth asking for its opinion. */
    boolean isResponsive()
    {
        return !paused && isAlive();
    }

    /** First start: picks a port and spawns without waiting, so a cluster's nodes boot in parallel. */
    void spawn()
    {
        if (process != null)
        {
            throw new IllegalStateException(this + " already started");
        }
        spawnOn(Ports.reserve());
    }

    /** Visible for the port-race test: spawn on a given (possibly taken) port. */
    void spawnOn(int chosenPort)
    {
        port = chosenPort;
        if (config.isTls())
        {
            tlsPort = Ports.reserve();
        }
        spawnOnPort();
    }

    /** Start again on the same port and config (for a cluster node: the same nodes.conf, hence the same id). */
    void restart(Deadline deadline)
    {
        kill();
        spawnOnPort();
        awaitReady(deadline);
    }

    private void spawnOnPort()
    {
        try
        {
            Files.writeString(confFile, config.render(port, tlsPort, dir), StandardCharsets.UTF_8);
            logOffset = Files.exists(logFile) ? Files.size(logFile) : 0;
            ProcessBuilder builder = new ProcessBuilder(binary.toString(), confFile.toString())
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
            Process started = builder.start();
            Hygiene.track(started, dir);
            started.getOutputStream().close(); // redis never reads stdin
            paused = false;
            process = started;
        }
        catch (IOException e)
        {
            throw new RedisLaunchException("cannot start " + binary + " for " + this, e);
        }
    }

    /**
     * Waits until the process answers INFO with its own pid. Checking the pid (not just PING) matters: another
     * JVM may own the port we probed as free, in which case our server dies with EADDRINUSE while theirs
     * answers. On that race, and only before the port was ever confirmed, we move to a new port.
     */
    void awaitReady(Deadline deadline)
    {
        int attempts = 1;
        while (true)
        {
            Process p = process;
            if (!p.isAlive())
            {
                String log = logSinceSpawn();
                if (!portConfirmed && log.contains("Address already in use") && attempts < MAX_PORT_ATTEMPTS)
                {
                    Hygiene.untrack(p);
                    Ports.release(port);
                    port = Ports.reserve();
                    if (tlsPort > 0)
                    {
                        // The taken one may have been the TLS port: move both.
                        Ports.release(tlsPort);
                        tlsPort = Ports.reserve();
                    }
                    attempts++;
                    // A failed cluster node may already have written nodes.conf naming its old port: start clean.
                    deleteQuietly(dir.resolve("nodes.conf"));
                    spawnOnPort();
                    continue;
                }
                Hygiene.untrack(p);
                throw new RedisLaunchException(this + " exited with code " + p.exitValue()
                        + " during startup; log tail (" + logFile + "):\n" + tail(log));
            }
            String problem = probe(p.pid());
            if (problem == null)
            {
                portConfirmed = true;
                return;
            }
            if (deadline.expired())
            {
                throw new RedisLaunchException(this + " (pid " + p.pid() + ") did not answer within "
                        + deadline.budget() + "; it last said: " + problem + "; log tail:\n" + logTail());
            }
            Deadline.sleep(10);
        }
    }

    private static void deleteQuietly(Path file)
    {
        try
        {
            Files.deleteIfExists(file);
        }
        catch (IOException e)
        {
            // redis will then reuse it: harmless, the node id just stays the same
        }
    }

    private String probe(long expectedPid)
    {
        try (AdminConnection probe = AdminConnection.open(HOST, port, PROBE_TIMEOUT_MILLIS, password))
        {
            Object info = probe.call(PROBE_TIMEOUT_MILLIS, "INFO", "server");
            String pid = Info.field(String.valueOf(info), "process_id");
            if (!Long.toString(expectedPid).equals(pid))
            {
                return "port " + port + " is answered by another process (pid " + pid + ")";
            }
            return null;
        }
        catch (RedisReplyError e)
        {
            return e.getMessage(); // LOADING while loading data, etc.
        }
        catch (IOException e)
        {
            return e.toString();
        }
    }

    /** SIGKILL and wait for the exit; a no-op when not running. */
    void kill()
    {
        Process p = process;
        paused = false;
        dropConnection();
        if (p == null)
        {
            return;
        }
        p.destroyForcibly(); // SIGKILL: also ends a SIGSTOPped process
        try
        {
            if (!p.waitFor(10, TimeUnit.SECONDS))
            {
                throw new RedisLaunchException(this + " (pid " + p.pid() + ") survived SIGKILL for 10s");
            }
        }
        catch (InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new RedisLaunchException("interrupted while killing " + this, e);
        }
        Hygiene.untrack(p);
    }

    void pause()
    {
        requireAlive("pause");
        Signals.stop(pid());
        paused = true;
    }

    void resume()
    {
        requireAlive("resume");
        Signals.cont(pid());
        paused = false;
    }

    /** Kill and give the port back; the owner deletes the directory. Idempotent. */
    synchronized void close()
    {
        if (closed)
        {
            return; // a second release could free a port that another node of this JVM reserved meanwhile
        }
        closed = true;
        try
        {
            kill();
        }
        finally
        {
            if (port > 0)
            {
                Ports.release(port);
            }
            if (tlsPort > 0)
            {
                Ports.release(tlsPort);
            }
        }
    }

    private void requireAlive(String action)
    {
        if (!isAlive())
        {
            throw new IllegalStateException("cannot " + action + " " + this + ": not running");
        }
    }

    /**
     * Sends one command over the cached admin connection (reconnecting, and re-authenticating, as needed).
     *
     * @throws RedisReplyError for an error reply
     * @throws UncheckedIOException on I/O failure; the cause is {@link java.net.SocketTimeoutException} when the
     *     server did not answer in time (e.g. paused)
     */
    Object call(int timeoutMillis, String... args)
    {
        if (args.length == 0)
        {
            throw new IllegalArgumentException("no command given");
        }
        synchronized (callLock)
        {
            AdminConnection c = connection;
            try
            {
                if (c == null)
                {
                    c = AdminConnection.open(HOST, port, timeoutMillis, password);
                    connection = c;
                }
                return c.call(timeoutMillis, args);
            }
            catch (IOException e)
            {
                if (c != null)
                {
                    c.close(); // a late reply would desynchronise the connection: never reuse it
                    if (connection == c)
                    {
                        connection = null;
                    }
                }
                // Only the command name: arguments may hold passwords or big values.
                throw new UncheckedIOException(this + ": " + args[0] + " failed: " + e, e);
            }
        }
    }

    private void dropConnection()
    {
        AdminConnection c = connection;
        connection = null;
        if (c != null)
        {
            c.close();
        }
    }

    String logTail()
    {
        try
        {
            return tail(Files.exists(logFile) ? Files.readString(logFile, StandardCharsets.UTF_8) : "");
        }
        catch (IOException e)
        {
            return "(log unreadable: " + e + ")";
        }
    }

    private String logSinceSpawn()
    {
        try (RandomAccessFile file = new RandomAccessFile(logFile.toFile(), "r"))
        {
            long offset = Math.min(logOffset, file.length());
            byte[] bytes = new byte[(int) Math.min(1 << 20, file.length() - offset)];
            file.seek(offset);
            file.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        }
        catch (IOException e)
        {
            return "";
        }
    }

    private static String tail(String log)
    {
        List<String> lines = log.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
    }

    @Override
    public String toString()
    {
        return name + " (" + HOST + ":" + port + (tlsPort > 0 ? ", tls " + tlsPort : "") + ")";
    }
}
