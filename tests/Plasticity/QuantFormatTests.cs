using Neuromorphic.Neurons;
using Neuromorphic.Plasticity;
using NUnit.Framework;

namespace Neuromorphic.Tests.Plasticity;

public class QuantFormatTests
{
    static QuantCoefficients Q(int bits, double step, Rounding r = Rounding.Nearest, bool saturate = true)
        => new QuantFormat(bits, step, r, saturate).Coefficients;

    [Test]
    public void CodesSpanTwosComplementRangeIncludingTheMostNegativeValue()
    {
        var f = new QuantFormat(8, 0.5);
        Assert.That((f.MinCode, f.MaxCode), Is.EqualTo((-128, 127)));
        Assert.That(Quantizer.Quantize(-64f, f.Coefficients, 0), Is.EqualTo(-64f), "-128 * 0.5 is representable");
        Assert.That(Quantizer.Quantize(64f, f.Coefficients, 0), Is.EqualTo(63.5f), "+128 * 0.5 is not: saturates at 127 * 0.5");
        Assert.That((new QuantFormat(16, 1).MinCode, new QuantFormat(16, 1).MaxCode), Is.EqualTo((-32768, 32767)));
    }

    [Test]
    public void SaturatesOrWrapsOutOfRangeValues()
    {
        Assert.That(Quantizer.Code(1e30f, Q(4, 1), 0), Is.EqualTo(7));
        Assert.That(Quantizer.Code(-1e30f, Q(4, 1), 0), Is.EqualTo(-8));
        Assert.That(Quantizer.Code(8f, Q(4, 1, saturate: false), 0), Is.EqualTo(-8), "two's complement wrap-around");
        Assert.That(Quantizer.Code(-9f, Q(4, 1, saturate: false), 0), Is.EqualTo(7));
        Assert.That(Quantizer.Code(float.NaN, Q(4, 1), 0), Is.Zero);
    }

    [Test]
    public void RoundingModes()
    {
        Assert.That(Quantizer.Code(2.5f, Q(8, 1), 0), Is.EqualTo(3), "nearest: halves go up");
        Assert.That(Quantizer.Code(-2.5f, Q(8, 1), 0), Is.EqualTo(-2));
        Assert.That(Quantizer.Code(2.4f, Q(8, 1), 0), Is.EqualTo(2));
        Assert.That(Quantizer.Code(2.9f, Q(8, 1, Rounding.Truncate), 0), Is.EqualTo(2));
        Assert.That(Quantizer.Code(-2.9f, Q(8, 1, Rounding.Truncate), 0), Is.EqualTo(-2), "truncate goes toward zero");
        Assert.That(Quantizer.Code(2.25f, Q(8, 1, Rounding.Stochastic), 0), Is.EqualTo(3), "u = 0 < 0.25: up");
        Assert.That(Quantizer.Code(2.25f, Q(8, 1, Rounding.Stochastic), uint.MaxValue), Is.EqualTo(2), "u near 1: down");
        Assert.That(Quantizer.Code(3f, Q(8, 1, Rounding.Stochastic), 0), Is.EqualTo(3), "a grid value never moves");
    }

    [Test]
    public void OneBitIsTheSign()
    {
        Assert.That(Quantizer.Quantize(0.3f, Q(1, 2), 0), Is.EqualTo(2f));
        Assert.That(Quantizer.Quantize(-0.01f, Q(1, 2), 0), Is.EqualTo(-2f));
    }

    [TestCase(0.1)]
    [TestCase(0.37)]
    [TestCase(0.9)]
    public void StochasticRoundingIsUnbiasedOverManySeeds(double fraction)
    {
        var q = Q(8, 1, Rounding.Stochastic);
        float x = (float)(5 + fraction);
        // Rounding up happens with probability = the fraction: the count of ups is binomial.
        StatisticalAssert.ConsistentOverSeeds(seed =>
        {
            int n = 20_000, ups = 0;
            for (int k = 0; k < n; k++) if (Quantizer.Quantize(x, q, CounterRng.Bits((ulong)seed, CounterRng.StreamRounding, (ulong)k, 0)) > x) ups++;
            return (ups, n * fraction, Math.Sqrt(n * fraction * (1 - fraction)));
        }, $"fraction {fraction}");
    }

    [Test]
    public void ATinyUpdateMovesTheWeightOneStepWithTheRightProbability()
    {
        var q = Q(8, 1.0 / 16, Rounding.Stochastic);
        float w = 0.5f, dw = 0.01f; // 0.16 of a step
        int n = 100_000, moved = 0;
        for (int k = 0; k < n; k++)
        {
            float w2 = Quantizer.Quantize(w + dw, q, CounterRng.Bits(9, CounterRng.StreamRounding, (ulong)k, 1));
            if (w2 != w) { moved++; Assert.That(w2, Is.EqualTo(w + 1f / 16)); }
        }
        double p = 0.16, se = Math.Sqrt(n * p * (1 - p));
        Assert.That(moved, Is.EqualTo(n * p).Within(3 * se));
        Assert.That(Quantizer.Quantize(w + dw, Q(8, 1.0 / 16), 0), Is.EqualTo(w), "round to nearest would lose it");
    }

    [TestCase(0)]
    [TestCase(17)]
    public void BadBitWidthsAreRejected(int bits)
        => Assert.That(Assert.Throws<ArgumentException>(() => new QuantFormat(bits, 1).Validate("--weight-bits"))!.Message, Does.Contain("--weight-bits"));

    [Test]
    public void ForRangeMapsTheLargestWeightToTheLargestCode()
    {
        var f = QuantFormat.ForRange(8, 127 * 0.25, Rounding.Nearest);
        Assert.That(f.Step, Is.EqualTo(0.25).Within(1e-12));
        var p2 = QuantFormat.ForRange(8, 100, Rounding.Nearest, powerOfTwo: true);
        Assert.That(p2.Step, Is.EqualTo(1.0), "100/127 rounds up to the power of two 1");
    }
}
