package io.slotring.engine;

/**
 * Options of SET: expiry (EX, PX or KEEPTTL), condition (NX or XX) and GET. Immutable; build with the static
 * factories and the {@code with*} methods.
 *
 * <pre>{@code SetOptions.expireSeconds(10).onlyIfAbsent()}</pre>
 */
public final class SetOptions
{
    private static final SetOptions NONE = new SetOptions(null, 0, null, false);

    private final String expiry;
    private final long expiryValue;
    private final String condition;
    private final boolean get;

    private SetOptions(final String expiry, final long expiryValue, final String condition, final boolean get)
    {
        this.expiry = expiry;
        this.expiryValue = expiryValue;
        this.condition = condition;
        this.get = get;
    }

    /**
     * @return no options.
     */
    public static SetOptions none()
    {
        return NONE;
    }

    /**
     * @param seconds EX value, positive.
     * @return options with EX.
     */
    public static SetOptions expireSeconds(final long seconds)
    {
        return new SetOptions("EX", positive(seconds), null, false);
    }

    /**
     * @param millis PX value, positive.
     * @return options with PX.
     */
    public static SetOptions expireMillis(final long millis)
    {
        return new SetOptions("PX", positive(millis), null, false);
    }

    /**
     * @return options with KEEPTTL.
     */
    public static SetOptions keepTtl()
    {
        return new SetOptions("KEEPTTL", 0, null, false);
    }

    private static long positive(final long value)
    {
        if (value <= 0)
        {
            throw new IllegalArgumentException("expiry must be positive, got " + value);
        }
        return value;
    }

    /**
     * @return these options plus NX (set only when the key does not exist).
     */
    public SetOptions onlyIfAbsent()
    {
        return new SetOptions(expiry, expiryValue, "NX", get);
    }

    /**
     * @return these options plus XX (set only when the key exists).
     */
    public SetOptions onlyIfPresent()
    {
        return new SetOptions(expiry, expiryValue, "XX", get);
    }

    /**
     * @return these options plus GET (reply with the old value).
     */
    public SetOptions returnOldValue()
    {
        return new SetOptions(expiry, expiryValue, condition, true);
    }

    boolean returnsOldValue()
    {
        return get;
    }

    Object[] arguments(final Object key, final Object value)
    {
        final int count = 3 + (expiry == null ? 0 : expiry.equals("KEEPTTL") ? 1 : 2) + (condition == null ? 0 : 1) +
            (get ? 1 : 0);
        final Object[] args = new Object[count];
        int i = 0;
        args[i++] = "SET";
        args[i++] = key;
        args[i++] = value;
        if (expiry != null)
        {
            args[i++] = expiry;
            if (!expiry.equals("KEEPTTL"))
            {
                args[i++] = expiryValue;
            }
        }
        if (condition != null)
        {
            args[i++] = condition;
        }
        if (get)
        {
            args[i] = "GET";
        }
        return args;
    }

    @Override
    public String toString()
    {
        return "SetOptions{" + (expiry == null ? "" : expiry + (expiry.equals("KEEPTTL") ? "" : " " + expiryValue)) +
            (condition == null ? "" : " " + condition) + (get ? " GET" : "") + '}';
    }
}
