package io.slotring.engine;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.slotring.launcher.Await;
import io.slotring.launcher.LocalRedisServer;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Flight Recorder events against a real server: a connect, a command that times out after it was written (the
 * server is paused), the disconnect that follows, and the reconnect, all in one recording.
 */
class JfrEventsIT
{
    @Test
    void connectTimeoutDisconnectAndReconnectAreRecorded(@TempDir final Path dir) throws Exception
    {
        final Path file = dir.resolve("slotring.jfr");
        try (LocalRedisServer redis = LocalRedisServer.builder().start();
            Recording recording = new Recording())
        {
            recording.enable("io.slotring.Connect");
            recording.enable("io.slotring.Disconnect");
            recording.enable("io.slotring.CommandTimeout");
            recording.start();
            try (RedisClient client = RedisClient.connect(ClientConfig.create().address(redis.host(), redis.port())
                .commandTimeout(Duration.ofMillis(300)).reconnectDelay(Duration.ofMillis(10), Duration.ofMillis(100))))
            {
                assertThat(client.sync().set("jfr", "1")).isEqualTo("OK");
                redis.pause();
                final CompletableFuture<String> stalled;
                try
                {
                    stalled = client.async().get("jfr");
                    assertThatThrownBy(() -> stalled.get(5, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class)
                        .hasCauseInstanceOf(RedisTimeoutException.class);
                }
                finally
                {
                    redis.resume();
                }
                final String value = Await.succeeds(Duration.ofSeconds(10), () -> client.sync().get("jfr"),
                    "a command after the reconnect");
                assertThat(value).isEqualTo("1");
            }
            recording.stop();
            recording.dump(file);
        }
        final List<RecordedEvent> events = RecordingFile.readAllEvents(file);
        assertThat(events).filteredOn(e -> e.getEventType().getName().equals("io.slotring.Connect"))
            .as("the first connect and the reconnect").hasSizeGreaterThanOrEqualTo(2)
            .allSatisfy(e -> assertThat(e.getString("node")).contains(":"));
        assertThat(events).filteredOn(e -> e.getEventType().getName().equals("io.slotring.CommandTimeout"))
            .anySatisfy(e ->
            {
                assertThat(e.getString("command")).isEqualTo("GET");
                assertThat(e.getBoolean("written")).isTrue();
            });
        assertThat(events).filteredOn(e -> e.getEventType().getName().equals("io.slotring.Disconnect"))
            .isNotEmpty()
            .allSatisfy(e -> assertThat(e.getString("reason")).isNotBlank());
    }
}
