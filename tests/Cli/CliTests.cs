using Neuromorphic.Cli;
using NUnit.Framework;
using Neuromorphic.Simulator.Engine;

namespace Neuromorphic.Tests.Cli;

/// <summary>Bad input gets one line naming the problem and a non-zero exit code, never a stack trace.</summary>
public class CliTests
{
    static (int Code, string Out, string Err) Run(params string[] args)
    {
        var oldOut = Console.Out; var oldErr = Console.Error;
        var o = new StringWriter(); var e = new StringWriter();
        Console.SetOut(o); Console.SetError(e);
        try { return (Commands.Execute(args), o.ToString(), e.ToString()); }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
    }

    static void AssertOneLineError((int Code, string Out, string Err) r, string mustContain)
    {
        Assert.That(r.Code, Is.Not.Zero);
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), r.Err);
        Assert.That(lines[0], Does.Contain(mustContain));
        Assert.That(r.Err + r.Out, Does.Not.Contain("   at "), "no stack trace");
    }

    string _empty = "";
    [SetUp] public void SetUp() { _empty = Path.Combine(Path.GetTempPath(), "nm-cli-" + Guid.NewGuid().ToString("N")); Directory.CreateDirectory(_empty); }
    [TearDown] public void TearDown() => Directory.Delete(_empty, true);

    [Test] public void UnknownBackend() => AssertOneLineError(Run("run", "--backend", "tpu", "--data-dir", _empty), "--backend 'tpu'");
    [Test] public void MalformedArchitecture() => AssertOneLineError(Run("run", "--arch", "784-x-10", "--data-dir", _empty), "784-x-10");
    [Test] public void NegativeTimeConstant() => AssertOneLineError(Run("run", "--tau-syn-ms", "-4", "--data-dir", _empty), "TauSynapseMs");
    [Test] public void ZeroTimeConstant() => AssertOneLineError(Run("bench", "--tau-membrane-ms", "0", "--data-dir", _empty), "TauMembraneMs");
    [Test] public void MissingModelFile() => AssertOneLineError(Run("test", Path.Combine(_empty, "nope.nmm"), "--data-dir", _empty), "model file not found");
    [Test] public void VsTrainingWithTraining() => AssertOneLineError(Run("bench", "--train", "--vs-training", "3", "--data-dir", _empty), "--vs-training");
    [Test] public void UnknownRule() => AssertOneLineError(Run("train", "--rule", "hebb", "--data-dir", _empty), "--rule 'hebb'");

    [Test]
    public void TruncatedIdxFileIsNamed()
    {
        foreach (var f in Neuromorphic.Simulator.Data.MnistFiles.Files) File.WriteAllBytes(Path.Combine(_empty, f.Name), new byte[100]);
        AssertOneLineError(Run("run", "--data-dir", _empty), "train-images-idx3-ubyte");
    }

    [Test]
    public void DevicesPrintsJsonAsTheLastLine()
    {
        var r = Run("devices", "--json");
        Assert.That(r.Code, Is.Zero);
        var last = r.Out.TrimEnd().Split('\n')[^1];
        using var doc = System.Text.Json.JsonDocument.Parse(last);
        Assert.That(doc.RootElement.GetProperty("devices").GetArrayLength(), Is.GreaterThanOrEqualTo(1));
    }
}

[Category("Mnist")]
public class SweepCliTests
{
    [Test]
    public void PruningRelearnsAsANewRunAtTheGivenEta()
    {
        var dir = Path.Combine(Path.GetTempPath(), "nm-prune-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var (data, model) = Neuromorphic.Tests.Cli.TinyMnistModel.Create(dir);
            var r = CliRun.LastJson(CliRun.Run("train", "--resume", model, "--prune", "0.5", "--eta", "0.0125", "--train-samples", "4",
                "--test-samples", "4", "--validation-samples", "0", "--out", Path.Combine(dir, "pruned.nmm"), "--data-dir", data, "--json"));
            Assert.That(r.GetProperty("pruned_fraction").GetDouble(), Is.EqualTo(0.5));
            Assert.That(r.GetProperty("retrain_samples").GetInt64(), Is.EqualTo(4));
            Assert.That(r.GetProperty("history")[0].GetProperty("learning_rate").GetDouble(), Is.EqualTo(0.0125), "the re-learning rate is --eta, not the model's");
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void AResumedRunKeepsTheCheckpointsEpochLengthAndTests()
    {
        // A run resumed without repeating --train-samples, --test-every-epoch, --test-samples and --validation-samples
        // tested as before (it used to drop the per-epoch tests, and with them the last-5 statistic, and ran 50,000-digit epochs).
        var dir = Path.Combine(Path.GetTempPath(), "nm-resume-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var (data, _) = Neuromorphic.Tests.Cli.TinyMnistModel.Create(dir);
            string model = Path.Combine(dir, "run.nmm");
            string[] common = ["--data-dir", data, "--out", model, "--json"];
            Assert.That(Commands.Execute(["train", "--arch", "784-6-10", "--sample-ms", "10", "--test-sample-ms", "10", "--epochs", "1",
                "--train-samples", "5", "--test-every-epoch", "--test-samples", "3", "--validation-samples", "2", .. common]), Is.Zero);
            var r = CliRun.LastJson(CliRun.Run(["train", "--resume", model, "--epochs", "2", .. common]));
            var second = r.GetProperty("history")[1];
            Assert.That(second.GetProperty("samples_seen").GetInt64(), Is.EqualTo(10), "the checkpoint's 5-digit epochs");
            Assert.That(second.GetProperty("test_samples").GetInt32(), Is.EqualTo(3), "tested after the epoch on the checkpoint's 3 digits");
            Assert.That(second.GetProperty("validation_samples").GetInt32(), Is.EqualTo(2));
            Assert.That(r.GetProperty("test_points").GetArrayLength(), Is.EqualTo(2));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void SweepOnATinyModelWritesTheExpectedCsvRowsAndADecodablePng()
    {
        var dir = Path.Combine(Path.GetTempPath(), "nm-sweep-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var (data, model) = Neuromorphic.Tests.Cli.TinyMnistModel.Create(dir);
            string csv = Path.Combine(dir, "rows.csv"), png = Path.Combine(dir, "curve.png");
            int code = Commands.Execute(["sweep", model, "--weight-bits", "2,8", "--prune", "0,0.5", "--test-samples", "20", "--csv", csv, "--plot", png, "--data-dir", data]);
            Assert.That(code, Is.Zero);
            var lines = File.ReadAllLines(csv);
            Assert.That(lines[0], Does.StartWith("setting,weight_bits,prune,noise,test_error"));
            // float baseline, then per prune setting: (float if pruned) + one row per bit width
            Assert.That(lines.Skip(1).Select(l => string.Join(',', l.Split(',').Skip(1).Take(3))), Is.EqualTo(new[] { "0,0,0", "2,0,0", "8,0,0", "0,0.5,0", "2,0.5,0", "8,0.5,0" }));
            var bytes = File.ReadAllBytes(png);
            Assert.That(bytes.Take(8), Is.EqualTo(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }), "PNG signature");
            using var img = SkiaSharp.SKBitmap.Decode(png);
            Assert.That(img, Is.Not.Null);
            Assert.That((img.Width, img.Height), Is.EqualTo((1000, 560)));
            Assert.That(Directory.GetFiles(dir).Where(f => Path.GetFileName(f).StartsWith('.')), Is.Empty, "no temporary files left");
        }
        finally { Directory.Delete(dir, true); }
    }
}

[Category("Mnist")]
public class BenchCliTests
{
    [Test]
    public void BenchPicksTheCommittedModelThatFitsTheArchitectureAndRule()
    {
        // models/index.json: three peRBP 784-200-10 models (the main job's first), a peRBP 784-500-10 and an S2M 824-500.
        Assert.That(Path.GetFileName(BenchCommand.CommittedModel([784, 200, 10], RuleKind.None)), Is.EqualTo("erbp-784-200-10-2ep.nmm"));
        Assert.That(Path.GetFileName(BenchCommand.CommittedModel([784, 200, 10], null)), Is.EqualTo("erbp-784-200-10-2ep.nmm"));
        Assert.That(Path.GetFileName(BenchCommand.CommittedModel([784, 200, 10], RuleKind.Perbp)), Is.EqualTo("erbp-784-200-10-2ep.nmm"));
        Assert.That(Path.GetFileName(BenchCommand.CommittedModel([784, 500, 10], RuleKind.S2m)), Is.EqualTo("s2m-824-500-3ep.nmm"));
        Assert.That(BenchCommand.CommittedModel([784, 200, 10], RuleKind.Erbp), Is.Null, "no plain eRBP model is committed");
        Assert.That(Path.GetFileName(BenchCommand.CommittedModel([784, 500, 10], RuleKind.None)), Is.EqualTo("erbp-784-500-10-best-floor-31ep.nmm"),
            "the peRBP 784-500-10, not the S2M (824-500)");
        Assert.That(BenchCommand.CommittedModel([784, 12, 10], null), Is.Null);
    }

    [Test]
    public void BenchSaysWhenItTimesAFreshNetwork()
    {
        var data = Neuromorphic.Simulator.Data.MnistFiles.ResolveDirectory(null);
        Neuromorphic.Simulator.Data.MnistFiles.Ensure(data, TestContext.Progress.WriteLine);
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (o, e) = (new StringWriter(), new StringWriter());
        Console.SetOut(o); Console.SetError(e);
        int code;
        try { code = Commands.Execute(["bench", "--backend", "cpu", "--arch", "784-12-10", "--test-sample-ms", "5", "--samples", "2", "--data-dir", data, "--json"]); }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
        Assert.That(code, Is.Zero, e.ToString());
        Assert.That(e.ToString(), Does.Contain("fresh seeded network fires less than a trained one"));
        using var doc = System.Text.Json.JsonDocument.Parse(o.ToString().TrimEnd().Split('\n')[^1]);
        Assert.That(doc.RootElement.GetProperty("fresh_network").GetBoolean(), Is.True);
    }

    [Test]
    public void VsTrainingReportsBothMediansAndTheirRatio()
    {
        var data = Neuromorphic.Simulator.Data.MnistFiles.ResolveDirectory(null);
        Neuromorphic.Simulator.Data.MnistFiles.Ensure(data, TestContext.Progress.WriteLine);
        var oldOut = Console.Out;
        var o = new StringWriter();
        Console.SetOut(o);
        int code;
        try { code = Commands.Execute(["bench", "--backend", "cpu", "--arch", "784-12-10", "--sample-ms", "20", "--test-sample-ms", "20", "--batch", "4", "--samples", "8", "--vs-training", "3", "--data-dir", data, "--json"]); }
        finally { Console.SetOut(oldOut); }
        Assert.That(code, Is.Zero);
        using var doc = System.Text.Json.JsonDocument.Parse(o.ToString().TrimEnd().Split('\n')[^1]);
        var j = doc.RootElement;
        double Median(string runs) => runs.Split(' ').Select(x => double.Parse(x, System.Globalization.CultureInfo.InvariantCulture)).OrderBy(x => x).ElementAt(1);
        string inf = j.GetProperty("inference_samples_per_s_runs").GetString()!, trn = j.GetProperty("training_samples_per_s_runs").GetString()!;
        Assert.That(inf.Split(' '), Has.Length.EqualTo(3));
        Assert.That(trn.Split(' '), Has.Length.EqualTo(3));
        Assert.That(j.GetProperty("inference_samples_per_s_median").GetDouble(), Is.EqualTo(Median(inf)).Within(0.1));
        Assert.That(j.GetProperty("training_samples_per_s_median").GetDouble(), Is.EqualTo(Median(trn)).Within(0.1));
        Assert.That(j.GetProperty("inference_over_training").GetDouble(),
            Is.EqualTo(j.GetProperty("inference_samples_per_s_median").GetDouble() / j.GetProperty("training_samples_per_s_median").GetDouble()).Within(0.02));
    }
}

public class S2mCliTests
{
    static (int Code, string Err) Run(params string[] args)
    {
        var oldOut = Console.Out; var oldErr = Console.Error;
        var o = new StringWriter(); var e = new StringWriter();
        Console.SetOut(o); Console.SetError(e);
        try { return (Commands.Execute(args), e.ToString()); }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
    }

    static void OneLine((int Code, string Err) r, string mustContain)
    {
        Assert.That(r.Code, Is.Not.Zero);
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), r.Err);
        Assert.That(lines[0], Does.Contain(mustContain));
    }

    [Test] public void HiddenZero() => OneLine(Run("train", "--rule", "s2m", "--hidden", "0", "--data-dir", "/nonexistent-nm"), "--hidden");
    [Test] public void BlankOutOutsideTheUnitInterval() => OneLine(Run("train", "--rule", "s2m", "--blank-out", "1.5", "--data-dir", "/nonexistent-nm"), "blank-out");
    [Test] public void NegativeStdpTimeConstant() => OneLine(Run("train", "--rule", "s2m", "--tau-stdp-ms", "-4", "--data-dir", "/nonexistent-nm"), "TauStdpMs");
    [Test] public void PruneNeedsResume() => OneLine(Run("train", "--rule", "s2m", "--prune", "0.8", "--data-dir", "/nonexistent-nm"), "--resume");
    [Test] public void ActivationCommandRejectsBadP() => OneLine(Run("s2m-activation", "--blank-out", "1"), "--blank-out");
}
