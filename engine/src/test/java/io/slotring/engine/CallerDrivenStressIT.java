package io.slotring.engine;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.slotring.codec.RespReader;
import io.slotring.launcher.Await;
import io.slotring.launcher.FaultProxy;
import io.slotring.launcher.LocalRedisServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Caller-driven I/O under every interleaving we can provoke: threads that write for each other (combining), read
 * and complete each other's replies (leader/followers), sync calls, batches of random sizes, futures joined at once,
 * callbacks that submit follow-ups from whatever thread completes them, all on shared connections that a proxy
 * resets mid-flight. Every reply is checked against its command: a reply delivered to the wrong command, a lost
 * completion or a hang fails the test.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CallerDrivenStressIT
{
    private static final int THREADS = 6;
    private static final long RUN_NS = TimeUnit.SECONDS.toNanos(6);
    private static final int KEYS_PER_THREAD = 64;
    /** Completions between two resets: the resets are paced by the work the client got done, not by the clock. */
    private static final long COMPLETIONS_BETWEEN_RESETS = 20_000;

    /** Per worker: the value each key holds, or null when a SET's outcome is unknown (any recent value may show). */
    private static final class Keys
    {
        final byte[][] names = new byte[KEYS_PER_THREAD][];
        final String[] known = new String[KEYS_PER_THREAD];
        final int[] version = new int[KEYS_PER_THREAD];

        Keys(final int worker)
        {
            for (int i = 0; i < KEYS_PER_THREAD; i++)
            {
                names[i] = ("stress:" + worker + ":" + i).getBytes(StandardCharsets.US_ASCII);
            }
        }

        String next(final int key)
        {
            return new String(names[key], StandardCharsets.US_ASCII) + "=" + (++version[key]);
        }

        /** A GET's answer is right when it is the known value, or when the value is unknown but belongs to the key. */
        boolean accepts(final int key, final String value)
        {
            if (known[key] != null)
            {
                return known[key].equals(value);
            }
            return value == null || value.startsWith(new String(names[key], StandardCharsets.US_ASCII) + "=");
        }
    }

    private final AtomicLong mismatches = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicLong submitted = new AtomicLong();
    private final ConcurrentLinkedQueue<String> firstErrors = new ConcurrentLinkedQueue<>();

    private void mismatch(final String what)
    {
        mismatches.incrementAndGet();
        if (firstErrors.size() < 10)
        {
            firstErrors.add(what);
        }
    }

    @Test
    void everyReplyReachesItsOwnCommandWhileCallersDriveSharedConnectionsThatReset() throws Exception
    {
        try (LocalRedisServer redis = LocalRedisServer.builder().start();
            FaultProxy proxy = FaultProxy.start(redis.host(), redis.port()))
        {
            final ClientConfig config = ClientConfig.create().address(proxy.host(), proxy.port())
                .connectionsPerNode(2).ioThreads(1).ringSize(256)
                .commandTimeout(Duration.ofMillis(1500)).connectTimeout(Duration.ofSeconds(2))
                .reconnectDelay(Duration.ofMillis(5), Duration.ofMillis(50));
            final List<Thread> workers = new ArrayList<>();
            final AtomicBoolean chaosDone = new AtomicBoolean();
            final AtomicReference<Throwable> chaosFailure = new AtomicReference<>();
            try (RedisClient client = RedisClient.connect(config))
            {
                for (int w = 0; w < THREADS; w++)
                {
                    final int worker = w;
                    final Thread thread = new Thread(() -> work(client, worker), "stress-" + w);
                    workers.add(thread);
                }
                final Thread chaos = new Thread(() ->
                {
                    try
                    {
                        final long end = System.nanoTime() + RUN_NS;
                        while (System.nanoTime() < end)
                        {
                            final long resetAt = completed.get();
                            Await.until(Duration.ofSeconds(30),
                                () -> completed.get() - resetAt >= COMPLETIONS_BETWEEN_RESETS ||
                                    System.nanoTime() - end >= 0,
                                COMPLETIONS_BETWEEN_RESETS + " completions since the last reset");
                            if (System.nanoTime() - end < 0)
                            {
                                proxy.resetAll();
                            }
                        }
                        chaosDone.set(true);
                    }
                    catch (final Throwable ex)
                    {
                        chaosFailure.set(ex);
                    }
                }, "stress-chaos");
                workers.forEach(Thread::start);
                chaos.start();
                for (final Thread thread : workers)
                {
                    thread.join(TimeUnit.SECONDS.toMillis(60));
                    assertThat(thread.isAlive()).as(thread.getName() + " finished").isFalse();
                }
                chaos.join(10_000);
                assertThat(chaosFailure.get()).as("the chaos thread's failure").isNull();
                assertThat(chaosDone).isTrue();
                Await.until(Duration.ofSeconds(10), () -> completed.get() >= submitted.get(),
                    "every submitted command completed");
            }
            assertThat(firstErrors).as("first mismatches").isEmpty();
            assertThat(mismatches.get()).isZero();
            assertThat(completed.get()).as("completions of " + submitted.get() + " submitted commands")
                .isEqualTo(submitted.get());
            assertThat(proxy.acceptedConnections()).as("the proxy reset connections mid-flight").isGreaterThan(2);
            System.out.println("caller-driven stress: " + submitted.get() + " commands verified, " +
                proxy.acceptedConnections() + " connections");
        }
    }

    private void work(final RedisClient client, final int worker)
    {
        final Keys keys = new Keys(worker);
        final SplittableRandom random = new SplittableRandom(worker * 7919L);
        final long end = System.nanoTime() + RUN_NS;
        while (System.nanoTime() < end)
        {
            switch (random.nextInt(4))
            {
                case 0:
                    syncRound(client, keys, random);
                    break;
                case 1:
                    batchRound(client, keys, random);
                    break;
                case 2:
                    futureRound(client, keys, random);
                    break;
                default:
                    followUpRound(client, keys, random);
                    break;
            }
        }
    }

    private void syncRound(final RedisClient client, final Keys keys, final SplittableRandom random)
    {
        final int key = random.nextInt(KEYS_PER_THREAD);
        final String name = new String(keys.names[key], StandardCharsets.US_ASCII);
        final String value = keys.next(key);
        submitted.addAndGet(2);
        try
        {
            assertSet(keys, key, value, client.sync().set(name, value));
            completed.incrementAndGet();
        }
        catch (final RedisException ex)
        {
            completed.incrementAndGet();
            onSetFailure(keys, key, ex);
        }
        try
        {
            final String read = client.sync().get(name);
            if (!keys.accepts(key, read))
            {
                mismatch("sync GET " + name + " = " + read + ", expected " + keys.known[key]);
            }
        }
        catch (final RedisException ignore)
        {
            // A GET that failed tells nothing about the value; it completed all the same.
        }
        completed.incrementAndGet();
    }

    private void batchRound(final RedisClient client, final Keys keys, final SplittableRandom random)
    {
        final int size = 1 + random.nextInt(48);
        final int[] key = new int[size];
        final String[] sent = new String[size];
        final String[] got = new String[size];
        final RedisException[] failed = new RedisException[size];
        final boolean[] answered = new boolean[size];
        final Batch batch = client.newBatch(new ReplyHandler()
        {
            @Override
            public void onReply(final long token, final RespReader reply)
            {
                got[(int)token] = reply.isNull() ? null : reply.stringValue();
                answered[(int)token] = true;
                completed.incrementAndGet();
            }

            @Override
            public void onFailure(final long token, final RedisException error)
            {
                failed[(int)token] = error;
                answered[(int)token] = true;
                completed.incrementAndGet();
            }
        });
        for (int i = 0; i < size; i++)
        {
            key[i] = random.nextInt(KEYS_PER_THREAD);
            final boolean isSet = random.nextBoolean();
            sent[i] = isSet ? keys.next(key[i]) : null;
            final long code = isSet ?
                client.set(keys.names[key[i]], sent[i].getBytes(StandardCharsets.US_ASCII), batch, i) :
                client.get(keys.names[key[i]], batch, i);
            if (code < 0)
            {
                mismatch("batch submit returned " + code);
                answered[i] = true;
            }
            else
            {
                submitted.incrementAndGet();
            }
        }
        if (!batch.await(10, TimeUnit.SECONDS))
        {
            mismatch("batch of " + size + " not complete within 10 s: " + batch.outstanding() + " outstanding");
            return;
        }
        // Replies come back in order per connection, and one batch uses one connection: apply them in order.
        for (int i = 0; i < size; i++)
        {
            if (!answered[i])
            {
                mismatch("batch command " + i + " never completed");
            }
            else if (sent[i] != null)
            {
                if (failed[i] != null)
                {
                    onSetFailure(keys, key[i], failed[i]);
                }
                else if (!"OK".equals(got[i]))
                {
                    mismatch("batch SET answered " + got[i]);
                }
                else
                {
                    keys.known[key[i]] = sent[i];
                }
            }
            else if (failed[i] == null && !keys.accepts(key[i], got[i]))
            {
                mismatch("batch GET " + new String(keys.names[key[i]], StandardCharsets.US_ASCII) + " = " + got[i] +
                    ", expected " + keys.known[key[i]]);
            }
        }
    }

    private void futureRound(final RedisClient client, final Keys keys, final SplittableRandom random)
    {
        final int key = random.nextInt(KEYS_PER_THREAD);
        final String name = new String(keys.names[key], StandardCharsets.US_ASCII);
        final String value = keys.next(key);
        submitted.addAndGet(2);
        final CompletableFuture<String> set = client.async().set(name, value);
        final CompletableFuture<String> get = client.async().get(name);
        try
        {
            assertSet(keys, key, value, set.get(10, TimeUnit.SECONDS));
        }
        catch (final Exception ex)
        {
            onSetFailure(keys, key, ex.getCause() instanceof RedisException ? (RedisException)ex.getCause() : null);
        }
        completed.incrementAndGet();
        try
        {
            final String read = get.join();
            if (!keys.accepts(key, read) && !value.equals(read))
            {
                mismatch("future GET " + name + " = " + read + ", expected " + keys.known[key]);
            }
        }
        catch (final RuntimeException ignore)
        {
            // Failed GETs carry no value.
        }
        if (!get.isDone())
        {
            mismatch("joined future not done");
        }
        completed.incrementAndGet();
    }

    /** A SET's callback submits a GET of the same key from whichever thread completes the SET. */
    private void followUpRound(final RedisClient client, final Keys keys, final SplittableRandom random)
    {
        final int key = random.nextInt(KEYS_PER_THREAD);
        final byte[] name = keys.names[key];
        final String value = keys.next(key);
        final CompletableFuture<String> followUp = new CompletableFuture<>();
        final CompletableFuture<RedisException> setOutcome = new CompletableFuture<>();
        final ReplyHandler getHandler = new ReplyHandler()
        {
            @Override
            public void onReply(final long token, final RespReader reply)
            {
                followUp.complete(reply.isNull() ? null : reply.stringValue());
                completed.incrementAndGet();
            }

            @Override
            public void onFailure(final long token, final RedisException error)
            {
                followUp.completeExceptionally(error);
                completed.incrementAndGet();
            }
        };
        final ReplyHandler setHandler = new ReplyHandler()
        {
            @Override
            public void onReply(final long token, final RespReader reply)
            {
                submitted.incrementAndGet();
                if (client.get(name, getHandler, 0) < 0)
                {
                    completed.incrementAndGet();
                    followUp.complete("(not sent)");
                }
                setOutcome.complete(null);
                completed.incrementAndGet();
            }

            @Override
            public void onFailure(final long token, final RedisException error)
            {
                followUp.complete("(set failed)");
                setOutcome.complete(error);
                completed.incrementAndGet();
            }
        };
        submitted.incrementAndGet();
        if (client.set(name, value.getBytes(StandardCharsets.US_ASCII), setHandler, 0) < 0)
        {
            completed.incrementAndGet();
            return;
        }
        try
        {
            final RedisException setError = setOutcome.get(10, TimeUnit.SECONDS);
            if (setError == null)
            {
                keys.known[key] = value;
            }
            else
            {
                onSetFailure(keys, key, setError);
            }
            final String read = followUp.get(10, TimeUnit.SECONDS);
            if (read != null && !read.startsWith("(") && !value.equals(read))
            {
                mismatch("follow-up GET after SET " + value + " returned " + read);
            }
        }
        catch (final java.util.concurrent.ExecutionException ignore)
        {
            // The follow-up failed (connection reset): it completed, with no value to check.
        }
        catch (final Exception ex)
        {
            mismatch("follow-up round did not complete: " + ex);
        }
    }

    private void assertSet(final Keys keys, final int key, final String value, final String reply)
    {
        if ("OK".equals(reply))
        {
            keys.known[key] = value;
        }
        else
        {
            mismatch("SET answered " + reply);
        }
    }

    private static void onSetFailure(final Keys keys, final int key, final RedisException error)
    {
        if (error == null || error.mayHaveBeenApplied())
        {
            keys.known[key] = null;
        }
    }
}
