package io.slotring.engine;

import io.slotring.codec.RespReader;

/**
 * Receives RESP3 push frames ({@code >}), which are out of band: a push never completes a command. Called on the
 * I/O thread; the reader is a view over the receive buffer, valid only during the call.
 */
@FunctionalInterface
public interface PushListener
{
    /**
     * @param push reader positioned on the push aggregate.
     */
    void onPush(RespReader push);
}
