using Neuromorphic.Neurons;
using Neuromorphic.Plasticity;
using Neuromorphic.Simulator.Engine;

namespace Neuromorphic.Simulator.Training;

/// <summary>A named, complete set of simulation parameters (every field of <see cref="SimulationConfig"/>),
/// with where its values come from.</summary>
public sealed record Preset(string Name, string Description, string Source, SimulationConfig Config);

/// <summary>
/// The presets: the one place where published parameter sets and the project's best-found settings live. A
/// preset is data; `train --preset NAME` starts from it, explicit options override its values, and the model
/// file stores the resulting configuration with the preset's name (<see cref="SimulationConfig.Preset"/>).
/// </summary>
public static class Presets
{
    /// <summary>The preset `train` uses when none is named.</summary>
    public const string DefaultForTraining = "best";
    /// <summary>The preset `train --rule s2m` uses when none is named.</summary>
    public const string DefaultForS2m = "best-s2m";

    /// <summary>The preset `train` starts from for a rule given without --preset.</summary>
    public static string DefaultFor(RuleKind rule) => ModelFamilies.Of(rule) == ModelFamily.SynapticSampling ? DefaultForS2m : DefaultForTraining;

    /// <summary>Whether a preset describes a synaptic sampling machine (its rule cannot be switched to eRBP, nor an
    /// eRBP preset's to S2M: the two share almost no parameters).</summary>
    public static bool IsS2m(Preset p) => p.Config.Family == ModelFamily.SynapticSampling;

    // The S2M of MODEL.md section 6 at this project's units: 140 ms samples (the 2014 code), blank-out p = 0.5,
    // 4 label units per class, eta 0.3 mV per unit of trace (docs/s2m.md: tuned on 794-100; the 2014 value 32e-3
    // barely moves weights of mV against a 100 mV threshold).
    static readonly SimulationConfig S2mBase = new SimulationConfig() with
    {
        Rule = RuleKind.S2m,
        TransmissionProbability = 0.5,
        SampleMs = 140,
        TestSampleMs = 140,
        LabelUnitsPerClass = 4,
        Ecd = new EcdParameters(LearningRate: 0.3),
    };

    // The machine of the 2014 eCD paper's parameter table: 2T = 100 ms samples, 10% burn-in, 4 label units per
    // class, bias units at 1 kHz, 1 s test samples.
    static readonly SimulationConfig Ecd2014 = S2mBase with
    {
        SampleMs = 100,
        TestSampleMs = 1000,
        BiasRateHz = 1000,
        Ecd = S2mBase.Ecd with { BurnInFraction = 0.1 },
    };

    static readonly SimulationConfig Paper = new SimulationConfig() with
    {
        // Neftci et al. 2017, Table 2 and Table 1: first hidden layer's boxcar +-1.15 nA (1 nA = 1000 mV here),
        // data neurons driven by beta (x + gamma), beta = 0.5, gamma = -0.215; 500 ms test digits.
        Erbp = new ErbpParameters() with { GateLowMv = -1150, GateHighMv = 1150 },
        Encoder = new EncoderParameters() with { Kind = EncoderKind.Linear, InputScaleMv = 500, LinearOffset = -0.215 },
        TestSampleMs = 500,
    };

    /// <summary>Every preset, in the order `presets` lists them.</summary>
    public static readonly IReadOnlyList<Preset> All =
    [
        new("best", "the most accurate eRBP settings found (docs/results.md): paper-perbp (linear data neurons, gate +-1150 mV, blank-out p = 0.45,"
            + " 500 ms test digits) with eta 3e-3 decaying x0.75 per epoch",
            "this project's measurements (docs/results.md, issue 14)",
            Paper with
            {
                Rule = RuleKind.Perbp, TransmissionProbability = 0.45,
                Erbp = Paper.Erbp with { LearningRate = 3e-3 },
                Schedule = new LearningRateSchedule() with { DecayPerEpoch = 0.75 },
            }),
        new("paper-erbp", "eRBP+ of Neftci et al. 2017: deterministic synapses, 1 kHz Poisson noise of 50 mV (50e-3 nA) onto hidden and prediction "
            + "neurons, eta 6e-4, gate +-1150 mV, linear data neurons, 500 ms test digits",
            "Neftci, Augustine, Paul, Detorakis (2017), Front. Neurosci. 11:324, Tables 1 and 2",
            Paper with
            {
                Rule = RuleKind.Erbp,
                Hidden = Paper.Hidden with { NoiseWeightMv = 50 }, Output = Paper.Output with { NoiseWeightMv = 50 },
            }),
        new("paper-perbp", "eRBPx (peRBP) of Neftci et al. 2017: blank-out synapses p = 0.45, no noise, eta 1e-3, gate +-1150 mV, linear "
            + "data neurons, 500 ms test digits",
            "Neftci, Augustine, Paul, Detorakis (2017), Front. Neurosci. 11:324, Tables 1 and 2",
            Paper with
            {
                Rule = RuleKind.Perbp, TransmissionProbability = 0.45,
                Erbp = Paper.Erbp with { LearningRate = 10e-4 },
            }),
        new("best-s2m", "the most accurate S2M settings found (docs/s2m.md): 824-500 (784 pixels and 4 label units per class), blank-out p = "
            + "0.5, 140 ms samples, eta 0.3, nearest-spike STDP pairing",
            "this project's measurements (docs/s2m.md, issues 4, 15 and 25)",
            S2mBase with { Ecd = S2mBase.Ecd with { Pairing = StdpPairing.Nearest } }),
        new("paper-s2m", "the synaptic sampling machine of Neftci et al. 2016 on the 2014 eCD table's machine: blank-out p = 0.5 as the only noise,"
            + " 100 ms samples with 10% burn-in, 4 label units per class, bias units at 1 kHz, 1 s test samples; eta 0.3 in our units",
            "Neftci, Pedroni, Joshi, Al-Shedivat, Cauwenberghs (2016), Front. Neurosci. 10:241; Neftci et al. (2014), Front. "
                + "Neurosci. 7:272, parameter table",
            Ecd2014),
        new("paper-ecd-2014", "the eCD machine of Neftci et al. 2014: deterministic synapses and neural noise (our stand-in for its diffusion "
            + "noise: 1 kHz Poisson events of 50 mV into every sampler), 100 ms samples with 10% burn-in, 4 label units per class, bias units at 1 "
            + "kHz, 1 s test samples; eta 0.3 in our units",
            "Neftci, Das, Pedroni, Kreutz-Delgado, Cauwenberghs (2014), Front. Neurosci. 7:272, parameter table",
            Ecd2014 with { TransmissionProbability = 1.0, Sampler = Ecd2014.Sampler with { NoiseRateHz = 1000, NoiseWeightMv = 50 } }),
        new("reference", "the authors' April 2017 driver script: blank-out p = 0.65 whose synapses learn on every presynaptic spike, transmitted "
            + "or not; eta 6e-4, gate +-600 mV, its data neurons (drive 0.5 (x - 0.43), black pixels silent: --encoder reference), 250 ms digits",
            "eRBP reference code (April 2017 driver script and synapse class)",
            new SimulationConfig() with
            {
                Rule = RuleKind.Perbp, TransmissionProbability = 0.65,
                Erbp = new ErbpParameters() with { LearnOnBlankedSpikes = true },
                Encoder = new EncoderParameters() with { Kind = EncoderKind.Reference },
            }),
    ];

    /// <summary>The preset named <paramref name="name"/> (case-insensitive); an unknown name raises one line listing the valid ones.</summary>
    public static Preset Get(string name)
        => All.FirstOrDefault(p => string.Equals(p.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
           ?? throw new NeuromorphicException($"--preset '{name}': unknown preset; valid presets: {string.Join(", ", All.Select(p => p.Name))}");

    /// <summary>The preset's configuration, marked with its name.</summary>
    public static SimulationConfig ConfigOf(string name) { var p = Get(name); return p.Config with { Preset = p.Name }; }
}
