using System.Text.Json;
using Neuromorphic.Cli;
using Neuromorphic.Simulator.Data;
using NUnit.Framework;

namespace Neuromorphic.Tests.Study;

/// <summary>`study run`: each run a child process of the CLI; records written atomically; finished runs skipped;
/// failing runs recorded with their message and exit code.</summary>
public class StudyRunTests
{
    string _dir = "";
    [SetUp] public void SetUp() { _dir = Path.Combine(Path.GetTempPath(), "nm-study-" + Guid.NewGuid().ToString("N")); Directory.CreateDirectory(_dir); }
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    static void AssertNoTemporaryFiles(string dir) =>
        Assert.That(Directory.GetFiles(dir).Select(Path.GetFileName), Has.None.Contains(".tmp-"), "atomic writes leave no temporary files");

    [Test]
    public void AFailingRunWritesAFailureRecordWithItsMessageAndExitCode()
    {
        var empty = Path.Combine(_dir, "no-data");
        Directory.CreateDirectory(empty);
        var file = StudyCli.Write(_dir, "bad.json", $$"""{ "command": "train", "options": { "data-dir": "no-data" }, "axes": { "arch": ["784-x-10"] }, "out": "out" }""");
        TestContext.Progress.WriteLine($"study runs: {string.Join(" ", StudyCommand.Executable())}");
        var r = StudyCli.Run("study", "run", file, "--index", "0", "--json");
        Assert.That(r.Code, Is.EqualTo(1), r.Out + r.Err);
        var j = StudyCli.LastJson(r.Out);
        Assert.That(j.GetProperty("failed").EnumerateArray().Select(x => x.GetInt32()), Is.EqualTo(new[] { 0 }));
        var outDir = Path.Combine(_dir, "out");
        using var rec = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "0.json")));
        var root = rec.RootElement;
        Assert.That(root.GetProperty("status").GetString(), Is.EqualTo("failed"));
        Assert.That(root.GetProperty("exit_code").GetInt32(), Is.EqualTo(2), "the CLI's exit code for bad input");
        Assert.That(root.GetProperty("message").GetString(), Does.Contain("784-x-10"));
        Assert.That(root.GetProperty("axes").GetProperty("arch").GetString(), Is.EqualTo("784-x-10"));
        Assert.That(File.ReadAllText(Path.Combine(outDir, "0.log")), Does.Contain("784-x-10"));
        AssertNoTemporaryFiles(outDir);
        // A failed run is not finished: running it again runs it again (and fails again).
        var again = StudyCli.Run("study", "run", file, "--index", "0", "--json");
        Assert.That(StudyCli.LastJson(again.Out).GetProperty("ran").GetInt32(), Is.EqualTo(1));
        var st = StudyCli.Run("study", "status", file);
        Assert.That(st.Out, Does.Contain("0 done, 1 failed, 0 pending"));
    }

    [Test]
    public void IndexDefaultsToTheSlurmArrayTaskId()
    {
        var file = StudyCli.Write(_dir, "s.json", """{ "command": "devices", "axes": { "backend": ["cpu", "x"] }, "out": "out" }""");
        // `devices` has no --backend: refused before anything runs.
        Assert.That(StudyCli.Run("study", "run", file).Code, Is.EqualTo(2));
        var ok = StudyCli.Write(_dir, "d.json", """{ "command": "devices", "out": "out" }""");
        var none = StudyCli.Run("study", "run", ok);
        Assert.That(none.Code, Is.EqualTo(2));
        Assert.That(none.Err, Does.Contain("SLURM_ARRAY_TASK_ID"));
        Environment.SetEnvironmentVariable("SLURM_ARRAY_TASK_ID", "0");
        try
        {
            var r = StudyCli.Run("study", "run", ok, "--json");
            Assert.That(r.Code, Is.Zero, r.Out + r.Err);
            Assert.That(StudyCli.LastJson(r.Out).GetProperty("indices").EnumerateArray().Select(x => x.GetInt32()), Is.EqualTo(new[] { 0 }));
            using var rec = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "out", "0.json")));
            Assert.That(rec.RootElement.GetProperty("status").GetString(), Is.EqualTo("ok"));
            Assert.That(rec.RootElement.GetProperty("figures").GetProperty("auto").GetString(), Is.Not.Empty, "the figures of the run's last JSON line");
        }
        finally { Environment.SetEnvironmentVariable("SLURM_ARRAY_TASK_ID", null); }
    }

    [Test, Category("Mnist")]
    public void RunsAreDeterministicAndAFinishedRunIsNotRunAgain()
    {
        var data = MnistFiles.ResolveDirectory(null);
        MnistFiles.Ensure(data, TestContext.Progress.WriteLine);
        var file = StudyCli.Write(_dir, "tiny.json", $$"""
            { "command": "train",
              "options": { "arch": "784-12-10", "train-samples": 20, "test-samples": 10, "validation-samples": 0, "sample-ms": 20, "test-sample-ms": 20, "data-dir": {{JsonSerializer.Serialize(data)}} },
              "axes": { "seed": [1, 2] },
              "out": "out" }
            """);
        var first = StudyCli.Run("study", "run", file, "--all", "--parallel", "2", "--json");
        Assert.That(first.Code, Is.Zero, first.Out + first.Err);
        var j = StudyCli.LastJson(first.Out);
        Assert.That(j.GetProperty("ran").GetInt32(), Is.EqualTo(2));
        Assert.That(j.GetProperty("ok").GetInt32(), Is.EqualTo(2));
        var outDir = Path.Combine(_dir, "out");
        var result = Path.Combine(outDir, "1.json");
        Assert.That(File.Exists(Path.Combine(outDir, "1.nmm")), "the model file beside its result");
        var bytes = File.ReadAllBytes(result);
        var stamp = File.GetLastWriteTimeUtc(result);
        var modelStamp = File.GetLastWriteTimeUtc(Path.Combine(outDir, "1.nmm"));
        AssertNoTemporaryFiles(outDir);

        var second = StudyCli.Run("study", "run", file, "--all", "--json");
        Assert.That(second.Code, Is.Zero, second.Out + second.Err);
        var j2 = StudyCli.LastJson(second.Out);
        Assert.That(j2.GetProperty("ran").GetInt32(), Is.Zero, "no work the second time");
        Assert.That(j2.GetProperty("skipped").GetInt32(), Is.EqualTo(2));
        Assert.That(File.ReadAllBytes(result), Is.EqualTo(bytes));
        Assert.That(File.GetLastWriteTimeUtc(result), Is.EqualTo(stamp));
        Assert.That(File.GetLastWriteTimeUtc(Path.Combine(outDir, "1.nmm")), Is.EqualTo(modelStamp));

        // Deterministic: run 1 forced again gives the same weights and predictions.
        static (string, string) Hashes(string path)
        {
            using var d = JsonDocument.Parse(File.ReadAllText(path));
            var f = d.RootElement.GetProperty("figures");
            return (f.GetProperty("weights_sha256").GetString()!, f.GetProperty("predictions_sha256").GetString()!);
        }
        var before = Hashes(result);
        var forced = StudyCli.Run("study", "run", file, "--index", "1", "--force", "--json");
        Assert.That(StudyCli.LastJson(forced.Out).GetProperty("ran").GetInt32(), Is.EqualTo(1));
        Assert.That(Hashes(result), Is.EqualTo(before));
        Assert.That(Hashes(Path.Combine(outDir, "0.json")).Item1, Is.Not.EqualTo(before.Item1), "seeds 1 and 2 differ");
    }

    [Test, Category("Mnist")]
    public void ASignalStopsTheRunsAndLeavesThemPending()
    {
        if (OperatingSystem.IsWindows()) Assert.Ignore("POSIX signals");
        var data = MnistFiles.ResolveDirectory(null);
        MnistFiles.Ensure(data, TestContext.Progress.WriteLine);
        var file = StudyCli.Write(_dir, "long.json", $$"""
            { "command": "train", "options": { "arch": "784-20-10", "train-samples": 50000, "test-samples": 100, "validation-samples": 0, "data-dir": {{JsonSerializer.Serialize(data)}} },
              "axes": { "seed": [1] }, "out": "out" }
            """);
        var exe = StudyCommand.Executable();
        var psi = new System.Diagnostics.ProcessStartInfo(exe[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in exe.Skip(1).Concat(["study", "run", file, "--index", "0"])) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var log = Path.Combine(_dir, "out", "0.log");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (!(File.Exists(log) && File.ReadAllText(log).Contains("training")) && sw.Elapsed.TotalSeconds < 60) Thread.Sleep(100);
        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", p.Id.ToString()])) kill.WaitForExit();
        Assert.That(p.WaitForExit(30_000), "study run stops on SIGTERM");
        Assert.That(p.ExitCode, Is.EqualTo(143), err.Result);
        Assert.That(File.Exists(Path.Combine(_dir, "out", "0.json")), Is.False, "no record for a stopped run");
        Assert.That(File.ReadAllText(log), Does.Contain("no record written"));
        Assert.That(StudyCli.Run("study", "status", file).Out, Does.Contain("0 done, 0 failed, 1 pending"));
    }
}
