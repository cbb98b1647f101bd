using Neuromorphic.Plasticity;
using Neuromorphic.Neurons;

namespace Neuromorphic.Kernels;

/// <summary>Scalars of one launch of <see cref="StepKernels.IntegrateInput"/>.</summary>
public struct InputArgs
{
    public int Size, InputStride, Population, RefractorySteps, Step, IsLabel, Learn;
    public ulong Seed;
}

/// <summary>Scalars of one launch of <see cref="StepKernels.IntegrateLif"/>.</summary>
public struct LifArgs
{
    public LifCoefficients Coefficients;
    public int Size, Population, Step;
    /// <summary>1 for the prediction population: its synaptic current is integrated into the drive buffer.</summary>
    public int IsOutput;
    /// <summary>1 when the population has a bias current (the kernel's bias array, one value per neuron).</summary>
    public int HasBias;
    public ulong Seed;
}

/// <summary>Scalars of one launch of <see cref="StepKernels.IntegrateError"/>.</summary>
public struct ErrorArgs
{
    public float ThresholdMv, StateStepMv;
    public int StateBits;
}

/// <summary>Scalars of one launch of the delivery kernels.</summary>
public struct DeliverArgs
{
    public int PreSize, PostSize, Step, Projection, Lanes, HasMask, Forward;
    public ulong Seed, BlankOutThreshold;
    /// <summary>The projection's eRBP constants at the batch's learning rate (read by <see cref="StepKernels.DeliverLearn"/>).</summary>
    public ErbpConstants Rule;
}

/// <summary>Scalars of one step of the S2M kernels (<see cref="S2mKernels"/>). Rows = visible units + 1 (bias),
/// Columns = hidden units + 1 (bias); W is [Rows][Columns].</summary>
public struct S2mArgs
{
    public LifCoefficients Sampler;
    public int Rows, Columns, LabelStart, Step, Mode, PhaseStart, Bias, Count, EncoderRefractorySteps, HasMask, Lanes;
    public float TraceDecay, EtaG;
    /// <summary>The eCD variant: nearest pairing, potentiation cap.</summary>
    public EcdSynapse Ecd;
    public ulong Seed, BlankOutThreshold;
    /// <summary>1: fixed-point weights on <see cref="WeightGrid"/>, each change rounded with its synapse's rounding bits.</summary>
    public int Quantized;
    public QuantCoefficients WeightGrid;
}
