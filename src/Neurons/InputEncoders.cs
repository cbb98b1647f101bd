using System.Runtime.Intrinsics;

namespace Neuromorphic.Neurons;

/// <summary>Which encoder turns pixel intensities into data-neuron spikes.</summary>
public enum EncoderKind
{
    /// <summary>An escape-rate unit driven by the logit of the intensity (the default of a bare configuration). The
    /// reference code defines such a logit transform but never calls it: its data neurons are <see cref="Reference"/>.</summary>
    EscapeNoise = 0,
    /// <summary>Bernoulli-per-step Poisson process with rate proportional to the intensity.</summary>
    Poisson = 1,
    /// <summary>The paper's data neuron (Neftci et al. 2017): the escape-rate unit driven by a current linear in the
    /// intensity, beta * (x + gamma), so that dim pixels fire rarely instead of never.</summary>
    Linear = 2,
    /// <summary>The eRBP reference driver's data neuron: the escape-rate unit driven by 0.5 (x - 0.43) x 10^4 code units,
    /// x = byte/256 (InputScaleMv (x - LogitOffset) here), black pixels forced silent; the true label by
    /// (0.98 - 0.5) x 10^4 (2 InputScaleMv (0.98 - 0.5)).</summary>
    Reference = 3,
}

/// <summary>
/// Escape-noise (escape-rate) data neuron of the eRBP reference code (MODEL.md section 3). Intensity
/// x = byte/256 clamped to [1e-5, 0.98]; s = logit(x); drive = 0.5 V * (s - 0.43) for s &gt; 0, silent
/// otherwise; hazard rho(x) = rho0 exp((m - theta + drive)/delta_u) with m at rest (0), rho0 = 100 Hz,
/// theta = 100 mV, delta_u = 50 mV; a 4 ms dead time after each spike.
/// </summary>
/// <param name="Kind">Escape-noise (reference) or Poisson.</param>
/// <param name="Rho0Hz">Escape rate at threshold.</param>
/// <param name="ThetaMv">Threshold of the escape function.</param>
/// <param name="DeltaUMv">Softness of the escape function.</param>
/// <param name="InputScaleMv">beta: mV of drive per unit of logit (500 mV = 0.5 V).</param>
/// <param name="LogitOffset">Subtracted from the logit before scaling (escape), or from the intensity (reference): the drive's
/// zero crossing (0.43).</param>
/// <param name="RefractoryMs">Dead time after each spike of the escape-noise unit (4 ms); the Poisson encoder has none.</param>
/// <param name="MaxRateHz">Rate of a Poisson encoder at intensity 1 (Poisson encoder only).</param>
/// <param name="LinearOffset">gamma of the linear encoder: drive = InputScaleMv * (x + gamma), x = byte/255 (-0.215).</param>
public readonly record struct EncoderParameters(
    EncoderKind Kind = EncoderKind.EscapeNoise,
    double Rho0Hz = 100.0,
    double ThetaMv = 100.0,
    double DeltaUMv = 50.0,
    double InputScaleMv = 500.0,
    double LogitOffset = 0.43,
    double RefractoryMs = 4.0,
    double MaxRateHz = 200.0,
    double LinearOffset = -0.215)
{
    /// <summary>The published defaults (a bare <c>new()</c> of a record struct would give zeros).</summary>
    public EncoderParameters() : this(Kind: EncoderKind.EscapeNoise) { }

    public void Validate(string where)
    {
        if (!Enum.IsDefined(Kind)) throw new ArgumentException($"{where}: encoder kind {(int)Kind} is not one of "
            + $"{string.Join(", ", Enum.GetValues<EncoderKind>().Select(k => $"{k} ({(int)k})"))}");
        if (!double.IsFinite(ThetaMv) || !double.IsFinite(LogitOffset)) throw new ArgumentException($"{where}: ThetaMv and LogitOffset must be "
            + $"finite numbers, got {ThetaMv} and {LogitOffset}");
        LifParameters.Require(Rho0Hz, nameof(Rho0Hz), where);
        LifParameters.Require(DeltaUMv, nameof(DeltaUMv), where);
        LifParameters.Require(InputScaleMv, nameof(InputScaleMv), where);
        LifParameters.Require(MaxRateHz, nameof(MaxRateHz), where);
        if (!Enum.IsDefined(Kind)) throw new ArgumentException($"{where}: encoder kind {(int)Kind} is not one of escape (0), poisson "
            + $"(1), linear (2), reference (3)");
        if (!double.IsFinite(LinearOffset) || Math.Abs(LinearOffset) > 10) throw new ArgumentException($"{where}: LinearOffset must lie in "
            + $"[-10, 10], got {LinearOffset}");
        if (!(RefractoryMs >= 0)) throw new ArgumentException($"{where}: RefractoryMs must be >= 0, got {RefractoryMs}");
    }
}

/// <summary>
/// Input encoders. Each intensity level (0..255, and the "label on" level) maps to a per-step firing
/// probability, converted once per run into an integer threshold so that a draw is one integer
/// comparison on every backend. A data neuron then follows
/// <code>
///   refractory &gt; 0 =&gt; refractory -= 1, no spike;  else spike with probability q(x) = 1 - exp(-rho(x) dt)
/// </code>
/// </summary>
public static class InputEncoders
{
    /// <summary>Intensity of a byte as the reference code computes it: byte/256 clamped to [1e-5, 0.98].</summary>
    public static double Intensity(int pixelByte) => Math.Clamp(pixelByte / 256.0, 1e-5, 0.98);

    /// <summary>Hazard (Hz) of the escape-noise unit at intensity x; 0 when the drive is silent (s &lt;= 0).</summary>
    public static double EscapeRateHz(double x, in EncoderParameters p)
    {
        double s = Math.Log(x / (1 - x));
        if (s <= 0) return 0;
        double drive = p.InputScaleMv * (s - p.LogitOffset);
        return p.Rho0Hz * Math.Exp((drive - p.ThetaMv) / p.DeltaUMv);
    }

    /// <summary>Hazard (Hz) of the paper's linear-drive unit at intensity x: rho0 exp((beta (x + gamma) - theta)/delta_u).</summary>
    public static double LinearRateHz(double x, in EncoderParameters p)
        => p.Rho0Hz * Math.Exp((p.InputScaleMv * (x + p.LinearOffset) - p.ThetaMv) / p.DeltaUMv);

    /// <summary>Drive (mV) of the reference driver's data neuron at intensity x = byte/256: InputScaleMv (x - LogitOffset),
    /// zero at x = 0.43; null for a black pixel, which the reference forces silent with a large negative current.</summary>
    public static double? ReferenceDriveMv(int pixelByte, in EncoderParameters p)
        => pixelByte == 0 ? null : p.InputScaleMv * (pixelByte / 256.0 - p.LogitOffset);

    /// <summary>Hazard (Hz) of the escape-rate unit under a drive (mV): rho0 exp((drive - theta)/delta_u).</summary>
    public static double EscapeHazardHz(double driveMv, in EncoderParameters p) => p.Rho0Hz * Math.Exp((driveMv - p.ThetaMv) / p.DeltaUMv);

    /// <summary>Rate (Hz) a pixel byte requests from the chosen encoder.</summary>
    public static double RateHz(int pixelByte, in EncoderParameters p) => p.Kind switch
    {
        EncoderKind.Poisson => p.MaxRateHz * pixelByte / 255.0,
        EncoderKind.Linear => LinearRateHz(pixelByte / 255.0, p),
        EncoderKind.Reference => ReferenceDriveMv(pixelByte, p) is { } d ? EscapeHazardHz(d, p) : 0,
        _ => EscapeRateHz(Intensity(pixelByte), p),
    };

    /// <summary>Rate (Hz) the true class's label neuron requests while training: the escape unit at logit(0.98)
    /// (about 244 Hz with the reference parameters), or the Poisson encoder's maximum rate.</summary>
    public static double LabelRateHz(in EncoderParameters p)
        => p.Kind switch
        {
            EncoderKind.Poisson => p.MaxRateHz,
            EncoderKind.Linear => LinearRateHz(0.98, p),
            // The reference drives the label by (q - 0.5) x 10^4 code units, twice the pixels' 0.5 x 10^4 scale.
            EncoderKind.Reference => EscapeHazardHz(2 * p.InputScaleMv * (0.98 - 0.5), p),
            _ => EscapeRateHz(0.98, p),
        };

    /// <summary>Dead time after each spike, ms: the escape-noise unit's refractory period; the Poisson encoder is a
    /// plain Poisson process and has none.</summary>
    public static double DeadTimeMs(in EncoderParameters p) => p.Kind == EncoderKind.Poisson ? 0 : p.RefractoryMs;

    /// <summary>Mean rate (Hz) of a data neuron for a pixel byte, dead time included: 1 / (dead time + dt/q), where q is
    /// the per-step spike probability of its hazard.</summary>
    public static double SteadyRateHz(int pixelByte, in EncoderParameters p, double dtMs) => WithDeadTimeHz(RateHz(pixelByte, p), p, dtMs);

    /// <summary>Mean rate (Hz) of the true class's label neuron, dead time included.</summary>
    public static double SteadyLabelRateHz(in EncoderParameters p, double dtMs) => WithDeadTimeHz(LabelRateHz(p), p, dtMs);

    static double WithDeadTimeHz(double hazardHz, in EncoderParameters p, double dtMs)
    {
        if (hazardHz <= 0) return 0;
        double q = 1 - Math.Exp(-hazardHz * dtMs * 1e-3);
        return 1000.0 / (DeadTimeMs(p) + dtMs / q);
    }

    /// <summary>The entry of <see cref="ThresholdTable"/> after the 256 byte values: the label neuron's "on" drive.</summary>
    public const int LabelEntry = 256;

    /// <summary>Per-step spike probability thresholds for the 256 byte values; entry <see cref="LabelEntry"/> is the label
    /// neuron's "on" drive (logit(0.98), about 244 Hz with the reference parameters).</summary>
    public static ulong[] ThresholdTable(in EncoderParameters p, double dtMs)
    {
        var table = new ulong[LabelEntry + 1];
        for (int b = 0; b < 256; b++) table[b] = CounterRng.PoissonThreshold(RateHz(b, p), dtMs);
        table[LabelEntry] = CounterRng.PoissonThreshold(LabelRateHz(p), dtMs);
        return table;
    }

    /// <summary>One step of one data neuron: <paramref name="randomBits"/> is its counter-based draw.</summary>
    public static bool Step(ref int refractoryStepsLeft, ulong threshold, uint randomBits, int refractorySteps)
    {
        if (refractoryStepsLeft > 0) { refractoryStepsLeft--; return false; }
        if (randomBits < threshold) { refractoryStepsLeft = refractorySteps; return true; }
        return false;
    }

    /// <summary>True when a neuron of this threshold fires whenever it is out of its dead time, whatever its bits
    /// (a threshold of 2^32, e.g. a pixel of 206 or more with the escape encoder: q rounds to 1). Such a neuron
    /// needs no draws, and all of them, starting a sample at rest, fire together.</summary>
    public static bool FiresWheneverAlive(ulong threshold) => threshold >= 1UL << 32;

    /// <summary>The same step, drawing the neuron's bits (<see cref="CounterRng.BitsAt(ulong, ulong)"/> of
    /// <paramref name="stepKey"/> and <paramref name="neuronKey"/>) only when it is not refractory: a bright
    /// pixel is dead for most of its steps (4 ms after every spike at about 200 Hz), and the draw is most of the
    /// cost. The draws it skips are ones the other form ignores, so the spikes are identical.</summary>
    public static bool Step(ref int refractoryStepsLeft, ulong threshold, ulong stepKey, ulong neuronKey, int refractorySteps)
    {
        if (refractoryStepsLeft > 0) { refractoryStepsLeft--; return false; }
        return Step(ref refractoryStepsLeft, threshold, CounterRng.BitsAt(stepKey, neuronKey), refractorySteps);
    }

    /// <summary>
    /// SIMD form of <see cref="Step(ref int, ulong, ulong, ulong, int)"/> over a list of neurons (the active pixels
    /// of a lane), four at a time, for the native CPU path: <paramref name="refractory"/>, <paramref name="thresholds"/>
    /// and <paramref name="neuronKeys"/> are parallel arrays over the list. Writes the list positions of the neurons
    /// that spiked, in order, to <paramref name="spiked"/> and returns their number. Every neuron's bits are drawn
    /// (cheaper than branching); a refractory neuron's are ignored, as in the scalar form, so spikes and dead times
    /// are identical to it (a test holds them to that).
    /// </summary>
    public static int StepRow(Span<long> refractory, ReadOnlySpan<ulong> thresholds, ReadOnlySpan<ulong> neuronKeys,
        ulong stepKey, int refractorySteps, Span<int> spiked)
    {
        int n = refractory.Length, i = 0, count = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var dead = Vector256.Create((long)refractorySteps);
            for (; i <= n - 4; i += 4)
            {
                var r = Vector256.Create<long>(refractory.Slice(i));
                // Bits are below 2^32 and thresholds at most 2^32: a signed 64-bit comparison is exact.
                var bits = CounterRng.BitsAt(stepKey, Vector256.Create<ulong>(neuronKeys.Slice(i))).AsInt64();
                var inDeadTime = Vector256.GreaterThan(r, Vector256<long>.Zero);
                var fire = Vector256.AndNot(Vector256.LessThan(bits, Vector256.Create<ulong>(thresholds.Slice(i)).AsInt64()), inDeadTime);
                Vector256.ConditionalSelect(inDeadTime, r - Vector256<long>.One,
                    Vector256.ConditionalSelect(fire, dead, r)).CopyTo(refractory.Slice(i));
                for (uint m = fire.ExtractMostSignificantBits(); m != 0; m &= m - 1)
                    spiked[count++] = i + System.Numerics.BitOperations.TrailingZeroCount(m);
            }
        }
        for (; i < n; i++)
        {
            int r = (int)refractory[i];
            if (Step(ref r, thresholds[i], stepKey, neuronKeys[i], refractorySteps)) spiked[count++] = i;
            refractory[i] = r;
        }
        return count;
    }
}
