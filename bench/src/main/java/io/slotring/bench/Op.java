package io.slotring.bench;

import java.util.Locale;

/**
 * The three traffic shapes of the published benchmark. {@link #MIXED} makes every 5th command of a worker a SET,
 * the rest GETs; the SET writes the key's canonical value, so later GETs still verify.
 */
public enum Op
{
    GET,
    SET,
    MIXED;

    /** One command in this many is a SET under {@link #MIXED}. */
    public static final int MIXED_SET_EVERY = 5;

    /**
     * @return true when the op reads keys, so they must be written beforehand for the GETs to hit.
     */
    boolean needsKeys()
    {
        return this != SET;
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
