using Neuromorphic.Neurons;
using Neuromorphic.Simulator.Data;
using Neuromorphic.Simulator.Engine;

namespace Neuromorphic.Simulator.Analysis;

/// <summary>Every spike of one lane of one simulated sample: step, population, neuron (a raster).</summary>
public sealed class SpikeRaster(int lane) : ISpikeRecorder
{
    public int Lane { get; } = lane;
    public List<(int Step, int Population, int Neuron)> Spikes { get; } = [];

    public void OnSpikes(int step, int population, int lane, ReadOnlySpan<int> neurons)
    {
        if (lane != Lane) return;
        foreach (var n in neurons) Spikes.Add((step, population, n));
    }
}

/// <summary>
/// How a network fires on a set of images, simulated one image at a time without learning: spike counts per image and
/// neuron of every population, the forward SynOps of each image, and the predicted classes. The firing rates of
/// `plot rates` and the SynOps per image of the report come from here.
/// </summary>
public sealed class Activity
{
    /// <summary>Spike counts per population, [image][neuron] flattened.</summary>
    public required int[][] Counts { get; init; }
    public required long[] SynOps { get; init; }
    public required int[] Predictions { get; init; }
    public required int[] Labels { get; init; }
    /// <summary>Duration of one test sample in seconds (a count over it is a rate).</summary>
    public required double SampleSeconds { get; init; }
    public int Images => SynOps.Length;

    /// <summary>Rates in Hz of population <paramref name="population"/>: one per (image, neuron).</summary>
    public IEnumerable<double> RatesHz(int population) => Counts[population].Select(c => c / SampleSeconds);

    sealed class Counter(int[][] counts, int[] sizes) : ISpikeRecorder
    {
        public int Image;
        public void OnSpikes(int step, int population, int lane, ReadOnlySpan<int> neurons)
        {
            var row = counts[population].AsSpan(Image * sizes[population], sizes[population]);
            foreach (var n in neurons) row[n]++;
        }
    }

    /// <summary>Simulates images <paramref name="first"/> .. first + count - 1 of <paramref name="set"/> one per run (lane 0),
    /// with the same presentation numbers as the test (<see cref="Training.Evaluation.TestPresentationBase"/> + index).</summary>
    public static Activity Record(SimulationEngine engine, IdxImageSet set, int first, int count, Action<int>? progress = null)
    {
        var net = engine.Network;
        var sizes = net.Populations.Select(p => p.Size).ToArray();
        var counts = sizes.Select(s => new int[count * s]).ToArray();
        var counter = new Counter(counts, sizes);
        var synops = new long[count];
        var predictions = new int[count];
        var labels = new int[count];
        var input = engine.NewInput();
        for (int i = 0; i < count; i++)
        {
            int idx = first + i;
            input.Fill(set, 1, _ => idx, _ => Training.Evaluation.TestPresentationBase + idx, withLabels: false);
            counter.Image = i;
            var res = engine.Run(input, train: false, counter);
            synops[i] = res.SynOps;
            predictions[i] = res.Predicted(0);
            labels[i] = set.Labels[idx];
            progress?.Invoke(i + 1);
        }
        return new Activity
        {
            Counts = counts, SynOps = synops, Predictions = predictions, Labels = labels,
            SampleSeconds = engine.Config.StepsPerSample(false) * engine.Config.DtMs * 1e-3,
        };
    }

    /// <summary>The reference rates of a population, for plots: the highest rate its neurons can fire at (a LIF neuron's
    /// saturation, a data neuron's rate for a white pixel), and for an eRBP layer with a gate the rate of a steady current
    /// at the gate's upper edge (above it, in the steady state, the neuron does not learn). NaN where there is none.</summary>
    public static (double SaturationHz, double GateEdgeHz, double GateMv) ReferenceRates(Network net, SimulationConfig config, int population)
    {
        var pop = net.Populations[population];
        double saturation = pop.Kind switch
        {
            PopulationKind.TwoCompartment or PopulationKind.Sampler => TwoCompartmentLif.SaturationRateHz(pop.Lif, config.DtMs),
            PopulationKind.Data => InputEncoders.SteadyRateHz(255, config.Encoder, config.DtMs),
            _ => double.NaN,
        };
        double gateEdge = double.NaN, gateMv = double.NaN;
        if (pop.Kind == PopulationKind.TwoCompartment && config.Rule is RuleKind.Erbp or RuleKind.Perbp
            && net.Projections.FirstOrDefault(p => p.Forward && p.Plastic && p.Target == population) is { } into)
        {
            gateMv = into.GateHighMv;
            gateEdge = TwoCompartmentLif.SteadyRateHz(into.GateHighMv, pop.Lif, config.DtMs);
        }
        return (saturation, gateEdge, gateMv);
    }
}

/// <summary>The input weights of the first layer after the data: what each of its units "looks at".</summary>
public static class ReceptiveFields
{
    /// <summary>The weights [pixel][unit] (row-major, <c>Stride</c> columns per row), the number of units and the
    /// projection's name. eRBP: the data->hidden1 projection (data->prediction without a hidden layer); S2M: the
    /// pixel rows of the visible&lt;-&gt;hidden matrix, whose last column (the visible biases) is not a unit.</summary>
    public static (float[] Weights, int Stride, int Units, string Projection) Of(Network net, SimulationConfig config)
    {
        if (config.Family == ModelFamily.SynapticSampling)
        {
            var layout = S2m.S2mLayout.Of(net, config);
            return (net.Projections[0].Weights, layout.Columns, layout.Hidden, net.Projections[0].Name);
        }
        var first = net.Projections.First(p => p.Forward && p.Source == net.DataPopulation);
        int units = net.Populations[first.Target].Size;
        return (first.Weights, units, units, first.Name);
    }

    /// <summary>Pixels that carry no information on <paramref name="set"/>: the same byte in every image (MNIST's black
    /// border). Their data neurons fire at the same baseline rate whatever the image, so their input weights learn nothing
    /// about digits and keep their initial noise.</summary>
    public static bool[] ConstantPixels(IdxImageSet set)
    {
        var constant = Enumerable.Repeat(true, set.PixelsPerImage).ToArray();
        if (set.Count == 0) return constant;
        var first = set.Image(0).ToArray();
        for (int i = 1; i < set.Count; i++)
        {
            var image = set.Image(i);
            for (int j = 0; j < constant.Length; j++) constant[j] &= image[j] == first[j];
        }
        return constant;
    }

    /// <summary>For each unit of the first layer after the data, the class whose prediction neuron it excites most (the
    /// largest weight of the unit's row into the prediction layer), or null when that layer does not project straight to
    /// the prediction layer (deeper networks, S2M).</summary>
    public static int[]? DrivenClass(Network net, SimulationConfig config)
    {
        if (config.Family == ModelFamily.SynapticSampling) return null;
        var first = net.Projections.First(p => p.Forward && p.Source == net.DataPopulation);
        if (first.Target == net.OutputPopulation) return null;
        var next = net.Projections.FirstOrDefault(p => p.Forward && p.Source == first.Target && p.Target == net.OutputPopulation);
        if (next == null) return null;
        int units = net.Populations[first.Target].Size, classes = net.Populations[net.OutputPopulation].Size;
        return Enumerable.Range(0, units).Select(u =>
        {
            int best = 0;
            for (int k = 1; k < classes; k++) if (next.Weights[u * classes + k] > next.Weights[u * classes + best]) best = k;
            return best;
        }).ToArray();
    }

    /// <summary>Rows and columns of an input of <paramref name="pixels"/> pixels: a square image (28 x 28 for 784).</summary>
    public static (int Rows, int Cols) SquareImage(int pixels, string where)
    {
        int side = (int)Math.Round(Math.Sqrt(pixels));
        if (side * side != pixels) throw new NeuromorphicException($"{where}: the input layer has {pixels} neurons, not a square image; receptive "
            + $"fields are drawn as square tiles");
        return (side, side);
    }
}
