using Neuromorphic.Neurons;
using NUnit.Framework;

namespace Neuromorphic.Tests.Neurons;

public class CounterRngTests
{
    [TestCase(1)]
    [TestCase(8)]
    [TestCase(37)]
    [TestCase(200)]
    public void VectorisedRowDrawsEqualTheScalarOnes(int n)
    {
        ulong key = CounterRng.RowKey(5, CounterRng.StreamBlankOut, 123456, 2, 17);
        var bits = new uint[n];
        CounterRng.RowBitsInto(key, bits);
        for (int i = 0; i < n; i++) Assert.That(bits[i], Is.EqualTo(CounterRng.RowBits(key, i)), $"synapse {i}");
        Assert.That(bits.Distinct().Count(), Is.EqualTo(n), "draws of a row differ from each other");
    }
}
