package io.slotring.bench;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RedisBenchmarkRunnerTest
{
    private static final Cluster CLUSTER = Cluster.of(List.of("127.0.0.1:7000"),
        List.of("127.0.0.1:7000", "127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003", "127.0.0.1:7004"));

    @Test
    void theFillIsParallelWhateverTheMeasuredShapeSoOneConnectionNoLongerLosesTheReference()
    {
        final RedisBenchmarkRunner runner = new RedisBenchmarkRunner(Path.of("/usr/bin/redis-benchmark"), CLUSTER,
            settings(1, 1), System.err);
        final List<String> fill = runner.arguments(Op.SET, 1_600_000, true);
        assertThat(fill).containsSequence("-c", "16").containsSequence("-P", "64").contains("SET");
        final List<String> measured = runner.arguments(Op.GET, 10_000, false);
        assertThat(measured).containsSequence("-c", "1").containsSequence("-P", "1").containsSequence("-n", "10000")
            .contains("--cluster", "GET");
    }

    @Test
    void aWiderMeasuredShapeIsKeptForTheFill()
    {
        final RedisBenchmarkRunner runner = new RedisBenchmarkRunner(Path.of("/usr/bin/redis-benchmark"), CLUSTER,
            settings(32, 128), System.err);
        assertThat(runner.arguments(Op.SET, 1000, true)).containsSequence("-c", "32").containsSequence("-P", "128");
    }

    @Test
    void caveatsDescribeTheSingleConnectionShape()
    {
        assertThat(RedisBenchmarkRunner.caveats(5, settings(1, 1)))
            .anySatisfy(line -> assertThat(line).contains("one connection sends one command at a time"))
            .anySatisfy(line -> assertThat(line).contains("at least 16 connections pipelining 64"));
        assertThat(RedisBenchmarkRunner.caveats(5, settings(16, 64)))
            .anySatisfy(line -> assertThat(line).contains("16 connections are spread round-robin"));
    }

    private static BenchSettings settings(final int connections, final int batch)
    {
        return new BenchSettings(List.of(Op.GET), List.of(), connections, 4, 512, 512, batch, 100_000, 1, 0, 1, 0,
            null, 5, false, 0, Path.of("unused"), false, 5, "test");
    }
}
