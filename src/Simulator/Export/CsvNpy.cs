using System.Globalization;
using System.IO.Compression;
using System.Text;
using Neuromorphic.Simulator.Files;

namespace Neuromorphic.Simulator.Export;

/// <summary>A NumPy array as read from or written to a .npy file: shape and values (float64 holds every numeric dtype we
/// use exactly); a unicode array (<c>&lt;U</c>n) holds its text in <see cref="Strings"/> instead.</summary>
public sealed record NpyArray(string Descr, long[] Shape, double[] Values, string[]? Strings = null)
{
    /// <summary>A 0-d unicode array, as <c>numpy.array("text")</c>.</summary>
    public static NpyArray Text(string text) => new($"<U{Math.Max(1, text.Length)}", [], [], [text]);
}

/// <summary>
/// Plain tables: CSV (a folder of files for spreadsheets) and NumPy (.npz, one file; or a folder of .npy files).
/// Array names and layouts are those of docs/formats.md: fc{l}_weight float32 [pre][post] in mV, fc{l}_mantissa
/// (int16 for loihi and spinnaker, int8 for int8 and int4) and fc{l}_scale_mv, lif{l}_* scalars, layers, dt_ms.
/// </summary>
public static class CsvNpy
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    static readonly string[] NeuronFields = ["tau_mem_ms", "tau_syn_ms", "v_threshold_mv", "v_reset_mv", "refractory_period_ms"];
    /// <summary>Version 2 (the array <c>format_version</c>): the family, blank-out arrays and the refractory period as the
    /// dead time; files without it are version 1 (<c>lif{l}_refractory_ms</c>, our hold).</summary>
    public const int FormatVersion = 2;
    /// <summary>The name of an S2M's one matrix (<c>visible_hidden_weight</c> ...).</summary>
    public const string S2mMatrix = "visible_hidden";

    // ---------- NumPy ----------

    /// <summary>The arrays of an exported network, in file order.</summary>
    public static List<(string Name, NpyArray Array)> Arrays(ExportedNetwork net)
    {
        var list = Header(Engine.ModelFamily.FeedForward, net.Layers, net.DtMs, net.Synapses, net.TrainedTransmissionProbability);
        foreach (var p in net.Projections) AddProjection(list, p);
        foreach (var n in net.Neurons) AddNeurons(list, n, net.DtMs);
        return list;
    }

    /// <summary>The arrays of an exported S2M, in file order.</summary>
    public static List<(string Name, NpyArray Array)> Arrays(ExportedS2m s2m)
    {
        var list = Header(Engine.ModelFamily.SynapticSampling, s2m.Layers, s2m.DtMs, s2m.Synapses, s2m.TrainedTransmissionProbability);
        var l = s2m.Layout;
        foreach (var (name, v) in new[] { ("pixels", l.Pixels), ("classes", l.Classes), ("label_units_per_class", l.LabelUnits), ("hidden", l.Hidden),
            ("label_start", l.LabelStart), ("visible_bias_row", l.VisibleBias), ("hidden_bias_column", l.HiddenBias) })
            list.Add((name, new("<i8", [], [v])));
        list.Add(("bias_rate_hz", new("<f8", [], [s2m.BiasRateHz])));
        AddProjection(list, s2m.Matrix);
        AddNeurons(list, s2m.Sampler, s2m.DtMs);
        return list;
    }

    static List<(string, NpyArray)> Header(Engine.ModelFamily family, int[] layers, double dtMs, string synapses, double trainedP) =>
    [
        ("format_version", new("<i8", [], [FormatVersion])),
        ("family", NpyArray.Text(Engine.ModelFamilies.Name(family))),
        ("layers", new("<i8", [layers.Length], layers.Select(x => (double)x).ToArray())),
        ("dt_ms", new("<f8", [], [dtMs])),
        ("synapses", NpyArray.Text(synapses)),
        ("trained_transmission_probability", new("<f8", [], [trainedP])),
    ];

    static void AddProjection(List<(string, NpyArray)> list, ExportedProjection p)
    {
        list.Add(($"{p.Name}_weight", new("<f4", [p.Rows, p.Columns], p.Weights.Select(w => (double)w).ToArray())));
        if (p.Integer is { } q)
        {
            list.Add(($"{p.Name}_mantissa", new(q.Bits <= 8 && q.MinCode >= -128 && q.MaxCode <= 127 ? "|i1" : "<i2", [p.Rows, p.Columns],
                q.Mantissas.Select(m => (double)m).ToArray())));
            list.Add(($"{p.Name}_scale_mv", new("<f8", [], [q.Scale])));
        }
        list.Add(($"{p.Name}_transmission_probability", new("<f8", [], [p.TransmissionProbability])));
    }

    static void AddNeurons(List<(string, NpyArray)> list, NeuronLayer n, double dtMs)
    {
        double[] v = [n.TauMembraneMs, n.TauSynapseMs, n.ThresholdMv, n.ResetMv, Refractory.DeadTimeMs(n.RefractoryMs, dtMs)];
        for (int i = 0; i < NeuronFields.Length; i++) list.Add(($"{n.Name}_{NeuronFields[i]}", new("<f8", [], [v[i]])));
    }

    /// <summary>The magic, version 1.0 and the padded header of a .npy file of <paramref name="descr"/> and <paramref name="shape"/> (C
    /// order).</summary>
    public static byte[] NpyHeader(string descr, long[] shape)
    {
        string shapeText = shape.Length switch { 0 => "()", 1 => $"({shape[0]},)", _ => "(" + string.Join(", ", shape) + ")" };
        string dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shapeText}, }}";
        int total = 10 + dict.Length + 1;
        int pad = (64 - total % 64) % 64;
        var header = dict + new string(' ', pad) + "\n";
        using var ms = new MemoryStream();
        ms.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0]);
        ms.Write(BitConverter.GetBytes((ushort)header.Length));
        ms.Write(Encoding.ASCII.GetBytes(header));
        return ms.ToArray();
    }

    /// <summary>A one-dimensional array of strings as a .npy (NumPy's fixed-width unicode, '&lt;U<i>n</i>', UTF-32).</summary>
    public static byte[] NpyStrings(IReadOnlyList<string> values)
    {
        int width = Math.Max(1, values.Select(v => v.Length).DefaultIfEmpty(1).Max());
        using var ms = new MemoryStream();
        ms.Write(NpyHeader($"<U{width}", [values.Count]));
        foreach (var v in values) ms.Write(Encoding.UTF32.GetBytes(v.PadRight(width, '\0')));
        return ms.ToArray();
    }

    public static byte[] NpyBytes(NpyArray a)
    {
        using var ms = new MemoryStream();
        ms.Write(NpyHeader(a.Descr, a.Shape));
        var bw = new BinaryWriter(ms);
        if (a.Strings is { } texts)
        {
            // <Un: n UTF-32LE code units per element, padded with NUL.
            int width = int.Parse(a.Descr[2..], Inv);
            foreach (var t in texts) { var units = Encoding.UTF32.GetBytes(t.PadRight(width, '\0')[..width]); bw.Write(units); }
            bw.Flush();
            return ms.ToArray();
        }
        foreach (var v in a.Values)
            switch (a.Descr)
            {
                case "<f4": bw.Write((float)v); break;
                case "<f8": bw.Write(v); break;
                case "<i8": bw.Write((long)v); break;
                case "<i4": bw.Write((int)v); break;
                case "<i2": bw.Write((short)v); break;
                case "|i1": bw.Write((sbyte)v); break;
                default: throw new InvalidOperationException(a.Descr);
            }
        bw.Flush();
        return ms.ToArray();
    }

    /// <summary>Parses one .npy (version 1 or 2, little-endian f4/f8/i1/i2/i4/i8, C order); <paramref name="where"/> names it in messages.</summary>
    public static NpyArray ParseNpy(byte[] b, string where)
    {
        if (b.Length < 10 || b[0] != 0x93 || Encoding.ASCII.GetString(b, 1, 5) != "NUMPY") throw new NeuromorphicException($"{where}: "
            + $"not a .npy array (bad magic)");
        int major = b[6];
        int headerLen, start;
        if (major == 1) { headerLen = BitConverter.ToUInt16(b, 8); start = 10; }
        else if (major is 2 or 3 && b.Length >= 12)
        {
            long h = BitConverter.ToUInt32(b, 8);
            if (h > 1 << 20) throw new NeuromorphicException($"{where}: .npy header of {h} bytes");
            headerLen = (int)h; start = 12;
        }
        else throw new NeuromorphicException($"{where}: .npy version {major} is not supported");
        if (start + headerLen > b.Length) throw new NeuromorphicException($"{where}: truncated .npy header");
        string header = Encoding.Latin1.GetString(b, start, headerLen);
        string descr = Field(header, "descr", where).Trim('\'', '"', ' ');
        if (Field(header, "fortran_order", where).Trim() != "False") throw new NeuromorphicException($"{where}: "
            + $"Fortran-order arrays are not supported");
        string shapeText = Field(header, "shape", where).Trim().TrimStart('(').TrimEnd(')');
        var dims = shapeText.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (dims.Length > 8) throw new NeuromorphicException($"{where}: {dims.Length} dimensions");
        var shape = new long[dims.Length];
        long count = 1;
        for (int i = 0; i < dims.Length; i++)
        {
            if (!long.TryParse(dims[i], NumberStyles.None, Inv, out shape[i]) || shape[i] > ExportedNetwork.MaxElements)
                throw new NeuromorphicException($"{where}: shape ({shapeText}) is not a list of sizes up to {ExportedNetwork.MaxElements}");
            count *= shape[i];
            if (count > ExportedNetwork.MaxElements) throw new NeuromorphicException($"{where}: shape ({shapeText}) has more than "
                + $"{ExportedNetwork.MaxElements} elements");
        }
        if (descr.StartsWith("<U", StringComparison.Ordinal))
        {
            if (!int.TryParse(descr[2..], NumberStyles.None, Inv, out int width) || width < 1 || width > 1024)
                throw new NeuromorphicException($"{where}: dtype '{Text.Escape(descr)}' is not a unicode string of 1..1024 characters");
            int at = start + headerLen;
            if (count > 1024 || b.Length - at != count * width * 4) throw new NeuromorphicException($"{where}: {b.Length - at} bytes of data for "
                + $"{count} strings of {Text.Escape(descr)}, expected {count * width * 4} (truncated?)");
            var texts = new string[count];
            for (int k = 0; k < count; k++) texts[k] = Encoding.UTF32.GetString(b, at + k * width * 4, width * 4).TrimEnd('\0');
            return new NpyArray(descr, shape, [], texts);
        }
        int size = descr switch
        {
            "<f4" or "<i4" => 4,
            "<f8" or "<i8" => 8,
            "<i2" => 2,
            "|i1" or "<i1" => 1,
            _ => throw new NeuromorphicException($"{where}: dtype '{Text.Escape(descr)}' is not supported (expected <f4, "
            + $"<f8, |i1, <i2, <i4 or <i8)")
        };
        int data = start + headerLen;
        if (b.Length - data != count * size) throw new NeuromorphicException($"{where}: {b.Length - data} bytes of data for shape ({shapeText}) of "
            + $"{Text.Escape(descr)}, expected {count * size} (truncated?)");
        var values = new double[count];
        for (long k = 0; k < count; k++)
        {
            int o = data + (int)(k * size);
            values[k] = descr switch
            {
                "<f4" => BitConverter.ToSingle(b, o),
                "<f8" => BitConverter.ToDouble(b, o),
                "<i4" => BitConverter.ToInt32(b, o),
                "<i8" => BitConverter.ToInt64(b, o),
                "<i2" => BitConverter.ToInt16(b, o),
                _ => (sbyte)b[o],
            };
        }
        return new NpyArray(descr, shape, values);
    }

    static string Field(string header, string key, string where)
    {
        int i = header.IndexOf($"'{key}'", StringComparison.Ordinal);
        if (i < 0) throw new NeuromorphicException($"{where}: .npy header lacks '{key}'");
        int c = header.IndexOf(':', i) + 1;
        int end = key == "shape" ? header.IndexOf(')', c) + 1 : header.IndexOfAny([',', '}'], c);
        if (c <= 0 || end <= 0) throw new NeuromorphicException($"{where}: malformed .npy header");
        return header[c..end].TrimEnd(',');
    }

    public static void WriteNpz(string path, ExportedNetwork net) { net.RefuseBias("npz"); WriteNpz(path, Arrays(net)); }
    public static void WriteNpz(string path, ExportedS2m s2m) => WriteNpz(path, Arrays(s2m));

    static void WriteNpz(string path, List<(string Name, NpyArray Array)> arrays) => AtomicFile.Write(path, tmp =>
    {
        using var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write);
        using (var zip = new ZipArchive(fs, ZipArchiveMode.Create))
            foreach (var (name, a) in arrays)
            {
                using var s = zip.CreateEntry(name + ".npy", CompressionLevel.Optimal).Open();
                s.Write(NpyBytes(a));
            }
    });

    public static void WriteNpyFolder(string dir, ExportedNetwork net) { net.RefuseBias("npy"); WriteNpyFolder(dir, Arrays(net)); }
    public static void WriteNpyFolder(string dir, ExportedS2m s2m) => WriteNpyFolder(dir, Arrays(s2m));

    static void WriteNpyFolder(string dir, List<(string Name, NpyArray Array)> arrays)
    {
        Directory.CreateDirectory(dir);
        RemoveStaleTables(dir, ".npy", arrays.Select(x => x.Name));
        foreach (var (name, a) in arrays) AtomicFile.Write(Path.Combine(dir, name + ".npy"), tmp => File.WriteAllBytes(tmp, NpyBytes(a)));
    }

    public static Dictionary<string, NpyArray> ReadNpz(string path)
    {
        Files.InputFile.Require(path, ".npz file");
        var result = new Dictionary<string, NpyArray>();
        try
        {
            using var zip = ZipFile.OpenRead(path);
            if (zip.Entries.Count > 10_000) throw new NeuromorphicException($"{path}: {zip.Entries.Count} entries in .npz");
            foreach (var e in zip.Entries)
            {
                if (!e.Name.EndsWith(".npy", StringComparison.Ordinal)) continue;
                if (e.Length > 16 + 8 * ExportedNetwork.MaxElements + (1 << 20))
                    throw new NeuromorphicException($"{path}: entry {e.FullName} is {e.Length} bytes");
                using var s = e.Open();
                using var ms = new MemoryStream();
                s.CopyTo(ms);
                result[e.Name[..^4]] = ParseNpy(ms.ToArray(), $"{path}: {e.FullName}");
            }
        }
        catch (InvalidDataException e) { throw new NeuromorphicException($"{path}: not a readable .npz (zip) file ({e.Message})"); }
        return result;
    }

    public static Dictionary<string, NpyArray> ReadNpyFolder(string dir)
    {
        if (!Directory.Exists(dir)) throw new NeuromorphicException($"{dir}: folder of .npy files not found");
        return Directory.GetFiles(dir, "*.npy").ToDictionary(f => Path.GetFileNameWithoutExtension(f),
            f => { Files.InputFile.Require(f, ".npy file"); return ParseNpy(File.ReadAllBytes(f), f); });
    }

    /// <summary>The family the arrays hold (version 1 files: feed-forward).</summary>
    public static Engine.ModelFamily Family(Dictionary<string, NpyArray> a, string path)
        => a.TryGetValue("family", out var f) ? Engine.ModelFamilies.Parse(f.Strings is [var t] ? t : null, path) : Engine.ModelFamily.FeedForward;

    /// <summary>Rebuilds an exported network from its arrays (the inverse of <see cref="Arrays(ExportedNetwork)"/>).</summary>
    public static ExportedNetwork FromArrays(Dictionary<string, NpyArray> a, string chip, string path)
    {
        if (Family(a, path) != Engine.ModelFamily.FeedForward)
            throw new NeuromorphicException($"{path}: the arrays hold a synaptic sampling machine (family synaptic-sampling), not a feed-forward "
                + $"network; CsvNpy.S2mFromArrays reads them");
        var r = new ArrayReader(a, path);
        var layers = r.Get("layers").Values.Select(v => v is >= 1 and <= ExportedNetwork.MaxLayerSize ? (int)v
            : throw new NeuromorphicException($"{path}: layers holds {v}")).ToArray();
        if (layers.Length < 2) throw new NeuromorphicException($"{path}: layers has {layers.Length} entries, expected at least 2");
        double dt = r.Scalar("dt_ms");
        var neurons = new List<NeuronLayer>();
        var projs = new List<ExportedProjection>();
        for (int l = 1; l < layers.Length; l++)
        {
            projs.Add(r.Projection($"fc{l}", chip));
            neurons.Add(r.Neurons($"lif{l}", "", layers[l], dt));
        }
        var (synapses, trained) = r.BlankOut();
        var net = new ExportedNetwork(chip, layers, dt, [.. neurons], [.. projs], "", synapses, trained);
        net.Validate(path);
        return net;
    }

    /// <summary>Rebuilds an exported S2M from its arrays (the inverse of <see cref="Arrays(ExportedS2m)"/>).</summary>
    public static ExportedS2m S2mFromArrays(Dictionary<string, NpyArray> a, string chip, string path)
    {
        if (Family(a, path) != Engine.ModelFamily.SynapticSampling)
            throw new NeuromorphicException($"{path}: the arrays hold a feed-forward network, not a synaptic sampling machine; "
                + $"CsvNpy.FromArrays reads them");
        var r = new ArrayReader(a, path);
        int Int(string name)
        {
            double v = r.Scalar(name); return v is >= 0 and <= int.MaxValue && v == Math.Floor(v) ? (int)v
            : throw new NeuromorphicException($"{path}: {name} = {v}, expected a count");
        }
        double dt = r.Scalar("dt_ms");
        var (synapses, trained) = r.BlankOut();
        var s2m = new ExportedS2m(chip, dt, Int("pixels"), Int("classes"), Int("label_units_per_class"), Int("hidden"),
            r.Neurons("sampler", "visible+hidden", 0, dt), r.Scalar("bias_rate_hz"), r.Projection(S2mMatrix, chip), synapses, trained, "");
        s2m = s2m with { Sampler = s2m.Sampler with { Size = s2m.Layout.Visible + s2m.Hidden } };
        var l = s2m.Layout;
        if (Int("label_start") != l.LabelStart || Int("visible_bias_row") != l.VisibleBias || Int("hidden_bias_column") != l.HiddenBias)
            throw new NeuromorphicException($"{path}: label_start, visible_bias_row or hidden_bias_column do not follow from the sizes "
                + $"({l.LabelStart}, {l.VisibleBias}, {l.HiddenBias})");
        s2m.Validate(path);
        return s2m;
    }

    /// <summary>Named arrays read with one-line messages for what is missing or the wrong shape.</summary>
    sealed class ArrayReader(Dictionary<string, NpyArray> a, string path)
    {
        readonly int _version = a.TryGetValue("format_version", out var v) && v.Values.Length == 1 ? (int)v.Values[0] : 1;

        public NpyArray Get(string name) => a.TryGetValue(name, out var v) ? v
            : throw new NeuromorphicException($"{path}: array '{name}' is missing");
        public double Scalar(string name)
        {
            var x = Get(name); return x.Values.Length == 1 ? x.Values[0]
            : throw new NeuromorphicException($"{path}: {name} has {x.Values.Length} values, expected one");
        }
        string? Text(string name) => a.TryGetValue(name, out var v) ? v.Strings is [var t] ? t
            : throw new NeuromorphicException($"{path}: {name} is not one string") : null;

        public ExportedProjection Projection(string name, string chip)
        {
            var w = Get($"{name}_weight");
            if (w.Shape.Length != 2) throw new NeuromorphicException($"{path}: {name}_weight has {w.Shape.Length} "
                + $"dimensions, expected 2 (pre, post)");
            IntegerWeights? q = null;
            if (a.TryGetValue($"{name}_mantissa", out var m))
            {
                var probe = ChipProfiles.Quantize(chip, [1f]);
                q = new IntegerWeights(chip, probe?.Bits ?? 0, m.Values.Select(v => (int)v).ToArray(), Scalar($"{name}_scale_mv"),
                    chip == "loihi" ? -256 : probe?.MinCode ?? int.MinValue, chip == "loihi" ? 255 : probe?.MaxCode
                        ?? int.MaxValue, null, null, null, 0, 0, 0);
            }
            double p = a.ContainsKey($"{name}_transmission_probability") ? Scalar($"{name}_transmission_probability") : 1.0;
            return new ExportedProjection(name, "", "", (int)w.Shape[0], (int)w.Shape[1], w.Values.Select(v => (float)v).ToArray(), q, p);
        }

        /// <summary>Version 2 states the dead time (<c>_refractory_period_ms</c>), version 1 our hold (<c>_refractory_ms</c>).</summary>
        public NeuronLayer Neurons(string name, string population, int size, double dtMs)
        {
            double S(string f) => Scalar($"{name}_{f}");
            double hold = _version >= 2 ? S("refractory_period_ms") is var d && d >= 0 ? Refractory.HoldMs(d, dtMs)
                : throw new NeuromorphicException($"{path}: {name}_refractory_period_ms = {d}, expected >= 0") : S("refractory_ms");
            return new NeuronLayer(name, population, size, S("tau_mem_ms"), S("tau_syn_ms"), S("v_threshold_mv"), S("v_reset_mv"), hold);
        }

        public (string, double) BlankOut() => (SynapseModes.Read(Text("synapses"), path),
            a.ContainsKey("trained_transmission_probability") ? Scalar("trained_transmission_probability") : 1.0);
    }

    // ---------- CSV ----------

    const string NetworkHeader = "format_version,family,chip,dt_ms,synapses,trained_transmission_probability";
    const string ProjectionHeader = "name,source,target,rows,columns,chip,bits,scale_mv,min_code,max_code,weight_exp,shift,sign_mode,"
        + "max_rounding_error_mv,saturated,zeroed,transmission_probability";
    const string NeuronHeader = "name,population,size,tau_mem_ms,tau_syn_ms,v_threshold_mv,v_reset_mv,refractory_period_ms,dt_ms";
    const string S2mHeader = "pixels,classes,label_units_per_class,hidden,label_start,visible_bias_row,hidden_bias_column,bias_rate_hz";

    /// <summary>A folder: fc{l}_weight.csv (and fc{l}_mantissa.csv) as plain matrices, one row per presynaptic neuron;
    /// network.csv, projections.csv and neurons.csv with a header row.</summary>
    public static void WriteCsvFolder(string dir, ExportedNetwork net)
    {
        net.RefuseBias("csv");
        WriteCsvFolder(dir, Engine.ModelFamily.FeedForward, net.Chip, net.DtMs, net.Synapses, net.TrainedTransmissionProbability,
            net.Projections, net.Neurons, null);
    }

    /// <summary>An S2M: visible_hidden_weight.csv (and _mantissa.csv), [visible + 1][hidden + 1]; network.csv,
    /// projections.csv, neurons.csv (the samplers) and s2m.csv (where each unit lies).</summary>
    public static void WriteCsvFolder(string dir, ExportedS2m s2m)
    {
        var l = s2m.Layout;
        string layout = string.Join(',', new[] { l.Pixels, l.Classes, l.LabelUnits, l.Hidden, l.LabelStart, l.VisibleBias,
            l.HiddenBias }.Select(x => x.ToString(Inv)))
            + "," + s2m.BiasRateHz.ToString("R", Inv);
        WriteCsvFolder(dir, Engine.ModelFamily.SynapticSampling, s2m.Chip, s2m.DtMs, s2m.Synapses, s2m.TrainedTransmissionProbability,
            [s2m.Matrix], [s2m.Sampler], layout);
    }

    static void WriteCsvFolder(string dir, Engine.ModelFamily family, string chip, double dtMs, string synapses, double trainedP,
        ExportedProjection[] projections, NeuronLayer[] neurons, string? s2mLayout)
    {
        Directory.CreateDirectory(dir);
        RemoveStaleTables(dir, ".csv", projections.Select(p => $"{p.Name}_weight").Concat(projections.Where(p =>
            p.Integer != null).Select(p => $"{p.Name}_mantissa"))
            .Concat(["network", "projections", "neurons"]).Concat(s2mLayout != null ? ["s2m"] : []));
        foreach (var p in projections)
        {
            WriteMatrix(Path.Combine(dir, $"{p.Name}_weight.csv"), p.Rows, p.Columns, k => p.Weights[k].ToString(Inv));
            if (p.Integer is { } q) WriteMatrix(Path.Combine(dir, $"{p.Name}_mantissa.csv"), p.Rows, p.Columns, k => q.Mantissas[k].ToString(Inv));
        }
        AtomicFile.Write(Path.Combine(dir, "network.csv"), tmp => File.WriteAllLines(tmp, [NetworkHeader,
            string.Join(',', FormatVersion.ToString(Inv), Engine.ModelFamilies.Name(family), chip, dtMs.ToString("R", Inv), synapses,
                trainedP.ToString("R", Inv))]));
        var pl = new List<string> { ProjectionHeader };
        pl.AddRange(projections.Select(p => string.Join(',', p.Name, p.Source, p.Target, p.Rows.ToString(Inv), p.Columns.ToString(Inv), chip,
            (p.Integer?.Bits ?? 32).ToString(Inv), (p.Integer?.Scale ?? 1.0).ToString("R", Inv), p.Integer?.MinCode.ToString(Inv) ?? "",
                p.Integer?.MaxCode.ToString(Inv) ?? "",
            p.Integer?.WeightExponent?.ToString(Inv) ?? "", p.Integer?.Shift?.ToString(Inv) ?? "",
                p.Integer?.SignMode?.ToString().ToLowerInvariant() ?? "",
            (p.Integer?.MaxRoundingErrorMv ?? 0).ToString("R", Inv), (p.Integer?.Saturated ?? 0).ToString(Inv),
                (p.Integer?.Zeroed ?? 0).ToString(Inv),
            p.TransmissionProbability.ToString("R", Inv))));
        AtomicFile.Write(Path.Combine(dir, "projections.csv"), tmp => File.WriteAllLines(tmp, pl));
        var nl = new List<string> { NeuronHeader };
        nl.AddRange(neurons.Select(n => string.Join(',', n.Name, n.Population, n.Size.ToString(Inv), n.TauMembraneMs.ToString("R", Inv),
            n.TauSynapseMs.ToString("R", Inv),
            n.ThresholdMv.ToString("R", Inv), n.ResetMv.ToString("R", Inv),
                Refractory.DeadTimeMs(n.RefractoryMs, dtMs).ToString("R", Inv), dtMs.ToString("R", Inv))));
        AtomicFile.Write(Path.Combine(dir, "neurons.csv"), tmp => File.WriteAllLines(tmp, nl));
        if (s2mLayout != null) AtomicFile.Write(Path.Combine(dir, "s2m.csv"), tmp => File.WriteAllLines(tmp, [S2mHeader, s2mLayout]));
    }

    static void WriteMatrix(string path, int rows, int cols, Func<int, string> cell) => AtomicFile.Write(path, tmp =>
    {
        using var w = new StreamWriter(tmp);
        for (int r = 0; r < rows; r++)
            w.WriteLine(string.Join(',', Enumerable.Range(0, cols).Select(c => cell(r * cols + c))));
    });

    /// <summary>Reads a numeric CSV matrix; every row must have the same number of cells.</summary>
    public static (int Rows, int Columns, double[] Values) ReadMatrix(string path)
    {
        if (Files.InputFile.Require(path, "CSV file") > 32L * ExportedNetwork.MaxElements) throw new NeuromorphicException($"{path}: CSV file too "
            + $"large");
        var values = new List<double>();
        int cols = -1, rows = 0;
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0) continue;
            var cells = line.Split(',');
            if (cols >= 0 && cells.Length != cols) throw new NeuromorphicException($"{path}: row {rows + 1} has "
                + $"{cells.Length} cells, row 1 has {cols}");
            cols = cells.Length;
            if (values.Count + cells.Length > ExportedNetwork.MaxElements) throw new NeuromorphicException($"{path}: more than "
                + $"{ExportedNetwork.MaxElements:N0} cells");
            foreach (var c in cells)
                values.Add(double.TryParse(c, NumberStyles.Float, Inv, out var v) ? v
                    : throw new NeuromorphicException($"{path}: row {rows + 1}: '{Text.Escape(c)}' is not a number"));
            rows++;
        }
        return (rows, Math.Max(cols, 0), values.ToArray());
    }

    /// <summary>An export into a folder that held another (an integer export, another network or family) must not leave the
    /// old tables beside the new ones, where they would look current: every table name we write that the new export
    /// does not write again is removed.</summary>
    static void RemoveStaleTables(string dir, string extension, IEnumerable<string> written)
    {
        var keep = written.ToHashSet();
        foreach (var pattern in new[] { "fc*_*", "lif*_*", S2mMatrix + "_*", "sampler_*", "network", "projections", "neurons", "s2m",
            "format_version", "family", "layers", "dt_ms",
            "synapses", "trained_transmission_probability", "pixels", "classes", "label_units_per_class", "hidden", "label_start", "visible_bias_row",
                "hidden_bias_column", "bias_rate_hz" })
            foreach (var f in Directory.EnumerateFiles(dir, pattern + extension))
                if (!keep.Contains(Path.GetFileNameWithoutExtension(f))) File.Delete(f);
    }

    /// <summary>Reads a CSV folder written by <see cref="WriteCsvFolder(string, ExportedNetwork)"/> back into an exported network.</summary>
    public static ExportedNetwork ReadCsvFolder(string dir) => Malformed(dir, () =>
    {
        var t = new CsvTables(dir);
        if (t.Family != Engine.ModelFamily.FeedForward)
            throw new NeuromorphicException($"{dir}: the tables hold a synaptic sampling machine (family synaptic-sampling), not a feed-forward "
                + $"network; CsvNpy.ReadCsvS2mFolder reads them");
        var projs = t.Projections();
        var neurons = t.Neurons();
        var layers = projs.Length == 0 ? [] : new[] { projs[0].Rows }.Concat(projs.Select(p => p.Columns)).ToArray();
        var net = new ExportedNetwork(t.Chip, layers, t.DtMs, neurons, projs, "", t.Synapses, t.TrainedP);
        net.Validate(dir);
        return net;
    });

    /// <summary>Reads a CSV folder written by <see cref="WriteCsvFolder(string, ExportedS2m)"/> back into an exported S2M.</summary>
    public static ExportedS2m ReadCsvS2mFolder(string dir) => Malformed(dir, () =>
    {
        var t = new CsvTables(dir);
        if (t.Family != Engine.ModelFamily.SynapticSampling)
            throw new NeuromorphicException($"{dir}: the tables hold a feed-forward network, not a synaptic sampling machine; "
                + $"CsvNpy.ReadCsvFolder reads them");
        var layout = Table(Path.Combine(dir, "s2m.csv"));
        if (t.Projections() is not [var m] || t.Neurons() is not [var n] || layout is not [var row])
            throw new NeuromorphicException($"{dir}: an S2M's tables have one projection, one neuron row and one layout row");
        int I(string key) => (int)t.Num(row, key, "s2m.csv");
        var s2m = new ExportedS2m(t.Chip, t.DtMs, I("pixels"), I("classes"), I("label_units_per_class"), I("hidden"), n,
            t.Num(row, "bias_rate_hz", "s2m.csv"), m, t.Synapses, t.TrainedP, "");
        var l = s2m.Layout;
        if (I("label_start") != l.LabelStart || I("visible_bias_row") != l.VisibleBias || I("hidden_bias_column") != l.HiddenBias)
            throw new NeuromorphicException($"{Path.Combine(dir, "s2m.csv")}: label_start, visible_bias_row or hidden_bias_column do not follow "
                + $"from the sizes ({l.LabelStart}, {l.VisibleBias}, {l.HiddenBias})");
        s2m.Validate(dir);
        return s2m;
    });

    static T Malformed<T>(string dir, Func<T> read)
    {
        // A missing column, a repeated header or an unknown sign mode in a hand-edited table: one line, not a trace.
        try { return read(); }
        catch (Exception e) when (e is KeyNotFoundException or ArgumentException or FormatException or OverflowException)
        {
            throw new NeuromorphicException($"{dir}: malformed CSV tables ({e.Message.Split('\n')[0]})");
        }
    }

    /// <summary>The tables of a CSV folder: network.csv (version 2; folders without it are version 1: feed-forward,
    /// deterministic, refractory_ms our hold), projections.csv with their matrices, neurons.csv.</summary>
    sealed class CsvTables
    {
        readonly string _dir;
        readonly List<Dictionary<string, string>> _neurons, _projections;
        public readonly Engine.ModelFamily Family = Engine.ModelFamily.FeedForward;
        public readonly string Chip, Synapses = SynapseModes.Deterministic;
        public readonly double DtMs, TrainedP = 1.0;
        readonly int _version = 1;

        public CsvTables(string dir)
        {
            _dir = dir;
            if (!Directory.Exists(dir)) throw new NeuromorphicException($"{dir}: CSV folder not found");
            _neurons = Table(Path.Combine(dir, "neurons.csv"));
            _projections = Table(Path.Combine(dir, "projections.csv"));
            Chip = _projections.Count > 0 ? ChipProfiles.Parse(_projections[0]["chip"]) : "float";
            DtMs = _neurons.Count > 0 ? Num(_neurons[0], "dt_ms", "neurons.csv") : 0;
            if (File.Exists(Path.Combine(dir, "network.csv")))
            {
                if (Table(Path.Combine(dir, "network.csv")) is not [var n]) throw new NeuromorphicException($"{Path.Combine(dir, "network.csv")}: "
                    + $"expected one row");
                _version = (int)Num(n, "format_version", "network.csv");
                Family = Engine.ModelFamilies.Parse(n["family"], Path.Combine(dir, "network.csv"));
                Synapses = SynapseModes.Read(n["synapses"], Path.Combine(dir, "network.csv"));
                TrainedP = Num(n, "trained_transmission_probability", "network.csv");
            }
        }

        public double Num(Dictionary<string, string> row, string key, string file) =>
            double.TryParse(row[key], NumberStyles.Float, Inv, out var v) ? v
                : throw new NeuromorphicException($"{Path.Combine(_dir, file)}: field {Text.Escape(key)} = "
                + $"'{Text.Escape(row[key])}' is not a number");

        public NeuronLayer[] Neurons() => _neurons.Select(r => new NeuronLayer(r["name"], r["population"], (int)Num(r, "size", "neurons.csv"),
            Num(r, "tau_mem_ms", "neurons.csv"),
            Num(r, "tau_syn_ms", "neurons.csv"), Num(r, "v_threshold_mv", "neurons.csv"), Num(r, "v_reset_mv", "neurons.csv"),
            _version >= 2 ? (Num(r, "refractory_period_ms", "neurons.csv") is var d && d >= 0 ? Refractory.HoldMs(d, DtMs)
                : throw new NeuromorphicException($"{Path.Combine(_dir, "neurons.csv")}: refractory_period_ms = {d}, expected >= 0"))
            : Num(r, "refractory_ms", "neurons.csv"))).ToArray();

        public ExportedProjection[] Projections() => _projections.Select(r =>
        {
            var (rows, cols, w) = ReadMatrix(Path.Combine(_dir, $"{r["name"]}_weight.csv"));
            IntegerWeights? q = null;
            if (Chip != "float")
            {
                var (_, _, m) = ReadMatrix(Path.Combine(_dir, $"{r["name"]}_mantissa.csv"));
                int? Opt(string key) => r[key] == "" ? null : (int)Num(r, key, "projections.csv");
                q = new IntegerWeights(Chip, (int)Num(r, "bits", "projections.csv"), m.Select(v => (int)v).ToArray(),
                    Num(r, "scale_mv", "projections.csv"),
                    (int)Num(r, "min_code", "projections.csv"), (int)Num(r, "max_code", "projections.csv"), Opt("weight_exp"), Opt("shift"),
                    r["sign_mode"] == "" ? null : Enum.Parse<SignMode>(r["sign_mode"], ignoreCase: true),
                    Num(r, "max_rounding_error_mv", "projections.csv"), (int)Num(r, "saturated", "projections.csv"),
                        (int)Num(r, "zeroed", "projections.csv"));
            }
            double p = _version >= 2 ? Num(r, "transmission_probability", "projections.csv") : 1.0;
            return new ExportedProjection(r["name"], r["source"], r["target"], rows, cols, w.Select(v => (float)v).ToArray(), q, p);
        }).ToArray();
    }

    static List<Dictionary<string, string>> Table(string path)
    {
        Files.InputFile.Require(path, "CSV file");
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
        if (lines.Length == 0) throw new NeuromorphicException($"{path}: empty CSV file");
        var head = lines[0].Split(',');
        return lines.Skip(1).Select((l, i) =>
        {
            var cells = l.Split(',');
            if (cells.Length != head.Length) throw new NeuromorphicException($"{path}: row {i + 2} has {cells.Length} "
                + $"cells, the header {head.Length}");
            return head.Zip(cells).ToDictionary(x => x.First, x => x.Second);
        }).ToList();
    }
}
