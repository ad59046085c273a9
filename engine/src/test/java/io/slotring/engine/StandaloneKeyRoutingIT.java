package io.slotring.engine;

import java.util.List;
import java.util.concurrent.TimeUnit;

import io.slotring.launcher.LocalRedisServer;
import io.slotring.launcher.LocalServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A standalone client with several connections picks one by the command's first key as the command table places
 * it, not by its first argument: EVAL's key follows its key count, XREAD's follows STREAMS, so a key's GET, EVAL
 * and XREAD share a connection (and so keep their order). Which connection served a command is read from the
 * per-connection counters of {@link ClientMetrics}.
 */
@LocalServer
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StandaloneKeyRoutingIT
{
    /** The index of the one connection whose command count grew by exactly one while {@code command} ran. */
    private static int connectionOf(final RedisClient client, final Runnable command)
    {
        final List<ClientMetrics.Counters> before = client.metrics().nodes().get(0).connections();
        command.run();
        final List<ClientMetrics.Counters> after = client.metrics().nodes().get(0).connections();
        int served = -1;
        for (int i = 0; i < after.size(); i++)
        {
            final long grown = after.get(i).commands() - before.get(i).commands();
            if (grown == 1)
            {
                assertThat(served).as("one connection served the command").isEqualTo(-1);
                served = i;
            }
            else
            {
                assertThat(grown).isZero();
            }
        }
        assertThat(served).as("some connection served the command").isNotNegative();
        return served;
    }

    @Test
    void aKeysGetEvalAndXreadShareOneConnection(final LocalRedisServer redis)
    {
        try (RedisClient client = RedisClient.connect(ClientConfig.create().address(redis.host(), redis.port())
            .connectionsPerNode(4)))
        {
            int spread = 0;
            int previous = -1;
            for (int k = 0; k < 32; k++)
            {
                final String key = "route:" + k;
                client.sync().execute("XADD", key, "*", "f", "v");
                final int byType = connectionOf(client, () -> client.sync().execute("TYPE", key));
                final int byEval = connectionOf(client, () ->
                    client.sync().execute("EVAL", "return redis.call('TYPE', KEYS[1])", 1, key));
                final int byXread = connectionOf(client, () ->
                    client.sync().execute("XREAD", "COUNT", 1, "STREAMS", key, "0"));
                final int byFcallRo = connectionOf(client, () ->
                    client.sync().execute("EVAL_RO", "return 1", 1, key));
                assertThat(byEval).as("EVAL of " + key).isEqualTo(byType);
                assertThat(byXread).as("XREAD of " + key).isEqualTo(byType);
                assertThat(byFcallRo).as("EVAL_RO of " + key).isEqualTo(byType);
                spread += previous >= 0 && byType != previous ? 1 : 0;
                previous = byType;
            }
            assertThat(spread).as("32 keys use more than one of the 4 connections").isPositive();
        }
    }

    @Test
    void aKeyCountThatIsNotANumberIsRefusedBeforeAnythingIsSent(final LocalRedisServer redis)
    {
        try (RedisClient client = RedisClient.connect(ClientConfig.create().address(redis.host(), redis.port())
            .connectionsPerNode(2)))
        {
            assertThatThrownBy(() -> client.sync().execute("EVAL", "return 1", "many", "k"))
                .isInstanceOf(IllegalArgumentException.class);
            assertThat(client.sync().execute("PING")).isEqualTo("PONG");
        }
    }
}
