package io.slotring.engine.internal;

import java.util.function.Consumer;

import io.slotring.engine.AsyncCommands;
import io.slotring.engine.SyncCommands;
import io.slotring.engine.Transaction;

/**
 * How slotring's clients (standalone here, cluster in its own module) build the public API objects over an
 * internal {@link CommandSubmitter} without a public constructor that names an internal type.
 * <p>
 * The API classes install the factory from their static initialisers (the JDK's "shared secrets" pattern): only
 * they can reach their private constructors, and this package is exported to slotring's cluster module alone.
 * Called once per client, never per command.
 */
public final class ApiAccess
{
    /** Implemented by {@code AsyncCommands}, which can reach both API classes' constructors. */
    public interface Factory
    {
        /**
         * @param submitter where commands go.
         * @return the async commands over it.
         */
        AsyncCommands async(CommandSubmitter submitter);

        /**
         * @param async            the async commands the sync ones wait on.
         * @param commandTimeoutNs the configured command timeout, bounding each wait.
         * @return the sync commands.
         */
        SyncCommands sync(AsyncCommands async, long commandTimeoutNs);

        /**
         * @param lease            the dedicated connection the transaction holds until it ends.
         * @param keyCheck         throws {@code IllegalArgumentException} for a command whose keys are not in the
         *                         transaction's slot (cluster); does nothing standalone.
         * @param commandTimeoutNs the configured command timeout, bounding each wait.
         * @return the transaction.
         */
        Transaction transaction(DedicatedConnections.Lease lease, Consumer<Object[]> keyCheck, long commandTimeoutNs);
    }

    private static volatile Factory factory;

    private ApiAccess()

    {

    }

    /**
     * Called once, from {@code AsyncCommands}'s static initialiser.
     *
     * @param apiFactory the factory.
     * @throws IllegalStateException if a factory is already installed.
     */
    public static void install(final Factory apiFactory)
    {
        if (factory != null)
        {
            throw new IllegalStateException("API factory already installed");
        }
        factory = apiFactory;
    }

    /**
     * @param submitter where commands go: a standalone endpoint or the cluster router.
     * @return the async commands over it.
     */
    public static AsyncCommands async(final CommandSubmitter submitter)
    {
        return factory().async(submitter);
    }

    /**
     * @param async            the async commands of the same client.
     * @param commandTimeoutNs the configured command timeout.
     * @return the sync commands over them.
     */
    public static SyncCommands sync(final AsyncCommands async, final long commandTimeoutNs)
    {
        return factory().sync(async, commandTimeoutNs);
    }

    /**
     * @param lease            the dedicated connection the transaction holds until it ends.
     * @param keyCheck         refuses commands whose keys are outside the transaction's slot.
     * @param commandTimeoutNs the configured command timeout.
     * @return a transaction over the lease.
     */
    public static Transaction transaction(final DedicatedConnections.Lease lease, final Consumer<Object[]> keyCheck,
        final long commandTimeoutNs)
    {
        return factory().transaction(lease, keyCheck, commandTimeoutNs);
    }

    private static Factory factory()
    {
        Factory current = factory;
        if (current == null)
        {
            try
            {
                // Runs AsyncCommands' static initialiser, which installs the factory.
                Class.forName(AsyncCommands.class.getName(), true, AsyncCommands.class.getClassLoader());
            }
            catch (final ClassNotFoundException ex)
            {
                throw new IllegalStateException("expected " + AsyncCommands.class.getName() + " to load", ex);
            }
            current = factory;
        }
        return current;
    }
}
