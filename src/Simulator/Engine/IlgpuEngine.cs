using ILGPU;
using ILGPU.Runtime;
using Neuromorphic.Kernels;
using Neuromorphic.Neurons;
using Neuromorphic.Plasticity;

namespace Neuromorphic.Simulator.Engine;

/// <summary>
/// The ILGPU path: CUDA on a GPU machine, ILGPU's CPU accelerator in tests. It launches the kernels of
/// kernels/ in the same population and projection order as <see cref="CpuEngine"/>; weights stay on the
/// device between batches (<see cref="PullWeights"/> brings them back).
/// </summary>
public sealed class IlgpuEngine : SimulationEngine
{
    sealed class PopBuffers(Accelerator acc, int batch, int n) : IDisposable
    {
        public readonly MemoryBuffer1D<float, Stride1D.Dense> Current = acc.Allocate1D<float>(batch * n), Soma = acc.Allocate1D<float>(batch * n),
            Dendrite = acc.Allocate1D<float>(batch * n), InSoma = acc.Allocate1D<float>(batch * n), InDendrite = acc.Allocate1D<float>(batch * n),
            Drive = acc.Allocate1D<float>(batch * n);
        public readonly MemoryBuffer1D<int, Stride1D.Dense> Refractory = acc.Allocate1D<int>(batch * n), List = acc.Allocate1D<int>(batch * n),
            Counts = acc.Allocate1D<int>(batch), NeuronSpikes = acc.Allocate1D<int>(batch * n);
        public readonly MemoryBuffer1D<byte, Stride1D.Dense> Flags = acc.Allocate1D<byte>(batch * n);
        public void Zero()
        {
            Current.MemSetToZero(); Soma.MemSetToZero(); Dendrite.MemSetToZero(); InSoma.MemSetToZero(); InDendrite.MemSetToZero(); Drive.MemSetToZero();
            Refractory.MemSetToZero(); Counts.MemSetToZero(); NeuronSpikes.MemSetToZero(); Flags.MemSetToZero();
        }
        public void Dispose()
        {
            foreach (var b in new MemoryBuffer[] { Current, Soma, Dendrite, InSoma, InDendrite, Drive, Refractory, List, Counts, NeuronSpikes, Flags }) b.Dispose();
        }
    }

    readonly Context _context;
    readonly Accelerator _acc;
    readonly PopBuffers[] _pops;
    readonly MemoryBuffer1D<float, Stride1D.Dense>[] _weights;
    readonly MemoryBuffer1D<byte, Stride1D.Dense>[] _masks;
    readonly MemoryBuffer1D<byte, Stride1D.Dense> _pixels;
    readonly MemoryBuffer1D<int, Stride1D.Dense> _labels;
    readonly MemoryBuffer1D<long, Stride1D.Dense> _presentations, _synOps;
    readonly MemoryBuffer1D<ulong, Stride1D.Dense> _thresholds;
    readonly Action<Index1D, InputArgs, ArrayView<byte>, ArrayView<int>, ArrayView<long>, ArrayView<ulong>, ArrayView<int>, ArrayView<byte>, ArrayView<int>> _input;
    readonly Action<Index1D, LifArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<long>, ArrayView<byte>, ArrayView<int>, ArrayView<float>> _lif;
    readonly Action<Index1D, ErrorArgs, ArrayView<float>, ArrayView<float>, ArrayView<byte>, ArrayView<int>> _error;
    readonly Action<Index1D, int, ArrayView<byte>, ArrayView<int>, ArrayView<int>> _compact;
    readonly Action<Index1D, DeliverArgs, ArrayView<float>, ArrayView<byte>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<long>, ArrayView<long>> _deliver;
    readonly Action<Index1D, DeliverArgs, ArrayView<float>, ArrayView<byte>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<long>, ArrayView<long>> _deliverLearn;

    public IlgpuEngine(Network network, SimulationConfig config, int batchCapacity, BackendKind kind) : base(network, config, batchCapacity)
    {
        (_context, _acc) = Backends.CreateAccelerator(kind);
        BackendName = kind == BackendKind.Cuda ? "cuda" : "ilgpu-cpu";
        _deviceName = _acc.Name;
        _pops = network.Populations.Select(p => new PopBuffers(_acc, batchCapacity, p.Size)).ToArray();
        _weights = network.Projections.Select(p => _acc.Allocate1D(p.Weights)).ToArray();
        _masks = network.Projections.Select(p => p.Mask != null ? _acc.Allocate1D(p.Mask) : _acc.Allocate1D<byte>(1)).ToArray();
        _pixels = _acc.Allocate1D<byte>(batchCapacity * network.Layers[0]);
        _labels = _acc.Allocate1D<int>(batchCapacity);
        _presentations = _acc.Allocate1D<long>(batchCapacity);
        _synOps = _acc.Allocate1D<long>(batchCapacity);
        _thresholds = _acc.Allocate1D(Constants.EncoderThresholds);
        _input = _acc.LoadAutoGroupedStreamKernel<Index1D, InputArgs, ArrayView<byte>, ArrayView<int>, ArrayView<long>, ArrayView<ulong>, ArrayView<int>, ArrayView<byte>, ArrayView<int>>(StepKernels.IntegrateInput);
        _lif = _acc.LoadAutoGroupedStreamKernel<Index1D, LifArgs, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<long>, ArrayView<byte>, ArrayView<int>, ArrayView<float>>(StepKernels.IntegrateLif);
        _error = _acc.LoadAutoGroupedStreamKernel<Index1D, ErrorArgs, ArrayView<float>, ArrayView<float>, ArrayView<byte>, ArrayView<int>>(StepKernels.IntegrateError);
        _compact = _acc.LoadAutoGroupedStreamKernel<Index1D, int, ArrayView<byte>, ArrayView<int>, ArrayView<int>>(StepKernels.Compact);
        _deliver = _acc.LoadAutoGroupedStreamKernel<Index1D, DeliverArgs, ArrayView<float>, ArrayView<byte>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<long>, ArrayView<long>>(StepKernels.Deliver);
        _deliverLearn = _acc.LoadAutoGroupedStreamKernel<Index1D, DeliverArgs, ArrayView<float>, ArrayView<byte>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<long>, ArrayView<long>>(StepKernels.DeliverLearn);
    }

    public override string BackendName { get; }
    readonly string _deviceName;
    public override string DeviceName => _deviceName;

    /// <summary>Inference of feed-forward chains runs as one fused launch per batch (see
    /// <see cref="FusedInferenceKernel"/>); off, every step launches the per-phase kernels.</summary>
    public bool UseFusedInference { get; set; } = true;

    // Fused-inference buffers, allocated on first use.
    MemoryBuffer1D<int, Stride1D.Dense>? _fLayout, _fInts;
    MemoryBuffer1D<float, Stride1D.Dense>? _fWeights, _fFloats;
    MemoryBuffer1D<LifCoefficients, Stride1D.Dense>? _fCoefficients;
    Action<KernelConfig, ArrayView<int>, FusedArgs, ArrayView<LifCoefficients>, ArrayView<float>, ArrayView<byte>, ArrayView<long>, ArrayView<ulong>, ArrayView<float>, ArrayView<int>, ArrayView<long>>? _fused;
    int[] _fOffsets = [];
    int _fTotal, _fGroup;
    bool _lastRunFused;

    /// <summary>Training batches run as one launch of <see cref="FusedNetworkKernel"/> when each lane may learn
    /// on its own copy of the weights: batch 1, or <see cref="BatchUpdateMode.PerSample"/>.</summary>
    public bool UseFusedTraining { get; set; } = true;

    // Fused-network buffers, allocated on first use. Shared weights are laid out plastic projections first, so
    // that a lane's private block has the same offsets.
    MemoryBuffer1D<float, Stride1D.Dense>? _nWeights, _nLaneWeights, _nFloats;
    MemoryBuffer1D<int, Stride1D.Dense>? _nInts;
    MemoryBuffer1D<byte, Stride1D.Dense>? _nMasks;
    MemoryBuffer1D<FusedPopulation, Stride1D.Dense>? _nPops;
    MemoryBuffer1D<FusedProjection, Stride1D.Dense>? _nProjs;
    Action<KernelConfig, FusedNetworkArgs, ArrayView<FusedPopulation>, ArrayView<FusedProjection>, ArrayView<float>, ArrayView<float>, ArrayView<byte>,
        ArrayView<byte>, ArrayView<int>, ArrayView<long>, ArrayView<ulong>, ArrayView<float>, ArrayView<int>, ArrayView<long>>? _net;
    Action<Index1D, int, ArrayView<float>, ArrayView<float>>? _broadcast;
    Action<Index1D, CombineArgs, ArrayView<float>, ArrayView<float>>? _combine;
    int[] _nOffsets = [], _nWeightOffsets = [];
    int _nTotal, _nPlastic;
    bool _lastRunNetwork;

    /// <summary>Whether the last batch ran as one launch of <see cref="FusedNetworkKernel"/> (for tests).</summary>
    public bool LastRunUsedFusedTraining => _lastRunNetwork;

    bool CanFuseNetwork(bool learn, int lanes, ISpikeRecorder? recorder)
    {
        if (!UseFusedTraining || !learn || recorder != null) return false;
        if (lanes > 1 && Config.BatchUpdate != BatchUpdateMode.PerSample) return false;
        int group = Math.Min(FusedNetworkKernel.MaxGroupSize, _acc.MaxNumThreadsPerGroup);
        return Network.Populations.Count <= FusedNetworkKernel.MaxPopulations
            && Network.Populations.All(p => (p.Size + group - 1) / group <= FusedNetworkKernel.MaxChunk);
    }

    BatchResult RunNetwork(BatchInput input, int steps)
    {
        int n = input.Count;
        var pops = Network.Populations;
        var projs = Network.Projections;
        int P = pops.Count, Q = projs.Count;
        if (_net == null)
        {
            _nOffsets = new int[P];
            for (int p = 1; p < P; p++) _nOffsets[p] = _nOffsets[p - 1] + pops[p - 1].Size;
            _nTotal = _nOffsets[P - 1] + pops[P - 1].Size;
            _nWeightOffsets = new int[Q];
            int w = 0;
            foreach (bool plastic in new[] { true, false })
                for (int q = 0; q < Q; q++)
                    if (projs[q].Plastic == plastic) { _nWeightOffsets[q] = w; w += projs[q].Weights.Length; if (plastic) _nPlastic = w; }
            _fGroup = Math.Min(FusedNetworkKernel.MaxGroupSize, _acc.MaxNumThreadsPerGroup);
            _nWeights = _acc.Allocate1D<float>(w);
            _nMasks = _acc.Allocate1D<byte>(w);
            _nLaneWeights = _acc.Allocate1D<float>(Math.Max(1L, (long)BatchCapacity * _nPlastic));
            _nFloats = _acc.Allocate1D<float>((long)FusedNetworkKernel.FloatSections * BatchCapacity * _nTotal);
            _nInts = _acc.Allocate1D<int>((long)FusedNetworkKernel.IntSections * BatchCapacity * _nTotal);
            _nPops = _acc.Allocate1D(pops.Select((pop, p) => new FusedPopulation
            {
                Kind = pop.Kind switch { PopulationKind.Data => 0, PopulationKind.Label => 1, PopulationKind.TwoCompartment => 2, _ => 3 },
                Size = pop.Size, Offset = _nOffsets[p], Index = p, Lif = Constants.Lif[p],
            }).ToArray());
            _nProjs = _acc.Allocate1D<FusedProjection>(Q);
            _net = _acc.LoadStreamKernel<FusedNetworkArgs, ArrayView<FusedPopulation>, ArrayView<FusedProjection>, ArrayView<float>, ArrayView<float>, ArrayView<byte>,
                ArrayView<byte>, ArrayView<int>, ArrayView<long>, ArrayView<ulong>, ArrayView<float>, ArrayView<int>, ArrayView<long>>(FusedNetworkKernel.Run);
            _broadcast = _acc.LoadAutoGroupedStreamKernel<Index1D, int, ArrayView<float>, ArrayView<float>>(FusedNetworkKernel.BroadcastWeights);
            _combine = _acc.LoadAutoGroupedStreamKernel<Index1D, CombineArgs, ArrayView<float>, ArrayView<float>>(FusedNetworkKernel.CombineLanes);
        }
        // Projection descriptors and masks are refreshed every batch: a pruning mask may have been pushed since.
        _nProjs!.CopyFromCPU(projs.Select((proj, q) => new FusedProjection
        {
            Source = proj.Source, Target = proj.Target, Dendrite = proj.Compartment == Compartment.Dendrite ? 1 : 0,
            WeightOffset = _nWeightOffsets[q], Private = proj.Plastic ? 1 : 0, MaskOffset = proj.Mask != null ? _nWeightOffsets[q] : -1,
            Forward = proj.Forward ? 1 : 0, Quantized = proj.WeightFormat.HasValue ? 1 : 0, Index = q,
            GateLow = proj.GateLowMv, GateHigh = proj.GateHighMv, BlankOutThreshold = Constants.BlankOut[q],
            Grid = proj.WeightFormat?.Coefficients ?? default,
        }).ToArray());
        var shared = (ArrayView<float>)_nWeights!.View;
        var laneWeights = _nLaneWeights!.View;
        for (int q = 0; q < Q; q++)
        {
            ((ArrayView<float>)_weights[q].View).CopyTo(shared.SubView(_nWeightOffsets[q], projs[q].Weights.Length));
            if (projs[q].Mask != null) ((ArrayView<byte>)_masks[q].View).CopyTo(((ArrayView<byte>)_nMasks!.View).SubView(_nWeightOffsets[q], projs[q].Weights.Length));
        }
        if (_nPlastic > 0) _broadcast!(checked(n * _nPlastic), _nPlastic, shared, laneWeights);
        _nFloats!.MemSetToZero();
        _nInts!.MemSetToZero();
        int section = BatchCapacity * _nTotal;
        _net!(new KernelConfig(n, _fGroup), new FusedNetworkArgs
        {
            Populations = P, Projections = Q, TotalNeurons = _nTotal, Steps = steps, InputStride = input.InputSize,
            EncoderRefractorySteps = Constants.EncoderRefractorySteps, Section = section, Learn = 1, OnsetSteps = Constants.OnsetSteps,
            PrivateStride = _nPlastic, StateBits = Constants.StateBits, LearningRate = LearningRate, ErrorThresholdMv = Constants.ErrorThresholdMv,
            Update = Constants.Update, LearnBlanked = Constants.LearnOnBlankedSpikes ? 1 : 0,
            StateStepMv = Constants.StateStepMv, Seed = Constants.Seed, OutputPopulation = Network.OutputPopulation,
        }, _nPops!.View, _nProjs!.View, shared, laneWeights, _nMasks!.View, _pixels.View, _labels.View, _presentations.View,
            _thresholds.View, _nFloats!.View, _nInts!.View, _synOps.View);
        for (int q = 0; q < Q; q++)
        {
            var proj = projs[q];
            if (!proj.Plastic) continue;
            var nearest = proj.WeightFormat is { } fmt ? (fmt with { Rounding = Rounding.Nearest }).Coefficients : default;
            _combine!(proj.Weights.Length, new CombineArgs { Offset = _nWeightOffsets[q], Lanes = n, PrivateStride = _nPlastic, Quantized = proj.WeightFormat.HasValue ? 1 : 0, Grid = nearest },
                shared, laneWeights);
            shared.SubView(_nWeightOffsets[q], proj.Weights.Length).CopyTo((ArrayView<float>)_weights[q].View);
        }
        _acc.Synchronize();
        _lastRunFused = false;
        _lastRunNetwork = true;

        return FusedResult(n, _nInts.View, _nFloats.View.SubView(5L * section, section), section, _nTotal, _nOffsets[Network.OutputPopulation]);
    }

    /// <summary>A fused launch's result: per-neuron spike counts (the third int section, [lane][neuron]) give the
    /// prediction counts and the total, the drive section the readout's tie-break; SynOps come per lane.</summary>
    BatchResult FusedResult(int n, ArrayView<int> ints, ArrayView<float> drive, int section, int total, int outputOffset)
    {
        var result = new BatchResult(BatchCapacity, Network.Classes) { Count = n };
        var counts = new int[n * total];
        ints.SubView(2L * section, (long)n * total).CopyToCPU(counts);
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
        var syn = new long[BatchCapacity];
        _synOps.CopyToCPU(syn);
        for (int b = 0; b < n; b++) result.SynOps += syn[b];
        result.Spikes = spikes;
        return result;
    }

    /// <summary>The fused kernel covers a chain data -&gt; LIF -&gt; ... -&gt; LIF with plain dense projections.</summary>
    bool CanFuse(bool learn, ISpikeRecorder? recorder)
    {
        if (!UseFusedInference || learn || recorder != null) return false;
        var pops = Network.Populations;
        var chain = pops.Where(p => !p.ErrorPath).ToList();
        if (chain.Count > FusedInferenceKernel.MaxPopulations || chain[0].Kind != PopulationKind.Data) return false;
        for (int p = 0; p < chain.Count; p++)
            if (pops[p] != chain[p] || (p > 0 && chain[p].Kind != PopulationKind.TwoCompartment)) return false;
        var forward = Network.Projections.Where(q => !q.ErrorPath).ToList();
        if (forward.Count != chain.Count - 1) return false;
        int group = Math.Min(FusedInferenceKernel.MaxGroupSize, _acc.MaxNumThreadsPerGroup);
        for (int q = 0; q < forward.Count; q++)
        {
            var proj = forward[q];
            if (proj.Source != q || proj.Target != q + 1 || proj.Mask != null || proj.Compartment != Compartment.Soma
                || BlankOutSynapse.IsStochastic(Constants.BlankOut[Network.Projections.IndexOf(proj)])) return false;
        }
        return chain.All(p => (p.Size + group - 1) / group <= FusedInferenceKernel.MaxChunk);
    }

    BatchResult RunFused(BatchInput input, int steps)
    {
        int n = input.Count;
        var chain = Network.Populations.Where(p => !p.ErrorPath).ToList();
        int P = chain.Count;
        if (_fused == null)
        {
            _fGroup = Math.Min(FusedInferenceKernel.MaxGroupSize, _acc.MaxNumThreadsPerGroup);
            _fOffsets = new int[P];
            for (int p = 1; p < P; p++) _fOffsets[p] = _fOffsets[p - 1] + chain[p - 1].Size;
            _fTotal = _fOffsets[P - 1] + chain[P - 1].Size;
            var layout = new int[3 * P - 1];
            int w = 0;
            for (int p = 0; p < P; p++) { layout[p] = chain[p].Size; layout[P + p] = _fOffsets[p]; }
            for (int q = 0; q < P - 1; q++) { layout[2 * P + q] = w; w += chain[q].Size * chain[q + 1].Size; }
            _fLayout = _acc.Allocate1D(layout);
            _fWeights = _acc.Allocate1D<float>(w);
            _fCoefficients = _acc.Allocate1D(Constants.Lif.Take(P).ToArray());
            _fFloats = _acc.Allocate1D<float>(5L * BatchCapacity * _fTotal);
            _fInts = _acc.Allocate1D<int>(3L * BatchCapacity * _fTotal);
            _fused = _acc.LoadStreamKernel<ArrayView<int>, FusedArgs, ArrayView<LifCoefficients>, ArrayView<float>, ArrayView<byte>, ArrayView<long>, ArrayView<ulong>, ArrayView<float>, ArrayView<int>, ArrayView<long>>(FusedInferenceKernel.Run);
        }
        // The fused kernel reads one flat weight array: copy the projections in on the device.
        int wo = 0;
        for (int q = 0; q < P - 1; q++)
        {
            int len = chain[q].Size * chain[q + 1].Size;
            ((ArrayView<float>)_weights[q].View).CopyTo(((ArrayView<float>)_fWeights!.View).SubView(wo, len));
            wo += len;
        }
        _fFloats!.MemSetToZero();
        _fInts!.MemSetToZero();
        int section = BatchCapacity * _fTotal;
        _fused(new KernelConfig(n, _fGroup), _fLayout!.View, new FusedArgs
        {
            Populations = P, TotalNeurons = _fTotal, Steps = steps, InputStride = input.InputSize,
            EncoderRefractorySteps = Constants.EncoderRefractorySteps, Section = section, Seed = Constants.Seed,
        }, _fCoefficients!.View, _fWeights!.View, _pixels.View, _presentations.View, _thresholds.View, _fFloats!.View, _fInts!.View, _synOps.View);
        _acc.Synchronize();
        _lastRunFused = true;
        _lastRunNetwork = false;

        return FusedResult(n, _fInts.View, _fFloats.View.SubView(4L * section, section), section, _fTotal, _fOffsets[Network.OutputPopulation]);
    }

    public override void PushWeights()
    {
        for (int q = 0; q < _weights.Length; q++)
        {
            _weights[q].CopyFromCPU(Network.Projections[q].Weights);
            if (Network.Projections[q].Mask is { } m)
            {
                if (_masks[q].Length != m.Length) { _masks[q].Dispose(); _masks[q] = _acc.Allocate1D(m); }
                else _masks[q].CopyFromCPU(m);
            }
        }
    }

    public override void PullWeights()
    {
        for (int q = 0; q < _weights.Length; q++) _weights[q].CopyToCPU(Network.Projections[q].Weights);
    }

    public override BatchResult Run(BatchInput input, bool train, ISpikeRecorder? recorder = null)
    {
        int n = input.Count;
        if (n < 1 || n > BatchCapacity) throw new ArgumentOutOfRangeException(nameof(input), $"batch of {n} lanes, capacity {BatchCapacity}");
        bool learn = train && Config.Rule != RuleKind.None;
        int steps = Config.StepsPerSample(train);
        var pops = Network.Populations;
        var projs = Network.Projections;
        foreach (var p in _pops) p.Zero();
        _synOps.MemSetToZero();
        ((ArrayView<byte>)_pixels.View).SubView(0, n * input.InputSize).CopyFromCPU(input.Pixels.AsSpan(0, n * input.InputSize));
        ((ArrayView<int>)_labels.View).SubView(0, n).CopyFromCPU(input.Labels.AsSpan(0, n));
        ((ArrayView<long>)_presentations.View).SubView(0, n).CopyFromCPU(input.Presentations.AsSpan(0, n));
        if (CanFuse(learn, recorder)) return RunFused(input, steps);
        if (CanFuseNetwork(learn, n, recorder)) return RunNetwork(input, steps);
        // The per-phase kernels implement only the per-step batch update: never fall back to it silently.
        if (learn && n > 1 && Config.BatchUpdate == BatchUpdateMode.PerSample)
            throw NeuromorphicException.ForField(nameof(SimulationConfig.BatchUpdate), RunFields.Backend, (u, b) => $"{u} sample on {BackendName} needs the fused training kernel: no spike recorder, at most {FusedNetworkKernel.MaxPopulations} populations of at most {FusedNetworkKernel.MaxChunk * Math.Min(FusedNetworkKernel.MaxGroupSize, _acc.MaxNumThreadsPerGroup)} neurons (use {u} step or {b} cpu)");
        _lastRunFused = false;
        _lastRunNetwork = false;
        foreach (var p in _pops) p.Zero();
        var hostList = recorder != null ? pops.Select(p => new int[BatchCapacity * p.Size]).ToArray() : null;
        var hostCounts = recorder != null ? pops.Select(_ => new int[BatchCapacity]).ToArray() : null;

        for (int step = 0; step < steps; step++)
        {
            for (int p = 0; p < pops.Count; p++)
            {
                var pop = pops[p];
                if (pop.ErrorPath && !learn) continue;
                var s = _pops[p];
                int extent = n * pop.Size;
                switch (pop.Kind)
                {
                    case PopulationKind.Data:
                    case PopulationKind.Label:
                        _input(extent, new InputArgs
                        {
                            Size = pop.Size, InputStride = input.InputSize, Population = p, RefractorySteps = Constants.EncoderRefractorySteps,
                            Step = step, IsLabel = pop.Kind == PopulationKind.Label ? 1 : 0, Learn = learn ? 1 : 0, Seed = Constants.Seed,
                        }, _pixels.View, _labels.View, _presentations.View, _thresholds.View, s.Refractory.View, s.Flags.View, s.NeuronSpikes.View);
                        break;
                    case PopulationKind.TwoCompartment:
                        _lif(extent, new LifArgs { Coefficients = Constants.Lif[p], Size = pop.Size, Population = p, Step = step, Seed = Constants.Seed, IsOutput = p == Network.OutputPopulation ? 1 : 0 },
                            s.Current.View, s.Soma.View, s.Dendrite.View, s.Refractory.View, s.InSoma.View, s.InDendrite.View, _presentations.View, s.Flags.View, s.NeuronSpikes.View, s.Drive.View);
                        break;
                    case PopulationKind.Error:
                        _error(extent, new ErrorArgs { ThresholdMv = Constants.ErrorThresholdMv, StateBits = Constants.StateBits, StateStepMv = Constants.StateStepMv }, s.Soma.View, s.InSoma.View, s.Flags.View, s.NeuronSpikes.View);
                        break;
                }
                _compact(n, pop.Size, s.Flags.View, s.List.View, s.Counts.View);
            }
            for (int q = 0; q < projs.Count; q++)
            {
                var proj = projs[q];
                if (proj.ErrorPath && !learn) continue;
                var src = _pops[proj.Source];
                var dst = _pops[proj.Target];
                var inbox = proj.Compartment == Compartment.Soma ? dst.InSoma : dst.InDendrite;
                bool learnNow = learn && proj.Plastic && step >= Constants.OnsetSteps;
                var args = new DeliverArgs
                {
                    PreSize = pops[proj.Source].Size, PostSize = pops[proj.Target].Size, Step = step, Projection = q, Lanes = n,
                    HasMask = proj.Mask != null ? 1 : 0, Forward = proj.Forward ? 1 : 0, Learn = learnNow ? 1 : 0,
                    LearningRate = LearningRate, GateLow = proj.GateLowMv, GateHigh = proj.GateHighMv,
                    Update = Constants.Update, LearnBlanked = Constants.LearnOnBlankedSpikes ? 1 : 0,
                    Seed = Constants.Seed, BlankOutThreshold = Constants.BlankOut[q],
                    Quantized = proj.WeightFormat.HasValue ? 1 : 0, WeightGrid = proj.WeightFormat?.Coefficients ?? default,
                };
                if (learnNow)
                    _deliverLearn(args.PostSize, args, _weights[q].View, _masks[q].View, src.List.View, src.Counts.View, inbox.View,
                        dst.Current.View, dst.Dendrite.View, _presentations.View, _synOps.View);
                else
                    _deliver(n * args.PostSize, args, _weights[q].View, _masks[q].View, src.List.View, src.Counts.View, inbox.View, _presentations.View, _synOps.View);
            }
            if (recorder != null)
            {
                _acc.Synchronize();
                for (int p = 0; p < pops.Count; p++)
                {
                    if (pops[p].ErrorPath && !learn) continue;
                    _pops[p].List.CopyToCPU(hostList![p]);
                    _pops[p].Counts.CopyToCPU(hostCounts![p]);
                    for (int b = 0; b < n; b++)
                        recorder.OnSpikes(step, p, b, hostList[p].AsSpan(b * pops[p].Size, hostCounts[p][b]));
                }
            }
        }
        _acc.Synchronize();
        var result = new BatchResult(BatchCapacity, Network.Classes) { Count = n };
        var outCounts = new int[BatchCapacity * Network.Classes];
        _pops[Network.OutputPopulation].NeuronSpikes.CopyToCPU(outCounts);
        Array.Copy(outCounts, result.OutputCounts, n * Network.Classes);
        var outDrive = new float[BatchCapacity * Network.Classes];
        _pops[Network.OutputPopulation].Drive.CopyToCPU(outDrive);
        Array.Copy(outDrive, result.OutputDrive, n * Network.Classes);
        var syn = new long[BatchCapacity];
        _synOps.CopyToCPU(syn);
        for (int b = 0; b < n; b++) result.SynOps += syn[b];
        long spikes = 0;
        for (int p = 0; p < pops.Count; p++)
        {
            var counts = new int[BatchCapacity * pops[p].Size];
            _pops[p].NeuronSpikes.CopyToCPU(counts);
            for (int k = 0; k < n * pops[p].Size; k++) spikes += counts[k];
        }
        result.Spikes = spikes;
        return result;
    }

    public override float[][] ReadState(int population)
    {
        int size = Network.Populations[population].Size;
        if (_lastRunNetwork)
        {
            int section = BatchCapacity * _nTotal, off = _nOffsets[population];
            float[] Section(int k) { var a = new float[size]; ((ArrayView<float>)_nFloats!.View).SubView((long)k * section + off, size).CopyToCPU(a); return a; }
            return [Section(0), Section(1), Section(2)];
        }
        if (_lastRunFused)
        {
            int section = BatchCapacity * _fTotal, off = _fOffsets[population];
            float[] Section(int k) { var a = new float[size]; ((ArrayView<float>)_fFloats!.View).SubView((long)k * section + off, size).CopyToCPU(a); return a; }
            return [Section(0), Section(1), Section(2)];
        }
        var s = _pops[population];
        float[] Read(MemoryBuffer1D<float, Stride1D.Dense> buf) { var a = new float[size]; ((ArrayView<float>)buf.View).SubView(0, size).CopyToCPU(a); return a; }
        return [Read(s.Current), Read(s.Soma), Read(s.Dendrite)];
    }

    public override void Dispose()
    {
        foreach (var p in _pops) p.Dispose();
        foreach (var w in _weights) w.Dispose();
        foreach (var m in _masks) m.Dispose();
        foreach (var b in new MemoryBuffer?[] { _fLayout, _fInts, _fWeights, _fFloats, _fCoefficients, _nWeights, _nLaneWeights, _nFloats, _nInts, _nMasks, _nPops, _nProjs }) b?.Dispose();
        _pixels.Dispose(); _labels.Dispose(); _presentations.Dispose(); _synOps.Dispose(); _thresholds.Dispose();
        _acc.Dispose();
        _context.Dispose();
        base.Dispose();
    }
}
