using System.Globalization;

namespace Neuromorphic.Cli;

/// <summary>A drawn plot and its size in pixels: written as a PNG file (atomically) or kept as PNG bytes (the report page).</summary>
public sealed record Figure(ScottPlot.Plot Plot, int Width, int Height)
{
    public void Save(string path) => Neuromorphic.Simulator.Files.AtomicFile.Write(path, tmp => Plot.SavePng(tmp, Width, Height));
    public byte[] Png() => Plot.GetImageBytes(Width, Height, ScottPlot.ImageFormat.Png);
}

/// <summary>Figures drawn with ScottPlot (PNG, headless), written atomically.</summary>
public static class Plots
{
    /// <summary>One history record as JSON figures (NaN accuracies as null).</summary>
    public static Dictionary<string, object?> HistoryJson(EpochRecord e) => new()
    {
        ["epoch"] = e.Epoch, ["learning_rate"] = e.LearningRate, ["samples_seen"] = e.SamplesSeen,
        ["train_accuracy"] = Math.Round(e.TrainAccuracy, 6),
        ["validation_accuracy"] = double.IsNaN(e.ValidationAccuracy) ? null : Math.Round(e.ValidationAccuracy, 6), ["validation_samples"] = e.ValidationSamples,
        ["test_accuracy"] = double.IsNaN(e.TestAccuracy) ? null : Math.Round(e.TestAccuracy, 6), ["test_samples"] = e.TestSamples,
        ["synops_per_sample"] = e.SynOpsPerSample,
    };

    /// <summary>
    /// Learning curves: error (%) against epochs for each named history, the test error where it was measured
    /// (solid) and the validation error (dashed), and the error while learning (dotted). <paramref name="logX"/>
    /// draws the epochs on a log axis, as the eRBP paper's convergence figures do.
    /// </summary>
    public static void Curve(IReadOnlyList<(string Name, List<EpochRecord> History)> runs, string path, bool logX, bool logY = false)
        => CurveFigure(runs, path, logX, logY).Save(path);

    /// <summary>The figure of <see cref="Curve"/>, 900 x 560; <paramref name="what"/> names it in the error when nothing can be drawn.</summary>
    public static Figure CurveFigure(IReadOnlyList<(string Name, List<EpochRecord> History)> runs, string what, bool logX, bool logY = false)
    {
        var plt = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int series = 0;
        for (int r = 0; r < runs.Count; r++)
        {
            var (name, h) = runs[r];
            var color = palette.GetColor(r);
            void Line(Func<EpochRecord, double> acc, string what, ScottPlot.LinePattern pattern)
            {
                // A point a chart cannot place (an infinite accuracy, epoch 0 on a log axis) is left out, not drawn off the chart.
                var pts = h.Where(e => double.IsFinite(acc(e)) && (!logX || e.Epoch > 0)).ToList();
                if (pts.Count == 0) return;
                double[] xs = pts.Select(e => logX ? Math.Log10(e.Epoch) : e.Epoch).ToArray();
                double[] ys = pts.Select(e => 100 * (1 - acc(e))).Select(y => logY ? Math.Log10(Math.Max(y, 1e-3)) : y).ToArray();
                var sc = plt.Add.Scatter(xs, ys);
                sc.Color = color; sc.LinePattern = pattern; sc.LineWidth = 2; sc.MarkerSize = 5;
                sc.LegendText = $"{name}: {what}";
                series++;
            }
            Line(e => e.TestAccuracy, "test", ScottPlot.LinePattern.Solid);
            Line(e => e.ValidationAccuracy, "validation", ScottPlot.LinePattern.Dashed);
            Line(e => e.TrainAccuracy, "while learning", ScottPlot.LinePattern.Dotted);
        }
        if (series == 0) throw new NeuromorphicException($"{what}: nothing to draw (the models have no training history{(logX ? " with an epoch above 0 for the log axis" : "")} with a finite accuracy)");
        if (logX)
        {
            var ticks = new ScottPlot.TickGenerators.LogMinorTickGenerator();
            plt.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { MinorTickGenerator = ticks, LabelFormatter = v => Math.Pow(10, v).ToString("G3", CultureInfo.InvariantCulture) };
        }
        if (logY)
            plt.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(), LabelFormatter = v => Math.Pow(10, v).ToString("G3", CultureInfo.InvariantCulture) };
        plt.XLabel(logX ? "epoch (log scale; one epoch = one pass over the training digits)" : "epoch (one pass over the training digits)");
        plt.YLabel(logY ? "error (%, log scale)" : "error (%)");
        plt.Title("learning curves");
        plt.ShowLegend(ScottPlot.Alignment.UpperRight);
        return new Figure(plt, 900, 560);
    }

    /// <summary>
    /// Spike raster of one sample: time (ms) against neuron, each population in its own band and colour (bands stacked
    /// from the data at the bottom to the prediction layer, or the S2M's visible and hidden layers; a band is at least an
    /// eighth of the height, so that ten prediction neurons stay visible beside 784 pixels), 1000 x 640.
    /// </summary>
    public static Figure Raster(Network net, IReadOnlyList<int> populations, IReadOnlyList<(int Step, int Population, int Neuron)> spikes, double dtMs, int steps, string title)
    {
        var plt = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int total = populations.Sum(p => net.Populations[p].Size);
        double minBand = total / 8.0, offset = 0;
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int k = 0; k < populations.Count; k++)
        {
            int p = populations[k];
            var pop = net.Populations[p];
            double band = Math.Max(pop.Size, minBand), perNeuron = band / pop.Size;
            var mine = spikes.Where(s => s.Population == p).ToList();
            double[] xs = mine.Select(s => (s.Step + 1) * dtMs).ToArray();
            double[] ys = mine.Select(s => offset + (s.Neuron + 0.5) * perNeuron).ToArray();
            var m = plt.Add.Markers(xs, ys, ScottPlot.MarkerShape.FilledSquare, 2.5f, palette.GetColor(k));
            m.LegendText = $"{pop.Name} ({pop.Size:N0} neurons, {mine.Count:N0} spikes)";
            ticks.AddMajor(offset + band / 2, pop.Name);
            if (k > 0) { var sep = plt.Add.HorizontalLine(offset); sep.Color = ScottPlot.Colors.Gray; sep.LinePattern = ScottPlot.LinePattern.Dotted; sep.LineWidth = 1; }
            offset += band;
        }
        plt.Axes.Left.TickGenerator = ticks;
        plt.Axes.SetLimits(0, steps * dtMs, 0, offset * 1.12); // headroom for the legend
        plt.XLabel("time (ms)");
        plt.YLabel("neuron (one band per population, neuron 0 at its bottom)");
        plt.Title(title);
        plt.ShowLegend(ScottPlot.Alignment.UpperRight);
        return new Figure(plt, 1000, 640);
    }

    /// <summary>
    /// Receptive fields: the input weights of hidden units as a grid of image-shaped tiles (row-major, unit 0 top left),
    /// on one colour scale centred on 0 (blue negative, red positive, white 0), with its colour bar, 900 x 860.
    /// <paramref name="weights"/> is [input][units] row-major with <paramref name="stride"/> columns per row (an S2M's
    /// matrix has a bias column more than it has hidden units).
    /// </summary>
    public static Figure Weights(float[] weights, int stride, int rows, int cols, int units, string title)
    {
        int across = (int)Math.Ceiling(Math.Sqrt(units)), down = (units + across - 1) / across;
        var grid = new double[down * (rows + 1) - 1, across * (cols + 1) - 1];
        for (int r = 0; r < grid.GetLength(0); r++) for (int c = 0; c < grid.GetLength(1); c++) grid[r, c] = double.NaN;
        double largest = 0;
        for (int u = 0; u < units; u++)
        {
            int top = u / across * (rows + 1), left = u % across * (cols + 1);
            for (int j = 0; j < rows * cols; j++)
            {
                double w = weights[(long)j * stride + u];
                grid[top + j / cols, left + j % cols] = w;
                largest = Math.Max(largest, Math.Abs(w));
            }
        }
        if (largest == 0) largest = 1;
        var plt = new ScottPlot.Plot();
        var hm = plt.Add.Heatmap(grid);
        hm.Colormap = new ScottPlot.Colormaps.Balance();
        hm.ManualRange = new ScottPlot.Range(-largest, largest);
        hm.NaNCellColor = ScottPlot.Colors.White;
        var bar = plt.Add.ColorBar(hm);
        bar.Label = "weight (mV)";
        plt.Axes.SquareUnits();
        plt.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual();
        plt.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual();
        plt.HideGrid();
        plt.XLabel($"one {rows} x {cols} tile per unit: unit 0 top left, row by row");
        plt.Title(title);
        return new Figure(plt, 900, 860);
    }

    /// <summary>
    /// Firing-rate distributions: for each population, a histogram of the rates (Hz) of its (neuron, image) pairs that
    /// fired at all (the silent fraction is in the legend), with each population's ceiling as a dashed line (a LIF
    /// neuron's saturation, a data neuron's rate on a white pixel) and, for eRBP layers, the gate as a band: the rates
    /// of steady currents inside it (in the steady state a neuron above the band does not learn). 900 x 560.
    /// </summary>
    public static Figure Rates(Network net, SimulationConfig config, Activity activity, IReadOnlyList<int> populations, string title)
    {
        var plt = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var refs = populations.Select(p => Activity.ReferenceRates(net, config, p)).ToList();
        double top = Math.Max(refs.Select(r => r.SaturationHz).Where(double.IsFinite).DefaultIfEmpty(0).Max(),
            populations.SelectMany(activity.RatesHz).DefaultIfEmpty(0).Max());
        if (!(top > 0)) top = 1;
        // The highest ceiling falls in the middle of the last bin, so that saturated neurons sit on its line.
        const int bins = 50;
        double width = top / (bins - 0.5);
        double peak = 0;
        // One band per distinct gate, naming the layers that share it.
        foreach (var gate in Enumerable.Range(0, populations.Count).Where(k => double.IsFinite(refs[k].GateEdgeHz)).GroupBy(k => (refs[k].GateMv, refs[k].GateEdgeHz)))
        {
            var span = plt.Add.HorizontalSpan(0, gate.Key.GateEdgeHz);
            span.FillStyle.Color = ScottPlot.Colors.Green.WithAlpha(0.12);
            span.LineStyle.Width = 0;
            span.LegendText = $"eRBP gate of {string.Join(", ", gate.Select(k => net.Populations[populations[k]].Name))}: |I| < {gate.Key.GateMv:G4} mV, steady rate below {gate.Key.GateEdgeHz:F0} Hz";
        }
        for (int k = 0; k < populations.Count; k++)
        {
            int p = populations[k];
            var color = palette.GetColor(k);
            var rates = activity.RatesHz(p).ToArray();
            var active = rates.Where(x => x > 0).ToArray();
            double silent = rates.Length == 0 ? 0 : 1 - (double)active.Length / rates.Length;
            var counts = new double[bins + 1];
            foreach (var x in active) counts[Math.Min(bins - 1, (int)(x / width))]++;
            double[] xs = Enumerable.Range(0, bins + 1).Select(b => b * width).ToArray();
            double[] ys = counts.Select(c => active.Length == 0 ? 0 : 100 * c / active.Length).ToArray();
            peak = Math.Max(peak, ys.Max());
            var line = plt.Add.Scatter(xs, ys);
            line.ConnectStyle = ScottPlot.ConnectStyle.StepHorizontal;
            line.Color = color; line.LineWidth = 2; line.MarkerSize = 0;
            double median = active.Length == 0 ? 0 : active.Order().ElementAt(active.Length / 2);
            line.LegendText = $"{net.Populations[p].Name}: {silent:P0} silent, median of the rest {median:F0} Hz";
            if (double.IsFinite(refs[k].SaturationHz))
            {
                var v = plt.Add.VerticalLine(refs[k].SaturationHz);
                v.Color = color; v.LinePattern = ScottPlot.LinePattern.Dashed; v.LineWidth = 1.5f;
                v.LegendText = net.Populations[p].Kind == Neuromorphic.Simulator.Engine.PopulationKind.Data
                    ? $"{net.Populations[p].Name}: white pixel, {refs[k].SaturationHz:F0} Hz"
                    : $"{net.Populations[p].Name}: saturation (one spike per refractory period), {refs[k].SaturationHz:F0} Hz";
            }
        }
        plt.Axes.SetLimitsX(0, top * 1.05);
        plt.Axes.SetLimitsY(0, Math.Max(1, peak) * 1.7); // room for the legend above the bars
        plt.XLabel($"firing rate (Hz) over a {activity.SampleSeconds * 1000:G4} ms sample");
        plt.YLabel("% of the (neuron, image) pairs that fired");
        plt.Title(title);
        plt.ShowLegend(ScottPlot.Alignment.UpperRight);
        return new Figure(plt, 900, 560);
    }

    /// <summary>SynOps of each simulated image against the multiply-accumulates of the same network as a dense ANN
    /// (one dashed line), with their mean, 900 x 420.</summary>
    public static Figure SynOps(Activity activity, long annMacs, string title)
    {
        var plt = new ScottPlot.Plot();
        double[] xs = Enumerable.Range(0, activity.Images).Select(i => (double)i).ToArray();
        double[] ys = activity.SynOps.Select(v => (double)v).ToArray();
        var correct = Enumerable.Range(0, activity.Images).Where(i => activity.Predictions[i] == activity.Labels[i]).ToArray();
        var wrong = Enumerable.Range(0, activity.Images).Where(i => activity.Predictions[i] != activity.Labels[i]).ToArray();
        var ok = plt.Add.Markers(correct.Select(i => xs[i]).ToArray(), correct.Select(i => ys[i]).ToArray(), ScottPlot.MarkerShape.FilledCircle, 5, ScottPlot.Colors.SteelBlue);
        ok.LegendText = $"classified correctly ({correct.Length})";
        var bad = plt.Add.Markers(wrong.Select(i => xs[i]).ToArray(), wrong.Select(i => ys[i]).ToArray(), ScottPlot.MarkerShape.OpenCircle, 6, ScottPlot.Colors.OrangeRed);
        bad.LegendText = $"misclassified ({wrong.Length})";
        double mean = ys.Length == 0 ? 0 : ys.Average();
        var m = plt.Add.HorizontalLine(mean);
        m.Color = ScottPlot.Colors.SteelBlue; m.LineWidth = 1.5f;
        m.LegendText = $"mean SynOps per image: {mean:N0}";
        var ann = plt.Add.HorizontalLine(annMacs);
        ann.Color = ScottPlot.Colors.Black; ann.LinePattern = ScottPlot.LinePattern.Dashed; ann.LineWidth = 1.5f;
        ann.LegendText = $"MACs of the same ANN: {annMacs:N0}";
        plt.Axes.SetLimitsY(0, Math.Max(annMacs, ys.DefaultIfEmpty(0).Max()) * 1.15);
        plt.XLabel("test image (index)");
        plt.YLabel("synaptic operations per image");
        plt.Title(title);
        plt.ShowLegend(ScottPlot.Alignment.UpperRight);
        return new Figure(plt, 900, 420);
    }
}
