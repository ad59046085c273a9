package io.slotring.cluster;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.slotring.codec.SlotHash;

/**
 * Builds a {@link TopologyDescription} from a CLUSTER SHARDS or CLUSTER SLOTS reply in the generic Java form the
 * engine's converter produces: bulk strings {@code byte[]}, simple strings {@code String}, integers {@code Long},
 * arrays {@code List}, RESP3 maps {@code Map} with {@code String} keys. A RESP2 "map" (CLUSTER SHARDS' shards and
 * nodes, CLUSTER SLOTS' 7.x metadata) is a flat array of alternating keys and values, and is read the same way; text
 * may equally be {@code String} (as from a client that decodes bulk strings), so both shapes parse alike.
 * <p>
 * <b>Nodes are keyed by node id</b>, never by address: a node appearing in several CLUSTER SLOTS ranges is one node,
 * and two nodes may share an address during a restart.
 * <p>
 * <b>Host.</b> Redis 7 names a preferred {@code endpoint} (ip, hostname or {@code "?"} per
 * {@code cluster-preferred-endpoint-type}) besides the {@code ip}. The endpoint is used unless it is {@code "?"} or
 * empty, then the ip; when that is empty or {@code "?"} too (a node that does not know its own address, as in a
 * one-node cluster) the host the reply came from, {@code answeringHost}. A nil CLUSTER SLOTS endpoint means
 * {@code cluster-preferred-endpoint-type unknown-endpoint}: the nodes sit behind an address they do not know, such as
 * a load balancer, and Redis documents that clients use the address they asked, so nil goes straight to
 * {@code answeringHost}.
 * <p>
 * <b>Order.</b> The result is canonical: masters by lowest owned slot (slotless ones last, by id), replicas by their
 * master's position then id, so both commands describe the same cluster identically (health and replication offsets
 * aside, which only CLUSTER SHARDS reports).
 * <p>
 * <b>Errors.</b> A malformed or inconsistent reply (wrong type, missing field, slot out of range, a node listed with
 * two roles, a slot claimed twice, an error reply inside) throws {@link IllegalArgumentException} naming where,
 * what was expected and what came; the caller should ask another node. Unknown extra fields are ignored; unknown
 * {@code role} or {@code health} values are errors rather than guesses.
 * <p>
 * Runs on the topology refresh path, not per command: it allocates freely. Stateless and thread-safe.
 */
final class TopologyParser
{
    private static final String SHARDS = "CLUSTER SHARDS";
    private static final String SLOTS = "CLUSTER SLOTS";
    private static final String UNKNOWN_ENDPOINT = "?";
    private static final int MAX_DESCRIBED_CHARS = 60;

    private static final Comparator<NodeDescription> BY_FIRST_SLOT_THEN_ID = Comparator
        .comparingInt((NodeDescription node) -> node.slotRangeCount() > 0 ? node.slotRangeStart(0) : Integer.MAX_VALUE)
        .thenComparing(NodeDescription::nodeId);

    private TopologyParser()

    {

    }

    /**
     * Parses a Redis 7 CLUSTER SHARDS reply: a list of shards, each with {@code slots} (flat start, end integers)
     * and {@code nodes} (each with id, port or tls-port, ip, endpoint, role, replication-offset, health).
     * The shard's slots belong to its master; its replicas follow that master. Should a shard list two masters
     * (a failed old master next to its promoted replica), the first one not failed takes the slots.
     *
     * @param reply         the reply, RESP3 maps or RESP2 flat key/value arrays.
     * @param answeringHost host of the node that answered, for nodes whose address is unknown.
     * @return the topology.
     * @throws IllegalArgumentException when the reply is malformed or inconsistent.
     */
    static TopologyDescription parseShards(final Object reply, final String answeringHost)
    {
        return parseShards(reply, answeringHost, false);
    }

    /**
     * {@link #parseShards(Object, String)} for a client that dials nodes with or without TLS. With
     * {@code tls-cluster yes} a node reports both {@code port} (plain text) and {@code tls-port}, whatever the
     * asking connection: a TLS client takes {@code tls-port}, a plain one {@code port}; either falls back to the
     * other when only one is reported.
     *
     * @param reply         the reply, RESP3 maps or RESP2 flat key/value arrays.
     * @param answeringHost host of the node that answered, for nodes whose address is unknown.
     * @param tls           the client dials nodes with TLS.
     * @return the topology.
     * @throws IllegalArgumentException when the reply is malformed or inconsistent.
     */
    static TopologyDescription parseShards(final Object reply, final String answeringHost, final boolean tls)
    {
        Objects.requireNonNull(answeringHost, "answeringHost");
        final List<?> shards = list(reply, SHARDS + " reply", "an array of shards");
        final List<NodeDescription> masters = new ArrayList<>();
        final List<NodeDescription> replicas = new ArrayList<>();
        for (int i = 0; i < shards.size(); i++)
        {
            final String where = SHARDS + " shard #" + i;
            final Map<String, Object> shard = fields(shards.get(i), where);
            final int[] slots = slotPairs(required(shard, "slots", where), where + " \"slots\"");
            final List<?> nodeReplies = list(required(shard, "nodes", where), where + " \"nodes\"",
                "an array of nodes");

            final List<ShardNode> nodes = new ArrayList<>(nodeReplies.size());
            for (int n = 0; n < nodeReplies.size(); n++)
            {
                nodes.add(shardNode(nodeReplies.get(n), where + " node #" + n, answeringHost, tls));
            }
            final ShardNode master = shardMaster(nodes);
            if (master == null && slots.length > 0)
            {
                throw new IllegalArgumentException(where + ": expected a master to own slots " +
                    NodeDescription.rangesToString(slots) + ", got only replicas");
            }
            for (final ShardNode node : nodes)
            {
                if (node.role == NodeDescription.Role.MASTER)
                {
                    masters.add(node.describe(node == master ? slots : null, null));
                }
                else
                {
                    replicas.add(node.describe(null, master == null ? null : master.id));
                }
            }
        }
        return canonical(masters, replicas);
    }

    /**
     * Parses a CLUSTER SLOTS reply: a list of {@code [start, end, master, replica...]} where each node is
     * {@code [endpoint, port, id]} plus, from Redis 7, a map of further networking metadata ({@code ip},
     * {@code hostname}). A node in several ranges is one node owning all of them. No health is reported, and Redis
     * leaves failed replicas out, so every node is {@link NodeDescription.Health#ONLINE}.
     *
     * @param reply         the reply, 7.x metadata as a RESP3 map or a RESP2 flat key/value array.
     * @param answeringHost host of the node that answered, for nodes whose address is unknown.
     * @return the topology.
     * @throws IllegalArgumentException when the reply is malformed or inconsistent.
     */
    static TopologyDescription parseSlots(final Object reply, final String answeringHost)
    {
        Objects.requireNonNull(answeringHost, "answeringHost");
        final List<?> entries = list(reply, SLOTS + " reply", "an array of slot ranges");
        final Map<String, SlotsNode> nodes = new LinkedHashMap<>();
        for (int i = 0; i < entries.size(); i++)
        {
            final String where = SLOTS + " entry #" + i;
            final List<?> entry = list(entries.get(i), where, "an array [start, end, master, replica...]");
            if (entry.size() < 3)
            {
                throw new IllegalArgumentException(where +
                    ": expected an array [start, end, master, replica...], got " +
                    describe(entry));
            }
            final int start = slot(entry.get(0), where + " start");
            final int end = slot(entry.get(1), where + " end");
            if (start > end)
            {
                throw new IllegalArgumentException(where + ": expected start <= end, got " + start + ".." + end);
            }
            String masterId = null;
            for (int n = 2; n < entry.size(); n++)
            {
                final String nodeWhere = where + (n == 2 ? " master" : " replica #" + (n - 3));
                final SlotsNode parsed = slotsNode(entry.get(n), nodeWhere, answeringHost,
                    n == 2 ? NodeDescription.Role.MASTER : NodeDescription.Role.REPLICA, masterId);
                final SlotsNode node = merge(nodes, parsed, nodeWhere);
                if (n == 2)
                {
                    node.addRange(start, end);
                    masterId = node.id;
                }
            }
        }

        final List<NodeDescription> masters = new ArrayList<>();
        final List<NodeDescription> replicas = new ArrayList<>();
        for (final SlotsNode node : nodes.values())
        {
            (node.role == NodeDescription.Role.MASTER ? masters : replicas).add(node.describe());
        }
        return canonical(masters, replicas);
    }

    // ------------------------------------------------------------------------------------------------ CLUSTER SHARDS

    private static ShardNode shardNode(final Object reply, final String where, final String answeringHost,
        final boolean tls)
    {
        final Map<String, Object> node = fields(reply, where);
        final ShardNode parsed = new ShardNode();
        parsed.id = nodeId(required(node, "id", where), where + " \"id\"");
        final String preferred = tls ? "tls-port" : "port";
        final Object port = node.containsKey(preferred) ? node.get(preferred) : node.get(tls ? "port" : "tls-port");
        if (port == null)
        {
            throw new IllegalArgumentException(where + ": expected a \"port\" or \"tls-port\" field, got fields " +
                node.keySet());
        }
        parsed.port = port(port, where + " \"port\"");
        final String endpoint = optionalText(node.get("endpoint"), where + " \"endpoint\"");
        final String ip = optionalText(node.get("ip"), where + " \"ip\"");
        parsed.host = isKnown(endpoint) ? endpoint : isKnown(ip) ? ip : answeringHost;
        parsed.role = role(required(node, "role", where), where + " \"role\"");
        parsed.health = node.containsKey("health") ?
            health(node.get("health"), where + " \"health\"") : NodeDescription.Health.ONLINE;
        parsed.replicationOffset = node.containsKey("replication-offset") ?
            integer(node.get("replication-offset"), where + " \"replication-offset\"") : NodeDescription.UNKNOWN_OFFSET;
        return parsed;
    }

    /** The first master not failed, else the first master, else null. */
    private static ShardNode shardMaster(final List<ShardNode> nodes)
    {
        ShardNode first = null;
        for (final ShardNode node : nodes)
        {
            if (node.role == NodeDescription.Role.MASTER)
            {
                if (node.health != NodeDescription.Health.FAILED)
                {
                    return node;
                }
                if (first == null)
                {
                    first = node;
                }
            }
        }
        return first;
    }

    private static int[] slotPairs(final Object value, final String where)
    {
        final List<?> slots = list(value, where, "a flat array of start, end slot pairs");
        if ((slots.size() & 1) != 0)
        {
            throw new IllegalArgumentException(where + ": expected a flat array of start, end slot pairs, got " +
                describe(slots) + " (odd count)");
        }
        final int[] pairs = new int[slots.size()];
        for (int i = 0; i < pairs.length; i += 2)
        {
            pairs[i] = slot(slots.get(i), where + " #" + i);
            pairs[i + 1] = slot(slots.get(i + 1), where + " #" + (i + 1));
            if (pairs[i] > pairs[i + 1])
            {
                throw new IllegalArgumentException(where + ": expected start <= end, got " + pairs[i] + ".." +
                    pairs[i + 1]);
            }
        }
        return pairs;
    }

    private static NodeDescription.Role role(final Object value, final String where)
    {
        final String role = text(value, where);
        switch (role)
        {
            case "master":
                return NodeDescription.Role.MASTER;
            case "replica":
            case "slave":
                return NodeDescription.Role.REPLICA;
            default:
                throw new IllegalArgumentException(where + ": expected \"master\" or \"replica\", got " +
                    describe(value));
        }
    }

    private static NodeDescription.Health health(final Object value, final String where)
    {
        final String health = text(value, where);
        switch (health)
        {
            case "online":
                return NodeDescription.Health.ONLINE;
            case "loading":
                return NodeDescription.Health.LOADING;
            case "failed":
            case "fail":
                // The documentation says "failed"; Redis 7.0 servers send "fail" for a node marked failed.
                return NodeDescription.Health.FAILED;
            default:
                throw new IllegalArgumentException(where + ": expected \"online\", \"loading\" or \"failed\" " +
                    "(or \"fail\"), got " +
                    describe(value));
        }
    }

    // ------------------------------------------------------------------------------------------------- CLUSTER SLOTS

    private static SlotsNode slotsNode(
        final Object reply,
        final String where,
        final String answeringHost,
        final NodeDescription.Role role,
        final String masterId)
    {
        final List<?> node = list(reply, where, "an array [endpoint, port, id, metadata?]");
        if (node.size() < 3)
        {
            throw new IllegalArgumentException(where + ": expected an array [endpoint, port, id, metadata?], got " +
                describe(node));
        }
        final SlotsNode parsed = new SlotsNode();
        parsed.port = port(node.get(1), where + " port");
        parsed.id = nodeId(node.get(2), where + " id");
        parsed.role = role;
        parsed.masterId = masterId;
        final Object endpointValue = node.get(0);
        if (endpointValue == null)
        {
            parsed.host = answeringHost;
        }
        else
        {
            final String endpoint = text(endpointValue, where + " endpoint");
            String ip = null;
            if (node.size() > 3)
            {
                ip = optionalText(fields(node.get(3), where + " metadata").get("ip"), where + " metadata \"ip\"");
            }
            parsed.host = isKnown(endpoint) ? endpoint : isKnown(ip) ? ip : answeringHost;
        }
        return parsed;
    }

    /** Returns the node to record ranges on: {@code parsed}, or the one already seen with its id if consistent. */
    private static SlotsNode merge(final Map<String, SlotsNode> nodes, final SlotsNode parsed, final String where)
    {
        final SlotsNode known = nodes.putIfAbsent(parsed.id, parsed);
        if (known == null)
        {
            return parsed;
        }
        if (known.role != parsed.role || !Objects.equals(known.masterId, parsed.masterId))
        {
            throw new IllegalArgumentException(where + ": expected node " + parsed.id + " to keep its role, got " +
                parsed.describeRole() + " after " + known.describeRole());
        }
        if (known.port != parsed.port || !known.host.equals(parsed.host))
        {
            throw new IllegalArgumentException(where + ": expected node " + parsed.id + " to keep its address " +
                known.host + ':' + known.port + ", got " + parsed.host + ':' + parsed.port);
        }
        return known;
    }

    // ------------------------------------------------------------------------------------------------------- common

    private static TopologyDescription canonical(final List<NodeDescription> masters,
        final List<NodeDescription> replicas)
    {
        masters.sort(BY_FIRST_SLOT_THEN_ID);
        final Map<String, Integer> masterIndex = new HashMap<>(masters.size() * 2);
        for (int i = 0; i < masters.size(); i++)
        {
            masterIndex.put(masters.get(i).nodeId(), i);
        }
        replicas.sort(Comparator
            .comparingInt((NodeDescription replica) ->
                replica.masterId() == null ? Integer.MAX_VALUE : masterIndex.getOrDefault(replica.masterId(),
                    Integer.MAX_VALUE))
            .thenComparing(NodeDescription::nodeId));
        return new TopologyDescription(masters, replicas);
    }

    /** An endpoint or ip a client can connect to: not absent, not empty, not "?". */
    private static boolean isKnown(final String host)
    {
        return host != null && !host.isEmpty() && !UNKNOWN_ENDPOINT.equals(host);
    }

    private static List<?> list(final Object value, final String where, final String expected)
    {
        if (!(value instanceof List))
        {
            throw new IllegalArgumentException(where + ": expected " + expected + ", got " + describe(value));
        }
        return (List<?>)value;
    }

    /** A RESP3 map or a RESP2 flat key/value array, as a map with text keys. */
    private static Map<String, Object> fields(final Object value, final String where)
    {
        final Map<String, Object> fields = new LinkedHashMap<>();
        if (value instanceof Map)
        {
            for (final Map.Entry<?, ?> entry : ((Map<?, ?>)value).entrySet())
            {
                fields.put(text(entry.getKey(), where + " key"), entry.getValue());
            }
        }
        else if (value instanceof List)
        {
            final List<?> flat = (List<?>)value;
            if ((flat.size() & 1) != 0)
            {
                throw new IllegalArgumentException(where + ": expected a flat array of alternating keys and values, " +
                    "got " + describe(flat) + " (odd count)");
            }
            for (int i = 0; i < flat.size(); i += 2)
            {
                fields.put(text(flat.get(i), where + " key #" + i), flat.get(i + 1));
            }
        }
        else
        {
            throw new IllegalArgumentException(where + ": expected a map or a flat key/value array, got " +
                describe(value));
        }
        return fields;
    }

    private static Object required(final Map<String, Object> fields, final String name, final String where)
    {
        final Object value = fields.get(name);
        if (value == null)
        {
            throw new IllegalArgumentException(where + ": expected a \"" + name + "\" field, got " +
                (fields.containsKey(name) ? "nil" : "fields " + fields.keySet()));
        }
        return value;
    }

    private static String text(final Object value, final String where)
    {
        if (value instanceof byte[])
        {
            return new String((byte[])value, StandardCharsets.UTF_8);
        }
        if (value instanceof CharSequence)
        {
            return value.toString();
        }
        throw new IllegalArgumentException(where + ": expected a string, got " + describe(value));
    }

    private static String optionalText(final Object value, final String where)
    {
        return value == null ? null : text(value, where);
    }

    private static String nodeId(final Object value, final String where)
    {
        final String id = text(value, where);
        if (id.isEmpty())
        {
            throw new IllegalArgumentException(where + ": expected a node id, got an empty string");
        }
        return id;
    }

    private static long integer(final Object value, final String where)
    {
        if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte)
        {
            return ((Number)value).longValue();
        }
        throw new IllegalArgumentException(where + ": expected an integer, got " + describe(value));
    }

    private static int slot(final Object value, final String where)
    {
        final long slot = integer(value, where);
        if (slot < 0 || slot >= SlotHash.SLOT_COUNT)
        {
            throw new IllegalArgumentException(where + ": expected a slot in 0..16383, got " + slot);
        }
        return (int)slot;
    }

    private static int port(final Object value, final String where)
    {
        final long port = integer(value, where);
        if (port < 0 || port > 65535)
        {
            throw new IllegalArgumentException(where + ": expected a port in 0..65535, got " + port);
        }
        return (int)port;
    }

    /** Short description of a reply value for error messages: its RESP-ish type and an abbreviated value. */
    static String describe(final Object value)
    {
        if (value == null)
        {
            return "nil";
        }
        if (value instanceof byte[])
        {
            return "bulk string \"" + abbreviate(new String((byte[])value, StandardCharsets.UTF_8)) + '"';
        }
        if (value instanceof CharSequence)
        {
            return "string \"" + abbreviate(value.toString()) + '"';
        }
        if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte)
        {
            return "integer " + value;
        }
        if (value instanceof List)
        {
            return "array of " + ((List<?>)value).size() + " elements";
        }
        if (value instanceof Map)
        {
            return "map of " + ((Map<?, ?>)value).size() + " entries";
        }
        if (value instanceof Throwable)
        {
            return "error reply \"" + abbreviate(String.valueOf(((Throwable)value).getMessage())) + '"';
        }
        return value.getClass().getSimpleName() + ' ' + abbreviate(String.valueOf(value));
    }

    private static String abbreviate(final String text)
    {
        return text.length() <= MAX_DESCRIBED_CHARS ? text : text.substring(0, MAX_DESCRIBED_CHARS) + "...";
    }

    // -------------------------------------------------------------------------------------------------- scratch state

    /** A CLUSTER SHARDS node before its shard's master is known. */
    private static final class ShardNode
    {
        String id;
        String host;
        int port;
        NodeDescription.Role role;
        NodeDescription.Health health;
        long replicationOffset;

        NodeDescription describe(final int[] slots, final String masterId)
        {
            return new NodeDescription(id, host, port, role, health, slots, masterId, replicationOffset);
        }
    }

    /** A CLUSTER SLOTS node, accumulating the ranges it appears as master of. */
    private static final class SlotsNode
    {
        String id;
        String host;
        int port;
        NodeDescription.Role role;
        String masterId;
        int[] ranges = new int[4];
        int rangeLength;

        void addRange(final int start, final int end)
        {
            if (rangeLength == ranges.length)
            {
                ranges = Arrays.copyOf(ranges, ranges.length * 2);
            }
            ranges[rangeLength++] = start;
            ranges[rangeLength++] = end;
        }

        String describeRole()
        {
            return role == NodeDescription.Role.MASTER ? "master" : "replica of " + masterId;
        }

        NodeDescription describe()
        {
            return new NodeDescription(id, host, port, role, NodeDescription.Health.ONLINE,
                Arrays.copyOf(ranges, rangeLength), masterId, NodeDescription.UNKNOWN_OFFSET);
        }
    }
}
