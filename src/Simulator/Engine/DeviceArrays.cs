using ILGPU;
using ILGPU.Runtime;

namespace Neuromorphic.Simulator.Engine;

/// <summary>
/// The device state buffers of one population, [lane][neuron]: allocated together, zeroed together before a batch
/// (all but those every step rewrites before reading, such as spike lists), disposed together. The ILGPU drivers'
/// population records (eRBP per-phase, S2M layers) derive from it and name their buffers.
/// </summary>
internal abstract class DeviceArrays(Accelerator accelerator) : IDisposable
{
    readonly List<MemoryBuffer> _all = [];
    readonly List<Action> _zero = [];

    /// <summary>A new buffer of <paramref name="length"/> elements, zeroed by <see cref="Zero"/> unless <paramref
    /// name="rewrittenEachStep"/>.</summary>
    protected MemoryBuffer1D<T, Stride1D.Dense> Buffer<T>(long length, bool rewrittenEachStep = false) where T : unmanaged
    {
        var b = accelerator.Allocate1D<T>(length);
        _all.Add(b);
        if (!rewrittenEachStep) _zero.Add(() => b.MemSetToZero());
        return b;
    }

    /// <summary>A new buffer holding <paramref name="values"/> (at least one element: a kernel takes a view even of nothing),
    /// never zeroed: constants of the population such as its bias currents.</summary>
    protected MemoryBuffer1D<T, Stride1D.Dense> Constant<T>(T[]? values) where T : unmanaged
    {
        var b = accelerator.Allocate1D<T>(Math.Max(1, values?.Length ?? 0));
        _all.Add(b);
        if (values is { Length: > 0 }) b.CopyFromCPU(values);
        else b.MemSetToZero();
        return b;
    }

    /// <summary>Every buffer back to rest (0), as at the start of a batch.</summary>
    public void Zero() { foreach (var z in _zero) z(); }

    public void Dispose() { foreach (var b in _all) b.Dispose(); }
}
