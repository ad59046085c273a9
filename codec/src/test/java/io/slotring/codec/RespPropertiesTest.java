package io.slotring.codec;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.slotring.codec.internal.RespDecoder;
import io.slotring.codec.internal.RespEncoder;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.agrona.concurrent.UnsafeBuffer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Generated RESP3 value trees (every type, nulls, empties, nested aggregates, attributes anywhere) are framed as one
 * frame by the decoder whether whole or split, and read back exactly by the reader; generated commands are encoded
 * byte for byte as a reference implementation renders them.
 */
class RespPropertiesTest
{
    /** A RESP value: a leaf (payload is the wire text or bytes as ISO-8859-1) or an aggregate, maybe decorated. */
    record Node(byte type, String payload, boolean isNull, List<Node> children, List<Node> attribute)
    {
        Node withAttribute(final List<Node> pairs)
        {
            return new Node(type, payload, isNull, children, pairs);
        }

        String wire()
        {
            final StringBuilder sb = new StringBuilder();
            if (attribute != null)
            {
                sb.append('|').append(attribute.size() / 2).append("\r\n");
                attribute.forEach(n -> sb.append(n.wire()));
            }
            sb.append((char)type);
            switch (type)
            {
                case RespType.BULK_STRING:
                case RespType.BLOB_ERROR:
                case RespType.VERBATIM_STRING:
                    if (isNull)
                    {
                        return sb.append("-1\r\n").toString();
                    }
                    return sb.append(payload.length()).append("\r\n").append(payload).append("\r\n").toString();
                case RespType.ARRAY:
                case RespType.SET:
                case RespType.PUSH:
                    if (isNull)
                    {
                        return sb.append("-1\r\n").toString();
                    }
                    sb.append(children.size()).append("\r\n");
                    children.forEach(n -> sb.append(n.wire()));
                    return sb.toString();
                case RespType.MAP:
                    sb.append(children.size() / 2).append("\r\n");
                    children.forEach(n -> sb.append(n.wire()));
                    return sb.toString();
                case RespType.NULL:
                    return sb.append("\r\n").toString();
                default:
                    return sb.append(payload).append("\r\n").toString();
            }
        }

        /** What {@link Frames#dump} renders for this node. */
        void dump(final List<String> out)
        {
            if (attribute != null)
            {
                out.add("ATTRIBUTE(" + attribute.size() / 2 + ")");
                attribute.forEach(n -> n.dump(out));
            }
            final String name = RespType.name(type);
            if (isNull || type == RespType.NULL)
            {
                out.add(name + ":null");
            }
            else if (children != null)
            {
                out.add(name + "(" + (type == RespType.MAP ? children.size() / 2 : children.size()) + ")");
                children.forEach(n -> n.dump(out));
            }
            else
            {
                final String shown = type == RespType.VERBATIM_STRING ? payload.substring(4) : payload;
                out.add(name + ":'" + Frames.escape(shown) + "'");
            }
        }

        /** Walk the reader in lockstep, checking typed accessors. */
        void check(final RespReader reader)
        {
            if (attribute != null)
            {
                assertThat(reader.next()).isTrue();
                assertThat(reader.type()).isEqualTo(RespType.ATTRIBUTE);
                assertThat(reader.count()).isEqualTo(attribute.size() / 2);
                attribute.forEach(n -> n.check(reader));
            }
            assertThat(reader.next()).isTrue();
            assertThat(reader.type()).isEqualTo(type);
            assertThat(reader.isNull()).isEqualTo(isNull || type == RespType.NULL);
            if (isNull || type == RespType.NULL)
            {
                return;
            }
            switch (type)
            {
                case RespType.INTEGER:
                    assertThat(reader.longValue()).isEqualTo(Long.parseLong(payload));
                    break;
                case RespType.DOUBLE:
                    final double expected = payload.equals("inf") ? Double.POSITIVE_INFINITY :
                        payload.equals("-inf") ? Double.NEGATIVE_INFINITY : payload.equals("nan") ? Double.NaN :
                        Double.parseDouble(payload);
                    // compare bit patterns: NaN equals NaN, and -0.0 must not come back as 0.0
                    assertThat(Double.doubleToLongBits(reader.doubleValue())).as(payload)
                        .isEqualTo(Double.doubleToLongBits(expected));
                    break;
                case RespType.BOOLEAN:
                    assertThat(reader.booleanValue()).isEqualTo(payload.equals("t"));
                    break;
                case RespType.BULK_STRING:
                case RespType.BLOB_ERROR:
                case RespType.SIMPLE_STRING:
                case RespType.ERROR:
                case RespType.BIG_NUMBER:
                    assertThat(reader.contentEquals(Frames.bytes(payload))).isTrue();
                    break;
                case RespType.VERBATIM_STRING:
                    assertThat(reader.contentEquals(Frames.bytes(payload.substring(4)))).isTrue();
                    break;
                default:
                    assertThat(reader.elementCount()).isEqualTo(children.size());
                    children.forEach(n -> n.check(reader));
            }
        }
    }

    private static Node leaf(final byte type, final String payload)
    {
        return new Node(type, payload, false, null, null);
    }

    private static Arbitrary<String> line()
    {
        return Arbitraries.strings().withCharRange('\u0000', '\u00ff').excludeChars('\r', '\n').ofMaxLength(40);
    }

    private static Arbitrary<String> binary()
    {
        return Arbitraries.strings().withCharRange('\u0000', '\u00ff').ofMaxLength(60);
    }

    private static String doubleText(final double value)
    {
        if (Double.isNaN(value))
        {
            return "nan";
        }
        if (Double.isInfinite(value))
        {
            return value > 0 ? "inf" : "-inf";
        }
        return Double.toString(value);
    }

    static Arbitrary<Node> leaves()
    {
        return Arbitraries.oneOf(
            line().map(s -> leaf(RespType.SIMPLE_STRING, s)),
            line().map(s -> leaf(RespType.ERROR, s)),
            Arbitraries.longs().map(v -> leaf(RespType.INTEGER, Long.toString(v))),
            binary().map(s -> leaf(RespType.BULK_STRING, s)),
            Arbitraries.just(new Node(RespType.BULK_STRING, null, true, null, null)),
            binary().map(s -> leaf(RespType.BLOB_ERROR, s)),
            Combinators.combine(Arbitraries.strings().withCharRange('a', 'z').ofLength(3), binary())
                .as((format, text) -> leaf(RespType.VERBATIM_STRING, format + ":" + text)),
            Arbitraries.doubles().withSpecialValue(Double.NaN).withSpecialValue(Double.POSITIVE_INFINITY)
                .withSpecialValue(Double.NEGATIVE_INFINITY).map(v -> leaf(RespType.DOUBLE, doubleText(v))),
            Arbitraries.of("t", "f").map(s -> leaf(RespType.BOOLEAN, s)),
            Arbitraries.just(new Node(RespType.NULL, null, false, null, null)),
            Combinators.combine(Arbitraries.of("", "-", "+"),
                    Arbitraries.strings().withCharRange('0', '9').ofMinLength(1).ofMaxLength(60))
                .as((sign, digits) -> leaf(RespType.BIG_NUMBER, sign + digits)));
    }

    static Arbitrary<Node> aggregates(final Arbitrary<Node> element)
    {
        return Arbitraries.oneOf(
            Combinators.combine(Arbitraries.of(RespType.ARRAY, RespType.SET, RespType.PUSH),
                element.list().ofMaxSize(4))
                .as((type, children) -> new Node(type, null, false, children, null)),
            element.list().ofMaxSize(3).map(pairsOf -> new Node(RespType.MAP, null, false, doubled(pairsOf), null)),
            Arbitraries.just(new Node(RespType.ARRAY, null, true, null, null)));
    }

    /** Map/attribute contents: n keys each followed by a value, here each element used as key and value. */
    private static List<Node> doubled(final List<Node> nodes)
    {
        final List<Node> pairs = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++)
        {
            pairs.add(nodes.get(i));
            pairs.add(nodes.get(nodes.size() - 1 - i));
        }
        return pairs;
    }

    @Provide
    Arbitrary<Node> values()
    {
        final Arbitrary<Node> plain = Arbitraries.recursive(RespPropertiesTest::leaves, RespPropertiesTest::aggregates,
            0, 4);
        // sometimes decorate the value, and a nested one, with an attribute
        return Combinators.combine(plain, leaves().list().ofMaxSize(2), Arbitraries.integers().between(0, 3))
            .as((node, attributePairs, mode) ->
            {
                if (mode == 1)
                {
                    return node.withAttribute(doubled(attributePairs));
                }
                if (mode == 2 && node.children() != null && !node.children().isEmpty())
                {
                    final List<Node> children = new ArrayList<>(node.children());
                    children.set(0, children.get(0).withAttribute(doubled(attributePairs)));
                    return new Node(node.type(), null, false, children, null);
                }
                return node;
            });
    }

    @Property(tries = 2000)
    void generatedValueIsOneFrameWholeOrSplit(
        @ForAll("values") final Node value, @ForAll @IntRange(min = 0, max = 10_000) final int split)
    {
        final byte[] wire = Frames.bytes(value.wire());
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[wire.length + 10]);
        buffer.putBytes(5, wire);
        final RespDecoder decoder = new RespDecoder();

        final int cut = split % (wire.length + 1);
        if (cut < wire.length)
        {
            assertThat(decoder.decode(buffer, 5, 5 + cut)).isEqualTo(RespDecoder.INCOMPLETE);
            assertThat(decoder.minimumFrameLength()).isBetween((long)Math.min(cut, 1), (long)wire.length);
        }
        assertThat(decoder.decode(buffer, 5, buffer.capacity())).isEqualTo(wire.length);

        final List<String> expected = new ArrayList<>();
        value.dump(expected);
        assertThat(Frames.dump(buffer, 5, wire.length)).isEqualTo(String.join(" ", expected));

        final RespReader reader = new RespReader().wrap(buffer, 5, wire.length);
        value.check(reader);
        assertThat(reader.next()).isFalse();
        Frames.checkSkipCoversFrame(buffer, 5, wire.length);
    }

    @Provide
    Arbitrary<List<Object>> commands()
    {
        final Arbitrary<Object> argument = Arbitraries.oneOf(
            Arbitraries.bytes().array(byte[].class).ofMaxSize(40),
            Arbitraries.strings().ofMaxLength(20),                         // any char, incl. unpaired surrogates
            Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(20), // ASCII fast path
            Arbitraries.longs());
        return argument.list().ofMinSize(1).ofMaxSize(8);
    }

    @Property(tries = 2000)
    void encoderMatchesReferenceRendering(@ForAll("commands") final List<Object> arguments)
    {
        final java.io.ByteArrayOutputStream reference = new java.io.ByteArrayOutputStream();
        reference.writeBytes(("*" + arguments.size() + "\r\n").getBytes(StandardCharsets.US_ASCII));
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[4096]);
        final RespEncoder encoder = new RespEncoder().wrap(buffer, 7).arrayHeader(arguments.size());
        int sized = RespEncoder.arrayHeaderLength(arguments.size());
        for (final Object argument : arguments)
        {
            final byte[] bytes;
            if (argument instanceof byte[])
            {
                bytes = (byte[])argument;
                encoder.bulk(bytes);
                sized += RespEncoder.bulkLength(bytes.length);
            }
            else if (argument instanceof String)
            {
                bytes = ((String)argument).getBytes(StandardCharsets.UTF_8);
                encoder.bulk(new StringBuilder((String)argument)); // a CharSequence that is not a String
                sized += RespEncoder.bulkLength((String)argument);
            }
            else
            {
                bytes = Long.toString((Long)argument).getBytes(StandardCharsets.US_ASCII);
                encoder.bulk((long)(Long)argument);
                sized += RespEncoder.bulkLength((long)(Long)argument);
            }
            reference.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            reference.writeBytes(bytes);
            reference.writeBytes(new byte[] { '\r', '\n' });
        }

        final byte[] out = new byte[encoder.length()];
        buffer.getBytes(7, out);
        assertThat(out).isEqualTo(reference.toByteArray());
        assertThat(sized).isEqualTo(encoder.length());
        assertThat(new RespDecoder().decode(buffer, 7, encoder.position())).isEqualTo(encoder.length());
    }
}
