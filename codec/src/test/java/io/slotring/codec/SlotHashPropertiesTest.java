package io.slotring.codec;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.agrona.concurrent.UnsafeBuffer;

import static org.assertj.core.api.Assertions.assertThat;

class SlotHashPropertiesTest
{
    @Property(tries = 3000)
    void charSequenceHashesLikeItsUtf8Bytes(@ForAll("strings") final String key)
    {
        final byte[] utf8 = key.getBytes(StandardCharsets.UTF_8);
        final int expected = SlotHash.slot(utf8);
        assertThat(SlotHash.slot(key)).isEqualTo(expected);
        assertThat(SlotHash.slot(new StringBuilder(key))).isEqualTo(expected);
        assertThat(SlotHash.crc16(key)).isEqualTo(SlotHash.crc16(utf8));
    }

    @Property(tries = 3000)
    void everyOverloadAgreesWithTheSpecTranscription(
        @ForAll("keys") final byte[] key,
        @ForAll @IntRange(max = 64) final int offset)
    {
        final int expected = Reference.slot(key);
        assertThat(SlotHash.slot(key)).isEqualTo(expected);

        final byte[] padded = new byte[offset + key.length + 3];
        Arrays.fill(padded, (byte)'{');
        System.arraycopy(key, 0, padded, offset, key.length);
        assertThat(SlotHash.slot(padded, offset, key.length)).isEqualTo(expected);
        assertThat(SlotHash.slot(new UnsafeBuffer(padded), offset, key.length)).isEqualTo(expected);

        final UnsafeBuffer direct = new UnsafeBuffer(ByteBuffer.allocateDirect(padded.length));
        direct.putBytes(0, padded);
        assertThat(SlotHash.slot(direct, offset, key.length)).isEqualTo(expected);

        assertThat(SlotHash.crc16(key)).isEqualTo(Reference.crc16(key, 0, key.length));
        assertThat(SlotHash.crc16(direct, offset, key.length)).isEqualTo(Reference.crc16(key, 0, key.length));
    }

    @Property(tries = 1000)
    void aNonEmptyTagDecidesTheSlot(
        @ForAll("braceFree") final String prefix,
        @ForAll("braceFree") final String tag,
        @ForAll("strings") final String suffix)
    {
        if (tag.isEmpty())
        {
            return;
        }
        assertThat(SlotHash.slot(prefix + '{' + tag + '}' + suffix)).isEqualTo(SlotHash.slot(tag));
    }

    @Provide
    Arbitrary<String> strings()
    {
        // Full char range (lone and paired surrogates included), plus a dense alphabet so braces, surrogate pairs
        // and lone halves actually meet.
        return Arbitraries.oneOf(
            Arbitraries.strings().withCharRange('\u0000', '\uffff').ofMaxLength(40),
            Arbitraries.strings().withChars("{}a\u00e9\u4e2d\uD83D\uDE00\uD800\uDC00?").ofMaxLength(16));
    }

    @Provide
    Arbitrary<String> braceFree()
    {
        return Arbitraries.strings().withCharRange('\u0000', '\uffff').excludeChars('{', '}').ofMaxLength(12);
    }

    @Provide
    Arbitrary<byte[]> keys()
    {
        return Arbitraries.oneOf(
            Arbitraries.bytes().array(byte[].class).ofMaxSize(48),
            Arbitraries.of((byte)'{', (byte)'}', (byte)'a', (byte)0, (byte)0x80, (byte)0xff)
                .array(byte[].class).ofMaxSize(12));
    }

    /** Bit-at-a-time CRC and a line-by-line transcription of the server's keyHashSlot, to check the table version. */
    private static final class Reference
    {
        static int crc16(final byte[] bytes, final int from, final int to)
        {
            int crc = 0;
            for (int i = from; i < to; i++)
            {
                crc ^= (bytes[i] & 0xFF) << 8;
                for (int bit = 0; bit < 8; bit++)
                {
                    crc = (crc & 0x8000) != 0 ? ((crc << 1) ^ 0x1021) & 0xFFFF : (crc << 1) & 0xFFFF;
                }
            }
            return crc;
        }

        static int slot(final byte[] key)
        {
            final int keylen = key.length;
            int s;
            int e;
            for (s = 0; s < keylen; s++)
            {
                if (key[s] == '{')
                {
                    break;
                }
            }
            if (s == keylen)
            {
                return crc16(key, 0, keylen) & 0x3FFF;
            }
            for (e = s + 1; e < keylen; e++)
            {
                if (key[e] == '}')
                {
                    break;
                }
            }
            if (e == keylen || e == s + 1)
            {
                return crc16(key, 0, keylen) & 0x3FFF;
            }
            return crc16(key, s + 1, e) & 0x3FFF;
        }
    }
}
