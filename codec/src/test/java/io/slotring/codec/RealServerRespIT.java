package io.slotring.codec;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import io.slotring.codec.internal.CommandHeader;
import io.slotring.launcher.LocalRedisServer;
import io.slotring.launcher.LocalServer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.slotring.codec.Frames.bytes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Encoder -> real redis-server -> decoder/reader, over a plain socket read in random small chunks: every RESP3 type
 * via DEBUG PROTOCOL, and the reply shapes of everyday commands in both RESP2 and RESP3.
 */
@LocalServer(debugCommand = true)
class RealServerRespIT
{
    private static final byte[] BINARY = { 'a', 0, '\r', '\n', 0, (byte)0xFF, '\r', '\n', '$', '-', '1', '\r', '\n' };

    private final LocalRedisServer redis;
    private final List<RespSocketClient> clients = new ArrayList<>();
    private String prefix;

    RealServerRespIT(final LocalRedisServer redis)
    {
        this.redis = redis;
    }

    @BeforeEach
    void keyPrefix(final TestInfo info)
    {
        prefix = "{" + info.getDisplayName() + "}:";
    }

    @AfterEach
    void closeClients()
    {
        clients.forEach(RespSocketClient::close);
    }

    private RespSocketClient connect(final int protocol)
    {
        final RespSocketClient client = new RespSocketClient(redis.host(), redis.port(), prefix.hashCode() + protocol);
        clients.add(client);
        client.send(e -> e.arrayHeader(2).bulk("HELLO").bulk(protocol));
        final RespReader hello = client.read();
        assertThat(hello.next()).isTrue();
        assertThat(hello.type()).isEqualTo(protocol == 3 ? RespType.MAP : RespType.ARRAY);
        final Map<String, String> fields = new HashMap<>();
        for (long i = hello.elementCount() / 2; i > 0; i--)
        {
            hello.next();
            final String key = hello.stringValue();
            hello.next();
            if (hello.isAggregate())
            {
                hello.skipChildren();
                fields.put(key, "<aggregate>");
            }
            else
            {
                fields.put(key, hello.stringValue());
            }
        }
        assertThat(hello.next()).isFalse();
        assertThat(fields).containsEntry("server", "redis").containsEntry("proto", Integer.toString(protocol));
        return client;
    }

    private byte[] key(final String name)
    {
        return (prefix + name).getBytes(StandardCharsets.UTF_8);
    }

    private static void assertOk(final RespReader reply)
    {
        assertThat(reply.next()).isTrue();
        assertThat(reply.type()).as(reply.toString()).isEqualTo(RespType.SIMPLE_STRING);
        assertThat(reply.contentEquals(bytes("OK"))).isTrue();
        assertThat(reply.next()).isFalse();
    }

    private static long integer(final RespReader reply)
    {
        assertThat(reply.next()).isTrue();
        assertThat(reply.type()).as(reply.toString()).isEqualTo(RespType.INTEGER);
        final long value = reply.longValue();
        assertThat(reply.next()).isFalse();
        return value;
    }

    // ---------------------------------------------------------------- DEBUG PROTOCOL: every RESP3 type

    private RespReader debugProtocol(final RespSocketClient client, final String type)
    {
        client.send(e -> e.arrayHeader(3).bulk("DEBUG").bulk("PROTOCOL").bulk(type));
        return client.read();
    }

    @Test
    void debugProtocolScalars()
    {
        final RespSocketClient client = connect(3);

        assertThat(client.send(e -> e.arrayHeader(3).bulk("DEBUG").bulk("PROTOCOL").bulk("string")).readDump())
            .isEqualTo("BULK_STRING:'Hello World'");

        RespReader r = debugProtocol(client, "integer");
        r.next();
        assertThat(r.type()).isEqualTo(RespType.INTEGER);
        assertThat(r.longValue()).isEqualTo(12345);

        r = debugProtocol(client, "double");
        r.next();
        assertThat(r.type()).isEqualTo(RespType.DOUBLE);
        assertThat(r.doubleValue()).isEqualTo(3.141);

        r = debugProtocol(client, "bignum");
        r.next();
        assertThat(r.type()).isEqualTo(RespType.BIG_NUMBER);
        assertThat(r.stringValue()).isEqualTo("1234567999999999999999999999999999999");

        r = debugProtocol(client, "null");
        r.next();
        assertThat(r.type()).isEqualTo(RespType.NULL);
        assertThat(r.isNull()).isTrue();

        r = debugProtocol(client, "true");
        r.next();
        assertThat(r.type()).isEqualTo(RespType.BOOLEAN);
        assertThat(r.booleanValue()).isTrue();

        r = debugProtocol(client, "false");
        r.next();
        assertThat(r.booleanValue()).isFalse();

        r = debugProtocol(client, "verbatim");
        r.next();
        assertThat(r.type()).isEqualTo(RespType.VERBATIM_STRING);
        assertThat(r.stringValue()).isEqualTo("This is a verbatim\nstring");
        assertThat(r.buffer().getStringWithoutLengthAscii(r.verbatimFormatOffset(), 3)).isEqualTo("txt");
    }

    @Test
    void debugProtocolAggregates()
    {
        final RespSocketClient client = connect(3);
        assertThat(debugDump(client, "array")).isEqualTo("ARRAY(3) INTEGER:'0' INTEGER:'1' INTEGER:'2'");
        assertThat(debugDump(client, "set")).isEqualTo("SET(3) INTEGER:'0' INTEGER:'1' INTEGER:'2'");
        assertThat(debugDump(client, "map"))
            .isEqualTo("MAP(3) INTEGER:'0' BOOLEAN:'f' INTEGER:'1' BOOLEAN:'t' INTEGER:'2' BOOLEAN:'f'");

        final RespReader map = debugProtocol(client, "map");
        map.next();
        assertThat(map.count()).isEqualTo(3);
        assertThat(map.elementCount()).isEqualTo(6);
    }

    private String debugDump(final RespSocketClient client, final String type)
    {
        return client.send(e -> e.arrayHeader(3).bulk("DEBUG").bulk("PROTOCOL").bulk(type)).readDump();
    }

    @Test
    void debugProtocolAttributeAndValueAreOneFrame()
    {
        final RespSocketClient client = connect(3);
        // pipelined with a PING so the frame boundary after the decorated value is checked too
        client.send(e -> e.arrayHeader(3).bulk("DEBUG").bulk("PROTOCOL").bulk("attrib").header(CommandHeader.PING));
        final RespReader frame = client.read();
        assertThat(Frames.dump(frame.buffer(), 0, frame.buffer().capacity())).isEqualTo(
            "ATTRIBUTE(1) BULK_STRING:'key-popularity' ARRAY(2) BULK_STRING:'key:123' INTEGER:'90' " +
            "BULK_STRING:'Some real reply following the attribute'");
        frame.wrap(frame.buffer(), 0, frame.buffer().capacity());
        assertThat(frame.nextValue()).isTrue();
        assertThat(frame.stringValue()).isEqualTo("Some real reply following the attribute");
        assertThat(client.readDump()).isEqualTo("SIMPLE_STRING:'PONG'");
    }

    @Test
    void debugProtocolPushIsItsOwnFrameBeforeTheReply()
    {
        final RespSocketClient client = connect(3);
        client.send(e -> e.arrayHeader(3).bulk("DEBUG").bulk("PROTOCOL").bulk("push"));
        assertThat(client.readDump()).isEqualTo("PUSH(2) BULK_STRING:'server-cpu-usage' INTEGER:'42'");
        assertThat(client.readDump()).isEqualTo("BULK_STRING:'Some real reply following the push reply'");
    }

    // ---------------------------------------------------------------- everyday commands, RESP2 and RESP3

    @ParameterizedTest(name = "RESP{0}")
    @ValueSource(ints = { 2, 3 })
    void setGetBinaryValues(final int protocol)
    {
        final RespSocketClient client = connect(protocol);
        final byte[] key = key("bin" + protocol);

        client.send(e -> e.header(CommandHeader.SET).bulk(key).bulk(BINARY));
        assertOk(client.read());
        client.send(e -> e.header(CommandHeader.GET).bulk(key));
        final RespReader value = client.read();
        assertThat(value.next()).isTrue();
        assertThat(value.type()).isEqualTo(RespType.BULK_STRING);
        assertThat(value.contentEquals(BINARY)).isTrue();
        assertThat(value.bytesValue()).isEqualTo(BINARY);

        // empty value, and a value from a DirectBuffer range at a nonzero offset
        final UnsafeBuffer source = new UnsafeBuffer(new byte[64]);
        source.putBytes(10, BINARY);
        client.send(e -> e.header(CommandHeader.SET).bulk(key("empty")).bulk(new byte[0])
            .header(CommandHeader.GET).bulk(key("empty"))
            .header(CommandHeader.SET).bulk(key("range")).bulk(source, 11, 4)
            .header(CommandHeader.GET).bulk(key("range")));
        assertOk(client.read());
        assertThat(client.readDump()).isEqualTo("BULK_STRING:''");
        assertOk(client.read());
        final RespReader range = client.read();
        range.next();
        assertThat(range.contentEquals(new byte[] { 0, '\r', '\n', 0 })).isTrue();
    }

    @ParameterizedTest(name = "RESP{0}")
    @ValueSource(ints = { 2, 3 })
    void getMissingKeyIsNull(final int protocol)
    {
        final RespSocketClient client = connect(protocol);
        client.send(e -> e.header(CommandHeader.GET).bulk(key("missing")));
        assertThat(client.readDump()).isEqualTo(protocol == 3 ? "NULL:null" : "BULK_STRING:null");
    }

    @ParameterizedTest(name = "RESP{0}")
    @ValueSource(ints = { 2, 3 })
    void oneMegabyteValueRoundTrips(final int protocol)
    {
        final RespSocketClient client = connect(protocol);
        final byte[] big = new byte[1024 * 1024];
        new SplittableRandom(42).nextBytes(big);
        final byte[] key = key("big");

        client.send(big.length + 1024, e -> e.header(CommandHeader.SET).bulk(key).bulk(big)
            .header(CommandHeader.GET).bulk(key));
        assertOk(client.read());
        final RespReader value = client.read();
        assertThat(value.next()).isTrue();
        assertThat(value.valueLength()).isEqualTo(big.length);
        assertThat(value.contentEquals(big)).isTrue();
        assertThat(client.resumedFrames()).as("the 1 MB reply arrived over many reads").isGreaterThan(0);
    }

    @ParameterizedTest(name = "RESP{0}")
    @ValueSource(ints = { 2, 3 })
    void integersAndNumericArguments(final int protocol)
    {
        final RespSocketClient client = connect(protocol);
        final byte[] counter = key("counter");
        client.send(e -> e.header(CommandHeader.INCR).bulk(counter));
        assertThat(integer(client.read())).isEqualTo(1);
        client.send(e -> e.arrayHeader(3).bulk("INCRBY").bulk(counter).bulk(-5000000000L));
        assertThat(integer(client.read())).isEqualTo(-4999999999L);
        client.send(e -> e.arrayHeader(3).bulk("INCRBY").bulk(counter).bulk(Long.MAX_VALUE));
        assertThat(integer(client.read())).isEqualTo(Long.MAX_VALUE - 4999999999L);
        client.send(e -> e.arrayHeader(3).bulk("INCRBY").bulk(counter).bulk(Long.MAX_VALUE));
        final RespReader overflow = client.read();
        overflow.next();
        assertThat(overflow.type()).isEqualTo(RespType.ERROR);
        assertThat(overflow.stringValue()).startsWith("ERR increment or decrement would overflow");
        client.send(e -> e.arrayHeader(3).bulk("INCRBY").bulk(counter).bulk(Long.MIN_VALUE));
        assertThat(integer(client.read())).isEqualTo(-5000000000L);
        client.send(e -> e.header(CommandHeader.GET).bulk(counter));
        final RespReader text = client.read();
        text.next();
        assertThat(text.longValue()).isEqualTo(-5000000000L); // integer carried in a bulk string

        client.send(e -> e.header(CommandHeader.EXISTS).bulk(counter).header(CommandHeader.DEL).bulk(counter)
            .header(CommandHeader.EXISTS).bulk(counter));
        final RespReader exists = client.read();
        exists.next();
        assertThat(exists.booleanValue()).isTrue();
        assertThat(integer(client.read())).isEqualTo(1);
        final RespReader gone = client.read();
        gone.next();
        assertThat(gone.booleanValue()).isFalse();
    }

    @ParameterizedTest(name = "RESP{0}")
    @ValueSource(ints = { 2, 3 })
    void mgetWithNils(final int protocol)
    {
        final RespSocketClient client = connect(protocol);
        client.send(e -> e.header(CommandHeader.SET).bulk(key("a")).bulk("1")
            .header(CommandHeader.SET).bulk(key("c")).bulk("3")
            .arrayHeader(4).bulk("MGET").bulk(key("a")).bulk(key("b")).bulk(key("c")));
        assertOk(client.read());
        assertOk(client.read());
        final String nil = protocol == 3 ? "NULL:null" : "BULK_STRING:null";
        assertThat(client.readDump()).isEqualTo("ARRAY(3) BULK_STRING:'1' " + nil + " BULK_STRING:'3'");
    }

    @ParameterizedTest(name = "RESP{0}")
    @ValueSource(ints = { 2, 3 })
    void lrange(final int protocol)
    {
        final RespSocketClient client = connect(protocol);
        final byte[] list = key("list");
        client.send(e -> e.arrayHeader(5).bulk("RPUSH").bulk(list).bulk("x").bulk(BINARY).bulk("")
            .arrayHeader(4).bulk("LRANGE").bulk(list).bulk(0).bulk(-1)
            .arrayHeader(4).bulk("LRANGE").bulk(list).bulk(10).bulk(20));
        assertThat(integer(client.read())).isEqualTo(3);
        final RespReader range = client.read();
        range.next();
        assertThat(range.type()).isEqualTo(RespType.ARRAY);
        assertThat(range.count()).isEqualTo(3);
        range.next();
        assertThat(range.contentEquals(bytes("x"))).isTrue();
        range.next();
        assertThat(range.contentEquals(BINARY)).isTrue();
        range.next();
        assertThat(range.valueLength()).isZero();
        assertThat(range.isNull()).isFalse();
        assertThat(range.next()).isFalse();
        assertThat(client.readDump()).isEqualTo("ARRAY(0)");
    }

    @ParameterizedTest(name = "RESP{0}")
    @ValueSource(ints = { 2, 3 })
    void hgetallIsAMapInResp3(final int protocol)
    {
        final RespSocketClient client = connect(protocol);
        final byte[] hash = key("hash");
        client.send(e -> e.arrayHeader(6).bulk("HSET").bulk(hash).bulk("f1").bulk("v1").bulk("f2").bulk(2L)
            .arrayHeader(2).bulk("HGETALL").bulk(hash));
        assertThat(integer(client.read())).isEqualTo(2);
        final RespReader reply = client.read();
        reply.next();
        if (protocol == 3)
        {
            assertThat(reply.type()).isEqualTo(RespType.MAP);
            assertThat(reply.count()).isEqualTo(2);
        }
        else
        {
            assertThat(reply.type()).isEqualTo(RespType.ARRAY);
            assertThat(reply.count()).isEqualTo(4);
        }
        final Map<String, String> fields = new HashMap<>();
        for (long i = reply.elementCount() / 2; i > 0; i--)
        {
            reply.next();
            final String field = reply.stringValue();
            reply.next();
            fields.put(field, reply.stringValue());
        }
        assertThat(fields).containsExactlyInAnyOrderEntriesOf(Map.of("f1", "v1", "f2", "2"));
        assertThat(reply.next()).isFalse();
    }

    @ParameterizedTest(name = "RESP{0}")
    @ValueSource(ints = { 2, 3 })
    void smembersIsASetInResp3(final int protocol)
    {
        final RespSocketClient client = connect(protocol);
        final byte[] set = key("set");
        client.send(e -> e.arrayHeader(5).bulk("SADD").bulk(set).bulk("a").bulk("b").bulk("ключ")
            .arrayHeader(2).bulk("SMEMBERS").bulk(set));
        assertThat(integer(client.read())).isEqualTo(3);
        final RespReader reply = client.read();
        reply.next();
        assertThat(reply.type()).isEqualTo(protocol == 3 ? RespType.SET : RespType.ARRAY);
        assertThat(reply.count()).isEqualTo(3);
        final List<String> members = new ArrayList<>();
        while (reply.next())
        {
            members.add(reply.stringValue());
        }
        assertThat(members).containsExactlyInAnyOrder("a", "b", "ключ");
    }

    @ParameterizedTest(name = "RESP{0}")
    @ValueSource(ints = { 2, 3 })
    void zscoreIsADoubleInResp3(final int protocol)
    {
        final RespSocketClient client = connect(protocol);
        final byte[] zset = key("zset");
        client.send(e -> e.arrayHeader(8).bulk("ZADD").bulk(zset).bulk("1.5").bulk("m1").bulk("-inf").bulk("m2")
            .bulk("0.1").bulk("m3")
            .arrayHeader(3).bulk("ZSCORE").bulk(zset).bulk("m1")
            .arrayHeader(3).bulk("ZSCORE").bulk(zset).bulk("m2")
            .arrayHeader(3).bulk("ZSCORE").bulk(zset).bulk("m3")
            .arrayHeader(3).bulk("ZSCORE").bulk(zset).bulk("nope"));
        assertThat(integer(client.read())).isEqualTo(3);
        final byte scoreType = protocol == 3 ? RespType.DOUBLE : RespType.BULK_STRING;
        for (final double expected : new double[] { 1.5, Double.NEGATIVE_INFINITY, 0.1 })
        {
            final RespReader score = client.read();
            score.next();
            assertThat(score.type()).isEqualTo(scoreType);
            assertThat(score.doubleValue()).isEqualTo(expected);
        }
        assertThat(client.readDump()).isEqualTo(protocol == 3 ? "NULL:null" : "BULK_STRING:null");
    }

    @ParameterizedTest(name = "RESP{0}")
    @ValueSource(ints = { 2, 3 })
    void errorReplies(final int protocol)
    {
        final RespSocketClient client = connect(protocol);
        final byte[] list = key("wrongtype");
        client.send(e -> e.arrayHeader(3).bulk("LPUSH").bulk(list).bulk("x")
            .header(CommandHeader.GET).bulk(list)
            .arrayHeader(1).bulk("NOSUCHCOMMAND")
            .header(CommandHeader.PING));
        assertThat(integer(client.read())).isEqualTo(1);
        final RespReader wrongType = client.read();
        wrongType.next();
        assertThat(wrongType.isError()).isTrue();
        assertThat(wrongType.contentStartsWith(bytes("WRONGTYPE "))).isTrue();
        assertThat(wrongType.stringValue())
            .isEqualTo("WRONGTYPE Operation against a key holding the wrong kind of value");
        final RespReader unknown = client.read();
        unknown.next();
        assertThat(unknown.type()).isEqualTo(RespType.ERROR);
        assertThat(unknown.stringValue()).startsWith("ERR unknown command 'NOSUCHCOMMAND'");
        assertThat(client.readDump()).isEqualTo("SIMPLE_STRING:'PONG'");
    }

    @ParameterizedTest(name = "RESP{0}")
    @ValueSource(ints = { 2, 3 })
    void utf8CharSequenceKeysAndValues(final int protocol)
    {
        final RespSocketClient client = connect(protocol);
        final String key = prefix + "ключ-é-😀";
        final StringBuilder value = new StringBuilder("значение €😀 ").append(protocol);
        client.send(e -> e.header(CommandHeader.SET).bulk(key).bulk(value).header(CommandHeader.GET).bulk(key));
        assertOk(client.read());
        final RespReader reply = client.read();
        reply.next();
        assertThat(reply.stringValue()).isEqualTo(value.toString());
        assertThat(reply.contentEquals(value.toString().getBytes(StandardCharsets.UTF_8))).isTrue();
    }

    @ParameterizedTest(name = "RESP{0}")
    @ValueSource(ints = { 2, 3 })
    void longPipelineOfMixedReplies(final int protocol)
    {
        final RespSocketClient client = connect(protocol);
        final byte[] counter = key("pipeline");
        final int commands = 2000;
        client.send(1 << 20, e ->
        {
            for (int i = 0; i < commands; i++)
            {
                if (i % 2 == 0)
                {
                    e.header(CommandHeader.INCR).bulk(counter);
                }
                else
                {
                    e.header(CommandHeader.GET).bulk(counter);
                }
            }
        });
        for (int i = 0; i < commands; i++)
        {
            final RespReader reply = client.read();
            reply.next();
            assertThat(reply.longValue()).isEqualTo(i / 2 + 1);
            assertThat(reply.type()).isEqualTo(i % 2 == 0 ? RespType.INTEGER : RespType.BULK_STRING);
        }
        assertThat(client.resumedFrames()).isGreaterThan(0);
    }
}
