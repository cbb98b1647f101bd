using Neuromorphic.Neurons;
using Neuromorphic.Plasticity;

namespace Neuromorphic.Simulator.Engine;

/// <summary>What a population's neurons are.</summary>
public enum PopulationKind
{
    /// <summary>Data neurons driven by pixel intensities through an encoder.</summary>
    Data,
    /// <summary>Label neurons: the true class fires during training, all silent at test.</summary>
    Label,
    /// <summary>Two-compartment LIF neurons (hidden and prediction layers).</summary>
    TwoCompartment,
    /// <summary>eRBP error neurons: E+_k at index k, E-_k at index n_classes + k.</summary>
    Error,
    /// <summary>S2M units: LIF samplers (visible units may be clamped to an encoder; the last unit is the layer's bias unit).</summary>
    Sampler,
}

/// <summary>Which state variable of the target a projection's spikes add to.</summary>
public enum Compartment { Soma, Dendrite }

/// <summary>A group of identical neurons. <see cref="ErrorPath"/> populations take part only in training.
/// <see cref="BiasMv"/>: for two-compartment neurons, a constant input per neuron added to the synaptic current every
/// step (mV, like a weight: <see cref="TwoCompartmentLif.SomaInputMv"/>); null for none (every trained model; NIR
/// import sets it from Affine biases).</summary>
public sealed record Population(string Name, PopulationKind Kind, int Size, LifParameters Lif = default,
    bool ErrorPath = false, float[]? BiasMv = null);

/// <summary>
/// Dense all-to-all connections from one population to another. Weights are row-major
/// [pre][post] (a presynaptic spike reads one contiguous row). An optional mask marks pruned synapses
/// (0 = absent); absent synapses carry no events and never learn.
/// </summary>
public sealed class Projection
{
    public required string Name { get; init; }
    public required int Source { get; init; }
    public required int Target { get; init; }
    public required Compartment Compartment { get; init; }
    public required float[] Weights { get; init; }
    public byte[]? Mask { get; set; }
    /// <summary>Learns with eRBP while training.</summary>
    public bool Plastic { get; init; }
    /// <summary>Probability that a presynaptic event reaches a synapse (1 = deterministic synapses).</summary>
    public double TransmissionProbability { get; init; } = 1.0;
    /// <summary>Forward (inference) projection: its events are counted as SynOps.</summary>
    public bool Forward { get; init; }
    /// <summary>Gate limits of the eRBP boxcar for this projection's postsynaptic neurons.</summary>
    public float GateLowMv { get; init; }
    public float GateHighMv { get; init; }
    public bool ErrorPath { get; init; }
    /// <summary>Fixed-point format of the weights (null = float32): learning rounds every update onto it.</summary>
    public QuantFormat? WeightFormat { get; set; }
}

/// <summary>Populations and projections in simulation order: populations integrate in list order, then
/// projections deliver in list order. This order is part of the model: both backends follow it.</summary>
public sealed class Network
{
    public required List<Population> Populations { get; init; }
    public required List<Projection> Projections { get; init; }
    public required int[] Layers { get; init; }
    /// <summary>Index of the data, label, prediction and error populations.</summary>
    public int DataPopulation { get; init; }
    public int LabelPopulation { get; init; } = -1;
    public int OutputPopulation { get; init; }
    public int ErrorPopulation { get; init; } = -1;
    public int Classes => Layers[^1];

    /// <summary>The forward projections (data to first hidden layer, ..., last hidden to prediction).</summary>
    public IEnumerable<Projection> ForwardProjections => Projections.Where(p => p.Forward);

    /// <summary>Multiply-accumulates of the same network as a dense ANN (784*h + h*10 for one hidden layer).</summary>
    public long AnnMacs
    {
        get { long m = 0; for (int l = 1; l < Layers.Length; l++) m += (long)Layers[l - 1] * Layers[l]; return m; }
    }
}
