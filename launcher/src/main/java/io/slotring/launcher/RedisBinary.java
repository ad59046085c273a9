package io.slotring.launcher;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the redis-server executable: explicit builder path, then {@code $REDIS_SERVER}, then PATH and well-known dirs.
 */
final class RedisBinary
{
    static final String ENV = "REDIS_SERVER";
    private static final List<String> WELL_KNOWN_DIRS = List.of("/usr/bin", "/usr/local/bin", "/opt/homebrew/bin");

    private RedisBinary()

    {

    }

    static Path locate(Path explicit)
    {
        return locate(explicit, System.getenv());
    }

    /** Env passed in so tests can exercise the lookup without mutating the process environment. */
    static Path locate(Path explicit, Map<String, String> env)
    {
        List<String> looked = new ArrayList<>();
        // An explicit choice (builder or env) must fail loudly rather than silently fall back to another binary.
        if (explicit != null)
        {
            return requireExecutable(explicit, "the configured path " + explicit);
        }
        String fromEnv = env.get(ENV);
        if (fromEnv != null && !fromEnv.isBlank())
        {
            return requireExecutable(Path.of(fromEnv), "$" + ENV + "=" + fromEnv);
        }
        Set<String> dirs = new LinkedHashSet<>();
        String path = env.get("PATH");
        if (path != null)
        {
            for (String dir : path.split(File.pathSeparator))
            {
                if (!dir.isEmpty())
                {
                    dirs.add(dir);
                }
            }
        }
        dirs.addAll(WELL_KNOWN_DIRS);
        for (String dir : dirs)
        {
            Path candidate = Path.of(dir, "redis-server");
            looked.add(dir);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate))
            {
                return candidate;
            }
        }
        throw notFound(String.join(", ", looked));
    }

    private static Path requireExecutable(Path candidate, String where)
    {
        if (Files.isRegularFile(candidate) && Files.isExecutable(candidate))
        {
            return candidate;
        }
        throw notFound(where);
    }

    private static RedisNotInstalledException notFound(String looked)
    {
        return new RedisNotInstalledException("redis-server not found on PATH (looked in " + looked
                + "). Install it with: apt-get install -y redis-server (bin/test and bin/bench do this for you)");
    }
}
