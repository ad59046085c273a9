/**
 * Test support: real redis-server processes and clusters on loopback ports, a fault proxy, JUnit extensions and
 * {@link io.slotring.launcher.Await}. Depends on nothing but the JDK; JUnit is needed only by the extensions.
 */
module io.slotring.launcher
{
    // The extensions implement JUnit interfaces: a test module that uses them reads JUnit anyway.
    requires static transitive org.junit.jupiter.api;
    requires static org.junit.platform.commons;

    exports io.slotring.launcher;
}
