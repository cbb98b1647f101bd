using Neuromorphic.Neurons;
using Neuromorphic.Simulator.Data;
using Neuromorphic.Simulator.Engine;
using Neuromorphic.Simulator.Files;

namespace Neuromorphic.Simulator.Training;

/// <summary>Options of one training run.</summary>
public sealed record TrainOptions
{
    public int Epochs { get; init; } = 1;
    /// <summary>Training digits per epoch, taken from the first 50,000 (the rest is the validation pool).</summary>
    public int TrainSamples { get; init; } = 50_000;
    public int CheckpointEvery { get; init; }
    public string? CheckpointPath { get; init; }
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
public sealed class Trainer(SimulationEngine engine, MnistSet train, TrainOptions options, TrainingProgress progress, List<EpochRecord>? history = null)
{
    public const int TrainPoolSize = 50_000;

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

    /// <summary>Trains until <see cref="TrainOptions.Epochs"/> are done. <paramref name="onBatch"/> sees
    /// (samples done in epoch, seen so far in the epoch, correct so far in the epoch); <paramref name="onEpoch"/> each
    /// finished epoch; <paramref name="validate"/> and <paramref name="test"/> (either may be null) evaluate the network
    /// after each epoch, and their accuracies enter the history.</summary>
    public void Run(Action<int, int, int>? onBatch, Action<EpochReport>? onEpoch, Func<SimulationEngine, EvaluationResult?>? validate,
        Func<SimulationEngine, EvaluationResult?>? test = null)
    {
        int pool = Math.Min(TrainPoolSize, train.Count);
        int n = Math.Min(options.TrainSamples, pool);
        var input = engine.NewInput();
        var sw = new System.Diagnostics.Stopwatch();
        long sinceCheckpoint = 0;
        var config = engine.Config;
        while (Progress.EpochsCompleted < options.Epochs)
        {
            int epoch = Progress.EpochsCompleted;
            double eta = config.LearningRateAt(epoch);
            engine.LearningRate = (float)eta;
            var order = EpochOrder(config.Seed, epoch, n, pool);
            var epochWatch = System.Diagnostics.Stopwatch.StartNew();
            int seenHere = 0;
            while (Progress.PositionInEpoch < n)
            {
                int start = Progress.PositionInEpoch;
                int count = Math.Min(engine.BatchCapacity, n - start);
                input.Fill(train, count, b => order[start + b], b => (long)epoch * TrainPoolSize + start + b, withLabels: true);
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
                if (options.CheckpointEvery > 0 && options.CheckpointPath != null && sinceCheckpoint >= options.CheckpointEvery && Progress.PositionInEpoch < n)
                {
                    sinceCheckpoint = 0;
                    SaveCheckpoint(options.CheckpointPath);
                }
            }
            double rate = seenHere / Math.Max(1e-9, epochWatch.Elapsed.TotalSeconds);
            double trainAccuracy = Progress.SeenInEpoch == 0 ? 0 : (double)Progress.CorrectInEpoch / Progress.SeenInEpoch;
            var validation = validate?.Invoke(engine);
            var tested = test?.Invoke(engine);
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

    public void SaveCheckpoint(string path)
    {
        engine.PullWeights();
        ModelFile.From(engine.Network, engine.Config, Progress, History).Save(path);
    }
}
