package io.slotring.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class ContextSwitchesTest
{
    private static final String STATUS = "Name:\tjava\nState:\tS (sleeping)\nTgid:\t42\n"
        + "voluntary_ctxt_switches:\t1200\nnonvoluntary_ctxt_switches:\t34\n";

    @Test
    void sumsVoluntaryAndNonvoluntary()
    {
        assertThat(ContextSwitches.parse(STATUS)).isEqualTo(1234);
        assertThat(ContextSwitches.parse("voluntary_ctxt_switches: 5\n")).as("one line missing").isEqualTo(-1);
        assertThat(ContextSwitches.parse("voluntary_ctxt_switches: x\nnonvoluntary_ctxt_switches: 1\n")).isEqualTo(-1);
        assertThat(ContextSwitches.parse("")).isEqualTo(-1);
    }

    @Test
    void tallyKeepsEndedThreadsCountsNewThreadsFromZeroAndClampsReusedIds()
    {
        final ContextSwitches.Tally tally = new ContextSwitches.Tally(Map.of(1L, 100L, 2L, 50L, 3L, 1000L));
        tally.update(Map.of(1L, 110L, 2L, 70L, 3L, 1005L));
        // Thread 2 ended; thread 4 was born; thread 3's id was reused by a thread with fewer switches.
        tally.update(Map.of(1L, 130L, 3L, 7L, 4L, 9L));
        assertThat(tally.total()).isEqualTo(30 + 20 + 0 + 9);
    }

    @Test
    void readsEveryTaskDirectoryAndSkipsWhatIsNotATask(@TempDir final Path tasks) throws IOException
    {
        Files.createDirectories(tasks.resolve("11"));
        Files.writeString(tasks.resolve("11/status"), STATUS);
        Files.createDirectories(tasks.resolve("12"));
        Files.writeString(tasks.resolve("12/status"), "voluntary_ctxt_switches:\t1\nnonvoluntary_ctxt_switches:\t2\n");
        Files.createDirectories(tasks.resolve("13"));
        Files.createDirectories(tasks.resolve("self"));
        assertThat(ContextSwitches.read(tasks)).containsOnly(Map.entry(11L, 1234L), Map.entry(12L, 3L));
        assertThat(ContextSwitches.read(tasks.resolve("missing"))).isEmpty();
    }

    @Test
    void countsThisJvmOnLinux() throws InterruptedException
    {
        // bin/test runs on Debian (it installs redis-server with apt-get): /proc is always there, so this never skips.
        assertThat(ContextSwitches.supported()).isTrue();
        final ContextSwitches.Tally tally = ContextSwitches.start();
        assertThat(tally).isNotNull();
        for (int i = 0; i < 5; i++)
        {
            Thread.sleep(1);
        }
        tally.sample();
        assertThat(tally.total()).as("five sleeps switch at least five times").isGreaterThanOrEqualTo(5);
    }
}
