package io.slotring.bench;

import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A worker over a library's plain blocking API ({@code slotring-sync}, {@code lettuce-sync}, {@code jedis-sync}):
 * one command, one reply, on the worker's own thread, each call bounded by the client's own timeout.
 */
final class BlockingWorker implements BenchClient.Worker
{
    private final Function<byte[], Object> get;
    private final BiFunction<byte[], byte[], Object> set;
    private final Class<? extends RuntimeException> commandError;
    private final Workload workload;
    private final Outcome outcome;
    private final ReplyCheck check;

    /**
     * @param get          the blocking GET.
     * @param set          the blocking SET.
     * @param commandError what a failed command throws: counted as an error, and the worker goes on; any other
     *                     exception stops the worker, and the run reports it.
     */
    BlockingWorker(final Function<byte[], Object> get, final BiFunction<byte[], byte[], Object> set,
        final Class<? extends RuntimeException> commandError, final Workload workload, final boolean verify,
        final Outcome outcome)
    {
        this.get = get;
        this.set = set;
        this.commandError = commandError;
        this.workload = workload;
        this.outcome = outcome;
        this.check = new ReplyCheck(workload, verify, outcome);
    }

    @Override
    public void execute(final int[] keyIndex, final boolean[] isSet, final int count, final long timeoutNs)
    {
        for (int i = 0; i < count; i++)
        {
            final int key = keyIndex[i];
            final Object reply;
            try
            {
                reply = isSet[i] ? set.apply(workload.key(key), workload.value(key)) : get.apply(workload.key(key));
            }
            catch (final RuntimeException ex)
            {
                if (!commandError.isInstance(ex))
                {
                    throw ex;
                }
                outcome.error(ex);
                continue;
            }
            check.check(key, isSet[i], reply);
        }
    }
}
