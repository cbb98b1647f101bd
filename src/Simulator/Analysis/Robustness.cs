using Neuromorphic.Neurons;
using Neuromorphic.Plasticity;
using Neuromorphic.Simulator.Engine;

namespace Neuromorphic.Simulator.Analysis;

/// <summary>One setting of a robustness sweep: weight bits (0 = float), pruned fraction, weight noise.</summary>
public sealed record SweepSetting(int WeightBits, double Prune, double Noise, int StateBits = 0)
{
    public string Label => $"{(WeightBits == 0 ? "float" : $"{WeightBits}-bit")} weights / {(StateBits == 0 ? "float" : $"{StateBits}-bit")} state "
        + $"/ prune {Prune:0.##} / noise {Noise:0.###}";
}

/// <summary>
/// Post-training changes to a trained network, applied to a copy: quantization of the forward weights
/// (per-projection symmetric scale from the largest |w|, round to nearest), pruning of the smallest-magnitude
/// fraction (a mask: pruned synapses carry no events), and Gaussian weight noise as device mismatch
/// (w -&gt; w (1 + sigma n), n ~ N(0, 1) from the counter-based generator).
/// </summary>
public static class Robustness
{
    /// <summary>A copy of <paramref name="net"/> (same structure, copied weights and masks).</summary>
    public static Network Copy(Network net, SimulationConfig config) => Networks.Copy(net, config);

    /// <summary>
    /// Rounds every forward weight to <paramref name="bits"/> bits with a per-projection step; returns the formats
    /// used. With <paramref name="minimumMse"/> the step is the one (among clipping levels of 5% to 100% of the
    /// largest |w|) that minimises the squared rounding error: at low bit widths clipping a few large weights
    /// keeps the many small ones off zero. Otherwise the largest |w| maps to the largest code.
    /// </summary>
    public static List<QuantFormat> QuantizeWeights(Network net, int bits, bool powerOfTwo = false, bool minimumMse = true)
    {
        var formats = new List<QuantFormat>();
        foreach (var p in net.ForwardProjections)
        {
            float maxAbs = 0;
            foreach (var w in p.Weights) maxAbs = Math.Max(maxAbs, Math.Abs(w));
            var f = QuantFormat.ForRange(bits, maxAbs, Rounding.Nearest, powerOfTwo);
            if (minimumMse)
            {
                double best = SquaredError(p.Weights, f);
                for (int a = 19; a >= 1; a--)
                {
                    var candidate = QuantFormat.ForRange(bits, maxAbs * a / 20.0, Rounding.Nearest, powerOfTwo);
                    double e = SquaredError(p.Weights, candidate);
                    if (e < best) { best = e; f = candidate; }
                }
            }
            var qc = f.Coefficients;
            for (int k = 0; k < p.Weights.Length; k++) p.Weights[k] = Quantizer.Quantize(p.Weights[k], qc, 0);
            formats.Add(f);
        }
        return formats;
    }

    static double SquaredError(float[] weights, QuantFormat f)
    {
        var qc = f.Coefficients;
        double e = 0;
        foreach (var w in weights) { double d = w - Quantizer.Quantize(w, qc, 0); e += d * d; }
        return e;
    }

    /// <summary>Prunes the smallest-magnitude <paramref name="fraction"/> of each forward projection's synapses (<see
    /// cref="Pruning.PruneWeakest"/>).</summary>
    public static void Prune(Network net, double fraction) => Pruning.PruneWeakest(net, fraction);

    /// <summary>Multiplies every forward weight by (1 + sigma n), n standard normal, keyed by (seed, projection, synapse).</summary>
    public static void AddNoise(Network net, double sigma, ulong seed)
    {
        if (!(sigma >= 0)) throw new NeuromorphicException($"--noise: sigma must be >= 0, got {sigma}");
        if (sigma == 0) return;
        int q = 0;
        foreach (var p in net.ForwardProjections)
        {
            for (int k = 0; k < p.Weights.Length; k++)
            {
                // Box-Muller on two counter-based uniforms.
                double u1 = (CounterRng.Bits(seed, CounterRng.StreamInit, 5000UL + (ulong)q, 2UL * (ulong)k) + 1.0) / 4294967297.0;
                double u2 = CounterRng.Bits(seed, CounterRng.StreamInit, 5000UL + (ulong)q, 2UL * (ulong)k + 1) / 4294967296.0;
                double n = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
                p.Weights[k] = (float)(p.Weights[k] * (1 + sigma * n));
            }
            q++;
        }
    }

    /// <summary>True when every forward weight lies on the grid of its projection's format.</summary>
    public static bool OnGrid(Projection p)
    {
        if (p.WeightFormat is not { } f) return true;
        var nearest = (f with { Rounding = Rounding.Nearest }).Coefficients;
        foreach (var w in p.Weights)
            if (Quantizer.Quantize(w, nearest, 0) != w) return false; // a grid value rounds to itself, bit for bit
        return true;
    }
}
