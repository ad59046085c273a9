package io.slotring.engine.internal;

import java.util.concurrent.CompletableFuture;

import io.slotring.engine.ReplyConverter;

/**
 * Where the async and sync styles send a command: one endpoint (standalone) or a router (cluster).
 */
@FunctionalInterface
public interface CommandSubmitter
{
    /**
     * @param converter turns the reply view into the future's value.
     * @param args      command name and arguments: {@code byte[]}, {@code CharSequence} or numbers.
     * @param <T>       value type.
     * @return the future; completed on an I/O thread.
     */
    <T> CompletableFuture<T> submit(ReplyConverter<T> converter, Object... args);
}
