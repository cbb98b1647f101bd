using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Neuromorphic.Plasticity;

/// <summary>
/// Parameters of event-driven random back-propagation (MODEL.md section 5).
/// </summary>
/// <param name="LearningRate">eta: a weight moves by eta * U (mV per mV of dendritic potential).</param>
/// <param name="GateLowMv">Lower edge of the boxcar on the postsynaptic synaptic current I.</param>
/// <param name="GateHighMv">Upper edge of the boxcar.</param>
/// <param name="OnsetMs">Plasticity is off for this long at the start of each training sample (50 ms).</param>
/// <param name="Feedback">Where the hidden layers' dendritic error comes from (random, sign-symmetric or symmetric feedback).</param>
/// <param name="Update">Additive (eta * U) or Manhattan (a fixed step of eta mV in the sign of U).</param>
/// <param name="LearnOnBlankedSpikes">Blank-out synapses learn on every presynaptic spike, transmitted or not (the
/// April 2017 reference script's synapse class); false: a synapse that does not transmit does not learn (peRBP).</param>
/// <param name="FeedbackRefreshSamples">sign and symmetric feedback: training samples between refreshes of the feedback
/// weights from the forward weights (1 = before every batch).</param>
public readonly record struct ErbpParameters(
    double LearningRate = 6e-4,
    double GateLowMv = -600.0,
    double GateHighMv = 600.0,
    double OnsetMs = 50.0,
    FeedbackKind Feedback = FeedbackKind.Random,
    UpdateKind Update = UpdateKind.Additive,
    bool LearnOnBlankedSpikes = false,
    int FeedbackRefreshSamples = 1)
{
    /// <summary>The published defaults (a bare <c>new()</c> of a record struct would give zeros).</summary>
    public ErbpParameters() : this(LearningRate: 6e-4) { }

    public void Validate(string where)
    {
        if (!(LearningRate >= 0) || double.IsInfinity(LearningRate))
            throw new ArgumentException($"{where}: the learning rate ({nameof(LearningRate)}) must be a number >= 0, got {LearningRate}",
                nameof(LearningRate));
        if (!(GateLowMv < GateHighMv))
            throw new ArgumentException($"{where}: GateLowMv ({GateLowMv}) must be below GateHighMv ({GateHighMv})");
        if (!(OnsetMs >= 0) || double.IsInfinity(OnsetMs)) throw new ArgumentException($"{where}: OnsetMs must be >= 0, got {OnsetMs}");
        if (!Enum.IsDefined(Feedback))
            throw new ArgumentException($"{where}: feedback kind {(int)Feedback} is not one of random (0), sign (1), symmetric (2)");
        if (!Enum.IsDefined(Update)) throw new ArgumentException($"{where}: update kind {(int)Update} is not one of additive (0), manhattan (1)");
        if (FeedbackRefreshSamples < 1)
            throw new ArgumentException($"{where}: FeedbackRefreshSamples must be at least 1, got {FeedbackRefreshSamples}");
    }
}

/// <summary>The fixed feedback G that carries the output error to a hidden layer's dendrites.</summary>
public enum FeedbackKind
{
    /// <summary>Fixed random G (the paper; direct feedback alignment).</summary>
    Random = 0,
    /// <summary>Sign-symmetric (Liao, Leibo and Poggio 2016): sign of the transposed forward weights above, times a fixed magnitude.</summary>
    Sign = 1,
    /// <summary>Symmetric: the transposed forward weights above (weight transport; back-propagation's direction, a control).</summary>
    Symmetric = 2,
}

/// <summary>How a gated update changes a weight.</summary>
public enum UpdateKind
{
    /// <summary>W += eta * U (the paper).</summary>
    Additive = 0,
    /// <summary>W += eta * sign(U): a fixed step of eta mV in the sign of the eRBP change (batch Manhattan, on-line).</summary>
    Manhattan = 1,
}

/// <summary>
/// The eRBP rule's constants as one synapse event reads them, for one projection: the learning rate, the gate on the
/// postsynaptic current, the update kind, whether a blanked-out synapse learns, and the weights' fixed-point grid. Built
/// once per run from <see cref="ErbpParameters"/> and the projection (<see cref="Of"/>), given the batch's learning rate
/// (<see cref="At"/>), and carried whole to the CPU rows (<see cref="ErbpRule.DeliverRow"/>) and into the kernels'
/// argument structs, as <c>LifCoefficients</c> is for the neuron: a new per-synapse variant of the rule is a field here and
/// the functions of <see cref="ErbpRule"/> that read it. Flags and kinds are ints, as a kernel takes them.
/// </summary>
public readonly struct ErbpConstants
{
    /// <summary>eta (mV of weight per mV of dendritic potential; Manhattan: the step in mV).</summary>
    public readonly float LearningRate;
    /// <summary>Edges of the boxcar on the postsynaptic synaptic current I (mV).</summary>
    public readonly float GateLowMv, GateHighMv;
    /// <summary><see cref="UpdateKind"/> as an int.</summary>
    public readonly int Update;
    /// <summary>1: a blank-out synapse learns on the spikes it does not transmit (<see cref="ErbpParameters.LearnOnBlankedSpikes"/>).</summary>
    public readonly int LearnOnBlankedSpikes;
    /// <summary>1: fixed-point weights on <see cref="Grid"/>, each change rounded with its synapse's rounding bits.</summary>
    public readonly int Quantized;
    public readonly QuantCoefficients Grid;

    public ErbpConstants(float learningRate, float gateLowMv, float gateHighMv, UpdateKind update = UpdateKind.Additive,
        bool learnOnBlankedSpikes = false, QuantCoefficients? grid = null)
    {
        LearningRate = learningRate;
        GateLowMv = gateLowMv;
        GateHighMv = gateHighMv;
        Update = (int)update;
        LearnOnBlankedSpikes = learnOnBlankedSpikes ? 1 : 0;
        Quantized = grid.HasValue ? 1 : 0;
        Grid = grid ?? default;
    }

    ErbpConstants(in ErbpConstants c, float learningRate)
    {
        this = c;
        LearningRate = learningRate;
    }

    /// <summary>The constants of a projection with gate [<paramref name="gateLowMv"/>, <paramref name="gateHighMv"/>] and
    /// weight grid <paramref name="grid"/> (null: float weights) under <paramref name="p"/>, at its learning rate.</summary>
    public static ErbpConstants Of(in ErbpParameters p, float gateLowMv, float gateHighMv, QuantCoefficients? grid)
        => new((float)p.LearningRate, gateLowMv, gateHighMv, p.Update, p.LearnOnBlankedSpikes, grid);

    /// <summary>The same constants at learning rate <paramref name="learningRate"/> (the engine's rate of the batch).</summary>
    public ErbpConstants At(float learningRate) => new(this, learningRate);

    /// <summary>Whether the vector loops of <see cref="ErbpRule.ApplyToRow"/> and <see cref="ErbpRule.DeliverRow"/> compute
    /// this rule's change (additive updates of float weights); otherwise they run the scalar function synapse by synapse.</summary>
    public bool VectorForm => Update == (int)UpdateKind.Additive && Quantized == 0;
}

/// <summary>
/// The eRBP weight update, applied on each presynaptic spike of neuron j to every plastic synapse j -&gt; i:
/// <code>
///   if  b_min &lt; I_i &lt; b_max:   W[j,i] += eta * U_i        (one addition, two comparisons)
/// </code>
/// I_i is the postsynaptic synaptic current (the boxcar approximates the derivative of the neuron's
/// rate), U_i its dendritic potential (the error fed back through fixed random weights).
/// </summary>
public static class ErbpRule
{
    /// <summary>The weight change of one synapse for one presynaptic spike.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float WeightChange(float postSynapticCurrent, float postDendriticPotential,
        float learningRate, float gateLow, float gateHigh)
        => postSynapticCurrent > gateLow && postSynapticCurrent < gateHigh ? learningRate * postDendriticPotential : 0f;

    /// <summary>The weight change of one synapse for one presynaptic spike under the rule's constants <paramref name="c"/>:
    /// additive eta * U, or Manhattan eta * sign(U) (<see cref="UpdateKind"/>), inside the gate. The CPU rows and the
    /// kernels call it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float WeightChange(float postSynapticCurrent, float postDendriticPotential, in ErbpConstants c)
        => c.Update == (int)UpdateKind.Manhattan
            ? WeightChange(postSynapticCurrent, ManhattanSign(postDendriticPotential), c.LearningRate, c.GateLowMv, c.GateHighMv)
            : WeightChange(postSynapticCurrent, postDendriticPotential, c.LearningRate, c.GateLowMv, c.GateHighMv);

    /// <summary>Whether a synapse that is not pruned learns on a presynaptic spike: when the spike reaches it
    /// (<paramref name="transmits"/>), or always with <see cref="ErbpConstants.LearnOnBlankedSpikes"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Learns(bool transmits, in ErbpConstants c) => transmits || c.LearnOnBlankedSpikes != 0;

    /// <summary>sign(U) as a float: +1, -1 or 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ManhattanSign(float u) => u > 0f ? 1f : u < 0f ? -1f : 0f;

    /// <summary>
    /// Row form of <see cref="WeightChange(float, float, in ErbpConstants)"/> for deterministic synapses and float weights,
    /// for the native CPU path: for every i, row[i] += WeightChange(current[i], dendrite[i], c). With
    /// <see cref="ErbpConstants.VectorForm"/>, lane for lane the same IEEE operations as the scalar form (a multiply, then
    /// an add), so results are bit-identical; a test holds it to that. Fixed-point weights go through <see cref="DeliverRow"/>.
    /// </summary>
    public static void ApplyToRow(Span<float> row, ReadOnlySpan<float> current, ReadOnlySpan<float> dendrite, in ErbpConstants c)
    {
        if (c.Quantized != 0) throw new ArgumentException("ApplyToRow updates float weights; fixed-point weights take DeliverRow", nameof(c));
        int n = row.Length, i = 0;
        if (c.VectorForm && Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            var eta = new Vector<float>(c.LearningRate);
            var lo = new Vector<float>(c.GateLowMv);
            var hi = new Vector<float>(c.GateHighMv);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                var cur = new Vector<float>(current.Slice(i));
                var gate = Vector.BitwiseAnd(Vector.GreaterThan(cur, lo), Vector.LessThan(cur, hi));
                var dw = Vector.ConditionalSelect(gate, eta * new Vector<float>(dendrite.Slice(i)), Vector<float>.Zero);
                (new Vector<float>(row.Slice(i)) + dw).CopyTo(row.Slice(i));
            }
        }
        for (; i < n; i++) row[i] += WeightChange(current[i], dendrite[i], c);
    }

    /// <summary>
    /// One presynaptic spike over its row of plastic synapses j -&gt; 0 .. n-1, the eRBP synapse event of the CPU
    /// drivers: a synapse that is not pruned (<paramref name="mask"/> entry 0; empty: none) and receives the event
    /// (its draw below <paramref name="threshold"/>, always when not <paramref name="stochastic"/>) first learns when
    /// <paramref name="learn"/>, <see cref="WeightChange(float, float, in ErbpConstants)"/> applied by
    /// <see cref="WeightUpdate.Apply(float, float, bool, in QuantCoefficients, ulong, int)"/> (rounding draws keyed
    /// <paramref name="roundingKey"/> on a fixed-point grid), then adds its weight to <paramref name="inbox"/>; a blanked
    /// synapse learns too where <see cref="Learns"/> says so. The kernels make the same decisions synapse by synapse.
    /// Without a mask, with <see cref="ErbpConstants.VectorForm"/> (or without learning), eight synapses at a time: the
    /// same multiply, add and blended select per lane as the scalar loop, so the results are bit-identical. Two lane
    /// masks keep the decisions apart: the learning mask (every lane with learning on blanked spikes, else the
    /// transmitting lanes) selects the learned weights, the delivery mask (the transmitting lanes) selects the inboxes
    /// that receive them. Returns the events transmitted.
    /// </summary>
    public static int DeliverRow(Span<float> row, Span<float> inbox, ReadOnlySpan<float> current, ReadOnlySpan<float> dendrite,
        ReadOnlySpan<uint> draws, uint threshold, bool stochastic, bool learn, in ErbpConstants c,
        ReadOnlySpan<byte> mask = default, ulong roundingKey = 0)
    {
        int n = row.Length, i = 0, events = 0;
        bool blankedLearn = stochastic && Learns(false, c);
        if (mask.IsEmpty && !(learn && !c.VectorForm) && Vector256.IsHardwareAccelerated)
        {
            var thr = Vector256.Create(threshold);
            var vEta = Vector256.Create(c.LearningRate);
            var vLo = Vector256.Create(c.GateLowMv);
            var vHi = Vector256.Create(c.GateHighMv);
            for (; i <= n - 8; i += 8)
            {
                var transmit = BlankOutSynapse.Transmits(draws, i, thr, stochastic);
                var w = Vector256.Create<float>(row.Slice(i));
                if (learn)
                {
                    var cur = Vector256.Create<float>(current.Slice(i));
                    var gate = Vector256.GreaterThan(cur, vLo) & Vector256.LessThan(cur, vHi);
                    var dw = Vector256.ConditionalSelect(gate, vEta * Vector256.Create<float>(dendrite.Slice(i)), Vector256<float>.Zero);
                    w = blankedLearn ? w + dw : Vector256.ConditionalSelect(transmit, w + dw, w);
                    w.CopyTo(row.Slice(i));
                }
                var box = Vector256.Create<float>(inbox.Slice(i));
                Vector256.ConditionalSelect(transmit, box + w, box).CopyTo(inbox.Slice(i));
                events += BitOperations.PopCount(transmit.ExtractMostSignificantBits());
            }
        }
        for (; i < n; i++)
        {
            if (!mask.IsEmpty && mask[i] == 0) continue;
            bool transmits = !stochastic || BlankOutSynapse.Transmits(draws[i], threshold);
            if (!Learns(transmits, c)) continue;
            if (learn)
                row[i] = WeightUpdate.Apply(row[i], WeightChange(current[i], dendrite[i], c), c.Quantized != 0, c.Grid, roundingKey, i);
            if (!transmits) continue;
            inbox[i] += row[i];
            events++;
        }
        return events;
    }
}
