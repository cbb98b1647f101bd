using System.Runtime.CompilerServices;

namespace Neuromorphic.Neurons;

/// <summary>
/// The state of one two-compartment LIF neuron (<see cref="TwoCompartmentLif"/>): what
/// <see cref="TwoCompartmentLif.Step(ref LifState, float, float, bool, in LifCoefficients)"/> advances. All at rest
/// (zero) at the start of a sample. Fixed-point neurons hold their codes times the state step, exactly.
/// </summary>
public struct LifState
{
    /// <summary>I, the synaptic current, in mV of the voltage it would hold the soma at.</summary>
    public float SynapticCurrentMv;
    /// <summary>V, the somatic potential.</summary>
    public float SomaMv;
    /// <summary>U, the dendritic potential (the error fed back; it gates learning only).</summary>
    public float DendriteMv;
    /// <summary>Steps left in the refractory period (V held at the reset value 0).</summary>
    public int RefractoryStepsLeft;
}

/// <summary>
/// The row form of <see cref="LifState"/> on the CPU: one span per state variable over a row of neurons (structure of
/// arrays, as the vector loop of <see cref="TwoCompartmentLif.StepRow(LifStateRows, Span{float}, Span{float}, in LifCoefficients, Span{int}, bool)"/>
/// reads them). Neuron i's state is <see cref="Load"/>(i); the kernels' form is <c>LifStateView</c> (kernels/DeviceSteps.cs).
/// </summary>
public readonly ref struct LifStateRows(Span<float> synapticCurrentMv, Span<float> somaMv, Span<float> dendriteMv, Span<int> refractoryStepsLeft)
{
    public readonly Span<float> SynapticCurrentMv = synapticCurrentMv, SomaMv = somaMv, DendriteMv = dendriteMv;
    public readonly Span<int> RefractoryStepsLeft = refractoryStepsLeft;

    /// <summary>Neurons in the row (the synaptic-current row's length).</summary>
    public int Length => SynapticCurrentMv.Length;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public LifState Load(int i) => new()
    {
        SynapticCurrentMv = SynapticCurrentMv[i], SomaMv = SomaMv[i], DendriteMv = DendriteMv[i], RefractoryStepsLeft = RefractoryStepsLeft[i],
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(int i, in LifState s)
    {
        SynapticCurrentMv[i] = s.SynapticCurrentMv; SomaMv[i] = s.SomaMv; DendriteMv[i] = s.DendriteMv;
        RefractoryStepsLeft[i] = s.RefractoryStepsLeft;
    }

    /// <summary>Every neuron of the row back at rest.</summary>
    public void Clear()
    {
        SynapticCurrentMv.Clear(); SomaMv.Clear(); DendriteMv.Clear(); RefractoryStepsLeft.Clear();
    }
}

/// <summary>The CPU storage of <see cref="LifState"/> for <see cref="Length"/> neurons (all lanes of a population): one
/// array per state variable, handed out as rows (<see cref="Rows"/>).</summary>
public sealed class LifStateArrays(int length)
{
    public int Length { get; } = length;
    public readonly float[] SynapticCurrentMv = new float[length], SomaMv = new float[length], DendriteMv = new float[length];
    public readonly int[] RefractoryStepsLeft = new int[length];

    /// <summary>Neurons [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) as a row.</summary>
    public LifStateRows Rows(int start, int count)
        => new(SynapticCurrentMv.AsSpan(start, count), SomaMv.AsSpan(start, count), DendriteMv.AsSpan(start, count),
            RefractoryStepsLeft.AsSpan(start, count));
}
