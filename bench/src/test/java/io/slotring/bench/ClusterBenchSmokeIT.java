package io.slotring.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * bin/bench end to end in {@code --quick} mode against a small launcher cluster: every JVM client in the build
 * runs every op with {@code --verify}, and what it prints and writes must hold up.
 */
class ClusterBenchSmokeIT
{
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void quickVerifiedRunOfEveryJvmClientProducesParseableLinesAndAReport(@TempDir final Path out) throws IOException
    {
        final List<String> clients = new ArrayList<>(List.of(ClientFactory.SLOTRING, ClientFactory.LETTUCE,
            ClientFactory.JEDIS));
        final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        final int status;
        try (LocalRedisCluster cluster = LocalRedisCluster.builder().masters(3).replicasPerMaster(0).start())
        {
            status = ClusterBench.run(new String[] {
                "--quick", "--verify",
                "--seeds", cluster.seeds(),
                "--clients", String.join(",", clients),
                "--out", out.toString() },
                new PrintStream(stdout, true, StandardCharsets.UTF_8),
                new PrintStream(stderr, true, StandardCharsets.UTF_8));
        }
        final String log = stderr.toString(StandardCharsets.UTF_8);
        assertThat(status).as("exit status; stderr:%n%s", log).isZero();

        final List<String> lines = stdout.toString(StandardCharsets.UTF_8).lines()
            .filter(line -> !line.isBlank()).collect(Collectors.toList());
        final Set<String> seen = new HashSet<>();
        for (final String line : lines)
        {
            final Map<String, Object> result = MiniJson.parseObject(line);
            final String what = result.get("client") + "/" + result.get("op");
            assertThat(result.keySet()).as(what).contains("client", "op", "round", "ops_per_sec", "total_ops",
                "duration_sec", "cpu_us_per_op", "alloc_bytes_per_op", "cs_per_op", "p50_us", "p99_us", "p999_us",
                "config");
            assertThat(result.get("error")).as("%s error; stderr:%n%s", what, log).isNull();
            assertThat((Double)result.get("total_ops")).as(what).isPositive();
            assertThat((Double)result.get("ops_per_sec")).as(what).isPositive();
            assertThat((Double)result.get("mismatches")).as(what).isZero();
            assertThat((Double)result.get("errors")).as(what).isZero();
            assertThat((Double)result.get("p50_us")).as(what).isPositive();
            assertThat(result.get("config")).as(what).isInstanceOf(Map.class);
            assertThat(((Map<?, ?>)result.get("config")).get("verify")).as(what).isEqualTo(Boolean.TRUE);
            seen.add(what);
        }
        final Set<String> expected = new HashSet<>();
        for (final String client : clients)
        {
            for (final String op : List.of("get", "set", "mixed"))
            {
                expected.add(client + "/" + op);
            }
        }
        assertThat(seen).as("one line per client and op (quick = 1 round)").isEqualTo(expected);
        assertThat(lines).hasSize(expected.size());

        final List<Path> reports;
        try (Stream<Path> files = Files.list(out))
        {
            reports = files.collect(Collectors.toList());
        }
        final Path markdown = reports.stream().filter(p -> p.getFileName().toString().endsWith("-cluster-bench.md"))
            .findFirst().orElseThrow(() -> new AssertionError("no report in " + reports));
        assertThat(reports).anySatisfy(p -> assertThat(p.getFileName().toString()).endsWith(".svg"));
        final String report = Files.readString(markdown);
        assertThat(report).contains("## Results", "## Machine", "--quick", "| cs/op |",
            "slotring threads: io threads");
        for (final String client : clients)
        {
            assertThat(report).contains("| " + client + " |");
        }
        assertThat(Files.readString(reports.stream().filter(p -> p.toString().endsWith(".svg")).findFirst()
            .orElseThrow())).startsWith("<svg").contains("<polyline");
    }
}
