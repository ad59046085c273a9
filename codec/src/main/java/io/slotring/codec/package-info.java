/**
 * RESP2/RESP3 wire codec over Agrona buffers, allocation-free on every hot path.
 * <ul>
 *     <li>{@link io.slotring.codec.RespEncoder} writes commands (arrays of bulk strings) in place;
 *     {@link io.slotring.codec.CommandHeader} precomputes the fixed start of hot commands.</li>
 *     <li>{@link io.slotring.codec.RespDecoder} finds and validates frame boundaries in a receive buffer,
 *     resumably, in linear time however the bytes are chunked, and throws
 *     {@link io.slotring.codec.RespProtocolException} on anything malformed.</li>
 *     <li>{@link io.slotring.codec.RespReader} walks one validated frame token by token, exposing payloads in
 *     place.</li>
 * </ul>
 * Ownership: none of these classes copy or retain the caller's buffers beyond the current wrap/decode; all are
 * single-threaded flyweights meant to be held one per connection (decoder) or per thread (encoder, reader).
 */
package io.slotring.codec;
