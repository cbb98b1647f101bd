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
            throw new ArgumentException($"{where}: the learning rate ({nameof(LearningRate)}) must be a number >= 0, got {LearningRate}", nameof(LearningRate));
        if (!(GateLowMv < GateHighMv))
            throw new ArgumentException($"{where}: GateLowMv ({GateLowMv}) must be below GateHighMv ({GateHighMv})");
        if (!(OnsetMs >= 0) || double.IsInfinity(OnsetMs)) throw new ArgumentException($"{where}: OnsetMs must be >= 0, got {OnsetMs}");
        if (!Enum.IsDefined(Feedback)) throw new ArgumentException($"{where}: feedback kind {(int)Feedback} is not one of random (0), sign (1), symmetric (2)");
        if (!Enum.IsDefined(Update)) throw new ArgumentException($"{where}: update kind {(int)Update} is not one of additive (0), manhattan (1)");
        if (FeedbackRefreshSamples < 1) throw new ArgumentException($"{where}: FeedbackRefreshSamples must be at least 1, got {FeedbackRefreshSamples}");
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

/// <summary>What one eRBP synapse event does to the synapses of its row (<see cref="ErbpRule.DeliverRow"/>): whether they
/// learn, the rule's constants, whether a blanked-out synapse learns anyway, and the weights' fixed-point grid.</summary>
public readonly record struct ErbpRowEvent(bool Learn, float LearningRate, float GateLow, float GateHigh, UpdateKind Update = UpdateKind.Additive,
    bool LearnOnBlankedSpikes = false, bool Quantized = false, QuantCoefficients Grid = default);

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

    /// <summary>The weight change of one synapse for one presynaptic spike under update kind <paramref name="update"/>
    /// (<see cref="UpdateKind"/> as an int, for kernels): additive eta * U, or Manhattan eta * sign(U).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float WeightChange(float postSynapticCurrent, float postDendriticPotential,
        float learningRate, float gateLow, float gateHigh, int update)
        => update == (int)UpdateKind.Manhattan
            ? WeightChange(postSynapticCurrent, ManhattanSign(postDendriticPotential), learningRate, gateLow, gateHigh)
            : WeightChange(postSynapticCurrent, postDendriticPotential, learningRate, gateLow, gateHigh);

    /// <summary>sign(U) as a float: +1, -1 or 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ManhattanSign(float u) => u > 0f ? 1f : u < 0f ? -1f : 0f;

    /// <summary>
    /// SIMD form of <see cref="WeightChange(float, float, float, float, float)"/> over a weight row, for the native CPU path: for every i,
    /// row[i] += WeightChange(current[i], dendrite[i]). Lane for lane the same IEEE operations as the
    /// scalar form (a multiply, then an add), so results are bit-identical; a test holds it to that.
    /// </summary>
    public static void ApplyToRow(Span<float> row, ReadOnlySpan<float> current, ReadOnlySpan<float> dendrite,
        float learningRate, float gateLow, float gateHigh, int update = 0)
    {
        int n = row.Length, i = 0;
        if (update == (int)UpdateKind.Manhattan)
        {
            for (; i < n; i++) row[i] += WeightChange(current[i], dendrite[i], learningRate, gateLow, gateHigh, update);
            return;
        }
        if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            var eta = new Vector<float>(learningRate);
            var lo = new Vector<float>(gateLow);
            var hi = new Vector<float>(gateHigh);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                var c = new Vector<float>(current.Slice(i));
                var gate = Vector.BitwiseAnd(Vector.GreaterThan(c, lo), Vector.LessThan(c, hi));
                var dw = Vector.ConditionalSelect(gate, eta * new Vector<float>(dendrite.Slice(i)), Vector<float>.Zero);
                (new Vector<float>(row.Slice(i)) + dw).CopyTo(row.Slice(i));
            }
        }
        for (; i < n; i++) row[i] += WeightChange(current[i], dendrite[i], learningRate, gateLow, gateHigh);
    }

    /// <summary>
    /// One presynaptic spike over its row of plastic synapses j -&gt; 0 .. n-1, the eRBP synapse event of the CPU
    /// drivers: a synapse that is not pruned (<paramref name="mask"/> entry 0; empty: none) and receives the event
    /// (its draw below <paramref name="threshold"/>, always when not <paramref name="stochastic"/>) first learns,
    /// <see cref="WeightChange(float, float, float, float, float, int)"/> applied by <see cref="WeightUpdate.Apply(float, float, bool, in QuantCoefficients, ulong, int)"/>
    /// (rounding draws keyed <paramref name="roundingKey"/> on a fixed-point grid), then adds its weight to
    /// <paramref name="inbox"/>; with <see cref="ErbpRowEvent.LearnOnBlankedSpikes"/> a blanked synapse learns too.
    /// The kernels make the same decisions synapse by synapse. Without a mask, fixed point or Manhattan steps, eight
    /// synapses at a time: the same multiply, add and blended select per lane as the scalar loop, so the results are
    /// bit-identical. Two lane masks keep the decisions apart: the learning mask (every lane with learning on blanked
    /// spikes, else the transmitting lanes) selects the learned weights, the delivery mask (the transmitting lanes)
    /// selects the inboxes that receive them. Returns the events transmitted.
    /// </summary>
    public static int DeliverRow(Span<float> row, Span<float> inbox, ReadOnlySpan<float> current, ReadOnlySpan<float> dendrite,
        ReadOnlySpan<uint> draws, uint threshold, bool stochastic, in ErbpRowEvent e, ReadOnlySpan<byte> mask = default, ulong roundingKey = 0)
    {
        int n = row.Length, i = 0, events = 0;
        bool learn = e.Learn, blankedLearn = stochastic && e.LearnOnBlankedSpikes;
        if (mask.IsEmpty && !(learn && (e.Quantized || e.Update != UpdateKind.Additive)) && Vector256.IsHardwareAccelerated)
        {
            var thr = Vector256.Create(threshold);
            var vEta = Vector256.Create(e.LearningRate);
            var vLo = Vector256.Create(e.GateLow);
            var vHi = Vector256.Create(e.GateHigh);
            for (; i <= n - 8; i += 8)
            {
                var transmit = BlankOutSynapse.Transmits(draws, i, thr, stochastic);
                var w = Vector256.Create<float>(row.Slice(i));
                if (learn)
                {
                    var c = Vector256.Create<float>(current.Slice(i));
                    var gate = Vector256.GreaterThan(c, vLo) & Vector256.LessThan(c, vHi);
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
            if (!transmits && !e.LearnOnBlankedSpikes) continue;
            if (learn)
                row[i] = WeightUpdate.Apply(row[i], WeightChange(current[i], dendrite[i], e.LearningRate, e.GateLow, e.GateHigh, (int)e.Update),
                    e.Quantized, e.Grid, roundingKey, i);
            if (!transmits) continue;
            inbox[i] += row[i];
            events++;
        }
        return events;
    }
}
