package io.slotring.launcher;

import java.lang.annotation.Annotation;
import java.lang.reflect.AnnotatedElement;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BiConsumer;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * JUnit 5 extension behind {@link LocalCluster} and {@link LocalServer} (which register it themselves).
 *
 * <p>The server or cluster lives in the store of the class-level context of the annotated class, so JUnit closes
 * it when that class finishes, whether its tests passed, failed or its setup threw. It is created eagerly in
 * {@code beforeAll} (startup cost and failures show up as class setup), or earlier on demand when a
 * {@code PER_CLASS} test instance asks for it in its constructor.
 */
public final class LocalRedisExtension implements BeforeAllCallback, ParameterResolver
{
    private static final ExtensionContext.Namespace NAMESPACE =
        ExtensionContext.Namespace.create(LocalRedisExtension.class);

    /** Public no-arg constructor, as JUnit requires. */
    public LocalRedisExtension()
    {
    }

    @Override
    public void beforeAll(ExtensionContext context)
    {
        resource(context, LocalCluster.class);
        resource(context, LocalServer.class);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context)
    {
        Class<?> type = parameter.getParameter().getType();
        return (type == LocalRedisCluster.class && owner(context, LocalCluster.class).isPresent())
                || (type == LocalRedisServer.class && owner(context, LocalServer.class).isPresent());
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context)
    {
        Class<?> type = parameter.getParameter().getType();
        Class<? extends Annotation> annotation = type == LocalRedisCluster.class ?
            LocalCluster.class : LocalServer.class;
        return resource(context, annotation).orElseThrow(() -> new ParameterResolutionException(
                "no @" + annotation.getSimpleName() + " on " + context.getRequiredTestClass() +
                    " or its enclosing classes"));
    }

    /** Gets or starts the resource declared by {@code annotation} on the nearest annotated class context. */
    private static Optional<Object> resource(ExtensionContext context, Class<? extends Annotation> annotation)
    {
        return owner(context, annotation).map(owner ->
        {
            Class<?> testClass = owner.getRequiredTestClass();
            Annotation declared = AnnotationSupport.findAnnotation(testClass, annotation).orElseThrow();
            Resource resource = owner.getStore(NAMESPACE).getOrComputeIfAbsent(annotation,
                    key -> start(declared), Resource.class);
            return resource.value;
        });
    }

    /**
     * The innermost class-level context (this one or an ancestor) whose class carries the annotation: a
     * {@code @Nested} class without its own annotation shares its enclosing class' cluster.
     */
    private static Optional<ExtensionContext> owner(ExtensionContext context, Class<? extends Annotation> annotation)
    {
        for (ExtensionContext c = context; c != null; c = c.getParent().orElse(null))
        {
            Optional<AnnotatedElement> element = c.getElement();
            if (element.isPresent() && element.get() instanceof Class
                    && AnnotationSupport.isAnnotated(element.get(), annotation))
            {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    private static Resource start(Annotation declared)
    {
        if (declared instanceof LocalCluster)
        {
            LocalCluster spec = (LocalCluster) declared;
            LocalRedisCluster.Builder builder = LocalRedisCluster.builder()
                    .masters(spec.masters())
                    .replicasPerMaster(spec.replicasPerMaster())
                    .nodeTimeoutMillis(spec.nodeTimeoutMillis())
                    .enableDebugCommand(spec.debugCommand())
                    .timeout(Duration.ofSeconds(spec.timeoutSeconds()));
            forEachPair(spec.config(), builder::config);
            if (spec.tls())
            {
                builder.tls().tlsAuthClients(spec.tlsAuthClients());
            }
            return new Resource(builder.start());
        }
        LocalServer spec = (LocalServer) declared;
        LocalRedisServer.Builder builder = LocalRedisServer.builder()
                .enableDebugCommand(spec.debugCommand())
                .timeout(Duration.ofSeconds(spec.timeoutSeconds()));
        forEachPair(spec.config(), builder::config);
        if (spec.tls())
        {
            builder.tls().tlsAuthClients(spec.tlsAuthClients());
        }
        return new Resource(builder.start());
    }

    /** Hands each {@code name, value} pair of an annotation's {@code config} to {@code sink}. */
    private static void forEachPair(String[] config, BiConsumer<String, String> sink)
    {
        String[] pairs = pairs(config);
        for (int i = 0; i < pairs.length; i += 2)
        {
            sink.accept(pairs[i], pairs[i + 1]);
        }
    }

    private static String[] pairs(String[] config)
    {
        if (config.length % 2 != 0)
        {
            throw new IllegalArgumentException("config must hold key, value pairs; got an odd count: "
                    + String.join(", ", config));
        }
        return config;
    }

    /**
     * Store value that JUnit closes with its context. It is both {@link AutoCloseable} (closed by JUnit 5.13+,
     * which deprecated CloseableResource) and {@code CloseableResource} (closed by older JUnit, or when
     * auto-closing of AutoCloseable values is switched off); the wrapped close() is idempotent, so being closed
     * through both paths is harmless.
     */
    @SuppressWarnings("deprecation")
    static final class Resource implements AutoCloseable, ExtensionContext.Store.CloseableResource
    {
        final Object value;
        private final Runnable closer;

        Resource(LocalRedisCluster cluster)
        {
            this.value = cluster;
            this.closer = cluster::close;
        }

        Resource(LocalRedisServer server)
        {
            this.value = server;
            this.closer = server::close;
        }

        @Override
        public void close()
        {
            closer.run();
        }
    }
}
