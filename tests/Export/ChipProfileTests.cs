using Neuromorphic.Neurons;
using Neuromorphic.Simulator.Export;
using NUnit.Framework;

namespace Neuromorphic.Tests.Export;

public class ChipProfileTests
{
    static float[] Weights(int n, double lo, double hi, ulong salt)
        => Enumerable.Range(0, n).Select(k => (float)(lo + (hi - lo) * CounterRng.Uniform(3, 9, salt, (ulong)k))).ToArray();

    [Test]
    public void LoihiMixedSignUsesEvenMantissasInRangeWithTheSmallestExponent()
    {
        var w = Weights(5000, -37.0, 51.0, 1);
        var q = ChipProfiles.Quantize("loihi", w)!;
        Assert.That(q.SignMode, Is.EqualTo(SignMode.Mixed));
        Assert.That(q.Mantissas.All(m => m >= -256 && m <= 254 && m % 2 == 0), "mixed: even values in [-256, 254] (8-bit mantissa times 2)");
        int e = q.WeightExponent!.Value;
        Assert.That(q.Scale, Is.EqualTo(Math.Pow(2, e)));
        Assert.That(q.Mantissas.Max(Math.Abs), Is.GreaterThan(127), "the exponent uses the range fully: the largest mantissa exceeds half the limit");
        double maxPos = w.Max();
        Assert.That(maxPos / Math.Pow(2, e - 1), Is.GreaterThan(254), "one exponent less would not fit the largest weight");
        for (int k = 0; k < w.Length; k++)
        {
            Assert.That(q.Value(k), Is.EqualTo((float)(q.Mantissas[k] * Math.Pow(2, e))));
            Assert.That(Math.Abs(w[k] - q.Value(k)), Is.LessThanOrEqualTo(q.Scale + 1e-6), "rounding error at most half the step of 2 * 2^exp");
        }
        Assert.That(q.Saturated, Is.Zero);
        Assert.That(q.MaxRoundingErrorMv, Is.LessThanOrEqualTo(q.Scale + 1e-6).And.GreaterThan(0));
    }

    [Test]
    public void LoihiAllPositiveMatrixIsExcitatoryWithTheFull8BitMagnitude()
    {
        var w = Weights(3000, 0.0, 9.3, 2);
        var q = ChipProfiles.Quantize("loihi", w)!;
        Assert.That(q.SignMode, Is.EqualTo(SignMode.Excitatory));
        Assert.That((q.MinCode, q.MaxCode), Is.EqualTo((0, 255)));
        Assert.That(q.Mantissas.All(m => m is >= 0 and <= 255));
        Assert.That(q.Mantissas.Any(m => m % 2 == 1), "odd mantissas: no bit lost to the sign");
        Assert.That(q.Mantissas.Max(), Is.GreaterThan(127));
        Assert.That(w.Max() / (q.Scale / 2), Is.GreaterThan(255), "one exponent less would not fit");
        Assert.That(ChipProfiles.Quantize("loihi", w.Select(x => -x).ToArray())!.SignMode, Is.EqualTo(SignMode.Inhibitory));
        Assert.That(ChipProfiles.Quantize("loihi", w.Select(x => -x).ToArray())!.Mantissas.All(m => m is >= -255 and <= 0));
    }

    [Test]
    public void SpinnakerIs16BitFixedPointWithTheLargestShiftThatFits()
    {
        var w = Weights(4000, -3.1, 2.2, 3);
        var q = ChipProfiles.Quantize("spinnaker", w)!;
        int shift = q.Shift!.Value;
        Assert.That(q.Scale, Is.EqualTo(Math.Pow(2, -shift)));
        Assert.That(q.Mantissas.All(m => m is >= -32768 and <= 32767));
        Assert.That(q.Mantissas.Max(Math.Abs), Is.GreaterThan(16383));
        Assert.That(3.1 * Math.Pow(2, shift + 1), Is.GreaterThan(32767), "one more fractional bit would overflow");
        Assert.That(q.MaxRoundingErrorMv, Is.LessThanOrEqualTo(q.Scale / 2 + 1e-9));
    }

    [TestCase("int8", 127)]
    [TestCase("int4", 7)]
    public void SymmetricIntegerProfilesMapTheLargestWeightToTheLargestCode(string chip, int top)
    {
        var w = Weights(2000, -4.0, 6.0, 4);
        var q = ChipProfiles.Quantize(chip, w)!;
        Assert.That(q.Scale, Is.EqualTo(w.Max(Math.Abs) / (double)top).Within(1e-12));
        Assert.That(q.Mantissas.All(m => m >= -top && m <= top));
        Assert.That(q.Mantissas.Max(Math.Abs), Is.EqualTo(top));
        Assert.That(q.MaxRoundingErrorMv, Is.LessThanOrEqualTo(q.Scale / 2 + 1e-6));
        int zeros = w.Count(x => x != 0 && Math.Abs(x) < q.Scale / 2);
        Assert.That(q.Zeroed, Is.EqualTo(zeros), "weights below half a step are counted as rounded to zero");
    }

    [Test]
    public void UnknownChipIsNamed()
        => Assert.That(() => ChipProfiles.Parse("truenorth"), Throws.TypeOf<Neuromorphic.Simulator.NeuromorphicException>().With.Message.Contains("--chip 'truenorth'"));
}
