package io.slotring.engine;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.slotring.codec.RespReader;
import io.slotring.codec.RespType;
import io.slotring.launcher.LocalRedisServer;
import io.slotring.launcher.LocalServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every value encodes its key, so a reply delivered to the wrong command is caught.
 */
@LocalServer
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class RedisClientConcurrencyIT
{
    private static final int THREADS = 16;
    private static final int COMMANDS_PER_THREAD = 100_000;
    private static final int BATCH = 64;
    private static final int KEYS_PER_THREAD = 512;

    @Test
    void sixteenThreadsOfMixedCommandsEachGetTheirOwnReplies(final LocalRedisServer redis) throws Exception
    {
        final ClientConfig config = ClientConfig.create().address(redis.host(), redis.port())
            .connectionsPerNode(4).ioThreads(2).ringSize(1024);
        try (RedisClient client = RedisClient.connect(config))
        {
            final AtomicLong mismatches = new AtomicLong();
            final AtomicLong failures = new AtomicLong();
            final AtomicLong replies = new AtomicLong();
            final List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++)
            {
                final int thread = t;
                threads.add(new Thread(() -> runWorker(client, thread, mismatches, failures, replies),
                    "worker-" + t));
            }
            threads.forEach(Thread::start);
            for (final Thread thread : threads)
            {
                thread.join(TimeUnit.SECONDS.toMillis(280));
                assertThat(thread.isAlive()).as("worker finished in time").isFalse();
            }
            assertThat(failures.get()).isZero();
            assertThat(mismatches.get()).isZero();
            assertThat(replies.get()).isEqualTo((long)THREADS * COMMANDS_PER_THREAD);
        }
    }

    private static byte[] key(final int thread, final int index)
    {
        return ("conc:" + thread + ":" + index).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] value(final int thread, final int index)
    {
        return ("value-of:conc:" + thread + ":" + index + ":" + "v".repeat(index % 97))
            .getBytes(StandardCharsets.US_ASCII);
    }

    private static void runWorker(final RedisClient client, final int thread, final AtomicLong mismatches,
        final AtomicLong failures, final AtomicLong replies)
    {
        final byte[][] keys = new byte[KEYS_PER_THREAD][];
        final byte[][] values = new byte[KEYS_PER_THREAD][];
        for (int i = 0; i < KEYS_PER_THREAD; i++)
        {
            keys[i] = key(thread, i);
            values[i] = value(thread, i);
        }
        // Token: key index * 2 + (1 for GET). A SET must see +OK; a GET must see its own key's value, or nil
        // before the first SET of that key reached the server.
        final boolean[] written = new boolean[KEYS_PER_THREAD];
        final Batch batch = client.newBatch(new ReplyHandler()
        {
            public void onReply(final long token, final RespReader reply)
            {
                replies.incrementAndGet();
                final int index = (int)(token >> 1);
                if ((token & 1) == 0)
                {
                    if (reply.type() != RespType.SIMPLE_STRING || !reply.contentEquals("OK".getBytes()))
                    {
                        mismatches.incrementAndGet();
                    }
                }
                else if (reply.isNull() ? written[index] : !reply.contentEquals(values[index]))
                {
                    mismatches.incrementAndGet();
                }
            }

            public void onFailure(final long token, final RedisException error)
            {
                failures.incrementAndGet();
            }
        });
        int submitted = 0;
        int setsDone = 0;
        while (submitted < COMMANDS_PER_THREAD)
        {
            final int n = Math.min(BATCH, COMMANDS_PER_THREAD - submitted);
            int setsThisBatch = 0;
            for (int i = 0; i < n; i++)
            {
                final int index = (submitted + i) % KEYS_PER_THREAD;
                final long code;
                if ((submitted + i) % 5 == 0)
                {
                    code = client.set(keys[index], values[index], batch, (long)index << 1);
                    setsThisBatch++;
                }
                else
                {
                    code = client.get(keys[index], batch, ((long)index << 1) | 1);
                }
                if (code < 0)
                {
                    failures.incrementAndGet();
                }
            }
            if (!batch.await(60, TimeUnit.SECONDS))
            {
                failures.incrementAndGet();
                return;
            }
            // Keys set in this batch are now certainly written; from here on a nil for them is a mismatch.
            for (int i = 0; i < n; i++)
            {
                if ((submitted + i) % 5 == 0)
                {
                    written[(submitted + i) % KEYS_PER_THREAD] = true;
                }
            }
            setsDone += setsThisBatch;
            submitted += n;
        }
        assertThat(setsDone).isEqualTo(COMMANDS_PER_THREAD / 5);
    }

    @Test
    void asyncFuturesFromManyThreadsMatchTheirKeys(final LocalRedisServer redis) throws Exception
    {
        try (RedisClient client = RedisClient.connect(
            ClientConfig.create().address(redis.host(), redis.port()).connectionsPerNode(2)))
        {
            final List<CompletableFuture<Boolean>> checks = new ArrayList<>();
            final List<Thread> threads = new ArrayList<>();
            final List<List<CompletableFuture<Boolean>>> perThread = new ArrayList<>();
            for (int t = 0; t < 8; t++)
            {
                final int thread = t;
                final List<CompletableFuture<Boolean>> mine = new ArrayList<>();
                perThread.add(mine);
                threads.add(new Thread(() ->
                {
                    // SETs first, awaited: with several connections a GET may overtake a SET on another one.
                    final List<CompletableFuture<String>> sets = new ArrayList<>();
                    for (int i = 0; i < 2_000; i++)
                    {
                        final String key = "async:" + thread + ":" + i;
                        sets.add(client.async().set(key, "v:" + key));
                    }
                    sets.forEach(CompletableFuture::join);
                    for (int i = 0; i < 2_000; i++)
                    {
                        final String key = "async:" + thread + ":" + i;
                        mine.add(client.async().get(key).thenApply(v -> ("v:" + key).equals(v)));
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (final Thread thread : threads)
            {
                thread.join(60_000);
            }
            perThread.forEach(checks::addAll);
            assertThat(checks).hasSize(16_000);
            for (final CompletableFuture<Boolean> check : checks)
            {
                assertThat(check.get(30, TimeUnit.SECONDS)).isTrue();
            }
        }
    }
}
