using Neuromorphic.Neurons;
using Neuromorphic.Plasticity;
using NUnit.Framework;

namespace Neuromorphic.Tests.Plasticity;

public class ErbpRuleTests
{
    [Test]
    public void ChangesByEtaTimesTheDendriticPotentialInsideTheGate()
    {
        Assert.That(ErbpRule.WeightChange(10f, 50f, 6e-4f, -600f, 600f), Is.EqualTo(6e-4f * 50f));
        Assert.That(ErbpRule.WeightChange(-599f, -20f, 1e-3f, -600f, 600f), Is.EqualTo(1e-3f * -20f));
    }

    [TestCase(600f)]
    [TestCase(-600f)]
    [TestCase(1000f)]
    [TestCase(-1e6f)]
    public void DoesNothingOutsideTheBoxcar(float current)
        => Assert.That(ErbpRule.WeightChange(current, 50f, 6e-4f, -600f, 600f), Is.Zero);

    [Test]
    public void RowFormIsBitIdenticalToTheScalarForm()
    {
        var row = new float[203]; var cur = new float[203]; var den = new float[203];
        for (int i = 0; i < row.Length; i++)
        {
            row[i] = CounterRng.Uniform(1, 9, 0, (ulong)i) - 0.5f;
            cur[i] = (CounterRng.Uniform(1, 9, 1, (ulong)i) - 0.5f) * 2000f;
            den[i] = (CounterRng.Uniform(1, 9, 2, (ulong)i) - 0.5f) * 200f;
        }
        var expected = (float[])row.Clone();
        for (int i = 0; i < row.Length; i++) expected[i] += ErbpRule.WeightChange(cur[i], den[i], 6e-4f, -600f, 600f);
        ErbpRule.ApplyToRow(row, cur, den, 6e-4f, -600f, 600f);
        Assert.That(row, Is.EqualTo(expected));
    }
}

public class BlankOutSynapseTests
{
    [TestCase(0.45)]
    [TestCase(0.5)]
    [TestCase(0.9)]
    public void TransmittedFractionMatchesP(double p)
    {
        ulong t = BlankOutSynapse.Threshold(p);
        int n = 400_000, k = 0;
        for (int e = 0; e < n; e++) if (BlankOutSynapse.Transmits(CounterRng.Bits(5, CounterRng.StreamBlankOut, (ulong)e, 3), t)) k++;
        double se = Math.Sqrt(n * p * (1 - p));
        Assert.That(k, Is.EqualTo(n * p).Within(3 * se));
    }

    [Test]
    public void PerSynapseDrawsOfARowAreIndependentAndMatchP()
    {
        // The engine draws one row key per presynaptic spike and one value per synapse of that row.
        ulong t = BlankOutSynapse.Threshold(0.45);
        int rows = 2000, cols = 200, k = 0, sameAsNeighbour = 0;
        for (int r = 0; r < rows; r++)
        {
            ulong key = CounterRng.RowKey(7, CounterRng.StreamBlankOut, (ulong)r, 0, r % 784);
            bool last = false;
            for (int i = 0; i < cols; i++)
            {
                bool x = BlankOutSynapse.Transmits(CounterRng.RowBits(key, i), t);
                if (x) k++;
                if (i > 0 && x == last) sameAsNeighbour++;
                last = x;
            }
        }
        double n = rows * cols, se = Math.Sqrt(n * 0.45 * 0.55);
        Assert.That(k, Is.EqualTo(n * 0.45).Within(3 * se));
        double pairs = rows * (cols - 1), pSame = 0.45 * 0.45 + 0.55 * 0.55;
        Assert.That(sameAsNeighbour, Is.EqualTo(pairs * pSame).Within(3 * Math.Sqrt(pairs * pSame * (1 - pSame))), "neighbouring synapses uncorrelated");
    }

    [Test]
    public void ZeroAndOneAreExact()
    {
        ulong never = BlankOutSynapse.Threshold(0), always = BlankOutSynapse.Threshold(1);
        foreach (uint bits in new uint[] { 0, 1, 12345, uint.MaxValue - 1, uint.MaxValue })
        {
            Assert.That(BlankOutSynapse.Transmits(bits, never), Is.False);
            Assert.That(BlankOutSynapse.Transmits(bits, always), Is.True);
        }
    }

    [Test]
    public void ProbabilityOutsideTheUnitIntervalIsRejected()
        => Assert.Throws<ArgumentException>(() => BlankOutSynapse.Threshold(1.5));
}
