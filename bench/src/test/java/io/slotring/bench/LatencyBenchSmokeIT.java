package io.slotring.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.slotring.bench.report.MiniJson;
import io.slotring.launcher.LocalRedisCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bin/bench latency --quick} end to end on a small launcher cluster, cut to two clients and two rates so it
 * stays short: every phase must produce parseable lines and the report its tables and plot.
 */
class LatencyBenchSmokeIT
{
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void quickSweepProducesEveryPhaseAReportAndAPlot(@TempDir final Path out) throws IOException
    {
        final boolean haveC = RedisBenchmarkRunner.locate() != null;
        final List<String> clients = new ArrayList<>(List.of(ClientFactory.SLOTRING, ClientFactory.JEDIS));
        if (haveC)
        {
            clients.add(ClientFactory.REDIS_BENCHMARK);
        }
        final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        final int status;
        try (LocalRedisCluster cluster = LocalRedisCluster.builder().masters(3).replicasPerMaster(0).start())
        {
            status = LatencyBench.run(new String[] {
                "--quick", "--verify", "--warmup", "0", "--saturation-warmup", "0",
                "--seeds", cluster.seeds(),
                "--clients", String.join(",", clients),
                "--rates", "25,75",
                "--out", out.toString() },
                new PrintStream(stdout, true, StandardCharsets.UTF_8),
                new PrintStream(stderr, true, StandardCharsets.UTF_8));
        }
        final String log = stderr.toString(StandardCharsets.UTF_8);
        assertThat(status).as("exit status; stderr:%n%s", log).isZero();

        final List<Map<String, Object>> lines = stdout.toString(StandardCharsets.UTF_8).lines()
            .filter(line -> !line.isBlank()).map(MiniJson::parseObject).collect(Collectors.toList());
        final List<String> seen = new ArrayList<>();
        for (final Map<String, Object> result : lines)
        {
            final Map<?, ?> config = (Map<?, ?>)result.get("config");
            final String what = config.get("phase") + "/" + result.get("client");
            assertThat(result.get("error")).as("%s; stderr:%n%s", what, log).isNull();
            assertThat((Double)result.get("total_ops")).as(what).isPositive();
            assertThat((Double)result.get("mismatches")).as(what).isZero();
            assertThat(result).as(what).containsKey("cs_per_op");
            if ("fixed-rate".equals(config.get("phase")))
            {
                assertThat(config.get("mode")).isEqualTo("open-loop");
                assertThat((Double)config.get("rate")).isPositive();
            }
            if ("single-thread".equals(config.get("phase")))
            {
                assertThat(config.get("connections")).isEqualTo(1.0);
                assertThat(config.get("batch")).isEqualTo(1.0);
            }
            seen.add(what);
        }
        final List<String> expected = new ArrayList<>(List.of("saturation/slotring", "saturation/jedis",
            "fixed-rate/slotring", "fixed-rate/jedis", "fixed-rate/slotring", "fixed-rate/jedis",
            "single-thread/slotring-sync", "single-thread/slotring", "single-thread/jedis-sync"));
        if (haveC)
        {
            expected.add("single-thread/redis-benchmark");
        }
        assertThat(seen).containsExactlyElementsOf(expected);

        final List<Path> files;
        try (Stream<Path> list = Files.list(out))
        {
            files = list.collect(Collectors.toList());
        }
        final Path markdown = files.stream().filter(p -> p.getFileName().toString().endsWith("-latency.md"))
            .findFirst().orElseThrow(() -> new AssertionError("no report in " + files));
        final String report = Files.readString(markdown);
        assertThat(report).contains("## Saturation", "## Latency against offered load", "## Single-thread round trip",
            "| 25 % |", "| 75 % |", "- **25 %**", "--quick");
        final String svg = Files.readString(out.resolve(markdown.getFileName().toString().replace(".md", ".svg")));
        assertThat(svg).startsWith("<svg").contains("<polyline", "slotring", "jedis");
    }
}
