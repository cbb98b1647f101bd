using Neuromorphic.Neurons;
using Neuromorphic.Plasticity;

namespace Neuromorphic.Simulator.Engine;

/// <summary>
/// Builds the eRBP network of MODEL.md sections 2-5 for an architecture 784-h1[-h2...]-10: data and label
/// neurons, two-compartment hidden and prediction layers, error-neuron pairs, one-to-one error feedback to
/// the prediction dendrites and fixed random feedback G (zero-mean over classes) to every hidden layer's
/// dendrites (direct feedback, not layer by layer). The error path is written as fixed projections so that
/// the engine needs no special case for it.
/// </summary>
public static class ErbpNetwork
{
    public static Network Build(int[] layers, SimulationConfig config)
    {
        config.Validate();
        if (config.Family != ModelFamily.FeedForward) throw NeuromorphicException.ForFields([nameof(SimulationConfig.Rule), RunFields.HiddenUnits,
            RunFields.Layers], n => $"{n[0]} s2m builds a synaptic sampling machine (train {n[0]} s2m {n[1]} N), not a feed-forward {n[2]} network");
        Architecture.Check(layers, "--arch");
        int classes = layers[^1];
        var pops = new List<Population> { new("data", PopulationKind.Data, layers[0]) };
        var projs = new List<Projection>();
        int labelPop = -1, errorPop = -1;
        for (int l = 1; l < layers.Length; l++)
        {
            bool output = l == layers.Length - 1;
            pops.Add(new(output ? "prediction" : $"hidden{l}", PopulationKind.TwoCompartment, layers[l], output ? config.Output : config.Hidden));
        }
        int outputPop = layers.Length - 1;
        bool learns = config.Rule != RuleKind.None;
        if (learns)
        {
            labelPop = pops.Count; pops.Add(new("label", PopulationKind.Label, classes, ErrorPath: true));
            errorPop = pops.Count; pops.Add(new("error", PopulationKind.Error, 2 * classes, ErrorPath: true));
        }
        // Blank-out is a property of the synapses: on for peRBP and for an inference-only network that carries it (an
        // imported peRBP model, bench --blank-out); eRBP's synapses are deterministic whatever the field holds.
        double p = config.Rule == RuleKind.Erbp ? 1.0 : config.TransmissionProbability;
        for (int l = 1; l < layers.Length; l++)
        {
            int fanIn = layers[l - 1], fanOut = layers[l];
            double b = 1000.0 * Math.Sqrt(config.InitScale / (fanIn + fanOut)); // volts in the reference, mV here
            var w = new float[fanIn * fanOut];
            for (int k = 0; k < w.Length; k++)
                w[k] = (float)((2.0 * CounterRng.Uniform(config.Seed, CounterRng.StreamInit, (ulong)l, (ulong)k) - 1.0) * b);
            QuantFormat? format = null;
            if (config.WeightBits > 0)
            {
                format = QuantFormat.ForRange(config.WeightBits, config.WeightRangeFactor * b, config.WeightRounding, config.WeightStepPowerOfTwo);
                var nearest = (format.Value with { Rounding = Rounding.Nearest }).Coefficients; // initial weights: nearest grid point
                for (int k = 0; k < w.Length; k++) w[k] = Quantizer.Quantize(w[k], nearest, 0);
            }
            var (gateLow, gateHigh) = GateMv(config, l);
            projs.Add(new Projection
            {
                Name = $"{pops[l - 1].Name}->{pops[l].Name}", Source = l - 1, Target = l, Compartment = Compartment.Soma,
                Weights = w, Plastic = learns, Forward = true, TransmissionProbability = p, WeightFormat = format,
                GateLowMv = (float)gateLow, GateHighMv = (float)gateHigh,
            });
        }
        if (learns)
        {
            float wl = (float)config.LabelWeightMv, we = (float)config.ErrorWeightMv;
            var labelToError = new float[classes * 2 * classes];
            var predToError = new float[classes * 2 * classes];
            var errorToPred = new float[2 * classes * classes];
            for (int k = 0; k < classes; k++)
            {
                labelToError[k * 2 * classes + k] = wl; labelToError[k * 2 * classes + classes + k] = -wl;
                predToError[k * 2 * classes + k] = -wl; predToError[k * 2 * classes + classes + k] = wl;
                errorToPred[k * classes + k] = we; errorToPred[(classes + k) * classes + k] = -we;
            }
            projs.Add(Fixed("label->error", labelPop, errorPop, Compartment.Soma, labelToError));
            projs.Add(Fixed("prediction->error", outputPop, errorPop, Compartment.Soma, predToError));
            projs.Add(Fixed("error->prediction", errorPop, outputPop, Compartment.Dendrite, errorToPred));
            for (int l = 1; l < layers.Length - 1; l++)
                projs.Add(Fixed($"error->hidden{l}", errorPop, l, Compartment.Dendrite,
                    FeedbackRows(RandomFeedback(layers[l], classes, l, config), layers[l], classes)));
        }
        var net = new Network
        {
            Populations = pops, Projections = projs, Layers = layers, DataPopulation = 0, LabelPopulation = labelPop,
            OutputPopulation = outputPop, ErrorPopulation = errorPop
        };
        if (learns) RefreshFeedback(net, config);
        return net;
    }

    /// <summary>
    /// Sets the error-to-hidden feedback of <see cref="FeedbackKind.Sign"/> and <see cref="FeedbackKind.Symmetric"/> from
    /// the current forward weights (random feedback is fixed at build time and left alone). For hidden layer l the
    /// back-propagation direction is B_l = W_(l+1) W_(l+2) ... W_L ([h_l][classes], the forward matrices are [pre][post]),
    /// in the reference's units (volts: each product beyond the first is divided by 1000 mV); symmetric feedback is
    /// G = B_l, sign-symmetric feedback G = sign(B_l) * a/2 (a/2: the mean magnitude of the random G). Returns the
    /// multiply-adds spent (0 for one hidden layer, where B is the output weights themselves).
    /// </summary>
    public static long RefreshFeedback(Network net, SimulationConfig config)
    {
        var kind = config.Erbp.Feedback;
        if (kind == FeedbackKind.Random || net.ErrorPopulation < 0) return 0;
        int L = net.Layers.Length - 1, classes = net.Layers[^1];
        long macs = 0;
        float[] below = (float[])Forward(net, L).Clone(); // B_(L-1) = W_L, [h_(L-1)][classes]
        for (int l = L - 1; l >= 1; l--)
        {
            int h = net.Layers[l];
            if (l < L - 1)
            {
                // B_l = W_(l+1) B_(l+1) / 1000: [h_l][h_(l+1)] x [h_(l+1)][classes]
                var w = Forward(net, l + 1);
                int h1 = net.Layers[l + 1];
                var b = new float[h * classes];
                for (int i = 0; i < h; i++)
                    for (int m = 0; m < h1; m++)
                    {
                        float wim = w[i * h1 + m] * 1e-3f;
                        if (wim == 0) continue;
                        for (int k = 0; k < classes; k++) b[i * classes + k] += wim * below[m * classes + k];
                    }
                macs += (long)h * h1 * classes;
                below = b;
            }
            float[] g = below;
            if (kind == FeedbackKind.Sign)
            {
                float half = (float)(0.5 * FeedbackBoundMv(h, classes, config));
                g = new float[below.Length];
                for (int k = 0; k < g.Length; k++) g[k] = below[k] > 0 ? half : below[k] < 0 ? -half : 0f;
            }
            var rows = FeedbackRows(g, h, classes);
            var proj = net.Projections.First(p => p.Name == $"error->hidden{l}");
            Array.Copy(rows, proj.Weights, rows.Length);
        }
        return macs;
    }

    static float[] Forward(Network net, int layer) => net.Projections.First(p => p.Forward && p.Target == layer).Weights;

    /// <summary>Whether a training batch of <paramref name="count"/> samples starting at sample <paramref name="samplesSeen"/>
    /// (counted over the whole run) starts with a feedback refresh: when [seen, seen + count) holds a multiple of the
    /// refresh interval. Stateless, so a resumed run refreshes exactly where the uninterrupted one did.</summary>
    public static bool RefreshDue(SimulationConfig config, long samplesSeen, int count)
    {
        if (config.Erbp.Feedback == FeedbackKind.Random || config.Rule is RuleKind.None or RuleKind.S2m) return false;
        long n = config.Erbp.FeedbackRefreshSamples;
        long next = (samplesSeen + n - 1) / n * n;
        return next < samplesSeen + count;
    }

    /// <summary>The eRBP boxcar of the neurons of layer <paramref name="layer"/> (1 = first hidden layer): its entry of
    /// <see cref="SimulationConfig.LayerGateMv"/> (+-g) when given, else the rule's own edges.</summary>
    public static (double LowMv, double HighMv) GateMv(SimulationConfig config, int layer)
        => config.LayerGateMv is { } g && g.Length >= layer && !double.IsNaN(g[layer - 1]) ? (-g[layer - 1], g[layer - 1])
            : (config.Erbp.GateLowMv, config.Erbp.GateHighMv);

    static Projection Fixed(string name, int src, int dst, Compartment c, float[] w)
        => new() { Name = name, Source = src, Target = dst, Compartment = c, Weights = w, ErrorPath = true };

    /// <summary>a of the random feedback, in mV: sqrt(s/(n_classes + n_hidden)) V.</summary>
    public static double FeedbackBoundMv(int hidden, int classes, SimulationConfig config)
        => 1000.0 * Math.Sqrt(config.FeedbackScale / (classes + hidden));

    /// <summary>G[i,k] ~ Uniform(-a, a), a = sqrt(s/(n_classes + n_hidden)) V, then centred over k for each i.
    /// Layout [i][k].</summary>
    public static float[] RandomFeedback(int hidden, int classes, int layer, SimulationConfig config)
    {
        double a = FeedbackBoundMv(hidden, classes, config);
        var g = new float[hidden * classes];
        for (int i = 0; i < hidden; i++)
        {
            double mean = 0;
            var row = new double[classes];
            for (int k = 0; k < classes; k++)
            {
                row[k] = (2.0 * CounterRng.Uniform(config.Seed, CounterRng.StreamInit, 1000UL + (ulong)layer, (ulong)(i * classes + k)) - 1.0) * a;
                mean += row[k];
            }
            mean /= classes;
            for (int k = 0; k < classes; k++) g[i * classes + k] = (float)(row[k] - mean);
        }
        return g;
    }

    /// <summary>Error-to-hidden weights as rows of the error population: +G[:,k] from E+_k, -G[:,k] from E-_k.</summary>
    public static float[] FeedbackRows(float[] g, int hidden, int classes)
    {
        var w = new float[2 * classes * hidden];
        for (int k = 0; k < classes; k++)
            for (int i = 0; i < hidden; i++)
            {
                w[k * hidden + i] = g[i * classes + k];
                w[(classes + k) * hidden + i] = -g[i * classes + k];
            }
        return w;
    }
}
