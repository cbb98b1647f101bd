using System.Text.Json;
using Neuromorphic.Simulator.Engine;

namespace Neuromorphic.Simulator.Export;

/// <summary>One layer of two-compartment neurons as exported: the somatic parameters that inference needs
/// (the dendrite only gates learning and is not exported).</summary>
public sealed record NeuronLayer(string Name, string Population, int Size, double TauMembraneMs, double TauSynapseMs,
    double ThresholdMv, double ResetMv, double RefractoryMs);

/// <summary>One forward projection as exported: float weights row-major [pre][post] in mV (the jump of the
/// target's synaptic current per presynaptic spike), and the chip's integers when a profile was chosen.</summary>
public sealed record ExportedProjection(string Name, string Source, string Target, int Rows, int Columns, float[] Weights, IntegerWeights? Integer);

/// <summary>
/// The trained network in the form every export format writes: input size, the forward projections
/// fc1..fcL (data -&gt; hidden1 -&gt; ... -&gt; prediction) and the neuron layers lif1..lifL. The fixed error-path
/// projections are training machinery and are not exported. With a chip profile the float weights are
/// replaced by exactly mantissa * scale, so every format carries the weights the chip applies.
/// </summary>
public sealed record ExportedNetwork(string Chip, int[] Layers, double DtMs, NeuronLayer[] Neurons, ExportedProjection[] Projections, string ConfigJson)
{
    /// <summary>Caps for reading files from elsewhere: layer sizes and elements of one array.</summary>
    public const int MaxLayerSize = 1_000_000;
    public const long MaxElements = 100_000_000;

    public static ExportedNetwork From(Network net, SimulationConfig config, string chip)
    {
        chip = ChipProfiles.Parse(chip);
        var neurons = new List<NeuronLayer>();
        var projections = new List<ExportedProjection>();
        int l = 0;
        foreach (var p in net.ForwardProjections)
        {
            l++;
            var w = (float[])p.Weights.Clone();
            // A pruned synapse carries no events: weight 0 is the same for inference.
            if (p.Mask is { } mask) for (int k = 0; k < w.Length; k++) if (mask[k] == 0) w[k] = 0f;
            var integer = ChipProfiles.Quantize(chip, w);
            if (integer != null) for (int k = 0; k < w.Length; k++) w[k] = integer.Value(k);
            var src = net.Populations[p.Source];
            var dst = net.Populations[p.Target];
            projections.Add(new ExportedProjection($"fc{l}", src.Name, dst.Name, src.Size, dst.Size, w, integer));
            var lif = dst.Lif;
            neurons.Add(new NeuronLayer($"lif{l}", dst.Name, dst.Size, lif.TauMembraneMs, lif.TauSynapseMs, lif.ThresholdMv, 0.0, lif.RefractoryMs));
        }
        return new ExportedNetwork(chip, net.Layers, config.DtMs, [.. neurons], [.. projections], JsonSerializer.Serialize(config, Files.ModelFile.Json));
    }

    /// <summary>Checks sizes against the layers: every reader calls this before the data is used.</summary>
    public void Validate(string path)
    {
        if (Layers.Length < 2 || Layers.Any(s => s <= 0 || s > MaxLayerSize)) throw new NeuromorphicException($"{path}: layers [{string.Join(", ", Layers)}] are not 2 or more sizes in 1..{MaxLayerSize}");
        if (Projections.Length != Layers.Length - 1 || Neurons.Length != Layers.Length - 1)
            throw new NeuromorphicException($"{path}: {Projections.Length} projections and {Neurons.Length} neuron layers for {Layers.Length} layers (expected {Layers.Length - 1} of each)");
        if (!(DtMs > 0 && DtMs <= 10)) throw new NeuromorphicException($"{path}: dt_ms {DtMs} is not in (0, 10]");
        for (int l = 0; l < Projections.Length; l++)
        {
            var p = Projections[l];
            if (p.Rows != Layers[l] || p.Columns != Layers[l + 1] || p.Weights.Length != (long)p.Rows * p.Columns)
                throw new NeuromorphicException($"{path}: projection '{p.Name}' is {p.Rows}x{p.Columns} with {p.Weights.Length} weights; layers give {Layers[l]}x{Layers[l + 1]}");
            if (p.Weights.Any(w => !float.IsFinite(w))) throw new NeuromorphicException($"{path}: projection '{p.Name}' holds a weight that is not a finite number");
            if (p.Integer is { } q)
            {
                if (q.Mantissas.Length != p.Weights.Length) throw new NeuromorphicException($"{path}: projection '{p.Name}' has {q.Mantissas.Length} mantissas for {p.Weights.Length} weights");
                if (!(q.Scale > 0) || double.IsInfinity(q.Scale)) throw new NeuromorphicException($"{path}: projection '{p.Name}' has scale {q.Scale}, expected a positive number");
                for (int k = 0; k < q.Mantissas.Length; k++)
                {
                    if (q.Mantissas[k] < q.MinCode || q.Mantissas[k] > q.MaxCode)
                        throw new NeuromorphicException($"{path}: projection '{p.Name}' mantissa {k} = {q.Mantissas[k]} lies outside [{q.MinCode}, {q.MaxCode}]");
                    if (q.Value(k) != p.Weights[k])
                        throw new NeuromorphicException($"{path}: projection '{p.Name}' weight {k} = {p.Weights[k]} is not mantissa * scale = {q.Value(k)}");
                }
            }
            var n = Neurons[l];
            if (n.Size != Layers[l + 1]) throw new NeuromorphicException($"{path}: neuron layer '{n.Name}' has {n.Size} neurons; layer {l + 1} has {Layers[l + 1]}");
            foreach (var (v, what) in new[] { (n.TauMembraneMs, "tau_mem_ms"), (n.TauSynapseMs, "tau_syn_ms"), (n.ThresholdMv, "v_threshold_mv") })
                if (!(v > 0) || double.IsInfinity(v)) throw new NeuromorphicException($"{path}: neuron layer '{n.Name}' field {what} = {v}, expected a positive number");
            if (!(n.RefractoryMs >= 0) || double.IsInfinity(n.RefractoryMs)) throw new NeuromorphicException($"{path}: neuron layer '{n.Name}' field refractory_ms = {n.RefractoryMs}, expected >= 0");
        }
    }
}
