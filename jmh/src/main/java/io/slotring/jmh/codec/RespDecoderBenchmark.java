package io.slotring.jmh.codec;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import io.slotring.codec.RespReader;
import io.slotring.codec.internal.RespDecoder;
import io.slotring.codec.internal.RespEncoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * Framing replies held in an {@link UnsafeBuffer} over a direct {@link ByteBuffer} (a receive buffer): a 512 B bulk
 * string, and a 64-element array framed then walked element by element with {@link RespReader}. Run with
 * {@code -prof gc}: ~0 B/op expected.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RespDecoderBenchmark
{
    private final RespDecoder decoder = new RespDecoder();
    private final RespReader reader = new RespReader();

    private final UnsafeBuffer bulk512 = new UnsafeBuffer(ByteBuffer.allocateDirect(1024));
    private final int bulk512Length;
    /** MGET-like reply: 64 bulk strings of 32 B. */
    private final UnsafeBuffer array64 = new UnsafeBuffer(ByteBuffer.allocateDirect(8192));
    private final int array64Length;
    /** 64 integers, read with {@link RespReader#longValue()}. */
    private final UnsafeBuffer integers64 = new UnsafeBuffer(ByteBuffer.allocateDirect(8192));
    private final int integers64Length;

    public RespDecoderBenchmark()
    {
        // Replies are written with the encoder for brevity: a bulk string is the same bytes either way.
        final RespEncoder encoder = new RespEncoder();
        final byte[] value = new byte[512];
        java.util.Arrays.fill(value, (byte)'v');
        bulk512Length = encoder.wrap(bulk512, 0).bulk(value).length();

        encoder.wrap(array64, 0).arrayHeader(64);
        final byte[] element = new byte[32];
        for (int i = 0; i < 64; i++)
        {
            java.util.Arrays.fill(element, (byte)('a' + (i % 26)));
            encoder.bulk(element);
        }
        array64Length = encoder.length();

        int p = 0;
        p += integers64.putStringWithoutLengthAscii(p, "*64\r\n");
        for (int i = 0; i < 64; i++)
        {
            p += integers64.putStringWithoutLengthAscii(p, ":" + (i * 1_000_003L - 20_000_000L) + "\r\n");
        }
        integers64Length = p;

        if (decoder.decode(bulk512, 0, bulk512Length) != bulk512Length ||
            decoder.decode(array64, 0, array64Length) != array64Length ||
            decoder.decode(integers64, 0, integers64Length) != integers64Length)
        {
            throw new IllegalStateException("benchmark frames do not decode");
        }
    }

    /** Frame (validate) a 512 B bulk string reply. */
    @Benchmark
    public int decodeBulk512()
    {
        return decoder.decode(bulk512, 0, bulk512Length);
    }

    /** Frame a 512 B bulk string reply and touch its payload range via the reader. */
    @Benchmark
    public int decodeAndReadBulk512()
    {
        final int length = decoder.decode(bulk512, 0, bulk512Length);
        reader.wrap(bulk512, 0, length).next();
        return reader.valueOffset() + reader.valueLength();
    }

    /** Frame (validate) a 64-element array of 32 B bulk strings, without reading it. */
    @Benchmark
    public int decodeArray64()
    {
        return decoder.decode(array64, 0, array64Length);
    }

    /** Frame a 64-element array of 32 B bulk strings, then walk every element's payload range. */
    @Benchmark
    public long decodeAndReadArray64()
    {
        final int length = decoder.decode(array64, 0, array64Length);
        reader.wrap(array64, 0, length);
        reader.next();
        long sum = reader.count();
        while (reader.next())
        {
            sum += reader.valueOffset() + reader.valueLength();
        }
        return sum;
    }

    /** Frame a 64-element array of integers, then parse every element with longValue(). */
    @Benchmark
    public long decodeAndReadIntegerArray64()
    {
        final int length = decoder.decode(integers64, 0, integers64Length);
        reader.wrap(integers64, 0, length);
        reader.next();
        long sum = 0;
        while (reader.next())
        {
            sum += reader.longValue();
        }
        return sum;
    }
}
