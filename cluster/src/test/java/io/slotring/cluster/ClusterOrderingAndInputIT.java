package io.slotring.cluster;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.slotring.codec.RespReader;
import io.slotring.engine.Batch;
import io.slotring.engine.RedisException;
import io.slotring.engine.ReplyHandler;
import io.slotring.launcher.LocalCluster;
import io.slotring.launcher.LocalRedisCluster;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Per-key order across a node's connections, and bad input rejected at the cluster API edge without touching any
 * connection.
 */
@LocalCluster(masters = 3, replicasPerMaster = 0)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterOrderingAndInputIT
{
    private static ClusterClient cluster;

    /** Completes a future per token with the reply as text. */
    private static final class Capture implements ReplyHandler
    {
        final List<CompletableFuture<String>> values = new ArrayList<>();

        CompletableFuture<String> expect()
        {
            final CompletableFuture<String> value = new CompletableFuture<>();
            values.add(value);
            return value;
        }

        @Override
        public void onReply(final long token, final RespReader reply)
        {
            values.get((int)token).complete(reply.isNull() ? null : reply.stringValue());
        }

        @Override
        public void onFailure(final long token, final RedisException error)
        {
            values.get((int)token).completeExceptionally(error);
        }
    }

    @BeforeAll
    static void connect(final LocalRedisCluster redis)
    {
        cluster = ClusterClient.connect(ClusterConfig.create().seeds(redis.seeds()).connectionsPerNode(4));
    }

    @AfterAll
    static void close()
    {
        cluster.close();
    }

    @Test
    void oneThreadsSetThenGetWithoutWaitingAlwaysSeesItsOwnWrite() throws Exception
    {
        final List<CompletableFuture<String>> gets = new ArrayList<>();
        for (int i = 0; i < 500; i++)
        {
            cluster.async().set("ordered:" + i, "v" + i);
            gets.add(cluster.async().get("ordered:" + i));
        }
        for (int i = 0; i < gets.size(); i++)
        {
            assertThat(gets.get(i).get(5, TimeUnit.SECONDS)).as("GET right after its SET, key " + i)
                .isEqualTo("v" + i);
        }
    }

    @Test
    void zeroCopySetThenGetWithoutWaitingKeepsIssueOrder() throws Exception
    {
        final Capture capture = new Capture();
        final List<CompletableFuture<String>> gets = new ArrayList<>();
        for (int i = 0; i < 300; i++)
        {
            final byte[] key = ("zc-ordered:" + i).getBytes(StandardCharsets.US_ASCII);
            final int setToken = capture.values.size();
            capture.expect();
            assertThat(cluster.set(key, ("w" + i).getBytes(StandardCharsets.US_ASCII), capture, setToken))
                .isNotNegative();
            final int getToken = capture.values.size();
            gets.add(capture.expect());
            assertThat(cluster.get(key, capture, getToken)).isNotNegative();
        }
        for (int i = 0; i < gets.size(); i++)
        {
            assertThat(gets.get(i).get(5, TimeUnit.SECONDS)).isEqualTo("w" + i);
        }
    }

    @Test
    void batchesThatTimeOutDoNotLetTheNextBatchOvertakeThem() throws Exception
    {
        final Capture capture = new Capture();
        final Batch batch = cluster.newBatch(capture);
        final List<CompletableFuture<String>> gets = new ArrayList<>();
        for (int round = 0; round < 50; round++)
        {
            final byte[] key = ("batch-ordered:" + round).getBytes(StandardCharsets.US_ASCII);
            capture.expect();
            cluster.set(key, ("b" + round).getBytes(StandardCharsets.US_ASCII), batch, capture.values.size() - 1);
            // An await that returns at once (0 ns) leaves the SET in flight; the next GET must still follow it.
            batch.await(0, TimeUnit.NANOSECONDS);
            gets.add(capture.expect());
            cluster.get(key, batch, capture.values.size() - 1);
            batch.await(0, TimeUnit.NANOSECONDS);
        }
        assertThat(batch.await(5, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < gets.size(); i++)
        {
            assertThat(gets.get(i).get(1, TimeUnit.SECONDS)).isEqualTo("b" + i);
        }
    }

    @Test
    void badInputThrowsBeforeAnythingIsClaimedAndEveryNodeStaysUsable() throws Exception
    {
        final Capture capture = new Capture();
        final Batch batch = cluster.newBatch(capture);
        assertThatThrownBy(() -> cluster.get((byte[])null, capture, 0)).isInstanceOf(NullPointerException.class)
            .hasMessageContaining("key");
        assertThatThrownBy(() -> cluster.get((byte[])null, batch, 0)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> cluster.set("k".getBytes(StandardCharsets.US_ASCII), null, capture, 0))
            .isInstanceOf(NullPointerException.class).hasMessageContaining("value");
        assertThatThrownBy(() -> cluster.get(new UnsafeBuffer(new byte[4]), 2, 3, capture, 0))
            .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> cluster.execute(capture, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> cluster.async().execute()).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> cluster.async().execute("SUBSCRIBE", "news"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shared connection");
        assertThat(batch.outstanding()).isZero();
        // Every master still answers, on every connection (keys spread over all slots reach all of them).
        final List<CompletableFuture<Long>> incrs = new ArrayList<>();
        for (int i = 0; i < 200; i++)
        {
            incrs.add(cluster.async().incr("after-bad-input:" + i));
        }
        for (final CompletableFuture<Long> incr : incrs)
        {
            assertThat(incr.get(5, TimeUnit.SECONDS)).isPositive();
        }
        assertThat(capture.values).isEmpty();
    }
}
