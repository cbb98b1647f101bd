using Neuromorphic.Neurons;
using Neuromorphic.Plasticity;

namespace Neuromorphic.Simulator.Engine;

/// <summary>Constants derived once per run from the network and its configuration, shared by every backend.</summary>
public sealed class EngineConstants
{
    public EngineConstants(Network net, SimulationConfig config)
    {
        config.Validate();
        Config = config;
        Lif = net.Populations.Select(p => p.Kind == PopulationKind.TwoCompartment
            ? new LifCoefficients(p.Lif, config.DtMs, config.StateBits, config.StateStepMv) : default).ToArray();
        EncoderThresholds = InputEncoders.ThresholdTable(config.Encoder, config.DtMs);
        EncoderRefractorySteps = (int)Math.Round(InputEncoders.DeadTimeMs(config.Encoder) / config.DtMs);
        ErrorThresholdMv = (float)config.Error.ThresholdMv;
        StateBits = config.StateBits;
        StateStepMv = (float)config.StateStepMv;
        OnsetSteps = (int)Math.Round(config.Erbp.OnsetMs / config.DtMs);
        BlankOut = net.Projections.Select(p => BlankOutSynapse.Threshold(p.TransmissionProbability)).ToArray();
        Seed = config.Seed;
        Erbp = net.Projections.Select(p => ErbpConstants.Of(config.Erbp, p.GateLowMv, p.GateHighMv, p.WeightFormat?.Coefficients)).ToArray();
    }
    public SimulationConfig Config { get; }
    public LifCoefficients[] Lif { get; }
    /// <summary>Per pixel byte (0..255) and the label-on level (<see cref="InputEncoders.LabelEntry"/>): per-step spike threshold of 2^32.</summary>
    public ulong[] EncoderThresholds { get; }
    public int EncoderRefractorySteps { get; }
    public float ErrorThresholdMv { get; }
    /// <summary>Fixed-point state of the error neurons (0 = float).</summary>
    public int StateBits { get; }
    public float StateStepMv { get; }
    public int OnsetSteps { get; }
    public ulong[] BlankOut { get; }
    public ulong Seed { get; }
    /// <summary>Per projection, the eRBP rule's constants (its gate and weight grid, the rule's variant), at the rule's
    /// learning rate: a backend passes <c>Erbp[q].At(LearningRate)</c> whole to the rule's row or its kernel.</summary>
    public ErbpConstants[] Erbp { get; }
}
