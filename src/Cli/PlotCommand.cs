namespace Neuromorphic.Cli;

/// <summary>`neuromorphic plot KIND ...`: figures of trained models.</summary>
public static class PlotCommand
{
    public static Command Create(Option<bool> json)
    {
        var models = new Argument<string[]>("models")
        {
            Description = "model files whose training history to draw (several: one plot to compare)",
            Arity = ArgumentArity.OneOrMore,
        };
        var outOpt = new Option<string>("--out")
        {
            Description = "figure file to write (PNG, or SVG or PDF: see --format)",
            DefaultValueFactory = _ => "curve.png",
        };
        var logX = new Option<bool>("--log-x") { Description = "epochs on a log axis (as the eRBP paper's convergence figures)" };
        var logY = new Option<bool>("--log-y") { Description = "error on a log axis" };
        var xAxis = new Option<string>("--x")
        {
            Description = "epochs (whole-number ticks) | samples (training samples seen)",
            DefaultValueFactory = _ => "epochs",
        };
        var curveFig = new FigureOptions();
        var curve = new Command("curve", "learning curves: test, validation and training error against epochs from models' training histories");
        curve.Arguments.Add(models);
        foreach (var o in new Option[] { outOpt, logX, logY, xAxis, json }) curve.Options.Add(o);
        curveFig.AddTo(curve);
        curve.SetAction(r => CliCommon.Guard(() =>
        {
            string outPath = r.GetValue(outOpt)!;
            Neuromorphic.Simulator.Files.AtomicFile.CheckWritable(outPath, "--out");
            var (format, size) = curveFig.Parse(r, outPath);
            bool samplesAxis = r.GetValue(xAxis)!.Trim().ToLowerInvariant() switch
            {
                "epochs" => false,
                "samples" => true,
                var other => throw new NeuromorphicException($"--x '{other}': expected epochs or samples"),
            };
            var runs = new List<(string, List<EpochRecord>)>();
            var points = new List<IReadOnlyList<TestPoint>>();
            foreach (var m in r.GetValue(models)!)
            {
                var file = ModelFile.Load(m);
                if (file.History.Count == 0) throw new NeuromorphicException($"{m}: the model has no training history (trained before "
                    + $"histories were stored, or imported)");
                runs.Add((Path.GetFileNameWithoutExtension(m), file.History));
                points.Add(file.TestPoints);
            }
            Plots.CurveFigure(runs, outPath, r.GetValue(logX), r.GetValue(logY), samplesAxis, points).Sized(size).Save(outPath, format);
            Output.Line($"learning curves of {runs.Count} model(s) written to {outPath}");
            if (r.GetValue(json))
                Output.Json(new Dictionary<string, object?>
                {
                    ["out"] = outPath, ["models"] = runs.Count,
                    ["epochs"] = runs.Select(x => x.Item2.Count).ToArray()
                });
            return 0;
        }));
        var c = new Command("plot", "figures of trained models (PNG)");
        c.Subcommands.Add(curve);
        c.Subcommands.Add(Raster(json));
        c.Subcommands.Add(Weights(json));
        c.Subcommands.Add(Rates(json));
        return c;
    }

    static readonly string[] Splits = ["test", "train"];

    /// <summary>--format and --size of every plot command.</summary>
    sealed class FigureOptions
    {
        public readonly Option<string?> Format = new("--format") { Description = "png | svg | pdf (default: from the --out extension, else png)" };
        public readonly Option<string?> Size = new("--size")
        {
            Description = "WIDTHxHEIGHT in pixels (points in a PDF), e.g. 1600x1000 (default: the figure's own)",
        };
        public void AddTo(Command c) { c.Options.Add(Format); c.Options.Add(Size); }
        /// <summary>Checks both before any work.</summary>
        public (FigureFormat Format, (int Width, int Height)? Size) Parse(ParseResult r, string outPath)
            => (Figure.FormatOf(outPath, r.GetValue(Format)), Figure.ParseSize(r.GetValue(Size)));
    }

    static Option<string> SplitOption() => new("--split")
    {
        Description = "test: the test images; train: the training images",
        DefaultValueFactory = _ => "test",
    };

    static string CheckSplit(string split) => Splits.Contains(split) ? split
        : throw new NeuromorphicException($"--split: expected test or train, got '{split}'");

    static Command Raster(Option<bool> json)
    {
        var cfg = new ConfigOptions();
        var model = new Option<string?>("--model") { Description = "model file to simulate (default: random weights of --arch)" };
        var digit = new Option<int>("--digit") { Description = "index of the image in the split (0 = the first)", DefaultValueFactory = _ => 0 };
        var split = SplitOption();
        var lane = new Option<int>("--lane")
        {
            Description = "lane of the batch the image runs in (the other lanes get the next images); the raster does not depend on it",
            DefaultValueFactory = _ => 0,
        };
        var batch = new Option<int>("--batch") { Description = "samples simulated at once", DefaultValueFactory = _ => 1 };
        var learn = new Option<bool>("--learn")
        {
            Description = "simulate a training sample of the model's rule: label neurons on, the error path active (weights learn in "
                + "memory only; nothing is saved)",
        };
        var outOpt = new Option<string>("--out")
        {
            Description = "figure file to write (PNG, or SVG or PDF: see --format)",
            DefaultValueFactory = _ => "raster.png",
        };
        var fromMs = new Option<double>("--from-ms") { Description = "start of the time window drawn (ms)", DefaultValueFactory = _ => 0 };
        var toMs = new Option<double?>("--to-ms") { Description = "end of the time window drawn (ms; default: the end of the sample)" };
        var markerSize = new Option<float>("--marker-size")
        {
            Description = "spike marker size in pixels (default: about a row's height)",
            DefaultValueFactory = _ => 0,
        };
        var rasterFig = new FigureOptions();
        var recordOut = new Option<string?>("--record-out") { Description = "the NumPy .npz file --record writes (the sample drawn)" };
        var record = new RecordOptions();
        var c = new Command("raster", "spike raster of one sample: every population, time (ms) against neuron, label and "
            + "predicted class in the title");
        foreach (var o in new Option[] { model, CliCommon.ArchOpt, digit, split, lane, batch, learn, outOpt, recordOut, CliCommon.BackendOpt,
            CliCommon.DatasetOpt, CliCommon.DataDirOpt, json }) c.Options.Add(o);
        CliCommon.AddInferenceOptions(c, cfg);
        record.AddTo(c);
        foreach (var o in new Option[] { fromMs, toMs, markerSize }) c.Options.Add(o);
        rasterFig.AddTo(c);
        c.SetAction(r => CliCommon.Guard(() =>
        {
            string outPath = r.GetValue(outOpt)!;
            AtomicFile.CheckWritable(outPath, "--out");
            var (format, size) = rasterFig.Parse(r, outPath);
            double from = r.GetValue(fromMs), to = r.GetValue(toMs) ?? double.NaN;
            float marker = r.GetValue(markerSize);
            if (!(from >= 0) || double.IsInfinity(from)) throw new NeuromorphicException($"--from-ms must be a time >= 0, got {from}");
            if (!double.IsNaN(to) && !(to > from)) throw new NeuromorphicException($"--to-ms must be later than --from-ms ({from}), got {to}");
            if (!(marker >= 0 && marker <= 50)) throw new NeuromorphicException($"--marker-size must lie in 0..50 pixels, got {marker}");
            string which = CheckSplit(r.GetValue(split)!);
            int b = CliCommon.CheckBatch(r.GetValue(batch)), l = r.GetValue(lane), n = r.GetValue(digit);
            if (l < 0 || l >= b) throw new NeuromorphicException($"--lane must lie in 0..{b - 1} (--batch {b}), got {l}");
            if (n < 0) throw new NeuromorphicException($"--digit must not be negative, got {n}");
            string? recordPath = r.GetValue(recordOut);
            var kinds = record.Kinds(r, recordPath, "--record-out");
            if (recordPath != null && kinds == null) throw new NeuromorphicException($"--record-out {recordPath}: give --record (spikes, "
                + $"state or spikes,state) as well");
            var backend = Backends.Parse(r.GetValue(CliCommon.BackendOpt)!);
            string? path = r.GetValue(model);
            Network? net = null; SimulationConfig config;
            if (path != null) cfg.RefuseWithModel(r, path, "plot raster");
            if (path != null) (net, config, _) = CliCommon.LoadModelFile(path);
            else config = cfg.Build(r, RuleKind.None);
            bool training = r.GetValue(learn);
            if (training && config.Rule == RuleKind.None)
                throw new NeuromorphicException($"--learn: {(path == null ? "random weights of --arch have" : $"{path} has")} no learning rule "
                    + $"(rule none); give a model trained with erbp, perbp or s2m");
            int[]? given = net?.Layers ?? (r.GetResult(CliCommon.ArchOpt) is { Implicit: false }
                ? Architecture.Parse(r.GetValue(CliCommon.ArchOpt)!) : null);
            var data = CliCommon.OpenData(r, path == null ? null : config, path, given, path ?? "--arch");
            net ??= ErbpNetwork.Build(CliCommon.ArchFor(r, data), config);
            data.RequireFits(net.Layers, path ?? "--arch");
            var set = which == "test" ? data.LoadTest() : data.LoadTrain();
            if (n >= set.Count) throw new NeuromorphicException($"--digit {n}: the {which} split of {data.Title} has {set.Count} "
                + $"images (0..{set.Count - 1})");
            using var engine = Backends.Create(backend, net, config, b);
            var input = engine.NewInput();
            int Image(int k) => ((n + k - l) % set.Count + set.Count) % set.Count; // lane l holds image n, the others the next ones
            input.Fill(set, b, Image, k => Evaluation.TestPresentationBase + Image(k), training);
            var raster = new SpikeRaster(l);
            int steps = config.StepsPerSample(training);
            if (from >= steps * config.DtMs) throw new NeuromorphicException($"--from-ms {from}: the sample lasts {steps * config.DtMs:G4} ms");
            var recording = record.Create(r, kinds, engine, steps, 1, 1);
            if (recording != null) recording.SampleOfLane = k => k == l ? 0 : -1;
            var res = engine.Run(input, training, recording == null ? raster : new RecorderPair(raster, recording));
            int predicted = res.Predicted(l), label = set.Labels[n];
            if (recording != null)
            {
                (recording.Images[0], recording.Labels[0], recording.Predictions[0]) = (n, label, predicted);
                recording.WriteNpz(recordPath!);
            }
            var pops = Enumerable.Range(0, net.Populations.Count).Where(p => training || !net.Populations[p].ErrorPath).ToList();
            string name = path == null ? $"random {Architecture.Format(net.Layers)}" : Path.GetFileName(path);
            string title = $"{name}: {data.Title} {which} image {n}, label {Dataset.ClassLabel(set.ClassNames, label)}, predicted "
                + $"{Dataset.ClassLabel(set.ClassNames, predicted)}" +
                (training ? " (training sample)" : "") + (b > 1 ? $", lane {l} of {b}" : "");
            Plots.Raster(net, pops, raster.Spikes, config.DtMs, steps, title,
                new Plots.RasterStyle(from, to, marker, set.ClassNames)).Sized(size).Save(outPath, format);
            Output.Line($"raster of {raster.Spikes.Count:N0} spikes over {steps * config.DtMs:G4} ms written to {outPath}");
            if (r.GetValue(json))
                Output.Json(new Dictionary<string, object?>
                {
                    ["out"] = outPath, ["record"] = recording == null ? null : recordPath, ["model"] = path,
                    ["arch"] = Architecture.Format(net.Layers), ["dataset"] = data.Name, ["split"] = which, ["digit"] = n,
                    ["lane"] = l, ["batch"] = b, ["training_sample"] = training, ["label"] = label, ["predicted"] = predicted,
                    ["steps"] = steps, ["dt_ms"] = config.DtMs, ["spikes"] = raster.Spikes.Count, ["batch_spikes"] = res.Spikes,
                    ["populations"] = pops.ToDictionary(p => net.Populations[p].Name, p => (object?)raster.Spikes.Count(s => s.Population == p)),
                });
            return 0;
        }));
        return c;
    }

    static Command Weights(Option<bool> json)
    {
        var model = new Argument<string>("model") { Description = "model file (eRBP or S2M)" };
        var units = new Option<int?>("--units")
        {
            Description = "how many units of the first hidden layer to draw, from unit 0 (default: all, at most 100)",
        };
        var outOpt = new Option<string>("--out")
        {
            Description = "figure file to write (PNG, or SVG or PDF: see --format)",
            DefaultValueFactory = _ => "weights.png",
        };
        var sort = new Option<string>("--sort")
        {
            Description = "unit (units 0, 1, ...) | class (grouped by the class whose prediction neuron each unit excites most; one hidden layer)",
            DefaultValueFactory = _ => "unit",
        };
        var noMask = new Option<bool>("--no-mask")
        {
            Description = "draw the pixels that are the same in every training image too (by default grey: they carry no information and their "
                + "weights keep their initial noise)",
        };
        var weightsFig = new FigureOptions();
        var c = new Command("weights", "receptive fields of the first hidden layer: each unit's input weights as an image tile, "
            + "one colour scale centred on 0");
        c.Arguments.Add(model);
        foreach (var o in new Option[] { units, sort, noMask, outOpt, CliCommon.DatasetOpt, CliCommon.DataDirOpt, json }) c.Options.Add(o);
        weightsFig.AddTo(c);
        c.SetAction(r => CliCommon.Guard(() =>
        {
            string outPath = r.GetValue(outOpt)!, path = r.GetValue(model)!;
            AtomicFile.CheckWritable(outPath, "--out");
            var (format, size) = weightsFig.Parse(r, outPath);
            bool byClass = r.GetValue(sort)!.Trim().ToLowerInvariant() switch
            {
                "unit" => false,
                "class" => true,
                var other => throw new NeuromorphicException($"--sort '{other}': expected unit or class"),
            };
            var (net, config, _) = CliCommon.LoadModelFile(path);
            var (weights, stride, available, projection) = ReceptiveFields.Of(net, config);
            int[]? driven = byClass ? ReceptiveFields.DrivenClass(net, config)
                ?? throw new NeuromorphicException($"--sort class: {path}'s first hidden layer does not project straight to the prediction layer "
                + $"(a deeper network or an S2M model); use --sort unit") : null;
            int n = r.GetValue(units) ?? Math.Min(available, 100);
            if (n < 1 || n > available) throw new NeuromorphicException($"--units must lie in 1..{available} (the units of "
                + $"{projection} in {path}), got {n}");
            var (rows, cols) = ReceptiveFields.SquareImage(net.Layers[0], path);
            bool[]? silent = null;
            IReadOnlyList<string>? classNames = null;
            if (!r.GetValue(noMask) || byClass)
            {
                var data = CliCommon.OpenData(r, config, path);
                if (data.PixelsPerImage == net.Layers[0])
                {
                    var train = data.LoadTrain();
                    if (!r.GetValue(noMask)) silent = ReceptiveFields.ConstantPixels(train);
                    classNames = train.ClassNames;
                }
                else Console.Error.WriteLine($"note: {data.Title} images have {data.PixelsPerImage} pixels, {path}'s input "
                    + $"{net.Layers[0]}: no pixels masked");
            }
            int[] order = Enumerable.Range(0, n).ToArray();
            if (driven != null) order = order.OrderBy(u => driven[u]).ThenBy(u => u).ToArray();
            Plots.Weights(weights, stride, rows, cols, n, $"{Path.GetFileName(path)}: receptive fields, {projection} weights of units 0-{n - 1}",
                silent, order, driven, classNames).Sized(size).Save(outPath, format);
            Output.Line($"receptive fields of {n} units ({projection}) written to {outPath}");
            if (r.GetValue(json))
            {
                double largest = 0;
                for (int j = 0; j < rows * cols; j++) for (int u = 0; u < n; u++) largest = Math.Max(largest,
                    Math.Abs(weights[(long)j * stride + u]));
                Output.Json(new Dictionary<string, object?>
                {
                    ["out"] = outPath, ["model"] = path, ["projection"] = projection, ["units"] = n, ["rows"] = rows, ["cols"] = cols,
                    ["max_abs_weight_mv"] = Math.Round(largest, 6),
                    ["masked_pixels"] = silent?.Count(x => x), ["order"] = order, ["driven_class"] = driven?.Take(n).ToArray()
                });
            }
            return 0;
        }));
        return c;
    }

    static Command Rates(Option<bool> json)
    {
        var model = new Argument<string>("model") { Description = "model file" };
        var digits = new Option<int>("--digits")
        {
            Description = "images to simulate (one at a time, from the first of the split)",
            DefaultValueFactory = _ => 100,
        };
        var split = SplitOption();
        var outOpt = new Option<string>("--out")
        {
            Description = "figure file to write (PNG, or SVG or PDF: see --format)",
            DefaultValueFactory = _ => "rates.png",
        };
        var style = new Option<string>("--style")
        {
            Description = "histogram | log (histogram on a log axis: the tail shows) | ecdf (cumulative fraction of all pairs, silent ones included)",
            DefaultValueFactory = _ => "histogram",
        };
        var ratesFig = new FigureOptions();
        var c = new Command("rates", "distribution of firing rates per population over N images, against saturation and the eRBP gate");
        c.Arguments.Add(model);
        foreach (var o in new Option[] { digits, split, style, outOpt, CliCommon.BackendOpt, CliCommon.DatasetOpt,
            CliCommon.DataDirOpt, json }) c.Options.Add(o);
        ratesFig.AddTo(c);
        c.SetAction(r => CliCommon.Guard(() =>
        {
            string outPath = r.GetValue(outOpt)!, path = r.GetValue(model)!;
            AtomicFile.CheckWritable(outPath, "--out");
            string which = CheckSplit(r.GetValue(split)!);
            var (format, size) = ratesFig.Parse(r, outPath);
            var drawn = r.GetValue(style)!.Trim().ToLowerInvariant() switch
            {
                "histogram" => Plots.RatesStyle.Histogram,
                "log" => Plots.RatesStyle.Log,
                "ecdf" => Plots.RatesStyle.Ecdf,
                var other => throw new NeuromorphicException($"--style '{other}': expected histogram, log or ecdf"),
            };
            int n = r.GetValue(digits);
            if (n < 1) throw new NeuromorphicException($"--digits must be at least 1, got {n}");
            var backend = Backends.Parse(r.GetValue(CliCommon.BackendOpt)!);
            var (net, config, _) = CliCommon.LoadModelFile(path);
            var data = CliCommon.OpenData(r, config, path, net.Layers);
            var set = which == "test" ? data.LoadTest() : data.LoadTrain();
            n = Math.Min(n, set.Count);
            using var engine = Backends.Create(backend, net, config, 1);
            var bar = new ProgressLine("rates", n, accuracy: false);
            var activity = Activity.Record(engine, set, 0, n, done => bar.Report(done, done, 0, done == n));
            var pops = Enumerable.Range(0, net.Populations.Count).Where(p => !net.Populations[p].ErrorPath).ToList();
            Plots.Rates(net, config, activity, pops, $"{Path.GetFileName(path)}: firing rates on {n} {data.Title} {which} {data.Items}",
                drawn).Sized(size).Save(outPath, format);
            Output.Line($"firing rates of {pops.Count} populations on {n} images written to {outPath}");
            if (r.GetValue(json))
                Output.Json(new Dictionary<string, object?>
                {
                    ["out"] = outPath, ["model"] = path, ["dataset"] = data.Name, ["split"] = which, ["images"] = n,
                    ["populations"] = pops.ToDictionary(p => net.Populations[p].Name, p => (object?)RateFigures(net, config, activity, p)),
                });
            return 0;
        }));
        return c;
    }

    /// <summary>A population's rates as JSON figures (NaN references as null).</summary>
    internal static Dictionary<string, object?> RateFigures(Network net, SimulationConfig config, Activity activity, int population)
    {
        var rates = activity.RatesHz(population).ToArray();
        var active = rates.Where(x => x > 0).Order().ToArray();
        var (saturation, edge, _) = Activity.ReferenceRates(net, config, population);
        static object? Finite(double v) => double.IsFinite(v) ? Math.Round(v, 3) : null;
        return new()
        {
            ["neurons"] = net.Populations[population].Size,
            ["mean_rate_hz"] = Math.Round(rates.DefaultIfEmpty(0).Average(), 3),
            ["silent_fraction"] = rates.Length == 0 ? 0 : Math.Round(1 - (double)active.Length / rates.Length, 6),
            ["median_active_rate_hz"] = active.Length == 0 ? null : Math.Round(active[active.Length / 2], 3),
            ["saturation_hz"] = Finite(saturation), ["gate_edge_hz"] = Finite(edge),
        };
    }
}
