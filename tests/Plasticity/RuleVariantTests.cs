using Neuromorphic.Plasticity;
using Neuromorphic.Simulator.Engine;
using Neuromorphic.Tests.Engine;
using NUnit.Framework;

namespace Neuromorphic.Tests.Plasticity;

/// <summary>The seeds' variants of the eRBP rule (issue 14): feedback (random, sign-symmetric, symmetric),
/// Manhattan updates, and the reference script's learning on blanked-out spikes.</summary>
public class RuleVariantTests
{
    static SimulationConfig With(FeedbackKind feedback, UpdateKind update = UpdateKind.Additive, RuleKind rule = RuleKind.Erbp,
        double blankOut = 1.0, bool learnBlanked = false)
    {
        var c = TestNetworks.Config(rule, seed: 5, blankOut: blankOut);
        return c with { Erbp = c.Erbp with { Feedback = feedback, Update = update, LearnOnBlankedSpikes = learnBlanked } };
    }

    static float[] Feedback(Network net, int layer) => net.Projections.First(p => p.Name == $"error->hidden{layer}").Weights;
    static float[] Forward(Network net, int target) => net.Projections.First(p => p.Forward && p.Target == target).Weights;

    /// <summary>Error rows: E+_k feeds +G[:,k], E-_k feeds -G[:,k]; G is [hidden][classes].</summary>
    static void AssertFeedbackIs(Network net, int layer, Func<int, int, float> g)
    {
        int h = net.Layers[layer], classes = net.Classes;
        var w = Feedback(net, layer);
        for (int k = 0; k < classes; k++)
            for (int i = 0; i < h; i++)
            {
                Assert.That(w[k * h + i], Is.EqualTo(g(i, k)), $"E+_{k} -> hidden{layer}[{i}]");
                Assert.That(w[(classes + k) * h + i], Is.EqualTo(-g(i, k)), $"E-_{k} -> hidden{layer}[{i}]");
            }
    }

    [Test]
    public void RandomFeedbackIsTheFixedRandomG()
    {
        var c = With(FeedbackKind.Random);
        var net = ErbpNetwork.Build([20, 12, 5], c);
        var g = ErbpNetwork.RandomFeedback(12, 5, 1, c);
        AssertFeedbackIs(net, 1, (i, k) => g[i * 5 + k]);
    }

    [Test]
    public void SymmetricFeedbackIsTheTransposedForwardWeights()
    {
        var net = ErbpNetwork.Build([20, 12, 5], With(FeedbackKind.Symmetric));
        var w2 = Forward(net, 2);
        AssertFeedbackIs(net, 1, (i, k) => w2[i * 5 + k]);
    }

    [Test]
    public void SignSymmetricFeedbackIsTheSignOfTheTransposedForwardWeightsTimesAFixedMagnitude()
    {
        var c = With(FeedbackKind.Sign);
        var net = ErbpNetwork.Build([20, 12, 5], c);
        var w2 = Forward(net, 2);
        float half = (float)(0.5 * 1000 * Math.Sqrt(c.FeedbackScale / (5 + 12)));
        AssertFeedbackIs(net, 1, (i, k) => Math.Sign(w2[i * 5 + k]) * half);
    }

    [Test]
    public void DeeperLayersGetTheProductOfTheTransposedForwardWeights()
    {
        var c = With(FeedbackKind.Symmetric);
        var net = ErbpNetwork.Build([20, 8, 6, 5], c);
        var (w2, w3) = (Forward(net, 2), Forward(net, 3));
        AssertFeedbackIs(net, 2, (i, k) => w3[i * 5 + k]);
        var b = new float[8 * 5];
        for (int i = 0; i < 8; i++) for (int m = 0; m < 6; m++) for (int k = 0; k < 5; k++) b[i * 5 + k] += w2[i * 6 + m] * 1e-3f * w3[m * 5 + k];
        AssertFeedbackIs(net, 1, (i, k) => b[i * 5 + k]);
        Assert.That(ErbpNetwork.RefreshFeedback(net, c), Is.EqualTo(8L * 6 * 5), "multiply-adds of one refresh");
    }

    [Test]
    public void SymmetricFeedbackFollowsTheForwardWeightsAsTheyLearn()
    {
        var c = With(FeedbackKind.Symmetric);
        var net = ErbpNetwork.Build([20, 12, 5], c);
        using var e = new CpuEngine(net, c, 1);
        e.Run(TestNetworks.Input(e, 1, 3, labels: true), true);
        var w2 = Forward(net, 2);
        Assert.That(Feedback(net, 1).Take(12), Is.Not.EqualTo(Enumerable.Range(0, 12).Select(i => w2[i * 5])),
            "learning moved W2 away from the feedback");
        ErbpNetwork.RefreshFeedback(net, c);
        AssertFeedbackIs(net, 1, (i, k) => w2[i * 5 + k]);
        Assert.That(ErbpNetwork.RefreshDue(c with { Erbp = c.Erbp with { FeedbackRefreshSamples = 10 } }, 20, 1), Is.True);
        Assert.That(ErbpNetwork.RefreshDue(c with { Erbp = c.Erbp with { FeedbackRefreshSamples = 10 } }, 21, 9), Is.False);
        Assert.That(ErbpNetwork.RefreshDue(c with { Erbp = c.Erbp with { FeedbackRefreshSamples = 10 } }, 21, 10), Is.True,
            "a batch that spans a multiple of the interval");
        Assert.That(ErbpNetwork.RefreshDue(With(FeedbackKind.Random), 0, 1), Is.False, "random feedback is never refreshed");
    }

    [Test]
    public void ManhattanMovesEachGatedWeightByExactlyOneStepInTheSignOfTheErbpUpdate()
    {
        var rng = new Random(3);
        int n = 37;
        var current = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 3000 - 1500)).ToArray();
        var dendrite = Enumerable.Range(0, n).Select(i => i % 9 == 0 ? 0f : (float)(rng.NextDouble() * 200 - 100)).ToArray();
        var before = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 100 - 50)).ToArray();
        var row = (float[])before.Clone();
        const float step = 0.25f;
        ErbpRule.ApplyToRow(row, current, dendrite, new ErbpConstants(step, -600, 600, UpdateKind.Manhattan));
        int moved = 0;
        for (int i = 0; i < n; i++)
        {
            float additive = ErbpRule.WeightChange(current[i], dendrite[i], 3e-3f, -600, 600);
            Assert.That(row[i] - before[i], Is.EqualTo(Math.Sign(additive) * step), $"synapse {i}");
            if (additive != 0) moved++;
        }
        Assert.That(moved, Is.GreaterThan(5));
    }

    [Test]
    public void ManhattanTrainingMovesWeightsInWholeSteps()
    {
        const float step = 1f / 64; // exact in float for weights below 2^17
        var c = With(FeedbackKind.Random, UpdateKind.Manhattan);
        c = c with { Erbp = c.Erbp with { LearningRate = step } };
        var net = ErbpNetwork.Build([20, 12, 5], c);
        var before = Forward(net, 1).ToArray();
        using var e = new CpuEngine(net, c, 1);
        e.Run(TestNetworks.Input(e, 1, 4, labels: true), true);
        var after = Forward(net, 1);
        int changed = 0;
        for (int k = 0; k < after.Length; k++)
        {
            double steps = (after[k] - before[k]) / (double)step;
            Assert.That(steps, Is.EqualTo(Math.Round(steps)).Within(1e-9), $"weight {k} moved by a whole number of steps");
            if (after[k] != before[k]) changed++;
        }
        Assert.That(changed, Is.GreaterThan(10));
    }

    [Test]
    public void LearningOnBlankedSpikesLearnsMoreThanPerbpButTransmitsTheSame()
    {
        var perbp = With(FeedbackKind.Random, rule: RuleKind.Perbp, blankOut: 0.5);
        var reference = With(FeedbackKind.Random, rule: RuleKind.Perbp, blankOut: 0.5, learnBlanked: true);
        var (a, b) = (ErbpNetwork.Build([20, 12, 5], perbp), ErbpNetwork.Build([20, 12, 5], reference));
        using var ea = new CpuEngine(a, perbp, 1);
        using var eb = new CpuEngine(b, reference, 1);
        var ra = ea.Run(TestNetworks.Input(ea, 1, 5, labels: false), false);
        var rb = eb.Run(TestNetworks.Input(eb, 1, 5, labels: false), false);
        Assert.That(rb.SynOps, Is.EqualTo(ra.SynOps), "inference: the same events reach the same synapses");
        var w0 = Forward(a, 1).ToArray();
        ea.Run(TestNetworks.Input(ea, 1, 6, labels: true), true);
        eb.Run(TestNetworks.Input(eb, 1, 6, labels: true), true);
        int changedA = Forward(a, 1).Zip(w0).Count(x => x.First != x.Second), changedB = Forward(b, 1).Zip(w0).Count(x => x.First != x.Second);
        Assert.That(changedB, Is.GreaterThan(changedA), "synapses learn on spikes they did not transmit");
    }

    // One case covers both kernel changes (Manhattan step and learning on blanked spikes): ILGPU's CPU accelerator is slow.
    [TestCase(UpdateKind.Manhattan, true, 0.5)]
    public void VariantsLearnTheSameWeightsOnTheCpuAndIlgpuBackends(UpdateKind update, bool learnBlanked, double blankOut)
    {
        var c = With(FeedbackKind.Random, update, blankOut < 1 ? RuleKind.Perbp : RuleKind.Erbp, blankOut, learnBlanked);
        if (update == UpdateKind.Manhattan) c = c with { Erbp = c.Erbp with { LearningRate = 0.05 } };
        foreach (var mode in new[] { BatchUpdateMode.PerStep, BatchUpdateMode.PerSample })
        {
            var cm = c with { BatchUpdate = mode };
            var (netCpu, netGpu) = (ErbpNetwork.Build([20, 10, 5], cm), ErbpNetwork.Build([20, 10, 5], cm));
            var before = Forward(netCpu, 1).ToArray();
            using var cpu = new CpuEngine(netCpu, cm, 2);
            using var gpu = new IlgpuEngine(netGpu, cm, 2, BackendKind.IlgpuCpu);
            for (int batch = 0; batch < 1; batch++)
            {
                var input = TestNetworks.Input(cpu, 2, 40 + batch, labels: true);
                var rc = cpu.Run(input, true);
                var rg = mode == BatchUpdateMode.PerStep ? gpu.Run(input, true, new RasterRecorder()) : gpu.Run(input, true);
                Assert.That(rg.OutputCounts, Is.EqualTo(rc.OutputCounts), $"{mode}, batch {batch}");
                Assert.That(rg.SynOps, Is.EqualTo(rc.SynOps), $"{mode}, batch {batch}");
            }
            gpu.PullWeights();
            Assert.That(Forward(netCpu, 1), Is.Not.EqualTo(before), "it learnt");
            for (int q = 0; q < netCpu.Projections.Count; q++)
                Assert.That(netGpu.Projections[q].Weights, Is.EqualTo(netCpu.Projections[q].Weights), $"{mode}: {netCpu.Projections[q].Name}");
        }
    }
}
