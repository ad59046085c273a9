package io.slotring.jmh.engine;

import io.slotring.codec.RespReader;
import io.slotring.engine.RedisException;
import io.slotring.engine.ReplyHandler;

/**
 * Consumes replies in JMH benchmarks without keeping them: adds up payload lengths (so the JIT cannot drop the
 * read) and counts failures, which a benchmark's tear-down turns into an error. Used by one thread's batch.
 */
public final class CountingSink implements ReplyHandler
{
    private long bytes;
    private long failures;

    @Override
    public void onReply(final long token, final RespReader reply)
    {
        bytes += reply.valueLength();
    }

    @Override
    public void onFailure(final long token, final RedisException error)
    {
        failures++;
    }

    /**
     * @return payload bytes seen.
     */
    public long bytes()
    {
        return bytes;
    }

    /**
     * Fails when any command failed, so a broken run cannot pass as a fast one.
     */
    public void requireNoFailures()
    {
        if (failures != 0)
        {
            throw new IllegalStateException(failures + " commands failed");
        }
    }
}
