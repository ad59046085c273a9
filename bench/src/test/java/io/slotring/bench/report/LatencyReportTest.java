package io.slotring.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.slotring.bench.BenchSettings;
import io.slotring.bench.ClientFactory;
import io.slotring.bench.Op;
import io.slotring.bench.RunResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** The report of {@code bin/bench latency}, from made-up results: tables, ratios, verdicts, files. */
class LatencyReportTest
{
    private static final BenchSettings SETTINGS = new BenchSettings(List.of(Op.GET), List.of(), 16, 4, 512, 512, 64,
        1000, 5, 3, 2, 0, null, 5, false, 0, Path.of("unused"), false, 5, "bin/bench latency --x");

    @Test
    void rateLineGivesEachRatioAgainstTheBestPeerAndTheVerdict()
    {
        final Summary mine = summary(ClientFactory.SLOTRING, 50_000, 50, 200, 400, 5.0);
        final Summary jedis = summary(ClientFactory.JEDIS, 50_000, 100, 900, 1_000, 12.0);
        final Summary lettuce = summary(ClientFactory.LETTUCE, 40_000, 120, 400, 3_000, 20.0);
        final String line = LatencyReport.rateAnalysis(25, 50_000, mine, List.of(jedis, lettuce));
        assertThat(line).startsWith("**25 %** (50,000 ops/s): slotring p50 0.50x (50 vs jedis 100 \u00b5s), "
            + "p99 0.50x (200 vs lettuce 400 \u00b5s), p99.9 0.40x (400 vs jedis 1,000 \u00b5s), "
            + "CPU/op 0.42x (5.00 vs jedis 12.00 \u00b5s).");
        assertThat(line).contains("Did not keep pace with the offered rate: lettuce (40,000).",
            "Target (each <= 0.5x): met.");
        assertThat(LatencyReport.keptPace(48_600.0, 50_000)).isTrue();
        assertThat(LatencyReport.keptPace(48_400.0, 50_000)).as("fell behind").isFalse();
        assertThat(LatencyReport.keptPace(51_600.0, 50_000)).as("working off a backlog").isFalse();
        assertThat(LatencyReport.keptPace(null, 50_000)).isTrue();

        final Summary slower = summary(ClientFactory.SLOTRING, 50_000, 80, 200, 400, 7.0);
        assertThat(LatencyReport.rateAnalysis(50, 50_000, slower, List.of(jedis)))
            .contains("Target (each <= 0.5x): missed on p50, CPU/op.");
        assertThat(LatencyReport.rateAnalysis(10, 50_000, slower, List.of(jedis))).as("no target at 10 %")
            .doesNotContain("Target");
        assertThat(LatencyReport.rateAnalysis(25, 50_000, null, List.of(jedis))).contains("no figures");
    }

    @Test
    void singleThreadLineComparesWithTheBestReferenceAndTheSwitchTarget()
    {
        final Summary mine = summary(ClientFactory.SLOTRING_SYNC, 20_000, 45, 90, 200, 30.0);
        mine.rounds.get(0).csPerOp = 1.1;
        final Summary jedis = summary(ClientFactory.JEDIS_SYNC, 21_000, 48, 100, 300, 22.0);
        final Summary c = summary(ClientFactory.REDIS_BENCHMARK, 19_000, 44, 60, 100, 10.0);
        final String line = LatencyReport.singleAnalysis(mine, List.of(jedis, c));
        assertThat(line).isEqualTo("**slotring-sync**: 20,000 ops/s = 0.95x jedis-sync's 21,000; p50 45 \u00b5s = "
            + "1.02x redis-benchmark's 44 \u00b5s; 1.10 cs/op. Target: missed on ops/s, p50.");
    }

    @Test
    void writesTheMarkdownAndThePlotSideBySide(@TempDir final Path dir) throws IOException
    {
        final LatencyResults results = new LatencyResults(SETTINGS, Op.GET);
        results.saturationWindow = "5 s warmup + 5 s";
        results.saturation.add(result(ClientFactory.SLOTRING, 1, 100_000, 900, 3_000, 9_000, 3.0));
        results.saturation.add(result(ClientFactory.JEDIS, 1, 60_000, 1_500, 6_000, 12_000, 6.0));
        results.baseRate = 100_000.0;
        for (final int percent : new int[] { 25, 50 })
        {
            final long offered = percent * 1_000L;
            for (int round = 1; round <= 2; round++)
            {
                results.rates.add(new LatencyResults.RateRun(percent, offered,
                    result(ClientFactory.SLOTRING, round, offered, 40 + 2 * round, 200, 400, 5.0)));
                results.rates.add(new LatencyResults.RateRun(percent, offered,
                    result(ClientFactory.JEDIS, round, offered, 100, 900, 1_000 + round, 12.0)));
            }
        }
        results.single.add(result(ClientFactory.SLOTRING_SYNC, 1, 20_000, 45, 90, 200, 30.0));
        results.single.add(result(ClientFactory.JEDIS_SYNC, 1, 21_000, 48, 100, 300, 22.0));
        results.notes.add("a note");
        final Map<String, String> machine = new LinkedHashMap<>();
        machine.put("cores", "2 (availableProcessors)");
        machine.put("cpu", "Test CPU");
        machine.put("jdk", "17.0.15 (OpenJDK 64-Bit Server VM)");
        final LatencyReport report = new LatencyReport(results, machine, Map.of("127.0.0.1:7000", "7.0.15"),
            List.of("127.0.0.1:7000"));

        final Path markdown = report.write(dir);
        assertThat(markdown.getFileName().toString()).matches("\\d{4}-\\d{2}-\\d{2}-latency\\.md");
        final Path svg = dir.resolve(markdown.getFileName().toString().replace(".md", ".svg"));
        final String md = Files.readString(markdown);
        assertThat(md).contains("bin/bench latency --x", "## Machine", "## Saturation (closed loop)",
            "## Latency against offered load (open loop)", "## Single-thread round trip", "## Every run",
            "## Notes", "- a note", "![latency against offered load](" + svg.getFileName() + ")");
        assertThat(md).contains("| 25 % | 25,000 | slotring | 25,000 | 43 | 200 | 400 | 5.00 |",
            "| slotring-sync | slotring `sync().get` (blocks until the reply) | 20,000 | 45 |");
        assertThat(md).contains("- **25 %** (25,000 ops/s): slotring p50 0.43x", "- **slotring-sync**: 20,000");
        assertThat(md).contains("| fixed-rate | 50 % = 50,000 | jedis | 2 |");
        final String plot = Files.readString(svg);
        assertThat(plot).startsWith("<svg").contains("2 cores, Test CPU", "JDK 17.0.15", "Redis 7.0.15",
            "<polyline", "slotring (100k)", "jedis (60k)");
        assertThat(report.table()).contains("saturation (closed loop)", "fixed rate", "single-thread round trip",
            "slotring-sync");
    }

    private static Summary summary(final String client, final double opsPerSec, final double p50, final double p99,
        final double p999, final double cpu)
    {
        final Summary summary = new Summary(client, Op.GET);
        summary.rounds.add(result(client, 1, opsPerSec, p50, p99, p999, cpu));
        return summary;
    }

    private static RunResult result(final String client, final int round, final double opsPerSec, final double p50,
        final double p99, final double p999, final double cpu)
    {
        final RunResult result = new RunResult(client, Op.GET, round);
        result.totalOps = (long)opsPerSec * 5;
        result.opsPerSec = opsPerSec;
        result.p50Us = p50;
        result.p99Us = p99;
        result.p999Us = p999;
        result.cpuUsPerOp = cpu;
        result.allocBytesPerOp = 0.0;
        result.csPerOp = 0.5;
        result.clientConfig.put("library", client);
        return result;
    }
}
