package io.slotring.bench;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Every key and value the run can send, built once so no client pays for formatting them: key {@code i} is
 * {@code bench:<i>:} right-padded with '0' to the key size, value {@code i} is {@code val:<i>:} right-padded with
 * 'X'. A value is a pure function of its key index, which is what lets any GET be verified without bookkeeping.
 */
final class Workload
{
    private final byte[][] keys;
    private final byte[][] values;

    /**
     * @param count     keys (and values) to build.
     * @param keySize   bytes per key.
     * @param valueSize bytes per value.
     */
    Workload(final int count, final int keySize, final int valueSize)
    {
        if (count < 1)
        {
            throw new IllegalArgumentException("keys must be >= 1: " + count);
        }
        keys = new byte[count][];
        values = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            keys[i] = pad("bench:" + i + ':', keySize, (byte)'0');
            values[i] = pad("val:" + i + ':', valueSize, (byte)'X');
        }
    }

    static byte[] pad(final String prefix, final int size, final byte fill)
    {
        final byte[] head = prefix.getBytes(StandardCharsets.US_ASCII);
        if (head.length > size)
        {
            throw new IllegalArgumentException("size " + size + " is shorter than the prefix '" + prefix + "'");
        }
        final byte[] out = Arrays.copyOf(head, size);
        Arrays.fill(out, head.length, size, fill);
        return out;
    }

    int count()
    {
        return keys.length;
    }

    /**
     * @param index key index.
     * @return key {@code index}; shared, do not modify.
     */
    byte[] key(final int index)
    {
        return keys[index];
    }

    /**
     * @param index key index.
     * @return the value of key {@code index}; shared, do not modify.
     */
    byte[] value(final int index)
    {
        return values[index];
    }

    int keySize()
    {
        return keys[0].length;
    }

    int valueSize()
    {
        return values[0].length;
    }
}
