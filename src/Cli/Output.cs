using System.Text.Json;
using Spectre.Console;
using Text = Neuromorphic.Simulator.Text;

namespace Neuromorphic.Cli;

/// <summary>Console output: tables for people, one JSON object as the last line for scripts (with --json the only
/// thing on stdout), progress on stderr.</summary>
public static class Output
{
    static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = false };

    public static void Json(IDictionary<string, object?> figures) => Console.Out.WriteLine(JsonSerializer.Serialize(figures, JsonOptions));

    /// <summary>True while a command runs with --json (<see cref="CliCommon.Invoke"/>): then standard output holds only
    /// the JSON object (`| jq` works), and tables and lines for people go to standard error.</summary>
    public static bool JsonOnStdout => CommandLine.JsonOnStdout;

    /// <summary>Where text for people goes: stdout, or stderr under --json.</summary>
    public static TextWriter Human => JsonOnStdout ? Console.Error : Console.Out;

    /// <summary>Writes a Spectre table (or other renderable) for people to <see cref="Human"/> as it is now (not the
    /// console Spectre captured at start, so that callers that redirect it get it).</summary>
    public static void Write(Spectre.Console.Rendering.IRenderable r) =>
        AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Human) }).Write(r);

    public static void Table(string title, IEnumerable<(string Key, string Value)> rows)
    {
        var t = new Table().Border(TableBorder.Rounded).Title(title);
        t.AddColumn("figure"); t.AddColumn(new TableColumn("value").RightAligned());
        foreach (var (k, v) in rows) t.AddRow(Markup.Escape(Text.Escape(k, Text.MaxLine)), Markup.Escape(Text.Escape(v, Text.MaxLine)));
        Write(t);
    }

    /// <summary>One line for people; anything a file put into it is escaped (<see cref="Text.Escape"/>).</summary>
    /// <summary>A figures table for people: keys as words (<c>samples_per_s</c> becomes "samples/s"), numbers with
    /// thousands separators and at most four significant digits below 1000.</summary>
    public static void Figures(string title, IEnumerable<KeyValuePair<string, object?>> figures)
        => Table(title, figures.Where(kv => kv.Value != null).Select(kv => (Words(kv.Key), Number(kv.Value))));

    public static string Words(string key)
        => System.Text.RegularExpressions.Regex.Replace(key, "_per_s$", "/s").Replace("_mib", " (MiB)").Replace("_gb/s", " (GB/s)").Replace('_', ' ');

    public static string Number(object? v)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        return v switch
        {
            double d when Math.Abs(d) >= 1000 => d.ToString("N0", inv),
            double d => d.ToString("G4", inv),
            int or long => Convert.ToInt64(v, inv).ToString("N0", inv),
            _ => Convert.ToString(v, inv) ?? "",
        };
    }

    public static void Line(string text) => Human.WriteLine(Text.Escape(text, int.MaxValue));
}

/// <summary>A progress line on stderr: samples/s, running accuracy and ETA. During training the accuracy is
/// that of the samples being learnt (the label drives learning within the sample, so it runs above test accuracy). Redrawn in place on a terminal,
/// printed every few seconds otherwise (logs stay readable).</summary>
public sealed class ProgressLine(string label, int total, bool accuracy = true)
{
    readonly System.Diagnostics.Stopwatch _watch = System.Diagnostics.Stopwatch.StartNew();
    double _lastPrint = -1e9;
    readonly bool _interactive = !Console.IsErrorRedirected;
    bool _estimated;
    // A resumed epoch starts part way: the rate counts the samples done since the bar began (it showed 10x the true rate).
    int _doneAtFirst = -1;

    /// <summary>For a heavy default: once the rate is measured, one line with the estimated time of <see cref="Phases"/>
    /// phases like this one, then this note (the option that shortens it).</summary>
    public string? EstimateNote { get; init; }
    public int Phases { get; init; } = 1;

    public void Report(int done, int seen, int correct, bool force = false)
    {
        double t = _watch.Elapsed.TotalSeconds;
        if (_doneAtFirst < 0) _doneAtFirst = Math.Max(0, done - 1);
        if (!force && t - _lastPrint < (_interactive ? 0.25 : 10)) return;
        _lastPrint = t;
        // No rate before half a second: the first call comes after a few samples in microseconds (it showed 1111111.1/s).
        bool measured = t >= 0.5 && done > _doneAtFirst;
        double rate = measured ? (done - _doneAtFirst) / t : 0;
        double eta = rate > 0 ? (total - done) / rate : 0;
        if (measured && rate > 0 && EstimateNote != null && !_estimated && done < total)
        {
            _estimated = true;
            var all = TimeSpan.FromSeconds(total / rate * Phases);
            Console.Error.WriteLine($"{(_interactive ? "\n" : "")}estimate: about {(int)all.TotalHours:00}:{all.Minutes:00}:{all.Seconds:00} for "
                + $"{(Phases > 1 ? $"{Phases} x " : "")}{total:N0} samples at {rate:F1} samples/s; {EstimateNote}");
        }
        int width = 24, filled = total == 0 ? width : (int)(width * (double)done / total);
        string bar = new string('#', filled) + new string('.', width - filled);
        string acc = !accuracy ? "" : seen > 0 ? $"  acc {100.0 * correct / seen,5:F1}%" : "  acc   -  ";
        string line = $"{label} [{bar}] {done}/{total}  {(measured ? rate.ToString("F1").PadLeft(7) : "      -")} samples/s{acc}  ETA "
            + $"{(measured ? TimeSpan.FromSeconds(eta).ToString("hh\\:mm\\:ss") : "--:--:--")}";
        if (_interactive) Console.Error.Write("\r" + line + (force ? "\n" : ""));
        else Console.Error.WriteLine(line);
    }
}
