package io.slotring.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.slotring.engine.internal.IoRuntime;
import io.slotring.engine.internal.NodeEndpoint;
import io.slotring.launcher.Await;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The router without a cluster: snapshots built from hand-made descriptions over real endpoints that point at
 * closed loopback ports (they try to connect, fail, and back off; nothing is mocked), MOVED patches against
 * refreshes, endpoint retirement and fan-out membership (redirects: {@link ClusterRouterRedirectTest}).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ClusterRouterTest
{
    private static final String HOST = "127.0.0.1";
    private static final String A = id('a');
    private static final String B = id('b');
    private static final String C = id('c');
    private static final String A1 = id('1');

    private int portA;
    private int portB;
    private int portC;
    private int portA1;
    private int portOther;
    private ClusterConfig config;
    private ClusterRouter router;
    private IoRuntime runtime;

    @BeforeEach
    void start() throws IOException
    {
        portA = closedPort();
        portB = closedPort();
        portC = closedPort();
        portA1 = closedPort();
        portOther = closedPort();
        config = ClusterConfig.create().seeds(HOST + ':' + portA).readFrom(ReadFrom.REPLICA_PREFERRED);
        config.ringSize(16).connectTimeout(Duration.ofMillis(200))
            .reconnectDelay(Duration.ofMillis(50), Duration.ofMillis(200));
        router = new ClusterRouter(config);
        runtime = new IoRuntime(config, router);
        router.attach(runtime, null);
    }

    @AfterEach
    void stop()
    {
        runtime.close();
    }

    @Test
    void aMovedPatchNewerThanTheRefreshQueryOutlivesThatSnapshotButNotANewerOne()
    {
        final TopologyDescription before = description(List.of(
            master(A, portA, NodeDescription.Health.ONLINE, 0, 8191),
            master(B, portB, NodeDescription.Health.ONLINE, 8192, 16383)), List.of());
        router.apply(before, System.nanoTime());
        final NodeEndpoint a = router.topology().master(100);
        final NodeEndpoint b = router.topology().master(9000);
        assertThat(a.port()).isEqualTo(portA);

        // A refresh query goes out; then a MOVED moves slot 100 to B and slot 200 to a node the query did not know.
        final long queriedBeforeTheMove = System.nanoTime();
        assertThat(router.patch(100, HOST, portB)).isSameAs(b);
        final NodeEndpoint c = router.patch(200, HOST, portC);
        assertThat(router.topology().master(100)).isSameAs(b);
        assertThat(router.topology().master(200)).isSameAs(c);

        // The reply describes the cluster as it was when asked: the patched slots keep their newer owners.
        router.apply(before, queriedBeforeTheMove);
        assertThat(router.topology().master(100)).isSameAs(b);
        assertThat(router.topology().master(200)).isSameAs(c);
        assertThat(router.topology().master(101)).isSameAs(a);
        assertThat(router.topology().masters()).containsExactly(a, b, c);
        assertThat(router.topology().fanOut()).containsExactly(a, b, c);
        assertThat(c.isRetired()).isFalse();

        // A snapshot asked for after the move is the newer word: it wins, and C, in no snapshot now, is retired.
        router.apply(before, System.nanoTime());
        assertThat(router.topology().master(100)).isSameAs(a);
        assertThat(router.topology().master(200)).isSameAs(a);
        assertThat(router.topology().masters()).containsExactly(a, b);
        assertThat(c.isRetired()).isTrue();
        assertThat(router.knownEndpoint(HOST, portC, false)).isNull();
    }

    @Test
    void endpointsThatLeaveTheTopologyAreRetiredWhileOthersAndExecuteOnTargetsStay()
    {
        final TopologyDescription healthy = description(List.of(
            master(A, portA, NodeDescription.Health.ONLINE, 0, 8191),
            master(B, portB, NodeDescription.Health.ONLINE, 8192, 16383)),
            List.of(replica(A1, portA1, A, NodeDescription.Health.ONLINE)));
        assertThat(router.apply(healthy, System.nanoTime())).isTrue();
        final NodeEndpoint a = router.knownEndpoint(HOST, portA, false);
        final NodeEndpoint b = router.knownEndpoint(HOST, portB, false);
        final NodeEndpoint a1ReadOnly = router.knownEndpoint(HOST, portA1, true);
        assertThat(router.topology().replicasAt(0)).containsExactly(a1ReadOnly);
        // As executeOn creates it: outside every snapshot.
        final NodeEndpoint chosen = router.endpoint(HOST, portOther, false);
        assertThat(router.apply(healthy, System.nanoTime())).as("the same topology again").isFalse();

        // A failed; its replica took its slots. Redis still lists A: a master, failed, without slots.
        final TopologyDescription failedOver = description(List.of(
            master(A, portA, NodeDescription.Health.FAILED),
            master(A1, portA1, NodeDescription.Health.ONLINE, 0, 8191),
            master(B, portB, NodeDescription.Health.ONLINE, 8192, 16383)), List.of());
        assertThat(router.apply(failedOver, System.nanoTime())).isTrue();
        final NodeEndpoint a1 = router.knownEndpoint(HOST, portA1, false);
        assertThat(router.topology().master(0)).isSameAs(a1);
        assertThat(router.topology().masters()).containsExactly(a1, b);
        assertThat(a.isRetired()).isTrue();
        assertThat(a1ReadOnly.isRetired()).as("the read-only endpoint of a node that is no replica now").isTrue();
        assertThat(router.knownEndpoint(HOST, portA, false)).isNull();
        assertThat(b.isRetired()).isFalse();
        assertThat(chosen.isRetired()).isFalse();
        assertThat(router.endpoint(HOST, portOther, false)).isSameAs(chosen);

        // A comes back and takes its slots back (a manual failover): a fresh endpoint, not the retired one.
        final TopologyDescription failedBack = description(List.of(
            master(A, portA, NodeDescription.Health.ONLINE, 0, 8191),
            master(B, portB, NodeDescription.Health.ONLINE, 8192, 16383)),
            List.of(replica(A1, portA1, A, NodeDescription.Health.ONLINE)));
        router.apply(failedBack, System.nanoTime());
        final NodeEndpoint aAgain = router.knownEndpoint(HOST, portA, false);
        assertThat(aAgain).isNotNull().isNotSameAs(a);
        assertThat(aAgain.isRetired()).isFalse();
        assertThat(router.topology().master(0)).isSameAs(aAgain);
        assertThat(a1.isRetired()).isTrue();
        assertThat(router.topology().replicasAt(0)).hasSize(1);
    }

    @Test
    void fanOutSkipsFailedMastersAndMastersWithoutSlots()
    {
        router.apply(description(List.of(
            master(A, portA, NodeDescription.Health.FAILED, 0, 8191),
            master(B, portB, NodeDescription.Health.ONLINE, 8192, 16383),
            master(C, portC, NodeDescription.Health.ONLINE)), List.of()), System.nanoTime());
        final Topology topology = router.topology();
        final NodeEndpoint a = router.knownEndpoint(HOST, portA, false);
        final NodeEndpoint b = router.knownEndpoint(HOST, portB, false);
        // A failed master with slots and no replica still owns them: its slots' commands have nowhere else to go.
        assertThat(topology.master(0)).isSameAs(a);
        assertThat(topology.masters()).containsExactly(a, b);
        assertThat(topology.fanOut()).containsExactly(b);
        assertThat(ClusterRouter.anyMaster(topology)).isSameAs(b);
        assertThat(router.knownEndpoint(HOST, portC, false)).as("a master without slots is not connected").isNull();
    }

    @Test
    void onlyEndpointsOfTheSnapshotAskForARefreshWhenTheirConnectionIsLost() throws Exception
    {
        final TopologyRefresher refresher = new TopologyRefresher(router, config);
        router.attach(runtime, refresher);
        // Outside the snapshot (an executeOn target or a seed probe): down for good, it must not drive refreshes.
        // Its peer accepts and hangs up at once, so each connection attempt is seen.
        try (HangUpPeer peer = new HangUpPeer())
        {
            final NodeEndpoint outside = router.endpoint(HOST, peer.port(), false);
            // The agent reports a lost connection before it tries the next one: a second attempt means the first
            // failure went through the router already.
            Await.until(Duration.ofSeconds(10), () -> peer.accepted() >= 2,
                "the outside endpoint connecting again after its first failure");
            assertThat(outside.lastError()).as("the peer hung up the handshake").isNotNull();
            assertThat(refresher.pendingRequest()).isFalse();
        }

        router.apply(description(List.of(master(A, portA, NodeDescription.Health.ONLINE, 0, 16383)), List.of()),
            System.nanoTime());
        Await.until(Duration.ofSeconds(10), refresher::pendingRequest,
            "a routed master that cannot connect asking for a refresh");
    }

    @Test
    void aMasterThatFailedBeforeTheSnapshotNamedItStillAsksForARefresh() throws Exception
    {
        final TopologyRefresher refresher = new TopologyRefresher(router, config);
        router.attach(runtime, refresher);
        // The endpoint exists and has failed (its one report per outage went to a snapshot without it) before the
        // snapshot that routes to it is applied: the race a fast-failing new master runs in production.
        final NodeEndpoint early = router.endpoint(HOST, portOther, false);
        Await.until(Duration.ofSeconds(10), () -> early.lastError() != null, "the first connect failing");
        assertThat(refresher.pendingRequest()).as("not routed yet: no refresh").isFalse();

        router.apply(description(List.of(master(A, portOther, NodeDescription.Health.ONLINE, 0, 16383)), List.of()),
            System.nanoTime());
        assertThat(refresher.pendingRequest()).as("routed now, and down: a refresh is asked for").isTrue();
    }

    @Test
    void retryBackoffMustBePositive()
    {
        assertThatThrownBy(() -> ClusterConfig.create().retryBackoff(Duration.ZERO))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("retryBackoff must be > 0")
            .hasMessageContaining("got 0ns");
        assertThatThrownBy(() -> ClusterConfig.create().retryBackoff(Duration.ofMillis(-1)))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("retryBackoff must be > 0");
        assertThat(ClusterConfig.create().seeds("127.0.0.1:7000").retryBackoff(Duration.ofNanos(1)).conclude()
            .retryBackoffNs()).isEqualTo(1);
    }

    /** A loopback peer that accepts every connection and closes it at once, counting them. */
    private static final class HangUpPeer implements AutoCloseable
    {
        private final ServerSocket socket = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        private final AtomicInteger accepted = new AtomicInteger();
        private final Thread thread = new Thread(this::serve, "hang-up-peer");

        HangUpPeer() throws IOException
        {
            thread.setDaemon(true);
            thread.start();
        }

        int port()
        {
            return socket.getLocalPort();
        }

        int accepted()
        {
            return accepted.get();
        }

        private void serve()
        {
            while (!socket.isClosed())
            {
                try
                {
                    socket.accept().close();
                    accepted.incrementAndGet();
                }
                catch (final IOException closed)
                {
                    // Closed by the test, or a connection that went away: either way nothing to answer.
                }
            }
        }

        @Override
        public void close() throws IOException
        {
            socket.close();
        }
    }

    private static TopologyDescription description(final List<NodeDescription> masters,
        final List<NodeDescription> replicas)
    {
        return new TopologyDescription(masters, replicas);
    }

    private static NodeDescription master(final String id, final int port, final NodeDescription.Health health,
        final int... slotRanges)
    {
        return new NodeDescription(id, HOST, port, NodeDescription.Role.MASTER, health, slotRanges, null,
            NodeDescription.UNKNOWN_OFFSET);
    }

    private static NodeDescription replica(final String id, final int port, final String masterId,
        final NodeDescription.Health health)
    {
        return new NodeDescription(id, HOST, port, NodeDescription.Role.REPLICA, health, null, masterId,
            NodeDescription.UNKNOWN_OFFSET);
    }

    /** A loopback port nothing listens on: bound once to get a free number, then closed. */
    private static int closedPort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }

    private static String id(final char c)
    {
        return String.valueOf(c).repeat(40);
    }
}
