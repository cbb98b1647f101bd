using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
namespace Neuromorphic.Neurons;

/// <summary>
/// Parameters of the two-compartment leaky integrate-and-fire neuron (MODEL.md section 2; Neftci et al.
/// 2017, Table 2). Potentials and synaptic currents are in millivolts: a current I stands for the
/// voltage I/g_V it would hold the soma at (g_V = 1 nS, so 1 mV of I is 1 pA), which is how the
/// reference code (Auryn's SIFGroup, in volts) writes it too.
/// </summary>
/// <param name="TauMembraneMs">Somatic time constant C/g_V (1 pF / 1 nS = 1 ms).</param>
/// <param name="TauSynapseMs">Decay time constant of the synaptic current I.</param>
/// <param name="TauDendriteMs">Dendritic time constant (reference code: 5 ms; the paper's g_U = 5 nS).</param>
/// <param name="ThresholdMv">Spike when the somatic potential exceeds this (V_T = 100 mV).</param>
/// <param name="RefractoryMs">V is clamped to the reset value for this long after a spike.</param>
/// <param name="NoiseWeightMv">Weight of a 1 kHz Poisson input onto the soma (sigma); 0 turns it off.</param>
/// <param name="NoiseRateHz">Rate of that Poisson input.</param>
public readonly record struct LifParameters(
    double TauMembraneMs = 1.0,
    double TauSynapseMs = 4.0,
    double TauDendriteMs = 5.0,
    double ThresholdMv = 100.0,
    double RefractoryMs = 3.9,
    double NoiseWeightMv = 0.0,
    double NoiseRateHz = 1000.0)
{
    /// <summary>The published defaults (a bare <c>new()</c> of a record struct would give zeros).</summary>
    public LifParameters() : this(TauMembraneMs: 1.0) { }

    /// <summary>Checks every field; <paramref name="where"/> names the owner in the message.</summary>
    public void Validate(string where)
    {
        Require(TauMembraneMs, nameof(TauMembraneMs), where);
        Require(TauSynapseMs, nameof(TauSynapseMs), where);
        Require(TauDendriteMs, nameof(TauDendriteMs), where);
        Require(ThresholdMv, nameof(ThresholdMv), where);
        if (!(RefractoryMs >= 0) || double.IsInfinity(RefractoryMs))
            throw new ArgumentException($"{where}: RefractoryMs must be >= 0, got {RefractoryMs}");
        if (!(NoiseRateHz >= 0) || double.IsInfinity(NoiseRateHz) || !double.IsFinite(NoiseWeightMv))
            throw new ArgumentException(
                $"{where}: noise rate must be >= 0 and its weight a finite number, got {NoiseRateHz} Hz and {NoiseWeightMv} mV");
    }

    internal static void Require(double value, string name, string where)
    {
        if (!(value > 0) || double.IsInfinity(value))
            throw new ArgumentException($"{where}: {name} must be a positive number, got {value}");
    }
}

/// <summary>
/// Per-step constants of the exact integration, computed once per run from <see cref="LifParameters"/>
/// and dt. A flat struct of floats so that a kernel can take it by value.
/// </summary>
public readonly struct LifCoefficients
{
    /// <summary>exp(-dt/tau_m): decay of V over one step.</summary>
    public readonly float MembraneDecay;
    /// <summary>exp(-dt/tau_syn): decay of I over one step.</summary>
    public readonly float SynapseDecay;
    /// <summary>exp(-dt/tau_U): decay of U over one step.</summary>
    public readonly float DendriteDecay;
    /// <summary>Gain of I onto V over one step, exact for an exponentially decaying I:
    /// tau_syn/(tau_syn - tau_m) * (exp(-dt/tau_syn) - exp(-dt/tau_m)); dt/tau exp(-dt/tau) when equal.</summary>
    public readonly float CurrentToMembrane;
    public readonly float ThresholdMv;
    public readonly int RefractorySteps;
    public readonly float NoiseWeightMv;
    /// <summary>Probability threshold (of 2^32) of one noise event per step.</summary>
    public readonly ulong NoiseThreshold;

    /// <summary>Fixed-point state: signed bits of I, V and U (0 = float32 state).</summary>
    public readonly int StateBits;
    /// <summary>mV per least significant bit of the state (a power of two).</summary>
    public readonly float StateStepMv;
    /// <summary>Decays and the current-to-soma gain as 12-bit fractions (value * 2^12, rounded), applied
    /// by integer multiply and arithmetic shift right by 12, as Loihi applies its decays.</summary>
    public readonly int MembraneDecay12, SynapseDecay12, DendriteDecay12, CurrentToMembrane12;
    /// <summary>Threshold and noise weight in state codes.</summary>
    public readonly int ThresholdCode, NoiseCode;

    /// <summary>Bits of the decay fractions in fixed-point mode.</summary>
    public const int DecayFractionBits = 12;

    /// <summary>Fixed-point coefficients: state in <paramref name="stateBits"/>-bit signed codes of
    /// <paramref name="stateStepMv"/> mV each (8..24 bits: float32 storage holds such codes exactly).</summary>
    public LifCoefficients(in LifParameters p, double dtMs, int stateBits, double stateStepMv) : this(p, dtMs)
    {
        if (stateBits == 0) return;
        if (stateBits < 8 || stateBits > 24) throw new ArgumentException($"StateBits must lie in 8..24, got {stateBits}");
        if (!(stateStepMv > 0)) throw new ArgumentException($"state step must be positive, got {stateStepMv} mV");
        StateBits = stateBits;
        StateStepMv = (float)stateStepMv;
        int F(double x) => (int)Math.Round(x * (1 << DecayFractionBits));
        MembraneDecay12 = F(MembraneDecay); SynapseDecay12 = F(SynapseDecay); DendriteDecay12 = F(DendriteDecay);
        CurrentToMembrane12 = F(CurrentToMembrane);
        ThresholdCode = (int)Math.Round(p.ThresholdMv / stateStepMv);
        NoiseCode = (int)Math.Round(p.NoiseWeightMv / stateStepMv);
    }

    public LifCoefficients(in LifParameters p, double dtMs)
    {
        p.Validate("neuron parameters");
        if (!(dtMs > 0)) throw new ArgumentException($"time step dt must be positive, got {dtMs} ms");
        MembraneDecay = (float)Math.Exp(-dtMs / p.TauMembraneMs);
        SynapseDecay = (float)Math.Exp(-dtMs / p.TauSynapseMs);
        DendriteDecay = (float)Math.Exp(-dtMs / p.TauDendriteMs);
        CurrentToMembrane = (float)ExactCurrentGain(p.TauMembraneMs, p.TauSynapseMs, dtMs);
        ThresholdMv = (float)p.ThresholdMv;
        RefractorySteps = (int)Math.Round(p.RefractoryMs / dtMs);
        NoiseWeightMv = (float)p.NoiseWeightMv;
        NoiseThreshold = p.NoiseWeightMv == 0 ? 0 : CounterRng.PoissonThreshold(p.NoiseRateHz, dtMs);
    }

    /// <summary>V(dt) for V(0) = 0, I(0) = 1, dV/dt = (I - V)/tau_m, dI/dt = -I/tau_s.</summary>
    public static double ExactCurrentGain(double tauM, double tauS, double dt)
    {
        if (Math.Abs(tauS - tauM) < 1e-12 * tauM) return dt / tauM * Math.Exp(-dt / tauM);
        return tauS / (tauS - tauM) * (Math.Exp(-dt / tauS) - Math.Exp(-dt / tauM));
    }
}

/// <summary>
/// Two-compartment LIF neuron (hidden and prediction layers), one step of dt, exact where linear:
/// <code>
///   I  &lt;- I + (sum of weights of spikes delivered last step) [+ bias]  (jump)
///   C dV/dt = -g_V V + I,   tau_syn dI/dt = -I                          (solved exactly over dt)
///   tau_U dU/dt = -U,       U &lt;- U + (sum of feedback of error spikes)  (dendrite: gates learning only)
///   V &gt; V_T  =&gt; spike, V &lt;- 0, V held at 0 for the refractory period
/// </code>
/// The dendrite never feeds the soma, so inference is unaffected by the error path.
/// The state of a neuron is <see cref="LifState"/> (on the CPU in rows, <see cref="LifStateRows"/>; in the kernels
/// <c>LifStateView</c>); <see cref="Step(ref LifState, float, float, bool, in LifCoefficients)"/> advances one neuron and is
/// what both the CPU loop and the ILGPU kernels call.
/// </summary>
public static class TwoCompartmentLif
{
    /// <summary>
    /// Steady firing rate (Hz) of <see cref="Step(ref LifState, float, float, bool, in LifCoefficients)"/> for a constant synaptic current
    /// <paramref name="currentMv"/>:
    /// after each spike V is held at 0 for the refractory steps, then charges as I (1 - a^k), a = exp(-dt/tau_m), and
    /// spikes at the first step k where it exceeds the threshold. The step grid is kept, so this is the simulated
    /// period exactly, not the continuous formula; an unbounded current gives the ceiling 1 / (dt (refractory steps + 1)).
    /// </summary>
    public static double SteadyRateHz(double currentMv, in LifParameters p, double dtMs)
    {
        if (currentMv <= p.ThresholdMv) return 0;
        double a = Math.Exp(-dtMs / p.TauMembraneMs);
        // Smallest k with I (1 - a^k) > V_T.
        int k = (int)Math.Floor(Math.Log(1 - p.ThresholdMv / currentMv) / Math.Log(a)) + 1;
        while (k > 1 && currentMv * (1 - Math.Pow(a, k - 1)) > p.ThresholdMv) k--;
        while (currentMv * (1 - Math.Pow(a, k)) <= p.ThresholdMv) k++;
        int refractory = (int)Math.Round(p.RefractoryMs / dtMs);
        return 1000.0 / (dtMs * (refractory + k));
    }

    /// <summary>The highest rate a neuron can fire at (Hz): one spike per refractory period plus one step.</summary>
    public static double SaturationRateHz(in LifParameters p, double dtMs) => 1000.0 / (dtMs * ((int)Math.Round(p.RefractoryMs / dtMs) + 1));

    /// <summary>
    /// The somatic input of one step for a neuron with a bias current: the weights delivered by last step's spikes plus
    /// the neuron's bias <paramref name="biasMv"/>, a constant input that enters I every step exactly as the weight of a
    /// presynaptic neuron spiking at every step would (imported NIR Affine biases, docs/formats.md). One home for the sum,
    /// so that the CPU loop and every kernel add in the same order; neurons without a bias take the delivered sum as is.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SomaInputMv(float deliveredMv, float biasMv) => deliveredMv + biasMv;

    /// <summary>Advances one neuron <paramref name="s"/> by one step: the equations above, the one definition that the CPU
    /// loops and the kernels call (<see cref="StepRow(LifStateRows, Span{float}, Span{float}, in LifCoefficients, Span{int}, bool)"/>
    /// is its vector form, held to it bit for bit by a test). <paramref name="inputMv"/> and <paramref name="dendriteInputMv"/>
    /// are the sums delivered by last step's spikes (with a bias current: <see cref="SomaInputMv"/>); <paramref name="noiseEvent"/>
    /// says whether the Poisson noise source fired this step. Fixed-point coefficients: <see cref="StepFixedPoint"/>.
    /// Returns true when the neuron spikes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Step(ref LifState s, float inputMv, float dendriteInputMv, bool noiseEvent, in LifCoefficients c)
    {
        if (c.StateBits != 0) return StepFixedPoint(ref s, inputMv, dendriteInputMv, noiseEvent, c);
        // The dendrite integrates apart (it drives learning, not the soma): the soma is the one-compartment step.
        s.DendriteMv = (s.DendriteMv + dendriteInputMv) * c.DendriteDecay;
        return StepSomaFloat(ref s, inputMv, noiseEvent, c);
    }

    /// <summary>The one-compartment LIF step (I, V and the refractory count; the dendrite is left as it is): the S2M
    /// sampler's neuron, which has no dendrite to drive. The same arithmetic as the soma of <see cref="Step(ref LifState,
    /// float, float, bool, in LifCoefficients)"/>, float or fixed point.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool StepSoma(ref LifState s, float inputMv, bool noiseEvent, in LifCoefficients c)
    {
        if (c.StateBits == 0) return StepSomaFloat(ref s, inputMv, noiseEvent, c);
        float dendriteMv = s.DendriteMv; // the fixed-point step decays U too: keep it as it was
        bool spike = StepFixedPoint(ref s, inputMv, 0f, noiseEvent, c);
        s.DendriteMv = dendriteMv;
        return spike;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static bool StepSomaFloat(ref LifState s, float inputMv, bool noiseEvent, in LifCoefficients c)
    {
        float i = s.SynapticCurrentMv + inputMv;
        float v = s.SomaMv * c.MembraneDecay + i * c.CurrentToMembrane;
        if (noiseEvent) v += c.NoiseWeightMv;
        s.SynapticCurrentMv = i * c.SynapseDecay;
        int r = s.RefractoryStepsLeft;
        bool spike = FireOrHold(v > c.ThresholdMv, ref r, c.RefractorySteps, out bool reset);
        s.RefractoryStepsLeft = r;
        s.SomaMv = reset ? 0f : v;
        return spike;
    }

    /// <summary><see cref="Step(ref LifState, float, float, bool, in LifCoefficients)"/> for a caller that holds the state
    /// variables apart (I, V, U and the refractory counter).</summary>
    public static bool Step(ref float synapticCurrent, ref float somaticPotential, ref float dendriticPotential,
        ref int refractoryStepsLeft, float inputMv, float dendriteInputMv, bool noiseEvent, in LifCoefficients c)
    {
        var s = new LifState
        {
            SynapticCurrentMv = synapticCurrent, SomaMv = somaticPotential, DendriteMv = dendriticPotential,
            RefractoryStepsLeft = refractoryStepsLeft,
        };
        bool spike = Step(ref s, inputMv, dendriteInputMv, noiseEvent, c);
        synapticCurrent = s.SynapticCurrentMv; somaticPotential = s.SomaMv; dendriticPotential = s.DendriteMv;
        refractoryStepsLeft = s.RefractoryStepsLeft;
        return spike;
    }

    /// <summary>The threshold and refractory rule, shared by the float and fixed-point steps: while refractory the
    /// counter runs down and V is held at the reset value 0; otherwise V above threshold spikes, resets V and starts the
    /// refractory period. <paramref name="reset"/>: V becomes 0 this step. Returns true when the neuron spikes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static bool FireOrHold(bool aboveThreshold, ref int refractoryStepsLeft, int refractorySteps, out bool reset)
    {
        if (refractoryStepsLeft > 0)
        {
            refractoryStepsLeft--;
            reset = true;
            return false;
        }
        reset = aboveThreshold;
        if (aboveThreshold) refractoryStepsLeft = refractorySteps;
        return aboveThreshold;
    }

    /// <summary>
    /// SIMD form of <see cref="Step(ref LifState, float, float, bool, in LifCoefficients)"/> for float state without noise,
    /// over a row of neurons <paramref name="state"/>, for the native CPU path: advances every neuron, clears the inboxes,
    /// and writes the indices of the neurons that spiked to <paramref name="spikes"/> in increasing order; returns their
    /// number. Lane for lane the same IEEE operations as <see cref="Step(ref LifState, float, float, bool, in LifCoefficients)"/>
    /// (separate multiplies and adds, no fused multiply-add), so the state is bit-identical; a test holds it to that. The
    /// vector loop cannot call the scalar function, so the equation is written twice: a change to it is a change to both.
    /// With <paramref name="dendrite"/> false the dendrite and its inbox are left untouched (and may be empty): at
    /// inference nothing drives U, which stays at rest (0 decays to 0), and skipping it saves a third of the memory
    /// traffic. Uses the widest vectors the hardware accelerates.
    /// </summary>
    public static int StepRow(LifStateRows state, Span<float> inputMv, Span<float> dendriteInputMv, in LifCoefficients c, Span<int> spikes,
        bool dendrite = true)
        => StepRow(state, inputMv, dendriteInputMv, c, spikes, dendrite,
            Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : 0);

    /// <summary><see cref="StepRow(LifStateRows, Span{float}, Span{float}, in LifCoefficients, Span{int}, bool)"/>
    /// with vectors of at most <paramref name="vectorBits"/> bits (512, 256, or 0 for the scalar loop), so that
    /// tests can hold every width to the scalar step on hardware that has them all.</summary>
    public static int StepRow(LifStateRows state, Span<float> inputMv, Span<float> dendriteInputMv, in LifCoefficients c, Span<int> spikes,
        bool dendrite, int vectorBits)
    {
        if (c.StateBits != 0) throw new InvalidOperationException("StepRow is the float path; fixed-point state steps neuron by neuron");
        int n = state.Length, i = 0, count = 0;
        // The vector loops read and write without bounds checks (most of their instructions otherwise): check once here.
        if (state.SomaMv.Length < n || state.RefractoryStepsLeft.Length < n || inputMv.Length < n || spikes.Length < n
            || (dendrite && (state.DendriteMv.Length < n || dendriteInputMv.Length < n)))
            throw new ArgumentException($"StepRow: every row must hold the {n} neurons of the synaptic-current row");
        ref float cur0 = ref MemoryMarshal.GetReference(state.SynapticCurrentMv), soma0 = ref MemoryMarshal.GetReference(state.SomaMv);
        ref float dend0 = ref MemoryMarshal.GetReference(state.DendriteMv), inS0 = ref MemoryMarshal.GetReference(inputMv);
        ref float inD0 = ref MemoryMarshal.GetReference(dendriteInputMv);
        ref int refr0 = ref MemoryMarshal.GetReference(state.RefractoryStepsLeft);
        if (vectorBits >= 512 && Vector512.IsHardwareAccelerated)
            StepRowVectors<Vector512<float>, Vector512<int>>(ref cur0, ref soma0, ref dend0, ref refr0, ref inS0, ref inD0, n, c, spikes, dendrite,
                ref i, ref count);
        if (vectorBits >= 256 && Vector256.IsHardwareAccelerated)
            StepRowVectors<Vector256<float>, Vector256<int>>(ref cur0, ref soma0, ref dend0, ref refr0, ref inS0, ref inD0, n, c, spikes, dendrite,
                ref i, ref count);
        for (; i < n; i++)
        {
            var s = new LifState
            {
                SynapticCurrentMv = state.SynapticCurrentMv[i], SomaMv = state.SomaMv[i], DendriteMv = dendrite ? state.DendriteMv[i] : 0f,
                RefractoryStepsLeft = state.RefractoryStepsLeft[i],
            };
            if (Step(ref s, inputMv[i], dendrite ? dendriteInputMv[i] : 0f, false, c)) spikes[count++] = i;
            state.SynapticCurrentMv[i] = s.SynapticCurrentMv; state.SomaMv[i] = s.SomaMv; state.RefractoryStepsLeft[i] = s.RefractoryStepsLeft;
            inputMv[i] = 0f;
            if (dendrite) { state.DendriteMv[i] = s.DendriteMv; dendriteInputMv[i] = 0f; }
        }
        return count;
    }

    /// <summary>The vector loop of <see cref="StepRow(LifStateRows, Span{float}, Span{float}, in LifCoefficients, Span{int}, bool, int)"/>,
    /// written once for every width <typeparamref name="TF"/> (<see cref="Simd{TF, TI}"/>): from neuron
    /// <paramref name="next"/> while a whole vector fits, advancing it and appending spikes at <paramref name="spikeCount"/>.</summary>
    static void StepRowVectors<TF, TI>(ref float cur0, ref float soma0, ref float dend0, ref int refr0, ref float inS0, ref float inD0,
        int n, in LifCoefficients c, Span<int> spikes, bool dendrite, ref int next, ref int spikeCount) where TF : struct where TI : struct
    {
        // Locals, not the caller's by-ref counters, inside the loop (they stay in registers).
        int width = Simd<TF, TI>.Count, i = next, count = spikeCount;
        var md = Simd<TF, TI>.Splat(c.MembraneDecay); var gain = Simd<TF, TI>.Splat(c.CurrentToMembrane);
        var sd = Simd<TF, TI>.Splat(c.SynapseDecay); var dd = Simd<TF, TI>.Splat(c.DendriteDecay);
        var thr = Simd<TF, TI>.Splat(c.ThresholdMv); var refrSteps = Simd<TF, TI>.Splat(c.RefractorySteps);
        var zero = Simd<TF, TI>.Splat(0f); var zeroI = Simd<TF, TI>.Splat(0); var one = Simd<TF, TI>.Splat(1);
        for (; i <= n - width; i += width)
        {
            nuint x = (nuint)i;
            var cur = Simd<TF, TI>.Add(Simd<TF, TI>.Load(ref cur0, x), Simd<TF, TI>.Load(ref inS0, x));
            var v = Simd<TF, TI>.Add(Simd<TF, TI>.Multiply(Simd<TF, TI>.Load(ref soma0, x), md), Simd<TF, TI>.Multiply(cur, gain));
            Simd<TF, TI>.Store(Simd<TF, TI>.Multiply(cur, sd), ref cur0, x);
            Simd<TF, TI>.Store(zero, ref inS0, x);
            if (dendrite)
            {
                Simd<TF, TI>.Store(Simd<TF, TI>.Multiply(Simd<TF, TI>.Add(Simd<TF, TI>.Load(ref dend0, x), Simd<TF, TI>.Load(ref inD0, x)),
                    dd), ref dend0, x);
                Simd<TF, TI>.Store(zero, ref inD0, x);
            }
            var r = Simd<TF, TI>.Load(ref refr0, x);
            var refractory = Simd<TF, TI>.GreaterThan(r, zeroI);
            var spike = Simd<TF, TI>.AndNot(Simd<TF, TI>.GreaterThan(v, thr), refractory);
            Simd<TF, TI>.Store(Simd<TF, TI>.Select(refractory, Simd<TF, TI>.Subtract(r, one), Simd<TF, TI>.Select(spike, refrSteps, r)),
                ref refr0, x);
            Simd<TF, TI>.Store(Simd<TF, TI>.Select(Simd<TF, TI>.Or(refractory, spike), zero, v), ref soma0, x);
            for (ulong bits = Simd<TF, TI>.SignBits(spike); bits != 0; bits &= bits - 1)
                spikes[count++] = i + System.Numerics.BitOperations.TrailingZeroCount(bits);
        }
        next = i;
        spikeCount = count;
    }

    /// <summary>
    /// The operations <see cref="StepRowVectors"/> needs, for float vectors <typeparamref name="TF"/> and int vectors
    /// <typeparamref name="TI"/> of one width: <see cref="Vector512{T}"/> or <see cref="Vector256{T}"/>. The runtime's own
    /// width-generic interface (ISimdVector) is not public in .NET 10, so each operation picks its intrinsic by a type
    /// test that the JIT folds away in each instantiation: the compiled loop is the hand-written one of that width.
    /// </summary>
    static class Simd<TF, TI> where TF : struct where TI : struct
    {
        static bool Wide { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => typeof(TF) == typeof(Vector512<float>); }
        public static int Count { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Wide ? 16 : 8; }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static T As<TFrom, T>(TFrom v) where TFrom : struct where T : struct => Unsafe.BitCast<TFrom, T>(v);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TF Splat(float x) => Wide ? As<Vector512<float>, TF>(Vector512.Create(x)) : As<Vector256<float>, TF>(Vector256.Create(x));
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TI Splat(int x) => Wide ? As<Vector512<int>, TI>(Vector512.Create(x)) : As<Vector256<int>, TI>(Vector256.Create(x));
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TF Load(ref float r, nuint i) => Wide ? As<Vector512<float>, TF>(Vector512.LoadUnsafe(ref r, i))
            : As<Vector256<float>, TF>(Vector256.LoadUnsafe(ref r, i));
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TI Load(ref int r, nuint i) => Wide ? As<Vector512<int>, TI>(Vector512.LoadUnsafe(ref r, i))
            : As<Vector256<int>, TI>(Vector256.LoadUnsafe(ref r, i));
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(TF v, ref float r, nuint i)
        {
            if (Wide) As<TF, Vector512<float>>(v).StoreUnsafe(ref r, i);
            else As<TF, Vector256<float>>(v).StoreUnsafe(ref r, i);
        }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(TI v, ref int r, nuint i)
        {
            if (Wide) As<TI, Vector512<int>>(v).StoreUnsafe(ref r, i);
            else As<TI, Vector256<int>>(v).StoreUnsafe(ref r, i);
        }
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TF Add(TF a, TF b) => Wide ? As<Vector512<float>, TF>(As<TF, Vector512<float>>(a) + As<TF, Vector512<float>>(b))
            : As<Vector256<float>, TF>(As<TF, Vector256<float>>(a) + As<TF, Vector256<float>>(b));
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TF Multiply(TF a, TF b) => Wide ? As<Vector512<float>, TF>(As<TF, Vector512<float>>(a) * As<TF, Vector512<float>>(b))
            : As<Vector256<float>, TF>(As<TF, Vector256<float>>(a) * As<TF, Vector256<float>>(b));
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TI Subtract(TI a, TI b) => Wide ? As<Vector512<int>, TI>(As<TI, Vector512<int>>(a) - As<TI, Vector512<int>>(b))
            : As<Vector256<int>, TI>(As<TI, Vector256<int>>(a) - As<TI, Vector256<int>>(b));
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TI Or(TI a, TI b) => Wide ? As<Vector512<int>, TI>(As<TI, Vector512<int>>(a) | As<TI, Vector512<int>>(b))
            : As<Vector256<int>, TI>(As<TI, Vector256<int>>(a) | As<TI, Vector256<int>>(b));
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TI AndNot(TI a, TI b) => Wide ? As<Vector512<int>, TI>(Vector512.AndNot(As<TI, Vector512<int>>(a), As<TI, Vector512<int>>(b)))
            : As<Vector256<int>, TI>(Vector256.AndNot(As<TI, Vector256<int>>(a), As<TI, Vector256<int>>(b)));
        /// <summary>All bits set where a &gt; b, as an int mask.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TI GreaterThan(TF a, TF b) => Wide
            ? As<Vector512<int>, TI>(Vector512.GreaterThan(As<TF, Vector512<float>>(a), As<TF, Vector512<float>>(b)).AsInt32())
            : As<Vector256<int>, TI>(Vector256.GreaterThan(As<TF, Vector256<float>>(a), As<TF, Vector256<float>>(b)).AsInt32());
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TI GreaterThan(TI a, TI b) => Wide
            ? As<Vector512<int>, TI>(Vector512.GreaterThan(As<TI, Vector512<int>>(a), As<TI, Vector512<int>>(b)))
            : As<Vector256<int>, TI>(Vector256.GreaterThan(As<TI, Vector256<int>>(a), As<TI, Vector256<int>>(b)));
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TI Select(TI mask, TI a, TI b) => Wide
            ? As<Vector512<int>, TI>(Vector512.ConditionalSelect(As<TI, Vector512<int>>(mask), As<TI, Vector512<int>>(a), As<TI, Vector512<int>>(b)))
            : As<Vector256<int>, TI>(Vector256.ConditionalSelect(As<TI, Vector256<int>>(mask), As<TI, Vector256<int>>(a), As<TI, Vector256<int>>(b)));
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TF Select(TI mask, TF a, TF b) => Wide
            ? As<Vector512<float>, TF>(Vector512.ConditionalSelect(As<TI, Vector512<int>>(mask).AsSingle(),
                As<TF, Vector512<float>>(a), As<TF, Vector512<float>>(b)))
            : As<Vector256<float>, TF>(Vector256.ConditionalSelect(As<TI, Vector256<int>>(mask).AsSingle(),
                As<TF, Vector256<float>>(a), As<TF, Vector256<float>>(b)));
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong SignBits(TI mask) => Wide ? As<TI, Vector512<int>>(mask).ExtractMostSignificantBits()
            : As<TI, Vector256<int>>(mask).ExtractMostSignificantBits();
    }

    /// <summary>
    /// The same neuron in fixed point, bit-accurate like a digital chip. State I, V, U are signed S-bit codes
    /// of StateStepMv each (stored as float32, exact up to 24 bits); inputs are rounded to codes (nearest);
    /// every product is a 64-bit integer shifted right by 12 (floor); every result saturates at the S-bit range:
    /// <code>
    ///   i = sat(I + x);   v = sat((V*dm)&gt;&gt;12 + (i*g)&gt;&gt;12 [+ noise]);   I = sat((i*ds)&gt;&gt;12);   U = sat(((U + y)*dd)&gt;&gt;12)
    ///   v &gt; theta =&gt; spike, v = 0, refractory as in float mode
    /// </code>
    /// dm, ds, dd, g: the decays and the current gain of <see cref="LifCoefficients"/> as 12-bit fractions.
    /// </summary>
    public static bool StepFixedPoint(ref LifState state, float inputMv, float dendriteInputMv, bool noiseEvent, in LifCoefficients c)
    {
        long max = (1L << (c.StateBits - 1)) - 1, min = -(1L << (c.StateBits - 1));
        float s = c.StateStepMv;
        long i = Saturate(Code(state.SynapticCurrentMv, s) + Code(inputMv, s), min, max);
        const int f = LifCoefficients.DecayFractionBits;
        long v = Saturate(((Code(state.SomaMv, s) * c.MembraneDecay12) >> f) + ((i * c.CurrentToMembrane12) >> f) + (noiseEvent ? c.NoiseCode : 0),
            min, max);
        long cur = Saturate((i * c.SynapseDecay12) >> f, min, max);
        long u = Saturate(((Code(state.DendriteMv, s) + Code(dendriteInputMv, s)) * c.DendriteDecay12) >> f, min, max);
        int r = state.RefractoryStepsLeft;
        bool spike = FireOrHold(v > c.ThresholdCode, ref r, c.RefractorySteps, out bool reset);
        state.RefractoryStepsLeft = r;
        if (reset) v = 0;
        state.SynapticCurrentMv = cur * s;
        state.SomaMv = v * s;
        state.DendriteMv = u * s;
        return spike;
    }

    /// <summary>Nearest code of a value in mV (floor(x/s + 1/2)), clamped far outside any state range.</summary>
    static long Code(float valueMv, float step)
    {
        float y = valueMv / step + 0.5f;
        if (y > 1e15f) y = 1e15f;
        if (y < -1e15f) y = -1e15f;
        return (long)MathF.Floor(y);
    }

    static long Saturate(long x, long min, long max) => x > max ? max : x < min ? min : x;
}
