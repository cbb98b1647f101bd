using ILGPU;
using ILGPU.Runtime;
using Neuromorphic.Kernels;
using Neuromorphic.Neurons;
using Neuromorphic.Plasticity;

namespace Neuromorphic.Simulator.Engine;

/// <summary>
/// The fused ILGPU driver: a whole batch in one launch, one thread group per lane running every step of its sample.
/// One kernel, <see cref="FusedNetworkKernel"/>, for any network it fits, learning (each lane on a private copy of the
/// plastic weights, combined after the batch by <see cref="FusedNetworkKernel.CombineLanes"/>) or not (learning off:
/// inference). Owns its buffers, allocated on first use.
/// </summary>
internal sealed class IlgpuFusedDriver(IlgpuShared d) : IDisposable
{
    // Shared weights are laid out plastic projections first, so that a lane's private block has the same offsets.
    MemoryBuffer1D<float, Stride1D.Dense>? _nWeights, _nLaneWeights, _nFloats;
    MemoryBuffer1D<int, Stride1D.Dense>? _nInts;
    MemoryBuffer1D<byte, Stride1D.Dense>? _nMasks;
    MemoryBuffer1D<FusedPopulation, Stride1D.Dense>? _nPops;
    MemoryBuffer1D<FusedProjection, Stride1D.Dense>? _nProjs;
    /// <summary>The bias currents of the populations that have one, one after another (one element of 0 when none has).</summary>
    MemoryBuffer1D<float, Stride1D.Dense>? _nBiases;
    int[] _nBiasOffsets = [];
    Action<KernelConfig, FusedNetworkArgs, ArrayView<FusedPopulation>, ArrayView<FusedProjection>, ArrayView<float>, ArrayView<float>,
        ArrayView<byte>, ArrayView<byte>, ArrayView<int>, ArrayView<long>, ArrayView<ulong>, ArrayView<float>, ArrayView<int>, ArrayView<long>,
        ArrayView<float>>? _net;
    Action<Index1D, int, ArrayView<float>, ArrayView<float>>? _broadcast;
    Action<Index1D, CombineArgs, ArrayView<float>, ArrayView<float>>? _combine;
    int[] _nOffsets = [], _nWeightOffsets = [];
    int _nTotal, _nPlastic;

    Network Network => d.Network;
    EngineConstants Constants => d.Constants;

    /// <summary>Whether every population fits one group of <paramref name="group"/> threads.</summary>
    static bool FitsGroup(IEnumerable<Population> pops, int maxPopulations, int group, int maxChunk)
        => pops.Count() <= maxPopulations && pops.All(p => (p.Size + group - 1) / group <= maxChunk);

    /// <summary>Threads per lane of <see cref="FusedNetworkKernel"/>: its preferred group where the network fits it, else its largest.</summary>
    int NetworkGroupSize()
    {
        int preferred = d.GroupSize(FusedNetworkKernel.PreferredGroupSize);
        return FitsGroup(Network.Populations, FusedNetworkKernel.MaxPopulations, preferred, FusedNetworkKernel.MaxChunk)
            ? preferred : d.GroupSize(FusedNetworkKernel.MaxGroupSize);
    }

    /// <summary>Whether <see cref="FusedNetworkKernel"/> covers the network (any populations and projections, within its limits).</summary>
    public bool CoversNetwork()
        => FitsGroup(Network.Populations, FusedNetworkKernel.MaxPopulations, d.GroupSize(FusedNetworkKernel.MaxGroupSize),
            FusedNetworkKernel.MaxChunk);

    /// <summary>
    /// The loaded batch with <see cref="FusedNetworkKernel"/> (check <see cref="CoversNetwork"/> first). Learning: every
    /// population and projection, each lane on its private copy of the plastic weights, combined into the shared weights
    /// after the launch. Not learning: the populations and projections outside the error path, every projection read from
    /// the shared weights (what the CPU path simulates at inference).
    /// </summary>
    public BatchResult RunNetwork(BatchInput input, int steps, bool learn, float learningRate)
    {
        var acc = d.Accelerator;
        int n = input.Count;
        var pops = Network.Populations;
        var projs = Network.Projections;
        int Q = projs.Count;
        if (_net == null)
        {
            _nOffsets = new int[pops.Count];
            for (int p = 1; p < pops.Count; p++) _nOffsets[p] = _nOffsets[p - 1] + pops[p - 1].Size;
            _nTotal = _nOffsets[^1] + pops[^1].Size;
            _nWeightOffsets = new int[Q];
            int w = 0;
            foreach (bool plastic in new[] { true, false })
                for (int q = 0; q < Q; q++)
                    if (projs[q].Plastic == plastic) { _nWeightOffsets[q] = w; w += projs[q].Weights.Length; if (plastic) _nPlastic = w; }
            _nWeights = acc.Allocate1D<float>(w);
            _nMasks = acc.Allocate1D<byte>(w);
            _nFloats = acc.Allocate1D<float>((long)FusedState.FloatSections * d.BatchCapacity * _nTotal);
            _nInts = acc.Allocate1D<int>((long)FusedState.IntSections * d.BatchCapacity * _nTotal);
            _nPops = acc.Allocate1D<FusedPopulation>(pops.Count);
            _nProjs = acc.Allocate1D<FusedProjection>(Q);
            _nBiasOffsets = new int[pops.Count];
            var biases = new List<float>();
            for (int p = 0; p < pops.Count; p++)
            {
                _nBiasOffsets[p] = pops[p].BiasMv != null ? biases.Count : FusedPopulation.NoBias;
                if (pops[p].BiasMv is { } bias) biases.AddRange(bias);
            }
            _nBiases = acc.Allocate1D(biases.Count > 0 ? biases.ToArray() : [0f]);
            _net = acc.LoadStreamKernel<FusedNetworkArgs, ArrayView<FusedPopulation>, ArrayView<FusedProjection>, ArrayView<float>,
                ArrayView<float>, ArrayView<byte>, ArrayView<byte>, ArrayView<int>, ArrayView<long>, ArrayView<ulong>, ArrayView<float>,
                ArrayView<int>, ArrayView<long>, ArrayView<float>>(FusedNetworkKernel.Run);
            _broadcast = acc.LoadAutoGroupedStreamKernel<Index1D, int, ArrayView<float>, ArrayView<float>>(FusedNetworkKernel.BroadcastWeights);
            _combine = acc.LoadAutoGroupedStreamKernel<Index1D, CombineArgs, ArrayView<float>, ArrayView<float>>(FusedNetworkKernel.CombineLanes);
        }
        // Lane-private weights only for learning (B copies of the plastic weights).
        // Each lane learns on its own copy; the kernels index the copies with 32-bit integers.
        if (learn && (long)d.BatchCapacity * _nPlastic > int.MaxValue)
            throw NeuromorphicException.ForField(RunFields.Batch, (b)
                => $"{b} {d.BatchCapacity} with per-sample updates needs {d.BatchCapacity:N0} private copies of {_nPlastic:N0} plastic weights, "
                    + $"over the 2^31 a fused kernel can index: use {b} {int.MaxValue / _nPlastic} or less");
        if (learn && _nLaneWeights == null) _nLaneWeights = acc.Allocate1D<float>(Math.Max(1L, (long)d.BatchCapacity * _nPlastic));
        var laneWeights = _nLaneWeights?.View ?? _nWeights!.View;

        // Descriptors, refreshed every batch (a pruning mask may have been pushed since). Without learning, the error path is left out
        // and the projections' source and target are renumbered into the populations passed.
        var included = pops.Select(p => learn || !p.ErrorPath).ToArray();
        var fusedIndex = new int[pops.Count];
        var popList = new List<FusedPopulation>();
        for (int p = 0; p < pops.Count; p++)
        {
            if (!included[p]) continue;
            fusedIndex[p] = popList.Count;
            popList.Add(new FusedPopulation
            {
                Kind = KindOf(pops[p].Kind), Size = pops[p].Size, Offset = _nOffsets[p], Index = p,
                Lif = Constants.Lif[p], BiasOffset = _nBiasOffsets[p],
            });
        }
        var projList = new List<FusedProjection>();
        for (int q = 0; q < Q; q++)
        {
            var proj = projs[q];
            if (!learn && proj.ErrorPath) continue;
            projList.Add(new FusedProjection
            {
                Source = fusedIndex[proj.Source], Target = fusedIndex[proj.Target], Dendrite = proj.Compartment == Compartment.Dendrite ? 1 : 0,
                WeightOffset = _nWeightOffsets[q], Private = learn && proj.Plastic ? 1 : 0,
                MaskOffset = proj.Mask != null ? _nWeightOffsets[q] : Synapses.NoMask,
                Forward = proj.Forward ? 1 : 0, Index = q, BlankOutThreshold = Constants.BlankOut[q], Rule = Constants.Erbp[q].At(learningRate),
            });
        }
        ((ArrayView<FusedPopulation>)_nPops!.View).SubView(0, popList.Count).CopyFromCPU(popList.ToArray());
        ((ArrayView<FusedProjection>)_nProjs!.View).SubView(0, projList.Count).CopyFromCPU(projList.ToArray());
        var shared = (ArrayView<float>)_nWeights!.View;
        for (int q = 0; q < Q; q++)
        {
            ((ArrayView<float>)d.Weights[q].View).CopyTo(shared.SubView(_nWeightOffsets[q], projs[q].Weights.Length));
            if (projs[q].Mask != null) ((ArrayView<byte>)d.Masks[q].View).CopyTo(((ArrayView<byte>)_nMasks!.View).SubView(_nWeightOffsets[q],
                projs[q].Weights.Length));
        }
        if (learn && _nPlastic > 0) _broadcast!(checked(n * _nPlastic), _nPlastic, shared, laneWeights);
        _nFloats!.MemSetToZero();
        _nInts!.MemSetToZero();
        int section = d.BatchCapacity * _nTotal;
        _net!(new KernelConfig(n, NetworkGroupSize()), new FusedNetworkArgs
        {
            Populations = popList.Count, Projections = projList.Count, TotalNeurons = _nTotal, Steps = steps, InputStride = input.InputSize,
            EncoderRefractorySteps = Constants.EncoderRefractorySteps, Section = section, Learn = learn ? 1 : 0, OnsetSteps = Constants.OnsetSteps,
            PrivateStride = _nPlastic, StateBits = Constants.StateBits, ErrorThresholdMv = Constants.ErrorThresholdMv,
            StateStepMv = Constants.StateStepMv, Seed = Constants.Seed, OutputPopulation = Network.OutputPopulation,
        }, _nPops!.View, _nProjs!.View, shared, laneWeights, _nMasks!.View, d.Pixels.View, d.Labels.View, d.Presentations.View,
            d.Thresholds.View, _nFloats!.View, _nInts!.View, d.SynOps.View, _nBiases!.View);
        if (learn)
            for (int q = 0; q < Q; q++)
            {
                var proj = projs[q];
                if (!proj.Plastic) continue;
                var nearest = proj.WeightFormat is { } fmt ? (fmt with { Rounding = Rounding.Nearest }).Coefficients : default;
                var combine = new CombineArgs
                {
                    Offset = _nWeightOffsets[q], Lanes = n, PrivateStride = _nPlastic, Quantized = proj.WeightFormat.HasValue ? 1 : 0, Grid = nearest,
                };
                _combine!(proj.Weights.Length, combine, shared, laneWeights);
                shared.SubView(_nWeightOffsets[q], proj.Weights.Length).CopyTo((ArrayView<float>)d.Weights[q].View);
            }
        acc.Synchronize();
        return Result(n, _nInts.View.SubView((long)FusedState.SpikeCountSection * section, section),
            _nFloats.View.SubView((long)FusedState.DriveSection * section, section), _nTotal, _nOffsets[Network.OutputPopulation]);
    }

    static int KindOf(PopulationKind kind) => kind switch
    {
        PopulationKind.Data => FusedPopulation.KindData,
        PopulationKind.Label => FusedPopulation.KindLabel,
        PopulationKind.TwoCompartment => FusedPopulation.KindLif,
        PopulationKind.Error => FusedPopulation.KindError,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "population kind"),
    };

    /// <summary>A fused launch's result: the per-neuron spike counts ([lane][neuron], <paramref name="total"/> neurons a lane)
    /// give the prediction counts and the total, the drive section the readout's tie-break; SynOps come per lane.</summary>
    BatchResult Result(int n, ArrayView<int> spikeCounts, ArrayView<float> drive, int total, int outputOffset)
    {
        var result = new BatchResult(d.BatchCapacity, Network.Classes) { Count = n };
        var counts = new int[n * total];
        spikeCounts.SubView(0, (long)n * total).CopyToCPU(counts);
        var drives = new float[n * total];
        drive.SubView(0, (long)n * total).CopyToCPU(drives);
        long spikes = 0;
        for (int b = 0; b < n; b++)
        {
            for (int k = 0; k < Network.Classes; k++)
            {
                result.OutputCounts[b * Network.Classes + k] = counts[b * total + outputOffset + k];
                result.OutputDrive[b * Network.Classes + k] = drives[b * total + outputOffset + k];
            }
            for (int k = 0; k < total; k++) spikes += counts[b * total + k];
        }
        result.SynOps = d.TotalSynOps(n);
        result.Spikes = spikes;
        return result;
    }

    /// <summary>Lane 0's I, V, U of a population after the last fused batch.</summary>
    public float[][] ReadState(int population)
    {
        int size = Network.Populations[population].Size;
        int section = d.BatchCapacity * _nTotal, off = _nOffsets[population];
        float[] Section(int k)
        {
            var a = new float[size];
            ((ArrayView<float>)_nFloats!.View).SubView((long)k * section + off, size).CopyToCPU(a);
            return a;
        }
        return [Section(LifStateView.CurrentSection), Section(LifStateView.SomaSection), Section(LifStateView.DendriteSection)];
    }

    public void Dispose()
    {
        foreach (var b in new MemoryBuffer?[] { _nWeights, _nLaneWeights, _nFloats, _nInts, _nMasks, _nPops, _nProjs }) b?.Dispose();
    }
}
