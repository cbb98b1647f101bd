using Neuromorphic.Neurons;
using NUnit.Framework;

namespace Neuromorphic.Tests.Neurons;

public class EncoderTests
{
    static double Simulate(ulong threshold, int refractorySteps, int steps, ulong seed)
    {
        int r = 0, spikes = 0;
        for (int n = 0; n < steps; n++)
            if (InputEncoders.Step(ref r, threshold, CounterRng.Bits(seed, CounterRng.StreamInput, (ulong)n, 7), refractorySteps)) spikes++;
        return spikes;
    }

    [Test]
    public void BrightPixelsAndTheLabelFireWheneverAlive()
    {
        // With the reference parameters at 0.1 ms, q rounds to 1 from byte 206 up (hazard above 229 kHz), and such a
        // neuron's spikes cannot depend on its bits: the CPU path steps those neurons together without draws.
        var table = InputEncoders.ThresholdTable(new EncoderParameters(), 0.1);
        for (int b = 0; b < 256; b++)
            Assert.That(InputEncoders.FiresWheneverAlive(table[b]), Is.EqualTo(b >= 206), $"byte {b}");
        Assert.That(InputEncoders.FiresWheneverAlive(table[256]), Is.True, "label on");
        foreach (uint bits in new[] { 0u, 12345u, uint.MaxValue })
        {
            int r = 0;
            Assert.That(InputEncoders.Step(ref r, table[255], bits, 40), Is.True, $"bits {bits}");
        }
        Assert.That(InputEncoders.FiresWheneverAlive(table[205]), Is.False);
    }

    [Test]
    public void DrawingOnlyOutsideTheDeadTimeGivesTheSameSpikes()
    {
        ulong threshold = CounterRng.Threshold(0.02); // about 200 Hz at 0.1 ms: dead most of the time
        int r1 = 0, r2 = 0, spikes = 0;
        for (int n = 0; n < 200_000; n++)
        {
            ulong key = CounterRng.StepKey(9, CounterRng.StreamInput, (ulong)n);
            bool a = InputEncoders.Step(ref r1, threshold, CounterRng.BitsAt(key, 11), 40);
            bool b = InputEncoders.Step(ref r2, threshold, key, 11, 40);
            Assert.That(b, Is.EqualTo(a), $"step {n}");
            Assert.That(r2, Is.EqualTo(r1), $"step {n}");
            if (a) spikes++;
        }
        Assert.That(spikes, Is.GreaterThan(1000));
    }

    [TestCase(3)]
    [TestCase(4)]
    [TestCase(150)]
    public void VectorisedActiveListStepEqualsTheScalarStep(int n)
    {
        var rng = new Random(n);
        var thresholds = Enumerable.Range(0, n).Select(k => k % 7 == 0 ? 1UL << 32 : CounterRng.Threshold(rng.NextDouble() * 0.05)).ToArray();
        var keys = Enumerable.Range(0, n).Select(k => CounterRng.NeuronKey(0, 3 * k + 1)).ToArray();
        var refrVector = new long[n];
        var refrScalar = new int[n];
        var spiked = new int[n];
        int total = 0;
        for (int step = 0; step < 3000; step++)
        {
            ulong key = CounterRng.StepKey(4, CounterRng.StreamInput, (ulong)step);
            var expected = new List<int>();
            for (int k = 0; k < n; k++) if (InputEncoders.Step(ref refrScalar[k], thresholds[k], key, keys[k], 40)) expected.Add(k);
            int count = InputEncoders.StepRow(refrVector, thresholds, keys, key, 40, spiked);
            Assert.That(spiked.Take(count), Is.EqualTo(expected), $"step {step}");
            Assert.That(refrVector.Select(r => (int)r), Is.EqualTo(refrScalar), $"dead times after step {step}");
            total += count;
        }
        Assert.That(total, Is.GreaterThan(30 * n), "neurons spiked and went dead often enough to test both branches");
    }

    [TestCase(20.0)]
    [TestCase(100.0)]
    [TestCase(200.0)]
    public void PoissonRateIsWithinThreeStandardErrorsOfTheRequestedRate(double rateHz)
    {
        var p = new EncoderParameters(Kind: EncoderKind.Poisson, MaxRateHz: rateHz);
        var table = InputEncoders.ThresholdTable(p, 0.1);
        int steps = 2_000_000; // 200 s
        double spikes = Simulate(table[255], 0, steps, 42);
        double q = 1 - Math.Exp(-rateHz * 1e-4);
        double expected = q * steps, se = Math.Sqrt(steps * q * (1 - q));
        Assert.That(spikes, Is.EqualTo(expected).Within(3 * se));
        Assert.That(spikes / 200.0, Is.EqualTo(rateHz).Within(0.02 * rateHz));
    }

    [Test]
    public void BlackPixelsNeverFireUnderTheEscapeNoiseEncoder()
    {
        var table = InputEncoders.ThresholdTable(new EncoderParameters(), 0.1);
        Assert.That(table[0], Is.Zero);
        Assert.That(Simulate(table[0], 40, 1_000_000, 3), Is.Zero);
        // x <= 0.5 (byte <= 128) is silent in the reference code.
        for (int b = 0; b <= 128; b++) Assert.That(table[b], Is.Zero, $"byte {b}");
    }

    [Test]
    public void EscapeRatesMatchTheReferenceCode()
    {
        var p = new EncoderParameters();
        Assert.That(InputEncoders.EscapeRateHz(0.6, p), Is.EqualTo(10.5).Within(0.5));
        // With the 4 ms dead time: x = 0.7 fires about 194 Hz, x = 0.98 about 244 Hz.
        double Rate(double x) => 1000.0 / (4.0 + 1000.0 / InputEncoders.EscapeRateHz(x, p));
        Assert.That(Rate(0.7), Is.InRange(185, 200));
        Assert.That(Rate(0.98), Is.InRange(240, 250));
        var table = InputEncoders.ThresholdTable(p, 0.1);
        double measured = Simulate(table[256], 40, 1_000_000, 9) / 100.0;
        Assert.That(measured, Is.InRange(238, 250), "label neuron (logit(0.98)) fires at about 244 Hz");
    }

    [Test]
    public void ReferenceEncoderSilencesBlackPixelsAndItsDriveCrossesZeroAtX043()
    {
        var p = new EncoderParameters() with { Kind = EncoderKind.Reference };
        var table = InputEncoders.ThresholdTable(p, 0.1);
        Assert.That(table[0], Is.Zero, "a black pixel is forced silent");
        Assert.That(Simulate(table[0], 40, 1_000_000, 5), Is.Zero);
        // Every other byte fires, however dim: the drive is linear in x = byte/256, not a logit clipped at x = 0.5.
        for (int b = 1; b < 256; b++) Assert.That(table[b], Is.GreaterThan(0UL), $"byte {b}");
        for (int b = 2; b < 256; b++) Assert.That(InputEncoders.RateHz(b, p), Is.GreaterThan(InputEncoders.RateHz(b - 1, p)), $"rate rises with byte {b}");
        // The drive changes sign between x = 110/256 = 0.4297 and 111/256 = 0.4336: there the rate passes the escape
        // unit's rate at zero drive, rho0 exp(-theta/delta_u).
        Assert.That(InputEncoders.ReferenceDriveMv(110, p), Is.Negative);
        Assert.That(InputEncoders.ReferenceDriveMv(111, p), Is.Positive);
        double atZero = p.Rho0Hz * Math.Exp(-p.ThetaMv / p.DeltaUMv);
        Assert.That(InputEncoders.RateHz(110, p), Is.LessThan(atZero));
        Assert.That(InputEncoders.RateHz(111, p), Is.GreaterThan(atZero));
        Assert.That(InputEncoders.ReferenceDriveMv(128, p), Is.EqualTo(500 * (0.5 - 0.43)).Within(1e-9), "0.5 x 10^4 code units = 500 mV per unit of x");
        // The label neuron, driven by (0.98 - 0.5) x 10^4 code units, fires almost whenever it is alive (about 244 Hz).
        Assert.That(Simulate(table[InputEncoders.LabelEntry], 40, 100_000, 2) / 10.0, Is.InRange(238, 250));
        // The reference preset uses it.
        Assert.That(Neuromorphic.Simulator.Training.Presets.ConfigOf("reference").Encoder.Kind, Is.EqualTo(EncoderKind.Reference));
    }
}
