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
        var bits = new Option<string>("--weight-bits")
        {
            Description = "weight bit widths to test, comma-separated",
            DefaultValueFactory = _ => "1,2,3,4,6,8,12,16",
        };
        var prune = new Option<string>("--prune")
        {
            Description = "fractions of the smallest weights to remove, comma-separated",
            DefaultValueFactory = _ => "0",
        };
        var stateBits = new Option<string?>("--state-bits")
        {
            Description = "fixed-point state widths to test (8..24), comma-separated; each gets its own curves",
        };
        var noise = new Option<string>("--noise")
        {
            Description = "relative Gaussian weight noise (device mismatch), comma-separated",
            DefaultValueFactory = _ => "0",
        };
        var retrain = new Option<int>("--retrain-samples")
        {
            Description = "after pruning, re-learn on this many training digits (pruned synapses stay absent)",
            DefaultValueFactory = _ => 0,
        };
        var testSamples = new Option<int>("--test-samples")
        {
            Description = "test digits per setting (default: all 10,000)",
            DefaultValueFactory = _ => 10_000,
        };
        var pow2 = new Option<bool>("--power-of-two-step") { Description = "weight steps rounded up to powers of two (shared exponent)" };
        var scale = new Option<string>("--scale")
        {
            Description = "weight step per projection: mse (least squared rounding error, default) | max (largest |w| at the largest code)",
            DefaultValueFactory = _ => "mse",
        };
        var csv = new Option<string?>("--csv") { Description = "write the rows as CSV" };
        var plot = new Option<string?>("--plot") { Description = "write a PNG of test error against weight bits, one curve per prune/noise setting" };
        var c = new Command("sweep", "post-training quantization, pruning and weight-noise robustness of a trained model");
        c.Arguments.Add(model);
        foreach (var o in new Option[] { bits, stateBits, prune, noise, retrain, testSamples, pow2, scale, csv, plot, BackendOpt, InferenceBatchOpt,
            DatasetOpt, DataDirOpt, JsonOpt }) c.Options.Add(o);
        c.SetAction(r => Guard(() =>
        {
            var inv = CultureInfo.InvariantCulture;
            var bitList = ParseList(r.GetValue(bits)!, "--weight-bits",
                $"a whole number of bits in {Neuromorphic.Plasticity.QuantFormat.MinBits}..{Neuromorphic.Plasticity.QuantFormat.MaxBits}",
                s => (int.TryParse(s, NumberStyles.None, inv, out var v)
                && v is >= Neuromorphic.Plasticity.QuantFormat.MinBits and <= Neuromorphic.Plasticity.QuantFormat.MaxBits, v));
            var pruneList = ParseList(r.GetValue(prune)!, "--prune", "a fraction in [0, 1)",
                s => (double.TryParse(s, NumberStyles.Float, inv, out var v) && v >= 0 && v < 1, v));
            var stateList = r.GetValue(stateBits) is { } stateText ? ParseList(stateText, "--state-bits", "a whole number of bits in 8..24",
                s => (int.TryParse(s, NumberStyles.None, inv, out var v) && v is >= 8 and <= 24, v)) : [0];
            var noiseList = ParseList(r.GetValue(noise)!, "--noise", "a relative noise level >= 0",
                s => (double.TryParse(s, NumberStyles.Float, inv, out var v) && v >= 0 && double.IsFinite(v), v));
            var backend = Backends.Parse(r.GetValue(BackendOpt)!);
            bool mse = r.GetValue(scale)!.Trim().ToLowerInvariant() switch
            {
                "mse" => true,
                "max" => false,
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

            var options = new SweepOptions(bitList, pruneList, noiseList, stateList, r.GetValue(pow2), mse, backend, batch,
                testSet, ntest, nretrain, trainSet);
            var sw = System.Diagnostics.Stopwatch.StartNew();
            int estimated = 0;
            var result = Sweep.Run(net, config, options,
                setting =>
                {
                    // The default tests every setting on all test digits: the first says what one setting costs, and how to shorten it.
                    var bar = new ProgressLine(setting.Label, ntest)
                    {
                        EstimateNote = r.GetResult(testSamples) is { Implicit: false } || estimated++ > 0 ? null
                            : "each setting takes about as long; --test-samples N (or fewer --weight-bits) shortens it",
                    };
                    return (done, correct) => bar.Report(done, done, correct, done == ntest);
                },
                x => Console.Error.WriteLine($"{x.Setting.Label,-45} test error {x.Result.Error:P2} "
                    + $"({x.DeltaError:+0.00%;-0.00%;0.00%})  [{sw.Elapsed:mm\\:ss}]"));
            // The settings are tested on the same digits as the float model: a difference is noise unless McNemar's
            // paired test says otherwise (only the digits the two classify differently count).
            var reference = result[0].Result.Predictions;
            bool WithinNoise(SweepRow x)
            {
                int onlyFloatWrong = 0, onlyThisWrong = 0;
                for (int i = 0; i < x.Result.Samples; i++)
                {
                    bool floatRight = reference[i] == testSet.Labels[i], thisRight = x.Result.Predictions[i] == testSet.Labels[i];
                    if (floatRight && !thisRight) onlyThisWrong++;
                    else if (!floatRight && thisRight) onlyFloatWrong++;
                }
                return Binomial.PairedWithinNoise(onlyFloatWrong, onlyThisWrong);
            }
            var rows = result.Select(x =>
                {
                    var (lo, hi) = Binomial.Wilson(x.Result.Error, x.Result.Samples);
                    return new Dictionary<string, object?>
                    {
                        ["setting"] = x.Setting.Label, ["weight_bits"] = x.Setting.WeightBits, ["state_bits"] = x.Setting.StateBits,
                        ["prune"] = x.Setting.Prune, ["noise"] = x.Setting.Noise,
                        ["test_error"] = Math.Round(x.Result.Error, 6), ["test_error_ci95"] = new[] { Math.Round(lo, 6), Math.Round(hi, 6) },
                        ["delta_error"] = Math.Round(x.DeltaError, 6), ["delta_within_noise"] = ReferenceEquals(x, result[0]) ? null : WithinNoise(x),
                        ["synops_per_sample"] = Math.Round(x.Result.SynOpsPerSample, 0), ["test_samples"] = x.Result.Samples,
                    };
                }).ToList();
            double floatError = result[0].Result.Error;
            Output.Table($"sweep of {path} on {ntest} test digits (95% Wilson intervals; Δ against the float model, * within the "
                + $"noise: McNemar's paired test, 95%)",
                rows.Select(x =>
                {
                    var ci = (double[])x["test_error_ci95"]!;
                    string delta = x["delta_within_noise"] is bool noise
                        ? $"  Δ {(double)x["delta_error"]!:+0.00%;-0.00%;0.00%}{(noise ? "*" : " ")}" : "";
                    return ((string)x["setting"]!, $"{(double)x["test_error"]!:P2} [{ci[0]:P2}, {ci[1]:P2}]{delta}  "
                        + $"{(double)x["synops_per_sample"]!:N0} SynOps");
                }));
            int noisy = rows.Count(x => x["delta_within_noise"] is true && (double)x["delta_error"]! != 0);
            if (noisy > 0)
                Console.Error.WriteLine($"warning: {noisy} of {rows.Count - 1} differences from the float model (marked *) are within the noise of "
                    + $"{ntest:N0} test digits; test on more digits (--test-samples) before reading them as effects");
            if (r.GetValue(csv) is { } csvPath) WriteCsv(csvPath, rows);
            if (r.GetValue(plot) is { } plotPath) WritePlot(plotPath, rows, floatError, ntest);
            if (r.GetValue(JsonOpt))
            {
                var (flo, fhi) = Binomial.Wilson(floatError, ntest);
                Output.Json(new Dictionary<string, object?>
                {
                    ["model"] = path, ["test_samples"] = ntest, ["float_error"] = Math.Round(floatError, 6),
                    ["float_error_ci95"] = new[] { Math.Round(flo, 6), Math.Round(fhi, 6) },
                    ["seconds"] = Math.Round(sw.Elapsed.TotalSeconds, 1), ["rows"] = rows
                });
            }
            return 0;
        }));
        return c;
    }

    static void WriteCsv(string path, List<Dictionary<string, object?>> rows)
    {
        var inv = CultureInfo.InvariantCulture;
        var lines = new List<string> { "setting,weight_bits,prune,noise,test_error,delta_error,synops_per_sample,test_samples,state_bits,"
            + "test_error_ci95_low,test_error_ci95_high,delta_within_noise" };
        lines.AddRange(rows.Select(x => string.Join(',', $"\"{x["setting"]}\"", Convert.ToString(x["weight_bits"], inv),
            Convert.ToString(x["prune"], inv),
            Convert.ToString(x["noise"], inv), Convert.ToString(x["test_error"], inv), Convert.ToString(x["delta_error"], inv),
            Convert.ToString(x["synops_per_sample"], inv), Convert.ToString(x["test_samples"], inv), Convert.ToString(x["state_bits"], inv),
            Convert.ToString(((double[])x["test_error_ci95"]!)[0], inv), Convert.ToString(((double[])x["test_error_ci95"]!)[1], inv),
            x["delta_within_noise"] is bool b ? (b ? "true" : "false") : "")));
        AtomicFile.Write(path, tmp => File.WriteAllLines(tmp, lines));
    }

    /// <summary>Test error against weight bits with 95% intervals, one curve per (state, prune, noise) setting (each a
    /// little offset along x so that the bars do not hide each other), the float model as a dashed line in its band;
    /// the legend outside the axes, integer ticks at the widths tested.</summary>
    static void WritePlot(string path, List<Dictionary<string, object?>> rows, double floatError, int samples)
    {
        var plt = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var groups = rows.Where(x => (int)x["weight_bits"]! > 0).GroupBy(x =>
            ((double)x["prune"]!, (double)x["noise"]!, (int)x["state_bits"]!)).ToList();
        var (flo, fhi) = Binomial.Wilson(floatError, samples);
        var band = plt.Add.VerticalSpan(100 * flo, 100 * fhi);
        band.FillStyle.Color = ScottPlot.Colors.Gray.WithAlpha(0.15); band.LineStyle.Width = 0;
        band.LegendText = "float32 model's 95% interval";
        var line = plt.Add.HorizontalLine(100 * floatError);
        line.LinePattern = ScottPlot.LinePattern.Dashed; line.Color = ScottPlot.Colors.Gray;
        line.LegendText = $"float32 model: {100 * floatError:F2}%";
        for (int g = 0; g < groups.Count; g++)
        {
            var pts = groups[g].OrderBy(x => (int)x["weight_bits"]!).ToArray();
            double shift = groups.Count == 1 ? 0 : 0.25 * (g / (groups.Count - 1.0) - 0.5);
            double[] xs = pts.Select(x => (int)x["weight_bits"]! + shift).ToArray();
            double[] ys = pts.Select(x => 100 * (double)x["test_error"]!).ToArray();
            var color = palette.GetColor(g);
            Plots.ErrorBars(plt, xs, ys, pts.Select(x => 100 * ((double[])x["test_error_ci95"]!)[0]).ToArray(),
                pts.Select(x => 100 * ((double[])x["test_error_ci95"]!)[1]).ToArray(), color);
            var s = plt.Add.Scatter(xs, ys);
            s.Color = color; s.LineWidth = 1.5f; s.MarkerSize = 6;
            s.LegendText = $"{(groups[g].Key.Item3 == 0 ? "float" : $"{groups[g].Key.Item3}-bit")} state, prune {groups[g].Key.Item1:0.##}, "
                + $"noise {groups[g].Key.Item2:0.###}";
        }
        var bits = groups.SelectMany(gr => gr.Select(x => (int)x["weight_bits"]!)).Distinct().Order().ToArray();
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        foreach (int b in bits) ticks.AddMajor(b, b.ToString(CultureInfo.InvariantCulture));
        plt.Axes.Bottom.TickGenerator = ticks;
        plt.XLabel("weight bits");
        plt.YLabel("test error (%), bars: 95% Wilson interval");
        plt.Title($"robustness to weight precision (n = {samples:N0} test digits per point)");
        plt.ShowLegend(ScottPlot.Edge.Right);
        Figure.Write(plt, path, 1000, 560);
    }
}
