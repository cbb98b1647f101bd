using System.Globalization;


namespace Neuromorphic.Cli;

/// <summary>`neuromorphic sweep MODEL`: post-training quantization, pruning and weight-noise robustness.</summary>
public static class SweepCommand
{
    static T[] ParseList<T>(string text, string option, string expected, Func<string, (bool, T)> parse)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw new NeuromorphicException($"{option}: empty list");
        return parts.Select((p, i) =>
        {
            var (ok, v) = parse(p);
            return ok ? v : throw new NeuromorphicException($"{option} '{text}': entry {i + 1} ('{p}') is not {expected}");
        }).ToArray();
    }

    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "model file written by train" };
        var bits = new Option<string>("--weight-bits") { Description = "weight bit widths to test, comma-separated", DefaultValueFactory = _ => "1,2,3,4,6,8,12,16" };
        var prune = new Option<string>("--prune") { Description = "fractions of the smallest weights to remove, comma-separated", DefaultValueFactory = _ => "0" };
        var stateBits = new Option<string?>("--state-bits") { Description = "fixed-point state widths to test (8..24), comma-separated; each gets its own curves" };
        var noise = new Option<string>("--noise") { Description = "relative Gaussian weight noise (device mismatch), comma-separated", DefaultValueFactory = _ => "0" };
        var retrain = new Option<int>("--retrain-samples") { Description = "after pruning, re-learn on this many training digits (pruned synapses stay absent)", DefaultValueFactory = _ => 0 };
        var testSamples = new Option<int>("--test-samples") { Description = "test digits per setting (default: all 10,000)", DefaultValueFactory = _ => 10_000 };
        var pow2 = new Option<bool>("--power-of-two-step") { Description = "weight steps rounded up to powers of two (shared exponent)" };
        var scale = new Option<string>("--scale") { Description = "weight step per projection: mse (least squared rounding error, default) | max (largest |w| at the largest code)", DefaultValueFactory = _ => "mse" };
        var csv = new Option<string?>("--csv") { Description = "write the rows as CSV" };
        var plot = new Option<string?>("--plot") { Description = "write a PNG of test error against weight bits, one curve per prune/noise setting" };
        var c = new Command("sweep", "post-training quantization, pruning and weight-noise robustness of a trained model");
        c.Arguments.Add(model);
        foreach (var o in new Option[] { bits, stateBits, prune, noise, retrain, testSamples, pow2, scale, csv, plot, BackendOpt, InferenceBatchOpt, DatasetOpt, DataDirOpt, JsonOpt }) c.Options.Add(o);
        c.SetAction(r => Guard(() =>
        {
            var inv = CultureInfo.InvariantCulture;
            var bitList = ParseList(r.GetValue(bits)!, "--weight-bits", $"a whole number of bits in {Neuromorphic.Plasticity.QuantFormat.MinBits}..{Neuromorphic.Plasticity.QuantFormat.MaxBits}", s => (int.TryParse(s, NumberStyles.None, inv, out var v) && v is >= Neuromorphic.Plasticity.QuantFormat.MinBits and <= Neuromorphic.Plasticity.QuantFormat.MaxBits, v));
            var pruneList = ParseList(r.GetValue(prune)!, "--prune", "a fraction in [0, 1)", s => (double.TryParse(s, NumberStyles.Float, inv, out var v) && v >= 0 && v < 1, v));
            var stateList = r.GetValue(stateBits) is { } stateText ? ParseList(stateText, "--state-bits", "a whole number of bits in 8..24", s => (int.TryParse(s, NumberStyles.None, inv, out var v) && v is >= 8 and <= 24, v)) : [0];
            var noiseList = ParseList(r.GetValue(noise)!, "--noise", "a relative noise level >= 0", s => (double.TryParse(s, NumberStyles.Float, inv, out var v) && v >= 0 && double.IsFinite(v), v));
            var backend = Backends.Parse(r.GetValue(BackendOpt)!);
            bool mse = r.GetValue(scale)!.Trim().ToLowerInvariant() switch
            {
                "mse" => true, "max" => false,
                var other => throw new NeuromorphicException($"--scale '{other}': expected mse or max"),
            };
            int batch = InferenceBatch(r.GetValue(InferenceBatchOpt), backend);
            int ntest = r.GetValue(testSamples), nretrain = r.GetValue(retrain);
            if (ntest < 1) throw new NeuromorphicException($"--test-samples must be at least 1, got {ntest}");
            if (nretrain < 0) throw new NeuromorphicException($"--retrain-samples must not be negative, got {nretrain}");
            string path = r.GetValue(model)!;
            if (r.GetValue(csv) is { } csvOut) AtomicFile.CheckWritable(csvOut, "--csv");
            if (r.GetValue(plot) is { } plotOut) AtomicFile.CheckWritable(plotOut, "--plot");
            var (net, config) = LoadModel(path);
            var data = OpenData(r, config, path, net.Layers, path);
            var testSet = data.LoadTest();
            var trainSet = nretrain > 0 ? data.LoadTrain() : null;
            ntest = Math.Min(ntest, testSet.Count);

            var options = new SweepOptions(bitList, pruneList, noiseList, stateList, r.GetValue(pow2), mse, backend, batch, testSet, ntest, nretrain, trainSet);
            var sw = System.Diagnostics.Stopwatch.StartNew();
            int estimated = 0;
            var result = Sweep.Run(net, config, options,
                setting =>
                {
                    // The default tests every setting on all test digits: the first says what one setting costs, and how to shorten it.
                    var bar = new ProgressLine(setting.Label, ntest) { EstimateNote = r.GetResult(testSamples) is { Implicit: false } || estimated++ > 0 ? null : "each setting takes about as long; --test-samples N (or fewer --weight-bits) shortens it" };
                    return (done, correct) => bar.Report(done, done, correct, done == ntest);
                },
                x => Console.Error.WriteLine($"{x.Setting.Label,-45} test error {x.Result.Error:P2} ({x.DeltaError:+0.00%;-0.00%;0.00%})  [{sw.Elapsed:mm\\:ss}]"));
            var rows = result.Select(x => new Dictionary<string, object?>
                {
                    ["setting"] = x.Setting.Label, ["weight_bits"] = x.Setting.WeightBits, ["state_bits"] = x.Setting.StateBits, ["prune"] = x.Setting.Prune, ["noise"] = x.Setting.Noise,
                    ["test_error"] = Math.Round(x.Result.Error, 6), ["delta_error"] = Math.Round(x.DeltaError, 6),
                    ["synops_per_sample"] = Math.Round(x.Result.SynOpsPerSample, 0), ["test_samples"] = x.Result.Samples,
                }).ToList();
            double floatError = result[0].Result.Error;
            Output.Table($"sweep of {path} on {ntest} test digits",
                rows.Select(x => ((string)x["setting"]!, $"{(double)x["test_error"]!:P2}  Δ {(double)x["delta_error"]!:+0.00%;-0.00%;0.00%}  {(double)x["synops_per_sample"]!:N0} SynOps")));
            if (r.GetValue(csv) is { } csvPath) WriteCsv(csvPath, rows);
            if (r.GetValue(plot) is { } plotPath) WritePlot(plotPath, rows, floatError, bitList);
            if (r.GetValue(JsonOpt))
                Output.Json(new Dictionary<string, object?> { ["model"] = path, ["test_samples"] = ntest, ["float_error"] = Math.Round(floatError, 6), ["seconds"] = Math.Round(sw.Elapsed.TotalSeconds, 1), ["rows"] = rows });
            return 0;
        }));
        return c;
    }

    static void WriteCsv(string path, List<Dictionary<string, object?>> rows)
    {
        var inv = CultureInfo.InvariantCulture;
        var lines = new List<string> { "setting,weight_bits,prune,noise,test_error,delta_error,synops_per_sample,test_samples,state_bits" };
        lines.AddRange(rows.Select(x => string.Join(',', $"\"{x["setting"]}\"", Convert.ToString(x["weight_bits"], inv), Convert.ToString(x["prune"], inv),
            Convert.ToString(x["noise"], inv), Convert.ToString(x["test_error"], inv), Convert.ToString(x["delta_error"], inv),
            Convert.ToString(x["synops_per_sample"], inv), Convert.ToString(x["test_samples"], inv), Convert.ToString(x["state_bits"], inv))));
        AtomicFile.Write(path, tmp => File.WriteAllLines(tmp, lines));
    }

    /// <summary>Test error against weight bits, one curve per (prune, noise) setting, the float model as a dashed line.</summary>
    static void WritePlot(string path, List<Dictionary<string, object?>> rows, double floatError, int[] bits)
    {
        var plt = new ScottPlot.Plot();
        foreach (var group in rows.Where(x => (int)x["weight_bits"]! > 0).GroupBy(x => ((double)x["prune"]!, (double)x["noise"]!, (int)x["state_bits"]!)))
        {
            var pts = group.OrderBy(x => (int)x["weight_bits"]!).ToArray();
            var s = plt.Add.Scatter(pts.Select(x => (double)(int)x["weight_bits"]!).ToArray(), pts.Select(x => 100 * (double)x["test_error"]!).ToArray());
            s.LegendText = $"{(group.Key.Item3 == 0 ? "float" : $"{group.Key.Item3}-bit")} state, prune {group.Key.Item1:0.##}, noise {group.Key.Item2:0.###}";
        }
        var line = plt.Add.HorizontalLine(100 * floatError);
        line.LinePattern = ScottPlot.LinePattern.Dashed;
        line.LegendText = "float32 model";
        plt.XLabel("weight bits");
        plt.YLabel("test error (%)");
        plt.Title("robustness of the trained network to weight precision");
        plt.ShowLegend();
        AtomicFile.Write(path, tmp => plt.SavePng(tmp, 900, 560));
    }
}
