using Neuromorphic.MeanField;
using Neuromorphic.Neurons;
using NUnit.Framework;

namespace Neuromorphic.Tests.Tools;

/// <summary>The mean-field model is only worth its conclusions if its rate functions are the simulator's.</summary>
public class MeanFieldTests
{
    [TestCase(100.5)]
    [TestCase(130)]
    [TestCase(300)]
    [TestCase(552)]
    [TestCase(2000)]
    public void LifRateIsTheSimulatedNeuronsRateForAConstantCurrent(double currentMv)
    {
        // A synaptic time constant of 10^9 ms holds I constant over the run.
        var p = new LifParameters(TauSynapseMs: 1e9, RefractoryMs: 3.9);
        var c = new LifCoefficients(p, 0.1);
        float i = (float)currentMv, v = 0, u = 0;
        int refractory = 0, spikes = 0, first = -1, last = -1;
        const int steps = 200_000;
        for (int s = 0; s < steps; s++)
        {
            if (!TwoCompartmentLif.Step(ref i, ref v, ref u, ref refractory, 0f, 0f, false, c)) continue;
            spikes++;
            if (first < 0) first = s;
            last = s;
        }
        double simulatedHz = (spikes - 1) / ((last - first) * 0.1e-3);
        Assert.That(MeanFieldErbp.LifRateHz(currentMv, p, 0.1), Is.EqualTo(simulatedHz).Within(1e-6 * simulatedHz));
    }

    [Test]
    public void LifRateIsZeroAtAndBelowThreshold()
    {
        var p = new LifParameters();
        Assert.That(MeanFieldErbp.LifRateHz(100, p, 0.1), Is.Zero);
        Assert.That(MeanFieldErbp.LifRateHz(-500, p, 0.1), Is.Zero);
        Assert.That(MeanFieldErbp.LifRateHz(1e6, p, 0.1), Is.EqualTo(1000.0 / (0.1 * 40)).Within(1e-9), "one charging step after 39 refractory");
    }

    [TestCase(255)]
    [TestCase(190)]
    public void DataRateIsTheEncodersSimulatedRate(int pixel)
    {
        var enc = new EncoderParameters();
        ulong threshold = InputEncoders.ThresholdTable(enc, 0.1)[pixel];
        int refractory = 0, spikes = 0;
        const int steps = 1_000_000;
        for (int s = 0; s < steps; s++)
            if (InputEncoders.Step(ref refractory, threshold, CounterRng.StepKey(7, 3, (ulong)s), 11, 40)) spikes++;
        double simulatedHz = spikes / (steps * 0.1e-3);
        double expected = MeanFieldErbp.DataRateHz(pixel, enc, 0.1);
        Assert.That(expected, Is.GreaterThan(5), "a pixel that fires");
        // Poisson-like count: 4 standard errors of the count, plus the count's own rounding.
        Assert.That(simulatedHz, Is.EqualTo(expected).Within(4 * Math.Sqrt(spikes) / (steps * 0.1e-3) + 0.1));
    }
}
