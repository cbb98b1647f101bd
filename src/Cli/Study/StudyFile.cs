using System.Text.Json;
using Neuromorphic.Simulator.Files;

namespace Neuromorphic.Cli.Study;

/// <summary>One axis of a study: an option of the base command and the values it takes, in file order.
/// A value is the option's text (`"784-200-10"`, `"0.5"`), or null for a flag that is off, or "" for a flag that is on.</summary>
public sealed record StudyAxis(string Name, IReadOnlyList<string?> Values);

/// <summary>A study: one base command of the `neuromorphic` CLI, options fixed for every run, and axes whose
/// cross product is the set of runs (docs/cluster.md). Run I's result is <c>OutDir/I.json</c>.</summary>
/// <param name="Path">the study file, absolute</param>
/// <param name="Name">`name` in the file, or the file name without its extension</param>
/// <param name="Command">the base command, e.g. `train`</param>
/// <param name="Arguments">positional arguments of the base command (e.g. the model file of `test`), before the options</param>
/// <param name="Options">fixed options in file order: name without dashes, value as for an axis</param>
/// <param name="Axes">axes in file order; the last varies fastest</param>
/// <param name="OutDir">the output folder, absolute (relative paths in the file are relative to the file's folder)</param>
/// <param name="Metrics">figures summarised by `merge`; empty: `test_error` when the runs report it, else every numeric figure</param>
/// <param name="GroupOver">the axis `merge` averages over (default `seed`)</param>
/// <param name="OutputSuffix">for commands with `--out`: run I writes OUT/I + this (default ".nmm", a model file; e.g. ".nir" for `export`)</param>
public sealed record StudyFile(string Path, string Name, string Command, IReadOnlyList<string> Arguments,
    IReadOnlyList<(string Name, string? Value)> Options, IReadOnlyList<StudyAxis> Axes, string OutDir,
    IReadOnlyList<string> Metrics, string GroupOver, string OutputSuffix = ".nmm")
{
    /// <summary>The folder of the study file: the working directory of every run.</summary>
    public string Folder => System.IO.Path.GetDirectoryName(Path)!;

    /// <summary>Number of runs: the product of the axes' lengths (1 with no axes), at most <see cref="MaxRuns"/>.</summary>
    public int Count => Axes.Aggregate(1, (n, a) => checked(n * a.Values.Count));

    /// <summary>The most runs a study may have: more is refused when the file is read (a typo such as a list of
    /// 10^9 seeds would otherwise be planned, listed and checked for minutes). Split a larger study into several.</summary>
    public const int MaxRuns = 100_000;

    /// <summary>The largest study file read (a study file is a few hundred bytes).</summary>
    public const int MaxFileBytes = 1 << 20;

    static readonly string[] Known = ["name", "command", "arguments", "options", "axes", "out", "metrics", "group_over", "output_suffix"];

    /// <summary>Reads and checks a study file. Errors name the file and the field.</summary>
    public static StudyFile Load(string path)
    {
        if (path.Any(char.IsControl)) throw new NeuromorphicException($"{path}: a study file's path cannot hold control characters");
        var full = System.IO.Path.GetFullPath(path);
        if (full.Any(char.IsControl)) throw new NeuromorphicException($"{full}: a study file's path cannot hold control characters (its runs' "
            + $"command lines and the sbatch script hold it)");
        if (!File.Exists(full)) throw new NeuromorphicException($"{path}: study file not found");
        string text = InputFile.ReadText(full, "study file", MaxFileBytes);
        JsonDocument doc;
        try { doc = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new NeuromorphicException($"{path}: not valid JSON ({e.Message.Split('\n')[0]})"); }
        using (doc) return Parse(path, full, doc.RootElement);
    }

    static StudyFile Parse(string path, string full, JsonElement root)
    {
        NeuromorphicException Error(string what) => new($"{path}: {what}");
        if (root.ValueKind != JsonValueKind.Object) throw Error("expected a JSON object with \"command\", \"options\", \"axes\" and \"out\"");
        foreach (var p in root.EnumerateObject())
            if (!Known.Contains(p.Name)) throw Error($"unknown field \"{p.Name}\" (expected one of {string.Join(", ", Known)})");
        string Str(string field, string? fallback)
        {
            if (!root.TryGetProperty(field, out var e)) return fallback ?? throw Error($"\"{field}\" is missing");
            return e.ValueKind == JsonValueKind.String && e.GetString()!.Trim().Length > 0 ? NoControl(e.GetString()!.Trim(), $"\"{field}\"")
                : throw Error($"\"{field}\" must be a non-empty string");
        }
        // Values reach child processes' command lines, file names and the sbatch script: a newline there could end a
        // line of the script and start a command of its own, a NUL cut a path.
        string NoControl(string value, string what) => value.Any(char.IsControl)
            ? throw Error($"{what}: '{value}' holds a control character (a newline, a tab, NUL, an escape); not allowed in a study")
            : value;
        string command = Str("command", null);
        if (command == "study") throw Error("\"command\": a study cannot run studies");
        string name = Str("name", System.IO.Path.GetFileNameWithoutExtension(full));
        string outDir = System.IO.Path.GetFullPath(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(full)!, Str("out", null)));
        var args = new List<string>();
        if (root.TryGetProperty("arguments", out var a))
        {
            if (a.ValueKind != JsonValueKind.Array) throw Error("\"arguments\" must be an array of strings");
            foreach (var x in a.EnumerateArray()) args.Add(x.ValueKind == JsonValueKind.String ? NoControl(x.GetString()!, "\"arguments\"")
                : throw Error("\"arguments\" must be an array of strings"));
        }
        var options = new List<(string, string?)>();
        if (root.TryGetProperty("options", out var o))
        {
            if (o.ValueKind != JsonValueKind.Object) throw Error("\"options\" must be an object of option name to value");
            foreach (var p in o.EnumerateObject())
            {
                var v = Value(path, $"option '{p.Name}'", p.Value);
                options.Add((OptionName(path, "option", p.Name), v == null ? null : NoControl(v, $"option '{p.Name}'")));
            }
        }
        var axes = new List<StudyAxis>();
        if (root.TryGetProperty("axes", out var ax))
        {
            if (ax.ValueKind != JsonValueKind.Object) throw Error("\"axes\" must be an object of option name to a list of values");
            foreach (var p in ax.EnumerateObject())
            {
                var n = OptionName(path, "axis", p.Name);
                if (p.Value.ValueKind != JsonValueKind.Array || p.Value.GetArrayLength() == 0) throw Error($"axis '{p.Name}': "
                    + $"expected a non-empty list of values");
                if (p.Value.GetArrayLength() > MaxRuns) throw Error($"axis '{p.Name}': {p.Value.GetArrayLength()} values; a study "
                    + $"holds at most {MaxRuns} runs");
                var values = p.Value.EnumerateArray().Select(v => Value(path, $"axis '{p.Name}'", v) is { } x
                    ? NoControl(x, $"axis '{p.Name}'") : null).ToList();
                if (values.Distinct().Count() != values.Count) throw Error($"axis '{p.Name}': a value is listed twice");
                axes.Add(new StudyAxis(n, values));
            }
        }
        foreach (var dup in axes.Select(x => x.Name).Concat(options.Select(x => x.Item1)).GroupBy(x => x).Where(g => g.Count() > 1))
            throw Error($"axis '{dup.Key}': also given as a fixed option or axis");
        foreach (var reserved in new[] { "out", "json" })
            if (axes.Any(x => x.Name == reserved) || options.Any(x => x.Item1 == reserved))
                throw Error($"axis or option '{reserved}': set by the study itself (each run gets --json and, where the "
                    + $"command has it, --out OUT/I.nmm)");
        var metrics = new List<string>();
        if (root.TryGetProperty("metrics", out var m))
        {
            if (m.ValueKind != JsonValueKind.Array) throw Error("\"metrics\" must be an array of figure names");
            foreach (var x in m.EnumerateArray()) metrics.Add(x.ValueKind == JsonValueKind.String ? NoControl(x.GetString()!, "\"metrics\"")
                : throw Error("\"metrics\" must be an array of figure names"));
        }
        string suffix = ".nmm";
        if (root.TryGetProperty("output_suffix", out var sfx))
            suffix = sfx.ValueKind == JsonValueKind.String && !sfx.GetString()!.Any(ch => ch is '/' or '\\'
                || char.IsWhiteSpace(ch) || char.IsControl(ch))
                ? sfx.GetString()! : throw Error("\"output_suffix\" must be a string without spaces or slashes, e.g. \".nir\"");
        long runs = 1;
        foreach (var axis in axes)
            if ((runs *= axis.Values.Count) > MaxRuns)
                throw Error($"the axes' cross product has more than {MaxRuns} runs ({string.Join(" x ", axes.Select(x => x.Values.Count))}); "
                    + $"split the study into several");
        return new StudyFile(full, name, command, args, options, axes, outDir, metrics, Str("group_over", "seed"), suffix);
    }

    static string OptionName(string path, string kind, string name)
    {
        var n = name.StartsWith("--", StringComparison.Ordinal) ? name[2..] : name;
        if (n.Length == 0 || n.Any(ch => !(char.IsAsciiLetterOrDigit(ch) || ch == '-')))
            throw new NeuromorphicException($"{path}: {kind} '{name}': not an option name (letters, digits and '-', e.g. "
                + $"\"seed\" or \"weight-bits\")");
        return n;
    }

    /// <summary>A JSON value as option text: strings as they are, numbers as written, true as a flag that is on, false and null as off.</summary>
    static string? Value(string path, string what, JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => v.GetString(),
        JsonValueKind.Number => v.GetRawText(),
        JsonValueKind.True => "",
        JsonValueKind.False or JsonValueKind.Null => null,
        _ => throw new NeuromorphicException($"{path}: {what}: values must be strings, numbers or booleans, got "
            + $"{v.ValueKind.ToString().ToLowerInvariant()}"),
    };
}
