package io.slotring.cluster;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.slotring.codec.SlotHash;
import io.slotring.engine.Script;
import io.slotring.engine.SetOptions;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The scenarios of {@link AllCommandsIT}: one per row of the command table ({@link #table}), and one per command
 * {@code execute} refuses by design ({@link #refused}). Each prepares its keys in the case's own hash tag (sync
 * style), runs the command in the case's style and checks the reply, or its shape where the value is not fixed.
 */
final class AllCommandsScenarios
{
    /** A scenario run once per topology and style. */
    @FunctionalInterface
    interface Scenario
    {
        void run(AllCommandsCase c);
    }

    /** The function library every FCALL scenario uses, loaded on every master before the cases run. */
    static final String LIBRARY = "#!lua name=allcmds\n" +
        "redis.register_function('kvset', function(keys, args) return redis.call('SET', keys[1], args[1]) end)\n" +
        "redis.register_function{function_name='kvget', callback=function(keys, args) " +
        "return redis.call('GET', keys[1]) end, flags={'no-writes'}}\n";

    private static final String SET_SCRIPT = "return redis.call('SET', KEYS[1], ARGV[1])";
    private static final String GET_SCRIPT = "return redis.call('GET', KEYS[1])";
    private static final long YEAR_2100 = 4102444800L;

    private AllCommandsScenarios()
    {
    }

    private static Object[] a(final Object... args)
    {
        return args;
    }

    private static List<Object> l(final Object... values)
    {
        return Arrays.asList(values);
    }

    private static Map<Object, Object> m(final Object... pairs)
    {
        final Map<Object, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2)
        {
            map.put(pairs[i], pairs[i + 1]);
        }
        return map;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(final Object value)
    {
        assertThat(value).isInstanceOf(List.class);
        return (List<Object>)value;
    }

    /** A map reply (RESP3), or a flat array of pairs (RESP2), as a map. */
    private static Map<?, ?> map(final Object value)
    {
        if (value instanceof Map)
        {
            return (Map<?, ?>)value;
        }
        final List<?> flat = list(value);
        final Map<Object, Object> map = new LinkedHashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2)
        {
            map.put(flat.get(i), flat.get(i + 1));
        }
        return map;
    }

    /** @return every command of the command table, in table order, with its scenario. */
    static Map<String, Scenario> table()
    {
        final Map<String, Scenario> s = new LinkedHashMap<>();
        strings(s);
        keys(s);
        hashes(s);
        lists(s);
        sets(s);
        sortedSets(s);
        hyperLogLogAndGeo(s);
        streams(s);
        scripts(s);
        keyless(s);
        allMasters(s);
        return s;
    }

    private static void strings(final Map<String, Scenario> s)
    {
        s.put("GET", c ->
        {
            c.setup("SET", c.k("a"), "v");
            c.eq("v", "GET", c.k("a"));
            c.eq(null, "GET", c.k("missing"));
            c.typed("v", a -> a.get(c.k("a")), y -> y.get(c.k("a")));
            c.typed(null, a -> a.get(c.k("missing")), y -> y.get(c.k("missing")));
            c.zeroCopyGet(c.k("a"), "v");
            c.zeroCopyGet(c.k("missing"), null);
            c.setup("RPUSH", c.k("list"), "x");
            c.err("WRONGTYPE", "GET", c.k("list"));
        });
        s.put("STRLEN", c ->
        {
            c.setup("SET", c.k("a"), "hello");
            c.eq(5L, "STRLEN", c.k("a"));
        });
        s.put("GETRANGE", c ->
        {
            c.setup("SET", c.k("a"), "hello");
            c.eq("ell", "GETRANGE", c.k("a"), 1, 3);
        });
        s.put("SUBSTR", c ->
        {
            c.setup("SET", c.k("a"), "hello");
            c.eq("ell", "SUBSTR", c.k("a"), 1, 3);
        });
        s.put("GETBIT", c ->
        {
            c.setup("SET", c.k("a"), "a");
            c.eq(1L, "GETBIT", c.k("a"), 1);
            c.eq(0L, "GETBIT", c.k("a"), 0);
        });
        s.put("BITCOUNT", c ->
        {
            c.setup("SET", c.k("a"), "foobar");
            c.eq(26L, "BITCOUNT", c.k("a"));
        });
        s.put("BITPOS", c ->
        {
            c.setup("SETBIT", c.k("a"), 7, 1);
            c.eq(7L, "BITPOS", c.k("a"), 1);
        });
        s.put("BITFIELD_RO", c ->
        {
            c.setup("SET", c.k("a"), "a");
            c.eq(l(97L), "BITFIELD_RO", c.k("a"), "GET", "u8", 0);
        });
        s.put("SET", c ->
        {
            c.eq("OK", "SET", c.k("a"), "v");
            c.eq(null, "SET", c.k("a"), "w", "NX");
            c.eq("v", "SET", c.k("a"), "w", "GET");
            assertThat(c.setupValue("GET", c.k("a"))).isEqualTo("w");
            c.typed("OK", a -> a.set(c.k("b"), "x"), y -> y.set(c.k("b"), "x"));
            c.typed(null, a -> a.set(c.k("b"), "y", SetOptions.none().onlyIfAbsent()),
                y -> y.set(c.k("b"), "y", SetOptions.none().onlyIfAbsent()));
            c.typed("x", a -> a.set(c.k("b"), "z", SetOptions.expireSeconds(100).returnOldValue()),
                y -> y.set(c.k("b"), "z", SetOptions.expireSeconds(100).returnOldValue()));
            c.zeroCopySet(c.k("c"), "zc");
        });
        s.put("SETNX", c ->
        {
            c.eq(1L, "SETNX", c.k("a"), "v");
            c.eq(0L, "SETNX", c.k("a"), "w");
        });
        s.put("SETEX", c ->
        {
            c.eq("OK", "SETEX", c.k("a"), 100, "v");
            assertThat((Long)c.setup("TTL", c.k("a"))).isBetween(1L, 100L);
        });
        s.put("PSETEX", c ->
        {
            c.eq("OK", "PSETEX", c.k("a"), 100_000, "v");
            assertThat((Long)c.setup("PTTL", c.k("a"))).isBetween(1L, 100_000L);
        });
        s.put("GETSET", c ->
        {
            c.setup("SET", c.k("a"), "old");
            c.eq("old", "GETSET", c.k("a"), "new");
        });
        s.put("GETDEL", c ->
        {
            c.setup("SET", c.k("a"), "v");
            c.eq("v", "GETDEL", c.k("a"));
            assertThat(c.setup("EXISTS", c.k("a"))).isEqualTo(0L);
        });
        s.put("GETEX", c ->
        {
            c.setup("SET", c.k("a"), "v");
            c.eq("v", "GETEX", c.k("a"), "EX", 100);
            assertThat((Long)c.setup("TTL", c.k("a"))).isBetween(1L, 100L);
        });
        s.put("APPEND", c ->
        {
            c.setup("SET", c.k("a"), "a");
            c.eq(3L, "APPEND", c.k("a"), "bc");
        });
        s.put("SETRANGE", c ->
        {
            c.setup("SET", c.k("a"), "hello");
            c.eq(5L, "SETRANGE", c.k("a"), 0, "J");
            assertThat(c.setupValue("GET", c.k("a"))).isEqualTo("Jello");
        });
        s.put("INCR", c ->
        {
            c.eq(1L, "INCR", c.k("n"));
            c.typed(2L, a -> a.incr(c.k("n")), y -> y.incr(c.k("n")));
            c.setup("SET", c.k("s"), "x");
            c.err("ERR", "INCR", c.k("s"));
        });
        s.put("INCRBY", c ->
        {
            c.eq(5L, "INCRBY", c.k("n"), 5);
            c.typed(8L, a -> a.incrBy(c.k("n"), 3), y -> y.incrBy(c.k("n"), 3));
        });
        s.put("INCRBYFLOAT", c -> c.eq("1.5", "INCRBYFLOAT", c.k("n"), "1.5"));
        s.put("DECR", c ->
        {
            c.eq(-1L, "DECR", c.k("n"));
            c.typed(-2L, a -> a.decr(c.k("n")), y -> y.decr(c.k("n")));
        });
        s.put("DECRBY", c ->
        {
            c.eq(-5L, "DECRBY", c.k("n"), 5);
            c.typed(-8L, a -> a.decrBy(c.k("n"), 3), y -> y.decrBy(c.k("n"), 3));
        });
        s.put("SETBIT", c ->
        {
            c.eq(0L, "SETBIT", c.k("a"), 7, 1);
            c.eq(1L, "SETBIT", c.k("a"), 7, 0);
        });
        s.put("BITFIELD", c ->
        {
            c.eq(l(0L), "BITFIELD", c.k("a"), "SET", "u8", 0, 200);
            c.eq(l(200L), "BITFIELD", c.k("a"), "GET", "u8", 0);
        });
        s.put("MGET", c ->
        {
            c.setup("SET", c.k("a"), "1");
            c.setup("SET", c.k("b"), "2");
            c.setup("SET", c.other("c"), "3");
            c.eq(l("1", "2", null), "MGET", c.k("a"), c.k("b"), c.k("none"));
            // Across slots: split and merged in order (async, sync); refused by the zero-copy style on a cluster.
            c.eq(l("3", "1", null, "2"), "MGET", c.other("c"), c.k("a"), c.other("none"), c.k("b"));
            c.typed(l("3", "1", null, "2"), a -> a.mget(c.other("c"), c.k("a"), c.other("none"), c.k("b")),
                y -> y.mget(c.other("c"), c.k("a"), c.other("none"), c.k("b")));
        });
        s.put("MSET", c ->
        {
            c.eq("OK", "MSET", c.k("a"), "1", c.k("b"), "2");
            c.eq("OK", "MSET", c.k("c"), "3", c.other("d"), "4");
            assertThat(c.setupValue("MGET", c.k("a"), c.k("b"), c.k("c"), c.other("d")))
                .isEqualTo(l("1", "2", "3", "4"));
            final Map<String, String> entries = new LinkedHashMap<>();
            entries.put(c.k("e"), "5");
            entries.put(c.other("f"), "6");
            c.typed("OK", a -> a.mset(entries), y -> y.mset(entries));
        });
        s.put("MSETNX", c ->
        {
            c.eq(1L, "MSETNX", c.k("a"), "1", c.k("b"), "2");
            c.eq(0L, "MSETNX", c.k("a"), "3", c.k("c"), "4");
            c.crossSlotRefused("MSETNX", c.k("x"), "1", c.other("y"), "2");
        });
        s.put("LCS", c ->
        {
            c.setup("MSET", c.k("a"), "ohmytext", c.k("b"), "mynewtext");
            c.eq("mytext", "LCS", c.k("a"), c.k("b"));
        });
        s.put("BITOP", c ->
        {
            c.setup("SET", c.k("a"), "abc");
            c.eq(3L, "BITOP", "NOT", c.k("dest"), c.k("a"));
            c.crossSlotRefused("BITOP", "NOT", c.other("dest"), c.k("a"));
        });
    }

    private static void keys(final Map<String, Scenario> s)
    {
        for (final String name : new String[] {"DEL", "UNLINK", "TOUCH", "EXISTS"})
        {
            final boolean deletes = name.equals("DEL") || name.equals("UNLINK");
            s.put(name, c ->
            {
                c.setup("MSET", c.k("a"), "1", c.k("b"), "2");
                c.setup("SET", c.other("c"), "3");
                c.eq(2L, name, c.k("a"), c.k("b"), c.k("none"));
                if (deletes)
                {
                    c.setup("MSET", c.k("a"), "1", c.k("b"), "2");
                }
                // Across slots: split and summed (async, sync); refused by the zero-copy style on a cluster.
                c.eq(3L, name, c.k("a"), c.other("c"), c.other("none"), c.k("b"));
                if (name.equals("DEL"))
                {
                    c.setup("MSET", c.k("a"), "1", c.other("c"), "3");
                    c.typed(2L, a -> a.del(c.k("a"), c.other("c")), y -> y.del(c.k("a"), c.other("c")));
                }
                if (name.equals("EXISTS"))
                {
                    c.typed(2L, a -> a.exists(c.k("a"), c.other("c"), c.k("none")),
                        y -> y.exists(c.k("a"), c.other("c"), c.k("none")));
                }
            });
        }
        s.put("TTL", c ->
        {
            c.setup("SET", c.k("a"), "v", "EX", 100);
            assertThat((Long)c.call("TTL", c.k("a"))).isBetween(1L, 100L);
            c.eq(-2L, "TTL", c.k("none"));
            c.typed(-2L, a -> a.ttl(c.k("none")), y -> y.ttl(c.k("none")));
        });
        s.put("PTTL", c ->
        {
            c.setup("SET", c.k("a"), "v", "PX", 100_000);
            assertThat((Long)c.call("PTTL", c.k("a"))).isBetween(1L, 100_000L);
            c.setup("SET", c.k("b"), "v");
            c.typed(-1L, a -> a.pttl(c.k("b")), y -> y.pttl(c.k("b")));
        });
        s.put("EXPIRETIME", c ->
        {
            c.setup("SET", c.k("a"), "v", "EXAT", YEAR_2100);
            c.eq(YEAR_2100, "EXPIRETIME", c.k("a"));
        });
        s.put("PEXPIRETIME", c ->
        {
            c.setup("SET", c.k("a"), "v", "EXAT", YEAR_2100);
            c.eq(YEAR_2100 * 1000, "PEXPIRETIME", c.k("a"));
        });
        s.put("TYPE", c ->
        {
            c.setup("SET", c.k("a"), "v");
            c.setup("RPUSH", c.k("l"), "v");
            c.eq("string", "TYPE", c.k("a"));
            c.eq("list", "TYPE", c.k("l"));
            c.eq("none", "TYPE", c.k("none"));
        });
        s.put("DUMP", c ->
        {
            c.setup("SET", c.k("a"), "v");
            assertThat(c.call("DUMP", c.k("a"))).isInstanceOf(String.class);
            c.eq(null, "DUMP", c.k("none"));
        });
        s.put("EXPIRE", c ->
        {
            c.setup("SET", c.k("a"), "v");
            c.eq(1L, "EXPIRE", c.k("a"), 100);
            c.eq(0L, "EXPIRE", c.k("none"), 100);
            c.typed(true, a -> a.expire(c.k("a"), 200), y -> y.expire(c.k("a"), 200));
        });
        s.put("PEXPIRE", c ->
        {
            c.setup("SET", c.k("a"), "v");
            c.eq(1L, "PEXPIRE", c.k("a"), 100_000);
            c.typed(false, a -> a.pexpire(c.k("none"), 200_000), y -> y.pexpire(c.k("none"), 200_000));
        });
        s.put("EXPIREAT", c ->
        {
            c.setup("SET", c.k("a"), "v");
            c.eq(1L, "EXPIREAT", c.k("a"), YEAR_2100);
        });
        s.put("PEXPIREAT", c ->
        {
            c.setup("SET", c.k("a"), "v");
            c.eq(1L, "PEXPIREAT", c.k("a"), YEAR_2100 * 1000);
        });
        s.put("PERSIST", c ->
        {
            c.setup("SET", c.k("a"), "v", "EX", 100);
            c.eq(1L, "PERSIST", c.k("a"));
            c.eq(0L, "PERSIST", c.k("a"));
        });
        s.put("RESTORE", c ->
        {
            c.setup("SET", c.k("a"), "v");
            final byte[] dump = (byte[])c.setup("DUMP", c.k("a"));
            c.eq("OK", "RESTORE", c.k("b"), 0, dump);
            assertThat(c.setupValue("GET", c.k("b"))).isEqualTo("v");
            c.err("BUSYKEY", "RESTORE", c.k("b"), 0, dump);
        });
        s.put("RENAME", c ->
        {
            c.setup("SET", c.k("a"), "v");
            c.eq("OK", "RENAME", c.k("a"), c.k("b"));
            assertThat(c.setupValue("GET", c.k("b"))).isEqualTo("v");
            c.crossSlotRefused("RENAME", c.k("b"), c.other("b"));
        });
        s.put("RENAMENX", c ->
        {
            c.setup("SET", c.k("a"), "v");
            c.eq(1L, "RENAMENX", c.k("a"), c.k("b"));
        });
        s.put("COPY", c ->
        {
            c.setup("SET", c.k("a"), "v");
            c.eq(1L, "COPY", c.k("a"), c.k("b"));
            c.eq(0L, "COPY", c.k("a"), c.k("b"));
        });
        s.put("SORT_RO", c ->
        {
            c.setup("RPUSH", c.k("l"), "3", "1", "2");
            c.eq(l("1", "2", "3"), "SORT_RO", c.k("l"));
        });
        s.put("SORT", c ->
        {
            c.setup("RPUSH", c.k("l"), "3", "1", "2");
            c.eq(l("3", "2", "1"), "SORT", c.k("l"), "DESC");
            c.eq(3L, "SORT", c.k("l"), "STORE", c.k("dest"));
        });
        s.put("OBJECT", c ->
        {
            c.setup("SET", c.k("a"), "v");
            c.eq("embstr", "OBJECT", "ENCODING", c.k("a"));
        });
        s.put("MEMORY", c ->
        {
            c.setup("SET", c.k("a"), "v");
            assertThat((Long)c.call("MEMORY", "USAGE", c.k("a"))).isPositive();
        });
    }

    private static void hashes(final Map<String, Scenario> s)
    {
        s.put("HGET", c ->
        {
            c.setup("HSET", c.k("h"), "f", "v");
            c.eq("v", "HGET", c.k("h"), "f");
            c.eq(null, "HGET", c.k("h"), "none");
            c.typed("v", a -> a.hget(c.k("h"), "f"), y -> y.hget(c.k("h"), "f"));
        });
        s.put("HMGET", c ->
        {
            c.setup("HSET", c.k("h"), "f", "v");
            c.eq(l("v", null), "HMGET", c.k("h"), "f", "g");
        });
        s.put("HGETALL", c ->
        {
            c.setup("HSET", c.k("h"), "f", "v", "g", "w");
            assertThat(map(c.call("HGETALL", c.k("h")))).isEqualTo(m("f", "v", "g", "w"));
            c.typed(m("f", "v", "g", "w"), a -> a.hgetall(c.k("h")), y -> y.hgetall(c.k("h")));
        });
        s.put("HKEYS", c ->
        {
            c.setup("HSET", c.k("h"), "f", "v", "g", "w");
            c.eq(l("f", "g"), "HKEYS", c.k("h"));
        });
        s.put("HVALS", c ->
        {
            c.setup("HSET", c.k("h"), "f", "v", "g", "w");
            c.eq(l("v", "w"), "HVALS", c.k("h"));
        });
        s.put("HLEN", c ->
        {
            c.setup("HSET", c.k("h"), "f", "v", "g", "w");
            c.eq(2L, "HLEN", c.k("h"));
        });
        s.put("HEXISTS", c ->
        {
            c.setup("HSET", c.k("h"), "f", "v");
            c.eq(1L, "HEXISTS", c.k("h"), "f");
            c.eq(0L, "HEXISTS", c.k("h"), "g");
        });
        s.put("HSTRLEN", c ->
        {
            c.setup("HSET", c.k("h"), "f", "value");
            c.eq(5L, "HSTRLEN", c.k("h"), "f");
        });
        s.put("HRANDFIELD", c ->
        {
            c.setup("HSET", c.k("h"), "f", "v");
            c.eq("f", "HRANDFIELD", c.k("h"));
        });
        s.put("HSCAN", c ->
        {
            c.setup("HSET", c.k("h"), "f", "v");
            c.eq(l("0", l("f", "v")), "HSCAN", c.k("h"), 0);
        });
        s.put("HSET", c ->
        {
            c.eq(2L, "HSET", c.k("h"), "f", "v", "g", "w");
            c.typed(1L, a -> a.hset(c.k("h"), Map.of("x", "1")), y -> y.hset(c.k("h"), Map.of("x", "1")));
        });
        s.put("HSETNX", c ->
        {
            c.eq(1L, "HSETNX", c.k("h"), "f", "v");
            c.eq(0L, "HSETNX", c.k("h"), "f", "w");
        });
        s.put("HMSET", c -> c.eq("OK", "HMSET", c.k("h"), "f", "v", "g", "w"));
        s.put("HDEL", c ->
        {
            c.setup("HSET", c.k("h"), "f", "v", "g", "w");
            c.eq(1L, "HDEL", c.k("h"), "f", "none");
            c.typed(1L, a -> a.hdel(c.k("h"), "g"), y -> y.hdel(c.k("h"), "g"));
        });
        s.put("HINCRBY", c -> c.eq(5L, "HINCRBY", c.k("h"), "f", 5));
        s.put("HINCRBYFLOAT", c -> c.eq("1.5", "HINCRBYFLOAT", c.k("h"), "f", "1.5"));
    }

    private static void lists(final Map<String, Scenario> s)
    {
        s.put("LRANGE", c ->
        {
            c.setup("RPUSH", c.k("l"), "a", "b", "c");
            c.eq(l("a", "b", "c"), "LRANGE", c.k("l"), 0, -1);
            c.typed(l("b", "c"), a -> a.lrange(c.k("l"), 1, -1), y -> y.lrange(c.k("l"), 1, -1));
        });
        s.put("LLEN", c ->
        {
            c.setup("RPUSH", c.k("l"), "a", "b", "c");
            c.eq(3L, "LLEN", c.k("l"));
        });
        s.put("LINDEX", c ->
        {
            c.setup("RPUSH", c.k("l"), "a", "b", "c");
            c.eq("b", "LINDEX", c.k("l"), 1);
        });
        s.put("LPOS", c ->
        {
            c.setup("RPUSH", c.k("l"), "a", "b", "c");
            c.eq(2L, "LPOS", c.k("l"), "c");
            c.eq(null, "LPOS", c.k("l"), "z");
        });
        s.put("LPUSH", c ->
        {
            c.eq(2L, "LPUSH", c.k("l"), "a", "b");
            c.typed(3L, a -> a.lpush(c.k("l"), "c"), y -> y.lpush(c.k("l"), "c"));
        });
        s.put("RPUSH", c ->
        {
            c.eq(2L, "RPUSH", c.k("l"), "a", "b");
            c.typed(3L, a -> a.rpush(c.k("l"), "c"), y -> y.rpush(c.k("l"), "c"));
        });
        s.put("LPUSHX", c ->
        {
            c.eq(0L, "LPUSHX", c.k("l"), "a");
            c.setup("RPUSH", c.k("l"), "a");
            c.eq(2L, "LPUSHX", c.k("l"), "b");
        });
        s.put("RPUSHX", c ->
        {
            c.eq(0L, "RPUSHX", c.k("l"), "a");
            c.setup("RPUSH", c.k("l"), "a");
            c.eq(2L, "RPUSHX", c.k("l"), "b");
        });
        s.put("LPOP", c ->
        {
            c.setup("RPUSH", c.k("l"), "a", "b", "c");
            c.eq("a", "LPOP", c.k("l"));
            c.typed("b", a -> a.lpop(c.k("l")), y -> y.lpop(c.k("l")));
        });
        s.put("RPOP", c ->
        {
            c.setup("RPUSH", c.k("l"), "a", "b", "c");
            c.eq("c", "RPOP", c.k("l"));
            c.typed("b", a -> a.rpop(c.k("l")), y -> y.rpop(c.k("l")));
        });
        s.put("LSET", c ->
        {
            c.setup("RPUSH", c.k("l"), "a");
            c.eq("OK", "LSET", c.k("l"), 0, "z");
        });
        s.put("LREM", c ->
        {
            c.setup("RPUSH", c.k("l"), "a", "a", "b");
            c.eq(2L, "LREM", c.k("l"), 0, "a");
        });
        s.put("LTRIM", c ->
        {
            c.setup("RPUSH", c.k("l"), "a", "b");
            c.eq("OK", "LTRIM", c.k("l"), 0, 0);
        });
        s.put("LINSERT", c ->
        {
            c.setup("RPUSH", c.k("l"), "a", "c");
            c.eq(3L, "LINSERT", c.k("l"), "BEFORE", "c", "b");
        });
        s.put("RPOPLPUSH", c ->
        {
            c.setup("RPUSH", c.k("src"), "a", "b");
            c.eq("b", "RPOPLPUSH", c.k("src"), c.k("dst"));
            c.crossSlotRefused("RPOPLPUSH", c.k("src"), c.other("dst"));
        });
        s.put("LMOVE", c ->
        {
            c.setup("RPUSH", c.k("src"), "a", "b");
            c.eq("a", "LMOVE", c.k("src"), c.k("dst"), "LEFT", "RIGHT");
        });
        s.put("BRPOPLPUSH", c ->
        {
            c.setup("RPUSH", c.k("src"), "a", "b");
            c.blockingEq("b", a("BRPOPLPUSH", c.k("src"), c.k("dst"), 0),
                a("BRPOPLPUSH", c.k("src"), c.k("dst"), "0.5"));
            c.eq(null, "BRPOPLPUSH", c.k("empty"), c.k("dst"), "0.05");
        });
        s.put("BLMOVE", c ->
        {
            c.setup("RPUSH", c.k("src"), "a", "b");
            c.blockingEq("a", a("BLMOVE", c.k("src"), c.k("dst"), "LEFT", "RIGHT", 0),
                a("BLMOVE", c.k("src"), c.k("dst"), "LEFT", "RIGHT", "0.5"));
            c.typed("b", a -> a.blmove(c.k("src"), c.k("dst"), "LEFT", "RIGHT", Duration.ofSeconds(1)),
                y -> y.blmove(c.k("src"), c.k("dst"), "LEFT", "RIGHT", Duration.ofSeconds(1)));
        });
        for (final String name : new String[] {"BLPOP", "BRPOP"})
        {
            final boolean left = name.equals("BLPOP");
            s.put(name, c ->
            {
                c.setup("RPUSH", c.k("l"), "a", "b", "c");
                c.blockingEq(l(c.k("l"), left ? "a" : "c"), a(name, c.k("empty"), c.k("l"), 0),
                    a(name, c.k("empty"), c.k("l"), "0.5"));
                c.typed(l(c.k("l"), "b"), a -> left ? a.blpop(Duration.ofSeconds(1), c.k("l")) :
                    a.brpop(Duration.ofSeconds(1), c.k("l")), y -> left ? y.blpop(Duration.ofSeconds(1), c.k("l")) :
                    y.brpop(Duration.ofSeconds(1), c.k("l")));
                // A timed-out block is a null reply, in every style (a bounded time the zero-copy style accepts).
                c.eq(null, name, c.k("empty"), "0.05");
                c.crossSlotRefused(name, c.k("l"), c.other("l"), "0.05");
            });
        }
        s.put("LMPOP", c ->
        {
            c.setup("RPUSH", c.k("l"), "a", "b");
            c.eq(l(c.k("l"), l("a")), "LMPOP", 2, c.k("empty"), c.k("l"), "LEFT");
            c.crossSlotRefused("LMPOP", 2, c.k("l"), c.other("l"), "LEFT");
        });
        s.put("BLMPOP", c ->
        {
            c.setup("RPUSH", c.k("l"), "a", "b");
            c.blockingEq(l(c.k("l"), l("a")), a("BLMPOP", 0, 2, c.k("empty"), c.k("l"), "LEFT"),
                a("BLMPOP", "0.5", 2, c.k("empty"), c.k("l"), "LEFT"));
        });
    }

    private static void sets(final Map<String, Scenario> s)
    {
        s.put("SMEMBERS", c ->
        {
            c.setup("SADD", c.k("s"), "a", "b");
            assertThat(list(c.call("SMEMBERS", c.k("s")))).containsExactlyInAnyOrder("a", "b");
            c.typed(Set.of("a", "b"), a -> a.smembers(c.k("s")), y -> y.smembers(c.k("s")));
        });
        s.put("SCARD", c ->
        {
            c.setup("SADD", c.k("s"), "a", "b");
            c.eq(2L, "SCARD", c.k("s"));
        });
        s.put("SISMEMBER", c ->
        {
            c.setup("SADD", c.k("s"), "a");
            c.eq(1L, "SISMEMBER", c.k("s"), "a");
        });
        s.put("SMISMEMBER", c ->
        {
            c.setup("SADD", c.k("s"), "a");
            c.eq(l(1L, 0L), "SMISMEMBER", c.k("s"), "a", "b");
        });
        s.put("SRANDMEMBER", c ->
        {
            c.setup("SADD", c.k("s"), "a");
            c.eq("a", "SRANDMEMBER", c.k("s"));
        });
        s.put("SSCAN", c ->
        {
            c.setup("SADD", c.k("s"), "a");
            c.eq(l("0", l("a")), "SSCAN", c.k("s"), 0);
        });
        s.put("SADD", c ->
        {
            c.eq(2L, "SADD", c.k("s"), "a", "b");
            c.typed(1L, a -> a.sadd(c.k("s"), "c", "a"), y -> y.sadd(c.k("s"), "c", "a"));
        });
        s.put("SREM", c ->
        {
            c.setup("SADD", c.k("s"), "a", "b", "c");
            c.eq(1L, "SREM", c.k("s"), "a");
            c.typed(1L, a -> a.srem(c.k("s"), "b"), y -> y.srem(c.k("s"), "b"));
        });
        s.put("SPOP", c ->
        {
            c.setup("SADD", c.k("s"), "a");
            c.eq("a", "SPOP", c.k("s"));
        });
        setAlgebra(s);
        s.put("SMOVE", c ->
        {
            c.setup("SADD", c.k("s1"), "a");
            c.eq(1L, "SMOVE", c.k("s1"), c.k("s2"), "a");
        });
        s.put("SINTERCARD", c ->
        {
            c.setup("SADD", c.k("s1"), "a", "b");
            c.setup("SADD", c.k("s2"), "b");
            c.eq(1L, "SINTERCARD", 2, c.k("s1"), c.k("s2"));
            c.crossSlotRefused("SINTERCARD", 2, c.k("s1"), c.other("s2"));
        });
    }

    private static void setAlgebra(final Map<String, Scenario> s)
    {
        final Map<String, List<Object>> results = Map.of("SDIFF", l("a"), "SINTER", l("b"), "SUNION", l("a", "b"));
        for (final String name : new String[] {"SDIFF", "SINTER", "SUNION"})
        {
            s.put(name, c ->
            {
                c.setup("SADD", c.k("s1"), "a", "b");
                c.setup("SADD", c.k("s2"), "b");
                assertThat(list(c.call(name, c.k("s1"), c.k("s2"))))
                    .containsExactlyInAnyOrderElementsOf(results.get(name));
                c.crossSlotRefused(name, c.k("s1"), c.other("s2"));
            });
        }
        for (final String name : new String[] {"SDIFFSTORE", "SINTERSTORE", "SUNIONSTORE"})
        {
            final String read = name.substring(0, name.length() - "STORE".length());
            s.put(name, c ->
            {
                c.setup("SADD", c.k("s1"), "a", "b");
                c.setup("SADD", c.k("s2"), "b");
                c.eq((long)results.get(read).size(), name, c.k("dst"), c.k("s1"), c.k("s2"));
                c.crossSlotRefused(name, c.other("dst"), c.k("s1"), c.k("s2"));
            });
        }
    }

    private static void sortedSets(final Map<String, Scenario> s)
    {
        s.put("ZRANGE", c ->
        {
            c.setup("ZADD", c.k("z"), 1, "a", 2, "b");
            c.eq(l("a", "b"), "ZRANGE", c.k("z"), 0, -1);
            c.typed(l("b"), a -> a.zrange(c.k("z"), 1, 1), y -> y.zrange(c.k("z"), 1, 1));
        });
        s.put("ZSCORE", c ->
        {
            c.setup("ZADD", c.k("z"), 1.5, "a");
            c.eq(1.5, "ZSCORE", c.k("z"), "a");
            c.eq(null, "ZSCORE", c.k("z"), "none");
            c.typed(1.5, a -> a.zscore(c.k("z"), "a"), y -> y.zscore(c.k("z"), "a"));
        });
        final Object[][] reads = {
            {"ZCARD", 2L}, {"ZCOUNT", 2L, 1, 2}, {"ZRANK", 1L, "b"}, {"ZREVRANK", 0L, "b"},
            {"ZRANGEBYSCORE", l("a", "b"), 1, 2}, {"ZREVRANGE", l("b", "a"), 0, -1},
            {"ZREVRANGEBYSCORE", l("b", "a"), 2, 1}, {"ZMSCORE", l(1.0, null), "a", "none"}};
        for (final Object[] read : reads)
        {
            s.put((String)read[0], c ->
            {
                c.setup("ZADD", c.k("z"), 1, "a", 2, "b");
                final Object[] args = new Object[read.length];
                args[0] = read[0];
                args[1] = c.k("z");
                System.arraycopy(read, 2, args, 2, read.length - 2);
                c.eq(read[1], args);
            });
        }
        final Object[][] lex = {
            {"ZRANGEBYLEX", l("a", "b"), "-", "+"}, {"ZREVRANGEBYLEX", l("b", "a"), "+", "-"},
            {"ZLEXCOUNT", 2L, "-", "+"}, {"ZREMRANGEBYLEX", 2L, "-", "+"}};
        for (final Object[] read : lex)
        {
            s.put((String)read[0], c ->
            {
                c.setup("ZADD", c.k("z"), 0, "a", 0, "b");
                c.eq(read[1], read[0], c.k("z"), read[2], read[3]);
            });
        }
        s.put("ZRANDMEMBER", c ->
        {
            c.setup("ZADD", c.k("z"), 1, "a");
            c.eq("a", "ZRANDMEMBER", c.k("z"));
        });
        s.put("ZSCAN", c ->
        {
            c.setup("ZADD", c.k("z"), 1, "a");
            c.eq(l("0", l("a", "1")), "ZSCAN", c.k("z"), 0);
        });
        s.put("ZADD", c ->
        {
            c.eq(2L, "ZADD", c.k("z"), 1, "a", 2, "b");
            c.typed(1L, a -> a.zadd(c.k("z"), 3, "c"), y -> y.zadd(c.k("z"), 3, "c"));
        });
        s.put("ZINCRBY", c ->
        {
            c.setup("ZADD", c.k("z"), 1, "a");
            c.eq(3.0, "ZINCRBY", c.k("z"), 2, "a");
        });
        s.put("ZREM", c ->
        {
            c.setup("ZADD", c.k("z"), 1, "a", 2, "b");
            c.eq(1L, "ZREM", c.k("z"), "a", "none");
        });
        s.put("ZREMRANGEBYSCORE", c ->
        {
            c.setup("ZADD", c.k("z"), 1, "a", 2, "b");
            c.eq(1L, "ZREMRANGEBYSCORE", c.k("z"), 1, 1);
        });
        s.put("ZREMRANGEBYRANK", c ->
        {
            c.setup("ZADD", c.k("z"), 1, "a", 2, "b");
            c.eq(1L, "ZREMRANGEBYRANK", c.k("z"), 0, 0);
        });
        s.put("ZPOPMIN", c ->
        {
            c.setup("ZADD", c.k("z"), 1, "a", 2, "b");
            c.eq(l("a", 1.0), "ZPOPMIN", c.k("z"));
        });
        s.put("ZPOPMAX", c ->
        {
            c.setup("ZADD", c.k("z"), 1, "a", 2, "b");
            c.eq(l("b", 2.0), "ZPOPMAX", c.k("z"));
        });
        s.put("ZRANGESTORE", c ->
        {
            c.setup("ZADD", c.k("z"), 1, "a", 2, "b");
            c.eq(2L, "ZRANGESTORE", c.k("dst"), c.k("z"), 0, -1);
        });
        for (final String name : new String[] {"BZPOPMIN", "BZPOPMAX"})
        {
            final boolean min = name.equals("BZPOPMIN");
            s.put(name, c ->
            {
                c.setup("ZADD", c.k("z"), 1, "a", 2, "b", 3, "c");
                c.blockingEq(l(c.k("z"), min ? "a" : "c", min ? 1.0 : 3.0), a(name, c.k("empty"), c.k("z"), 0),
                    a(name, c.k("empty"), c.k("z"), "0.5"));
                c.typed(l(c.k("z"), "b", "2"), a -> min ? a.bzpopmin(Duration.ofSeconds(1), c.k("z")) :
                    a.bzpopmax(Duration.ofSeconds(1), c.k("z")), y -> min ?
                    y.bzpopmin(Duration.ofSeconds(1), c.k("z")) : y.bzpopmax(Duration.ofSeconds(1), c.k("z")));
                c.eq(null, name, c.k("empty"), "0.05");
            });
        }
        final Map<String, Object> combined = Map.of("ZINTER", l("b"), "ZUNION", l("a", "b"), "ZDIFF", l("a"),
            "ZINTERCARD", 1L);
        for (final String name : new String[] {"ZINTER", "ZUNION", "ZDIFF", "ZINTERCARD"})
        {
            s.put(name, c ->
            {
                c.setup("ZADD", c.k("z1"), 1, "a", 2, "b");
                c.setup("ZADD", c.k("z2"), 1, "b");
                c.eq(combined.get(name), name, 2, c.k("z1"), c.k("z2"));
                c.crossSlotRefused(name, 2, c.k("z1"), c.other("z2"));
            });
        }
        final Map<String, Long> stored = Map.of("ZINTERSTORE", 1L, "ZUNIONSTORE", 2L, "ZDIFFSTORE", 1L);
        for (final String name : new String[] {"ZINTERSTORE", "ZUNIONSTORE", "ZDIFFSTORE"})
        {
            s.put(name, c ->
            {
                c.setup("ZADD", c.k("z1"), 1, "a", 2, "b");
                c.setup("ZADD", c.k("z2"), 1, "b");
                c.eq(stored.get(name), name, c.k("dst"), 2, c.k("z1"), c.k("z2"));
                c.crossSlotRefused(name, c.other("dst"), 2, c.k("z1"), c.k("z2"));
            });
        }
        s.put("ZMPOP", c ->
        {
            c.setup("ZADD", c.k("z"), 1, "a", 2, "b");
            c.eq(l(c.k("z"), l(l("a", 1.0))), "ZMPOP", 2, c.k("empty"), c.k("z"), "MIN");
        });
        s.put("BZMPOP", c ->
        {
            c.setup("ZADD", c.k("z"), 1, "a", 2, "b");
            c.blockingEq(l(c.k("z"), l(l("b", 2.0))), a("BZMPOP", 0, 2, c.k("empty"), c.k("z"), "MAX"),
                a("BZMPOP", "0.5", 2, c.k("empty"), c.k("z"), "MAX"));
        });
    }

    private static void hyperLogLogAndGeo(final Map<String, Scenario> s)
    {
        s.put("PFCOUNT", c ->
        {
            c.setup("PFADD", c.k("h1"), "a", "b");
            c.setup("PFADD", c.k("h2"), "b", "c");
            c.eq(2L, "PFCOUNT", c.k("h1"));
            c.eq(3L, "PFCOUNT", c.k("h1"), c.k("h2"));
            c.crossSlotRefused("PFCOUNT", c.k("h1"), c.other("h2"));
        });
        s.put("PFADD", c ->
        {
            c.eq(1L, "PFADD", c.k("h"), "a", "b");
            c.eq(0L, "PFADD", c.k("h"), "a");
        });
        s.put("PFMERGE", c ->
        {
            c.setup("PFADD", c.k("h1"), "a", "b");
            c.setup("PFADD", c.k("h2"), "b", "c");
            c.eq("OK", "PFMERGE", c.k("dst"), c.k("h1"), c.k("h2"));
            assertThat(c.setup("PFCOUNT", c.k("dst"))).isEqualTo(3L);
        });
        s.put("GEOADD", c -> c.eq(2L, "GEOADD", c.k("g"), "13.361389", "38.115556", "Palermo", "15.087269",
            "37.502669", "Catania"));
        geo(s, "GEOPOS", c ->
        {
            final List<?> positions = list(c.call("GEOPOS", c.k("g"), "Palermo", "Nowhere"));
            assertThat(positions).hasSize(2);
            assertThat(list(positions.get(0))).hasSize(2);
            assertThat(positions.get(1)).isNull();
        });
        geo(s, "GEODIST", c -> assertThat(String.valueOf(c.call("GEODIST", c.k("g"), "Palermo", "Catania", "km")))
            .startsWith("166.27"));
        geo(s, "GEOHASH", c -> c.eq(l("sqc8b49rny0"), "GEOHASH", c.k("g"), "Palermo"));
        geo(s, "GEOSEARCH", c -> c.eq(l("Catania", "Palermo"), "GEOSEARCH", c.k("g"), "FROMLONLAT", 15, 37,
            "BYRADIUS", 200, "km", "ASC"));
        geo(s, "GEORADIUS_RO", c -> c.eq(l("Catania", "Palermo"), "GEORADIUS_RO", c.k("g"), 15, 37, 200, "km",
            "ASC"));
        geo(s, "GEORADIUSBYMEMBER_RO", c -> c.eq(l("Palermo", "Catania"), "GEORADIUSBYMEMBER_RO", c.k("g"),
            "Palermo", 200, "km", "ASC"));
        geo(s, "GEOSEARCHSTORE", c ->
        {
            c.eq(2L, "GEOSEARCHSTORE", c.k("dst"), c.k("g"), "FROMLONLAT", 15, 37, "BYRADIUS", 200, "km");
            c.crossSlotRefused("GEOSEARCHSTORE", c.other("dst"), c.k("g"), "FROMLONLAT", 15, 37, "BYRADIUS", 200,
                "km");
        });
    }

    private static void geo(final Map<String, Scenario> s, final String name, final Scenario check)
    {
        s.put(name, c ->
        {
            c.setup("GEOADD", c.k("g"), "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania");
            check.run(c);
        });
    }

    private static void streams(final Map<String, Scenario> s)
    {
        final Scenario oneEntry = c -> c.setup("XADD", c.k("st"), "1-1", "f", "v");
        final Object entry = l("1-1", l("f", "v"));
        s.put("XRANGE", c ->
        {
            oneEntry.run(c);
            c.eq(l(entry), "XRANGE", c.k("st"), "-", "+");
        });
        s.put("XREVRANGE", c ->
        {
            oneEntry.run(c);
            c.eq(l(entry), "XREVRANGE", c.k("st"), "+", "-");
        });
        s.put("XLEN", c ->
        {
            oneEntry.run(c);
            c.eq(1L, "XLEN", c.k("st"));
        });
        s.put("XPENDING", c ->
        {
            pending(c);
            c.eq(l(1L, "1-1", "1-1", l(l("c1", "1"))), "XPENDING", c.k("st"), "g");
        });
        s.put("XADD", c ->
        {
            c.eq("1-1", "XADD", c.k("st"), "1-1", "f", "v");
            assertThat(String.valueOf(c.call("XADD", c.k("st"), "*", "f", "w"))).matches("\\d+-\\d+");
            c.err("ERR", "XADD", c.k("st"), "1-1", "f", "v");
        });
        s.put("XDEL", c ->
        {
            oneEntry.run(c);
            c.eq(1L, "XDEL", c.k("st"), "1-1");
        });
        s.put("XTRIM", c ->
        {
            oneEntry.run(c);
            c.eq(1L, "XTRIM", c.k("st"), "MAXLEN", 0);
        });
        s.put("XACK", c ->
        {
            pending(c);
            c.eq(1L, "XACK", c.k("st"), "g", "1-1");
        });
        s.put("XCLAIM", c ->
        {
            pending(c);
            c.eq(l(entry), "XCLAIM", c.k("st"), "g", "c2", 0, "1-1");
        });
        s.put("XAUTOCLAIM", c ->
        {
            pending(c);
            c.eq(l("0-0", l(entry), l()), "XAUTOCLAIM", c.k("st"), "g", "c2", 0, "0");
        });
        s.put("XSETID", c ->
        {
            oneEntry.run(c);
            c.eq("OK", "XSETID", c.k("st"), "5-0");
        });
        s.put("XGROUP", c ->
        {
            oneEntry.run(c);
            c.eq("OK", "XGROUP", "CREATE", c.k("st"), "g", "0");
            c.eq(1L, "XGROUP", "CREATECONSUMER", c.k("st"), "g", "c1");
            c.err("BUSYGROUP", "XGROUP", "CREATE", c.k("st"), "g", "0");
        });
        s.put("XINFO", c ->
        {
            pending(c);
            assertThat(map(c.call("XINFO", "STREAM", c.k("st"))).get("length")).isEqualTo(1L);
            assertThat(list(c.call("XINFO", "GROUPS", c.k("st")))).hasSize(1);
            assertThat(list(c.call("XINFO", "CONSUMERS", c.k("st"), "g"))).hasSize(1);
        });
        s.put("XREAD", c ->
        {
            c.setup("XADD", c.k("st"), "1-1", "f", "v");
            c.setup("XADD", c.k("st2"), "1-1", "f", "w");
            final Object one = m(c.k("st"), l(entry));
            assertThat(map(c.call("XREAD", "COUNT", 10, "STREAMS", c.k("st"), "0"))).isEqualTo(one);
            assertThat(map(c.call("XREAD", "STREAMS", c.k("st"), c.k("st2"), "0", "0"))).hasSize(2);
            assertThat(map(c.blocking(a("XREAD", "BLOCK", 0, "STREAMS", c.k("st"), "0"),
                a("XREAD", "BLOCK", 500, "STREAMS", c.k("st"), "0")))).isEqualTo(one);
            assertThat(c.call("XREAD", "BLOCK", 50, "STREAMS", c.k("st"), "$")).isNull();
            c.typed(one, a -> a.xread(Duration.ofSeconds(1), Map.of(c.k("st"), "0")),
                y -> y.xread(Duration.ofSeconds(1), Map.of(c.k("st"), "0")));
            c.crossSlotRefused("XREAD", "STREAMS", c.k("st"), c.other("st"), "0", "0");
        });
        s.put("XREADGROUP", c ->
        {
            c.setup("XADD", c.k("st"), "1-1", "f", "v");
            c.setup("XADD", c.k("st"), "1-2", "f", "w");
            c.setup("XGROUP", "CREATE", c.k("st"), "g", "0");
            assertThat(map(c.call("XREADGROUP", "GROUP", "g", "c1", "COUNT", 1, "STREAMS", c.k("st"), ">")))
                .isEqualTo(m(c.k("st"), l(entry)));
            assertThat(map(c.blocking(a("XREADGROUP", "GROUP", "g", "c1", "COUNT", 1, "BLOCK", 0, "STREAMS",
                c.k("st"), ">"), a("XREADGROUP", "GROUP", "g", "c1", "COUNT", 1, "BLOCK", 500, "STREAMS", c.k("st"),
                ">")))).isEqualTo(m(c.k("st"), l(l("1-2", l("f", "w")))));
        });
    }

    /** A stream with one entry, group g, read (pending) by consumer c1. */
    private static void pending(final AllCommandsCase c)
    {
        c.setup("XADD", c.k("st"), "1-1", "f", "v");
        c.setup("XGROUP", "CREATE", c.k("st"), "g", "0");
        c.setup("XREADGROUP", "GROUP", "g", "c1", "STREAMS", c.k("st"), ">");
    }

    private static void scripts(final Map<String, Scenario> s)
    {
        s.put("EVAL", c ->
        {
            c.eq("OK", "EVAL", SET_SCRIPT, 1, c.k("a"), "v");
            c.eq("v", "EVAL", GET_SCRIPT, 1, c.k("a"));
            c.eq(2L, "EVAL", "return #KEYS", 2, c.k("a"), c.k("b"));
            c.eq(1L, "EVAL", "return 1", 0);
            c.typed("OK", a -> a.eval(SET_SCRIPT, new Object[] {c.k("b")}, "w"),
                y -> y.eval(SET_SCRIPT, new Object[] {c.k("b")}, "w"));
            c.err("ERR", "EVAL", "return redis.call('NOPE')", 0);
            c.crossSlotRefused("EVAL", "return 1", 2, c.k("a"), c.other("a"));
        });
        s.put("EVALSHA", c ->
        {
            final String sha = (String)c.setupValue("SCRIPT", "LOAD", SET_SCRIPT);
            c.eq("OK", "EVALSHA", sha, 1, c.k("a"), "v");
            c.typed("OK", a -> a.evalsha(sha, new Object[] {c.k("b")}, "w"),
                y -> y.evalsha(sha, new Object[] {c.k("b")}, "w"));
            final Script script = Script.of(SET_SCRIPT + " -- " + c.k("script"));
            c.typed("OK", a -> a.eval(script, new Object[] {c.k("c")}, "x"),
                y -> y.eval(script, new Object[] {c.k("c")}, "x"));
            c.err("NOSCRIPT", "EVALSHA", "0000000000000000000000000000000000000000", 1, c.k("a"));
        });
        s.put("FCALL", c ->
        {
            c.eq("OK", "FCALL", "kvset", 1, c.k("a"), "v");
            assertThat(c.setupValue("GET", c.k("a"))).isEqualTo("v");
            c.typed("OK", a -> a.fcall("kvset", new Object[] {c.k("b")}, "w"),
                y -> y.fcall("kvset", new Object[] {c.k("b")}, "w"));
            c.crossSlotRefused("FCALL", "kvset", 2, c.k("a"), c.other("a"), "v");
        });
        s.put("EVAL_RO", c ->
        {
            c.setup("SET", c.k("a"), "v");
            c.eq("v", "EVAL_RO", GET_SCRIPT, 1, c.k("a"));
            c.err("ERR", "EVAL_RO", SET_SCRIPT, 1, c.k("a"), "w");
        });
        s.put("EVALSHA_RO", c ->
        {
            c.setup("SET", c.k("a"), "v");
            final String sha = (String)c.setupValue("SCRIPT", "LOAD", GET_SCRIPT);
            c.eq("v", "EVALSHA_RO", sha, 1, c.k("a"));
            final Script script = Script.of(GET_SCRIPT + " -- " + c.k("ro"));
            c.typed("v", a -> a.evalReadOnly(script, new Object[] {c.k("a")}),
                y -> y.evalReadOnly(script, new Object[] {c.k("a")}));
        });
        s.put("FCALL_RO", c ->
        {
            c.setup("SET", c.k("a"), "v");
            c.eq("v", "FCALL_RO", "kvget", 1, c.k("a"));
            c.typed("v", a -> a.fcallReadOnly("kvget", new Object[] {c.k("a")}),
                y -> y.fcallReadOnly("kvget", new Object[] {c.k("a")}));
        });
        s.put("SCRIPT", c ->
        {
            // SCRIPT goes to every master (cluster): loaded, it runs on any slot's owner; flushed, it is gone there.
            final String source = "return '" + c.k("script") + "'";
            final String sha = (String)c.call("SCRIPT", "LOAD", source);
            assertThat(sha).hasSize(40);
            c.eq(l(1L), "SCRIPT", "EXISTS", sha);
            for (final String key : c.spread(6))
            {
                assertThat(c.setupValue("EVALSHA", sha, 1, key)).isEqualTo(c.k("script"));
            }
            c.eq("OK", "SCRIPT", "FLUSH");
            if (c.cluster())
            {
                assertThat(((ClusterClient)c.client()).executeOnAllMasters("SCRIPT", "EXISTS", sha).join())
                    .containsOnly(l(0L));
            }
            else
            {
                assertThat(c.setup("SCRIPT", "EXISTS", sha)).isEqualTo(l(0L));
            }
        });
        s.put("FUNCTION", c ->
        {
            // FUNCTION LOAD goes to every master (cluster): the library then answers on every slot's owner.
            final String library = "#!lua name=" + c.k("lib").replaceAll("[^A-Za-z0-9]", "_") + "\n" +
                "redis.register_function('" + c.k("f").replaceAll("[^A-Za-z0-9]", "_") + "', " +
                "function(keys, args) return keys[1] end)\n";
            final String name = c.k("lib").replaceAll("[^A-Za-z0-9]", "_");
            final String function = c.k("f").replaceAll("[^A-Za-z0-9]", "_");
            c.eq(name, "FUNCTION", "LOAD", library);
            for (final String key : c.spread(6))
            {
                assertThat(c.setupValue("FCALL", function, 1, key)).isEqualTo(key);
            }
            assertThat(list(c.call("FUNCTION", "LIST", "LIBRARYNAME", name))).hasSize(1);
            c.eq("OK", "FUNCTION", "DELETE", name);
            for (final String key : c.spread(6))
            {
                assertThat(c.setup("FUNCTION", "LIST", "LIBRARYNAME", name)).isEqualTo(l());
                assertThat(c.setup("EXISTS", key)).isEqualTo(0L);
            }
        });
    }

    private static void keyless(final Map<String, Scenario> s)
    {
        s.put("PUBLISH", c -> c.eq(0L, "PUBLISH", c.k("channel"), "hello"));
        s.put("SPUBLISH", c -> c.eq(0L, "SPUBLISH", c.k("channel"), "hello"));
        s.put("PING", c ->
        {
            c.eq("PONG", "PING");
            c.eq("hi", "PING", "hi");
            c.typed("PONG", a -> a.ping(), y -> y.ping());
        });
        s.put("ECHO", c -> c.eq("hi", "ECHO", "hi"));
        s.put("INFO", c ->
        {
            assertThat((String)c.call("INFO", "server")).contains("redis_version:");
            assertThat(c.cluster() ? 1 : 0).isEqualTo(((String)c.call("INFO", "cluster")).contains(
                "cluster_enabled:1") ? 1 : 0);
            c.typed(true, a -> a.info("server").thenApply(text -> text.contains("redis_version:")),
                y -> y.info("server").contains("redis_version:"));
        });
        s.put("TIME", c ->
        {
            final List<?> time = list(c.call("TIME"));
            assertThat(time).hasSize(2);
            assertThat(Long.parseLong((String)time.get(0))).isGreaterThan(1_600_000_000L);
        });
        s.put("RANDOMKEY", c ->
        {
            c.setup("SET", c.k("a"), "v");
            // Any master on a cluster: a key of that master, or null when it has none.
            assertThat(c.call("RANDOMKEY")).satisfiesAnyOf(key -> assertThat(key).isNull(),
                key -> assertThat(key).isInstanceOf(String.class));
        });
        s.put("CLUSTER", c ->
        {
            if (c.cluster())
            {
                c.eq((long)SlotHash.slot(c.k("a")), "CLUSTER", "KEYSLOT", c.k("a"));
                assertThat((String)c.call("CLUSTER", "INFO")).contains("cluster_state:ok");
            }
            else
            {
                c.err("ERR", "CLUSTER", "INFO");
            }
        });
        s.put("COMMAND", c ->
        {
            assertThat((Long)c.call("COMMAND", "COUNT")).isGreaterThan(200L);
            assertThat(list(c.call("COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2"))).containsExactly("a", "b");
        });
        s.put("LASTSAVE", c -> assertThat(c.call("LASTSAVE")).isInstanceOf(Long.class));
        s.put("CONFIG", c -> assertThat(map(c.call("CONFIG", "GET", "maxmemory-policy")))
            .isEqualTo(m("maxmemory-policy", "noeviction")));
        s.put("ROLE", c -> assertThat(list(c.call("ROLE")).get(0)).isEqualTo("master"));
        s.put("SCAN", c ->
        {
            // Through execute: one node (any master on a cluster), the reply [cursor, keys].
            final List<String> keys = c.spread(9);
            for (final String key : keys)
            {
                c.setup("SET", key, "v");
            }
            final List<?> reply = list(c.call("SCAN", 0, "MATCH", c.spreadPattern(), "COUNT", 10));
            assertThat(reply).hasSize(2);
            assertThat(reply.get(0)).isInstanceOf(String.class);
            assertThat(reply.get(1)).isInstanceOf(List.class);
            if (c.cluster())
            {
                // ClusterClient.scan: every master in turn, so every key.
                final List<String> found = new ArrayList<>();
                ((ClusterClient)c.client()).scan(c.spreadPattern(), 100,
                    key -> found.add(new String(key, StandardCharsets.UTF_8)));
                assertThat(found).containsExactlyInAnyOrderElementsOf(keys);
            }
        });
        s.put("WAIT", c ->
        {
            c.setup("SET", c.k("a"), "v");
            c.blockingEq(0L, a("WAIT", 0, 0), a("WAIT", 0, 100));
        });
        s.put("CLIENT", c ->
        {
            c.eq("slotring", "CLIENT", "GETNAME");
            assertThat(c.call("CLIENT", "ID")).isInstanceOf(Long.class);
            c.eq("OK", "CLIENT", "REPLY", "ON");
        });
        s.put("LATENCY", c -> assertThat(c.call("LATENCY", "LATEST")).isInstanceOf(List.class));
        s.put("SLOWLOG", c -> assertThat(c.call("SLOWLOG", "LEN")).isInstanceOf(Long.class));
        s.put("ACL", c -> c.eq("default", "ACL", "WHOAMI"));
        s.put("DEBUG", c -> c.eq("OK", "DEBUG", "SLEEP", 0));
    }

    private static void allMasters(final Map<String, Scenario> s)
    {
        s.put("DBSIZE", c ->
        {
            // Summed over every master (cluster).
            c.setup("FLUSHALL");
            final List<String> keys = c.spread(9);
            for (final String key : keys)
            {
                c.setup("SET", key, "v");
            }
            c.eq((long)keys.size(), "DBSIZE");
        });
        for (final String name : new String[] {"FLUSHALL", "FLUSHDB"})
        {
            s.put(name, c ->
            {
                // Every master (cluster): no key is left anywhere.
                final List<String> keys = c.spread(9);
                for (final String key : keys)
                {
                    c.setup("SET", key, "v");
                }
                c.eq("OK", name);
                assertThat(c.setup("DBSIZE")).isEqualTo(0L);
                if (c.cluster())
                {
                    assertThat(((ClusterClient)c.client()).executeOnAllMasters("DBSIZE").join())
                        .containsOnly(0L);
                }
            });
        }
        s.put("KEYS", c ->
        {
            // Every master's keys, concatenated (cluster).
            final List<String> keys = c.spread(9);
            for (final String key : keys)
            {
                c.setup("SET", key, "v");
            }
            assertThat(list(c.call("KEYS", c.spreadPattern()))).containsExactlyInAnyOrderElementsOf(keys);
        });
    }

    /** @return the commands execute refuses by design, each with its scenario: refused in every style. */
    static Map<String, Scenario> refused()
    {
        final Map<String, Scenario> s = new LinkedHashMap<>();
        final String shared = "not supported on a shared connection";
        final Object[][] commands = {
            {"SUBSCRIBE", "ch"}, {"PSUBSCRIBE", "ch*"}, {"SSUBSCRIBE", "{t}ch"}, {"UNSUBSCRIBE", "ch"},
            {"PUNSUBSCRIBE", "ch*"}, {"SUNSUBSCRIBE", "{t}ch"}, {"MONITOR"}, {"MULTI"}, {"EXEC"}, {"DISCARD"},
            {"WATCH", "{t}k"}, {"UNWATCH"}, {"SELECT", 1}, {"HELLO", 3}, {"AUTH", "user", "password"}, {"RESET"},
            {"QUIT"}, {"SYNC"}, {"PSYNC", "?", -1}};
        for (final Object[] command : commands)
        {
            s.put((String)command[0], c -> c.refused(shared, command));
        }
        s.put("CLIENT REPLY OFF", c -> c.refused("CLIENT REPLY", a("CLIENT", "REPLY", "OFF")));
        s.put("CLIENT REPLY SKIP", c -> c.refused("CLIENT REPLY", a("CLIENT", "REPLY", "SKIP")));
        s.put("lowercase multi", c -> c.refused(shared, a("multi")));
        s.put("byte[] SUBSCRIBE", c -> c.refused(shared, a("SUBSCRIBE".getBytes(StandardCharsets.US_ASCII), "ch")));
        return s;
    }
}
