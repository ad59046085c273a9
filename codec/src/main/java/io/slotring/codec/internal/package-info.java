/**
 * The codec's internals, exported only to slotring's engine and cluster modules: {@link
 * io.slotring.codec.internal.RespEncoder} writes commands (arrays of bulk strings) in place into a ring slot,
 * {@link io.slotring.codec.internal.CommandHeader} precomputes the fixed start of hot commands, and
 * {@link io.slotring.codec.internal.RespDecoder} finds and validates frame boundaries in a receive buffer,
 * resumably, in linear time however the bytes are chunked.
 * <p>
 * Ownership: none of these copy or retain the caller's buffers beyond the current call; the decoder is held one
 * per connection, the encoder is stateless.
 */
package io.slotring.codec.internal;
