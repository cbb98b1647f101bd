using Neuromorphic.Neurons;
using Neuromorphic.Plasticity;
using NUnit.Framework;

namespace Neuromorphic.Tests.Plasticity;

/// <summary>The blank-out synapse event (peRBP and S2M share it): its key, its per-synapse test and its row form.</summary>
public class BlankOutSynapseTests
{
    [TestCase(0.2)]
    [TestCase(0.45)]
    [TestCase(0.5)]
    [TestCase(0.9)]
    public void TransmittedFractionIsConsistentWithPOverManySeeds(double p)
    {
        ulong t = BlankOutSynapse.Threshold(p);
        StatisticalAssert.ConsistentOverSeeds(seed =>
        {
            // 100 steps x 20 presynaptic spikes x 100 synapses per seed.
            long n = 0, sent = 0;
            for (int step = 0; step < 100; step++)
                for (int pre = 0; pre < 20; pre++)
                {
                    ulong key = BlankOutSynapse.EventKey((ulong)seed, (ulong)step, 0, pre);
                    for (int post = 0; post < 100; post++, n++)
                        if (BlankOutSynapse.Receives(key, post, t)) sent++;
                }
            return (sent, n * p, Math.Sqrt(n * p * (1 - p)));
        }, $"p = {p}");
    }

    [Test]
    public void NeighbouringSynapsesOfARowAreUncorrelatedOverManySeeds()
    {
        ulong t = BlankOutSynapse.Threshold(0.45);
        double pSame = 0.45 * 0.45 + 0.55 * 0.55;
        StatisticalAssert.ConsistentOverSeeds(seed =>
        {
            int rows = 200, cols = 200, same = 0;
            for (int r = 0; r < rows; r++)
            {
                ulong key = BlankOutSynapse.EventKey((ulong)seed, (ulong)r, 0, r % 784);
                bool last = false;
                for (int i = 0; i < cols; i++)
                {
                    bool x = BlankOutSynapse.Receives(key, i, t);
                    if (i > 0 && x == last) same++;
                    last = x;
                }
            }
            double pairs = rows * (cols - 1);
            return (same, pairs * pSame, Math.Sqrt(pairs * pSame * (1 - pSame)));
        }, "neighbours agree");
    }

    [Test]
    public void TheRowFormDrawsTheBitsThePerSynapseFormTests()
    {
        ulong t = BlankOutSynapse.Threshold(0.3);
        var draws = new uint[61];
        foreach (int first in new[] { 0, 5, 17 })
        {
            ulong key = BlankOutSynapse.EventKey(9, 1234, 2, 77);
            BlankOutSynapse.DrawRow(key, first, draws);
            for (int i = 0; i < draws.Length; i++)
                Assert.That(BlankOutSynapse.Transmits(draws[i], t), Is.EqualTo(BlankOutSynapse.Receives(key, first + i, t)), $"synapse {first + i}");
        }
    }

    [Test]
    public void EventsOfDifferentProjectionsStepsAndNeuronsDrawDifferentBits()
    {
        ulong a = BlankOutSynapse.EventKey(1, 10, 0, 5);
        foreach (ulong other in new[] { BlankOutSynapse.EventKey(2, 10, 0, 5), BlankOutSynapse.EventKey(1, 11, 0, 5),
                     BlankOutSynapse.EventKey(1, 10, 1, 5), BlankOutSynapse.EventKey(1, 10, 0, 6), WeightUpdate.RoundingKey(1, 10, 0, 5) })
            Assert.That(other, Is.Not.EqualTo(a));
    }

    [Test]
    public void ZeroAndOneAreExact()
    {
        ulong never = BlankOutSynapse.Threshold(0), always = BlankOutSynapse.Threshold(1);
        Assert.That(BlankOutSynapse.IsStochastic(always), Is.False);
        Assert.That(BlankOutSynapse.IsStochastic(BlankOutSynapse.Threshold(0.999)), Is.True);
        foreach (uint bits in new uint[] { 0, 1, 12345, 0x7FFFFFFF, uint.MaxValue - 1, uint.MaxValue })
        {
            Assert.That(BlankOutSynapse.Transmits(bits, never), Is.False);
            Assert.That(BlankOutSynapse.Transmits(bits, always), Is.True);
        }
        for (int post = 0; post < 100; post++) Assert.That(BlankOutSynapse.Receives(BlankOutSynapse.EventKey(3, 4, 0, post), post, always), Is.True);
    }

    [TestCase(1.5)]
    [TestCase(-0.1)]
    [TestCase(double.NaN)]
    public void ProbabilityOutsideTheUnitIntervalIsRejected(double p)
        => Assert.Throws<ArgumentException>(() => BlankOutSynapse.Threshold(p));
}
