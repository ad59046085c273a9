package io.slotring.codec;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;

import io.slotring.codec.internal.CommandHeader;
import io.slotring.codec.internal.RespDecoder;
import io.slotring.codec.internal.RespEncoder;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static io.slotring.codec.Frames.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RespEncoderTest
{
    private static final int START = 13;

    private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(4096));
    private final RespEncoder encoder = new RespEncoder().wrap(buffer, START);

    private String written()
    {
        final byte[] out = new byte[encoder.length()];
        buffer.getBytes(encoder.offset(), out);
        return new String(out, StandardCharsets.ISO_8859_1);
    }

    @Test
    void arrayHeader()
    {
        encoder.arrayHeader(0).arrayHeader(3).arrayHeader(12345);
        assertThat(written()).isEqualTo("*0\r\n*3\r\n*12345\r\n");
        assertThat(encoder.offset()).isEqualTo(START);
        assertThat(encoder.position()).isEqualTo(START + 16);
        assertThat(encoder.length()).isEqualTo(16);
    }

    @Test
    void arrayHeaderRejectsNegative()
    {
        assertThatThrownBy(() -> encoder.arrayHeader(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(encoder.length()).isZero();
    }

    @Test
    void commandHeaderThenBulkBytes()
    {
        encoder.header(CommandHeader.GET).bulk(bytes("key"));
        assertThat(written()).isEqualTo("*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n");
    }

    @Test
    void bulkBinaryBytesIncludingCrLfAndZeroes()
    {
        final byte[] value = { 0, '\r', '\n', (byte)0xFF, 0 };
        encoder.bulk(value);
        final byte[] expected = new byte[] { '$', '5', '\r', '\n', 0, '\r', '\n', (byte)0xFF, 0, '\r', '\n' };
        final byte[] out = new byte[encoder.length()];
        buffer.getBytes(START, out);
        assertThat(out).isEqualTo(expected);
    }

    @Test
    void bulkEmpty()
    {
        encoder.bulk(new byte[0]).bulk("").bulk(new UnsafeBuffer(new byte[4]), 2, 0);
        assertThat(written()).isEqualTo("$0\r\n\r\n$0\r\n\r\n$0\r\n\r\n");
    }

    @Test
    void bulkByteArraySlice()
    {
        encoder.bulk(bytes("0123456789"), 3, 4);
        assertThat(written()).isEqualTo("$4\r\n3456\r\n");
    }

    @Test
    void bulkByteArraySliceOutOfRangeWritesNothing()
    {
        assertThatThrownBy(() -> encoder.bulk(bytes("abc"), 2, 2)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> encoder.bulk(bytes("abc"), -1, 1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> encoder.bulk(bytes("abc"), 0, -1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(encoder.length()).isZero();
    }

    @Test
    void bulkDirectBufferRangeAtNonZeroOffset()
    {
        final UnsafeBuffer source = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        source.putBytes(20, bytes("xxkey:{user}:42yy"));
        encoder.bulk(source, 22, 13);
        assertThat(written()).isEqualTo("$13\r\nkey:{user}:42\r\n");
    }

    @Test
    void bulkDirectBufferRangeOutOfRange()
    {
        final UnsafeBuffer source = new UnsafeBuffer(new byte[8]);
        assertThatThrownBy(() -> encoder.bulk(source, 4, 5)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(encoder.length()).isZero();
    }

    @Test
    void bulkAsciiCharSequence()
    {
        encoder.bulk("hello").bulk(new StringBuilder("sb-key")).bulk(CharBuffer.wrap("cb"));
        assertThat(written()).isEqualTo("$5\r\nhello\r\n$6\r\nsb-key\r\n$2\r\ncb\r\n");
    }

    @Test
    void bulkNonAsciiCharSequenceIsUtf8()
    {
        // 2-byte (é), 3-byte (€, 日) and 4-byte (😀 surrogate pair) sequences, after an ASCII prefix.
        final String value = "key-é€日😀";
        final byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        assertThat(utf8.length).isEqualTo(4 + 2 + 3 + 3 + 4);

        encoder.bulk(value);
        encoder.bulk(new StringBuilder(value));

        final String one = "$16\r\n" + new String(utf8, StandardCharsets.ISO_8859_1) + "\r\n";
        assertThat(written()).isEqualTo(one + one);
        assertThat(RespEncoder.bulkLength(value)).isEqualTo(one.length());
    }

    @Test
    void bulkUnpairedSurrogatesBecomeQuestionMarkLikeStringGetBytes()
    {
        final String value = "a\uD800b\uDC00c\uD83D";
        final byte[] expected = value.getBytes(StandardCharsets.UTF_8);
        assertThat(new String(expected, StandardCharsets.ISO_8859_1)).isEqualTo("a?b?c?");

        encoder.bulk(value);
        assertThat(written()).isEqualTo("$6\r\na?b?c?\r\n");
        assertThat(RespEncoder.utf8Length(value)).isEqualTo(6);
    }

    @Test
    void longCharSequencesGoThroughTheScratchArrayInChunks()
    {
        // longer than the 64 KiB scratch, with 2-, 3- and 4-byte sequences landing on every chunk boundary offset
        final StringBuilder mixed = new StringBuilder();
        final String[] pieces = { "a", "é", "€", "😀", "bc", "\uD800" };
        for (int i = 0; mixed.length() < 200_000; i++)
        {
            mixed.append(pieces[i % pieces.length]).append(pieces[(i * 7) % pieces.length]);
        }
        final String ascii = "0123456789abcdef".repeat(12_500);
        final UnsafeBuffer big = new UnsafeBuffer(new byte[1 << 20]);
        for (final CharSequence value : new CharSequence[] {
            mixed.toString(), mixed, ascii, new StringBuilder(ascii), "short é", "short" })
        {
            final RespEncoder e = new RespEncoder().wrap(big, 3).bulk(value).bulk(value);
            final byte[] utf8 = value.toString().getBytes(StandardCharsets.UTF_8);
            final String one = "$" + utf8.length + "\r\n" + new String(utf8, StandardCharsets.ISO_8859_1) + "\r\n";
            final byte[] out = new byte[e.length()];
            big.getBytes(3, out);
            assertThat(new String(out, StandardCharsets.ISO_8859_1)).isEqualTo(one + one);
            assertThat(RespEncoder.bulkLength(value)).isEqualTo(one.length());
        }
    }

    @Test
    void bulkLongValues()
    {
        encoder.bulk(0L).bulk(7L).bulk(-1L).bulk(1234567890123L).bulk(-98765L)
            .bulk(Long.MAX_VALUE).bulk(Long.MIN_VALUE);
        assertThat(written()).isEqualTo(
            "$1\r\n0\r\n" +
            "$1\r\n7\r\n" +
            "$2\r\n-1\r\n" +
            "$13\r\n1234567890123\r\n" +
            "$6\r\n-98765\r\n" +
            "$19\r\n9223372036854775807\r\n" +
            "$20\r\n-9223372036854775808\r\n");
    }

    @Test
    void bulkLongMatchesLongToStringForEveryMagnitude()
    {
        long value = 1;
        for (int i = 0; i < 19; i++)
        {
            for (final long v : new long[] { value, value - 1, -value, -(value - 1), value + 1 })
            {
                encoder.wrap(buffer, START).bulk(v);
                final String digits = Long.toString(v);
                assertThat(written()).isEqualTo("$" + digits.length() + "\r\n" + digits + "\r\n");
                assertThat(RespEncoder.bulkLength(v)).isEqualTo(encoder.length());
            }
            value *= 10;
        }
    }

    @Test
    void setCommandFromMixedArgumentKinds()
    {
        final UnsafeBuffer keySource = new UnsafeBuffer(bytes("..k1.."));
        encoder.header(CommandHeader.SET).bulk(keySource, 2, 2).bulk(42L);
        encoder.arrayHeader(3).bulk("EXPIRE").bulk(bytes("k1")).bulk(-5L);
        assertThat(written()).isEqualTo(
            "*3\r\n$3\r\nSET\r\n$2\r\nk1\r\n$2\r\n42\r\n" +
            "*3\r\n$6\r\nEXPIRE\r\n$2\r\nk1\r\n$2\r\n-5\r\n");
    }

    @Test
    void sizingMatchesWhatIsWritten()
    {
        for (final int count : new int[] { 0, 1, 9, 10, 99, 100, 1_000_000, Integer.MAX_VALUE })
        {
            encoder.wrap(buffer, START).arrayHeader(count);
            assertThat(RespEncoder.arrayHeaderLength(count)).isEqualTo(encoder.length());
        }
        for (final int length : new int[] { 0, 1, 9, 10, 99, 100, 512, 1000 })
        {
            encoder.wrap(buffer, START).bulk(new byte[length]);
            assertThat(RespEncoder.bulkLength(length)).isEqualTo(encoder.length());
        }
        for (final String s : new String[] { "", "a", "é", "€", "😀", "mixed é € 😀 text", "\uD800" })
        {
            encoder.wrap(buffer, START).bulk(s);
            assertThat(RespEncoder.bulkLength(s)).isEqualTo(encoder.length());
            assertThat(RespEncoder.utf8Length(s)).isEqualTo(s.getBytes(StandardCharsets.UTF_8).length);
        }
    }

    @Test
    void wrapResetsPositionAndOffset()
    {
        encoder.bulk("abc");
        encoder.wrap(buffer, 100);
        assertThat(encoder.offset()).isEqualTo(100);
        assertThat(encoder.position()).isEqualTo(100);
        assertThat(encoder.length()).isZero();
        assertThat(encoder.buffer()).isSameAs(buffer);
    }

    @Test
    void expandableBufferGrows()
    {
        final ExpandableArrayBuffer expandable = new ExpandableArrayBuffer(8);
        final byte[] big = new byte[1000];
        new RespEncoder().wrap(expandable, 0).header(CommandHeader.SET).bulk("k").bulk(big);
        assertThat(expandable.capacity()).isGreaterThanOrEqualTo(13 + 7 + 1000 + 8);
        assertThat(expandable.getStringWithoutLengthAscii(0, 13)).isEqualTo("*3\r\n$3\r\nSET\r\n");
    }

    @Test
    void writingPastAFixedBufferFailsWithoutMovingPosition()
    {
        final UnsafeBuffer small = new UnsafeBuffer(new byte[16]);
        final RespEncoder e = new RespEncoder().wrap(small, 0).bulk("abc");
        assertThat(e.length()).isEqualTo(9);
        assertThatThrownBy(() -> e.bulk("0123456789")).isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(e.position()).isEqualTo(9);
    }

    @Test
    void encodedCommandDecodesBack()
    {
        encoder.header(CommandHeader.SET).bulk("key").bulk("välue");
        final RespDecoder decoder = new RespDecoder();
        assertThat(decoder.decode(buffer, START, encoder.position())).isEqualTo(encoder.length());
        assertThat(Frames.dump(buffer, START, encoder.length()))
            .isEqualTo("ARRAY(3) BULK_STRING:'SET' BULK_STRING:'key' BULK_STRING:'v\u00c3\u00a4lue'");
    }
}
