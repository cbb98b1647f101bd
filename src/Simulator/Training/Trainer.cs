using Neuromorphic.Neurons;
using Neuromorphic.Simulator.Data;
using Neuromorphic.Simulator.Engine;
using Neuromorphic.Simulator.Files;

namespace Neuromorphic.Simulator.Training;

/// <summary>Options of one training run.</summary>
public sealed record TrainOptions
{
    public int Epochs { get; init; } = 1;
    /// <summary>Training digits per epoch, drawn from the training pool.</summary>
    public int TrainSamples { get; init; } = 50_000;
    /// <summary>Training images drawn from: the first 50,000 (the rest is the validation pool) or all 60,000 (the
    /// reference driver's protocol: no held-out validation).</summary>
    public int TrainPool { get; init; } = Trainer.TrainPoolSize;
    public SamplingKind Sampling { get; init; } = SamplingKind.Permutation;
    /// <summary>Training samples between tests on the test digits (0 = none; the papers tested every 2 loops).</summary>
    public int TestEvery { get; init; }
    /// <summary>With <see cref="TestEvery"/>: also test at each epoch's end (without it the epoch ends are tested only when
    /// a test function is given and TestEvery is 0).</summary>
    public bool TestEachEpoch { get; init; }
    public int CheckpointEvery { get; init; }
    public string? CheckpointPath { get; init; }
}

/// <summary>How an epoch draws its training digits from the pool.</summary>
public enum SamplingKind
{
    /// <summary>A seeded permutation of the pool: every image at most once per epoch.</summary>
    Permutation = 0,
    /// <summary>The reference driver's: each block of (classes) consecutive digits holds every class once, in a seeded
    /// order; each digit an image of its class drawn uniformly with replacement.</summary>
    BalancedReplacement = 1,
}

public sealed record EpochReport(int Epoch, double TrainAccuracy, EvaluationResult? Validation, double SamplesPerSecond)
{
    /// <summary>The test digits' result after this epoch (--test-every-epoch), else null.</summary>
    public EvaluationResult? Test { get; init; }
}

/// <summary>
/// On-line training: each epoch shows a seeded permutation of the training digits, B at a time (B = 1 is
/// the paper's on-line learning). Every sample starts from rest; its random numbers are keyed by its
/// presentation number, so a run resumed from a checkpoint repeats the uninterrupted run bit for bit.
/// </summary>
public sealed class Trainer(SimulationEngine engine, IdxImageSet train, TrainOptions options, TrainingProgress progress,
    List<EpochRecord>? history = null, List<TestPoint>? testPoints = null)
{
    public const int TrainPoolSize = 50_000, FullTrainPoolSize = 60_000;

    /// <summary>Every test on the test digits during the run (--test-every, --test-every-epoch), continued on resume.</summary>
    public List<TestPoint> TestPoints { get; } = testPoints ?? [];

    public TrainingProgress Progress { get; } = progress;
    /// <summary>Every finished epoch (continued from the checkpoint's history on resume); saved with the model.</summary>
    public List<EpochRecord> History { get; } = history ?? [];
    /// <summary>Multiply-adds spent refreshing sign or symmetric feedback from the forward weights in this run.</summary>
    public long FeedbackRefreshOps { get; private set; }
    public double TrainSeconds { get; private set; }
    public long TrainSamplesDone { get; private set; }

    /// <summary>Permutation of [0, n) for one epoch, from the counter-based generator.</summary>
    public static int[] EpochOrder(ulong seed, int epoch, int n, int pool)
    {
        var idx = new int[pool];
        for (int i = 0; i < pool; i++) idx[i] = i;
        for (int i = pool - 1; i > 0; i--)
        {
            int j = (int)(((ulong)CounterRng.Bits(seed, CounterRng.StreamSampling, (ulong)epoch, (ulong)i) * (ulong)(i + 1)) >> 32);
            (idx[i], idx[j]) = (idx[j], idx[i]);
        }
        return idx.AsSpan(0, n).ToArray();
    }

    /// <summary>The reference driver's draw: n digits from the first <paramref name="pool"/> images of
    /// <paramref name="labels"/>; every block of K consecutive digits (K = classes present) holds each class once in a
    /// seeded order, and each digit is an image of its class drawn uniformly with replacement. Keyed by (seed, epoch,
    /// position) only, so a resumed epoch draws the same digits.</summary>
    public static int[] BalancedOrder(ulong seed, int epoch, int n, int pool, ReadOnlySpan<byte> labels)
    {
        var byClass = new List<int>[256];
        for (int i = 0; i < pool; i++) (byClass[labels[i]] ??= []).Add(i);
        var classes = Enumerable.Range(0, 256).Where(c => byClass[c] != null).ToArray();
        int k = classes.Length;
        if (k == 0) throw new NeuromorphicException("balanced sampling: the training pool is empty");
        var order = new int[n];
        var block = new int[k];
        ulong key = CounterRng.StepKey(seed, CounterRng.StreamBalancedSampling, (ulong)epoch);
        for (int start = 0; start < n; start += k)
        {
            for (int i = 0; i < k; i++) block[i] = classes[i];
            for (int i = k - 1; i > 0; i--)
            {
                int j = (int)(((ulong)CounterRng.BitsAt(key, 2 * (ulong)(start + i)) * (ulong)(i + 1)) >> 32);
                (block[i], block[j]) = (block[j], block[i]);
            }
            for (int i = 0; i < k && start + i < n; i++)
            {
                var members = byClass[block[i]];
                int j = (int)(((ulong)CounterRng.BitsAt(key, 2 * (ulong)(start + i) + 1) * (ulong)members.Count) >> 32);
                order[start + i] = members[j];
            }
        }
        return order;
    }

    /// <summary>The digits of one epoch under this run's sampling.</summary>
    public static int[] Order(SamplingKind sampling, ulong seed, int epoch, int n, int pool, ReadOnlySpan<byte> labels)
        => sampling == SamplingKind.BalancedReplacement ? BalancedOrder(seed, epoch, n, pool, labels) : EpochOrder(seed, epoch, n, pool);

    /// <summary>Trains until <see cref="TrainOptions.Epochs"/> are done. <paramref name="onBatch"/> sees
    /// (samples done in epoch, seen so far in the epoch, correct so far in the epoch); <paramref name="onEpoch"/> each
    /// finished epoch; <paramref name="validate"/> and <paramref name="test"/> (either may be null) evaluate the network
    /// after each epoch, and their accuracies enter the history.</summary>
    public void Run(Action<int, int, int>? onBatch, Action<EpochReport>? onEpoch, Func<SimulationEngine, EvaluationResult?>? validate,
        Func<SimulationEngine, EvaluationResult?>? test = null)
    {
        int pool = Math.Min(options.TrainPool, train.Count);
        // Balanced sampling draws with replacement: an epoch may be longer than the pool; a permutation may not.
        int n = options.Sampling == SamplingKind.BalancedReplacement ? options.TrainSamples : Math.Min(options.TrainSamples, pool);
        // Presentation numbers of epoch e start at e x stride, so no two training samples share their input draws.
        long stride = Math.Max(TrainPoolSize, n);
        var input = engine.NewInput();
        var sw = new System.Diagnostics.Stopwatch();
        long sinceCheckpoint = 0;
        var config = engine.Config;
        while (Progress.EpochsCompleted < options.Epochs)
        {
            int epoch = Progress.EpochsCompleted;
            double eta = config.LearningRateAt(epoch);
            engine.LearningRate = (float)eta;
            var order = Order(options.Sampling, config.Seed, epoch, n, pool, train.Labels);
            var epochWatch = System.Diagnostics.Stopwatch.StartNew();
            int seenHere = 0;
            while (Progress.PositionInEpoch < n)
            {
                int start = Progress.PositionInEpoch;
                int count = Math.Min(engine.BatchCapacity, n - start);
                input.Fill(train, count, b => order[start + b], b => epoch * stride + start + b, withLabels: true);
                sw.Restart();
                if (ErbpNetwork.RefreshDue(config, Progress.SamplesSeen, count))
                {
                    engine.PullWeights();
                    FeedbackRefreshOps += ErbpNetwork.RefreshFeedback(engine.Network, config);
                    engine.PushWeights();
                }
                var r = engine.Run(input, train: true);
                TrainSeconds += sw.Elapsed.TotalSeconds;
                for (int b = 0; b < count; b++) if (r.Predicted(b) == input.Labels[b]) Progress.CorrectInEpoch++;
                Progress.SynOpsInEpoch += r.SynOps;
                Progress.SeenInEpoch += count;
                seenHere += count;
                Progress.PositionInEpoch += count;
                Progress.SamplesSeen += count;
                TrainSamplesDone += count;
                sinceCheckpoint += count;
                onBatch?.Invoke(Progress.PositionInEpoch, Progress.SeenInEpoch, Progress.CorrectInEpoch);
                // The papers' learning curve: a test every N training samples (counted over the whole run, so a
                // resumed run tests at the same points).
                if (options.TestEvery > 0 && test != null
                    && Progress.SamplesSeen / options.TestEvery != (Progress.SamplesSeen - count) / options.TestEvery)
                    TestAt(test);
                if (options.CheckpointEvery > 0 && options.CheckpointPath != null && sinceCheckpoint >= options.CheckpointEvery
                    && Progress.PositionInEpoch < n)
                {
                    sinceCheckpoint = 0;
                    SaveCheckpoint(options.CheckpointPath);
                }
            }
            double rate = seenHere / Math.Max(1e-9, epochWatch.Elapsed.TotalSeconds);
            double trainAccuracy = Progress.SeenInEpoch == 0 ? 0 : (double)Progress.CorrectInEpoch / Progress.SeenInEpoch;
            var validation = validate?.Invoke(engine);
            EvaluationResult? tested = null;
            if (options.TestEvery == 0 || options.TestEachEpoch)
            {
                // One test per point of the run: an epoch's end that a --test-every test just measured is not tested twice.
                if (TestPoints.Count > 0 && TestPoints[^1].SamplesSeen == Progress.SamplesSeen && LastTest != null) tested = LastTest;
                else if (test != null) tested = TestAt(test);
            }
            History.Add(new EpochRecord
            {
                Epoch = epoch + 1, LearningRate = eta, SamplesSeen = Progress.SamplesSeen, TrainAccuracy = trainAccuracy,
                ValidationSamples = validation?.Samples ?? 0, ValidationAccuracy = validation?.Accuracy ?? double.NaN,
                TestSamples = tested?.Samples ?? 0, TestAccuracy = tested?.Accuracy ?? double.NaN,
                SynOpsPerSample = Progress.SeenInEpoch == 0 ? 0 : Math.Round((double)Progress.SynOpsInEpoch / Progress.SeenInEpoch),
            });
            Progress.EpochsCompleted++;
            Progress.PositionInEpoch = 0;
            Progress.CorrectInEpoch = Progress.SeenInEpoch = 0;
            Progress.SynOpsInEpoch = 0;
            // Checkpoint at every epoch's end (after its evaluation), so a resumed run never repeats one.
            if (options.CheckpointEvery > 0 && options.CheckpointPath != null) SaveCheckpoint(options.CheckpointPath);
            onEpoch?.Invoke(new EpochReport(epoch + 1, trainAccuracy, validation, rate) { Test = tested });
        }
    }

    EvaluationResult? LastTest;

    EvaluationResult? TestAt(Func<SimulationEngine, EvaluationResult?> test)
    {
        var r = test(engine);
        if (r == null) return null;
        LastTest = r;
        TestPoints.Add(new TestPoint
        {
            SamplesSeen = Progress.SamplesSeen, TestSamples = r.Samples, TestAccuracy = r.Accuracy,
            SynOpsPerSample = Math.Round(r.SynOpsPerSample)
        });
        return r;
    }

    public void SaveCheckpoint(string path)
    {
        engine.PullWeights();
        ModelFile.From(engine.Network, engine.Config, Progress, History, TestPoints).Save(path);
    }
}
