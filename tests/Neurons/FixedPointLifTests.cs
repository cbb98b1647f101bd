using Neuromorphic.Neurons;
using NUnit.Framework;

namespace Neuromorphic.Tests.Neurons;

public class FixedPointLifTests
{
    [Test]
    public void TracksTheFloatNeuronWithinAFewLeastSignificantBits()
    {
        var p = new LifParameters(ThresholdMv: 1e6, RefractoryMs: 0);
        var fl = new LifCoefficients(p, 0.1);
        var fx = new LifCoefficients(p, 0.1, 16, 1.0 / 16);
        float i1 = 0, v1 = 0, u1 = 0, i2 = 0, v2 = 0, u2 = 0; int r1 = 0, r2 = 0;
        for (int n = 0; n < 300; n++)
        {
            float x = n % 7 == 0 ? 84f : 0f, y = n % 11 == 0 ? -90f : 0f;
            TwoCompartmentLif.Step(ref i1, ref v1, ref u1, ref r1, x, y, false, fl);
            TwoCompartmentLif.Step(ref i2, ref v2, ref u2, ref r2, x, y, false, fx);
            // Floor in each of (at most) two products per step loses up to 2 codes a step, which accumulate to at
            // most 2 LSB / (1 - decay); the 12-bit rounding of the coefficients adds up to about 0.5% of the value.
            double Bound(double decay, float x) => 2.0 / 16 / (1 - decay) + 0.005 * Math.Abs(x);
            Assert.That(i2, Is.EqualTo(i1).Within(Bound(fl.SynapseDecay, i1)), $"I at step {n}");
            Assert.That(v2, Is.EqualTo(v1).Within(Bound(fl.MembraneDecay, v1)), $"V at step {n}");
            Assert.That(u2, Is.EqualTo(u1).Within(Bound(fl.DendriteDecay, u1)), $"U at step {n}");
            foreach (var s in new[] { i2, v2, u2 }) Assert.That(s * 16, Is.EqualTo(MathF.Round(s * 16)), "on the 1/16 mV grid");
        }
    }

    [Test]
    public void SaturatesAtTheEndsOfTheStateRange()
    {
        var c = new LifCoefficients(new LifParameters(ThresholdMv: 1e6), 0.1, 8, 16); // 8-bit state of 16 mV: +-2048 mV
        float i = 0, v = 0, u = 0; int r = 0;
        TwoCompartmentLif.Step(ref i, ref v, ref u, ref r, 1e5f, -1e5f, false, c);
        Assert.That(i, Is.LessThanOrEqualTo(127 * 16f));
        Assert.That(u, Is.GreaterThanOrEqualTo(-128 * 16f));
        Assert.That(u, Is.LessThan(0));
    }

    [Test]
    public void FiresAtTheFloatModelsRateUnderConstantCurrent()
    {
        var p = new LifParameters(TauSynapseMs: 1e12, RefractoryMs: 3.9);
        int Count(LifCoefficients c)
        {
            float i = 300, v = 0, u = 0; int r = 0, k = 0;
            for (int n = 0; n < 20000; n++) if (TwoCompartmentLif.Step(ref i, ref v, ref u, ref r, 0, 0, false, c)) k++;
            return k;
        }
        int fl = Count(new LifCoefficients(p, 0.1)), fx = Count(new LifCoefficients(p, 0.1, 16, 1.0 / 16));
        Assert.That(fx, Is.EqualTo(fl).Within(0.03 * fl));
    }

    [TestCase(7)]
    [TestCase(25)]
    public void StateWidthsOutsideEightToTwentyFourAreRejected(int bits)
        => Assert.Throws<ArgumentException>(() => _ = new LifCoefficients(new LifParameters(), 0.1, bits, 1));
}
