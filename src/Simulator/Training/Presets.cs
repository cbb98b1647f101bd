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
        new("best", "the most accurate eRBP settings found (docs/results.md): paper-perbp (linear data neurons, gate +-1150 mV, blank-out p = 0.45, 500 ms test digits) with eta 3e-3 decaying x0.75 per epoch",
            "this project's measurements (docs/results.md, issue 14)",
            Paper with
            {
                Rule = RuleKind.Perbp, TransmissionProbability = 0.45,
                Erbp = Paper.Erbp with { LearningRate = 3e-3 },
                Schedule = new LearningRateSchedule() with { DecayPerEpoch = 0.75 },
            }),
        new("paper-erbp", "eRBP+ of Neftci et al. 2017: deterministic synapses, 1 kHz Poisson noise of 50 mV (50e-3 nA) onto hidden and prediction neurons, eta 6e-4, gate +-1150 mV, linear data neurons, 500 ms test digits",
            "Neftci, Augustine, Paul, Detorakis (2017), Front. Neurosci. 11:324, Tables 1 and 2",
            Paper with
            {
                Rule = RuleKind.Erbp,
                Hidden = Paper.Hidden with { NoiseWeightMv = 50 }, Output = Paper.Output with { NoiseWeightMv = 50 },
            }),
        new("paper-perbp", "eRBPx (peRBP) of Neftci et al. 2017: blank-out synapses p = 0.45, no noise, eta 1e-3, gate +-1150 mV, linear data neurons, 500 ms test digits",
            "Neftci, Augustine, Paul, Detorakis (2017), Front. Neurosci. 11:324, Tables 1 and 2",
            Paper with
            {
                Rule = RuleKind.Perbp, TransmissionProbability = 0.45,
                Erbp = Paper.Erbp with { LearningRate = 10e-4 },
            }),
        new("reference", "the authors' April 2017 driver script: blank-out p = 0.65 whose synapses learn on every presynaptic spike, transmitted or not; eta 6e-4, gate +-600 mV, logit-driven data neurons, 250 ms digits",
            "eRBP reference code (April 2017 driver script and synapse class)",
            new SimulationConfig() with
            {
                Rule = RuleKind.Perbp, TransmissionProbability = 0.65,
                Erbp = new ErbpParameters() with { LearnOnBlankedSpikes = true },
            }),
    ];

    /// <summary>The preset named <paramref name="name"/> (case-insensitive); an unknown name raises one line listing the valid ones.</summary>
    public static Preset Get(string name)
        => All.FirstOrDefault(p => string.Equals(p.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
           ?? throw new NeuromorphicException($"--preset '{name}': unknown preset; valid presets: {string.Join(", ", All.Select(p => p.Name))}");

    /// <summary>The preset's configuration, marked with its name.</summary>
    public static SimulationConfig ConfigOf(string name) { var p = Get(name); return p.Config with { Preset = p.Name }; }
}
