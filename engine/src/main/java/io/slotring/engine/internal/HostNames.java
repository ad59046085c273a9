package io.slotring.engine.internal;

/**
 * Tells an IP literal from a host name without a lookup, so a connection attempt to a literal never waits on the
 * resolver thread (and a name never blocks an I/O thread).
 */
final class HostNames
{
    private HostNames()
    {
    }

    /**
     * @param host a host as configured or reported by a node.
     * @return true for a dotted-quad IPv4 literal or an IPv6 literal (with or without brackets).
     */
    static boolean isIpLiteral(final String host)
    {
        if (host.indexOf(':') >= 0)
        {
            return true;
        }
        int parts = 0;
        int digits = 0;
        int value = 0;
        for (int i = 0; i < host.length(); i++)
        {
            final char c = host.charAt(i);
            if (c == '.')
            {
                if (digits == 0)
                {
                    return false;
                }
                parts++;
                digits = 0;
                value = 0;
            }
            else if (c >= '0' && c <= '9')
            {
                value = value * 10 + (c - '0');
                if (++digits > 3 || value > 255)
                {
                    return false;
                }
            }
            else
            {
                return false;
            }
        }
        return digits > 0 && parts == 3;
    }
}
