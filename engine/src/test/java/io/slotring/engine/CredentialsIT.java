package io.slotring.engine;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.slotring.launcher.Await;
import io.slotring.launcher.LocalRedisServer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * ACL users and credential rotation against a real server: a user restricted to a key pattern gets NOPERM for
 * other keys and nothing else is affected; a password rotated while load runs (new password added, client
 * switched with {@code reauthenticate()}, old password removed) costs 0 failed commands; reconnects ask the
 * supplier; a rejected reauthentication keeps the connections working.
 */
class CredentialsIT
{
    private static final String USER = "app";
    private static final String USER_2 = "app-rotated";

    private static LocalRedisServer startWithUser(final String password)
    {
        final LocalRedisServer redis = LocalRedisServer.builder().start();
        redis.call("ACL", "SETUSER", USER, "on", ">" + password, "~app:*", "+@all");
        // The default user may no longer log in: every connection below must authenticate as "app".
        redis.call("ACL", "SETUSER", "default", "off");
        return redis;
    }

    private static ClientConfig config(final LocalRedisServer redis)
    {
        return ClientConfig.create().address(redis.host(), redis.port()).connectionsPerNode(2)
            .commandTimeout(Duration.ofSeconds(2)).reconnectDelay(Duration.ofMillis(10), Duration.ofMillis(200));
    }

    @Test
    void aRestrictedUserGetsNopermForOtherKeysAndNothingElseIsAffected() throws Exception
    {
        try (LocalRedisServer redis = startWithUser("pw-1");
            RedisClient client = RedisClient.connect(config(redis).credentials(USER, "pw-1".toCharArray())))
        {
            assertThat(client.sync().set("app:1", "v1")).isEqualTo("OK");
            assertThatThrownBy(() -> client.sync().get("other:1"))
                .isInstanceOf(RedisServerException.class)
                .hasMessageContaining("NOPERM");
            final CompletableFuture<String> denied = client.async().set("other:2", "x");
            final CompletableFuture<String> allowed = client.async().set("app:2", "v2");
            assertThatThrownBy(() -> denied.get(2, TimeUnit.SECONDS)).hasCauseInstanceOf(RedisServerException.class)
                .hasMessageContaining("NOPERM");
            assertThat(allowed.get(2, TimeUnit.SECONDS)).isEqualTo("OK");
            assertThat(client.sync().get("app:1")).isEqualTo("v1");
            assertThat(client.sync().get("app:2")).isEqualTo("v2");
        }
    }

    @Test
    void credentialsRotatedUnderLoadCostNoCommandAndReconnectsAskTheSupplier() throws Exception
    {
        try (LocalRedisServer redis = startWithUser("pw-1"))
        {
            final AtomicReference<Credentials> current =
                new AtomicReference<>(Credentials.of(USER, "pw-1".toCharArray()));
            final AtomicInteger asked = new AtomicInteger();
            try (RedisClient client = RedisClient.connect(config(redis).credentials(() ->
            {
                asked.incrementAndGet();
                return current.get();
            })))
            {
                assertThat(asked.get()).as("one handshake per connection").isGreaterThanOrEqualTo(2);
                final Load load = new Load(client, 4);
                load.start();
                load.awaitCompleted(2_000);

                // Rotate to a new user and password: the server knows both, the client switches, and the old
                // user is deleted, which disconnects every connection still authenticated as it.
                redis.call("ACL", "SETUSER", USER_2, "on", ">pw-2", "~app:*", "+@all");
                current.set(Credentials.of(USER_2, "pw-2".toCharArray()));
                client.reauthenticate().get(5, TimeUnit.SECONDS);
                for (int i = 0; i < 8; i++)
                {
                    assertThat(new String((byte[])client.sync().execute("ACL", "WHOAMI"), StandardCharsets.UTF_8))
                        .as("every connection's user")
                        .isEqualTo(USER_2);
                }
                redis.call("ACL", "DELUSER", USER);
                load.awaitCompleted(2_000);
                // A reconnect now needs the new user: kill the connections once the load has stopped.
                load.stop();
                assertThat(load.failures()).as("failed commands during the rotation: %s", load.firstFailure())
                    .isZero();
                final int before = asked.get();
                redis.call("CLIENT", "KILL", "USER", USER_2);
                final String value = Await.succeeds(Duration.ofSeconds(10), () -> client.sync().get("app:k0"),
                    "a command after the reconnect with the rotated password");
                assertThat(value).isNotNull();
                assertThat(asked.get()).as("the reconnects asked the supplier").isGreaterThan(before);
            }
        }
    }

    @Test
    void aRejectedReauthenticationFailsItsFutureAndTheConnectionsKeepWorking() throws Exception
    {
        try (LocalRedisServer redis = startWithUser("pw-1"))
        {
            final AtomicReference<Credentials> current =
                new AtomicReference<>(Credentials.of(USER, "pw-1".toCharArray()));
            try (RedisClient client = RedisClient.connect(config(redis).credentials(current::get)))
            {
                current.set(Credentials.of(USER, "not-the-password".toCharArray()));
                assertThatThrownBy(() -> client.reauthenticate().get(5, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("WRONGPASS")
                    .satisfies(ex -> assertThat(ex.getMessage()).doesNotContain("not-the-password"));
                // Redis keeps a connection's user when AUTH fails: commands still run as "app".
                assertThat(client.sync().set("app:after", "ok")).isEqualTo("OK");
                assertThat(client.sync().get("app:after")).isEqualTo("ok");
            }
        }
    }

    @Test
    void reauthenticateWithoutCredentialsIsRefusedWithTheReason() throws Exception
    {
        try (LocalRedisServer redis = LocalRedisServer.builder().start();
            RedisClient client = RedisClient.connect(config(redis)))
        {
            assertThatThrownBy(client::reauthenticate)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("expected credentials to reauthenticate with");
            assertThat(client.sync().ping()).isEqualTo("PONG");
        }
    }

    /** Workers doing SET then GET of their own keys, counting completions and failures, until stopped. */
    private static final class Load
    {
        private final RedisClient client;
        private final List<Thread> threads = new ArrayList<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong completed = new AtomicLong();
        private final AtomicLong failures = new AtomicLong();
        private final AtomicReference<Throwable> firstFailure = new AtomicReference<>();

        Load(final RedisClient client, final int workers)
        {
            this.client = client;
            for (int w = 0; w < workers; w++)
            {
                final int worker = w;
                threads.add(new Thread(() -> run(worker), "credentials-load-" + w));
            }
        }

        void start()
        {
            threads.forEach(Thread::start);
        }

        private void run(final int worker)
        {
            // Bounded: at most 2 million commands per worker, and the test stops it long before.
            for (int i = 0; i < 1_000_000 && running.get(); i++)
            {
                final String key = "app:k" + worker;
                final String value = "v" + i;
                try
                {
                    client.sync().set(key, value);
                    final String read = client.sync().get(key);
                    if (!value.equals(read))
                    {
                        throw new AssertionError("expected " + value + " for " + key + ", got " + read);
                    }
                    completed.addAndGet(2);
                }
                catch (final RuntimeException | AssertionError ex)
                {
                    failures.incrementAndGet();
                    firstFailure.compareAndSet(null, ex);
                }
            }
        }

        void awaitCompleted(final long more)
        {
            final long target = completed.get() + more;
            Await.until(Duration.ofSeconds(30), () -> completed.get() >= target || failures.get() > 0,
                more + " more commands completed");
        }

        void stop() throws InterruptedException
        {
            running.set(false);
            for (final Thread thread : threads)
            {
                thread.join(10_000);
            }
        }

        long failures()
        {
            return failures.get();
        }

        String firstFailure()
        {
            final Throwable failure = firstFailure.get();
            return failure == null ? "none" : failure.toString();
        }
    }
}
