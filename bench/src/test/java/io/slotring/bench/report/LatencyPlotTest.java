package io.slotring.bench.report;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LatencyPlotTest
{
    @Test
    void drawsOneLinePerClientAndPercentileWithLegendAxesAndTitle()
    {
        final List<LatencyPlot.LoadPoint> points = List.of(
            new LatencyPlot.LoadPoint("slotring", 25_000, 40.0, 120.0, 400.0),
            new LatencyPlot.LoadPoint("slotring", 50_000, 60.0, 300.0, 900.0),
            new LatencyPlot.LoadPoint("jedis", 25_000, 80.0, 500.0, 2_000.0),
            new LatencyPlot.LoadPoint("jedis", 50_000, 150.0, 5_000.0, null, false));
        final String svg = LatencyPlot.renderLoad("GET <latency> & load", "2 cores, JDK 17, Redis 7.0.15",
            List.of("slotring", "jedis"), points, Map.of("slotring", 80_000.0, "jedis", 60_000.0),
            Map.of(25_000.0, "25%", 50_000.0, "50%"));

        assertThat(svg).startsWith("<svg").endsWith("</svg>\n");
        assertThat(svg).contains("GET &lt;latency&gt; &amp; load", "2 cores, JDK 17, Redis 7.0.15");
        assertThat(svg).contains("offered load (ops/s", "latency per command", ">p50<", ">p99<", ">p99.9<");
        assertThat(svg).contains("slotring (80k)", "jedis (60k)", ">25%<", ">50%<");
        // slotring: 3 lines; jedis: p50 and p99 of two points, p99.9 of one (a line of one point is still drawn).
        assertThat(count(svg, "<polyline")).isEqualTo(6);
        assertThat(count(svg, "stroke-dasharray=\"9,4\" points=")).isEqualTo(2);
        assertThat(count(svg, "stroke-dasharray=\"2,3\" points=")).isEqualTo(2);
        assertThat(count(svg, "<circle")).as("points plus the legend's hollow marker").isEqualTo(12);
        assertThat(count(svg, "did not keep pace with the offered rate)</title>")).as("jedis at 50k: p50, p99")
            .isEqualTo(2);
        assertThat(svg).contains(LatencyPlot.colour("slotring"), LatencyPlot.colour("jedis"));
        assertThat(svg).contains(">10 \u00b5s<", ">10 ms<");
    }

    @Test
    void saysSoWhenThereIsNothingToDraw()
    {
        final String svg = LatencyPlot.renderLoad("t", "s", List.of("slotring"), List.of(), Map.of(), Map.of());
        assertThat(svg).contains("no latency data").doesNotContain("<polyline");
    }

    @Test
    void axisHelpersPickReadableSteps()
    {
        assertThat(LatencyPlot.niceStep(0.7)).isEqualTo(1);
        assertThat(LatencyPlot.niceStep(43_000)).isEqualTo(50_000);
        assertThat(LatencyPlot.niceStep(15_000)).isEqualTo(20_000);
        assertThat(LatencyPlot.niceStep(100_000)).isEqualTo(100_000);
        assertThat(LatencyPlot.opsPerSec(88_318)).isEqualTo("88.3k");
        assertThat(LatencyPlot.opsPerSec(254_057)).isEqualTo("254k");
        assertThat(LatencyPlot.opsPerSec(1_500_000)).isEqualTo("1.5M");
        assertThat(LatencyPlot.opsPerSec(100_000)).isEqualTo("100k");
        assertThat(LatencyPlot.opsPerSec(500)).isEqualTo("500");
    }

    private static int count(final String text, final String what)
    {
        final Matcher m = Pattern.compile(Pattern.quote(what)).matcher(text);
        int n = 0;
        while (m.find())
        {
            n++;
        }
        return n;
    }
}
