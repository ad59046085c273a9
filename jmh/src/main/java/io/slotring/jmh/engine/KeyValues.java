package io.slotring.jmh.engine;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Keys and values for the round-trip benchmarks, built once in setup: key {@code i} is {@code bench:<i>:}
 * right-padded with '0', value {@code i} is {@code val:<i>:} right-padded with 'X' (the shape {@code bin/bench}
 * writes, so both measure the same bytes on the wire).
 */
public final class KeyValues
{
    private KeyValues()
    {
    }

    /**
     * @return {@code count} keys of {@code size} bytes.
     */
    public static byte[][] keys(final int count, final int size)
    {
        return padded("bench:", count, size, (byte)'0');
    }

    /**
     * @return {@code count} values of {@code size} bytes.
     */
    public static byte[][] values(final int count, final int size)
    {
        return padded("val:", count, size, (byte)'X');
    }

    private static byte[][] padded(final String prefix, final int count, final int size, final byte fill)
    {
        final byte[][] out = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            final byte[] head = (prefix + i + ':').getBytes(StandardCharsets.US_ASCII);
            out[i] = Arrays.copyOf(head, size);
            Arrays.fill(out[i], head.length, size, fill);
        }
        return out;
    }
}
