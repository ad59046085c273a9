package io.slotring.launcher;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Another JVM may grab a port between our bind probe and redis' bind: the launcher must move on, not fail. */
class PortRaceIT
{

    @Test
    void movesToAnotherPortWhenTheBusPortIsTaken() throws Exception
    {
        Path workspace = Hygiene.newWorkspace("race");
        RedisProcess process = new RedisProcess("node-0", RedisBinary.locate(null), workspace.resolve("node-0"),
                new RedisConfig().cluster(2000));
        try (ServerSocket squatter = new ServerSocket())
        {
            squatter.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            // Ephemeral ports start at 32768 here, so the client port below the squatted bus port is valid.
            int clientPort = squatter.getLocalPort() - Ports.BUS_OFFSET;
            process.spawnOn(clientPort);
            process.awaitReady(Deadline.after(Duration.ofSeconds(20)));
            assertThat(process.isAlive()).isTrue();
            assertThat(process.call(1000, "PING")).isEqualTo("PONG");
            assertThat(process.port()).isNotEqualTo(clientPort);
        }
        finally
        {
            process.close();
            Hygiene.deleteWorkspace(workspace);
        }
    }

    @Test
    void movesToAnotherPortWhenTheClientPortIsTaken() throws Exception
    {
        Path workspace = Hygiene.newWorkspace("race");
        RedisProcess process = new RedisProcess("server", RedisBinary.locate(null), workspace.resolve("server"),
                new RedisConfig());
        try (ServerSocket squatter = new ServerSocket())
        {
            squatter.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            process.spawnOn(squatter.getLocalPort());
            process.awaitReady(Deadline.after(Duration.ofSeconds(20)));
            assertThat(process.port()).isNotEqualTo(squatter.getLocalPort());
            assertThat(process.call(1000, "PING")).isEqualTo("PONG");
        }
        finally
        {
            process.close();
            Hygiene.deleteWorkspace(workspace);
        }
    }
}
