package io.slotring.bench.report;

import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A minimal JSON writer for the result lines: maps, lists, long arrays, strings, numbers, booleans and null. Not a
 * parser, and no dependency brought in for a few hundred bytes of output.
 */
public final class Json
{
    private Json()
    {
    }

    public static String write(final Object value)
    {
        final StringBuilder out = new StringBuilder(256);
        append(out, value);
        return out.toString();
    }

    private static void append(final StringBuilder out, final Object value)
    {
        if (value == null)
        {
            out.append("null");
        }
        else if (value instanceof String)
        {
            string(out, (String)value);
        }
        else if (value instanceof Double || value instanceof Float)
        {
            final double number = ((Number)value).doubleValue();
            if (Double.isNaN(number) || Double.isInfinite(number))
            {
                out.append("null");
            }
            else if (number == Math.rint(number) && Math.abs(number) < 1e15)
            {
                out.append((long)number);
            }
            else
            {
                String text = String.format(Locale.ROOT, "%.3f", number);
                while (text.endsWith("0"))
                {
                    text = text.substring(0, text.length() - 1);
                }
                out.append(text.endsWith(".") ? text.substring(0, text.length() - 1) : text);
            }
        }
        else if (value instanceof Number || value instanceof Boolean)
        {
            out.append(value);
        }
        else if (value instanceof Map)
        {
            out.append('{');
            final Iterator<? extends Map.Entry<?, ?>> entries = ((Map<?, ?>)value).entrySet().iterator();
            while (entries.hasNext())
            {
                final Map.Entry<?, ?> entry = entries.next();
                string(out, String.valueOf(entry.getKey()));
                out.append(':');
                append(out, entry.getValue());
                if (entries.hasNext())
                {
                    out.append(',');
                }
            }
            out.append('}');
        }
        else if (value instanceof List)
        {
            out.append('[');
            final List<?> list = (List<?>)value;
            for (int i = 0; i < list.size(); i++)
            {
                if (i > 0)
                {
                    out.append(',');
                }
                append(out, list.get(i));
            }
            out.append(']');
        }
        else if (value instanceof long[])
        {
            out.append('[');
            final long[] array = (long[])value;
            for (int i = 0; i < array.length; i++)
            {
                if (i > 0)
                {
                    out.append(',');
                }
                out.append(array[i]);
            }
            out.append(']');
        }
        else
        {
            string(out, value.toString());
        }
    }

    private static void string(final StringBuilder out, final String text)
    {
        out.append('"');
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            switch (c)
            {
                case '"':
                    out.append("\\\"");
                    break;
                case '\\':
                    out.append("\\\\");
                    break;
                case '\n':
                    out.append("\\n");
                    break;
                case '\r':
                    out.append("\\r");
                    break;
                case '\t':
                    out.append("\\t");
                    break;
                default:
                    if (c < 0x20)
                    {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int)c));
                    }
                    else
                    {
                        out.append(c);
                    }
            }
        }
        out.append('"');
    }
}
