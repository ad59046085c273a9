package io.slotring.engine;

import java.util.Objects;

/**
 * Configuration of a {@link RedisClient} for one server: its address plus the {@link ConnectionSettings} every
 * connection uses. Set what you need; {@link #conclude()} (called by the client) validates it and freezes it.
 *
 * <pre>{@code
 * ClientConfig config = ClientConfig.create()
 *     .address("127.0.0.1", 6379)
 *     .connectionsPerNode(4)
 *     .commandTimeout(Duration.ofSeconds(2));
 * try (RedisClient client = RedisClient.connect(config)) { ... }
 * }</pre>
 *
 * <p>{@link #toString()} never shows the password.
 */
public final class ClientConfig extends ConnectionSettings<ClientConfig>
{
    private String host = "127.0.0.1";
    private int port = 6379;

    private ClientConfig()

    {

    }

    /**
     * @return a new config with defaults: 127.0.0.1:6379, one connection, one I/O thread.
     */
    public static ClientConfig create()
    {
        return new ClientConfig();
    }

    /**
     * @param host server host; loopback or a name the resolver knows.
     * @param port server port.
     * @return this.
     */
    public ClientConfig address(final String host, final int port)
    {
        requireMutable();
        this.host = host;
        this.port = port;
        return this;
    }

    /**
     * @return the server host.
     */
    public String host()
    {
        return host;
    }

    /**
     * @return the server port.
     */
    public int port()
    {
        return port;
    }

    @Override
    protected void concludeOwn()
    {
        Objects.requireNonNull(host, "host");
        requireRange("port", port, 1, 65535);
    }

    @Override
    public String toString()
    {
        return "ClientConfig{address=" + host + ':' + port + ", " + settingsString() + '}';
    }
}
