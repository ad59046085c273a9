package io.slotring.engine.internal;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

import io.slotring.codec.RespReader;
import io.slotring.codec.internal.RespDecoder;
import io.slotring.engine.ClientConfig;
import io.slotring.engine.RedisException;
import io.slotring.engine.ReplyHandler;
import org.agrona.concurrent.UnsafeBuffer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real {@link NodeEndpoint}s and {@link NodeConnection}s over {@link ScriptedChannel}s, driven by the test thread as
 * the I/O agent would drive them ({@link NodeConnection#doWork}, {@link NodeConnection#onReadable}); producers use
 * the endpoints' own submission methods, so claim, encode, publish and the producer-side write are the production
 * code too.
 *
 * <p>The runtime's own I/O thread runs but owns none of these connections (they are created with the endpoint's
 * constructor, never handed to an agent): each connection's agent is a never-started {@link IoAgent}, whose
 * {@code wake()} is then a no-op. Reconnect delays and idle PINGs are an hour away, so no pass ever opens a real
 * socket or queues a PING unless a test moves the clock that far.
 */
final class ConnectionHarness implements AutoCloseable
{
    static final long COMMAND_TIMEOUT_NS = Duration.ofSeconds(5).toNanos();

    /** The handshake of the default config: HELLO 3 with the default client name. */
    static final String HELLO = resp("HELLO", "3", "SETNAME", "slotring");
    /** A RESP3 HELLO answer. */
    static final String HELLO_REPLY = "%1\r\n$6\r\nserver\r\n$5\r\nredis\r\n";

    final List<Throwable> errors = new CopyOnWriteArrayList<>();
    final List<String> pushes = new CopyOnWriteArrayList<>();
    final ClientConfig config;
    final IoRuntime runtime;
    final IoAgent agent;
    private final List<Node> nodes = new ArrayList<>();

    ConnectionHarness()
    {
        this(UnaryOperator.identity(), null);
    }

    ConnectionHarness(final UnaryOperator<ClientConfig> tweak, final RedirectHandler redirectHandler)
    {
        config = tweak.apply(ClientConfig.create()
            .ringSize(16)
            .slotCapacity(64)
            .slotGrowthLimit(256)
            .receiveBufferSize(1024)
            .commandTimeout(Duration.ofNanos(COMMAND_TIMEOUT_NS))
            .reconnectDelay(Duration.ofHours(1), Duration.ofHours(1))
            .idlePingInterval(Duration.ofHours(1))
            .errorHandler(errors::add)
            .pushListener(push -> pushes.add(render(push))));
        runtime = new IoRuntime(config, redirectHandler);
        agent = new IoAgent("test-agent", runtime);
    }

    /** A node whose one connection is not connected yet. */
    Node node()
    {
        final Node node = new Node(new NodeEndpoint(runtime, "127.0.0.1", 6379 + nodes.size(), false));
        nodes.add(node);
        return node;
    }

    /** A node whose connection completed its handshake over a fresh channel (handshake bytes cleared). */
    Node connectedNode()
    {
        final Node node = node();
        node.connect();
        return node;
    }

    @Override
    public void close()
    {
        for (final Node node : nodes)
        {
            node.shutdown();
            node.connection.free();
        }
        agent.onClose();
        runtime.close();
    }

    final class Node
    {
        final NodeEndpoint endpoint;
        final NodeConnection connection;
        ScriptedChannel channel;
        private boolean shutDown;

        Node(final NodeEndpoint endpoint)
        {
            this.endpoint = endpoint;
            this.connection = endpoint.connections()[0];
            connection.agent(agent);
        }

        /**
         * Adopts a fresh channel and answers the handshake; the channel then holds only what was written after the
         * handshake (queued commands go out as soon as it is done).
         */
        ScriptedChannel connect()
        {
            final ScriptedChannel fresh = adopt();
            drive();
            assertThat(fresh.writtenString()).isEqualTo(HELLO);
            fresh.clearWritten();
            fresh.feed(HELLO_REPLY);
            readAll();
            assertThat(connection.isReady()).as("ready after the handshake").isTrue();
            return fresh;
        }

        /** Adopts a fresh channel: the handshake is queued, nothing is written yet. */
        ScriptedChannel adopt()
        {
            channel = new ScriptedChannel();
            connection.adoptConnected(channel, System.nanoTime());
            return channel;
        }

        /**
         * What the agent does at client close: fails everything, terminates the ring, and keeps the driver flag for
         * good (so only once).
         */
        void shutdown()
        {
            if (!shutDown)
            {
                shutDown = true;
                connection.shutdown();
            }
        }

        /** One agent pass now. */
        int drive()
        {
            return connection.doWork(System.nanoTime());
        }

        /** One agent pass at {@code nowNs} (deadline tests move the clock). */
        int driveAt(final long nowNs)
        {
            return connection.doWork(nowNs);
        }

        /** Agent passes until the channel has captured {@code bytes} bytes, failing after {@code maxPasses}. */
        void driveUntilWritten(final int bytes, final int maxPasses)
        {
            for (int pass = 0; channel.writtenCount() < bytes; pass++)
            {
                assertThat(pass).as("passes to write %d bytes (have %d)", bytes, channel.writtenCount())
                    .isLessThan(maxPasses);
                drive();
            }
        }

        /** The agent's read until every queued chunk (and a scripted EOF or failure) was consumed. */
        void readAll()
        {
            final ScriptedChannel current = channel;
            for (int reads = 0; current.isOpen() && current.hasScripted(); reads++)
            {
                assertThat(reads).as("reads").isLessThan(1_000_000);
                connection.onReadable(System.nanoTime());
            }
        }

        long get(final String key, final ReplyHandler handler, final long token)
        {
            return endpoint.get(NodeEndpoint.HASH_KEY, bytes(key), handler, null, token);
        }

        long get(final String key, final CommandBatch batch, final long token)
        {
            return endpoint.get(NodeEndpoint.HASH_KEY, bytes(key), null, batch, token);
        }

        long set(final String key, final String value, final ReplyHandler handler, final CommandBatch batch,
            final long token)
        {
            return endpoint.set(NodeEndpoint.HASH_KEY, bytes(key), bytes(value), batch == null ? handler : null,
                batch, token);
        }

        long execute(final ReplyHandler handler, final CommandBatch batch, final long token, final Object... args)
        {
            return endpoint.execute(NodeEndpoint.HASH_KEY, batch == null ? handler : null, batch, token, args);
        }

        /** Highest sequence whose slot was completed and released. */
        long completed()
        {
            return connection.ring.completed.get();
        }

        /** Highest sequence claimed by a producer. */
        long cursor()
        {
            return connection.ring.cursor();
        }
    }

    static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** A command as RESP: an array of bulk strings. */
    static String resp(final String... args)
    {
        final StringBuilder out = new StringBuilder().append('*').append(args.length).append("\r\n");
        for (final String arg : args)
        {
            out.append('$').append(bytes(arg).length).append("\r\n").append(arg).append("\r\n");
        }
        return out.toString();
    }

    /** A bulk-string reply. */
    static String bulk(final String value)
    {
        return "$" + bytes(value).length + "\r\n" + value + "\r\n";
    }

    /**
     * A reply as text that ignores how it was framed (attributes skipped): what the handler saw, comparable with
     * {@link #render(String)} of the frame that was sent.
     */
    static String render(final RespReader reader)
    {
        final StringBuilder out = new StringBuilder();
        renderValue(reader, out);
        return out.toString();
    }

    /** {@link #render(RespReader)} of one complete frame. */
    static String render(final String frame)
    {
        final byte[] bytes = bytes(frame);
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        final int length = new RespDecoder(64, Integer.MAX_VALUE).decode(buffer, 0, bytes.length);
        assertThat(length).as("a complete frame: %s", frame).isEqualTo(bytes.length);
        final RespReader reader = new RespReader().wrap(buffer, 0, length);
        reader.nextValue();
        return render(reader);
    }

    private static void renderValue(final RespReader reader, final StringBuilder out)
    {
        out.append((char)reader.type());
        if (reader.isNull())
        {
            out.append("null");
        }
        else if (reader.isAggregate())
        {
            final long children = reader.elementCount();
            out.append(children).append('[');
            for (long i = 0; i < children; i++)
            {
                reader.nextValue();
                renderValue(reader, out);
                out.append(i + 1 < children ? "," : "");
            }
            out.append(']');
        }
        else
        {
            out.append(reader.stringValue());
        }
    }

    /**
     * Records every completion as one line, {@code "<token> <rendered reply>"} or {@code "<token> !<exception>
     * maybe|not"}, in the order they happened, and keeps the failures.
     */
    static final class Recorder implements ReplyHandler
    {
        final List<String> events = new CopyOnWriteArrayList<>();
        final List<RedisException> failures = new CopyOnWriteArrayList<>();

        @Override
        public void onReply(final long token, final RespReader reply)
        {
            events.add(token + " " + render(reply));
        }

        @Override
        public void onFailure(final long token, final RedisException error)
        {
            failures.add(error);
            events.add(failed(token, error.getClass().getSimpleName(), error.mayHaveBeenApplied()));
        }

        static String replied(final long token, final String frame)
        {
            return token + " " + render(frame);
        }

        static String failed(final long token, final String exception, final boolean mayHaveBeenApplied)
        {
            return token + " !" + exception + (mayHaveBeenApplied ? " maybe" : " not");
        }

        void clear()
        {
            events.clear();
            failures.clear();
        }
    }
}
