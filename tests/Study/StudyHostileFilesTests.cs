using System.Text.Json;
using Neuromorphic.Cli;
using Neuromorphic.Cli.Study;
using NUnit.Framework;
using static Neuromorphic.Tests.Study.StudySecurityTests;

namespace Neuromorphic.Tests.Study;

/// <summary>Issue 27: study files, run records and OUT/slurm-job that are pipes, devices, huge plans, records of another
/// run, non-finite figures, too many groups for a chart, spreadsheet formulas. Every input is made here.</summary>
public class StudyHostileFilesTests
{
    string _dir = "";
    [SetUp] public void SetUp() { _dir = Path.Combine(Path.GetTempPath(), "nm-study-hostile-" + Guid.NewGuid().ToString("N")); Directory.CreateDirectory(_dir); }
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    /// <summary>Runs the CLI on another thread: a hang fails the test (after 30 s) instead of stopping the suite.</summary>
    static (int Code, string Out, string Err) Bounded(params string[] args)
    {
        var t = Task.Run(() => StudyCli.Run(args));
        Assert.That(t.Wait(TimeSpan.FromSeconds(30)), Is.True, $"`{string.Join(" ", args)}` answers within 30 s");
        return t.Result;
    }

    static string Values(int n, int from = 0) => "[" + string.Join(",", Enumerable.Range(from, n)) + "]";

    [Test]
    public void APlanBeyondTheCapIsRefusedWhenTheFileIsRead()
    {
        // 10^9 runs (8 GB of plan before the cap), 100,001 runs, and an axis longer than the cap on its own.
        var billion = StudyCli.Write(_dir, "b.json", $$"""{ "command": "train", "axes": { "seed": {{Values(1000)}}, "epochs": {{Values(1000, 1)}}, "hidden": {{Values(1000, 1)}} }, "out": "o" }""");
        var over = StudyCli.Write(_dir, "o.json", $$"""{ "command": "train", "axes": { "seed": {{Values(1001)}}, "epochs": {{Values(100, 1)}} }, "out": "o" }""");
        var longAxis = StudyCli.Write(_dir, "l.json", $$"""{ "command": "train", "axes": { "seed": {{Values(StudyFile.MaxRuns + 1)}} }, "out": "o" }""");
        foreach (var sub in new[] { "plan", "status", "merge" })
        {
            OneEscapedLine(Bounded("study", sub, billion), "b.json", "more than 100000 runs", "1000 x 1000 x 1000");
            OneEscapedLine(Bounded("study", sub, over), "o.json", "more than 100000 runs");
            OneEscapedLine(Bounded("study", sub, longAxis), "l.json", "axis 'seed'", "100001 values");
        }
        OneEscapedLine(Bounded("study", "run", billion, "--index", "5"), "b.json", "more than 100000 runs");
        Assert.That(Directory.Exists(Path.Combine(_dir, "o")), Is.False, "nothing written");
        // At the cap, `run --index I` builds and checks what it needs: the plan is not listed.
        var atCap = StudyCli.Write(_dir, "c.json", $$"""{ "command": "run", "axes": { "seed": {{Values(1000)}}, "samples": {{Values(100, 1)}} }, "out": "o" }""");
        var study = StudyFile.Load(atCap);
        Assert.That(study.Count, Is.EqualTo(StudyFile.MaxRuns));
        Assert.That(StudyPlan.Representatives(study).Count(), Is.EqualTo(1 + 999 + 99), "one run per axis value is parse-checked, not the 100,000");
        Assert.That(StudyPlan.Runs(study, false)[99_999].Label, Is.EqualTo("seed=999 samples=100"));
    }

    [Test]
    public void AnAxisValueThatDoesNotParseIsFoundByTheRepresentativeRuns()
    {
        // The bad value sits in the middle of the last axis and the first: the check of one run per value finds both.
        var file = StudyCli.Write(_dir, "s.json", """{ "command": "train", "axes": { "arch": ["784-1-10", "784-2-10"], "seed": [1, 2, "x", 4] }, "out": "o" }""");
        OneEscapedLine(StudyCli.Run("study", "plan", file), "s.json", "run 2 (arch=784-1-10 seed=x)");
        var first = StudyCli.Write(_dir, "f.json", """{ "command": "train", "axes": { "epochs": [1, "y"], "seed": [1, 2, 3] }, "out": "o" }""");
        OneEscapedLine(StudyCli.Run("study", "plan", first), "f.json", "run 3 (epochs=y seed=1)");
    }

    [Test]
    public void StudyFilesRecordsAndTheJobIdFileThatArePipesOrDevicesAreRefused()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("named pipes and /dev/zero");
        var fifoStudy = Fifo(Path.Combine(_dir, "pipe.json"));
        var zeroStudy = Path.Combine(_dir, "zero.json");
        File.CreateSymbolicLink(zeroStudy, "/dev/zero");
        foreach (var f in new[] { fifoStudy, zeroStudy })
            OneEscapedLine(Bounded("study", "plan", f), Path.GetFileName(f), "not a regular file");
        var big = StudyCli.Write(_dir, "big.json", "{" + new string(' ', StudyFile.MaxFileBytes) + "}");
        OneEscapedLine(Bounded("study", "plan", big), "big.json", "at most 1048576");

        var file = StudyCli.Write(_dir, "s.json", """{ "command": "train", "axes": { "seed": [1, 2] }, "out": "out" }""");
        var outDir = Path.Combine(_dir, "out");
        Directory.CreateDirectory(outDir);
        Fifo(Path.Combine(outDir, "0.json"));
        File.CreateSymbolicLink(Path.Combine(outDir, "1.json"), "/dev/zero");
        foreach (var sub in new[] { "status", "merge" })
            OneEscapedLine(Bounded("study", sub, file), "0.json", "study result record", "not a regular file");
        File.Delete(Path.Combine(outDir, "0.json"));
        OneEscapedLine(Bounded("study", "status", file), "1.json", "not a regular file");
        File.Delete(Path.Combine(outDir, "1.json"));
        Fifo(Path.Combine(outDir, "slurm-job"));
        OneEscapedLine(Bounded("study", "status", file), "slurm-job", "not a regular file");
        File.Delete(Path.Combine(outDir, "slurm-job"));
        File.WriteAllText(Path.Combine(outDir, "slurm-job"), "1; rm -rf ~\u001b[2J\n");
        OneEscapedLine(Bounded("study", "status", file), "slurm-job", "expected the job id");
        Assert.That(Directory.GetFiles(outDir).Select(Path.GetFileName), Is.EquivalentTo(new[] { "slurm-job" }), "merge wrote nothing");
    }

    static string Record(StudyFile study, int index, int recordIndex, int argsOf, string figures) =>
        "{\"index\":" + recordIndex + ",\"status\":\"ok\",\"exit_code\":0,\"message\":null,\"seconds\":1,\"axes\":{},\"arguments\":"
        + JsonSerializer.Serialize(StudyPlan.Run(study, argsOf, true).Arguments) + ",\"figures\":" + figures + "}";

    [Test]
    public void ARecordCountsOnlyWhenItsIndexAndArgumentsMatchThePlan()
    {
        var file = StudyCli.Write(_dir, "s.json", """{ "command": "train", "axes": { "seed": [1, 2, 3, 4] }, "out": "out" }""");
        var study = StudyFile.Load(file);
        var outDir = Path.Combine(_dir, "out");
        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, "0.json"), Record(study, 0, 0, 0, """{"test_error":0.1}"""));          // its own
        File.WriteAllText(Path.Combine(outDir, "1.json"), Record(study, 1, 99, 1, """{"test_error":0.9}"""));         // index out of range
        File.WriteAllText(Path.Combine(outDir, "2.json"), Record(study, 2, 0, 0, """{"test_error":0.9}"""));          // a copy of run 0's
        var edited = Record(study, 3, 3, 3, """{"test_error":0.9}""").Replace("\"--seed\",\"4\"", "\"--seed\",\"7\"");
        File.WriteAllText(Path.Combine(outDir, "3.json"), edited);                                                   // other arguments
        var merge = StudyCli.Run("study", "merge", file, "--json");
        Assert.That(merge.Code, Is.Zero, merge.Err);
        var j = StudyCli.LastJson(merge.Out);
        Assert.That(j.GetProperty("done").GetInt32(), Is.EqualTo(1));
        Assert.That(j.GetProperty("missing").EnumerateArray().Select(x => x.GetInt32()), Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(j.GetProperty("groups")[0].GetProperty("test_error_mean").GetDouble(), Is.EqualTo(0.1), "only run 0's own record is averaged");
        var status = StudyCli.LastJson(StudyCli.Run("study", "status", file, "--json").Out);
        Assert.That(status.GetProperty("pending").EnumerateArray().Select(x => x.GetInt32()), Is.EqualTo(new[] { 1, 2, 3 }));
    }

    [Test]
    public void NonFiniteFiguresAreLeftOutOfTheMeansAndTheJson()
    {
        var file = StudyCli.Write(_dir, "s.json", """{ "command": "train", "metrics": ["test_error", "big"], "axes": { "arch": ["784-1-10", "784-2-10"], "seed": [1, 2] }, "out": "out" }""");
        var study = StudyFile.Load(file);
        var outDir = Path.Combine(_dir, "out");
        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, "0.json"), Record(study, 0, 0, 0, """{"test_error":1e400,"big":1e308}"""));
        File.WriteAllText(Path.Combine(outDir, "1.json"), Record(study, 1, 1, 1, """{"test_error":0.25,"big":-1e308}"""));
        File.WriteAllText(Path.Combine(outDir, "2.json"), Record(study, 2, 2, 2, """{"test_error":"NaN","big":"Infinity"}"""));
        File.WriteAllText(Path.Combine(outDir, "3.json"), Record(study, 3, 3, 3, """{"test_error":"-Infinity","big":1}"""));
        var r = StudyCli.Run("study", "merge", file, "--json");
        Assert.That(r.Code, Is.Zero, r.Err);
        var groups = StudyCli.LastJson(r.Out).GetProperty("groups");
        Assert.That(groups[0].GetProperty("test_error_mean").GetDouble(), Is.EqualTo(0.25), "1e400 is not a figure; 0.25 is");
        Assert.That(groups[0].GetProperty("test_error_std").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(groups[0].GetProperty("big_mean").GetDouble(), Is.EqualTo(0));
        Assert.That(groups[0].GetProperty("big_std").GetDouble(), Is.EqualTo(Math.Sqrt(2) * 1e308).Within(1e294), "the squares overflow; the deviation does not");
        Assert.That(StudyMerge.Mean([1e308, 1e308]), Is.EqualTo(1e308), "the sum overflows; the mean does not");
        Assert.That(groups[1].TryGetProperty("test_error_mean", out _), Is.False, "no finite test error in the group");
        Assert.That(groups[1].GetProperty("big_mean").GetDouble(), Is.EqualTo(1));
        Assert.That(File.ReadAllLines(Path.Combine(outDir, "runs.csv"))[1], Does.StartWith("0,ok,784-1-10,1,,1E+308,"));
    }

    [Test]
    public void APlotOfTooManyGroupsIsRefusedBeforeAnythingIsWritten()
    {
        var file = StudyCli.Write(_dir, "s.json", $$"""{ "command": "train", "axes": { "epochs": {{Values(51, 1)}} }, "out": "out" }""");
        var study = StudyFile.Load(file);
        var outDir = Path.Combine(_dir, "out");
        Directory.CreateDirectory(outDir);
        for (int i = 0; i < 51; i++) File.WriteAllText(Path.Combine(outDir, $"{i}.json"), Record(study, i, i, i, """{"test_error":0.5}"""));
        var png = Path.Combine(_dir, "p.png");
        OneEscapedLine(StudyCli.Run("study", "merge", file, "--plot", png), "--plot: 51 groups", "at most 50");
        Assert.That(File.Exists(png) || File.Exists(Path.Combine(outDir, "runs.csv")), Is.False, "nothing written");
        File.Delete(Path.Combine(outDir, "50.json"));
        var ok = StudyCli.Run("study", "merge", file, "--plot", png);
        Assert.That(ok.Code, Is.Zero, ok.Err);
        using var img = SkiaSharp.SKBitmap.Decode(png);
        Assert.That((img.Width, img.Height), Is.EqualTo((6000, 500)), "50 groups: 120 pixels each");
        // A chart with nothing on it is refused too: no run reports a finite figure.
        var empty = StudyCli.Write(_dir, "e.json", """{ "command": "train", "metrics": ["test_error"], "out": "eout" }""");
        Directory.CreateDirectory(Path.Combine(_dir, "eout"));
        File.WriteAllText(Path.Combine(_dir, "eout", "0.json"), Record(StudyFile.Load(empty), 0, 0, 0, """{"test_error":"NaN"}"""));
        OneEscapedLine(StudyCli.Run("study", "merge", empty, "--plot", Path.Combine(_dir, "e.png")), "--plot: no finished run reports a finite number for test_error");
    }

    [Test]
    public void RunsCsvDefusesSpreadsheetFormulas()
    {
        var file = StudyCli.Write(_dir, "s.json", """{ "command": "train", "axes": { "dataset": ["=HYPERLINK(\"http://x\")", "+1", "-cmd", "@SUM(A1)", "-0.5", "mnist"] }, "out": "out" }""");
        var study = StudyFile.Load(file);
        var outDir = Path.Combine(_dir, "out");
        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, "5.json"), Record(study, 5, 5, 5, "{}").Replace("\"status\":\"ok\"", "\"status\":\"failed\"").Replace("\"message\":null", "\"message\":\"=1+1\""));
        var r = StudyCli.Run("study", "merge", file);
        Assert.That(r.Code, Is.Zero, r.Err);
        var rows = File.ReadAllLines(Path.Combine(outDir, "runs.csv"));
        Assert.That(rows[1], Does.StartWith("0,missing,\"'=HYPERLINK(\"\"http://x\"\")\","));
        Assert.That(rows[2], Does.StartWith("1,missing,+1,"), "a number stays a number");
        Assert.That(rows[3], Does.StartWith("2,missing,'-cmd,"));
        Assert.That(rows[4], Does.StartWith("3,missing,'@SUM(A1),"));
        Assert.That(rows[5], Does.StartWith("4,missing,-0.5,"));
        Assert.That(rows[6], Does.StartWith("5,failed,mnist,").And.EndWith(",'=1+1"));
    }

    [Test]
    public void ParseErrorsOfNestedCommandsNameTheirWholeCommand()
    {
        var r = StudyCli.Run("study", "run", "x.json", "--indx", "1");
        OneEscapedLine(r, "--indx", "Did you mean '--index'?", "(see `neuromorphic study run --help`)");
        OneEscapedLine(StudyCli.Run("plot", "raster", "m.nmm", "--outt", "c.png"), "(see `neuromorphic plot raster --help`)");
        OneEscapedLine(StudyCli.Run("trian"), "(see `neuromorphic --help`)");
    }
}
