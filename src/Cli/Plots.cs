using System.Globalization;
using Neuromorphic.Simulator;
using Neuromorphic.Simulator.Files;

namespace Neuromorphic.Cli;

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
                var pts = h.Where(e => !double.IsNaN(acc(e))).ToList();
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
        if (series == 0) throw new NeuromorphicException($"{path}: nothing to draw (the models have no training history)");
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
        Neuromorphic.Simulator.Files.AtomicFile.Write(path, tmp => plt.SavePng(tmp, 900, 560));
    }
}
