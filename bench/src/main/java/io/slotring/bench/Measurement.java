package io.slotring.bench;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Drives one client through warmup and one measured window with {@code --connections} worker threads and reads
 * every figure of that window.
 *
 * <ul>
 *   <li>Closed loop (default): each worker picks {@code batch} random keys, fires them, awaits them all, repeats.
 *       Latency is per batch, from the first submit to the last reply.</li>
 *   <li>Open loop ({@code --rate}): commands have intended start times on a fixed schedule (rate / workers per
 *       worker); a worker sends every command whose time has come (up to {@code batch} at once) and records each
 *       one's latency from its INTENDED start. A client that falls behind is charged for the queueing it caused,
 *       which is the coordinated-omission correction; commands still unsent at the deadline are charged their
 *       wait so far.</li>
 * </ul>
 * The coordinator samples ops every second (the per-second series, also printed to stderr) and snapshots CPU and
 * allocation exactly at the window's edges; context switches at the start and every second of the window (see
 * {@link ContextSwitches} for why). Workers stop at the deadline by themselves; every batch wait is
 * bounded, and a worker that still does not stop is reported and abandoned (daemon thread), never waited on.
 */
final class Measurement
{
    /** Latencies above this (ns) are clamped: a batch stuck that long already failed its await. */
    private static final long HIGHEST_NS = TimeUnit.MINUTES.toNanos(10);
    private static final long JOIN_GRACE_NS = TimeUnit.SECONDS.toNanos(5);

    private Measurement()

    {

    }

    static RunResult run(final BenchClient client, final Op op, final int round, final BenchSettings settings,
        final Workload workload, final Map<String, Object> config, final PrintStream progress)
    {
        final RunResult result = new RunResult(client.name(), op, round);
        result.config.putAll(config);
        result.clientConfig.putAll(client.describe());
        result.latencyKind = settings.openLoop() ? "per command from intended start (open loop, CO-corrected)" :
            "per batch of " + settings.batch + " (closed loop)";
        final Outcome outcome = new Outcome();
        final WorkerThread[] workers = new WorkerThread[settings.connections];
        for (int i = 0; i < workers.length; i++)
        {
            workers[i] = new WorkerThread(i, client.newWorker(i, outcome), op, round, settings, workload, outcome);
        }

        // Same heap state for every client at the start of its run; outside every window.
        System.gc();
        final long startNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
        final long measureStartNs = startNs + TimeUnit.SECONDS.toNanos(settings.warmupSec);
        final long endNs = measureStartNs + TimeUnit.SECONDS.toNanos(settings.durationSec);
        final Thread[] threads = new Thread[workers.length];
        for (int i = 0; i < workers.length; i++)
        {
            workers[i].schedule(startNs, measureStartNs, endNs);
            threads[i] = new Thread(workers[i], "bench-" + client.name() + "-" + i);
            threads[i].setDaemon(true);
            threads[i].start();
        }

        final int seconds = settings.warmupSec + settings.durationSec;
        final long[] series = new long[seconds];
        JvmMeters.Snapshot begin = null;
        JvmMeters.Snapshot end = null;
        ContextSwitches.Tally switches = null;
        BenchWindowEvent window = null;
        long opsBegin = 0;
        long opsEnd = 0;
        long previousOps = 0;
        long previousNs = startNs;
        sleepUntil(startNs);
        if (settings.warmupSec == 0)
        {
            begin = JvmMeters.snapshot();
            switches = ContextSwitches.start();
            opsBegin = completed(workers);
            window = BenchWindowEvent.begin(client.name(), op, round);
        }
        int second = 1;
        for (; second <= seconds; second++)
        {
            sleepUntil(startNs + TimeUnit.SECONDS.toNanos(second));
            JvmMeters.Snapshot snapshot = null;
            if (second == settings.warmupSec || second == seconds)
            {
                snapshot = JvmMeters.snapshot();
            }
            final long now = System.nanoTime();
            final long ops = completed(workers);
            if (second == settings.warmupSec)
            {
                begin = snapshot;
                switches = ContextSwitches.start();
                opsBegin = ops;
                window = BenchWindowEvent.begin(client.name(), op, round);
            }
            else if (switches != null)
            {
                // Every second, not only at the end, so a thread that ends inside the window keeps most of its count.
                switches.sample();
            }
            if (second == seconds)
            {
                end = snapshot;
                opsEnd = ops;
                BenchWindowEvent.end(window);
            }
            final double rate = (ops - previousOps) * 1e9 / Math.max(1, now - previousNs);
            series[second - 1] = Math.round(rate);
            previousOps = ops;
            previousNs = now;
            final boolean warming = second <= settings.warmupSec;
            progress.printf(Locale.ROOT, "[bench] %-14s %-5s %-7s %s %3d/%ds %,12.0f ops/s%n", client.name(),
                op.label(), round == RunResult.PRIME_ROUND ? "prime" : "round " + round,
                warming ? "warmup " : "measure", warming ? second : second - settings.warmupSec,
                warming ? settings.warmupSec : settings.durationSec, rate);
            // Workers stop by themselves at the deadline, so only an earlier stop is a failure.
            if (second < seconds && allStopped(workers))
            {
                result.error = "every worker stopped after " + second + " s: " + firstFailure(workers, outcome);
                break;
            }
        }

        for (final WorkerThread worker : workers)
        {
            worker.stop = true;
        }
        final long joinDeadline = System.nanoTime() + settings.awaitTimeoutNs + JOIN_GRACE_NS;
        int hung = 0;
        for (final Thread thread : threads)
        {
            try
            {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(joinDeadline - System.nanoTime())));
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive())
            {
                hung++;
            }
        }

        final int measuredSeconds = Math.max(0, Math.min(second, seconds) - settings.warmupSec);
        result.warmupSeries = Arrays.copyOfRange(series, 0, Math.min(settings.warmupSec, seconds));
        result.measuredSeries = Arrays.copyOfRange(series, settings.warmupSec, settings.warmupSec + measuredSeconds);
        if (begin != null && end != null)
        {
            result.totalOps = opsEnd - opsBegin;
            result.durationSec = (end.nanoTime - begin.nanoTime) / 1e9;
            result.opsPerSec = result.durationSec > 0 ? result.totalOps / result.durationSec : 0;
            if (result.totalOps > 0)
            {
                result.cpuUsPerOp = (end.cpuNs - begin.cpuNs) / 1000.0 / result.totalOps;
                result.allocBytesPerOp = (double)end.allocatedSince(begin) / result.totalOps;
                result.csPerOp = switches == null ? null : (double)switches.total() / result.totalOps;
            }
            result.gcCount = end.gcCount - begin.gcCount;
            result.gcMillis = end.gcMillis - begin.gcMillis;
        }
        else if (result.error == null)
        {
            result.error = "the measured window was never reached";
        }
        final Histogram merged = new Histogram(1, HIGHEST_NS, 3);
        for (final WorkerThread worker : workers)
        {
            merged.add(worker.recorder.getIntervalHistogram());
        }
        result.histogram = merged;
        result.percentilesFromHistogram();
        result.mismatches = outcome.mismatches();
        result.errors = outcome.errors();
        result.firstMismatch = outcome.firstMismatch();
        if (result.error == null && outcome.firstError() != null)
        {
            result.error = outcome.firstError();
        }
        if (hung > 0)
        {
            result.error = (result.error == null ? "" : result.error + "; ") + hung +
                " worker(s) did not stop within the await timeout";
        }
        return result;
    }

    private static long completed(final WorkerThread[] workers)
    {
        long total = 0;
        for (final WorkerThread worker : workers)
        {
            total += worker.completed;
        }
        return total;
    }

    private static boolean allStopped(final WorkerThread[] workers)
    {
        for (final WorkerThread worker : workers)
        {
            if (!worker.finished)
            {
                return false;
            }
        }
        return true;
    }

    private static String firstFailure(final WorkerThread[] workers, final Outcome outcome)
    {
        for (final WorkerThread worker : workers)
        {
            if (worker.failure != null)
            {
                return Outcome.describe(worker.failure);
            }
        }
        return outcome.firstError() != null ? outcome.firstError() : "no failure recorded";
    }

    static void sleepUntil(final long deadlineNs)
    {
        long remaining;
        while ((remaining = deadlineNs - System.nanoTime()) > 0)
        {
            LockSupport.parkNanos(remaining);
            if (Thread.currentThread().isInterrupted())
            {
                return;
            }
        }
    }

    /** One worker thread: its own keys, random stream, latency recorder and progress counter. */
    private static final class WorkerThread implements Runnable
    {
        final Recorder recorder = new Recorder(1, HIGHEST_NS, 3);
        volatile long completed;
        volatile boolean stop;
        volatile boolean finished;
        volatile Throwable failure;

        private final int index;
        private final BenchClient.Worker worker;
        private final Op op;
        private final BenchSettings settings;
        private final Outcome outcome;
        private final int keyCount;
        private final SplittableRandom random;
        private final int[] keys;
        private final boolean[] isSet;
        private long sequence;
        private long startNs;
        private long measureStartNs;
        private long endNs;

        WorkerThread(final int index, final BenchClient.Worker worker, final Op op, final int round,
            final BenchSettings settings, final Workload workload, final Outcome outcome)
        {
            this.index = index;
            this.worker = worker;
            this.op = op;
            this.settings = settings;
            this.outcome = outcome;
            this.keyCount = workload.count();
            this.random = new SplittableRandom(0x5107_5EEDL * (index + 1) + round);
            this.keys = new int[settings.batch];
            this.isSet = new boolean[settings.batch];
        }

        void schedule(final long startNs, final long measureStartNs, final long endNs)
        {
            this.startNs = startNs;
            this.measureStartNs = measureStartNs;
            this.endNs = endNs;
        }

        @Override
        public void run()
        {
            try
            {
                sleepUntil(startNs);
                if (settings.openLoop())
                {
                    openLoop();
                }
                else
                {
                    closedLoop();
                }
            }
            catch (final Throwable ex)
            {
                failure = ex;
                outcome.error("worker " + index + ": " + Outcome.describe(ex));
            }
            finally
            {
                finished = true;
            }
        }

        private void fill(final int count)
        {
            for (int i = 0; i < count; i++)
            {
                keys[i] = random.nextInt(keyCount);
                isSet[i] = op.isSet(sequence++);
            }
        }

        private void closedLoop() throws Exception
        {
            final int batch = settings.batch;
            final long timeoutNs = settings.awaitTimeoutNs;
            while (!stop)
            {
                final long begin = System.nanoTime();
                if (begin - endNs >= 0)
                {
                    return;
                }
                fill(batch);
                worker.execute(keys, isSet, batch, timeoutNs);
                final long done = System.nanoTime();
                completed = completed + batch;
                if (begin - measureStartNs >= 0 && done - endNs <= 0)
                {
                    recorder.recordValue(Math.min(done - begin, HIGHEST_NS));
                }
            }
        }

        private void openLoop() throws Exception
        {
            final int batch = settings.batch;
            final long timeoutNs = settings.awaitTimeoutNs;
            final OpenLoopSchedule schedule = new OpenLoopSchedule(startNs, settings.rate, settings.connections,
                index);
            long next = 0;
            while (!stop)
            {
                final long now = System.nanoTime();
                if (now - endNs >= 0)
                {
                    break;
                }
                final long due = schedule.intended(next);
                if (due - now > 0)
                {
                    LockSupport.parkNanos(due - now);
                    continue;
                }
                final int count = schedule.due(next, now, batch);
                fill(count);
                worker.execute(keys, isSet, count, timeoutNs);
                final long done = System.nanoTime();
                for (int i = 0; i < count; i++)
                {
                    final long start = schedule.intended(next + i);
                    if (start - measureStartNs >= 0 && start - endNs < 0)
                    {
                        recorder.recordValue(Math.min(Math.max(0, done - start), HIGHEST_NS));
                    }
                }
                next += count;
                completed = completed + count;
            }
            // Commands due inside the window but never sent: charge them at least their wait so far.
            final long stopped = Math.min(System.nanoTime(), endNs);
            for (long k = next; ; k++)
            {
                final long start = schedule.intended(k);
                if (start - stopped >= 0)
                {
                    break;
                }
                if (start - measureStartNs >= 0)
                {
                    recorder.recordValue(Math.min(stopped - start, HIGHEST_NS));
                }
            }
        }
    }
}
