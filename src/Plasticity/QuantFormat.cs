namespace Neuromorphic.Plasticity;

/// <summary>How a value between two grid points is rounded.</summary>
public enum Rounding
{
    /// <summary>To the nearer grid point (halves upward: floor(y + 1/2)).</summary>
    Nearest = 0,
    /// <summary>Up with probability equal to the distance from the lower grid point: unbiased, so updates
    /// smaller than one step still move the weight on average (on-chip learning at low precision).</summary>
    Stochastic = 1,
    /// <summary>Toward zero.</summary>
    Truncate = 2,
}

/// <summary>
/// A fixed-point format: values k * Step with k a signed <see cref="Bits"/>-bit integer. For Bits &gt;= 2, k
/// lies in [-2^(B-1), 2^(B-1) - 1] (two's complement, so the most negative code has no positive twin);
/// Bits = 1 is a sign bit: k in {-1, +1}. Out-of-range values saturate at the end codes, or wrap around
/// as two's complement integers do when <see cref="Saturate"/> is off. Weights use 1-16 bits
/// (Loihi: 8-bit mantissas with a shared power-of-two exponent; SpiNNaker: 16-bit fixed point).
/// </summary>
public readonly record struct QuantFormat(int Bits, double Step, Rounding Rounding = Rounding.Nearest, bool Saturate = true)
{
    public int MaxCode => Bits == 1 ? 1 : (1 << (Bits - 1)) - 1;
    public int MinCode => Bits == 1 ? -1 : -(1 << (Bits - 1));

    /// <summary>The bit widths a weight format may have.</summary>
    public const int MinBits = 1, MaxBits = 16;

    public void Validate(string where, int minBits = MinBits, int maxBits = MaxBits)
    {
        if (Bits < minBits || Bits > maxBits) throw new ArgumentException($"{where}: bit width must lie in {minBits}..{maxBits}, got {Bits}");
        if (!(Step > 0) || double.IsInfinity(Step)) throw new ArgumentException($"{where}: quantization step must be a positive number, got {Step}");
    }

    /// <summary>The format whose largest code reaches <paramref name="maxAbs"/>: step = maxAbs / MaxCode, or the
    /// smallest power of two at least that large (a shared exponent, as on Loihi).</summary>
    public static QuantFormat ForRange(int bits, double maxAbs, Rounding rounding, bool powerOfTwo = false)
    {
        var f = new QuantFormat(bits, 1.0, rounding);
        if (!(maxAbs > 0)) maxAbs = 1e-6;
        double step = maxAbs / f.MaxCode;
        if (powerOfTwo) step = Math.Pow(2, Math.Ceiling(Math.Log2(step)));
        return f with { Step = step };
    }

    /// <summary>The kernel-friendly form of this format.</summary>
    public QuantCoefficients Coefficients => new((float)Step, MinCode, MaxCode, (int)Rounding, Saturate ? 1 : 0, Bits);
}

/// <summary>Flat form of a <see cref="QuantFormat"/> for kernels (floats and ints only).</summary>
public readonly struct QuantCoefficients(float step, int minCode, int maxCode, int rounding, int saturate, int bits)
{
    public readonly float Step = step;
    public readonly int MinCode = minCode, MaxCode = maxCode, Rounding = rounding, Saturate = saturate, Bits = bits;
}

/// <summary>Rounding onto a <see cref="QuantFormat"/> grid: pure, integer-exact where it matters, the same on every backend.</summary>
public static class Quantizer
{
    /// <summary>
    /// The integer code of <paramref name="x"/>: y = x / step, then k = floor(y + 1/2) (nearest),
    /// floor(y) + [u &lt; y - floor(y)] with u = bits / 2^32 (stochastic), or trunc(y) (truncate);
    /// then saturation or two's-complement wrap-around.
    /// </summary>
    public static int Code(float x, in QuantCoefficients q, uint randomBits)
    {
        float y = x / q.Step;
        if (float.IsNaN(y)) return 0;
        if (q.Bits == 1)
        {
            if (q.Rounding == 1) return (randomBits >> 8) * (1.0f / 16777216.0f) < (y + 1f) * 0.5f ? 1 : -1;
            return y >= 0f ? 1 : -1;
        }
        // Clamp before converting: a float far outside int range must not overflow the conversion.
        float limit = 2147483520f;
        if (y > limit) y = limit;
        if (y < -limit) y = -limit;
        long k;
        if (q.Rounding == 1)
        {
            float lower = MathF.Floor(y);
            float u = (randomBits >> 8) * (1.0f / 16777216.0f);
            k = (long)lower + (u < y - lower ? 1 : 0);
        }
        else if (q.Rounding == 2) k = (long)y;
        else k = (long)MathF.Floor(y + 0.5f);
        if (q.Saturate != 0)
        {
            if (k > q.MaxCode) k = q.MaxCode;
            if (k < q.MinCode) k = q.MinCode;
            return (int)k;
        }
        long span = 1L << q.Bits;
        long m = (k - q.MinCode) % span;
        if (m < 0) m += span;
        return (int)(m + q.MinCode);
    }

    /// <summary>x rounded onto the grid: Code(x) * step.</summary>
    public static float Quantize(float x, in QuantCoefficients q, uint randomBits) => Code(x, q, randomBits) * q.Step;
}
