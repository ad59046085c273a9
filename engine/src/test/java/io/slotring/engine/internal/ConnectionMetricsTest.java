package io.slotring.engine.internal;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import io.slotring.engine.ClientMetrics;
import io.slotring.engine.CommandFamily;
import io.slotring.engine.internal.ConnectionHarness.Node;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.slotring.engine.internal.ConnectionHarness.COMMAND_TIMEOUT_NS;
import static io.slotring.engine.internal.ConnectionHarness.HELLO;
import static io.slotring.engine.internal.ConnectionHarness.HELLO_REPLY;
import static io.slotring.engine.internal.ConnectionHarness.bulk;
import static io.slotring.engine.internal.ConnectionHarness.resp;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The recording points of a connection, over an in-memory channel: commands, error replies, bytes both ways,
 * connects and reconnects, timeouts written and not written, and the latency per family, exactly.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ConnectionMetricsTest extends InMemoryConnectionTest
{
    private static int length(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }

    private ClientMetrics snapshot()
    {
        return harness.runtime.metrics().snapshot(0);
    }

    @Test
    void repliesErrorsBytesAndLatencyPerFamilyAreCountedExactly()
    {
        final Node node = harness.connectedNode();
        final ClientMetrics before = snapshot();
        assertThat(before.total().connects()).isEqualTo(1);
        assertThat(before.total().reconnects()).isZero();
        assertThat(before.total().bytesWritten()).isEqualTo(length(HELLO));
        assertThat(before.total().bytesRead()).isEqualTo(length(HELLO_REPLY));

        node.get("a", recorder, 1);
        node.get("b", recorder, 2);
        node.set("c", "v", recorder, null, 3);
        node.execute(recorder, null, 4, "INCR", "c");
        node.execute(recorder, null, 5, "NOSUCHCOMMAND", "x");
        node.drive();
        final String written = resp("GET", "a") + resp("GET", "b") + resp("SET", "c", "v") + resp("INCR", "c") +
            resp("NOSUCHCOMMAND", "x");
        assertThat(node.channel.writtenString()).isEqualTo(written);
        final String replies = bulk("1") + "$-1\r\n" + "+OK\r\n" + "-WRONGTYPE not a number\r\n" +
            "-ERR unknown command\r\n";
        node.channel.feed(replies);
        node.readAll();
        assertThat(recorder.events).hasSize(5);

        final ClientMetrics after = snapshot();
        final ClientMetrics.Counters delta = after.total().minus(before.total());
        assertThat(delta.commands()).isEqualTo(5);
        assertThat(delta.errorReplies()).isEqualTo(2);
        assertThat(delta.bytesWritten()).isEqualTo(length(written));
        assertThat(delta.bytesRead()).isEqualTo(length(replies));
        assertThat(delta.timeouts()).isZero();
        assertThat(after.nodes()).hasSize(1);
        final ClientMetrics.Node only = after.node("127.0.0.1:6379");
        assertThat(only).isNotNull();
        assertThat(only.replica()).isFalse();
        assertThat(only.counters()).isEqualTo(after.total());
        assertThat(only.connections()).containsExactly(after.total());

        assertThat(after.latency(CommandFamily.READ).count()).isEqualTo(2);
        assertThat(after.latency(CommandFamily.WRITE).count()).isEqualTo(2);
        assertThat(after.latency(CommandFamily.OTHER).count()).isEqualTo(1);
        assertThat(after.reads().maxNs()).isPositive().isLessThan(COMMAND_TIMEOUT_NS);
        assertThat(after.reads().p50Ns()).isLessThanOrEqualTo(after.reads().p99Ns());
        // Interval histograms: the next snapshot starts from zero, the counters do not.
        final ClientMetrics next = snapshot();
        assertThat(next.reads()).isEqualTo(ClientMetrics.Latency.EMPTY);
        assertThat(next.total().commands()).isEqualTo(after.total().commands());
    }

    @Test
    void timeoutsWrittenAndNotWrittenAndReconnectsAreCounted()
    {
        final Node node = harness.connectedNode();
        node.get("a", recorder, 1);
        node.drive();
        node.driveAt(System.nanoTime() + COMMAND_TIMEOUT_NS + 1_000_000);
        assertThat(node.connection.isReady()).isFalse();
        ClientMetrics.Counters counters = snapshot().total();
        assertThat(counters.timeoutsWritten()).isEqualTo(1);
        assertThat(counters.timeoutsNotWritten()).isZero();
        assertThat(counters.connectionsLost()).isEqualTo(1);
        assertThat(counters.commands()).isZero();

        // Queued while disconnected, expired before a connection could write it: not applied.
        node.get("b", recorder, 2);
        node.driveAt(System.nanoTime() + COMMAND_TIMEOUT_NS + 1_000_000);
        counters = snapshot().total();
        assertThat(counters.timeoutsNotWritten()).isEqualTo(1);
        assertThat(recorder.failures).hasSize(2);

        node.connect();
        counters = snapshot().total();
        assertThat(counters.connects()).isEqualTo(2);
        assertThat(counters.reconnects()).isEqualTo(1);
    }

    @Test
    void aClosedConnectionLeavesTheNodesButStaysInTheTotal()
    {
        final Node node = harness.connectedNode();
        node.get("a", recorder, 1);
        node.drive();
        node.channel.feed(bulk("x"));
        node.readAll();
        node.shutdown();
        final ClientMetrics metrics = snapshot();
        assertThat(metrics.nodes()).isEmpty();
        assertThat(metrics.total().commands()).isEqualTo(1);
        assertThat(snapshot().total().commands()).as("folded once").isEqualTo(1);
    }
}
