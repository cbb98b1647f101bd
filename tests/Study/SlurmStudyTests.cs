using System.Diagnostics;
using System.Text.Json;
using Neuromorphic.Simulator.Data;
using NUnit.Framework;

namespace Neuromorphic.Tests.Study;

/// <summary>End to end on a real Slurm: .ci/run starts a single-node Slurm (munged, slurmctld, slurmd on this host)
/// and sets NEUROMORPHIC_SLURM=1 and SLURM_CONF; this test submits a four-seed study of tiny training runs with
/// `study submit --slurm`, waits for the job array (bounded), merges, and checks the table against the records.
/// When .ci/run could not start Slurm it sets NEUROMORPHIC_SLURM_ERROR to the daemon's message and the test fails
/// with it; only without NEUROMORPHIC_SLURM (a developer's plain `dotnet test`) is it ignored.</summary>
[Category("Slurm"), Category("Mnist")]
public class SlurmStudyTests
{
    const int WaitSeconds = 300;

    static (int Code, string Out, string Err) Exec(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            var output = p.StandardOutput.ReadToEndAsync();
            if (!p.WaitForExit(30_000)) { p.Kill(true); return (124, output.Result, $"{program} did not answer within 30 s"); }
            return (p.ExitCode, output.Result, err.Result);
        }
        catch (System.ComponentModel.Win32Exception e) { return (127, "", $"{program}: {e.Message}"); }
    }

    /// <summary>What Slurm says about the job and the daemons, for a failure message.</summary>
    static string Diagnose(string outDir, string? job)
    {
        var parts = new List<string>();
        if (job != null) parts.Add("squeue: " + Exec("squeue", "-j", job).Out.Trim());
        parts.Add("sinfo: " + Exec("sinfo", "-N", "-o", "%N %T %E").Out.Trim());
        if (Directory.Exists(outDir))
            foreach (var f in Directory.GetFiles(outDir, "slurm-*.out").Order())
                parts.Add($"{Path.GetFileName(f)}: {string.Join(" | ", File.ReadAllLines(f).TakeLast(5))}");
        if (Environment.GetEnvironmentVariable("NM_SLURM_DIR") is { Length: > 0 } d)
            foreach (var log in new[] { "slurmctld.log", "slurmd.log" })
                if (File.Exists(Path.Combine(d, log))) parts.Add($"{log}: {string.Join(" | ", File.ReadAllLines(Path.Combine(d, log)).TakeLast(6))}");
        return string.Join("\n", parts);
    }

    [Test]
    public void AFourSeedStudyRunsAsAJobArrayAndMerges()
    {
        if (Environment.GetEnvironmentVariable("NEUROMORPHIC_SLURM") != "1")
            Assert.Ignore("no Slurm here: NEUROMORPHIC_SLURM is unset. .ci/run starts a single-node Slurm (munged, slurmctld, slurmd) and sets it; see docs/cluster.md");
        if (Environment.GetEnvironmentVariable("NEUROMORPHIC_SLURM_ERROR") is { Length: > 0 } setupError)
            Assert.Fail($"the single-node Slurm of .ci/run is not running: {setupError}");
        var info = Exec("sinfo", "-h", "-o", "%P %a %D %T");
        if (info.Code != 0) Assert.Fail($"sinfo failed (exit code {info.Code}): {info.Err.Trim()}\n{Diagnose("", null)}");
        TestContext.Progress.WriteLine($"slurm: {info.Out.Trim()}");

        var data = MnistFiles.ResolveDirectory(null);
        MnistFiles.Ensure(data, TestContext.Progress.WriteLine);
        var dir = Path.Combine(Path.GetTempPath(), "nm-slurm-study-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var file = StudyCli.Write(dir, "seeds.json", $$"""
            { "name": "ci-seeds", "command": "train",
              "options": { "arch": "784-20-10", "train-samples": 200, "test-samples": 100, "validation-samples": 0, "backend": "cpu", "data-dir": {{JsonSerializer.Serialize(data)}} },
              "axes": { "seed": [1, 2, 3, 4] },
              "out": "out" }
            """);
        var outDir = Path.Combine(dir, "out");
        var sw = Stopwatch.StartNew();
        var submit = StudyCli.Run("study", "submit", file, "--slurm", "--time", "10", "--cpus-per-task", "1", "--max-parallel", "2", "--json");
        if (submit.Code != 0) Assert.Fail($"study submit --slurm failed (exit code {submit.Code}): {submit.Err.Trim()}\n{Diagnose(outDir, null)}");
        var job = StudyCli.LastJson(submit.Out).GetProperty("job_id").GetString()!;
        TestContext.Progress.WriteLine($"submitted job array {job}");

        // Wait for four records, at most WaitSeconds; stop early when Slurm no longer knows the job but records are missing.
        int Finished() => Enumerable.Range(0, 4).Count(i => File.Exists(Path.Combine(outDir, $"{i}.json")));
        double goneSince = -1;
        while (Finished() < 4)
        {
            if (sw.Elapsed.TotalSeconds > WaitSeconds)
                Assert.Fail($"job array {job}: {Finished()} of 4 runs finished after {WaitSeconds} s\n{Diagnose(outDir, job)}");
            var q = Exec("squeue", "-h", "-j", job);
            bool gone = q.Code == 0 && q.Out.Trim().Length == 0 || q.Err.Contains("Invalid job id");
            if (gone && goneSince < 0) goneSince = sw.Elapsed.TotalSeconds;
            if (!gone) goneSince = -1;
            if (goneSince >= 0 && sw.Elapsed.TotalSeconds - goneSince > 10)
                Assert.Fail($"job array {job} left the queue with {Finished()} of 4 runs recorded\n{Diagnose(outDir, job)}");
            Thread.Sleep(1000);
        }
        TestContext.Progress.WriteLine($"job array {job}: 4 runs in {sw.Elapsed.TotalSeconds:F1} s");

        // The records, read directly: each ran under Slurm, in this job array.
        var errors = new double[4];
        for (int i = 0; i < 4; i++)
        {
            using var rec = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, $"{i}.json")));
            var root = rec.RootElement;
            Assert.That(root.GetProperty("status").GetString(), Is.EqualTo("ok"), $"run {i}: {root.GetProperty("message")}\n{Diagnose(outDir, job)}");
            Assert.That(root.GetProperty("slurm_array_job_id").GetString(), Is.EqualTo(job), $"run {i} ran in the job array");
            Assert.That(root.GetProperty("axes").GetProperty("seed").GetString(), Is.EqualTo((i + 1).ToString()));
            Assert.That(File.Exists(Path.Combine(outDir, $"{i}.nmm")), $"run {i}: model file");
            errors[i] = root.GetProperty("figures").GetProperty("test_error").GetDouble();
        }
        TestContext.Progress.WriteLine($"test errors: {string.Join(" ", errors)}");

        var merge = StudyCli.Run("study", "merge", file, "--json");
        Assert.That(merge.Code, Is.Zero, merge.Err);
        var m = StudyCli.LastJson(merge.Out);
        Assert.That(m.GetProperty("done").GetInt32(), Is.EqualTo(4));
        Assert.That(m.GetProperty("missing").GetArrayLength(), Is.Zero);
        Assert.That(m.GetProperty("failed").GetArrayLength(), Is.Zero);
        var rows = File.ReadAllLines(Path.Combine(outDir, "runs.csv"));
        Assert.That(rows, Has.Length.EqualTo(5), "a header and 4 rows");
        var groups = m.GetProperty("groups").EnumerateArray().ToList();
        Assert.That(groups, Has.Count.EqualTo(1), "one group: every axis but the seed is fixed");
        Assert.That(groups[0].GetProperty("n").GetInt32(), Is.EqualTo(4));
        // By hand: the mean of the four, and the sample standard deviation (divide by n - 1 = 3).
        double mean = (errors[0] + errors[1] + errors[2] + errors[3]) / 4;
        double ss = 0;
        foreach (var e in errors) ss += (e - mean) * (e - mean);
        double std = Math.Sqrt(ss / 3);
        Assert.That(groups[0].GetProperty("test_error_mean").GetDouble(), Is.EqualTo(mean).Within(1e-12));
        Assert.That(groups[0].GetProperty("test_error_std").GetDouble(), Is.EqualTo(std).Within(1e-12));
        TestContext.Progress.WriteLine($"merged: test error {mean:P2} ± {std:P2} over 4 seeds, {sw.Elapsed.TotalSeconds:F1} s from submission");
        var status = StudyCli.Run("study", "status", file);
        Assert.That(status.Out, Does.Contain("4 done, 0 failed, 0 pending"));
        Directory.Delete(dir, true);
    }
}
