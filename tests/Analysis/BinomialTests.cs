using Neuromorphic.Simulator.Analysis;
using NUnit.Framework;

namespace Neuromorphic.Tests.Analysis;

/// <summary>The intervals every plotted or tabulated error carries, against values computed independently (the Wilson
/// formula in Python), and the paired noise test of the sweep.</summary>
public class BinomialTests
{
    [TestCase(0.0422, 10000, 0.0384322180, 0.0463193709)]
    [TestCase(0.05, 200, 0.0273826456, 0.0895781481)]
    [TestCase(0.0, 20, 0.0, 0.1611251581)]
    [TestCase(1.0, 5, 0.5655175352, 1.0)]
    public void WilsonIntervalMatchesTheFormula(double error, int n, double low, double high)
    {
        var (lo, hi) = Binomial.Wilson(error, n);
        Assert.That(lo, Is.EqualTo(low).Within(1e-9));
        Assert.That(hi, Is.EqualTo(high).Within(1e-9));
    }

    [Test]
    public void NoSamplesNoInterval()
    {
        Assert.That(double.IsNaN(Binomial.Wilson(0.1, 0).Low));
        Assert.That(double.IsNaN(Binomial.Wilson(double.NaN, 10).High));
        Assert.That(Binomial.Describe(0.0422, 10000), Is.EqualTo("4.22% (95% CI 3.84-4.63%, n = 10,000)"));
    }

    [Test]
    public void PairedDifferencesWithinAndBeyondTheNoise()
    {
        // The case: -1.5% on 200 digits is 3 digits; with 3 and 6 discordant digits that is noise.
        Assert.That(Binomial.PairedWithinNoise(6, 3), Is.True);
        Assert.That(Binomial.PairedWithinNoise(0, 0), Is.False, "identical predictions: no difference at all, not 'within noise' of one");
        Assert.That(Binomial.PairedWithinNoise(40, 10), Is.False, "30 digits of 50 discordant: beyond 1.96 sqrt(50) = 13.9");
        Assert.That(Binomial.PairedWithinNoise(14, 8), Is.True, "6 < 1.96 sqrt(22) = 9.2");
        Assert.That(Binomial.PairedWithinNoise(20, 8), Is.False, "12 > 1.96 sqrt(28) = 10.4");
    }
}
