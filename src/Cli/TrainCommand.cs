namespace Neuromorphic.Cli;

/// <summary>`neuromorphic train`: train a classifier, test it, save the model (and its plot and report).</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var cfg = new ConfigOptions();
        var epochs = new Option<int>("--epochs") { Description = "passes over the training digits", DefaultValueFactory = _ => 1 };
        var trainSamples = new Option<int>("--train-samples")
        {
            Description = "training digits per epoch (default: all 50,000 of the training pool)",
            DefaultValueFactory = _ => Trainer.TrainPoolSize,
        };
        var testSamples = new Option<int>("--test-samples")
        {
            Description = "test digits for the final test (default: all 10,000)",
            DefaultValueFactory = _ => 10_000,
        };
        var valSamples = new Option<int>("--validation-samples")
        {
            Description = "held-out digits (from the last 10,000 training digits) tested after each epoch",
            DefaultValueFactory = _ => 1000,
        };
        var outOpt = new Option<string>("--out") { Description = "model file to write", DefaultValueFactory = _ => "model.nmm" };
        var ckEvery = new Option<int>("--checkpoint-every")
        {
            Description = "write the model file every N training samples (0 = only at the end)",
            DefaultValueFactory = _ => 0,
        };
        var resume = new Option<string?>("--resume") { Description = "continue training from this checkpoint (its parameters and progress)" };
        var hidden = new Option<int?>("--hidden") { Description = "hidden units: s2m 794-N (default 500); eRBP 784-N-10 (instead of --arch)" };
        var prune = new Option<double?>("--prune")
        {
            Description = "with --resume: remove this fraction of the weakest weights (0.8 = 80%), then retrain briefly as a new run",
        };
        var testBatch = new Option<int?>("--test-batch")
        {
            Description = "batch of the validation and final test (default: 16 on the CPU, 1024 on CUDA)",
        };
        var testEvery = new Option<bool>("--test-every-epoch")
        {
            Description = "also test on the test digits after every epoch (stored in the model's history, drawn by --plot)",
        };
        var plotOpt = new Option<string?>("--plot") { Description = "draw the learning curve (error against epochs) to this PNG file" };
        var reportOpt = new Option<string?>("--report")
        {
            Description = "write a self-contained HTML page of the run (configuration, learning curve, epochs, confusion matrix, "
                + "receptive fields, rates, SynOps)",
        };
        var reportDigits = new Option<int>("--report-digits")
        {
            Description = "test images simulated one at a time for the report's firing rates and SynOps per image",
            DefaultValueFactory = _ => 100,
        };
        var trainPool = new Option<int>("--train-pool")
        {
            Description = "training images drawn from: 50000 (the rest holds the validation digits) or 60000 (all, the reference "
                + "driver's protocol; no validation)",
            DefaultValueFactory = _ => Trainer.TrainPoolSize,
        };
        var sampling = new Option<string>("--sampling")
        {
            Description = "how an epoch draws its digits: permutation (each image once) | balanced-replacement (the reference driver's: every "
                + "class once per 10 digits, images drawn with replacement)",
            DefaultValueFactory = _ => "permutation",
        };
        sampling.AcceptOnlyFromAmong("permutation", "balanced-replacement");
        var testEveryN = new Option<int>("--test-every")
        {
            Description = "test on the test digits every N training samples (the papers' curve; their figure is the mean of the last 5 "
                + "tests: test_error_last5_mean)",
            DefaultValueFactory = _ => 0,
        };
        var c = new Command("train", "train a spiking classifier (MNIST digits by default) with eRBP or an S2M (eCD), test it and save the model");
        Add(c, ArchOpt, hidden, prune, epochs, trainSamples, testSamples, valSamples, outOpt, ckEvery, resume, testBatch, testEvery, plotOpt,
            reportOpt, reportDigits, trainPool, sampling, testEveryN, BackendOpt, BatchOpt, DatasetOpt, DataDirOpt, JsonOpt);
        cfg.AddTo(c);
        cfg.ShowPreset(Presets.DefaultForTraining);
        c.SetAction(r => Guard(() =>
        {
            int batch = CheckBatch(r.GetValue(BatchOpt)), ep = r.GetValue(epochs), ntrain = r.GetValue(trainSamples), ntest = r.GetValue(testSamples),
                nval = r.GetValue(valSamples);
            var backend = Backends.Parse(r.GetValue(BackendOpt)!);
            if (ep < 1) throw new NeuromorphicException($"--epochs must be at least 1, got {ep}");
            if (ntrain < 1) throw new NeuromorphicException($"--train-samples must be at least 1, got {ntrain}");
            if (ntest < 0 || nval < 0) throw new NeuromorphicException("--test-samples and --validation-samples must not be negative");
            int pool = r.GetValue(trainPool), every = r.GetValue(testEveryN);
            if (pool is not (Trainer.TrainPoolSize or Trainer.FullTrainPoolSize)) throw new NeuromorphicException($"--train-pool must be "
                + $"{Trainer.TrainPoolSize} or {Trainer.FullTrainPoolSize}, got {pool}");
            if (every < 0) throw new NeuromorphicException($"--test-every must be 0 (no tests during training) or a positive number of "
                + $"training samples, got {every}");
            if (r.GetValue(ckEvery) is var ck && ck < 0) throw new NeuromorphicException($"--checkpoint-every must be 0 (only at the end) or a "
                + $"positive number of samples, got {ck}");
            double? pruneFraction = r.GetValue(prune);
            string? from = r.GetValue(resume), reportPath = r.GetValue(reportOpt), plotPath = r.GetValue(plotOpt);
            if (pruneFraction is { } pf && !(pf > 0 && pf < 1)) throw new NeuromorphicException($"--prune must lie in (0, 1), got {pf}");
            if (pruneFraction != null && from == null) throw new NeuromorphicException("--prune needs --resume MODEL (the trained model to prune)");
            if (r.GetValue(hidden) is { } hv && (hv < 1 || hv > Architecture.MaxLayerSize)) throw new NeuromorphicException($"--hidden must lie in "
                + $"1..{Architecture.MaxLayerSize:N0}, got {hv}");
            AtomicFile.CheckWritable(r.GetValue(outOpt), "--out");
            if (reportPath != null) AtomicFile.CheckWritable(reportPath, "--report");
            int nreport = r.GetValue(reportDigits);
            if (nreport < 1) throw new NeuromorphicException($"--report-digits must be at least 1, got {nreport}");
            var settings = new TrainingSettings
            {
                Epochs = ep, TrainSamples = ntrain, TrainSamplesGiven = r.GetResult(trainSamples) is { Implicit: false }, TestSamples = ntest,
                TestSamplesGiven = r.GetResult(testSamples) is { Implicit: false },
                ValidationSamples = nval, ValidationSamplesGiven = r.GetResult(valSamples) is { Implicit: false }, OutPath = r.GetValue(outOpt)!,
                CheckpointEvery = ck, TrainPool = pool, TrainPoolGiven = r.GetResult(trainPool) is { Implicit: false },
                Sampling = r.GetValue(sampling) == "balanced-replacement" ? SamplingKind.BalancedReplacement : SamplingKind.Permutation,
                SamplingGiven = r.GetResult(sampling) is { Implicit: false }, TestEvery = every,
                TestEveryGiven = r.GetResult(testEveryN) is { Implicit: false },
                TestEachEpoch = r.GetValue(testEvery), TestEachEpochGiven = r.GetResult(testEvery) is { Implicit: false }, Backend = backend,
                Batch = batch, PruneFraction = pruneFraction, Eta = r.GetValue(cfg.Eta),
            };
            var callbacks = new TrainingCallbacks
            {
                Note = Console.Error.WriteLine, Line = Output.Line, Spell = OptionNames.Of,
                Progress = (label, total) => new ProgressLine(label, total).Report,
            };
            TrainingStart start;
            Dataset data;
            List<KeyValuePair<string, object?>> described = [];
            if (from != null)
            {
                var (net, config, file) = LoadModelFile(from);
                // The checkpoint as it was, or pruned (in memory) to re-learn as a new run.
                start = TrainingRun.Resume(from, net, config, file, pruneFraction, settings.Eta);
                if (r.GetValue(DatasetOpt) is { } asked && Dataset.Resolve(asked, null).Name != Dataset.Resolve(config.Dataset, null,
                    $"{from}: its dataset").Name)
                    throw new NeuromorphicException($"--dataset '{asked}': {from} was trained on {config.Dataset}, and a resumed run continues "
                        + $"on the checkpoint's dataset");
                data = OpenData(r, config, from, net.Layers);
                settings = TrainingRun.Continue(from, file, start, settings, callbacks);
            }
            else
            {
                var config = TrainingRun.NewRunConfig(cfg.Build(r, defaultPreset: Presets.DefaultForTraining), ep);
                bool explicitArch = r.GetResult(ArchOpt) is { Implicit: false };
                if (config.Family != ModelFamily.SynapticSampling && r.GetValue(hidden) != null
                    && explicitArch) throw new NeuromorphicException("--hidden and --arch both given; use one");
                int[]? given = config.Family != ModelFamily.SynapticSampling && explicitArch ? Architecture.Parse(r.GetValue(ArchOpt)!) : null;
                // The data decide the input and output layers; the model file records which data they were.
                data = OpenData(r, config, null, given, "--arch");
                config = config with { Dataset = data.Name };
                if (r.GetValue(hidden) is { } hc) Architecture.Check([data.PixelsPerImage, hc, data.Classes], "--hidden");
                var net = TrainingRun.NewNetwork(config, data.PixelsPerImage, data.Classes, r.GetValue(hidden),
                    config.Family != ModelFamily.SynapticSampling && r.GetValue(hidden) == null ? ArchFor(r, data) : null);
                start = new TrainingStart(net, config, new TrainingProgress(), []);
                // What ran, as the options spell it, and where each value came from (command line, --config, preset, default).
                var (values, sources) = cfg.Explain(r, config);
                described = [new("options", values), new("option_sources", sources)];
            }
            data.RequireFits(start.Network.Layers, from ?? "--arch");
            int tb = r.GetValue(testBatch) is > 0 and var askedBatch ? askedBatch : InferenceBatch(null, backend);
            settings = settings with { TestBatch = CheckBatch(tb, "--test-batch") };
            if (plotPath != null) AtomicFile.CheckWritable(plotPath, "--plot");
            using var run = new TrainingRun(settings, start, data, callbacks, described);
            var figures = run.Train();
            if (plotPath != null)
            {
                Plots.Curve([(Path.GetFileNameWithoutExtension(settings.OutPath), run.History)], plotPath, logX: false, testPoints: [run.TestPoints]);
                Output.Line($"learning curve written to {plotPath}");
                figures["plot"] = plotPath;
            }
            var final = FinalTest(run.Tester(), data, run.TestSet, Math.Min(ntest, run.TestSet.Count), figures);
            if (reportPath != null)
            {
                ReportPage.Write(reportPath, new ReportPage.Run(Path.GetFileName(settings.OutPath), start.Network, start.Config,
                    data, run.TestSet, run.History,
                    run.Progress, final, figures, settings.OutPath), backend, nreport);
                Output.Line($"report written to {reportPath}");
                figures["report"] = reportPath;
            }
            Console.Error.WriteLine($"train done in {TrainingRun.ClockText(run.Clock.Elapsed)} (training, "
                + $"validation{(ntest > 0 ? ", test" : "")}{(reportPath != null ? ", report" : "")})");
            if (r.GetValue(JsonOpt)) Output.Json(figures);
            return 0;
        }));
        return c;
    }
}
