package io.slotring.engine.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.slotring.engine.TlsSettings;
import io.slotring.launcher.TlsMaterial;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link TlsChannel} over an in-memory socket ({@link ScriptedChannel}) against a server-side {@link SSLEngine}
 * the test drives: no network, every split point under the test's control. What a real server cannot do on cue is
 * checked here: records cut at every chunk size, hundreds of tiny records in one socket read (Redis writes each
 * pub/sub message as its own record), a receive buffer smaller than a record, a send buffer that takes nothing,
 * the server's close_notify, and an untrusted certificate.
 *
 * <p>The invariant the connection relies on: once {@code read} returns 0 and {@link TlsChannel#hasBufferedInput()}
 * is false, every byte of every whole record the socket delivered has been handed out, so waiting for the socket to
 * become readable again strands nothing.
 */
class TlsChannelTest
{
    private static TlsMaterial material;
    private static TlsSettings clientTls;
    private static TlsSettings serverTls;

    @BeforeAll
    static void generate()
    {
        material = TlsMaterial.generate();
        clientTls = TlsSettings.builder().trustCertificates(material.caCertificate()).build();
        serverTls = TlsSettings.builder().keyCertificate(material.serverCertificate(), material.serverKey())
            .trustCertificates(material.caCertificate()).build();
    }

    /** The server's half, driven by hand: reads what the client wrote, answers into the client's inbound queue. */
    private static final class Server
    {
        final SSLEngine engine = serverTls.createEngine("127.0.0.1", 6379);
        private final ByteBuffer in = ByteBuffer.allocate(1 << 22);
        final ByteArrayOutputStream plaintext = new ByteArrayOutputStream();
        private final ScriptedChannel channel;

        Server(final ScriptedChannel channel) throws SSLException
        {
            this.channel = channel;
            engine.setUseClientMode(false);
            engine.beginHandshake();
        }

        /** Takes everything the client wrote, unwraps it, and returns the server's own output (handshake data). */
        byte[] step() throws SSLException
        {
            in.put(channel.written());
            channel.clearWritten();
            in.flip();
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            try
            {
                while (true)
                {
                    final SSLEngineResult.HandshakeStatus status = engine.getHandshakeStatus();
                    if (status == SSLEngineResult.HandshakeStatus.NEED_TASK)
                    {
                        Runnable task;
                        while ((task = engine.getDelegatedTask()) != null)
                        {
                            task.run();
                        }
                        continue;
                    }
                    if (status == SSLEngineResult.HandshakeStatus.NEED_WRAP)
                    {
                        out.writeBytes(wrap(new byte[0]));
                        continue;
                    }
                    if (!in.hasRemaining())
                    {
                        break;
                    }
                    final ByteBuffer app = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
                    final SSLEngineResult result = engine.unwrap(in, app);
                    app.flip();
                    plaintext.write(app.array(), 0, app.limit());
                    if (result.getStatus() != SSLEngineResult.Status.OK)
                    {
                        break;
                    }
                }
            }
            finally
            {
                in.compact();
            }
            return out.toByteArray();
        }

        /** One or more records carrying {@code data} (at most 16 KiB of plaintext each). */
        byte[] wrap(final byte[] data) throws SSLException
        {
            final ByteBuffer source = ByteBuffer.wrap(data);
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            do
            {
                final ByteBuffer record = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
                engine.wrap(source, record);
                record.flip();
                out.write(record.array(), 0, record.limit());
            }
            while (source.hasRemaining());
            return out.toByteArray();
        }
    }

    private static void handshake(final TlsChannel client, final ScriptedChannel channel, final Server server)
        throws IOException
    {
        for (int round = 0; round < 20; round++)
        {
            final int step = client.handshake();
            final byte[] answer = server.step();
            channel.feed(answer);
            if (step == TlsChannel.HANDSHAKE_DONE && answer.length == 0 &&
                server.engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING)
            {
                return;
            }
        }
        throw new AssertionError("handshake did not finish in 20 rounds");
    }

    /**
     * Reads as {@code NodeConnection} does on one readiness: one read, then more only while it made progress and
     * {@link TlsChannel#hasBufferedInput()} says whole records wait (the selector would not report them); the
     * destination is drained into {@code sink} after each read, as frames are decoded.
     *
     * @return the last read's result.
     */
    private static int drain(final TlsChannel client, final ByteBuffer destination, final ByteArrayOutputStream sink)
        throws IOException
    {
        int bytes = readInto(client, destination, sink);
        while (bytes > 0 && client.hasBufferedInput())
        {
            bytes = readInto(client, destination, sink);
        }
        return bytes;
    }

    /**
     * The selector reports the socket readable as long as it holds unread bytes (level-triggered): one drain per
     * report, until the socket is empty. What stays in the TLS buffers after that is never reported again.
     */
    private static void readinesses(final TlsChannel client, final ScriptedChannel channel,
        final ByteBuffer destination, final ByteArrayOutputStream sink) throws IOException
    {
        int reports = 0;
        do
        {
            assertThat(drain(client, destination, sink)).isNotNegative();
            assertThat(++reports).as("readiness reports").isLessThan(10_000);
        }
        while (channel.hasScripted());
    }

    private static int readInto(final TlsChannel client, final ByteBuffer destination,
        final ByteArrayOutputStream sink) throws IOException
    {
        final int bytes = client.read(destination);
        destination.flip();
        sink.write(destination.array(), destination.arrayOffset(), destination.limit());
        destination.clear();
        return bytes;
    }

    private static byte[] chunk(final byte[] bytes, final int from, final int to)
    {
        return Arrays.copyOfRange(bytes, from, Math.min(to, bytes.length));
    }

    @ParameterizedTest(name = "records fed in chunks of {0} bytes")
    @ValueSource(ints = {1, 2, 5, 13, 64, 517, 4096, 16_500, 1 << 20})
    void hundredsOfSmallRecordsCutAnywhereAreAllDeliveredBeforeTheChannelWaits(final int chunkSize)
        throws IOException
    {
        final ScriptedChannel channel = new ScriptedChannel();
        final TlsChannel client = new TlsChannel(clientTls.createEngine("127.0.0.1", 6379), channel);
        final Server server = new Server(channel);
        handshake(client, channel, server);

        // One 40 KiB reply, then 400 messages, each its own record (as Redis writes pub/sub messages): the stream
        // ends in many small records, which one socket read can complete together.
        final ByteArrayOutputStream expected = new ByteArrayOutputStream();
        final ByteArrayOutputStream wire = new ByteArrayOutputStream();
        final byte[] large = new byte[40 * 1024];
        new Random(chunkSize).nextBytes(large);
        expected.writeBytes(large);
        wire.writeBytes(server.wrap(large));
        for (int i = 0; i < 400; i++)
        {
            final byte[] message = (">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$" + String.valueOf(i).length() + "\r\n" + i +
                "\r\n").getBytes(US_ASCII);
            expected.writeBytes(message);
            wire.writeBytes(server.wrap(message));
        }

        final byte[] bytes = wire.toByteArray();
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        final ByteBuffer destination = ByteBuffer.allocate(64 * 1024);
        for (int from = 0; from < bytes.length; from += chunkSize)
        {
            // One socket readiness per chunk: whatever whole records it completes must come out now.
            channel.feed(chunk(bytes, from, from + chunkSize));
            readinesses(client, channel, destination, received);
        }
        assertThat(received.toByteArray()).isEqualTo(expected.toByteArray());
        assertThat(client.hasBufferedInput()).isFalse();
    }

    @Test
    void aReceiveBufferSmallerThanARecordGetsItInPieces() throws IOException
    {
        final ScriptedChannel channel = new ScriptedChannel();
        final TlsChannel client = new TlsChannel(clientTls.createEngine("127.0.0.1", 6379), channel);
        final Server server = new Server(channel);
        handshake(client, channel, server);
        final byte[] reply = new byte[100_000];
        new Random(7).nextBytes(reply);
        channel.feed(server.wrap(reply));

        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        final ByteBuffer small = ByteBuffer.allocate(1000);
        readinesses(client, channel, small, received);
        assertThat(received.toByteArray()).isEqualTo(reply);
    }

    /** A client engine: the JDK's, or BoringSSL's through Netty (its wrap makes a record per buffer: staged). */
    private static SSLEngine clientEngine(final String kind) throws IOException
    {
        if ("jdk".equals(kind))
        {
            return clientTls.createEngine("127.0.0.1", 6379);
        }
        final SslContext openssl = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL)
            .trustManager(material.caCertificate().toFile()).endpointIdentificationAlgorithm("HTTPS").build();
        return openssl.newEngine(ByteBufAllocator.DEFAULT, "127.0.0.1", 6379);
    }

    @ParameterizedTest(name = "{0} engine")
    @ValueSource(strings = {"jdk", "openssl"})
    void aGatheringWriteIsWrappedWholeAndArrivesInOrder(final String engine) throws IOException
    {
        final ScriptedChannel channel = new ScriptedChannel();
        final TlsChannel client = new TlsChannel(clientEngine(engine), channel);
        final Server server = new Server(channel);
        handshake(client, channel, server);

        final Random random = new Random(11);
        final ByteArrayOutputStream expected = new ByteArrayOutputStream();
        final List<ByteBuffer> slots = new ArrayList<>();
        for (int i = 0; i < 300; i++)
        {
            final byte[] command = new byte[1 + random.nextInt(1500)];
            random.nextBytes(command);
            expected.writeBytes(command);
            slots.add(ByteBuffer.allocateDirect(command.length).put(command).flip());
        }
        final ByteBuffer[] iov = slots.toArray(new ByteBuffer[0]);
        long taken = 0;
        int calls = 0;
        while (taken < expected.size())
        {
            taken += client.write(iov, 0, iov.length);
            assertThat(++calls).as("write calls").isLessThan(100);
        }
        assertThat(taken).isEqualTo(expected.size());
        for (final ByteBuffer slot : iov)
        {
            assertThat(slot.hasRemaining()).as("every slot view consumed, as a gathering write does").isFalse();
        }
        server.step();
        assertThat(server.plaintext.toByteArray()).isEqualTo(expected.toByteArray());
    }

    @Test
    void aSendBufferThatTakesNothingHoldsTheCiphertextAndTakesNoMorePlaintext() throws IOException
    {
        final ScriptedChannel channel = new ScriptedChannel();
        final TlsChannel client = new TlsChannel(clientTls.createEngine("127.0.0.1", 6379), channel);
        final Server server = new Server(channel);
        handshake(client, channel, server);

        channel.writeLimit(0);
        final ByteBuffer first = ByteBuffer.wrap("*1\r\n$4\r\nPING\r\n".getBytes(US_ASCII));
        assertThat(client.write(new ByteBuffer[] {first}, 0, 1)).as("wrapped, pending").isEqualTo(14);
        assertThat(client.hasPendingOutput()).isTrue();
        final ByteBuffer second = ByteBuffer.wrap("*1\r\n$4\r\nPING\r\n".getBytes(US_ASCII));
        assertThat(client.write(new ByteBuffer[] {second}, 0, 1)).as("nothing more while ciphertext waits").isZero();
        assertThat(second.remaining()).isEqualTo(14);
        assertThat(client.flushNetOut()).isFalse();

        channel.unlimited();
        assertThat(client.flushNetOut()).isTrue();
        assertThat(client.hasPendingOutput()).isFalse();
        assertThat(client.write(new ByteBuffer[] {second}, 0, 1)).isEqualTo(14);
        server.step();
        assertThat(server.plaintext.toString(US_ASCII))
            .isEqualTo("*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nPING\r\n");
    }

    @Test
    void theServersCloseNotifyIsTheEndOfTheStream() throws IOException
    {
        final ScriptedChannel channel = new ScriptedChannel();
        final TlsChannel client = new TlsChannel(clientTls.createEngine("127.0.0.1", 6379), channel);
        final Server server = new Server(channel);
        handshake(client, channel, server);
        channel.feed(server.wrap("+OK\r\n".getBytes(US_ASCII)));
        server.engine.closeOutbound();
        channel.feed(server.step());

        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        final ByteBuffer destination = ByteBuffer.allocate(64 * 1024);
        assertThat(client.read(destination)).isEqualTo(5);
        destination.clear();
        assertThat(client.read(destination)).as("close_notify").isEqualTo(-1);
        assertThat(received.size()).isZero();
    }

    @Test
    void anUntrustedCertificateFailsTheHandshakeWithTheReason() throws IOException
    {
        final TlsMaterial other = TlsMaterial.generate();
        final TlsSettings trustingAnother = TlsSettings.builder().trustCertificates(other.caCertificate()).build();
        final ScriptedChannel channel = new ScriptedChannel();
        final TlsChannel client = new TlsChannel(trustingAnother.createEngine("127.0.0.1", 6379), channel);
        final Server server = new Server(channel);
        assertThatThrownBy(() -> handshake(client, channel, server))
            .isInstanceOf(SSLHandshakeException.class)
            .hasMessageContaining("certification path");
    }

    @Test
    void aPlainTextServerIsNotMistakenForTls() throws IOException
    {
        final ScriptedChannel channel = new ScriptedChannel();
        final TlsChannel client = new TlsChannel(clientTls.createEngine("127.0.0.1", 6379), channel);
        assertThat(client.handshake()).isEqualTo(TlsChannel.HANDSHAKE_NEEDS_READ);
        channel.feed("-ERR unknown command '\u0016\u0003\u0001', with args beginning with:\r\n");
        assertThatThrownBy(client::handshake).isInstanceOf(SSLException.class);
    }
}
