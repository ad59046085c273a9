package io.slotring.launcher;

/** Field lookup in INFO / CLUSTER INFO text ({@code key:value} lines). */
final class Info
{
    private Info()
    {
    }

    /** The value of {@code key}, or null when absent. */
    static String field(String info, String key)
    {
        String prefix = key + ":";
        for (String line : info.split("\r?\n"))
        {
            if (line.startsWith(prefix))
            {
                return line.substring(prefix.length()).trim();
            }
        }
        return null;
    }
}
