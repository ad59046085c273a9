package io.slotring.bench;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * Library versions for the report. The shaded jar merges every manifest into one, so
 * {@code Package.getImplementationVersion()} says nothing; Maven's pom.properties survive shading.
 */
final class Versions
{
    private Versions()
    {
    }

    static String of(final String groupId, final String artifactId)
    {
        final String resource = "/META-INF/maven/" + groupId + "/" + artifactId + "/pom.properties";
        try (InputStream in = Versions.class.getResourceAsStream(resource))
        {
            if (in == null)
            {
                return "unknown";
            }
            final Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version", "unknown");
        }
        catch (final IOException ex)
        {
            return "unknown";
        }
    }
}
