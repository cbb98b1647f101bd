using System.Globalization;

namespace Neuromorphic.Cli;

/// <summary>`--record`, `--record-neurons` and `--record-samples` of run, test and plot raster: what goes into the NumPy
/// recording (<see cref="Recording"/>; layout in docs/formats.md). Checked before anything is simulated.</summary>
internal sealed class RecordOptions
{
    public readonly Option<string?> Record = new("--record")
    {
        Description = "write a NumPy .npz recording: spikes (every population's spike times and neuron indices per sample), state (I, V, U traces "
            + "of --record-neurons; cpu backend), or spikes,state",
    };
    public readonly Option<string[]> Neurons = new("--record-neurons")
    {
        Description = "neurons whose I, V and U to record, POP:LIST, e.g. hidden1:0-9 or prediction:0,3 (repeatable; default: neurons 0-9 of every "
            + "hidden and prediction layer)",
    };
    public readonly Option<int?> Samples = new("--record-samples")
    {
        Description = "samples recorded, from the first (default: every sample of run, the first 100 of test)",
    };

    public void AddTo(Command c)
    {
        c.Options.Add(Record);
        c.Options.Add(Neurons);
        c.Options.Add(Samples);
    }

    /// <summary>What --record asks for, null when it is not given; <paramref name="outOption"/> names the file option,
    /// which must then be given.</summary>
    public (bool Spikes, bool State)? Kinds(ParseResult r, string? outPath, string outOption)
    {
        string? text = r.GetValue(Record);
        bool neurons = r.GetValue(Neurons) is { Length: > 0 };
        if (text == null)
        {
            if (neurons) throw new NeuromorphicException("--record-neurons: give --record state (or spikes,state) as well");
            if (r.GetValue(Samples) != null) throw new NeuromorphicException("--record-samples: give --record as well");
            return null;
        }
        bool spikes = false, state = false;
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
            switch (part.ToLowerInvariant())
            {
                case "spikes": spikes = true; break;
                case "state": state = true; break;
                default: throw new NeuromorphicException($"--record '{text}': expected spikes, state or spikes,state, got '{part}'");
            }
        if (neurons && !state) throw new NeuromorphicException($"--record-neurons: --record {text} records no state; give "
            + $"--record state (or spikes,state)");
        if (outPath == null) throw new NeuromorphicException($"--record {text}: give the .npz file to write with {outOption}");
        if (!outPath.EndsWith(".npz", StringComparison.OrdinalIgnoreCase)) throw new NeuromorphicException($"{outOption} {outPath}: a recording is "
            + $"a NumPy .npz file; give a name ending in .npz");
        AtomicFile.CheckWritable(outPath, outOption);
        if (r.GetValue(Samples) is < 1) throw new NeuromorphicException($"--record-samples must be at least 1, got {r.GetValue(Samples)}");
        return (spikes, state);
    }

    /// <summary>The recording of <paramref name="samples"/> samples (capped by --record-samples, else
    /// <paramref name="defaultSamples"/>) for <paramref name="engine"/>, or null without --record.</summary>
    public Recording? Create(ParseResult r, (bool Spikes, bool State)? kinds, SimulationEngine engine, int steps, int samples, int defaultSamples)
    {
        if (kinds is not { } k) return null;
        var net = engine.Network;
        Dictionary<int, int[]>? neurons = null;
        if (k.State)
        {
            if (engine is not CpuEngine)
                throw new NeuromorphicException($"--record state: I, V and U traces are read by the cpu backend of eRBP networks (the GPU kernels "
                    + $"keep the state on the device); this run uses {engine.BackendName}: give --backend cpu");
            neurons = ParseNeurons(r.GetValue(Neurons) ?? [], net);
        }
        int n = Math.Min(samples, r.GetValue(Samples) ?? defaultSamples);
        return new Recording(net, engine.Config.DtMs, steps, n, k.Spikes, neurons);
    }

    /// <summary>POP:LIST entries (LIST: indices and ranges a-b, comma-separated) to population -> neurons; none given:
    /// the first ten neurons of every two-compartment population off the error path.</summary>
    static Dictionary<int, int[]> ParseNeurons(string[] entries, Network net)
    {
        var result = new Dictionary<int, int[]>();
        if (entries.Length == 0)
        {
            for (int p = 0; p < net.Populations.Count; p++)
                if (net.Populations[p].Kind == PopulationKind.TwoCompartment && !net.Populations[p].ErrorPath)
                    result[p] = Enumerable.Range(0, Math.Min(10, net.Populations[p].Size)).ToArray();
            return result;
        }
        foreach (var entry in entries)
        {
            int colon = entry.IndexOf(':');
            if (colon <= 0) throw new NeuromorphicException($"--record-neurons '{entry}': expected POP:LIST, e.g. hidden1:0-9");
            string name = entry[..colon];
            int p = net.Populations.ToList().FindIndex(x => x.Name == name);
            if (p < 0) throw new NeuromorphicException($"--record-neurons '{entry}': no population '{name}' (the network has "
                + $"{string.Join(", ", net.Populations.Select(x => x.Name))})");
            var ids = new List<int>();
            foreach (var part in entry[(colon + 1)..].Split(',', StringSplitOptions.TrimEntries))
            {
                var ends = part.Split('-');
                bool ok = ends.Length is 1 or 2 && ends.All(e => int.TryParse(e, NumberStyles.None, CultureInfo.InvariantCulture, out _));
                int lo = ok ? int.Parse(ends[0], CultureInfo.InvariantCulture) : 0, hi = ok ? int.Parse(ends[^1], CultureInfo.InvariantCulture) : -1;
                if (!ok || hi < lo) throw new NeuromorphicException($"--record-neurons '{entry}': '{part}' is not a neuron index or a range a-b");
                if (hi >= net.Populations[p].Size) throw new NeuromorphicException($"--record-neurons '{entry}': neuron {hi} is outside "
                    + $"0..{net.Populations[p].Size - 1} ({name} has {net.Populations[p].Size} neurons)");
                for (int i = lo; i <= hi; i++) ids.Add(i);
            }
            result[p] = (result.TryGetValue(p, out var before) ? before.Concat(ids) : ids).Distinct().Order().ToArray();
        }
        return result;
    }
}
