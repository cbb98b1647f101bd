using Neuromorphic.Plasticity;
using Neuromorphic.Simulator.Analysis;
using Neuromorphic.Simulator.Engine;
using Neuromorphic.Simulator.Data;
using Neuromorphic.Simulator.Files;

namespace Neuromorphic.Simulator.Training;

/// <summary>Where a training run starts: its network, configuration, progress and history; after pruning, what was pruned.</summary>
public sealed record TrainingStart(Network Network, SimulationConfig Config, TrainingProgress Progress,
    List<EpochRecord> History, PrunedStart? Pruned = null)
{
    /// <summary>The tests on the test digits made so far (a resumed run continues them; a pruned run starts anew).</summary>
    public List<TestPoint> TestPoints { get; init; } = [];
}

/// <summary>A resumed model pruned before re-learning: the fraction asked, the synapses removed, the samples it had learnt.</summary>
public sealed record PrunedStart(double Fraction, int Weights, long SamplesBefore);

/// <summary>What `train` asks of a run, as parsed: each value already checked for its range by the front end.
/// The <c>...Given</c> flags say the user set the value (not its default): a resumed run refuses a protocol different
/// from its checkpoint's only when one is asked for.</summary>
public sealed record TrainingSettings
{
    public int Epochs { get; init; } = 1;
    public int TrainSamples { get; init; } = Trainer.TrainPoolSize;
    public bool TrainSamplesGiven { get; init; }
    /// <summary>Test digits of the final test (and of the tests during training).</summary>
    public int TestSamples { get; init; } = 10_000;
    public bool TestSamplesGiven { get; init; }
    /// <summary>Held-out digits tested after each epoch.</summary>
    public int ValidationSamples { get; init; } = 1000;
    public bool ValidationSamplesGiven { get; init; }
    /// <summary>The model file written at the end (and at each checkpoint).</summary>
    public string OutPath { get; init; } = "model.nmm";
    public int CheckpointEvery { get; init; }
    public int TrainPool { get; init; } = Trainer.TrainPoolSize;
    public bool TrainPoolGiven { get; init; }
    public SamplingKind Sampling { get; init; } = SamplingKind.Permutation;
    public bool SamplingGiven { get; init; }
    /// <summary>Test on the test digits every N training samples (0: not during training).</summary>
    public int TestEvery { get; init; }
    public bool TestEveryGiven { get; init; }
    /// <summary>Also test on the test digits after every epoch.</summary>
    public bool TestEachEpoch { get; init; }
    public bool TestEachEpochGiven { get; init; }
    public BackendKind Backend { get; init; } = BackendKind.Cpu;
    /// <summary>Lanes of the training engine.</summary>
    public int Batch { get; init; } = 1;
    /// <summary>Lanes of the validation and test engine.</summary>
    public int TestBatch { get; init; } = 16;
    /// <summary>With a resumed checkpoint: the fraction of the weakest weights removed before re-learning.</summary>
    public double? PruneFraction { get; init; }
    /// <summary>The learning rate asked for (a pruned run's re-learning rate; a plain resumed run ignores it).</summary>
    public double? Eta { get; init; }
}

/// <summary>How a run speaks to its front end: <see cref="Note"/> for remarks and estimates (stderr), <see cref="Line"/>
/// for results (the epochs, the tests), <see cref="Progress"/> a progress bar of (label, total) that takes (done, seen,
/// correct, last), and <see cref="Spell"/> the front end's name of a field (a <see cref="RunFields"/> constant or a
/// configuration path) in its remarks.</summary>
public sealed record TrainingCallbacks
{
    public Action<string> Note { get; init; } = _ => { };
    public Action<string> Line { get; init; } = _ => { };
    public Func<string, int, Action<int, int, int, bool>> Progress { get; init; } = (_, _) => (_, _, _, _) => { };
    public Func<string, string> Spell { get; init; } = f => f;
}

/// <summary>A training run as `train` makes it: the training engine and the tester (a separate inference engine of a
/// larger batch sharing the network), the epochs with their validation and tests, the checkpoint, and the run's
/// figures. Starts from <see cref="NewRunConfig"/> and <see cref="NewNetwork"/>, or from a checkpoint
/// (<see cref="Resume"/>, then <see cref="Continue"/>). The final test and what is drawn are the front end's.</summary>
public sealed class TrainingRun : IDisposable
{
    readonly TrainingSettings _s;
    readonly TrainingCallbacks _cb;
    readonly TrainingStart _start;
    readonly IEnumerable<KeyValuePair<string, object?>> _described;
    readonly SimulationEngine _engine, _tester;
    readonly int _validationSamples;
    /// <summary>The whole run's clock, from the engines' start.</summary>
    public System.Diagnostics.Stopwatch Clock { get; } = new();

    public Network Network => _start.Network;
    public SimulationConfig Config => _start.Config;
    public Dataset Data { get; }
    public IdxImageSet TrainSet { get; }
    public IdxImageSet TestSet { get; }
    public TrainingProgress Progress => _start.Progress;
    public List<EpochRecord> History => _start.History;
    public List<TestPoint> TestPoints => _start.TestPoints;
    /// <summary>Training digits of each epoch.</summary>
    public int PerEpoch { get; }

    /// <summary>Prepares the run on <paramref name="data"/> (whose shape the network fits): checks the protocol, loads the
    /// digits and starts both engines. <paramref name="described"/> are the front end's figures of what was asked
    /// (options and their sources), placed after the preset.</summary>
    public TrainingRun(TrainingSettings settings, TrainingStart start, Dataset data, TrainingCallbacks? callbacks = null,
        IEnumerable<KeyValuePair<string, object?>>? described = null)
    {
        (_s, _start, Data, _cb, _described) = (settings, start, data, callbacks ?? new TrainingCallbacks(), described ?? []);
        int nval = _s.ValidationSamples;
        if (_s.TrainPool == Trainer.FullTrainPoolSize)
        {
            // All 60,000 images train: none is held out. An explicit request for validation digits is refused.
            if (_s.ValidationSamplesGiven && nval > 0)
                throw NeuromorphicException.ForFields([RunFields.ValidationSamples, RunFields.TrainPool, RunFields.TestEvery],
                    f => $"{f[0]} {nval}: with {f[1]} {Trainer.FullTrainPoolSize} every training image is learnt and none is held out; use {f[2]} "
                        + $"N (the reference's protocol) or {f[1]} {Trainer.TrainPoolSize}");
            nval = 0;
        }
        if (_s.Sampling == SamplingKind.Permutation && _s.TrainSamples > _s.TrainPool && _s.TrainSamplesGiven)
            throw NeuromorphicException.ForField(RunFields.TrainSamples, RunFields.Sampling,
                (f, g) => $"{f} {_s.TrainSamples}: a permutation shows each of the {_s.TrainPool:N0} images of the pool at most once per epoch; "
                    + $"use {g} balanced-replacement for longer epochs");
        var progress = start.Progress;
        progress.Epochs = _s.Epochs; progress.TrainSamples = _s.TrainSamples; progress.Batch = _s.Batch;
        progress.TrainPool = _s.TrainPool; progress.Sampling = (int)_s.Sampling; progress.TestEvery = _s.TestEvery;
        (progress.TestEachEpoch, progress.TestSamples, progress.ValidationSamples) = (_s.TestEachEpoch, _s.TestSamples, _s.ValidationSamples);
        TrainSet = data.LoadTrain();
        TestSet = data.LoadTest();
        _engine = Backends.Create(_s.Backend, Network, Config, _s.Batch);
        try { _tester = Backends.Create(_s.Backend, Network, Config, _s.TestBatch, RunFields.TestBatch); }
        catch { _engine.Dispose(); throw; }
        PerEpoch = _s.Sampling == SamplingKind.BalancedReplacement ? _s.TrainSamples
            : Math.Min(_s.TrainSamples, Math.Min(_s.TrainPool, TrainSet.Count));
        _validationSamples = nval;
    }

    /// <summary>The tester with the trained weights: validation and test need no learning, so a separate inference engine
    /// with a larger batch (lanes run in parallel) shares the network object; device weights are pulled first.</summary>
    public SimulationEngine Tester() { _engine.PullWeights(); _tester.PushWeights(); return _tester; }

    /// <summary>Trains the epochs (validating and testing as asked), writes the model file and returns the run's figures.</summary>
    public Dictionary<string, object?> Train()
    {
        var (s, progress, config) = (_s, Progress, Config);
        int ep = s.Epochs, ntest = s.TestSamples, every = s.TestEvery, perEpoch = PerEpoch;
        var opts = new TrainOptions
        {
            Epochs = ep, TrainSamples = s.TrainSamples, CheckpointEvery = s.CheckpointEvery, CheckpointPath = s.OutPath,
            TrainPool = s.TrainPool, Sampling = s.Sampling, TestEvery = ntest > 0 ? every : 0, TestEachEpoch = s.TestEachEpoch,
        };
        _cb.Note($"training {Architecture.Format(Network.Layers)} with {config.Rule.ToString().ToLowerInvariant()} on {_engine.BackendName}, batch "
            + $"{s.Batch}, {ep} epoch(s) of {perEpoch} digits ({SamplingName(s.Sampling)} from {Math.Min(s.TrainPool, TrainSet.Count):N0} "
            + $"images), seed {config.Seed}");
        var trainer = new Trainer(_engine, TrainSet, opts, progress, History, TestPoints);
        bool testEach = (s.TestEachEpoch || every > 0) && ntest > 0;
        long samplesAtStart = progress.SamplesSeen;
        // The whole run's clock: each epoch's end says how long the epochs left should take at this pace, the end the total.
        Clock.Restart();
        Action<int, int, int, bool>? bar = null; int barEpoch = -1;
        int nval = Math.Min(_validationSamples, TrainSet.Count - Trainer.TrainPoolSize);
        trainer.Run(
            (done, seen, correct) =>
            {
                if (barEpoch != progress.EpochsCompleted)
                {
                    barEpoch = progress.EpochsCompleted; bar = _cb.Progress($"epoch "
                    + $"{barEpoch + 1}/{ep}", perEpoch);
                }
                bar!(done, seen, correct, done == perEpoch);
            },
            rep =>
            {
                _cb.Line($"epoch {rep.Epoch}: eta {_engine.LearningRate:G3}, accuracy while learning {rep.TrainAccuracy:P2}, "
                    + $"{rep.SamplesPerSecond:F1} samples/s" +
                    (rep.Validation is { } v ? $", validation accuracy {v.Accuracy:P2} on {v.Samples} held-out digits" : "") +
                    (rep.Test is { } t ? $", test error {t.Error:P2}" : ""));
                // Paced by digits, not epochs: a resumed run's first epoch is only part of one.
                long trained = progress.SamplesSeen - samplesAtStart; int left = ep - rep.Epoch;
                if (left > 0 && trained > 0)
                    _cb.Note($"overall: {ClockText(Clock.Elapsed)} elapsed; the {left} epoch(s) left take about "
                        + $"{ClockText(Clock.Elapsed * ((double)left * perEpoch / trained))} more at this pace, then the final test");
            },
            e =>
            {
                if (nval <= 0) return null;
                var vbar = _cb.Progress("validation", nval);
                return Evaluation.Run(Tester(), TrainSet, Trainer.TrainPoolSize, nval, Evaluation.ValidationPresentationBase,
                    (done, correct) => vbar(done, done, correct, done == nval));
            },
            testEach ? e =>
            {
                var t = Evaluation.Run(Tester(), TestSet, 0, Math.Min(ntest, TestSet.Count), Evaluation.TestPresentationBase);
                if (every > 0) _cb.Line($"test after {progress.SamplesSeen:N0} training samples: error {t.Error:P2} on {t.Samples:N0} digits");
                return t;
            }
        : null);
        trainer.SaveCheckpoint(s.OutPath);
        _cb.Line($"model written to {s.OutPath}");
        double trainRate = trainer.TrainSamplesDone / Math.Max(trainer.TrainSeconds, 1e-9);
        var figures = new Dictionary<string, object?>
        {
            ["epochs"] = ep, ["train_samples"] = progress.SamplesSeen, ["train_samples_total"] = progress.SamplesSeen,
            ["train_samples_per_epoch"] = perEpoch,
            ["samples_per_s"] = Math.Round(trainRate, 2), ["model"] = s.OutPath, ["rule"] = config.Rule.ToString().ToLowerInvariant(),
            ["batch"] = s.Batch, // the training batch; test_batch is the validation and test batch
        };
        if (_start.Pruned is { } pruned)
        {
            figures["pruned_fraction"] = pruned.Fraction;
            figures["pruned_weights"] = pruned.Weights;
            figures["train_samples_before_pruning"] = pruned.SamplesBefore;
            figures["retrain_samples"] = progress.SamplesSeen - samplesAtStart;
        }
        figures["preset"] = config.Preset;
        foreach (var kv in _described) figures[kv.Key] = kv.Value;
        figures["feedback"] = config.Erbp.Feedback.ToString().ToLowerInvariant();
        figures["update"] = config.Erbp.Update.ToString().ToLowerInvariant();
        if (config.Erbp.Feedback != FeedbackKind.Random && trainer.TrainSamplesDone > 0)
            figures["feedback_refresh_ops_per_sample"] = Math.Round(trainer.FeedbackRefreshOps / (double)trainer.TrainSamplesDone, 1);
        figures["history"] = History.Select(HistoryFigures).ToList();
        figures["train_pool"] = s.TrainPool;
        figures["sampling"] = SamplingName(s.Sampling);
        if (every > 0) figures["test_every"] = every;
        if (TestPoints.Count > 0)
            figures["test_points"] = TestPoints.Select(t => new Dictionary<string,
                object?>
            {
                ["samples_seen"] = t.SamplesSeen, ["test_samples"] = t.TestSamples,
                ["test_error"] = Math.Round(1 - t.TestAccuracy, 6)
            }).ToList();
        if (TestStatistic.LastMeanError(TestPoints, History) is { } last)
        {
            figures["test_error_last5_mean"] = Math.Round(last.MeanError, 6);
            figures["test_error_last5_count"] = last.Count;
            _cb.Line($"mean test error of the last {last.Count} tests during training (the papers' figure): {last.MeanError:P2}");
        }
        return figures;
    }

    public void Dispose() { _tester.Dispose(); _engine.Dispose(); }

    /// <summary>A duration as hh:mm:ss.</summary>
    public static string ClockText(TimeSpan t) => $"{(int)t.TotalHours:00}:{t.Minutes:00}:{t.Seconds:00}";

    /// <summary>The name of a sampling kind (as `train --sampling` and the figures write it).</summary>
    public static string SamplingName(SamplingKind k) => k == SamplingKind.BalancedReplacement ? "balanced-replacement" : "permutation";

    /// <summary>One epoch of the history as the figures write it.</summary>
    public static Dictionary<string, object?> HistoryFigures(EpochRecord e) => new()
    {
        ["epoch"] = e.Epoch, ["learning_rate"] = e.LearningRate, ["samples_seen"] = e.SamplesSeen,
        ["train_accuracy"] = Math.Round(e.TrainAccuracy, 6),
        ["validation_accuracy"] = double.IsNaN(e.ValidationAccuracy) ? null : Math.Round(e.ValidationAccuracy, 6),
        ["validation_samples"] = e.ValidationSamples,
        ["test_accuracy"] = double.IsNaN(e.TestAccuracy) ? null : Math.Round(e.TestAccuracy, 6), ["test_samples"] = e.TestSamples,
        ["synops_per_sample"] = e.SynOpsPerSample,
    };

    /// <summary>A fresh run's configuration: the rule must learn; a cosine schedule without a length falls to its floor
    /// over this run's <paramref name="epochs"/>, fixed now so that a resumed run continues it.</summary>
    public static SimulationConfig NewRunConfig(SimulationConfig config, int epochs)
    {
        if (config.Rule == RuleKind.None) throw NeuromorphicException.ForField(nameof(SimulationConfig.Rule),
            f => $"{f} none: nothing to train; use `run` or `bench` for inference");
        if (config.Schedule.Kind == ScheduleKind.Cosine && config.Schedule.Epochs == 0)
            config = config with { Schedule = config.Schedule with { Epochs = epochs } };
        return config;
    }

    /// <summary>A fresh network for images of <paramref name="pixels"/> and <paramref name="classes"/>: an S2M of
    /// <paramref name="hidden"/> (500) hidden units for the S2M rule; otherwise eRBP with one hidden layer of
    /// <paramref name="hidden"/> when given, else the layers <paramref name="layers"/> (default pixels-200-classes).</summary>
    public static Network NewNetwork(SimulationConfig config, int pixels, int classes, int? hidden = null, int[]? layers = null)
    {
        if (config.Family == ModelFamily.SynapticSampling) return S2m.S2mNetwork.Build(hidden ?? 500, config, pixels, classes);
        return ErbpNetwork.Build(hidden is { } h ? [pixels, h, classes] : layers ?? [pixels, 200, classes], config);
    }

    /// <summary>Continues the checkpoint <paramref name="file"/> (read from <paramref name="path"/> as <paramref name="net"/>
    /// and <paramref name="config"/>): its progress and history. With <paramref name="pruneFraction"/> the weakest
    /// weights are removed and the run starts anew (samples seen kept, history cleared) at learning rate
    /// <paramref name="eta"/> when given (often the rate the run ended at); without, <paramref name="eta"/> is not used.</summary>
    public static TrainingStart Resume(string path, Network net, SimulationConfig config, ModelFile file,
        double? pruneFraction = null, double? eta = null)
    {
        if (config.Rule == RuleKind.None) throw new NeuromorphicException($"{path}: the model has rule none (an imported or "
            + $"inference-only model): nothing to train");
        if (pruneFraction is not { } fraction) return new TrainingStart(net, config, file.Progress, file.History) { TestPoints = file.TestPoints };
        if (eta is { } e)
        {
            string field = config.Rule == RuleKind.S2m ? "Ecd.LearningRate" : "Erbp.LearningRate";
            if (!(e >= 0) || double.IsInfinity(e)) throw NeuromorphicException.ForField(field, f => $"{f} must be a number >= 0, got {e}");
            config = config.Rule == RuleKind.S2m ? config with { Ecd = config.Ecd with { LearningRate = e } }
                : config with { Erbp = config.Erbp with { LearningRate = e } };
        }
        int removed = Pruning.PruneWeakest(net, fraction);
        return new TrainingStart(net, config, new TrainingProgress { SamplesSeen = file.Progress.SamplesSeen }, [],
            new PrunedStart(fraction, removed, file.Progress.SamplesSeen));
    }

    /// <summary>A resumed run (<paramref name="start"/>, from <see cref="Resume"/> of the checkpoint <paramref name="file"/>
    /// at <paramref name="path"/>): says where it stands, warns of settings it does not take, and returns the settings
    /// it runs with. Without pruning the protocol is the checkpoint's (pool, sampling, tests during training): a different
    /// one asked for explicitly is refused.</summary>
    public static TrainingSettings Continue(string path, ModelFile file, TrainingStart start, TrainingSettings s, TrainingCallbacks cb)
    {
        var progress = file.Progress;
        cb.Note($"resuming from {path}: {progress.EpochsCompleted} epochs and {progress.PositionInEpoch} samples done");
        // What the command does not say is the checkpoint's: the epoch's length and how the run tested (a pruned run is
        // a new run: its own options or their defaults).
        if (s.PruneFraction == null)
        {
            if (progress.TrainSamples != 0 && !s.TrainSamplesGiven) s = s with { TrainSamples = progress.TrainSamples };
            if (progress.TestEachEpoch is { } each && !s.TestEachEpochGiven) s = s with { TestEachEpoch = each };
            if (progress.TestSamples is { } nt && !s.TestSamplesGiven) s = s with { TestSamples = nt };
            if (progress.ValidationSamples is { } nv && !s.ValidationSamplesGiven) s = s with { ValidationSamples = nv };
        }
        if (progress.TrainSamples != 0 && progress.TrainSamples != s.TrainSamples) cb.Note($"warning: checkpoint was trained with "
            + $"{cb.Spell(RunFields.TrainSamples)} {progress.TrainSamples}, continuing with {s.TrainSamples}");
        if (progress.Batch != 0 && progress.Batch != s.Batch) cb.Note($"warning: checkpoint was trained with {cb.Spell(RunFields.Batch)} "
            + $"{progress.Batch}, continuing with {s.Batch}: the result will differ from an uninterrupted run");
        cb.Note("note: a resumed run takes its architecture, rule, seed and parameters from the checkpoint");
        if (s.Eta is { } eta && s.PruneFraction == null)
            cb.Note($"warning: {cb.Spell("Erbp.LearningRate")} {eta} is ignored: a resumed run continues the checkpoint's schedule (with "
                + $"{cb.Spell(RunFields.Prune)} it sets the re-learning rate)");
        if (s.PruneFraction == null)
        {
            int cpPool = progress.TrainPool == 0 ? Trainer.TrainPoolSize : progress.TrainPool;
            var cpSampling = (SamplingKind)progress.Sampling;
            if (s.TrainPoolGiven && s.TrainPool != cpPool)
                throw NeuromorphicException.ForField(RunFields.TrainPool,
                    f => $"{f} {s.TrainPool}: {path} was trained with {f} {cpPool}, and a resumed run continues it");
            if (s.SamplingGiven && s.Sampling != cpSampling)
                throw NeuromorphicException.ForField(RunFields.Sampling,
                    f => $"{f} {SamplingName(s.Sampling)}: {path} was trained with {f} {SamplingName(cpSampling)}, and a resumed run continues it");
            s = s with { TrainPool = cpPool, Sampling = cpSampling, TestEvery = s.TestEveryGiven ? s.TestEvery : progress.TestEvery };
        }
        if (start.Pruned is { } pruned)
            // Re-learning after pruning is a new run: --eta set its learning rate (often the rate the run ended at).
            cb.Note($"pruned {pruned.Weights:N0} of the weakest weights ({pruned.Fraction:P0}); retraining as a new run");
        return s;
    }
}
