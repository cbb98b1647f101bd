namespace Neuromorphic.Cli;

/// <summary>`neuromorphic train`: train a classifier, test it, save the model (and its plot and report).</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var cfg = new ConfigOptions();
        var epochs = new Option<int>("--epochs") { Description = "passes over the training digits", DefaultValueFactory = _ => 1 };
        var trainSamples = new Option<int>("--train-samples") { Description = "training digits per epoch (default: all 50,000 of the training pool)", DefaultValueFactory = _ => Trainer.TrainPoolSize };
        var testSamples = new Option<int>("--test-samples") { Description = "test digits for the final test (default: all 10,000)", DefaultValueFactory = _ => 10_000 };
        var valSamples = new Option<int>("--validation-samples") { Description = "held-out digits (from the last 10,000 training digits) tested after each epoch", DefaultValueFactory = _ => 1000 };
        var outOpt = new Option<string>("--out") { Description = "model file to write", DefaultValueFactory = _ => "model.nmm" };
        var ckEvery = new Option<int>("--checkpoint-every") { Description = "write the model file every N training samples (0 = only at the end)", DefaultValueFactory = _ => 0 };
        var resume = new Option<string?>("--resume") { Description = "continue training from this checkpoint (its parameters and progress)" };
        var hidden = new Option<int?>("--hidden") { Description = "hidden units: s2m 794-N (default 500); eRBP 784-N-10 (instead of --arch)" };
        var prune = new Option<double?>("--prune") { Description = "with --resume: remove this fraction of the weakest weights (0.8 = 80%), then retrain briefly as a new run" };
        var testBatch = new Option<int?>("--test-batch") { Description = "batch of the validation and final test (default: 16 on the CPU, 1024 on CUDA)" };
        var testEvery = new Option<bool>("--test-every-epoch") { Description = "also test on the test digits after every epoch (stored in the model's history, drawn by --plot)" };
        var plotOpt = new Option<string?>("--plot") { Description = "draw the learning curve (error against epochs) to this PNG file" };
        var reportOpt = new Option<string?>("--report") { Description = "write a self-contained HTML page of the run (configuration, learning curve, epochs, confusion matrix, receptive fields, rates, SynOps)" };
        var reportDigits = new Option<int>("--report-digits") { Description = "test images simulated one at a time for the report's firing rates and SynOps per image", DefaultValueFactory = _ => 100 };
        var trainPool = new Option<int>("--train-pool") { Description = "training images drawn from: 50000 (the rest holds the validation digits) or 60000 (all, the reference driver's protocol; no validation)", DefaultValueFactory = _ => Trainer.TrainPoolSize };
        var sampling = new Option<string>("--sampling") { Description = "how an epoch draws its digits: permutation (each image once) | balanced-replacement (the reference driver's: every class once per 10 digits, images drawn with replacement)", DefaultValueFactory = _ => "permutation" };
        sampling.AcceptOnlyFromAmong("permutation", "balanced-replacement");
        var testEveryN = new Option<int>("--test-every") { Description = "test on the test digits every N training samples (the papers' curve; their figure is the mean of the last 5 tests: test_error_last5_mean)", DefaultValueFactory = _ => 0 };
        var c = new Command("train", "train a spiking classifier (MNIST digits by default) with eRBP or an S2M (eCD), test it and save the model");
        Add(c, ArchOpt, hidden, prune, epochs, trainSamples, testSamples, valSamples, outOpt, ckEvery, resume, testBatch, testEvery, plotOpt, reportOpt, reportDigits, trainPool, sampling, testEveryN, BackendOpt, BatchOpt, DatasetOpt, DataDirOpt, JsonOpt);
        cfg.AddTo(c);
        cfg.ShowPreset(Presets.DefaultForTraining);
        c.SetAction(r => Guard(() =>
        {
            int batch = CheckBatch(r.GetValue(BatchOpt));
            var backend = Backends.Parse(r.GetValue(BackendOpt)!);
            int ep = r.GetValue(epochs), ntrain = r.GetValue(trainSamples), ntest = r.GetValue(testSamples), nval = r.GetValue(valSamples);
            if (ep < 1) throw new NeuromorphicException($"--epochs must be at least 1, got {ep}");
            if (ntrain < 1) throw new NeuromorphicException($"--train-samples must be at least 1, got {ntrain}");
            if (ntest < 0 || nval < 0) throw new NeuromorphicException("--test-samples and --validation-samples must not be negative");
            int pool = r.GetValue(trainPool), every = r.GetValue(testEveryN);
            var samplingKind = r.GetValue(sampling) == "balanced-replacement" ? SamplingKind.BalancedReplacement : SamplingKind.Permutation;
            if (pool is not (Trainer.TrainPoolSize or Trainer.FullTrainPoolSize)) throw new NeuromorphicException($"--train-pool must be {Trainer.TrainPoolSize} or {Trainer.FullTrainPoolSize}, got {pool}");
            if (every < 0) throw new NeuromorphicException($"--test-every must be 0 (no tests during training) or a positive number of training samples, got {every}");
            if (r.GetValue(ckEvery) is var ck && ck < 0) throw new NeuromorphicException($"--checkpoint-every must be 0 (only at the end) or a positive number of samples, got {ck}");
            Network net; SimulationConfig config; TrainingProgress progress;
            double? pruneFraction = r.GetValue(prune);
            if (pruneFraction is { } pf && !(pf > 0 && pf < 1)) throw new NeuromorphicException($"--prune must lie in (0, 1), got {pf}");
            if (pruneFraction != null && r.GetValue(resume) == null) throw new NeuromorphicException("--prune needs --resume MODEL (the trained model to prune)");
            if (r.GetValue(hidden) is { } hv && (hv < 1 || hv > Architecture.MaxLayerSize)) throw new NeuromorphicException($"--hidden must lie in 1..{Architecture.MaxLayerSize:N0}, got {hv}");
            Neuromorphic.Simulator.Files.AtomicFile.CheckWritable(r.GetValue(outOpt), "--out");
            string? reportPath = r.GetValue(reportOpt);
            if (reportPath != null) Neuromorphic.Simulator.Files.AtomicFile.CheckWritable(reportPath, "--report");
            int nreport = r.GetValue(reportDigits);
            if (nreport < 1) throw new NeuromorphicException($"--report-digits must be at least 1, got {nreport}");
            Dataset data;
            Dictionary<string, object?> extra = new();
            List<EpochRecord> history = [];
            List<TestPoint> testPoints = [];
            if (r.GetValue(resume) is { } from)
            {
                (net, config, var file) = LoadModelFile(from);
                // The checkpoint as it was, or pruned (in memory) to re-learn as a new run.
                var start = TrainingRun.Resume(from, net, config, file, pruneFraction, r.GetValue(cfg.Eta));
                if (r.GetValue(DatasetOpt) is { } asked && Dataset.Resolve(asked, null).Name != Dataset.Resolve(config.Dataset, null, $"{from}: its dataset").Name)
                    throw new NeuromorphicException($"--dataset '{asked}': {from} was trained on {config.Dataset}, and a resumed run continues on the checkpoint's dataset");
                data = OpenData(r, config, from, net.Layers);
                (config, history) = (start.Config, start.History);
                progress = file.Progress;
                Console.Error.WriteLine($"resuming from {from}: {progress.EpochsCompleted} epochs and {progress.PositionInEpoch} samples done");
                if (progress.TrainSamples != 0 && progress.TrainSamples != ntrain) Console.Error.WriteLine($"warning: checkpoint was trained with --train-samples {progress.TrainSamples}, continuing with {ntrain}");
                if (progress.Batch != 0 && progress.Batch != batch) Console.Error.WriteLine($"warning: checkpoint was trained with --batch {progress.Batch}, continuing with {batch}: the result will differ from an uninterrupted run");
                Console.Error.WriteLine("note: a resumed run takes its architecture, rule, seed and parameters from the checkpoint");
                double? eta = r.GetValue(cfg.Eta);
                if (eta != null && pruneFraction == null)
                    Console.Error.WriteLine($"warning: --eta {eta} is ignored: a resumed run continues the checkpoint's schedule (with --prune it sets the re-learning rate)");
                if (pruneFraction == null)
                {
                    // The run's protocol is the checkpoint's: a different one asked for explicitly is refused.
                    int cpPool = progress.TrainPool == 0 ? Trainer.TrainPoolSize : progress.TrainPool;
                    var cpSampling = (SamplingKind)progress.Sampling;
                    if (r.GetResult(trainPool) is { Implicit: false } && pool != cpPool) throw new NeuromorphicException($"--train-pool {pool}: {from} was trained with --train-pool {cpPool}, and a resumed run continues it");
                    if (r.GetResult(sampling) is { Implicit: false } && samplingKind != cpSampling) throw new NeuromorphicException($"--sampling {r.GetValue(sampling)}: {from} was trained with --sampling {SamplingName(cpSampling)}, and a resumed run continues it");
                    if (r.GetResult(testEveryN) is not { Implicit: false }) every = progress.TestEvery;
                    (pool, samplingKind) = (cpPool, cpSampling);
                }
                testPoints = pruneFraction == null ? start.TestPoints : [];
                progress = start.Progress;
                if (start.Pruned is { } pruned)
                {
                    // Re-learning after pruning is a new run: --eta set its learning rate (often the rate the run ended at).
                    Console.Error.WriteLine($"pruned {pruned.Weights:N0} of the weakest weights ({pruned.Fraction:P0}); retraining as a new run");
                    extra["pruned_fraction"] = pruned.Fraction;
                    extra["pruned_weights"] = pruned.Weights;
                    extra["train_samples_before_pruning"] = pruned.SamplesBefore;
                }
            }
            else
            {
                config = TrainingRun.NewRunConfig(cfg.Build(r, defaultPreset: Presets.DefaultForTraining), ep);
                bool explicitArch = r.GetResult(ArchOpt) is { Implicit: false };
                if (config.Rule != RuleKind.S2m && r.GetValue(hidden) != null && explicitArch) throw new NeuromorphicException("--hidden and --arch both given; use one");
                int[]? given = config.Rule != RuleKind.S2m && explicitArch ? Architecture.Parse(r.GetValue(ArchOpt)!) : null;
                // The data decide the input and output layers; the model file records which data they were.
                data = OpenData(r, config, null, given, "--arch");
                config = config with { Dataset = data.Name };
                if (r.GetValue(hidden) is { } hc) Architecture.Check([data.PixelsPerImage, hc, data.Classes], "--hidden");
                net = TrainingRun.NewNetwork(config, data.PixelsPerImage, data.Classes, r.GetValue(hidden),
                    config.Rule != RuleKind.S2m && r.GetValue(hidden) == null ? ArchFor(r, data) : null);
                progress = new TrainingProgress();
            }
            data.RequireFits(net.Layers, r.GetValue(resume) ?? "--arch");
            if (pool == Trainer.FullTrainPoolSize)
            {
                // All 60,000 images train: none is held out. An explicit request for validation digits is refused.
                if (r.GetResult(valSamples) is { Implicit: false } && nval > 0)
                    throw new NeuromorphicException($"--validation-samples {nval}: with --train-pool {Trainer.FullTrainPoolSize} every training image is learnt and none is held out; use --test-every N (the reference's protocol) or --train-pool {Trainer.TrainPoolSize}");
                nval = 0;
            }
            if (samplingKind == SamplingKind.Permutation && ntrain > pool && r.GetResult(trainSamples) is { Implicit: false })
                throw new NeuromorphicException($"--train-samples {ntrain}: a permutation shows each of the {pool:N0} images of the pool at most once per epoch; use --sampling balanced-replacement for longer epochs");
            progress.Epochs = ep; progress.TrainSamples = ntrain; progress.Batch = batch;
            progress.TrainPool = pool; progress.Sampling = (int)samplingKind; progress.TestEvery = every;
            var trainSet = data.LoadTrain();
            var testSet = data.LoadTest();
            string outPath = r.GetValue(outOpt)!;
            using var engine = Backends.Create(backend, net, config, batch);
            // Validation and test need no learning: a separate inference engine with a larger batch
            // (lanes run in parallel) shares the same network object; device weights are pulled first.
            int tb = r.GetValue(testBatch) is > 0 and var askedBatch ? askedBatch : InferenceBatch(null, backend);
            using var tester = Backends.Create(backend, net, config, CheckBatch(tb, "--test-batch"), RunFields.TestBatch);
            SimulationEngine Tester(SimulationEngine trained) { trained.PullWeights(); tester.PushWeights(); return tester; }
            var opts = new TrainOptions
            {
                Epochs = ep, TrainSamples = ntrain, CheckpointEvery = r.GetValue(ckEvery), CheckpointPath = outPath,
                TrainPool = pool, Sampling = samplingKind, TestEvery = ntest > 0 ? every : 0, TestEachEpoch = r.GetValue(testEvery),
            };
            int perEpoch = samplingKind == SamplingKind.BalancedReplacement ? ntrain : Math.Min(ntrain, Math.Min(pool, trainSet.Count));
            Console.Error.WriteLine($"training {Architecture.Format(net.Layers)} with {config.Rule.ToString().ToLowerInvariant()} on {engine.BackendName}, batch {batch}, {ep} epoch(s) of {perEpoch} digits ({SamplingName(samplingKind)} from {Math.Min(pool, trainSet.Count):N0} images), seed {config.Seed}");
            var trainer = new Trainer(engine, trainSet, opts, progress, history, testPoints);
            string? plotPath = r.GetValue(plotOpt);
            if (plotPath != null) Neuromorphic.Simulator.Files.AtomicFile.CheckWritable(plotPath, "--plot");
            bool testEach = (r.GetValue(testEvery) || every > 0) && ntest > 0;
            long samplesAtStart = progress.SamplesSeen;
            // The whole run's clock: each epoch's end says how long the epochs left should take at this pace, the end the total.
            var runClock = System.Diagnostics.Stopwatch.StartNew();
            int epochsAtStart = progress.EpochsCompleted;
            static string Clock(TimeSpan t) => $"{(int)t.TotalHours:00}:{t.Minutes:00}:{t.Seconds:00}";
            ProgressLine? bar = null; int barEpoch = -1;
            nval = Math.Min(nval, trainSet.Count - Trainer.TrainPoolSize);
            trainer.Run(
                (done, seen, correct) =>
                {
                    if (barEpoch != progress.EpochsCompleted) { barEpoch = progress.EpochsCompleted; bar = new ProgressLine($"epoch {barEpoch + 1}/{ep}", perEpoch); }
                    bar!.Report(done, seen, correct, done == perEpoch);
                },
                rep =>
                {
                    Output.Line($"epoch {rep.Epoch}: eta {engine.LearningRate:G3}, accuracy while learning {rep.TrainAccuracy:P2}, {rep.SamplesPerSecond:F1} samples/s" +
                        (rep.Validation is { } v ? $", validation accuracy {v.Accuracy:P2} on {v.Samples} held-out digits" : "") +
                        (rep.Test is { } t ? $", test error {t.Error:P2}" : ""));
                    int doneHere = rep.Epoch - epochsAtStart, left = ep - rep.Epoch;
                    if (left > 0 && doneHere > 0)
                        Console.Error.WriteLine($"overall: {Clock(runClock.Elapsed)} elapsed; the {left} epoch(s) left take about {Clock(runClock.Elapsed / doneHere * left)} more at this pace, then the final test");
                },
                e =>
                {
                    if (nval <= 0) return null;
                    var vbar = new ProgressLine("validation", nval);
                    return Evaluation.Run(Tester(e), trainSet, Trainer.TrainPoolSize, nval, Evaluation.ValidationPresentationBase, (done, correct) => vbar.Report(done, done, correct, done == nval));
                },
                testEach ? e =>
                {
                    var t = Evaluation.Run(Tester(e), testSet, 0, Math.Min(ntest, testSet.Count), Evaluation.TestPresentationBase);
                    if (every > 0) Output.Line($"test after {progress.SamplesSeen:N0} training samples: error {t.Error:P2} on {t.Samples:N0} digits");
                    return t;
                } : null);
            trainer.SaveCheckpoint(outPath);
            Output.Line($"model written to {outPath}");
            double trainRate = trainer.TrainSamplesDone / Math.Max(trainer.TrainSeconds, 1e-9);
            var figures = new Dictionary<string, object?>
            {
                ["epochs"] = ep, ["train_samples"] = progress.SamplesSeen, ["train_samples_total"] = progress.SamplesSeen, ["train_samples_per_epoch"] = perEpoch, ["samples_per_s"] = Math.Round(trainRate, 2), ["model"] = outPath, ["rule"] = config.Rule.ToString().ToLowerInvariant(),
                ["batch"] = batch, // the training batch; test_batch is the validation and test batch
            };
            foreach (var kv in extra) figures[kv.Key] = kv.Value;
            if (pruneFraction != null) figures["retrain_samples"] = progress.SamplesSeen - samplesAtStart;
            figures["preset"] = config.Preset;
            if (r.GetValue(resume) == null)
            {
                // What ran, as the options spell it, and where each value came from (command line, --config, preset, default).
                var (values, sources) = cfg.Explain(r, config);
                figures["options"] = values;
                figures["option_sources"] = sources;
            }
            figures["feedback"] = config.Erbp.Feedback.ToString().ToLowerInvariant();
            figures["update"] = config.Erbp.Update.ToString().ToLowerInvariant();
            if (config.Erbp.Feedback != Neuromorphic.Plasticity.FeedbackKind.Random && trainer.TrainSamplesDone > 0)
                figures["feedback_refresh_ops_per_sample"] = Math.Round(trainer.FeedbackRefreshOps / (double)trainer.TrainSamplesDone, 1);
            figures["history"] = trainer.History.Select(Plots.HistoryJson).ToList();
            figures["train_pool"] = pool;
            figures["sampling"] = SamplingName(samplingKind);
            if (every > 0) figures["test_every"] = every;
            if (trainer.TestPoints.Count > 0)
                figures["test_points"] = trainer.TestPoints.Select(t => new Dictionary<string, object?> { ["samples_seen"] = t.SamplesSeen, ["test_samples"] = t.TestSamples, ["test_error"] = Math.Round(1 - t.TestAccuracy, 6) }).ToList();
            if (TestStatistic.LastMeanError(trainer.TestPoints, trainer.History) is { } last)
            {
                figures["test_error_last5_mean"] = Math.Round(last.MeanError, 6);
                figures["test_error_last5_count"] = last.Count;
                Output.Line($"mean test error of the last {last.Count} tests during training (the papers' figure): {last.MeanError:P2}");
            }
            if (plotPath != null)
            {
                Plots.Curve([(Path.GetFileNameWithoutExtension(outPath), trainer.History)], plotPath, logX: false, testPoints: [trainer.TestPoints]);
                Output.Line($"learning curve written to {plotPath}");
                figures["plot"] = plotPath;
            }
            var final = FinalTest(Tester(engine), data, testSet, Math.Min(ntest, testSet.Count), figures);
            if (reportPath != null)
            {
                ReportPage.Write(reportPath, new ReportPage.Run(Path.GetFileName(outPath), net, config, data, testSet, trainer.History, progress, final, figures, outPath),
                    backend, nreport);
                Output.Line($"report written to {reportPath}");
                figures["report"] = reportPath;
            }
            Console.Error.WriteLine($"train done in {Clock(runClock.Elapsed)} (training, validation{(ntest > 0 ? ", test" : "")}{(reportPath != null ? ", report" : "")})");
            if (r.GetValue(JsonOpt)) Output.Json(figures);
            return 0;
        }));
        return c;
    }

    /// <summary>The option spelling of a sampling kind.</summary>
    public static string SamplingName(SamplingKind k) => k == SamplingKind.BalancedReplacement ? "balanced-replacement" : "permutation";
}
