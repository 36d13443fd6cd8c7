package dev.spawnring.bench;

import dev.spawnring.bench.BenchReport.Speedup;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/**
 * The {@code --chart} PNG: for each workload, how many times faster than {@code ProcessBuilder}
 * (default) each contender is, on a log scale. XChart is a bench-only dependency: this class
 * runs from the shaded jar on the class path; the library's module does not require it.
 */
final class BenchChart {
    private BenchChart() {
    }

    static void write(Path file, List<Speedup> speedups, String subtitle) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Set<String> categories = new LinkedHashSet<>();
        speedups.forEach(s -> categories.add(s.category()));
        List<String> cats = new ArrayList<>(categories);
        CategoryChart chart = new CategoryChartBuilder().width(1400).height(700)
                .title("Times faster than ProcessBuilder (default), higher is better — " + subtitle)
                .xAxisTitle("workload").yAxisTitle("x ProcessBuilder (log scale)").build();
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setXAxisLabelRotation(20);
        chart.getStyler().setPlotGridVerticalLinesVisible(false);
        chart.getStyler().setYAxisMin(0.001); // ProcessBuilder FORK with a 4 GiB heap is ~0.005x
        chart.getStyler().setLabelsVisible(false);
        for (String series : BenchReport.SERIES) {
            List<Double> values = new ArrayList<>();
            boolean any = false;
            for (String c : cats) {
                Double v = speedups.stream().filter(s -> s.series().equals(series) && s.category().equals(c))
                        .map(Speedup::value).findFirst().orElse(null);
                any |= v != null;
                values.add(v);
            }
            if (any) {
                chart.addSeries(series, cats, values);
            }
        }
        String name = file.toString();
        BitmapEncoder.saveBitmap(chart, name.endsWith(".png") ? name.substring(0, name.length() - 4) : name,
                BitmapEncoder.BitmapFormat.PNG);
    }
}
