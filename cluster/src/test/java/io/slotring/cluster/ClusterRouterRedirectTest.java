package io.slotring.cluster;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.slotring.codec.RespReader;
import io.slotring.engine.internal.IoRuntime;
import io.slotring.engine.internal.NodeEndpoint;
import io.slotring.engine.internal.Subscriber;
import io.slotring.launcher.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The router's side of redirects without a cluster: which error replies it asks the engine for, MOVED targets found
 * from the reply's bytes through the address cache (reused, host-less addresses, retirement, no allocation in the
 * steady state), and READONLY as the post-handshake command of replica endpoints, seen on the wire by a loopback
 * peer.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ClusterRouterRedirectTest
{
    private static final String HOST = "127.0.0.1";

    private int portA;
    private int portB;
    private int portC;
    private ClusterRouter router;
    private IoRuntime runtime;
    private TopologyDescription twoMasters;

    @BeforeEach
    void start() throws IOException
    {
        portA = closedPort();
        portB = closedPort();
        portC = closedPort();
        final ClusterConfig config = ClusterConfig.create().seeds(HOST + ':' + portA)
            .readFrom(ReadFrom.REPLICA_PREFERRED);
        config.ringSize(16).connectTimeout(Duration.ofMillis(200))
            .reconnectDelay(Duration.ofMillis(50), Duration.ofMillis(200));
        router = new ClusterRouter(config);
        runtime = new IoRuntime(config, router);
        router.attach(runtime, null);
        twoMasters = new TopologyDescription(List.of(master('a', portA, 0, 8191), master('b', portB, 8192, 16383)),
            List.of());
    }

    @AfterEach
    void stop()
    {
        runtime.close();
    }

    @Test
    void theRouterWantsExactlyTheRepliesItActsOn()
    {
        for (final String text : new String[] {"MOVED 1 a:1", "ASK 1 a:1", "TRYAGAIN x", "CLUSTERDOWN x",
            "LOADING x", "MASTERDOWN x", "MOVED garbage"})
        {
            assertThat(router.wantsReply(RedirectReplyTest.reader(text))).as(text).isTrue();
        }
        for (final String text : new String[] {"ERR x", "WRONGTYPE x", "NOSCRIPT x", "CROSSSLOT x", "EXECABORT x"})
        {
            assertThat(router.wantsReply(RedirectReplyTest.reader(text))).as(text).isFalse();
        }
    }

    @Test
    void subscriberRoutesReadTheirOwnErrorsAndAMovedPatchesTheTable()
    {
        router.apply(twoMasters, System.nanoTime());
        final ShardedSubscriberRoutes routes = new ShardedSubscriberRoutes(router);
        final NodeEndpoint b = router.knownEndpoint(HOST, portB, false);

        // A MOVED to SSUBSCRIBE (host left out: the answering node's) re-routes the shard channel, and the commands.
        assertThat(routes.onErrorReply(RedirectReplyTest.reader("MOVED 300 :" + portB), HOST))
            .isEqualTo(Subscriber.Routes.PLACE_AGAIN);
        assertThat(router.topology().master(300)).isSameAs(b);
        assertThat(routes.route(io.slotring.engine.Subscription.Kind.SHARD, 300))
            .isEqualTo(new Subscriber.NodeAddress(HOST, portB));

        for (final String text : new String[] {"ASK 1 a:1", "TRYAGAIN x", "CLUSTERDOWN x", "LOADING x",
            "MASTERDOWN x", "MOVED garbage"})
        {
            assertThat(routes.onErrorReply(RedirectReplyTest.reader(text), HOST)).as(text)
                .isEqualTo(Subscriber.Routes.RETRY_LATER);
        }
        for (final String text : new String[] {"ERR unknown command", "NOPERM no permissions", "WRONGTYPE x"})
        {
            assertThat(routes.onErrorReply(RedirectReplyTest.reader(text), HOST)).as(text)
                .isEqualTo(Subscriber.Routes.NOT_ROUTING);
        }
    }

    @Test
    void aMovedTargetIsFoundFromTheReplyBytesAndItsEndpointReused()
    {
        router.apply(twoMasters, System.nanoTime());
        final NodeEndpoint b = router.knownEndpoint(HOST, portB, false);

        assertThat(router.patch(RedirectReplyTest.wrap("MOVED 100 " + HOST + ':' + portB), "10.9.9.9")).isSameAs(b);
        assertThat(router.topology().master(100)).isSameAs(b);
        // No host, or "?": the node that answered.
        assertThat(router.patch(RedirectReplyTest.wrap("MOVED 101 :" + portB), HOST)).isSameAs(b);
        assertThat(router.patch(RedirectReplyTest.wrap("MOVED 102 ?:" + portB), HOST)).isSameAs(b);
        assertThat(router.topology().master(102)).isSameAs(b);

        // A node no snapshot named: created once, then found.
        final NodeEndpoint c = router.patch(RedirectReplyTest.wrap("MOVED 200 " + HOST + ':' + portC), HOST);
        assertThat(c.port()).isEqualTo(portC);
        assertThat(router.knownEndpoint(HOST, portC, false)).isSameAs(c);
        assertThat(router.patch(RedirectReplyTest.wrap("MOVED 201 :" + portC), HOST)).isSameAs(c);
        assertThat(c.isReadOnly()).isFalse();

        // A snapshot asked for after the moves drops C: retired, forgotten; the next MOVED there gets a fresh one.
        router.apply(twoMasters, System.nanoTime());
        assertThat(c.isRetired()).isTrue();
        final NodeEndpoint again = router.patch(RedirectReplyTest.wrap("MOVED 200 " + HOST + ':' + portC), HOST);
        assertThat(again).isNotSameAs(c);
        assertThat(again.isRetired()).isFalse();
        assertThat(router.knownEndpoint(HOST, portC, false)).isSameAs(again);
    }

    @Test
    void theAddressCacheSurvivesGrowthAndRemoval()
    {
        final RedirectTargets targets = new RedirectTargets();
        final List<NodeEndpoint> endpoints = new ArrayList<>();
        for (int i = 0; i < 40; i++)
        {
            final NodeEndpoint endpoint = router.endpoint("10.0.0." + i, 7000 + i % 3, false);
            endpoints.add(endpoint);
            targets.put(endpoint.host(), endpoint.port(), endpoint);
        }
        assertThat(targets.size()).isEqualTo(40);
        for (int i = 0; i < 40; i++)
        {
            final String address = "10.0.0." + i + ':' + (7000 + i % 3);
            assertThat(targets.find(RedirectReplyTest.wrap("MOVED 1 " + address), HOST)).as(address)
                .isSameAs(endpoints.get(i));
        }
        assertThat(targets.find(RedirectReplyTest.wrap("MOVED 1 10.0.0.1:7000"), HOST)).as("other port").isNull();
        assertThat(targets.find(RedirectReplyTest.wrap("MOVED 1 :7001"), "10.0.0.1")).isSameAs(endpoints.get(1));
        for (int i = 0; i < 40; i += 2)
        {
            targets.remove(endpoints.get(i));
        }
        assertThat(targets.size()).isEqualTo(20);
        for (int i = 0; i < 40; i++)
        {
            final String address = "10.0.0." + i + ':' + (7000 + i % 3);
            assertThat(targets.find(RedirectReplyTest.wrap("MOVED 1 " + address), HOST)).as(address)
                .isSameAs(i % 2 == 0 ? null : endpoints.get(i));
        }
    }

    @Test
    void aSteadyStateMovedAllocatesNothingWhenTheSlotAlreadyPointsThere() throws Exception
    {
        router.apply(twoMasters, System.nanoTime());
        final RedirectReply named = RedirectReplyTest.wrap("MOVED 100 " + HOST + ':' + portB);
        final RespReader reader = RedirectReplyTest.reader("MOVED 100 " + HOST + ':' + portB);
        final RedirectReply reused = new RedirectReply();
        final NodeEndpoint b = router.patch(named, HOST);
        for (int i = 0; i < 20_000; i++)
        {
            router.patch(reused.wrap(reader), HOST);
            router.wantsReply(reader);
        }
        final long before = allocatedBytes();
        NodeEndpoint last = null;
        for (int i = 0; i < 10_000; i++)
        {
            router.wantsReply(reader);
            last = router.patch(reused.wrap(reader), HOST);
        }
        final long allocated = allocatedBytes() - before;
        assertThat(last).isSameAs(b);
        assertThat(allocated).as("bytes allocated by 10,000 MOVED parses and lookups").isLessThan(10_000);
    }

    @Test
    void replicaEndpointsSendReadonlyAfterTheHandshakeAndMastersDoNot() throws Exception
    {
        try (ScriptedPeer replica = new ScriptedPeer(); ScriptedPeer master = new ScriptedPeer())
        {
            final NodeEndpoint readOnly = router.endpoint(HOST, replica.port(), true);
            final NodeEndpoint readWrite = router.endpoint(HOST, master.port(), false);
            Await.until(Duration.ofSeconds(10), () -> readOnly.isReady() && readWrite.isReady(), "both ready");
            assertThat(readOnly.isReadOnly()).isTrue();
            assertThat(replica.commands).as("the handshake, then READONLY, on every connection")
                .containsExactly("HELLO", "READONLY");
            assertThat(master.commands).containsExactly("HELLO");
        }
    }

    @Test
    void aReplicaRefusingReadonlyIsNotReadyAndSaysWhy() throws Exception
    {
        try (ScriptedPeer replica = new ScriptedPeer("-ERR This instance has cluster support disabled"))
        {
            final NodeEndpoint readOnly = router.endpoint(HOST, replica.port(), true);
            Await.until(Duration.ofSeconds(10), () -> readOnly.lastError() != null, "the refusal");
            assertThat(readOnly.isReady()).isFalse();
            assertThat(readOnly.lastError()).contains("READONLY: ERR This instance has cluster support disabled");
        }
    }

    @Test
    void seedsStillNeedAHost()
    {
        assertThatThrownBy(() -> ClusterConfig.parsePort(":6380")).isInstanceOf(IllegalArgumentException.class);
    }

    /** This thread's allocation counter (HotSpot's ThreadMXBean, by reflection: the test runs on the module path). */
    private static long allocatedBytes() throws ReflectiveOperationException
    {
        final Method method = Class.forName("com.sun.management.ThreadMXBean")
            .getMethod("getCurrentThreadAllocatedBytes");
        return (Long)method.invoke(ManagementFactory.getThreadMXBean());
    }

    private static NodeDescription master(final char id, final int port, final int... slotRanges)
    {
        return new NodeDescription(String.valueOf(id).repeat(40), HOST, port, NodeDescription.Role.MASTER,
            NodeDescription.Health.ONLINE, slotRanges, null, NodeDescription.UNKNOWN_OFFSET);
    }

    /** A loopback port nothing listens on: bound once to get a free number, then closed. */
    private static int closedPort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }

    /**
     * A loopback peer speaking just enough RESP for a handshake: records each command's name (once per name, in
     * order), answers HELLO with a RESP3 map and READONLY with {@code readOnlyReply}, anything else with +OK.
     */
    private static final class ScriptedPeer implements AutoCloseable
    {
        final List<String> commands = new CopyOnWriteArrayList<>();
        private final ServerSocket socket = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        private final List<Socket> accepted = new CopyOnWriteArrayList<>();
        private final String readOnlyReply;

        ScriptedPeer() throws IOException
        {
            this("+OK");
        }

        ScriptedPeer(final String readOnlyReply) throws IOException
        {
            this.readOnlyReply = readOnlyReply;
            final Thread acceptor = new Thread(this::accept, "scripted-peer");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port()
        {
            return socket.getLocalPort();
        }

        private void accept()
        {
            while (!socket.isClosed())
            {
                try
                {
                    final Socket connection = socket.accept();
                    accepted.add(connection);
                    final Thread serving = new Thread(() -> serve(connection), "scripted-peer-connection");
                    serving.setDaemon(true);
                    serving.start();
                }
                catch (final IOException closed)
                {
                    // Closed by the test.
                }
            }
        }

        private void serve(final Socket connection)
        {
            try (InputStream in = new BufferedInputStream(connection.getInputStream());
                OutputStream out = connection.getOutputStream())
            {
                while (true)
                {
                    final String name = readCommandName(in);
                    if (name == null)
                    {
                        return;
                    }
                    if (!commands.contains(name))
                    {
                        commands.add(name);
                    }
                    final String reply = "HELLO".equals(name) ? "%1\r\n$6\r\nserver\r\n$5\r\nredis\r\n" :
                        "READONLY".equals(name) ? readOnlyReply + "\r\n" : "+OK\r\n";
                    out.write(reply.getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            }
            catch (final IOException gone)
            {
                // The client closed the connection.
            }
        }

        /** @return the upper-case name of the next command (an array of bulk strings), or null at the end. */
        private static String readCommandName(final InputStream in) throws IOException
        {
            final String header = readLine(in);
            if (header == null)
            {
                return null;
            }
            final int count = Integer.parseInt(header.substring(1));
            String name = null;
            for (int i = 0; i < count; i++)
            {
                final int length = Integer.parseInt(readLine(in).substring(1));
                final byte[] bytes = in.readNBytes(length + 2);
                if (i == 0)
                {
                    name = new String(bytes, 0, length, StandardCharsets.UTF_8).toUpperCase();
                }
            }
            return name;
        }

        private static String readLine(final InputStream in) throws IOException
        {
            final StringBuilder line = new StringBuilder();
            int c;
            while ((c = in.read()) != '\n')
            {
                if (c < 0)
                {
                    return null;
                }
                if (c != '\r')
                {
                    line.append((char)c);
                }
            }
            return line.toString();
        }

        @Override
        public void close() throws IOException
        {
            socket.close();
            for (final Socket connection : accepted)
            {
                connection.close();
            }
        }
    }
}
