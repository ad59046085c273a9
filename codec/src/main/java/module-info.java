/**
 * RESP2/RESP3 codec and cluster key hashing.
 * <p>
 * Public: {@link io.slotring.codec.RespReader} (the zero-copy reply cursor a {@code ReplyHandler} receives),
 * {@link io.slotring.codec.RespType}, {@link io.slotring.codec.RespProtocolException} and
 * {@link io.slotring.codec.SlotHash}. The encoder, decoder and precomputed command headers live in
 * {@code io.slotring.codec.internal}, exported only to slotring's engine and cluster modules.
 */
module io.slotring.codec
{
    // DirectBuffer appears in RespReader's and SlotHash's signatures. Agrona ships no module descriptor (automatic
    // module "org.agrona"); it reaches jdk.internal.misc, so a module-path application adds
    // --add-exports java.base/jdk.internal.misc=org.agrona (ALL-UNNAMED on the class path).
    requires transitive org.agrona;

    exports io.slotring.codec;
    exports io.slotring.codec.internal to io.slotring.engine, io.slotring.cluster;
}
