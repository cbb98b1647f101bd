using Neuromorphic.Neurons;
using Neuromorphic.Plasticity;
using Neuromorphic.Simulator.Engine;

namespace Neuromorphic.Simulator.S2m;

/// <summary>
/// Index layout of an S2M: visible units are 784 pixels, then <c>classes x labelUnits</c> label units
/// (class k owns units 784 + k*L .. 784 + k*L + L-1), then one bias unit; hidden units are H samplers,
/// then one bias unit. The single symmetric weight matrix is [visible + 1][hidden + 1], row-major: row j
/// holds the synapses of visible unit j, column i those of hidden unit i. Row <see cref="VisibleBias"/> holds
/// the hidden biases (weights from the always-on visible-side bias unit), column <see cref="HiddenBias"/> the
/// visible biases; the corner joins two bias units, neither of which listens, and is held at zero.
/// </summary>
public readonly record struct S2mLayout(int Pixels, int Classes, int LabelUnits, int Hidden)
{
    public int LabelStart => Pixels;
    public int Visible => Pixels + Classes * LabelUnits;
    /// <summary>Index of the visible-side bias unit (its row of W is the hidden biases).</summary>
    public int VisibleBias => Visible;
    /// <summary>Index of the hidden-side bias unit (its column of W is the visible biases).</summary>
    public int HiddenBias => Hidden;
    public int Rows => Visible + 1;
    public int Columns => Hidden + 1;

    public static S2mLayout Of(Network net, SimulationConfig config)
        => new(net.Layers[0], net.Layers[^1], config.LabelUnitsPerClass, net.Layers[1]);
}

/// <summary>
/// Builds the synaptic sampling machine of MODEL.md section 6: a visible layer (pixels and labels) and a
/// hidden layer of LIF samplers joined by one symmetric, blank-out weight matrix, with a bias unit per layer.
/// As a <see cref="Network"/>: population 0 "visible", population 1 "hidden", one projection
/// "visible&lt;-&gt;hidden" that serves both directions (no transposed copy). Layers are [pixels, hidden, classes].
/// </summary>
public static class S2mNetwork
{
    public const int Pixels = 784, Classes = 10;

    /// <summary>
    /// Fixed-point weights of an S2M (--weight-bits): a grid of 2^bits codes over +-(--weight-range x threshold),
    /// +-250 mV at the default 2.5, since a trained machine's weights outgrow their initial spread many times over
    /// (docs/s2m.md: median |w| about 6 mV, 99th percentile about 80 mV, biases to several hundred). Null for float.
    /// </summary>
    public static QuantFormat? WeightFormat(SimulationConfig config)
        => config.WeightBits > 0 ? QuantFormat.ForRange(config.WeightBits, config.WeightRangeFactor * config.Sampler.ThresholdMv,
            config.WeightRounding, config.WeightStepPowerOfTwo) : null;

    public static Network Build(int hidden, SimulationConfig config, int pixels = Pixels, int classes = Classes)
    {
        config.Validate();
        if (config.Family != ModelFamily.SynapticSampling) throw NeuromorphicException.ForField(nameof(SimulationConfig.Rule),
            f => $"S2M network needs {f} s2m, got {config.Rule}");
        if (hidden < 1 || hidden > 1_000_000) throw NeuromorphicException.ForField(RunFields.HiddenUnits,
            f => $"{f} must lie in 1..1000000, got {hidden}");
        if (pixels < 1 || classes < 2) throw new NeuromorphicException($"S2M needs at least one pixel and two classes, got {pixels} and {classes}");
        var layout = new S2mLayout(pixels, classes, config.LabelUnitsPerClass, hidden);
        long synapses = (long)layout.Rows * layout.Columns;
        if (synapses > 200_000_000)
            throw NeuromorphicException.ForField(RunFields.HiddenUnits, nameof(SimulationConfig.LabelUnitsPerClass),
                (h, l) => $"S2M of {layout.Rows - 1} visible and {hidden} hidden units needs {synapses:N0} weights; at most 200,000,000 are "
                + $"supported (lower {h} or {l})");
        var w = new float[synapses];
        double b = config.S2mInitMv;
        var format = WeightFormat(config);
        var nearest = format is { } f ? (f with { Rounding = Rounding.Nearest }).Coefficients : default;
        for (int j = 0; j < layout.Visible; j++)
            for (int i = 0; i < hidden; i++)
            {
                int k = j * layout.Columns + i;
                w[k] = (float)((2.0 * CounterRng.Uniform(config.Seed, CounterRng.StreamInit, 2000UL, (ulong)k) - 1.0) * b);
                if (format.HasValue) w[k] = Quantizer.Quantize(w[k], nearest, 0);
            }
        var pops = new List<Population>
        {
            new("visible", PopulationKind.Sampler, layout.Rows, config.Sampler),
            new("hidden", PopulationKind.Sampler, layout.Columns, config.Sampler),
        };
        var proj = new Projection
        {
            Name = "visible<->hidden", Source = 0, Target = 1, Compartment = Compartment.Soma, Weights = w,
            Plastic = true, Forward = true, TransmissionProbability = config.TransmissionProbability, WeightFormat = format,
        };
        return new Network { Populations = pops, Projections = [proj], Layers = [pixels, hidden, classes], DataPopulation = 0, OutputPopulation = 0 };
    }
}
