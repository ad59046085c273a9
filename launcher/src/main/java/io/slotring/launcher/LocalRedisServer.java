package io.slotring.launcher;

import java.nio.file.Path;
import java.time.Duration;

/**
 * A standalone (non-cluster) redis-server started by this JVM on a free loopback port, in its own temp dir.
 *
 * <pre>{@code
 * try (LocalRedisServer redis = LocalRedisServer.builder().config("requirepass", "secret").start()) {
 *     redis.call("SET", "k", "v");
 * }
 * }</pre>
 *
 * <p>Nothing is persisted ({@code save ""}, {@code appendonly no}). {@link #close()}, a JVM shutdown hook and,
 * for a SIGKILLed JVM, the next run's orphan reaper make sure the process and its directory do not outlive the
 * test. Thread-safe.
 */
public final class LocalRedisServer implements AutoCloseable
{
    static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(5);

    private final Path workspace;
    private final RedisProcess process;
    private final Duration timeout;
    private boolean closed; // guarded by this

    private LocalRedisServer(Path workspace, RedisProcess process, Duration timeout)
    {
        this.workspace = workspace;
        this.process = process;
        this.timeout = timeout;
    }

    /** @return a builder with launcher defaults */
    public static Builder builder()
    {
        return new Builder();
    }

    /** @return always {@code "127.0.0.1"} */
    public String host()
    {
        return RedisProcess.HOST;
    }

    /** @return the TCP port; stable across {@link #restart()} */
    public int port()
    {
        return process.port();
    }

    /** @return the pid of the current redis-server process (changes on restart) */
    public long pid()
    {
        return process.pid();
    }

    /** @return this server's directory (config, log); deleted by {@link #close()} */
    public Path directory()
    {
        return process.dir();
    }

    /** @return the path of the redis-server log file, handy in assertion messages */
    public Path logFile()
    {
        return process.dir().resolve("redis.log");
    }

    /** @return whether the process is running (a paused process is alive) */
    public boolean isAlive()
    {
        return process.isAlive();
    }

    /** Freezes the process with SIGSTOP; returns once the kernel reports it stopped. Calls then time out. */
    public void pause()
    {
        process.pause();
    }

    /** Continues a paused process with SIGCONT. */
    public void resume()
    {
        process.resume();
    }

    /** SIGKILLs the process and waits for it to exit. The port stays reserved for {@link #restart()}. */
    public void kill()
    {
        process.kill();
    }

    /**
     * Starts the server again on the same port with the same config (killing it first if still running) and
     * waits until it answers. Data is gone: nothing is persisted.
     */
    public void restart()
    {
        process.restart(Deadline.after(timeout));
    }

    /**
     * Runs one command with the default 5 s timeout, authenticating first if {@code requirepass} is configured.
     *
     * @param args the command and its arguments, e.g. {@code "SET", "k", "v"}
     * @return String (simple/bulk string), Long (integer), {@code List<Object>} (array), or null (nil); errors
     *     nested in an array are returned as {@link RedisReplyError} elements
     * @throws RedisReplyError when the reply is an error
     * @throws java.io.UncheckedIOException on I/O failure; its cause is a {@link java.net.SocketTimeoutException}
     *     when the server did not answer in time (e.g. while paused)
     */
    public Object call(String... args)
    {
        return call(DEFAULT_CALL_TIMEOUT, args);
    }

    /**
     * Like {@link #call(String...)} with an explicit reply timeout.
     *
     * @param timeout how long to wait for the reply (and for the connect, if one is needed)
     * @param args the command and its arguments
     * @return the reply, as for {@link #call(String...)}
     */
    public Object call(Duration timeout, String... args)
    {
        return process.call(Math.toIntExact(Math.max(1, timeout.toMillis())), args);
    }

    /** Kills the process and deletes its directory. Idempotent. */
    @Override
    public void close()
    {
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            closed = true;
        }
        try
        {
            process.close();
        }
        finally
        {
            Hygiene.deleteWorkspace(workspace);
        }
    }

    @Override
    public String toString()
    {
        return "LocalRedisServer[" + host() + ":" + port() + ", pid " + pid() + "]";
    }

    /** Configures and starts a {@link LocalRedisServer}. Not thread-safe; reusable (each start is a new server). */
    public static final class Builder extends LaunchBuilder<Builder>
    {

        private Builder()

        {

        }

        /**
         * Starts the server and waits until it answers.
         *
         * @return the running server
         * @throws RedisNotInstalledException when no redis-server binary is found
         * @throws RedisLaunchException when it does not come up within the timeout
         */
        public LocalRedisServer start()
        {
            Path binary = RedisBinary.locate(redisServer);
            Deadline deadline = Deadline.after(timeout);
            Path workspace = Hygiene.newWorkspace("server");
            RedisProcess process = new RedisProcess("server", binary, workspace.resolve("server"), config.copy());
            LocalRedisServer server = new LocalRedisServer(workspace, process, timeout);
            try
            {
                process.spawn();
                process.awaitReady(deadline);
                return server;
            }
            catch (RuntimeException e)
            {
                server.close();
                throw e;
            }
        }
    }
}
