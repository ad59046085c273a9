package io.slotring.launcher;

import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LocalRedisServerIT
{

    @Test
    void startsPausesResumesKillsRestartsAndCleansUp()
    {
        LocalRedisServer redis = LocalRedisServer.builder().enableDebugCommand(true).start();
        long firstPid = redis.pid();
        int port = redis.port();
        try
        {
            assertThat(redis.host()).isEqualTo("127.0.0.1");
            assertThat(port).isBetween(20000, 29999);
            assertThat(redis.call("PING")).isEqualTo("PONG");
            assertThat(redis.call("SET", "k", "v")).isEqualTo("OK");
            assertThat(redis.call("GET", "k")).isEqualTo("v");
            assertThat(redis.call("GET", "missing")).isNull();
            assertThat(redis.call("INCR", "n")).isEqualTo(1L);
            assertThat(redis.call("RPUSH", "l", "a", "b")).isEqualTo(2L);
            assertThat(redis.call("LRANGE", "l", "0", "-1")).isEqualTo(List.of("a", "b"));
            assertThatThrownBy(() -> redis.call("NOSUCHCOMMAND"))
                    .isInstanceOfSatisfying(RedisReplyError.class, e -> assertThat(e.code()).isEqualTo("ERR"));
            assertThat(redis.call("CONFIG", "GET", "enable-debug-command")).isEqualTo(List.of("enable-debug-command",
                "local"));

            redis.pause();
            assertThat(redis.isAlive()).isTrue();
            assertThatThrownBy(() -> redis.call(Duration.ofMillis(200), "PING"))
                    .isInstanceOf(UncheckedIOException.class)
                    .hasCauseInstanceOf(SocketTimeoutException.class);
            redis.resume();
            assertThat(redis.call("PING")).isEqualTo("PONG");
            assertThat(redis.call("GET", "k")).isEqualTo("v");

            redis.kill();
            assertThat(redis.isAlive()).isFalse();
            assertThat(ProcessHandle.of(firstPid)).isEmpty();
            assertThatThrownBy(() -> redis.call(Duration.ofMillis(500),
                "PING")).isInstanceOf(UncheckedIOException.class);

            redis.restart();
            assertThat(redis.port()).isEqualTo(port);
            assertThat(redis.pid()).isNotEqualTo(firstPid);
            assertThat(redis.call("PING")).isEqualTo("PONG");
            assertThat(redis.call("GET", "k")).as("nothing is persisted").isNull();
        }
        finally
        {
            redis.close();
        }
        assertThat(isRunning(redis.pid())).isFalse();
        assertThat(redis.directory()).doesNotExist();
        redis.close(); // idempotent
    }

    @Test
    void appliesConfigAndAuthenticatesItsOwnConnection() throws Exception
    {
        try (LocalRedisServer redis = LocalRedisServer.builder()
                .config("requirepass", "s3cret pass")
                .config("save", "3600 1 300 100")
                .config("maxmemory-policy", "allkeys-lru")
                .start())
        {
            assertThat(redis.call("PING")).isEqualTo("PONG");
            assertThat(redis.call("CONFIG", "GET", "save")).isEqualTo(List.of("save", "3600 1 300 100"));
            assertThat(redis.call("CONFIG", "GET", "maxmemory-policy")).isEqualTo(List.of("maxmemory-policy",
                "allkeys-lru"));
            try (AdminConnection anonymous = AdminConnection.open("127.0.0.1", redis.port(), 1000, null))
            {
                assertThatThrownBy(() -> anonymous.call(1000, "GET", "x"))
                        .isInstanceOfSatisfying(RedisReplyError.class, e -> assertThat(e.code()).isEqualTo("NOAUTH"));
            }
            assertThat(Files.readString(redis.directory().resolve("redis.conf"))).contains(
                "requirepass \"s3cret pass\"");
        }
    }

    @Test
    void rejectsKeysTheLauncherOwns()
    {
        assertThatThrownBy(() -> LocalRedisServer.builder().config("port", "6379"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("port");
    }

    @Test
    void nestedErrorsAreReturnedNotThrown()
    {
        try (LocalRedisServer redis = LocalRedisServer.builder().start())
        {
            redis.call("SET", "s", "text");
            redis.call("MULTI");
            redis.call("INCR", "s");
            redis.call("PING");
            Object reply = redis.call("EXEC");
            assertThat(reply).isInstanceOf(List.class);
            assertThat((List<?>) reply).hasSize(2);
            assertThat(((List<?>) reply).get(0)).isInstanceOf(RedisReplyError.class);
            assertThat(((List<?>) reply).get(1)).isEqualTo("PONG");
        }
    }

    static boolean isRunning(long pid)
    {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
