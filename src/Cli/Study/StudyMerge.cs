using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Neuromorphic.Cli.Study;

/// <summary>One row of the summary: the runs that share every axis value except the one averaged over
/// (<see cref="StudyFile.GroupOver"/>, `seed` by default), and mean and standard deviation of each metric over them.</summary>
/// <param name="Point">the values of the other axes</param>
/// <param name="Indices">the finished runs of the group</param>
/// <param name="Stats">metric name to (mean, sample standard deviation with n - 1, NaN for one run, n)</param>
public sealed record StudyGroup(IReadOnlyList<(string Axis, string? Value)> Point, IReadOnlyList<int> Indices,
    IReadOnlyDictionary<string, (double Mean, double Std, int N)> Stats)
{
    public string Label => Point.Count == 0 ? "all runs" : string.Join(" ", Point.Select(p => $"{p.Axis}={StudyRun.Show(p.Value)}"));
}

/// <summary>The merged results of a study: every run's record, the runs not finished (missing) or failed,
/// and the per-group means and standard deviations.</summary>
public sealed record StudySummary(StudyFile Study, IReadOnlyList<StudyRun> Runs, IReadOnlyList<StudyResult?> Results,
    IReadOnlyList<string> Metrics, IReadOnlyList<StudyGroup> Groups)
{
    public IReadOnlyList<int> Missing => Runs.Where(r => Results[r.Index] == null).Select(r => r.Index).ToList();
    public IReadOnlyList<StudyResult> Failed => Results.Where(r => r is { Ok: false }).Select(r => r!).ToList();
    public IReadOnlyList<StudyResult> Done => Results.Where(r => r is { Ok: true }).Select(r => r!).ToList();
}

public static class StudyMerge
{
    /// <summary>Reads every OUT/I.json of the plan and groups the finished runs. Metrics: the study's `metrics`;
    /// otherwise `test_error` when the finished runs report it, else every figure that is a number in all of them.</summary>
    public static StudySummary Merge(StudyFile study, IReadOnlyList<StudyRun> runs)
    {
        var results = runs.Select(r => StudyResult.Recorded(study, r)).ToList();
        var done = results.Where(r => r is { Ok: true }).Select(r => r!).ToList();
        var metrics = study.Metrics.Count > 0 ? study.Metrics.ToList()
            : done.Count > 0 && done.All(r => Number(r.Figures, "test_error") != null) ? ["test_error"]
            : done.Count == 0 ? []
            : done[0].Figures.Select(kv => kv.Key).Where(k => done.All(r => Number(r.Figures, k) != null)).ToList();
        var groups = new List<StudyGroup>();
        foreach (var g in done.GroupBy(r => GroupKey(study, runs[r.Index].Point)).OrderBy(g => g.Min(r => r.Index)))
        {
            var members = g.OrderBy(r => r.Index).ToList();
            var stats = new Dictionary<string, (double, double, int)>();
            foreach (var m in metrics)
            {
                var values = members.Select(r => Number(r.Figures, m)).Where(v => v != null).Select(v => v!.Value).ToList();
                if (values.Count > 0) stats[m] = (Mean(values), Std(values), values.Count);
            }
            // The plan's axis values (a record's own "axes" are not trusted: only its index and arguments are checked).
            groups.Add(new StudyGroup(runs[members[0].Index].Point.Where(p => p.Axis != study.GroupOver).ToList(),
                members.Select(r => r.Index).ToList(), stats));
        }
        return new StudySummary(study, runs, results, metrics, groups);
    }

    static string GroupKey(StudyFile study, IReadOnlyList<(string Axis, string? Value)> point) =>
        string.Join("\u0001", point.Where(p => p.Axis != study.GroupOver).Select(p => $"{p.Axis}={p.Value ?? "\u0002"}"));

    /// <summary>A figure as a finite number: JSON numbers, and strings that hold one; null otherwise (1e400, "NaN",
    /// "Infinity" are not figures a mean can use).</summary>
    public static double? Number(JsonObject figures, string name)
    {
        if (!figures.TryGetPropertyValue(name, out var n) || n is not JsonValue v) return null;
        double d;
        if (v.GetValueKind() == JsonValueKind.Number) { if (!v.TryGetValue(out d)) return null; }
        else if (v.GetValueKind() != JsonValueKind.String || !double.TryParse(v.GetValue<string>(), NumberStyles.Float,
            CultureInfo.InvariantCulture, out d)) return null;
        return double.IsFinite(d) ? d : null;
    }

    /// <summary>The mean; where the sum overflows (figures near double's range), the sum of x/n.</summary>
    public static double Mean(IReadOnlyList<double> v) => v.Sum() is var s && double.IsFinite(s) ? s / v.Count : v.Sum(x => x / v.Count);

    /// <summary>Sample standard deviation (divides by n - 1); NaN for a single value.</summary>
    public static double Std(IReadOnlyList<double> v)
    {
        if (v.Count < 2) return double.NaN;
        double m = Mean(v);
        double plain = Math.Sqrt(v.Sum(x => (x - m) * (x - m)) / (v.Count - 1));
        if (double.IsFinite(plain)) return plain;
        // The squares overflowed (figures near 1e200): scaled by the largest deviation; NaN where even that is infinite.
        double scale = v.Max(x => Math.Abs(x - m));
        return double.IsFinite(scale) ? scale * Math.Sqrt(v.Sum(x => (x - m) / scale * ((x - m) / scale)) / (v.Count - 1)) : double.NaN;
    }

    /// <summary>A figure for CSV and JSON: empty (null) where it is not finite.</summary>
    static string F(double x) => double.IsFinite(x) ? x.ToString("R", CultureInfo.InvariantCulture) : "";

    static double? Finite(double x) => double.IsFinite(x) ? x : null;

    /// <summary>A CSV cell. Text that a spreadsheet would run as a formula (starting with =, +, -, @, tab or carriage
    /// return) gets a leading apostrophe, the usual defence; numbers are written as they are.</summary>
    static string Csv(string? s)
    {
        s ??= "";
        if (s.Length > 0 && "=+-@\t\r".Contains(s[0]) && !double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _)) s = "'" + s;
        return s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
    }

    /// <summary>One line per run: index, status, the axes, every metric, seconds, exit code and message.</summary>
    public static IReadOnlyList<string> RunsCsv(StudySummary s)
    {
        var axes = s.Study.Axes.Select(a => a.Name).ToList();
        var lines = new List<string> { string.Join(",", new[] { "index",
            "status" }.Concat(axes).Concat(s.Metrics).Concat(["seconds", "exit_code", "message"]).Select(Csv)) };
        foreach (var run in s.Runs)
        {
            var r = s.Results[run.Index];
            var cells = new List<string> { run.Index.ToString(CultureInfo.InvariantCulture), r == null ? "missing" : r.Status };
            cells.AddRange(run.Point.Select(p => Csv(StudyRun.Show(p.Value))));
            cells.AddRange(s.Metrics.Select(m => r is { Ok: true } && Number(r.Figures, m) is { } v ? F(v) : ""));
            cells.Add(r == null ? "" : F(Math.Round(r.Seconds, 3)));
            cells.Add(r == null ? "" : r.ExitCode.ToString(CultureInfo.InvariantCulture));
            cells.Add(Csv(r?.Message));
            lines.Add(string.Join(",", cells));
        }
        return lines;
    }

    /// <summary>One line per group: the other axes, n, and mean and standard deviation of every metric.</summary>
    public static IReadOnlyList<string> SummaryCsv(StudySummary s)
    {
        var axes = s.Study.Axes.Select(a => a.Name).Where(a => a != s.Study.GroupOver).ToList();
        var lines = new List<string> { string.Join(",", axes.Concat(["n",
            "indices"]).Concat(s.Metrics.SelectMany(m => new[] { m + "_mean", m + "_std" })).Select(Csv)) };
        foreach (var g in s.Groups)
        {
            var cells = g.Point.Select(p => Csv(StudyRun.Show(p.Value))).ToList();
            cells.Add(g.Indices.Count.ToString(CultureInfo.InvariantCulture));
            cells.Add(string.Join(" ", g.Indices));
            foreach (var m in s.Metrics)
                if (g.Stats.TryGetValue(m, out var st)) { cells.Add(F(st.Mean)); cells.Add(F(st.Std)); } else { cells.Add(""); cells.Add(""); }
            lines.Add(string.Join(",", cells));
        }
        return lines;
    }

    /// <summary>The summary as JSON: counts, missing and failed indices, and one object per group.</summary>
    public static Dictionary<string, object?> ToFigures(StudySummary s) => new()
    {
        ["study"] = s.Study.Name, ["runs"] = s.Runs.Count, ["done"] = s.Done.Count, ["done_count"] = s.Done.Count,
        ["missing"] = s.Missing.ToList(),
        ["failed"] = s.Failed.Select(f => new Dictionary<string, object?>
        {
            ["index"] = f.Index, ["exit_code"] = f.ExitCode,
            ["message"] = f.Message
        }).ToList(),
        ["metrics"] = s.Metrics.ToList(), ["group_over"] = s.Study.GroupOver,
        ["groups"] = s.Groups.Select(g =>
        {
            var o = new Dictionary<string, object?>();
            foreach (var (a, v) in g.Point) o[a] = v;
            o["n"] = g.Indices.Count;
            o["indices"] = g.Indices.ToList();
            foreach (var (m, st) in g.Stats) { o[m + "_mean"] = Finite(st.Mean); o[m + "_std"] = Finite(st.Std); }
            return o;
        }).ToList(),
    };
}
