namespace Neuromorphic.Simulator.Export;

/// <summary>Loihi's sign mode of a dense connection (numbered as Lava's <c>SignMode</c>: 1 mixed, 2 excitatory, 3 inhibitory).</summary>
public enum SignMode { Mixed = 1, Excitatory = 2, Inhibitory = 3 }

/// <summary>
/// One projection's weights as a chip's integers: weight = Mantissas[k] * Scale (mV), row-major [pre][post].
/// <see cref="MinCode"/>..<see cref="MaxCode"/> is the integer range the chip accepts (Loihi's mixed mode also
/// requires even values). The simulation uses (float)(Mantissas[k] * Scale), which is exact whenever Scale is a
/// power of two (loihi, spinnaker).
/// </summary>
public sealed record IntegerWeights(
    string Chip, int Bits, int[] Mantissas, double Scale, int MinCode, int MaxCode,
    int? WeightExponent, int? Shift, SignMode? SignMode,
    double MaxRoundingErrorMv, int Saturated, int Zeroed)
{
    /// <summary>The weight the chip applies, as the simulation stores it.</summary>
    public float Value(int k) => (float)(Mantissas[k] * Scale);
}

/// <summary>
/// Integer formats of the chips we export for (docs/formats.md states each precisely):
/// <list type="bullet">
/// <item><c>loihi</c>: Lava's dense-connection fields with num_weight_bits = 8: integer weights (mixed sign:
/// even values in [-256, 254], that is an 8-bit signed mantissa times 2; excitatory-only: [0, 255]; inhibitory-only:
/// [-255, 0]) and a shared exponent, weight = mantissa * 2^weight_exp mV. The exponent is the smallest that fits the
/// largest |w|, so the largest mantissa uses at least half of the range.</item>
/// <item><c>spinnaker</c>: 16-bit signed fixed point, weight = code * 2^-shift mV, the largest shift that fits.</item>
/// <item><c>int8</c>, <c>int4</c>: symmetric codes in [-(2^(b-1)-1), 2^(b-1)-1], scale = max|w| / (2^(b-1)-1).</item>
/// </list>
/// All round to nearest (floor(y + 1/2), as <c>Quantizer</c> does) and saturate at the end codes.
/// </summary>
public static class ChipProfiles
{
    /// <summary>Profile names accepted by <c>--chip</c>; "float" exports the float32 weights unchanged.</summary>
    public static readonly string[] Names = ["float", "loihi", "spinnaker", "int8", "int4"];

    public static string Parse(string? chip)
    {
        var c = (chip ?? "float").Trim().ToLowerInvariant();
        if (c is "" or "none") c = "float";
        return Names.Contains(c) ? c : throw new NeuromorphicException($"--chip '{chip}': expected one of {string.Join(", ", Names)}");
    }

    /// <summary>The integers of <paramref name="weights"/> under <paramref name="chip"/> (null for "float").</summary>
    public static IntegerWeights? Quantize(string chip, float[] weights)
    {
        double maxPos = 0, maxNeg = 0;
        foreach (var w in weights) { if (w > maxPos) maxPos = w; if (-w > maxNeg) maxNeg = -w; }
        double maxAbs = Math.Max(maxPos, maxNeg);
        switch (chip)
        {
            case "float": return null;
            case "loihi":
            {
                var mode = maxNeg == 0 ? SignMode.Excitatory : maxPos == 0 ? SignMode.Inhibitory : SignMode.Mixed;
                // Mixed: the mantissa is 8-bit signed and the hardware weight is twice it (Lava truncates the lowest bit).
                int step = mode == SignMode.Mixed ? 2 : 1;
                int min = mode switch { SignMode.Mixed => -256, SignMode.Inhibitory => -255, _ => 0 };
                int max = mode switch { SignMode.Mixed => 254, SignMode.Excitatory => 255, _ => 0 };
                double need = Math.Max(max > 0 ? maxPos / max : 0, min < 0 ? maxNeg / -min : 0);
                int exp = need > 0 ? (int)Math.Ceiling(Math.Log2(need)) : 0;
                return Round(chip, 8, weights, Math.Pow(2, exp), step, min, max, exp, null, mode);
            }
            case "spinnaker":
            {
                int shift = maxAbs > 0 ? (int)Math.Floor(Math.Log2(32767 / maxAbs)) : 0;
                return Round(chip, 16, weights, Math.Pow(2, -shift), 1, -32768, 32767, -shift, shift, null);
            }
            case "int8" or "int4":
            {
                int bits = chip == "int8" ? 8 : 4, top = (1 << (bits - 1)) - 1;
                double scale = maxAbs > 0 ? maxAbs / top : 1.0;
                return Round(chip, bits, weights, scale, 1, -top, top, null, null, null);
            }
            default: throw new NeuromorphicException($"--chip '{chip}': expected one of {string.Join(", ", Names)}");
        }
    }

    static IntegerWeights Round(string chip, int bits, float[] weights, double scale, int step, int min, int max,
        int? exponent, int? shift, SignMode? mode)
    {
        var m = new int[weights.Length];
        double maxErr = 0;
        int saturated = 0, zeroed = 0;
        for (int k = 0; k < weights.Length; k++)
        {
            double y = Math.Floor(weights[k] / (scale * step) + 0.5) * step;
            if (y > max) { y = max; saturated++; }
            else if (y < min) { y = min; saturated++; }
            m[k] = (int)y;
            if (m[k] == 0 && weights[k] != 0) zeroed++;
            maxErr = Math.Max(maxErr, Math.Abs(weights[k] - (float)(m[k] * scale)));
        }
        return new IntegerWeights(chip, bits, m, scale, min, max, exponent, shift, mode, maxErr, saturated, zeroed);
    }
}
