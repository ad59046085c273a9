package io.slotring.launcher;

/**
 * CRC16/XMODEM (poly 0x1021, init 0), the Redis Cluster key hash. Duplicated here to keep the launcher dependency-free.
 */
final class Crc16
{
    private static final int[] TABLE = new int[256];

    static
    {
        for (int i = 0; i < 256; i++)
        {
            int crc = i << 8;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
            TABLE[i] = crc & 0xFFFF;
        }
    }

    private Crc16()

    {

    }

    static int of(byte[] bytes, int from, int to)
    {
        int crc = 0;
        for (int i = from; i < to; i++)
        {
            crc = ((crc << 8) ^ TABLE[((crc >>> 8) ^ bytes[i]) & 0xFF]) & 0xFFFF;
        }
        return crc;
    }
}
