using Neuromorphic.Neurons;
using NUnit.Framework;

namespace Neuromorphic.Tests.Neurons;

public class TwoCompartmentLifTests
{
    static readonly LifParameters Quiet = new(ThresholdMv: 1e9, RefractoryMs: 0);

    [Test]
    public void CurrentAndPotentialsDecayExponentially()
    {
        var c = new LifCoefficients(Quiet, 0.1);
        float i = 50f, v = 80f, u = -30f; int r = 0;
        for (int n = 1; n <= 400; n++)
        {
            float vBefore = v, iBefore = i;
            TwoCompartmentLif.Step(ref i, ref v, ref u, ref r, 0f, 0f, false, c);
            double t = n * 0.1;
            Assert.That(i, Is.EqualTo(50 * Math.Exp(-t / 4.0)).Within(1e-4 * 50));
            Assert.That(u, Is.EqualTo(-30 * Math.Exp(-t / 5.0)).Within(1e-4 * 30));
            _ = vBefore; _ = iBefore;
        }
        // V driven by the decaying current, from V0: closed form of the linear system.
        double tt = 40.0, tm = 1.0, ts = 4.0;
        double expected = 80 * Math.Exp(-tt / tm) + 50 * ts / (ts - tm) * (Math.Exp(-tt / ts) - Math.Exp(-tt / tm));
        Assert.That(v, Is.EqualTo(expected).Within(1e-4 * 50));
    }

    [Test]
    public void SomaFollowsTheExactSolutionForADecayingCurrentNotEuler()
    {
        var c = new LifCoefficients(Quiet, 0.1);
        float i = 0f, v = 0f, u = 0f; int r = 0;
        TwoCompartmentLif.Step(ref i, ref v, ref u, ref r, 100f, 0f, false, c); // a 100 mV jump in I
        double tm = 1.0, ts = 4.0;
        for (int n = 2; n <= 30; n++)
        {
            TwoCompartmentLif.Step(ref i, ref v, ref u, ref r, 0f, 0f, false, c);
            double t = n * 0.1;
            double exact = 100 * ts / (ts - tm) * (Math.Exp(-t / ts) - Math.Exp(-t / tm));
            Assert.That(v, Is.EqualTo(exact).Within(1e-5 * 100), $"step {n}");
        }
    }

    [TestCase(150.0)]
    [TestCase(300.0)]
    [TestCase(1000.0)]
    public void FiringRateUnderConstantCurrentMatchesTheAnalyticalLifRate(double currentMv)
    {
        // Constant current: tau_syn so long that I does not decay. dt = 0.01 ms keeps the grid error small.
        var p = new LifParameters(TauSynapseMs: 1e12, RefractoryMs: 3.9);
        double dt = 0.01;
        var c = new LifCoefficients(p, dt);
        float i = (float)currentMv, v = 0f, u = 0f; int r = 0, spikes = 0;
        int steps = (int)(2000 / dt);
        for (int n = 0; n < steps; n++)
            if (TwoCompartmentLif.Step(ref i, ref v, ref u, ref r, 0f, 0f, false, c)) spikes++;
        double isi = 3.9 + 1.0 * Math.Log(currentMv / (currentMv - 100.0));
        double analytic = 1000.0 / isi;
        Assert.That(spikes / 2.0, Is.EqualTo(analytic).Within(0.02 * analytic));
    }

    [Test]
    public void SubthresholdCurrentNeverFires()
    {
        var c = new LifCoefficients(new LifParameters(TauSynapseMs: 1e12), 0.1);
        float i = 99f, v = 0f, u = 0f; int r = 0;
        for (int n = 0; n < 100000; n++) Assert.That(TwoCompartmentLif.Step(ref i, ref v, ref u, ref r, 0f, 0f, false, c), Is.False);
    }

    [Test]
    public void RefractoryPeriodClampsTheSomaAtZero()
    {
        var c = new LifCoefficients(new LifParameters(TauSynapseMs: 1e12, RefractoryMs: 3.9), 0.1);
        float i = 10000f, v = 0f, u = 0f; int r = 0;
        Assert.That(TwoCompartmentLif.Step(ref i, ref v, ref u, ref r, 0f, 0f, false, c), Is.True, "a huge current fires at once");
        Assert.That(v, Is.Zero);
        for (int n = 0; n < 39; n++)
        {
            Assert.That(TwoCompartmentLif.Step(ref i, ref v, ref u, ref r, 0f, 0f, false, c), Is.False, $"refractory step {n}");
            Assert.That(v, Is.Zero);
        }
        Assert.That(TwoCompartmentLif.Step(ref i, ref v, ref u, ref r, 0f, 0f, false, c), Is.True, "fires again right after 3.9 ms");
    }

    [Test]
    public void DendriteDoesNotDriveTheSoma()
    {
        var c = new LifCoefficients(Quiet, 0.1);
        float i = 0f, v = 0f, u = 0f; int r = 0;
        for (int n = 0; n < 100; n++) TwoCompartmentLif.Step(ref i, ref v, ref u, ref r, 0f, 500f, false, c);
        Assert.That(v, Is.Zero);
        Assert.That(u, Is.GreaterThan(1000f));
    }

    [TestCase(0.0)]
    [TestCase(-4.0)]
    [TestCase(double.NaN)]
    public void NonPositiveTimeConstantsAreRejectedByName(double tau)
    {
        var e = Assert.Throws<ArgumentException>(() => _ = new LifCoefficients(new LifParameters(TauSynapseMs: tau), 0.1));
        Assert.That(e!.Message, Does.Contain("TauSynapseMs"));
    }

    [Test]
    public void RowStepRejectsShortRowsAndIgnoresTheDendriteWhenOff()
    {
        var c = new LifCoefficients(new LifParameters(), 0.1);
        float[] Row(int n) => new float[n];
        var e = Assert.Throws<ArgumentException>(()
            => TwoCompartmentLif.StepRow(new LifStateRows(Row(40), Row(39), Row(40), new int[40]), Row(40), Row(40), c, new int[40]));
        Assert.That(e!.Message, Does.Contain("40 neurons"));
        Assert.Throws<ArgumentException>(()
            => TwoCompartmentLif.StepRow(new LifStateRows(Row(40), Row(40), Row(8), new int[40]), Row(40), Row(8), c, new int[40]));
        // Without the dendrite its rows are not touched, so they may be empty.
        var cur = Row(40); cur[3] = 5000f;
        int count = TwoCompartmentLif.StepRow(new LifStateRows(cur, Row(40), [], new int[40]), Row(40), [], c, new int[40], dendrite: false);
        Assert.That(count, Is.EqualTo(1));
    }

    [Test]
    public void VectorisedRowStepIsBitIdenticalToTheScalarStep(
        [Values(1, 8, 13, 16, 37, 200)] int n, [Values(512, 256, 0)] int vectorBits, [Values(true, false)] bool dendrite)
    {
        var c = new LifCoefficients(new LifParameters(), 0.1);
        var rng = new Random(n);
        float[] NewRow(double scale) => Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() - 0.3) * scale)).ToArray();
        float[] cur = NewRow(400), soma = NewRow(120), dend = NewRow(50);
        int[] refr = Enumerable.Range(0, n).Select(_ => rng.Next(0, 3) == 0 ? rng.Next(1, 40) : 0).ToArray();
        float[] cur2 = (float[])cur.Clone(), soma2 = (float[])soma.Clone(), dend2 = (float[])dend.Clone(), dendStart = (float[])dend.Clone();
        int[] refr2 = (int[])refr.Clone();
        var spikes = new int[n];
        int total = 0;
        for (int step = 0; step < 300; step++)
        {
            float[] inS = NewRow(step % 7 == 0 ? 300 : 40), inD = NewRow(30);
            float[] inS2 = (float[])inS.Clone(), inD2 = (float[])inD.Clone();
            var expected = new List<int>();
            for (int i = 0; i < n; i++)
                if (TwoCompartmentLif.Step(ref cur[i], ref soma[i], ref dend[i], ref refr[i], inS[i], inD[i], false, c)) expected.Add(i);
            int count = TwoCompartmentLif.StepRow(new LifStateRows(cur2, soma2, dend2, refr2), inS2, inD2, c, spikes, dendrite, vectorBits);
            Assert.That(spikes.Take(count), Is.EqualTo(expected), $"spikes of step {step}");
            Assert.That(inS2.All(x => x == 0f), Is.True, "somatic inbox cleared");
            if (dendrite) Assert.That(inD2.All(x => x == 0f), Is.True, "dendritic inbox cleared");
            else Assert.That(inD2, Is.EqualTo(inD), "dendritic inbox left alone");
            total += count;
        }
        Assert.That(cur2.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(cur.Select(BitConverter.SingleToInt32Bits)));
        Assert.That(soma2.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(soma.Select(BitConverter.SingleToInt32Bits)));
        // Without the dendrite, U keeps its starting values (the scalar loop above still integrated its own copy).
        if (dendrite) Assert.That(dend2.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(dend.Select(BitConverter.SingleToInt32Bits)));
        else Assert.That(dend2, Is.EqualTo(dendStart));
        Assert.That(refr2, Is.EqualTo(refr));
        Assert.That(total, Is.GreaterThan(n), "the rows spiked (and were refractory) often enough to test both branches");
    }
}

public class ErrorNeuronTests
{
    [Test]
    public void ResetsBySubtractionAndKeepsTheRemainder()
    {
        float e = 0f;
        Assert.That(ErrorNeuron.Step(ref e, 90f, 100f), Is.False);
        Assert.That(ErrorNeuron.Step(ref e, 90f, 100f), Is.True);
        Assert.That(e, Is.EqualTo(80f));
    }

    [Test]
    public void IsFlooredAtZero()
    {
        float e = 30f;
        Assert.That(ErrorNeuron.Step(ref e, -90f, 100f), Is.False);
        Assert.That(e, Is.Zero);
        Assert.That(ErrorNeuron.Step(ref e, 90f, 100f), Is.False, "no debt was kept below zero");
        Assert.That(e, Is.EqualTo(90f));
    }

    [Test]
    public void FixedPointStateRoundsInputsToCodesAndSaturates()
    {
        float e = 0f;
        // 8-bit state of 16 mV: 90 mV rounds to 96 (6 codes), the threshold 100 mV to 96 (6 codes).
        Assert.That(ErrorNeuron.Step(ref e, 90f, 100f, 8, 16f), Is.True);
        Assert.That(e, Is.Zero);
        Assert.That(ErrorNeuron.Step(ref e, 1e6f, 100f, 8, 16f), Is.True);
        Assert.That(e, Is.EqualTo((127 - 6) * 16f), "saturated at 127 codes, then one threshold subtracted");
        e = 0f;
        Assert.That(ErrorNeuron.Step(ref e, 90f, 100f, 16, 1f / 16), Is.False, "16-bit state: 90 mV stays below 100 mV");
        Assert.That(e, Is.EqualTo(90f));
    }

    [Test]
    public void FiresAtNinetyPercentOfTheNetInputRate()
    {
        float e = 0f; int spikes = 0;
        for (int n = 0; n < 1000; n++) if (ErrorNeuron.Step(ref e, 90f, 100f)) spikes++;
        Assert.That(spikes, Is.EqualTo(900).Within(1));
    }
}
