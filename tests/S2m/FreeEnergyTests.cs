using Neuromorphic.Simulator.S2m;
using NUnit.Framework;

namespace Neuromorphic.Tests.S2m;

/// <summary>The free-energy readout is only a readout of the machine if F is the machine's free energy: checked against
/// -log sum over every hidden state of exp(-E(v, h)) on machines small enough to enumerate.</summary>
public class FreeEnergyTests
{
    static float[] RandomWeights(S2mLayout layout, int seed, double spread)
    {
        var rng = new Random(seed);
        var w = new float[layout.Rows * layout.Columns];
        for (int k = 0; k < w.Length; k++) w[k] = (float)((rng.NextDouble() * 2 - 1) * spread);
        w[layout.VisibleBias * layout.Columns + layout.HiddenBias] = 0;
        return w;
    }

    /// <summary>-log sum_h exp(-E(v, h)), E = -s sum_j v_j b_j - sum_i h_i (s (c_i + sum_j v_j W_ji) + shift), by enumeration.</summary>
    static double BruteForce(S2mLayout layout, float[] w, float[] v, double scale, double shift)
    {
        int cols = layout.Columns;
        double visibleTerm = 0;
        for (int j = 0; j < layout.Visible; j++) visibleTerm += scale * v[j] * w[j * cols + layout.HiddenBias];
        double z = 0;
        for (int hs = 0; hs < 1 << layout.Hidden; hs++)
        {
            double minusE = visibleTerm;
            for (int i = 0; i < layout.Hidden; i++)
            {
                if ((hs >> i & 1) == 0) continue;
                double drive = w[layout.VisibleBias * cols + i];
                for (int j = 0; j < layout.Visible; j++) drive += v[j] * w[j * cols + i];
                minusE += scale * drive + shift;
            }
            z += Math.Exp(minusE);
        }
        return -Math.Log(z);
    }

    [TestCase(1.0, 0.0)]
    [TestCase(0.37, -1.3)]
    [TestCase(2.5, 0.8)]
    public void FreeEnergyEqualsEnumerationOverAllHiddenStates(double scale, double shift)
    {
        // 6 visible (4 pixels, 2 classes of 1 label unit), 4 hidden.
        var layout = new S2mLayout(4, 2, 1, 4);
        var w = RandomWeights(layout, 11, 1.5);
        var rng = new Random(5);
        for (int trial = 0; trial < 20; trial++)
        {
            // Binary vectors and grey (mean-field) ones alike.
            var v = Enumerable.Range(0, layout.Visible).Select(_ => trial % 2 == 0 ? (float)rng.Next(2) : (float)rng.NextDouble()).ToArray();
            Assert.That(FreeEnergy.Of(layout, w, v, scale, shift), Is.EqualTo(BruteForce(layout, w, v, scale, shift)).Within(1e-9 + 1e-6 * Math.Abs(BruteForce(layout, w, v, scale, shift))));
        }
    }

    [Test]
    public void ClassifyIsTheArgminOfTheFreeEnergyOverLabelGroups()
    {
        // 3 pixels, 3 classes of 2 label units each, 5 hidden: F enumerated over the 2^5 hidden states per class.
        var layout = new S2mLayout(3, 3, 2, 5);
        var rng = new Random(9);
        var seen = new HashSet<int>();
        for (int trial = 0; trial < 60; trial++)
        {
            var w = RandomWeights(layout, 100 + trial, 2.0);
            var pixels = Enumerable.Range(0, 3).Select(_ => (float)rng.NextDouble()).ToArray();
            var energies = new double[3];
            int predicted = FreeEnergy.Classify(layout, w, pixels, 0.8, -0.4, energies);
            var f = new double[3];
            for (int y = 0; y < 3; y++)
            {
                var v = new float[layout.Visible];
                pixels.CopyTo(v, 0);
                v[3 + 2 * y] = v[3 + 2 * y + 1] = 1;
                f[y] = BruteForce(layout, w, v, 0.8, -0.4);
            }
            int expected = Array.IndexOf(f, f.Min());
            Assert.That(predicted, Is.EqualTo(expected), $"trial {trial}");
            // The energies differ from F only by the pixels' bias terms, the same for every class.
            double offset = f[0] - energies[0];
            for (int y = 1; y < 3; y++) Assert.That(f[y] - energies[y], Is.EqualTo(offset).Within(1e-5));
            seen.Add(predicted);
        }
        Assert.That(seen, Has.Count.EqualTo(3), "every class wins somewhere: the test can tell classes apart");
    }

    [Test]
    public void ErfEnergyScaleIsTheProbitFactorOverTheInputsSpread()
    {
        // 2 pixels, 2 classes, 2 hidden: sigma^2 = p(1-p) mean_i (x1 W1i^2 + x2 W2i^2 + c_i^2).
        var layout = new S2mLayout(2, 2, 1, 2);
        var w = RandomWeights(layout, 3, 20);
        var x = new float[] { 0.5f, 1f };
        int cols = layout.Columns;
        double sum = 0;
        for (int i = 0; i < 2; i++)
            sum += 0.5 * w[i] * w[i] + w[cols + i] * (double)w[cols + i] + w[layout.VisibleBias * cols + i] * (double)w[layout.VisibleBias * cols + i];
        double expected = 1.702 / Math.Sqrt(0.5 * 0.5 * sum / 2);
        Assert.That(S2mEnergyReading.ErfEnergyPerMv(layout, w, 0.5, [x]), Is.EqualTo(expected).Within(1e-9 * expected));
        var reading = new S2mEnergyReading(0.1, 0.5, 100, 0.63);
        Assert.That(reading.Scale, Is.EqualTo(0.05).Within(1e-12));
        Assert.That(reading.Shift, Is.EqualTo(-0.1 * 100 / 0.63).Within(1e-12));
    }
}
