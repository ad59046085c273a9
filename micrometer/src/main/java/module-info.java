/**
 * Optional Micrometer binding for slotring: {@link io.slotring.micrometer.SlotringMeterBinder} publishes a client's
 * counters (per node and in total) and command latencies as Micrometer meters. Micrometer only reads snapshots
 * ({@link io.slotring.engine.Client#metrics()}); nothing is added to the command path.
 */
module io.slotring.micrometer
{
    requires transitive io.slotring.engine;
    // Automatic module (Automatic-Module-Name of micrometer-core); its types are in this module's API.
    requires transitive micrometer.core;

    exports io.slotring.micrometer;
}
