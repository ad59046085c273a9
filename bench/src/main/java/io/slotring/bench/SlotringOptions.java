package io.slotring.bench;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.slotring.cluster.ClusterConfig;
import io.slotring.engine.ClientConfig;
import org.agrona.concurrent.BusySpinIdleStrategy;

/**
 * slotring's thread settings under test ({@code --io-threads}, {@code --io-idle}, {@code --caller-spin}): applied
 * to every slotring client of a run, written into its JSON config and the report, and checked against the cores,
 * since spinning threads beyond them starve the very threads they wait for.
 */
public final class SlotringOptions
{
    private static final Pattern IO_THREADS = Pattern.compile("ioThreads=([0-9]+)");
    private static final int LIBRARY_IO_THREADS = libraryDefaultIoThreads(ClientConfig.create().toString());

    /** The library's defaults: nothing is set on the config. */
    static final SlotringOptions DEFAULTS = new SlotringOptions(0, IoIdle.SELECTOR, 0);

    /** {@code --io-idle}: what an I/O agent does when a pass found nothing to do. */
    enum IoIdle
    {
        /** The library default (supplier left null): spin briefly, then block in epoll until woken. */
        SELECTOR("selector"),
        /** {@code ClientConfig::backoffIoIdleStrategy}: spin, yield, then park 1 us growing to 100 us. */
        BACKOFF("backoff"),
        /** Agrona's {@code BusySpinIdleStrategy}: the agent never sleeps; one core per agent. */
        BUSY_SPIN("busy-spin");

        private final String label;

        IoIdle(final String label)
        {
            this.label = label;
        }

        String label()
        {
            return label;
        }

        static IoIdle parse(final String text)
        {
            final String wanted = text.trim().toLowerCase(Locale.ROOT);
            for (final IoIdle idle : values())
            {
                if (idle.label.equals(wanted))
                {
                    return idle;
                }
            }
            throw new IllegalArgumentException("unknown --io-idle '" + text + "'; known: selector, backoff, " +
                "busy-spin");
        }
    }

    /** 0: the library's default agent count (left unset). */
    final int ioThreads;
    final IoIdle ioIdle;
    final int callerSpin;

    SlotringOptions(final int ioThreads, final IoIdle ioIdle, final int callerSpin)
    {
        if (ioThreads < 0 || ioThreads > 256)
        {
            throw new IllegalArgumentException("--io-threads must be 1..256");
        }
        if (callerSpin < 0)
        {
            throw new IllegalArgumentException("--caller-spin must be >= 0");
        }
        this.ioThreads = ioThreads;
        this.ioIdle = ioIdle;
        this.callerSpin = callerSpin;
    }

    /** Sets only what was asked for, so an unset option keeps whatever default the library has today. */
    void applyTo(final ClusterConfig config)
    {
        if (ioThreads > 0)
        {
            config.ioThreads(ioThreads);
        }
        switch (ioIdle)
        {
            case BACKOFF:
                config.ioIdleStrategy(ClientConfig::backoffIoIdleStrategy);
                break;
            case BUSY_SPIN:
                config.ioIdleStrategy(BusySpinIdleStrategy::new);
                break;
            default:
                break;
        }
        if (callerSpin > 0)
        {
            config.callerSpinTries(callerSpin);
        }
    }

    /**
     * @return agent count as configured, else the library's default.
     */
    int effectiveIoThreads()
    {
        return ioThreads > 0 ? ioThreads : LIBRARY_IO_THREADS;
    }

    /** The default is read from the library (its config's description), so the bench follows it if it changes. */
    static int libraryDefaultIoThreads(final String configText)
    {
        final Matcher m = IO_THREADS.matcher(configText);
        return m.find() ? Integer.parseInt(m.group(1)) : 1;
    }

    /**
     * @param workers caller threads of the run.
     * @return threads that never sleep while they wait: busy-spin agents, plus every worker that spins in await.
     */
    int spinningThreads(final int workers)
    {
        return (ioIdle == IoIdle.BUSY_SPIN ? effectiveIoThreads() : 0) + (callerSpin > 0 ? workers : 0);
    }

    /**
     * @param workers caller threads of the run.
     * @param cores   {@code Runtime.availableProcessors()}.
     * @return the warning for stderr and the report, or null when the spinning threads fit the cores.
     */
    String oversubscription(final int workers, final int cores)
    {
        final int spinning = spinningThreads(workers);
        if (spinning <= cores)
        {
            return null;
        }
        return String.format(Locale.ROOT, "slotring is configured with %d spinning thread(s) (%s%s) on %d core(s): "
            + "spinners beyond the cores take CPU from the threads they wait for (and from the redis-servers), so "
            + "latency rises instead of falling", spinning,
            ioIdle == IoIdle.BUSY_SPIN ? effectiveIoThreads() + " busy-spin I/O agent(s)" : "",
            callerSpin > 0 ? (ioIdle == IoIdle.BUSY_SPIN ? " + " : "") + workers + " worker(s) with --caller-spin " +
                callerSpin : "", cores);
    }

    /**
     * @return the options for the JSON config and the report; "default" where nothing was set.
     */
    Map<String, Object> describe()
    {
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("io_threads", ioThreads > 0 ? Integer.toString(ioThreads) : "default (" + LIBRARY_IO_THREADS + ")");
        out.put("io_idle", ioIdle == IoIdle.SELECTOR ? "selector (default)" : ioIdle.label());
        out.put("caller_spin", callerSpin);
        return out;
    }

    /**
     * @return one line for the report's setup section.
     */
    public String summary()
    {
        final String threads = ioThreads > 0 ? Integer.toString(ioThreads) : "default (" + LIBRARY_IO_THREADS + ")";
        return "io threads " + threads + ", I/O idle " + ioIdle.label() +
            (ioIdle == IoIdle.SELECTOR ? " (default)" : "") + ", caller spin " + callerSpin +
            (callerSpin == 0 ? " (default)" : "");
    }
}
