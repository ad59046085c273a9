package io.slotring.launcher;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

import io.slotring.launcher.FaultProxy.Direction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@LocalServer
@Timeout(30)
class FaultProxyIT
{
    private static final String PING = "*1\r\n$4\r\nPING\r\n";
    private static final String PONG = "+PONG\r\n";

    private final LocalRedisServer redis;

    FaultProxyIT(LocalRedisServer redis)
    {
        this.redis = redis;
    }

    @Test
    void forwardsBothWaysAndCounts() throws Exception
    {
        try (FaultProxy proxy = FaultProxy.start(redis.host(), redis.port()))
        {
            assertThat(proxy.host()).isEqualTo("127.0.0.1");
            assertThat(proxy.port()).isNotEqualTo(redis.port());
            try (Resp client = new Resp(proxy))
            {
                assertThat(client.call("PING")).isEqualTo(PONG);
                assertThat(client.call("SET", "fp:k", "v")).isEqualTo("+OK\r\n");
                assertThat(client.call("GET", "fp:k")).isEqualTo("$1\r\nv\r\n");
                assertThat(proxy.acceptedConnections()).isEqualTo(1);
                assertThat(proxy.activeConnections()).isEqualTo(1);
                List<Long> expected = List.of(client.sent, client.received);
                awaitEquals(expected, () -> List.of(proxy.bytesForwarded(Direction.TO_SERVER),
                        proxy.bytesForwarded(Direction.TO_CLIENT)), "bytes forwarded to server, to client");
            }
            awaitEquals(0, proxy::activeConnections, "active connections after the client closed");
        }
    }

    @Test
    void delayAddsLatencyInEachDirection() throws Exception
    {
        Duration delay = Duration.ofMillis(150);
        try (FaultProxy proxy = FaultProxy.start(redis.host(), redis.port()); Resp client = new Resp(proxy))
        {
            assertThat(client.call("PING")).isEqualTo(PONG);
            proxy.delay(delay);
            long start = System.nanoTime();
            assertThat(client.call("PING")).isEqualTo(PONG);
            // Request and reply are each held for the delay; only a lower bound cannot fail spuriously.
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(delay.multipliedBy(2));
            proxy.heal();
            assertThat(client.call("PING")).isEqualTo(PONG);
        }
    }

    @Test
    void blackholeSwallowsTrafficUntilHealed() throws Exception
    {
        try (FaultProxy proxy = FaultProxy.start(redis.host(), redis.port()); Resp old = new Resp(proxy))
        {
            assertThat(old.call("PING")).isEqualTo(PONG);
            proxy.blackhole();
            old.send("PING");
            assertThatThrownBy(() -> old.readFor(300)).isInstanceOf(SocketTimeoutException.class);
            try (Resp during = new Resp(proxy))
            {
                during.send("PING");
                assertThatThrownBy(() -> during.readFor(300)).isInstanceOf(SocketTimeoutException.class);
            }
            proxy.heal();
            try (Resp fresh = new Resp(proxy))
            {
                assertThat(fresh.call("PING")).isEqualTo(PONG);
            }
            // The swallowed PING was dropped, not held: the old connection gets exactly one reply now.
            assertThat(old.call("ECHO", "after")).isEqualTo("$5\r\nafter\r\n");
            assertThat(proxy.acceptedConnections()).isEqualTo(3);
        }
    }

    @Test
    void resetAllResetsEveryConnection() throws Exception
    {
        try (FaultProxy proxy = FaultProxy.start(redis.host(), redis.port());
                Resp first = new Resp(proxy);
                Resp second = new Resp(proxy))
                {
            assertThat(first.call("PING")).isEqualTo(PONG);
            assertThat(second.call("PING")).isEqualTo(PONG);
            proxy.resetAll();
            assertThat(first.readUntilClosed()).isEmpty();
            assertThat(second.readUntilClosed()).isEmpty();
            awaitEquals(0, proxy::activeConnections, "active connections after resetAll()");
            try (Resp after = new Resp(proxy))
            {
                assertThat(after.call("PING")).isEqualTo(PONG);
            }
        }
    }

    @Test
    void resetAfterBytesCutsTheReplyMidFrame() throws Exception
    {
        String value = "x".repeat(100);
        try (FaultProxy proxy = FaultProxy.start(redis.host(), redis.port()); Resp client = new Resp(proxy))
        {
            assertThat(client.call("SET", "fp:cut", value)).isEqualTo("+OK\r\n");
            proxy.resetAfterBytes(Direction.TO_CLIENT, 10);
            client.send("GET", "fp:cut");
            String full = "$100\r\n" + value + "\r\n";
            assertThat(new String(client.readUntilClosed(), US_ASCII)).isEqualTo(full.substring(0, 10));
            try (Resp after = new Resp(proxy))
            {
                assertThat(after.call("GET", "fp:cut")).as("one-shot").isEqualTo(full);
            }
        }
    }

    @Test
    void resetAfterBytesCountsAcrossChunksAndCutsCommandsToo() throws Exception
    {
        String value = "y".repeat(64 * 1024);
        try (FaultProxy proxy = FaultProxy.start(redis.host(), redis.port()))
        {
            try (Resp client = new Resp(proxy))
            {
                assertThat(client.call("SET", "fp:big", value)).isEqualTo("+OK\r\n");
                proxy.resetAfterBytes(Direction.TO_CLIENT, 40_000); // spans several 16 KiB chunks
                client.send("GET", "fp:big");
                byte[] got = client.readUntilClosed();
                assertThat(got).hasSize(40_000);
                assertThat(new String(got, US_ASCII)).isEqualTo(("$65536\r\n" + value).substring(0, 40_000));
            }
            try (Resp client = new Resp(proxy))
            {
                proxy.resetAfterBytes(Direction.TO_SERVER, 20);
                client.send("SET", "fp:half", "never-complete");
                assertThat(client.readUntilClosed()).isEmpty();
            }
            assertThat(redis.call("EXISTS", "fp:half")).as("redis saw only half a command").isEqualTo(0L);
        }
    }

    @Test
    void corruptNextByteFlipsOneByteOnce() throws Exception
    {
        try (FaultProxy proxy = FaultProxy.start(redis.host(), redis.port()))
        {
            try (Resp client = new Resp(proxy))
            {
                proxy.corruptNextByte(Direction.TO_CLIENT);
                client.send("PING");
                byte[] reply = client.readExactly(PONG.length());
                assertThat(reply[0]).isEqualTo((byte) ('+' ^ 0xFF));
                assertThat(new String(reply, 1, reply.length - 1, US_ASCII)).isEqualTo(PONG.substring(1));
                assertThat(client.call("PING")).as("one-shot").isEqualTo(PONG);
            }
            try (Resp client = new Resp(proxy))
            {
                // A mangled '*' makes redis parse an inline command, which it does not know.
                proxy.corruptNextByte(Direction.TO_SERVER);
                client.send("PING");
                assertThat(client.readFor(5000)).startsWith("-ERR");
            }
        }
    }

    @Test
    void refusesNewConnectionsWhileAsked() throws Exception
    {
        try (FaultProxy proxy = FaultProxy.start(redis.host(), redis.port()); Resp existing = new Resp(proxy))
        {
            assertThat(existing.call("PING")).isEqualTo(PONG);
            proxy.refuseNewConnections(true);
            try (Resp refused = new Resp(proxy))
            {
                try
                {
                    refused.send("PING");
                }
                catch (IOException e)
                {
                    // the reset may already have arrived: also a refusal
                }
                assertThat(refused.readUntilClosed()).isEmpty();
            }
            assertThat(existing.call("PING")).as("existing connections are not affected").isEqualTo(PONG);
            proxy.refuseNewConnections(false);
            try (Resp accepted = new Resp(proxy))
            {
                assertThat(accepted.call("PING")).isEqualTo(PONG);
            }
            assertThat(proxy.acceptedConnections()).isEqualTo(3);
            assertThat(proxy.activeConnections()).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void slowReaderThrottlesBothDirections() throws Exception
    {
        int rate = 128 * 1024;
        String value = "v".repeat(64 * 1024);
        try (FaultProxy proxy = FaultProxy.start(redis.host(), redis.port()); Resp client = new Resp(proxy))
        {
            proxy.slowReader(rate);
            long start = System.nanoTime();
            assertThat(client.call("SET", "fp:slow", value)).isEqualTo("+OK\r\n");
            assertThat(client.call("GET", "fp:slow")).isEqualTo("$" + value.length() + "\r\n" + value + "\r\n");
            // 64 KiB each way at 128 KiB/s: at least 0.5 s in total, whatever the slicing.
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(500));
            proxy.heal();
            assertThat(client.call("PING")).isEqualTo(PONG);
        }
    }

    @Test
    void closeStopsEveryThreadAndTheListener() throws Exception
    {
        FaultProxy proxy = FaultProxy.start(redis.host(), redis.port());
        int port = proxy.port();
        try (Resp busy = new Resp(proxy); Resp held = new Resp(proxy))
        {
            assertThat(busy.call("PING")).isEqualTo(PONG);
            proxy.delay(Duration.ofSeconds(10)); // a chunk sleeping in the delay must not hold close() up
            held.send("PING");
            assertThat(ThreadLeaks.alive(ThreadLeaks.FAULT_PROXY)).isNotEmpty().allMatch(Thread::isDaemon);
            long start = System.nanoTime();
            proxy.close();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(6));
            ThreadLeaks.awaitNone(Duration.ofSeconds(5), ThreadLeaks.FAULT_PROXY,
                    "slotring-fault-proxy threads after close()");
            assertThat(busy.readUntilClosed()).isEmpty();
            assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
            assertThat(proxy.activeConnections()).isZero();
            proxy.close(); // idempotent
        }
        finally
        {
            proxy.close();
        }
    }

    @Test
    void rejectsNonLoopbackUpstream()
    {
        assertThatThrownBy(() -> FaultProxy.start("10.1.2.3", 6379))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("loopback")
                .hasMessageContaining("10.1.2.3");
        assertThatThrownBy(() -> FaultProxy.start("127.0.0.1", 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got 0");
    }

    /** Up to 5 s: the proxy's threads update connections and counters a moment after the peer sees bytes. */
    private static void awaitEquals(Object expected, Supplier<?> actual, String what)
    {
        Await.value(Duration.ofSeconds(5), actual, expected::equals, what + " to become " + expected);
    }

    /** A bare RESP2 connection over java.net.Socket, so the proxy is tested with nothing of ours in between. */
    private static final class Resp implements AutoCloseable
    {
        final Socket socket;
        final InputStream in;
        final OutputStream out;
        long sent;
        long received;

        Resp(FaultProxy proxy) throws IOException
        {
            socket = new Socket(proxy.host(), proxy.port());
            socket.setSoTimeout(5000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        void send(String... args) throws IOException
        {
            StringBuilder command = new StringBuilder("*").append(args.length).append("\r\n");
            for (String arg : args)
            {
                command.append('$').append(arg.length()).append("\r\n").append(arg).append("\r\n");
            }
            byte[] bytes = command.toString().getBytes(US_ASCII);
            out.write(bytes);
            out.flush();
            sent += bytes.length;
        }

        String call(String... args) throws IOException
        {
            send(args);
            return readFor(5000);
        }

        /** Reads one simple, error or bulk reply, returned raw (with its CRLFs). */
        String readFor(int timeoutMillis) throws IOException
        {
            socket.setSoTimeout(timeoutMillis);
            String line = readLine();
            if (line.startsWith("$") && !line.equals("$-1\r\n"))
            {
                int length = Integer.parseInt(line.substring(1, line.length() - 2));
                return line + new String(readExactly(length + 2), US_ASCII);
            }
            return line;
        }

        String readLine() throws IOException
        {
            StringBuilder line = new StringBuilder();
            while (!line.toString().endsWith("\r\n"))
            {
                int b = in.read();
                if (b < 0)
                {
                    throw new IOException("expected a reply line, got EOF after '" + line + "'");
                }
                received++;
                line.append((char) b);
            }
            return line.toString();
        }

        byte[] readExactly(int n) throws IOException
        {
            byte[] bytes = in.readNBytes(n);
            received += bytes.length;
            if (bytes.length != n)
            {
                throw new IOException("expected " + n + " bytes, got EOF after " + bytes.length);
            }
            return bytes;
        }

        /** Reads until EOF or a reset and returns what came before it. */
        byte[] readUntilClosed() throws IOException
        {
            socket.setSoTimeout(5000);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try
            {
                for (int b = in.read(); b >= 0; b = in.read())
                {
                    bytes.write(b);
                }
            }
            catch (SocketTimeoutException e)
            {
                throw new AssertionError("expected EOF or a reset within 5s, got only " + bytes.size() + " bytes", e);
            }
            catch (IOException e)
            {
                // connection reset: what we want
            }
            return bytes.toByteArray();
        }

        @Override
        public void close() throws IOException
        {
            socket.close();
        }
    }
}
