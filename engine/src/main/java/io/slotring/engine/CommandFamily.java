package io.slotring.engine;

/**
 * The families {@link ClientMetrics} keeps latency for, by the command table's read-only flag.
 */
public enum CommandFamily
{
    /** Read-only commands (GET, MGET, HGET, EXISTS, ...). */
    READ,
    /** Commands that may write (SET, DEL, INCR, EVAL, ...). */
    WRITE,
    /** Commands the command table does not know. */
    OTHER
}
