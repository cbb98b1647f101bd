using System.Text.Json;
using Neuromorphic.Simulator.Engine;

namespace Neuromorphic.Simulator.Export;

/// <summary>One layer of two-compartment neurons as exported: the somatic parameters that inference needs
/// (the dendrite only gates learning and is not exported). <see cref="RefractoryMs"/> is our neuron's hold after the
/// step of a spike; every file states the dead time instead (<see cref="Refractory"/>).</summary>
public sealed record NeuronLayer(string Name, string Population, int Size, double TauMembraneMs, double TauSynapseMs,
    double ThresholdMv, double ResetMv, double RefractoryMs);

/// <summary>One forward projection as exported: float weights row-major [pre][post] in mV (the jump of the
/// target's synaptic current per presynaptic spike), and the chip's integers when a profile was chosen.
/// <see cref="TransmissionProbability"/> is the probability that a presynaptic spike reaches each synapse when the
/// tables are run as written (1: deterministic synapses). <see cref="BiasMv"/>: the bias current of the target's
/// neurons (mV added to their synaptic current every step; null for none), which only NIR carries (Affine bias).</summary>
public sealed record ExportedProjection(string Name, string Source, string Target, int Rows, int Columns, float[] Weights, IntegerWeights? Integer,
    double TransmissionProbability = 1.0, float[]? BiasMv = null);

/// <summary>The one refractory convention of every export format: files state the <b>dead time</b>, the shortest
/// interval between two spikes of a neuron (NIR's refractory_period, <c>refractory_period_ms</c> in the tables). Our
/// neuron holds V for round(refractory/dt) steps after the step of its spike and may spike in the next: its dead time
/// is one step more (3.9 ms hold at dt 0.1 ms: 4.0 ms).</summary>
public static class Refractory
{
    public static double DeadTimeMs(double holdMs, double dtMs) => Math.Round((Math.Round(holdMs / dtMs) + 1) * dtMs, 9);
    /// <summary>Our hold for a stated dead time: one step less (none for a dead time of at most one step).</summary>
    public static double HoldMs(double deadTimeMs, double dtMs) => Math.Round(Math.Max(0, deadTimeMs - dtMs), 9);
}

/// <summary>What the weight tables of a model with blank-out synapses (p &lt; 1) hold (<c>export --synapses</c>).</summary>
public static class SynapseModes
{
    /// <summary>The learned weights, each synapse transmitting with probability p (stored beside them): for chips with
    /// stochastic synapses and software that draws.</summary>
    public const string Stochastic = "stochastic";
    /// <summary>The expected-value network: weights times p, every synapse transmitting (the usual way to run a
    /// dropout-trained network without noise).</summary>
    public const string Expected = "expected";
    /// <summary>A model without blank-out (p = 1): the tables are the learned weights, nothing to choose.</summary>
    public const string Deterministic = "deterministic";

    public static string Parse(string? text) => (text ?? Stochastic).Trim().ToLowerInvariant() switch
    {
        Stochastic => Stochastic,
        Expected => Expected,
        _ => throw new NeuromorphicException($"--synapses '{Text.Escape(text)}': expected stochastic or expected"),
    };

    /// <summary>The mode a file states (files written before the field: deterministic, p = 1).</summary>
    public static string Read(string? text, string path) => text switch
    {
        null or "" => Deterministic,
        Stochastic or Expected or Deterministic => text,
        _ => throw new NeuromorphicException($"{path}: field synapses = '{Text.Escape(text)}', expected stochastic, expected or deterministic"),
    };

    /// <summary>The tables' weights of one projection: the learned ones (pruned synapses 0), times p for the expected network.</summary>
    public static float[] Weights(Projection p, string mode)
    {
        var w = (float[])p.Weights.Clone();
        // A pruned synapse carries no events: weight 0 is the same for inference.
        if (p.Mask is { } mask) for (int k = 0; k < w.Length; k++) if (mask[k] == 0) w[k] = 0f;
        if (mode == Expected && p.TransmissionProbability < 1)
            for (int k = 0; k < w.Length; k++) w[k] = (float)(w[k] * p.TransmissionProbability);
        return w;
    }

    /// <summary>The mode of an export of <paramref name="net"/>: <paramref name="requested"/> when its synapses blank out,
    /// else deterministic.</summary>
    public static string For(Network net, string requested) =>
        net.ForwardProjections.Any(p => p.TransmissionProbability < 1) ? requested : Deterministic;

    /// <summary>The network that runs exported weights <paramref name="weights"/> (one array per forward projection) with
    /// the draws of blank-out (<paramref name="draws"/>, probability as trained) or with every synapse transmitting; its
    /// configuration is <paramref name="config"/> with the transmission probability set accordingly.</summary>
    public static (Network, SimulationConfig) Simulated(Network net, SimulationConfig config, IReadOnlyList<float[]> weights, bool draws)
    {
        var c = draws ? config : config with { TransmissionProbability = 1.0 };
        var copy = Networks.Copy(net, c);
        var fwd = copy.ForwardProjections.ToArray();
        for (int l = 0; l < fwd.Length; l++) Array.Copy(weights[l], fwd[l].Weights, fwd[l].Weights.Length);
        return (copy, c);
    }
}

/// <summary>
/// The trained network in the form every export format writes: input size, the forward projections
/// fc1..fcL (data -&gt; hidden1 -&gt; ... -&gt; prediction) and the neuron layers lif1..lifL. The fixed error-path
/// projections are training machinery and are not exported. With a chip profile the float weights are
/// replaced by exactly mantissa * scale, so every format carries the weights the chip applies.
/// <see cref="Synapses"/> says what the tables hold for a model trained with blank-out (<see cref="SynapseModes"/>),
/// <see cref="TrainedTransmissionProbability"/> the p it was trained with (1 without blank-out).
/// </summary>
public sealed record ExportedNetwork(string Chip, int[] Layers, double DtMs, NeuronLayer[] Neurons, ExportedProjection[] Projections,
    string ConfigJson,
    string Synapses = SynapseModes.Deterministic, double TrainedTransmissionProbability = 1.0)
{
    /// <summary>Caps for reading files from elsewhere: layer sizes and elements of one array.</summary>
    public const int MaxLayerSize = 1_000_000;
    public const long MaxElements = 100_000_000;

    public static ExportedNetwork From(Network net, SimulationConfig config, string chip, string synapses = SynapseModes.Stochastic)
    {
        if (config.Family != ModelFamily.FeedForward)
            throw new NeuromorphicException($"a {ModelFamilies.Name(config.Family)} model is exported by {nameof(ExportedS2m)}, not as a "
                + "feed-forward network");
        chip = ChipProfiles.Parse(chip);
        string mode = SynapseModes.For(net, synapses);
        var neurons = new List<NeuronLayer>();
        var projections = new List<ExportedProjection>();
        double trained = 1.0;
        int l = 0;
        foreach (var p in net.ForwardProjections)
        {
            l++;
            var w = SynapseModes.Weights(p, mode);
            var integer = ChipProfiles.Quantize(chip, w);
            if (integer != null) for (int k = 0; k < w.Length; k++) w[k] = integer.Value(k);
            var src = net.Populations[p.Source];
            var dst = net.Populations[p.Target];
            trained = Math.Min(trained, p.TransmissionProbability);
            if (dst.BiasMv != null && integer != null)
                throw new NeuromorphicException($"--chip {chip}: the model's {dst.Name} neurons have bias currents (imported from NIR Affine "
                    + $"biases), which the integer tables cannot hold; export with --chip float --format {ExportFormats.BiasFormats}");
            projections.Add(new ExportedProjection($"fc{l}", src.Name, dst.Name, src.Size, dst.Size, w, integer,
                mode == SynapseModes.Stochastic ? p.TransmissionProbability : 1.0,
                (float[]?)dst.BiasMv?.Clone()));
            var lif = dst.Lif;
            neurons.Add(new NeuronLayer($"lif{l}", dst.Name, dst.Size, lif.TauMembraneMs, lif.TauSynapseMs, lif.ThresholdMv, 0.0, lif.RefractoryMs));
        }
        return new ExportedNetwork(chip, net.Layers, config.DtMs, [.. neurons], [.. projections],
            JsonSerializer.Serialize(config, Files.ModelFile.Json), mode, trained);
    }

    /// <summary>Why a network with bias currents cannot be written in <paramref name="format"/>, whose tables have no place
    /// for them (<see cref="IExportFormat.HoldsBiasCurrents"/>); null when the network has none.</summary>
    public string? BiasRefusal(string format) => Projections.FirstOrDefault(p => p.BiasMv != null) is { } p
        ? $"--format {format}: the model's {p.Target} neurons have bias currents (imported from NIR Affine biases), which {format} tables "
            + $"cannot hold; export with --format {ExportFormats.BiasFormats}"
        : null;

    /// <summary>Refuses, in one line, to write a network with bias currents in <paramref name="format"/>: the writers of
    /// formats without a place for them call it before writing anything (<c>export</c> asks <see cref="ExportFormats"/>
    /// before it creates anything).</summary>
    public void RefuseBias(string format)
    {
        if (BiasRefusal(format) is { } why) throw new NeuromorphicException(why);
    }

    /// <summary>Checks sizes against the layers: every reader calls this before the data is used.</summary>
    public void Validate(string path)
    {
        if (Layers.Length < 2 || Layers.Any(s => s <= 0 || s > MaxLayerSize))
            throw new NeuromorphicException($"{path}: layers [{string.Join(", ", Layers)}] are not 2 or more sizes in 1..{MaxLayerSize}");
        if (Projections.Length != Layers.Length - 1 || Neurons.Length != Layers.Length - 1)
            throw new NeuromorphicException($"{path}: {Projections.Length} projections and {Neurons.Length} neuron layers for {Layers.Length} "
                + $"layers (expected {Layers.Length - 1} of each)");
        if (!(DtMs > 0 && DtMs <= 10)) throw new NeuromorphicException($"{path}: dt_ms {DtMs} is not in (0, 10]");
        for (int l = 0; l < Projections.Length; l++)
        {
            var p = Projections[l];
            if (p.Rows != Layers[l] || p.Columns != Layers[l + 1] || p.Weights.Length != (long)p.Rows * p.Columns)
                throw new NeuromorphicException($"{path}: projection '{p.Name}' is {p.Rows}x{p.Columns} with {p.Weights.Length} weights; layers "
                    + $"give {Layers[l]}x{Layers[l + 1]}");
            Validation.CheckProjection(p, path);
            var n = Neurons[l];
            if (n.Size != Layers[l + 1])
                throw new NeuromorphicException($"{path}: neuron layer '{n.Name}' has {n.Size} neurons; layer {l + 1} has {Layers[l + 1]}");
            Validation.CheckNeurons(n, path);
        }
        Validation.CheckBlankOut(Synapses, TrainedTransmissionProbability, path);
    }
}

/// <summary>Checks shared by the readers of both families.</summary>
static class Validation
{
    public static void CheckProjection(ExportedProjection p, string path)
    {
        if (p.Weights.Any(w => !float.IsFinite(w)))
            throw new NeuromorphicException($"{path}: projection '{p.Name}' holds a weight that is not a finite number");
        if (!(p.TransmissionProbability > 0 && p.TransmissionProbability <= 1))
            throw new NeuromorphicException($"{path}: projection '{p.Name}' has transmission_probability {p.TransmissionProbability}, expected "
                + "a probability in (0, 1]");
        if (p.Integer is not { } q) return;
        if (q.Mantissas.Length != p.Weights.Length)
            throw new NeuromorphicException($"{path}: projection '{p.Name}' has {q.Mantissas.Length} mantissas for {p.Weights.Length} weights");
        if (!(q.Scale > 0) || double.IsInfinity(q.Scale))
            throw new NeuromorphicException($"{path}: projection '{p.Name}' has scale {q.Scale}, expected a positive number");
        for (int k = 0; k < q.Mantissas.Length; k++)
        {
            if (q.Mantissas[k] < q.MinCode || q.Mantissas[k] > q.MaxCode)
                throw new NeuromorphicException($"{path}: projection '{p.Name}' mantissa {k} = {q.Mantissas[k]} lies outside [{q.MinCode}, "
                    + $"{q.MaxCode}]");
            if (q.Value(k) != p.Weights[k])
                throw new NeuromorphicException($"{path}: projection '{p.Name}' weight {k} = {p.Weights[k]} is not mantissa * scale = {q.Value(k)}");
        }
    }

    public static void CheckNeurons(NeuronLayer n, string path)
    {
        foreach (var (v, what) in new[] { (n.TauMembraneMs, "tau_mem_ms"), (n.TauSynapseMs, "tau_syn_ms"), (n.ThresholdMv, "v_threshold_mv") })
            if (!(v > 0) || double.IsInfinity(v))
                throw new NeuromorphicException($"{path}: neuron layer '{n.Name}' field {what} = {v}, expected a positive number");
        if (!(n.RefractoryMs >= 0) || double.IsInfinity(n.RefractoryMs))
            throw new NeuromorphicException($"{path}: neuron layer '{n.Name}' has a refractory period of {n.RefractoryMs} ms, expected >= 0");
    }

    public static void CheckBlankOut(string synapses, double trained, string path)
    {
        if (!(trained > 0 && trained <= 1))
            throw new NeuromorphicException($"{path}: trained_transmission_probability {trained}, expected a probability in (0, 1]");
        if (synapses == SynapseModes.Deterministic && trained != 1)
            throw new NeuromorphicException($"{path}: synapses deterministic but trained_transmission_probability {trained}");
    }
}

/// <summary>
/// A synaptic sampling machine as exported (layout of <see cref="S2m.S2mLayout"/>, docs/formats.md): one symmetric
/// weight matrix [visible + 1][hidden + 1] in mV, row-major; rows 0..pixels-1 are the pixel units, then
/// classes x label units (class k owns rows pixels + k L .. pixels + k L + L - 1), then the visible-side bias unit
/// (its row holds the hidden units' biases); columns 0..hidden-1 are the hidden units, then the hidden-side bias unit
/// (its column holds the visible units' biases). The corner joins two bias units and is 0. Visible and hidden units are
/// the same LIF samplers (<see cref="Sampler"/>); the bias units fire at <see cref="BiasRateHz"/>.
/// </summary>
public sealed record ExportedS2m(string Chip, double DtMs, int Pixels, int Classes, int LabelUnitsPerClass, int Hidden, NeuronLayer Sampler,
    double BiasRateHz, ExportedProjection Matrix, string Synapses, double TrainedTransmissionProbability, string ConfigJson)
{
    public S2m.S2mLayout Layout => new(Pixels, Classes, LabelUnitsPerClass, Hidden);
    /// <summary>The model's layers [pixels, hidden, classes] (as the model file and train state them).</summary>
    public int[] Layers => [Pixels, Hidden, Classes];

    public static ExportedS2m From(Network net, SimulationConfig config, string chip, string synapses = SynapseModes.Stochastic)
    {
        if (config.Family != ModelFamily.SynapticSampling)
            throw new NeuromorphicException($"a {ModelFamilies.Name(config.Family)} model is exported by {nameof(ExportedNetwork)}, not as an S2M");
        chip = ChipProfiles.Parse(chip);
        var layout = S2m.S2mLayout.Of(net, config);
        var proj = net.Projections[0];
        string mode = SynapseModes.For(net, synapses);
        var w = SynapseModes.Weights(proj, mode);
        var integer = ChipProfiles.Quantize(chip, w);
        if (integer != null) for (int k = 0; k < w.Length; k++) w[k] = integer.Value(k);
        var lif = config.Sampler;
        return new ExportedS2m(chip, config.DtMs, layout.Pixels, layout.Classes, layout.LabelUnits, layout.Hidden,
            new NeuronLayer("sampler", "visible+hidden", layout.Visible + layout.Hidden, lif.TauMembraneMs, lif.TauSynapseMs, lif.ThresholdMv, 0.0,
                lif.RefractoryMs),
            config.BiasRateHz,
            new ExportedProjection("visible_hidden", "visible", "hidden", layout.Rows, layout.Columns, w, integer,
                mode == SynapseModes.Stochastic ? proj.TransmissionProbability : 1.0),
            mode, proj.TransmissionProbability, JsonSerializer.Serialize(config, Files.ModelFile.Json));
    }

    public void Validate(string path)
    {
        if (Pixels < 1 || Pixels > ExportedNetwork.MaxLayerSize || Hidden < 1 || Hidden > ExportedNetwork.MaxLayerSize
            || Classes < 2 || Classes > 100_000
            || LabelUnitsPerClass < 1 || LabelUnitsPerClass > 1000)
            throw new NeuromorphicException($"{path}: S2M of {Pixels} pixels, {Classes} classes x {LabelUnitsPerClass} label units and {Hidden} "
                + "hidden units is out of range");
        if (!(DtMs > 0 && DtMs <= 10)) throw new NeuromorphicException($"{path}: dt_ms {DtMs} is not in (0, 10]");
        var l = Layout;
        var m = Matrix;
        if (m.Rows != l.Rows || m.Columns != l.Columns || m.Weights.Length != (long)m.Rows * m.Columns)
            throw new NeuromorphicException($"{path}: matrix '{m.Name}' is {m.Rows}x{m.Columns} with {m.Weights.Length} weights; the layout "
                + $"gives {l.Rows}x{l.Columns} (visible + bias, hidden + bias)");
        Validation.CheckProjection(m, path);
        Validation.CheckNeurons(Sampler, path);
        if (!(BiasRateHz > 0) || BiasRateHz * DtMs * 1e-3 > 1)
            throw new NeuromorphicException($"{path}: bias_rate_hz {BiasRateHz}, expected a rate in (0, 1/dt]");
        Validation.CheckBlankOut(Synapses, TrainedTransmissionProbability, path);
    }
}
