package io.slotring.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * SIGSTOP/SIGCONT via {@code /bin/kill}: the JDK can only send SIGTERM/SIGKILL. After signalling we poll
 * {@code /proc/<pid>/stat} until the state changed, so when pause() returns the process really is frozen.
 */
final class Signals
{
    private static final String KILL = Files.isExecutable(Path.of("/bin/kill")) ? "/bin/kill" : "kill";

    private Signals()

    {

    }

    static void stop(long pid)
    {
        send(pid, "STOP");
        awaitStopped(pid, true);
    }

    static void cont(long pid)
    {
        send(pid, "CONT");
        awaitStopped(pid, false);
    }

    private static void send(long pid, String signal)
    {
        try
        {
            Process kill = new ProcessBuilder(KILL, "-" + signal, Long.toString(pid)).redirectErrorStream(true).start();
            kill.getOutputStream().close();
            String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!kill.waitFor(10, TimeUnit.SECONDS))
            {
                kill.destroyForcibly();
                throw new RedisLaunchException(KILL + " -" + signal + " " + pid + " did not finish within 10s");
            }
            if (kill.exitValue() != 0)
            {
                throw new RedisLaunchException(KILL + " -" + signal + " " + pid + " failed (exit "
                        + kill.exitValue() + "): " + output);
            }
        }
        catch (IOException e)
        {
            throw new RedisLaunchException("cannot run " + KILL + " -" + signal + " " + pid, e);
        }
        catch (InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new RedisLaunchException("interrupted while sending SIG" + signal + " to " + pid, e);
        }
    }

    private static void awaitStopped(long pid, boolean stopped)
    {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        if (!Files.exists(stat))
        {
            return; // not Linux (or already gone): signal delivery is still practically immediate
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        char state = '?';
        while (System.nanoTime() < deadline)
        {
            state = state(stat);
            if (state == 0 || ((state == 'T' || state == 't') == stopped))
            {
                return;
            }
            Deadline.sleep(1);
        }
        throw new RedisLaunchException("process " + pid + " did not " + (stopped ? "stop" : "continue")
                + " within 5s (state " + state + ")");
    }

    /** Kernel state letter from /proc (R, S, T, Z, ...), or 0 when unknown or gone. */
    static char state(long pid)
    {
        return state(Path.of("/proc", Long.toString(pid), "stat"));
    }

    private static char state(Path stat)
    {
        try
        {
            String text = Files.readString(stat, StandardCharsets.US_ASCII);
            int end = text.lastIndexOf(')'); // comm may contain spaces and parentheses
            return end >= 0 && end + 2 < text.length() ? text.charAt(end + 2) : 0;
        }
        catch (IOException e)
        {
            return 0; // exited meanwhile
        }
    }
}
