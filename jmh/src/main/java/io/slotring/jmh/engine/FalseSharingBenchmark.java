package io.slotring.jmh.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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
 * The two field layouts issue 10 asked about, each unpadded (a plain field next to fields the other side reads on
 * every pass) and padded (the written field in a Disruptor {@link Sequence}, on cache lines of its own). Two
 * threads share one state object, one per core:
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
        static final VarHandle ROUND_ROBIN = field(EndpointUnpadded.class, "roundRobin", int.class);
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

    /** IoAgent as it is: {@code sleeping} beside the agent's per-pass fields. */
    @State(Scope.Group)
    public static class AgentUnpadded
    {
        static final VarHandle PASS_NOW_NS = field(AgentUnpadded.class, "passNowNs", long.class);
        static final VarHandle PASS_WORK = field(AgentUnpadded.class, "passWork", int.class);
        long passNowNs;
        int passWork;
        volatile int sleeping;
    }

    /** IoAgent padded (measured, not adopted): {@code sleeping} in a padded Sequence. */
    @State(Scope.Group)
    public static class AgentPadded
    {
        static final VarHandle PASS_NOW_NS = field(AgentPadded.class, "passNowNs", long.class);
        static final VarHandle PASS_WORK = field(AgentPadded.class, "passWork", int.class);
        long passNowNs;
        int passWork;
        final Sequence sleeping = new Sequence(0);
    }

    private static VarHandle field(final Class<?> owner, final String name, final Class<?> type)
    {
        try
        {
            return MethodHandles.lookup().findVarHandle(owner, name, type);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
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
        final int next = endpoint.roundRobin;
        EndpointUnpadded.ROUND_ROBIN.setRelease(endpoint, next + 1);
        return endpoint.connections[(next & Integer.MAX_VALUE) % CONNECTIONS];
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
        // Release stores: plain MOVs on x86, but the JIT must emit every one (plain stores could be sunk out of
        // the benchmark loop, and then nothing would be shared at all).
        AgentUnpadded.PASS_NOW_NS.setRelease(agent, agent.passNowNs + 1);
        final int work = agent.passWork + 1;
        AgentUnpadded.PASS_WORK.setRelease(agent, work);
        return work;
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
        AgentPadded.PASS_NOW_NS.setRelease(agent, agent.passNowNs + 1);
        final int work = agent.passWork + 1;
        AgentPadded.PASS_WORK.setRelease(agent, work);
        return work;
    }

    @Benchmark
    @Group("sleepingPadded")
    @GroupThreads(1)
    public long sleepingPaddedProducerWake(final AgentPadded agent)
    {
        return agent.sleeping.get();
    }
}
