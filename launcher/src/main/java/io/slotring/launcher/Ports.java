package io.slotring.launcher;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks loopback ports for redis-server.
 *
 * <p>Cluster nodes also listen on {@code port + 10000} (cluster bus), so a port is only handed out when both it
 * and its bus port can be bound (with {@code tls-cluster yes} the bus is on the TLS port + 10000, and TLS ports come
 * from here too). Ports are drawn at random from 20000-29999 so concurrent test JVMs (other
 * modules building in parallel) rarely collide; the bind probe is inherently racy, so callers still retry when
 * redis-server itself reports the address in use. Ports handed out by this JVM stay reserved until released so a
 * killed node can be restarted on its old port without another node of this JVM grabbing it meanwhile.
 */
final class Ports
{
    static final int BUS_OFFSET = 10000;
    private static final int LOW = 20000;
    private static final int HIGH = 29999;
    private static final int ATTEMPTS = 500;
    private static final Set<Integer> RESERVED = new HashSet<>();
    private static final InetAddress LOOPBACK = loopback();

    private Ports()

    {

    }

    static int reserve()
    {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < ATTEMPTS; i++)
        {
            int port = random.nextInt(LOW, HIGH + 1);
            synchronized (RESERVED)
            {
                if (RESERVED.contains(port))
                {
                    continue;
                }
                if (canBind(port) && canBind(port + BUS_OFFSET))
                {
                    RESERVED.add(port);
                    return port;
                }
            }
        }
        throw new RedisLaunchException("no free loopback port pair (p, p+" + BUS_OFFSET + ") found in "
                + LOW + "-" + HIGH + " after " + ATTEMPTS + " attempts");
    }

    private static InetAddress loopback()
    {
        try
        {
            // Explicit IPv4: redis is bound to 127.0.0.1 and getLoopbackAddress() may answer ::1.
            return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        }
        catch (java.net.UnknownHostException e)
        {
            throw new IllegalStateException(e);
        }
    }

    static void release(int port)
    {
        synchronized (RESERVED)
        {
            RESERVED.remove(port);
        }
    }

    private static boolean canBind(int port)
    {
        // SO_REUSEADDR off: a port in TIME_WAIT could make redis (which sets SO_REUSEADDR) succeed anyway, but
        // being conservative here costs nothing and avoids ports still draining from a previous run.
        try (ServerSocket socket = new ServerSocket())
        {
            socket.setReuseAddress(false);
            socket.bind(new InetSocketAddress(LOOPBACK, port), 1);
            return true;
        }
        catch (IOException e)
        {
            return false;
        }
    }
}
