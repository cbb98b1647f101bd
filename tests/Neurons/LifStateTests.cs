using Neuromorphic.Neurons;
using NUnit.Framework;

namespace Neuromorphic.Tests.Neurons;

/// <summary>The LIF state type: its CPU rows hand each neuron's state out and back whole, and stepping a row neuron by
/// neuron with the one scalar step gives what the row's vector form gives.</summary>
public class LifStateTests
{
    [Test]
    public void RowsLoadStoreAndClearEveryStateVariable()
    {
        var arrays = new LifStateArrays(10);
        var rows = arrays.Rows(3, 5);
        rows.Store(2, new LifState { SynapticCurrentMv = 1.5f, SomaMv = -2f, DendriteMv = 7f, RefractoryStepsLeft = 4 });
        Assert.That((arrays.SynapticCurrentMv[5], arrays.SomaMv[5], arrays.DendriteMv[5], arrays.RefractoryStepsLeft[5]),
            Is.EqualTo((1.5f, -2f, 7f, 4)));
        var s = rows.Load(2);
        Assert.That((s.SynapticCurrentMv, s.SomaMv, s.DendriteMv, s.RefractoryStepsLeft), Is.EqualTo((1.5f, -2f, 7f, 4)));
        arrays.SomaMv[2] = 9f; // outside the row
        rows.Clear();
        Assert.That((arrays.SynapticCurrentMv[5], arrays.SomaMv[5], arrays.DendriteMv[5], arrays.RefractoryStepsLeft[5]),
            Is.EqualTo((0f, 0f, 0f, 0)));
        Assert.That(arrays.SomaMv[2], Is.EqualTo(9f), "a row clears only its own neurons");
    }

    [Test]
    public void StepOnTheStateRecordMatchesTheRowFormBitForBit()
    {
        const int n = 37;
        var c = new LifCoefficients(new LifParameters(), 0.1);
        var rng = new Random(5);
        LifStateArrays scalar = new(n), row = new(n);
        var spikes = new int[n];
        int fired = 0;
        for (int step = 0; step < 400; step++)
        {
            float[] inS = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * (step % 5 == 0 ? 400 : 30))).ToArray();
            float[] inD = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 20 - 10)).ToArray();
            var expected = new List<int>();
            var rows = scalar.Rows(0, n);
            for (int i = 0; i < n; i++)
            {
                var s = rows.Load(i);
                if (TwoCompartmentLif.Step(ref s, inS[i], inD[i], false, c)) expected.Add(i);
                rows.Store(i, s);
            }
            int count = TwoCompartmentLif.StepRow(row.Rows(0, n), (float[])inS.Clone(), (float[])inD.Clone(), c, spikes);
            Assert.That(spikes.Take(count), Is.EqualTo(expected), $"step {step}");
            fired += count;
        }
        Assert.That(fired, Is.GreaterThan(50), "the neurons fire");
        Assert.That(row.SynapticCurrentMv.Select(BitConverter.SingleToInt32Bits),
            Is.EqualTo(scalar.SynapticCurrentMv.Select(BitConverter.SingleToInt32Bits)));
        Assert.That(row.SomaMv.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(scalar.SomaMv.Select(BitConverter.SingleToInt32Bits)));
        Assert.That(row.DendriteMv.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(scalar.DendriteMv.Select(BitConverter.SingleToInt32Bits)));
        Assert.That(row.RefractoryStepsLeft, Is.EqualTo(scalar.RefractoryStepsLeft));
    }

    [TestCase(0)]
    [TestCase(16)]
    public void TheSamplersOneCompartmentStepIsTheSomaOfTheTwoCompartmentStep(int stateBits)
    {
        // The S2M sampler steps I, V and the refractory count alone; the two-compartment step must give the same soma
        // whatever its dendrite does, and StepSoma must leave the dendrite as it is.
        var c = new LifCoefficients(new LifParameters { NoiseWeightMv = 40 }, 0.1, stateBits, 0.0625);
        var rng = new Random(11);
        LifState one = default, two = default;
        one.DendriteMv = 3.25f;
        int spikes = 0;
        for (int step = 0; step < 2000; step++)
        {
            float input = (float)(rng.NextDouble() * (step % 7 == 0 ? 300 : 25));
            bool noise = rng.Next(10) == 0;
            bool a = TwoCompartmentLif.StepSoma(ref one, input, noise, c);
            bool b = TwoCompartmentLif.Step(ref two, input, (float)(rng.NextDouble() * 50 - 25), noise, c);
            Assert.That(a, Is.EqualTo(b), $"step {step}");
            Assert.That((BitConverter.SingleToInt32Bits(one.SynapticCurrentMv), BitConverter.SingleToInt32Bits(one.SomaMv),
                one.RefractoryStepsLeft), Is.EqualTo((BitConverter.SingleToInt32Bits(two.SynapticCurrentMv),
                BitConverter.SingleToInt32Bits(two.SomaMv), two.RefractoryStepsLeft)), $"step {step}");
            if (a) spikes++;
        }
        Assert.That(spikes, Is.GreaterThan(20), "the neuron fires");
        Assert.That(one.DendriteMv, Is.EqualTo(3.25f), "the one-compartment step leaves the dendrite alone");
    }
}
