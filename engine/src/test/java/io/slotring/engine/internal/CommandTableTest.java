package io.slotring.engine.internal;

import java.nio.charset.StandardCharsets;

import io.slotring.codec.SlotHash;
import io.slotring.codec.internal.RespEncoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The command table's key positions, read/write flags and policies, per command family; no Redis.
 */
class CommandTableTest
{
    private static int[] keys(final Object... args)
    {
        final CommandSpec spec = CommandTable.lookup(args[0]);
        assertThat(spec).as("table row for %s", args[0]).isNotNull();
        return spec.keyPositions(args);
    }

    @Test
    void lookupIsCaseInsensitiveForTextAndBytesAndNullForUnknownNames()
    {
        assertThat(CommandTable.lookup("get").name()).isEqualTo("GET");
        assertThat(CommandTable.lookup(new StringBuilder("EvalSha")).name()).isEqualTo("EVALSHA");
        assertThat(CommandTable.lookup("xreadgroup".getBytes(StandardCharsets.US_ASCII)).name())
            .isEqualTo("XREADGROUP");
        assertThat(CommandTable.lookup("NOSUCHCOMMAND")).isNull();
        assertThat(CommandTable.lookup("GE")).isNull();
        assertThat(CommandTable.lookup(42L)).isNull();
        assertThat(CommandTable.size()).isGreaterThan(150);
    }

    @Test
    void stringsAndKeys()
    {
        assertThat(keys("GET", "k")).containsExactly(1);
        assertThat(keys("SET", "k", "v", "EX", 10)).containsExactly(1);
        assertThat(keys("MGET", "a", "b", "c")).containsExactly(1, 2, 3);
        assertThat(keys("MSET", "a", "1", "b", "2")).containsExactly(1, 3);
        assertThat(keys("MSETNX", "a", "1", "b", "2")).containsExactly(1, 3);
        assertThat(keys("DEL", "a", "b")).containsExactly(1, 2);
        assertThat(keys("RENAME", "a", "b")).containsExactly(1, 2);
        assertThat(keys("COPY", "a", "b", "REPLACE")).containsExactly(1, 2);
        assertThat(keys("BITOP", "AND", "dest", "a", "b")).containsExactly(2, 3, 4);
        assertThat(keys("OBJECT", "ENCODING", "k")).containsExactly(2);
        assertThat(keys("MEMORY", "USAGE", "k", "SAMPLES", 5)).containsExactly(2);
        assertThat(keys("MEMORY", "STATS")).isEmpty();
        assertThat(keys("EXPIRE", "k", 10)).containsExactly(1);
        assertThat(CommandTable.lookup("MGET").policy()).isEqualTo(CommandSpec.SPLIT_MERGE);
        assertThat(CommandTable.lookup("MSET").policy()).isEqualTo(CommandSpec.SPLIT_OK);
        assertThat(CommandTable.lookup("UNLINK").policy()).isEqualTo(CommandSpec.SPLIT_SUM);
        assertThat(CommandTable.lookup("TOUCH").policy()).isEqualTo(CommandSpec.SPLIT_SUM);
        assertThat(CommandTable.lookup("MSETNX").policy()).isEqualTo(CommandSpec.SINGLE_SLOT);
    }

    @Test
    void hashesListsSetsAndSortedSets()
    {
        assertThat(keys("HSET", "h", "f", "v")).containsExactly(1);
        assertThat(keys("LMOVE", "a", "b", "LEFT", "RIGHT")).containsExactly(1, 2);
        assertThat(keys("BLPOP", "a", "b", 1)).containsExactly(1, 2);
        assertThat(keys("BRPOPLPUSH", "a", "b", 1)).containsExactly(1, 2);
        assertThat(keys("LMPOP", 2, "a", "b", "LEFT", "COUNT", 3)).containsExactly(2, 3);
        assertThat(keys("BLMPOP", "0.5", "2", "a", "b", "LEFT")).containsExactly(3, 4);
        assertThat(keys("SINTERSTORE", "d", "a", "b")).containsExactly(1, 2, 3);
        assertThat(keys("SINTERCARD", 2, "a", "b", "LIMIT", 3)).containsExactly(2, 3);
        assertThat(keys("SMOVE", "a", "b", "m")).containsExactly(1, 2);
        assertThat(keys("ZINTER", 2, "a", "b", "WITHSCORES")).containsExactly(2, 3);
        assertThat(keys("ZUNIONSTORE", "d", 2, "a", "b", "WEIGHTS", 1, 2)).containsExactly(1, 3, 4);
        assertThat(keys("ZDIFFSTORE", "d", 0)).containsExactly(1);
        assertThat(keys("ZMPOP", 1, "a", "MIN")).containsExactly(2);
        assertThat(keys("BZMPOP", 1, 1, "a", "MIN")).containsExactly(3);
        assertThat(keys("BZPOPMIN", "a", "b", 1)).containsExactly(1, 2);
        assertThat(keys("ZRANGESTORE", "d", "s", 0, -1)).containsExactly(1, 2);
    }

    @Test
    void streams()
    {
        assertThat(keys("XADD", "s", "*", "f", "v")).containsExactly(1);
        assertThat(keys("XRANGE", "s", "-", "+")).containsExactly(1);
        assertThat(keys("XLEN", "s")).containsExactly(1);
        assertThat(keys("XDEL", "s", "1-1")).containsExactly(1);
        assertThat(keys("XTRIM", "s", "MAXLEN", 10)).containsExactly(1);
        assertThat(keys("XACK", "s", "g", "1-1")).containsExactly(1);
        assertThat(keys("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")).containsExactly(2);
        assertThat(keys("XGROUP", "HELP")).isEmpty();
        assertThat(keys("XINFO", "STREAM", "s")).containsExactly(2);
        assertThat(keys("XREAD", "STREAMS", "a", "b", "0", "0")).containsExactly(2, 3);
        assertThat(keys("XREAD", "COUNT", 5, "BLOCK", 10, "STREAMS", "a", "0")).containsExactly(6);
        assertThat(keys("XREADGROUP", "GROUP", "g", "c", "COUNT", 1, "NOACK", "STREAMS", "a", "b", ">", ">"))
            .containsExactly(8, 9);
        assertThat(keys("XREADGROUP", "GROUP", "STREAMS", "c", "STREAMS", "a", ">")).containsExactly(5);
        assertThat(keys("XREAD", "COUNT", 5)).isEmpty();
        assertThat(CommandTable.lookup("XREAD").isReadOnly()).isTrue();
        assertThat(CommandTable.lookup("XREADGROUP").isReadOnly()).isFalse();
    }

    @Test
    void scriptsAndFunctions()
    {
        assertThat(keys("EVAL", "return 1", 2, "a", "b", "x")).containsExactly(3, 4);
        assertThat(keys("EVALSHA", "abc", "1", "a", "x", "y")).containsExactly(3);
        assertThat(keys("EVAL_RO", "return 1", 0, "x")).isEmpty();
        assertThat(keys("FCALL", "f", 1, "a")).containsExactly(3);
        assertThat(keys("FCALL_RO", "f", "2".getBytes(StandardCharsets.US_ASCII), "a", "b")).containsExactly(3, 4);
        assertThat(keys("EVAL", "return 1")).isEmpty();
        assertThat(CommandTable.lookup("EVALSHA_RO").isReadOnly()).isTrue();
        assertThat(CommandTable.lookup("EVALSHA").isReadOnly()).isFalse();
        assertThatThrownBy(() -> keys("EVAL", "return 1", 3, "a"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("EVAL: expected a key count from 0 to 1").hasMessageContaining("got '3'");
        assertThatThrownBy(() -> keys("FCALL", "f", "many", "a"))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 'many'");
        assertThat(CommandTable.lookup("SCRIPT").policy()).isEqualTo(CommandSpec.ALL_MASTERS_FIRST);
    }

    @Test
    void keylessAdminCommands()
    {
        for (final String name : new String[] {"PING", "ECHO", "INFO", "TIME", "RANDOMKEY", "CLUSTER", "COMMAND",
            "LASTSAVE", "CONFIG", "ROLE"})
        {
            assertThat(CommandTable.lookup(name).policy()).as(name).isEqualTo(CommandSpec.ANY_MASTER);
            assertThat(keys(name, "x", "y")).as(name).isEmpty();
        }
        assertThat(CommandTable.lookup("DBSIZE").policy()).isEqualTo(CommandSpec.ALL_MASTERS_SUM);
        assertThat(CommandTable.lookup("FLUSHALL").policy()).isEqualTo(CommandSpec.ALL_MASTERS_OK);
        assertThat(CommandTable.lookup("KEYS").policy()).isEqualTo(CommandSpec.ALL_MASTERS_CONCAT);
    }

    @Test
    void theReadsReplicasMayServe()
    {
        for (final String name : new String[] {"GET", "MGET", "EXISTS", "TTL", "PTTL", "HGET", "HGETALL", "LRANGE",
            "SMEMBERS", "ZRANGE", "ZSCORE", "STRLEN", "TYPE", "HLEN", "LLEN", "SCARD", "ZCARD", "XRANGE"})
        {
            assertThat(CommandTable.lookup(name).isReadOnly()).as(name).isTrue();
        }
        for (final String name : new String[] {"SET", "DEL", "INCR", "HSET", "LPUSH", "XADD", "EVAL", "BLPOP"})
        {
            assertThat(CommandTable.lookup(name).isReadOnly()).as(name).isFalse();
        }
    }

    @Test
    void oneSlotOrCrossSlot()
    {
        final CommandSpec eval = CommandTable.lookup("EVAL");
        assertThat(eval.slot(new Object[] {"EVAL", "s", 2, "{u}:a", "{u}:b", "x"}))
            .isEqualTo(SlotHash.slot("u"));
        assertThat(eval.slot(new Object[] {"EVAL", "s", 0})).isEqualTo(NodeEndpoint.KEYLESS);
        final int a = SlotHash.slot("a");
        final int b = SlotHash.slot("b");
        assertThatThrownBy(() -> eval.slot(new Object[] {"EVAL", "s", 2, "a", "b"}))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("CROSSSLOT: keys of EVAL map to slots " + a + " and " + b);
        // Values are not keys: only the positions the table names count.
        assertThat(eval.slot(new Object[] {"EVAL", "s", 1, "a", "b"})).isEqualTo(a);
        assertThat(CommandTable.lookup("BITOP").slot(new Object[] {"BITOP", "AND", "{t}d", "{t}x"}))
            .isEqualTo(SlotHash.slot("t"));
    }

    @Test
    void aKnownNameIsEncodedFromItsRowAndKeptAsTheRowsConstant()
    {
        final byte[] lower = "mget".getBytes(StandardCharsets.US_ASCII);
        final Object[] args = {lower, "{t}a", 42L};
        final CommandSpec spec = CommandTable.lookup(lower);
        assertThat(spec).isNotNull();
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);
        final RespEncoder encoder = new RespEncoder();
        Arguments.encode(encoder.wrap(buffer, 0), args, spec);
        assertThat(encoder.length()).isEqualTo(Arguments.encodedLength(args));
        assertThat(buffer.getStringWithoutLengthAscii(0, encoder.length()))
            .isEqualTo("*3\r\n$4\r\nMGET\r\n$4\r\n{t}a\r\n$2\r\n42\r\n");
        // The row's constant, by identity: no String per command, and NodeConnection's family cache hits.
        assertThat(Arguments.commandName(args, spec)).isSameAs(spec.name());

        final Object[] unknown = {"X-MODULE.CMD", "k"};
        Arguments.encode(encoder.wrap(buffer, 0), unknown, CommandTable.lookup(unknown[0]));
        assertThat(buffer.getStringWithoutLengthAscii(0, encoder.length()))
            .isEqualTo("*2\r\n$12\r\nX-MODULE.CMD\r\n$1\r\nk\r\n");
        assertThat(Arguments.commandName(unknown, null)).isEqualTo("X-MODULE.CMD");
    }
}
