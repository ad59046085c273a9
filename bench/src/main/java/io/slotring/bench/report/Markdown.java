package io.slotring.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Map;

/**
 * What the cluster, latency and profile reports write alike: their dated file names, table cells and the table of
 * the machine they ran on.
 */
final class Markdown
{
    private Markdown()
    {
    }

    /**
     * Creates {@code dir} if needed and picks the report's file: {@code YYYY-MM-DD-<kind>.md}, or the first free
     * {@code YYYY-MM-DD-<kind>-N.md} when runs of the same day already wrote one.
     *
     * @param kind e.g. {@code cluster-bench}.
     */
    static Path datedFile(final Path dir, final String kind) throws IOException
    {
        Files.createDirectories(dir);
        final String date = LocalDate.now().toString();
        Path file = dir.resolve(date + "-" + kind + ".md");
        for (int n = 2; Files.exists(file) && n < 10_000; n++)
        {
            file = dir.resolve(date + "-" + kind + "-" + n + ".md");
        }
        return file;
    }

    /**
     * @return {@code text} safe inside a table cell: pipes escaped, newlines folded; null as empty.
     */
    static String cell(final String text)
    {
        return text == null ? "" : text.replace("|", "\\|").replace("\n", " ");
    }

    /** Opens the "Machine" section: its heading, the table header and a row per {@link MachineInfo} fact. */
    static void machineRows(final StringBuilder md, final Map<String, String> machine)
    {
        md.append("## Machine\n\n| what | value |\n| --- | --- |\n");
        rows(md, machine);
    }

    /** Appends a table row per entry. */
    static void rows(final StringBuilder md, final Map<String, String> entries)
    {
        for (final Map.Entry<String, String> entry : entries.entrySet())
        {
            md.append("| ").append(entry.getKey()).append(" | ").append(cell(entry.getValue())).append(" |\n");
        }
    }

    /**
     * The "Machine" section of a cluster run: the machine, its load average now the run is over, and the Redis
     * version of every master.
     */
    static void clusterMachine(final StringBuilder md, final Map<String, String> machine,
        final Map<String, String> redisVersions)
    {
        machineRows(md, machine);
        md.append("| load_average_at_end | ").append(MachineInfo.loadAverage()).append(" |\n");
        md.append("| redis nodes | ").append(cell(String.valueOf(redisVersions))).append(" |\n\n");
    }
}
