package io.slotring.engine.internal;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.slotring.codec.RespReader;
import io.slotring.codec.RespType;
import io.slotring.engine.RedisServerException;
import io.slotring.engine.ReplyConverter;

/**
 * The converters of the async and sync styles. They allocate by design (a Java object per reply is what those
 * styles promise); the zero-copy style never goes through here. RESP2 and RESP3 shapes of the same reply
 * (a flat array or a map for HGETALL, a bulk string or a double for ZSCORE) convert to the same Java type.
 * Public for the cluster module, which reuses them.
 */
public final class ReplyConverters
{
    public static final ReplyConverter<byte[]> BYTES = reply -> reply.isNull() ? null : reply.bytesValue();
    public static final ReplyConverter<String> STRING = ReplyConverters::string;
    public static final ReplyConverter<Long> LONG = reply -> reply.isNull() ? null : reply.longValue();
    public static final ReplyConverter<Boolean> BOOLEAN = reply -> reply.isNull() ? null :
        reply.type() == RespType.BOOLEAN ? reply.booleanValue() : reply.longValue() != 0;
    public static final ReplyConverter<Double> DOUBLE = ReplyConverters::toDouble;
    public static final ReplyConverter<Object> OBJECT = ReplyConverters::value;
    public static final ReplyConverter<List<byte[]>> LIST_OF_BYTES = reply -> list(reply, BYTES);
    public static final ReplyConverter<List<String>> LIST_OF_STRINGS = reply -> list(reply, STRING);
    public static final ReplyConverter<Set<String>> SET_OF_STRINGS = reply ->
        reply.isNull() ? null : new LinkedHashSet<>(list(reply, STRING));
    public static final ReplyConverter<Map<String, String>> MAP_OF_STRINGS = ReplyConverters::stringMap;

    private ReplyConverters()

    {

    }

    private static String string(final RespReader reply)
    {
        if (reply.isNull())
        {
            return null;
        }
        if (reply.type() == RespType.INTEGER)
        {
            return Long.toString(reply.longValue());
        }
        return reply.stringValue();
    }

    private static Double toDouble(final RespReader reply)
    {
        if (reply.isNull())
        {
            return null;
        }
        if (reply.type() == RespType.DOUBLE)
        {
            return reply.doubleValue();
        }
        if (reply.type() == RespType.INTEGER)
        {
            return (double)reply.longValue();
        }
        final String text = reply.stringValue();
        switch (text)
        {
            case "inf":
            case "+inf":
                return Double.POSITIVE_INFINITY;
            case "-inf":
                return Double.NEGATIVE_INFINITY;
            default:
                return Double.parseDouble(text);
        }
    }

    private static <T> List<T> list(final RespReader reply, final ReplyConverter<T> element)
    {
        if (reply.isNull())
        {
            return null;
        }
        requireAggregate(reply);
        final int count = reply.type() == RespType.MAP ? reply.count() * 2 : reply.count();
        final List<T> list = new ArrayList<>(count);
        for (int i = 0; i < count; i++)
        {
            reply.next();
            list.add(element.convert(reply));
            if (isAggregate(reply.type()) && !reply.isNull())
            {
                reply.skipChildren();
            }
        }
        return list;
    }

    private static Map<String, String> stringMap(final RespReader reply)
    {
        if (reply.isNull())
        {
            return null;
        }
        requireAggregate(reply);
        final int pairs = reply.type() == RespType.MAP ? reply.count() : reply.count() / 2;
        final Map<String, String> map = new LinkedHashMap<>(pairs * 2);
        for (int i = 0; i < pairs; i++)
        {
            reply.next();
            final String key = string(reply);
            reply.next();
            map.put(key, string(reply));
        }
        return map;
    }

    /** Generic conversion of the token under the reader, consuming its children. */
    public static Object value(final RespReader reply)
    {
        final byte type = reply.type();
        if (reply.isNull())
        {
            return null;
        }
        switch (type)
        {
            case RespType.BULK_STRING:
                return reply.bytesValue();
            case RespType.SIMPLE_STRING:
            case RespType.VERBATIM_STRING:
                return string(reply);
            case RespType.INTEGER:
                return reply.longValue();
            case RespType.DOUBLE:
                return reply.doubleValue();
            case RespType.BOOLEAN:
                return reply.booleanValue();
            case RespType.BIG_NUMBER:
                return new BigInteger(reply.stringValue());
            case RespType.ERROR:
            case RespType.BLOB_ERROR:
                return new RedisServerException(reply.stringValue());
            case RespType.MAP:
            {
                final int pairs = reply.count();
                final Map<Object, Object> map = new LinkedHashMap<>(pairs * 2);
                for (int i = 0; i < pairs; i++)
                {
                    reply.next();
                    final Object key = value(reply);
                    reply.next();
                    map.put(key instanceof byte[] ? new String((byte[])key, StandardCharsets.UTF_8) : key,
                        value(reply));
                }
                return map;
            }
            case RespType.ARRAY:
            case RespType.SET:
            case RespType.PUSH:
            {
                final int count = reply.count();
                final List<Object> list = new ArrayList<>(count);
                for (int i = 0; i < count; i++)
                {
                    reply.next();
                    list.add(value(reply));
                }
                return list;
            }
            case RespType.ATTRIBUTE:
                reply.skipChildren();
                reply.next();
                return value(reply);
            default:
                throw new IllegalStateException("expected a RESP value, got type '" + (char)type + "'");
        }
    }

    private static boolean isAggregate(final byte type)
    {
        return type == RespType.ARRAY || type == RespType.SET || type == RespType.MAP || type == RespType.PUSH ||
            type == RespType.ATTRIBUTE;
    }

    private static void requireAggregate(final RespReader reply)
    {
        if (!isAggregate(reply.type()))
        {
            throw new IllegalStateException("expected an array, set or map reply, got " +
                RespType.name(reply.type()));
        }
    }
}
