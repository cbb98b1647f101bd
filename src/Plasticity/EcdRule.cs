using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Neuromorphic.Plasticity;

/// <summary>
/// Parameters of event-driven contrastive divergence (MODEL.md section 6; Neftci et al. 2014, 2016).
/// </summary>
/// <param name="LearningRate">eta: a weight moves by eta * g * trace for each spike (mV per unit of trace,
/// a trace being a sum of exp(-dt/tau_STDP) over earlier partner spikes). 2014 code: 32e-3.</param>
/// <param name="TauStdpMs">Time constant of the symmetric exponential STDP window (4 ms).</param>
/// <param name="BurnInFraction">Fraction of the sample duration T with g = 0 at the start of each phase (10%).</param>
/// <param name="Pairing">Which pre/post spike pairs the STDP window counts: all of them (the 2014 model) or only nearest
/// neighbours (the Auryn eCD synapse of 2015).</param>
/// <param name="WeightMaxMv">Potentiation stops at this weight (mV; the Auryn synapse's maximum weight); 0 = no cap.</param>
/// <param name="WeightDecay">Fraction of every weight (bias weights too) removed after each training sample, scaled
/// by the schedule (decay x eta_now / eta_0); 0 = none. An RBM's L2 decay: it bounds the growth that slows the samplers'
/// mixing at a constant rate.</param>
public readonly record struct EcdParameters(
    double LearningRate = 32e-3,
    double TauStdpMs = 4.0,
    double BurnInFraction = 0.1,
    StdpPairing Pairing = StdpPairing.All,
    double WeightMaxMv = 0,
    double WeightDecay = 0)
{
    /// <summary>The published defaults (a bare <c>new()</c> of a record struct would give zeros).</summary>
    public EcdParameters() : this(LearningRate: 32e-3) { }

    public void Validate(string where)
    {
        if (!(LearningRate >= 0) || double.IsInfinity(LearningRate))
            throw new ArgumentException($"{where}: {nameof(LearningRate)} must be >= 0, got {LearningRate}", nameof(LearningRate));
        if (!(TauStdpMs > 0) || double.IsInfinity(TauStdpMs))
            throw new ArgumentException($"{where}: {nameof(TauStdpMs)} must be a positive number, got {TauStdpMs}", nameof(TauStdpMs));
        if (!(BurnInFraction >= 0 && BurnInFraction < 0.5))
            throw new ArgumentException($"{where}: {nameof(BurnInFraction)} must lie in [0, 0.5), got {BurnInFraction}", nameof(BurnInFraction));
        if (!Enum.IsDefined(Pairing))
            throw new ArgumentException($"{where}: {nameof(Pairing)} {(int)Pairing} is not one of all (0), nearest (1)", nameof(Pairing));
        if (!(WeightDecay >= 0 && WeightDecay <= 0.01))
            throw new ArgumentException($"{where}: {nameof(WeightDecay)} must lie in [0, 0.01] per sample (0 = none), got "
                + $"{WeightDecay}", nameof(WeightDecay));
        if (!(WeightMaxMv >= 0) || WeightMaxMv > 1e6)
            throw new ArgumentException($"{where}: {nameof(WeightMaxMv)} must lie in [0, 1e6] mV (0 = no cap), got "
                + $"{WeightMaxMv}", nameof(WeightMaxMv));
    }

    /// <summary>The factor every weight is multiplied by after <paramref name="samples"/> training samples at rate
    /// <paramref name="etaNow"/>: (1 - decay x eta_now / eta_0)^samples, in float as both backends apply it.</summary>
    public float DecayFactor(double etaNow, int samples) =>
        WeightDecay > 0 && LearningRate > 0 ? (float)Math.Pow(1 - WeightDecay * etaNow / LearningRate, samples) : 1f;

    /// <summary>What the synapse event needs of the variant, as the CPU rows and the kernels take it.</summary>
    public EcdSynapse Synapse => new(Pairing == StdpPairing.Nearest ? 1 : 0, (float)WeightMaxMv);
}

/// <summary>Which spike pairs the eCD STDP window counts.</summary>
public enum StdpPairing
{
    /// <summary>Every pre/post pair of a phase, each weighted exp(-|dt|/tau) (traces add 1 per spike).</summary>
    All = 0,
    /// <summary>Each spike pairs only with its partner's latest spike (traces are reset to 1 by a spike).</summary>
    Nearest = 1,
}

/// <summary>The eCD variant as the synapse event uses it (blittable, for the kernels): <see cref="Nearest"/> 1 for
/// nearest-neighbour pairing; <see cref="WeightMaxMv"/> the potentiation cap, 0 for none.</summary>
public readonly record struct EcdSynapse(int Nearest, float WeightMaxMv);

/// <summary>
/// Event-driven contrastive divergence: dw_ij/dt = eta g(t) STDP_ij(t), written as what happens on a
/// presynaptic (visible) spike and on a postsynaptic (hidden) spike, with one trace per neuron:
/// <code>
///   trace before step t:  x~(t) = sum over the neuron's spikes at t' &lt; t of exp(-(t - t') dt / tau_STDP)
///   pre spike j at t:     W[j,i] += eta g * y~_i(t)                  (pairs with post spikes strictly before)
///   post spike i at t:    W[j,i] += eta g * (x~_j(t) + s_j(t))       (pairs with pre spikes before or at t)
/// </code>
/// Every pre/post pair within a phase is counted exactly once with weight exp(-|t_post - t_pre| dt / tau),
/// a symmetric window. g(t) is the global modulation of <see cref="Modulation"/>; traces restart at zero at
/// the start of each phase so that data-phase spikes never pair with reconstruction-phase spikes.
/// </summary>
public static class EcdRule
{
    /// <summary>exp(-dt/tau_STDP): the decay of a trace over one step.</summary>
    public static float TraceDecay(double tauStdpMs, double dtMs) => (float)Math.Exp(-dtMs / tauStdpMs);

    /// <summary>Steps of g = 0 at the start of each phase: round(BurnInFraction * steps per sample).</summary>
    public static int BurnInSteps(int stepsPerSample, double burnInFraction) => (int)Math.Round(burnInFraction * stepsPerSample);

    /// <summary>First step of the reconstruction phase (T/2).</summary>
    public static int ReconstructionStart(int stepsPerSample) => stepsPerSample / 2;

    /// <summary>
    /// The global modulation g(t) of a training sample of <paramref name="stepsPerSample"/> steps:
    /// 0 during the first burn-in, +1 in the rest of the data phase (t &lt; T/2, visible units clamped),
    /// 0 during the second burn-in, -1 in the rest of the reconstruction phase (visible units free).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Modulation(int step, int stepsPerSample, int burnInSteps)
    {
        int half = stepsPerSample / 2;
        if (step < half) return step < burnInSteps ? 0 : 1;
        return step - half < burnInSteps ? 0 : -1;
    }

    /// <summary>True at the first step of each phase, where every trace restarts at zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsPhaseStart(int step, int stepsPerSample) => step == 0 || step == stepsPerSample / 2;

    /// <summary>x~(t+1) = (x~(t) + s(t)) * decay: the trace carried into the next step. With nearest pairing a spike
    /// resets the trace to 1 instead (x~(t+1) = decay), so a partner pairs only with this latest spike.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float AdvanceTrace(float traceBefore, bool spiked, float decay, int nearest = 0)
        => (spiked ? (nearest != 0 ? 1f : traceBefore + 1f) : traceBefore) * decay;

    /// <summary>One weight after the per-sample decay (<see cref="EcdParameters.DecayFactor"/>): the CPU rows and the
    /// kernel call this one product, so both backends round alike.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Decayed(float w, float factor) => w * factor;

    /// <summary>Every weight of <paramref name="w"/> after the per-sample decay.</summary>
    public static void Decay(Span<float> w, float factor)
    {
        for (int k = 0; k < w.Length; k++) w[k] = Decayed(w[k], factor);
    }

    /// <summary>The potentiation cap: a change never lifts a weight above <paramref name="weightMaxMv"/> (nor above where it
    /// already was); depression is not bounded. min(after, max(before, cap)), which is <paramref name="after"/> for any
    /// change that does not raise the weight. 0: no cap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Cap(float before, float after, float weightMaxMv)
    {
        if (!(weightMaxMv > 0f)) return after;
        float limit = before > weightMaxMv ? before : weightMaxMv;
        return after > limit ? limit : after;
    }

    /// <summary>Weight change of synapse j -&gt; i on a presynaptic spike of j: eta g times the post trace before this step.
    /// <paramref name="etaG"/> is eta * g, computed once per step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float PreSpikeChange(float etaG, float postTraceBefore) => etaG * postTraceBefore;

    /// <summary><see cref="PreSpikeChange(float, float)"/> for eight synapses at once (the CPU driver's row loop): one
    /// IEEE single multiply per lane, lane for lane the scalar result (the JIT does not fuse it with the caller's add).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> PreSpikeChange(Vector256<float> etaG, Vector256<float> postTraceBefore) => etaG * postTraceBefore;

    /// <summary>Weight change of synapse j -&gt; i on a postsynaptic spike of i: eta g times the pre trace including
    /// this step's spike of j (a same-step pair is counted here, once).
    /// With nearest pairing a same-step pre spike is the nearest one: the pair counts 1 alone.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float PostSpikeChange(float etaG, float preTraceBefore, bool preSpikedNow, int nearest = 0)
        => etaG * (preSpikedNow ? (nearest != 0 ? 1f : preTraceBefore + 1f) : preTraceBefore);

    /// <summary><see cref="AdvanceTrace"/> over a row of neurons, eight at a time: x~ = (x~ + s) * decay with
    /// <paramref name="spiked"/> 1 or 0. Bit for bit the scalar form, because a trace is never -0 (it starts at +0
    /// and only grows by 1 and shrinks by a positive factor), so x~ + 0 is x~.</summary>
    public static void AdvanceTraces(Span<float> trace, ReadOnlySpan<float> spiked, float decay, int nearest = 0)
    {
        int n = trace.Length, i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var d = Vector256.Create(decay);
            if (nearest != 0)
            {
                var one = Vector256.Create(1f);
                for (; i <= n - 8; i += 8)
                {
                    var s = Vector256.Create<float>(spiked.Slice(i));
                    (Vector256.ConditionalSelect(Vector256.Equals(s, Vector256<float>.Zero), Vector256.Create<float>(trace.Slice(i)),
                        one) * d).CopyTo(trace.Slice(i));
                }
            }
            else
                for (; i <= n - 8; i += 8)
                    ((Vector256.Create<float>(trace.Slice(i)) + Vector256.Create<float>(spiked.Slice(i))) * d).CopyTo(trace.Slice(i));
        }
        for (; i < n; i++) trace[i] = AdvanceTrace(trace[i], spiked[i] != 0f, decay, nearest);
    }

    /// <summary>
    /// The presynaptic updates of one spike over its row of synapses: where the synapse transmitted the event
    /// (draw below <paramref name="threshold"/>, or always when not <paramref name="stochastic"/>) and is not
    /// pruned (<paramref name="mask"/> entry 0; empty: none), w += <see cref="PreSpikeChange(float, float)"/>.
    /// Without a mask eight synapses at a time, one multiply then one add per element as in the scalar loop
    /// (a blended select leaves the other weights' bits untouched). With <paramref name="changed"/> (room for the
    /// whole row) it lists the positions whose bits changed and returns their number (a copy kept elsewhere, as the
    /// S2M's transposed mirror, then needs only those); otherwise returns 0. When <paramref name="quantized"/> the weights
    /// are fixed point on <paramref name="grid"/>: synapse by synapse, each changed weight rounded onto the grid with the
    /// draws of the row keyed <paramref name="roundingKey"/> (<see cref="WeightUpdate"/>).
    /// </summary>
    public static int PreSpikeRow(Span<float> row, ReadOnlySpan<float> postTrace, ReadOnlySpan<uint> draws, uint threshold, bool stochastic,
        float etaG, ReadOnlySpan<byte> mask = default, Span<int> changed = default, bool quantized = false,
            in QuantCoefficients grid = default, ulong roundingKey = 0,
        EcdSynapse variant = default)
        => UpdateRow(row, postTrace, default, draws, threshold, stochastic, etaG, mask, changed, quantized, grid, roundingKey, variant);

    /// <summary>Appends the positions (from <paramref name="i0"/>) whose bits differ between two vectors, without a
    /// branch per position: all eight lanes of the lane mask's compacted positions (<see cref="s_compacted"/>) are
    /// stored and the count advances by the mask's population (a loop over the set bits mispredicted its exit about
    /// once per vector). Writes eight entries from <paramref name="count"/>, so <paramref name="changed"/> needs
    /// room for i0 + 8 entries (count never exceeds i0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static int Changed(Vector256<float> before, Vector256<float> after, int i0, Span<int> changed, int count)
    {
        uint bits = (~Vector256.Equals(before.AsInt32(), after.AsInt32())).ExtractMostSignificantBits();
        (Vector256.Create(i0) + Vector256.Create<int>(s_compacted.AsSpan((int)bits * 8, 8))).CopyTo(changed.Slice(count));
        return count + System.Numerics.BitOperations.PopCount(bits);
    }

    /// <summary>For each 8-bit lane mask m, the indices of its set bits in increasing order, padded to eight entries.</summary>
    static readonly int[] s_compacted = BuildCompacted();

    static int[] BuildCompacted()
    {
        var t = new int[256 * 8];
        for (int m = 0; m < 256; m++)
            for (int bit = 0, k = 0; bit < 8; bit++)
                if ((m & (1 << bit)) != 0) t[m * 8 + k++] = bit;
        return t;
    }

    /// <summary>
    /// The postsynaptic updates of one spike over the synapses that reach it, laid out as a row (the S2M's
    /// transposed mirror): where transmitted and not pruned, w += <see cref="PostSpikeChange"/> with the partner's
    /// trace and whether it spiked this step (<paramref name="preSpiked"/> 1 or 0). Without a mask eight at a
    /// time: eta g (x~ + s) is the scalar form bit for bit (x~ + 0 is x~, traces are never -0). <paramref name="changed"/>
    /// as in <see cref="PreSpikeRow"/>.
    /// </summary>
    public static int PostSpikeRow(Span<float> row, ReadOnlySpan<float> preTrace, ReadOnlySpan<float> preSpiked, ReadOnlySpan<uint> draws,
        uint threshold, bool stochastic, float etaG, ReadOnlySpan<byte> mask = default, Span<int> changed = default,
        bool quantized = false, in QuantCoefficients grid = default, ulong roundingKey = 0, EcdSynapse variant = default)
        => UpdateRow(row, preTrace, preSpiked, draws, threshold, stochastic, etaG, mask, changed, quantized, grid, roundingKey, variant);

    /// <summary>The row loop of <see cref="PreSpikeRow"/> (<paramref name="partnerSpiked"/> empty: the change is
    /// <see cref="PreSpikeChange(float, float)"/>) and <see cref="PostSpikeRow"/> (the change is <see cref="PostSpikeChange"/>).</summary>
    static int UpdateRow(Span<float> row, ReadOnlySpan<float> partnerTrace, ReadOnlySpan<float> partnerSpiked, ReadOnlySpan<uint> draws,
        uint threshold, bool stochastic, float etaG, ReadOnlySpan<byte> mask, Span<int> changed, bool quantized,
            in QuantCoefficients grid, ulong roundingKey,
        EcdSynapse variant)
    {
        int n = row.Length, i = 0, count = 0;
        bool track = !changed.IsEmpty, post = !partnerSpiked.IsEmpty;
        bool nearest = variant.Nearest != 0, capped = variant.WeightMaxMv > 0f;
        if (mask.IsEmpty && !quantized && Vector256.IsHardwareAccelerated)
        {
            var thr = Vector256.Create(threshold);
            var vEtaG = Vector256.Create(etaG);
            var cap = Vector256.Create(variant.WeightMaxMv);
            var one = Vector256.Create(1f);
            for (; i <= n - 8; i += 8)
            {
                var transmit = BlankOutSynapse.Transmits(draws, i, thr, stochastic);
                var wv = Vector256.Create<float>(row.Slice(i));
                var trace = Vector256.Create<float>(partnerTrace.Slice(i));
                Vector256<float> change;
                if (!post) change = PreSpikeChange(vEtaG, trace);
                else if (nearest)
                    change = vEtaG * Vector256.ConditionalSelect(Vector256.Equals(Vector256.Create<float>(partnerSpiked.Slice(i)),
                        Vector256<float>.Zero), trace, one);
                else change = vEtaG * (trace + Vector256.Create<float>(partnerSpiked.Slice(i)));
                var sum = wv + change;
                // Cap: min(after, max(before, cap)), lane for lane the scalar Cap (no NaN; the limit is > 0, so no +-0 tie).
                if (capped) sum = Vector256.Min(sum, Vector256.Max(wv, cap));
                var updated = Vector256.ConditionalSelect(transmit, sum, wv);
                updated.CopyTo(row.Slice(i));
                if (track) count = Changed(wv, updated, i, changed, count);
            }
        }
        for (; i < n; i++)
        {
            if (!mask.IsEmpty && mask[i] == 0) continue;
            if (stochastic && !BlankOutSynapse.Transmits(draws[i], threshold)) continue;
            float before = row[i];
            float dw = post ? PostSpikeChange(etaG, partnerTrace[i], partnerSpiked[i] != 0f, variant.Nearest) : PreSpikeChange(etaG, partnerTrace[i]);
            row[i] = Cap(before, WeightUpdate.Apply(before, dw, quantized, grid, roundingKey, i), variant.WeightMaxMv);
            if (track && BitConverter.SingleToInt32Bits(row[i]) != BitConverter.SingleToInt32Bits(before)) changed[count++] = i;
        }
        return count;
    }
}
