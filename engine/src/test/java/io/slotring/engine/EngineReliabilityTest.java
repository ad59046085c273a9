package io.slotring.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.slotring.engine.internal.BufferPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The engine's reliability guarantees against peers that no real server plays, each a plain socket on loopback:
 * a peer that never answers the handshake is named in the connect error, and a hostile bulk header can neither
 * make the client allocate its declared length nor pin direct memory after the disconnect. The cases that need a
 * real redis-server are in {@link EngineReliabilityIT}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EngineReliabilityTest
{
    @Test
    void aPeerThatNeverAnswersTheHandshakeIsNamedInTheConnectError() throws Exception
    {
        final CountDownLatch testOver = new CountDownLatch(1);
        try (ServerSocket silent = new ServerSocket(0, 4, InetAddress.getLoopbackAddress()))
        {
            final Thread acceptor = new Thread(() ->
            {
                try (Socket peer = silent.accept())
                {
                    // Accept, read nothing, answer nothing: a peer that hangs mid-handshake until the test is over.
                    peer.setSoTimeout(10_000);
                    testOver.await(10, TimeUnit.SECONDS);
                }
                catch (final IOException | InterruptedException done)
                {
                    // The test is over.
                }
            }, "silent-peer");
            acceptor.setDaemon(true);
            acceptor.start();
            assertThatThrownBy(() -> RedisClient.connect(ClientConfig.create().address("127.0.0.1",
                silent.getLocalPort()).connectTimeout(Duration.ofMillis(500))))
                .isInstanceOf(RedisConnectionException.class)
                .hasMessageContaining("did not answer the handshake (HELLO)");
        }
        finally
        {
            testOver.countDown();
        }
    }

    @Test
    void hostileBulkHeaderNeitherAllocatesItsLengthNorPinsMemoryAfterDisconnect() throws Exception
    {
        final CountDownLatch hangUp = new CountDownLatch(1);
        try (ServerSocket hostile = new ServerSocket(0, 4, InetAddress.getLoopbackAddress()))
        {
            final Thread server = new Thread(() -> serveHostileBulk(hostile, hangUp), "hostile-redis");
            server.setDaemon(true);
            server.start();
            try (RedisClient client = RedisClient.connect(ClientConfig.create().address("127.0.0.1",
                hostile.getLocalPort()).commandTimeout(Duration.ofSeconds(20)).preferResp3(false)
                .reconnectDelay(Duration.ofSeconds(30), Duration.ofSeconds(30))))
            {
                final long baseline = DirectMemory.used();
                final CompletableFuture<Object> reply = client.async().execute("GET", "big");
                // 500 MB declared, 4 MiB sent: the receive buffer follows the bytes, not the header.
                final long grownBy = DirectMemory.awaitUsed(used -> used - baseline >= 4L << 20,
                    "direct memory grown by the 4 MiB that arrived");
                assertThat(grownBy - baseline).as("direct bytes while 4 MiB of a declared 500 MB arrived")
                    .isLessThan(32L << 20);
                hangUp.countDown();
                assertThatThrownBy(() -> reply.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(RedisException.class);
                // What stays is at most the pool's bounded cache of small buffers, never the grown one.
                final long after = DirectMemory.awaitUsed(used -> used - baseline <= BufferPool.MAX_RETAINED_BYTES,
                    "direct memory back within the pool's bounded cache after the disconnect");
                assertThat(after - baseline).as("direct bytes after the disconnect")
                    .isLessThanOrEqualTo(BufferPool.MAX_RETAINED_BYTES);
            }
        }
        finally
        {
            hangUp.countDown();
        }
    }

    /** RESP2 server: answers the handshake PING, then sends a 500 MB bulk header and 4 MiB of it, then waits. */
    private static void serveHostileBulk(final ServerSocket socket, final CountDownLatch hangUp)
    {
        try (Socket client = socket.accept())
        {
            final InputStream in = client.getInputStream();
            final OutputStream out = client.getOutputStream();
            final byte[] chunk = new byte[4096];
            in.read(chunk);
            out.write("+PONG\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            in.read(chunk);
            out.write("$500000000\r\n".getBytes(StandardCharsets.US_ASCII));
            final byte[] filler = new byte[64 << 10];
            Arrays.fill(filler, (byte)'x');
            for (int i = 0; i < 64; i++)
            {
                out.write(filler);
            }
            out.flush();
            // Holds the connection open until the test has measured and tells it to hang up.
            hangUp.await(20, TimeUnit.SECONDS);
        }
        catch (final IOException | InterruptedException done)
        {
            // The test is over or the client hung up.
        }
    }
}
