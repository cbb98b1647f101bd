using Neuromorphic.Neurons;
using Neuromorphic.Plasticity;
using Neuromorphic.Simulator.Engine;
using Neuromorphic.Simulator.S2m;
using Neuromorphic.Tests.Engine;
using NUnit.Framework;

namespace Neuromorphic.Tests.S2m;

/// <summary>The eCD variants of issue 25: nearest-neighbour pairing and the potentiation cap (the Auryn eCD synapse of
/// 2015), against updates computed by hand from spike trains, in the row forms and on both backends.</summary>
public class EcdVariantTests
{
    const float Decay = 0.9f, EtaG = 0.01f;

    /// <summary>One synapse driven by hand-built pre and post spike trains: the weight change under g = +1.</summary>
    static float Run(int[] pre, int[] post, int nearest, float w0 = 0f, float cap = 0f)
    {
        float x = 0, y = 0, w = w0;
        for (int t = 0; t < 200; t++)
        {
            bool sPre = pre.Contains(t), sPost = post.Contains(t);
            if (sPre) w = EcdRule.Cap(w, w + EcdRule.PreSpikeChange(EtaG, y), cap);
            if (sPost) w = EcdRule.Cap(w, w + EcdRule.PostSpikeChange(EtaG, x, sPre, nearest), cap);
            x = EcdRule.AdvanceTrace(x, sPre, Decay, nearest);
            y = EcdRule.AdvanceTrace(y, sPost, Decay, nearest);
        }
        return w;
    }

    static double D(int steps) => Math.Pow(Decay, steps);

    [Test]
    public void AllPairsSumEveryPairNearestOnlyTheNeighbours()
    {
        // Pre spikes at 10 and 20, one post spike at 30. All pairs: d^20 + d^10. Nearest: the post pairs with the
        // latest pre only (d^10).
        Assert.That(Run([10, 20], [30], 0), Is.EqualTo(EtaG * (D(20) + D(10))).Within(1e-8));
        Assert.That(Run([10, 20], [30], 1), Is.EqualTo(EtaG * D(10)).Within(1e-8));
        // Post at 5 and 15, pre at 25: all pairs d^20 + d^10; nearest: d^10.
        Assert.That(Run([25], [5, 15], 0), Is.EqualTo(EtaG * (D(20) + D(10))).Within(1e-8));
        Assert.That(Run([25], [5, 15], 1), Is.EqualTo(EtaG * D(10)).Within(1e-8));
        // pre 10, post 14, pre 20: both rules count both pairs (each spike's nearest partner): d^4 + d^6.
        Assert.That(Run([10, 20], [14], 1), Is.EqualTo(EtaG * (D(4) + D(6))).Within(1e-8));
        Assert.That(Run([10, 20], [14], 0), Is.EqualTo(EtaG * (D(4) + D(6))).Within(1e-8));
        // A same-step pair counts 1 with nearest pairing even after earlier pre spikes (all pairs: 1 + d^5).
        Assert.That(Run([5, 10], [10], 1), Is.EqualTo(EtaG).Within(1e-8));
        Assert.That(Run([5, 10], [10], 0), Is.EqualTo(EtaG * (1 + D(5))).Within(1e-8));
    }

    [Test]
    public void TheCapStopsPotentiationButNotDepression()
    {
        // Without a cap, 6 same-step pairs lift the weight by more than 6 eta; a cap of 0.035 stops it there.
        int[] t = Enumerable.Range(0, 6).Select(k => 20 + 30 * k).ToArray();
        Assert.That(Run(t, t, 0), Is.GreaterThan(6 * EtaG));
        Assert.That(Run(t, t, 0, cap: 0.035f), Is.EqualTo(0.035f));
        // A weight already above the cap is not pulled down by it, nor raised.
        Assert.That(Run(t, t, 0, w0: 0.05f, cap: 0.035f), Is.EqualTo(0.05f));
        // Depression is not bounded.
        Assert.That(EcdRule.Cap(0.02f, -5f, 0.035f), Is.EqualTo(-5f));
        Assert.That(EcdRule.Cap(0.02f, 0.03f, 0.035f), Is.EqualTo(0.03f));
        Assert.That(EcdRule.Cap(0.02f, 0.04f, 0.035f), Is.EqualTo(0.035f));
        Assert.That(EcdRule.Cap(0.02f, 0.04f, 0f), Is.EqualTo(0.04f), "0: no cap");
    }

    [TestCase(7)]
    [TestCase(64)]
    [TestCase(501)]
    public void VectorRowsMatchTheScalarFormsWithEitherVariant(int n)
    {
        var rng = new Random(n);
        float[] Floats(double lo, double hi) => Enumerable.Range(0, n).Select(_ => (float)(lo + (hi - lo) * rng.NextDouble())).ToArray();
        foreach (var variant in new[] { new EcdSynapse(1, 0f), new EcdSynapse(0, 0.6f), new EcdSynapse(1, 0.6f) })
            foreach (float etaG in new[] { 0.3f, -0.3f })
            {
                ulong threshold = BlankOutSynapse.Threshold(0.5);
                var draws = new uint[n];
                CounterRng.RowBitsInto(CounterRng.RowKey(5, CounterRng.StreamBlankOut, 1, S2mSchedule.ForwardKey, n), draws);
                uint thr = (uint)Math.Min(threshold, uint.MaxValue);
                float[] row = Floats(-1, 1), trace = Floats(0, 3);
                var spiked = Enumerable.Range(0, n).Select(_ => rng.Next(3) == 0 ? 1f : 0f).ToArray();

                var expect = (float[])row.Clone();
                for (int i = 0; i < n; i++)
                    if (BlankOutSynapse.Transmits(draws[i], threshold))
                        expect[i] = EcdRule.Cap(expect[i], expect[i] + EcdRule.PreSpikeChange(etaG, trace[i]), variant.WeightMaxMv);
                EcdRule.PreSpikeRow(row, trace, draws, thr, true, etaG, variant: variant);
                Assert.That(Bits(row), Is.EqualTo(Bits(expect)), $"pre row {variant} {etaG}");

                expect = (float[])row.Clone();
                for (int i = 0; i < n; i++)
                    if (BlankOutSynapse.Transmits(draws[i], threshold))
                        expect[i] = EcdRule.Cap(expect[i], expect[i] + EcdRule.PostSpikeChange(etaG, trace[i], spiked[i] != 0f, variant.Nearest), variant.WeightMaxMv);
                EcdRule.PostSpikeRow(row, trace, spiked, draws, thr, true, etaG, variant: variant);
                Assert.That(Bits(row), Is.EqualTo(Bits(expect)), $"post row {variant} {etaG}");
                if (variant.WeightMaxMv > 0 && etaG > 0) Assert.That(row.Where((w, i) => w > variant.WeightMaxMv && w != expect[i]), Is.Empty);

                var traces = (float[])trace.Clone();
                var expectTraces = traces.Select((x, i) => EcdRule.AdvanceTrace(x, spiked[i] != 0f, 0.97f, variant.Nearest)).ToArray();
                EcdRule.AdvanceTraces(traces, spiked, 0.97f, variant.Nearest);
                Assert.That(Bits(traces), Is.EqualTo(Bits(expectTraces)));
            }
    }

    [Test]
    public void BothBackendsLearnTheSameWeightsWithNearestPairingAndACap()
    {
        var c = S2mNetworks.Config(seed: 11) with { SampleMs = 12, TestSampleMs = 8 };
        c = c with { Ecd = c.Ecd with { LearningRate = 5, Pairing = StdpPairing.Nearest, WeightMaxMv = 30 } };
        var a = S2mNetworks.Build(c);
        var b = S2mNetworks.Build(c);
        using (var cpu = new S2mCpuEngine(a, c, 2))
        using (var gpu = new S2mIlgpuEngine(b, c, 2, BackendKind.IlgpuCpu))
        {
            var xc = cpu.Run(S2mEngineTests.Input(cpu, 2, 0), true);
            var xg = gpu.Run(S2mEngineTests.Input(gpu, 2, 0), true);
            Assert.That(xg.SynOps, Is.EqualTo(xc.SynOps));
            gpu.PullWeights();
        }
        Assert.That(b.Projections[0].Weights, Is.EqualTo(a.Projections[0].Weights));
        // The variants change the learning: the same run with all pairs and no cap ends elsewhere.
        var cPlain = c with { Ecd = c.Ecd with { Pairing = StdpPairing.All, WeightMaxMv = 0 } };
        var plain = S2mNetworks.Build(cPlain);
        using (var cpu = new S2mCpuEngine(plain, cPlain, 2))
            cpu.Run(S2mEngineTests.Input(cpu, 2, 0), true);
        Assert.That(plain.Projections[0].Weights, Is.Not.EqualTo(a.Projections[0].Weights));
        // Initial weights lie within +-60 mV: none ends above max(its start, 30 mV), and some stopped exactly at the cap.
        var start = S2mNetworks.Build(c).Projections[0].Weights;
        var end = a.Projections[0].Weights;
        Assert.That(Enumerable.Range(0, end.Length).Where(k => end[k] > Math.Max(start[k], 30f)), Is.Empty);
        Assert.That(Enumerable.Range(0, end.Length).Count(k => end[k] == 30f && start[k] != 30f), Is.GreaterThan(0), "the cap was reached");
    }

    [Test]
    public void TheWeightDecayScalesEveryWeightOnceAfterEachSample()
    {
        // One training sample: the decay comes after the sample's learning, so W(decay) = W(no decay) x 0.999 exactly.
        var c = S2mNetworks.Config(seed: 5) with { SampleMs = 12, TestSampleMs = 8 };
        c = c with { Ecd = c.Ecd with { LearningRate = 5, Pairing = StdpPairing.Nearest } };
        var cDecay = c with { Ecd = c.Ecd with { WeightDecay = 1e-3 } };
        var plain = S2mNetworks.Build(c);
        var decayed = S2mNetworks.Build(cDecay);
        using (var e = new S2mCpuEngine(plain, c, 1)) e.Run(S2mEngineTests.Input(e, 1, 0), true);
        using (var e = new S2mCpuEngine(decayed, cDecay, 1))
        {
            e.Run(S2mEngineTests.Input(e, 1, 0), true);
            Assert.That(e.MirrorDisagreements(), Is.Zero, "the transposed mirror decays with W");
            e.Run(S2mEngineTests.Input(e, 1, 0), false);
        }
        var expected = plain.Projections[0].Weights.Select(w => w * 0.999f).ToArray();
        Assert.That(Bits(decayed.Projections[0].Weights), Is.EqualTo(Bits(expected)), "a test sample does not decay");
        Assert.That(expected.Count(w => w != 0f), Is.GreaterThan(expected.Length / 2));
        // At half the initial rate (a schedule's later epoch) the fraction halves: (1 - 1e-3 x 0.5)^2 over two samples.
        Assert.That(cDecay.Ecd.DecayFactor(2.5, 2), Is.EqualTo((float)Math.Pow(0.9995, 2)));
        Assert.That(c.Ecd.DecayFactor(2.5, 2), Is.EqualTo(1f));
    }

    [Test]
    public void BothBackendsDecayTheSameWeights()
    {
        var c = S2mNetworks.Config(seed: 13) with { SampleMs = 12, TestSampleMs = 8 };
        c = c with { Ecd = c.Ecd with { LearningRate = 5, Pairing = StdpPairing.Nearest, WeightDecay = 3e-3 } };
        var a = S2mNetworks.Build(c);
        var b = S2mNetworks.Build(c);
        using (var cpu = new S2mCpuEngine(a, c, 2))
        using (var gpu = new S2mIlgpuEngine(b, c, 2, BackendKind.IlgpuCpu))
        {
            cpu.LearningRate = gpu.LearningRate = 4;
            for (int k = 0; k < 2; k++)
            {
                cpu.Run(S2mEngineTests.Input(cpu, 2, 2 * k), true);
                gpu.Run(S2mEngineTests.Input(gpu, 2, 2 * k), true);
            }
            gpu.PullWeights();
        }
        Assert.That(Bits(b.Projections[0].Weights), Is.EqualTo(Bits(a.Projections[0].Weights)));
    }

    [Test]
    public void WeightDecayWithFixedPointWeightsIsRefused()
    {
        var (code, _, err) = Neuromorphic.Tests.Cli.CliRun.Run("train", "--rule", "s2m", "--weight-decay", "1e-5", "--weight-bits", "8",
            "--data-dir", "/nonexistent-nm");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(err, Does.Contain("--weight-decay").And.Contain("--weight-bits"));
    }

    static int[] Bits(float[] a) => a.Select(BitConverter.SingleToInt32Bits).ToArray();

    [TestCase("--stdp-pairing", "nearest")]
    [TestCase("--weight-max-mv", "20")]
    [TestCase("--weight-decay", "1e-5")]
    [TestCase("--tau-stdp-ms", "5")]
    public void AnS2mOptionWithAnErbpRuleIsRefusedNotIgnored(string option, string value)
    {
        var (code, _, err) = Neuromorphic.Tests.Cli.CliRun.Run("train", "--rule", "perbp", option, value, "--data-dir", "/nonexistent-nm");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(err, Does.Contain(option).And.Contain("--rule s2m"));
    }
}
