using ILGPU;
using ILGPU.Runtime;
using Neuromorphic.Kernels;
using Neuromorphic.Plasticity;

namespace Neuromorphic.Simulator.Engine;

/// <summary>Which ILGPU driver and kernel simulated a batch.</summary>
public enum IlgpuRunPath
{
    /// <summary>The per-phase kernels of kernels/StepKernels.cs, several launches per step.</summary>
    PerPhase,
    /// <summary>One launch of <see cref="FusedNetworkKernel"/>, learning or not.</summary>
    FusedNetwork,
}

/// <summary>
/// The ILGPU path: CUDA on a GPU machine, ILGPU's CPU accelerator in tests. A facade over two drivers that share
/// the device's weights and batch inputs (<see cref="IlgpuShared"/>): the per-phase driver
/// (<see cref="IlgpuPerPhaseDriver"/>, kernels launched step by step in the order of <see cref="CpuEngine"/>) and the
/// fused driver (<see cref="IlgpuFusedDriver"/>, a whole batch in one launch). <see cref="Run"/> picks the driver;
/// weights stay on the device between batches (<see cref="PullWeights"/> brings them back).
/// </summary>
public sealed class IlgpuEngine : SimulationEngine
{
    readonly Context _context;
    readonly Accelerator _acc;
    readonly IlgpuShared _shared;
    readonly IlgpuPerPhaseDriver _perPhase;
    readonly IlgpuFusedDriver _fused;

    public IlgpuEngine(Network network, SimulationConfig config, int batchCapacity, BackendKind kind) : base(network, config, batchCapacity)
    {
        (_context, _acc) = Backends.CreateAccelerator(kind);
        BackendName = kind == BackendKind.Cuda ? "cuda" : "ilgpu-cpu";
        _deviceName = _acc.Name;
        _shared = new IlgpuShared(_acc, network, Constants, batchCapacity);
        _perPhase = new IlgpuPerPhaseDriver(_shared);
        _fused = new IlgpuFusedDriver(_shared);
    }

    public override string BackendName { get; }
    readonly string _deviceName;
    public override string DeviceName => _deviceName;

    /// <summary>Inference without a recorder runs as one launch per batch of <see cref="FusedNetworkKernel"/> with learning
    /// off, wherever the network fits it (masks, blank-out and dendrite projections included); off, every step launches
    /// the per-phase kernels. Both are bit-identical to the CPU path.</summary>
    public bool UseFusedInference { get; set; } = true;

    /// <summary>Threads per lane of the fused network kernel at most (default: its own choice, 128 or 256); see <see
    /// cref="IlgpuShared.GroupSizeLimit"/>.</summary>
    public int FusedGroupSizeLimit
    {
        get => _shared.GroupSizeLimit; set => _shared.GroupSizeLimit = value >= 1 ? value
        : throw new ArgumentOutOfRangeException(nameof(value));
    }

    /// <summary>Training batches run as one launch of <see cref="FusedNetworkKernel"/> when each lane may learn
    /// on its own copy of the weights: batch 1, or <see cref="BatchUpdateMode.PerSample"/>.</summary>
    public bool UseFusedTraining { get; set; } = true;

    /// <summary>The driver and kernel of the last batch.</summary>
    public IlgpuRunPath LastRunPath { get; private set; } = IlgpuRunPath.PerPhase;

    /// <summary>Whether the last batch was a training batch run as one launch of <see cref="FusedNetworkKernel"/> (for tests).</summary>
    public bool LastRunUsedFusedTraining => LastRunPath == IlgpuRunPath.FusedNetwork && _lastLearned;
    bool _lastLearned;

    public override void PushWeights() => _shared.PushWeights();

    public override void PullWeights() => _shared.PullWeights();

    public override BatchResult Run(BatchInput input, bool train, ISpikeRecorder? recorder = null)
    {
        int n = Lanes(input);
        bool learn = Learns(train);
        int steps = Config.StepsPerSample(train);
        _shared.Load(input);
        _lastLearned = learn;
        // Inference: the network kernel with learning off. On an H200, 2 to 10 times the per-phase kernels, and 0.92 of the
        // chain kernel it replaced, which covered plain chains only (docs/performance.md).
        if (!learn && recorder == null && UseFusedInference && _fused.CoversNetwork())
            return Ran(IlgpuRunPath.FusedNetwork, _fused.RunNetwork(input, steps, learn: false, LearningRate));
        bool lanesIndependent = n == 1 || Config.BatchUpdate == BatchUpdateMode.PerSample;
        if (learn && recorder == null && UseFusedTraining && lanesIndependent && _fused.CoversNetwork())
            return Ran(IlgpuRunPath.FusedNetwork, _fused.RunNetwork(input, steps, learn: true, LearningRate));
        // The per-phase kernels implement only the per-step batch update: never fall back to it silently.
        if (learn && n > 1 && Config.BatchUpdate == BatchUpdateMode.PerSample)
            throw NeuromorphicException.ForField(nameof(SimulationConfig.BatchUpdate), RunFields.Backend,
                (u, b) => $"{u} sample on {BackendName} needs the fused training kernel: no spike recorder, at most "
                + $"{FusedNetworkKernel.MaxPopulations} populations of at most "
                + $"{FusedNetworkKernel.MaxChunk * _shared.GroupSize(FusedNetworkKernel.MaxGroupSize)} neurons (use {u} step or {b} cpu)");
        return Ran(IlgpuRunPath.PerPhase, _perPhase.Run(input, steps, learn, LearningRate, recorder));
    }

    BatchResult Ran(IlgpuRunPath path, BatchResult result)
    {
        LastRunPath = path;
        return result;
    }

    public override float[][] ReadState(int population)
        => LastRunPath == IlgpuRunPath.PerPhase ? _perPhase.ReadState(population) : _fused.ReadState(population);

    public override void Dispose()
    {
        _perPhase.Dispose();
        _fused.Dispose();
        _shared.Dispose();
        _acc.Dispose();
        _context.Dispose();
        base.Dispose();
    }
}
