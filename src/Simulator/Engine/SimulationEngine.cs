namespace Neuromorphic.Simulator.Engine;

/// <summary>
/// A backend that simulates B copies of a network (B samples in flight sharing one weight matrix).
/// One step: (1) every population integrates in list order and lists its spikes, (2) every projection
/// delivers the step's spikes in list order, learning on them where plastic. Training with B &gt; 1 applies
/// the lanes' updates in lane order, then spike order, every step: deterministic on every backend.
/// </summary>
public abstract class SimulationEngine : IDisposable
{
    protected SimulationEngine(Network network, SimulationConfig config, int batchCapacity)
    {
        if (batchCapacity < 1) throw NeuromorphicException.ForField(RunFields.Batch, f => $"{f} must be at least 1, got {batchCapacity}");
        Network = network;
        Config = config;
        BatchCapacity = batchCapacity;
        Constants = new EngineConstants(network, config);
        LearningRate = (float)config.RuleLearningRate;
    }

    /// <summary>The lanes of <paramref name="input"/>, checked against the engine's capacity (every backend's first line of <c>Run</c>).</summary>
    protected int Lanes(BatchInput input)
    {
        int n = input.Count;
        if (n < 1 || n > BatchCapacity) throw new ArgumentOutOfRangeException(nameof(input), $"batch of {n} lanes, capacity {BatchCapacity}");
        return n;
    }

    /// <summary>Whether a batch run with <paramref name="train"/> learns: training, and a rule that learns.</summary>
    protected bool Learns(bool train) => train && Config.Rule != RuleKind.None;

    /// <summary>eta used by the next training batch, the one runtime holder of the learning rate: it starts at the
    /// rule's rate and the trainer sets it each epoch from <see cref="SimulationConfig.LearningRateAt"/>.</summary>
    public float LearningRate { get; set; }

    public Network Network { get; }
    public SimulationConfig Config { get; }
    public EngineConstants Constants { get; }
    public int BatchCapacity { get; }
    public abstract string BackendName { get; }
    /// <summary>The device in words: the accelerator's name, or the native CPU path and its cores.</summary>
    public virtual string DeviceName => $"native CPU, {Environment.ProcessorCount} cores";

    /// <summary>Simulates one batch of samples from rest; learns when <paramref name="train"/> is set and the
    /// rule is not None.</summary>
    public abstract BatchResult Run(BatchInput input, bool train, ISpikeRecorder? recorder = null);

    /// <summary>Copies the device's weights into <see cref="Network"/> (no-op on the CPU).</summary>
    public virtual void PullWeights() { }
    /// <summary>Copies <see cref="Network"/>'s weights to the device (no-op on the CPU).</summary>
    public virtual void PushWeights() { }

    /// <summary>Final state of lane 0 after the last batch, per population: I, V, U (for parity checks).</summary>
    public abstract float[][] ReadState(int population);

    public virtual void Dispose() => GC.SuppressFinalize(this);

    public BatchInput NewInput() => new(BatchCapacity, Network.Layers[0]);
}
