package io.slotring.launcher;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Starts one standalone {@link LocalRedisServer} for the annotated test class (shared by its tests and its
 * {@code @Nested} classes) and closes it after them, failure or not. Declare a parameter of type
 * {@link LocalRedisServer} on the constructor, a lifecycle method or a test method to receive it.
 *
 * <pre>{@code
 * @LocalServer(debugCommand = true, config = {"requirepass", "secret"})
 * class AuthTest {
 *     @Test void auth(LocalRedisServer redis) { ... }
 * }
 * }</pre>
 */
@Target({ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(LocalRedisExtension.class)
public @interface LocalServer
{
    /** @return whether to add {@code enable-debug-command local} */
    boolean debugCommand() default false;

    /** @return extra redis.conf directives as alternating key, value pairs, e.g. {@code {"requirepass", "s"}} */
    String[] config() default {};

    /**
     * @return whether to serve TLS too, with material generated into the server's directory (see
     *     {@link LaunchBuilder#tls()}; read it back with {@link LocalRedisServer#tlsMaterial()})
     */
    boolean tls() default false;

    /** @return with {@link #tls()}: whether TLS clients must present a certificate ({@code tls-auth-clients}) */
    boolean tlsAuthClients() default false;

    /** @return bound in seconds for startup and restart */
    int timeoutSeconds() default 30;
}
