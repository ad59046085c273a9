package io.slotring.bench;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * {@code --op eval,pubsub} end to end, short and small: 2 workers of 16-command batches, 1 s warmup and 1 s
 * measured per client and op, against a 3-master launcher cluster. Every row must have throughput, no mismatch or
 * error, and pub/sub must have delivered every message it published.
 */
class ExtraOpsIT
{
    private static final List<String> CLIENTS = List.of(ClientFactory.SLOTRING, ClientFactory.LETTUCE,
        ClientFactory.JEDIS);

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void evalAndPubSubRowsAreSaneForEveryClient(@TempDir final Path out) throws Exception
    {
        final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        final int status;
        try (LocalRedisCluster cluster = LocalRedisCluster.builder().masters(3).replicasPerMaster(0).start())
        {
            status = ClusterBench.run(new String[] {
                "--quick", "--verify", "--warmup", "1", "--duration", "1", "--connections", "2", "--batch", "16",
                "--keys", "500", "--await-timeout", "5",
                "--op", "eval,pubsub",
                "--seeds", cluster.seeds(),
                "--clients", String.join(",", CLIENTS),
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
            assertThat(result.get("error")).as("%s error; stderr:%n%s", what, log).isNull();
            assertThat((Double)result.get("total_ops")).as(what).isPositive();
            assertThat((Double)result.get("ops_per_sec")).as(what).isPositive();
            assertThat((Double)result.get("mismatches")).as(what).isZero();
            assertThat((Double)result.get("errors")).as(what).isZero();
            assertThat((Double)result.get("p50_us")).as(what).isPositive();
            assertThat((Double)result.get("cpu_us_per_op")).as(what).isPositive();
            if ("pubsub".equals(result.get("op")))
            {
                assertThat((Double)result.get("published")).as(what).isGreaterThanOrEqualTo(
                    (Double)result.get("total_ops"));
                assertThat(result.get("delivered")).as(what + " delivered == published")
                    .isEqualTo(result.get("published"));
                assertThat((Double)result.get("lost")).as(what).isZero();
                assertThat((String)result.get("latency")).as(what).startsWith("publish to receive");
            }
            else
            {
                assertThat(result).as(what).doesNotContainKey("published");
                assertThat(((Map<?, ?>)((Map<?, ?>)result.get("config")).get("client")).get("eval_script"))
                    .as(what).asString().contains("redis.call('GET', KEYS[1])");
            }
            seen.add(what);
        }
        final Set<String> expected = new HashSet<>();
        for (final String client : CLIENTS)
        {
            expected.add(client + "/eval");
            expected.add(client + "/pubsub");
        }
        assertThat(seen).isEqualTo(expected);
        assertThat(lines).hasSize(expected.size());

        final Path markdown;
        try (Stream<Path> files = Files.list(out))
        {
            markdown = files.filter(p -> p.getFileName().toString().endsWith("-cluster-bench.md")).findFirst()
                .orElseThrow(() -> new AssertionError("no report in " + out));
        }
        assertThat(Files.readString(markdown)).contains("| eval | slotring |", "| pubsub | jedis |",
            "publish to receive", "lost 0");
    }
}
