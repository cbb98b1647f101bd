namespace Neuromorphic.Simulator.Export;

/// <summary>One format of <c>export --format</c>: what its files can hold and how they are written. A new format is a
/// class implementing this, in its own file, and one line in <see cref="ExportFormats.All"/>; the command's help, its
/// refusals and their messages follow from these properties.</summary>
public interface IExportFormat
{
    /// <summary>The name <c>--format</c> takes (lower case).</summary>
    string Name { get; }
    /// <summary>What the format is called outside this program (MessagePack, NIR, CSV, NumPy).</summary>
    string Title { get; }
    /// <summary>Whether <c>--out</c> names a folder (one file per table) rather than one file.</summary>
    bool WritesFolder { get; }
    /// <summary>Whether the files have a place for bias currents (imported NIR Affine biases).</summary>
    bool HoldsBiasCurrents { get; }
    /// <summary>Whether the files carry a chip profile's integers (mantissas, scale) beside the weights.</summary>
    bool HoldsIntegerWeights { get; }
    /// <summary>Why the format cannot hold a synaptic sampling machine; null when it can.</summary>
    string? S2mRefusal { get; }
    /// <summary>What the format's readers do with tables of stochastic synapses (transmission probability
    /// <paramref name="p"/>), when they cannot draw them; null when the files store p beside each table.</summary>
    string? StochasticSynapsesNote(double p);
    /// <summary>Writes a feed-forward network; <paramref name="source"/> names the model file it came from.</summary>
    void Write(string path, ExportedNetwork net, string source);
    void Write(string path, ExportedS2m s2m);
}

/// <summary>The export formats, in the order <c>export --format</c> lists them, and the checks every export makes
/// against them before anything is written.</summary>
public static class ExportFormats
{
    public static readonly IExportFormat[] All = [new MsgpackFormat(), new NirFormat(), new CsvFormat(), new NpyFormat(), new NpzFormat()];

    public static IReadOnlyList<string> Names => All.Select(f => f.Name).ToArray();

    /// <summary>The format named by <c>--format</c> (case and surrounding blanks ignored).</summary>
    public static IExportFormat Parse(string? text)
    {
        string name = (text ?? "").Trim().ToLowerInvariant();
        return All.FirstOrDefault(f => f.Name == name)
            ?? throw new NeuromorphicException($"--format '{Text.Escape(text)}': expected one of {string.Join(", ", Names)}");
    }

    /// <summary><c>--format</c>'s help: "msgpack | nir | csv (a folder) | ...; an S2M: all but nir".</summary>
    public static string Help => string.Join(" | ", All.Select(f => f.Name + (f.WritesFolder ? " (a folder)" : "")))
        + (All.Any(f => f.S2mRefusal != null) ? $"; an S2M: all but {Or(All.Where(f => f.S2mRefusal != null))}" : "");

    /// <summary><c>--out</c>'s help: which formats write a file, which a folder.</summary>
    public static string OutHelp => $"file ({string.Join(", ", All.Where(f => !f.WritesFolder).Select(f => f.Name))}) or folder "
        + $"({string.Join(", ", All.Where(f => f.WritesFolder).Select(f => f.Name))}) to write";

    /// <summary>The formats' own names, each once: "MessagePack, NIR, CSV, NumPy".</summary>
    public static string Titles => string.Join(", ", All.Select(f => f.Title).Distinct());

    /// <summary>The formats that hold bias currents, as a message offers them ("nir").</summary>
    public static string BiasFormats => Or(All.Where(f => f.HoldsBiasCurrents));

    /// <summary>Why <paramref name="format"/> cannot hold a network of <paramref name="family"/> (null: it can).</summary>
    public static string? Refusal(IExportFormat format, Engine.ModelFamily family) =>
        family == Engine.ModelFamily.SynapticSampling && format.S2mRefusal is { } why
            ? $"{why}; export an S2M as {Or(All.Where(f => f.S2mRefusal == null))}"
            : null;

    /// <summary>Why <paramref name="format"/> cannot hold <paramref name="net"/> (bias currents, a chip's integers); null: it can.</summary>
    public static string? Refusal(IExportFormat format, ExportedNetwork net) =>
        (format.HoldsBiasCurrents ? null : net.BiasRefusal(format.Name)) ?? IntegerRefusal(format, net.Chip);

    public static string? Refusal(IExportFormat format, ExportedS2m s2m) => Refusal(format, Engine.ModelFamily.SynapticSampling) is { } why
        ? $"--format {format.Name}: {why}"
        : IntegerRefusal(format, s2m.Chip);

    static string? IntegerRefusal(IExportFormat format, string chip) => format.HoldsIntegerWeights || chip == "float"
        ? null
        : $"--chip {chip}: {format.Name} files hold float weights only; export with --chip float, or as {Or(All.Where(f => f.HoldsIntegerWeights))}";

    /// <summary>"a", "a or b", "a, b or c".</summary>
    static string Or(IEnumerable<IExportFormat> formats)
    {
        var names = formats.Select(f => f.Name).ToArray();
        return names.Length <= 1 ? string.Join("", names) : $"{string.Join(", ", names[..^1])} or {names[^1]}";
    }
}
