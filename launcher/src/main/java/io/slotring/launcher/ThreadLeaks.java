package io.slotring.launcher;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * The one thread-leak check of the tests: which of a client's (or a fault proxy's) threads are alive, and a bounded
 * wait, through {@link Await}, until none is.
 * <p>
 * Threads are told apart by name: the client names its own {@code slotring-io-N} (I/O agents),
 * {@code slotring-resolver}, {@code slotring-topology} and {@code slotring-topology-send}; a {@link FaultProxy}
 * names its threads {@code slotring-fault-proxy-PORT-...}; the launcher's shutdown hook is
 * {@code slotring-launcher-cleanup}. Depends on nothing but the JDK. Thread-safe and stateless.
 */
public final class ThreadLeaks
{
    /** Threads of a slotring client: every {@code slotring-*} thread except the launcher's and a fault proxy's. */
    public static final Predicate<Thread> CLIENT = thread ->
    {
        final String name = thread.getName();
        return name.startsWith("slotring-") && !name.startsWith("slotring-launcher") &&
            !name.startsWith("slotring-fault-proxy");
    };

    /** A client's I/O agents only ({@code slotring-io-N}). */
    public static final Predicate<Thread> IO_AGENTS = thread -> thread.getName().startsWith("slotring-io");

    /** Threads of every {@link FaultProxy} of this JVM. */
    public static final Predicate<Thread> FAULT_PROXY = thread -> thread.getName().startsWith("slotring-fault-proxy");

    private ThreadLeaks()

    {

    }

    /**
     * @param which the threads of interest, e.g. {@link #CLIENT}
     * @return the live threads {@code which} accepts, in no particular order
     */
    public static List<Thread> alive(final Predicate<? super Thread> which)
    {
        Objects.requireNonNull(which, "which");
        final List<Thread> alive = new ArrayList<>();
        for (final Thread thread : Thread.getAllStackTraces().keySet())
        {
            if (thread.isAlive() && which.test(thread))
            {
                alive.add(thread);
            }
        }
        return alive;
    }

    /**
     * @param which the threads of interest
     * @return the names of the live threads {@code which} accepts
     */
    public static List<String> names(final Predicate<? super Thread> which)
    {
        final List<String> names = new ArrayList<>();
        for (final Thread thread : alive(which))
        {
            names.add(thread.getName());
        }
        return names;
    }

    /**
     * Waits until no live thread is accepted by {@code which}: after a {@code close()} that must stop its threads.
     *
     * @param timeout how long the threads may take to end
     * @param which   the threads that must be gone
     * @param what    whose threads, for the failure message ("client threads after close()")
     * @throws AssertionError naming the threads still alive after {@code timeout}
     */
    public static void awaitNone(final Duration timeout, final Predicate<? super Thread> which, final String what)
    {
        Await.value(timeout, () -> names(which), List::isEmpty, "no " + what + " alive");
    }

    /**
     * Like {@link #awaitNone}, for checks that collect their findings (soft assertions) instead of failing at once.
     *
     * @param timeout how long the threads may take to end
     * @param which   the threads that must be gone
     * @return the names of the threads still alive after {@code timeout}; empty when all ended in time
     */
    public static List<String> remainingAfter(final Duration timeout, final Predicate<? super Thread> which)
    {
        try
        {
            awaitNone(timeout, which, "threads");
            return List.of();
        }
        catch (final AssertionError stillAlive)
        {
            return names(which);
        }
    }
}
