namespace Neuromorphic.Cli;

/// <summary>The one table from configuration fields (paths of <see cref="SimulationConfig"/>, and the run's
/// <see cref="RunFields"/>) to the options that set them. The library's error messages name fields; the CLI prints
/// them with these spellings (<see cref="Message"/>), so the user reads the option to change: "--eta must be ...".
/// tools/MeanField takes its model options' names from here too.</summary>
public static class OptionNames
{
    public static readonly IReadOnlyDictionary<string, string> Table = new Dictionary<string, string>
    {
        [nameof(SimulationConfig.Rule)] = "--rule",
        [nameof(SimulationConfig.Seed)] = "--seed",
        [nameof(SimulationConfig.DtMs)] = "--dt-ms",
        [nameof(SimulationConfig.SampleMs)] = "--sample-ms",
        [nameof(SimulationConfig.TestSampleMs)] = "--test-sample-ms",
        ["Hidden.TauMembraneMs"] = "--tau-membrane-ms",
        ["Hidden.TauSynapseMs"] = "--tau-syn-ms",
        ["Hidden.TauDendriteMs"] = "--tau-dendrite-ms",
        ["Hidden.NoiseWeightMv"] = "--noise-mv",
        ["Erbp.LearningRate"] = "--eta",
        ["Ecd.LearningRate"] = "--eta",
        [nameof(SimulationConfig.EtaDecayPerEpoch)] = "--eta-decay",
        ["Schedule.Kind"] = "--eta-schedule",
        ["Schedule.FloorFraction"] = "--eta-floor",
        ["Erbp.GateHighMv"] = "--gate-mv",
        [nameof(SimulationConfig.LayerGateMv)] = "--layer-gates-mv",
        [nameof(SimulationConfig.TransmissionProbability)] = "--blank-out",
        [nameof(SimulationConfig.LabelUnitsPerClass)] = "--label-units",
        [nameof(SimulationConfig.BiasRateHz)] = "--bias-rate-hz",
        [nameof(SimulationConfig.S2mInitMv)] = "--init-mv",
        ["Ecd.BurnInFraction"] = "--burn-in",
        ["Ecd.TauStdpMs"] = "--tau-stdp-ms",
        ["Ecd.Pairing"] = "--stdp-pairing",
        ["Ecd.WeightMaxMv"] = "--weight-max-mv",
        ["Encoder.Kind"] = "--encoder",
        ["Encoder.MaxRateHz"] = "--max-rate-hz",
        [nameof(SimulationConfig.WeightBits)] = "--weight-bits",
        [nameof(SimulationConfig.WeightRounding)] = "--rounding",
        [nameof(SimulationConfig.WeightRangeFactor)] = "--weight-range-factor",
        [nameof(SimulationConfig.WeightStepPowerOfTwo)] = "--power-of-two-step",
        [nameof(SimulationConfig.StateBits)] = "--state-bits",
        [nameof(SimulationConfig.StateRangeMv)] = "--state-range-mv",
        [nameof(SimulationConfig.BatchUpdate)] = "--batch-update",
        [nameof(SimulationConfig.Preset)] = "--preset",
        [nameof(SimulationConfig.Dataset)] = "--dataset",
        [nameof(SimulationConfig.Readout)] = "--readout",
        ["Erbp.Feedback"] = "--feedback",
        ["Erbp.FeedbackRefreshSamples"] = "--feedback-refresh",
        ["Erbp.Update"] = "--update",
        ["Erbp.LearnOnBlankedSpikes"] = "--learn-on-blanked-spikes",
        [nameof(SimulationConfig.InitScale)] = "--init-scale",
        [nameof(SimulationConfig.FeedbackScale)] = "--feedback-scale",
        [RunFields.Backend] = "--backend",
        [RunFields.Batch] = "--batch",
        [RunFields.TestBatch] = "--test-batch",
        [RunFields.HiddenUnits] = "--hidden",
        [RunFields.Layers] = "--arch",
        [RunFields.InferenceKernel] = "--inference-kernel",
        [RunFields.GroupSize] = "--group-size",
        [RunFields.TrainSamples] = "--train-samples",
        [RunFields.ValidationSamples] = "--validation-samples",
        [RunFields.TrainPool] = "--train-pool",
        [RunFields.Sampling] = "--sampling",
        [RunFields.TestEvery] = "--test-every",
        [RunFields.Prune] = "--prune",
    };

    /// <summary>The option that sets <paramref name="field"/>; the field itself where no option does (a field only a
    /// --config file or a model file sets).</summary>
    public static string Of(string field) => Table.TryGetValue(field, out var option) ? option : field;

    /// <summary>The one line the CLI prints for <paramref name="e"/>: its fields spelt as options.</summary>
    public static string Message(NeuromorphicException e) => e.MessageWith(Of);
}
