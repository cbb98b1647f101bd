using System.Globalization;
using Neuromorphic.Neurons;
using Neuromorphic.Plasticity;
using static Neuromorphic.Cli.OptionUse;

namespace Neuromorphic.Cli;

/// <summary>Every model option, once: the CLI's model options (train, bench, run, plot raster; study through them),
/// their parsing and checks, the field-to-option names of error messages (<see cref="OptionNames"/>) and tools/MeanField's
/// options all come from this table. A new model option is one entry here (and its line in docs/cli.md); an enum
/// it names gets its spellings in <see cref="ConfigJson"/>. The order is help's order.</summary>
public static class ModelOptions
{
    public const string ConfigName = "--config", RuleName = "--rule", PresetName = "--preset";

    public static readonly IReadOnlyList<ModelOption> Table =
    [
        new TextOption(ConfigName, "JSON file of simulation parameters (fields of SimulationConfig); options below override it")
        {
            StartsConfiguration = true, Uses = Training | Inference | MeanField,
        },
        new ValueOption<ulong>("--seed", "seed of every random number (input spikes, noise, blank-out, initial weights); default 1")
        {
            Fields = [nameof(SimulationConfig.Seed)], Uses = Training | Inference | MeanField, Example = "7",
            Set = (c, v) => c with { Seed = v },
        },
        new ValueOption<double>("--sample-ms", "duration of a training sample in ms (250)")
        {
            Fields = [nameof(SimulationConfig.SampleMs)], Uses = Training | MeanField, Example = "120",
            Set = (c, v) => c with { SampleMs = v },
        },
        new ValueOption<double>("--test-sample-ms", "duration of a test sample in ms (250)")
        {
            Fields = [nameof(SimulationConfig.TestSampleMs)], Uses = Training | Inference, Example = "300",
            Set = (c, v) => c with { TestSampleMs = v },
        },
        new ValueOption<double>("--dt-ms", "time step in ms (0.1)")
        {
            Fields = [nameof(SimulationConfig.DtMs)], Uses = Training | Inference | MeanField, Example = "0.05",
            Set = (c, v) => c with { DtMs = v },
        },
        new ValueOption<double>("--tau-membrane-ms", "somatic time constant in ms (1)")
        {
            Fields = ["Hidden.TauMembraneMs", "Output.TauMembraneMs", "Sampler.TauMembraneMs"],
                Uses = Training | Inference | MeanField, Example = "2",
            Set = (c, v) => c with
            {
                Hidden = c.Hidden with { TauMembraneMs = v }, Output = c.Output with { TauMembraneMs = v },
                    Sampler = c.Sampler with { TauMembraneMs = v },
            },
        },
        new ValueOption<double>("--tau-syn-ms", "synaptic time constant in ms (4)")
        {
            Fields = ["Hidden.TauSynapseMs", "Output.TauSynapseMs", "Sampler.TauSynapseMs"], Uses = Training | Inference | MeanField, Example = "6",
            Set = (c, v) => c with
            {
                Hidden = c.Hidden with { TauSynapseMs = v }, Output = c.Output with { TauSynapseMs = v },
                    Sampler = c.Sampler with { TauSynapseMs = v },
            },
        },
        // The sampler has no dendrite: an eRBP option.
        new ValueOption<double>("--tau-dendrite-ms", "dendritic time constant in ms (5)")
        {
            Fields = ["Hidden.TauDendriteMs", "Output.TauDendriteMs"], Rules = RuleScope.Erbp, Uses = Training | Inference | MeanField, Example = "8",
            Set = (c, v) => c with { Hidden = c.Hidden with { TauDendriteMs = v }, Output = c.Output with { TauDendriteMs = v } },
        },
        new ValueOption<double>("--eta", "learning rate of the rule: eRBP 6e-4; s2m (eCD) mV per unit of STDP trace, 32e-3")
        {
            Fields = ["Erbp.LearningRate", "Ecd.LearningRate"], Uses = Training | MeanField, Example = "0.002",
            Show = c => c.RuleLearningRate,
            Set = (c, v) => c.Rule == RuleKind.S2m ? c with { Ecd = c.Ecd with { LearningRate = v } }
                : c with { Erbp = c.Erbp with { LearningRate = v } },
        },
        new ValueOption<double>("--eta-decay", "learning rate of epoch e is eta * decay^e (1 = constant)")
        {
            Fields = [nameof(SimulationConfig.EtaDecayPerEpoch)], Uses = Training | MeanField, Example = "0.5",
            Set = (c, v) => c with { EtaDecayPerEpoch = v },
        },
        new ValueOption<double>("--gate-mv", "eRBP boxcar half-width on the synaptic current, mV (600)")
        {
            Fields = ["Erbp.GateHighMv", "Erbp.GateLowMv"], Rules = RuleScope.Erbp, Uses = Training | MeanField, Example = "450",
            Set = (c, v) => c with { Erbp = c.Erbp with { GateLowMv = -v, GateHighMv = v } },
        },
        new TextOption("--layer-gates-mv", "boxcar half-width per plastic layer, comma-separated mV (overrides --gate-mv)")
        {
            Fields = [nameof(SimulationConfig.LayerGateMv)], Rules = RuleScope.Erbp, Uses = Training | MeanField, Example = "500,300",
            Show = c => c.LayerGateMv is { } g ? string.Join(',', g.Select(x => x.ToString(CultureInfo.InvariantCulture))) : null,
            Set = (c, v) => c with { LayerGateMv = TextOption.PositiveList(v, "--layer-gates-mv") },
        },
        new ValueOption<double>("--blank-out", "blank-out synapses: probability that a synapse transmits an event (perbp 0.45, s2m 0.5)")
        {
            Fields = [nameof(SimulationConfig.TransmissionProbability)], Uses = Training | Inference | MeanField, Example = "0.7",
            Set = (c, v) => c with { TransmissionProbability = v },
        },
        new ValueOption<int>("--label-units", "s2m: label units per class (1)")
        {
            Fields = [nameof(SimulationConfig.LabelUnitsPerClass)], Rules = RuleScope.S2m, Example = "2",
            Set = (c, v) => c with { LabelUnitsPerClass = v },
        },
        new ValueOption<double>("--bias-rate-hz", "s2m: rate of the always-on bias units (250 Hz)")
        {
            Fields = [nameof(SimulationConfig.BiasRateHz)], Rules = RuleScope.S2m, Example = "500",
            Set = (c, v) => c with { BiasRateHz = v },
        },
        new ValueOption<double>("--init-mv", "s2m: initial weights Uniform(-b, b), b in mV (10)")
        {
            Fields = [nameof(SimulationConfig.S2mInitMv)], Rules = RuleScope.S2m, Example = "5",
            Set = (c, v) => c with { S2mInitMv = v },
        },
        new ValueOption<double>("--burn-in", "s2m: fraction of the sample with g = 0 at the start of each phase (0.1)")
        {
            Fields = ["Ecd.BurnInFraction"], Rules = RuleScope.S2m, Example = "0.2",
            Set = (c, v) => c with { Ecd = c.Ecd with { BurnInFraction = v } },
        },
        new ValueOption<double>("--tau-stdp-ms", "s2m: time constant of the STDP window in ms (4)")
        {
            Fields = ["Ecd.TauStdpMs"], Rules = RuleScope.S2m, Example = "6",
            Set = (c, v) => c with { Ecd = c.Ecd with { TauStdpMs = v } },
        },
        new TextOption("--stdp-pairing",
            "s2m: which spike pairs eCD's STDP counts: all (the 2014 model) | nearest (each spike with its partner's "
                + "latest, the Auryn synapse of 2015)")
        {
            Fields = ["Ecd.Pairing"], Rules = RuleScope.S2m, Example = "nearest",
            Set = (c, v) => c with { Ecd = c.Ecd with { Pairing = ConfigJson.Parse<StdpPairing>(v) } },
        },
        new ValueOption<double>("--weight-max-mv", "s2m: potentiation stops at this weight in mV (the Auryn synapse's cap); 0 = no cap (default)")
        {
            Fields = ["Ecd.WeightMaxMv"], Rules = RuleScope.S2m, Example = "30",
            Set = (c, v) => c with { Ecd = c.Ecd with { WeightMaxMv = v } },
        },
        new ValueOption<double>("--weight-decay", "s2m: fraction of every weight removed after each training sample, scaled by the "
            + "learning-rate schedule (an RBM's L2 decay; 0 = none, default)")
        {
            Fields = ["Ecd.WeightDecay"], Rules = RuleScope.S2m, Example = "0.0001",
            Set = (c, v) => c with { Ecd = c.Ecd with { WeightDecay = v } },
        },
        new ValueOption<double>("--noise-mv",
            "weight (mV) of 1 kHz Poisson noise onto hidden and prediction somata, or with --rule s2m onto every sampler (0 = off)")
        {
            Fields = ["Hidden.NoiseWeightMv", "Output.NoiseWeightMv", "Sampler.NoiseWeightMv"], Uses = Training | Inference, Example = "50",
            Show = c => c.Family == ModelFamily.SynapticSampling ? c.Sampler.NoiseWeightMv : c.Hidden.NoiseWeightMv,
            Set = (c, v) => c.Family == ModelFamily.SynapticSampling
                ? c with { Sampler = c.Sampler with { NoiseWeightMv = v } }
                : c with { Hidden = c.Hidden with { NoiseWeightMv = v }, Output = c.Output with { NoiseWeightMv = v } },
        },
        new TextOption("--encoder",
            "input encoder: escape (escape-rate unit, logit drive) | poisson | linear (the paper's escape-rate unit driven by beta (x + gamma)) "
            + "| reference (the reference driver's: drive 0.5 (x - 0.43), black pixels silent)")
        {
            Fields = ["Encoder.Kind"], Uses = Training | Inference | MeanField, Example = "poisson",
            Set = (c, v) => c with { Encoder = c.Encoder with { Kind = ConfigJson.Parse<EncoderKind>(v) } },
        },
        new ValueOption<double>("--max-rate-hz", "Poisson encoder: rate at intensity 1 (200 Hz)")
        {
            Fields = ["Encoder.MaxRateHz"], Uses = Training | Inference | MeanField, Example = "100",
            Set = (c, v) => c with { Encoder = c.Encoder with { MaxRateHz = v } },
        },
        new ValueOption<int>("--weight-bits", "bits of the plastic weights, 1-16 (default: float32); every update is rounded onto the grid")
        {
            Fields = [nameof(SimulationConfig.WeightBits)], Uses = Training | Inference, Example = "8",
            Show = c => c.WeightBits == 0 ? "float32" : c.WeightBits,
            Set = (c, v) => v is >= QuantFormat.MinBits and <= QuantFormat.MaxBits ? c with { WeightBits = v }
                : throw new NeuromorphicException($"--weight-bits must lie in {QuantFormat.MinBits}..{QuantFormat.MaxBits}, got {v}"),
        },
        new TextOption("--rounding", "rounding of weight updates: stochastic (default) | nearest | truncate")
        {
            Fields = [nameof(SimulationConfig.WeightRounding)], Example = "nearest",
            Set = (c, v) => c with { WeightRounding = ConfigJson.Parse<Rounding>(v) },
        },
        new ValueOption<double>("--weight-range-factor",
            "weight grid spans +- this factor x the initialisation bound (eRBP) or x the threshold (S2M) (2.5)")
        {
            Fields = [nameof(SimulationConfig.WeightRangeFactor)], Uses = Training | Inference, Example = "3",
            Set = (c, v) => c with { WeightRangeFactor = v },
        },
        new ValueOption<bool>("--power-of-two-step", "round the weight step up to a power of two (shared exponent)")
        {
            Fields = [nameof(SimulationConfig.WeightStepPowerOfTwo)], Uses = Training | Inference, Example = "true",
            Set = (c, v) => v ? c with { WeightStepPowerOfTwo = true } : c,
        },
        new ValueOption<int>("--state-bits",
            "fixed-point neural state: signed bits of I, V, U (8..24; default float32); decays as 12-bit integer multiply-and-shift")
        {
            Fields = [nameof(SimulationConfig.StateBits)], Uses = Training | Inference, Example = "16",
            Show = c => c.StateBits == 0 ? "float32" : c.StateBits,
            Set = (c, v) => c with { StateBits = v },
        },
        new ValueOption<double>("--state-range-mv", "largest state magnitude in mV; the state step is the power of two reaching it (2048)")
        {
            Fields = [nameof(SimulationConfig.StateRangeMv)], Uses = Training | Inference, Example = "1024",
            Set = (c, v) => c with { StateRangeMv = v },
        },
        new TextOption("--batch-update",
            "how a training batch (--batch > 1) combines its updates: step (lanes update the shared weights every step, in lane order; default) "
            + "| sample (each lane learns on its own copy for its sample, the changes are summed after the batch: one GPU launch per batch, "
            + "lanes on all CPU cores)")
        {
            Fields = [nameof(SimulationConfig.BatchUpdate)], Example = "sample",
            Set = (c, v) => c with { BatchUpdate = ConfigJson.Parse<BatchUpdateMode>(v) },
        },
        new TextOption(PresetName,
            "start from a named parameter set (`neuromorphic presets` lists them; train's default: best); options given explicitly override it")
        {
            Fields = [nameof(SimulationConfig.Preset)], StartsConfiguration = true, Uses = Training | Inference | MeanField, Example = "best",
        },
        new TextOption("--eta-schedule",
            "learning rate per epoch: exponential (eta x decay^epoch, with --eta-decay) | cosine (to the floor at the last "
                + "epoch) | 1/t (eta / (1 + epoch))")
        {
            Fields = ["Schedule.Kind"], Uses = Training | MeanField, Example = "cosine",
            Set = (c, v) => c with { Schedule = c.Schedule with { Kind = ConfigJson.Parse<ScheduleKind>(v) } },
        },
        new ValueOption<double>("--eta-floor", "the learning rate never falls below this fraction of eta (0..1; default 0)")
        {
            Fields = ["Schedule.FloorFraction"], Uses = Training | MeanField, Example = "0.1",
            Set = (c, v) => v is >= 0 and <= 1 ? c with { Schedule = c.Schedule with { FloorFraction = v } }
                : throw new NeuromorphicException($"--eta-floor must lie in [0, 1] (a fraction of eta), got {v}"),
        },
        new TextOption("--feedback",
            "eRBP error feedback to hidden layers: random (fixed random G, the paper) | sign (sign of the transposed forward "
                + "weights x a fixed magnitude) "
            + "| symmetric (the transposed forward weights)")
        {
            Fields = ["Erbp.Feedback"], Rules = RuleScope.Erbp, Example = "sign",
            Set = (c, v) => c with { Erbp = c.Erbp with { Feedback = ConfigJson.Parse<FeedbackKind>(v) } },
        },
        new ValueOption<int>("--feedback-refresh", "sign/symmetric feedback: training samples between refreshes from the forward weights (1)")
        {
            Fields = ["Erbp.FeedbackRefreshSamples"], Rules = RuleScope.Erbp, Example = "5",
            Set = (c, v) => v >= 1 ? c with { Erbp = c.Erbp with { FeedbackRefreshSamples = v } }
                : throw new NeuromorphicException($"--feedback-refresh must be at least 1 sample, got {v}"),
        },
        new TextOption("--update", "eRBP weight update: additive (eta x U, the paper) | manhattan (a fixed step of eta mV in the sign of U)")
        {
            Fields = ["Erbp.Update"], Rules = RuleScope.Erbp, Example = "manhattan",
            Set = (c, v) => c with { Erbp = c.Erbp with { Update = ConfigJson.Parse<UpdateKind>(v) } },
        },
        new ValueOption<bool>("--learn-on-blanked-spikes",
            "blank-out synapses learn on every presynaptic spike, transmitted or not (the reference script's synapse); "
                + "default: only on transmitted ones")
        {
            Fields = ["Erbp.LearnOnBlankedSpikes"], Rules = RuleScope.Erbp, Example = "true",
            Set = (c, v) => c with { Erbp = c.Erbp with { LearnOnBlankedSpikes = v } },
        },
        new ValueOption<double>("--init-scale", "eRBP: s of the forward initialisation Uniform(-b, b), b = sqrt(s/(fan_in+fan_out)) V (7)")
        {
            Fields = [nameof(SimulationConfig.InitScale)], Rules = RuleScope.Erbp, Uses = Training | MeanField, Example = "3",
            Set = (c, v) => v > 0 && !double.IsInfinity(v) ? c with { InitScale = v }
                : throw new NeuromorphicException($"--init-scale must be a positive number, got {v}"),
        },
        new ValueOption<double>("--feedback-scale", "eRBP: s of the random feedback G ~ Uniform(-a, a), a = sqrt(s/(classes+hidden)) V (7)")
        {
            Fields = [nameof(SimulationConfig.FeedbackScale)], Rules = RuleScope.Erbp, Uses = Training | MeanField, Example = "2",
            Set = (c, v) => v >= 0 && !double.IsInfinity(v) ? c with { FeedbackScale = v }
                : throw new NeuromorphicException($"--feedback-scale must be >= 0, got {v}"),
        },
        // Last in help; ConfigOptions.Build reads it first (it decides the defaults and what the others mean).
        new TextOption(RuleName, "learning rule: erbp (default) | perbp | s2m | none")
        {
            Fields = [nameof(SimulationConfig.Rule)], Example = "s2m",
        },
    ];

    /// <summary>The entry named <paramref name="name"/> (<c>--eta</c>).</summary>
    public static ModelOption Named(string name) => Table.FirstOrDefault(o => o.Name == name) ?? throw new KeyNotFoundException(name);
}
