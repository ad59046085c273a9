package io.slotring.bench;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The resolved run configuration, immutable once built from the command line. Every client and the report read
 * the same instance, so what the report says ran is what ran.
 */
public final class BenchSettings
{
    public final List<Op> ops;
    public final List<String> clients;
    public final int connections;
    public final int mux;
    public final int keySize;
    public final int valueSize;
    public final int batch;
    public final int keys;
    public final int durationSec;
    public final int warmupSec;
    public final int rounds;
    public final int primeSec;
    public final String seeds;
    public final int embeddedMasters;
    public final boolean verify;
    public final long rate;
    public final Path out;
    public final boolean quick;
    public final long awaitTimeoutNs;
    public final String commandLine;
    /** slotring's thread options; the other clients ignore them. */
    public final SlotringOptions slotring;
    /** {@code --tls}: the embedded cluster serves TLS and every client measured uses it. */
    public final boolean tls;
    /** {@code --compare-tls}: the cluster serves TLS, and each client runs plain text then TLS in every round. */
    public final boolean compareTls;

    public BenchSettings(final List<Op> ops, final List<String> clients, final int connections, final int mux,
        final int keySize, final int valueSize, final int batch, final int keys, final int durationSec,
        final int warmupSec, final int rounds, final int primeSec, final String seeds, final int embeddedMasters,
        final boolean verify, final long rate, final Path out, final boolean quick, final int awaitTimeoutSec,
        final String commandLine)
    {
        this(ops, clients, connections, mux, keySize, valueSize, batch, keys, durationSec, warmupSec, rounds,
            primeSec, seeds, embeddedMasters, verify, rate, out, quick, awaitTimeoutSec, commandLine,
            SlotringOptions.DEFAULTS);
    }

    public BenchSettings(final List<Op> ops, final List<String> clients, final int connections, final int mux,
        final int keySize, final int valueSize, final int batch, final int keys, final int durationSec,
        final int warmupSec, final int rounds, final int primeSec, final String seeds, final int embeddedMasters,
        final boolean verify, final long rate, final Path out, final boolean quick, final int awaitTimeoutSec,
        final String commandLine, final SlotringOptions slotring)
    {
        this(ops, clients, connections, mux, keySize, valueSize, batch, keys, durationSec, warmupSec, rounds,
            primeSec, seeds, embeddedMasters, verify, rate, out, quick, awaitTimeoutSec, commandLine, slotring, false,
            false);
    }

    /**
     * @param tls        {@code --tls}: every client over TLS.
     * @param compareTls {@code --compare-tls}: every client plain text, then over TLS, in each round.
     */
    public BenchSettings(final List<Op> ops, final List<String> clients, final int connections, final int mux,
        final int keySize, final int valueSize, final int batch, final int keys, final int durationSec,
        final int warmupSec, final int rounds, final int primeSec, final String seeds, final int embeddedMasters,
        final boolean verify, final long rate, final Path out, final boolean quick, final int awaitTimeoutSec,
        final String commandLine, final SlotringOptions slotring, final boolean tls, final boolean compareTls)
    {
        this.ops = List.copyOf(ops);
        this.clients = List.copyOf(clients);
        this.connections = connections;
        this.mux = mux;
        this.keySize = keySize;
        this.valueSize = valueSize;
        this.batch = batch;
        this.keys = keys;
        this.durationSec = durationSec;
        this.warmupSec = warmupSec;
        this.rounds = rounds;
        this.primeSec = primeSec;
        this.seeds = seeds;
        this.embeddedMasters = embeddedMasters;
        this.verify = verify;
        this.rate = rate;
        this.out = out;
        this.quick = quick;
        this.awaitTimeoutNs = TimeUnit.SECONDS.toNanos(awaitTimeoutSec);
        this.commandLine = commandLine;
        this.slotring = slotring;
        this.tls = tls;
        this.compareTls = compareTls;
    }

    /**
     * @return whether the embedded cluster must serve TLS ({@code --tls} or {@code --compare-tls}).
     */
    public boolean clusterTls()
    {
        return tls || compareTls;
    }

    /**
     * @return what the runs' transport is: {@code tls}, {@code plain} or {@code plain+tls} (compared).
     */
    public String transport()
    {
        return compareTls ? "plain+tls" : tls ? "tls" : "plain";
    }

    /**
     * @return the same settings with other window lengths (the unmeasured priming pass).
     */
    BenchSettings withWindow(final int warmup, final int duration)
    {
        return new BenchSettings(ops, clients, connections, mux, keySize, valueSize, batch, keys, duration, warmup,
            rounds, primeSec, seeds, embeddedMasters, verify, rate, out, quick, awaitTimeoutSec(), commandLine,
            slotring, tls, compareTls);
    }

    /**
     * @return the same settings with another worker count, batch and offered rate (0: closed loop), for the
     * phases of {@code bin/bench latency}.
     */
    BenchSettings withShape(final int workers, final int batchSize, final long offeredRate)
    {
        return new BenchSettings(ops, clients, workers, mux, keySize, valueSize, batchSize, keys, durationSec,
            warmupSec, rounds, primeSec, seeds, embeddedMasters, verify, offeredRate, out, quick, awaitTimeoutSec(),
            commandLine, slotring, tls, compareTls);
    }

    private int awaitTimeoutSec()
    {
        return (int)TimeUnit.NANOSECONDS.toSeconds(awaitTimeoutNs);
    }

    public boolean openLoop()
    {
        return rate > 0;
    }

    /**
     * @param seedList the seeds actually used (embedded cluster or --seeds).
     * @param masters  masters found in the cluster.
     * @return the JSON "config" object shared by every client's lines.
     */
    Map<String, Object> describe(final String seedList, final int masters)
    {
        final Map<String, Object> config = new LinkedHashMap<>();
        config.put("connections", connections);
        config.put("mux", mux);
        config.put("key_size", keySize);
        config.put("value_size", valueSize);
        config.put("batch", batch);
        config.put("keys", keys);
        config.put("duration_sec", durationSec);
        config.put("warmup_sec", warmupSec);
        config.put("prime_sec", primeSec);
        config.put("mode", openLoop() ? "open-loop" : "closed-loop");
        config.put("rate", openLoop() ? rate : null);
        config.put("verify", verify);
        config.put("seeds", seedList);
        config.put("masters", masters);
        config.put("embedded_cluster", seeds == null);
        config.put("transport", transport());
        config.put("slotring", slotring.describe());
        return config;
    }
}
