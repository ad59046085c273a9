/**
 * The slotring engine and the standalone client.
 * <p>
 * Public ({@code io.slotring.engine}): {@link io.slotring.engine.Client} (what the standalone and the cluster
 * clients share), {@link io.slotring.engine.RedisClient}, its configuration
 * ({@link io.slotring.engine.ClientConfig}, {@link io.slotring.engine.ConnectionSettings}), the three API styles
 * (zero-copy {@link io.slotring.engine.ReplyHandler} with {@link io.slotring.engine.Batch},
 * {@link io.slotring.engine.AsyncCommands}, {@link io.slotring.engine.SyncCommands}), push listeners, options and
 * exceptions. Rings, connections, I/O agents and submitters live in {@code io.slotring.engine.internal}, exported
 * only to the cluster module.
 */
module io.slotring.engine
{
    requires transitive io.slotring.codec;
    // IdleStrategy and ErrorHandler are configuration types; DirectBuffer appears in command signatures.
    requires transitive org.agrona;
    requires com.lmax.disruptor;
    requires org.jctools.core;
    // Flight Recorder events on cold paths (connect, disconnect, timeout, topology change).
    requires jdk.jfr;
    // Latency recorders of ClientMetrics; no HdrHistogram type appears in the API (automatic module, by jar name).
    requires HdrHistogram;

    exports io.slotring.engine;
    exports io.slotring.engine.internal to io.slotring.cluster;
}
