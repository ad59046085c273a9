package io.slotring.bench;

import java.util.Locale;

/**
 * The traffic shapes of the benchmark. {@link #MIXED} makes every 5th command of a worker a SET, the rest GETs; the
 * SET writes the key's canonical value, so later GETs still verify. {@link #EVAL} runs a one-key Lua script (a GET
 * of {@code KEYS[1]}) by EVALSHA, its reply checked like a GET's; {@link #PUBSUB} publishes with SPUBLISH to shard
 * channels the same client subscribed to, measuring publish-to-receive latency (see {@link ExtraOps}).
 */
public enum Op
{
    GET,
    SET,
    MIXED,
    EVAL,
    PUBSUB;

    /** One command in this many is a SET under {@link #MIXED}. */
    public static final int MIXED_SET_EVERY = 5;

    /**
     * @return true when the op reads keys, so they must be written beforehand for the GETs to hit.
     */
    boolean needsKeys()
    {
        return this != SET && this != PUBSUB;
    }

    /**
     * @return true for the ops beyond GET and SET commands ({@link #EVAL}, {@link #PUBSUB}), which {@link ExtraOps}
     * runs with its own workers.
     */
    boolean extra()
    {
        return this == EVAL || this == PUBSUB;
    }

    /**
     * @param sequence a worker's running command number.
     * @return whether that command is a SET.
     */
    boolean isSet(final long sequence)
    {
        switch (this)
        {
            case SET:
                return true;
            case MIXED:
                return sequence % MIXED_SET_EVERY == MIXED_SET_EVERY - 1;
            default:
                return false;
        }
    }

    public String label()
    {
        return name().toLowerCase(Locale.ROOT);
    }

    static Op parse(final String text)
    {
        return valueOf(text.trim().toUpperCase(Locale.ROOT));
    }
}
