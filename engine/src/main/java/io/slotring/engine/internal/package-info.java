/**
 * The engine's internals, exported only to slotring's cluster module; not an API.
 * <p>
 * {@link io.slotring.engine.internal.IoRuntime} owns the I/O agents ({@link io.slotring.engine.internal.IoAgent})
 * and the buffer pool; a {@link io.slotring.engine.internal.NodeEndpoint} is one node's set of connections; a
 * {@link io.slotring.engine.internal.NodeConnection} owns one socket, one Disruptor ring of
 * {@link io.slotring.engine.internal.CommandSlot}s (claimed, encoded in place, published, completed in FIFO
 * order) and one receive buffer. {@link io.slotring.engine.internal.CommandBatch} implements the public
 * {@code Batch}; {@link io.slotring.engine.internal.CallerWaiter} lets a waiting caller read its own replies.
 * Which thread touches which field is written next to each field.
 */
package io.slotring.engine.internal;
