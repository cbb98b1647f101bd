using System.Text.Json;
using Neuromorphic.Simulator.Files;
using PureHDF;

namespace Neuromorphic.Simulator.Export;

/// <summary>A numeric HDF5 dataset as read: shape (empty for a scalar) and values.</summary>
public sealed record NirArray(long[] Shape, double[] Values)
{
    public long Count => Values.LongLength;
}

/// <summary>An HDF5 group as read: sub-groups, numeric datasets, string datasets (flattened) and the names of
/// datasets of other types (compound, opaque...), kept so that a message can name them.</summary>
public sealed class NirGroup
{
    public Dictionary<string, NirGroup> Groups { get; } = new();
    public Dictionary<string, NirArray> Arrays { get; } = new();
    public Dictionary<string, (long[] Shape, string[] Values)> Strings { get; } = new();
    public Dictionary<string, string> Unsupported { get; } = new();

    public string? String(string name) => Strings.TryGetValue(name, out var s) && s.Values.Length == 1 ? s.Values[0] : null;
}

/// <summary>
/// NIR (Neuromorphic Intermediate Representation) files: HDF5 with <c>/version</c> and <c>/node</c>, a graph of
/// type "NIRGraph" with <c>nodes/</c> and <c>edges</c> (an (E, 2) array of node names). Written and read with
/// PureHDF (managed code, no native HDF5 library). Strings are variable-length UTF-8, as h5py writes them.
/// </summary>
public static class NirFile
{
    /// <summary>Stored beside each refractory_period: what the number means (import reads every file this way).</summary>
    public const string RefractoryConvention = "dead time: the shortest interval between two spikes of a neuron; in discrete time, after a spike "
        + "at step n, V is held at v_reset during steps n+1 .. n+k-1 and may spike again at step n+k, k = refractory_period/dt";

    /// <summary>The NIR version whose layout we write (CubaLIF with v_reset and w_in; edges as strings).</summary>
    public const string Version = "1.0.0";
    /// <summary>Caps for reading: group depth, objects in the file, elements in all numeric datasets together.</summary>
    public const int MaxDepth = 16, MaxObjects = 100_000;
    public const long MaxTotalElements = 2 * ExportedNetwork.MaxElements;
    /// <summary>Without <c>allowLarge</c>, the datasets together may hold at most this many elements per byte of the
    /// file (a float32 array stored plainly has 1/4; compression of real weights gains little), and at least
    /// <see cref="SmallFileElements"/>: a small compressed file cannot make the reader allocate gigabytes.</summary>
    public const long ElementsPerFileByte = 16, SmallFileElements = 1_000_000;

    /// <summary>
    /// Writes <paramref name="net"/> as input -&gt; fc1 (Affine) -&gt; lif1 (CubaLIF) -&gt; ... -&gt; lifL -&gt; output. Parameters
    /// are NIR's continuous-time ones in SI seconds (docs/formats.md gives the mapping): tau_syn, tau_mem, r = 1,
    /// v_leak = 0, v_threshold (mV), v_reset = 0, w_in = tau_syn / dt (an input spike is a pulse of height 1 for one
    /// step dt, so the synaptic current jumps by exactly the weight); dt and the refractory period in metadata.
    /// </summary>
    public static void Write(string path, ExportedNetwork net, string source)
    {
        double dtS = net.DtMs / 1000; // ms / 1000, not * 1e-3: 4.5 / 1000 is the double nearest 0.0045
        var nodes = new H5Group { ["input"] = new H5Group { ["type"] = "Input", ["shape"] = new long[] { net.Layers[0] } } };
        var edges = new List<(string, string)>();
        string prev = "input";
        for (int l = 0; l < net.Projections.Length; l++)
        {
            var p = net.Projections[l];
            var w = new float[p.Columns, p.Rows]; // NIR: (out, in)
            for (int i = 0; i < p.Rows; i++) for (int j = 0; j < p.Columns; j++) w[j, i] = p.Weights[i * p.Columns + j];
            var fc = new H5Group { ["type"] = "Affine", ["weight"] = w, ["bias"] = p.BiasMv ?? new float[p.Columns] };
            var meta = new H5Group
            {
                ["unit"] = "mV (jump of the target's synaptic current per input spike)", ["source_projection"] = $"{p.Source}->{p.Target}",
                // NIR has no stochastic synapses: p is stated here for readers that can draw (import reads it back).
                ["transmission_probability"] = p.TransmissionProbability,
            };
            if (p.Integer is { } q)
            {
                var m = new short[p.Columns, p.Rows];
                for (int i = 0; i < p.Rows; i++) for (int j = 0; j < p.Columns; j++) m[j, i] = (short)q.Mantissas[i * p.Columns + j];
                meta["chip"] = net.Chip;
                meta["weight_mantissa"] = m;
                meta["scale"] = q.Scale;
                if (q.WeightExponent is { } e) meta["weight_exp"] = (long)e;
                if (q.Shift is { } s) meta["shift"] = (long)s;
                if (q.SignMode is { } sm) meta["sign_mode"] = sm.ToString().ToLowerInvariant();
            }
            fc["metadata"] = meta;
            var n = net.Neurons[l];
            double[] Fill(double v) => Enumerable.Repeat(v, n.Size).ToArray();
            // The dead time our neurons really have: V is held at 0 for round(refractory/dt) steps after a spike and
            // integrates again in the next step, so the shortest inter-spike interval is one step more (3.9 ms at
            // dt 0.1 ms: 39 + 1 steps = 4.0 ms). A continuous-time reader given 3.9 ms fired 2-3% faster.
            double deadS = Refractory.DeadTimeMs(n.RefractoryMs, net.DtMs) / 1000;
            var lif = new H5Group
            {
                ["type"] = "CubaLIF",
                ["tau_syn"] = Fill(n.TauSynapseMs / 1000), ["tau_mem"] = Fill(n.TauMembraneMs / 1000),
                ["r"] = Fill(1.0), ["v_leak"] = Fill(0.0), ["v_threshold"] = Fill(n.ThresholdMv), ["v_reset"] = Fill(n.ResetMv),
                ["w_in"] = Fill(n.TauSynapseMs / 1000 / dtS),
                ["metadata"] = new H5Group
                {
                    ["refractory_period"] = Fill(deadS), ["dt"] = dtS, ["population"] = n.Population,
                    ["refractory_convention"] = RefractoryConvention,
                    ["discretisation"] = "exact integration over dt: I += W s; V = V exp(-dt/tau_mem) + I g; I *= exp(-dt/tau_syn); g = "
                        + "tau_syn/(tau_syn - tau_mem) (exp(-dt/tau_syn) - exp(-dt/tau_mem))",
                },
            };
            nodes[p.Name] = fc;
            nodes[n.Name] = lif;
            edges.Add((prev, p.Name));
            edges.Add((p.Name, n.Name));
            prev = n.Name;
        }
        nodes["output"] = new H5Group { ["type"] = "Output", ["shape"] = new long[] { net.Layers[^1] } };
        edges.Add((prev, "output"));
        var e2 = new string[edges.Count, 2];
        for (int k = 0; k < edges.Count; k++) { e2[k, 0] = edges[k].Item1; e2[k, 1] = edges[k].Item2; }
        var file = new H5File
        {
            ["version"] = Version,
            ["node"] = new H5Group
            {
                ["type"] = "NIRGraph", ["nodes"] = nodes, ["edges"] = e2,
                ["metadata"] = new H5Group
                {
                    ["dt"] = dtS, ["chip"] = net.Chip, ["source"] = source, ["created_by"] = "neuromorphic",
                    ["spike_convention"] = "an input spike is a pulse of height 1 lasting one step dt",
                    ["neuromorphic_config"] = net.ConfigJson,
                    ["family"] = Engine.ModelFamilies.Name(Engine.ModelFamily.FeedForward),
                    ["synapses"] = net.Synapses, ["trained_transmission_probability"] = net.TrainedTransmissionProbability,
                },
            },
        };
        AtomicFile.Write(path, tmp => file.Write(tmp));
    }

    /// <summary>Reads the whole file as a tree; links, storage (<see cref="HdfConfinement"/>) and shapes are checked
    /// before any data is read.</summary>
    public static NirGroup Read(string path, bool allowLarge = false)
    {
        InputFile.Require(path, "NIR file");
        try
        {
            using var f = H5File.OpenRead(path);
            HdfConfinement.Check(f, path); // before any data is read: no other file is opened
            int objects = 0; long elements = 0;
            long length = InputFile.Require(path, "NIR file");
            long limit = allowLarge ? MaxTotalElements : Math.Min(MaxTotalElements, Math.Max(SmallFileElements, ElementsPerFileByte * length));
            return ReadGroup(f, path, "", 0, ref objects, ref elements, limit, length);
        }
        catch (NeuromorphicException) { throw; }
        catch (OutOfMemoryException e)
        {
            // The caps above keep what a well-formed file may make us allocate small; PureHDF throws this for sizes
            // that a damaged or crafted file declares (a global heap object of a terabyte).
            throw new NeuromorphicException($"{path}: the file declares a size that cannot be allocated; damaged or crafted "
                + $"({e.Message.Split('\n')[0]})");
        }
        catch (Exception e)
        {
            // PureHDF reports a damaged file with many exception types; none of them is a bug of the caller.
            throw new NeuromorphicException($"{path}: not a readable HDF5 file, or truncated ({e.Message.Split('\n')[0]})");
        }
    }

    static NirGroup ReadGroup(IH5Group g, string path, string at, int depth, ref int objects, ref long elements, long limit, long length)
    {
        if (depth > MaxDepth) throw new NeuromorphicException($"{path}: groups nested deeper than {MaxDepth} at '{Text.Escape(at)}'");
        var result = new NirGroup();
        foreach (var child in g.Children())
        {
            if (++objects > MaxObjects) throw new NeuromorphicException($"{path}: more than {MaxObjects} objects");
            string name = child.Name, where = $"{at}/{name}";
            if (child is IH5Group sub)
            {
                result.Groups[name] = ReadGroup(sub, path, where, depth + 1, ref objects,
                ref elements, limit, length); continue;
            }
            if (child is not IH5Dataset d) continue;
            var shape = d.Space.Dimensions.Select(x => x > (ulong)ExportedNetwork.MaxElements ? -1L : (long)x).ToArray();
            long count = 1;
            foreach (var x in shape)
            {
                if (x < 0 || (count *= x) > ExportedNetwork.MaxElements)
                    throw new NeuromorphicException($"{path}: dataset '{Text.Escape(where)}' has shape ({string.Join(", ", d.Space.Dimensions)}), "
                        + $"more than {ExportedNetwork.MaxElements} elements");
            }
            // Counted in 8-byte units, so that wide elements (a fixed-length string of a gigabyte) count for what they cost.
            long cost = count * Math.Max(1L, ((long)d.Type.Size + 7) / 8);
            if ((elements += cost) > MaxTotalElements) throw new NeuromorphicException($"{path}: more than {MaxTotalElements} elements (of 8 "
                + $"bytes) in all datasets, at '{Text.Escape(where)}'");
            if (elements > limit)
                throw new NeuromorphicException($"{path}: the datasets declare more than {limit:N0} elements of 8 bytes (at "
                    + $"'{Text.Escape(where)}'), more than {ElementsPerFileByte} per byte of this {length:N0}-byte file; import --allow-large "
                    + $"reads it anyway (up to {MaxTotalElements:N0})");
            var t = d.Type;
            switch (t.Class)
            {
                case H5DataTypeClass.FloatingPoint:
                    result.Arrays[name] = new(shape, t.Size switch
                    {
                        4 => d.Read<float[]>().Select(v => (double)v).ToArray(),
                        8 => d.Read<double[]>(),
                        _ => throw new NeuromorphicException($"{path}: dataset '{Text.Escape(where)}' is a {t.Size * 8}-bit "
                            + $"float; expected 32 or 64 bits"),
                    });
                    break;
                case H5DataTypeClass.FixedPoint:
                    bool signed = t.FixedPoint.IsSigned;
                    result.Arrays[name] = new(shape, (t.Size, signed) switch
                    {
                        (1, true) => d.Read<sbyte[]>().Select(v => (double)v).ToArray(),
                        (1, false) => d.Read<byte[]>().Select(v => (double)v).ToArray(),
                        (2, true) => d.Read<short[]>().Select(v => (double)v).ToArray(),
                        (2, false) => d.Read<ushort[]>().Select(v => (double)v).ToArray(),
                        (4, true) => d.Read<int[]>().Select(v => (double)v).ToArray(),
                        (4, false) => d.Read<uint[]>().Select(v => (double)v).ToArray(),
                        (8, true) => d.Read<long[]>().Select(v => (double)v).ToArray(),
                        (8, false) => d.Read<ulong[]>().Select(v => (double)v).ToArray(),
                        _ => throw new NeuromorphicException($"{path}: dataset '{Text.Escape(where)}' is a {t.Size * 8}-bit "
                            + $"integer; expected 8 to 64 bits"),
                    });
                    break;
                case H5DataTypeClass.String:
                case H5DataTypeClass.VariableLength:
                    var strings = d.Read<string[]>();
                    if (strings.Length != count || strings.Any(x => x == null))
                        throw new NeuromorphicException($"{path}: dataset '{Text.Escape(where)}' holds a string that cannot be read (a "
                            + $"null or dangling reference)");
                    result.Strings[name] = (shape, strings);
                    break;
                default:
                    result.Unsupported[name] = t.Class.ToString();
                    break;
            }
        }
        return result;
    }

    /// <summary>The configuration JSON that <see cref="Write"/> stores in the graph's metadata, if any.</summary>
    internal static Engine.SimulationConfig? StoredConfig(NirGroup graph, string path)
    {
        if (!graph.Groups.TryGetValue("metadata", out var meta) || meta.String("neuromorphic_config") is not { Length: > 0 } json) return null;
        try { return JsonSerializer.Deserialize<Engine.SimulationConfig>(json, ModelFile.Json); }
        catch (JsonException e)
        {
            throw new NeuromorphicException($"{path}: /node/metadata/neuromorphic_config is not a readable configuration "
            + $"({Text.Plain(e.Message.Split('\n')[0])})");
        }
    }
}
