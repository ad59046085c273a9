package io.slotring.bench;

import picocli.CommandLine.Option;

/**
 * The slotring thread options shared by {@code bin/bench} and {@code bin/bench latency} (a picocli mixin), so both
 * spell and document them alike.
 */
final class SlotringFlags
{
    @Option(names = "--io-threads", paramLabel = "N", description = "slotring I/O agent threads "
        + "(ClientConfig.ioThreads; default: the library's).")
    private int ioThreads;

    @Option(names = "--io-idle", paramLabel = "selector|backoff|busy-spin", description = "slotring I/O agent "
        + "idle strategy: selector = the library default (block in epoll until woken), backoff = "
        + "ClientConfig::backoffIoIdleStrategy, busy-spin = Agrona BusySpinIdleStrategy (one core per agent). "
        + "Default: ${DEFAULT-VALUE}.")
    private String ioIdle = "selector";

    @Option(names = "--caller-spin", paramLabel = "N", description = "slotring ClientConfig.callerSpinTries: spins "
        + "a waiting caller makes before it parks (default: ${DEFAULT-VALUE}).")
    private int callerSpin;

    /**
     * @return the resolved options.
     * @throws IllegalArgumentException naming the bad option.
     */
    SlotringOptions resolve()
    {
        if (ioThreads < 0 || ioThreads > 256)
        {
            throw new IllegalArgumentException("--io-threads must be 1..256");
        }
        return new SlotringOptions(ioThreads, SlotringOptions.IoIdle.parse(ioIdle), callerSpin);
    }
}
