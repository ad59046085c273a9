package io.slotring.bench;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The pure parts of {@code bin/bench latency}: which clients run where, and the rates it offers. */
class LatencyBenchTest
{
    private static final BenchSettings SETTINGS = new BenchSettings(List.of(Op.GET), List.of(), 16, 4, 512, 512, 64,
        1000, 1, 0, 1, 0, null, 5, false, 0, Path.of("unused"), true, 5, "test");

    @Test
    void ratesArePercentagesOfTheBaseRoundedToThreeSignificantDigits()
    {
        assertThat(LatencyBench.offeredRates(254_057, List.of(10, 25, 50, 75, 90)))
            .containsExactly(25_400L, 63_500L, 127_000L, 191_000L, 229_000L);
        assertThat(LatencyBench.offeredRates(88_318.5, List.of(10, 90))).containsExactly(8_830L, 79_500L);
        assertThat(LatencyBench.offeredRates(950, List.of(10))).containsExactly(95L);
        assertThat(LatencyBench.offeredRates(5, List.of(10))).as("never 0: open loop needs a rate").containsExactly(1L);
    }

    @Test
    void theBaseIsSlotringsSaturationElseTheBestClientsWithANote()
    {
        final List<String> notes = new ArrayList<>();
        final RunResult slotring = result(ClientFactory.SLOTRING, 200_000);
        final RunResult jedis = result(ClientFactory.JEDIS, 300_000);
        final RunResult lettuce = result(ClientFactory.LETTUCE, 100_000);
        assertThat(LatencyBench.baseRate(List.of(jedis, slotring, lettuce), notes)).isEqualTo(200_000);
        assertThat(notes).isEmpty();

        slotring.error = "could not connect";
        assertThat(LatencyBench.baseRate(List.of(jedis, slotring, lettuce), notes)).isEqualTo(300_000);
        assertThat(notes).singleElement().asString().contains("jedis");

        assertThat(LatencyBench.baseRate(List.of(slotring), new ArrayList<>())).isNull();
        assertThat(LatencyBench.baseRate(List.of(), new ArrayList<>())).isNull();
    }

    @Test
    void defaultPlanSweepsTheBatchClientsAndRunsEachBlockingApiThenC()
    {
        final LatencyBench.Plan plan = LatencyBench.plan(SETTINGS, List.of(), List.of(), true);
        assertThat(plan.sweep).containsExactly("slotring", "lettuce", "lettuce-manual", "jedis");
        assertThat(plan.single).containsExactly("slotring-sync", "slotring", "jedis-sync", "lettuce-sync",
            "redis-benchmark");
        assertThat(plan.percents).containsExactly(10, 25, 50, 75, 90);

        final LatencyBench.Plan noC = LatencyBench.plan(SETTINGS, List.of(), List.of(75, 25, 25), false);
        assertThat(noC.single).doesNotContain("redis-benchmark");
        assertThat(noC.notes).anySatisfy(note -> assertThat(note).contains("not installed"));
        assertThat(noC.percents).as("sorted, once each").containsExactly(25, 75);
    }

    @Test
    void namedClientsPickTheirBlockingCounterparts()
    {
        final LatencyBench.Plan plan = LatencyBench.plan(SETTINGS, List.of("Jedis", "lettuce-manual"), List.of(),
            true);
        assertThat(plan.sweep).containsExactly("jedis", "lettuce-manual");
        assertThat(plan.single).containsExactly("jedis-sync", "lettuce-sync");

        final LatencyBench.Plan onlyC = LatencyBench.plan(SETTINGS, List.of("redis-benchmark"), List.of(), true);
        assertThat(onlyC.sweep).isEmpty();
        assertThat(onlyC.single).containsExactly("redis-benchmark");
    }

    @Test
    void refusesWhatCannotRun()
    {
        assertThatThrownBy(() -> LatencyBench.plan(SETTINGS, List.of("slotring-sync"), List.of(), true))
            .hasMessageContaining("unknown client");
        assertThatThrownBy(() -> LatencyBench.plan(SETTINGS, List.of("redis-benchmark"), List.of(), false))
            .hasMessageContaining("not installed");
        assertThatThrownBy(() -> LatencyBench.plan(SETTINGS, List.of(), List.of(0), true))
            .hasMessageContaining("--rates");
    }

    @Test
    void badOptionsExitWithUsageBeforeAnythingStarts()
    {
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final PrintStream stderr = new PrintStream(err, true, StandardCharsets.UTF_8);
        final PrintStream stdout = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertThat(LatencyBench.run(new String[] { "--rates", "0" }, stdout, stderr)).isEqualTo(64);
        assertThat(LatencyBench.run(new String[] { "--io-idle", "yield" }, stdout, stderr)).isEqualTo(64);
        assertThat(ClusterBench.run(new String[] { "--io-idle", "yield" }, stdout, stderr)).isEqualTo(64);
        assertThat(ClusterBench.run(new String[] { "--io-threads", "-2" }, stdout, stderr)).isEqualTo(64);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--rates", "unknown --io-idle 'yield'",
            "--io-threads must be 1..256");
    }

    private static RunResult result(final String client, final double opsPerSec)
    {
        final RunResult result = new RunResult(client, Op.GET, 1);
        result.totalOps = (long)opsPerSec;
        result.opsPerSec = opsPerSec;
        return result;
    }
}
