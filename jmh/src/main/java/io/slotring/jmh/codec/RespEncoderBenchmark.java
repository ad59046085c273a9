package io.slotring.jmh.codec;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import io.slotring.codec.internal.CommandHeader;
import io.slotring.codec.internal.RespEncoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * Encoding GET and SET with a 512 B key and a 512 B value into an {@link UnsafeBuffer} over a direct
 * {@link ByteBuffer}, as the engine's send ring does. Run with {@code -prof gc}: ~0 B/op expected.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RespEncoderBenchmark
{
    private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
    private final RespEncoder encoder = new RespEncoder();
    private final byte[] key = filled(512, (byte)'k');
    private final byte[] value = filled(512, (byte)'v');
    private final UnsafeBuffer keyBuffer = new UnsafeBuffer(ByteBuffer.allocateDirect(512));
    private final String stringKey = "user:{0123456789}:session:".repeat(3).substring(0, 64);
    private final String utf8Value = "значение-€-".repeat(6).substring(0, 64);

    public RespEncoderBenchmark()
    {
        keyBuffer.putBytes(0, key);
    }

    private static byte[] filled(final int length, final byte b)
    {
        final byte[] bytes = new byte[length];
        Arrays.fill(bytes, b);
        return bytes;
    }

    /** {@code GET <512 B key>} from a byte[] key. */
    @Benchmark
    public int encodeGet()
    {
        return encoder.wrap(buffer, 0).header(CommandHeader.GET).bulk(key).length();
    }

    /** {@code SET <512 B key> <512 B value>} from byte[] arguments. */
    @Benchmark
    public int encodeSet()
    {
        return encoder.wrap(buffer, 0).header(CommandHeader.SET).bulk(key).bulk(value).length();
    }

    /** {@code SET} with a 64-char ASCII {@link String} key and a 64-char non-ASCII (UTF-8) {@link String} value. */
    @Benchmark
    public int encodeSetCharSequences()
    {
        return encoder.wrap(buffer, 0).header(CommandHeader.SET).bulk(stringKey).bulk(utf8Value).length();
    }

    /** {@code GET} with the key copied from another direct buffer (e.g. a key already in off-heap memory). */
    @Benchmark
    public int encodeGetFromDirectBuffer()
    {
        return encoder.wrap(buffer, 0).header(CommandHeader.GET).bulk(keyBuffer, 0, 512).length();
    }
}
