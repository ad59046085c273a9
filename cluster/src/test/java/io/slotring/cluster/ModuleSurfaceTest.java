package io.slotring.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The published modules' surface: which packages each exports, to whom, and that a user on the module path needs
 * one {@code requires io.slotring.cluster} and cannot reach the internals. A new exported package, or a package
 * that is neither API nor {@code .internal}, fails here and has to be added on purpose.
 */
class ModuleSurfaceTest
{
    /** Unqualified exports: the whole public API. */
    private static final Map<String, List<String>> API_PACKAGES = Map.of(
        "io.slotring.codec", List.of("io.slotring.codec"),
        "io.slotring.engine", List.of("io.slotring.engine"),
        "io.slotring.cluster", List.of("io.slotring.cluster"));

    /** Qualified exports: internals shared with sibling modules only. */
    private static final Map<String, String> QUALIFIED_EXPORTS = Map.of(
        "io.slotring.codec", "io.slotring.codec.internal to [io.slotring.cluster, io.slotring.engine]",
        "io.slotring.engine", "io.slotring.engine.internal to [io.slotring.cluster]",
        "io.slotring.cluster", "");

    @Test
    void eachModuleExportsExactlyItsApiPackagesAndSharesOnlyInternalsWithSiblings() throws IOException
    {
        final Map<String, ModuleDescriptor> modules = slotringModules();
        assertThat(modules.keySet()).containsAll(API_PACKAGES.keySet());

        for (final String name : API_PACKAGES.keySet())
        {
            final ModuleDescriptor module = modules.get(name);
            final List<String> unqualified = module.exports().stream()
                .filter(e -> !e.isQualified()).map(ModuleDescriptor.Exports::source).sorted()
                .collect(Collectors.toList());
            assertThat(unqualified).as("API packages of %s", name).isEqualTo(API_PACKAGES.get(name));

            final String qualified = module.exports().stream().filter(ModuleDescriptor.Exports::isQualified)
                .map(e -> e.source() + " to " + new TreeSet<>(e.targets())).sorted()
                .collect(Collectors.joining("; "));
            assertThat(qualified).as("qualified exports of %s", name).isEqualTo(QUALIFIED_EXPORTS.get(name));

            for (final String pkg : module.packages())
            {
                assertThat(API_PACKAGES.get(name).contains(pkg) || pkg.endsWith(".internal"))
                    .as("package %s of %s is neither an API package nor an .internal one", pkg, name).isTrue();
            }
        }
    }

    @Test
    void aModulePathUserNeedsOneRequiresAndCannotReachTheInternals(@TempDir final Path dir) throws Exception
    {
        final String modulePath = modulePath();

        final Path app = dir.resolve("app");
        write(app.resolve("module-info.java"), "module demo.app { requires io.slotring.cluster; }");
        write(app.resolve("demo/Main.java"), String.join("\n",
            "package demo;",
            "import io.slotring.cluster.ClusterConfig;",
            "import io.slotring.cluster.ReadFrom;",
            "import io.slotring.codec.RespReader;",
            "import io.slotring.engine.Batch;",
            "import io.slotring.engine.RedisException;",
            "import io.slotring.engine.ReplyHandler;",
            "public final class Main {",
            "  public static void main(String[] args) {",
            "    ReplyHandler handler = new ReplyHandler() {",
            "      public void onReply(long token, RespReader reply) { }",
            "      public void onFailure(long token, RedisException error) { }",
            "    };",
            "    Batch none = null;",
            "    ClusterConfig config = ClusterConfig.create().seeds(\"127.0.0.1:7000\").connectionsPerNode(2)",
            "      .readFrom(ReadFrom.MASTER);",
            "    System.out.println(config.conclude() + \" \" + (handler != null) + \" \" + (none == null));",
            "  }",
            "}"));
        final Path classes = dir.resolve("classes");
        final CompileResult ok = compile(modulePath, app, classes);
        assertThat(ok.exitCode).as("compiling a module-path user of io.slotring.cluster:%n%s", ok.output).isZero();

        final Process run = new ProcessBuilder(
            Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-exports", "java.base/jdk.internal.misc=org.agrona",
            "--module-path", classes + java.io.File.pathSeparator + modulePath,
            "-m", "demo.app/demo.Main")
            .redirectErrorStream(true).start();
        assertThat(run.waitFor(60, TimeUnit.SECONDS)).as("demo app exits").isTrue();
        final String out = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(run.exitValue()).as("demo app on the module path:%n%s", out).isZero();
        assertThat(out).contains("ClusterConfig{seeds=[127.0.0.1:7000]").contains("connectionsPerNode=2");

        final Path sneaky = dir.resolve("sneaky");
        write(sneaky.resolve("module-info.java"), "module demo.sneaky { requires io.slotring.cluster; }");
        write(sneaky.resolve("demo/Sneaky.java"), String.join("\n",
            "package demo;",
            "import io.slotring.engine.internal.NodeEndpoint;",
            "public final class Sneaky { NodeEndpoint endpoint; }"));
        final CompileResult refused = compile(modulePath, sneaky, dir.resolve("sneaky-classes"));
        assertThat(refused.exitCode).as("compiling a user of an internal package").isNotZero();
        assertThat(refused.output).contains("io.slotring.engine.internal").contains("does not export");
    }

    private static Map<String, ModuleDescriptor> slotringModules() throws IOException
    {
        final Map<String, ModuleDescriptor> modules = new TreeMap<>();
        final Enumeration<URL> descriptors = ModuleSurfaceTest.class.getClassLoader().getResources("module-info.class");
        while (descriptors.hasMoreElements())
        {
            try (InputStream in = descriptors.nextElement().openStream())
            {
                final ModuleDescriptor descriptor = ModuleDescriptor.read(in);
                if (descriptor.name().startsWith("io.slotring."))
                {
                    modules.put(descriptor.name(), descriptor);
                }
            }
        }
        return modules;
    }

    /** Where the class path found each module this user needs: jars or exploded {@code target/classes}. */
    private static String modulePath() throws URISyntaxException, ClassNotFoundException
    {
        final List<String> entries = new ArrayList<>();
        // By name: this test's module reads only what io.slotring.cluster reads, not Disruptor or JCTools.
        for (final String name : List.of(
            "io.slotring.cluster.ClusterClient", "io.slotring.engine.RedisClient", "io.slotring.codec.RespReader",
            "org.agrona.DirectBuffer", "com.lmax.disruptor.RingBuffer", "org.jctools.queues.MpscArrayQueue",
            "org.HdrHistogram.Recorder"))
        {
            final Class<?> type = Class.forName(name, false, ModuleSurfaceTest.class.getClassLoader());
            entries.add(Paths.get(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    private static CompileResult compile(final String modulePath, final Path sources, final Path out)
        throws IOException
    {
        // An explicit, empty class path: in-process javac otherwise defaults to this JVM's class path, where the
        // engine's classes also sit (in the unnamed module), and the module-path check would not be what it says.
        final Path noClassPath = Files.createDirectories(out.resolveSibling(out.getFileName() + "-empty-classpath"));
        final List<String> args = new ArrayList<>(List.of(
            "--module-path", modulePath, "--class-path", noClassPath.toString(), "-d", out.toString()));
        try (var files = Files.walk(sources))
        {
            files.filter(p -> p.toString().endsWith(".java")).forEach(p -> args.add(p.toString()));
        }
        final JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        final java.io.ByteArrayOutputStream output = new java.io.ByteArrayOutputStream();
        final int exit = javac.run(null, output, output, args.toArray(new String[0]));
        return new CompileResult(exit, output.toString(StandardCharsets.UTF_8));
    }

    private static void write(final Path file, final String content) throws IOException
    {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }

    private static final class CompileResult
    {
        final int exitCode;
        final String output;

        CompileResult(final int exitCode, final String output)
        {
            this.exitCode = exitCode;
            this.output = output;
        }
    }
}
