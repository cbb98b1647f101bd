namespace Neuromorphic.Cli.Study;

/// <summary>Run <paramref name="Index"/> of a study: its axis values (axis name to option text) and the full
/// argument list after the executable, `--json` included.</summary>
public sealed record StudyRun(int Index, IReadOnlyList<(string Axis, string? Value)> Point, IReadOnlyList<string> Arguments, string? ModelPath)
{
    /// <summary>The axis values as "name=value" pairs, for tables and logs.</summary>
    public string Label => string.Join(" ", Point.Select(p => $"{p.Axis}={Show(p.Value)}"));

    internal static string Show(string? v) => v switch { null => "off", "" => "on", _ => v };
}

/// <summary>The cross product of a study's axes, in a fixed order: axes in file order, the last axis varying
/// fastest (like nested loops written in file order). Index I is therefore the same on every machine and in every
/// run of the same file, which is what lets a Slurm array element find its run from SLURM_ARRAY_TASK_ID alone.</summary>
public static class StudyPlan
{
    /// <summary>Every run of <paramref name="study"/>, each built when it is asked for (`study run --index I` builds
    /// one). <paramref name="commandHasOut"/>: the base command takes `--out` (a model file), which the study then sets to OUT/I.nmm.</summary>
    public static IReadOnlyList<StudyRun> Runs(StudyFile study, bool commandHasOut) => new Lazy(study, commandHasOut);

    sealed class Lazy(StudyFile study, bool commandHasOut) : IReadOnlyList<StudyRun>
    {
        public int Count { get; } = study.Count;
        public StudyRun this[int index] => Run(study, index, commandHasOut);
        public IEnumerator<StudyRun> GetEnumerator() { for (int i = 0; i < Count; i++) yield return this[i]; }
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>The runs that hold every value of every axis at least once: run 0, and for each axis each of its values
    /// with the other axes at their first value. Each option's text is checked by the parser on its own, so these
    /// parse when and only when every run does, in (sum of the axes' lengths) parses instead of their product.
    /// A value holding {index} is checked in every run, since its text differs from run to run.</summary>
    public static IEnumerable<int> Representatives(StudyFile study)
    {
        if (study.Arguments.Concat(study.Options.Select(o => o.Value)).Any(v => v != null && v.Contains(IndexPlaceholder)))
        {
            for (int i = 0; i < study.Count; i++) yield return i;
            yield break;
        }
        yield return 0;
        int stride = 1;
        var seen = new HashSet<int> { 0 };
        for (int k = study.Axes.Count - 1; k >= 0; k--)
        {
            var values = study.Axes[k].Values;
            bool everyRun = values.Any(v => v != null && v.Contains(IndexPlaceholder));
            for (int j = 1; j < values.Count; j++)
                if (seen.Add(j * stride)) yield return j * stride;
            if (everyRun)
                for (int i = 0; i < study.Count; i++)
                    if (seen.Add(i)) yield return i;
            stride *= values.Count;
        }
    }

    /// <summary>Run <paramref name="index"/>: mixed-radix digits of the index, the last axis the least significant.</summary>
    public static StudyRun Run(StudyFile study, int index, bool commandHasOut)
    {
        if (index < 0 || index >= study.Count)
            throw new NeuromorphicException($"{study.Path}: index {index} out of range: the study has {study.Count} runs, 0..{study.Count - 1}");
        var point = new (string, string?)[study.Axes.Count];
        int rest = index;
        for (int k = study.Axes.Count - 1; k >= 0; k--)
        {
            var values = study.Axes[k].Values;
            point[k] = (study.Axes[k].Name, values[rest % values.Count]);
            rest /= values.Count;
        }
        var args = new List<string> { study.Command };
        string idx = index.ToString(System.Globalization.CultureInfo.InvariantCulture);
        args.AddRange(study.Arguments.Select(a => a.Replace(IndexPlaceholder, idx)));
        foreach (var (name, value) in study.Options.Concat(point)) AddOption(args, name, value?.Replace(IndexPlaceholder, idx));
        string? model = commandHasOut ? ModelPath(study, index) : null;
        if (model != null) { args.Add("--out"); args.Add(model); }
        args.Add("--json");
        return new StudyRun(index, point, args, model);
    }

    /// <summary>Replaced by the run's index in arguments and option values: `"csv": "out/{index}.csv"`.</summary>
    public const string IndexPlaceholder = "{index}";

    static void AddOption(List<string> args, string name, string? value)
    {
        if (value == null) return;          // a flag that is off
        args.Add("--" + name);
        if (value.Length > 0) args.Add(value);
    }

    /// <summary>Whether <paramref name="record"/> (OUT/I.json) is the record of <paramref name="run"/>: the same index
    /// and the same arguments. Any other (a record copied from another run, written for another plan or edited) is
    /// not used: the run counts as not done, and runs again.</summary>
    public static bool Matches(StudyResult record, StudyRun run) => record.Index == run.Index && record.Arguments.SequenceEqual(run.Arguments);

    /// <summary>OUT/I.json: the result record of run I.</summary>
    public static string ResultPath(StudyFile study, int index) => Path.Combine(study.OutDir, $"{index}.json");

    /// <summary>OUT/I.nmm (OUT/I + `output_suffix`): what run I writes with `--out`, for commands that have it.</summary>
    public static string ModelPath(StudyFile study, int index) => Path.Combine(study.OutDir, $"{index}{study.OutputSuffix}");

    /// <summary>OUT/I.log: the run's standard output and error.</summary>
    public static string LogPath(StudyFile study, int index) => Path.Combine(study.OutDir, $"{index}.log");

    /// <summary>A command line for people: arguments quoted where the shell needs it.</summary>
    public static string Format(IEnumerable<string> args) => string.Join(" ", args.Select(Quote));

    public static string Quote(string a) =>
        a.Length > 0 && a.All(ch => char.IsAsciiLetterOrDigit(ch) || "-_./=:,+@%".Contains(ch)) ? a : "'" + a.Replace("'", "'\\''") + "'";

    /// <summary>"0-3 5 7-9": indices as ranges.</summary>
    public static string Ranges(IReadOnlyList<int> sorted)
    {
        var parts = new List<string>();
        for (int k = 0; k < sorted.Count;)
        {
            int j = k;
            while (j + 1 < sorted.Count && sorted[j + 1] == sorted[j] + 1) j++;
            parts.Add(j == k ? $"{sorted[k]}" : $"{sorted[k]}-{sorted[j]}");
            k = j + 1;
        }
        return string.Join(" ", parts);
    }
}
