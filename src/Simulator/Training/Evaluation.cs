using Neuromorphic.Simulator.Data;
using Neuromorphic.Simulator.Engine;

namespace Neuromorphic.Simulator.Training;

/// <summary>Result of classifying a set of digits.</summary>
public sealed record EvaluationResult(int Samples, int Correct, long SynOps, double Seconds, int[] Predictions)
{
    public double Accuracy => Samples == 0 ? 0 : (double)Correct / Samples;
    public double Error => 1 - Accuracy;
    public double SynOpsPerSample => Samples == 0 ? 0 : (double)SynOps / Samples;
    public double SamplesPerSecond => Seconds > 0 ? Samples / Seconds : 0;
}

public static class Evaluation
{
    /// <summary>Presentation numbers of test and validation samples: far from the training range, so that
    /// image i of a set always sees the same input spikes.</summary>
    public const long TestPresentationBase = 1L << 38, ValidationPresentationBase = 1L << 37;

    /// <summary>Classifies <paramref name="count"/> images starting at <paramref name="first"/> (no learning).</summary>
    public static EvaluationResult Run(SimulationEngine engine, IdxImageSet set, int first, int count, long presentationBase,
        Action<int, int>? progress = null)
    {
        var input = engine.NewInput();
        var preds = new int[count];
        int correct = 0;
        long synops = 0;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        for (int start = 0; start < count; start += engine.BatchCapacity)
        {
            int n = Math.Min(engine.BatchCapacity, count - start);
            input.Fill(set, n, b => first + start + b, b => presentationBase + first + start + b, withLabels: false);
            var r = engine.Run(input, train: false);
            for (int b = 0; b < n; b++)
            {
                preds[start + b] = r.Predicted(b);
                if (preds[start + b] == set.Labels[first + start + b]) correct++;
            }
            synops += r.SynOps;
            progress?.Invoke(start + n, correct);
        }
        return new EvaluationResult(count, correct, synops, sw.Elapsed.TotalSeconds, preds);
    }
}
