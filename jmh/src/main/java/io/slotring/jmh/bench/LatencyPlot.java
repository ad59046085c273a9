package io.slotring.jmh.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A hand-written SVG of latency against percentile, one panel per op and one polyline per client. The x axis is
 * the usual log scale of "nines" ({@code -log10(1 - p)}), so 50, 90, 99, 99.9 and 99.99 are equally spaced and the
 * tail gets the room it deserves; the y axis is logarithmic too, as tails span decades.
 */
final class LatencyPlot
{
    private static final int WIDTH = 920;
    private static final int PANEL_HEIGHT = 340;
    private static final int LEFT = 80;
    private static final int RIGHT = 180;
    private static final int TOP = 40;
    private static final int BOTTOM = 46;
    private static final double X_MIN = nines(50);
    private static final double X_MAX = nines(99.99);
    private static final double[] X_TICKS = { 50, 90, 99, 99.9, 99.99 };
    private static final Map<String, String> COLOURS = Map.of(
        ClientFactory.SLOTRING, "#d62728",
        ClientFactory.LETTUCE, "#2ca02c",
        ClientFactory.LETTUCE_MANUAL, "#17becf",
        ClientFactory.JEDIS, "#1f77b4",
        ClientFactory.REDIS_BENCHMARK, "#7f7f7f");

    private LatencyPlot()
    {
    }

    static double nines(final double percentile)
    {
        return -Math.log10(1 - percentile / 100.0);
    }

    /**
     * @param summaries every client and op, in report order.
     * @param ops       the ops, one panel each.
     * @param latency   what a latency sample is (per batch, per command).
     * @return the SVG document.
     */
    static String render(final List<Summary> summaries, final List<Op> ops, final String latency)
    {
        final int height = ops.size() * PANEL_HEIGHT + 30;
        final StringBuilder svg = new StringBuilder(16 * 1024);
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"")
            .append(height).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(height)
            .append("\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.append(text(WIDTH / 2.0, 18, "middle", 14, "Latency by percentile (" + latency + ")"));
        for (int i = 0; i < ops.size(); i++)
        {
            panel(svg, summaries, ops.get(i), 30 + i * PANEL_HEIGHT);
        }
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static void panel(final StringBuilder svg, final List<Summary> summaries, final Op op, final int top)
    {
        final double plotTop = top + TOP;
        final double plotBottom = top + PANEL_HEIGHT - BOTTOM;
        final double plotLeft = LEFT;
        final double plotRight = WIDTH - RIGHT;
        double min = Double.MAX_VALUE;
        double max = 0;
        for (final Summary summary : summaries)
        {
            if (summary.op != op)
            {
                continue;
            }
            for (final double[] point : summary.curve())
            {
                if (point[1] > 0)
                {
                    min = Math.min(min, point[1]);
                    max = Math.max(max, point[1]);
                }
            }
        }
        svg.append(text((plotLeft + plotRight) / 2, top + 26, "middle", 13, op.label()));
        if (max == 0)
        {
            svg.append(text((plotLeft + plotRight) / 2, (plotTop + plotBottom) / 2, "middle", 12,
                "no latency data"));
            return;
        }
        final double yMin = Math.floor(Math.log10(min));
        final double yMax = Math.max(yMin + 1, Math.ceil(Math.log10(max)));
        svg.append(String.format(Locale.ROOT,
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#444\"/>\n",
            plotLeft, plotTop, plotRight - plotLeft, plotBottom - plotTop));
        for (double decade = yMin; decade <= yMax; decade++)
        {
            for (final int step : new int[] { 1, 2, 5 })
            {
                final double value = step * Math.pow(10, decade);
                final double log = Math.log10(value);
                if (log < yMin || log > yMax)
                {
                    continue;
                }
                final double y = plotBottom - (log - yMin) / (yMax - yMin) * (plotBottom - plotTop);
                svg.append(line(plotLeft, y, plotRight, y, step == 1 ? "#ccc" : "#eee"));
                svg.append(text(plotLeft - 6, y + 4, "end", 11, micros(value)));
            }
        }
        for (final double tick : X_TICKS)
        {
            final double x = x(tick, plotLeft, plotRight);
            svg.append(line(x, plotTop, x, plotBottom, "#ddd"));
            svg.append(text(x, plotBottom + 16, "middle", 11, trim(tick) + "%"));
        }
        svg.append(text((plotLeft + plotRight) / 2, plotBottom + 34, "middle", 11, "percentile (log scale of nines)"));
        svg.append(String.format(Locale.ROOT,
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\" transform=\"rotate(-90 %.1f %.1f)\">"
                + "latency (log)</text>%n", plotLeft - 58, (plotTop + plotBottom) / 2, plotLeft - 58,
            (plotTop + plotBottom) / 2));
        int legend = 0;
        for (final Summary summary : summaries)
        {
            if (summary.op != op)
            {
                continue;
            }
            final List<double[]> curve = summary.curve();
            if (curve.isEmpty())
            {
                continue;
            }
            final String colour = COLOURS.getOrDefault(summary.client, "#9467bd");
            final StringBuilder points = new StringBuilder();
            for (final double[] point : curve)
            {
                if (point[1] <= 0 || point[0] < 50)
                {
                    continue;
                }
                final double x = x(Math.min(point[0], 99.99), plotLeft, plotRight);
                final double y = plotBottom - (Math.log10(point[1]) - yMin) / (yMax - yMin) * (plotBottom - plotTop);
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            svg.append("<polyline fill=\"none\" stroke=\"").append(colour).append("\" stroke-width=\"2\" points=\"")
                .append(points.toString().trim()).append("\"/>\n");
            final double ly = plotTop + 10 + legend * 18;
            svg.append(line(plotRight + 14, ly, plotRight + 38, ly, colour).replace("stroke-width=\"1\"",
                "stroke-width=\"3\""));
            svg.append(text(plotRight + 44, ly + 4, "start", 12, summary.client));
            legend++;
        }
    }

    private static double x(final double percentile, final double left, final double right)
    {
        return left + (nines(percentile) - X_MIN) / (X_MAX - X_MIN) * (right - left);
    }

    private static String micros(final double value)
    {
        if (value >= 1_000_000)
        {
            return trim(value / 1_000_000) + " s";
        }
        if (value >= 1000)
        {
            return trim(value / 1000) + " ms";
        }
        return trim(value) + " \u00b5s";
    }

    private static String trim(final double value)
    {
        final String text = String.format(Locale.ROOT, "%.2f", value);
        return text.replaceAll("\\.?0+$", "");
    }

    private static String line(final double x1, final double y1, final double x2, final double y2,
        final String colour)
    {
        return String.format(Locale.ROOT,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1\"/>%n",
            x1, y1, x2, y2, colour);
    }

    private static String text(final double x, final double y, final String anchor, final int size,
        final String content)
    {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\">%s</text>%n",
            x, y, anchor, size, escape(content));
    }

    private static String escape(final String text)
    {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
