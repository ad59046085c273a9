package io.slotring.bench.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.slotring.bench.ClientFactory;
import io.slotring.bench.Op;

/**
 * Hand-written SVGs.
 * <ul>
 *   <li>{@link #render}: latency against percentile, one panel per op and one polyline per client. The x axis is
 *       the usual log scale of "nines" ({@code -log10(1 - p)}), so 50, 90, 99, 99.9 and 99.99 are equally spaced
 *       and the tail gets the room it deserves; the y axis is logarithmic too, as tails span decades.</li>
 *   <li>{@link #renderLoad}: latency against offered load ({@code bin/bench latency}): x = offered ops/s (linear,
 *       as the rates are fractions of one saturation), y = latency (log), one colour per client and one line
 *       style per percentile, each client's saturation marked.</li>
 * </ul>
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
        ClientFactory.REDIS_BENCHMARK, "#7f7f7f",
        ClientFactory.SLOTRING_SYNC, "#ff7f0e",
        ClientFactory.LETTUCE_SYNC, "#8c564b",
        ClientFactory.JEDIS_SYNC, "#9467bd");
    private static final int LOAD_WIDTH = 980;
    private static final int LOAD_HEIGHT = 600;
    private static final int LOAD_LEFT = 86;
    private static final int LOAD_RIGHT = 250;
    private static final int LOAD_TOP = 74;
    private static final int LOAD_BOTTOM = 64;
    /** Percentile name and stroke-dasharray ("" = solid), in legend order. */
    private static final String[][] LOAD_STYLES = { { "p50", "" }, { "p99", "9,4" }, { "p99.9", "2,3" } };

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
            final String colour = colour(summary.client);
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

    /** One client's latency at one offered rate; a null percentile is left out of its line. */
    static final class LoadPoint
    {
        final String client;
        final double offered;
        final Double p50;
        final Double p99;
        final Double p999;
        /** False when the client did not keep pace with the offered rate: drawn hollow, its latency is queueing. */
        final boolean keptUp;

        LoadPoint(final String client, final double offered, final Double p50, final Double p99, final Double p999)
        {
            this(client, offered, p50, p99, p999, true);
        }

        LoadPoint(final String client, final double offered, final Double p50, final Double p99, final Double p999,
            final boolean keptUp)
        {
            this.client = client;
            this.offered = offered;
            this.p50 = p50;
            this.p99 = p99;
            this.p999 = p999;
            this.keptUp = keptUp;
        }

        Double percentile(final int style)
        {
            return style == 0 ? p50 : style == 1 ? p99 : p999;
        }
    }

    /**
     * @param title      the headline (op, what is measured).
     * @param subtitle   machine, JDK and Redis, so the picture carries its context when shared alone.
     * @param clients    clients in legend order.
     * @param points     every client's points, any order.
     * @param saturation closed-loop ops/s per client (marked on the x axis when in range; legend either way).
     * @param marks      labels above the plot at these offered rates (the percentages of the 100% rate).
     * @return the SVG document.
     */
    static String renderLoad(final String title, final String subtitle, final List<String> clients,
        final List<LoadPoint> points, final Map<String, Double> saturation, final Map<Double, String> marks)
    {
        final StringBuilder svg = new StringBuilder(16 * 1024);
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(LOAD_WIDTH).append("\" height=\"")
            .append(LOAD_HEIGHT).append("\" viewBox=\"0 0 ").append(LOAD_WIDTH).append(' ').append(LOAD_HEIGHT)
            .append("\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.append(text(LOAD_WIDTH / 2.0, 24, "middle", 16, title));
        svg.append(text(LOAD_WIDTH / 2.0, 44, "middle", 11, subtitle));
        final double left = LOAD_LEFT;
        final double right = LOAD_WIDTH - LOAD_RIGHT;
        final double top = LOAD_TOP;
        final double bottom = LOAD_HEIGHT - LOAD_BOTTOM;
        double xData = 0;
        double min = Double.MAX_VALUE;
        double max = 0;
        for (final LoadPoint point : points)
        {
            xData = Math.max(xData, point.offered);
            for (int style = 0; style < LOAD_STYLES.length; style++)
            {
                final Double value = point.percentile(style);
                if (value != null && value > 0)
                {
                    min = Math.min(min, value);
                    max = Math.max(max, value);
                }
            }
        }
        if (max == 0 || xData <= 0)
        {
            svg.append(text((left + right) / 2, (top + bottom) / 2, "middle", 13, "no latency data"));
            svg.append("</svg>\n");
            return svg.toString();
        }
        final double xStep = niceStep(xData * 1.1 / 5);
        final double xMax = Math.ceil(xData * 1.1 / xStep) * xStep;
        final double yMin = Math.floor(Math.log10(min));
        final double yMax = Math.max(yMin + 1, Math.ceil(Math.log10(max)));
        svg.append(String.format(Locale.ROOT,
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#444\"/>%n",
            left, top, right - left, bottom - top));
        for (double decade = yMin; decade <= yMax; decade++)
        {
            for (final int step : new int[] { 1, 2, 5 })
            {
                final double log = Math.log10(step * Math.pow(10, decade));
                if (log < yMin || log > yMax)
                {
                    continue;
                }
                final double y = bottom - (log - yMin) / (yMax - yMin) * (bottom - top);
                svg.append(line(left, y, right, y, step == 1 ? "#ccc" : "#eee"));
                svg.append(text(left - 6, y + 4, "end", 11, micros(step * Math.pow(10, decade))));
            }
        }
        for (double tick = 0; tick <= xMax + xStep / 2; tick += xStep)
        {
            final double x = left + tick / xMax * (right - left);
            svg.append(line(x, top, x, bottom, "#eee"));
            svg.append(text(x, bottom + 16, "middle", 11, opsPerSec(tick)));
        }
        for (final Map.Entry<Double, String> mark : marks.entrySet())
        {
            if (mark.getKey() > 0 && mark.getKey() <= xMax)
            {
                final double x = left + mark.getKey() / xMax * (right - left);
                svg.append(line(x, top - 4, x, top, "#444"));
                svg.append(text(x, top - 8, "middle", 10, mark.getValue()));
            }
        }
        svg.append(text((left + right) / 2, bottom + 40, "middle", 12,
            "offered load (ops/s, open loop: commands start on schedule, whether or not the client kept up)"));
        svg.append(String.format(Locale.ROOT,
            "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 %.1f %.1f)\">"
                + "latency per command from its intended start (log scale)</text>%n", left - 62,
            (top + bottom) / 2, left - 62, (top + bottom) / 2));

        double legendY = top + 8;
        svg.append(text(right + 16, legendY + 4, "start", 12, "client (closed-loop saturation)"));
        legendY += 20;
        for (final String client : clients)
        {
            final String colour = colour(client);
            final Double saturated = saturation.get(client);
            if (saturated != null && saturated > 0 && saturated <= xMax)
            {
                final double x = left + saturated / xMax * (right - left);
                svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                    + "stroke=\"%s\" stroke-width=\"1\" stroke-dasharray=\"1,5\"/>%n", x, top, x, bottom, colour));
            }
            svg.append(line(right + 16, legendY, right + 42, legendY, colour).replace("stroke-width=\"1\"",
                "stroke-width=\"3\""));
            svg.append(text(right + 48, legendY + 4, "start", 12, client + (saturated == null ? "" :
                " (" + opsPerSec(saturated) + ")")));
            legendY += 18;
            for (int style = 0; style < LOAD_STYLES.length; style++)
            {
                series(svg, points, client, style, colour, xMax, yMin, yMax, left, right, top, bottom);
            }
        }
        legendY += 14;
        svg.append(text(right + 16, legendY + 4, "start", 12, "percentile"));
        legendY += 20;
        for (final String[] style : LOAD_STYLES)
        {
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                + "stroke=\"#333\" stroke-width=\"2\"%s/>%n", right + 16, legendY, right + 42, legendY,
                style[1].isEmpty() ? "" : " stroke-dasharray=\"" + style[1] + "\""));
            svg.append(text(right + 48, legendY + 4, "start", 12, style[0]));
            legendY += 18;
        }
        legendY += 10;
        svg.append(text(right + 16, legendY + 4, "start", 10, "dotted verticals: each client's"));
        svg.append(text(right + 16, legendY + 17, "start", 10, "closed-loop saturation"));
        legendY += 34;
        svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"white\" "
            + "stroke=\"#333\" stroke-width=\"1.5\"/>%n", right + 22, legendY));
        svg.append(text(right + 32, legendY + 4, "start", 10, "hollow: the client did not keep"));
        svg.append(text(right + 32, legendY + 17, "start", 10, "pace with the offered rate"));
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static void series(final StringBuilder svg, final List<LoadPoint> points, final String client,
        final int style, final String colour, final double xMax, final double yMin, final double yMax,
        final double left, final double right, final double top, final double bottom)
    {
        final List<LoadPoint> mine = new ArrayList<>();
        for (final LoadPoint point : points)
        {
            final Double value = point.percentile(style);
            if (point.client.equals(client) && value != null && value > 0)
            {
                mine.add(point);
            }
        }
        if (mine.isEmpty())
        {
            return;
        }
        mine.sort(Comparator.comparingDouble(point -> point.offered));
        final StringBuilder coordinates = new StringBuilder();
        for (final LoadPoint point : mine)
        {
            final double x = left + point.offered / xMax * (right - left);
            final double y = bottom - (Math.log10(point.percentile(style)) - yMin) / (yMax - yMin) * (bottom - top);
            coordinates.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\" "
                + "stroke=\"%s\" stroke-width=\"1.5\"><title>%s %s at %s ops/s: %s%s</title></circle>%n", x, y,
                point.keptUp ? 3.0 : 4.0, point.keptUp ? colour : "white", colour, escape(client),
                LOAD_STYLES[style][0], opsPerSec(point.offered), escape(micros(point.percentile(style))),
                point.keptUp ? "" : " (did not keep pace with the offered rate)"));
        }
        final String dash = LOAD_STYLES[style][1];
        svg.append("<polyline fill=\"none\" stroke=\"").append(colour).append("\" stroke-width=\"2\"")
            .append(dash.isEmpty() ? "" : " stroke-dasharray=\"" + dash + "\"").append(" points=\"")
            .append(coordinates.toString().trim()).append("\"/>\n");
    }

    static String colour(final String client)
    {
        return COLOURS.getOrDefault(client, "#bcbd22");
    }

    /**
     * @return 1, 2 or 5 times a power of ten, at least {@code rough}.
     */
    static double niceStep(final double rough)
    {
        if (rough <= 0)
        {
            return 1;
        }
        final double power = Math.pow(10, Math.floor(Math.log10(rough)));
        for (final int step : new int[] { 1, 2, 5, 10 })
        {
            if (step * power >= rough)
            {
                return step * power;
            }
        }
        return 10 * power;
    }

    /** 25000 as "25k", 88318 as "88.3k", 1500000 as "1.5M": 3 significant digits, for axis and legend labels. */
    static String opsPerSec(final double value)
    {
        if (value >= 1_000_000)
        {
            return significant(value / 1_000_000) + "M";
        }
        if (value >= 1000)
        {
            return significant(value / 1000) + "k";
        }
        return significant(value);
    }

    private static String significant(final double value)
    {
        final int decimals = value < 10 ? 2 : value < 100 ? 1 : 0;
        final String text = String.format(Locale.ROOT, "%." + decimals + "f", value);
        return text.contains(".") ? text.replaceAll("\\.?0+$", "") : text;
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
