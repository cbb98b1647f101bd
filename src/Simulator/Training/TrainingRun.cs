using Neuromorphic.Plasticity;
using Neuromorphic.Simulator.Analysis;
using Neuromorphic.Simulator.Engine;
using Neuromorphic.Simulator.Files;

namespace Neuromorphic.Simulator.Training;

/// <summary>Where a training run starts: its network, configuration, progress and history; after pruning, what was pruned.</summary>
public sealed record TrainingStart(Network Network, SimulationConfig Config, TrainingProgress Progress, List<EpochRecord> History, PrunedStart? Pruned = null)
{
    /// <summary>The tests on the test digits made so far (a resumed run continues them; a pruned run starts anew).</summary>
    public List<TestPoint> TestPoints { get; init; } = [];
}

/// <summary>A resumed model pruned before re-learning: the fraction asked, the synapses removed, the samples it had learnt.</summary>
public sealed record PrunedStart(double Fraction, int Weights, long SamplesBefore);

/// <summary>How `train` starts a run: a fresh network from the configuration and the data's shape, or a checkpoint
/// resumed as it was, or pruned and re-learnt as a new run.</summary>
public static class TrainingRun
{
    /// <summary>A fresh run's configuration: the rule must learn; a cosine schedule without a length falls to its floor
    /// over this run's <paramref name="epochs"/>, fixed now so that a resumed run continues it.</summary>
    public static SimulationConfig NewRunConfig(SimulationConfig config, int epochs)
    {
        if (config.Rule == RuleKind.None) throw NeuromorphicException.ForField(nameof(SimulationConfig.Rule), f => $"{f} none: nothing to train; use `run` or `bench` for inference");
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
    public static TrainingStart Resume(string path, Network net, SimulationConfig config, ModelFile file, double? pruneFraction = null, double? eta = null)
    {
        if (config.Rule == RuleKind.None) throw new NeuromorphicException($"{path}: the model has rule none (an imported or inference-only model): nothing to train");
        if (pruneFraction is not { } fraction) return new TrainingStart(net, config, file.Progress, file.History) { TestPoints = file.TestPoints };
        if (eta is { } e)
        {
            string field = config.Rule == RuleKind.S2m ? "Ecd.LearningRate" : "Erbp.LearningRate";
            if (!(e >= 0) || double.IsInfinity(e)) throw NeuromorphicException.ForField(field, f => $"{f} must be a number >= 0, got {e}");
            config = config.Rule == RuleKind.S2m ? config with { Ecd = config.Ecd with { LearningRate = e } } : config with { Erbp = config.Erbp with { LearningRate = e } };
        }
        int removed = Pruning.PruneWeakest(net, fraction);
        return new TrainingStart(net, config, new TrainingProgress { SamplesSeen = file.Progress.SamplesSeen }, [],
            new PrunedStart(fraction, removed, file.Progress.SamplesSeen));
    }
}
