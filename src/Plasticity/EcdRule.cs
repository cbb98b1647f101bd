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
public readonly record struct EcdParameters(
    double LearningRate = 32e-3,
    double TauStdpMs = 4.0,
    double BurnInFraction = 0.1)
{
    /// <summary>The published defaults (a bare <c>new()</c> of a record struct would give zeros).</summary>
    public EcdParameters() : this(LearningRate: 32e-3) { }

    public void Validate(string where)
    {
        if (!(LearningRate >= 0) || double.IsInfinity(LearningRate))
            throw new ArgumentException($"{where}: LearningRate (--eta) must be >= 0, got {LearningRate}");
        if (!(TauStdpMs > 0) || double.IsInfinity(TauStdpMs))
            throw new ArgumentException($"{where}: TauStdpMs (--tau-stdp-ms) must be a positive number, got {TauStdpMs}");
        if (!(BurnInFraction >= 0 && BurnInFraction < 0.5))
            throw new ArgumentException($"{where}: BurnInFraction (--burn-in) must lie in [0, 0.5), got {BurnInFraction}");
    }
}

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

    /// <summary>x~(t+1) = (x~(t) + s(t)) * decay: the trace carried into the next step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float AdvanceTrace(float traceBefore, bool spiked, float decay) => (spiked ? traceBefore + 1f : traceBefore) * decay;

    /// <summary>Weight change of synapse j -&gt; i on a presynaptic spike of j: eta g times the post trace before this step.
    /// <paramref name="etaG"/> is eta * g, computed once per step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float PreSpikeChange(float etaG, float postTraceBefore) => etaG * postTraceBefore;

    /// <summary><see cref="PreSpikeChange(float, float)"/> for eight synapses at once (the CPU driver's row loop): one
    /// IEEE single multiply per lane, lane for lane the scalar result (the JIT does not fuse it with the caller's add).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> PreSpikeChange(Vector256<float> etaG, Vector256<float> postTraceBefore) => etaG * postTraceBefore;

    /// <summary>Weight change of synapse j -&gt; i on a postsynaptic spike of i: eta g times the pre trace including
    /// this step's spike of j (a same-step pair is counted here, once).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float PostSpikeChange(float etaG, float preTraceBefore, bool preSpikedNow) => etaG * (preSpikedNow ? preTraceBefore + 1f : preTraceBefore);
}
