using Neuromorphic.Neurons;
using NUnit.Framework;

namespace Neuromorphic.Tests.Neurons;

public class CounterRngTests
{
    [TestCase(1)]
    [TestCase(8)]
    [TestCase(37)]
    [TestCase(200)]
    [TestCase(16)]
    [TestCase(29)]
    [TestCase(501)]
    public void VectorisedRowDrawsEqualTheScalarOnes(int n)
    {
        // 512-bit (where there), 256-bit and scalar parts of a row, from the start of a row and from within one.
        ulong key = CounterRng.RowKey(5, CounterRng.StreamBlankOut, 123456, 2, 17);
        var bits = new uint[n];
        CounterRng.RowBitsInto(key, bits);
        for (int i = 0; i < n; i++) Assert.That(bits[i], Is.EqualTo(CounterRng.RowBits(key, i)), $"synapse {i}");
        Assert.That(bits.Distinct().Count(), Is.EqualTo(n), "draws of a row differ from each other");
        CounterRng.RowBitsInto(key, 813, bits);
        for (int i = 0; i < n; i++) Assert.That(bits[i], Is.EqualTo(CounterRng.RowBits(key, 813 + i)), $"synapse {813 + i}");
    }

    [Test]
    public void StepKeyedDrawsAreTheThreeMixDrawsSeedsHaveAlwaysGiven()
    {
        // Bits is computed as BitsAt(StepKey(...)) so loops hoist the per-step part; the bits must stay those of
        // the original three chained mixes, or every saved seed would give other spikes.
        static uint Reference(ulong seed, uint stream, ulong step, ulong index)
        {
            ulong h = CounterRng.Mix(seed ^ ((ulong)stream << 56) ^ 0x9E3779B97F4A7C15UL);
            h = CounterRng.Mix(h ^ step);
            return (uint)(CounterRng.Mix(h ^ index) >> 32);
        }
        var rng = new Random(3);
        for (int k = 0; k < 1000; k++)
        {
            ulong seed = (ulong)rng.NextInt64(), step = (ulong)rng.NextInt64(), index = (ulong)rng.NextInt64();
            uint stream = (uint)rng.Next(0, 7);
            Assert.That(CounterRng.Bits(seed, stream, step, index), Is.EqualTo(Reference(seed, stream, step, index)));
            Assert.That(CounterRng.BitsAt(CounterRng.StepKey(seed, stream, step), index), Is.EqualTo(Reference(seed, stream, step, index)));
        }
        Assert.That(CounterRng.Bits(1, CounterRng.StreamInput, 0, 0), Is.Not.EqualTo(CounterRng.Bits(1, CounterRng.StreamInput, 0, 1)));
    }
}
