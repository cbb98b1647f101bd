using ILGPU;
using ILGPU.Runtime;
using Neuromorphic.Kernels;
using Neuromorphic.Neurons;
using Neuromorphic.Simulator.Engine;

namespace Neuromorphic.Simulator.S2m;

/// <summary>
/// The ILGPU driver of the S2M (CUDA on a GPU machine, ILGPU's CPU accelerator in tests): per step it
/// launches the kernels of kernels/S2mKernels.cs in the order of <see cref="S2mCpuEngine"/>. The weight
/// matrix stays on the device between batches.
/// </summary>
public sealed class S2mIlgpuEngine : SimulationEngine
{
    sealed class Layer : DeviceArrays
    {
        /// <summary>The units' LIF state (<see cref="LifStateView"/>; nothing drives its dendrite U in an S2M unit, which
        /// stays at rest; an encoder's dead time is its refractory count), in <see cref="LifFloats"/> and <see cref="LifInts"/>.</summary>
        public readonly LifStateView Lif;
        public readonly MemoryBuffer1D<float, Stride1D.Dense> LifFloats, Inbox, Trace;
        public readonly MemoryBuffer1D<int, Stride1D.Dense> LifInts, List, Counts, Spikes, LabelCounts;
        public readonly MemoryBuffer1D<byte, Stride1D.Dense> Flags;

        public Layer(Accelerator acc, int batch, int n) : base(acc)
        {
            long k = (long)batch * n;
            (LifFloats, LifInts) = (Buffer<float>(LifStateView.FloatVariables * k), Buffer<int>(LifStateView.IntVariables * k));
            Lif = LifStateView.Of(LifFloats.View, LifInts.View);
            (Inbox, Trace) = (Buffer<float>(k), Buffer<float>(k));
            (List, Counts, Spikes, LabelCounts) = (Buffer<int>(k, rewrittenEachStep: true), Buffer<int>(batch), Buffer<int>(k), Buffer<int>(k));
            Flags = Buffer<byte>(k);
        }
    }

    readonly Context _context;
    readonly Accelerator _acc;
    readonly S2mSchedule _s;
    readonly S2mLayout _l;
    readonly Layer _vis, _hid;
    readonly MemoryBuffer1D<float, Stride1D.Dense> _weights;
    readonly MemoryBuffer1D<byte, Stride1D.Dense> _mask;
    readonly MemoryBuffer1D<ulong, Stride1D.Dense> _thresholds;
    readonly MemoryBuffer1D<long, Stride1D.Dense> _presentations, _synOps;
    readonly ulong[] _hostThresholds;
    readonly Action<Index1D, S2mArgs, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<byte>, ArrayView<ulong>,
        ArrayView<long>, ArrayView<int>, ArrayView<int>> _integrateVisible;
    readonly Action<Index1D, S2mArgs, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<byte>, ArrayView<int>,
        ArrayView<long>> _integrateHidden;
    readonly Action<Index1D, int, ArrayView<byte>, ArrayView<int>, ArrayView<int>> _compact;
    readonly Action<Index1D, S2mArgs, ArrayView<float>, ArrayView<byte>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<long>,
        ArrayView<long>> _toHidden, _toVisible;
    readonly Action<Index1D, S2mArgs, ArrayView<float>, ArrayView<byte>, ArrayView<int>, ArrayView<int>, ArrayView<byte>, ArrayView<float>,
        ArrayView<byte>, ArrayView<float>, ArrayView<long>> _learn;
    readonly Action<Index1D, ArrayView<float>, float> _decay;

    public S2mIlgpuEngine(Network network, SimulationConfig config, int batchCapacity, BackendKind kind) : base(network, config, batchCapacity)
    {
        if (config.BatchUpdate == Neuromorphic.Plasticity.BatchUpdateMode.PerSample && config.Rule == RuleKind.S2m && batchCapacity > 1)
            throw NeuromorphicException.ForFields([nameof(SimulationConfig.BatchUpdate), nameof(SimulationConfig.Rule), RunFields.Backend],
                n => $"{n[0]} sample for {n[1]} s2m runs on the native CPU path only ({n[2]} cpu): "
                    + "the S2M kernels update the shared weights every step");
        _s = new S2mSchedule(network, config);
        _l = _s.Layout;
        (_context, _acc) = Backends.CreateAccelerator(kind);
        BackendName = kind == BackendKind.Cuda ? "cuda" : "ilgpu-cpu";
        _deviceName = _acc.Name;
        _vis = new Layer(_acc, batchCapacity, _l.Rows);
        _hid = new Layer(_acc, batchCapacity, _l.Columns);
        _weights = _acc.Allocate1D(network.Projections[0].Weights);
        _mask = network.Projections[0].Mask is { } m ? _acc.Allocate1D(m) : _acc.Allocate1D<byte>(1);
        _hostThresholds = new ulong[batchCapacity * _l.Rows];
        _thresholds = _acc.Allocate1D<ulong>(_hostThresholds.Length);
        _presentations = _acc.Allocate1D<long>(batchCapacity);
        _synOps = _acc.Allocate1D<long>(batchCapacity);
        _integrateVisible = _acc.LoadAutoGroupedStreamKernel<Index1D, S2mArgs, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>,
            ArrayView<byte>, ArrayView<ulong>, ArrayView<long>, ArrayView<int>, ArrayView<int>>(S2mKernels.IntegrateVisible);
        _integrateHidden = _acc.LoadAutoGroupedStreamKernel<Index1D, S2mArgs, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>,
            ArrayView<byte>, ArrayView<int>, ArrayView<long>>(S2mKernels.IntegrateHidden);
        _compact = _acc.LoadAutoGroupedStreamKernel<Index1D, int, ArrayView<byte>, ArrayView<int>, ArrayView<int>>(StepKernels.Compact);
        _toHidden = _acc.LoadAutoGroupedStreamKernel<Index1D, S2mArgs, ArrayView<float>, ArrayView<byte>, ArrayView<int>, ArrayView<int>,
            ArrayView<float>, ArrayView<long>, ArrayView<long>>(S2mKernels.DeliverToHidden);
        _toVisible = _acc.LoadAutoGroupedStreamKernel<Index1D, S2mArgs, ArrayView<float>, ArrayView<byte>, ArrayView<int>, ArrayView<int>,
            ArrayView<float>, ArrayView<long>, ArrayView<long>>(S2mKernels.DeliverToVisible);
        _decay = _acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, float>(S2mKernels.Decay);
        _learn = _acc.LoadAutoGroupedStreamKernel<Index1D, S2mArgs, ArrayView<float>, ArrayView<byte>, ArrayView<int>, ArrayView<int>,
            ArrayView<byte>, ArrayView<float>, ArrayView<byte>, ArrayView<float>, ArrayView<long>>(S2mKernels.Learn);
    }

    public override string BackendName { get; }
    readonly string _deviceName;
    public override string DeviceName => _deviceName;

    public override void PullWeights() { _acc.Synchronize(); _weights.CopyToCPU(Network.Projections[0].Weights); }
    public override void PushWeights() => _weights.CopyFromCPU(Network.Projections[0].Weights);

    public override BatchResult Run(BatchInput input, bool train, ISpikeRecorder? recorder = null)
    {
        int n = Lanes(input);
        if (Network.Projections[0].Mask != null && _mask.Length == 1 && Network.Projections[0].Mask!.Length > 1)
            throw new NeuromorphicException("S2M ILGPU engine: the mask was set after the engine was created; create a new engine");
        for (int b = 0; b < n; b++)
            S2mCpuEngine.FillThresholds(_hostThresholds.AsSpan(b * _l.Rows, _l.Rows), input.Pixels.AsSpan(b * input.InputSize, input.InputSize),
                train ? input.Labels[b] : -1, _l, Constants.EncoderThresholds);
        _thresholds.CopyFromCPU(_hostThresholds);
        _presentations.CopyFromCPU(input.Presentations);
        _vis.Zero(); _hid.Zero(); _synOps.MemSetToZero();
        int steps = _s.Steps(train), countFrom = _s.CountFrom(train);
        var hostV = recorder != null ? new int[BatchCapacity * _l.Rows] : null;
        var hostH = recorder != null ? new int[BatchCapacity * _l.Columns] : null;
        var hostCV = recorder != null ? new int[BatchCapacity] : null;
        var hostCH = recorder != null ? new int[BatchCapacity] : null;
        for (int step = 0; step < steps; step++)
        {
            var mode = _s.Mode(train, step);
            int g = _s.Modulation(train, step);
            float eta = LearningRate;
            var a = new S2mArgs
            {
                Sampler = _s.Sampler, Rows = _l.Rows, Columns = _l.Columns, LabelStart = _l.LabelStart, Step = step, Mode = KernelMode(mode),
                PhaseStart = _s.PhaseStart(train, step) ? 1 : 0, Bias = _s.BiasSpikes(train, step) ? 1 : 0, Count = step >= countFrom ? 1 : 0,
                EncoderRefractorySteps = Constants.EncoderRefractorySteps, HasMask = Network.Projections[0].Mask != null ? 1 : 0, Lanes = n,
                Quantized = Network.Projections[0].WeightFormat.HasValue ? 1 : 0,
                WeightGrid = Network.Projections[0].WeightFormat?.Coefficients ?? default,
                TraceDecay = _s.TraceDecay, Ecd = _s.Ecd, EtaG = g > 0 ? eta : -eta, Seed = Constants.Seed, BlankOutThreshold = _s.BlankOut,
            };
            _integrateVisible(n * _l.Rows, a, _vis.LifFloats.View, _vis.LifInts.View, _vis.Inbox.View, _vis.Trace.View, _vis.Flags.View,
                _thresholds.View, _presentations.View, _vis.LabelCounts.View, _vis.Spikes.View);
            _integrateHidden(n * _l.Columns, a, _hid.LifFloats.View, _hid.LifInts.View, _hid.Inbox.View, _hid.Trace.View, _hid.Flags.View,
                _hid.Spikes.View, _presentations.View);
            _compact(n, _l.Rows, _vis.Flags.View, _vis.List.View, _vis.Counts.View);
            _compact(n, _l.Columns, _hid.Flags.View, _hid.List.View, _hid.Counts.View);
            _toHidden(n * _l.Columns, a, _weights.View, _mask.View, _vis.List.View, _vis.Counts.View, _hid.Inbox.View, _presentations.View,
                _synOps.View);
            if (mode != VisibleMode.Clamped)
                _toVisible(n * _l.Rows, a, _weights.View, _mask.View, _hid.List.View, _hid.Counts.View, _vis.Inbox.View, _presentations.View,
                    _synOps.View);
            if (g != 0)
                _learn(_l.Columns, a, _weights.View, _mask.View, _vis.List.View, _vis.Counts.View, _vis.Flags.View, _vis.Trace.View,
                    _hid.Flags.View, _hid.Trace.View, _presentations.View);
            if (recorder != null)
            {
                _acc.Synchronize();
                _vis.List.CopyToCPU(hostV!); _vis.Counts.CopyToCPU(hostCV!); _hid.List.CopyToCPU(hostH!); _hid.Counts.CopyToCPU(hostCH!);
                for (int b = 0; b < n; b++)
                {
                    recorder.OnSpikes(step, 0, b, hostV.AsSpan(b * _l.Rows, hostCV![b]));
                    recorder.OnSpikes(step, 1, b, hostH.AsSpan(b * _l.Columns, hostCH![b]));
                }
            }
        }
        // The per-sample weight decay, as the CPU engine applies it after the batch.
        if (train && Config.Ecd.DecayFactor(LearningRate, n) is var factor && factor != 1f) _decay((int)_weights.Length, _weights.View, factor);
        _acc.Synchronize();
        var result = new BatchResult(BatchCapacity, Network.Classes) { Count = n };
        var labels = new int[BatchCapacity * _l.Rows];
        _vis.LabelCounts.CopyToCPU(labels);
        for (int b = 0; b < n; b++)
            Readout.LabelCounts(labels.AsSpan(b * _l.Rows, _l.Rows), _l, result.OutputCounts.AsSpan(b * _l.Classes, _l.Classes));
        var syn = new long[BatchCapacity];
        _synOps.CopyToCPU(syn);
        var sv = new int[BatchCapacity * _l.Rows];
        var sh = new int[BatchCapacity * _l.Columns];
        _vis.Spikes.CopyToCPU(sv); _hid.Spikes.CopyToCPU(sh);
        for (int b = 0; b < n; b++) result.SynOps += syn[b];
        for (int k = 0; k < n * _l.Rows; k++) result.Spikes += sv[k];
        for (int k = 0; k < n * _l.Columns; k++) result.Spikes += sh[k];
        return result;
    }

    /// <summary>The kernels' code of a visible mode.</summary>
    static int KernelMode(VisibleMode mode) => mode switch
    {
        VisibleMode.Clamped => S2mKernels.ModeClamped,
        VisibleMode.Free => S2mKernels.ModeFree,
        VisibleMode.LabelsFree => S2mKernels.ModeClassify,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "visible mode"),
    };

    public override float[][] ReadState(int population)
    {
        var layer = population == 0 ? _vis : _hid;
        int size = population == 0 ? _l.Rows : _l.Columns;
        float[] Read(ArrayView<float> view) { var x = new float[size]; view.SubView(0, size).CopyToCPU(x); return x; }
        return [Read(layer.Lif.SynapticCurrentMv), Read(layer.Lif.SomaMv), Read(layer.Trace.View)];
    }

    public override void Dispose()
    {
        _vis.Dispose(); _hid.Dispose();
        _weights.Dispose(); _mask.Dispose(); _thresholds.Dispose(); _presentations.Dispose(); _synOps.Dispose();
        _acc.Dispose();
        _context.Dispose();
        base.Dispose();
    }
}
