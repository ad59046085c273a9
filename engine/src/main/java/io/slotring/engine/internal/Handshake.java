package io.slotring.engine.internal;

import java.nio.CharBuffer;
import java.util.Arrays;
import java.util.function.Supplier;

import io.slotring.codec.internal.CommandHeader;
import io.slotring.codec.internal.RespEncoder;
import io.slotring.engine.ConnectionSettings;
import io.slotring.engine.Credentials;

/**
 * The connection handshake as a small state machine: {@code HELLO 3 [AUTH user pass] [SETNAME name]}, falling
 * back to RESP2 ({@code AUTH}, {@code CLIENT SETNAME}) on servers without HELLO, then {@code SELECT} when a
 * database other than 0 is configured, then the post-handshake commands the routing layer supplied (for a cluster
 * replica, {@code READONLY}), in order. One step is in flight at a time.
 *
 * <p>Secrets: the password is encoded straight into the connection's control buffer and never put in a String,
 * a message or {@code toString()}. Owned by one connection's I/O agent.
 */
final class Handshake
{
    private static final int HELLO = 1;
    private static final int AUTH = 2;
    private static final int SETNAME = 3;
    private static final int SELECT = 4;
    private static final int DONE = 5;
    private static final int PING_STEP = 6;
    /** A post-handshake command, {@link #postHandshake}[{@link #postIndex}]. */
    private static final int POST = 7;

    /** No post-handshake commands. */
    static final CommandHeader[] NO_COMMANDS = new CommandHeader[0];

    /** Not a handshake: the idle PING reuses the control-buffer path. */
    static final Handshake PING = new Handshake(null, NO_COMMANDS);

    private final ConnectionSettings<?> config;
    /** Opaque to the engine: whole commands without arguments, sent after the handshake proper. Immutable. */
    private final CommandHeader[] postHandshake;
    /** Which post-handshake command is in flight while {@code step == POST}. */
    private int postIndex;
    private int step;
    private String failure;
    /** The credentials of this handshake, asked of the config's supplier once per connect; null for none. */
    private Credentials credentials;

    /**
     * @param config        the connection's settings; null only for {@link #PING}.
     * @param postHandshake sent after the handshake, in order (see {@link #checkedCommands}); not copied.
     */
    Handshake(final ConnectionSettings<?> config, final CommandHeader[] postHandshake)
    {
        this.config = config;
        this.postHandshake = postHandshake;
        this.step = config == null ? PING_STEP : DONE;
    }

    /**
     * @param commands post-handshake commands as a routing layer hands them over.
     * @return a private copy (null for none becomes none).
     * @throws IllegalArgumentException when one is null or has arguments: only whole commands can be sent as they
     *                                  are.
     */
    static CommandHeader[] checkedCommands(final CommandHeader[] commands)
    {
        if (commands == null || commands.length == 0)
        {
            return NO_COMMANDS;
        }
        final CommandHeader[] copy = commands.clone();
        for (final CommandHeader command : copy)
        {
            if (command == null || command.argc() != 1)
            {
                throw new IllegalArgumentException("post-handshake commands must be whole commands without " +
                    "arguments, got " + (command == null ? "null" : command.name() + " announcing " +
                    command.argc() + " elements"));
            }
        }
        return copy;
    }

    void begin()
    {
        failure = null;
        credentials = currentCredentials();
        step = config.preferResp3() ? HELLO : firstResp2Step();
        if (step == DONE)
        {
            // Nothing to negotiate; a PING proves the server answers before commands flow.
            step = PING_STEP;
        }
    }

    /**
     * @return an upper bound of the encoded length of any step for this config (UTF-8 takes at most 3 bytes per
     * char), so the control buffer is sized once and a long password or client name never fails the handshake.
     */
    int maxEncodedLength()
    {
        if (config == null)
        {
            return 64;
        }
        final Credentials sized = credentials != null ? credentials : currentCredentials();
        long chars = 0;
        chars += sized != null && sized.username() != null ? sized.username().length() : 0;
        chars += sized != null ? sized.passwordLength() : 0;
        chars += config.clientName() != null ? config.clientName().length() : 0;
        long post = 0;
        for (final CommandHeader command : postHandshake)
        {
            post = Math.max(post, command.length());
        }
        return (int)Math.min(Integer.MAX_VALUE, 256 + 3 * chars + post);
    }

    /**
     * @return the name of the step awaiting its reply, for messages (never an argument).
     */
    String stepName()
    {
        switch (step)
        {
            case HELLO:
                return "HELLO";
            case AUTH:
                return "AUTH";
            case SETNAME:
                return "CLIENT SETNAME";
            case SELECT:
                return "SELECT";
            case POST:
                return postHandshake[postIndex].name();
            case PING_STEP:
                return "PING";
            default:
                return "none";
        }
    }

    boolean isDone()
    {
        return step == DONE;
    }

    String failure()
    {
        return failure;
    }

    void encode(final RespEncoder encoder)
    {
        switch (step)
        {
            case HELLO:
            {
                final boolean auth = credentials != null;
                final boolean name = config.clientName() != null;
                encoder.arrayHeader(2 + (auth ? 3 : 0) + (name ? 2 : 0)).bulk("HELLO").bulk(3L);
                if (auth)
                {
                    encoder.bulk("AUTH").bulk(credentials.username() != null ? credentials.username() : "default");
                    encodePassword(encoder);
                }
                if (name)
                {
                    encoder.bulk("SETNAME").bulk(config.clientName());
                }
                break;
            }
            case AUTH:
                if (credentials.username() != null)
                {
                    encoder.arrayHeader(3).bulk("AUTH").bulk(credentials.username());
                }
                else
                {
                    encoder.arrayHeader(2).bulk("AUTH");
                }
                encodePassword(encoder);
                break;
            case SETNAME:
                encoder.arrayHeader(3).bulk("CLIENT").bulk("SETNAME").bulk(config.clientName());
                break;
            case SELECT:
                encoder.arrayHeader(2).bulk("SELECT").bulk(config.database());
                break;
            case PING_STEP:
                encoder.arrayHeader(1).bulk("PING");
                break;
            case POST:
                encoder.header(postHandshake[postIndex]);
                break;
            default:
                throw new IllegalStateException("no handshake step to encode in step " + step);
        }
    }

    /**
     * @param error the error reply's text, or null for success.
     * @return false when the handshake failed ({@link #failure()} says why).
     */
    boolean onReply(final String error)
    {
        switch (step)
        {
            case HELLO:
                if (error == null)
                {
                    step = config.database() != 0 ? SELECT : tail();
                    return true;
                }
                if (error.startsWith("NOPROTO") || error.contains("unknown command"))
                {
                    step = firstResp2Step();
                    if (step == DONE)
                    {
                        step = PING_STEP;
                    }
                    return true;
                }
                failure = "HELLO: " + error;
                return false;
            case AUTH:
                if (error != null)
                {
                    failure = "AUTH: " + error;
                    return false;
                }
                step = config.clientName() != null ? SETNAME : config.database() != 0 ? SELECT : tail();
                return true;
            case SETNAME:
                if (error != null)
                {
                    failure = "CLIENT SETNAME: " + error;
                    return false;
                }
                step = config.database() != 0 ? SELECT : tail();
                return true;
            case SELECT:
                if (error != null)
                {
                    failure = "SELECT " + config.database() + ": " + error;
                    return false;
                }
                step = tail();
                return true;
            case POST:
                if (error != null)
                {
                    failure = postHandshake[postIndex].name() + ": " + error;
                    return false;
                }
                if (++postIndex == postHandshake.length)
                {
                    step = DONE;
                }
                return true;
            case PING_STEP:
                if (error != null && !error.startsWith("NOAUTH"))
                {
                    failure = "PING: " + error;
                    return false;
                }
                if (error != null)
                {
                    failure = "server requires a password and none is configured: " + error;
                    return false;
                }
                step = tail();
                return true;
            default:
                failure = "unexpected reply in handshake step " + step;
                return false;
        }
    }

    /** The password goes from a copy straight into the buffer; the copy is cleared at once. */
    private void encodePassword(final RespEncoder encoder)
    {
        final char[] password = credentials.password();
        try
        {
            encoder.bulk(CharBuffer.wrap(password));
        }
        finally
        {
            Arrays.fill(password, '\0');
        }
    }

    /**
     * @return what the config's supplier returns now, or null for none.
     * @throws IllegalStateException wrapping whatever the supplier threw: the connect fails with it, named.
     */
    private Credentials currentCredentials()
    {
        final Supplier<Credentials> supplier = config.credentials();
        if (supplier == null)
        {
            return null;
        }
        try
        {
            return supplier.get();
        }
        catch (final RuntimeException ex)
        {
            throw new IllegalStateException("the credentials supplier failed: " + ex, ex);
        }
    }

    private int firstResp2Step()
    {
        if (credentials != null)
        {
            return AUTH;
        }
        if (config.clientName() != null)
        {
            return SETNAME;
        }
        return config.database() != 0 ? SELECT : tail();
    }

    /** After the handshake proper: the first post-handshake command, if any, else done. */
    private int tail()
    {
        postIndex = 0;
        return postHandshake.length > 0 ? POST : DONE;
    }
}
