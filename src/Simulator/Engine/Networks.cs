namespace Neuromorphic.Simulator.Engine;

/// <summary>Which network a rule builds: the one place that decides it (model files, sweeps, bench, run).</summary>
public static class Networks
{
    /// <summary>The network of the configuration's family (<see cref="ModelFamilies.Build"/>): an S2M (layers [pixels,
    /// hidden, classes]) or the feed-forward network of <paramref name="layers"/> (with its error path when it learns).</summary>
    public static Network Build(int[] layers, SimulationConfig config) => ModelFamilies.Build(layers, config);

    /// <summary>A copy of <paramref name="net"/>: the same structure, its weights, masks and bias currents copied.</summary>
    public static Network Copy(Network net, SimulationConfig config)
    {
        var copy = Build(net.Layers, config);
        for (int p = 0; p < net.Populations.Count && p < copy.Populations.Count; p++)
            if (net.Populations[p].BiasMv is { } bias) copy.Populations[p] = copy.Populations[p] with { BiasMv = (float[])bias.Clone() };
        for (int q = 0; q < net.Projections.Count; q++)
        {
            Array.Copy(net.Projections[q].Weights, copy.Projections[q].Weights, net.Projections[q].Weights.Length);
            copy.Projections[q].Mask = net.Projections[q].Mask?.ToArray();
        }
        return copy;
    }
}
