package io.slotring.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A loopback TCP proxy for tests that sits between a client and a local redis-server and injects network faults
 * on cue: latency, a black hole, connection resets (now or mid-frame), a corrupted byte, a slow peer, refused
 * connections.
 *
 * <pre>{@code
 * try (FaultProxy proxy = FaultProxy.start(redis.host(), redis.port())) {
 *     client.connect(proxy.host(), proxy.port());
 *     proxy.resetAfterBytes(FaultProxy.Direction.TO_CLIENT, 3); // the next reply is cut after 3 bytes
 * }
 * }</pre>
 *
 * <p>Each accepted client connection gets its own upstream connection and two daemon threads (one per
 * direction) named {@code slotring-fault-proxy-<port>-<connection>-to-server|to-client}; the listener thread is
 * {@code slotring-fault-proxy-<port>-accept}. A direction's thread reads a chunk (at most 16 KiB), applies the
 * current faults and writes it, so order is preserved and backpressure reaches the sender. A clean close
 * (EOF) is forwarded as a half-close; any I/O error on either side closes both sockets of the pair.
 *
 * <p>All mutators are thread-safe and take effect for the next chunk, including on existing connections.
 * {@link #close()} stops everything and waits (at most 5 s) for every thread to end.
 */
public final class FaultProxy implements AutoCloseable
{
    /** Which way bytes flow through the proxy. */
    public enum Direction
    {
        /** From the client to the upstream redis-server (commands). */
        TO_SERVER,
        /** From the upstream redis-server to the client (replies). */
        TO_CLIENT
    }

    private static final String HOST = "127.0.0.1";
    private static final int CHUNK = 16 * 1024;
    private static final int CONNECT_TIMEOUT_MILLIS = 2_000;
    private static final long CLOSE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);
    // Every sleep is cut into slices so heal() and close() take effect within one slice.
    private static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final InetSocketAddress upstream;
    private final ServerSocket listener;
    private final String threadPrefix;
    private final Thread acceptor;
    private final Set<Pair> pairs = ConcurrentHashMap.newKeySet();
    private final Set<Thread> pumps = ConcurrentHashMap.newKeySet();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong connectionIds = new AtomicLong();
    private final AtomicLongArray forwarded = new AtomicLongArray(2);
    private final AtomicLongArray resetBudget = new AtomicLongArray(new long[] {-1, -1}); // -1: disarmed
    private final AtomicIntegerArray corrupt = new AtomicIntegerArray(2); // 1: armed
    private volatile long delayNanos;
    private volatile boolean blackhole;
    private volatile int bytesPerSecond; // 0: unthrottled
    private volatile boolean refuse;
    private volatile boolean closed; // written under this, so open() and close() cannot interleave

    private FaultProxy(InetSocketAddress upstream, ServerSocket listener)
    {
        this.upstream = upstream;
        this.listener = listener;
        this.threadPrefix = "slotring-fault-proxy-" + listener.getLocalPort() + "-";
        this.acceptor = daemon(this::acceptLoop, threadPrefix + "accept");
    }

    /**
     * Starts a proxy listening on {@code 127.0.0.1} on a free port that forwards to {@code host:port}.
     *
     * @param upstreamHost the upstream host; must resolve to a loopback address
     * @param upstreamPort the upstream port, 1..65535
     * @return the running proxy; close it when done
     * @throws IllegalArgumentException when the upstream is not a loopback address or the port is out of range
     * @throws UncheckedIOException when the proxy cannot listen
     */
    public static FaultProxy start(String upstreamHost, int upstreamPort)
    {
        Objects.requireNonNull(upstreamHost, "upstreamHost");
        if (upstreamPort < 1 || upstreamPort > 65535)
        {
            throw new IllegalArgumentException("upstream port must be in 1..65535, got " + upstreamPort);
        }
        InetAddress address;
        try
        {
            address = InetAddress.getByName(upstreamHost);
        }
        catch (UnknownHostException e)
        {
            throw new IllegalArgumentException("upstream must be a loopback address, got unresolvable '"
                    + upstreamHost + "'", e);
        }
        // Injecting faults into traffic that leaves the machine would be neither safe nor reproducible.
        if (!address.isLoopbackAddress())
        {
            throw new IllegalArgumentException("upstream must be a loopback address, got '" + upstreamHost
                    + "' (" + address.getHostAddress() + ")");
        }
        ServerSocket listener;
        try
        {
            listener = new ServerSocket(0, 50, InetAddress.getByName(HOST));
        }
        catch (IOException e)
        {
            throw new UncheckedIOException("cannot listen on " + HOST + ":0", e);
        }
        FaultProxy proxy = new FaultProxy(new InetSocketAddress(address, upstreamPort), listener);
        proxy.acceptor.start();
        return proxy;
    }

    /** @return always {@code "127.0.0.1"}, where clients connect */
    public String host()
    {
        return HOST;
    }

    /** @return the port clients connect to */
    public int port()
    {
        return listener.getLocalPort();
    }

    /**
     * Delays every chunk, in both directions, until at least {@code delay} after it was read. A direction's
     * chunks are forwarded one after the other, so a burst of chunks may see more than {@code delay} each.
     *
     * @param delay the added latency; zero turns it off
     */
    public void delay(Duration delay)
    {
        if (delay.isNegative())
        {
            throw new IllegalArgumentException("delay must not be negative, got " + delay);
        }
        delayNanos = delay.toNanos();
    }

    /**
     * Stops forwarding in both directions, on existing and new connections; new connections are still accepted
     * and connected upstream. Bytes read meanwhile are dropped, not held: after {@link #heal()} a connection
     * forwards again, but whatever it sent while blackholed is lost, as on a real network, so a client must
     * time out and reconnect. A peer's close (EOF) is still forwarded so that no upstream connection dangles.
     */
    public void blackhole()
    {
        blackhole = true;
    }

    /** Hard-resets (SO_LINGER 0, then close, so the peers see RST) every current connection and its upstream. */
    public void resetAll()
    {
        for (Pair pair : List.copyOf(pairs))
        {
            pair.close(true);
        }
    }

    /**
     * One-shot: once {@code n} more bytes have been forwarded in {@code dir} (counted over all connections),
     * hard-resets the connection that forwarded the last of them. The chunk that crosses the limit is cut, so
     * exactly {@code n} bytes get through; with {@code n == 0} the next chunk is not forwarded at all. (The RST
     * makes the kernel drop bytes still in the proxy's send buffer; on loopback they have normally been handed
     * to the receiver already, unless its receive buffer is full.)
     *
     * @param dir the direction to count
     * @param n how many more bytes to forward first, {@code >= 0}
     */
    public void resetAfterBytes(Direction dir, long n)
    {
        if (n < 0)
        {
            throw new IllegalArgumentException("byte count must be >= 0, got " + n);
        }
        resetBudget.set(dir.ordinal(), n);
    }

    /**
     * One-shot: flips every bit (XOR 0xFF, so it always changes) of the next byte forwarded in {@code dir}.
     *
     * @param dir the direction to corrupt
     */
    public void corruptNextByte(Direction dir)
    {
        corrupt.set(dir.ordinal(), 1);
    }

    /**
     * Models a slow peer: throttles forwarding in both directions to at most {@code bytesPerSecond} each, per
     * connection, so the client's writes back up and replies trickle in.
     *
     * @param bytesPerSecond the rate, {@code > 0}
     */
    public void slowReader(int bytesPerSecond)
    {
        if (bytesPerSecond <= 0)
        {
            throw new IllegalArgumentException("bytesPerSecond must be > 0, got " + bytesPerSecond);
        }
        this.bytesPerSecond = bytesPerSecond;
    }

    /**
     * Back to plain forwarding: no delay, no blackhole, no throttle, no refusal; pending one-shots are cleared.
     * Chunks being delayed or throttled right now are released at once.
     */
    public void heal()
    {
        delayNanos = 0;
        blackhole = false;
        bytesPerSecond = 0;
        refuse = false;
        for (int d = 0; d < 2; d++)
        {
            resetBudget.set(d, -1);
            corrupt.set(d, 0);
        }
    }

    /**
     * While {@code refuse} is true, new connections are accepted and immediately hard-reset (the client sees its
     * connect succeed, then RST). Existing connections are not affected.
     *
     * @param refuse whether to refuse new connections
     */
    public void refuseNewConnections(boolean refuse)
    {
        this.refuse = refuse;
    }

    /** @return how many client connections were accepted since start, refused ones included */
    public long acceptedConnections()
    {
        return accepted.get();
    }

    /** @return how many client/upstream pairs are open now */
    public int activeConnections()
    {
        return pairs.size();
    }

    /**
     * @param dir the direction
     * @return how many bytes were written toward {@code dir} since start, over all connections
     */
    public long bytesForwarded(Direction dir)
    {
        return forwarded.get(dir.ordinal());
    }

    /**
     * Closes the listening socket and every connection, then waits up to 5 s for all proxy threads to end.
     * Idempotent.
     *
     * @throws IllegalStateException when a proxy thread is still alive after 5 s (a bug: it would leak)
     */
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
        closeQuietly(listener);
        // No pair can be added any more (open() checks closed under the same lock), so these snapshots are final.
        for (Pair pair : List.copyOf(pairs))
        {
            pair.close(false);
        }
        List<Thread> threads = new ArrayList<>(pumps);
        threads.add(acceptor);
        long deadline = System.nanoTime() + CLOSE_WAIT_NANOS;
        List<String> alive = new ArrayList<>();
        for (Thread thread : threads)
        {
            thread.interrupt(); // ends sleeps of delayed or throttled chunks
            try
            {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
            catch (InterruptedException e)
            {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive())
            {
                alive.add(thread.getName());
            }
        }
        if (!alive.isEmpty())
        {
            throw new IllegalStateException("expected all threads of " + this + " to end within 5s of close(), "
                    + "still alive: " + alive);
        }
    }

    @Override
    public String toString()
    {
        return "FaultProxy[" + HOST + ":" + port() + " -> " + upstream.getHostString() + ":" + upstream.getPort()
                + "]";
    }

    private void acceptLoop()
    {
        while (!closed)
        {
            Socket client;
            try
            {
                client = listener.accept();
            }
            catch (IOException e)
            {
                if (closed || !sleep(10))
                {
                    return;
                }
                continue; // e.g. out of file descriptors: retry rather than silently stop accepting
            }
            accepted.incrementAndGet();
            if (refuse)
            {
                hardClose(client);
                continue;
            }
            Socket server = new Socket();
            try
            {
                server.connect(upstream, CONNECT_TIMEOUT_MILLIS);
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
            }
            catch (IOException e)
            {
                // Upstream down: the client sees a reset, as it would connecting to a dead redis directly.
                hardClose(client);
                hardClose(server);
                continue;
            }
            open(new Pair(connectionIds.incrementAndGet(), client, server));
        }
    }

    private synchronized void open(Pair pair)
    {
        if (closed)
        {
            pair.close(false);
            return;
        }
        pairs.add(pair);
        for (Direction dir : Direction.values())
        {
            String name = threadPrefix + pair.id + "-" + dir.name().toLowerCase(Locale.ROOT).replace('_', '-');
            Thread pump = daemon(() -> pump(pair, dir), name);
            pumps.add(pump);
            pump.start(); // under the lock, so close() never misses a thread that starts later
        }
    }

    private void pump(Pair pair, Direction dir)
    {
        int d = dir.ordinal();
        Socket from = dir == Direction.TO_SERVER ? pair.client : pair.server;
        Socket to = dir == Direction.TO_SERVER ? pair.server : pair.client;
        byte[] chunk = new byte[CHUNK];
        try
        {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            while (true)
            {
                int n = in.read(chunk);
                if (n < 0)
                {
                    to.shutdownOutput();
                    pair.halfClosed();
                    return;
                }
                long readAt = System.nanoTime();
                if (blackhole || !hold(pair, readAt) || blackhole)
                {
                    continue; // dropped (see blackhole()), or the pair is closing and the next read fails
                }
                if (corrupt.compareAndSet(d, 1, 0))
                {
                    chunk[0] ^= (byte) 0xFF;
                }
                int length = n;
                boolean reset = false;
                for (long budget = resetBudget.get(d); budget >= 0; budget = resetBudget.get(d))
                {
                    long left = budget - Math.min(n, budget);
                    if (resetBudget.compareAndSet(d, budget, left == 0 ? -1 : left))
                    {
                        length = (int) (budget - left);
                        reset = left == 0;
                        break;
                    }
                }
                write(pair, out, chunk, length, d);
                if (reset)
                {
                    pair.close(true);
                    return;
                }
            }
        }
        catch (IOException | InterruptedException e)
        {
            // The peer went away, or resetAll()/close() closed the pair under us: either way end both directions.
            pair.close(false);
        }
        finally
        {
            pumps.remove(Thread.currentThread());
        }
    }

    /** Sleeps until the current delay has passed since {@code readAt}; false if the pair closed meanwhile. */
    private boolean hold(Pair pair, long readAt) throws InterruptedException
    {
        for (long delay = delayNanos; delay > 0 && !pair.closed.get(); delay = delayNanos)
        {
            long left = readAt + delay - System.nanoTime();
            if (left <= 0)
            {
                return true;
            }
            TimeUnit.NANOSECONDS.sleep(Math.min(left, SLICE_NANOS));
        }
        return !pair.closed.get();
    }

    /** Writes in slices of at most 1/20 s worth of the current rate, sleeping after each to keep under it. */
    private void write(Pair pair, OutputStream out, byte[] chunk, int length, int d)
            throws IOException, InterruptedException
    {
        for (int off = 0; off < length; )
        {
            int rate = bytesPerSecond;
            int slice = rate <= 0 ? length - off : Math.min(length - off, Math.max(1, rate / 20));
            out.write(chunk, off, slice);
            forwarded.addAndGet(d, slice);
            off += slice;
            if (rate > 0)
            {
                long until = System.nanoTime() + slice * 1_000_000_000L / rate;
                for (long left = until - System.nanoTime(); left > 0 && bytesPerSecond > 0 && !pair.closed.get();
                        left = until - System.nanoTime())
                        {
                    TimeUnit.NANOSECONDS.sleep(Math.min(left, SLICE_NANOS));
                }
            }
        }
    }

    private static Thread daemon(Runnable body, String name)
    {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true); // a forgotten proxy must never keep the test JVM alive
        return thread;
    }

    private static boolean sleep(long millis)
    {
        try
        {
            Thread.sleep(millis);
            return true;
        }
        catch (InterruptedException e)
        {
            return false;
        }
    }

    private static void hardClose(Socket socket)
    {
        try
        {
            socket.setSoLinger(true, 0); // close() then sends RST instead of FIN
        }
        catch (IOException e)
        {
            // already closed: nothing left to reset
        }
        closeQuietly(socket);
    }

    private static void closeQuietly(AutoCloseable closeable)
    {
        try
        {
            closeable.close();
        }
        catch (Exception e)
        {
            // closing on a fault path; the socket is unusable either way
        }
    }

    /** A client connection and its upstream connection. */
    private final class Pair
    {
        final long id;
        final Socket client;
        final Socket server;
        final AtomicBoolean closed = new AtomicBoolean();
        final AtomicInteger openDirections = new AtomicInteger(2);

        Pair(long id, Socket client, Socket server)
        {
            this.id = id;
            this.client = client;
            this.server = server;
        }

        void halfClosed()
        {
            if (openDirections.decrementAndGet() == 0)
            {
                close(false);
            }
        }

        void close(boolean reset)
        {
            if (!closed.compareAndSet(false, true))
            {
                return;
            }
            pairs.remove(this);
            if (reset)
            {
                hardClose(client);
                hardClose(server);
            }
            else
            {
                closeQuietly(client);
                closeQuietly(server);
            }
        }
    }
}
