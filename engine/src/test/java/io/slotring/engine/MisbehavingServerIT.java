package io.slotring.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.slotring.launcher.LocalRedisServer;
import io.slotring.launcher.LocalServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A fake server, because a real one cannot send malformed bytes or cut a reply mid-frame on cue. It answers the
 * handshake properly, then misbehaves; a client of a real server runs alongside and must not notice.
 */
@LocalServer
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MisbehavingServerIT
{
    /** Accepts one connection, answers the handshake's first command with +OK, then writes {@code poison}. */
    private static final class FakeServer implements AutoCloseable
    {
        private final ServerSocket socket;
        private final Thread thread;
        private final CountDownLatch closed = new CountDownLatch(1);

        FakeServer(final byte[] poison, final boolean closeAfter) throws IOException
        {
            socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
            thread = new Thread(() -> serve(poison, closeAfter), "fake-redis");
            thread.setDaemon(true);
            thread.start();
        }

        int port()
        {
            return socket.getLocalPort();
        }

        private void serve(final byte[] poison, final boolean closeAfter)
        {
            try (Socket client = socket.accept())
            {
                final InputStream in = client.getInputStream();
                final OutputStream out = client.getOutputStream();
                awaitCommand(in);
                out.write("+OK\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                awaitCommand(in);
                out.write(poison);
                out.flush();
                if (!closeAfter)
                {
                    // Keep the socket open until the test closes the fake: the client must give up on its own.
                    closed.await(30, TimeUnit.SECONDS);
                }
            }
            catch (final IOException | InterruptedException ignore)
            {
                // The test is over or the client hung up: both end the fake.
            }
        }

        /** Reads until a command's final CRLF is likely in: enough for the single small commands used here. */
        private static void awaitCommand(final InputStream in) throws IOException
        {
            final byte[] chunk = new byte[4096];
            if (in.read(chunk) < 0)
            {
                throw new IOException("client went away");
            }
        }

        @Override
        public void close() throws IOException
        {
            closed.countDown();
            socket.close();
        }
    }

    private static ClientConfig config(final int port)
    {
        return ClientConfig.create().address("127.0.0.1", port).commandTimeout(Duration.ofSeconds(2))
            .reconnectDelay(Duration.ofSeconds(5), Duration.ofSeconds(5)).clientName(null);
    }

    @Test
    void malformedReplyFailsThatConnectionWithAClearMessageAndNothingElse(final LocalRedisServer redis)
        throws Exception
    {
        try (FakeServer fake = new FakeServer("?garbage\r\n".getBytes(StandardCharsets.US_ASCII), false);
            RedisClient broken = RedisClient.connect(config(fake.port()));
            RedisClient healthy = RedisClient.connect(config(redis.port())))
        {
            final CompletableFuture<String> victim = broken.async().get("k");
            assertThatThrownBy(() -> victim.get(10, TimeUnit.SECONDS)).cause()
                .isInstanceOf(RedisConnectionException.class)
                .hasMessageContaining("offset 0")
                .hasMessageContaining("'?'")
                .satisfies(ex -> assertThat(((RedisException)ex).mayHaveBeenApplied()).isTrue());
            assertThat(healthy.sync().set("still", "fine")).isEqualTo("OK");
            assertThat(healthy.sync().get("still")).isEqualTo("fine");
        }
    }

    @Test
    void replyCutMidFrameThenCloseFailsTheCommandAsMaybeApplied(final LocalRedisServer redis) throws Exception
    {
        try (FakeServer fake = new FakeServer("$10\r\nabc".getBytes(StandardCharsets.US_ASCII), true);
            RedisClient broken = RedisClient.connect(config(fake.port()));
            RedisClient healthy = RedisClient.connect(config(redis.port())))
        {
            final CompletableFuture<String> victim = broken.async().get("k");
            assertThatThrownBy(() -> victim.get(10, TimeUnit.SECONDS)).cause()
                .isInstanceOf(RedisConnectionException.class)
                .hasMessageContaining("connection closed by the server")
                .satisfies(ex -> assertThat(((RedisException)ex).mayHaveBeenApplied()).isTrue());
            assertThat(healthy.sync().ping()).isEqualTo("PONG");
        }
    }

    @Test
    void replyCutMidFrameOnAnOpenSocketTimesOutInsteadOfHanging() throws Exception
    {
        try (FakeServer fake = new FakeServer("$10\r\nabc".getBytes(StandardCharsets.US_ASCII), false);
            RedisClient broken = RedisClient.connect(config(fake.port()).commandTimeout(Duration.ofMillis(500))))
        {
            final CompletableFuture<String> victim = broken.async().get("k");
            assertThatThrownBy(() -> victim.get(10, TimeUnit.SECONDS)).cause()
                .isInstanceOf(RedisTimeoutException.class)
                .satisfies(ex -> assertThat(((RedisException)ex).mayHaveBeenApplied()).isTrue());
        }
    }
}
