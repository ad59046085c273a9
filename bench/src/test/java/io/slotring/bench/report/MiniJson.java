package io.slotring.bench.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A strict little JSON parser for the test: the harness writes JSON by hand, so parse it independently. */
public final class MiniJson
{
    private final String text;
    private int at;

    private MiniJson(final String text)
    {
        this.text = text;
    }

    public static Object parse(final String text)
    {
        final MiniJson parser = new MiniJson(text);
        final Object value = parser.value();
        parser.whitespace();
        if (parser.at != text.length())
        {
            throw parser.error("trailing characters");
        }
        return value;
    }

    /**
     * @return the object that must be the whole of {@code text}.
     */
    public static Map<String, Object> parseObject(final String text)
    {
        final MiniJson parser = new MiniJson(text);
        parser.whitespace();
        if (!parser.peek('{'))
        {
            throw parser.error("expected a JSON object");
        }
        final Map<String, Object> value = parser.object();
        parser.whitespace();
        if (parser.at != text.length())
        {
            throw parser.error("trailing characters");
        }
        return value;
    }

    private Object value()
    {
        whitespace();
        if (at >= text.length())
        {
            throw error("unexpected end");
        }
        final char c = text.charAt(at);
        switch (c)
        {
            case '{':
                return object();
            case '[':
                return array();
            case '"':
                return string();
            case 't':
                return literal("true", Boolean.TRUE);
            case 'f':
                return literal("false", Boolean.FALSE);
            case 'n':
                return literal("null", null);
            default:
                return number();
        }
    }

    private Map<String, Object> object()
    {
        final Map<String, Object> out = new LinkedHashMap<>();
        at++;
        whitespace();
        if (peek('}'))
        {
            at++;
            return out;
        }
        while (true)
        {
            whitespace();
            final String key = string();
            whitespace();
            expect(':');
            out.put(key, value());
            whitespace();
            if (peek(','))
            {
                at++;
                continue;
            }
            expect('}');
            return out;
        }
    }

    private List<Object> array()
    {
        final List<Object> out = new ArrayList<>();
        at++;
        whitespace();
        if (peek(']'))
        {
            at++;
            return out;
        }
        while (true)
        {
            out.add(value());
            whitespace();
            if (peek(','))
            {
                at++;
                continue;
            }
            expect(']');
            return out;
        }
    }

    private String string()
    {
        expect('"');
        final StringBuilder out = new StringBuilder();
        while (true)
        {
            if (at >= text.length())
            {
                throw error("unterminated string");
            }
            final char c = text.charAt(at++);
            if (c == '"')
            {
                return out.toString();
            }
            if (c < 0x20)
            {
                throw error("raw control character in string");
            }
            if (c != '\\')
            {
                out.append(c);
                continue;
            }
            final char escaped = text.charAt(at++);
            switch (escaped)
            {
                case '"':
                case '\\':
                case '/':
                    out.append(escaped);
                    break;
                case 'n':
                    out.append('\n');
                    break;
                case 'r':
                    out.append('\r');
                    break;
                case 't':
                    out.append('\t');
                    break;
                case 'b':
                    out.append('\b');
                    break;
                case 'f':
                    out.append('\f');
                    break;
                case 'u':
                    out.append((char)Integer.parseInt(text.substring(at, at + 4), 16));
                    at += 4;
                    break;
                default:
                    throw error("bad escape \\" + escaped);
            }
        }
    }

    private Double number()
    {
        final int start = at;
        while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0)
        {
            at++;
        }
        if (start == at)
        {
            throw error("unexpected character '" + text.charAt(at) + "'");
        }
        return Double.parseDouble(text.substring(start, at));
    }

    private Object literal(final String word, final Object value)
    {
        if (!text.startsWith(word, at))
        {
            throw error("expected " + word);
        }
        at += word.length();
        return value;
    }

    private boolean peek(final char c)
    {
        return at < text.length() && text.charAt(at) == c;
    }

    private void expect(final char c)
    {
        if (!peek(c))
        {
            throw error("expected '" + c + "'");
        }
        at++;
    }

    private void whitespace()
    {
        while (at < text.length() && Character.isWhitespace(text.charAt(at)))
        {
            at++;
        }
    }

    private IllegalArgumentException error(final String what)
    {
        return new IllegalArgumentException(what + " at " + at + " in: " +
            text.substring(Math.max(0, at - 40), Math.min(text.length(), at + 40)));
    }
}
