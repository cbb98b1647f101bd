using System.Globalization;
using System.IO.Compression;
using System.Text;
using Neuromorphic.Simulator.Files;

namespace Neuromorphic.Simulator.Export;

/// <summary>A NumPy array as read from or written to a .npy file: shape and values (float64 holds every dtype we use exactly).</summary>
public sealed record NpyArray(string Descr, long[] Shape, double[] Values);

/// <summary>
/// Plain tables: CSV (a folder of files for spreadsheets) and NumPy (.npz, one file; or a folder of .npy files).
/// Array names and layouts are those of docs/formats.md: fc{l}_weight float32 [pre][post] in mV, fc{l}_mantissa
/// (int16 for loihi and spinnaker, int8 for int8 and int4) and fc{l}_scale_mv, lif{l}_* scalars, layers, dt_ms.
/// </summary>
public static class CsvNpy
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    static readonly string[] NeuronFields = ["tau_mem_ms", "tau_syn_ms", "v_threshold_mv", "v_reset_mv", "refractory_ms"];

    // ---------- NumPy ----------

    /// <summary>The arrays of an exported network, in file order.</summary>
    public static List<(string Name, NpyArray Array)> Arrays(ExportedNetwork net)
    {
        var list = new List<(string, NpyArray)>
        {
            ("layers", new("<i8", [net.Layers.Length], net.Layers.Select(x => (double)x).ToArray())),
            ("dt_ms", new("<f8", [], [net.DtMs])),
        };
        foreach (var p in net.Projections)
        {
            list.Add(($"{p.Name}_weight", new("<f4", [p.Rows, p.Columns], p.Weights.Select(w => (double)w).ToArray())));
            if (p.Integer is { } q)
            {
                list.Add(($"{p.Name}_mantissa", new(q.Bits <= 8 && q.MinCode >= -128 && q.MaxCode <= 127 ? "|i1" : "<i2", [p.Rows, p.Columns], q.Mantissas.Select(m => (double)m).ToArray())));
                list.Add(($"{p.Name}_scale_mv", new("<f8", [], [q.Scale])));
            }
        }
        foreach (var n in net.Neurons)
        {
            double[] v = [n.TauMembraneMs, n.TauSynapseMs, n.ThresholdMv, n.ResetMv, n.RefractoryMs];
            for (int i = 0; i < NeuronFields.Length; i++) list.Add(($"{n.Name}_{NeuronFields[i]}", new("<f8", [], [v[i]])));
        }
        return list;
    }

    /// <summary>The magic, version 1.0 and the padded header of a .npy file of <paramref name="descr"/> and <paramref name="shape"/> (C order).</summary>
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
        if (b.Length < 10 || b[0] != 0x93 || Encoding.ASCII.GetString(b, 1, 5) != "NUMPY") throw new NeuromorphicException($"{where}: not a .npy array (bad magic)");
        int major = b[6];
        int headerLen, start;
        if (major == 1) { headerLen = BitConverter.ToUInt16(b, 8); start = 10; }
        else if (major is 2 or 3 && b.Length >= 12) { long h = BitConverter.ToUInt32(b, 8); if (h > 1 << 20) throw new NeuromorphicException($"{where}: .npy header of {h} bytes"); headerLen = (int)h; start = 12; }
        else throw new NeuromorphicException($"{where}: .npy version {major} is not supported");
        if (start + headerLen > b.Length) throw new NeuromorphicException($"{where}: truncated .npy header");
        string header = Encoding.Latin1.GetString(b, start, headerLen);
        string descr = Field(header, "descr", where).Trim('\'', '"', ' ');
        if (Field(header, "fortran_order", where).Trim() != "False") throw new NeuromorphicException($"{where}: Fortran-order arrays are not supported");
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
            if (count > ExportedNetwork.MaxElements) throw new NeuromorphicException($"{where}: shape ({shapeText}) has more than {ExportedNetwork.MaxElements} elements");
        }
        int size = descr switch { "<f4" or "<i4" => 4, "<f8" or "<i8" => 8, "<i2" => 2, "|i1" or "<i1" => 1, _ => throw new NeuromorphicException($"{where}: dtype '{Text.Escape(descr)}' is not supported (expected <f4, <f8, |i1, <i2, <i4 or <i8)") };
        int data = start + headerLen;
        if (b.Length - data != count * size) throw new NeuromorphicException($"{where}: {b.Length - data} bytes of data for shape ({shapeText}) of {Text.Escape(descr)}, expected {count * size} (truncated?)");
        var values = new double[count];
        for (long k = 0; k < count; k++)
        {
            int o = data + (int)(k * size);
            values[k] = descr switch
            {
                "<f4" => BitConverter.ToSingle(b, o), "<f8" => BitConverter.ToDouble(b, o), "<i4" => BitConverter.ToInt32(b, o),
                "<i8" => BitConverter.ToInt64(b, o), "<i2" => BitConverter.ToInt16(b, o), _ => (sbyte)b[o],
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

    public static void WriteNpz(string path, ExportedNetwork net) => AtomicFile.Write(path, tmp =>
    {
        using var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write);
        using (var zip = new ZipArchive(fs, ZipArchiveMode.Create))
            foreach (var (name, a) in Arrays(net))
            {
                using var s = zip.CreateEntry(name + ".npy", CompressionLevel.Optimal).Open();
                s.Write(NpyBytes(a));
            }
    });

    public static void WriteNpyFolder(string dir, ExportedNetwork net)
    {
        Directory.CreateDirectory(dir);
        RemoveStaleIntegerTables(dir, ".npy");
        foreach (var (name, a) in Arrays(net)) AtomicFile.Write(Path.Combine(dir, name + ".npy"), tmp => File.WriteAllBytes(tmp, NpyBytes(a)));
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
                if (e.Length > 16 + 8 * ExportedNetwork.MaxElements + (1 << 20)) throw new NeuromorphicException($"{path}: entry {e.FullName} is {e.Length} bytes");
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
        return Directory.GetFiles(dir, "*.npy").ToDictionary(f => Path.GetFileNameWithoutExtension(f), f => { Files.InputFile.Require(f, ".npy file"); return ParseNpy(File.ReadAllBytes(f), f); });
    }

    /// <summary>Rebuilds an exported network from its arrays (the inverse of <see cref="Arrays"/>).</summary>
    public static ExportedNetwork FromArrays(Dictionary<string, NpyArray> a, string chip, string path)
    {
        NpyArray Get(string name) => a.TryGetValue(name, out var v) ? v : throw new NeuromorphicException($"{path}: array '{name}' is missing");
        var layers = Get("layers").Values.Select(v => v is >= 1 and <= ExportedNetwork.MaxLayerSize ? (int)v : throw new NeuromorphicException($"{path}: layers holds {v}")).ToArray();
        if (layers.Length < 2) throw new NeuromorphicException($"{path}: layers has {layers.Length} entries, expected at least 2");
        double Scalar(string name) { var x = Get(name); return x.Values.Length == 1 ? x.Values[0] : throw new NeuromorphicException($"{path}: {name} has {x.Values.Length} values, expected one"); }
        var neurons = new List<NeuronLayer>();
        var projs = new List<ExportedProjection>();
        for (int l = 1; l < layers.Length; l++)
        {
            var w = Get($"fc{l}_weight");
            if (w.Shape.Length != 2) throw new NeuromorphicException($"{path}: fc{l}_weight has {w.Shape.Length} dimensions, expected 2 (pre, post)");
            IntegerWeights? q = null;
            if (a.TryGetValue($"fc{l}_mantissa", out var m))
            {
                var probe = ChipProfiles.Quantize(chip, [1f]);
                q = new IntegerWeights(chip, probe?.Bits ?? 0, m.Values.Select(v => (int)v).ToArray(), Scalar($"fc{l}_scale_mv"),
                    chip == "loihi" ? -256 : probe?.MinCode ?? int.MinValue, chip == "loihi" ? 255 : probe?.MaxCode ?? int.MaxValue, null, null, null, 0, 0, 0);
            }
            projs.Add(new ExportedProjection($"fc{l}", "", "", (int)w.Shape[0], (int)w.Shape[1], w.Values.Select(v => (float)v).ToArray(), q));
            double S(string f) => Scalar($"lif{l}_{f}");
            neurons.Add(new NeuronLayer($"lif{l}", "", layers[l], S("tau_mem_ms"), S("tau_syn_ms"), S("v_threshold_mv"), S("v_reset_mv"), S("refractory_ms")));
        }
        var net = new ExportedNetwork(chip, layers, Scalar("dt_ms"), [.. neurons], [.. projs], "");
        net.Validate(path);
        return net;
    }

    // ---------- CSV ----------

    /// <summary>A folder: fc{l}_weight.csv (and fc{l}_mantissa.csv) as plain matrices, one row per presynaptic neuron;
    /// projections.csv and neurons.csv with a header row.</summary>
    public static void WriteCsvFolder(string dir, ExportedNetwork net)
    {
        Directory.CreateDirectory(dir);
        RemoveStaleIntegerTables(dir, ".csv");
        foreach (var p in net.Projections)
        {
            WriteMatrix(Path.Combine(dir, $"{p.Name}_weight.csv"), p.Rows, p.Columns, k => p.Weights[k].ToString(Inv));
            if (p.Integer is { } q) WriteMatrix(Path.Combine(dir, $"{p.Name}_mantissa.csv"), p.Rows, p.Columns, k => q.Mantissas[k].ToString(Inv));
        }
        var pl = new List<string> { "name,source,target,rows,columns,chip,bits,scale_mv,min_code,max_code,weight_exp,shift,sign_mode,max_rounding_error_mv,saturated,zeroed" };
        pl.AddRange(net.Projections.Select(p => string.Join(',', p.Name, p.Source, p.Target, p.Rows.ToString(Inv), p.Columns.ToString(Inv), net.Chip,
            (p.Integer?.Bits ?? 32).ToString(Inv), (p.Integer?.Scale ?? 1.0).ToString("R", Inv), p.Integer?.MinCode.ToString(Inv) ?? "", p.Integer?.MaxCode.ToString(Inv) ?? "",
            p.Integer?.WeightExponent?.ToString(Inv) ?? "", p.Integer?.Shift?.ToString(Inv) ?? "", p.Integer?.SignMode?.ToString().ToLowerInvariant() ?? "",
            (p.Integer?.MaxRoundingErrorMv ?? 0).ToString("R", Inv), (p.Integer?.Saturated ?? 0).ToString(Inv), (p.Integer?.Zeroed ?? 0).ToString(Inv))));
        AtomicFile.Write(Path.Combine(dir, "projections.csv"), tmp => File.WriteAllLines(tmp, pl));
        var nl = new List<string> { "name,population,size,tau_mem_ms,tau_syn_ms,v_threshold_mv,v_reset_mv,refractory_ms,dt_ms" };
        nl.AddRange(net.Neurons.Select(n => string.Join(',', n.Name, n.Population, n.Size.ToString(Inv), n.TauMembraneMs.ToString("R", Inv), n.TauSynapseMs.ToString("R", Inv),
            n.ThresholdMv.ToString("R", Inv), n.ResetMv.ToString("R", Inv), n.RefractoryMs.ToString("R", Inv), net.DtMs.ToString("R", Inv))));
        AtomicFile.Write(Path.Combine(dir, "neurons.csv"), tmp => File.WriteAllLines(tmp, nl));
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
        if (Files.InputFile.Require(path, "CSV file") > 32L * ExportedNetwork.MaxElements) throw new NeuromorphicException($"{path}: CSV file too large");
        var values = new List<double>();
        int cols = -1, rows = 0;
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0) continue;
            var cells = line.Split(',');
            if (cols >= 0 && cells.Length != cols) throw new NeuromorphicException($"{path}: row {rows + 1} has {cells.Length} cells, row 1 has {cols}");
            cols = cells.Length;
            if (values.Count + cells.Length > ExportedNetwork.MaxElements) throw new NeuromorphicException($"{path}: more than {ExportedNetwork.MaxElements:N0} cells");
            foreach (var c in cells)
                values.Add(double.TryParse(c, NumberStyles.Float, Inv, out var v) ? v : throw new NeuromorphicException($"{path}: row {rows + 1}: '{Text.Escape(c)}' is not a number"));
            rows++;
        }
        return (rows, Math.Max(cols, 0), values.ToArray());
    }

    /// <summary>Reads a CSV folder written by <see cref="WriteCsvFolder"/> back into an exported network.</summary>
    /// <summary>A float export into a folder that held an integer export must not leave the old integer tables
    /// beside the new ones, where they would look current.</summary>
    static void RemoveStaleIntegerTables(string dir, string extension)
    {
        foreach (var pattern in new[] { "fc*_mantissa", "fc*_scale_mv" })
            foreach (var f in Directory.EnumerateFiles(dir, pattern + extension)) File.Delete(f);
    }

    public static ExportedNetwork ReadCsvFolder(string dir)
    {
        // A missing column, a repeated header or an unknown sign mode in a hand-edited table: one line, not a trace.
        try { return ReadCsvFolderUnchecked(dir); }
        catch (Exception e) when (e is KeyNotFoundException or ArgumentException or FormatException or OverflowException)
        {
            throw new NeuromorphicException($"{dir}: malformed CSV tables ({e.Message.Split('\n')[0]})");
        }
    }

    static ExportedNetwork ReadCsvFolderUnchecked(string dir)
    {
        if (!Directory.Exists(dir)) throw new NeuromorphicException($"{dir}: CSV folder not found");
        var neuronRows = Table(Path.Combine(dir, "neurons.csv"));
        var projRows = Table(Path.Combine(dir, "projections.csv"));
        string chip = projRows.Count > 0 ? ChipProfiles.Parse(projRows[0]["chip"]) : "float";
        double Num(Dictionary<string, string> row, string key, string file) =>
            double.TryParse(row[key], NumberStyles.Float, Inv, out var v) ? v : throw new NeuromorphicException($"{Path.Combine(dir, file)}: field {Text.Escape(key)} = '{Text.Escape(row[key])}' is not a number");
        var neurons = neuronRows.Select(r => new NeuronLayer(r["name"], r["population"], (int)Num(r, "size", "neurons.csv"), Num(r, "tau_mem_ms", "neurons.csv"),
            Num(r, "tau_syn_ms", "neurons.csv"), Num(r, "v_threshold_mv", "neurons.csv"), Num(r, "v_reset_mv", "neurons.csv"), Num(r, "refractory_ms", "neurons.csv"))).ToArray();
        var projs = projRows.Select(r =>
        {
            var (rows, cols, w) = ReadMatrix(Path.Combine(dir, $"{r["name"]}_weight.csv"));
            IntegerWeights? q = null;
            if (chip != "float")
            {
                var (_, _, m) = ReadMatrix(Path.Combine(dir, $"{r["name"]}_mantissa.csv"));
                int? Opt(string key) => r[key] == "" ? null : (int)Num(r, key, "projections.csv");
                q = new IntegerWeights(chip, (int)Num(r, "bits", "projections.csv"), m.Select(v => (int)v).ToArray(), Num(r, "scale_mv", "projections.csv"),
                    (int)Num(r, "min_code", "projections.csv"), (int)Num(r, "max_code", "projections.csv"), Opt("weight_exp"), Opt("shift"),
                    r["sign_mode"] == "" ? null : Enum.Parse<SignMode>(r["sign_mode"], ignoreCase: true),
                    Num(r, "max_rounding_error_mv", "projections.csv"), (int)Num(r, "saturated", "projections.csv"), (int)Num(r, "zeroed", "projections.csv"));
            }
            return new ExportedProjection(r["name"], r["source"], r["target"], rows, cols, w.Select(v => (float)v).ToArray(), q);
        }).ToArray();
        var layers = projs.Length == 0 ? [] : new[] { projs[0].Rows }.Concat(projs.Select(p => p.Columns)).ToArray();
        var net = new ExportedNetwork(chip, layers, neuronRows.Count > 0 ? Num(neuronRows[0], "dt_ms", "neurons.csv") : 0, neurons, projs, "");
        net.Validate(dir);
        return net;
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
            if (cells.Length != head.Length) throw new NeuromorphicException($"{path}: row {i + 2} has {cells.Length} cells, the header {head.Length}");
            return head.Zip(cells).ToDictionary(x => x.First, x => x.Second);
        }).ToList();
    }
}
