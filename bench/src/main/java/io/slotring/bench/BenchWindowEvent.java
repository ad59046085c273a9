package io.slotring.bench;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * A JFR event spanning one client's measured window. {@code bin/bench profile} records the whole run, priming and
 * warmup included; {@link JfrSummary} keeps only the samples inside these events, so code still being compiled (and
 * allocations that C2's escape analysis later removes) never land in the tables.
 *
 * <p>Costs nothing without a recording: JFR leaves {@code begin()} and {@code commit()} empty until the event is
 * enabled, and it is created once per window, outside the hot path.
 */
@Name(BenchWindowEvent.NAME)
@Label("Measured window")
@Category({"slotring", "bench"})
@Description("One client's measured window in bin/bench; priming (round 0) and warmup are outside it")
@StackTrace(false)
public final class BenchWindowEvent extends jdk.jfr.Event
{
    public static final String NAME = "io.slotring.bench.Window";

    @Label("Client")
    String client;

    @Label("Op")
    String op;

    @Label("Round")
    @Description("0 is the unmeasured priming pass")
    int round;

    /**
     * @return an event whose duration starts now; hand it to {@link #end}.
     */
    public static BenchWindowEvent begin(final String client, final Op op, final int round)
    {
        final BenchWindowEvent event = new BenchWindowEvent();
        event.client = client;
        event.op = op.label();
        event.round = round;
        event.begin();
        return event;
    }

    /**
     * Ends and commits the window; null (the window never began) is ignored.
     */
    public static void end(final BenchWindowEvent event)
    {
        if (event != null)
        {
            event.commit();
        }
    }
}
