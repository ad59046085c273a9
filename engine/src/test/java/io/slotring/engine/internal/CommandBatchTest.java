package io.slotring.engine.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.slotring.engine.internal.ConnectionHarness.Node;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static io.slotring.engine.internal.ConnectionHarness.Recorder.failed;
import static io.slotring.engine.internal.ConnectionHarness.Recorder.replied;
import static io.slotring.engine.internal.ConnectionHarness.bulk;
import static io.slotring.engine.internal.ConnectionHarness.resp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link CommandBatch} over connections driven in memory: the outstanding count follows submissions, replies and
 * failures; the last completion wakes a caller parked for a batch handed to the agent; a timed-out await leaves
 * the batch on its connection until everything it sent completed.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CommandBatchTest extends InMemoryConnectionTest
{
    @Test
    void outstandingFollowsSubmissionsAndCompletionsAndTheFlushWritesTheBatchInOneWrite()
    {
        final Node node = harness.connectedNode();
        final CommandBatch batch = harness.runtime.newBatch(recorder);
        for (int i = 0; i < 3; i++)
        {
            node.get("k" + i, batch, i);
        }
        assertThat(batch.outstanding()).isEqualTo(3);
        assertThat(batch.isComplete()).isFalse();
        assertThat(node.channel.writeCalls()).isZero();

        batch.flush();
        assertThat(node.channel.writeCalls()).isEqualTo(1);
        assertThat(node.channel.writtenString()).isEqualTo(resp("GET", "k0") + resp("GET", "k1") + resp("GET", "k2"));

        node.channel.feed(bulk("a"));
        node.readAll();
        assertThat(batch.outstanding()).isEqualTo(2);
        node.channel.feed(bulk("b") + bulk("c"));
        node.readAll();
        assertThat(batch.outstanding()).isZero();
        assertThat(batch.isComplete()).isTrue();
    }

    @Test
    void failuresCountDownAsRepliesDo()
    {
        final Node node = harness.connectedNode();
        final CommandBatch batch = harness.runtime.newBatch(recorder);
        node.get("a", batch, 1);
        node.get("b", batch, 2);
        batch.flush();
        node.channel.feed(bulk("A")).feedEof();
        node.readAll();

        assertThat(recorder.events).containsExactly(replied(1, bulk("A")), failed(2, "RedisConnectionException", true));
        assertThat(batch.isComplete()).isTrue();
    }

    @Test
    void awaitOfACompletedBatchReturnsAtOnceWithoutWaiting()
    {
        final Node node = harness.connectedNode();
        final CommandBatch batch = harness.runtime.newBatch(recorder);
        node.get("a", batch, 1);
        batch.flush();
        node.channel.feed(bulk("A"));
        node.readAll();

        assertThat(batch.await(1, TimeUnit.MINUTES)).isTrue();
        assertThat(batch.await(0, TimeUnit.SECONDS)).as("nothing left to wait for").isTrue();
    }

    @Test
    void theLastCompletionWakesTheCallerParkedForABatchOverTwoNodes() throws InterruptedException
    {
        final Node first = harness.connectedNode();
        final Node second = harness.connectedNode();
        final CommandBatch batch = harness.runtime.newBatch(recorder);
        first.get("a", batch, 1);
        second.get("b", batch, 2);
        first.get("c", batch, 3);

        final Thread caller = Thread.currentThread();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread completer = new Thread(() ->
        {
            try
            {
                // No sleep: wait until the caller is parked in await, then play the I/O agent.
                while (caller.getState() != Thread.State.TIMED_WAITING)
                {
                    Thread.onSpinWait();
                }
                first.drive();
                second.drive();
                first.channel.feed(bulk("A") + bulk("C"));
                first.readAll();
                second.channel.feed(bulk("B"));
                second.readAll();
            }
            catch (final Throwable ex)
            {
                failure.set(ex);
            }
        }, "completer");
        completer.start();

        final boolean completed = batch.await(1, TimeUnit.MINUTES);
        completer.join();

        assertThat(failure.get()).isNull();
        assertThat(completed).isTrue();
        assertThat(recorder.events).containsExactlyInAnyOrder(
            replied(1, bulk("A")), replied(2, bulk("B")), replied(3, bulk("C")));
        assertThat(recorder.events.indexOf(replied(1, bulk("A"))))
            .isLessThan(recorder.events.indexOf(replied(3, bulk("C"))));
    }

    @Test
    void aTimedOutAwaitKeepsTheBatchOnItsConnectionUntilEverythingItSentCompleted()
    {
        final Node first = harness.connectedNode();
        final Node second = harness.connectedNode();
        final CommandBatch batch = harness.runtime.newBatch(recorder);
        final int affinity = batch.affinity();
        first.get("a", batch, 1);
        second.get("b", batch, 2);

        assertThat(batch.await(20, TimeUnit.MILLISECONDS)).isFalse();
        assertThat(batch.outstanding()).isEqualTo(2);
        assertThat(batch.affinity()).as("still in flight: no move").isEqualTo(affinity);

        first.drive();
        second.drive();
        first.channel.feed(bulk("A"));
        first.readAll();
        second.channel.feed(bulk("B"));
        second.readAll();
        assertThat(batch.isComplete()).isTrue();
        assertThat(batch.affinity()).as("moves on once everything completed").isEqualTo(affinity + 1);
    }

    @Test
    void onlyBatchesMadeByTheEngineAreAccepted()
    {
        final CommandBatch batch = harness.runtime.newBatch(recorder);
        assertThat(CommandBatch.of(batch)).isSameAs(batch);
        assertThat(CommandBatch.of(null)).isNull();
        assertThatThrownBy(() -> CommandBatch.of(new io.slotring.engine.Batch()
        {
            @Override
            public void flush()
            {
            }

            @Override
            public boolean await(final long timeout, final TimeUnit unit)
            {
                return true;
            }

            @Override
            public int outstanding()
            {
                return 0;
            }

            @Override
            public boolean isComplete()
            {
                return true;
            }
        })).isInstanceOf(IllegalArgumentException.class);
    }
}
