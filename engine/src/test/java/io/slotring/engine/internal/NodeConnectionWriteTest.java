package io.slotring.engine.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.slotring.engine.internal.ConnectionHarness.Node;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.slotring.engine.internal.ConnectionHarness.COMMAND_TIMEOUT_NS;
import static io.slotring.engine.internal.ConnectionHarness.Recorder.failed;
import static io.slotring.engine.internal.ConnectionHarness.Recorder.replied;
import static io.slotring.engine.internal.ConnectionHarness.bulk;
import static io.slotring.engine.internal.ConnectionHarness.resp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The write path of {@link NodeConnection} over an in-memory channel: the gathering write of everything published,
 * resumed across partial writes of every size, including a channel that accepts nothing.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NodeConnectionWriteTest extends InMemoryConnectionTest
{
    private static final String GROWN_VALUE = "g".repeat(150);   // beyond the 64-byte slot, within the 256 growth
    private static final String SPILLED_VALUE = "s".repeat(600); // beyond the growth limit: a pooled buffer

    @Test
    void handshakeBytesArriveCompleteThroughOneByteWrites()
    {
        final Node node = harness.node();
        final ScriptedChannel channel = node.adopt();
        channel.writeLimit(1);
        node.driveUntilWritten(ConnectionHarness.HELLO.length(), ConnectionHarness.HELLO.length() + 1);

        assertThat(channel.writtenString()).isEqualTo(ConnectionHarness.HELLO);
        assertThat(channel.writeCalls()).isEqualTo(ConnectionHarness.HELLO.length());
        channel.feed(ConnectionHarness.HELLO_REPLY);
        node.readAll();
        assertThat(node.connection.isReady()).isTrue();
    }

    @Test
    void producerWritesItsCommandAtPublishWithoutTheAgent()
    {
        final Node node = harness.connectedNode();
        node.get("k", recorder, 7);

        assertThat(node.channel.writtenString()).isEqualTo(resp("GET", "k"));
        assertThat(node.channel.writeCalls()).isEqualTo(1);
        assertThat(node.connection.hasPendingOutput()).isFalse();
    }

    /**
     * For every write size k from 0 to past the whole batch: the batch's commands (in the slot, in a grown slot, in
     * a spill buffer, with an aborted slot among them) reach the channel complete and in order, the write resumes
     * where the last one stopped, and each write call takes exactly what the channel offers. One connection serves
     * every round, so the ring wraps many times.
     */
    @Test
    void everyCommandArrivesCompleteAndInOrderForEveryWriteSize()
    {
        final Node node = harness.connectedNode();
        final CommandBatch batch = harness.runtime.newBatch(recorder);
        final String expected = resp("GET", "key:0") + resp("SET", "key:1", "v1") + resp("SET", "key:2", GROWN_VALUE) +
            resp("SET", "key:3", SPILLED_VALUE) + resp("HSET", "h", "f", "v") + resp("GET", "key:5");
        final int total = expected.length();
        final String replies = bulk("v0") + "+OK\r\n" + "+OK\r\n" + "+OK\r\n" + ":1\r\n" + "$-1\r\n";

        for (int k = 0; k <= total + 1; k++)
        {
            node.channel.clearWritten();
            node.channel.writeLimit(k);
            recorder.clear();
            final long firstToken = 10L * k;

            node.get("key:0", batch, firstToken);
            node.set("key:1", "v1", null, batch, firstToken + 1);
            node.set("key:2", GROWN_VALUE, null, batch, firstToken + 2);
            assertThatThrownBy(() -> node.execute(null, batch, -1, "SET", "key:x", new ChangingText("changes")))
                .isInstanceOf(IllegalStateException.class);
            node.set("key:3", SPILLED_VALUE, null, batch, firstToken + 3);
            node.execute(null, batch, firstToken + 4, "HSET", "h", "f", "v");
            node.get("key:5", batch, firstToken + 5);
            assertThat(node.channel.writtenCount()).as("a batch waits for its flush").isZero();
            assertThat(batch.outstanding()).isEqualTo(6);

            batch.flush();

            if (k == 0)
            {
                // A full send buffer: nothing goes, nothing is taken for written, and nobody spins on it.
                for (int pass = 0; pass < 3; pass++)
                {
                    node.drive();
                }
                assertThat(node.channel.writtenCount()).isZero();
                assertThat(node.connection.hasPendingOutput()).isTrue();
                assertThat(recorder.events).isEmpty();
                node.channel.unlimited();
                node.drive();
            }
            else
            {
                node.driveUntilWritten(total, total / k + 3);
                assertThat(node.channel.writeCalls()).as("write calls for k=%d", k).isEqualTo((total + k - 1) / k);
            }
            assertThat(node.channel.writtenString()).as("bytes for k=%d", k).isEqualTo(expected);
            assertThat(node.connection.hasPendingOutput()).isFalse();
            assertThat(recorder.events).as("no completion before a reply").isEmpty();

            node.channel.feed(replies);
            node.readAll();
            assertThat(recorder.events).containsExactly(
                replied(firstToken, bulk("v0")),
                replied(firstToken + 1, "+OK\r\n"),
                replied(firstToken + 2, "+OK\r\n"),
                replied(firstToken + 3, "+OK\r\n"),
                replied(firstToken + 4, ":1\r\n"),
                replied(firstToken + 5, "$-1\r\n"));
            assertThat(batch.outstanding()).isZero();
            assertThat(node.completed()).isEqualTo(node.cursor());
        }
    }

    /** Commands published one by one while a write is partial join the next gathering write, behind it. */
    @Test
    void commandsPublishedDuringAPartialWriteFollowIt()
    {
        final Node node = harness.connectedNode();
        node.channel.writeLimit(5);
        final StringBuilder expected = new StringBuilder();
        final List<String> events = new ArrayList<>();
        for (int i = 0; i < 12; i++)
        {
            node.get("key:" + i, recorder, i);
            expected.append(resp("GET", "key:" + i));
            events.add(replied(i, bulk("value:" + i)));
            node.drive();
        }
        node.channel.unlimited();
        node.drive();
        assertThat(node.channel.writtenString()).isEqualTo(expected.toString());

        for (int i = 0; i < 12; i++)
        {
            node.channel.feed(bulk("value:" + i));
        }
        node.readAll();
        assertThat(recorder.events).containsExactlyElementsOf(events);
    }

    /**
     * An idle connection gives back what its slots grew into and sends a PING; a command published meanwhile goes
     * out behind it in the same gathering write (resumed across partial writes), and the PING's reply is not taken
     * for the command's.
     */
    @Test
    void anIdlePingGoesOutAheadOfLaterCommandsAndItsReplyIsNotTakenForTheirs()
    {
        final Node node = harness.connectedNode();
        final long grownSequence = node.set("big", GROWN_VALUE, recorder, null, 1);
        node.channel.feed("+OK\r\n");
        node.readAll();
        assertThat(node.connection.ring.slot(grownSequence).hasGrown()).isTrue();
        node.channel.clearWritten();

        node.driveAt(System.nanoTime() + Duration.ofHours(2).toNanos());

        assertThat(node.connection.ring.slot(grownSequence).hasGrown()).as("shrunk while idle").isFalse();
        assertThat(node.completed()).as("every slot handed back").isEqualTo(node.cursor());
        node.channel.writeLimit(3);
        node.get("a", recorder, 2);
        final String expected = resp("PING") + resp("GET", "a");
        node.driveUntilWritten(expected.length(), expected.length());
        assertThat(node.channel.writtenString()).isEqualTo(expected);

        node.channel.feed("+PONG\r\n");
        node.readAll();
        assertThat(recorder.events).containsExactly(replied(1, "+OK\r\n"));
        node.channel.feed(bulk("A"));
        node.readAll();
        assertThat(recorder.events).containsExactly(replied(1, "+OK\r\n"), replied(2, bulk("A")));
        assertThat(node.connection.isReady()).isTrue();
    }

    /**
     * Regression: the thread that lets go of the connection wrote again as long as anything was published, so a
     * socket that accepted nothing (a peer that stopped reading) kept the publishing caller, or the I/O agent, in
     * that loop for as long as the peer did not read, deadlines unchecked. Now it leaves the bytes to the agent,
     * which retries each pass and fails the commands at their deadlines.
     */
    @Test
    void publishingToAChannelThatAcceptsNothingReturnsAndTheDeadlineStillFires()
    {
        final Node node = harness.connectedNode();
        node.channel.writeLimit(0);

        node.get("a", recorder, 1);   // the producer's own write: must return
        node.get("b", recorder, 2);
        assertThat(node.drive()).isZero();   // an agent pass: must return too
        assertThat(node.channel.writtenCount()).isZero();
        assertThat(node.connection.hasPendingOutput()).isTrue();
        assertThat(recorder.events).isEmpty();

        node.driveAt(System.nanoTime() + COMMAND_TIMEOUT_NS + 1_000_000);

        // Never written: certainly not applied, and the connection stays up.
        assertThat(recorder.events).containsExactly(
            failed(1, "RedisTimeoutException", false), failed(2, "RedisTimeoutException", false));
        assertThat(recorder.failures.get(0)).hasMessageContaining("timed out before it could be written");
        assertThat(node.connection.isReady()).isTrue();
        assertThat(node.completed()).isEqualTo(node.cursor());
    }

    @Test
    void aBatchHandedToTheAgentOverAChannelThatAcceptsNothingLeavesTheAgentFree()
    {
        final Node node = harness.connectedNode();
        final CommandBatch batch = harness.runtime.newBatch(recorder);
        node.channel.writeLimit(0);
        node.get("a", batch, 1);
        node.get("b", batch, 2);
        node.connection.handOff();

        assertThat(node.drive()).isZero();
        assertThat(node.connection.hasPendingOutput()).isTrue();

        node.channel.unlimited();
        node.drive();
        assertThat(node.channel.writtenString()).isEqualTo(resp("GET", "a") + resp("GET", "b"));
    }

    /**
     * A peer that stops reading in the middle of a command: at the deadline the partly written command fails as
     * "may have been applied" and resets the connection; the command queued behind it was never written, stays
     * queued and goes out, whole, on the next connection.
     */
    @Test
    void aCommandStuckHalfWrittenTimesOutAsMaybeAppliedAndTheNextGoesOnTheNewConnection()
    {
        final Node node = harness.connectedNode();
        node.channel.writeBudget(5);
        node.get("a", recorder, 1);
        node.get("b", recorder, 2);
        node.drive();
        assertThat(node.channel.writtenString()).isEqualTo(resp("GET", "a").substring(0, 5));

        node.driveAt(System.nanoTime() + COMMAND_TIMEOUT_NS + 1_000_000);

        assertThat(recorder.events).containsExactly(failed(1, "RedisTimeoutException", true));
        assertThat(recorder.failures.get(0)).hasMessageContaining("timed out after it was written");
        assertThat(node.connection.isReady()).isFalse();
        assertThat(node.channel.isOpen()).isFalse();

        final ScriptedChannel next = node.connect();
        node.drive();
        assertThat(next.writtenString()).isEqualTo(resp("GET", "b"));
        next.feed(bulk("B"));
        node.readAll();
        assertThat(recorder.events).containsExactly(failed(1, "RedisTimeoutException", true), replied(2, bulk("B")));
    }
}
