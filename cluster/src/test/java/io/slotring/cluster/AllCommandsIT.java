package io.slotring.cluster;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import io.slotring.cluster.AllCommandsCase.Style;
import io.slotring.cluster.AllCommandsCase.Topology;
import io.slotring.cluster.AllCommandsScenarios.Scenario;
import io.slotring.codec.SlotHash;
import io.slotring.engine.Client;
import io.slotring.engine.ClientConfig;
import io.slotring.engine.RedisClient;
import io.slotring.engine.internal.CommandSpec;
import io.slotring.engine.internal.CommandTable;
import io.slotring.launcher.LocalCluster;
import io.slotring.launcher.LocalRedisCluster;
import io.slotring.launcher.LocalRedisServer;
import io.slotring.launcher.LocalServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every command of the command table, and every command {@code execute} refuses by design, on a standalone server
 * and on a 3-master cluster, in each of the three API styles (zero-copy, async, sync): each combination is one test
 * case (see {@link AllCommandsScenarios} for what each checks, {@link AllCommandsCase} for how a style is driven and
 * the cluster policies the zero-copy style must enforce). Keys are fresh per case and hash-tagged, so every cluster
 * case must run without a single MOVED.
 *
 * <p>{@link #KNOWN_ISSUES} lists the combinations that fail because of a bug in slotring: they are asserted to STILL
 * fail, so a fix turns the test red until its entry is removed.
 */
@LocalServer(debugCommand = true)
@LocalCluster(masters = 3, replicasPerMaster = 0, debugCommand = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AllCommandsIT
{
    /** "COMMAND TOPOLOGY STYLE" of the combinations that fail because of a slotring bug, with what happens. */
    static final Map<String, String> KNOWN_ISSUES = Map.of();

    private static final Map<String, Scenario> TABLE = AllCommandsScenarios.table();
    private static final Map<String, Scenario> REFUSED = AllCommandsScenarios.refused();
    private static final AtomicInteger CASES = new AtomicInteger();

    private static RedisClient standalone;
    private static ClusterClient cluster;
    private static long movedAtStart;
    private static final List<String> MOVED_BY_CASE = new ArrayList<>();

    @BeforeAll
    static void connect(final LocalRedisServer server, final LocalRedisCluster redis)
    {
        standalone = RedisClient.connect(ClientConfig.create().address(server.host(), server.port()));
        cluster = ClusterClient.connect(ClusterConfig.create().seeds(redis.seeds()));
        for (final Client client : new Client[] {standalone, cluster})
        {
            client.sync().execute("FLUSHALL");
            assertThat(client.sync().execute("FUNCTION", "LOAD", "REPLACE", AllCommandsScenarios.LIBRARY))
                .isNotNull();
        }
        movedAtStart = cluster.metrics().total().moved();
    }

    @AfterAll
    static void close()
    {
        if (standalone != null)
        {
            standalone.close();
        }
        if (cluster != null)
        {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void everyRowOfTheCommandTableHasAScenario()
    {
        // CommandTable has no enumeration accessor: the scenarios name every row, and this keeps them in step.
        final Set<String> names = new HashSet<>();
        for (final String name : TABLE.keySet())
        {
            final CommandSpec spec = CommandTable.lookup(name);
            assertThat(spec).as("%s is a row of the command table", name).isNotNull();
            assertThat(spec.name()).isEqualTo(name);
            assertThat(names.add(name)).isTrue();
        }
        assertThat(TABLE).as("one scenario per row of the command table").hasSize(CommandTable.size());
        for (final String name : REFUSED.keySet())
        {
            assertThat(CommandTable.lookup(name.split(" ")[0])).as("%s (refused) is no row of the table", name)
                .satisfiesAnyOf(spec -> assertThat(spec).isNull(),
                    spec -> assertThat(name).startsWith("CLIENT REPLY"));
        }
        assertThat(KNOWN_ISSUES.keySet()).allSatisfy(key -> assertThat(key.split(" ")).hasSize(3));
    }

    static Stream<Arguments> cases()
    {
        final List<Arguments> cases = new ArrayList<>();
        final List<String> commands = new ArrayList<>(TABLE.keySet());
        commands.addAll(REFUSED.keySet());
        for (final String command : commands)
        {
            for (final Topology topology : Topology.values())
            {
                for (final Style style : Style.values())
                {
                    cases.add(Arguments.of(command, topology, style));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} on {1}, {2}")
    @MethodSource("cases")
    @Order(2)
    void command(final String command, final Topology topology, final Style style)
    {
        final Scenario scenario = TABLE.containsKey(command) ? TABLE.get(command) : REFUSED.get(command);
        final Client client = topology == Topology.STANDALONE ? standalone : cluster;
        final AllCommandsCase c = new AllCommandsCase(client, topology, style, "ac" + CASES.incrementAndGet());
        final String key = command.replace(' ', '_') + " " + topology + " " + style;
        final Runnable run = () ->
        {
            final long movedBefore = cluster.metrics().total().moved();
            try
            {
                scenario.run(c);
            }
            finally
            {
                final long moved = cluster.metrics().total().moved() - movedBefore;
                if (moved != 0)
                {
                    synchronized (MOVED_BY_CASE)
                    {
                        MOVED_BY_CASE.add(key + ": " + moved);
                    }
                }
            }
            if (topology == Topology.CLUSTER)
            {
                assertThat(cluster.metrics().total().moved() - movedBefore).as("MOVED replies in this case")
                    .isZero();
            }
        };
        if (KNOWN_ISSUES.containsKey(key))
        {
            assertThatThrownBy(run::run)
                .as("known issue '%s' (%s) no longer fails: remove it from KNOWN_ISSUES", key, KNOWN_ISSUES.get(key))
                .isInstanceOf(Throwable.class);
            return;
        }
        try
        {
            run.run();
        }
        catch (final RuntimeException | AssertionError ex)
        {
            // The case's name in the message: build reports show only the invocation's index.
            throw new AssertionError("[" + key + "] " + ex, ex);
        }
    }

    @Test
    @Order(3)
    void noMovedReplyOverTheWholeRun()
    {
        assertThat(CASES.get()).as("cases run before this check").isPositive();
        assertThat(cluster.metrics().total().moved() - movedAtStart)
            .as("MOVED replies over the whole run; by case: %s", MOVED_BY_CASE).isZero();
        // The check has teeth: with the key's slot pointed at a wrong master, a GET is answered MOVED (followed and
        // counted). A MOVED that is a command's answer (executeOn, a blocking command) is not counted by moved().
        final String key = "{teeth}k";
        final int keySlot = SlotHash.slot(key);
        final String owner = cluster.masterAddressOf(keySlot);
        String other = null;
        for (int slot = 0; other == null || other.equals(owner); slot += 997)
        {
            other = cluster.masterAddressOf(slot);
        }
        cluster.sync().set(key, "v");
        final long before = cluster.metrics().total().moved();
        cluster.router().patch(keySlot, other.substring(0, other.lastIndexOf(':')),
            Integer.parseInt(other.substring(other.lastIndexOf(':') + 1)));
        assertThat(cluster.sync().get(key)).isEqualTo("v");
        assertThat(cluster.masterAddressOf(keySlot)).isEqualTo(owner);
        assertThat(cluster.metrics().total().moved() - before).as("MOVED counted").isEqualTo(1L);
    }
}
