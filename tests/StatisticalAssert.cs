using NUnit.Framework;

namespace Neuromorphic.Tests;

/// <summary>
/// Statistical checks over many seeds instead of one: for each seed a count and its expectation under the model
/// (a binomial or any sum with a known standard deviation) give a z-score; over the seeds, sum z^2 follows a
/// chi-square law with as many degrees of freedom. A biased generator moves the mean of z, a correlated one (draws
/// repeating across seeds, steps or synapses) inflates sum z^2, a too-regular one deflates it. The seeds are fixed,
/// so the outcome is reproducible; the bounds are the chi-square's 0.1% and 99.9% points.
/// </summary>
public static class StatisticalAssert
{
    public const int Seeds = 30;

    /// <summary>Asserts that <paramref name="trial"/>(seed) for seeds 1..<see cref="Seeds"/> gives counts consistent
    /// with their expectations: |mean z| within 3.5 / sqrt(seeds) and sum z^2 between the chi-square(30) 0.1% and 99.9% points.</summary>
    public static void ConsistentOverSeeds(Func<int, (double Observed, double Expected, double StandardDeviation)> trial, string what)
    {
        var z = new double[Seeds];
        for (int s = 1; s <= Seeds; s++)
        {
            var (observed, expected, sd) = trial(s);
            z[s - 1] = (observed - expected) / sd;
        }
        double mean = z.Average(), chi2 = z.Sum(x => x * x);
        string detail = $"{what}: mean z {mean:F3}, sum z^2 {chi2:F1} over {Seeds} seeds";
        TestContext.Progress.WriteLine(detail);
        Assert.That(Math.Abs(mean), Is.LessThan(3.5 / Math.Sqrt(Seeds)), detail);
        Assert.That(chi2, Is.InRange(11.59, 59.70), detail);
    }
}
