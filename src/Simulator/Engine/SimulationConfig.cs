using Neuromorphic.Neurons;
using Neuromorphic.Plasticity;

namespace Neuromorphic.Simulator.Engine;

/// <summary>Learning rules by name.</summary>
public enum RuleKind
{
    /// <summary>No learning (inference, benchmarks).</summary>
    None,
    /// <summary>eRBP with deterministic synapses (optional Poisson noise).</summary>
    Erbp,
    /// <summary>eRBP with blank-out synapses: a synapse that does not transmit does not learn.</summary>
    Perbp,
    /// <summary>Synaptic sampling machine learning by event-driven contrastive divergence (MODEL.md section 6).</summary>
    S2m,
}

/// <summary>
/// Everything that defines a simulation besides its weights. Defaults are the papers' values
/// (MODEL.md); the model file stores the whole record.
/// </summary>
public sealed record SimulationConfig
{
    public double DtMs { get; init; } = 0.1;
    /// <summary>Duration of one training sample (250 ms, no pause between samples).</summary>
    public double SampleMs { get; init; } = 250;
    /// <summary>Duration of one test sample.</summary>
    public double TestSampleMs { get; init; } = 250;
    public LifParameters Hidden { get; init; } = new(RefractoryMs: 3.9);
    public LifParameters Output { get; init; } = new(RefractoryMs: 3.9);
    public ErrorNeuronParameters Error { get; init; } = new();
    public EncoderParameters Encoder { get; init; } = new();
    public ErbpParameters Erbp { get; init; } = new();
    /// <summary>Per plastic projection, the boxcar half-width in mV (overrides the rule's gate when set).</summary>
    public double[]? LayerGateMv { get; init; }
    public RuleKind Rule { get; init; } = RuleKind.Erbp;
    /// <summary>The network the configuration describes (<see cref="ModelFamily"/>), apart from how it learns. Derived from
    /// the rule (an S2M learns with eCD, every other rule trains a feed-forward network), so every model file written so far
    /// states it; not stored, so that a configuration file and its <c>--rule</c> can never disagree about it.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public ModelFamily Family => ModelFamilies.Of(Rule);
    /// <summary>The learning rate of each epoch (<see cref="LearningRateSchedule"/>): exponential decay, cosine or 1/t, with a floor.</summary>
    public LearningRateSchedule Schedule { get; init; } = new();
    /// <summary>exponential schedule: the learning rate of epoch e (from 0) is eta * EtaDecayPerEpoch^e (1 = constant).
    /// The same value as <c>Schedule.DecayPerEpoch</c>; kept as a field of its own so that older model files still read.</summary>
    public double EtaDecayPerEpoch { get => Schedule.DecayPerEpoch; init => Schedule = Schedule with { DecayPerEpoch = value }; }
    /// <summary>The preset this configuration started from (<see cref="Training.Presets"/>; empty: none).</summary>
    public string Preset { get; init; } = "";
    /// <summary>The data the model learns from and is tested on (<c>--dataset</c>): mnist, fashion-mnist, kmnist,
    /// emnist-digits or idx:FOLDER (<see cref="Data.Dataset"/>). Model files written before datasets had names lack the
    /// field and read as MNIST, which is what they were trained on.</summary>
    public string Dataset { get; init; } = Data.Dataset.Mnist;
    /// <summary>w_L: label and prediction spikes onto the error neurons (mV).</summary>
    public double LabelWeightMv { get; init; } = 90;
    /// <summary>w_E: error spikes onto the prediction neurons' dendrites (mV).</summary>
    public double ErrorWeightMv { get; init; } = 90;
    /// <summary>s of the forward initialisation Uniform(-b, b), b = sqrt(s/(fan_in+fan_out)) V.</summary>
    public double InitScale { get; init; } = 7;
    /// <summary>s of the random feedback G ~ Uniform(-a, a), a = sqrt(s/(n_classes+n_hidden)) V.</summary>
    public double FeedbackScale { get; init; } = 7;
    /// <summary>Blank-out: probability that an event reaches a plastic synapse (peRBP; 1 = off).</summary>
    public double TransmissionProbability { get; init; } = 1.0;
    public ulong Seed { get; init; } = 1;
    /// <summary>How a training batch of B &gt; 1 samples combines its updates (see <see cref="BatchUpdateMode"/>).</summary>
    public BatchUpdateMode BatchUpdate { get; init; } = BatchUpdateMode.PerStep;
    /// <summary>S2M: the eCD rule (eta, tau_STDP, burn-in fraction).</summary>
    public EcdParameters Ecd { get; init; } = new();
    /// <summary>S2M: the LIF sampler of visible and hidden units (tau_m 1 ms, tau_syn 4 ms, threshold 100 mV,
    /// refractory 4 ms; the dendrite is unused).</summary>
    public LifParameters Sampler { get; init; } = new(RefractoryMs: 4.0);
    /// <summary>S2M: label units per class (the visible layer is 784 + 10 x this).</summary>
    public int LabelUnitsPerClass { get; init; } = 1;
    /// <summary>S2M: rate of the always-on bias units (250 Hz: one spike per refractory period, a sampler that is always on).</summary>
    public double BiasRateHz { get; init; } = 250;
    /// <summary>S2M classification: which label spikes of a test sample count (after the burn-in, or all).</summary>
    public S2m.S2mReadout Readout { get; init; } = S2m.S2mReadout.AfterBurnIn;
    /// <summary>S2M: visible-hidden weights start Uniform(-b, b) with b in mV; biases start at 0.</summary>
    public double S2mInitMv { get; init; } = 10;

    /// <summary>Fields only S2M reads, and fields only the eRBP family (and its networks under rule none) reads: the run
    /// report shows a model's configuration without the other rule's fields.</summary>
    public static readonly string[] S2mOnlyFields = [nameof(Ecd), nameof(Sampler), nameof(LabelUnitsPerClass), nameof(BiasRateHz),
        nameof(Readout), nameof(S2mInitMv)];
    public static readonly string[] ErbpOnlyFields = [nameof(Hidden), nameof(Output), nameof(Error), nameof(Erbp),
        nameof(LayerGateMv), nameof(LabelWeightMv),
        nameof(ErrorWeightMv), nameof(InitScale), nameof(FeedbackScale), nameof(TransmissionProbability)];

    /// <summary>eta of the rule in use (eRBP's or eCD's).</summary>
    public double RuleLearningRate => Rule == RuleKind.S2m ? Ecd.LearningRate : Erbp.LearningRate;

    /// <summary>The learning rate of epoch <paramref name="epoch"/> (from 0): the rule's eta under <see cref="Schedule"/>.
    /// The one place the schedule is evaluated (the trainer, resume and the mean-field tool use it).</summary>
    public double LearningRateAt(int epoch) => Schedule.At(RuleLearningRate, epoch);
    /// <summary>Bits of the plastic weights (0 = float32). Weights lie on the grid after initialisation and
    /// after every update, as with on-chip learning.</summary>
    public int WeightBits { get; init; }
    /// <summary>Rounding of learning updates onto the weight grid (stochastic by default: small updates still count).</summary>
    public Rounding WeightRounding { get; init; } = Rounding.Stochastic;
    /// <summary>The weight grid of a projection spans +-(this factor x its initialisation bound b).</summary>
    /// (2.5: trained 784-200-10 weights stay within about 2.9 b at the 99.9th percentile of the first layer and
    /// 1.6 b in the second; a wider grid wastes resolution.)
    public double WeightRangeFactor { get; init; } = 2.5;
    /// <summary>Round the weight step up to a power of two (a shared exponent, as on Loihi).</summary>
    public bool WeightStepPowerOfTwo { get; init; }
    /// <summary>Signed bits of the neural state I, V, U in fixed point (0 = float32; 8..24).</summary>
    public int StateBits { get; init; }
    /// <summary>The state's largest magnitude in mV: the state step is the power of two that reaches it.</summary>
    public double StateRangeMv { get; init; } = 2048;

    /// <summary>mV per state code: 2^ceil(log2(StateRangeMv / 2^(StateBits-1))).</summary>
    public double StateStepMv => StateBits == 0 ? 0 : Math.Pow(2, Math.Ceiling(Math.Log2(StateRangeMv / Math.Pow(2, StateBits - 1))));

    /// <summary>Cap on the time steps of one sample (training or test): 100 s at the default dt of 0.1 ms. Checked by
    /// <see cref="Validate"/>, so wherever a duration or dt enters (an option, a model file, a NIR file's metadata).</summary>
    public const int MaxStepsPerSample = 1_000_000;

    public int StepsPerSample(bool train) => StepsOf(train ? SampleMs : TestSampleMs, train ? nameof(SampleMs) : nameof(TestSampleMs));

    int StepsOf(double ms, string field)
    {
        if (!(ms > 0) || double.IsInfinity(ms)) throw NeuromorphicException.ForField(field,
            f => $"{f}: sample duration must be positive, got {ms} ms");
        return (int)Math.Round(ms / DtMs);
    }

    /// <summary>Checks every parameter; a bad one raises a one-line message naming it.</summary>
    public void Validate()
    {
        try
        {
            if (!(DtMs > 0) || DtMs > 10) throw new ArgumentException($"dt must lie in (0, 10] ms, got {DtMs}");
            if (string.IsNullOrWhiteSpace(Dataset)) throw new ArgumentException("the dataset name (Dataset) is empty; expected mnist, "
                + "fashion-mnist, kmnist, emnist-digits or idx:FOLDER");
            if (!Enum.IsDefined(Rule)) throw new ArgumentException($"rule {(int)Rule} is not one of "
                + $"{string.Join(", ", Enum.GetValues<RuleKind>().Select(k => $"{k.ToString().ToLowerInvariant()} ({(int)k})"))}");
            if (!Enum.IsDefined(WeightRounding)) throw new ArgumentException($"weight rounding {(int)WeightRounding} is not one of "
                + $"{string.Join(", ", Enum.GetValues<Rounding>().Select(k => $"{k.ToString().ToLowerInvariant()} ({(int)k})"))}");
            foreach (var (ms, field, name) in new[] { (TestSampleMs, nameof(TestSampleMs), "test sample duration"),
                (SampleMs, nameof(SampleMs), "training sample duration") })
            {
                if (!(ms > 0) || double.IsInfinity(ms)) throw NeuromorphicException.ForField(field,
                    f => $"{name} ({f}) must be a positive number of ms, got {ms}");
                double steps = Math.Round(ms / DtMs);
                if (!(steps <= MaxStepsPerSample)) throw NeuromorphicException.ForField(field, nameof(DtMs),
                    (f, dt) => $"{name} ({f}) {ms} ms at dt ({dt}) {DtMs} ms is {steps:G3} time steps per sample, more than the "
                    + $"cap of {MaxStepsPerSample:N0}");
                if (steps < 1) throw NeuromorphicException.ForField(field,
                    f => $"{name} ({f}) {ms} ms is shorter than half a time step (dt {DtMs} ms)");
            }
            Record(nameof(Hidden), () => Hidden.Validate("hidden neurons"));
            Record(nameof(Output), () => Output.Validate("prediction neurons"));
            Record(nameof(Error), () => Error.Validate("error neurons"));
            Record(nameof(Encoder), () => Encoder.Validate("input encoder"));
            Record(nameof(Erbp), () => Erbp.Validate("eRBP rule"));
            if (Family == ModelFamily.SynapticSampling)
            {
                Record(nameof(Ecd), () => Ecd.Validate("eCD rule"));
                Record(nameof(Sampler), () => Sampler.Validate("S2M sampler neurons"));
                if (LabelUnitsPerClass < 1 || LabelUnitsPerClass > 1000) throw NeuromorphicException.ForField(nameof(LabelUnitsPerClass),
                    f => $"{f} must lie in 1..1000, got {LabelUnitsPerClass}");
                if (!(BiasRateHz > 0) || BiasRateHz * DtMs * 1e-3 > 1) throw NeuromorphicException.ForField(nameof(BiasRateHz),
                    f => $"{f} must lie in (0, 1/dt], got {BiasRateHz}");
                if (!(S2mInitMv >= 0) || double.IsInfinity(S2mInitMv)) throw NeuromorphicException.ForField(nameof(S2mInitMv),
                    f => $"{f} must be >= 0, got {S2mInitMv}");
                if (Ecd.WeightDecay > 0 && WeightBits > 0)
                    throw NeuromorphicException.ForFields(["Ecd.WeightDecay", nameof(WeightBits)],
                        n => $"{n[0]} {Ecd.WeightDecay} with {n[1]} {WeightBits}: a decayed fixed-point weight would leave its grid; "
                            + "use one of the two");
                // The cap is a float bound: on fixed-point weights it would leave a weight off the grid.
                if (Ecd.WeightMaxMv > 0 && WeightBits > 0)
                    throw NeuromorphicException.ForFields(["Ecd.WeightMaxMv", nameof(WeightBits)],
                        n => $"{n[0]} (a potentiation cap) with {n[1]} {WeightBits}: fixed-point weights are bounded by their grid "
                        + $"(--weight-range); use one of the two");
            }
            if (!(TransmissionProbability >= 0 && TransmissionProbability <= 1))
                throw new ArgumentException($"blank-out transmission probability must lie in [0, 1], got {TransmissionProbability}");
            if (!Enum.IsDefined(BatchUpdate)) throw new ArgumentException($"batch update mode {(int)BatchUpdate} is not "
                + $"one of step (0) or sample (1)");
            Schedule.Validate("learning-rate schedule");
            if (Rule == RuleKind.S2m && (Erbp.Feedback != FeedbackKind.Random || Erbp.Update != UpdateKind.Additive))
                throw NeuromorphicException.ForFields(["Erbp.Feedback", "Erbp.Update", nameof(Rule)],
                    n => $"{n[0]} and {n[1]} are options of eRBP; {n[2]} s2m learns by eCD");
            if (WeightBits != 0 && (WeightBits < QuantFormat.MinBits || WeightBits > QuantFormat.MaxBits))
                throw NeuromorphicException.ForField(nameof(WeightBits),
                    f => $"{f}: bit width must lie in {QuantFormat.MinBits}..{QuantFormat.MaxBits}, got {WeightBits}");
            if (StateBits != 0 && (StateBits < 8 || StateBits > 24)) throw NeuromorphicException.ForField(nameof(StateBits),
                f => $"{f} must lie in 8..24 (float32 storage holds such codes exactly), got {StateBits}");
            if (!(StateRangeMv > 0)) throw NeuromorphicException.ForField(nameof(StateRangeMv), f => $"{f} must be positive, got {StateRangeMv}");
            if (!(WeightRangeFactor > 0)) throw new ArgumentException($"weight range factor must be positive, got {WeightRangeFactor}");
            if (!(InitScale > 0) || !(FeedbackScale >= 0)) throw new ArgumentException("initialisation scales must be positive");
            if (!double.IsFinite(InitScale) || !double.IsFinite(FeedbackScale) || !double.IsFinite(LabelWeightMv) || !double.IsFinite(ErrorWeightMv)
                || !double.IsFinite(StateRangeMv) || !double.IsFinite(WeightRangeFactor) || !double.IsFinite(S2mInitMv))
                throw new ArgumentException("initialisation scales, label and error weights, state and weight ranges must be finite numbers");
            if (LayerGateMv is { } gates && gates.Any(g => !double.IsNaN(g) && !(g > 0 && double.IsFinite(g))))
                throw NeuromorphicException.ForField(nameof(LayerGateMv),
                    f => $"layer gates ({f}) must be positive numbers of mV, got {string.Join(", ", gates)}");
            // Dead times become step counts (int): no longer than the cap on a sample.
            foreach (var (ms, name) in new[] { (Hidden.RefractoryMs, "hidden neurons' refractory period"),
                (Output.RefractoryMs, "prediction neurons' refractory period"),
                (Sampler.RefractoryMs, "S2M sampler neurons' refractory period"), (InputEncoders.DeadTimeMs(Encoder), "input encoder's dead time") })
                if (!(Math.Round(ms / DtMs) <= MaxStepsPerSample)) throw new ArgumentException($"{name} {ms} ms is more than "
                    + $"{MaxStepsPerSample:N0} time steps of {DtMs} ms");
            StepsPerSample(true); StepsPerSample(false);
        }
        catch (ArgumentException e) { throw new NeuromorphicException(e.Message); }
    }

    /// <summary>Validates a parameter record: its <see cref="ArgumentException"/> becomes a <see cref="NeuromorphicException"/>
    /// naming <paramref name="record"/>.Field when the record names its field.</summary>
    static void Record(string record, Action validate)
    {
        try { validate(); }
        catch (ArgumentException e) { throw NeuromorphicException.FromArgument(e, record); }
    }
}
