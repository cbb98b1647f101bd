using System.Text.Json;
using Neuromorphic.Cli;
using Neuromorphic.Cli.Study;
using NUnit.Framework;

namespace Neuromorphic.Tests.Study;

/// <summary>Runs the CLI in this process and captures what it prints.</summary>
static class StudyCli
{
    static readonly object Gate = new();

    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        lock (Gate)
        {
            var oldOut = Console.Out; var oldErr = Console.Error;
            var o = new StringWriter(); var e = new StringWriter();
            Console.SetOut(o); Console.SetError(e);
            try { return (Commands.Execute(args), o.ToString(), e.ToString()); }
            finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
        }
    }

    /// <summary>The JSON object on the last line of standard output.</summary>
    public static JsonElement LastJson(string stdout) => JsonDocument.Parse(stdout.TrimEnd().Split('\n')[^1]).RootElement.Clone();

    public static string Write(string dir, string name, string json)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, json);
        return path;
    }
}

/// <summary>Study files and plans: the cross product, its index order, refusals, the sbatch script. No simulation.</summary>
public class StudyPlanTests
{
    string _dir = "";
    [SetUp] public void SetUp() { _dir = Path.Combine(Path.GetTempPath(), "nm-study-" + Guid.NewGuid().ToString("N")); Directory.CreateDirectory(_dir); }
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    const string Grid = """
        { "name": "grid", "command": "train",
          "options": { "arch": "784-12-10", "sample-ms": 20, "power-of-two-step": true, "burn-in": false },
          "axes": { "eta": [0.001, 0.002], "seed": [1, 2, 3] },
          "out": "runs" }
        """;

    [Test]
    public void CrossProductInFileOrderWithTheLastAxisFastest()
    {
        var file = StudyCli.Write(_dir, "grid.json", Grid);
        var r = StudyCli.Run("study", "plan", file, "--json");
        Assert.That(r.Code, Is.Zero, r.Err);
        var plan = StudyCli.LastJson(r.Out).GetProperty("plan").EnumerateArray().ToList();
        Assert.That(plan, Has.Count.EqualTo(6));
        var points = plan.Select(p => $"{p.GetProperty("axes").GetProperty("eta").GetString()}/{p.GetProperty("axes").GetProperty("seed").GetString()}").ToList();
        Assert.That(points, Is.EqualTo(new[] { "0.001/1", "0.001/2", "0.001/3", "0.002/1", "0.002/2", "0.002/3" }));
        var out4 = Path.Combine(_dir, "runs", "4.nmm");
        Assert.That(plan[4].GetProperty("arguments").EnumerateArray().Select(a => a.GetString()).ToArray(), Is.EqualTo(new[]
        {
            "train", "--arch", "784-12-10", "--sample-ms", "20", "--power-of-two-step", "--eta", "0.002", "--seed", "2", "--out", out4, "--json",
        }));
        Assert.That(plan[4].GetProperty("result").GetString(), Is.EqualTo(Path.Combine(_dir, "runs", "4.json")));
        // Stable: the same file gives the same plan, and the library agrees with the command.
        Assert.That(StudyCli.Run("study", "plan", file, "--json").Out, Is.EqualTo(r.Out));
        var study = StudyFile.Load(file);
        Assert.That(StudyPlan.Run(study, 4, true).Arguments, Is.EqualTo(plan[4].GetProperty("arguments").EnumerateArray().Select(a => a.GetString()).ToArray()));
    }

    [Test]
    public void NoAxesIsOneRun()
    {
        var file = StudyCli.Write(_dir, "one.json", """{ "command": "devices", "out": "o" }""");
        var r = StudyCli.Run("study", "plan", file, "--json");
        Assert.That(r.Code, Is.Zero, r.Err);
        var plan = StudyCli.LastJson(r.Out).GetProperty("plan");
        Assert.That(plan.GetArrayLength(), Is.EqualTo(1));
        Assert.That(plan[0].GetProperty("arguments").EnumerateArray().Select(a => a.GetString()), Is.EqualTo(new[] { "devices", "--json" }), "devices has no --out");
    }

    [Test]
    public void IndexPlaceholderAndOutputSuffix()
    {
        var sweep = StudyCli.Write(_dir, "sweep.json", """{ "command": "sweep", "arguments": ["m{index}.nmm"], "options": { "csv": "tables/{index}.csv" }, "axes": { "prune": ["0", "0.5"] }, "out": "o" }""");
        var r = StudyCli.Run("study", "plan", sweep, "--json");
        Assert.That(r.Code, Is.Zero, r.Err);
        var args = StudyCli.LastJson(r.Out).GetProperty("plan")[1].GetProperty("arguments").EnumerateArray().Select(a => a.GetString()).ToArray();
        Assert.That(args, Is.EqualTo(new[] { "sweep", "m1.nmm", "--csv", "tables/1.csv", "--prune", "0.5", "--json" }), "sweep has no --out");
        var export = StudyCli.Write(_dir, "export.json", """{ "command": "export", "arguments": ["model.nmm"], "options": { "format": "nir" }, "axes": { "chip": ["int8", "int4"] }, "out": "o", "output_suffix": ".nir" }""");
        var e = StudyCli.Run("study", "plan", export, "--json");
        Assert.That(e.Code, Is.Zero, e.Err);
        var plan = StudyCli.LastJson(e.Out).GetProperty("plan");
        Assert.That(plan[1].GetProperty("arguments").EnumerateArray().Select(a => a.GetString()).ToArray(),
            Is.EqualTo(new[] { "export", "model.nmm", "--format", "nir", "--chip", "int4", "--out", Path.Combine(_dir, "o", "1.nir"), "--json" }));
    }

    static void AssertOneLineError((int Code, string Out, string Err) r, params string[] mustContain)
    {
        Assert.That(r.Code, Is.EqualTo(2), r.Err);
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), r.Err);
        foreach (var m in mustContain) Assert.That(lines[0], Does.Contain(m));
        Assert.That(r.Err + r.Out, Does.Not.Contain("   at "), "no stack trace");
    }

    [Test]
    public void AnAxisWithAnUnknownOptionIsRefused()
    {
        var file = StudyCli.Write(_dir, "typo.json", """{ "command": "train", "axes": { "seed": [1, 2], "sead": [3] }, "out": "o" }""");
        foreach (var sub in new[] { "plan", "run", "merge", "status", "submit" })
            AssertOneLineError(StudyCli.Run(sub == "run" ? ["study", sub, file, "--index", "0"] : ["study", sub, file]), file, "axis 'sead'", "--sead");
        Assert.That(Directory.Exists(Path.Combine(_dir, "o")), Is.False, "nothing written");
    }

    [Test]
    public void OtherBadStudiesAreRefusedWithTheFileAndField()
    {
        AssertOneLineError(StudyCli.Run("study", "plan", StudyCli.Write(_dir, "a.json", """{ "command": "train", "options": { "epoch": 2 }, "out": "o" }""")), "a.json", "option 'epoch'");
        AssertOneLineError(StudyCli.Run("study", "plan", StudyCli.Write(_dir, "b.json", """{ "command": "trian", "out": "o" }""")), "b.json", "command 'trian'");
        AssertOneLineError(StudyCli.Run("study", "plan", StudyCli.Write(_dir, "c.json", """{ "command": "train", "axes": { "epochs": [1, "x"] }, "out": "o" }""")), "c.json", "run 1 (epochs=x)");
        AssertOneLineError(StudyCli.Run("study", "plan", StudyCli.Write(_dir, "d.json", """{ "command": "train", "axes": { "seed": [] }, "out": "o" }""")), "d.json", "axis 'seed'");
        AssertOneLineError(StudyCli.Run("study", "plan", StudyCli.Write(_dir, "e.json", """{ "command": "train", "options": { "out": "x.nmm" }, "out": "o" }""")), "e.json", "'out'");
        AssertOneLineError(StudyCli.Run("study", "plan", StudyCli.Write(_dir, "f.json", """{ "command": "train" }""")), "f.json", "\"out\" is missing");
        AssertOneLineError(StudyCli.Run("study", "plan", StudyCli.Write(_dir, "g.json", """{ "command": "train", "out": "o", """)), "g.json", "not valid JSON");
        AssertOneLineError(StudyCli.Run("study", "run", StudyCli.Write(_dir, "h.json", Grid), "--index", "6"), "h.json", "index 6 out of range");
        AssertOneLineError(StudyCli.Run("study", "plan", Path.Combine(_dir, "none.json")), "none.json", "not found");
    }

    [Test]
    public void SubmitDryRunPrintsAJobArrayWithTheResourcesPassedThrough()
    {
        var file = StudyCli.Write(_dir, "grid.json", Grid);
        var r = StudyCli.Run("study", "submit", file, "--slurm", "--dry-run", "--partition", "gpu", "--time", "0:30:00", "--cpus-per-task", "2", "--gpus", "1", "--max-parallel", "3");
        Assert.That(r.Code, Is.Zero, r.Err);
        Assert.That(r.Out, Does.StartWith("#!/bin/bash\n"));
        foreach (var line in new[] { "#SBATCH --array=0-5%3", "#SBATCH --partition=gpu", "#SBATCH --time=0:30:00", "#SBATCH --cpus-per-task=2", "#SBATCH --gpus=1", "#SBATCH --job-name=nm-grid",
                     $"#SBATCH --output=\"{Path.Combine(_dir, "runs")}/slurm-%A_%a.out\"" })
            Assert.That(r.Out, Does.Contain(line + "\n"));
        Assert.That(r.Out, Does.Contain($" study run {file}\n"), "each element finds its run from SLURM_ARRAY_TASK_ID");
        Assert.That(File.Exists(Path.Combine(_dir, "runs", "study.sbatch")), Is.False, "a dry run writes nothing");
        var plain = StudyCli.Run("study", "submit", file, "--slurm", "--dry-run");
        Assert.That(plain.Out, Does.Contain("#SBATCH --array=0-5\n"));
        Assert.That(plain.Out, Does.Not.Contain("--partition"));
        AssertOneLineError(StudyCli.Run("study", "submit", file), "--slurm");
        AssertOneLineError(StudyCli.Run("study", "submit", file, "--slurm", "--dry-run", "--partition", "a b"), "--partition 'a b'");
    }

    [Test]
    public void SubmitRunsSbatchAndPrintsTheJobId()
    {
        if (OperatingSystem.IsWindows()) Assert.Ignore("a shell script stands in for sbatch");
        var bin = Path.Combine(_dir, "bin");
        Directory.CreateDirectory(bin);
        var fake = Path.Combine(bin, "sbatch");
        File.WriteAllText(fake, $"#!/bin/sh\necho \"$@\" > {_dir}/sbatch-args\necho '4242;cluster'\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var file = StudyCli.Write(_dir, "grid.json", Grid);
        var path = Environment.GetEnvironmentVariable("PATH");
        Environment.SetEnvironmentVariable("PATH", bin + Path.PathSeparator + path);
        try
        {
            var r = StudyCli.Run("study", "submit", file, "--slurm", "--max-parallel", "2", "--json");
            Assert.That(r.Code, Is.Zero, r.Err);
            Assert.That(StudyCli.LastJson(r.Out).GetProperty("job_id").GetString(), Is.EqualTo("4242"));
            // With --json the line for people goes to stderr (stdout is the JSON object).
            Assert.That(r.Err, Does.Contain("submitted job array 4242 (6 runs)"));
        }
        finally { Environment.SetEnvironmentVariable("PATH", path); }
        var script = Path.Combine(_dir, "runs", "study.sbatch");
        Assert.That(File.ReadAllText(Path.Combine(_dir, "sbatch-args")).Trim(), Is.EqualTo($"--parsable {script}"));
        Assert.That(File.ReadAllText(script), Does.Contain("#SBATCH --array=0-5%2\n"));
        Assert.That(File.ReadAllText(Path.Combine(_dir, "runs", "slurm-job")).Trim(), Is.EqualTo("4242"));
        Assert.That(StudyCli.Run("study", "status", file).Out, Does.Contain("0 done, 0 failed, 6 pending (Slurm job 4242"));
    }

    [Test]
    public void IndexRanges() => Assert.That(StudyPlan.Ranges([0, 1, 2, 3, 5, 7, 8]), Is.EqualTo("0-3 5 7-8"));
}

/// <summary>Merging: means and sample standard deviations against values worked out by hand; missing and failed runs listed.</summary>
public class StudyMergeTests
{
    string _dir = "";
    [SetUp] public void SetUp() { _dir = Path.Combine(Path.GetTempPath(), "nm-study-" + Guid.NewGuid().ToString("N")); Directory.CreateDirectory(_dir); }
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    /// <summary>Run <paramref name="index"/>'s arguments in the plan of <paramref name="file"/>, as JSON: a record counts only with them.</summary>
    static string Args(string file, int index) => JsonSerializer.Serialize(StudyPlan.Run(StudyFile.Load(file), index, true).Arguments);

    static string Ok(string file, int index, string arch, int seed, double error) =>
        "{\"index\":" + index + ",\"status\":\"ok\",\"exit_code\":0,\"message\":null,\"seconds\":1.5,\"axes\":{\"arch\":\"" + arch + "\",\"seed\":\"" + seed +
        "\"},\"arguments\":" + Args(file, index) + ",\"figures\":{\"test_error\":" + error.ToString(System.Globalization.CultureInfo.InvariantCulture) + ",\"arch\":\"" + arch + "\"}}";

    [Test]
    public void MeanAndStandardDeviationOverSeedsPerArchitecture()
    {
        var file = StudyCli.Write(_dir, "s.json", """{ "command": "train", "axes": { "arch": ["784-20-10", "784-30-10"], "seed": [1, 2, 3] }, "out": "out" }""");
        var outDir = Path.Combine(_dir, "out");
        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, "0.json"), Ok(file, 0, "784-20-10", 1, 0.10));
        File.WriteAllText(Path.Combine(outDir, "1.json"), Ok(file, 1, "784-20-10", 2, 0.12));
        File.WriteAllText(Path.Combine(outDir, "2.json"), Ok(file, 2, "784-20-10", 3, 0.17));
        File.WriteAllText(Path.Combine(outDir, "3.json"), """{"index":3,"status":"failed","exit_code":2,"message":"--arch '784-x-10': bad","seconds":0.2,"axes":{"arch":"784-30-10","seed":"1"},"arguments":""" + Args(file, 3) + ""","figures":{}}""");
        File.WriteAllText(Path.Combine(outDir, "4.json"), Ok(file, 4, "784-30-10", 2, 0.20));
        // 5.json is missing.
        var png = Path.Combine(_dir, "p.png");
        var r = StudyCli.Run("study", "merge", file, "--plot", png, "--json");
        Assert.That(r.Code, Is.Zero, r.Err);
        var j = StudyCli.LastJson(r.Out);
        Assert.That(j.GetProperty("done").GetInt32(), Is.EqualTo(4));
        Assert.That(j.GetProperty("missing").EnumerateArray().Select(x => x.GetInt32()), Is.EqualTo(new[] { 5 }));
        var failed = j.GetProperty("failed").EnumerateArray().ToList();
        Assert.That(failed.Select(f => f.GetProperty("index").GetInt32()), Is.EqualTo(new[] { 3 }));
        Assert.That(failed[0].GetProperty("exit_code").GetInt32(), Is.EqualTo(2));
        Assert.That(failed[0].GetProperty("message").GetString(), Does.Contain("784-x-10"));
        var groups = j.GetProperty("groups").EnumerateArray().ToList();
        Assert.That(groups, Has.Count.EqualTo(2));
        // By hand: mean (0.10 + 0.12 + 0.17) / 3 = 0.13; deviations -0.03, -0.01, 0.04; squares 0.0009 + 0.0001 + 0.0016 = 0.0026;
        // sample variance 0.0026 / 2 = 0.0013; standard deviation sqrt(0.0013) = 0.036055512754639892.
        Assert.That(groups[0].GetProperty("arch").GetString(), Is.EqualTo("784-20-10"));
        Assert.That(groups[0].GetProperty("n").GetInt32(), Is.EqualTo(3));
        Assert.That(groups[0].GetProperty("test_error_mean").GetDouble(), Is.EqualTo(0.13).Within(1e-12));
        Assert.That(groups[0].GetProperty("test_error_std").GetDouble(), Is.EqualTo(0.036055512754639892).Within(1e-12));
        // One finished seed: its value, no deviation.
        Assert.That(groups[1].GetProperty("n").GetInt32(), Is.EqualTo(1));
        Assert.That(groups[1].GetProperty("test_error_mean").GetDouble(), Is.EqualTo(0.20).Within(1e-12));
        Assert.That(groups[1].GetProperty("test_error_std").ValueKind, Is.EqualTo(JsonValueKind.Null));
        // With --json the table and lines for people go to stderr (stdout is the JSON object).
        Assert.That(r.Err, Does.Contain("13.00% ± 3.61%"));
        Assert.That(r.Err, Does.Contain("missing (no result yet): 5"));
        Assert.That(r.Err, Does.Contain("failed: run 3 (arch=784-30-10 seed=1): exit code 2"));

        var runs = File.ReadAllLines(Path.Combine(outDir, "runs.csv"));
        Assert.That(runs, Has.Length.EqualTo(7));
        Assert.That(runs[0], Is.EqualTo("index,status,arch,seed,test_error,seconds,exit_code,message"));
        Assert.That(runs[3], Is.EqualTo("2,ok,784-20-10,3,0.17,1.5,0,"));
        Assert.That(runs[4], Does.StartWith("3,failed,784-30-10,1,,0.2,2,"));
        Assert.That(runs[6], Is.EqualTo("5,missing,784-30-10,3,,,,"));
        var summary = File.ReadAllLines(Path.Combine(outDir, "summary.csv"));
        Assert.That(summary, Has.Length.EqualTo(3));
        Assert.That(summary[0], Is.EqualTo("arch,n,indices,test_error_mean,test_error_std"));
        var cells = summary[1].Split(',');
        Assert.That(cells[..3], Is.EqualTo(new[] { "784-20-10", "3", "0 1 2" }));
        Assert.That(double.Parse(cells[3], System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(0.13).Within(1e-12));
        Assert.That(double.Parse(cells[4], System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(0.036055512754639892).Within(1e-12));
        Assert.That(summary[2], Is.EqualTo("784-30-10,1,4,0.2,"));
        Assert.That(File.ReadAllBytes(png).Take(4), Is.EqualTo(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }));

        var st = StudyCli.Run("study", "status", file, "--json");
        var sj = StudyCli.LastJson(st.Out);
        Assert.That(sj.GetProperty("done").EnumerateArray().Select(x => x.GetInt32()), Is.EqualTo(new[] { 0, 1, 2, 4 }));
        Assert.That(sj.GetProperty("failed").EnumerateArray().Select(x => x.GetInt32()), Is.EqualTo(new[] { 3 }));
        Assert.That(sj.GetProperty("pending").EnumerateArray().Select(x => x.GetInt32()), Is.EqualTo(new[] { 5 }));
    }

    [Test]
    public void StandardDeviationIsTheSampleOne()
    {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, squared deviations sum to 32, sample variance 32 / 7.
        double[] v = [2, 4, 4, 4, 5, 5, 7, 9];
        Assert.That(StudyMerge.Mean(v), Is.EqualTo(5));
        Assert.That(StudyMerge.Std(v), Is.EqualTo(Math.Sqrt(32.0 / 7)).Within(1e-15));
        Assert.That(double.IsNaN(StudyMerge.Std([3.0])));
    }
}
