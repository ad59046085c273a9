package io.slotring.cluster;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import io.slotring.codec.RespReader;
import io.slotring.codec.RespType;
import io.slotring.codec.SlotHash;
import io.slotring.engine.AsyncCommands;
import io.slotring.engine.Client;
import io.slotring.engine.RedisException;
import io.slotring.engine.RedisServerException;
import io.slotring.engine.ReplyHandler;
import io.slotring.engine.SyncCommands;
import io.slotring.engine.internal.CommandSpec;
import io.slotring.engine.internal.CommandTable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * One case of {@link AllCommandsIT}: a client (standalone or cluster), a style (zero-copy, async, sync) and a hash
 * tag of its own, with the calls a scenario makes. {@link #call} sends the command under test in the case's style
 * and returns the reply normalized (bulk and simple strings as {@code String}, nested lists and maps normalized
 * alike); an error reply is thrown as {@link ServerError} in every style. {@link #setup} always uses the sync
 * style, so a scenario's preparation does not depend on the style under test.
 *
 * <p>The documented cluster policies of the zero-copy style are checked here, once for every scenario: on a cluster
 * client a command for every master, or a split command whose keys span slots, must be refused with
 * {@code IllegalArgumentException} before anything is sent; the case then checks that a following zero-copy command
 * works and carries on with the sync style's reply, so the rest of the scenario still checks something.
 */
final class AllCommandsCase
{
    /** The three API styles. */
    enum Style
    {
        ZERO_COPY, ASYNC, SYNC
    }

    /** The two kinds of deployment. */
    enum Topology
    {
        STANDALONE, CLUSTER
    }

    /** An error reply, whatever the style that received it. */
    static final class ServerError extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        ServerError(final String message)
        {
            super(message);
        }
    }

    private static final long WAIT_SECONDS = 10;

    private final Client client;
    private final Topology topology;
    private final Style style;
    private final String tag;
    private final String id;
    private int policyRefusals;

    AllCommandsCase(final Client client, final Topology topology, final Style style, final String id)
    {
        this.client = client;
        this.topology = topology;
        this.style = style;
        this.id = id;
        this.tag = "{" + id + "}";
    }

    Style style()
    {
        return style;
    }

    boolean cluster()
    {
        return topology == Topology.CLUSTER;
    }

    Client client()
    {
        return client;
    }

    /** @return how many times the zero-copy style was refused by a cluster policy in this case. */
    int policyRefusals()
    {
        return policyRefusals;
    }

    /** @return a key in this case's hash tag: every key of one name shares a slot. */
    String k(final String name)
    {
        return tag + name;
    }

    /** @return a key of this case in another hash tag (another slot, most likely another master). */
    String other(final String name)
    {
        final String key = "{" + id + "-o}" + name;
        assertThat(SlotHash.slot(key)).isNotEqualTo(SlotHash.slot(k(name)));
        return key;
    }

    /**
     * @param count at least this many keys.
     * @return keys of this case under distinct hash tags, covering every master of a cluster.
     */
    List<String> spread(final int count)
    {
        final List<String> keys = new ArrayList<>();
        final Set<String> masters = new HashSet<>();
        final int want = cluster() ? ((ClusterClient)client).masterCount() : 1;
        for (int i = 0; keys.size() < count || masters.size() < want; i++)
        {
            final String key = "{" + id + "-s" + i + "}k";
            keys.add(key);
            masters.add(cluster() ? ((ClusterClient)client).masterAddressOf(SlotHash.slot(key)) : "one");
            assertThat(i).as("keys covering every master").isLessThan(1000);
        }
        return keys;
    }

    /** @return the pattern matching exactly the keys of {@link #spread}. */
    String spreadPattern()
    {
        return "{" + id + "-s*";
    }

    // ---------------------------------------------------------------------------------------------------------
    // Calls.
    // ---------------------------------------------------------------------------------------------------------

    /** A preparation command, sync style, raw reply (bulk strings as byte[]). */
    Object setup(final Object... args)
    {
        return client.sync().execute(args);
    }

    /** A preparation command, sync style, normalized reply. */
    Object setupValue(final Object... args)
    {
        return normalize(setup(args));
    }

    /**
     * The command under test, in the case's style.
     *
     * @return the normalized reply.
     * @throws ServerError for an error reply.
     */
    Object call(final Object... args)
    {
        if (cluster() && style == Style.ZERO_COPY && refusedOnZeroCopyCluster(args))
        {
            assertThatThrownBy(() -> client.execute(ignoring(), 0, args))
                .as("zero-copy %s on a cluster (documented: every-master and cross-slot split commands are " +
                    "refused)", args[0])
                .isInstanceOf(IllegalArgumentException.class);
            policyRefusals++;
            followingCommandWorks();
            return normalize(unwrapSync(() -> client.sync().execute(args)));
        }
        return invoke(args);
    }

    /** The command under test, compared with the expected (normalized) reply. */
    void eq(final Object expected, final Object... args)
    {
        assertThat(call(args)).as("%s", describe(args)).isEqualTo(normalize(expected));
    }

    /** The command under test must fail with an error reply starting with {@code prefix}. */
    void err(final String prefix, final Object... args)
    {
        assertThatThrownBy(() -> call(args)).as("%s", describe(args))
            .isInstanceOf(ServerError.class).hasMessageStartingWith(prefix);
    }

    /**
     * A command every style must refuse before sending, with {@code IllegalArgumentException} whose message
     * contains {@code messagePart}; then a following command in the same style works.
     */
    void refused(final String messagePart, final Object... args)
    {
        switch (style)
        {
            case ZERO_COPY:
                assertThatThrownBy(() -> client.execute(ignoring(), 0, args)).as("%s", describe(args))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(messagePart);
                break;
            case ASYNC:
                // Thrown on the caller's thread, not as a failed future: nothing was claimed.
                assertThatThrownBy(() -> client.async().execute(args)).as("%s", describe(args))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(messagePart);
                break;
            default:
                assertThatThrownBy(() -> client.sync().execute(args)).as("%s", describe(args))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(messagePart);
                break;
        }
        followingCommandWorks();
    }

    /** On a cluster: keys of a single-slot command in several slots are refused (CROSSSLOT) in every style. */
    void crossSlotRefused(final Object... args)
    {
        if (cluster())
        {
            refused("CROSSSLOT", args);
        }
    }

    /**
     * A blocking command: the zero-copy style must refuse the form that blocks for ever and runs the bounded form
     * (block time below the command timeout); async and sync run the form that blocks for ever (on a dedicated
     * connection), which the scenario makes return at once.
     *
     * @return the normalized reply.
     */
    Object blocking(final Object[] forever, final Object[] bounded)
    {
        if (style == Style.ZERO_COPY)
        {
            refused("blocks for ever", forever);
            return call(bounded);
        }
        return call(forever);
    }

    /** {@link #blocking}, compared with the expected reply. */
    void blockingEq(final Object expected, final Object[] forever, final Object[] bounded)
    {
        assertThat(blocking(forever, bounded)).as("%s", describe(forever)).isEqualTo(normalize(expected));
    }

    /** A typed method of the async and sync styles (nothing on the zero-copy style). */
    void typed(final Object expected, final Function<AsyncCommands, CompletableFuture<?>> async,
        final Function<SyncCommands, Object> sync)
    {
        if (style == Style.ASYNC)
        {
            assertThat(normalize(await(async.apply(client.async())))).as("typed async").isEqualTo(normalize(expected));
        }
        else if (style == Style.SYNC)
        {
            assertThat(normalize(unwrapSync(() -> sync.apply(client.sync())))).as("typed sync")
                .isEqualTo(normalize(expected));
        }
    }

    /** The zero-copy typed GET (text and byte[] keys); nothing on the other styles. */
    void zeroCopyGet(final String key, final String expected)
    {
        if (style != Style.ZERO_COPY)
        {
            return;
        }
        final Capture text = new Capture();
        assertThat(client.get(key, text, 0)).isGreaterThanOrEqualTo(0);
        assertThat(text.value()).isEqualTo(expected);
        final Capture bytes = new Capture();
        assertThat(client.get(key.getBytes(StandardCharsets.UTF_8), bytes, 0)).isGreaterThanOrEqualTo(0);
        assertThat(bytes.value()).isEqualTo(expected);
    }

    /** The zero-copy typed SET; nothing on the other styles. */
    void zeroCopySet(final String key, final String value)
    {
        if (style != Style.ZERO_COPY)
        {
            return;
        }
        final Capture reply = new Capture();
        assertThat(client.set(key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8), reply,
            0)).isGreaterThanOrEqualTo(0);
        assertThat(reply.value()).isEqualTo("OK");
        assertThat(setupValue("GET", key)).isEqualTo(value);
    }

    /** A command in this case's style works after whatever happened before (a refusal leaves nothing behind). */
    void followingCommandWorks()
    {
        assertThat(invoke("SET", k("after"), "ok")).as("a following SET").isEqualTo("OK");
        assertThat(invoke("GET", k("after"))).as("a following GET").isEqualTo("ok");
        assertThat(invoke("DEL", k("after"))).as("a following DEL").isEqualTo(1L);
    }

    private Object invoke(final Object... args)
    {
        switch (style)
        {
            case ZERO_COPY:
            {
                final Capture capture = new Capture();
                final long code = client.execute(capture, 0, args);
                assertThat(code).as("zero-copy %s published", args[0]).isGreaterThanOrEqualTo(0);
                return capture.value();
            }
            case ASYNC:
                return normalize(await(client.async().execute(args)));
            default:
                return normalize(unwrapSync(() -> client.sync().execute(args)));
        }
    }

    private static boolean refusedOnZeroCopyCluster(final Object[] args)
    {
        final CommandSpec spec = CommandTable.lookup(args[0]);
        if (spec == null)
        {
            return false;
        }
        if (spec.allMasters())
        {
            return true;
        }
        if (!spec.splitsBySlot())
        {
            return false;
        }
        final Set<Integer> slots = new HashSet<>();
        for (final int position : spec.keyPositions(args))
        {
            slots.add(CommandSpec.slotOf(args[position]));
        }
        return slots.size() > 1;
    }

    private static Object await(final CompletableFuture<?> future)
    {
        try
        {
            return future.get(WAIT_SECONDS, TimeUnit.SECONDS);
        }
        catch (final ExecutionException ex)
        {
            if (ex.getCause() instanceof RedisServerException)
            {
                throw new ServerError(ex.getCause().getMessage());
            }
            if (ex.getCause() instanceof RuntimeException)
            {
                throw (RuntimeException)ex.getCause();
            }
            throw new IllegalStateException(ex.getCause());
        }
        catch (final TimeoutException ex)
        {
            throw new AssertionError("no reply within " + WAIT_SECONDS + " s", ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError(ex);
        }
    }

    private static Object unwrapSync(final java.util.function.Supplier<Object> call)
    {
        try
        {
            return call.get();
        }
        catch (final RedisServerException ex)
        {
            throw new ServerError(ex.getMessage());
        }
    }

    static String describe(final Object[] args)
    {
        final StringBuilder text = new StringBuilder();
        for (final Object arg : args)
        {
            text.append(text.length() == 0 ? "" : " ").append(arg instanceof byte[] ? "<bytes>" : arg);
        }
        return text.length() > 120 ? text.substring(0, 120) + "..." : text.toString();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Values.
    // ---------------------------------------------------------------------------------------------------------

    /** Bulk strings (byte[]) as UTF-8 text, nested lists, sets and maps alike; other values as they are. */
    static Object normalize(final Object value)
    {
        if (value instanceof byte[])
        {
            return new String((byte[])value, StandardCharsets.UTF_8);
        }
        if (value instanceof Set)
        {
            final Set<Object> set = new HashSet<>();
            ((Set<?>)value).forEach(element -> set.add(normalize(element)));
            return set;
        }
        if (value instanceof List)
        {
            final List<Object> list = new ArrayList<>();
            ((List<?>)value).forEach(element -> list.add(normalize(element)));
            return list;
        }
        if (value instanceof Map)
        {
            final Map<Object, Object> map = new LinkedHashMap<>();
            ((Map<?, ?>)value).forEach((key, element) -> map.put(normalize(key), normalize(element)));
            return map;
        }
        if (value instanceof RedisServerException)
        {
            return "ERROR " + ((RedisServerException)value).getMessage();
        }
        return value;
    }

    /** The normalized value of the token under the reader, consuming its children (independent of the engine's). */
    static Object toJava(final RespReader reply)
    {
        if (reply.isNull())
        {
            if (reply.isAggregate())
            {
                reply.skipChildren();
            }
            return null;
        }
        switch (reply.type())
        {
            case RespType.BULK_STRING:
            case RespType.SIMPLE_STRING:
            case RespType.VERBATIM_STRING:
                return reply.stringValue();
            case RespType.INTEGER:
                return reply.longValue();
            case RespType.DOUBLE:
                return reply.doubleValue();
            case RespType.BOOLEAN:
                return reply.booleanValue();
            case RespType.BIG_NUMBER:
                return new java.math.BigInteger(reply.stringValue());
            case RespType.ERROR:
            case RespType.BLOB_ERROR:
                return "ERROR " + reply.stringValue();
            case RespType.MAP:
            {
                final int pairs = reply.count();
                final Map<Object, Object> map = new LinkedHashMap<>();
                for (int i = 0; i < pairs; i++)
                {
                    reply.next();
                    final Object key = toJava(reply);
                    reply.next();
                    map.put(key, toJava(reply));
                }
                return map;
            }
            case RespType.ATTRIBUTE:
                reply.skipChildren();
                reply.next();
                return toJava(reply);
            default:
            {
                final int count = reply.count();
                final List<Object> list = new ArrayList<>();
                for (int i = 0; i < count; i++)
                {
                    reply.next();
                    list.add(toJava(reply));
                }
                return list;
            }
        }
    }

    private static ReplyHandler ignoring()
    {
        return new Capture();
    }

    /** A zero-copy handler that copies the reply out as a normalized value; error replies become ServerError. */
    static final class Capture implements ReplyHandler
    {
        private final CompletableFuture<Object> result = new CompletableFuture<>();

        @Override
        public void onReply(final long token, final RespReader reply)
        {
            if (reply.type() == RespType.ERROR || reply.type() == RespType.BLOB_ERROR)
            {
                result.completeExceptionally(new ServerError(reply.stringValue()));
                return;
            }
            try
            {
                result.complete(toJava(reply));
            }
            catch (final RuntimeException ex)
            {
                result.completeExceptionally(ex);
            }
        }

        @Override
        public void onFailure(final long token, final RedisException error)
        {
            result.completeExceptionally(error);
        }

        Object value()
        {
            try
            {
                return result.get(WAIT_SECONDS, TimeUnit.SECONDS);
            }
            catch (final ExecutionException ex)
            {
                if (ex.getCause() instanceof RuntimeException)
                {
                    throw (RuntimeException)ex.getCause();
                }
                throw new IllegalStateException(ex.getCause());
            }
            catch (final TimeoutException ex)
            {
                throw new AssertionError("no zero-copy reply within " + WAIT_SECONDS + " s", ex);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new AssertionError(ex);
            }
        }
    }
}
