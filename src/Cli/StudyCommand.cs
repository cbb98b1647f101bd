using System.Diagnostics;
using System.Globalization;
using Neuromorphic.Cli.Study;
using Spectre.Console;
using Text = Neuromorphic.Simulator.Text;

namespace Neuromorphic.Cli;

/// <summary>`neuromorphic study`: many independent runs of one command (seeds, architectures, precisions) as a
/// cross product of axes; each run is a child process of this same executable, locally (`run --all`) or as one
/// element of a Slurm job array (`submit --slurm`). docs/cluster.md.</summary>
public static class StudyCommand
{
    /// <summary>Environment variable naming the `neuromorphic` executable (or neuromorphic.dll) that runs study elements.</summary>
    public const string ExecutableVariable = "NEUROMORPHIC_EXE";

    public static Command Create(Option<bool> jsonOpt, Func<RootCommand> root)
    {
        var c = new Command("study", "many runs of one command over the cross product of axes (seeds, architectures, ...): plan, run locally or "
            + "as a Slurm job array, merge");
        Argument<string> FileArg() => new("file") { Description = "study file (JSON, docs/cluster.md)" };

        var planFile = FileArg();
        var plan = new Command("plan", "list the runs with their index and full command line");
        plan.Arguments.Add(planFile); plan.Options.Add(jsonOpt);
        plan.SetAction(r => CliCommon.Guard(() => Plan(Load(r.GetValue(planFile)!, root()), r.GetValue(jsonOpt))));

        var runFile = FileArg();
        var index = new Option<int?>("--index") { Description = "the run to do (default: $SLURM_ARRAY_TASK_ID)" };
        var all = new Option<bool>("--all") { Description = "do every run here, without Slurm" };
        var parallel = new Option<int>("--parallel") { Description = "with --all: runs at once", DefaultValueFactory = _ => 1 };
        var force = new Option<bool>("--force") { Description = "run again even when OUT/I.json records the run as finished" };
        var run = new Command("run", "do one run (--index, or SLURM_ARRAY_TASK_ID) or all of them (--all); finished runs "
            + "are skipped; writes OUT/I.json");
        run.Arguments.Add(runFile);
        foreach (var o in new Option[] { index, all, parallel, force, jsonOpt }) run.Options.Add(o);
        run.SetAction(r => CliCommon.Guard(() => Run(Load(r.GetValue(runFile)!, root()), r.GetValue(index), r.GetValue(all), r.GetValue(parallel),
            r.GetValue(force), r.GetValue(jsonOpt))));

        var mergeFile = FileArg();
        var plot = new Option<string?>("--plot")
        {
            Description = "write a PNG: mean and standard deviation of the first metric per group, each run as a dot",
        };
        var merge = new Command("merge", "one CSV row per run (OUT/runs.csv) and a table of mean and standard deviation over seeds for every other "
            + "axis combination (OUT/summary.csv)");
        merge.Arguments.Add(mergeFile); merge.Options.Add(plot); merge.Options.Add(jsonOpt);
        merge.SetAction(r => CliCommon.Guard(() => Merge(Load(r.GetValue(mergeFile)!, root()), r.GetValue(plot), r.GetValue(jsonOpt))));

        var statusFile = FileArg();
        var status = new Command("status", "runs done, failed and pending");
        status.Arguments.Add(statusFile); status.Options.Add(jsonOpt);
        status.SetAction(r => CliCommon.Guard(() => Status(Load(r.GetValue(statusFile)!, root()), r.GetValue(jsonOpt))));

        var submitFile = FileArg();
        var slurm = new Option<bool>("--slurm") { Description = "submit to Slurm as one job array (sbatch)" };
        var partition = new Option<string?>("--partition") { Description = "sbatch --partition" };
        var time = new Option<string?>("--time") { Description = "sbatch --time: limit per run, e.g. 30 or 2:00:00" };
        var cpus = new Option<int?>("--cpus-per-task") { Description = "sbatch --cpus-per-task" };
        var gpus = new Option<string?>("--gpus") { Description = "sbatch --gpus per run, e.g. 1 or h100:1" };
        var maxParallel = new Option<int?>("--max-parallel") { Description = "at most this many runs at once (sbatch --array=0-N%M)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "print the sbatch script; write and submit nothing" };
        var submit = new Command("submit", "write OUT/study.sbatch (a job array, one element per run) and submit it with sbatch; prints the job id");
        submit.Arguments.Add(submitFile);
        foreach (var o in new Option[] { slurm, partition, time, cpus, gpus, maxParallel, dryRun, jsonOpt }) submit.Options.Add(o);
        submit.SetAction(r => CliCommon.Guard(() => Submit(Load(r.GetValue(submitFile)!, root()), r.GetValue(slurm),
            new SlurmOptions(r.GetValue(partition), r.GetValue(time), r.GetValue(cpus), r.GetValue(gpus), r.GetValue(maxParallel)),
                r.GetValue(dryRun), r.GetValue(jsonOpt))));

        foreach (var s in new[] { plan, run, merge, status, submit }) c.Subcommands.Add(s);
        return c;
    }

    /// <summary>A loaded study with its plan, checked against the CLI: the command exists, every option and axis
    /// names one of its options, and every run's command line parses.</summary>
    sealed record Loaded(StudyFile Study, IReadOnlyList<StudyRun> Runs);

    static Loaded Load(string path, RootCommand root)
    {
        var study = StudyFile.Load(path);
        var names = root.Subcommands.Where(s => s.Name != "study").Select(s => s.Name).ToList();
        var cmd = root.Subcommands.FirstOrDefault(s => s.Name == study.Command && s.Name != "study")
            ?? throw new NeuromorphicException($"{path}: command '{study.Command}': not a neuromorphic command (one of {string.Join(", ", names)})");
        var options = cmd.Options.SelectMany(o => o.Aliases.Append(o.Name)).Where(n =>
            n.StartsWith("--", StringComparison.Ordinal)).Select(n => n[2..]).ToHashSet();
        foreach (var (name, _) in study.Options)
            if (!options.Contains(name)) throw new NeuromorphicException($"{path}: option '{name}': `{study.Command}` has no option --{name}");
        foreach (var axis in study.Axes)
            if (!options.Contains(axis.Name)) throw new NeuromorphicException($"{path}: axis '{axis.Name}': `{study.Command}` "
                + $"has no option --{axis.Name}");
        // `run` and `test` take --out only for a --record file, not a model: the study leaves it to the study file.
        var runs = StudyPlan.Runs(study, options.Contains("out") && study.Command is not ("run" or "test"));
        foreach (var i in StudyPlan.Representatives(study))
        {
            var run = runs[i];
            var parsed = root.Parse(run.Arguments.ToArray(), CliCommon.Parser);
            if (parsed.Errors.Count > 0)
                throw new NeuromorphicException($"{path}: run {run.Index} ({run.Label}): {parsed.Errors[0].Message}");
        }
        return new Loaded(study, runs);
    }

    /// <summary>The program and leading arguments that start this CLI: $NEUROMORPHIC_EXE; the dotnet host and
    /// neuromorphic.dll when this process was started as `dotnet neuromorphic.dll`; the running apphost; else
    /// the apphost (or dll) beside this assembly (tests).</summary>
    public static IReadOnlyList<string> Executable()
    {
        var host = Environment.ProcessPath;
        bool hostIsDotnet = host != null && Path.GetFileNameWithoutExtension(host) == "dotnet";
        string dotnet = hostIsDotnet ? host! : "dotnet";
        if (Environment.GetEnvironmentVariable(ExecutableVariable) is { Length: > 0 } exe)
            return exe.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? [dotnet, Path.GetFullPath(exe)] : [Path.GetFullPath(exe)];
        var dll = typeof(StudyCommand).Assembly.Location;
        if (hostIsDotnet && dll.Length > 0) return [host!, dll];
        if (host != null && Path.GetFileNameWithoutExtension(host) == "neuromorphic") return [host];
        var apphost = Path.Combine(Path.GetDirectoryName(dll)!, OperatingSystem.IsWindows() ? "neuromorphic.exe" : "neuromorphic");
        return File.Exists(apphost) ? [apphost] : [dotnet, dll];
    }

    static int Plan(Loaded l, bool json)
    {
        var s = l.Study;
        Output.Line($"study {s.Name}: {s.Runs()} of `{s.Command}`, results in {s.OutDir}");
        Output.Line($"axes (the last varies fastest): "
            + $"{(s.Axes.Count == 0 ? "none" : string.Join(" x ", s.Axes.Select(a => $"{a.Name} [{a.Values.Count}]")))}");
        foreach (var r in l.Runs) Output.Line($"{r.Index,5}  {"neuromorphic " + StudyPlan.Format(r.Arguments)}");
        if (json)
            Output.Json(new Dictionary<string, object?>
            {
                ["study"] = s.Name, ["file"] = s.Path, ["command"] = s.Command, ["out"] = s.OutDir, ["runs"] = l.Runs.Count,
                ["axes"] = s.Axes.Select(a => a.Name).ToList(), ["executable"] = Executable(),
                ["plan"] = l.Runs.Select(r => new Dictionary<string, object?>
                {
                    ["index"] = r.Index, ["axes"] = r.Point.ToDictionary(p => p.Axis, p => p.Value),
                    ["arguments"] = r.Arguments, ["result"] = StudyPlan.ResultPath(s, r.Index), ["model"] = r.ModelPath,
                }).ToList(),
            });
        return 0;
    }

    static string Runs(this StudyFile s) => s.Count == 1 ? "1 run" : $"{s.Count} runs";

    static int Run(Loaded l, int? index, bool all, int parallel, bool force, bool json)
    {
        var s = l.Study;
        if (parallel < 1) throw new NeuromorphicException($"--parallel must be at least 1, got {parallel}");
        List<int> indices;
        if (all)
        {
            if (index != null) throw new NeuromorphicException("--index and --all both given; use one");
            indices = Enumerable.Range(0, l.Runs.Count).ToList();
        }
        else
        {
            if (index == null && Environment.GetEnvironmentVariable("SLURM_ARRAY_TASK_ID") is { } task)
                index = int.TryParse(task, NumberStyles.None, CultureInfo.InvariantCulture, out var t) ? t
                    : throw new NeuromorphicException($"SLURM_ARRAY_TASK_ID '{task}' is not a run index");
            if (index == null) throw new NeuromorphicException("study run needs --index I, --all, or SLURM_ARRAY_TASK_ID (in a Slurm array job)");
            if (index < 0 || index >= l.Runs.Count)
                throw new NeuromorphicException($"{s.Path}: index {index} out of range: the study has {s.Runs()}, 0..{l.Runs.Count - 1}");
            indices = [index.Value];
        }
        var exe = Executable();
        // SIGTERM (Slurm's time limit, scancel) or Ctrl-C: stop the runs' processes too, write no records for them.
        using var stop = new CancellationTokenSource();
        void OnSignal(System.Runtime.InteropServices.PosixSignalContext ctx) { ctx.Cancel = true; stop.Cancel(); }
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, OnSignal);
        using var intr = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, OnSignal);
        var results = new StudyResult[l.Runs.Count];
        var ran = new bool[l.Runs.Count];
        var gate = new object();
        // With several runs: after each, how many are done, the time so far and an estimate of the rest at this pace.
        var clock = Stopwatch.StartNew();
        int finished = 0;
        static string Clock(TimeSpan t) => $"{(int)t.TotalHours:00}:{t.Minutes:00}:{t.Seconds:00}";
        try
        {
            Parallel.ForEach(indices, new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = stop.Token }, i =>
            {
                var run = l.Runs[i];
                lock (gate) Console.Error.WriteLine(Text.Escape($"run {i} ({run.Label}): "
                    + $"{(force ? "starting" : "starting unless finished")}", Text.MaxLine));
                var (res, didRun) = StudyRunner.RunOne(s, run, exe, force, stop.Token);
                results[i] = res; ran[i] = didRun;
                string what = !didRun ? "already finished, skipped"
                    : res.Ok ? $"ok in {res.Seconds:F1} s" + (StudyMerge.Number(res.Figures, "test_error") is { } e ? $", test error {e:P2}" : "")
                    : $"FAILED (exit code {res.ExitCode}): {res.Message}";
                lock (gate)
                {
                    Output.Line($"run {i} ({run.Label}): {what} -> {StudyPlan.ResultPath(s, i)}");
                    if (indices.Count > 1 && ++finished < indices.Count)
                        Console.Error.WriteLine($"study: {finished}/{indices.Count} runs done, {Clock(clock.Elapsed)} elapsed, about "
                            + $"{Clock(clock.Elapsed / finished * (indices.Count - finished))} left");
                }
            });
        }
        catch (Exception e) when (e is OperationCanceledException || e is AggregateException a
            && a.InnerExceptions.All(x => x is OperationCanceledException))
        {
            Console.Error.WriteLine("error: stopped by a signal; the runs not finished have no record and will run again");
            return 143;
        }
        var failed = indices.Where(i => !results[i].Ok).ToList();
        Console.Error.WriteLine($"study: {indices.Count} run(s) in {Clock(clock.Elapsed)}");
        if (json)
            Output.Json(new Dictionary<string, object?>
            {
                ["study"] = s.Name, ["indices"] = indices, ["ran"] = indices.Count(i => ran[i]), ["skipped"] = indices.Count(i => !ran[i]),
                ["ok"] = indices.Count(i => results[i].Ok), ["failed"] = failed,
                ["results"] = indices.Select(i => StudyPlan.ResultPath(s, i)).ToList(),
            });
        return failed.Count == 0 ? 0 : 1;
    }

    static int Status(Loaded l, bool json)
    {
        var s = l.Study;
        var results = l.Runs.Select(r => StudyResult.Recorded(s, r)).ToList();
        var done = l.Runs.Where(r => results[r.Index] is { Ok: true }).Select(r => r.Index).ToList();
        var failed = l.Runs.Where(r => results[r.Index] is { Ok: false }).Select(r => r.Index).ToList();
        var pending = l.Runs.Where(r => results[r.Index] == null).Select(r => r.Index).ToList();
        string? job = SlurmScript.ReadJobId(s);
        Output.Line($"study {s.Name}: {s.Runs()}: {done.Count} done, {failed.Count} failed, {pending.Count} pending"
            + (job != null ? $" (Slurm job {job}: squeue -j {job})" : ""));
        if (failed.Count > 0) Output.Line($"failed:  {StudyPlan.Ranges(failed)}");
        if (pending.Count > 0) Output.Line($"pending: {StudyPlan.Ranges(pending)}");
        foreach (var i in failed) Output.Line($"  run {i} ({l.Runs[i].Label}): exit code {results[i]!.ExitCode}: {results[i]!.Message}");
        if (json)
            Output.Json(new Dictionary<string, object?>
            {
                ["study"] = s.Name, ["runs"] = l.Runs.Count, ["done"] = done, ["done_indices"] = done, ["done_count"] = done.Count,
                ["failed"] = failed, ["pending"] = pending, ["slurm_job_id"] = job,
            });
        return 0;
    }

    static int Merge(Loaded l, string? plotPath, bool json)
    {
        var s = l.Study;
        var sum = StudyMerge.Merge(s, l.Runs);
        if (plotPath != null)
        {
            // Checked before anything is written: a chart of thousands of bars is unreadable and takes gigabytes.
            AtomicFile.CheckWritable(plotPath, "--plot");
            if (sum.Metrics.Count == 0 || !sum.Groups.Any(g => g.Stats.ContainsKey(sum.Metrics[0])))
                throw new NeuromorphicException($"--plot: no finished run reports a finite "
                    + $"number{(sum.Metrics.Count > 0 ? $" for {sum.Metrics[0]}" : "")} to plot");
            if (sum.Groups.Count > MaxPlotGroups)
                throw new NeuromorphicException($"--plot: {sum.Groups.Count} groups; one chart shows at most {MaxPlotGroups} (the table "
                    + $"and summary.csv hold them all)");
        }
        string runsCsv = Path.Combine(s.OutDir, "runs.csv"), summaryCsv = Path.Combine(s.OutDir, "summary.csv");
        AtomicFile.Write(runsCsv, tmp => File.WriteAllLines(tmp, StudyMerge.RunsCsv(sum)));
        AtomicFile.Write(summaryCsv, tmp => File.WriteAllLines(tmp, StudyMerge.SummaryCsv(sum)));
        Output.Line($"study {s.Name}: {sum.Done.Count} of {s.Runs()} done; mean ± standard deviation over {s.GroupOver}");
        var t = new Table().Border(TableBorder.Rounded);
        var axes = s.Axes.Select(a => a.Name).Where(a => a != s.GroupOver).ToList();
        // Markup escaping keeps Spectre from reading [tags]; Text.Escape keeps the terminal from reading control characters.
        static string Cell(string s) => Markup.Escape(Text.Escape(s));
        foreach (var a in axes) t.AddColumn(Cell(a));
        t.AddColumn(new TableColumn("n").RightAligned());
        foreach (var m in sum.Metrics) t.AddColumn(new TableColumn(Cell(m)).RightAligned());
        foreach (var g in sum.Groups)
        {
            var cells = g.Point.Select(p => Cell(p.Value ?? "off")).ToList();
            cells.Add(g.Indices.Count.ToString(CultureInfo.InvariantCulture));
            cells.AddRange(sum.Metrics.Select(m => g.Stats.TryGetValue(m, out var st) ? Markup.Escape(Show(m, st.Mean, st.Std)) : ""));
            t.AddRow(cells.ToArray());
        }
        Output.Write(t);
        if (sum.Missing.Count > 0) Output.Line($"missing (no result yet): {StudyPlan.Ranges(sum.Missing)}");
        foreach (var f in sum.Failed) Output.Line($"failed: run {f.Index} ({l.Runs[f.Index].Label}): exit code {f.ExitCode}: {f.Message}");
        Output.Line($"runs: {runsCsv}");
        Output.Line($"summary: {summaryCsv}");
        if (plotPath != null)
        {
            WritePlot(plotPath, sum);
            Output.Line($"plot: {plotPath}");
        }
        if (json)
        {
            var figures = StudyMerge.ToFigures(sum);
            figures["runs_csv"] = runsCsv; figures["summary_csv"] = summaryCsv; figures["plot"] = plotPath;
            Output.Json(figures);
        }
        return 0;
    }

    /// <summary>The most groups `merge --plot` draws: 120 pixels each, a 6000-pixel-wide chart at most.</summary>
    const int MaxPlotGroups = 50;

    /// <summary>"4.82% ± 0.11%" for error and accuracy figures (fractions), else the numbers as they are.</summary>
    static string Show(string metric, double mean, double std)
    {
        bool fraction = metric.EndsWith("_error", StringComparison.Ordinal) || metric.EndsWith("_accuracy", StringComparison.Ordinal);
        string F(double x) => fraction ? (100 * x).ToString("F2", CultureInfo.InvariantCulture) + "%"
            : x.ToString("G5", CultureInfo.InvariantCulture);
        return double.IsNaN(std) ? F(mean) : $"{F(mean)} ± {F(std)}";
    }

    /// <summary>One bar per group at the mean of the first metric, an error bar of one standard deviation, each run as a dot.</summary>
    static void WritePlot(string path, StudySummary sum)
    {
        string metric = sum.Metrics[0];
        bool percent = metric.EndsWith("_error", StringComparison.Ordinal) || metric.EndsWith("_accuracy", StringComparison.Ordinal);
        double k = percent ? 100 : 1;
        var plt = new ScottPlot.Plot();
        var bars = new List<ScottPlot.Bar>();
        var ticks = new List<ScottPlot.Tick>();
        var dots = new List<(double X, double[] Y)>();
        for (int g = 0; g < sum.Groups.Count; g++)
        {
            var group = sum.Groups[g];
            if (!group.Stats.TryGetValue(metric, out var st)) continue;
            bars.Add(new ScottPlot.Bar
            {
                Position = g, Value = k * st.Mean, Error = double.IsNaN(st.Std) ? 0 : k * st.Std,
                FillColor = ScottPlot.Colors.LightSteelBlue
            });
            ticks.Add(new ScottPlot.Tick(g, group.Label, true));
            dots.Add((g, group.Indices.Select(i => StudyMerge.Number(sum.Results[i]!.Figures, metric)).Where(v =>
                v != null).Select(v => k * v!.Value).ToArray()));
        }
        plt.Add.Bars(bars);
        foreach (var (x, ys) in dots)
        {
            var points = plt.Add.ScatterPoints(Enumerable.Repeat(x, ys.Length).ToArray(), ys);
            points.Color = ScottPlot.Colors.OrangeRed;
            points.MarkerSize = 8;
        }
        plt.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks.ToArray());
        plt.YLabel(percent ? metric.Replace('_', ' ') + " (%)" : metric);
        plt.Title($"study {sum.Study.Name}: mean ± standard deviation over {sum.Study.GroupOver}");
        AtomicFile.Write(path, tmp => plt.SavePng(tmp, Math.Clamp(120 * sum.Groups.Count, 600, 120 * MaxPlotGroups), 500));
    }

    static int Submit(Loaded l, bool slurm, SlurmOptions options, bool dryRun, bool json)
    {
        var s = l.Study;
        if (!slurm) throw new NeuromorphicException("study submit needs a scheduler: --slurm (or run locally with `study run FILE --all`)");
        var script = SlurmScript.Create(s, Executable(), options);
        var scriptPath = SlurmScript.ScriptPath(s);
        if (dryRun)
        {
            Output.Human.Write(script);
            if (json) Output.Json(new Dictionary<string, object?>
            {
                ["study"] = s.Name, ["runs"] = l.Runs.Count,
                ["script"] = script, ["dry_run"] = true
            });
            return 0;
        }
        AtomicFile.Write(scriptPath, tmp => File.WriteAllText(tmp, script));
        var psi = new ProcessStartInfo("sbatch")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = s.Folder,
        };
        psi.ArgumentList.Add("--parsable"); psi.ArgumentList.Add(scriptPath);
        string stdout, stderr; int code;
        try
        {
            using var p = Process.Start(psi)!;
            var errTask = p.StandardError.ReadToEndAsync();
            stdout = p.StandardOutput.ReadToEnd();
            stderr = errTask.Result;
            if (!p.WaitForExit(120_000)) { p.Kill(); throw new NeuromorphicException("sbatch did not answer within 120 s"); }
            code = p.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new NeuromorphicException($"sbatch not found on PATH: the script is in {scriptPath} (`study submit --slurm --dry-run` prints it; "
                + $"`study run FILE --all` runs the study here)");
        }
        if (code != 0)
            throw new NeuromorphicException($"sbatch {scriptPath} failed (exit code {code}): {stderr.Trim().Split('\n').LastOrDefault()?.Trim()}");
        var job = SlurmScript.ParseJobId(stdout);
        AtomicFile.Write(SlurmScript.JobIdPath(s), tmp => File.WriteAllText(tmp, job + "\n"));
        Output.Line($"submitted job array {job} ({s.Runs()}) from {scriptPath}; `neuromorphic study status {s.Path}` shows progress");
        if (json) Output.Json(new Dictionary<string, object?>
        {
            ["study"] = s.Name, ["runs"] = l.Runs.Count,
            ["job_id"] = job, ["script"] = scriptPath
        });
        return 0;
    }
}
