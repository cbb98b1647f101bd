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

public sealed record EpochReport(int Epoch, double TrainAccuracy, EvaluationResult? Validation, double SamplesPerSecond);

/// <summary>
/// On-line training: each epoch shows a seeded permutation of the training digits, B at a time (B = 1 is
/// the paper's on-line learning). Every sample starts from rest; its random numbers are keyed by its
/// presentation number, so a run resumed from a checkpoint repeats the uninterrupted run bit for bit.
/// </summary>
public sealed class Trainer(SimulationEngine engine, MnistSet train, TrainOptions options, TrainingProgress progress)
{
    public const int TrainPoolSize = 50_000;

    public TrainingProgress Progress { get; } = progress;
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
    /// (samples done in epoch, correct so far in epoch); <paramref name="onEpoch"/> each finished epoch.</summary>
    public void Run(Action<int, int, int>? onBatch, Action<EpochReport>? onEpoch, Func<SimulationEngine, EvaluationResult?>? validate)
    {
        int pool = Math.Min(TrainPoolSize, train.Count);
        int n = Math.Min(options.TrainSamples, pool);
        var input = engine.NewInput();
        var sw = new System.Diagnostics.Stopwatch();
        long sinceCheckpoint = 0;
        while (Progress.EpochsCompleted < options.Epochs)
        {
            int epoch = Progress.EpochsCompleted;
            engine.LearningRate = (float)(engine.Config.RuleLearningRate * Math.Pow(engine.Config.EtaDecayPerEpoch, epoch));
            var order = EpochOrder(engine.Config.Seed, epoch, n, pool);
            int correct = 0, seen = 0;
            var epochWatch = System.Diagnostics.Stopwatch.StartNew();
            while (Progress.PositionInEpoch < n)
            {
                int start = Progress.PositionInEpoch;
                int count = Math.Min(engine.BatchCapacity, n - start);
                input.Count = count;
                for (int b = 0; b < count; b++)
                {
                    int idx = order[start + b];
                    train.Image(idx).CopyTo(input.Pixels.AsSpan(b * input.InputSize, input.InputSize));
                    input.Labels[b] = train.Labels[idx];
                    input.Presentations[b] = (long)epoch * TrainPoolSize + start + b;
                }
                sw.Restart();
                var r = engine.Run(input, train: true);
                TrainSeconds += sw.Elapsed.TotalSeconds;
                for (int b = 0; b < count; b++) if (r.Predicted(b) == input.Labels[b]) correct++;
                seen += count;
                Progress.PositionInEpoch += count;
                Progress.SamplesSeen += count;
                TrainSamplesDone += count;
                sinceCheckpoint += count;
                onBatch?.Invoke(Progress.PositionInEpoch, seen, correct);
                if (options.CheckpointEvery > 0 && options.CheckpointPath != null && sinceCheckpoint >= options.CheckpointEvery)
                {
                    sinceCheckpoint = 0;
                    SaveCheckpoint(options.CheckpointPath);
                }
            }
            double rate = seen / Math.Max(1e-9, epochWatch.Elapsed.TotalSeconds);
            Progress.EpochsCompleted++;
            Progress.PositionInEpoch = 0;
            var validation = validate?.Invoke(engine);
            onEpoch?.Invoke(new EpochReport(epoch + 1, seen == 0 ? 0 : (double)correct / seen, validation, rate));
        }
    }

    public void SaveCheckpoint(string path)
    {
        engine.PullWeights();
        ModelFile.From(engine.Network, engine.Config, Progress).Save(path);
    }
}
