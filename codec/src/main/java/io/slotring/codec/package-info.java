/**
 * The public part of slotring's RESP2/RESP3 codec: what a zero-copy reply handler reads, and cluster key hashing.
 * <ul>
 *     <li>{@link io.slotring.codec.RespReader} walks one validated reply frame token by token, exposing payloads in
 *     place (no copy, no allocation); {@link io.slotring.codec.RespType} names the token types.</li>
 *     <li>{@link io.slotring.codec.RespProtocolException} reports malformed input: what was expected, at which
 *     offset, and what came.</li>
 *     <li>{@link io.slotring.codec.SlotHash} maps keys to Redis Cluster slots (CRC16 with hash tags).</li>
 * </ul>
 * The encoder, the incremental decoder and the precomputed command headers are in
 * {@code io.slotring.codec.internal}, exported only to slotring's engine and cluster modules.
 * <p>
 * Ownership: none of these classes copy or retain the caller's buffers beyond the current wrap; readers are
 * single-threaded flyweights, one per thread.
 */
package io.slotring.codec;
