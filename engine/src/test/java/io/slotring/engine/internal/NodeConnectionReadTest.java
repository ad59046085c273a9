package io.slotring.engine.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import io.slotring.codec.RespReader;
import io.slotring.engine.RedisException;
import io.slotring.engine.ReplyHandler;
import io.slotring.engine.internal.ConnectionHarness.Node;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.slotring.engine.internal.ConnectionHarness.Recorder.failed;
import static io.slotring.engine.internal.ConnectionHarness.Recorder.replied;
import static io.slotring.engine.internal.ConnectionHarness.bulk;
import static io.slotring.engine.internal.ConnectionHarness.bytes;
import static io.slotring.engine.internal.ConnectionHarness.render;
import static io.slotring.engine.internal.ConnectionHarness.resp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The read path of {@link NodeConnection} over an in-memory channel: replies arriving in any chunking (every split
 * point, one byte at a time, random chunks) complete every command exactly once, with its own reply, in FIFO
 * order, across receive-buffer compaction and growth, push frames and attributes.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NodeConnectionReadTest extends InMemoryConnectionTest
{
    /** One reply per command of {@link #publishAll}, each a different RESP2/RESP3 shape. */
    private static final String[] REPLIES = {
        bulk("alpha"),
        "+OK\r\n",
        ":42\r\n",
        "$-1\r\n",
        "*3\r\n$1\r\nx\r\n*2\r\n:1\r\n:2\r\n$-1\r\n",
        "%2\r\n+f1\r\n$2\r\nv1\r\n+f2\r\n_\r\n",
        "-ERR wrong kind of value\r\n",
        bulk("B".repeat(3000)),               // three receive buffers' worth: the buffer grows, then shrinks back
        "|1\r\n+ttl\r\n:10\r\n$3\r\nval\r\n", // an attribute travels with the reply that follows it
        ",3.5\r\n",
        "#t\r\n",
        "=8\r\ntxt:abcd\r\n",
        "~1\r\n+member\r\n",
        "!9\r\nERR inner\r\n",
    };
    private static final String PUSH = ">2\r\n$7\r\nmessage\r\n$5\r\nhello\r\n";
    /** The reply stream: pushes before the first reply and between two others, which no command may take. */
    private static final byte[] STREAM = bytes(PUSH + String.join("", Arrays.copyOfRange(REPLIES, 0, 3)) + PUSH +
        String.join("", Arrays.copyOfRange(REPLIES, 3, REPLIES.length)));

    /** Publishes one command per reply (written at once); returns the expected completions in order. */
    private List<String> publishAll(final Node node, final long firstToken)
    {
        final List<String> expected = new ArrayList<>();
        for (int i = 0; i < REPLIES.length; i++)
        {
            node.get("key:" + i, recorder, firstToken + i);
            expected.add(replied(firstToken + i, REPLIES[i]));
        }
        return expected;
    }

    private void assertRound(final Node node, final List<String> expected, final String what)
    {
        assertThat(recorder.events).as(what).containsExactlyElementsOf(expected);
        assertThat(harness.pushes).as(what).containsExactly(render(PUSH), render(PUSH));
        assertThat(node.completed()).as(what).isEqualTo(node.cursor());
        assertThat(node.connection.isReady()).as(what).isTrue();
        recorder.clear();
        harness.pushes.clear();
    }

    @Test
    void repliesSplitAtEveryByteBoundaryCompleteEachCommandOnceInOrder()
    {
        final Node node = harness.connectedNode();
        for (int split = 0; split <= STREAM.length; split++)
        {
            final List<String> expected = publishAll(node, 100L * split);
            assertThat(node.channel.writtenCount()).isPositive();
            node.channel.feed(Arrays.copyOfRange(STREAM, 0, split));
            node.readAll();
            node.channel.feed(Arrays.copyOfRange(STREAM, split, STREAM.length));
            node.readAll();
            assertRound(node, expected, "split at " + split);
        }
    }

    @Test
    void repliesArrivingOneByteAtATimeCompleteEachCommandOnceInOrder()
    {
        final Node node = harness.connectedNode();
        final List<String> expected = publishAll(node, 0);
        for (final byte b : STREAM)
        {
            node.channel.feed(new byte[] {b});
            node.readAll();
        }
        assertRound(node, expected, "one byte at a time");
    }

    @Test
    void repliesInRandomChunksCompleteEachCommandOnceInOrder()
    {
        final Node node = harness.connectedNode();
        final Random random = new Random(0x5107_7106L);
        for (int round = 0; round < 400; round++)
        {
            final List<String> expected = publishAll(node, 100L * round);
            final int maxChunk = 1 + random.nextInt(round % 2 == 0 ? 16 : 2048);
            int at = 0;
            while (at < STREAM.length)
            {
                final int end = Math.min(STREAM.length, at + 1 + random.nextInt(maxChunk));
                node.channel.feed(Arrays.copyOfRange(STREAM, at, end));
                at = end;
                if (random.nextInt(3) == 0)
                {
                    node.readAll();   // sometimes several chunks wait; sometimes each is read on its own
                }
            }
            node.readAll();
            assertRound(node, expected, "round " + round + " (chunks up to " + maxChunk + ")");
        }
    }

    @Test
    void futuresCompleteWithTheirConvertedReplyOrTheServerError()
    {
        final Node node = harness.connectedNode();
        final java.util.concurrent.CompletableFuture<String> ok =
            node.endpoint.submit(ReplyConverters.STRING, "GET", "a");
        final java.util.concurrent.CompletableFuture<String> error =
            node.endpoint.submit(ReplyConverters.STRING, "GET", "b");
        node.channel.feed(bulk("va") + "-WRONGTYPE no");
        node.readAll();
        assertThat(ok).isCompletedWithValue("va");
        assertThat(error).isNotDone();
        node.channel.feed("\r\n");
        node.readAll();

        assertThat(error).isCompletedExceptionally();
        assertThatThrownBy(error::join).hasRootCauseMessage("WRONGTYPE no");
    }

    @Test
    void aHandlerThatThrowsIsReportedAndTheNextReplyStillFindsItsCommand()
    {
        final Node node = harness.connectedNode();
        final ReplyHandler throwing = new ReplyHandler()
        {
            @Override
            public void onReply(final long token, final RespReader reply)
            {
                throw new IllegalStateException("handler bug");
            }

            @Override
            public void onFailure(final long token, final RedisException error)
            {
                throw new IllegalStateException("handler bug");
            }
        };
        node.get("a", throwing, 1);
        node.get("b", recorder, 2);
        node.channel.feed(bulk("A") + bulk("B"));
        node.readAll();

        assertThat(recorder.events).containsExactly(replied(2, bulk("B")));
        assertThat(harness.errors).singleElement().satisfies(e -> assertThat(e).hasMessage("handler bug"));
        harness.errors.clear();
        assertThat(node.connection.isReady()).isTrue();
    }

    @Test
    void aReplyWithNoCommandInFlightResetsTheConnection()
    {
        final Node node = harness.connectedNode();
        node.get("a", recorder, 1);
        node.channel.feed(bulk("A") + "+UNASKED\r\n");
        node.readAll();

        assertThat(recorder.events).containsExactly(replied(1, bulk("A")));
        assertThat(node.connection.isReady()).isFalse();
        assertThat(node.connection.lastError).contains("expected no reply");
    }

    @Test
    void aMalformedReplyFailsEveryWrittenCommandAsMaybeApplied()
    {
        final Node node = harness.connectedNode();
        node.get("a", recorder, 1);
        node.get("b", recorder, 2);
        node.get("c", recorder, 3);
        node.channel.feed(bulk("A") + "?garbage\r\n");
        node.readAll();

        assertThat(recorder.events).containsExactly(replied(1, bulk("A")),
            failed(2, "RedisConnectionException", true), failed(3, "RedisConnectionException", true));
        assertThat(node.completed()).isEqualTo(node.cursor());
    }

    /**
     * Regression: a slot aborted after its claim (encoding failed) is published empty and owes no reply; when it sat
     * right behind the last answered command, it stayed "in flight" with the deadline of the slot's previous use (0
     * on a fresh ring), so the next agent pass took it for a timed-out written command and reset the connection,
     * failing the command written after it as "may have been applied".
     */
    @Test
    void anAbortedSlotBehindTheLastReplyDoesNotResetTheConnection()
    {
        final Node node = harness.connectedNode();
        node.get("a", recorder, 1);
        assertThatThrownBy(() -> node.execute(recorder, null, 2, "SET", "x", new ChangingText("changes")))
            .isInstanceOf(IllegalStateException.class);
        node.get("c", recorder, 3);
        assertThat(node.channel.writtenString()).isEqualTo(resp("GET", "a") + resp("GET", "c"));

        node.channel.feed(bulk("A"));
        node.readAll();
        node.drive();   // the agent's deadline check

        assertThat(node.connection.isReady()).as("connection kept").isTrue();
        node.channel.feed(bulk("C"));
        node.readAll();
        assertThat(recorder.events).containsExactly(replied(1, bulk("A")), replied(3, bulk("C")));
        assertThat(node.completed()).isEqualTo(node.cursor());
    }

    @Test
    void anAbortedSlotAfterTheLastCommandIsFinishedWithItsReply()
    {
        final Node node = harness.connectedNode();
        node.get("a", recorder, 1);
        assertThatThrownBy(() -> node.execute(recorder, null, 2, "SET", "x", new ChangingText("changes")))
            .isInstanceOf(IllegalStateException.class);
        node.drive();   // the agent writes what was published: the aborted slot, as zero bytes

        node.channel.feed(bulk("A"));
        node.readAll();
        assertThat(node.completed()).as("aborted slot released with the reply before it").isEqualTo(node.cursor());
        node.drive();
        assertThat(node.connection.isReady()).isTrue();
        assertThat(recorder.events).containsExactly(replied(1, bulk("A")));
    }
}
