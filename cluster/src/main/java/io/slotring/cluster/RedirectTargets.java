package io.slotring.cluster;

import io.slotring.engine.internal.NodeEndpoint;

/**
 * The master endpoints MOVED and ASK replies named, by address, looked up straight from a {@link RedirectReply}'s
 * bytes: a steady-state MOVED (to a node already met) finds its target without building a host String or a map key.
 * Open addressing over parallel arrays, keyed by host and port; entries only for endpoints of the router's map, and
 * removed when they leave it.
 *
 * <p>Guarded by the router's lock: every method runs under it.
 */
final class RedirectTargets
{
    private static final int INITIAL_CAPACITY = 16;

    private String[] hosts = new String[INITIAL_CAPACITY];
    private int[] ports = new int[INITIAL_CAPACITY];
    private NodeEndpoint[] endpoints = new NodeEndpoint[INITIAL_CAPACITY];
    private int size;

    /**
     * Allocation-free.
     *
     * @param reply      a parsed MOVED or ASK.
     * @param sourceHost host of the node that replied, for an address without one (non-null then).
     * @return the endpoint known for the named address, or null.
     */
    NodeEndpoint find(final RedirectReply reply, final String sourceHost)
    {
        final int port = reply.port();
        final boolean named = reply.hasHost();
        final int hash = named ? hash(reply) : hash(sourceHost);
        final int mask = hosts.length - 1;
        for (int i = mix(hash, port) & mask; hosts[i] != null; i = (i + 1) & mask)
        {
            if (ports[i] == port && (named ? reply.hostEquals(hosts[i]) : sourceHost.equals(hosts[i])))
            {
                return endpoints[i];
            }
        }
        return null;
    }

    /**
     * Remembers (or replaces) the endpoint of an address.
     *
     * @param host     host as the endpoint was created with.
     * @param port     port.
     * @param endpoint its endpoint.
     */
    void put(final String host, final int port, final NodeEndpoint endpoint)
    {
        if (2 * (size + 1) > hosts.length)
        {
            rehash(hosts.length * 2);
        }
        final int mask = hosts.length - 1;
        int i = mix(hash(host), port) & mask;
        while (hosts[i] != null)
        {
            if (ports[i] == port && host.equals(hosts[i]))
            {
                endpoints[i] = endpoint;
                return;
            }
            i = (i + 1) & mask;
        }
        hosts[i] = host;
        ports[i] = port;
        endpoints[i] = endpoint;
        size++;
    }

    /**
     * Forgets an endpoint (it left the router's map, to be retired). Rare: rebuilds the table.
     *
     * @param endpoint the endpoint.
     */
    void remove(final NodeEndpoint endpoint)
    {
        for (int i = 0; i < endpoints.length; i++)
        {
            if (endpoints[i] == endpoint)
            {
                hosts[i] = null;
                endpoints[i] = null;
                size--;
                // Entries probing past the hole would no longer be found: rebuild rather than shift.
                rehash(hosts.length);
                return;
            }
        }
    }

    int size()
    {
        return size;
    }

    private void rehash(final int capacity)
    {
        final String[] oldHosts = hosts;
        final int[] oldPorts = ports;
        final NodeEndpoint[] oldEndpoints = endpoints;
        hosts = new String[capacity];
        ports = new int[capacity];
        endpoints = new NodeEndpoint[capacity];
        size = 0;
        for (int i = 0; i < oldHosts.length; i++)
        {
            if (oldHosts[i] != null)
            {
                put(oldHosts[i], oldPorts[i], oldEndpoints[i]);
            }
        }
    }

    /** The same hash as {@link #hash(RedirectReply)} for an ASCII host (other hosts just miss, then go slow). */
    private static int hash(final String host)
    {
        int hash = 0;
        for (int i = 0; i < host.length(); i++)
        {
            hash = 31 * hash + host.charAt(i);
        }
        return hash;
    }

    private static int hash(final RedirectReply reply)
    {
        int hash = 0;
        final int end = reply.hostOffset() + reply.hostLength();
        for (int i = reply.hostOffset(); i < end; i++)
        {
            hash = 31 * hash + (reply.buffer().getByte(i) & 0xFF);
        }
        return hash;
    }

    private static int mix(final int hostHash, final int port)
    {
        final int hash = (31 * hostHash + port) * 0x9E3779B9;
        return hash ^ (hash >>> 16);
    }
}
