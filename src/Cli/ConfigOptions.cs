using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Neuromorphic.Neurons;
using Neuromorphic.Simulator;
using Neuromorphic.Simulator.Engine;

namespace Neuromorphic.Cli;

/// <summary>The model and rule parameters every simulating command takes; unset options keep the paper's
/// values (or those of --config FILE, a JSON object of <see cref="SimulationConfig"/> fields).</summary>
public sealed class ConfigOptions
{
    public readonly Option<string?> Config = new("--config") { Description = "JSON file of simulation parameters (fields of SimulationConfig); options below override it" };
    public readonly Option<string?> Rule = new("--rule") { Description = "learning rule: erbp (default) | perbp | s2m | none" };
    public readonly Option<ulong?> Seed = new("--seed") { Description = "seed of every random number (input spikes, noise, blank-out, initial weights); default 1" };
    public readonly Option<double?> SampleMs = new("--sample-ms") { Description = "duration of a training sample in ms (250)" };
    public readonly Option<double?> TestSampleMs = new("--test-sample-ms") { Description = "duration of a test sample in ms (250)" };
    public readonly Option<double?> DtMs = new("--dt-ms") { Description = "time step in ms (0.1)" };
    public readonly Option<double?> TauMembraneMs = new("--tau-membrane-ms") { Description = "somatic time constant in ms (1)" };
    public readonly Option<double?> TauSynMs = new("--tau-syn-ms") { Description = "synaptic time constant in ms (4)" };
    public readonly Option<double?> TauDendriteMs = new("--tau-dendrite-ms") { Description = "dendritic time constant in ms (5)" };
    public readonly Option<double?> Eta = new("--eta") { Description = "learning rate of the rule: eRBP 6e-4; s2m (eCD) mV per unit of STDP trace, 32e-3" };
    public readonly Option<double?> EtaDecay = new("--eta-decay") { Description = "learning rate of epoch e is eta * decay^e (1 = constant)" };
    public readonly Option<double?> Gate = new("--gate-mv") { Description = "eRBP boxcar half-width on the synaptic current, mV (600)" };
    public readonly Option<string?> LayerGates = new("--layer-gates-mv") { Description = "boxcar half-width per plastic layer, comma-separated mV (overrides --gate-mv)" };
    public readonly Option<double?> BlankOut = new("--blank-out") { Description = "blank-out synapses: probability that a synapse transmits an event (perbp 0.45, s2m 0.5)" };
    public readonly Option<int?> LabelUnits = new("--label-units") { Description = "s2m: label units per class (1)" };
    public readonly Option<double?> BiasRateHz = new("--bias-rate-hz") { Description = "s2m: rate of the always-on bias units (250 Hz)" };
    public readonly Option<double?> InitMv = new("--init-mv") { Description = "s2m: initial weights Uniform(-b, b), b in mV (10)" };
    public readonly Option<double?> BurnIn = new("--burn-in") { Description = "s2m: fraction of the sample with g = 0 at the start of each phase (0.1)" };
    public readonly Option<double?> TauStdpMs = new("--tau-stdp-ms") { Description = "s2m: time constant of the STDP window in ms (4)" };
    public readonly Option<double?> NoiseMv = new("--noise-mv") { Description = "weight (mV) of 1 kHz Poisson noise onto hidden and prediction somata (0 = off)" };
    public readonly Option<string?> Encoder = new("--encoder") { Description = "input encoder: escape (the reference code's escape-rate unit) | poisson" };
    public readonly Option<int?> WeightBits = new("--weight-bits") { Description = "bits of the plastic weights, 1-16 (default: float32); every update is rounded onto the grid" };
    public readonly Option<string?> RoundingOpt = new("--rounding") { Description = "rounding of weight updates: stochastic (default) | nearest | truncate" };
    public readonly Option<double?> WeightRange = new("--weight-range-factor") { Description = "weight grid spans +- this factor x the initialisation bound (2.5)" };
    public readonly Option<bool> PowerOfTwo = new("--power-of-two-step") { Description = "round the weight step up to a power of two (shared exponent)" };
    public readonly Option<int?> StateBits = new("--state-bits") { Description = "fixed-point neural state: signed bits of I, V, U (8..24; default float32); decays as 12-bit integer multiply-and-shift" };
    public readonly Option<double?> StateRange = new("--state-range-mv") { Description = "largest state magnitude in mV; the state step is the power of two reaching it (2048)" };
    public readonly Option<string?> BatchUpdateOpt = new("--batch-update") { Description = "how a training batch (--batch > 1) combines its updates: step (lanes update the shared weights every step, in lane order; default) | sample (each lane learns on its own copy for its sample, the changes are summed after the batch: one GPU launch per batch, lanes on all CPU cores)" };
    public readonly Option<double?> MaxRateHz = new("--max-rate-hz") { Description = "Poisson encoder: rate at intensity 1 (200 Hz)" };

    public void AddTo(Command c, bool withRule = true)
    {
        foreach (var o in new Option[] { Config, Seed, SampleMs, TestSampleMs, DtMs, TauMembraneMs, TauSynMs, TauDendriteMs, Eta, EtaDecay, Gate, LayerGates, BlankOut, LabelUnits, BiasRateHz, InitMv, BurnIn, TauStdpMs, NoiseMv, Encoder, MaxRateHz, WeightBits, RoundingOpt, WeightRange, PowerOfTwo, StateBits, StateRange, BatchUpdateOpt })
            c.Options.Add(o);
        if (withRule) c.Options.Add(Rule);
    }

    public static RuleKind ParseRule(string text) => text.Trim().ToLowerInvariant() switch
    {
        "erbp" => RuleKind.Erbp,
        "perbp" => RuleKind.Perbp,
        "s2m" => RuleKind.S2m,
        "none" => RuleKind.None,
        _ => throw new NeuromorphicException($"--rule '{text}': unknown rule; expected erbp, perbp, s2m or none"),
    };

    public static Neuromorphic.Plasticity.Rounding ParseRounding(string text) => text.Trim().ToLowerInvariant() switch
    {
        "stochastic" => Neuromorphic.Plasticity.Rounding.Stochastic,
        "nearest" => Neuromorphic.Plasticity.Rounding.Nearest,
        "truncate" => Neuromorphic.Plasticity.Rounding.Truncate,
        _ => throw new NeuromorphicException($"--rounding '{text}': expected stochastic, nearest or truncate"),
    };

    public SimulationConfig Build(ParseResult r, RuleKind? forceRule = null)
    {
        var c = new SimulationConfig();
        if (r.GetValue(Config) is { } path)
        {
            Neuromorphic.Simulator.Files.InputFile.Require(path, "configuration file (--config)"); // missing, empty, a pipe or a device
            try { c = JsonSerializer.Deserialize<SimulationConfig>(File.ReadAllText(path), new JsonSerializerOptions { IncludeFields = true, ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) ?? c; }
            catch (JsonException e) { throw new NeuromorphicException($"--config {path}: not a valid configuration ({Text.Plain(e.Message.Split('\n')[0])})"); }
        }
        var rule = forceRule ?? (r.GetValue(Rule) is { } ruleText ? ParseRule(ruleText) : c.Rule);
        // peRBP's published values (blank-out p = 0.45, eta = 1e-3) unless the config file set its own.
        if (rule == RuleKind.Perbp && c.Rule != RuleKind.Perbp && c.TransmissionProbability == 1.0)
            c = c with { TransmissionProbability = 0.45, Erbp = c.Erbp with { LearningRate = 10e-4 } };
        // S2M's published values (140 ms samples, blank-out p = 0.5) unless the config file set its own.
        if (rule == RuleKind.S2m && c.Rule != RuleKind.S2m)
            c = c with { TransmissionProbability = 0.5, SampleMs = 140, TestSampleMs = 140 };
        c = c with { Rule = rule };
        if (r.GetValue(Seed) is { } seed) c = c with { Seed = seed };
        if (r.GetValue(SampleMs) is { } s) c = c with { SampleMs = s };
        if (r.GetValue(TestSampleMs) is { } ts) c = c with { TestSampleMs = ts };
        if (r.GetValue(DtMs) is { } dt) c = c with { DtMs = dt };
        if (r.GetValue(TauMembraneMs) is { } tm) c = c with { Hidden = c.Hidden with { TauMembraneMs = tm }, Output = c.Output with { TauMembraneMs = tm }, Sampler = c.Sampler with { TauMembraneMs = tm } };
        if (r.GetValue(TauSynMs) is { } ts2) c = c with { Hidden = c.Hidden with { TauSynapseMs = ts2 }, Output = c.Output with { TauSynapseMs = ts2 }, Sampler = c.Sampler with { TauSynapseMs = ts2 } };
        if (r.GetValue(TauDendriteMs) is { } td) c = c with { Hidden = c.Hidden with { TauDendriteMs = td }, Output = c.Output with { TauDendriteMs = td } };
        if (r.GetValue(Eta) is { } eta) c = rule == RuleKind.S2m ? c with { Ecd = c.Ecd with { LearningRate = eta } } : c with { Erbp = c.Erbp with { LearningRate = eta } };
        if (r.GetValue(LabelUnits) is { } lu) c = c with { LabelUnitsPerClass = lu };
        if (r.GetValue(BiasRateHz) is { } br) c = c with { BiasRateHz = br };
        if (r.GetValue(InitMv) is { } im) c = c with { S2mInitMv = im };
        if (r.GetValue(BurnIn) is { } bi) c = c with { Ecd = c.Ecd with { BurnInFraction = bi } };
        if (r.GetValue(TauStdpMs) is { } tsd) c = c with { Ecd = c.Ecd with { TauStdpMs = tsd } };
        if (r.GetValue(EtaDecay) is { } decay) c = c with { EtaDecayPerEpoch = decay };
        if (r.GetValue(Gate) is { } g) c = c with { Erbp = c.Erbp with { GateLowMv = -g, GateHighMv = g } };
        if (r.GetValue(LayerGates) is { } lg)
        {
            var parts = lg.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var values = new double[parts.Length];
            for (int i = 0; i < parts.Length; i++)
                if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !(values[i] > 0))
                    throw new NeuromorphicException($"--layer-gates-mv '{lg}': entry {i + 1} ('{parts[i]}') is not a positive number");
            c = c with { LayerGateMv = values };
        }
        if (r.GetValue(BlankOut) is { } p) c = c with { TransmissionProbability = p };
        if (r.GetValue(NoiseMv) is { } nm) c = c with { Hidden = c.Hidden with { NoiseWeightMv = nm }, Output = c.Output with { NoiseWeightMv = nm } };
        if (r.GetValue(Encoder) is { } enc)
            c = c with
            {
                Encoder = c.Encoder with
                {
                    Kind = enc.Trim().ToLowerInvariant() switch
                    {
                        "escape" or "escape-noise" => EncoderKind.EscapeNoise,
                        "poisson" => EncoderKind.Poisson,
                        _ => throw new NeuromorphicException($"--encoder '{enc}': unknown encoder; expected escape or poisson"),
                    },
                },
            };
        if (r.GetValue(WeightBits) is { } wb)
        {
            if (wb < 1 || wb > 16) throw new NeuromorphicException($"--weight-bits must lie in 1..16, got {wb}");
            c = c with { WeightBits = wb };
        }
        if (r.GetValue(RoundingOpt) is { } ro) c = c with { WeightRounding = ParseRounding(ro) };
        if (r.GetValue(WeightRange) is { } wr) c = c with { WeightRangeFactor = wr };
        if (r.GetValue(PowerOfTwo)) c = c with { WeightStepPowerOfTwo = true };
        if (r.GetValue(StateBits) is { } sb) c = c with { StateBits = sb };
        if (r.GetValue(StateRange) is { } sr) c = c with { StateRangeMv = sr };
        if (r.GetValue(BatchUpdateOpt) is { } bu)
            c = c with
            {
                BatchUpdate = bu.Trim().ToLowerInvariant() switch
                {
                    "step" => Neuromorphic.Plasticity.BatchUpdateMode.PerStep,
                    "sample" => Neuromorphic.Plasticity.BatchUpdateMode.PerSample,
                    _ => throw new NeuromorphicException($"--batch-update '{bu}': expected step or sample"),
                },
            };
        if (r.GetValue(MaxRateHz) is { } mr) c = c with { Encoder = c.Encoder with { MaxRateHz = mr } };
        c.Validate();
        return c;
    }
}
