using Neuromorphic.Simulator.S2m;

namespace Neuromorphic.Simulator.Engine;

/// <summary>Which network a rule builds: the one place that decides it (model files, sweeps, bench, run).</summary>
public static class Networks
{
    /// <summary>An S2M for <see cref="RuleKind.S2m"/> (layers [pixels, hidden, classes]), otherwise the feed-forward
    /// eRBP network of <paramref name="layers"/> with its error path.</summary>
    public static Network Build(int[] layers, SimulationConfig config)
    {
        if (config.Rule != RuleKind.S2m) return ErbpNetwork.Build(layers, config);
        if (layers.Length != 3) throw new NeuromorphicException($"an S2M has layers pixels-hidden-classes, got {Architecture.Format(layers)}");
        return S2mNetwork.Build(layers[1], config, layers[0], layers[2]);
    }

    /// <summary>A copy of <paramref name="net"/>: the same structure, its weights and masks copied.</summary>
    public static Network Copy(Network net, SimulationConfig config)
    {
        var copy = Build(net.Layers, config);
        for (int q = 0; q < net.Projections.Count; q++)
        {
            Array.Copy(net.Projections[q].Weights, copy.Projections[q].Weights, net.Projections[q].Weights.Length);
            copy.Projections[q].Mask = net.Projections[q].Mask?.ToArray();
        }
        return copy;
    }
}
