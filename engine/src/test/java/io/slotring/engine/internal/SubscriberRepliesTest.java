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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

import io.slotring.codec.RespReader;
import io.slotring.codec.SlotHash;
import io.slotring.engine.ClientConfig;
import io.slotring.engine.Subscription;
import io.slotring.launcher.Await;
import org.agrona.DirectBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The subscriber's answers to error replies and to its liveness PINGs, against scripted in-process servers (no
 * Redis): {@code MOVED} to a SSUBSCRIBE (host given, empty, or {@code ?}) re-routes the shard channel;
 * {@code TRYAGAIN} retries quietly; any other error is reported; a PING answered with {@code LOADING} keeps the
 * connection, an unanswered one drops it and the subscription subscribes again on a new one.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SubscriberRepliesTest
{
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String CHANNEL = "{s}chan";
    private static final int SLOT = SlotHash.slot(CHANNEL);

    private final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private final List<ScriptedNode> nodes = new ArrayList<>();
    private Subscriber subscriber;

    @AfterEach
    void stop() throws IOException
    {
        if (subscriber != null)
        {
            subscriber.close();
        }
        for (final ScriptedNode node : nodes)
        {
            node.close();
        }
    }

    private static void ignore(final DirectBuffer buffer, final int channelOffset, final int channelLength,
        final int payloadOffset, final int payloadLength)
    {
        // Not looked at.
    }

    private ScriptedNode node(final BiFunction<String, Integer, String> subscribedReply) throws IOException
    {
        final ScriptedNode node = new ScriptedNode(subscribedReply);
        nodes.add(node);
        return node;
    }

    private static String confirm(final String command)
    {
        final String kind = command.toLowerCase();
        return ">3\r\n$" + kind.length() + "\r\n" + kind + "\r\n$" + CHANNEL.length() + "\r\n" + CHANNEL + "\r\n:1\r\n";
    }

    private ClientConfig config(final Duration pingInterval, final Duration timeout)
    {
        return ClientConfig.create().address("127.0.0.1", 1).preferResp3(true).commandTimeout(timeout)
            .connectTimeout(timeout).idlePingInterval(pingInterval)
            .reconnectDelay(Duration.ofMillis(5), Duration.ofMillis(50)).errorHandler(errors::add).conclude();
    }

    /**
     * Routes to one node until a MOVED names another: a stand-in for the cluster's routing layer, which reads its
     * own errors (the engine hands them over unread; parsing every MOVED form is {@code RedirectReplyTest}'s).
     */
    private static final class MovableRoutes implements Subscriber.Routes
    {
        volatile Subscriber.NodeAddress current;
        final List<String> moves = new CopyOnWriteArrayList<>();

        MovableRoutes(final int port)
        {
            current = new Subscriber.NodeAddress("127.0.0.1", port);
        }

        @Override
        public Subscriber.NodeAddress route(final Subscription.Kind kind, final int slot)
        {
            return current;
        }

        @Override
        public int onErrorReply(final RespReader error, final String answeringHost)
        {
            final String text = error.stringValue();
            if (text.startsWith("TRYAGAIN"))
            {
                return RETRY_LATER;
            }
            if (!text.startsWith("MOVED "))
            {
                return NOT_ROUTING;
            }
            final String[] parts = text.split(" ");
            final String address = parts[2];
            final int colon = address.lastIndexOf(':');
            final String named = address.substring(0, colon);
            final String host = named.isEmpty() || named.equals("?") ? answeringHost : named;
            final int port = Integer.parseInt(address.substring(colon + 1));
            moves.add(parts[1] + " " + host + ":" + port);
            current = new Subscriber.NodeAddress(host, port);
            return PLACE_AGAIN;
        }

        @Override
        public void refresh()
        {
            // Nothing to refresh.
        }
    }

    @ParameterizedTest(name = "host=''{0}''")
    @ValueSource(strings = {"127.0.0.1", "", "?"})
    void movedToASsubscribeReroutesTheShardChannel(final String host) throws Exception
    {
        final ScriptedNode owner = node((command, n) -> confirm(command));
        final ScriptedNode stale = node((command, n) -> "-MOVED " + SLOT + " " + host + ":" + owner.port() + "\r\n");
        final MovableRoutes routes = new MovableRoutes(stale.port());
        subscriber = new Subscriber(config(Duration.ofMinutes(1), Duration.ofSeconds(2)), routes);
        final Subscription subscription = subscriber.subscribe(Subscription.Kind.SHARD, CHANNEL,
            SubscriberRepliesTest::ignore);
        assertThat(subscription.awaitActive(WAIT)).as("confirmed by the new owner").isTrue();
        assertThat(routes.moves).containsExactly(SLOT + " 127.0.0.1:" + owner.port());
        assertThat(owner.commands).contains("SSUBSCRIBE " + CHANNEL);
        assertThat(errors).isEmpty();
    }

    @Test
    void tryAgainRetriesQuietlyAndOtherErrorsAreReported() throws Exception
    {
        final AtomicInteger attempts = new AtomicInteger();
        final ScriptedNode node = node((command, n) ->
        {
            final int attempt = attempts.incrementAndGet();
            return attempt == 1 ? "-TRYAGAIN Multiple keys request during rehashing of slot\r\n" :
                attempt == 2 ? "-ERR something else\r\n" : confirm(command);
        });
        subscriber = new Subscriber(config(Duration.ofMinutes(1), Duration.ofSeconds(2)),
            new MovableRoutes(node.port()));
        final Subscription subscription = subscriber.subscribe(Subscription.Kind.SHARD, CHANNEL,
            SubscriberRepliesTest::ignore);
        assertThat(subscription.awaitActive(WAIT)).isTrue();
        assertThat(attempts.get()).isEqualTo(3);
        assertThat(errors).hasSize(1);
        assertThat(errors.get(0).getMessage()).endsWith("but it answered: ERR something else");
    }

    @Test
    void aPingAnsweredWithLoadingKeepsTheConnection() throws Exception
    {
        final ScriptedNode node = node((command, n) -> command.equals("PING") ?
            "-LOADING Redis is loading the dataset in memory\r\n" : confirm(command));
        subscriber = new Subscriber(config(Duration.ofMillis(50), Duration.ofMillis(200)),
            new MovableRoutes(node.port()));
        final Subscription subscription = subscriber.subscribe(Subscription.Kind.SHARD, CHANNEL,
            SubscriberRepliesTest::ignore);
        assertThat(subscription.awaitActive(WAIT)).isTrue();
        Await.until(WAIT, () -> node.pings.get() >= 5, "several PINGs answered with LOADING");
        assertThat(subscription.confirmations()).isEqualTo(1);
        assertThat(node.accepted.get()).isEqualTo(1);
        assertThat(errors).isEmpty();
    }

    @Test
    void anUnansweredPingDropsTheConnectionAndTheSubscriptionSubscribesAgain() throws Exception
    {
        final AtomicInteger connectionsSeen = new AtomicInteger();
        // The first connection never answers a PING; later ones do.
        final ScriptedNode node = node((command, connection) ->
        {
            connectionsSeen.accumulateAndGet(connection, Math::max);
            return command.equals("PING") ? connection == 1 ? null : "*2\r\n$4\r\npong\r\n$0\r\n\r\n" :
                confirm(command);
        });
        subscriber = new Subscriber(config(Duration.ofMillis(100), Duration.ofMillis(300)),
            new MovableRoutes(node.port()));
        final Subscription subscription = subscriber.subscribe(Subscription.Kind.CHANNEL, CHANNEL,
            SubscriberRepliesTest::ignore);
        assertThat(subscription.awaitActive(WAIT)).isTrue();
        final long start = System.nanoTime();
        Await.until(WAIT, () -> subscription.confirmations() == 2, "subscribed again on a new connection");
        final long ms = (System.nanoTime() - start) / 1_000_000;
        assertThat(ms).as("interval + timeout, and some slack").isBetween(300L, 3_000L);
        assertThat(node.accepted.get()).isEqualTo(2);
        Await.until(WAIT, () -> node.pings.get() >= 4, "PINGs on the new connection, answered");
        assertThat(subscription.confirmations()).as("the pong array keeps the new connection").isEqualTo(2);
        assertThat(errors).singleElement().satisfies(error ->
            assertThat(error.getMessage()).contains("PING unanswered within 300 ms"));
    }

    /**
     * A node that answers the handshake (HELLO as RESP3) and then replies to each command as its script says
     * (null: no reply), given the command's name and the connection's number (from 1).
     */
    private static final class ScriptedNode implements AutoCloseable
    {
        final List<String> commands = new CopyOnWriteArrayList<>();
        final AtomicInteger accepted = new AtomicInteger();
        final AtomicInteger pings = new AtomicInteger();
        private final BiFunction<String, Integer, String> script;
        private final ServerSocket socket;
        private final List<Socket> connections = new CopyOnWriteArrayList<>();

        ScriptedNode(final BiFunction<String, Integer, String> script) throws IOException
        {
            this.script = script;
            this.socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            final Thread acceptor = new Thread(this::accept, "scripted-node");
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
                    final int number = accepted.incrementAndGet();
                    final Thread reader = new Thread(() -> serve(connection, number), "scripted-node-conn");
                    reader.setDaemon(true);
                    reader.start();
                }
            }
            catch (final IOException closed)
            {
                // Stopped.
            }
        }

        private void serve(final Socket connection, final int number)
        {
            boolean subscribed = false;
            try
            {
                final InputStream in = new BufferedInputStream(connection.getInputStream());
                final OutputStream out = connection.getOutputStream();
                List<String> args;
                while ((args = readCommand(in)) != null)
                {
                    final String name = args.get(0).toUpperCase();
                    commands.add(String.join(" ", args));
                    final String reply;
                    if (name.equals("HELLO"))
                    {
                        reply = "%1\r\n$6\r\nserver\r\n$5\r\nredis\r\n";
                    }
                    else if (name.endsWith("SUBSCRIBE") || subscribed && name.equals("PING"))
                    {
                        subscribed = true;
                        if (name.equals("PING"))
                        {
                            pings.incrementAndGet();
                        }
                        reply = script.apply(name, number);
                    }
                    else
                    {
                        reply = name.equals("PING") ? "+PONG\r\n" : "+OK\r\n";
                    }
                    if (reply != null)
                    {
                        out.write(reply.getBytes(StandardCharsets.UTF_8));
                        out.flush();
                    }
                }
            }
            catch (final IOException closed)
            {
                // The client went away.
            }
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

        @Override
        public void close() throws IOException
        {
            socket.close();
            for (final Socket connection : connections)
            {
                connection.close();
            }
        }
    }
}
