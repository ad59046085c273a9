package io.slotring.codec;

import io.slotring.codec.internal.RespDecoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static io.slotring.codec.Frames.bufferAt;
import static io.slotring.codec.Frames.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RespReaderTest
{
    private static final int BASE = 17;

    private final RespReader reader = new RespReader();

    /** Validate with the decoder (as production does) and wrap the reader at a nonzero offset. */
    private RespReader read(final String frame)
    {
        final UnsafeBuffer buffer = bufferAt(frame, BASE);
        assertThat(new RespDecoder().decode(buffer, BASE, BASE + frame.length())).isEqualTo(frame.length());
        return reader.wrap(buffer, BASE, frame.length());
    }

    @Test
    void bulkStringPayloadInPlace()
    {
        read("$5\r\nhello\r\n");
        assertThat(reader.next()).isTrue();
        assertThat(reader.type()).isEqualTo(RespType.BULK_STRING);
        assertThat(reader.tokenOffset()).isEqualTo(BASE);
        assertThat(reader.valueOffset()).isEqualTo(BASE + 4);
        assertThat(reader.valueLength()).isEqualTo(5);
        assertThat(reader.isNull()).isFalse();
        assertThat(reader.isAggregate()).isFalse();
        assertThat(reader.stringValue()).isEqualTo("hello");
        assertThat(reader.bytesValue()).isEqualTo(bytes("hello"));
        assertThat(reader.contentEquals(bytes("hello"))).isTrue();
        assertThat(reader.contentEquals(bytes("hell"))).isFalse();
        assertThat(reader.contentEquals(bytes("hellO"))).isFalse();
        assertThat(reader.contentStartsWith(bytes("he"))).isTrue();
        assertThat(reader.contentStartsWith(bytes("hex"))).isFalse();
        assertThat(reader.contentStartsWith(bytes("hello!"))).isFalse();
        assertThat(reader.contentEquals(new UnsafeBuffer(bytes("xhellox")), 1, 5)).isTrue();
        assertThat(reader.contentEquals(new UnsafeBuffer(bytes("xhellox")), 0, 5)).isFalse();

        final byte[] dst = new byte[8];
        assertThat(reader.getBytes(dst, 2)).isEqualTo(5);
        assertThat(Frames.text(dst, 2, 5)).isEqualTo("hello");
        assertThat(reader.next()).isFalse();
        assertThat(reader.type()).isZero();
    }

    @Test
    void nullsOfEveryKind()
    {
        for (final String frame : new String[] { "$-1\r\n", "*-1\r\n", "_\r\n" })
        {
            read(frame);
            assertThat(reader.next()).isTrue();
            assertThat(reader.isNull()).as(frame).isTrue();
            assertThat(reader.count()).isZero();
            assertThat(reader.valueLength()).isZero();
            assertThat(reader.contentEquals(new byte[0])).isFalse();
            assertThat(reader.next()).isFalse();
        }
        read("$-1\r\n").next();
        assertThat(reader.stringValue()).isNull();
        assertThat(reader.bytesValue()).isNull();
        read("$0\r\n\r\n").next();
        assertThat(reader.isNull()).isFalse();
        assertThat(reader.stringValue()).isEmpty();
        assertThat(reader.contentEquals(new byte[0])).isTrue();
    }

    @Test
    void integers()
    {
        read("*6\r\n:0\r\n:-42\r\n:+7\r\n:9223372036854775807\r\n:-9223372036854775808\r\n$3\r\n123\r\n");
        reader.next();
        assertThat(reader.count()).isEqualTo(6);
        reader.next();
        assertThat(reader.longValue()).isEqualTo(0);
        assertThat(reader.booleanValue()).isFalse();
        reader.next();
        assertThat(reader.longValue()).isEqualTo(-42);
        assertThat(reader.booleanValue()).isTrue();
        reader.next();
        assertThat(reader.longValue()).isEqualTo(7);
        reader.next();
        assertThat(reader.longValue()).isEqualTo(Long.MAX_VALUE);
        reader.next();
        assertThat(reader.longValue()).isEqualTo(Long.MIN_VALUE);
        assertThat(reader.doubleValue()).isEqualTo(-9.223372036854775808E18);
        reader.next();
        assertThat(reader.type()).isEqualTo(RespType.BULK_STRING);
        assertThat(reader.longValue()).isEqualTo(123);
    }

    @Test
    void longValueFromStringsAndBigNumbers()
    {
        read("+99\r\n").next();
        assertThat(reader.longValue()).isEqualTo(99);
        read("(-12345678901234\r\n").next();
        assertThat(reader.longValue()).isEqualTo(-12345678901234L);
    }

    @Test
    void longValueRejectsNonIntegersClearly()
    {
        read("$3\r\nabc\r\n").next();
        assertThatThrownBy(reader::longValue).isInstanceOf(NumberFormatException.class)
            .hasMessage("not a 64-bit integer: BULK_STRING at offset 17 'abc'");
        read("$0\r\n\r\n").next();
        assertThatThrownBy(reader::longValue).isInstanceOf(NumberFormatException.class);
        read("+-\r\n").next();
        assertThatThrownBy(reader::longValue).isInstanceOf(NumberFormatException.class);
        read("(92233720368547758070\r\n").next();
        assertThatThrownBy(reader::longValue).isInstanceOf(NumberFormatException.class);
        read("+9223372036854775808\r\n").next();
        assertThatThrownBy(reader::longValue).isInstanceOf(NumberFormatException.class);
        read("*1\r\n:1\r\n").next();
        assertThatThrownBy(reader::longValue).isInstanceOf(IllegalStateException.class)
            .hasMessage("longValue() on ARRAY at offset 17 count=1");
        read("$-1\r\n").next();
        assertThatThrownBy(reader::longValue).isInstanceOf(IllegalStateException.class)
            .hasMessage("longValue() on BULK_STRING at offset 17 (null)");
        read(",1.5\r\n").next();
        assertThatThrownBy(reader::longValue).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void doubles()
    {
        final String[] texts = {
            "3.14", "-1.5e-10", "10", "0", "-0", "1E+300", "1e-300", ".5", "1.", "0.1", "123456789012345678",
            "0.10000000000000001", "1.7976931348623157e308", "4.9e-324", "2.2250738585072014E-308", "1e22", "1e23",
            "9007199254740993", "-123.456e7", "3.0000000000000004" };
        for (final String text : texts)
        {
            read("," + text + "\r\n").next();
            assertThat(reader.doubleValue()).as(text).isEqualTo(Double.parseDouble(text));
        }
        read(",inf\r\n").next();
        assertThat(reader.doubleValue()).isEqualTo(Double.POSITIVE_INFINITY);
        read(",-inf\r\n").next();
        assertThat(reader.doubleValue()).isEqualTo(Double.NEGATIVE_INFINITY);
        read(",nan\r\n").next();
        assertThat(reader.doubleValue()).isNaN();
        read(",-NaN\r\n").next();
        assertThat(reader.doubleValue()).isNaN();
        read("$4\r\n2.75\r\n").next();
        assertThat(reader.doubleValue()).isEqualTo(2.75);
        read(":12\r\n").next();
        assertThat(reader.doubleValue()).isEqualTo(12.0);
        read("$3\r\nabc\r\n").next();
        assertThatThrownBy(reader::doubleValue).isInstanceOf(NumberFormatException.class);
        read("$3\r\n1e+\r\n").next();
        assertThatThrownBy(reader::doubleValue).isInstanceOf(NumberFormatException.class);
        read("#t\r\n").next();
        assertThatThrownBy(reader::doubleValue).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void booleans()
    {
        read("#t\r\n").next();
        assertThat(reader.booleanValue()).isTrue();
        assertThat(reader.type()).isEqualTo(RespType.BOOLEAN);
        read("#f\r\n").next();
        assertThat(reader.booleanValue()).isFalse();
        read("+t\r\n").next();
        assertThatThrownBy(reader::booleanValue).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void errorsAndVerbatim()
    {
        read("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n").next();
        assertThat(reader.isError()).isTrue();
        assertThat(reader.contentStartsWith(bytes("WRONGTYPE "))).isTrue();
        read("!10\r\nERR oh no!\r\n").next();
        assertThat(reader.isError()).isTrue();
        assertThat(reader.type()).isEqualTo(RespType.BLOB_ERROR);
        assertThat(reader.stringValue()).isEqualTo("ERR oh no!");
        read("=15\r\ntxt:Some string\r\n").next();
        assertThat(reader.isError()).isFalse();
        assertThat(reader.stringValue()).isEqualTo("Some string");
        assertThat(reader.buffer().getStringWithoutLengthAscii(reader.verbatimFormatOffset(), 3)).isEqualTo("txt");
        read("+x\r\n").next();
        assertThat(reader.verbatimFormatOffset()).isEqualTo(-1);
    }

    @Test
    void mapCountIsPairsAndElementCountIsValues()
    {
        read("%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n").next();
        assertThat(reader.type()).isEqualTo(RespType.MAP);
        assertThat(reader.count()).isEqualTo(2);
        assertThat(reader.elementCount()).isEqualTo(4);
        read("|1\r\n+k\r\n+v\r\n:1\r\n").next();
        assertThat(reader.count()).isEqualTo(1);
        assertThat(reader.elementCount()).isEqualTo(2);
        read("~3\r\n:1\r\n:2\r\n:3\r\n").next();
        assertThat(reader.elementCount()).isEqualTo(3);
    }

    @Test
    void preOrderWalkOfNestedFrame()
    {
        read("*3\r\n%1\r\n+k\r\n*2\r\n:1\r\n_\r\n~0\r\n#t\r\n");
        final StringBuilder walk = new StringBuilder();
        while (reader.next())
        {
            walk.append((char)reader.type());
        }
        assertThat(walk.toString()).isEqualTo("*%+*:_~#");
    }

    @Test
    void skipChildrenJumpsOverWholeSubtreeIncludingAttributes()
    {
        read("*3\r\n%2\r\n+k\r\n*2\r\n:1\r\n|1\r\n+a\r\n*1\r\n:9\r\n:2\r\n+k2\r\n~1\r\n$1\r\nx\r\n:42\r\n*-1\r\n");
        assertThat(reader.next()).isTrue();
        assertThat(reader.type()).isEqualTo(RespType.ARRAY);
        assertThat(reader.next()).isTrue();
        assertThat(reader.type()).isEqualTo(RespType.MAP);
        reader.skipChildren();
        // the current token still describes the map
        assertThat(reader.type()).isEqualTo(RespType.MAP);
        assertThat(reader.count()).isEqualTo(2);
        assertThat(reader.next()).isTrue();
        assertThat(reader.longValue()).isEqualTo(42);
        assertThat(reader.next()).isTrue();
        assertThat(reader.isNull()).isTrue();
        reader.skipChildren(); // null aggregate: nothing to skip
        assertThat(reader.next()).isFalse();
    }

    @Test
    void skipChildrenOfTopLevelEndsTheFrame()
    {
        read("*2\r\n*1\r\n$3\r\nabc\r\n:5\r\n").next();
        reader.skipChildren();
        assertThat(reader.next()).isFalse();
    }

    @Test
    void nextValueStepsOverAttributes()
    {
        read("|1\r\n+key-popularity\r\n*2\r\n$1\r\na\r\n,0.1923\r\n*2\r\n:2039123\r\n:9543892\r\n");
        assertThat(reader.nextValue()).isTrue();
        assertThat(reader.type()).isEqualTo(RespType.ARRAY);
        assertThat(reader.count()).isEqualTo(2);
        assertThat(reader.nextValue()).isTrue();
        assertThat(reader.longValue()).isEqualTo(2039123);
        assertThat(reader.nextValue()).isTrue();
        assertThat(reader.longValue()).isEqualTo(9543892);
        assertThat(reader.nextValue()).isFalse();
    }

    @Test
    void payloadAccessorsRejectAggregates()
    {
        read("*0\r\n").next();
        assertThatThrownBy(reader::stringValue).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(reader::bytesValue).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> reader.getBytes(new byte[4], 0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void simpleTypesExposeTheirText()
    {
        read("*4\r\n+OK\r\n:-5\r\n(123\r\n,1.5\r\n");
        reader.next();
        reader.next();
        assertThat(reader.stringValue()).isEqualTo("OK");
        reader.next();
        assertThat(reader.stringValue()).isEqualTo("-5");
        reader.next();
        assertThat(reader.stringValue()).isEqualTo("123");
        reader.next();
        assertThat(reader.stringValue()).isEqualTo("1.5");
    }

    @Test
    void readerOnUnvalidatedGarbageTerminates()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes("$999999\r\nab*99999999999999999999999\r\n+"));
        reader.wrap(buffer, 0, buffer.capacity());
        int tokens = 0;
        while (reader.next())
        {
            tokens++;
        }
        assertThat(tokens).isEqualTo(1);

        reader.wrap(new UnsafeBuffer(bytes("x")), 0, 1);
        assertThatThrownBy(reader::next).isInstanceOf(IllegalStateException.class);
        assertThat(reader.next()).isFalse();
    }
}
