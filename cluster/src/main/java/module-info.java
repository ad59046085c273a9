/**
 * The Redis Cluster client: {@link io.slotring.cluster.ClusterClient}, {@link io.slotring.cluster.ClusterConfig},
 * {@link io.slotring.cluster.ReadFrom} and {@link io.slotring.cluster.ClusterRoutingException}. Requiring this
 * module is enough: it brings the engine's and the codec's public packages along (requires transitive).
 */
module io.slotring.cluster
{
    requires transitive io.slotring.engine;

    exports io.slotring.cluster;
}
