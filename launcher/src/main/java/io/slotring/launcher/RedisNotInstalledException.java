package io.slotring.launcher;

/**
 * Thrown when no {@code redis-server} executable can be found. The message says where the launcher looked and
 * how to install it, so a developer on a fresh machine knows what to do from the test report alone.
 */
public final class RedisNotInstalledException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    RedisNotInstalledException(String message)
    {
        super(message);
    }
}
