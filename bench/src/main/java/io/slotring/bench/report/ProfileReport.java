package io.slotring.bench.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The markdown of {@code bin/bench profile}: per client, the tables {@link JfrSummary} built, and an Analysis
 * section of facts computed from them. Nothing in it is interpretation; that is left to a human, and the report
 * says so.
 */
final class ProfileReport
{
    private static final int FACT_TOP = 3;
    /** A frame under this share of a thread group's samples is its run loop (AgentRunner.workLoop, Netty's run). */
    private static final double RUN_LOOP_SHARE = 0.995;
    private static final double MIB = 1024.0 * 1024.0;

    private final JfrSummary.Profile profile;
    private final Map<String, String> machine;
    private final String command;
    private final Path jfr;
    private final int top;

    ProfileReport(final JfrSummary.Profile profile, final Map<String, String> machine, final String command,
        final Path jfr, final int top)
    {
        this.profile = profile;
        this.machine = machine;
        this.command = command;
        this.jfr = jfr;
        this.top = top;
    }

    /**
     * Writes {@code YYYY-MM-DD-profile[-N].md}.
     *
     * @return the file.
     */
    Path write(final Path dir) throws IOException
    {
        final Path file = Markdown.datedFile(dir, "profile");
        Files.writeString(file, markdown(), StandardCharsets.UTF_8);
        return file;
    }

    String markdown()
    {
        final StringBuilder md = new StringBuilder(64 * 1024);
        md.append("# Profile: where each client's CPU and allocation go (").append(LocalDate.now()).append(")\n\n");
        md.append("Command:\n\n```\n").append(command.isEmpty() ? "(not given)" : command).append("\n```\n\n");
        md.append("Recording: `").append(jfr.toAbsolutePath()).append("` (a temporary file, not kept with this "
            + "report), JFR settings `bin/lib/slotring-profile.jfc`.\n\n");

        Markdown.machineRows(md, machine);
        Markdown.rows(md, profile.recording);
        md.append('\n');

        md.append("## How the samples are attributed\n\n");
        md.append("- ").append(profile.windowsFromEvents ? "Only the measured windows count: the harness marks each "
            + "one with an `io.slotring.bench.Window` JFR event; priming and warmup are left out." :
            "The recording has no window events (an older harness): each client's span runs from its first to its "
            + "last worker-thread sample, so priming and warmup are included.").append('\n');
        md.append("- Inside a client's window, a sample is that client's when its thread is: `bench-<client>-N` "
            + "(workers, the harness's callers); I/O: `slotring-io-*`, Lettuce `lettuce-*EventLoop-*`, Jedis "
            + "`jedis-pipeline-*` (the executor on which `ClusterPipeline.sync()` reads replies); other client "
            + "threads: `slotring-*`, `lettuce-*`, `commons-pool-*`.\n");
        md.append("- CPU: `jdk.ExecutionSample` every 1 ms (at most 5 threads per pass) of threads running Java code. "
            + "A thread the OS preempted while in Java code is sampled too, so on a busy machine this is \"in Java\", "
            + "not strictly \"on CPU\". Self = the top frame; inclusive = every method on the stack counted once per "
            + "sample, thread entry frames (`Thread.run`, `AgentRunner.run`, executor and Netty runnables) left "
            + "out.\n");
        md.append("- Native: `jdk.NativeMethodSample` (one thread per 1 ms pass). A thread blocked in `epoll_wait` "
            + "or `poll` is in native code as well, so these are not CPU; the syscall cost shows in the system time "
            + "of `jdk.ThreadCPULoad` (OS-measured user and system time per thread, 1 s periods).\n");
        md.append("- Allocation: `jdk.ObjectAllocationSample`, throttled to 1000/s over the JVM; a sample's weight is "
            + "the bytes it stands for, so sums estimate bytes allocated. The TLAB line adds up "
            + "`jdk.ObjectAllocationInNewTLAB` (TLAB sizes) and `...OutsideTLAB` as an unsampled cross-check.\n");
        md.append("- GC: collections that started inside the client's windows. The harness's figures (ops, CPU/op, "
            + "alloc/op over the whole JVM) are from its JSON lines for the same windows, measured under the "
            + "profiler: use `bin/bench` for the numbers, this for where they come from.\n\n");

        md.append("## Overview\n\n");
        md.append("| client | windows | measured s | ops | ops/s | execution samples | samples / 1k ops | "
            + "thread CPU, cores | system share | sampled alloc MiB | alloc B/op (JFR) | alloc B/op (harness) | "
            + "CPU \u00b5s/op (harness) | GC n / ms |\n");
        md.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | "
            + "---: |\n");
        for (final ClientProfile client : profile.clients)
        {
            final long ops = client.ops();
            final double seconds = client.windowSeconds();
            md.append("| ").append(client.client).append(" | ").append(client.windows.size()).append(" | ")
                .append(fmt(seconds, 1)).append(" | ").append(ops > 0 ? fmt(ops, 0) : "n/a").append(" | ")
                .append(ops > 0 && seconds > 0 ? fmt(ops / seconds, 0) : "n/a").append(" | ")
                .append(fmt(client.executionSamples(), 0)).append(" | ")
                .append(ops > 0 ? fmt(client.executionSamples() * 1000.0 / ops, 2) : "n/a").append(" | ")
                .append(fmt(cores(client, null, true, true), 2)).append(" | ")
                .append(pct(cores(client, null, false, true), cores(client, null, true, true))).append(" | ")
                .append(fmt(client.allocSites.total() / MIB, 1)).append(" | ")
                .append(ops > 0 ? fmt((double)client.allocSites.total() / ops, 1) : "n/a").append(" | ")
                .append(fmt(client.harnessPerOp(false), 1)).append(" | ")
                .append(fmt(client.harnessPerOp(true), 2)).append(" | ")
                .append(client.gcCount).append(" / ").append(fmt(client.gcNanos / 1e6, 1)).append(" |\n");
        }
        md.append('\n');
        md.append("Execution samples outside every window or on no client's thread: ")
            .append(fmt(profile.executionSamplesOutside, 0)).append(" of ")
            .append(fmt(profile.executionSamplesTotal, 0)).append(" in the recording.\n\n");

        for (final ClientProfile client : profile.clients)
        {
            clientSection(md, client);
        }

        md.append("## Analysis\n\n");
        md.append("### Facts computed from this recording\n\n");
        for (final String fact : facts())
        {
            md.append("- ").append(fact).append('\n');
        }
        md.append("\n### Interpretation\n\n");
        md.append("_Not generated. To be written by a human from the tables and facts above: what each cost center "
            + "is, whether it is inherent or removable, and what to try next._\n");
        return md.toString();
    }

    private void clientSection(final StringBuilder md, final ClientProfile client)
    {
        md.append("## ").append(client.client).append("\n\n");
        md.append("Windows: ");
        final List<String> windows = new ArrayList<>();
        for (final JfrSummary.Window window : client.windows)
        {
            windows.add((window.op == null ? "whole span" : window.op + " round " + window.round) + " (" +
                fmt((window.endNs - window.startNs) / 1e9, 1) + " s)");
        }
        md.append(String.join(", ", windows)).append(". ");
        final long samples = client.executionSamples();
        md.append(fmt(samples, 0)).append(" execution samples: ").append(roleShares(client)).append("; ")
            .append(pct(client.interpretedTop, samples)).append(" with an interpreted top frame, ")
            .append(fmt(client.truncatedStacks, 0)).append(" truncated stacks.\n\n");

        md.append("### CPU: self time (top frame), top ").append(top).append("\n\n");
        methodTable(md, client.self, samples);
        md.append("### CPU: inclusive (each method once per stack; thread entry frames left out), top ").append(top)
            .append("\n\n");
        methodTable(md, client.inclusive, samples);

        md.append("### Native samples\n\n");
        final long natives = client.nativeSamples();
        md.append(fmt(natives, 0)).append(" native samples");
        if (natives > 0)
        {
            md.append(": ");
            final List<String> kinds = new ArrayList<>();
            for (final Map.Entry<String, Long> kind : client.nativeByKind.entrySet())
            {
                kinds.add(kind.getKey() + " " + pct(kind.getValue(), natives));
            }
            md.append(String.join(", ", kinds)).append(".\n\n");
            md.append("| # | native frame | kind | samples | share | workers | I/O | other client |\n")
                .append("| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |\n");
            int rank = 1;
            for (final Tally.Row row : client.nativeFrames.top(top))
            {
                md.append("| ").append(rank++).append(" | `").append(row.key).append("` | ")
                    .append(ClientProfile.nativeKind(row.key)).append(" | ").append(fmt(row.weight, 0)).append(" | ")
                    .append(pct(row.weight, natives));
                roleCells(md, row);
            }
        }
        else
        {
            md.append(".\n");
        }
        md.append('\n');

        md.append("### Allocation: top ").append(top).append(" sites by sampled weight\n\n");
        final long allocated = client.allocSites.total();
        if (client.allocSites.count() == 0)
        {
            md.append("No allocation sample on this client's threads inside its windows.\n\n");
        }
        else
        {
            md.append("| # | class | allocating frame | via (first non-JDK frame) | sampled MiB | share | samples |\n")
                .append("| ---: | --- | --- | --- | ---: | ---: | ---: |\n");
            int rank = 1;
            for (final Tally.Row row : client.allocSites.top(top))
            {
                final String[] parts = row.key.split(ClientProfile.SEPARATOR, -1);
                md.append("| ").append(rank++).append(" | `").append(parts[0]).append("` | `").append(parts[1])
                    .append("` | ").append(parts[2].isEmpty() ? "" : "`" + parts[2] + "`").append(" | ")
                    .append(fmt(row.weight / MIB, 2)).append(" | ").append(pct(row.weight, allocated)).append(" | ")
                    .append(fmt(row.events, 0)).append(" |\n");
            }
            md.append('\n');
        }
        md.append("Sampled: ").append(fmt(client.allocSites.count(), 0)).append(" sample(s), ")
            .append(bytes(allocated)).append(". TLAB events: ").append(fmt(client.tlabEvents, 0))
            .append(" new TLAB(s) (").append(bytes(client.tlabBytes)).append(") + ")
            .append(fmt(client.outsideTlabEvents, 0)).append(" outside-TLAB allocation(s) (")
            .append(bytes(client.outsideTlabBytes)).append(").\n\n");

        md.append("### Thread CPU (jdk.ThreadCPULoad, OS-measured)\n\n");
        md.append("| threads | cores user | cores system | system share |\n| --- | ---: | ---: | ---: |\n");
        for (final String role : ThreadRoles.ALL)
        {
            md.append("| ").append(role).append(" | ").append(fmt(cores(client, role, true, false), 2))
                .append(" | ").append(fmt(cores(client, role, false, true), 2)).append(" | ")
                .append(pct(cores(client, role, false, true), cores(client, role, true, true))).append(" |\n");
        }
        md.append("| all | ").append(fmt(cores(client, null, true, false), 2)).append(" | ")
            .append(fmt(cores(client, null, false, true), 2)).append(" | ")
            .append(pct(cores(client, null, false, true), cores(client, null, true, true))).append(" |\n\n");
        if (client.cpuLoadEvents > 0)
        {
            md.append("Machine (jdk.CPULoad): ").append(pct(client.machineTotalSum, client.cpuLoadEvents))
                .append(" busy on average, this JVM ").append(pct(client.jvmSum, client.cpuLoadEvents))
                .append(".\n\n");
        }

        final String gc = gcLine(client);
        md.append("### GC\n\n").append(Character.toUpperCase(gc.charAt(0))).append(gc.substring(1)).append("\n\n");

        final List<Tally.Row> others = client.otherThreads.top(5);
        if (!others.isEmpty())
        {
            md.append("Other threads sampled in these windows (not counted above): ");
            final List<String> names = new ArrayList<>();
            for (final Tally.Row row : others)
            {
                names.add("`" + row.key + "` " + row.weight);
            }
            md.append(String.join(", ", names)).append(".\n\n");
        }
    }

    private void methodTable(final StringBuilder md, final Tally tally, final long samples)
    {
        if (samples == 0)
        {
            md.append("No execution samples.\n\n");
            return;
        }
        md.append("| # | method | samples | share | workers | I/O | other client |\n")
            .append("| ---: | --- | ---: | ---: | ---: | ---: | ---: |\n");
        int rank = 1;
        for (final Tally.Row row : tally.top(top))
        {
            md.append("| ").append(rank++).append(" | `").append(row.key).append("` | ").append(fmt(row.weight, 0))
                .append(" | ").append(pct(row.weight, samples));
            roleCells(md, row);
        }
        md.append('\n');
    }

    private static void roleCells(final StringBuilder md, final Tally.Row row)
    {
        for (final String role : ThreadRoles.ALL)
        {
            md.append(" | ").append(fmt(row.role(role), 0));
        }
        md.append(" |\n");
    }

    /** Bullets computed from the tables: numbers and names only, no judgement. */
    List<String> facts()
    {
        final List<String> facts = new ArrayList<>();
        for (final ClientProfile client : profile.clients)
        {
            final String name = "**" + client.client + "**";
            final long samples = client.executionSamples();
            final long ops = client.ops();
            facts.add(name + ": " + fmt(samples, 0) + " execution samples in " + fmt(client.windowSeconds(), 1) +
                " s of measured window" + (ops > 0 ? " (" + fmt(ops, 0) + " ops, " +
                fmt(samples * 1000.0 / ops, 2) + " samples per 1k ops)" : "") + "; " + roleShares(client) + ".");
            final List<Tally.Row> self = client.self.top(5);
            if (!self.isEmpty())
            {
                long topFive = 0;
                for (final Tally.Row row : self)
                {
                    topFive += row.weight;
                }
                facts.add(name + ": top self frame `" + self.get(0).key + "` " + pct(self.get(0).weight, samples) +
                    " of samples; the top " + self.size() + " self frames together " + pct(topFive, samples) + ".");
            }
            for (final String role : ThreadRoles.ALL)
            {
                final long roleSamples = client.samplesByRole.get(role);
                if (roleSamples == 0)
                {
                    continue;
                }
                final List<String> under = new ArrayList<>();
                for (final Tally.Row row : byRole(client.inclusive, role))
                {
                    if (under.size() == FACT_TOP)
                    {
                        break;
                    }
                    if (!row.key.startsWith(ClientProfile.HARNESS_PACKAGE) &&
                        row.role(role) < RUN_LOOP_SHARE * roleSamples)
                    {
                        under.add("`" + row.key + "` " + pct(row.role(role), roleSamples));
                    }
                }
                facts.add(name + " " + role + " threads (" + fmt(roleSamples, 0) + " samples): " + (under.isEmpty() ?
                    "no method outside the harness's own code and the threads' run loops." : "most samples under "
                    + String.join(", ", under) + " (inclusive; the harness's own code and run loops under more than "
                    + "99.5% of them left out)."));
            }
            final double allCores = cores(client, null, true, true);
            if (allCores > 0)
            {
                final List<String> roles = new ArrayList<>();
                for (final String role : ThreadRoles.ALL)
                {
                    roles.add(role + " " + fmt(cores(client, role, true, true), 2));
                }
                facts.add(name + ": its threads used " + fmt(allCores, 2) + " cores on average (OS-measured; " +
                    String.join(", ", roles) + "); system (kernel) time " +
                    pct(cores(client, null, false, true), allCores) + " of it.");
            }
            final long natives = client.nativeSamples();
            if (natives > 0)
            {
                final List<String> kinds = new ArrayList<>();
                for (final Map.Entry<String, Long> kind : client.nativeByKind.entrySet())
                {
                    if (kind.getValue() > 0)
                    {
                        kinds.add(kind.getKey() + " " + pct(kind.getValue(), natives));
                    }
                }
                facts.add(name + ": " + fmt(natives, 0) + " native samples: " + String.join(", ", kinds) + ".");
            }
            facts.add(name + ": " + allocationFact(client, ops));
            facts.add(name + ": GC: " + gcLine(client));
            if (!client.results.isEmpty())
            {
                final List<String> measured = new ArrayList<>();
                measured.add(fmt(ops / client.windowSeconds(), 0) + " ops/s");
                if (!Double.isNaN(client.harnessPerOp(true)))
                {
                    measured.add(fmt(client.harnessPerOp(true), 2) + " \u00b5s CPU/op");
                }
                if (!Double.isNaN(client.harnessPerOp(false)))
                {
                    measured.add(fmt(client.harnessPerOp(false), 1) + " B/op allocated (whole JVM)");
                }
                facts.add(name + ": the harness measured, under the profiler, " + String.join(", ", measured) +
                    (client.cpuLoadEvents > 0 ? "; the machine was " + pct(client.machineTotalSum,
                        client.cpuLoadEvents) + " busy, this JVM " + pct(client.jvmSum, client.cpuLoadEvents) : "") +
                    ".");
            }
        }
        if (profile.clients.size() > 1)
        {
            final List<String> perOp = new ArrayList<>();
            final List<String> allocPerOp = new ArrayList<>();
            for (final ClientProfile client : profile.clients)
            {
                final long ops = client.ops();
                if (ops > 0)
                {
                    perOp.add(client.client + " " + fmt(client.executionSamples() * 1000.0 / ops, 2));
                    allocPerOp.add(client.client + " " + fmt((double)client.allocSites.total() / ops, 1));
                }
            }
            if (!perOp.isEmpty())
            {
                facts.add("Execution samples per 1k ops: " + String.join(", ", perOp) + ". JFR-sampled bytes "
                    + "allocated per op on the clients' threads: " + String.join(", ", allocPerOp) + ".");
            }
        }
        return facts;
    }

    private String allocationFact(final ClientProfile client, final long ops)
    {
        final long allocated = client.allocSites.total();
        if (client.allocSites.count() == 0)
        {
            return "no allocation sample on its threads inside its windows (TLAB events: " +
                fmt(client.tlabEvents, 0) + " new TLABs, " + fmt(client.outsideTlabEvents, 0) + " outside).";
        }
        final List<Tally.Row> sites = client.allocSites.top(5);
        long topFive = 0;
        for (final Tally.Row row : sites)
        {
            topFive += row.weight;
        }
        final String[] first = sites.get(0).key.split(ClientProfile.SEPARATOR, -1);
        final double seconds = client.windowSeconds();
        return "sampled allocation " + bytes(allocated) + (seconds > 0 ? " (" + bytes(allocated / seconds) +
            "/s" + (ops > 0 ? ", " + fmt((double)allocated / ops, 2) + " B/op" : "") + ")" : "") + " in " +
            fmt(client.allocSites.count(), 0) + " sample(s); top site `" +
            first[1] + "` allocating `" + first[0] + "`" + (first[2].isEmpty() ? "" : " via `" + first[2] + "`") +
            " " + pct(sites.get(0).weight, allocated) + "; the top " + sites.size() + " sites " +
            pct(topFive, allocated) + ". TLAB cross-check: " + bytes(client.tlabBytes + client.outsideTlabBytes) + ".";
    }

    private static String gcLine(final ClientProfile client)
    {
        if (client.gcCount == 0)
        {
            return "no collection started inside its windows.";
        }
        final List<String> kinds = new ArrayList<>();
        for (final Map.Entry<String, Integer> kind : client.gcKinds.entrySet())
        {
            kinds.add(kind.getValue() + " \u00d7 " + kind.getKey());
        }
        return client.gcCount + " collection(s): " + String.join(", ", kinds) + "; " +
            fmt(client.gcNanos / 1e6, 1) + " ms in total, pauses " + fmt(client.gcPauseNanos / 1e6, 1) +
            " ms, longest pause " + fmt(client.gcLongestPauseNanos / 1e6, 1) + " ms.";
    }

    /** Short text for stderr: per client the top self frames and allocation sites. */
    String console(final int n)
    {
        final StringBuilder out = new StringBuilder(4096);
        for (final ClientProfile client : profile.clients)
        {
            final long samples = client.executionSamples();
            out.append(String.format(Locale.ROOT, "[profile] %s: %,d execution samples (%s), sampled alloc %.1f MiB"
                + "%n", client.client, samples, roleShares(client), client.allocSites.total() / MIB));
            for (final Tally.Row row : client.self.top(n))
            {
                out.append(String.format(Locale.ROOT, "[profile]   cpu   %6s  %s%n", pct(row.weight, samples),
                    row.key));
            }
            for (final Tally.Row row : client.allocSites.top(n))
            {
                final String[] parts = row.key.split(ClientProfile.SEPARATOR, -1);
                out.append(String.format(Locale.ROOT, "[profile]   alloc %6s  %s  %s%s%n",
                    pct(row.weight, client.allocSites.total()), parts[0], parts[1],
                    parts[2].isEmpty() ? "" : "  via " + parts[2]));
            }
        }
        return out.toString();
    }

    private static String roleShares(final ClientProfile client)
    {
        final long samples = client.executionSamples();
        final List<String> shares = new ArrayList<>();
        for (final String role : ThreadRoles.ALL)
        {
            shares.add(role + " " + pct(client.samplesByRole.get(role), samples));
        }
        return String.join(", ", shares);
    }

    private static List<Tally.Row> byRole(final Tally tally, final String role)
    {
        final List<Tally.Row> rows = new ArrayList<>(tally.top(Integer.MAX_VALUE));
        rows.sort((a, b) -> Long.compare(b.role(role), a.role(role)));
        return rows;
    }

    /**
     * Average cores used over the client's windows: core-seconds inside them over their length.
     *
     * @param role null for all of the client's threads.
     */
    private double cores(final ClientProfile client, final String role, final boolean user, final boolean system)
    {
        final double seconds = client.windowSeconds();
        if (seconds <= 0)
        {
            return 0;
        }
        double sum = 0;
        for (final Map.Entry<String, double[]> entry : client.threadCpu.entrySet())
        {
            if (role == null || role.equals(entry.getKey()))
            {
                sum += (user ? entry.getValue()[0] : 0) + (system ? entry.getValue()[1] : 0);
            }
        }
        return sum / seconds;
    }

    private static String bytes(final double value)
    {
        if (value >= MIB)
        {
            return fmt(value / MIB, 1) + " MiB";
        }
        return value >= 1024 ? fmt(value / 1024, 1) + " KiB" : fmt(value, 0) + " B";
    }

    private static String pct(final double part, final double whole)
    {
        return whole > 0 ? String.format(Locale.ROOT, "%.1f%%", 100.0 * part / whole) : "n/a";
    }

    private static String fmt(final double value, final int decimals)
    {
        if (Double.isNaN(value))
        {
            return "n/a";
        }
        return String.format(Locale.ROOT, "%,." + decimals + "f", value);
    }

}
