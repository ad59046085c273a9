package io.slotring.engine.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import io.slotring.codec.RespReader;
import io.slotring.engine.internal.ConnectionHarness.Node;
import io.slotring.engine.internal.ConnectionHarness.Recorder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.slotring.engine.internal.ConnectionHarness.COMMAND_TIMEOUT_NS;
import static io.slotring.engine.internal.ConnectionHarness.Recorder.failed;
import static io.slotring.engine.internal.ConnectionHarness.Recorder.replied;
import static io.slotring.engine.internal.ConnectionHarness.bulk;
import static io.slotring.engine.internal.ConnectionHarness.bytes;
import static io.slotring.engine.internal.ConnectionHarness.resp;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A connection that dies mid-frame, mid-write or at a deadline, over an in-memory channel: written commands fail
 * once as "may have been applied", never-written ones stay queued (certainly not applied) for the next connection,
 * a re-route or their deadline, every slot is released, and the same connection carries on after a reconnect.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NodeConnectionResetTest
{
    private static final int COMMANDS = 6;
    /** Commands 0..3 are written whole, command 4 in part, command 5 not at all. */
    private static final int WRITTEN_BYTES = commandBytes(0, 4).length() + 3;
    private static final byte[] REPLIES = bytes(replies(0, 4));

    private final List<String> lost = new CopyOnWriteArrayList<>();
    private final List<String> offered = new CopyOnWriteArrayList<>();
    private final Recorder recorder = new Recorder();
    private ConnectionHarness harness = new ConnectionHarness();
    /** Where {@link #rerouting} sends the commands offered to it, once set. */
    private NodeEndpoint rerouteTarget;
    private final RedirectHandler rerouting = new RedirectHandler()
    {
        @Override
        public boolean onRedirect(final RedirectedCommand command, final RespReader error)
        {
            return false;
        }

        @Override
        public void onRetryDue(final RedirectedCommand command)
        {
        }

        @Override
        public boolean onUnsent(final RedirectedCommand command)
        {
            offered.add(command.commandName());
            return rerouteTarget != null && command.reroute(rerouteTarget);
        }

        @Override
        public void onConnectionLost(final NodeEndpoint endpoint, final String reason)
        {
            lost.add(reason);
        }
    };

    @AfterEach
    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void close()
    {
        harness.close();
        assertThat(harness.errors).isEmpty();
    }

    private static String key(final int i)
    {
        return "key:" + i;
    }

    private static String commandBytes(final int from, final int to)
    {
        final StringBuilder out = new StringBuilder();
        for (int i = from; i < to; i++)
        {
            out.append(resp("GET", key(i)));
        }
        return out.toString();
    }

    private static String replies(final int from, final int to)
    {
        final StringBuilder out = new StringBuilder();
        for (int i = from; i < to; i++)
        {
            out.append(bulk("value:" + i));
        }
        return out.toString();
    }

    /** Publishes {@link #COMMANDS} GETs over a channel that stops accepting after {@link #WRITTEN_BYTES}. */
    private void publishPartlyWritten(final Node node, final long firstToken)
    {
        node.channel.clearWritten();
        node.channel.writeBudget(WRITTEN_BYTES);
        for (int i = 0; i < COMMANDS; i++)
        {
            node.get(key(i), recorder, firstToken + i);
        }
        assertThat(node.channel.writtenString()).isEqualTo(commandBytes(0, COMMANDS).substring(0, WRITTEN_BYTES));
    }

    /** Complete frames in the first {@code bytes} bytes of {@link #REPLIES}. */
    private static int completeReplies(final int bytes)
    {
        int complete = 0;
        int end = 0;
        for (int i = 0; i < 4; i++)
        {
            end += bulk("value:" + i).length();
            if (end <= bytes)
            {
                complete++;
            }
        }
        return complete;
    }

    /**
     * For every byte at which the reply stream can break off, by EOF and by an I/O error alike: the replies that
     * arrived whole complete their commands; every other written command (the half-written one included) fails
     * once as "may have been applied"; the never-written command completes nothing, stays queued, and is the first
     * thing the next connection writes after its handshake; then it completes with its own reply. One connection
     * serves every round: reset, reconnect, reuse.
     */
    @Test
    void resetMidFrameAtEveryByteFailsWrittenCommandsOnceAndKeepsTheUnwrittenOneForTheNextConnection()
    {
        harness.close();
        harness = new ConnectionHarness(UnaryOperator.identity(), rerouting);
        final Node node = harness.connectedNode();
        int outages = 0;
        for (int cut = 0; cut <= REPLIES.length; cut++)
        {
            for (final boolean eof : new boolean[] {true, false})
            {
                final long base = 100L * (2 * cut + (eof ? 0 : 1));
                publishPartlyWritten(node, base);
                node.channel.feed(Arrays.copyOfRange(REPLIES, 0, cut));
                if (eof)
                {
                    node.channel.feedEof();
                }
                else
                {
                    node.channel.feedFailure(new IOException("Connection reset by peer"));
                }
                node.readAll();

                final String what = "cut at " + cut + (eof ? " by EOF" : " by an I/O error");
                final int complete = completeReplies(cut);
                final List<String> expected = new ArrayList<>();
                for (int i = 0; i < complete; i++)
                {
                    expected.add(replied(base + i, bulk("value:" + i)));
                }
                for (int i = complete; i < COMMANDS - 1; i++)
                {
                    expected.add(failed(base + i, "RedisConnectionException", true));
                }
                assertThat(recorder.events).as(what).containsExactlyElementsOf(expected);
                assertThat(recorder.failures).as(what).allSatisfy(e -> assertThat(e)
                    .hasMessageContaining(eof ? "connection closed by the server" : "Connection reset by peer")
                    .hasMessageContaining("written and its outcome is unknown"));
                assertThat(node.connection.isReady()).as(what).isFalse();
                assertThat(node.channel.isOpen()).as(what).isFalse();
                assertThat(node.completed()).as(what + ": every written slot released").isEqualTo(node.cursor() - 1);
                assertThat(lost).as(what + ": one report per outage").hasSize(++outages);

                recorder.clear();
                final ScriptedChannel next = node.connect();
                assertThat(next.writtenString()).as(what).isEqualTo(resp("GET", key(COMMANDS - 1)));
                next.feed(bulk("late"));
                node.readAll();
                assertThat(recorder.events).as(what).containsExactly(replied(base + COMMANDS - 1, bulk("late")));
                assertThat(node.completed()).as(what).isEqualTo(node.cursor());
                recorder.clear();
            }
        }
        assertThat(offered).as("nothing offered for re-routing without a request").isEmpty();
    }

    @Test
    void aFailedWriteFailsWhatWasWrittenAndKeepsWhatWasNot()
    {
        final Node node = harness.connectedNode();
        node.get("a", recorder, 1);
        node.get("b", recorder, 2);
        node.channel.failNextWrite(new IOException("Broken pipe"));
        node.get("c", recorder, 3);

        assertThat(recorder.events).containsExactly(
            failed(1, "RedisConnectionException", true), failed(2, "RedisConnectionException", true));
        assertThat(recorder.failures.get(0)).hasMessageContaining("Broken pipe");

        final ScriptedChannel next = node.connect();
        assertThat(next.writtenString()).isEqualTo(resp("GET", "c"));
        next.feed(bulk("C"));
        node.readAll();
        assertThat(recorder.events).endsWith(replied(3, bulk("C")));
        assertThat(node.completed()).isEqualTo(node.cursor());
    }

    @Test
    void aQueuedCommandFailsAsNotAppliedAtItsDeadlineWhileDisconnected()
    {
        final Node node = harness.connectedNode();
        publishPartlyWritten(node, 0);
        node.channel.feedEof();
        node.readAll();
        recorder.clear();

        node.driveAt(System.nanoTime() + COMMAND_TIMEOUT_NS + 1_000_000);

        assertThat(recorder.events).containsExactly(failed(COMMANDS - 1, "RedisTimeoutException", false));
        assertThat(recorder.failures.get(0)).hasMessageContaining("timed out before it could be written (not applied)")
            .hasMessageContaining("connection closed by the server");
        assertThat(node.completed()).isEqualTo(node.cursor());
        assertThat(node.channel.isOpen()).isFalse();
    }

    @Test
    void aWrittenCommandPastItsDeadlineResetsTheConnectionAndFailsTheOthersWrittenBehindIt()
    {
        final Node node = harness.connectedNode();
        for (int i = 0; i < 3; i++)
        {
            node.get(key(i), recorder, i);
        }
        node.driveAt(System.nanoTime() + COMMAND_TIMEOUT_NS + 1_000_000);

        assertThat(recorder.events).containsExactly(failed(0, "RedisTimeoutException", true),
            failed(1, "RedisConnectionException", true), failed(2, "RedisConnectionException", true));
        assertThat(recorder.failures.get(0)).hasMessageContaining("timed out after it was written");
        assertThat(recorder.failures.get(1)).hasMessageContaining("GET ahead of this one timed out");
        assertThat(node.connection.isReady()).isFalse();
        assertThat(node.completed()).isEqualTo(node.cursor());
    }

    /**
     * After a reset, the routing layer's re-route request offers only the never-written commands, in order, and
     * they run on the connection they were moved to, completing their original callers; the written ones were
     * already failed and are not offered.
     */
    @Test
    void onlyNeverWrittenCommandsAreOfferedForReroutingAndRunWhereTheyWereMoved()
    {
        harness.close();
        harness = new ConnectionHarness(UnaryOperator.identity(), rerouting);
        final Node node = harness.connectedNode();
        final Node other = harness.connectedNode();
        node.channel.writeBudget(commandBytes(0, 3).length());
        for (int i = 0; i < COMMANDS; i++)
        {
            node.get(key(i), recorder, i);
        }
        node.channel.feedEof();
        node.readAll();
        assertThat(recorder.events).containsExactly(failed(0, "RedisConnectionException", true),
            failed(1, "RedisConnectionException", true), failed(2, "RedisConnectionException", true));

        rerouteTarget = other.endpoint;
        node.endpoint.rerouteQueued();
        node.drive();

        assertThat(offered).containsExactly("GET", "GET", "GET");
        assertThat(other.channel.writtenString()).isEqualTo(commandBytes(3, COMMANDS));
        assertThat(node.completed()).as("moved slots released here").isEqualTo(node.cursor());
        other.channel.feed(replies(3, COMMANDS));
        other.readAll();
        assertThat(recorder.events).endsWith(replied(3, bulk("value:3")), replied(4, bulk("value:4")),
            replied(5, bulk("value:5")));
        assertThat(recorder.events).hasSize(COMMANDS);
        assertThat(lost).hasSize(1);
    }

    @Test
    void anIdlePingUnansweredByItsDeadlineResetsTheConnection()
    {
        final Node node = harness.connectedNode();
        final long idle = System.nanoTime() + java.time.Duration.ofHours(2).toNanos();
        node.driveAt(idle);
        node.drive();
        assertThat(node.channel.writtenString()).isEqualTo(resp("PING"));

        node.driveAt(idle + COMMAND_TIMEOUT_NS / 2);
        assertThat(node.connection.isReady()).as("not yet").isTrue();
        node.driveAt(idle + COMMAND_TIMEOUT_NS + 1_000_000);
        assertThat(node.connection.isReady()).isFalse();
        assertThat(node.connection.lastError).contains("idle PING unanswered");
    }

    @Test
    void anIdlePingAnsweredLoadingProvesTheNodeAliveButAnErrorResetsTheConnection()
    {
        final Node node = harness.connectedNode();
        node.driveAt(System.nanoTime() + java.time.Duration.ofHours(2).toNanos());
        node.drive();
        node.channel.feed("-LOADING Redis is loading the dataset in memory\r\n");
        node.readAll();
        assertThat(node.connection.isReady()).isTrue();

        node.driveAt(System.nanoTime() + java.time.Duration.ofHours(4).toNanos());
        node.drive();
        node.channel.feed("-ERR unexpected\r\n");
        node.readAll();
        assertThat(node.connection.isReady()).isFalse();
        assertThat(node.connection.lastError).contains("idle PING answered with an error");
    }

    @Test
    void aRefusedHandshakeKeepsQueuedCommandsUnwritten()
    {
        final Node node = harness.node();
        node.get("a", recorder, 1);   // queued while connecting
        final ScriptedChannel channel = node.adopt();
        node.drive();
        assertThat(channel.writtenString()).isEqualTo(ConnectionHarness.HELLO);
        channel.feed("-WRONGPASS invalid username-password pair\r\n");
        node.readAll();

        assertThat(node.connection.refused).isTrue();
        assertThat(node.connection.lastError).contains("handshake refused").contains("WRONGPASS");
        assertThat(recorder.events).isEmpty();

        final ScriptedChannel next = node.connect();
        assertThat(next.writtenString()).isEqualTo(resp("GET", "a"));
        assertThat(node.connection.refused).isFalse();
    }

    @Test
    void closingFailsWrittenCommandsAsMaybeAppliedAndQueuedOnesAsNotAppliedThenLatePublishesFailThemselves()
    {
        final Node node = harness.connectedNode();
        node.channel.writeBudget(resp("GET", "a").length());
        node.get("a", recorder, 1);
        node.get("b", recorder, 2);

        node.shutdown();
        node.get("c", recorder, 3);

        assertThat(recorder.events).containsExactly(failed(1, "RedisConnectionException", true),
            failed(2, "RedisConnectionException", false), failed(3, "RedisConnectionException", false));
        assertThat(recorder.failures.get(1)).hasMessageContaining("client closed before the command was written");
        assertThat(node.completed()).as("the connection's drain covered all it had").isEqualTo(1);
    }
}
