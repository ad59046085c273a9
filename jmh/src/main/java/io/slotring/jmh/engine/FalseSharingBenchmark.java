package io.slotring.jmh.engine;

import java.util.concurrent.TimeUnit;

import com.lmax.disruptor.Sequence;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The two field layouts issue 10 asked about, each as it was (a plain field next to fields the other side reads on
 * every pass) and as it is now (the written field in a Disruptor {@link Sequence}, padded to its own cache lines).
 * Two threads share one state object, one per core:
 * <ul>
 *   <li>{@code roundRobin*}: {@code NodeEndpoint}. A producer of keyless commands increments the round-robin
 *   counter; a producer of keyed commands reads {@code retired}, {@code connections} and picks a connection, as
 *   every submission does. The score of the reader is the cost the writer's line invalidations add.</li>
 *   <li>{@code sleeping*}: {@code IoAgent}. The agent writes its per-pass fields ({@code passNowNs},
 *   {@code passWork}) on every pass; a producer reads {@code sleeping} after every publish.</li>
 * </ul>
 * The benchmarks copy the layout, not the classes: the real ones need sockets. Run with
 * {@code bin/bench jmh FalseSharingBenchmark -prof gc}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FalseSharingBenchmark
{
    private static final int CONNECTIONS = 4;

    /** NodeEndpoint before: the racy counter between the fields every producer reads. */
    @State(Scope.Group)
    public static class EndpointUnpadded
    {
        final Object[] connections = newConnections();
        final Object config = new Object();
        int roundRobin;
        volatile boolean retired;
    }

    /** NodeEndpoint now: the counter in a padded Sequence. */
    @State(Scope.Group)
    public static class EndpointPadded
    {
        final Object[] connections = newConnections();
        final Object config = new Object();
        final Sequence roundRobin = new Sequence(0);
        volatile boolean retired;
    }

    /** IoAgent before: {@code sleeping} beside the agent's per-pass fields. */
    @State(Scope.Group)
    public static class AgentUnpadded
    {
        long passNowNs;
        int passWork;
        volatile int sleeping;
    }

    /** IoAgent now: {@code sleeping} in a padded Sequence. */
    @State(Scope.Group)
    public static class AgentPadded
    {
        long passNowNs;
        int passWork;
        final Sequence sleeping = new Sequence(0);
    }

    /** A keyed producer's own slot counter. */
    @State(Scope.Thread)
    public static class Slot
    {
        int next;
    }

    private static Object[] newConnections()
    {
        final Object[] connections = new Object[CONNECTIONS];
        for (int i = 0; i < CONNECTIONS; i++)
        {
            connections[i] = new Object();
        }
        return connections;
    }

    @Benchmark
    @Group("roundRobinUnpadded")
    @GroupThreads(1)
    public Object roundRobinUnpaddedKeyless(final EndpointUnpadded endpoint)
    {
        return endpoint.connections[(endpoint.roundRobin++ & Integer.MAX_VALUE) % CONNECTIONS];
    }

    @Benchmark
    @Group("roundRobinUnpadded")
    @GroupThreads(1)
    public Object roundRobinUnpaddedKeyed(final EndpointUnpadded endpoint, final Slot slot)
    {
        return endpoint.retired ?
            endpoint.config : endpoint.connections[(slot.next++ & Integer.MAX_VALUE) % CONNECTIONS];
    }

    @Benchmark
    @Group("roundRobinPadded")
    @GroupThreads(1)
    public Object roundRobinPaddedKeyless(final EndpointPadded endpoint)
    {
        final long next = endpoint.roundRobin.get();
        endpoint.roundRobin.set(next + 1);
        return endpoint.connections[(int)((next & Integer.MAX_VALUE) % CONNECTIONS)];
    }

    @Benchmark
    @Group("roundRobinPadded")
    @GroupThreads(1)
    public Object roundRobinPaddedKeyed(final EndpointPadded endpoint, final Slot slot)
    {
        return endpoint.retired ?
            endpoint.config : endpoint.connections[(slot.next++ & Integer.MAX_VALUE) % CONNECTIONS];
    }

    @Benchmark
    @Group("sleepingUnpadded")
    @GroupThreads(1)
    public int sleepingUnpaddedAgentPass(final AgentUnpadded agent)
    {
        agent.passNowNs++;
        return ++agent.passWork;
    }

    @Benchmark
    @Group("sleepingUnpadded")
    @GroupThreads(1)
    public int sleepingUnpaddedProducerWake(final AgentUnpadded agent)
    {
        return agent.sleeping;
    }

    @Benchmark
    @Group("sleepingPadded")
    @GroupThreads(1)
    public int sleepingPaddedAgentPass(final AgentPadded agent)
    {
        agent.passNowNs++;
        return ++agent.passWork;
    }

    @Benchmark
    @Group("sleepingPadded")
    @GroupThreads(1)
    public long sleepingPaddedProducerWake(final AgentPadded agent)
    {
        return agent.sleeping.get();
    }
}
