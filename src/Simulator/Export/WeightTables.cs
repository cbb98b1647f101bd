using MessagePack;
using Neuromorphic.Simulator.Files;

namespace Neuromorphic.Simulator.Export;

/// <summary>The weight-table file (MessagePack, a map with the field names below; docs/formats.md is the schema).
/// String keys so that any MessagePack library reads it as a plain dictionary, without this project.</summary>
[MessagePackObject]
public sealed class WeightTableFile
{
    public const string Magic = "neuromorphic-weight-tables";
    public const int CurrentVersion = 1;

    [Key("format")] public string Format { get; set; } = Magic;
    [Key("version")] public int Version { get; set; } = CurrentVersion;
    [Key("chip")] public string Chip { get; set; } = "float";
    [Key("layers")] public int[] Layers { get; set; } = [];
    [Key("dt_ms")] public double DtMs { get; set; }
    [Key("neurons")] public NeuronTable[] Neurons { get; set; } = [];
    [Key("projections")] public WeightTable[] Projections { get; set; } = [];
    [Key("created_by")] public string CreatedBy { get; set; } = "neuromorphic";
}

/// <summary>One layer's neuron parameters (uniform over the layer).</summary>
[MessagePackObject]
public sealed class NeuronTable
{
    [Key("name")] public string Name { get; set; } = "";
    [Key("population")] public string Population { get; set; } = "";
    [Key("size")] public int Size { get; set; }
    [Key("tau_mem_ms")] public double TauMembraneMs { get; set; }
    [Key("tau_syn_ms")] public double TauSynapseMs { get; set; }
    [Key("v_threshold_mv")] public double ThresholdMv { get; set; }
    [Key("v_reset_mv")] public double ResetMv { get; set; }
    [Key("refractory_ms")] public double RefractoryMs { get; set; }
}

/// <summary>One projection: float32 weights row-major [pre][post] in mV; with a chip profile also the integers.</summary>
[MessagePackObject]
public sealed class WeightTable
{
    [Key("name")] public string Name { get; set; } = "";
    [Key("source")] public string Source { get; set; } = "";
    [Key("target")] public string Target { get; set; } = "";
    [Key("rows")] public int Rows { get; set; }
    [Key("columns")] public int Columns { get; set; }
    [Key("weights")] public float[] Weights { get; set; } = [];
    [Key("mantissas")] public int[]? Mantissas { get; set; }
    [Key("scale_mv")] public double Scale { get; set; }
    [Key("bits")] public int Bits { get; set; }
    [Key("min_code")] public int MinCode { get; set; }
    [Key("max_code")] public int MaxCode { get; set; }
    [Key("weight_exp")] public int? WeightExponent { get; set; }
    [Key("shift")] public int? Shift { get; set; }
    [Key("sign_mode")] public int? SignMode { get; set; }
    [Key("max_rounding_error_mv")] public double MaxRoundingErrorMv { get; set; }
    [Key("saturated")] public int Saturated { get; set; }
    [Key("zeroed")] public int Zeroed { get; set; }
}

/// <summary>Writes and reads <see cref="WeightTableFile"/>; reading uses MessagePack's untrusted-data security and
/// checks every shape before the data is used.</summary>
public static class WeightTables
{
    static readonly MessagePackSerializerOptions Options =
        MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);
    /// <summary>Largest file read (a 100M-weight table is 500 MB).</summary>
    public const long MaxFileBytes = 1L << 30;

    public static void Write(string path, ExportedNetwork net)
    {
        var file = new WeightTableFile
        {
            Chip = net.Chip, Layers = net.Layers, DtMs = net.DtMs,
            Neurons = net.Neurons.Select(n => new NeuronTable
            {
                Name = n.Name, Population = n.Population, Size = n.Size, TauMembraneMs = n.TauMembraneMs, TauSynapseMs = n.TauSynapseMs,
                ThresholdMv = n.ThresholdMv, ResetMv = n.ResetMv, RefractoryMs = n.RefractoryMs,
            }).ToArray(),
            Projections = net.Projections.Select(p => new WeightTable
            {
                Name = p.Name, Source = p.Source, Target = p.Target, Rows = p.Rows, Columns = p.Columns, Weights = p.Weights,
                Mantissas = p.Integer?.Mantissas, Scale = p.Integer?.Scale ?? 1.0, Bits = p.Integer?.Bits ?? 32,
                MinCode = p.Integer?.MinCode ?? 0, MaxCode = p.Integer?.MaxCode ?? 0,
                WeightExponent = p.Integer?.WeightExponent, Shift = p.Integer?.Shift, SignMode = (int?)p.Integer?.SignMode,
                MaxRoundingErrorMv = p.Integer?.MaxRoundingErrorMv ?? 0, Saturated = p.Integer?.Saturated ?? 0, Zeroed = p.Integer?.Zeroed ?? 0,
            }).ToArray(),
        };
        AtomicFile.Write(path, tmp =>
        {
            using var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write);
            MessagePackSerializer.Serialize(fs, file, Options);
            fs.Flush(flushToDisk: true);
        });
    }

    public static ExportedNetwork Read(string path)
    {
        long length = Files.InputFile.Require(path, "weight-table file");
        if (length > MaxFileBytes) throw new NeuromorphicException($"{path}: {length} bytes, more than the {MaxFileBytes} a weight-table file may have");
        WeightTableFile f;
        try { f = MessagePackSerializer.Deserialize<WeightTableFile>(File.ReadAllBytes(path), Options); }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException or InvalidOperationException or OverflowException or FormatException)
        {
            throw new NeuromorphicException($"{path}: corrupt or truncated weight-table file ({(e.InnerException ?? e).Message.Split('\n')[0]})");
        }
        if (f == null || f.Format != WeightTableFile.Magic) throw new NeuromorphicException($"{path}: not a weight-table file (format '{Text.Escape(f?.Format)}', expected '{WeightTableFile.Magic}')");
        if (f.Version != WeightTableFile.CurrentVersion) throw new NeuromorphicException($"{path}: weight-table version {f.Version}, this build reads version {WeightTableFile.CurrentVersion}");
        if (f.Layers == null || f.Neurons == null || f.Projections == null || f.Projections.Any(p => p == null || p.Weights == null) || f.Neurons.Any(n => n == null))
            throw new NeuromorphicException($"{path}: weight-table file lacks layers, neurons or projections");
        string chip;
        try { chip = ChipProfiles.Parse(f.Chip); }
        catch (NeuromorphicException) { throw new NeuromorphicException($"{path}: field chip = '{Text.Escape(f.Chip)}', expected one of {string.Join(", ", ChipProfiles.Names)}"); }
        var net = new ExportedNetwork(chip, f.Layers, f.DtMs,
            f.Neurons.Select(n => new NeuronLayer(n.Name, n.Population, n.Size, n.TauMembraneMs, n.TauSynapseMs, n.ThresholdMv, n.ResetMv, n.RefractoryMs)).ToArray(),
            f.Projections.Select(p => new ExportedProjection(p.Name, p.Source, p.Target, p.Rows, p.Columns, p.Weights,
                p.Mantissas == null ? null : new IntegerWeights(chip, p.Bits, p.Mantissas, p.Scale, p.MinCode, p.MaxCode, p.WeightExponent, p.Shift,
                    p.SignMode is { } s ? (SignMode)s : null, p.MaxRoundingErrorMv, p.Saturated, p.Zeroed))).ToArray(), "");
        if (chip != "float" && net.Projections.Any(p => p.Integer == null)) throw new NeuromorphicException($"{path}: chip '{chip}' but a projection has no mantissas");
        net.Validate(path);
        return net;
    }
}
