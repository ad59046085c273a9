package io.slotring.launcher;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RedisBinaryIT
{
    private static final String INSTALL_HINT =
            "Install it with: apt-get install -y redis-server (bin/test and bin/bench do this for you)";

    @Test
    void missingExplicitBinaryGivesOneClearError()
    {
        Path missing = Path.of("/nonexistent/redis-server");
        assertThatThrownBy(() -> LocalRedisServer.builder().redisServer(missing).start())
                .isInstanceOf(RedisNotInstalledException.class)
                .hasMessageStartingWith("redis-server not found on PATH (looked in ")
                .hasMessageContaining("/nonexistent/redis-server")
                .hasMessageEndingWith(INSTALL_HINT);
        assertThatThrownBy(() -> LocalRedisCluster.builder().redisServer(missing).start())
                .isInstanceOf(RedisNotInstalledException.class)
                .hasMessageEndingWith(INSTALL_HINT);
    }

    @Test
    void envOverrideIsHonouredAndNotSilentlyIgnored()
    {
        assertThatThrownBy(() -> RedisBinary.locate(null, Map.of("REDIS_SERVER", "/nope/redis-server", "PATH",
            "/usr/bin")))
                .isInstanceOf(RedisNotInstalledException.class)
                .hasMessageContaining("REDIS_SERVER=/nope/redis-server");
        Path real = RedisBinary.locate(null, Map.of("PATH", "/does/not/exist"));
        assertThat(real.getFileName().toString()).isEqualTo("redis-server");
        assertThat(RedisBinary.locate(null, Map.of("REDIS_SERVER", real.toString()))).isEqualTo(real);
    }
}
