package io.slotring.engine.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link BufferPool}: power-of-two classes, reuse of released buffers, and the retention bounds (8 per class, 1 MiB
 * per buffer, 4 MiB in all). A buffer the pool freed is never touched again here, only compared by identity.
 */
class BufferPoolTest
{
    private static final int MIB = 1 << 20;

    private final BufferPool pool = new BufferPool();

    @AfterEach
    void close()
    {
        pool.close();
    }

    /** How many of {@code count} buffers of {@code capacity} acquired now are ones from {@code released}. */
    private int reused(final List<ByteBuffer> released, final int count, final int capacity)
    {
        final Set<ByteBuffer> known = Collections.newSetFromMap(new IdentityHashMap<>());
        known.addAll(released);
        int reused = 0;
        final List<ByteBuffer> again = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            final ByteBuffer buffer = pool.acquire(capacity);
            again.add(buffer);
            reused += known.contains(buffer) ? 1 : 0;
        }
        again.forEach(pool::release);
        return reused;
    }

    private List<ByteBuffer> acquireAndRelease(final int count, final int capacity)
    {
        final List<ByteBuffer> buffers = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            buffers.add(pool.acquire(capacity));
        }
        buffers.forEach(pool::release);
        return buffers;
    }

    @Test
    void sizeClassesArePowersOfTwoFromFourKiB()
    {
        assertThat(BufferPool.classIndex(1)).isZero();
        assertThat(BufferPool.classIndex(4096)).isZero();
        assertThat(BufferPool.classIndex(4097)).isEqualTo(1);
        assertThat(BufferPool.classIndex(8192)).isEqualTo(1);
        assertThat(BufferPool.classIndex(MIB)).isEqualTo(8);
        assertThat(BufferPool.classIndex(BufferPool.MAX_CAPACITY)).isEqualTo(18);
    }

    @Test
    void acquireHandsOutAClearedDirectBufferOfTheClassSize()
    {
        final ByteBuffer small = pool.acquire(10);
        assertThat(small.isDirect()).isTrue();
        assertThat(small.capacity()).isEqualTo(4096);
        final ByteBuffer odd = pool.acquire(5000);
        assertThat(odd.capacity()).isEqualTo(8192);

        odd.position(100).limit(200);
        pool.release(odd);
        final ByteBuffer again = pool.acquire(6000);
        assertThat(again).isSameAs(odd);
        assertThat(again.position()).isZero();
        assertThat(again.limit()).isEqualTo(8192);
        pool.release(small);
        pool.release(again);
    }

    @Test
    void aReleasedBufferIsReusedByItsClassOnly()
    {
        final ByteBuffer buffer = pool.acquire(4096);
        pool.release(buffer);
        final ByteBuffer otherClass = pool.acquire(8192);
        assertThat(otherClass).isNotSameAs(buffer);
        assertThat(pool.acquire(100)).isSameAs(buffer);
        pool.release(otherClass);
        pool.release(buffer);
    }

    @Test
    void eachClassKeepsAtMostEightBuffers()
    {
        final List<ByteBuffer> released = acquireAndRelease(9, 4096);
        assertThat(reused(released, 9, 4096)).isEqualTo(8);
    }

    @Test
    void allClassesTogetherKeepAtMostFourMiB()
    {
        final List<ByteBuffer> released = acquireAndRelease(6, MIB);
        assertThat(reused(released, 6, MIB)).isEqualTo((int)(BufferPool.MAX_RETAINED_BYTES / MIB));
    }

    @Test
    void buffersAboveOneMiBAreFreedOnReleaseNotKept()
    {
        final List<ByteBuffer> released = acquireAndRelease(1, 2 * MIB);
        assertThat(reused(released, 1, 2 * MIB)).isZero();
    }

    @Test
    void aRequestAboveTheLargestClassIsRefused()
    {
        assertThatThrownBy(() -> pool.acquire(BufferPool.MAX_CAPACITY + 1))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("largest class");
    }

    @Test
    void afterCloseReleasedBuffersAreFreedNotKept()
    {
        final ByteBuffer buffer = pool.acquire(4096);
        pool.close();
        pool.release(buffer);
        assertThat(pool.acquire(4096)).isNotSameAs(buffer);
    }

    @Test
    void concurrentAcquireAndReleaseNeverHandOneBufferToTwoOwners() throws InterruptedException
    {
        final Set<ByteBuffer> owned = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
        final List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        final Thread[] threads = new Thread[2];
        for (int t = 0; t < threads.length; t++)
        {
            threads[t] = new Thread(() ->
            {
                try
                {
                    for (int i = 0; i < 20_000; i++)
                    {
                        final ByteBuffer buffer = pool.acquire(4096 << (i % 3));
                        if (!owned.add(buffer))
                        {
                            throw new AssertionError("handed out twice: " + buffer);
                        }
                        owned.remove(buffer);
                        pool.release(buffer);
                    }
                }
                catch (final Throwable ex)
                {
                    failures.add(ex);
                }
            });
            threads[t].start();
        }
        for (final Thread thread : threads)
        {
            thread.join();
        }
        assertThat(failures).isEmpty();
    }
}
