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
        ErbpRule.ApplyToRow(row, cur, den, new ErbpConstants(6e-4f, -600f, 600f));
        Assert.That(row, Is.EqualTo(expected));
    }
}

/// <summary>The eRBP synapse event's row form (<see cref="ErbpRule.DeliverRow"/>) against the per-synapse decisions the kernels make.</summary>
public class ErbpDeliverRowTests
{
    const int N = 203;

    static (float[] Row, float[] Cur, float[] Den, uint[] Draws) Inputs(ulong seed)
    {
        var row = new float[N]; var cur = new float[N]; var den = new float[N]; var draws = new uint[N];
        for (int i = 0; i < N; i++)
        {
            row[i] = (CounterRng.Uniform(seed, 9, 0, (ulong)i) - 0.5f) * 40f;
            cur[i] = (CounterRng.Uniform(seed, 9, 1, (ulong)i) - 0.5f) * 2000f;
            den[i] = (CounterRng.Uniform(seed, 9, 2, (ulong)i) - 0.5f) * 200f;
        }
        BlankOutSynapse.DrawRow(BlankOutSynapse.EventKey(seed, 5, 0, 3), 0, draws);
        return (row, cur, den, draws);
    }

    /// <summary>The kernels' form: synapse by synapse, <see cref="BlankOutSynapse.Receives"/>, then
    /// <see cref="WeightUpdate.Apply(float, float, bool, in QuantCoefficients, ulong, ulong, int, int, int)"/>.</summary>
    static int PerSynapse(float[] row, float[] inbox, float[] cur, float[] den, ulong seed, ulong threshold, bool learn, in ErbpConstants e,
        byte[]? mask)
    {
        int events = 0;
        for (int i = 0; i < N; i++)
        {
            if (mask != null && mask[i] == 0) continue;
            bool transmits = BlankOutSynapse.Receives(BlankOutSynapse.EventKey(seed, 5, 0, 3), i, threshold);
            if (!transmits && e.LearnOnBlankedSpikes == 0) continue;
            if (learn)
                row[i] = WeightUpdate.Apply(row[i], ErbpRule.WeightChange(cur[i], den[i], e), e.Quantized != 0, e.Grid, seed, 5, 0, 3, i);
            if (!transmits) continue;
            inbox[i] += row[i];
            events++;
        }
        return events;
    }

    static IEnumerable<TestCaseData> Cases()
    {
        var grid = new QuantFormat(8, 0.5, Rounding.Stochastic, true).Coefficients;
        var perbp = new ErbpConstants(6e-4f, -600f, 600f);
        yield return new TestCaseData(0.45, true, perbp, false).SetName("peRBP learning, vector path");
        yield return new TestCaseData(0.45, false, perbp, false).SetName("peRBP inference, vector path");
        yield return new TestCaseData(1.0, true, perbp, false).SetName("deterministic synapses");
        yield return new TestCaseData(0.45, true, perbp, true).SetName("pruned synapses");
        yield return new TestCaseData(0.45, true, new ErbpConstants(1e-2f, -600f, 600f, UpdateKind.Manhattan), false).SetName("Manhattan steps");
        yield return new TestCaseData(0.65, true, new ErbpConstants(6e-4f, -600f, 600f, learnOnBlankedSpikes: true), false)
            .SetName("learning on blanked spikes, vector path");
        yield return new TestCaseData(0.45, true, new ErbpConstants(0.3f, -600f, 600f, grid: grid), false).SetName("fixed-point weights");
    }

    [TestCaseSource(nameof(Cases))]
    public void RowFormMakesTheKernelsDecisionsBitForBit(double p, bool learn, ErbpConstants e, bool pruned)
    {
        ulong t = BlankOutSynapse.Threshold(p);
        var (row, cur, den, draws) = Inputs(7);
        if (e.Quantized != 0) for (int i = 0; i < N; i++) row[i] = Quantizer.Quantize(row[i], e.Grid, 0);
        byte[]? mask = pruned ? Enumerable.Range(0, N).Select(i => (byte)(i % 3 == 0 ? 0 : 1)).ToArray() : null;
        var before = (float[])row.Clone();
        var rowK = (float[])row.Clone();
        var inbox = new float[N]; var inboxK = new float[N];
        for (int i = 0; i < N; i++) inbox[i] = inboxK[i] = i * 0.25f;
        int events = ErbpRule.DeliverRow(row, inbox, cur, den, draws, BlankOutSynapse.IsStochastic(t) ? (uint)t : 0u, BlankOutSynapse.IsStochastic(t),
            learn, e, mask, e.Quantized != 0 ? WeightUpdate.RoundingKey(7, 5, 0, 3) : 0);
        int eventsK = PerSynapse(rowK, inboxK, cur, den, 7, t, learn, e, mask);
        Assert.That(events, Is.EqualTo(eventsK));
        Assert.That(row.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(rowK.Select(BitConverter.SingleToInt32Bits)));
        Assert.That(inbox.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(inboxK.Select(BitConverter.SingleToInt32Bits)));
        if (learn) Assert.That(row, Is.Not.EqualTo(before), "the row learnt");
        if (e.Quantized != 0) Assert.That(row.All(w => Quantizer.Quantize(w, e.Grid, 0) == w), "every weight on the grid");
    }

    [Test]
    public void AZeroChangeLeavesAFixedPointWeightWithoutRoundingNoise()
    {
        var grid = new QuantFormat(8, 0.5, Rounding.Stochastic, true).Coefficients;
        for (int post = 0; post < 50; post++)
        {
            Assert.That(WeightUpdate.Apply(1.5f, 0f, true, grid, WeightUpdate.RoundingKey(1, 2, 0, 3), post), Is.EqualTo(1.5f));
            float w = WeightUpdate.Apply(1.5f, 0.1f, true, grid, 1, 2, 0, 3, post);
            Assert.That(w, Is.EqualTo(1.5f).Or.EqualTo(2.0f), "on the grid, one step at most");
            Assert.That(WeightUpdate.Apply(1.5f, 0.1f, true, grid, WeightUpdate.RoundingKey(1, 2, 0, 3), post), Is.EqualTo(w),
                "key once per row = key per synapse");
        }
        Assert.That(WeightUpdate.Apply(1.5f, 0.1f, false, grid, 0, post: 0), Is.EqualTo(1.5f + 0.1f));
    }
}

/// <summary>The one carrier of the rule's constants (<see cref="ErbpConstants"/>): what it takes from the parameters and the projection.</summary>
public class ErbpConstantsTests
{
    [Test]
    public void CarriesTheParametersTheProjectionsGateAndGridAndTheBatchsLearningRate()
    {
        var grid = new QuantFormat(8, 0.5, Rounding.Stochastic, true).Coefficients;
        var p = new ErbpParameters() with { LearningRate = 2e-3, Update = UpdateKind.Manhattan, LearnOnBlankedSpikes = true };
        var c = ErbpConstants.Of(p, -300f, 450f, grid);
        Assert.That((c.LearningRate, c.GateLowMv, c.GateHighMv), Is.EqualTo((2e-3f, -300f, 450f)));
        Assert.That((c.Update, c.LearnOnBlankedSpikes, c.Quantized, c.Grid.Step), Is.EqualTo(((int)UpdateKind.Manhattan, 1, 1, grid.Step)));
        Assert.That(c.VectorForm, Is.False);
        var batch = c.At(5e-4f);
        Assert.That(batch.LearningRate, Is.EqualTo(5e-4f));
        Assert.That((batch.GateLowMv, batch.GateHighMv, batch.Update, batch.LearnOnBlankedSpikes, batch.Quantized, batch.Grid.MaxCode),
            Is.EqualTo((c.GateLowMv, c.GateHighMv, c.Update, c.LearnOnBlankedSpikes, c.Quantized, c.Grid.MaxCode)));
        var plain = ErbpConstants.Of(new ErbpParameters(), -600f, 600f, null);
        Assert.That((plain.Update, plain.LearnOnBlankedSpikes, plain.Quantized, plain.VectorForm), Is.EqualTo((0, 0, 0, true)));
    }

    [Test]
    public void TheRowOfFloatWeightsRefusesAFixedPointGrid()
    {
        var c = new ErbpConstants(1e-3f, -600f, 600f, grid: new QuantFormat(8, 0.5, Rounding.Nearest, true).Coefficients);
        Assert.Throws<ArgumentException>(() => ErbpRule.ApplyToRow(new float[4], new float[4], new float[4], c));
    }
}
