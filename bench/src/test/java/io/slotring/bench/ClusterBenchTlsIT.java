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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bin/bench --tls} and {@code --compare-tls} end to end on a small embedded TLS cluster (the run starts it:
 * TLS needs the CA of the cluster it starts): every client, redis-benchmark included when installed, does ops over
 * TLS with its peer verified, with 0 mismatches, and the report says TLS.
 */
class ClusterBenchTlsIT
{
    /** One second windows, no warmup, 2 workers: the TLS plumbing, not the figures. */
    private static final List<String> SHORT = List.of("--quick", "--verify", "--masters", "3", "--op", "get",
        "--duration", "1", "--warmup", "0", "--connections", "2", "--batch", "8", "--keys", "500");

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void compareTlsRunsEveryClientPlainThenOverTls(@TempDir final Path out) throws IOException
    {
        final List<String> clients = new ArrayList<>(List.of(ClientFactory.SLOTRING, ClientFactory.LETTUCE,
            ClientFactory.LETTUCE_MANUAL, ClientFactory.JEDIS));
        if (RedisBenchmarkRunner.locate() != null)
        {
            clients.add(ClientFactory.REDIS_BENCHMARK);
        }
        final List<Map<String, Object>> lines = run(out, "--compare-tls", clients);
        final Set<String> seen = new HashSet<>();
        for (final Map<String, Object> line : lines)
        {
            final String client = (String)line.get("client");
            assertThat(line.get("tls")).as(client).isEqualTo(client.endsWith("+tls"));
            assertThat(((Map<?, ?>)line.get("config")).get("transport")).as(client).isEqualTo("plain+tls");
            seen.add(client);
        }
        final Set<String> expected = new HashSet<>();
        for (final String client : clients)
        {
            expected.add(client);
            expected.add(client + "+tls");
        }
        assertThat(seen).isEqualTo(expected);
        assertThat(lines).hasSize(expected.size());
        final String report = report(out);
        assertThat(report).contains("# Cluster benchmark (plain text vs TLS)", "## TLS against plain text",
            "| get | slotring+tls | yes |", "| get | slotring | no |");
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void tlsRunsEveryClientOverTls(@TempDir final Path out) throws IOException
    {
        final List<String> clients = List.of(ClientFactory.SLOTRING, ClientFactory.SLOTRING_OPENSSL,
            ClientFactory.LETTUCE, ClientFactory.JEDIS, ClientFactory.JEDIS_SYNC);
        final List<Map<String, Object>> lines = run(out, "--tls", clients);
        final Set<String> seen = new HashSet<>();
        for (final Map<String, Object> line : lines)
        {
            assertThat(line.get("tls")).as("%s", line.get("client")).isEqualTo(Boolean.TRUE);
            final Map<?, ?> clientConfig = (Map<?, ?>)((Map<?, ?>)line.get("config")).get("client");
            assertThat(clientConfig.get("tls")).as("%s", line.get("client")).isNotNull().isNotEqualTo("off");
            seen.add((String)line.get("client"));
        }
        assertThat(seen).containsExactlyInAnyOrderElementsOf(clients);
        assertThat(lines).filteredOn(line -> ClientFactory.SLOTRING_OPENSSL.equals(line.get("client")))
            .allSatisfy(line -> assertThat(String.valueOf(((Map<?, ?>)((Map<?, ?>)line.get("config")).get("client"))
                .get("tls"))).contains("BoringSSL"));
        assertThat(report(out)).contains("# Cluster benchmark (TLS)", "- Transport: TLS (`--tls`)");
    }

    /** Runs bin/bench with {@link #SHORT}, {@code transport} and {@code clients}; checks every line's figures. */
    private static List<Map<String, Object>> run(final Path out, final String transport, final List<String> clients)
    {
        final List<String> args = new ArrayList<>(SHORT);
        args.addAll(List.of(transport, "--clients", String.join(",", clients), "--out", out.toString()));
        final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        final int status = ClusterBench.run(args.toArray(new String[0]),
            new PrintStream(stdout, true, StandardCharsets.UTF_8),
            new PrintStream(stderr, true, StandardCharsets.UTF_8));
        final String log = stderr.toString(StandardCharsets.UTF_8);
        assertThat(status).as("exit status; stderr:%n%s", log).isZero();
        final List<Map<String, Object>> lines = new ArrayList<>();
        for (final String line : stdout.toString(StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank())
            .collect(Collectors.toList()))
        {
            final Map<String, Object> result = MiniJson.parseObject(line);
            final String what = result.get("client") + "/" + result.get("op");
            assertThat(result.get("error")).as("%s error; stderr:%n%s", what, log).isNull();
            assertThat((Double)result.get("total_ops")).as(what).isPositive();
            assertThat((Double)result.get("mismatches")).as(what).isZero();
            assertThat((Double)result.get("errors")).as(what).isZero();
            lines.add(result);
        }
        return lines;
    }

    private static String report(final Path out) throws IOException
    {
        try (Stream<Path> files = Files.list(out))
        {
            final Path markdown = files.filter(p -> p.getFileName().toString().endsWith("-cluster-bench.md"))
                .findFirst().orElseThrow(() -> new AssertionError("no report in " + out));
            return Files.readString(markdown);
        }
    }
}
