package io.slotring.engine;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.function.LongPredicate;

import io.slotring.launcher.Await;

/** The JVM's direct buffer pool, as the memory checks of the engine's tests read it. */
final class DirectMemory
{
    private static final BufferPoolMXBean POOL = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)
        .stream().filter(pool -> pool.getName().equals("direct")).findFirst().orElseThrow();

    private DirectMemory()

    {

    }

    /** @return direct bytes in use now. */
    static long used()
    {
        return POOL.getMemoryUsed();
    }

    /**
     * Waits (up to 10 s) until the direct bytes in use satisfy {@code accept}: buffers are allocated and released
     * by the I/O threads a moment after the bytes that cause it.
     *
     * @return the first reading {@code accept} took
     */
    static long awaitUsed(final LongPredicate accept, final String what)
    {
        return Await.value(Duration.ofSeconds(10), DirectMemory::used, accept::test, what);
    }
}
