package io.slotring.codec;

import java.util.stream.Stream;

import io.slotring.codec.internal.RespDecoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static io.slotring.codec.Frames.buffer;
import static io.slotring.codec.Frames.bufferAt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class RespDecoderTest
{
    private final RespDecoder decoder = new RespDecoder();

    static Stream<Arguments> validFrames()
    {
        return Stream.of(
            // RESP2
            arguments("+OK\r\n", "SIMPLE_STRING:'OK'"),
            arguments("+\r\n", "SIMPLE_STRING:''"),
            arguments("-ERR unknown command 'foo'\r\n", "ERROR:'ERR unknown command 'foo''"),
            arguments(":0\r\n", "INTEGER:'0'"),
            arguments(":-42\r\n", "INTEGER:'-42'"),
            arguments(":+7\r\n", "INTEGER:'+7'"),
            arguments(":9223372036854775807\r\n", "INTEGER:'9223372036854775807'"),
            arguments(":-9223372036854775808\r\n", "INTEGER:'-9223372036854775808'"),
            arguments("$5\r\nhello\r\n", "BULK_STRING:'hello'"),
            arguments("$0\r\n\r\n", "BULK_STRING:''"),
            arguments("$4\r\na\r\nb\r\n", "BULK_STRING:'a\\r\\nb'"),
            arguments("$-1\r\n", "BULK_STRING:null"),
            arguments("*0\r\n", "ARRAY(0)"),
            arguments("*-1\r\n", "ARRAY:null"),
            arguments("*3\r\n:1\r\n$-1\r\n+x\r\n", "ARRAY(3) INTEGER:'1' BULK_STRING:null SIMPLE_STRING:'x'"),
            arguments("*2\r\n*2\r\n:1\r\n:2\r\n*0\r\n", "ARRAY(2) ARRAY(2) INTEGER:'1' INTEGER:'2' ARRAY(0)"),
            arguments("*1\r\n*1\r\n*1\r\n*-1\r\n", "ARRAY(1) ARRAY(1) ARRAY(1) ARRAY:null"),
            // RESP3
            arguments("_\r\n", "NULL:null"),
            arguments(",3.14\r\n", "DOUBLE:'3.14'"),
            arguments(",-1.5e-10\r\n", "DOUBLE:'-1.5e-10'"),
            arguments(",10\r\n", "DOUBLE:'10'"),
            arguments(",inf\r\n", "DOUBLE:'inf'"),
            arguments(",-inf\r\n", "DOUBLE:'-inf'"),
            arguments(",nan\r\n", "DOUBLE:'nan'"),
            arguments(",.5\r\n", "DOUBLE:'.5'"),
            arguments(",1.\r\n", "DOUBLE:'1.'"),
            arguments(",1E+300\r\n", "DOUBLE:'1E+300'"),
            arguments("#t\r\n", "BOOLEAN:'t'"),
            arguments("#f\r\n", "BOOLEAN:'f'"),
            arguments("!21\r\nSYNTAX invalid syntax\r\n", "BLOB_ERROR:'SYNTAX invalid syntax'"),
            arguments("=15\r\ntxt:Some string\r\n", "VERBATIM_STRING:'Some string'"),
            arguments("=4\r\nmkd:\r\n", "VERBATIM_STRING:''"),
            arguments("(3492890328409238509324850943850943825024385\r\n",
                "BIG_NUMBER:'3492890328409238509324850943850943825024385'"),
            arguments("(-12\r\n", "BIG_NUMBER:'-12'"),
            arguments("%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n",
                "MAP(2) SIMPLE_STRING:'first' INTEGER:'1' SIMPLE_STRING:'second' INTEGER:'2'"),
            arguments("%0\r\n", "MAP(0)"),
            arguments("~3\r\n+a\r\n+b\r\n+c\r\n", "SET(3) SIMPLE_STRING:'a' SIMPLE_STRING:'b' SIMPLE_STRING:'c'"),
            arguments("~0\r\n", "SET(0)"),
            arguments(">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n",
                "PUSH(3) BULK_STRING:'message' BULK_STRING:'ch' BULK_STRING:'hi'"),
            // attribute + the value it decorates: one frame
            arguments("|1\r\n+key-popularity\r\n*2\r\n$1\r\na\r\n,0.1923\r\n*2\r\n:2039123\r\n:9543892\r\n",
                "ATTRIBUTE(1) SIMPLE_STRING:'key-popularity' ARRAY(2) BULK_STRING:'a' DOUBLE:'0.1923' " +
                "ARRAY(2) INTEGER:'2039123' INTEGER:'9543892'"),
            arguments("|0\r\n:1\r\n", "ATTRIBUTE(0) INTEGER:'1'"),
            arguments("|1\r\n+a\r\n+b\r\n|1\r\n+c\r\n+d\r\n+value\r\n",
                "ATTRIBUTE(1) SIMPLE_STRING:'a' SIMPLE_STRING:'b' ATTRIBUTE(1) SIMPLE_STRING:'c' SIMPLE_STRING:'d' " +
                "SIMPLE_STRING:'value'"),
            // attribute nested inside an aggregate does not count as one of its elements
            arguments("*2\r\n:1\r\n|1\r\n+ttl\r\n:3600\r\n:2\r\n",
                "ARRAY(2) INTEGER:'1' ATTRIBUTE(1) SIMPLE_STRING:'ttl' INTEGER:'3600' INTEGER:'2'"),
            arguments("%1\r\n|0\r\n+k\r\n~1\r\n_\r\n",
                "MAP(1) ATTRIBUTE(0) SIMPLE_STRING:'k' SET(1) NULL:null"),
            // deep but within the default bound
            arguments("*1\r\n".repeat(64) + ":1\r\n", "ARRAY(1) ".repeat(64) + "INTEGER:'1'"));
    }

    @ParameterizedTest
    @MethodSource("validFrames")
    void decodesEveryTypeAndShape(final String frame, final String expectedDump)
    {
        assertThat(decoder.decode(buffer(frame), 0, frame.length())).isEqualTo(frame.length());
        assertThat(Frames.dump(frame)).isEqualTo(expectedDump);
    }

    @ParameterizedTest
    @MethodSource("validFrames")
    void decodesAtNonZeroOffsetFollowedByJunkAndEveryPrefixIsIncomplete(final String frame, final String ignored)
    {
        final UnsafeBuffer buffer = bufferAt(frame + "$", 31);
        for (int limit = 31; limit < 31 + frame.length(); limit++)
        {
            assertThat(new RespDecoder().decode(buffer, 31, limit)).as("prefix %d", limit - 31)
                .isEqualTo(RespDecoder.INCOMPLETE);
        }
        assertThat(decoder.decode(buffer, 31, 31 + frame.length() + 1)).isEqualTo(frame.length());
    }

    @Test
    void pushIsItsOwnFrameBeforeTheReply()
    {
        final String push = ">2\r\n+invalidate\r\n*1\r\n$3\r\nfoo\r\n";
        final String stream = push + "+OK\r\n";
        final UnsafeBuffer buffer = buffer(stream);
        assertThat(decoder.decode(buffer, 0, stream.length())).isEqualTo(push.length());
        assertThat(decoder.decode(buffer, push.length(), stream.length())).isEqualTo(5);
    }

    @Test
    void decodesBackToBackFramesIndependently()
    {
        final String stream = "+OK\r\n:1\r\n$3\r\nfoo\r\n*2\r\n$1\r\na\r\n$-1\r\n_\r\n";
        assertThat(Frames.decodeAll(decoder, buffer(stream), 0, stream.length())).containsExactly(
            "SIMPLE_STRING:'OK'", "INTEGER:'1'", "BULK_STRING:'foo'",
            "ARRAY(2) BULK_STRING:'a' BULK_STRING:null", "NULL:null");
    }

    @Test
    void emptyInputIsIncomplete()
    {
        assertThat(decoder.decode(buffer("+OK\r\n"), 2, 2)).isEqualTo(RespDecoder.INCOMPLETE);
        assertThat(decoder.minimumFrameLength()).isEqualTo(1);
    }

    @Test
    void minimumFrameLengthKnowsDeclaredBulkLength()
    {
        final String head = "$1000000\r\nabc";
        assertThat(decoder.decode(buffer(head), 0, head.length())).isEqualTo(RespDecoder.INCOMPLETE);
        assertThat(decoder.minimumFrameLength()).isEqualTo(10 + 1_000_000 + 2);
    }

    @Test
    void minimumFrameLengthIsTheEndOfTheBulkInProgressNotAGuessFromCounts()
    {
        // array of 3: first complete (4 bytes), second a pending 100-byte bulk; the third is not guessed at
        final String head = "*3\r\n:1\r\n$100\r\nxx";
        assertThat(decoder.decode(buffer(head), 0, head.length())).isEqualTo(RespDecoder.INCOMPLETE);
        assertThat(decoder.minimumFrameLength()).isEqualTo(4 + 4 + 6 + 100 + 2);

        // a forged count asks for nothing
        decoder.reset();
        assertThat(decoder.decode(buffer("*2147483647\r\n"), 0, 13)).isEqualTo(RespDecoder.INCOMPLETE);
        assertThat(decoder.minimumFrameLength()).isEqualTo(14);
    }

    @Test
    void minimumFrameLengthOfAnUnterminatedLine()
    {
        final String head = "+hello wor";
        assertThat(decoder.decode(buffer(head), 0, head.length())).isEqualTo(RespDecoder.INCOMPLETE);
        assertThat(decoder.minimumFrameLength()).isEqualTo(head.length() + 2);
        assertThat(decoder.decode(buffer("+hello world\r"), 0, 13)).isEqualTo(RespDecoder.INCOMPLETE);
        assertThat(decoder.minimumFrameLength()).isEqualTo(14);
    }

    @Test
    void resumesAfterTheFrameMovesToAnotherOffsetAndBuffer()
    {
        final String frame = "*2\r\n$10\r\n0123456789\r\n+done\r\n";
        final UnsafeBuffer first = bufferAt(frame.substring(0, 15), 100);
        assertThat(decoder.decode(first, 100, 115)).isEqualTo(RespDecoder.INCOMPLETE);
        final UnsafeBuffer moved = bufferAt(frame.substring(0, 24), 3);
        assertThat(decoder.decode(moved, 3, 27)).isEqualTo(RespDecoder.INCOMPLETE);
        final UnsafeBuffer whole = bufferAt(frame, 0);
        assertThat(decoder.decode(whole, 0, frame.length())).isEqualTo(frame.length());
    }

    @Test
    void resetForgetsAPartialFrame()
    {
        assertThat(decoder.decode(buffer("*2\r\n:1\r\n"), 0, 8)).isEqualTo(RespDecoder.INCOMPLETE);
        decoder.reset();
        assertThat(decoder.decode(buffer("+OK\r\n"), 0, 5)).isEqualTo(5);
    }

    @Test
    void rejectsArgumentsOutsideTheBuffer()
    {
        final UnsafeBuffer buffer = buffer("+OK\r\n");
        assertThatThrownBy(() -> decoder.decode(buffer, 0, 6)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> decoder.decode(buffer, 3, 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> decoder.decode(buffer, -1, 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RespDecoder(0, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RespDecoder(1, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RespDecoder(1, Integer.MAX_VALUE + 1L))
            .isInstanceOf(IllegalArgumentException.class);
    }

    static Stream<Arguments> malformed()
    {
        final String tooDeep = "*1\r\n".repeat(65) + ":1\r\n";
        return Stream.of(
            arguments("x\r\n", 0, "expected a RESP type byte (one of + - : $ * _ , # ! = ( % ~ > |) at offset 0, " +
                "got 'x' (0x78)"),
            arguments("*1\r\n\u0000", 4, "expected a RESP type byte (one of + - : $ * _ , # ! = ( % ~ > |) at " +
                "offset 4, got 0x00"),
            // missing CRLF after a bulk payload
            arguments("$5\r\nhelloX\r\n", 9, "expected '\\r\\n' after the 5-byte payload at offset 9, got 'X' (0x58)"),
            arguments("$5\r\nhello\rX", 10, "expected '\\r\\n' after the 5-byte payload at offset 10, got 'X' (0x58)"),
            arguments("$5\r\nhello\n\r", 9, "expected '\\r\\n' after the 5-byte payload at offset 9, got '\\n' (0x0a)"),
            // malformed lengths
            arguments("$abc\r\n", 1, "expected a digit at offset 1, got 'a' (0x61)"),
            arguments("$\r\n", 1, "expected a digit at offset 1, got '\\r' (0x0d)"),
            arguments("$-\r\n", 2, "expected a digit at offset 2, got '\\r' (0x0d)"),
            arguments("$+5\r\n", 1, "expected a digit at offset 1, got '+' (0x2b)"),
            arguments("$12a\r\n", 3, "expected a digit or '\\r' at offset 3, got 'a' (0x61)"),
            arguments("$1 \r\n", 2, "expected a digit or '\\r' at offset 2, got ' ' (0x20)"),
            arguments("$1\rx", 3, "expected '\\n' after '\\r' at offset 3, got 'x' (0x78)"),
            arguments("*2\n", 2, "expected a digit or '\\r' at offset 2, got '\\n' (0x0a)"),
            arguments(":12.5\r\n", 3, "expected a digit or '\\r' at offset 3, got '.' (0x2e)"),
            // overflowing lengths and integers
            arguments("$12345678901234567890\r\n", 20,
                "expected '\\r' after at most 19 digits at offset 20, got '0' (0x30)"),
            arguments(":9223372036854775808\r\n", 1, "expected a number within the signed 64-bit range at offset 1, " +
                "got overflow at digit '8' (0x38) at offset 19"),
            arguments(":-9223372036854775809\r\n", 2, "expected a number within the signed 64-bit range at offset 2, " +
                "got overflow at digit '9' (0x39) at offset 20"),
            arguments("*9999999999999999999\r\n", 1, "expected a number within the signed 64-bit range at offset 1, " +
                "got overflow at digit '9' (0x39) at offset 19"),
            // negative lengths other than -1
            arguments("$-2\r\n", 1, "expected a length >= 0 (or -1 for null) at offset 1, got -2"),
            arguments("!-1\r\n", 1, "expected a length >= 0 at offset 1, got -1"),
            arguments("=-1\r\n", 1, "expected a length >= 0 at offset 1, got -1"),
            arguments("*-2\r\n", 1, "expected an element count >= 0 (or -1 for null) at offset 1, got -2"),
            arguments("%-1\r\n", 1, "expected an element count >= 0 at offset 1, got -1"),
            arguments("~-1\r\n", 1, "expected an element count >= 0 at offset 1, got -1"),
            arguments(">-1\r\n", 1, "expected an element count >= 0 at offset 1, got -1"),
            arguments("|-1\r\n", 1, "expected an element count >= 0 at offset 1, got -1"),
            // too long
            arguments("$536870913\r\n", 1, "expected a length <= 536870912 (maxBulkLength) at offset 1, got 536870913"),
            arguments("*2147483648\r\n", 1, "expected an element count <= 2147483647 at offset 1, got 2147483648"),
            // too deep
            arguments(tooDeep, 256, "expected nesting depth <= 64 (maxDepth) at offset 256, got depth 65"),
            // streamed
            arguments("$?\r\n", 1,
                "expected a length (streamed strings and aggregates are not supported) at offset 1, " +
                "got '?' (0x3f)"),
            arguments("*?\r\n", 1,
                "expected a length (streamed strings and aggregates are not supported) at offset 1, " +
                "got '?' (0x3f)"),
            arguments("%?\r\n", 1,
                "expected a length (streamed strings and aggregates are not supported) at offset 1, " +
                "got '?' (0x3f)"),
            // RESP3 scalars
            arguments("_x\r\n", 1, "expected '\\r\\n' at offset 1, got 'x' (0x78)"),
            arguments("_\rx", 2, "expected '\\r\\n' at offset 2, got 'x' (0x78)"),
            arguments("#x\r\n", 1, "expected 't' or 'f' at offset 1, got 'x' (0x78)"),
            arguments("#tt\r\n", 2, "expected '\\r\\n' at offset 2, got 't' (0x74)"),
            arguments(",abc\r\n", 1, "expected a double (digits, inf, -inf or nan) at offset 1, got 'a' (0x61)"),
            arguments(",\r\n", 1, "expected a double (digits, inf, -inf or nan) at offset 1, got '\\r' (0x0d)"),
            arguments(",1.5x\r\n", 4, "expected '\\r\\n' after the double at offset 4, got 'x' (0x78)"),
            arguments(",1e\r\n", 3, "expected a digit in the double's exponent at offset 3, got '\\r' (0x0d)"),
            arguments("(12a\r\n", 3, "expected a digit or '\\r\\n' at offset 3, got 'a' (0x61)"),
            arguments("(\r\n", 1, "expected a digit at offset 1, got '\\r' (0x0d)"),
            arguments("=3\r\nabc\r\n", 1,
                "expected a verbatim string length >= 4 (3-byte format and ':') at offset 1, " +
                "got 3"),
            arguments("=6\r\ntxtxab\r\n", 7,
                "expected ':' after the 3-byte verbatim format at offset 7, got 'x' (0x78)"),
            // text lines
            arguments("+hello\nworld\r\n", 6, "expected '\\r\\n' (a line must not contain a bare '\\n') at offset 6, " +
                "got '\\n' (0x0a)"),
            arguments("-ERR\rx", 5, "expected '\\n' after '\\r' at offset 5, got 'x' (0x78)"),
            // errors deep inside aggregates report the absolute offset of the bad byte
            arguments("*2\r\n%1\r\n+k\r\n$2\r\nab!", 18, "expected '\\r\\n' after the 2-byte payload at offset 18, " +
                "got '!' (0x21)"));
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void rejectsMalformedInputNamingOffsetExpectedAndGot(final String wire, final int offset, final String message)
    {
        final RespProtocolException ex = catchThrowableOfType(RespProtocolException.class,
            () -> decoder.decode(buffer(wire), 0, wire.length()));
        assertThat(ex).as("exception for %s", Frames.escape(wire)).isNotNull();
        assertThat(ex.getMessage()).isEqualTo(message);
        assertThat(ex.offset()).isEqualTo(offset);

        // the decoder reset itself: a good frame decodes next
        assertThat(decoder.decode(buffer("+OK\r\n"), 0, 5)).isEqualTo(5);
    }

    @ParameterizedTest
    @MethodSource("malformed")
    void errorOffsetIsAbsoluteInTheBufferAndIndependentOfChunking(
        final String wire, final int offset, final String message)
    {
        final int base = 1000;
        final UnsafeBuffer buffer = bufferAt(wire, base);
        final String shifted = java.util.regex.Pattern.compile("at offset (\\d+)").matcher(message)
            .replaceAll(m -> "at offset " + (base + Integer.parseInt(m.group(1))));

        // byte by byte: every call but the failing one says INCOMPLETE
        RespProtocolException ex = null;
        for (int limit = base; limit <= base + wire.length() && ex == null; limit++)
        {
            try
            {
                assertThat(decoder.decode(buffer, base, limit)).isEqualTo(RespDecoder.INCOMPLETE);
            }
            catch (final RespProtocolException e)
            {
                ex = e;
            }
        }
        assertThat(ex).isNotNull();
        assertThat(ex.offset()).isEqualTo(base + offset);
        assertThat(ex.getMessage()).isEqualTo(shifted);
    }

    @Test
    void simpleStringLongerThanMaxBulkLength()
    {
        final RespDecoder small = new RespDecoder(8, 5);
        assertThat(small.decode(buffer("+12345\r\n"), 0, 8)).isEqualTo(8);
        final RespProtocolException ex = catchThrowableOfType(RespProtocolException.class,
            () -> small.decode(buffer("+123456\r\n"), 0, 9));
        assertThat(ex.getMessage()).isEqualTo(
            "expected '\\r\\n' within 5 bytes (maxBulkLength) at offset 6, got '6' (0x36)");
        assertThat(ex.offset()).isEqualTo(6);
    }

    @Test
    void configuredBoundsApply()
    {
        final RespDecoder small = new RespDecoder(2, 10);
        assertThat(small.decode(buffer("$10\r\n0123456789\r\n"), 0, 17)).isEqualTo(17);
        assertThat(small.decode(buffer("*1\r\n*1\r\n:1\r\n"), 0, 12)).isEqualTo(12);

        final RespProtocolException tooLong = catchThrowableOfType(RespProtocolException.class,
            () -> small.decode(buffer("$11\r\n"), 0, 5));
        assertThat(tooLong.getMessage()).isEqualTo("expected a length <= 10 (maxBulkLength) at offset 1, got 11");

        final RespProtocolException tooDeep = catchThrowableOfType(RespProtocolException.class,
            () -> small.decode(buffer("*1\r\n%1\r\n~1\r\n"), 0, 12));
        assertThat(tooDeep.getMessage()).isEqualTo("expected nesting depth <= 2 (maxDepth) at offset 8, got depth 3");
    }

    @Test
    void depthIsReleasedWhenAggregatesClose()
    {
        final RespDecoder small = new RespDecoder(2, 10);
        // many siblings at depth 2: never more than two open at once
        final String frame = "*3\r\n*1\r\n:1\r\n*1\r\n:2\r\n*1\r\n:3\r\n";
        assertThat(small.decode(buffer(frame), 0, frame.length())).isEqualTo(frame.length());
    }
}
