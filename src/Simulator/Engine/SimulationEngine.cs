using Neuromorphic.Neurons;
using Neuromorphic.Plasticity;

namespace Neuromorphic.Simulator.Engine;

/// <summary>The samples of one batch: lane b shows image b (and, while training, its label).</summary>
public sealed class BatchInput
{
    public BatchInput(int capacity, int inputSize)
    {
        Pixels = new byte[capacity * inputSize];
        Labels = new int[capacity];
        Presentations = new long[capacity];
        InputSize = inputSize;
    }
    public int InputSize { get; }
    /// <summary>Lanes in use (the rest are idle).</summary>
    public int Count { get; set; }
    public byte[] Pixels { get; }
    /// <summary>True class per lane, -1 for none (test time).</summary>
    public int[] Labels { get; }
    /// <summary>Presentation number per lane: keys the lane's random numbers, so a sample sees the same
    /// input spikes whatever the batch size or the lane it runs in.</summary>
    public long[] Presentations { get; }

    /// <summary>Fills lanes 0..<paramref name="count"/>-1 from <paramref name="set"/> and sets <see cref="Count"/>: lane b gets
    /// the pixels of image <paramref name="image"/>(b), its label when <paramref name="withLabels"/> (a training sample;
    /// otherwise -1, the label neurons stay silent) and presentation number <paramref name="presentation"/>(b). The one
    /// loop that turns images into a batch (training, evaluation, activity, `run`, `bench`, `plot raster`).</summary>
    public void Fill(Data.MnistSet set, int count, Func<int, int> image, Func<int, long> presentation, bool withLabels)
    {
        if (count < 0 || count > Labels.Length) throw new ArgumentOutOfRangeException(nameof(count), count, $"a batch of {Labels.Length} lanes");
        if (set.PixelsPerImage != InputSize) throw new ArgumentException($"images of {set.PixelsPerImage} pixels for an input of {InputSize}", nameof(set));
        Count = count;
        for (int b = 0; b < count; b++)
        {
            int idx = image(b);
            set.Image(idx).CopyTo(Pixels.AsSpan(b * InputSize, InputSize));
            Labels[b] = withLabels ? set.Labels[idx] : -1;
            Presentations[b] = presentation(b);
        }
    }
}

/// <summary>What one batch produced.</summary>
public sealed class BatchResult(int capacity, int classes)
{
    public int Count { get; set; }
    public int Classes { get; } = classes;
    /// <summary>Prediction-neuron spike counts, [lane][class].</summary>
    public int[] OutputCounts { get; } = new int[capacity * classes];
    /// <summary>Synaptic events delivered on forward projections (one event = one addition).</summary>
    public long SynOps { get; set; }
    /// <summary>All spikes of all populations.</summary>
    public long Spikes { get; set; }

    /// <summary>Time integral of each prediction neuron's synaptic current over the sample (mV x steps),
    /// [lane][class]: the tie-break of <see cref="Predicted"/>.</summary>
    public float[] OutputDrive { get; } = new float[capacity * classes];

    /// <summary>The class of lane <paramref name="lane"/> by <see cref="Readout.Predict"/> (most spikes, ties to the
    /// larger integrated current, -1 when nothing distinguishes the classes).</summary>
    public int Predicted(int lane)
        => Readout.Predict(OutputCounts.AsSpan(lane * Classes, Classes), OutputDrive.AsSpan(lane * Classes, Classes));
}

/// <summary>Receives every step's spikes, for rasters, per-step counts and parity checks.</summary>
public interface ISpikeRecorder
{
    void OnSpikes(int step, int population, int lane, ReadOnlySpan<int> neurons);
}

/// <summary>A recorder that also samples the state of chosen neurons every step (after the step's spikes), as Brian2's
/// StateMonitor does. The CPU backend calls it for its two-compartment populations; the GPU kernels keep the state on
/// the device and do not (<see cref="CpuEngine"/>).</summary>
public interface IStateRecorder : ISpikeRecorder
{
    /// <summary>Neurons of <paramref name="population"/> whose state to report (empty: none).</summary>
    int[] StateNeurons(int population);
    /// <summary>Neuron <c>StateNeurons(population)[slot]</c> at the end of <paramref name="step"/>: synaptic current I,
    /// somatic potential V and dendritic potential U, all in mV.</summary>
    void OnState(int step, int population, int lane, int slot, float currentMv, float somaMv, float dendriteMv);
}

/// <summary>Constants derived once per run from the network and its configuration, shared by every backend.</summary>
public sealed class EngineConstants
{
    public EngineConstants(Network net, SimulationConfig config)
    {
        config.Validate();
        Config = config;
        Lif = net.Populations.Select(p => p.Kind == PopulationKind.TwoCompartment ? new LifCoefficients(p.Lif, config.DtMs, config.StateBits, config.StateStepMv) : default).ToArray();
        EncoderThresholds = InputEncoders.ThresholdTable(config.Encoder, config.DtMs);
        EncoderRefractorySteps = (int)Math.Round(InputEncoders.DeadTimeMs(config.Encoder) / config.DtMs);
        ErrorThresholdMv = (float)config.Error.ThresholdMv;
        StateBits = config.StateBits;
        StateStepMv = (float)config.StateStepMv;
        OnsetSteps = (int)Math.Round(config.Erbp.OnsetMs / config.DtMs);
        BlankOut = net.Projections.Select(p => BlankOutSynapse.Threshold(p.TransmissionProbability)).ToArray();
        Seed = config.Seed;
        Erbp = net.Projections.Select(p => ErbpConstants.Of(config.Erbp, p.GateLowMv, p.GateHighMv, p.WeightFormat?.Coefficients)).ToArray();
    }
    public SimulationConfig Config { get; }
    public LifCoefficients[] Lif { get; }
    /// <summary>Per pixel byte (0..255) and the label-on level (<see cref="InputEncoders.LabelEntry"/>): per-step spike threshold of 2^32.</summary>
    public ulong[] EncoderThresholds { get; }
    public int EncoderRefractorySteps { get; }
    public float ErrorThresholdMv { get; }
    /// <summary>Fixed-point state of the error neurons (0 = float).</summary>
    public int StateBits { get; }
    public float StateStepMv { get; }
    public int OnsetSteps { get; }
    public ulong[] BlankOut { get; }
    public ulong Seed { get; }
    /// <summary>Per projection, the eRBP rule's constants (its gate and weight grid, the rule's variant), at the rule's
    /// learning rate: a backend passes <c>Erbp[q].At(LearningRate)</c> whole to the rule's row or its kernel.</summary>
    public ErbpConstants[] Erbp { get; }
}

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
