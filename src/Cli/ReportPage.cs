using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Neuromorphic.Cli;

/// <summary>
/// The run report: one self-contained HTML file (`train --report`, `neuromorphic report MODEL`) with the configuration,
/// the learning curve, the per-epoch table, the confusion matrix of the test, the receptive fields, the firing rates
/// and the SynOps per image against the ANN's MACs. Images are PNGs embedded as data: URIs and the page has no script
/// and no link outside itself, so it reads the same offline, attached to a mail or archived with the model.
/// </summary>
public static class ReportPage
{
    /// <summary>What the page is made of: the model (name, network, configuration, history, progress), its data, and the
    /// test already run (null: none), with the figures of that run.</summary>
    public sealed record Run(string Name, Network Net, SimulationConfig Config, Dataset Data, IdxImageSet TestSet,
        IReadOnlyList<EpochRecord> History, TrainingProgress Progress, EvaluationResult? Test, IReadOnlyDictionary<string,
            object?> Figures, string? ModelPath = null);

    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static Command Command(Option<bool> json)
    {
        var model = new Argument<string>("model") { Description = "model file written by train" };
        var outOpt = new Option<string>("--out") { Description = "HTML file to write", DefaultValueFactory = _ => "report.html" };
        var testSamples = new Option<int>("--test-samples")
        {
            Description = "test images classified for the confusion matrix and the test error",
            DefaultValueFactory = _ => 1000,
        };
        var digits = new Option<int>("--digits")
        {
            Description = "test images simulated one at a time for the firing rates and the SynOps per image",
            DefaultValueFactory = _ => 100,
        };
        var batch = new Option<int?>("--batch") { Description = "test batch (lanes in parallel); default 16 on the CPU, 1024 on CUDA" };
        var c = new Command("report", "write a self-contained HTML page of a model: configuration, learning curve, epochs, confusion matrix, "
            + "receptive fields, firing rates, SynOps");
        c.Arguments.Add(model);
        foreach (var o in new Option[] { outOpt, testSamples, digits, batch, CliCommon.BackendOpt, CliCommon.DatasetOpt,
            CliCommon.DataDirOpt, json }) c.Options.Add(o);
        c.SetAction(r => CliCommon.Guard(() =>
        {
            string path = r.GetValue(model)!, outPath = r.GetValue(outOpt)!;
            AtomicFile.CheckWritable(outPath, "--out");
            int ntest = r.GetValue(testSamples), n = r.GetValue(digits);
            if (ntest < 1) throw new NeuromorphicException($"--test-samples must be at least 1, got {ntest}");
            if (n < 1) throw new NeuromorphicException($"--digits must be at least 1, got {n}");
            var backend = Backends.Parse(r.GetValue(CliCommon.BackendOpt)!);
            int b = CliCommon.InferenceBatch(r.GetValue(batch), backend);
            var (net, config, file) = CliCommon.LoadModelFile(path);
            var data = CliCommon.OpenData(r, config, path, net.Layers);
            var testSet = data.LoadTest();
            var figures = new Dictionary<string, object?> { ["model"] = path, ["rule"] = config.Rule.ToString().ToLowerInvariant() };
            EvaluationResult? test;
            using (var engine = Backends.Create(backend, net, config, b))
                test = CliCommon.FinalTest(engine, data, testSet, Math.Min(ntest, testSet.Count), figures);
            Write(outPath, new Run(Path.GetFileName(path), net, config, data, testSet, file.History, file.Progress, test, figures, path), backend, n);
            Output.Line($"report written to {outPath}");
            figures["report"] = outPath;
            if (r.GetValue(json)) Output.Json(figures);
            return 0;
        }));
        return c;
    }

    /// <summary>Simulates the first <paramref name="digits"/> test images one at a time (for the rates and the SynOps per
    /// image) and writes the page atomically.</summary>
    public static void Write(string path, Run run, BackendKind backend, int digits)
    {
        var net = run.Net;
        int n = Math.Min(digits, run.TestSet.Count);
        Activity activity;
        var raster = new SpikeRaster(0);
        int predicted;
        using (var engine = Backends.Create(backend, net, run.Config, 1))
        {
            var bar = new ProgressLine("report", n, accuracy: false);
            activity = Activity.Record(engine, run.TestSet, 0, n, done => bar.Report(done, done, 0, done == n));
            // The raster of the first test image, as `plot raster --digit 0` draws it.
            var input = engine.NewInput();
            input.Fill(run.TestSet, 1, _ => 0, _ => Evaluation.TestPresentationBase, withLabels: false);
            predicted = engine.Run(input, false, raster).Predicted(0);
        }
        string html = Html(run, activity, raster, predicted);
        AtomicFile.Write(path, tmp => File.WriteAllText(tmp, html, new UTF8Encoding(false)));
    }

    static string E(object? text) => WebUtility.HtmlEncode(Convert.ToString(text, Inv) ?? "");

    static string Img(Figure f, string alt)
        => $"<img src=\"data:image/png;base64,{Convert.ToBase64String(f.Png())}\" width=\"{f.Width}\" height=\"{f.Height}\" alt=\"{E(alt)}\">";

    static string Table(IEnumerable<string> header, IEnumerable<IEnumerable<string>> rows)
    {
        var sb = new StringBuilder("<table><thead><tr>");
        foreach (var h in header) sb.Append("<th>").Append(E(h)).Append("</th>");
        sb.Append("</tr></thead><tbody>");
        foreach (var row in rows)
        {
            sb.Append("<tr>");
            foreach (var cell in row) sb.Append("<td>").Append(E(cell)).Append("</td>");
            sb.Append("</tr>");
        }
        return sb.Append("</tbody></table>").ToString();
    }

    static string Pct(double fraction) => double.IsNaN(fraction) ? "" : (100 * fraction).ToString("F2", Inv) + " %";

    static string Html(Run run, Activity activity, SpikeRaster raster, int rasterPredicted)
    {
        var net = run.Net;
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E($"{run.Name}: run report")).Append("</title>");
        sb.Append("<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}" +
            "table{border-collapse:collapse;margin:0.5em 0 1.5em}th,td{border:1px solid #ccc;padding:2px 8px;text-align:right}" +
            "th{background:#f2f2f2}td:first-child,th:first-child{text-align:left}img{max-width:100%;height:auto;display:block;margin:0.5em 0}" +
            "td.cm{text-align:center;min-width:2.5em}td.diag{font-weight:bold}.note{color:#555;font-size:90%}" +
            ".cols{display:flex;gap:1.5em;align-items:flex-start;font-size:85%}</style></head><body>\n");
        sb.Append("<h1>").Append(E($"Run report: {run.Name}")).Append("</h1>\n");
        sb.Append("<p class=\"note\">").Append(E($"Written by neuromorphic on {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC. Dataset: {run.Data.Title} "
            + $"({run.Data.Name}), {run.Data.Classes} classes.")).Append("</p>\n");

        // Provenance: what wrote the page, from what, how long it took.
        var provenance = new List<(string, string)>
        {
            ("tool version (+ commit)", Commands.Version),
            ("command line", "neuromorphic " + string.Join(' ', Commands.CommandLine.Select(a => a.Length == 0
                || a.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' or '$') ? $"'{a.Replace("'", "'\\''")}'" : a))),
            ("wall time of the command up to this page", $"{Commands.Clock.Elapsed.TotalSeconds:F1} s (train --report: training, tests and this "
                + $"page; report: the test and this page)"),
            ("SHA-256 of the forward weights", CliCommon.WeightsHash(net)),
        };
        if (run.ModelPath != null && File.Exists(run.ModelPath))
            provenance.Add(("SHA-256 of the model file",
                Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(run.ModelPath)))));
        if (run.Figures.TryGetValue("predictions_sha256", out var ph)
            && ph != null) provenance.Add(("SHA-256 of the test's predictions", Convert.ToString(ph, Inv)!));
        provenance.Add(("backend of the test", Convert.ToString(run.Figures.TryGetValue("backend", out var be) ? be : "", Inv) ?? ""));
        sb.Append("<h2>Provenance</h2>\n").Append(Table(["item", "value"], provenance.Select(s => new[] { s.Item1, s.Item2 }))).Append('\n');

        // Summary
        double synopsMean = activity.SynOps.Length == 0 ? 0 : activity.SynOps.Average();
        var summary = new List<(string, string)>
        {
            ("architecture", Architecture.Format(net.Layers)), ("rule", run.Config.Rule.ToString().ToLowerInvariant()),
            ("preset", run.Config.Preset == "" ? "none" : run.Config.Preset), ("dataset", run.Data.Name),
            ("epochs completed", run.Progress.EpochsCompleted.ToString(Inv)), ("training samples seen", run.Progress.SamplesSeen.ToString("N0", Inv)),
        };
        if (run.Test is { } t)
        {
            summary.Add(("test images", t.Samples.ToString("N0", Inv)));
            summary.Add(("test error", Binomial.Describe(t.Error, t.Samples)));
            summary.Add(($"SynOps per classification (mean of the {t.Samples:N0} test images)", t.SynOpsPerSample.ToString("N0", Inv)));
        }
        summary.Add(("MACs of the same ANN", net.AnnMacs.ToString("N0", Inv)));
        summary.Add(($"SynOps per image (mean of the first {activity.Images} test images, as plotted below)", synopsMean.ToString("N0", Inv)));
        summary.Add(($"SynOps / MACs (the same {activity.Images} images)", (synopsMean / Math.Max(1, net.AnnMacs)).ToString("G3", Inv)));
        sb.Append("<h2>Summary</h2>\n").Append(Table(["figure", "value"], summary.Select(s => new[] { s.Item1, s.Item2 }))).Append('\n');
        sb.Append("<p class=\"note\">").Append(E("A SynOp is one synaptic event delivered on a forward projection (one addition). The two SynOps "
            + "means are over different images: " +
            "the test's over all its images (in batches), the per-image figures over the first images simulated one at a time; the same image has "
                + "the same SynOps either way. " +
            "Intervals are 95% Wilson score intervals of a binomial error rate on n images.")).Append("</p>\n");

        // Configuration: every field of the stored configuration, flattened.
        var hidden = run.Config.Family == ModelFamily.SynapticSampling ? SimulationConfig.ErbpOnlyFields : SimulationConfig.S2mOnlyFields;
        sb.Append("<h2>Configuration</h2>\n<p class=\"note\">").Append(E($"Every parameter of the simulation as stored in the model file (units "
            + $"in the names: ms, mV, Hz), " +
            $"but those only the other rule reads ({string.Join(", ", hidden)}). Enumerations by name.")).Append("</p>\n");
        var fields = new List<string[]>();
        using (var doc = JsonDocument.Parse(ConfigJson.Write(run.Config).ToJsonString()))
            foreach (var p in doc.RootElement.EnumerateObject().Where(p => !hidden.Contains(p.Name)))
                Flatten(p.Value, p.Name, fields);
        // Three tables side by side: the configuration has some eighty fields.
        sb.Append("<div class=\"cols\">");
        int per = (fields.Count + 2) / 3;
        for (int i = 0; i < fields.Count; i += per) sb.Append(Table(["parameter", "value"], fields.Skip(i).Take(per)));
        sb.Append("</div>\n");

        // Learning curve and epochs
        sb.Append("<h2>Learning curve</h2>\n");
        if (run.History.Count > 0)
        {
            sb.Append(Img(Plots.CurveFigure([(run.Name, run.History.ToList())], run.Name, logX: false),
                "learning curve: error against epochs")).Append('\n');
            var h = run.History;
            sb.Append("<h2>Epochs</h2>\n<p class=\"note\">Errors with their 95% Wilson interval; n is the images each was measured on.</p>\n")
                .Append(Table(["epoch", "learning rate", "samples seen", "error while learning [95% CI]", "n", "validation error [95% CI]", "n",
                    "test error [95% CI]", "n", "SynOps per training sample"],
                h.Select((e, i) =>
                {
                    long trained = e.SamplesSeen - (i == 0 ? 0 : h[i - 1].SamplesSeen);
                    return new[]
                    {
                        e.Epoch.ToString(Inv), e.LearningRate.ToString("G3", Inv), e.SamplesSeen.ToString("N0", Inv),
                            ErrorCi(e.TrainAccuracy, (int)Math.Min(int.MaxValue, trained)), trained.ToString("N0", Inv),
                        ErrorCi(e.ValidationAccuracy, e.ValidationSamples), e.ValidationSamples.ToString("N0", Inv),
                            ErrorCi(e.TestAccuracy, e.TestSamples), e.TestSamples.ToString("N0", Inv),
                        e.SynOpsPerSample.ToString("N0", Inv),
                    };
                }))).Append('\n');
        }
        else sb.Append("<p>The model has no training history (trained before histories were stored, or imported).</p>\n");

        // Confusion matrix
        sb.Append("<h2>Confusion matrix</h2>\n");
        if (run.Test is { } test) sb.Append(Confusion(test, run.TestSet, run.Data));
        else sb.Append("<p>No test was run (<code>--test-samples 0</code>).</p>\n");

        // Receptive fields
        sb.Append("<h2>Receptive fields</h2>\n");
        var (weights, stride, units, projection) = ReceptiveFields.Of(net, run.Config);
        int shown = Math.Min(units, 100);
        int side = (int)Math.Round(Math.Sqrt(net.Layers[0]));
        if (side * side == net.Layers[0])
        {
            var blank = run.Data.PixelsPerImage == net.Layers[0] ? ReceptiveFields.ConstantPixels(run.Data.LoadTrain()) : null;
            sb.Append(Img(Plots.Weights(weights, stride, side, side, shown, $"receptive fields: {projection} weights of units 0-{shown - 1}", blank),
                "receptive fields")).Append('\n');
        }
        else sb.Append("<p>").Append(E($"The input layer has {net.Layers[0]} neurons, not a square image: no tiles to draw.")).Append("</p>\n");

        // Firing rates
        var pops = Enumerable.Range(0, net.Populations.Count).Where(p => !net.Populations[p].ErrorPath).ToList();
        sb.Append("<h2>Firing rates</h2>\n<p class=\"note\">").Append(E($"The first {activity.Images} test images, simulated one at a time without "
            + $"learning.")).Append("</p>\n");
        sb.Append(Img(Plots.Rates(net, run.Config, activity, pops, $"firing rates on {activity.Images} {run.Data.Title} test {run.Data.Items}"),
            "firing-rate distributions")).Append('\n');
        sb.Append(Table(["population", "neurons", "mean rate (Hz)", "silent (neuron, image) pairs", "median rate of the rest (Hz)",
            "saturation (Hz)", "gate edge (Hz)"],
            pops.Select(p =>
            {
                var f = PlotCommand.RateFigures(net, run.Config, activity, p);
                return new[] { net.Populations[p].Name, E0(f["neurons"]), E0(f["mean_rate_hz"]), Pct(Convert.ToDouble(f["silent_fraction"], Inv)),
                    E0(f["median_active_rate_hz"]), E0(f["saturation_hz"]), E0(f["gate_edge_hz"]) };
            }))).Append('\n');

        // Raster of one image
        var names0 = run.TestSet.ClassNames;
        sb.Append("<h2>Spike raster of one image</h2>\n<p class=\"note\">").Append(E($"Every spike of test image 0 (label "
            + $"{Dataset.ClassLabel(names0, run.TestSet.Labels[0])}, predicted {Dataset.ClassLabel(names0, rasterPredicted)}), as `plot raster "
            + $"--digit 0` draws it; under it each population's rate.")).Append("</p>\n");
        sb.Append(Img(Plots.Raster(net, pops, raster.Spikes, run.Config.DtMs, run.Config.StepsPerSample(false),
            $"test image 0: label {Dataset.ClassLabel(names0, run.TestSet.Labels[0])}, predicted {Dataset.ClassLabel(names0, rasterPredicted)}",
                new Plots.RasterStyle(ClassNames: names0)), "spike raster of test image 0")).Append('\n');

        // SynOps
        sb.Append("<h2>SynOps per image against the ANN's MACs</h2>\n<p class=\"note\">")
            .Append(E("A SynOp is one synaptic event delivered on a forward projection (one addition); the ANN of the same layer sizes needs one "
                + "multiply-accumulate per weight for every image.")).Append("</p>\n");
        sb.Append(Img(Plots.SynOps(activity, net.AnnMacs, $"SynOps of {activity.Images} {run.Data.Title} test {run.Data.Items}"),
            "SynOps per image")).Append('\n');
        var names = run.TestSet.ClassNames;
        sb.Append(Table(["class", "images", "mean SynOps", "SynOps / ANN MACs"],
            Enumerable.Range(0, names.Count).Select(k => (k, idx: Enumerable.Range(0, activity.Images).Where(i => activity.Labels[i] == k).ToArray()))
                .Where(x => x.idx.Length > 0)
                .Select(x =>
                {
                    double mean = x.idx.Average(i => (double)activity.SynOps[i]);
                    return new[] { Dataset.ClassLabel(names, x.k), x.idx.Length.ToString(Inv), mean.ToString("N0", Inv),
                        (mean / Math.Max(1, net.AnnMacs)).ToString("G3", Inv) };
                }))).Append('\n');
        sb.Append("</body></html>\n");
        return sb.ToString();
    }

    /// <summary>"5.80% [4.48, 7.42]": the error of an accuracy measured on n images with its 95% interval ("" when not measured).</summary>
    static string ErrorCi(double accuracy, int n)
    {
        if (double.IsNaN(accuracy) || n <= 0) return "";
        var (lo, hi) = Binomial.Wilson(1 - accuracy, n);
        return $"{(100 * (1 - accuracy)).ToString("F2", Inv)}% [{(100 * lo).ToString("F2", Inv)}, {(100 * hi).ToString("F2", Inv)}]";
    }

    static string E0(object? v) => v switch { null => "", double d => d.ToString("G6", Inv), _ => Convert.ToString(v, Inv) ?? "" };

    static void Flatten(JsonElement e, string prefix, List<string[]> rows)
    {
        if (e.ValueKind == JsonValueKind.Object)
            foreach (var p in e.EnumerateObject()) Flatten(p.Value, prefix == "" ? p.Name : $"{prefix}.{p.Name}", rows);
        else rows.Add([prefix, e.ValueKind == JsonValueKind.String ? e.GetString() ?? "" : e.GetRawText()]);
    }

    /// <summary>Rows: true class; columns: predicted class (and "none" where nothing told the classes apart); each cell
    /// shaded by its share of the row.</summary>
    static string Confusion(EvaluationResult test, IdxImageSet set, Dataset data)
    {
        int k = set.Classes;
        var m = new int[k, k + 1];
        for (int i = 0; i < test.Samples; i++) m[set.Labels[i], test.Predictions[i] < 0 ? k : test.Predictions[i]]++;
        bool none = Enumerable.Range(0, k).Any(r => m[r, k] > 0);
        var sb = new StringBuilder("<p class=\"note\">").Append(E($"{test.Samples} {data.Title} test {data.Items}; rows: true class, columns: "
            + $"predicted class. Test error {Pct(test.Error)}.")).Append("</p>\n<table><thead><tr><th>true \\ predicted</th>");
        for (int c = 0; c < k; c++) sb.Append("<th>").Append(E(Dataset.ClassLabel(set.ClassNames, c))).Append("</th>");
        if (none) sb.Append("<th>none</th>");
        sb.Append("<th>recall</th></tr></thead><tbody>");
        for (int r = 0; r < k; r++)
        {
            int total = 0;
            for (int c = 0; c <= k; c++) total += m[r, c];
            sb.Append("<tr><th>").Append(E(Dataset.ClassLabel(set.ClassNames, r))).Append("</th>");
            for (int c = 0; c < k + (none ? 1 : 0); c++)
            {
                double share = total == 0 ? 0 : (double)m[r, c] / total;
                string colour = r == c ? "44,160,44" : "214,39,40";
                double alpha = m[r, c] == 0 ? 0 : 0.1 + 0.8 * share;
                sb.Append($"<td class=\"cm{(r == c ? " diag" : "")}\" style=\"background:rgba({colour},"
                    + $"{alpha.ToString("F2", Inv)})\">").Append(m[r, c]).Append("</td>");
            }
            sb.Append("<td>").Append(total == 0 ? "" : Pct((double)m[r, r] / total)).Append("</td></tr>");
        }
        return sb.Append("</tbody></table>\n").ToString();
    }
}
