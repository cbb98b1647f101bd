using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Neuromorphic.Simulator.Files;

namespace Neuromorphic.Cli.Study;

/// <summary>The record of one finished run, OUT/I.json. <see cref="Status"/> is "ok" (exit code 0 and a JSON
/// object on the last line of standard output, kept as <see cref="Figures"/>) or "failed" (with the exit code and
/// the run's last line on standard error, or what was wrong with its output, as <see cref="Message"/>).</summary>
public sealed record StudyResult(int Index, string Status, int ExitCode, string? Message, double Seconds,
    IReadOnlyList<string> Arguments, IReadOnlyList<(string Axis, string? Value)> Point, JsonObject Figures)
{
    public bool Ok => Status == "ok";

    public JsonObject ToJson()
    {
        var axes = new JsonObject();
        foreach (var (a, v) in Point) axes[a] = v;
        return new JsonObject
        {
            ["index"] = Index, ["status"] = Status, ["exit_code"] = ExitCode, ["message"] = Message,
            ["seconds"] = Math.Round(Seconds, 3), ["axes"] = axes,
            ["arguments"] = new JsonArray(Arguments.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray()),
            ["figures"] = Figures.DeepClone(),
            ["host"] = Environment.MachineName,
            ["slurm_job_id"] = Environment.GetEnvironmentVariable("SLURM_JOB_ID"),
            ["slurm_array_job_id"] = Environment.GetEnvironmentVariable("SLURM_ARRAY_JOB_ID"),
            ["finished_utc"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"),
        };
    }

    /// <summary>The largest record read: a run's figures are one line of JSON.</summary>
    public const int MaxRecordBytes = 16 << 20;

    /// <summary>Reads OUT/I.json; null when it is absent. A file that cannot be read (not a regular file, too large,
    /// not a record) is an error naming it.</summary>
    public static StudyResult? Read(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            var o = JsonNode.Parse(InputFile.ReadText(path, "study result record", MaxRecordBytes))!.AsObject();
            var point = (o["axes"] as JsonObject ?? []).Select(kv => (kv.Key, kv.Value?.GetValue<string>())).ToList();
            var args = (o["arguments"] as JsonArray ?? []).Select(x => x!.GetValue<string>()).ToList();
            return new StudyResult(o["index"]!.GetValue<int>(), o["status"]!.GetValue<string>(), o["exit_code"]?.GetValue<int>() ?? 0,
                o["message"]?.GetValue<string>(), o["seconds"]?.GetValue<double>() ?? 0, args, point,
                (o["figures"] as JsonObject)?.DeepClone().AsObject() ?? []);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or NullReferenceException)
        {
            throw new NeuromorphicException($"{path}: not a study result record ({e.Message.Split('\n')[0]})");
        }
    }

    /// <summary>The record of <paramref name="run"/> in OUT/I.json, when there is one and it is that run's
    /// (<see cref="StudyPlan.Matches"/>); null otherwise. What `run`, `status` and `merge` count as done or failed.</summary>
    public static StudyResult? Recorded(StudyFile study, StudyRun run) =>
        Read(StudyPlan.ResultPath(study, run.Index)) is { } r && StudyPlan.Matches(r, run) ? r : null;
}

/// <summary>Runs one element of a study as a child process of the `neuromorphic` executable, in the study file's
/// folder, and writes its record atomically (a temporary file renamed over OUT/I.json), so that a reader, a
/// second array element or a re-submitted job never sees half a record.</summary>
public static class StudyRunner
{
    /// <summary>Runs <paramref name="run"/> unless OUT/I.json already records it as finished with the same
    /// arguments (then nothing is started and <c>Ran</c> is false). <paramref name="executable"/>: the program and
    /// the arguments that start the CLI (e.g. ["dotnet", "neuromorphic.dll"]). Failed records are run again.
    /// When <paramref name="cancel"/> fires (SIGTERM from Slurm's time limit or scancel, Ctrl-C) the child and its
    /// children are killed and no record is written: the run stays missing, to be run again.</summary>
    public static (StudyResult Result, bool Ran) RunOne(StudyFile study, StudyRun run, IReadOnlyList<string> executable, bool force = false,
        CancellationToken cancel = default)
    {
        var resultPath = StudyPlan.ResultPath(study, run.Index);
        if (!force && StudyResult.Recorded(study, run) is { Ok: true } done)
            return (done, false);
        Directory.CreateDirectory(study.OutDir);
        var psi = new ProcessStartInfo(executable[0])
        {
            WorkingDirectory = study.Folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in executable.Skip(1).Concat(run.Arguments)) psi.ArgumentList.Add(a);
        var stdout = new List<string>();
        var stderr = new List<string>();
        // The log is written as the run goes (tail -f OUT/I.log); it is not the record, so it need not be atomic. It is
        // always a new file: whatever is at OUT/I.log (an old log, or a link planted to make this run truncate some
        // other file) is removed first, and the new one is created exclusively (O_EXCL: a link there is not followed).
        var logPath = StudyPlan.LogPath(study, run.Index);
        if (IsLinkOrFile(logPath)) File.Delete(logPath);
        using var log = new StreamWriter(new FileStream(logPath, FileMode.CreateNew, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
        log.WriteLine("$ " + StudyPlan.Format(executable.Concat(run.Arguments)));
        var sw = Stopwatch.StartNew();
        int code;
        string? startError = null;
        try
        {
            using var p = new Process { StartInfo = psi };
            p.OutputDataReceived += (_, e) => { if (e.Data != null) lock (log) { stdout.Add(e.Data); log.WriteLine(e.Data); } };
            p.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (log) { stderr.Add(e.Data); log.WriteLine(e.Data); } };
            cancel.ThrowIfCancellationRequested();
            p.Start();
            using (cancel.Register(() => { try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } }))
            {
                p.BeginOutputReadLine(); p.BeginErrorReadLine();
                p.WaitForExit();
            }
            code = p.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception e) { code = 127; startError = $"cannot start {executable[0]}: {e.Message}"; }
        double seconds = sw.Elapsed.TotalSeconds;
        if (cancel.IsCancellationRequested)
        {
            lock (log) log.WriteLine($"# stopped after {seconds:F1} s (signal): no record written");
            cancel.ThrowIfCancellationRequested();
        }
        lock (log) log.WriteLine($"# exit code {code} after {seconds:F1} s");
        var figures = new JsonObject();
        string? message = startError;
        if (code == 0)
        {
            var last = stdout.LastOrDefault(l => l.Trim().Length > 0);
            try { figures = JsonNode.Parse(last ?? "")?.AsObject() ?? throw new JsonException("null"); }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                message = "exit code 0 but no JSON object on the last line of standard output" + (last == null ? "" : $": '{Clip(last)}'");
            }
        }
        else message ??= stderr.LastOrDefault(l => l.Trim().Length > 0) is { } l ? Clip(l.Trim()) : $"exit code {code}, nothing on standard error";
        if (message != null && message.StartsWith("error: ", StringComparison.Ordinal)) message = message[7..];
        var result = new StudyResult(run.Index, message == null ? "ok" : "failed", code, message, seconds, run.Arguments, run.Point, figures);
        AtomicFile.Write(resultPath, tmp => File.WriteAllText(tmp, result.ToJson().ToJsonString() + "\n"));
        return (result, true);
    }

    static bool IsLinkOrFile(string path) => new FileInfo(path) is var f && (f.Exists || f.LinkTarget != null);

    static string Clip(string s) => s.Length <= 500 ? s : s[..500] + "...";
}
