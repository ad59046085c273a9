package io.slotring.launcher;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

@LocalServer(debugCommand = true, config = {"requirepass", "secret"})
class LocalServerExtensionIT
{
    private final LocalRedisServer constructorInjected;

    LocalServerExtensionIT(LocalRedisServer server)
    {
        this.constructorInjected = server;
    }

    @Test
    void injectsTheSameConfiguredServer(LocalRedisServer server)
    {
        assertThat(server).isSameAs(constructorInjected);
        assertThat(server.call("CONFIG", "GET", "requirepass")).isEqualTo(java.util.List.of("requirepass", "secret"));
        assertThat(server.call("DEBUG", "SLEEP", "0")).isEqualTo("OK");
    }

    @Nested
    class NestedTests
    {
        @Test
        void shareTheEnclosingServer(LocalRedisServer server)
        {
            assertThat(server).isSameAs(constructorInjected);
        }
    }
}
