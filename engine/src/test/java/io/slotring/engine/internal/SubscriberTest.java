package io.slotring.engine.internal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.slotring.engine.ClientConfig;
import io.slotring.engine.MessageHandler;
import io.slotring.engine.Subscription;
import io.slotring.launcher.Await;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The subscriber against a scripted in-process server (no Redis): RESP3 pushes and RESP2 arrays, frames split into
 * single bytes, confirmations, a server-initiated unsubscribe and a dropped connection, each followed by a
 * resubscription.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SubscriberTest
{
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private FakeServer server;
    private Subscriber subscriber;

    private Subscriber start(final boolean resp3) throws IOException
    {
        server = new FakeServer(resp3);
        final ClientConfig config = ClientConfig.create().address("127.0.0.1", server.port()).preferResp3(true)
            .reconnectDelay(Duration.ofMillis(5), Duration.ofMillis(50)).errorHandler(errors::add).conclude();
        subscriber = new Subscriber(config, Subscriber.fixedRoute(config.host(), config.port()));
        return subscriber;
    }

    private static void ignore(final DirectBuffer buffer, final int channelOffset, final int channelLength,
        final int payloadOffset, final int payloadLength)
    {
        // Not looked at.
    }

    @AfterEach
    void stop() throws IOException
    {
        if (subscriber != null)
        {
            subscriber.close();
        }
        if (server != null)
        {
            server.close();
        }
    }

    @Test
    void resp3PushesSplitIntoSingleBytesArriveWholeAndInOrder() throws Exception
    {
        final List<String> received = new CopyOnWriteArrayList<>();
        final Subscription subscription = start(true).subscribe(Subscription.Kind.CHANNEL, "news",
            MessageHandler.ofStrings((channel, payload) -> received.add(channel + '=' + payload)));
        assertThat(subscription.awaitActive(WAIT)).as("confirmed").isTrue();
        assertThat(subscription.confirmations()).isEqualTo(1);
        server.push(">3\r\n$7\r\nmessage\r\n$5\r\nother\r\n$1\r\nx\r\n", 1);
        for (int i = 0; i < 50; i++)
        {
            final String payload = "m" + i;
            server.push(">3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$" + payload.length() + "\r\n" + payload + "\r\n", 1);
        }
        Await.until(WAIT, () -> received.size() >= 50, "50 messages");
        final List<String> expected = new ArrayList<>();
        for (int i = 0; i < 50; i++)
        {
            expected.add("news=m" + i);
        }
        assertThat(received).containsExactlyElementsOf(expected);
        assertThat(errors).isEmpty();
    }

    @Test
    void resp2ArraysWithPatternsAfterHelloIsRefused() throws Exception
    {
        final List<String> received = new CopyOnWriteArrayList<>();
        final Subscription subscription = start(false).subscribe(Subscription.Kind.PATTERN, "n.*",
            MessageHandler.ofStrings((channel, payload) -> received.add(channel + '=' + payload)));
        assertThat(subscription.awaitActive(WAIT)).as("confirmed").isTrue();
        assertThat(server.commands.get(0)).as("the handshake tries RESP3 first").startsWith("HELLO 3");
        assertThat(server.commands).contains("PSUBSCRIBE n.*");
        server.push("*4\r\n$8\r\npmessage\r\n$3\r\nn.*\r\n$3\r\nn.a\r\n$2\r\nv1\r\n", 3);
        server.push("*4\r\n$8\r\npmessage\r\n$3\r\nn.*\r\n$3\r\nn.b\r\n$2\r\nv2\r\n", 7);
        Await.until(WAIT, () -> received.size() >= 2, "2 messages");
        assertThat(received).containsExactly("n.a=v1", "n.b=v2");
    }

    @Test
    void resubscribesAfterTheConnectionDropsAndAfterAServerUnsubscribe() throws Exception
    {
        final List<String> received = new CopyOnWriteArrayList<>();
        final Subscription subscription = start(true).subscribe(Subscription.Kind.SHARD, "{s}",
            MessageHandler.ofStrings((channel, payload) -> received.add(payload)));
        assertThat(subscription.awaitActive(WAIT)).isTrue();
        server.dropConnections();
        Await.until(WAIT, () -> subscription.confirmations() == 2, "the second confirmation, after a reconnect");
        assertThat(subscription.isActive()).isTrue();
        server.push(">3\r\n$12\r\nsunsubscribe\r\n$3\r\n{s}\r\n:0\r\n", 2);
        Await.until(WAIT, () -> subscription.confirmations() == 3, "the third confirmation, after the server " +
            "unsubscribed");
        server.push(">3\r\n$8\r\nsmessage\r\n$3\r\n{s}\r\n$5\r\nafter\r\n", 4);
        Await.until(WAIT, () -> received.contains("after"), "a message after resubscribing");
        assertThat(server.commands.stream().filter("SSUBSCRIBE {s}"::equals).count()).isEqualTo(3);
        subscription.close();
        Await.until(WAIT, () -> server.commands.contains("SUNSUBSCRIBE {s}") || server.connections.isEmpty(),
            "an unsubscribe or a closed connection after close()");
        assertThat(subscription.isActive()).isFalse();
    }

    @Test
    void aSecondSubscriptionToTheSameChannelIsRefused() throws Exception
    {
        final Subscription first = start(true).subscribe(Subscription.Kind.CHANNEL, "c", SubscriberTest::ignore);
        try
        {
            subscriber.subscribe(Subscription.Kind.CHANNEL, "c", SubscriberTest::ignore);
            throw new AssertionError("expected a refusal");
        }
        catch (final IllegalArgumentException expected)
        {
            assertThat(expected).hasMessageContaining("'c' already has an open one");
        }
        first.close();
        assertThat(subscriber.subscribe(Subscription.Kind.CHANNEL, "c", SubscriberTest::ignore)
            .awaitActive(WAIT)).isTrue();
    }

    /** Answers the handshake and (un)subscribes like Redis; pushes whatever the test scripts, in small pieces. */
    private static final class FakeServer implements AutoCloseable
    {
        final List<String> commands = new CopyOnWriteArrayList<>();
        final List<Socket> connections = new CopyOnWriteArrayList<>();
        private final boolean resp3;
        private final ServerSocket socket;
        private final Thread acceptor;

        FakeServer(final boolean resp3) throws IOException
        {
            this.resp3 = resp3;
            this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            this.acceptor = new Thread(this::accept, "fake-server");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port()
        {
            return socket.getLocalPort();
        }

        private void accept()
        {
            try
            {
                while (!socket.isClosed())
                {
                    final Socket connection = socket.accept();
                    connections.add(connection);
                    final Thread reader = new Thread(() -> serve(connection), "fake-server-conn");
                    reader.setDaemon(true);
                    reader.start();
                }
            }
            catch (final IOException closed)
            {
                // Stopped.
            }
        }

        private void serve(final Socket connection)
        {
            try
            {
                final InputStream in = new BufferedInputStream(connection.getInputStream());
                while (true)
                {
                    final List<String> args = readCommand(in);
                    if (args == null)
                    {
                        break;
                    }
                    commands.add(String.join(" ", args));
                    final String name = args.get(0).toUpperCase();
                    final String reply;
                    if (name.equals("HELLO"))
                    {
                        reply = resp3 ? "%1\r\n$6\r\nserver\r\n$5\r\nredis\r\n" : "-ERR unknown command 'HELLO'\r\n";
                    }
                    else if (name.endsWith("SUBSCRIBE"))
                    {
                        final String kind = name.toLowerCase();
                        final String channel = args.get(1);
                        reply = (resp3 ? ">3" : "*3") + "\r\n$" + kind.length() + "\r\n" + kind + "\r\n$" +
                            channel.length() + "\r\n" + channel + "\r\n:" + (name.contains("UNSUB") ? 0 : 1) + "\r\n";
                    }
                    else
                    {
                        reply = "+PONG\r\n";
                    }
                    write(connection, reply, 1_000_000);
                }
            }
            catch (final IOException closed)
            {
                // The client went away.
            }
            connections.remove(connection);
        }

        private static List<String> readCommand(final InputStream in) throws IOException
        {
            final String header = line(in);
            if (header == null)
            {
                return null;
            }
            final int count = Integer.parseInt(header.substring(1));
            final List<String> args = new ArrayList<>();
            for (int i = 0; i < count; i++)
            {
                final int length = Integer.parseInt(line(in).substring(1));
                final byte[] bytes = in.readNBytes(length + 2);
                args.add(new String(bytes, 0, length, StandardCharsets.UTF_8));
            }
            return args;
        }

        private static String line(final InputStream in) throws IOException
        {
            final StringBuilder text = new StringBuilder();
            int b;
            while ((b = in.read()) != '\n')
            {
                if (b < 0)
                {
                    return null;
                }
                if (b != '\r')
                {
                    text.append((char)b);
                }
            }
            return text.toString();
        }

        /** Writes the frame to every connection in pieces of {@code piece} bytes, flushing each. */
        void push(final String frame, final int piece) throws IOException
        {
            for (final Socket connection : connections)
            {
                write(connection, frame, piece);
            }
        }

        private static void write(final Socket connection, final String frame, final int piece) throws IOException
        {
            final byte[] bytes = frame.getBytes(StandardCharsets.UTF_8);
            synchronized (connection)
            {
                final OutputStream out = connection.getOutputStream();
                for (int i = 0; i < bytes.length; i += piece)
                {
                    out.write(bytes, i, Math.min(piece, bytes.length - i));
                    out.flush();
                }
            }
        }

        void dropConnections() throws IOException
        {
            for (final Socket connection : connections)
            {
                connection.close();
            }
        }

        @Override
        public void close() throws IOException
        {
            socket.close();
            dropConnections();
        }
    }
}
