namespace Neuromorphic.Simulator.Analysis;

/// <summary>
/// The noise of an error rate measured on n samples: each sample is right or wrong, so the count of errors is binomial.
/// Intervals are Wilson score intervals at 95% (they stay inside [0, 1] and behave at error rates near 0, where the
/// normal approximation p +- 1.96 sqrt(p(1-p)/n) does not); differences between two settings tested on the same samples
/// use McNemar's paired test, which counts only the samples the two classify differently.
/// </summary>
public static class Binomial
{
    /// <summary>z of a two-sided 95% interval.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>95% Wilson score interval of a rate measured as <paramref name="fraction"/> on <paramref name="n"/> samples
    /// (NaN, NaN for n = 0 or a NaN fraction).</summary>
    public static (double Low, double High) Wilson(double fraction, int n)
    {
        if (n <= 0 || double.IsNaN(fraction)) return (double.NaN, double.NaN);
        double p = Math.Clamp(fraction, 0, 1), z2 = Z95 * Z95;
        double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        double half = Z95 * Math.Sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / (1 + z2 / n);
        return (Math.Max(0, centre - half), Math.Min(1, centre + half));
    }

    /// <summary>Standard error sqrt(p(1-p)/n) of a rate (NaN for n = 0).</summary>
    public static double StandardError(double fraction, int n) => n <= 0 ? double.NaN : Math.Sqrt(fraction * (1 - fraction) / n);

    /// <summary>Whether two classifiers tested on the same samples differ by less than the noise (McNemar, 95%):
    /// <paramref name="onlyFirstWrong"/> samples only the first gets wrong, <paramref name="onlySecondWrong"/> only the
    /// second. Their difference in errors is within the noise when |b - c| &lt; 1.96 sqrt(b + c).</summary>
    public static bool PairedWithinNoise(int onlyFirstWrong, int onlySecondWrong)
        => Math.Abs(onlyFirstWrong - onlySecondWrong) < Z95 * Math.Sqrt(onlyFirstWrong + onlySecondWrong);

    /// <summary>The same for two error rates measured on different samples (a normal approximation of the difference).</summary>
    public static bool WithinNoise(double errorA, int nA, double errorB, int nB)
        => Math.Abs(errorA - errorB) < Z95 * Math.Sqrt(errorA * (1 - errorA) / nA + errorB * (1 - errorB) / nB);

    /// <summary>"4.22% (95% CI 3.84-4.64%, n = 10,000)": an error rate with its interval and sample count.</summary>
    public static string Describe(double error, int n)
    {
        var (lo, hi) = Wilson(error, n);
        return FormattableString.Invariant($"{100 * error:F2}% (95% CI {100 * lo:F2}-{100 * hi:F2}%, n = {n:N0})");
    }
}
