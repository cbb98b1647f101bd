using Neuromorphic.Simulator.Engine;
using Neuromorphic.Simulator.Files;
using Neuromorphic.Simulator.Training;
using Neuromorphic.Tests.Engine;
using NUnit.Framework;

namespace Neuromorphic.Tests.Training;

/// <summary>The reference driver's protocol (issue 25): class-balanced draws with replacement, tests every N samples,
/// and the papers' statistic, the mean test error of the last five tests.</summary>
public class SamplingTests
{
    [Test]
    public void BalancedOrderHoldsEveryClassOncePerBlockAndRepeatsForTheSeed()
    {
        // 5 classes with very unequal counts: balanced sampling must still show each class equally often.
        var labels = new byte[103];
        for (int i = 0; i < labels.Length; i++) labels[i] = (byte)(i < 60 ? 0 : 1 + i % 4);
        var order = Trainer.BalancedOrder(seed: 9, epoch: 2, n: 250, pool: labels.Length, labels);
        Assert.That(order, Has.Length.EqualTo(250));
        for (int block = 0; block < 50; block++)
            Assert.That(order.Skip(block * 5).Take(5).Select(i => labels[i]).OrderBy(c => c), Is.EqualTo(new byte[] { 0, 1, 2, 3, 4 }), $"block {block}");
        Assert.That(order.GroupBy(i => labels[i]).Select(g => g.Count()), Is.All.EqualTo(50), "class counts per loop");
        // With replacement: 250 draws from 103 images repeat some images, and the order of classes is not fixed.
        Assert.That(order.Distinct().Count(), Is.LessThan(250));
        Assert.That(order.Take(5).Select(i => labels[i]), Is.Not.EqualTo(order.Skip(5).Take(5).Select(i => labels[i])).Or.Not.EqualTo(order.Skip(10).Take(5).Select(i => labels[i])));
        Assert.That(Trainer.BalancedOrder(9, 2, 250, labels.Length, labels), Is.EqualTo(order), "same seed and epoch, same digits");
        Assert.That(Trainer.BalancedOrder(9, 3, 250, labels.Length, labels), Is.Not.EqualTo(order), "another epoch draws anew");
        Assert.That(Trainer.BalancedOrder(10, 2, 250, labels.Length, labels), Is.Not.EqualTo(order), "another seed draws anew");
        // The pool bounds the draw: images past it are never shown.
        Assert.That(Trainer.BalancedOrder(9, 2, 250, 80, labels), Is.All.LessThan(80));
    }

    [Test]
    public void BalancedRunResumedMidEpochEqualsTheUninterruptedRunWithItsTests()
    {
        var dir = Path.Combine(Path.GetTempPath(), "nm-bal-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var set = TrainingTests.SyntheticSet(60);
            var config = TestNetworks.Config(RuleKind.Erbp, seed: 4);
            var opts = new TrainOptions
            {
                Epochs = 2, TrainSamples = 30, TrainPool = 40, Sampling = SamplingKind.BalancedReplacement, TestEvery = 8,
                CheckpointEvery = 10, CheckpointPath = Path.Combine(dir, "ck.nmm"),
            };
            EvaluationResult? Test(SimulationEngine e) => Evaluation.Run(e, set, 40, 20, Evaluation.TestPresentationBase);

            var straight = ErbpNetwork.Build([20, 30, 5], config);
            Trainer whole;
            using (var e = new CpuEngine(straight, config, 2))
            {
                whole = new Trainer(e, set, opts with { CheckpointEvery = 0 }, new TrainingProgress());
                whole.Run(null, null, null, Test);
            }
            // Tests at 8, 16, ..., 56 samples seen (batch 2 crosses each multiple of 8 exactly once).
            Assert.That(whole.TestPoints.Select(p => p.SamplesSeen), Is.EqualTo(new long[] { 8, 16, 24, 32, 40, 48, 56 }));

            var first = ErbpNetwork.Build([20, 30, 5], config);
            var progress = new TrainingProgress();
            using (var e = new CpuEngine(first, config, 2))
            {
                var t = new Trainer(e, set, opts, progress);
                try { t.Run((done, _, _) => { if (progress.EpochsCompleted == 1 && done == 14) throw new OperationCanceledException(); }, null, null, Test); }
                catch (OperationCanceledException) { }
            }
            var file = ModelFile.Load(opts.CheckpointPath!);
            Assert.That(file.Progress.PositionInEpoch, Is.EqualTo(12), "the last checkpoint fell 12 samples into epoch 2");
            var resumedConfig = file.Config();
            var resumed = file.ToNetwork(resumedConfig, opts.CheckpointPath!);
            Trainer rest;
            using (var e = new CpuEngine(resumed, resumedConfig, 2))
            {
                rest = new Trainer(e, set, opts with { CheckpointEvery = 0 }, file.Progress, file.History, file.TestPoints);
                rest.Run(null, null, null, Test);
            }
            for (int q = 0; q < straight.Projections.Count; q++)
                Assert.That(resumed.Projections[q].Weights, Is.EqualTo(straight.Projections[q].Weights), straight.Projections[q].Name);
            Assert.That(rest.TestPoints.Select(p => (p.SamplesSeen, p.TestAccuracy)), Is.EqualTo(whole.TestPoints.Select(p => (p.SamplesSeen, p.TestAccuracy))));
            // The permutation protocol on the same pool learns other digits: the sampling option changes the run.
            var perm = ErbpNetwork.Build([20, 30, 5], config);
            using (var e = new CpuEngine(perm, config, 2)) new Trainer(e, set, opts with { CheckpointEvery = 0, Sampling = SamplingKind.Permutation }, new TrainingProgress()).Run(null, null, null);
            Assert.That(perm.Projections[0].Weights, Is.Not.EqualTo(straight.Projections[0].Weights));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void LastFiveMeanAveragesTheLastFiveStoredTests()
    {
        var points = new[] { 0.30, 0.10, 0.08, 0.07, 0.06, 0.05, 0.04 }
            .Select((e, i) => new TestPoint { SamplesSeen = (i + 1) * 1000, TestSamples = 100, TestAccuracy = 1 - e }).ToList();
        var (mean, count, n) = TestStatistic.LastMeanError(points, [])!.Value;
        Assert.That(count, Is.EqualTo(5));
        Assert.That(n, Is.EqualTo(100));
        Assert.That(mean, Is.EqualTo((0.08 + 0.07 + 0.06 + 0.05 + 0.04) / 5).Within(1e-12));
        Assert.That(TestStatistic.LastMeanError(points.Take(2).ToList(), [])!.Value.MeanError, Is.EqualTo(0.2).Within(1e-12), "fewer than five: all of them");
        // A model file without test points: its per-epoch tests (epochs without a test are skipped).
        var history = new List<EpochRecord>
        {
            new() { Epoch = 1, TestSamples = 10, TestAccuracy = 0.5 }, new() { Epoch = 2 }, new() { Epoch = 3, TestSamples = 10, TestAccuracy = 0.7 },
        };
        Assert.That(TestStatistic.LastMeanError([], history)!.Value.MeanError, Is.EqualTo(0.4).Within(1e-12));
        Assert.That(TestStatistic.LastMeanError([], [new EpochRecord { Epoch = 1 }]), Is.Null);
        // Through a model file: the points are stored and read back.
        var path = Path.Combine(Path.GetTempPath(), "nm-l5-" + Guid.NewGuid().ToString("N") + ".nmm");
        try
        {
            var config = TestNetworks.Config(RuleKind.Erbp, seed: 1);
            ModelFile.From(ErbpNetwork.Build([20, 30, 5], config), config, new TrainingProgress(), history, points).Save(path);
            var file = ModelFile.Load(path);
            Assert.That(TestStatistic.LastMeanError(file.TestPoints, file.History)!.Value.MeanError, Is.EqualTo(mean).Within(1e-12));
        }
        finally { File.Delete(path); }
    }
}
