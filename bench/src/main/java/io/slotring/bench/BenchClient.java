package io.slotring.bench;

import java.util.Map;

/**
 * One connected client under test, configured at its best for the workload. Created per measured run and closed
 * after it, so an idle client never competes with the measured one for the two cores.
 */
interface BenchClient extends AutoCloseable
{
    /**
     * @return the client's name as in {@code --clients}.
     */
    String name();

    /**
     * @return how this client was configured (pool sizes, threads, flush mode), for the JSON config and the report.
     */
    Map<String, Object> describe();

    /**
     * Called before the measurement starts, on the coordinating thread.
     *
     * @param index   worker number, 0-based.
     * @param outcome where mismatches and failures of this worker's commands go.
     * @return the per-thread state of one worker.
     */
    Worker newWorker(int index, Outcome outcome);

    @Override
    void close();

    /** One worker thread's view of the client. Used by that thread only. */
    interface Worker
    {
        /**
         * Fires {@code count} commands asynchronously and waits for all of them. Mismatches and per-command errors
         * go to the worker's {@link Outcome}; a batch that cannot complete throws.
         *
         * @param keyIndex  key index per command.
         * @param isSet     whether each command is a SET (else a GET).
         * @param count     commands to send, at most the configured batch.
         * @param timeoutNs bound on the wait for the batch.
         * @throws Exception when the batch timed out or the client failed; the worker stops and the run reports it.
         */
        void execute(int[] keyIndex, boolean[] isSet, int count, long timeoutNs) throws Exception;
    }
}
