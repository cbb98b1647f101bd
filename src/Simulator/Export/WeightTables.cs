using MessagePack;
using Neuromorphic.Simulator.Files;

namespace Neuromorphic.Simulator.Export;

/// <summary>The weight-table file (MessagePack, a map with the field names below; docs/formats.md is the schema).
/// String keys so that any MessagePack library reads it as a plain dictionary, without this project.</summary>
[MessagePackObject]
public sealed class WeightTableFile
{
    public const string Magic = "neuromorphic-weight-tables";
    /// <summary>Version 2: the family, blank-out fields and the refractory period as the dead time (version 1 stated our hold).</summary>
    public const int CurrentVersion = 2;

    [Key("format")] public string Format { get; set; } = Magic;
    [Key("version")] public int Version { get; set; } = CurrentVersion;
    /// <summary>feed-forward or synaptic-sampling (<see cref="Engine.ModelFamilies.Name"/>); nil in version 1 (feed-forward).</summary>
    [Key("family")] public string? Family { get; set; }
    [Key("chip")] public string Chip { get; set; } = "float";
    /// <summary>stochastic, expected or deterministic (<see cref="SynapseModes"/>); nil in version 1.</summary>
    [Key("synapses")] public string? Synapses { get; set; }
    /// <summary>The blank-out p the model was trained with (1: none); nil in version 1.</summary>
    [Key("trained_transmission_probability")] public double? TrainedTransmissionProbability { get; set; }
    [Key("layers")] public int[] Layers { get; set; } = [];
    [Key("dt_ms")] public double DtMs { get; set; }
    [Key("neurons")] public NeuronTable[] Neurons { get; set; } = [];
    [Key("projections")] public WeightTable[] Projections { get; set; } = [];
    [Key("created_by")] public string CreatedBy { get; set; } = "neuromorphic";
    /// <summary>The S2M's layout (synaptic-sampling only).</summary>
    [Key("s2m")] public S2mTable? S2m { get; set; }
}

/// <summary>Where each unit of an S2M's one matrix lies (docs/formats.md).</summary>
[MessagePackObject]
public sealed class S2mTable
{
    [Key("pixels")] public int Pixels { get; set; }
    [Key("classes")] public int Classes { get; set; }
    [Key("label_units_per_class")] public int LabelUnitsPerClass { get; set; }
    [Key("hidden")] public int Hidden { get; set; }
    [Key("label_start")] public int LabelStart { get; set; }
    [Key("visible_bias_row")] public int VisibleBiasRow { get; set; }
    [Key("hidden_bias_column")] public int HiddenBiasColumn { get; set; }
    [Key("bias_rate_hz")] public double BiasRateHz { get; set; }
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
    /// <summary>The dead time: the shortest interval between two spikes (<see cref="Refractory"/>).</summary>
    [Key("refractory_period_ms")] public double? RefractoryPeriodMs { get; set; }
    /// <summary>Version 1 only: our hold after the spike's step (one step less than the dead time); nil from version 2.</summary>
    [Key("refractory_ms")] public double? RefractoryMs { get; set; }
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
    /// <summary>Probability that a presynaptic spike reaches each synapse when the table is run as written; nil in version 1 (1).</summary>
    [Key("transmission_probability")] public double? TransmissionProbability { get; set; }
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
        net.RefuseBias("msgpack");
        Save(path, new WeightTableFile
        {
            Family = Engine.ModelFamilies.Name(Engine.ModelFamily.FeedForward), Chip = net.Chip, Layers = net.Layers, DtMs = net.DtMs,
            Synapses = net.Synapses, TrainedTransmissionProbability = net.TrainedTransmissionProbability,
            Neurons = net.Neurons.Select(n => Table(n, net.DtMs)).ToArray(),
            Projections = net.Projections.Select(Table).ToArray(),
        });
    }

    public static void Write(string path, ExportedS2m s2m)
    {
        var l = s2m.Layout;
        Save(path, new WeightTableFile
        {
            Family = Engine.ModelFamilies.Name(Engine.ModelFamily.SynapticSampling), Chip = s2m.Chip, Layers = s2m.Layers, DtMs = s2m.DtMs,
            Synapses = s2m.Synapses, TrainedTransmissionProbability = s2m.TrainedTransmissionProbability,
            Neurons = [Table(s2m.Sampler, s2m.DtMs)], Projections = [Table(s2m.Matrix)],
            S2m = new S2mTable
            {
                Pixels = l.Pixels, Classes = l.Classes, LabelUnitsPerClass = l.LabelUnits, Hidden = l.Hidden, LabelStart = l.LabelStart,
                VisibleBiasRow = l.VisibleBias, HiddenBiasColumn = l.HiddenBias, BiasRateHz = s2m.BiasRateHz,
            },
        });
    }

    static NeuronTable Table(NeuronLayer n, double dtMs) => new()
    {
        Name = n.Name, Population = n.Population, Size = n.Size, TauMembraneMs = n.TauMembraneMs, TauSynapseMs = n.TauSynapseMs,
        ThresholdMv = n.ThresholdMv, ResetMv = n.ResetMv, RefractoryPeriodMs = Refractory.DeadTimeMs(n.RefractoryMs, dtMs),
    };

    static WeightTable Table(ExportedProjection p) => new()
    {
        Name = p.Name, Source = p.Source, Target = p.Target, Rows = p.Rows, Columns = p.Columns, Weights = p.Weights,
        Mantissas = p.Integer?.Mantissas, Scale = p.Integer?.Scale ?? 1.0, Bits = p.Integer?.Bits ?? 32,
        MinCode = p.Integer?.MinCode ?? 0, MaxCode = p.Integer?.MaxCode ?? 0,
        WeightExponent = p.Integer?.WeightExponent, Shift = p.Integer?.Shift, SignMode = (int?)p.Integer?.SignMode,
        MaxRoundingErrorMv = p.Integer?.MaxRoundingErrorMv ?? 0, Saturated = p.Integer?.Saturated ?? 0, Zeroed = p.Integer?.Zeroed ?? 0,
        TransmissionProbability = p.TransmissionProbability,
    };

    static void Save(string path, WeightTableFile file) => AtomicFile.Write(path, tmp =>
    {
        using var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write);
        MessagePackSerializer.Serialize(fs, file, Options);
        fs.Flush(flushToDisk: true);
    });

    /// <summary>The family a weight-table file holds (checked: format, version, family name).</summary>
    public static Engine.ModelFamily Family(string path) => FamilyOf(Load(path), path);

    /// <summary>A feed-forward network's tables; an S2M's file is refused with a line naming <see cref="ReadS2m"/>.</summary>
    public static ExportedNetwork Read(string path)
    {
        var f = Load(path);
        if (FamilyOf(f, path) != Engine.ModelFamily.FeedForward)
            throw new NeuromorphicException($"{path}: the file holds a synaptic sampling machine (family synaptic-sampling), not a feed-forward "
                + $"network; WeightTables.ReadS2m reads it");
        if (f.Layers == null || f.Neurons == null || f.Projections == null || f.Projections.Any(p => p == null || p.Weights == null)
            || f.Neurons.Any(n => n == null))
            throw new NeuromorphicException($"{path}: weight-table file lacks layers, neurons or projections");
        string chip = Chip(f, path);
        var net = new ExportedNetwork(chip, f.Layers, f.DtMs, f.Neurons.Select(n => Neurons(n, f, path)).ToArray(),
            f.Projections.Select(p => Projection(p, chip)).ToArray(), "",
            SynapseModes.Read(f.Synapses, path), f.TrainedTransmissionProbability ?? 1.0);
        if (chip != "float" && net.Projections.Any(p => p.Integer == null)) throw new NeuromorphicException($"{path}: chip '{chip}' but a "
            + $"projection has no mantissas");
        net.Validate(path);
        return net;
    }

    /// <summary>An S2M's tables; a feed-forward network's file is refused.</summary>
    public static ExportedS2m ReadS2m(string path)
    {
        var f = Load(path);
        if (FamilyOf(f, path) != Engine.ModelFamily.SynapticSampling)
            throw new NeuromorphicException($"{path}: the file holds a feed-forward network, not a synaptic sampling "
                + $"machine; WeightTables.Read reads it");
        if (f.S2m is not { } t || f.Neurons is not [{ } n] || f.Projections is not [{ Weights: not null } p])
            throw new NeuromorphicException($"{path}: an S2M weight-table file needs the s2m layout, one neuron table and one projection");
        string chip = Chip(f, path);
        var s2m = new ExportedS2m(chip, f.DtMs, t.Pixels, t.Classes, t.LabelUnitsPerClass, t.Hidden, Neurons(n, f, path),
            t.BiasRateHz, Projection(p, chip),
            SynapseModes.Read(f.Synapses, path), f.TrainedTransmissionProbability ?? 1.0, "");
        if (chip != "float" && s2m.Matrix.Integer == null) throw new NeuromorphicException($"{path}: chip '{chip}' but the matrix has no mantissas");
        var l = s2m.Layout;
        if (t.LabelStart != l.LabelStart || t.VisibleBiasRow != l.VisibleBias || t.HiddenBiasColumn != l.HiddenBias)
            throw new NeuromorphicException($"{path}: s2m layout label_start {t.LabelStart}, visible_bias_row {t.VisibleBiasRow}, "
                + $"hidden_bias_column {t.HiddenBiasColumn} do not follow from its sizes ({l.LabelStart}, {l.VisibleBias}, {l.HiddenBias})");
        s2m.Validate(path);
        return s2m;
    }

    static WeightTableFile Load(string path)
    {
        long length = Files.InputFile.Require(path, "weight-table file");
        if (length > MaxFileBytes) throw new NeuromorphicException($"{path}: {length} bytes, more than the {MaxFileBytes} "
            + $"a weight-table file may have");
        WeightTableFile f;
        try { f = MessagePackSerializer.Deserialize<WeightTableFile>(File.ReadAllBytes(path), Options); }
        catch (Exception e) when (e is MessagePackSerializationException or EndOfStreamException or InvalidOperationException
            or OverflowException or FormatException)
        {
            throw new NeuromorphicException($"{path}: corrupt or truncated weight-table file ({(e.InnerException ?? e).Message.Split('\n')[0]})");
        }
        if (f == null || f.Format != WeightTableFile.Magic) throw new NeuromorphicException($"{path}: not a weight-table file (format "
            + $"'{Text.Escape(f?.Format)}', expected '{WeightTableFile.Magic}')");
        if (f.Version is < 1 or > WeightTableFile.CurrentVersion) throw new NeuromorphicException($"{path}: weight-table version {f.Version}, this "
            + $"build reads versions 1 to {WeightTableFile.CurrentVersion}");
        return f;
    }

    static Engine.ModelFamily FamilyOf(WeightTableFile f, string path) => f.Family == null ? Engine.ModelFamily.FeedForward
        : Engine.ModelFamilies.Parse(f.Family, path);

    static string Chip(WeightTableFile f, string path)
    {
        try { return ChipProfiles.Parse(f.Chip); }
        catch (NeuromorphicException)
        {
            throw new NeuromorphicException($"{path}: field chip = '{Text.Escape(f.Chip)}', expected one of "
            + $"{string.Join(", ", ChipProfiles.Names)}");
        }
    }

    /// <summary>Version 2 states the dead time, version 1 our hold.</summary>
    static NeuronLayer Neurons(NeuronTable n, WeightTableFile f, string path)
    {
        double hold = f.Version >= 2
            ? Refractory.HoldMs(n.RefractoryPeriodMs ?? throw new NeuromorphicException($"{path}: neuron layer '{Text.Escape(n.Name)}' lacks "
                + $"refractory_period_ms"), f.DtMs)
            : n.RefractoryMs ?? 0;
        if (f.Version >= 2 && !(n.RefractoryPeriodMs >= 0)) throw new NeuromorphicException($"{path}: neuron layer '{Text.Escape(n.Name)}' field "
            + $"refractory_period_ms = {n.RefractoryPeriodMs}, expected >= 0");
        return new NeuronLayer(n.Name, n.Population, n.Size, n.TauMembraneMs, n.TauSynapseMs, n.ThresholdMv, n.ResetMv, hold);
    }

    static ExportedProjection Projection(WeightTable p, string chip) => new(p.Name, p.Source, p.Target, p.Rows, p.Columns, p.Weights,
        p.Mantissas == null ? null : new IntegerWeights(chip, p.Bits, p.Mantissas, p.Scale, p.MinCode, p.MaxCode, p.WeightExponent, p.Shift,
            p.SignMode is { } s ? (SignMode)s : null, p.MaxRoundingErrorMv, p.Saturated, p.Zeroed), p.TransmissionProbability ?? 1.0);
}
