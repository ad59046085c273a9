package io.slotring.bench;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code --tls} / {@code --compare-tls} option checks (refused before any cluster starts) and the run labels of
 * {@code --compare-tls}.
 */
class TlsOptionsTest
{
    @Test
    void tlsNeedsTheEmbeddedClusterAndExcludesCompareTls()
    {
        assertThat(usage("--tls", "--seeds", "127.0.0.1:7000")).contains("need the embedded cluster");
        assertThat(usage("--compare-tls", "--seeds", "127.0.0.1:7000")).contains("need the embedded cluster");
        assertThat(usage("--tls", "--compare-tls")).contains("exclude each other");
    }

    @Test
    void latencyTakesTlsButNotCompareTls()
    {
        final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        final int status = BenchCommand.execute(new LatencyBench(), new String[] {"--compare-tls"},
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(stderr, true, StandardCharsets.UTF_8));
        assertThat(status).isEqualTo(BenchCommand.EXIT_USAGE);
        assertThat(stderr.toString(StandardCharsets.UTF_8)).contains("not --compare-tls");
    }

    @Test
    void compareTlsRunsEachClientPlainThenTlsAndTheSettingsSaySo()
    {
        final BenchSettings compare = settings(false, true);
        assertThat(ClusterBench.labels(compare, List.of("slotring", "jedis")))
            .containsExactly("slotring", "slotring+tls", "jedis", "jedis+tls");
        assertThat(compare.clusterTls()).isTrue();
        assertThat(compare.describe("s", 3)).containsEntry("transport", "plain+tls");
        final BenchSettings tls = settings(true, false);
        assertThat(ClusterBench.labels(tls, List.of("slotring", "jedis"))).containsExactly("slotring", "jedis");
        assertThat(tls.describe("s", 3)).containsEntry("transport", "tls");
        assertThat(tls.withWindow(0, 1).tls).as("kept by withWindow").isTrue();
        assertThat(tls.withShape(1, 1, 0).tls).as("kept by withShape").isTrue();
        assertThat(settings(false, false).describe("s", 3)).containsEntry("transport", "plain");
    }

    private static BenchSettings settings(final boolean tls, final boolean compareTls)
    {
        return new BenchSettings(List.of(Op.GET), List.of(), 2, 1, 64, 64, 8, 100, 1, 0, 1, 0, null, 3, true, 0,
            Path.of("out"), true, 10, "test", SlotringOptions.DEFAULTS, tls, compareTls);
    }

    private static String usage(final String... args)
    {
        final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        final int status = ClusterBench.run(args, new PrintStream(new ByteArrayOutputStream(), true,
            StandardCharsets.UTF_8), new PrintStream(stderr, true, StandardCharsets.UTF_8));
        assertThat(status).isEqualTo(BenchCommand.EXIT_USAGE);
        return stderr.toString(StandardCharsets.UTF_8);
    }
}
