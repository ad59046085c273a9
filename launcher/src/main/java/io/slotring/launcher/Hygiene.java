package io.slotring.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * Makes sure a test run leaves no redis-server and no temp dir behind.
 *
 * <p>Three layers: {@code close()} of the owning server/cluster (normal path, also driven by the JUnit store on
 * failure); a JVM shutdown hook that SIGKILLs every process still tracked here (Ctrl-C, System.exit, surefire
 * fork shutdown); and, because a SIGKILLed JVM runs no hook, a reaper that on first use scans the shared base
 * dir for workspaces whose owning JVM is gone and kills the redis-servers recorded there. Workspace dir names
 * carry the owner's pid and start time so the reaper never touches a live JVM's processes (several module builds
 * may run tests concurrently), and recorded redis pids carry their start time so a recycled pid is never killed.
 */
final class Hygiene
{
    static final String PID_FILE = "redis.pid";
    private static final Path BASE = Path.of(System.getProperty("java.io.tmpdir"), "slotring-launcher");
    private static final Set<Process> PROCESSES = ConcurrentHashMap.newKeySet();
    private static final Set<Path> WORKSPACES = ConcurrentHashMap.newKeySet();

    private static final AtomicBoolean INITIALISED = new AtomicBoolean();

    private Hygiene()

    {

    }

    /** Creates a fresh workspace dir for one server or cluster. */
    static Path newWorkspace(String kind)
    {
        // Not in a static initialiser: the reaper must not run while class init holds a lock other threads need.
        if (INITIALISED.compareAndSet(false, true))
        {
            Runtime.getRuntime().addShutdownHook(new Thread(Hygiene::killEverything, "slotring-launcher-cleanup"));
            reapOrphans();
        }
        try
        {
            Files.createDirectories(BASE);
            ProcessHandle self = ProcessHandle.current();
            String prefix = self.pid() + "-" + startMillis(self).orElse(0L) + "-" + kind + "-";
            Path dir = Files.createTempDirectory(BASE, prefix);
            WORKSPACES.add(dir);
            return dir;
        }
        catch (IOException e)
        {
            throw new UncheckedIOException("cannot create launcher workspace under " + BASE, e);
        }
    }

    static void deleteWorkspace(Path dir)
    {
        deleteRecursively(dir);
        WORKSPACES.remove(dir);
    }

    static void track(Process process, Path nodeDir)
    {
        PROCESSES.add(process);
        Optional<Long> started = startMillis(process.toHandle());
        String record = process.pid() + " " + started.orElse(0L) + "\n";
        try
        {
            Files.writeString(nodeDir.resolve(PID_FILE), record, StandardCharsets.US_ASCII);
        }
        catch (IOException e)
        {
            // Only the crashed-JVM reaper needs this record; failing to write it must not fail the test.
        }
    }

    static void untrack(Process process)
    {
        PROCESSES.remove(process);
    }

    private static void killEverything()
    {
        for (Process process : PROCESSES)
        {
            process.destroyForcibly();
        }
        for (Process process : PROCESSES)
        {
            try
            {
                process.waitFor(2, TimeUnit.SECONDS);
            }
            catch (InterruptedException e)
            {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Path dir : WORKSPACES)
        {
            deleteRecursively(dir);
        }
    }

    private static void reapOrphans()
    {
        if (!Files.isDirectory(BASE))
        {
            return;
        }
        try (DirectoryStream<Path> workspaces = Files.newDirectoryStream(BASE))
        {
            for (Path workspace : workspaces)
            {
                if (ownerIsGone(workspace.getFileName().toString()))
                {
                    killRecorded(workspace);
                    deleteRecursively(workspace);
                }
            }
        }
        catch (IOException | RuntimeException e)
        {
            // Best effort: a failed sweep of someone else's leftovers must not break this run.
        }
    }

    private static boolean ownerIsGone(String name)
    {
        String[] parts = name.split("-", 3);
        if (parts.length < 3)
        {
            return false; // not ours: leave it alone
        }
        try
        {
            return !isSameLiveProcess(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
        }
        catch (NumberFormatException e)
        {
            return false;
        }
    }

    private static void killRecorded(Path workspace) throws IOException
    {
        try (Stream<Path> files = Files.walk(workspace, 3))
        {
            files.filter(p -> p.getFileName().toString().equals(PID_FILE)).forEach(pidFile ->
            {
                try
                {
                    String[] record = Files.readString(pidFile, StandardCharsets.US_ASCII).trim().split(" ");
                    long pid = Long.parseLong(record[0]);
                    long started = Long.parseLong(record[1]);
                    ProcessHandle.of(pid)
                            .filter(h -> matchesStart(h, started))
                            .filter(h -> h.info().command().map(c -> c.contains("redis")).orElse(false))
                            .ifPresent(Hygiene::killAndWait);
                }
                catch (IOException | RuntimeException e)
                {
                    // Unreadable record: nothing we can safely kill.
                }
            });
        }
    }

    private static void killAndWait(ProcessHandle orphan)
    {
        orphan.destroyForcibly();
        Deadline deadline = Deadline.after(Duration.ofSeconds(2));
        while (isRunning(orphan) && !deadline.expired())
        {
            Deadline.sleep(5);
        }
    }

    private static boolean isSameLiveProcess(long pid, long startMillis)
    {
        return ProcessHandle.of(pid).filter(Hygiene::isRunning).filter(h -> matchesStart(h, startMillis)).isPresent();
    }

    /**
     * Alive and not a zombie. A SIGKILLed JVM or redis that is not our child lingers as a zombie until init reaps
     * it, which on some VMs takes seconds; ProcessHandle.isAlive() still says true for it.
     */
    private static boolean isRunning(ProcessHandle handle)
    {
        return handle.isAlive() && Signals.state(handle.pid()) != 'Z';
    }

    private static boolean matchesStart(ProcessHandle handle, long startMillis)
    {
        // startMillis 0 means "unknown when recorded": trust the pid alone. The tolerance guards against
        // rounding differences between JVMs; a recycled pid starts far later than that.
        return startMillis == 0 || startMillis(handle).map(s -> Math.abs(s - startMillis) < 1000).orElse(true);
    }

    private static Optional<Long> startMillis(ProcessHandle handle)
    {
        return handle.info().startInstant().map(Instant::toEpochMilli);
    }

    static void deleteRecursively(Path dir)
    {
        if (!Files.exists(dir))
        {
            return;
        }
        try
        {
            Files.walkFileTree(dir, new SimpleFileVisitor<>()
            {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException
                {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc)
                {
                    return FileVisitResult.CONTINUE; // vanished meanwhile (e.g. redis temp file)
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException
                {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        }
        catch (IOException e)
        {
            // Leave it for the orphan reaper of a later run rather than fail a passing test on cleanup.
        }
    }
}
