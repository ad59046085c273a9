package io.slotring.engine.internal;

/**
 * What a {@link CallerWaiter} waits for: one command's future, or every command of a batch. The side that completes
 * it calls {@link CallerWaiter#wake()} on the waiter it was given, after the completion is visible.
 */
interface Awaitable
{
    /**
     * @return true once the awaited completion happened (a volatile read).
     */
    boolean isComplete();
}
