using Neuromorphic.Simulator.Data;
using Neuromorphic.Simulator.Engine;
using Neuromorphic.Simulator.Files;
using Neuromorphic.Simulator.Training;

namespace Neuromorphic.Simulator.Analysis;

/// <summary>One row of a sweep: the setting and its test on the modified copy of the model.</summary>
public sealed record SweepRow(SweepSetting Setting, EvaluationResult Result, double DeltaError);

/// <summary>What a sweep varies and how it tests: the axes (every combination is a row), the weight grid's options,
/// the test images and batch, and the re-learning after pruning (<see cref="RetrainSamples"/> &gt; 0 needs
/// <see cref="TrainSet"/>).</summary>
public sealed record SweepOptions(int[] WeightBits, double[] Prune, double[] Noise, int[] StateBits, bool PowerOfTwoStep, bool MinimumMseScale,
    BackendKind Backend, int Batch, IdxImageSet TestSet, int TestSamples, int RetrainSamples = 0, IdxImageSet? TrainSet = null);

/// <summary>The robustness sweep of `neuromorphic sweep`: the float model first, then for every state width, pruned
/// fraction and noise level the unquantized copy (unless all are zero) and one copy per weight width; each copy is
/// pruned, optionally re-learnt, given noise, quantized and tested.</summary>
public static class Sweep
{
    /// <summary>The settings in the order they are tested; the first is the float model (the reference of every delta).</summary>
    public static List<SweepSetting> Settings(SweepOptions o)
    {
        var settings = new List<SweepSetting> { new(0, 0, 0) };
        foreach (var st in o.StateBits)
            foreach (var p in o.Prune)
                foreach (var s in o.Noise)
                {
                    if (p != 0 || s != 0 || st != 0) settings.Add(new(0, p, s, st));
                    foreach (var b in o.WeightBits) settings.Add(new(b, p, s, st));
                }
        return settings;
    }

    /// <summary>Runs every setting on a copy of <paramref name="net"/>; <paramref name="row"/> receives each row as it is
    /// done, <paramref name="progress"/> makes the per-setting progress callback (images done, correct).</summary>
    public static List<SweepRow> Run(Network net, SimulationConfig config, SweepOptions o,
        Func<SweepSetting, Action<int, int>?>? progress = null, Action<SweepRow>? row = null)
    {
        if (o.RetrainSamples > 0 && o.TrainSet == null) throw new ArgumentException("re-learning after pruning needs the training set", nameof(o));
        var settings = Settings(o);
        var rows = new List<SweepRow>();
        double floatError = double.NaN;
        foreach (var setting in settings)
        {
            var rowConfig = config with { StateBits = setting.StateBits };
            var copy = Robustness.Copy(net, rowConfig);
            Robustness.Prune(copy, setting.Prune);
            if (setting.Prune > 0 && o.RetrainSamples > 0 && config.Rule != RuleKind.None)
            {
                using var learner = Backends.Create(o.Backend, copy, config, 1);
                new Trainer(learner, o.TrainSet!, new TrainOptions { Epochs = 1, TrainSamples = o.RetrainSamples },
                    new TrainingProgress()).Run(null, null, null);
                learner.PullWeights();
            }
            Robustness.AddNoise(copy, setting.Noise, config.Seed);
            if (setting.WeightBits > 0) Robustness.QuantizeWeights(copy, setting.WeightBits, o.PowerOfTwoStep, o.MinimumMseScale);
            using var engine = Backends.Create(o.Backend, copy, rowConfig, o.Batch);
            var res = Evaluation.Run(engine, o.TestSet, 0, o.TestSamples, Evaluation.TestPresentationBase, progress?.Invoke(setting));
            if (setting == settings[0]) floatError = res.Error;
            var done = new SweepRow(setting, res, res.Error - floatError);
            rows.Add(done);
            row?.Invoke(done);
        }
        return rows;
    }
}
