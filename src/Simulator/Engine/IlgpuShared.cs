using ILGPU;
using ILGPU.Runtime;

namespace Neuromorphic.Simulator.Engine;

/// <summary>
/// What every ILGPU driver of <see cref="IlgpuEngine"/> reads: the accelerator, the network's weights and pruning
/// masks (one device buffer per projection, kept between batches: the network's weights of record on the device), the
/// encoder thresholds, and the batch's inputs and per-lane SynOps counters. The drivers own their state buffers.
/// </summary>
internal sealed class IlgpuShared : IDisposable
{
    public IlgpuShared(Accelerator acc, Network network, EngineConstants constants, int batchCapacity)
    {
        Accelerator = acc;
        Network = network;
        Constants = constants;
        BatchCapacity = batchCapacity;
        Weights = network.Projections.Select(p => acc.Allocate1D(p.Weights)).ToArray();
        Masks = network.Projections.Select(p => p.Mask != null ? acc.Allocate1D(p.Mask) : acc.Allocate1D<byte>(1)).ToArray();
        Pixels = acc.Allocate1D<byte>(batchCapacity * network.Layers[0]);
        Labels = acc.Allocate1D<int>(batchCapacity);
        Presentations = acc.Allocate1D<long>(batchCapacity);
        SynOps = acc.Allocate1D<long>(batchCapacity);
        Thresholds = acc.Allocate1D(constants.EncoderThresholds);
    }

    public Accelerator Accelerator { get; }
    public Network Network { get; }
    public EngineConstants Constants { get; }
    public int BatchCapacity { get; }
    /// <summary>Per projection, row-major [pre][post], as in <see cref="Network"/>.</summary>
    public MemoryBuffer1D<float, Stride1D.Dense>[] Weights { get; }
    /// <summary>Per projection: its pruning mask, or one unused byte.</summary>
    public MemoryBuffer1D<byte, Stride1D.Dense>[] Masks { get; }
    public MemoryBuffer1D<byte, Stride1D.Dense> Pixels { get; }
    public MemoryBuffer1D<int, Stride1D.Dense> Labels { get; }
    public MemoryBuffer1D<long, Stride1D.Dense> Presentations { get; }
    public MemoryBuffer1D<long, Stride1D.Dense> SynOps { get; }
    public MemoryBuffer1D<ulong, Stride1D.Dense> Thresholds { get; }

    /// <summary>Threads per group of a one-group-per-lane kernel: at most <paramref name="max"/>.</summary>
    public int GroupSize(int max) => Math.Min(Math.Min(max, Accelerator.MaxNumThreadsPerGroup), GroupSizeLimit);

    /// <summary>An upper bound on <see cref="GroupSize"/> (threads per lane), for tuning on a device: fewer threads
    /// per lane let more lanes share a multiprocessor when registers limit the occupancy.</summary>
    public int GroupSizeLimit { get; set; } = int.MaxValue;

    /// <summary>Copies the batch's pixels, labels and presentation numbers to the device and zeroes the SynOps counters.</summary>
    public void Load(BatchInput input)
    {
        int n = input.Count;
        SynOps.MemSetToZero();
        ((ArrayView<byte>)Pixels.View).SubView(0, n * input.InputSize).CopyFromCPU(input.Pixels.AsSpan(0, n * input.InputSize));
        ((ArrayView<int>)Labels.View).SubView(0, n).CopyFromCPU(input.Labels.AsSpan(0, n));
        ((ArrayView<long>)Presentations.View).SubView(0, n).CopyFromCPU(input.Presentations.AsSpan(0, n));
    }

    /// <summary>The batch's SynOps: the per-lane counters summed.</summary>
    public long TotalSynOps(int lanes)
    {
        var syn = new long[BatchCapacity];
        SynOps.CopyToCPU(syn);
        long total = 0;
        for (int b = 0; b < lanes; b++) total += syn[b];
        return total;
    }

    public void PushWeights()
    {
        for (int q = 0; q < Weights.Length; q++)
        {
            Weights[q].CopyFromCPU(Network.Projections[q].Weights);
            if (Network.Projections[q].Mask is { } m)
            {
                if (Masks[q].Length != m.Length) { Masks[q].Dispose(); Masks[q] = Accelerator.Allocate1D(m); }
                else Masks[q].CopyFromCPU(m);
            }
        }
    }

    public void PullWeights()
    {
        for (int q = 0; q < Weights.Length; q++) Weights[q].CopyToCPU(Network.Projections[q].Weights);
    }

    public void Dispose()
    {
        foreach (var w in Weights) w.Dispose();
        foreach (var m in Masks) m.Dispose();
        Pixels.Dispose(); Labels.Dispose(); Presentations.Dispose(); SynOps.Dispose(); Thresholds.Dispose();
    }
}
