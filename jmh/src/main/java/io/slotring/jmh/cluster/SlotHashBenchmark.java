package io.slotring.jmh.cluster;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import io.slotring.codec.SlotHash;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * CRC16 slot of a 512-byte key: from a byte[], from an off-heap buffer at a non-zero offset, and from a
 * CharSequence encoded to UTF-8 on the fly. All three must read ~0 B/op under {@code -prof gc}. Other lengths, to
 * see that short keys lose nothing to the block-at-a-time paths: {@code -p keyLength=16,40,512}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SlotHashBenchmark
{
    @Param("512")
    public int keyLength;

    private byte[] key;
    private UnsafeBuffer buffer;
    private String text;

    @Setup
    public void setUp()
    {
        key = new byte[keyLength];
        Arrays.fill(key, (byte)'0');
        final byte[] head = "bench:12345:".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(head, 0, key, 0, Math.min(head.length, keyLength));
        buffer = new UnsafeBuffer(java.nio.ByteBuffer.allocateDirect(Math.max(1024, keyLength + 64)));
        buffer.putBytes(37, key);
        text = new String(key, StandardCharsets.US_ASCII);
    }

    @Benchmark
    public int slotOfByteArray()
    {
        return SlotHash.slot(key);
    }

    @Benchmark
    public int slotOfDirectBufferAtOffset()
    {
        return SlotHash.slot(buffer, 37, key.length);
    }

    @Benchmark
    public int slotOfCharSequence()
    {
        return SlotHash.slot(text);
    }
}
