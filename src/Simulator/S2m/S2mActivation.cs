using Neuromorphic.Neurons;
using Neuromorphic.Plasticity;

namespace Neuromorphic.Simulator.S2m;

/// <summary>One point of the activation curve: normalised drive, measured and predicted firing probability.</summary>
public readonly record struct ActivationPoint(double Drive, double Measured, double Predicted, int Trials);

/// <summary>
/// How blank-out gives the S2M sampler its erf activation (MODEL.md section 6), measured on one sampler
/// neuron. In each trial N presynaptic neurons fire together once (all z = 1); each event reaches the
/// sampler with probability p, independently per synapse and trial (<see cref="BlankOutSynapse"/>, drawn
/// from the counter-based generator). The transmitted sum S = sum_k xi_k w_k jumps the synaptic current;
/// the neuron (the unchanged one-compartment <see cref="TwoCompartmentLif.StepSoma"/> with the sampler's parameters) then
/// fires if S times the peak of its postsynaptic potential, G, crosses the threshold. For many inputs S
/// is close to Gaussian with mean p sum w and variance p(1-p) sum w^2, so
/// <code>
///   P(spike) = 1/2 (1 + erf(u / sqrt 2)),   u = (p sum w - theta/G) / sqrt(p (1-p) sum w^2)
/// </code>
/// an erf of the normalised drive u: the sigmoid of a Boltzmann machine, up to scale, with no noise source
/// but the synapses. The weights are w_k = mu + spread * (uniform in [-1, 1]); sweeping mu sweeps u.
/// </summary>
public static class S2mActivation
{
    /// <summary>Peak of V for a unit jump of I, under coefficients whose threshold is never reached (V is linear in the jump).</summary>
    public static double PeakGain(in LifCoefficients free, int steps)
    {
        var s = new LifState();
        double peak = 0;
        for (int t = 0; t < steps; t++)
        {
            TwoCompartmentLif.StepSoma(ref s, t == 0 ? 1f : 0f, false, free);
            peak = Math.Max(peak, s.SomaMv);
        }
        return peak;
    }

    /// <summary>Peak of V for a unit jump of I in a sampler with these parameters (0.63 for tau_m 1 ms, tau_syn 4 ms at dt 0.1 ms).</summary>
    public static double PeakGain(LifParameters sampler, double dtMs)
        => PeakGain(new LifCoefficients(sampler with { ThresholdMv = 1e30, RefractoryMs = 0 }, dtMs),
            (int)Math.Round(5 * Math.Max(sampler.TauSynapseMs, sampler.TauMembraneMs) / dtMs));

    public static List<ActivationPoint> Measure(LifParameters sampler, double dtMs, double p, int inputs, double spreadMv,
        IReadOnlyList<double> meanWeightsMv, int trials, ulong seed)
    {
        if (!(p > 0 && p < 1)) throw new NeuromorphicException($"blank-out probability must lie in (0, 1) for an activation curve, got {p}");
        if (inputs < 1 || trials < 1) throw new NeuromorphicException("activation: inputs and trials must be at least 1");
        sampler.Validate("sampler");
        var c = new LifCoefficients(sampler, dtMs);
        int steps = (int)Math.Round(5 * Math.Max(sampler.TauSynapseMs, sampler.TauMembraneMs) / dtMs);
        double gain = PeakGain(sampler, dtMs);
        ulong threshold = BlankOutSynapse.Threshold(p);
        var points = new List<ActivationPoint>();
        var w = new float[inputs];
        for (int m = 0; m < meanWeightsMv.Count; m++)
        {
            double sum = 0, sum2 = 0;
            for (int k = 0; k < inputs; k++)
            {
                w[k] = (float)(meanWeightsMv[m] + spreadMv * (2.0 * CounterRng.Uniform(seed, CounterRng.StreamInit, 3000UL, (ulong)k) - 1.0));
                sum += w[k]; sum2 += (double)w[k] * w[k];
            }
            double u = (p * sum - sampler.ThresholdMv / gain) / Math.Sqrt(p * (1 - p) * sum2);
            int fired = 0;
            for (int t = 0; t < trials; t++)
            {
                ulong key = BlankOutSynapse.EventKey(seed, (ulong)t, m, 0);
                float s = 0f;
                for (int k = 0; k < inputs; k++)
                    if (BlankOutSynapse.Receives(key, k, threshold)) s += w[k];
                var neuron = new LifState();
                for (int step = 0; step < steps; step++)
                    if (TwoCompartmentLif.StepSoma(ref neuron, step == 0 ? s : 0f, false, c)) { fired++; break; }
            }
            points.Add(new ActivationPoint(u, (double)fired / trials, 0.5 * (1 + Erf(u / Math.Sqrt(2))), trials));
        }
        return points;
    }

    /// <summary>erf by Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7).</summary>
    public static double Erf(double x)
    {
        double s = Math.Sign(x); x = Math.Abs(x);
        double t = 1 / (1 + 0.3275911 * x);
        double y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.Exp(-x * x);
        return s * y;
    }
}
