package io.slotring.cluster;

import java.nio.charset.StandardCharsets;

import io.slotring.codec.RespReader;
import io.slotring.codec.internal.RespDecoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The redirect flyweight over error replies as the zero-copy reader frames them: every kind the router acts on,
 * every address form (named host, {@code :port}, {@code ?:port}, IPv6 without brackets), and what it says about
 * replies that do not parse.
 */
class RedirectReplyTest
{
    @Test
    void movedToANamedHost()
    {
        final RedirectReply reply = wrap("MOVED 3999 127.0.0.1:6381");
        assertThat(reply.kind()).isEqualTo(RedirectReply.MOVED);
        assertThat(reply.isRedirect()).isTrue();
        assertThat(reply.slot()).isEqualTo(3999);
        assertThat(reply.port()).isEqualTo(6381);
        assertThat(reply.hasHost()).isTrue();
        assertThat(reply.hostLength()).isEqualTo("127.0.0.1".length());
        assertThat(reply.buffer().getStringWithoutLengthAscii(reply.hostOffset(), reply.hostLength()))
            .isEqualTo("127.0.0.1");
        assertThat(reply.hostEquals("127.0.0.1")).isTrue();
        assertThat(reply.hostEquals("127.0.0.2")).isFalse();
        assertThat(reply.hostEquals("127.0.0.")).isFalse();
        assertThat(reply.host("10.0.0.7")).isEqualTo("127.0.0.1");
        assertThat(reply.address(null)).isEqualTo("127.0.0.1:6381");
        assertThat(reply.problem(null)).isNull();
    }

    @Test
    void askToAHostName()
    {
        final RedirectReply reply = wrap("ASK 5 redis-b.example:7001");
        assertThat(reply.kind()).isEqualTo(RedirectReply.ASK);
        assertThat(reply.slot()).isEqualTo(5);
        assertThat(reply.address("10.0.0.7")).isEqualTo("redis-b.example:7001");
    }

    @Test
    void anEmptyOrUnknownHostMeansTheNodeThatAnswered()
    {
        for (final String text : new String[] {"MOVED 3999 :6381", "MOVED 3999 ?:6381"})
        {
            final RedirectReply reply = wrap(text);
            assertThat(reply.isRedirect()).as(text).isTrue();
            assertThat(reply.hasHost()).as(text).isFalse();
            assertThat(reply.hostLength()).as(text).isZero();
            assertThat(reply.slot()).as(text).isEqualTo(3999);
            assertThat(reply.port()).as(text).isEqualTo(6381);
            assertThat(reply.host("10.0.0.7")).as(text).isEqualTo("10.0.0.7");
            assertThat(reply.address("10.0.0.7")).as(text).isEqualTo("10.0.0.7:6381");
            assertThat(reply.problem("10.0.0.7")).as(text).isNull();
            assertThat(reply.problem(null)).as(text)
                .contains("expected MOVED <slot> <host>:<port>, got '" + text + "'")
                .contains("no node to take the host from");
        }
    }

    @Test
    void theLastColonSeparatesThePortSoIpv6NeedsNoBrackets()
    {
        final RedirectReply reply = wrap("MOVED 1 ::1:6381");
        assertThat(reply.slot()).isEqualTo(1);
        assertThat(reply.port()).isEqualTo(6381);
        assertThat(reply.host(null)).isEqualTo("::1");
        final RedirectReply full = wrap("ASK 16383 fe80::1:2:3:7000");
        assertThat(full.slot()).isEqualTo(16383);
        assertThat(full.host(null)).isEqualTo("fe80::1:2:3");
        assertThat(full.port()).isEqualTo(7000);
    }

    @Test
    void retryKindsAreClassifiedWithoutAnAddress()
    {
        assertThat(wrap("TRYAGAIN Multiple keys request during rehashing of slot").kind())
            .isEqualTo(RedirectReply.TRYAGAIN);
        assertThat(wrap("CLUSTERDOWN The cluster is down").kind()).isEqualTo(RedirectReply.CLUSTERDOWN);
        assertThat(wrap("LOADING Redis is loading the dataset in memory").kind()).isEqualTo(RedirectReply.LOADING);
        assertThat(wrap("MASTERDOWN Link with MASTER is down").kind()).isEqualTo(RedirectReply.MASTERDOWN);
        final RedirectReply tryAgain = wrap("TRYAGAIN");
        assertThat(tryAgain.isRedirect()).isFalse();
        assertThat(tryAgain.slot()).isEqualTo(-1);
        assertThat(tryAgain.problem(null)).isNull();
    }

    @Test
    void everythingElseIsOther()
    {
        for (final String text : new String[] {"ERR unknown command", "WRONGTYPE Operation", "MOVEDX 1 a:1",
            "MOVED", "ASKING", "ASK", "", "NOSCRIPT", "CROSSSLOT Keys", "moved 1 a:1"})
        {
            assertThat(wrap(text).kind()).as(text).isEqualTo(RedirectReply.OTHER);
            assertThat(RedirectReply.kindOf(reader(text))).as(text).isEqualTo(RedirectReply.OTHER);
        }
        // Not an error at all: a simple string with the same text.
        final RespReader simple = reader("+MOVED 1 127.0.0.1:6381\r\n", true);
        assertThat(RedirectReply.kindOf(simple)).isEqualTo(RedirectReply.OTHER);
        assertThat(new RedirectReply().wrap(simple).kind()).isEqualTo(RedirectReply.OTHER);
    }

    @Test
    void errorCodesOfRepliesThatBecameExceptions()
    {
        assertThat(RedirectReply.isRedirectCode("MOVED")).isTrue();
        assertThat(RedirectReply.isRedirectCode("ASK")).isTrue();
        assertThat(RedirectReply.isRedirectCode("TRYAGAIN")).isFalse();
        assertThat(RedirectReply.isRedirectCode(null)).isFalse();
    }

    @Test
    void kindOfNeitherAllocatesNorMovesTheReader()
    {
        final RespReader reader = reader("MOVED 3999 127.0.0.1:6381");
        final int offset = reader.valueOffset();
        assertThat(RedirectReply.kindOf(reader)).isEqualTo(RedirectReply.MOVED);
        assertThat(reader.valueOffset()).isEqualTo(offset);
        assertThat(reader.stringValue()).isEqualTo("MOVED 3999 127.0.0.1:6381");
    }

    @Test
    void oneFlyweightIsReusedAndForgetsThePreviousReply()
    {
        final RedirectReply reply = new RedirectReply();
        reply.wrap(reader("MOVED 3999 127.0.0.1:6381"));
        assertThat(reply.slot()).isEqualTo(3999);
        reply.wrap(reader("MOVED 12 :7000"));
        assertThat(reply.slot()).isEqualTo(12);
        assertThat(reply.hasHost()).isFalse();
        reply.wrap(reader("MOVED x 127.0.0.1:6381"));
        assertThat(reply.slot()).isEqualTo(-1);
        assertThat(reply.port()).isZero();
        assertThat(reply.isRedirect()).isFalse();
        reply.wrap(reader("CLUSTERDOWN"));
        assertThat(reply.problem(null)).isNull();
    }

    @Test
    void repliesThatDoNotParseSayWhatWasExpectedAndWhatCame()
    {
        assertProblem("MOVED 1234", "expected MOVED <slot> <host>:<port>, got 'MOVED 1234'");
        assertProblem("MOVED 1234 ", "got 'MOVED 1234 '");
        assertProblem("MOVED 1234 10.0.0.1:6380 extra", "got 'MOVED 1234 10.0.0.1:6380 extra'");
        assertProblem("MOVED  1 10.0.0.1:6380", "got 'MOVED  1 10.0.0.1:6380'");
        assertProblem("MOVED x 10.0.0.1:6380", "the slot 'x' is not a number");
        assertProblem("MOVED -1 10.0.0.1:6380", "the slot '-1' is not a number");
        assertProblem("MOVED 16384 10.0.0.1:6380", "the slot 16384 is not in 0..16383");
        assertProblem("MOVED 99999999999 10.0.0.1:6380", "the slot 99999999999 is not in 0..16383");
        assertProblem("MOVED 1 10.0.0.1:port", "the port of '10.0.0.1:port' is not a number");
        assertProblem("MOVED 1 10.0.0.1:", "the address '10.0.0.1:' has no port");
        assertProblem("ASK 1 6380", "expected ASK <slot> <host>:<port>, got 'ASK 1 6380'");
        assertProblem("ASK 1 6380", "the address '6380' has no port");
        assertProblem("MOVED 1 10.0.0.1:0", "the port of '10.0.0.1:0' is not in 1..65535");
        assertProblem("MOVED 1 10.0.0.1:65536", "the port of '10.0.0.1:65536' is not in 1..65535");
        assertProblem("MOVED 1 10.0.0.1:9999999999", "is not in 1..65535");
        assertThat(wrap("MOVED 1 10.0.0.1:65535").problem(null)).isNull();
        assertThat(wrap("MOVED 0 a:1").problem(null)).isNull();
    }

    private static void assertProblem(final String text, final String expected)
    {
        final RedirectReply reply = wrap(text);
        assertThat(reply.kind()).as(text).isIn(RedirectReply.MOVED, RedirectReply.ASK);
        assertThat(reply.isRedirect()).as(text).isFalse();
        assertThat(reply.problem("10.0.0.7")).as(text).contains(expected).contains("got '" + text + "'");
    }

    /** A flyweight over {@code -text\r\n} as the decoder frames it. */
    static RedirectReply wrap(final String text)
    {
        return new RedirectReply().wrap(reader(text));
    }

    static RespReader reader(final String errorText)
    {
        return reader("-" + errorText + "\r\n", true);
    }

    private static RespReader reader(final String frame, final boolean framed)
    {
        // Some bytes before the frame: offsets in the flyweight are absolute, never from 0.
        final byte[] bytes = ("junk" + frame).getBytes(StandardCharsets.UTF_8);
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        final int length = new RespDecoder(8, Integer.MAX_VALUE).decode(buffer, 4, bytes.length);
        assertThat(length).as("a complete frame: %s", frame).isEqualTo(bytes.length - 4);
        final RespReader reader = new RespReader().wrap(buffer, 4, length);
        reader.nextValue();
        return reader;
    }
}
