using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Neuromorphic.Neurons;
using Neuromorphic.Plasticity;
using Neuromorphic.Simulator.S2m;

namespace Neuromorphic.Cli;

/// <summary>A configuration as people write and read it: the keys of <see cref="SimulationConfig"/> (as model files
/// store them), with the configuration's enums spelt as the options spell them (<c>"Rule": "perbp"</c>). A --config
/// file is read strictly: an unknown or misspelt key, or a key that other fields compute, is refused with the nearest
/// key, so that a typo never runs the default instead. Model files keep storing numbers (their hashes stay).</summary>
public static class ConfigJson
{
    /// <summary>Each enum of the configuration: the option that sets it and its names, the first name of a value being
    /// the one printed (the others are accepted too). The one home of these spellings.</summary>
    static readonly Dictionary<Type, (string Option, (string Name, int Value)[] Names)> Enums = new()
    {
        [typeof(RuleKind)] = ("--rule", [("erbp", (int)RuleKind.Erbp), ("perbp", (int)RuleKind.Perbp), ("s2m", (int)RuleKind.S2m),
            ("none", (int)RuleKind.None)]),
        [typeof(EncoderKind)] = ("--encoder", [("escape", (int)EncoderKind.EscapeNoise), ("escape-noise", (int)EncoderKind.EscapeNoise),
            ("poisson", (int)EncoderKind.Poisson), ("linear", (int)EncoderKind.Linear), ("reference", (int)EncoderKind.Reference)]),
        [typeof(Neuromorphic.Plasticity.StdpPairing)] = ("--stdp-pairing",
            [("all", (int)Neuromorphic.Plasticity.StdpPairing.All), ("nearest", (int)Neuromorphic.Plasticity.StdpPairing.Nearest)]),
        [typeof(ScheduleKind)] = ("--eta-schedule", [("exponential", (int)ScheduleKind.Exponential), ("exp", (int)ScheduleKind.Exponential),
            ("step", (int)ScheduleKind.Exponential),
            ("cosine", (int)ScheduleKind.Cosine), ("cos", (int)ScheduleKind.Cosine), ("1/t", (int)ScheduleKind.InverseTime),
                ("inverse", (int)ScheduleKind.InverseTime), ("inverse-time", (int)ScheduleKind.InverseTime)]),
        [typeof(FeedbackKind)] = ("--feedback", [("random", (int)FeedbackKind.Random), ("sign", (int)FeedbackKind.Sign),
            ("sign-symmetric", (int)FeedbackKind.Sign), ("symmetric", (int)FeedbackKind.Symmetric)]),
        [typeof(UpdateKind)] = ("--update", [("additive", (int)UpdateKind.Additive), ("manhattan", (int)UpdateKind.Manhattan)]),
        [typeof(Rounding)] = ("--rounding", [("stochastic", (int)Rounding.Stochastic), ("nearest", (int)Rounding.Nearest),
            ("truncate", (int)Rounding.Truncate)]),
        [typeof(BatchUpdateMode)] = ("--batch-update", [("step", (int)BatchUpdateMode.PerStep), ("sample", (int)BatchUpdateMode.PerSample)]),
        [typeof(S2mReadout)] = ("--readout", [("after-burn-in", (int)S2mReadout.AfterBurnIn), ("burn-in", (int)S2mReadout.AfterBurnIn),
            ("whole", (int)S2mReadout.WholeSample), ("all", (int)S2mReadout.WholeSample)]),
    };

    /// <summary>The value <paramref name="text"/> names (case-insensitive); otherwise one line: what was given and the names.</summary>
    public static T Parse<T>(string text, string? what = null) where T : struct, Enum
        => (T)Enum.ToObject(typeof(T), ParseValue(typeof(T), text, what ?? Enums[typeof(T)].Option));

    static int ParseValue(Type type, string text, string what)
    {
        var (_, names) = Enums[type];
        foreach (var (n, v) in names) if (string.Equals(n, text.Trim(), StringComparison.OrdinalIgnoreCase)) return v;
        throw new NeuromorphicException($"{what} '{text}': expected {Words(Printed(type).ToList())}");
    }

    /// <summary>How <paramref name="value"/> is printed: its option's name for it.</summary>
    public static string Name<T>(T value) where T : struct, Enum => Name(typeof(T), Convert.ToInt32(value));

    /// <summary>How an enum value of the configuration is printed (its type's own name, lower case, when no option names it).</summary>
    public static string Name(Enum value) =>
        Enums.ContainsKey(value.GetType()) ? Name(value.GetType(), Convert.ToInt32(value)) : value.ToString().ToLowerInvariant();

    static string Name(Type type, int value) => Enums[type].Names.FirstOrDefault(n => n.Value == value).Name
        ?? value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The printed names of an enum, one per value.</summary>
    static IEnumerable<string> Printed(Type type) => Enums[type].Names.DistinctBy(n => n.Value).Select(n => n.Name);

    static string Words(IReadOnlyList<string> names) => names.Count == 1 ? names[0]
        : string.Join(", ", names.Take(names.Count - 1)) + " or " + names[^1];

    /// <summary>The configuration as people read it (`presets`, the report, `train --json`): every settable field, enums by name.</summary>
    public static JsonObject Write(SimulationConfig config)
    {
        var node = JsonSerializer.SerializeToNode(config, Neuromorphic.Simulator.Files.ModelFile.Json)!.AsObject();
        Named(node, typeof(SimulationConfig));
        return node;
    }

    static void Named(JsonObject node, Type type)
    {
        var members = Members(type);
        foreach (var key in node.Select(kv => kv.Key).ToList())
        {
            if (!members.TryGetValue(key, out var m) || !m.Settable) { node.Remove(key); continue; }
            var t = Nullable.GetUnderlyingType(m.Type) ?? m.Type;
            if (Enums.ContainsKey(t) && node[key] is JsonValue v && v.TryGetValue(out int i)) node[key] = Name(t, i);
            else if (node[key] is JsonObject child && IsRecord(t)) Named(child, t);
        }
    }

    /// <summary>Reads a --config file (<paramref name="text"/> of <paramref name="path"/>): unknown keys refused with the
    /// nearest known one, enum names as the options spell them (numbers still read), then the usual deserialisation.</summary>
    public static SimulationConfig Read(string text, string path)
    {
        JsonNode? root;
        var docOptions = new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };
        try { root = JsonNode.Parse(text, documentOptions: docOptions); }
        catch (JsonException e)
        {
            throw new NeuromorphicException($"--config {path}: not a valid configuration "
            + $"({Text.Plain(e.Message.Split('\n')[0])})");
        }
        if (root is not JsonObject obj) throw new NeuromorphicException($"--config {path}: not a valid configuration (expected a JSON object of "
            + $"SimulationConfig fields, e.g. {{\"TestSampleMs\": 500}})");
        Check(obj, typeof(SimulationConfig), "", path);
        try { return obj.Deserialize<SimulationConfig>(Neuromorphic.Simulator.Files.ModelFile.Json) ?? new SimulationConfig(); }
        catch (JsonException e)
        {
            throw new NeuromorphicException($"--config {path}: not a valid configuration "
            + $"({Text.Plain(e.Message.Split('\n')[0])})");
        }
    }

    static void Check(JsonObject node, Type type, string prefix, string path)
    {
        var members = Members(type);
        foreach (var (key, value) in node.ToList())
        {
            string at = prefix + key;
            if (!members.TryGetValue(key, out var m))
            {
                string? near = Nearest(key, members.Where(x => x.Value.Settable).Select(x => x.Key));
                throw new NeuromorphicException($"--config {path}: unknown key "
                    + $"\"{Text.Escape(at, 80)}\"{(near != null ? $"; did you mean \"{prefix}{near}\"?" : "")} (keys: the fields of "
                    + $"SimulationConfig, docs/cli.md)");
            }
            if (!m.Settable) throw new NeuromorphicException($"--config {path}: \"{at}\" is computed from other fields and cannot be set; remove it");
            var t = Nullable.GetUnderlyingType(m.Type) ?? m.Type;
            if (Enums.TryGetValue(t, out var e) && value is JsonValue v && v.TryGetValue(out string? s))
                node[key] = ParseValue(t, s, $"--config {path}: \"{at}\" (as {e.Option})");
            else if (value is JsonObject child && IsRecord(t)) Check(child, t, at + ".", path);
        }
    }

    /// <summary>The key nearest to <paramref name="key"/> (case, '-' and '_' ignored; an option's name such as
    /// test-sample-ms finds TestSampleMs), or null when none is close.</summary>
    static string? Nearest(string key, IEnumerable<string> keys)
    {
        static string Fold(string s) => new(s.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant).ToArray());
        string k = Fold(key);
        var best = keys.Select(n => (Name: n, Distance: CommandLine.Distance(k, Fold(n)))).OrderBy(x => x.Distance).FirstOrDefault();
        return best.Name != null && best.Distance <= Math.Max(2, k.Length / 3) ? best.Name : null;
    }

    /// <summary>A parameter record of the configuration (class or struct), whose keys are checked in turn.</summary>
    static bool IsRecord(Type t) => !t.IsEnum && !t.IsArray && t.Namespace?.StartsWith("Neuromorphic", StringComparison.Ordinal) == true;

    /// <summary>The JSON keys of a type: properties and public fields, and whether JSON can set them (an init or set
    /// accessor, or a constructor parameter of that name).</summary>
    static Dictionary<string, (Type Type, bool Settable)> Members(Type type)
    {
        var ctorParams = type.GetConstructors().SelectMany(c => c.GetParameters()).Select(p => p.Name!).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var d = new Dictionary<string, (Type, bool)>();
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.GetIndexParameters().Length > 0 || p.Name == "EqualityContract") continue;
            d[p.Name] = (p.PropertyType, p.SetMethod is { IsPublic: true } || ctorParams.Contains(p.Name));
        }
        foreach (var f in type.GetFields(BindingFlags.Public | BindingFlags.Instance)) d[f.Name] = (f.FieldType, !f.IsInitOnly
            || ctorParams.Contains(f.Name));
        return d;
    }
}
