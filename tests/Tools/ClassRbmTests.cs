using Neuromorphic.ClassRbm;
using Neuromorphic.Simulator.S2m;
using NUnit.Framework;

namespace Neuromorphic.Tests.Tools;

/// <summary>The discrete-time reference (tools/ClassRbm) is a ceiling only if its CD-k really learns the data's
/// distribution: checked on a toy set small enough for the exact likelihood.</summary>
public class ClassRbmTests
{
    // Six pixels, two classes: class 0 lights the left half, class 1 the right half, each with one pixel flipped at times.
    static List<(byte[] Image, int Label)> ToySet()
    {
        var set = new List<(byte[], int)>();
        for (int n = 0; n < 40; n++)
        {
            int label = n % 2;
            var image = new byte[6];
            for (int j = 0; j < 6; j++) image[j] = (byte)((j < 3) == (label == 0) ? 255 : 0);
            if (n % 5 == 4) image[n % 6] ^= 255;
            set.Add((image, label));
        }
        return set;
    }

    static RbmSettings Toy(double blankOut = 1) => new()
    {
        Pixels = 6, Classes = 2, Hidden = 4, LabelUnits = 1, LearningRate = 0.1, InitSigma = 0.1, BlankOut = blankOut, Seed = 3,
        Labels = LabelKind.Independent,
    };

    /// <summary>Mean log p(v) of the set under the machine: -F(v) - log Z, Z summed over all 2^8 visible vectors.</summary>
    static double MeanLogLikelihood(ClassRbmMachine m, List<(byte[] Image, int Label)> set)
    {
        var layout = m.Layout;
        double scale = m.ReadoutScale;
        var v = new float[layout.Visible];
        var logs = new List<double>();
        for (int bits = 0; bits < 1 << layout.Visible; bits++)
        {
            for (int j = 0; j < layout.Visible; j++) v[j] = bits >> j & 1;
            logs.Add(-FreeEnergy.Of(layout, m.Weights, v, scale));
        }
        double max = logs.Max(), logZ = max + Math.Log(logs.Sum(l => Math.Exp(l - max)));
        double sum = 0;
        foreach (var (image, label) in set)
        {
            for (int j = 0; j < 6; j++) v[j] = image[j] > 127 ? 1 : 0;
            v[6] = label == 0 ? 1 : 0; v[7] = label == 1 ? 1 : 0;
            sum += -FreeEnergy.Of(layout, m.Weights, v, scale) - logZ;
        }
        return sum / set.Count;
    }


    static void Train(ClassRbmMachine m, List<(byte[] Image, int Label)> set, int epochs)
    {
        long presentation = 0;
        for (int e = 0; e < epochs; e++)
            foreach (var s in set) m.Learn([s], presentation++);
    }

    [Test]
    public void Cd1RaisesTheDataLikelihoodAndLowersTheReconstructionError()
    {
        var set = ToySet();
        var m = new ClassRbmMachine(Toy());
        double ll0 = MeanLogLikelihood(m, set), err0 = m.ReconstructionError(set);
        Train(m, set, 30);
        double ll1 = MeanLogLikelihood(m, set), err1 = m.ReconstructionError(set);
        // Untrained: about 8 log 2 = 5.5 nats per vector; the set has a handful of distinct vectors.
        Assert.That(ll0, Is.LessThan(-5.0));
        Assert.That(ll1, Is.GreaterThan(ll0 + 2.0), $"log-likelihood {ll0:F3} -> {ll1:F3}");
        Assert.That(err1, Is.LessThan(err0 * 0.5), $"reconstruction error {err0:F4} -> {err1:F4}");
        // And the class readout by free energy has learnt the halves.
        var px = new float[6];
        int right = set.Count(s => m.Classify(s.Image, px) == s.Label);
        Assert.That(right, Is.EqualTo(set.Count));
    }

    [Test]
    public void TheDiscreteS2mLearnsThroughItsBlankOutMasks()
    {
        var set = ToySet();
        var m = new ClassRbmMachine(Toy(blankOut: 0.5));
        double err0 = m.ReconstructionError(set);
        Train(m, set, 60);
        // Read out with the mean weights p W (the mask's average), the machine reconstructs and classifies the halves.
        Assert.That(m.ReconstructionError(set), Is.LessThan(err0 * 0.8));
        var px = new float[6];
        Assert.That(set.Count(s => m.Classify(s.Image, px) == s.Label), Is.GreaterThanOrEqualTo(set.Count - 4));
    }

    [TestCase(1.0)]
    [TestCase(0.5)]
    public void SameSeedSameMachineAndAnotherSeedAnother(double p)
    {
        var set = ToySet();
        var a = new ClassRbmMachine(Toy(p)); var b = new ClassRbmMachine(Toy(p)); var c = new ClassRbmMachine(Toy(p) with { Seed = 4 });
        Train(a, set, 3); Train(b, set, 3); Train(c, set, 3);
        Assert.That(a.Weights, Is.EqualTo(b.Weights));
        Assert.That(a.Weights, Is.Not.EqualTo(c.Weights));
    }

    [Test]
    public void AMinibatchIsTheSumOfItsSamplesUpdatesAppliedOnce()
    {
        // With batch B every sample sees the same W: two on-line learners from that W give the summed change / B.
        var set = ToySet().Take(2).ToList();
        var batch = new ClassRbmMachine(Toy() with { Batch = 2 });
        var one = new ClassRbmMachine(Toy() with { LearningRate = 0.05 });
        var two = new ClassRbmMachine(Toy() with { LearningRate = 0.05 });
        var w0 = one.Weights.ToArray();
        batch.Learn(set, 0);
        one.Learn([set[0]], 0);
        two.Learn([set[1]], 1);
        for (int k = 0; k < w0.Length; k++)
            Assert.That(batch.Weights[k], Is.EqualTo(w0[k] + (one.Weights[k] - w0[k]) + (two.Weights[k] - w0[k])).Within(1e-6), $"weight {k}");
    }
}
