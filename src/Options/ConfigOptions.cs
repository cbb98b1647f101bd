using System.Globalization;
using Neuromorphic.Neurons;

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
    public readonly Option<string?> StdpPairingOpt = new("--stdp-pairing") { Description = "s2m: which spike pairs eCD's STDP counts: all (the 2014 model) | nearest (each spike with its partner's latest, the Auryn synapse of 2015)" };
    public readonly Option<double?> WeightMaxMv = new("--weight-max-mv") { Description = "s2m: potentiation stops at this weight in mV (the Auryn synapse's cap); 0 = no cap (default)" };
    public readonly Option<double?> NoiseMv = new("--noise-mv") { Description = "weight (mV) of 1 kHz Poisson noise onto hidden and prediction somata, or with --rule s2m onto every sampler (0 = off)" };
    public readonly Option<string?> Encoder = new("--encoder") { Description = "input encoder: escape (escape-rate unit, logit drive) | poisson | linear (the paper's escape-rate unit driven by beta (x + gamma)) | reference (the reference driver's: drive 0.5 (x - 0.43), black pixels silent)" };
    public readonly Option<int?> WeightBits = new("--weight-bits") { Description = "bits of the plastic weights, 1-16 (default: float32); every update is rounded onto the grid" };
    public readonly Option<string?> RoundingOpt = new("--rounding") { Description = "rounding of weight updates: stochastic (default) | nearest | truncate" };
    public readonly Option<double?> WeightRange = new("--weight-range-factor") { Description = "weight grid spans +- this factor x the initialisation bound (eRBP) or x the threshold (S2M) (2.5)" };
    public readonly Option<bool> PowerOfTwo = new("--power-of-two-step") { Description = "round the weight step up to a power of two (shared exponent)" };
    public readonly Option<int?> StateBits = new("--state-bits") { Description = "fixed-point neural state: signed bits of I, V, U (8..24; default float32); decays as 12-bit integer multiply-and-shift" };
    public readonly Option<double?> StateRange = new("--state-range-mv") { Description = "largest state magnitude in mV; the state step is the power of two reaching it (2048)" };
    public readonly Option<string?> BatchUpdateOpt = new("--batch-update") { Description = "how a training batch (--batch > 1) combines its updates: step (lanes update the shared weights every step, in lane order; default) | sample (each lane learns on its own copy for its sample, the changes are summed after the batch: one GPU launch per batch, lanes on all CPU cores)" };
    public readonly Option<double?> MaxRateHz = new("--max-rate-hz") { Description = "Poisson encoder: rate at intensity 1 (200 Hz)" };
    public readonly Option<string?> PresetOpt = new("--preset") { Description = "start from a named parameter set (`neuromorphic presets` lists them; train's default: best); options given explicitly override it" };
    public readonly Option<string?> EtaSchedule = new("--eta-schedule") { Description = "learning rate per epoch: exponential (eta x decay^epoch, with --eta-decay) | cosine (to the floor at the last epoch) | 1/t (eta / (1 + epoch))" };
    public readonly Option<double?> EtaFloor = new("--eta-floor") { Description = "the learning rate never falls below this fraction of eta (0..1; default 0)" };
    public readonly Option<string?> FeedbackOpt = new("--feedback") { Description = "eRBP error feedback to hidden layers: random (fixed random G, the paper) | sign (sign of the transposed forward weights x a fixed magnitude) | symmetric (the transposed forward weights)" };
    public readonly Option<int?> FeedbackRefresh = new("--feedback-refresh") { Description = "sign/symmetric feedback: training samples between refreshes from the forward weights (1)" };
    public readonly Option<string?> UpdateOpt = new("--update") { Description = "eRBP weight update: additive (eta x U, the paper) | manhattan (a fixed step of eta mV in the sign of U)" };
    public readonly Option<bool?> LearnBlanked = new("--learn-on-blanked-spikes") { Description = "blank-out synapses learn on every presynaptic spike, transmitted or not (the reference script's synapse); default: only on transmitted ones" };
    public readonly Option<double?> InitScale = new("--init-scale") { Description = "eRBP: s of the forward initialisation Uniform(-b, b), b = sqrt(s/(fan_in+fan_out)) V (7)" };
    public readonly Option<double?> FeedbackScale = new("--feedback-scale") { Description = "eRBP: s of the random feedback G ~ Uniform(-a, a), a = sqrt(s/(classes+hidden)) V (7)" };

    /// <summary>The value each option sets, read from a configuration as the option spells it: what help shows for a
    /// preset and what `train --json` reports with its source.</summary>
    IEnumerable<(Option Option, Func<SimulationConfig, object?> Value)> Values() =>
    [
        (Rule, c => ConfigJson.Name(c.Rule)), (Seed, c => c.Seed), (SampleMs, c => c.SampleMs), (TestSampleMs, c => c.TestSampleMs), (DtMs, c => c.DtMs),
        (TauMembraneMs, c => c.Hidden.TauMembraneMs), (TauSynMs, c => c.Hidden.TauSynapseMs), (TauDendriteMs, c => c.Hidden.TauDendriteMs),
        (Eta, c => c.RuleLearningRate), (EtaDecay, c => c.EtaDecayPerEpoch), (Gate, c => c.Erbp.GateHighMv),
        (LayerGates, c => c.LayerGateMv is { } g ? string.Join(',', g.Select(x => x.ToString(CultureInfo.InvariantCulture))) : null),
        (BlankOut, c => c.TransmissionProbability),
        (NoiseMv, c => c.Family == ModelFamily.SynapticSampling ? c.Sampler.NoiseWeightMv : c.Hidden.NoiseWeightMv),
        (Encoder, c => ConfigJson.Name(c.Encoder.Kind)), (MaxRateHz, c => c.Encoder.MaxRateHz),
        (LabelUnits, c => c.LabelUnitsPerClass), (BiasRateHz, c => c.BiasRateHz), (InitMv, c => c.S2mInitMv), (BurnIn, c => c.Ecd.BurnInFraction), (TauStdpMs, c => c.Ecd.TauStdpMs),
        (WeightBits, c => c.WeightBits == 0 ? "float32" : c.WeightBits), (RoundingOpt, c => ConfigJson.Name(c.WeightRounding)), (WeightRange, c => c.WeightRangeFactor),
        (PowerOfTwo, c => c.WeightStepPowerOfTwo), (StateBits, c => c.StateBits == 0 ? "float32" : c.StateBits), (StateRange, c => c.StateRangeMv),
        (BatchUpdateOpt, c => ConfigJson.Name(c.BatchUpdate)), (EtaSchedule, c => ConfigJson.Name(c.Schedule.Kind)), (EtaFloor, c => c.Schedule.FloorFraction),
        (FeedbackOpt, c => ConfigJson.Name(c.Erbp.Feedback)), (FeedbackRefresh, c => c.Erbp.FeedbackRefreshSamples), (UpdateOpt, c => ConfigJson.Name(c.Erbp.Update)),
        (LearnBlanked, c => c.Erbp.LearnOnBlankedSpikes), (InitScale, c => c.InitScale), (FeedbackScale, c => c.FeedbackScale),
    ];

    /// <summary>A command that starts from a preset (train: best) says so in its help: each option whose value the
    /// preset sets differently from the plain default gets "[preset NAME: VALUE]".</summary>
    public void ShowPreset(string presetName)
    {
        var preset = Neuromorphic.Simulator.Training.Presets.ConfigOf(presetName);
        var plain = new SimulationConfig();
        foreach (var (o, value) in Values())
            if (!Equals(value(preset), value(plain)))
                o.Description += $" [preset {presetName}: {Convert.ToString(value(preset), CultureInfo.InvariantCulture)}]";
    }

    /// <summary>Every value the options set, as the options spell them, and where it came from: the command line, the
    /// --config file, the preset the configuration started from, or the default.</summary>
    public (Dictionary<string, object?> Values, Dictionary<string, string> Sources) Explain(ParseResult r, SimulationConfig config)
    {
        var values = new Dictionary<string, object?>();
        var sources = new Dictionary<string, string>();
        foreach (var (o, value) in Values())
        {
            string key = o.Name.TrimStart('-').Replace('-', '_');
            values[key] = value(config);
            sources[key] = r.GetResult(o) is { Implicit: false } ? "command line"
                : r.GetValue(Config) is { } file ? $"--config {file}"
                : config.Preset != "" ? $"preset {config.Preset}" : "default";
        }
        return (values, sources);
    }

    /// <summary>Every model option, --rule last.</summary>
    public IEnumerable<Option> All => [Config, Seed, SampleMs, TestSampleMs, DtMs, TauMembraneMs, TauSynMs, TauDendriteMs, Eta, EtaDecay, Gate, LayerGates, BlankOut, LabelUnits, BiasRateHz, InitMv, BurnIn, TauStdpMs, StdpPairingOpt, WeightMaxMv, NoiseMv, Encoder, MaxRateHz, WeightBits, RoundingOpt, WeightRange, PowerOfTwo, StateBits, StateRange, BatchUpdateOpt, PresetOpt, EtaSchedule, EtaFloor, FeedbackOpt, FeedbackRefresh, UpdateOpt, LearnBlanked, InitScale, FeedbackScale, Rule];

    /// <summary>The model options (all but <see cref="Rule"/>).</summary>
    IEnumerable<Option> ModelOptions => All.Where(o => o != Rule);

    /// <summary>Whether the command line gives a model option other than <see cref="BatchUpdateOpt"/> (and <see cref="Rule"/>).</summary>
    public bool AnyGivenBesidesBatchUpdate(ParseResult r) => ModelOptions.Any(o => o != BatchUpdateOpt && r.GetResult(o) is { Implicit: false });

    public void AddTo(Command c, bool withRule = true)
    {
        foreach (var o in All) if (withRule || o != Rule) c.Options.Add(o);
    }

    /// <summary>A model file fixes every model parameter and the architecture: an option that would change them is
    /// refused (it would be ignored), naming it and <paramref name="command"/>; <paramref name="applied"/> are those the command applies to a model.</summary>
    public void RefuseWithModel(ParseResult r, string modelPath, string command, params Option[] applied)
    {
        foreach (var o in All.Append(CommandLine.ArchOpt).Except(applied))
            if (r.GetResult(o) is { Implicit: false })
                throw new NeuromorphicException($"{o.Name} with {command} --model {modelPath}: the model file sets its architecture and every model parameter, so {o.Name} would be ignored; drop it (or leave out --model to simulate random weights with it)");
    }

    // The names of the enums live in ConfigJson (one table for the options and for --config files).
    public static RuleKind ParseRule(string text) => ConfigJson.Parse<RuleKind>(text);
    public static Neuromorphic.Plasticity.ScheduleKind ParseSchedule(string text) => ConfigJson.Parse<Neuromorphic.Plasticity.ScheduleKind>(text);
    public static Neuromorphic.Plasticity.FeedbackKind ParseFeedback(string text) => ConfigJson.Parse<Neuromorphic.Plasticity.FeedbackKind>(text);
    public static Neuromorphic.Plasticity.UpdateKind ParseUpdate(string text) => ConfigJson.Parse<Neuromorphic.Plasticity.UpdateKind>(text);
    public static Neuromorphic.Simulator.S2m.S2mReadout ParseReadout(string text) => ConfigJson.Parse<Neuromorphic.Simulator.S2m.S2mReadout>(text);
    public static Neuromorphic.Plasticity.Rounding ParseRounding(string text) => ConfigJson.Parse<Neuromorphic.Plasticity.Rounding>(text);

    /// <summary>The configuration the options describe: the preset (or <paramref name="defaultPreset"/>, or the
    /// paper's defaults), or --config FILE, then every option given explicitly.</summary>
    public SimulationConfig Build(ParseResult r, RuleKind? forceRule = null, string? defaultPreset = null)
    {
        var c = new SimulationConfig();
        string? presetName = r.GetValue(PresetOpt);
        if (presetName != null && r.GetValue(Config) != null) throw new NeuromorphicException($"--preset {presetName} and --config: give one (a --config file is a whole configuration)");
        RuleKind? givenRule = forceRule ?? (r.GetValue(Rule) is { } given ? ParseRule(given) : null);
        // train's default preset follows the rule: an S2M starts from the S2M's best, not from eRBP's.
        if (presetName == null && defaultPreset != null && givenRule is { } gr) defaultPreset = Neuromorphic.Simulator.Training.Presets.DefaultFor(gr);
        if ((presetName ?? (r.GetValue(Config) == null ? defaultPreset : null)) is { } pn)
        {
            var preset = Neuromorphic.Simulator.Training.Presets.Get(pn);
            if (givenRule is { } rk && rk != RuleKind.None && ModelFamilies.Of(rk) != preset.Config.Family)
                throw new NeuromorphicException($"--preset {preset.Name} describes {(Neuromorphic.Simulator.Training.Presets.IsS2m(preset) ? "a synaptic sampling machine" : "an eRBP network")}; it cannot be trained with --rule {rk.ToString().ToLowerInvariant()} (`neuromorphic presets` lists them)");
            c = Neuromorphic.Simulator.Training.Presets.ConfigOf(pn);
        }
        if (r.GetValue(Config) is { } path)
        {
            Neuromorphic.Simulator.Files.InputFile.Require(path, "configuration file (--config)"); // missing, empty, a pipe or a device
            c = ConfigJson.Read(File.ReadAllText(path), path);
        }
        var rule = forceRule ?? (r.GetValue(Rule) is { } ruleText ? ParseRule(ruleText) : c.Rule);
        // peRBP's published values (blank-out p = 0.45, eta = 1e-3) unless the config file set its own.
        if (rule == RuleKind.Perbp && c.Rule != RuleKind.Perbp && c.TransmissionProbability == 1.0 && c.Preset == "")
            c = c with { TransmissionProbability = 0.45, Erbp = c.Erbp with { LearningRate = 10e-4 } };
        // S2M's published values (140 ms samples, blank-out p = 0.5) unless the config file set its own.
        if (ModelFamilies.Of(rule) == ModelFamily.SynapticSampling && c.Family != ModelFamily.SynapticSampling)
            c = c with { TransmissionProbability = 0.5, SampleMs = 140, TestSampleMs = 140 };
        c = c with { Rule = rule };
        // The synaptic sampling machine's own options mean nothing to an eRBP network: refused, not ignored.
        if (rule is RuleKind.Erbp or RuleKind.Perbp)
            foreach (var o in new Option[] { LabelUnits, BiasRateHz, InitMv, BurnIn, TauStdpMs, StdpPairingOpt, WeightMaxMv })
                if (r.GetResult(o) is { Implicit: false })
                    throw new NeuromorphicException($"{o.Name} is an option of the synaptic sampling machine (--rule s2m); rule {ConfigJson.Name(rule)} would ignore it");
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
        if (r.GetValue(StdpPairingOpt) is { } sp)
            c = c with
            {
                Ecd = c.Ecd with
                {
                    Pairing = sp.Trim().ToLowerInvariant() switch
                    {
                        "all" => Neuromorphic.Plasticity.StdpPairing.All,
                        "nearest" => Neuromorphic.Plasticity.StdpPairing.Nearest,
                        _ => throw new NeuromorphicException($"--stdp-pairing '{sp}': expected all or nearest"),
                    },
                },
            };
        if (r.GetValue(WeightMaxMv) is { } wmax) c = c with { Ecd = c.Ecd with { WeightMaxMv = wmax } };
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
        if (r.GetValue(NoiseMv) is { } nm)
            c = c.Family == ModelFamily.SynapticSampling
                ? c with { Sampler = c.Sampler with { NoiseWeightMv = nm } }
                : c with { Hidden = c.Hidden with { NoiseWeightMv = nm }, Output = c.Output with { NoiseWeightMv = nm } };
        if (r.GetValue(Encoder) is { } enc) c = c with { Encoder = c.Encoder with { Kind = ConfigJson.Parse<EncoderKind>(enc) } };
        if (r.GetValue(WeightBits) is { } wb)
        {
            if (wb < Neuromorphic.Plasticity.QuantFormat.MinBits || wb > Neuromorphic.Plasticity.QuantFormat.MaxBits) throw new NeuromorphicException($"--weight-bits must lie in {Neuromorphic.Plasticity.QuantFormat.MinBits}..{Neuromorphic.Plasticity.QuantFormat.MaxBits}, got {wb}");
            c = c with { WeightBits = wb };
        }
        if (r.GetValue(RoundingOpt) is { } ro) c = c with { WeightRounding = ParseRounding(ro) };
        if (r.GetValue(WeightRange) is { } wr) c = c with { WeightRangeFactor = wr };
        if (r.GetValue(PowerOfTwo)) c = c with { WeightStepPowerOfTwo = true };
        if (r.GetValue(StateBits) is { } sb) c = c with { StateBits = sb };
        if (r.GetValue(StateRange) is { } sr) c = c with { StateRangeMv = sr };
        if (r.GetValue(BatchUpdateOpt) is { } bu) c = c with { BatchUpdate = ConfigJson.Parse<Neuromorphic.Plasticity.BatchUpdateMode>(bu) };
        if (r.GetValue(MaxRateHz) is { } mr) c = c with { Encoder = c.Encoder with { MaxRateHz = mr } };
        if (r.GetValue(EtaSchedule) is { } es) c = c with { Schedule = c.Schedule with { Kind = ParseSchedule(es) } };
        if (r.GetValue(EtaFloor) is { } ef)
        {
            if (!(ef >= 0 && ef <= 1)) throw new NeuromorphicException($"--eta-floor must lie in [0, 1] (a fraction of eta), got {ef}");
            c = c with { Schedule = c.Schedule with { FloorFraction = ef } };
        }
        if (r.GetValue(FeedbackOpt) is { } fb) c = c with { Erbp = c.Erbp with { Feedback = ParseFeedback(fb) } };
        if (r.GetValue(FeedbackRefresh) is { } fr)
        {
            if (fr < 1) throw new NeuromorphicException($"--feedback-refresh must be at least 1 sample, got {fr}");
            c = c with { Erbp = c.Erbp with { FeedbackRefreshSamples = fr } };
        }
        if (r.GetValue(UpdateOpt) is { } up) c = c with { Erbp = c.Erbp with { Update = ParseUpdate(up) } };
        if (r.GetValue(LearnBlanked) is { } lb) c = c with { Erbp = c.Erbp with { LearnOnBlankedSpikes = lb } };
        if (r.GetValue(InitScale) is { } isc)
        {
            if (!(isc > 0) || double.IsInfinity(isc)) throw new NeuromorphicException($"--init-scale must be a positive number, got {isc}");
            c = c with { InitScale = isc };
        }
        if (r.GetValue(FeedbackScale) is { } fsc)
        {
            if (!(fsc >= 0) || double.IsInfinity(fsc)) throw new NeuromorphicException($"--feedback-scale must be >= 0, got {fsc}");
            c = c with { FeedbackScale = fsc };
        }
        if (c.Rule == RuleKind.Erbp && c.TransmissionProbability < 1 && r.GetValue(BlankOut) != null)
            throw new NeuromorphicException($"--blank-out {c.TransmissionProbability} with --rule erbp: blank-out synapses are peRBP; use --rule perbp");
        c.Validate();
        return c;
    }
}
