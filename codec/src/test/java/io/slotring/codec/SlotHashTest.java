package io.slotring.codec;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SlotHashTest
{
    private static final int PADDING = 37;

    @Test
    void crc16MatchesTheXmodemCheckValueInEveryForm()
    {
        final byte[] check = bytes("123456789");
        assertThat(SlotHash.crc16(check)).isEqualTo(0x31C3);
        assertThat(SlotHash.crc16(padded(check), PADDING, check.length)).isEqualTo(0x31C3);
        assertThat(SlotHash.crc16(direct(check), PADDING, check.length)).isEqualTo(0x31C3);
        assertThat(SlotHash.crc16("123456789")).isEqualTo(0x31C3);
        assertThat(SlotHash.crc16(new StringBuilder("123456789"))).isEqualTo(0x31C3);
        assertThat(SlotHash.slot(check)).isEqualTo(0x31C3 & 16383);
        assertThat(SlotHash.crc16(new byte[0])).isZero();
    }

    @Test
    void slotsDocumentedByRedis()
    {
        // From the CLUSTER KEYSLOT documentation.
        assertThat(SlotHash.slot("somekey")).isEqualTo(11058);
        assertThat(SlotHash.slot("foo{hash_tag}")).isEqualTo(2515);
        assertThat(SlotHash.slot("bar{hash_tag}")).isEqualTo(2515);
        assertThat(SlotHash.SLOT_COUNT).isEqualTo(16384);
    }

    @Test
    void keysWithTheSameTagShareASlot()
    {
        assertThat(slotEverywhere("{user1000}.following")).isEqualTo(slotEverywhere("{user1000}.followers"))
            .isEqualTo(slotEverywhere("user1000"));
    }

    @Test
    void hashTagRulesOfTheClusterSpec()
    {
        // An empty tag does not count: the whole key is hashed, not "bar".
        assertThat(slotEverywhere("foo{}{bar}")).isEqualTo(crcSlot("foo{}{bar}")).isNotEqualTo(crcSlot("bar"));
        // The tag runs from the first '{' to the first '}' after it.
        assertThat(slotEverywhere("foo{{bar}}zap")).isEqualTo(crcSlot("{bar"));
        assertThat(slotEverywhere("foo{bar}{zap}")).isEqualTo(crcSlot("bar"));
        assertThat(slotEverywhere("a}b{c}")).isEqualTo(crcSlot("c"));
        assertThat(slotEverywhere("{}")).isEqualTo(crcSlot("{}"));
        assertThat(slotEverywhere("{x}")).isEqualTo(crcSlot("x"));
        // Only the first '{' opens: a later complete tag is ignored when the first never closes non-empty.
        assertThat(slotEverywhere("{}{x}")).isEqualTo(crcSlot("{}{x}"));
    }

    @Test
    void unmatchedBracesHashTheWholeKey()
    {
        for (final String key : new String[]{ "{", "}", "}{", "foo{bar", "foo}bar", "foo}bar{", "{{{", "}}}x{" })
        {
            assertThat(slotEverywhere(key)).as(key).isEqualTo(crcSlot(key));
        }
    }

    @Test
    void emptyKeyIsSlotZero()
    {
        assertThat(slotEverywhere("")).isZero();
        assertThat(SlotHash.slot(new byte[10], 10, 0)).isZero();
        assertThat(SlotHash.slot(new UnsafeBuffer(new byte[10]), 10, 0)).isZero();
    }

    @Test
    void keysAtAnyOffsetHashLikeTheKeyAlone()
    {
        for (final String text : new String[]{ "somekey", "{user1000}.following", "foo{{bar}}zap", "x{}", "" })
        {
            final byte[] key = bytes(text);
            final int expected = SlotHash.slot(key);
            final byte[] padded = padded(key);
            assertThat(SlotHash.slot(padded, PADDING, key.length)).as(text).isEqualTo(expected);
            // Heap buffer, off-heap buffer, and a heap buffer that itself wraps the array at an adjustment.
            assertThat(SlotHash.slot(new UnsafeBuffer(padded), PADDING, key.length)).as(text).isEqualTo(expected);
            assertThat(SlotHash.slot(direct(key), PADDING, key.length)).as(text).isEqualTo(expected);
            assertThat(SlotHash.slot(new UnsafeBuffer(padded, 30, padded.length - 30), PADDING - 30, key.length))
                .as(text).isEqualTo(expected);
        }
    }

    @Test
    void bytesAroundTheKeyDoNotLeakIn()
    {
        // A '{' before the range and a '}' after it must not form a tag with bytes inside it.
        final byte[] around = bytes("{abc}");
        assertThat(SlotHash.slot(around, 1, 3)).isEqualTo(crcSlot("abc"));
        assertThat(SlotHash.slot(around, 0, 4)).isEqualTo(crcSlot("{abc"));
        assertThat(SlotHash.slot(new UnsafeBuffer(around), 1, 4)).isEqualTo(crcSlot("abc}"));
        final byte[] tagged = bytes("{a}{b}");
        assertThat(SlotHash.slot(tagged, 3, 3)).isEqualTo(crcSlot("b"));
        assertThat(SlotHash.slot(new UnsafeBuffer(tagged), 3, 3)).isEqualTo(crcSlot("b"));
    }

    @Test
    void nonAsciiAndSurrogatesHashTheirUtf8Encoding()
    {
        final String[] keys = {
            "caf\u00e9",
            "\u30ad\u30fc{\u65e5\u672c}x",
            "\uD83D\uDE00",
            "{\uD83D\uDE00}tail",
            "lone\uD800high",
            "lone\uDC00low",
            "\uDC00\uD800",
            "end\uD800",
            "{\uD83D}\uDE00",
            "{\uD800}",
            "\uD800{a}",
            "\u0000\u007f\u0080\u07ff\u0800\uffff",
        };
        for (final String key : keys)
        {
            final int expected = SlotHash.slot(key.getBytes(StandardCharsets.UTF_8));
            assertThat(SlotHash.slot(key)).as(escape(key)).isEqualTo(expected);
            assertThat(SlotHash.slot(new StringBuilder(key))).as(escape(key)).isEqualTo(expected);
            assertThat(SlotHash.crc16(key)).as(escape(key))
                .isEqualTo(SlotHash.crc16(key.getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void rangesOutsideTheKeyAreRejectedBeforeReading()
    {
        final byte[] key = new byte[8];
        assertThatThrownBy(() -> SlotHash.slot(key, -1, 2)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> SlotHash.slot(key, 7, 2)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> SlotHash.slot(key, 0, -1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> SlotHash.crc16(key, 4, 5)).isInstanceOf(IndexOutOfBoundsException.class);
        final UnsafeBuffer buffer = new UnsafeBuffer(key);
        assertThatThrownBy(() -> SlotHash.slot(buffer, 7, 2)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> SlotHash.slot(buffer, Integer.MAX_VALUE, 2))
            .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> SlotHash.crc16(buffer, -1, 1)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    /** The slot by every overload, after asserting they agree. */
    private static int slotEverywhere(final String key)
    {
        final byte[] bytes = bytes(key);
        final int slot = SlotHash.slot(bytes);
        assertThat(slot).as(key).isBetween(0, 16383);
        assertThat(SlotHash.slot(padded(bytes), PADDING, bytes.length)).as(key).isEqualTo(slot);
        assertThat(SlotHash.slot(direct(bytes), PADDING, bytes.length)).as(key).isEqualTo(slot);
        assertThat(SlotHash.slot(key)).as(key).isEqualTo(slot);
        assertThat(SlotHash.slot(new StringBuilder(key))).as(key).isEqualTo(slot);
        return slot;
    }

    private static int crcSlot(final String text)
    {
        return SlotHash.crc16(bytes(text)) & 16383;
    }

    private static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The key at {@link #PADDING}, surrounded by braces so a wrong offset would change the tag. */
    private static byte[] padded(final byte[] key)
    {
        final byte[] padded = new byte[PADDING + key.length + PADDING];
        Arrays.fill(padded, (byte)'{');
        Arrays.fill(padded, PADDING + key.length, padded.length, (byte)'}');
        System.arraycopy(key, 0, padded, PADDING, key.length);
        return padded;
    }

    private static UnsafeBuffer direct(final byte[] key)
    {
        final byte[] padded = padded(key);
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(padded.length));
        buffer.putBytes(0, padded);
        return buffer;
    }

    private static String escape(final String text)
    {
        final StringBuilder escaped = new StringBuilder();
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (c >= 0x20 && c < 0x7f)
            {
                escaped.append(c);
            }
            else
            {
                escaped.append(String.format("\\u%04x", (int)c));
            }
        }
        return escaped.toString();
    }
}
