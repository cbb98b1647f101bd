using Neuromorphic.Neurons;
using Neuromorphic.Plasticity;
using Neuromorphic.Simulator.Engine;

namespace Neuromorphic.Simulator.S2m;

/// <summary>Which label spikes of a test sample decide the class (the group with most of them wins).</summary>
public enum S2mReadout
{
    /// <summary>Those after the burn-in (10% of the test sample): the machine has settled on the image.</summary>
    AfterBurnIn = 0,
    /// <summary>Every spike of the sample.</summary>
    WholeSample = 1,
}

/// <summary>How the visible units of an S2M are driven at a given step.</summary>
public enum VisibleMode
{
    /// <summary>Data phase: pixels and labels clamped (escape-rate encoder).</summary>
    Clamped = 0,
    /// <summary>Reconstruction phase: every visible unit is a free sampler driven through W transposed.</summary>
    Free = 1,
    /// <summary>Classification: pixels clamped, label units free.</summary>
    LabelsFree = 2,
}

/// <summary>
/// Per-run constants of an S2M shared by both drivers, and the schedule of one sample.
/// </summary>
public sealed class S2mSchedule
{
    public S2mSchedule(Network net, SimulationConfig config)
    {
        Layout = S2mLayout.Of(net, config);
        Sampler = new LifCoefficients(config.Sampler, config.DtMs, config.StateBits, config.StateStepMv);
        TraceDecay = EcdRule.TraceDecay(config.Ecd.TauStdpMs, config.DtMs);
        Ecd = config.Ecd.Synapse;
        BiasPeriod = Math.Max(1, (int)Math.Round(1000.0 / (config.BiasRateHz * config.DtMs)));
        TrainSteps = config.StepsPerSample(true);
        TestSteps = config.StepsPerSample(false);
        TrainBurnIn = EcdRule.BurnInSteps(TrainSteps, config.Ecd.BurnInFraction);
        TestBurnIn = EcdRule.BurnInSteps(TestSteps, config.Ecd.BurnInFraction);
        TestCountFrom = config.Readout == S2mReadout.WholeSample ? 0 : TestBurnIn;
        BlankOut = BlankOutSynapse.Threshold(config.TransmissionProbability);
    }
    public S2mLayout Layout { get; }
    public LifCoefficients Sampler { get; }
    public float TraceDecay { get; }
    /// <summary>The eCD variant (pairing, potentiation cap) as the synapse event takes it.</summary>
    public EcdSynapse Ecd { get; }
    /// <summary>Bias units spike every this many steps, counted from the start of each phase.</summary>
    public int BiasPeriod { get; }
    public int TrainSteps { get; }
    public int TestSteps { get; }
    public int TrainBurnIn { get; }
    public int TestBurnIn { get; }
    public ulong BlankOut { get; }

    public int Steps(bool train) => train ? TrainSteps : TestSteps;
    public VisibleMode Mode(bool train, int step) => !train ? VisibleMode.LabelsFree : step < TrainSteps / 2 ? VisibleMode.Clamped : VisibleMode.Free;
    public bool PhaseStart(bool train, int step) => train ? EcdRule.IsPhaseStart(step, TrainSteps) : step == 0;
    public bool BiasSpikes(bool train, int step) => (train && step >= TrainSteps / 2 ? step - TrainSteps / 2 : step) % BiasPeriod == 0;
    /// <summary>Label spikes are counted from here on: after the burn-in of a test sample (or from its start, with
    /// <see cref="S2mReadout.WholeSample"/>), after the second
    /// burn-in of a training sample (labels are clamped before).</summary>
    public int CountFrom(bool train) => train ? TrainSteps / 2 + TrainBurnIn : TestCountFrom;
    int TestCountFrom { get; }
    public int Modulation(bool train, int step) => train ? EcdRule.Modulation(step, TrainSteps, TrainBurnIn) : 0;

    /// <summary>Projection numbers in the blank-out keys: one per direction of the symmetric matrix, so an
    /// event each way has its own draw.</summary>
    public const int ForwardKey = 0, BackwardKey = 1;
}
