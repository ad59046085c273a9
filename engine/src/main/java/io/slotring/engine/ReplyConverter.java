package io.slotring.engine;

import io.slotring.codec.RespReader;

/**
 * Turns a reply view into the Java value an async or sync caller receives. Runs on the I/O thread; copies what it
 * keeps, since the view dies with the callback.
 */
@FunctionalInterface
public interface ReplyConverter<T>
{
    /**
     * @param reply positioned on the reply's first token; never an error reply (those become exceptions first).
     * @return the value.
     */
    T convert(RespReader reply);
}
