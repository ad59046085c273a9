package io.slotring.bench.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.slotring.bench.BenchWindowEvent;
import io.slotring.bench.Op;
import io.slotring.bench.RunResult;
import io.slotring.launcher.Await;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link JfrSummary} on a small recording made here with the settings {@code bin/bench profile} ships: threads
 * named like the harness's burn CPU and allocate in methods of their own, inside and outside window events, and
 * every sample must land with the client whose window and threads took it, and nowhere else.
 */
class JfrSummaryTest
{
    private static final long WINDOW_MS = 800;
    /** Each CPU-burning method carries its own loop: a shared helper would be the top frame of all of them. */
    private static final int SPIN = 20_000;
    private static volatile Object sink;
    private static volatile long spinSink;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void attributesCpuAllocationAndGcToTheClientWhoseWindowAndThreadsTookThem(@TempDir final Path dir)
        throws IOException, ParseException, InterruptedException
    {
        final Path jfr = dir.resolve("bench.jfr");
        try (Recording recording = new Recording(Configuration.create(shippedSettings())))
        {
            recording.start();
            // Priming (round 0) is recorded like any window but must be left out.
            window("slotring", 0, false, new Load("bench-slotring-0", JfrSummaryTest::primeOnlyWork));
            window("slotring", 1, true,
                new Load("bench-slotring-0", JfrSummaryTest::slotringWorker),
                new Load("slotring-io-0", JfrSummaryTest::slotringIo),
                new Load("unrelated-noise", JfrSummaryTest::noiseSpin));
            window("jedis", 1, false,
                new Load("bench-jedis-0", JfrSummaryTest::jedisWorker),
                new Load("jedis-pipeline-0", JfrSummaryTest::jedisIo));
            recording.stop();
            recording.dump(jfr);
        }
        final Path results = dir.resolve("results.jsonl");
        Files.write(results, List.of(resultLine("slotring", 1, 70_000), resultLine("jedis", 1, 35_000)),
            StandardCharsets.UTF_8);

        final JfrSummary.Profile profile = JfrSummary.read(jfr, results);

        assertThat(profile.windowsFromEvents).isTrue();
        assertThat(profile.clients).extracting(client -> client.client).containsExactly("slotring", "jedis");
        final ClientProfile slotring = profile.client("slotring");
        final ClientProfile jedis = profile.client("jedis");
        assertThat(slotring.windows).hasSize(1);
        assertThat(slotring.windows.get(0).op).isEqualTo("get");
        assertThat(slotring.windowSeconds()).isBetween(0.5, 2.0);
        assertThat(slotring.ops()).isEqualTo(70_000);

        assertThat(slotring.samplesByRole.get(ThreadRoles.WORKERS)).isPositive();
        assertThat(slotring.samplesByRole.get(ThreadRoles.IO)).isPositive();
        assertThat(methods(slotring.self)).contains(method("slotringSpin"), method("slotringIoSpin"))
            .doesNotContain(method("noiseSpin"), method("primeOnlyWork"), method("jedisSpin"));
        assertThat(methods(slotring.inclusive)).contains(method("slotringWorker"))
            .doesNotContain("java.lang.Thread.run");
        assertThat(methods(jedis.self)).contains(method("jedisSpin"))
            .doesNotContain(method("slotringSpin"), method("noiseSpin"));
        assertThat(methods(slotring.otherThreads)).contains("unrelated-noise");

        final Tally.Row slotringSite = slotring.allocSites.top(1).get(0);
        assertThat(slotringSite.key).startsWith("byte[]" + ClientProfile.SEPARATOR)
            .contains(method("slotringAllocate"));
        assertThat(methods(slotring.allocSites)).noneMatch(key -> key.contains("jedisAllocate"));
        assertThat(jedis.allocSites.top(1).get(0).key).startsWith("long[]" + ClientProfile.SEPARATOR)
            .contains(method("jedisAllocate"));
        assertThat(slotring.allocSites.total()).as("sampled bytes stand for what was allocated")
            .isGreaterThan(10L << 20);
        assertThat(slotring.gcKinds.keySet()).as("the System.gc() inside slotring's window")
            .anyMatch(kind -> kind.contains("System.gc()"));
        assertThat(jedis.gcKinds.keySet()).noneMatch(kind -> kind.contains("System.gc()"));

        final ProfileReport report = new ProfileReport(profile, Map.of("cores", "2"), "bin/bench profile --x", jfr,
            20);
        final String markdown = report.markdown();
        assertThat(markdown).contains("## slotring", "## jedis", "bin/bench profile --x",
            "| slotring | 1 |", "`" + method("slotringSpin") + "`", "`byte[]`", "`long[]`",
            "### Facts computed from this recording", "### Interpretation");
        assertThat(markdown).doesNotContain(method("noiseSpin"), method("primeOnlyWork"));
        assertThat(report.facts()).anyMatch(fact -> fact.startsWith("**slotring**: top self frame `"))
            .anyMatch(fact -> fact.contains("sampled allocation") && fact.contains("`byte[]`"));
        assertThat(report.console(5)).contains("[profile] slotring:", method("slotringSpin"));

        final Path first = report.write(dir);
        final Path second = report.write(dir);
        assertThat(first.getFileName().toString()).matches("\\d{4}-\\d{2}-\\d{2}-profile\\.md");
        assertThat(second.getFileName().toString()).matches("\\d{4}-\\d{2}-\\d{2}-profile-2\\.md");
    }

    @Test
    void threadNamesMapToTheirClientsOnly()
    {
        assertThat(ThreadRoles.of("slotring", "bench-slotring-12")).isEqualTo(ThreadRoles.WORKERS);
        assertThat(ThreadRoles.of("slotring", "slotring-io-0")).isEqualTo(ThreadRoles.IO);
        assertThat(ThreadRoles.of("slotring", "slotring-topology")).isEqualTo(ThreadRoles.OTHER);
        assertThat(ThreadRoles.of("slotring", "bench-lettuce-0")).isNull();
        assertThat(ThreadRoles.of("lettuce", "lettuce-nioEventLoop-4-1")).isEqualTo(ThreadRoles.IO);
        assertThat(ThreadRoles.of("lettuce", "lettuce-eventExecutorLoop-1-3")).isEqualTo(ThreadRoles.OTHER);
        assertThat(ThreadRoles.of("lettuce", "bench-lettuce-manual-3")).isNull();
        assertThat(ThreadRoles.of("lettuce-manual", "bench-lettuce-manual-3")).isEqualTo(ThreadRoles.WORKERS);
        assertThat(ThreadRoles.of("jedis", "jedis-pipeline-40")).isEqualTo(ThreadRoles.IO);
        assertThat(ThreadRoles.of("jedis", "commons-pool-evictor")).isEqualTo(ThreadRoles.OTHER);
        assertThat(ThreadRoles.of("jedis", "main")).isNull();
        assertThat(ThreadRoles.workerClient("bench-lettuce-manual-3")).isEqualTo("lettuce-manual");
        assertThat(ThreadRoles.workerClient("bench-x")).isNull();
        assertThat(ClientProfile.nativeKind("sun.nio.ch.EPoll.wait")).isEqualTo(ClientProfile.NATIVE_WAIT);
        assertThat(ClientProfile.nativeKind("sun.nio.ch.SocketDispatcher.read0")).isEqualTo(ClientProfile.NATIVE_READ);
        assertThat(ClientProfile.nativeKind("sun.nio.ch.FileDispatcherImpl.writev0"))
            .isEqualTo(ClientProfile.NATIVE_WRITE);
        assertThat(ClientProfile.nativeKind("sun.nio.ch.IOUtil.write1")).isEqualTo(ClientProfile.NATIVE_WAKEUP);
        assertThat(ClientProfile.javaName("[B")).isEqualTo("byte[]");
        assertThat(ClientProfile.javaName("[[Ljava.lang.Object;")).isEqualTo("java.lang.Object[][]");
        assertThat(ClientProfile.javaName("java.lang.String")).isEqualTo("java.lang.String");
        assertThat(ClientProfile.nativeKind("java.lang.Thread.yield")).isEqualTo(ClientProfile.NATIVE_OTHER);
    }

    @Test
    void readsTheHarnessJsonLine()
    {
        final RunResult result = new RunResult("jedis", Op.GET, 2);
        result.totalOps = 123_456;
        result.opsPerSec = 12_345.6;
        result.cpuUsPerOp = 5.25;
        result.allocBytesPerOp = 1447.0;
        result.gcCount = 4;
        result.gcMillis = 8;
        result.clientConfig.put("client", "nested, must not win");

        final JfrSummary.ResultLine line = JfrSummary.parse(Json.write(result.toJson()));

        assertThat(line.client).isEqualTo("jedis");
        assertThat(line.op).isEqualTo("get");
        assertThat(line.round).isEqualTo(2);
        assertThat(line.totalOps).isEqualTo(123_456);
        assertThat(line.cpuUsPerOp).isEqualTo(5.25);
        assertThat(line.allocBytesPerOp).isEqualTo(1447.0);
        assertThat(line.gcCount).isEqualTo(4);
        assertThat(line.error).isNull();
    }

    /** Starts the loads, marks a window around the middle of their run, and stops them after it. */
    private static void window(final String client, final int round, final boolean collect, final Load... loads)
        throws InterruptedException
    {
        final List<Thread> threads = new ArrayList<>();
        for (final Load load : loads)
        {
            final Thread thread = new Thread(load, load.name);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
        Await.until(Duration.ofSeconds(10), () -> allRunning(loads), "every load thread of " + client + " running");
        final BenchWindowEvent event = BenchWindowEvent.begin(client, Op.GET, round);
        Thread.sleep(WINDOW_MS / 2);
        if (collect)
        {
            System.gc();
        }
        Thread.sleep(WINDOW_MS / 2);
        BenchWindowEvent.end(event);
        // Samples after the window's end, which must stay out of it.
        Thread.sleep(100);
        for (final Load load : loads)
        {
            load.stop = true;
        }
        for (final Thread thread : threads)
        {
            thread.join(5_000);
        }
    }

    private static boolean allRunning(final Load... loads)
    {
        for (final Load load : loads)
        {
            if (!load.running)
            {
                return false;
            }
        }
        return true;
    }

    private static String resultLine(final String client, final int round, final long ops)
    {
        final RunResult result = new RunResult(client, Op.GET, round);
        result.totalOps = ops;
        return Json.write(result.toJson());
    }

    private static Path shippedSettings()
    {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null)
        {
            final Path jfc = dir.resolve("bin/lib/slotring-profile.jfc");
            if (Files.exists(jfc))
            {
                return jfc;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("bin/lib/slotring-profile.jfc not found above " + Path.of("").toAbsolutePath());
    }

    private static List<String> methods(final Tally tally)
    {
        final List<String> keys = new ArrayList<>();
        for (final Tally.Row row : tally.top(Integer.MAX_VALUE))
        {
            keys.add(row.key);
        }
        return keys;
    }

    private static String method(final String name)
    {
        return JfrSummaryTest.class.getName() + "." + name;
    }

    /** A thread body that runs until told to stop. */
    private static final class Load implements Runnable
    {
        final String name;
        final Work work;
        volatile boolean running;
        volatile boolean stop;

        Load(final String name, final Work work)
        {
            this.name = name;
            this.work = work;
        }

        @Override
        public void run()
        {
            running = true;
            while (!stop)
            {
                work.once();
            }
        }
    }

    @FunctionalInterface
    private interface Work
    {
        void once();
    }

    private static void slotringWorker()
    {
        slotringSpin();
        slotringAllocate();
    }

    private static void slotringIo()
    {
        slotringIoSpin();
    }

    private static void jedisWorker()
    {
        jedisSpin();
        jedisAllocate();
    }

    private static void jedisIo()
    {
        jedisSpin();
    }

    private static void slotringSpin()
    {
        long x = spinSink | 1;
        for (int i = 0; i < SPIN; i++)
        {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
        }
        spinSink = x;
    }

    private static void slotringIoSpin()
    {
        long x = spinSink | 1;
        for (int i = 0; i < SPIN; i++)
        {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
        }
        spinSink = x;
    }

    private static void jedisSpin()
    {
        long x = spinSink | 1;
        for (int i = 0; i < SPIN; i++)
        {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
        }
        spinSink = x;
    }

    private static void noiseSpin()
    {
        long x = spinSink | 1;
        for (int i = 0; i < SPIN; i++)
        {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
        }
        spinSink = x;
    }

    private static void primeOnlyWork()
    {
        long x = spinSink | 1;
        for (int i = 0; i < SPIN; i++)
        {
            x ^= x << 13;
            x ^= x >>> 7;
        }
        spinSink = x;
        sink = new int[256];
    }

    private static void slotringAllocate()
    {
        for (int i = 0; i < 16; i++)
        {
            sink = new byte[4096];
        }
    }

    private static void jedisAllocate()
    {
        for (int i = 0; i < 16; i++)
        {
            sink = new long[512];
        }
    }
}
