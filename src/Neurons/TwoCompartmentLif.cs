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
        if (!(NoiseRateHz >= 0) || double.IsInfinity(NoiseRateHz) || double.IsNaN(NoiseWeightMv))
            throw new ArgumentException($"{where}: noise rate must be >= 0 and its weight a number");
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
        NoiseThreshold = p.NoiseWeightMv == 0 ? 0 : CounterRng.Threshold(1 - Math.Exp(-p.NoiseRateHz * dtMs * 1e-3));
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
///   I  &lt;- I + (sum of weights of spikes delivered last step)          (jump)
///   C dV/dt = -g_V V + I,   tau_syn dI/dt = -I                          (solved exactly over dt)
///   tau_U dU/dt = -U,       U &lt;- U + (sum of feedback of error spikes)  (dendrite: gates learning only)
///   V &gt; V_T  =&gt; spike, V &lt;- 0, V held at 0 for the refractory period
/// </code>
/// The dendrite never feeds the soma, so inference is unaffected by the error path.
/// State is structure-of-arrays; this function advances one neuron and is what both the CPU loop and the
/// ILGPU kernel call.
/// </summary>
public static class TwoCompartmentLif
{
    /// <summary>Advances one neuron by one step. <paramref name="inputMv"/> and <paramref name="dendriteInputMv"/>
    /// are the sums delivered by last step's spikes; <paramref name="noiseEvent"/> says whether the Poisson noise
    /// source fired this step. Returns true when the neuron spikes.</summary>
    public static bool Step(ref float synapticCurrent, ref float somaticPotential, ref float dendriticPotential,
        ref int refractoryStepsLeft, float inputMv, float dendriteInputMv, bool noiseEvent, in LifCoefficients c)
    {
        float i = synapticCurrent + inputMv;
        float v = somaticPotential * c.MembraneDecay + i * c.CurrentToMembrane;
        if (noiseEvent) v += c.NoiseWeightMv;
        synapticCurrent = i * c.SynapseDecay;
        dendriticPotential = (dendriticPotential + dendriteInputMv) * c.DendriteDecay;
        bool spike = false;
        if (refractoryStepsLeft > 0)
        {
            refractoryStepsLeft--;
            v = 0f;
        }
        else if (v > c.ThresholdMv)
        {
            spike = true;
            v = 0f;
            refractoryStepsLeft = c.RefractorySteps;
        }
        somaticPotential = v;
        return spike;
    }
}
