using Neuromorphic.Cli;
using Neuromorphic.Plasticity;
using Neuromorphic.Simulator.Data;
using Neuromorphic.Simulator.Engine;
using Neuromorphic.Simulator.Files;
using Neuromorphic.Simulator.Training;
using Neuromorphic.Tests.Engine;
using NUnit.Framework;

namespace Neuromorphic.Tests.Training;

/// <summary>Presets, learning-rate schedules and the training history (issue 14).</summary>
public class TrainingRecipeTests
{
    string _dir = "";
    [SetUp] public void SetUp() { _dir = Path.Combine(Path.GetTempPath(), "nm-recipe-" + Guid.NewGuid().ToString("N")); Directory.CreateDirectory(_dir); }
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    [Test]
    public void EveryPresetRoundTripsThroughAModelFile()
    {
        Assert.That(Presets.All.Select(p => p.Name), Is.SupersetOf(new[] { "best", "paper-erbp", "paper-perbp", "reference" }));
        foreach (var p in Presets.All)
        {
            var config = Presets.ConfigOf(p.Name);
            config.Validate();
            var net = Networks.Build([784, 6, 10], config);
            string path = Path.Combine(_dir, p.Name + ".nmm");
            ModelFile.From(net, config, new TrainingProgress()).Save(path);
            var back = ModelFile.Load(path).Config();
            Assert.That(back, Is.EqualTo(config), p.Name);
            Assert.That(back.Preset, Is.EqualTo(p.Name));
        }
        // The presets differ where the paper says they do.
        Assert.That(Presets.ConfigOf("paper-erbp").Hidden.NoiseWeightMv, Is.EqualTo(50));
        Assert.That(Presets.ConfigOf("paper-perbp").TransmissionProbability, Is.EqualTo(0.45));
        Assert.That(Presets.ConfigOf("reference").Erbp.LearnOnBlankedSpikes, Is.True);
        // The S2M presets: the 2014 table's machine, with blank-out (S2M) or neural noise (eCD 2014).
        Assert.That(Presets.All.Select(p => p.Name), Is.SupersetOf(new[] { "best-s2m", "paper-s2m", "paper-ecd-2014" }));
        var s2m = Presets.ConfigOf("paper-s2m");
        Assert.That((s2m.Rule, s2m.SampleMs, s2m.TestSampleMs, s2m.BiasRateHz, s2m.LabelUnitsPerClass, s2m.TransmissionProbability, s2m.Sampler.NoiseWeightMv),
            Is.EqualTo((RuleKind.S2m, 100.0, 1000.0, 1000.0, 4, 0.5, 0.0)));
        var ecd = Presets.ConfigOf("paper-ecd-2014");
        Assert.That((ecd.TransmissionProbability, ecd.Sampler.NoiseWeightMv > 0, ecd.SampleMs), Is.EqualTo((1.0, true, 100.0)));
        Assert.That(Presets.DefaultFor(RuleKind.S2m), Is.EqualTo("best-s2m"));
    }

    [Test]
    public void UnknownPresetIsOneLineListingTheValidOnes()
    {
        var e = Assert.Throws<Neuromorphic.Simulator.NeuromorphicException>(() => Presets.Get("paper"))!;
        Assert.That(e.Message, Does.Contain("'paper'").And.Contain("paper-erbp").And.Contain("best"));
    }

    [Test]
    public void ExplicitOptionsOverrideThePresetAndThePresetIsStored()
    {
        var data = MnistFiles.ResolveDirectory(null);
        MnistFiles.Ensure(data, TestContext.Progress.WriteLine);
        string model = Path.Combine(_dir, "m.nmm");
        var oldOut = Console.Out; var oldErr = Console.Error;
        Console.SetOut(new StringWriter()); Console.SetError(new StringWriter());
        int code;
        try
        {
            code = Commands.Execute(["train", "--preset", "paper-perbp", "--eta", "5e-4", "--arch", "784-8-10", "--sample-ms", "20", "--test-sample-ms", "20",
                "--train-samples", "4", "--test-samples", "0", "--validation-samples", "0", "--backend", "cpu", "--out", model, "--data-dir", data]);
        }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
        Assert.That(code, Is.Zero);
        var c = ModelFile.Load(model).Config();
        Assert.That(c.Preset, Is.EqualTo("paper-perbp"));
        Assert.That(c.Erbp.LearningRate, Is.EqualTo(5e-4), "the explicit --eta wins");
        Assert.That(c.SampleMs, Is.EqualTo(20));
        Assert.That(c.TransmissionProbability, Is.EqualTo(0.45), "the preset's other values stay");
        Assert.That(c.Erbp.GateHighMv, Is.EqualTo(1150));
        Assert.That(c.Encoder.Kind, Is.EqualTo(Neuromorphic.Neurons.EncoderKind.Linear));
    }

    [Test]
    public void SchedulesFollowTheirDefinitions()
    {
        var exp = new LearningRateSchedule() with { DecayPerEpoch = 0.5, FloorFraction = 0.2 };
        Assert.That(Enumerable.Range(0, 4).Select(e => exp.At(1.0, e)), Is.EqualTo(new[] { 1.0, 0.5, 0.25, 0.2 }));
        var cos = new LearningRateSchedule() with { Kind = ScheduleKind.Cosine, FloorFraction = 0.1, Epochs = 3 };
        Assert.That(cos.At(2.0, 0), Is.EqualTo(2.0).Within(1e-12));
        Assert.That(cos.At(2.0, 1), Is.EqualTo(0.2 + 1.8 * 0.5).Within(1e-12));
        Assert.That(cos.At(2.0, 2), Is.EqualTo(0.2).Within(1e-12));
        Assert.That(cos.At(2.0, 7), Is.EqualTo(0.2).Within(1e-12), "past the schedule: the floor");
        var inv = new LearningRateSchedule() with { Kind = ScheduleKind.InverseTime };
        Assert.That(inv.At(3.0, 2), Is.EqualTo(1.0));
    }

    [Test]
    public void ResumeMidScheduleEqualsAnUninterruptedRunWeightsAndHistoryBitForBit()
    {
        var set = TrainingTests.SyntheticSet(60);
        var config = TestNetworks.Config(RuleKind.Erbp, seed: 9) with
        {
            Schedule = new LearningRateSchedule() with { Kind = ScheduleKind.Cosine, FloorFraction = 0.1, Epochs = 3 },
            Erbp = TestNetworks.Config().Erbp with { Feedback = FeedbackKind.Symmetric, FeedbackRefreshSamples = 4 },
        };
        var opts = new TrainOptions { Epochs = 3, TrainSamples = 14, CheckpointEvery = 6, CheckpointPath = Path.Combine(_dir, "ck.nmm") };
        Func<SimulationEngine, EvaluationResult?> validate = e => Evaluation.Run(e, set, 50, 10, Evaluation.ValidationPresentationBase);

        var straight = ErbpNetwork.Build([20, 30, 5], config);
        Trainer full;
        using (var e = new CpuEngine(straight, config, 1)) { full = new Trainer(e, set, opts with { CheckpointEvery = 0 }, new TrainingProgress()); full.Run(null, null, validate); }

        var first = ErbpNetwork.Build([20, 30, 5], config);
        var progress = new TrainingProgress();
        using (var e = new CpuEngine(first, config, 1))
        {
            var t = new Trainer(e, set, opts, progress);
            // Interrupted in the second epoch, past its first checkpoint (samples 18 = 4 into epoch 2).
            try { t.Run((done, _, _) => { if (progress.EpochsCompleted == 1 && done == 9) throw new OperationCanceledException(); }, null, validate); }
            catch (OperationCanceledException) { }
        }
        var file = ModelFile.Load(opts.CheckpointPath!);
        Assert.That((file.Progress.EpochsCompleted, file.Progress.PositionInEpoch), Is.EqualTo((1, 4)));
        Assert.That(file.History, Has.Count.EqualTo(1));
        var rc = file.Config();
        var resumed = file.ToNetwork(rc, opts.CheckpointPath!);
        Trainer rest;
        using (var e = new CpuEngine(resumed, rc, 1)) { rest = new Trainer(e, set, opts with { CheckpointEvery = 0 }, file.Progress, file.History); rest.Run(null, null, validate); }

        for (int q = 0; q < straight.Projections.Count; q++)
            Assert.That(resumed.Projections[q].Weights, Is.EqualTo(straight.Projections[q].Weights), straight.Projections[q].Name);
        string H(Trainer t) => string.Join("\n", t.History.Select(h => System.Text.Json.JsonSerializer.Serialize(Plots.HistoryJson(h))));
        Assert.That(H(rest), Is.EqualTo(H(full)));
        Assert.That(full.History.Select(h => h.LearningRate), Is.EqualTo(new[] { 5e-3, 5e-4 + 4.5e-3 * 0.5, 5e-4 }).Within(1e-15), "the cosine schedule, continued across the resume");
        Assert.That(full.History.Select(h => h.Epoch), Is.EqualTo(new[] { 1, 2, 3 }));
    }

    [Test]
    public void PlotCurveWritesADecodablePngFromTheHistory()
    {
        var config = TestNetworks.Config(RuleKind.Erbp);
        var net = ErbpNetwork.Build([20, 10, 5], config);
        var history = new List<EpochRecord>
        {
            new() { Epoch = 1, TrainAccuracy = 0.5, ValidationAccuracy = 0.6, TestAccuracy = 0.62 },
            new() { Epoch = 2, TrainAccuracy = 0.7, ValidationAccuracy = 0.8, TestAccuracy = 0.81 },
        };
        string a = Path.Combine(_dir, "a.nmm"), b = Path.Combine(_dir, "b.nmm"), png = Path.Combine(_dir, "c.png");
        ModelFile.From(net, config, new TrainingProgress(), history).Save(a);
        ModelFile.From(net, config, new TrainingProgress(), history.Take(1).ToList()).Save(b);
        var oldOut = Console.Out; Console.SetOut(new StringWriter());
        int code;
        try { code = Commands.Execute(["plot", "curve", a, b, "--log-x", "--out", png]); }
        finally { Console.SetOut(oldOut); }
        Assert.That(code, Is.Zero);
        using var img = SkiaSharp.SKBitmap.Decode(png);
        Assert.That((img.Width, img.Height), Is.EqualTo((1000, 560)));
        Assert.That(ModelFile.Load(a).History.Select(h => h.TestAccuracy), Is.EqualTo(new[] { 0.62, 0.81 }));
    }
}
