package io.slotring.launcher;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Starts one {@link LocalRedisCluster} for the annotated test class (before all its tests, shared by them and by
 * its {@code @Nested} classes) and closes it after them, failure or not. Declare a parameter of type
 * {@link LocalRedisCluster} on the constructor, a lifecycle method or a test method to receive it.
 *
 * <pre>{@code
 * @LocalCluster(masters = 3, replicasPerMaster = 1)
 * class RoutingTest {
 *     @Test void routes(LocalRedisCluster cluster) { ... }
 * }
 * }</pre>
 */
@Target({ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(LocalRedisExtension.class)
public @interface LocalCluster
{
    /** @return number of masters */
    int masters() default 3;

    /** @return replicas per master */
    int replicasPerMaster() default 1;

    /** @return {@code cluster-node-timeout} in milliseconds */
    int nodeTimeoutMillis() default 2000;

    /** @return whether to add {@code enable-debug-command local} */
    boolean debugCommand() default false;

    /** @return extra redis.conf directives as alternating key, value pairs, e.g. {@code {"requirepass", "s"}} */
    String[] config() default {};

    /**
     * @return whether to serve TLS too, with material generated into the cluster's directory (see
     *     {@link LaunchBuilder#tls()}; read it back with {@link LocalRedisCluster#tlsMaterial()})
     */
    boolean tls() default false;

    /** @return with {@link #tls()}: whether TLS clients must present a certificate ({@code tls-auth-clients}) */
    boolean tlsAuthClients() default false;

    /** @return bound in seconds for startup and each launcher wait */
    int timeoutSeconds() default 30;
}
