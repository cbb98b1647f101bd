using System.Numerics;
using System.Runtime.CompilerServices;

namespace Neuromorphic.Plasticity;

/// <summary>
/// Parameters of event-driven random back-propagation (MODEL.md section 5).
/// </summary>
/// <param name="LearningRate">eta: a weight moves by eta * U (mV per mV of dendritic potential).</param>
/// <param name="GateLowMv">Lower edge of the boxcar on the postsynaptic synaptic current I.</param>
/// <param name="GateHighMv">Upper edge of the boxcar.</param>
/// <param name="OnsetMs">Plasticity is off for this long at the start of each training sample (50 ms).</param>
public readonly record struct ErbpParameters(
    double LearningRate = 6e-4,
    double GateLowMv = -600.0,
    double GateHighMv = 600.0,
    double OnsetMs = 50.0)
{
    /// <summary>The published defaults (a bare <c>new()</c> of a record struct would give zeros).</summary>
    public ErbpParameters() : this(LearningRate: 6e-4) { }

    public void Validate(string where)
    {
        if (!(LearningRate >= 0) || double.IsInfinity(LearningRate))
            throw new ArgumentException($"{where}: the learning rate (--eta) must be a number >= 0, got {LearningRate}");
        if (!(GateLowMv < GateHighMv))
            throw new ArgumentException($"{where}: GateLowMv ({GateLowMv}) must be below GateHighMv ({GateHighMv})");
        if (!(OnsetMs >= 0)) throw new ArgumentException($"{where}: OnsetMs must be >= 0, got {OnsetMs}");
    }
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

    /// <summary>
    /// SIMD form of <see cref="WeightChange"/> over a weight row, for the native CPU path: for every i,
    /// row[i] += WeightChange(current[i], dendrite[i]). Lane for lane the same IEEE operations as the
    /// scalar form (a multiply, then an add), so results are bit-identical; a test holds it to that.
    /// </summary>
    public static void ApplyToRow(Span<float> row, ReadOnlySpan<float> current, ReadOnlySpan<float> dendrite,
        float learningRate, float gateLow, float gateHigh)
    {
        int n = row.Length, i = 0;
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
}
