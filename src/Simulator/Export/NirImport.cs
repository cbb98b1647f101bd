using Neuromorphic.Neurons;
using Neuromorphic.Simulator.Engine;
using Neuromorphic.Simulator.Files;

namespace Neuromorphic.Simulator.Export;

/// <summary>
/// Turns a NIR feed-forward graph (Input -&gt; (Affine|Linear -&gt; LIF|CubaLIF|IF)+ -&gt; Output, as written by snnTorch,
/// Norse or <see cref="NirFile.Write"/>) into a model file that <c>test</c> and <c>run</c> simulate. Convention
/// (docs/formats.md): an input spike is a pulse of height 1 lasting one step dt. Then one spike through weight W
/// <list type="bullet">
/// <item>CubaLIF (tau_syn dI/dt = -I + w_in S, tau_mem dv/dt = v_leak - v + r I): I jumps by W w_in dt / tau_syn, and
/// r scales I's effect on v; our neuron's current jumps by W' = W r w_in dt / tau_syn (r = 1 here).</item>
/// <item>LIF (tau dv/dt = v_leak - v + r I): v jumps by W r dt / tau; emulated by our neuron with tau_syn = dt/1000
/// (the current dies within the step) and W' chosen so that v moves by exactly that.</item>
/// <item>IF (dv/dt = r I): v jumps by W r dt; emulated like LIF with tau_mem = 10^9 ms (no leak).</item>
/// </list>
/// An Affine bias b becomes a bias current per neuron: b times the same factor, added to the neuron's input every step.
/// Our engine has one parameter set for all hidden layers and one for the prediction layer, leak to 0 and reset to 0:
/// anything else is refused with a message naming the node and the parameter.
/// </summary>
public static class NirImport
{
    static readonly string[] Supported = ["Input", "Affine", "Linear", "LIF", "CubaLIF", "IF", "Output"];
    const double NoLeakTauMs = 1e9;

    /// <summary>The result: the model file, and notes on what was assumed (printed by the CLI).</summary>
    public sealed record Result(ModelFile Model, List<string> Notes);

    public static Result Import(string path, double? dtMsOption = null, bool allowLarge = false)
    {
        var root = NirFile.Read(path, allowLarge);
        if (!root.Groups.TryGetValue("node", out var graph)) throw new NeuromorphicException($"{path}: no group /node (not a NIR file)");
        string type = graph.String("type") ?? throw new NeuromorphicException($"{path}: /node/type is missing or not a string");
        if (type != "NIRGraph") throw new NeuromorphicException($"{path}: /node has type '{Text.Escape(type)}', expected NIRGraph");
        if (!graph.Groups.TryGetValue("nodes", out var nodes)) throw new NeuromorphicException($"{path}: /node/nodes is missing");
        var notes = new List<string>();
        var types = new Dictionary<string, string>();
        foreach (var (name, node) in nodes.Groups)
        {
            string t = node.String("type") ?? throw new NeuromorphicException($"{path}: node '{Text.Escape(name)}' has no string dataset 'type'");
            if (!Supported.Contains(t)) throw new NeuromorphicException($"{path}: node '{Text.Escape(name)}' has type '{Text.Escape(t)}', which "
                + $"import does not support (supported: {string.Join(", ", Supported)})");
            types[name] = t;
        }
        if (!graph.Strings.TryGetValue("edges", out var edges)) throw new NeuromorphicException($"{path}: /node/edges is "
            + $"missing or not an array of strings");
        if (edges.Shape.Length != 2 || edges.Shape[1] != 2) throw new NeuromorphicException($"{path}: /node/edges has shape "
            + $"({string.Join(", ", edges.Shape)}), expected (E, 2)");
        var next = new Dictionary<string, string>();
        var hasInput = new HashSet<string>();
        for (int e = 0; e < edges.Shape[0]; e++)
        {
            string a = edges.Values[2 * e], b = edges.Values[2 * e + 1];
            foreach (var x in new[] { a, b })
                if (!types.ContainsKey(x)) throw new NeuromorphicException($"{path}: edge {e} ({Text.Escape(a)} -> {Text.Escape(b)}) names node "
                    + $"'{Text.Escape(x)}', which is not in /node/nodes");
            if (!next.TryAdd(a, b)) throw new NeuromorphicException($"{path}: node '{Text.Escape(a)}' has more than one outgoing edge; only "
                + $"feed-forward chains are supported");
            if (!hasInput.Add(b)) throw new NeuromorphicException($"{path}: node '{Text.Escape(b)}' has more than one incoming edge; only "
                + $"feed-forward chains are supported");
        }
        var inputs = types.Where(kv => kv.Value == "Input").Select(kv => kv.Key).ToArray();
        if (inputs.Length != 1) throw new NeuromorphicException($"{path}: {inputs.Length} Input nodes, expected 1");

        // Walk the chain from the input.
        var chain = new List<string> { inputs[0] };
        while (next.TryGetValue(chain[^1], out var n))
        {
            if (chain.Count > types.Count) throw new NeuromorphicException($"{path}: the edges form a cycle through '{Text.Escape(n)}'");
            chain.Add(n);
        }
        if (types[chain[^1]] != "Output") throw new NeuromorphicException($"{path}: the chain from '{Text.Escape(inputs[0])}' ends at "
            + $"'{Text.Escape(chain[^1])}' ({Text.Escape(types[chain[^1]])}), not at an Output node");
        if (chain.Count != types.Count) throw new NeuromorphicException($"{path}: node '{Text.Escape(types.Keys.First(k => !chain.Contains(k)))}' "
            + $"is not on the chain from the input to the output");
        int inputSize = (int)Math.Min(int.MaxValue, Product(nodes.Groups[inputs[0]], "shape", path, inputs[0]));

        var config = NirFile.StoredConfig(graph, path) ?? new SimulationConfig();
        double dtMs = dtMsOption ?? (graph.Groups.TryGetValue("metadata", out var gm) && gm.Arrays.TryGetValue("dt", out var dtA) && dtA.Count == 1
            ? dtA.Values[0] * 1e3 : double.NaN);
        if (double.IsNaN(dtMs)) { dtMs = config.DtMs; notes.Add($"the file states no dt: simulating with dt = {dtMs} ms (--dt-ms sets another)"); }
        dtMs = Math.Round(dtMs, 9); // seconds in the file: drop the binary noise of the conversion
        if (!(dtMs > 0 && dtMs <= 10)) throw new NeuromorphicException($"{path}: dt = {dtMs} ms, expected (0, 10] ms");

        var layers = new List<int> { inputSize };
        var probabilities = new List<(string Node, double? P)>();
        var weights = new List<float[]>();
        var lifs = new List<(string Name, LifParameters P)>();
        var biases = new List<float[]?>();
        for (int i = 1; i + 1 < chain.Count; i += 2)
        {
            string fcName = chain[i], nName = chain[i + 1];
            if (types[fcName] is not ("Affine" or "Linear")) throw new NeuromorphicException($"{path}: node '{Text.Escape(fcName)}' "
                + $"({Text.Escape(types[fcName])}) where an Affine or Linear node was expected (chain: {Text.Escape(string.Join(" -> ", chain))})");
            if (i + 1 >= chain.Count - 1 || types[nName] is not ("LIF" or "CubaLIF" or "IF")) throw new NeuromorphicException($"{path}: node "
                + $"'{Text.Escape(nName)}' ({Text.Escape(types[nName])}) where a LIF, CubaLIF or IF node was expected after '{Text.Escape(fcName)}'");
            var fc = nodes.Groups[fcName];
            var w = Need(fc, "weight", path, fcName);
            if (w.Shape.Length != 2) throw new NeuromorphicException($"{path}: node '{Text.Escape(fcName)}' weight has shape "
                + $"({string.Join(", ", w.Shape)}), expected (out, in)");
            int outN = (int)w.Shape[0], inN = (int)w.Shape[1];
            if (inN != layers[^1]) throw new NeuromorphicException($"{path}: node '{Text.Escape(fcName)}' weight is ({outN}, {inN}) but its "
                + $"input has {layers[^1]} neurons");
            if (outN < 1 || outN > ExportedNetwork.MaxLayerSize) throw new NeuromorphicException($"{path}: node "
                + $"'{Text.Escape(fcName)}' has {outN} outputs");
            probabilities.Add((fcName, TransmissionProbability(fc, fcName, path)));
            var node = nodes.Groups[nName];
            var (lif, factor) = Neuron(node, types[nName], nName, outN, dtMs, path, notes);
            biases.Add(Bias(fc, types[fcName], fcName, outN, factor, path, notes));
            var wt = new float[inN * outN]; // ours: [pre][post]
            for (int o = 0; o < outN; o++)
                for (int k = 0; k < inN; k++)
                {
                    double v = w.Values[(long)o * inN + k] * factor;
                    if (!float.IsFinite((float)v)) throw new NeuromorphicException($"{path}: node '{Text.Escape(fcName)}' weight ({o}, {k}) "
                        + $"becomes {v:G4} mV, which is not a finite float32 number");
                    wt[k * outN + o] = (float)v;
                }
            weights.Add(wt);
            layers.Add(outN);
            lifs.Add((nName, lif));
        }
        if (weights.Count == 0) throw new NeuromorphicException($"{path}: no Affine/Linear and neuron layers between input and output");
        long outSize = Product(nodes.Groups[chain[^1]], "shape", path, chain[^1], optional: true);
        if (outSize > 0 && outSize != layers[^1]) throw new NeuromorphicException($"{path}: Output '{Text.Escape(chain[^1])}' has shape of "
            + $"{outSize} elements, the last layer has {layers[^1]} neurons");
        for (int l = 1; l + 1 < lifs.Count; l++)
            if (lifs[l].P != lifs[0].P) throw new NeuromorphicException($"{path}: hidden layers '{Text.Escape(lifs[0].Name)}' and "
                + $"'{Text.Escape(lifs[l].Name)}' have different neuron parameters; this engine has one set for all hidden layers");
        double blankOut = BlankOut(probabilities, NirFile.StoredConfig(graph, path), path, notes);
        var hidden = lifs.Count > 1 ? lifs[0].P : config.Hidden;
        var output = lifs[^1].P;
        config = config with
        {
            DtMs = dtMs,
            Rule = RuleKind.None,
            WeightBits = 0,
            LayerGateMv = null,
            TransmissionProbability = blankOut,
            Hidden = hidden with
            {
                TauDendriteMs = config.Hidden.TauDendriteMs,
                NoiseWeightMv = config.Hidden.NoiseWeightMv,
                NoiseRateHz = config.Hidden.NoiseRateHz
            },
            Output = output with
            {
                TauDendriteMs = config.Output.TauDendriteMs,
                NoiseWeightMv = config.Output.NoiseWeightMv,
                NoiseRateHz = config.Output.NoiseRateHz
            },
        };
        try { config.Validate(); }
        catch (NeuromorphicException e)
        {
            throw e.Prefixed($"{path}: configuration (/node/metadata/neuromorphic_config "
            + $"and the nodes' parameters): ");
        }
        var net = ErbpNetwork.Build([.. layers], config);
        var fwd = net.ForwardProjections.ToArray();
        for (int l = 0; l < fwd.Length; l++)
        {
            Array.Copy(weights[l], fwd[l].Weights, weights[l].Length);
            if (biases[l] is { } b) net.Populations[fwd[l].Target] = net.Populations[fwd[l].Target] with { BiasMv = b };
        }
        return new Result(ModelFile.From(net, config, new TrainingProgress()), notes);
    }

    /// <summary>
    /// The bias current of the layer an Affine node feeds (null for a Linear node or an all-zero bias: snnTorch and Norse
    /// write zeros for bias-free layers). NIR's Affine is y = W x + b at every step, so b enters the neuron each step as
    /// the weight of an input spiking at every step would: b times the same factor as the weights (docs/formats.md).
    /// </summary>
    static float[]? Bias(NirGroup fc, string type, string name, int size, double factor, string path, List<string> notes)
    {
        if (!fc.Arrays.TryGetValue("bias", out var bias))
        {
            if (fc.Strings.ContainsKey("bias") || fc.Unsupported.ContainsKey("bias")) throw new NeuromorphicException($"{path}: node "
                + $"'{Text.Escape(name)}' parameter 'bias' is not numeric");
            return null;
        }
        if (bias.Values.All(b => b == 0)) return null;
        if (type == "Linear") throw new NeuromorphicException($"{path}: node '{Text.Escape(name)}' is Linear (no bias) but "
            + $"holds a nonzero dataset 'bias'");
        if (bias.Count != size) throw new NeuromorphicException($"{path}: node '{Text.Escape(name)}' bias has "
            + $"{bias.Count} values for {size} outputs");
        var mv = new float[size];
        for (int o = 0; o < size; o++)
        {
            double v = bias.Values[o] * factor;
            if (!float.IsFinite((float)v)) throw new NeuromorphicException($"{path}: node '{Text.Escape(name)}' bias {o} becomes {v:G4} mV, which "
                + $"is not a finite float32 number");
            mv[o] = (float)v;
        }
        notes.Add($"node '{Text.Escape(name)}' has a nonzero bias ({bias.Values.Count(b => b != 0)} of {bias.Count} values, |b| up to "
            + $"{bias.Values.Max(Math.Abs):G4}): imported as a bias current of the layer's neurons, b x {factor:G6} = up to {mv.Max(Math.Abs):G4} "
            + $"mV added to their synaptic current every step");
        return mv;
    }

    /// <summary>The transmission probability an Affine node's metadata states (our export writes it), or null.</summary>
    static double? TransmissionProbability(NirGroup fc, string name, string path)
    {
        if (!fc.Groups.TryGetValue("metadata", out var meta) || !meta.Arrays.TryGetValue("transmission_probability", out var a)) return null;
        double p = a.Count == 1 ? a.Values[0] : double.NaN;
        return p is > 0 and <= 1 ? p : throw new NeuromorphicException($"{path}: node '{Text.Escape(name)}' metadata/transmission_probability is "
            + $"not one probability in (0, 1]");
    }

    /// <summary>
    /// The blank-out p of the imported network: what the Affine nodes' metadata state (one value for every layer, as our
    /// engine has one p); for files exported before p was stored per node, the p of the stored configuration of a peRBP
    /// model (those exports always held the learned weights). A note says where p came from whenever it is not 1.
    /// </summary>
    static double BlankOut(List<(string Node, double? P)> stated, SimulationConfig? stored, string path, List<string> notes)
    {
        var given = stated.Where(x => x.P != null).ToList();
        if (given.Count > 0)
        {
            if (given.Count != stated.Count || given.Any(x => x.P != given[0].P))
                throw new NeuromorphicException($"{path}: the Affine nodes state different transmission probabilities "
                    + $"({string.Join(", ", stated.Select(x => $"{Text.Escape(x.Node)} {x.P?.ToString() ?? "none"}"))}); this engine has one "
                    + $"blank-out p for every layer");
            double p = given[0].P!.Value;
            if (p < 1) notes.Add($"blank-out synapses: p = {p} read from the file's metadata; test and run draw them, as the model was trained "
                + $"(NIR readers without stochastic synapses run every synapse)");
            return p;
        }
        if (stored is { Rule: RuleKind.Perbp, TransmissionProbability: < 1 } c)
        {
            notes.Add($"blank-out synapses: p = {c.TransmissionProbability} taken from metadata/neuromorphic_config (the file predates the "
                + $"per-node transmission_probability); test and run draw them, as the model was trained");
            return c.TransmissionProbability;
        }
        if (stored is { TransmissionProbability: < 1 })
            notes.Add($"the stored configuration states blank-out p = {stored.TransmissionProbability} for a model whose rule did not use it: the "
                + $"imported synapses are deterministic (p = 1)");
        return 1.0;
    }

    /// <summary>Our neuron parameters for one NIR neuron node, and the factor from NIR weights to our current jumps.</summary>
    static (LifParameters, double) Neuron(NirGroup node, string type, string name, int size, double dtMs, string path, List<string> notes)
    {
        double U(string p, double? dflt = null) => Uniform(node, p, name, size, path, dflt, notes);
        double dtS = dtMs * 1e-3;
        // metadata/refractory_period is the dead time (the shortest inter-spike interval, NirFile.RefractoryConvention);
        // our neuron's RefractoryMs is the hold after the spike's own step, one step less.
        double deadMs = node.Groups.TryGetValue("metadata", out var meta) && meta.Arrays.ContainsKey("refractory_period")
            ? Math.Round(Uniform(meta, "refractory_period", name + "/metadata", size, path, null, notes) * 1e3, 9) : 0.0;
        if (!(deadMs >= 0) || double.IsInfinity(deadMs)) throw new NeuromorphicException($"{path}: node '{Text.Escape(name)}' has "
            + $"refractory_period = {deadMs / 1e3} s, expected a time >= 0");
        double refractoryMs = Math.Round(Math.Max(0, deadMs - dtMs), 9);
        double threshold = U("v_threshold");
        double reset = U("v_reset", 0.0);
        if (reset != 0) throw new NeuromorphicException($"{path}: node '{Text.Escape(name)}' has v_reset = {reset}; our neurons reset to 0");
        double leak = type == "IF" ? 0 : U("v_leak", 0.0);
        if (leak != 0) throw new NeuromorphicException($"{path}: node '{Text.Escape(name)}' has v_leak = {leak}; our neurons leak to 0");
        double r = U("r", 1.0);
        if (!(threshold > 0) || !double.IsFinite(threshold)) throw new NeuromorphicException($"{path}: node '{Text.Escape(name)}' has v_threshold "
            + $"= {threshold}, expected a positive number");
        double Tau(string p)
        {
            double t = U(p); return t > 0 && double.IsFinite(t) ? Math.Round(t * 1e3, 9)
            : throw new NeuromorphicException($"{path}: node '{Text.Escape(name)}' has {p} = {t}, expected a positive time constant in seconds");
        }
        switch (type)
        {
            case "CubaLIF":
            {
                double tauSyn = Tau("tau_syn"), tauMem = Tau("tau_mem"), wIn = U("w_in", 1.0);
                var p = new LifParameters(TauMembraneMs: tauMem, TauSynapseMs: tauSyn, ThresholdMv: threshold, RefractoryMs: refractoryMs);
                return (p, r * wIn * dtMs / tauSyn);
            }
            default:
            {
                // LIF and IF: a current that dies within the step, scaled so that v jumps by r W dt / tau (LIF) or r W dt (IF).
                double tauMem = type == "LIF" ? Tau("tau") : NoLeakTauMs, tauSyn = dtMs / 1000;
                double jump = type == "LIF" ? r * dtMs / tauMem : r * dtS;
                var p = new LifParameters(TauMembraneMs: tauMem, TauSynapseMs: tauSyn, ThresholdMv: threshold, RefractoryMs: refractoryMs);
                return (p, jump / LifCoefficients.ExactCurrentGain(tauMem, tauSyn, dtMs));
            }
        }
    }

    /// <summary>Largest relative spread of a per-neuron parameter that is still one value: what float32 storage and a
    /// framework's conversion (snnTorch writes tau = dt / (1 - beta) per neuron in float32) leave on equal values.</summary>
    public const double UniformRelativeSpread = 1e-5;

    /// <summary>A parameter that must be the same for every neuron of a layer: a scalar, an array of equal values, or an
    /// array whose values differ by at most <see cref="UniformRelativeSpread"/> of their size (their mean is used, and a
    /// note says so); anything wider is refused, naming two of the values.</summary>
    static double Uniform(NirGroup node, string p, string name, int size, string path, double? dflt, List<string> notes)
    {
        if (!node.Arrays.TryGetValue(p, out var a))
        {
            if (node.Strings.ContainsKey(p) || node.Unsupported.ContainsKey(p)) throw new NeuromorphicException($"{path}: node "
                + $"'{Text.Escape(name)}' parameter '{p}' is not numeric");
            return dflt ?? throw new NeuromorphicException($"{path}: node '{Text.Escape(name)}' lacks parameter '{p}'");
        }
        if (a.Count != 1 && a.Count != size) throw new NeuromorphicException($"{path}: node '{Text.Escape(name)}' parameter '{p}' has "
            + $"{a.Count} values for {size} neurons");
        if (a.Count == 0) throw new NeuromorphicException($"{path}: node '{Text.Escape(name)}' parameter '{p}' is empty");
        double v = a.Values[0];
        if (a.Values.All(x => x == v)) return v;
        double lo = a.Values.Min(), hi = a.Values.Max(), mean = a.Values.Average();
        if (double.IsFinite(lo) && double.IsFinite(hi) && hi - lo <= UniformRelativeSpread * Math.Max(Math.Abs(lo), Math.Abs(hi)))
        {
            notes.Add($"node '{Text.Escape(name)}' parameter '{p}' varies between neurons from {lo:R} to {hi:R} (a relative spread of "
                + $"{(hi - lo) / Math.Max(Math.Abs(lo), Math.Abs(hi)):G2}, float32 rounding): their mean {mean:R} is used for the layer");
            return mean;
        }
        throw new NeuromorphicException($"{path}: node '{Text.Escape(name)}' parameter '{p}' differs between neurons (from {lo} to {hi}, e.g. {v} "
            + $"and {a.Values.First(x => x != v)}); our engine has one value per layer (at most a relative spread of "
            + $"{UniformRelativeSpread:G} is taken as one value)");
    }

    static NirArray Need(NirGroup g, string p, string path, string name)
        => g.Arrays.TryGetValue(p, out var a) ? a : throw new NeuromorphicException($"{path}: node '{Text.Escape(name)}' "
            + $"lacks numeric dataset '{p}'");

    static long Product(NirGroup g, string p, string path, string name, bool optional = false)
    {
        if (!g.Arrays.TryGetValue(p, out var a)) return optional ? 0
            : throw new NeuromorphicException($"{path}: node '{Text.Escape(name)}' lacks numeric dataset '{p}'");
        long n = 1;
        foreach (var v in a.Values)
        {
            if (!(v >= 1) || v > ExportedNetwork.MaxLayerSize || (n *= (long)v) > ExportedNetwork.MaxLayerSize)
                throw new NeuromorphicException($"{path}: node '{Text.Escape(name)}' {p} [{string.Join(", ", a.Values)}] is not a size in "
                    + $"1..{ExportedNetwork.MaxLayerSize}");
        }
        return n;
    }
}
