package io.slotring.engine;

import java.util.Arrays;
import java.util.Objects;

/**
 * A user name and password for {@code AUTH} / {@code HELLO AUTH}: an ACL user, or the {@code default} user when
 * the name is null. Immutable: the password is copied in, and copied out only to the handshake that encodes it
 * straight into a connection's buffer; {@link #toString()} never shows it.
 *
 * <p>Used through {@link ConnectionSettings#credentials(java.util.function.Supplier)}: the supplier is asked on
 * every connect and reconnect, and by {@code reauthenticate()}, so rotated credentials take effect without a
 * restart.
 */
public final class Credentials
{
    private final String username;
    private final char[] password;

    private Credentials(final String username, final char[] password)
    {
        this.username = username;
        this.password = password;
    }

    /**
     * @param username an ACL user, or null for the {@code default} user.
     * @param password its password; copied, so the caller may clear its array.
     * @return the credentials.
     * @throws NullPointerException when the password is null.
     */
    public static Credentials of(final String username, final char[] password)
    {
        Objects.requireNonNull(password, "password (expected a password; a username alone cannot authenticate)");
        return new Credentials(username, password.clone());
    }

    /**
     * @return the ACL user, or null for the {@code default} user.
     */
    public String username()
    {
        return username;
    }

    /**
     * @return a copy of the password; clear it after use.
     */
    public char[] password()
    {
        return password.clone();
    }

    /**
     * @return the number of characters in the password, to size buffers without copying it.
     */
    public int passwordLength()
    {
        return password.length;
    }

    @Override
    public boolean equals(final Object other)
    {
        return other instanceof Credentials && Objects.equals(username, ((Credentials)other).username) &&
            Arrays.equals(password, ((Credentials)other).password);
    }

    @Override
    public int hashCode()
    {
        return Objects.hashCode(username) * 31 + Arrays.hashCode(password);
    }

    @Override
    public String toString()
    {
        return "Credentials{username=" + (username == null ? "default" : username) + ", password=<redacted>}";
    }
}
