namespace Neuromorphic.Simulator.Engine;

/// <summary>The network a model file describes, apart from how it learns (<see cref="RuleKind"/>).</summary>
public enum ModelFamily
{
    /// <summary>A feed-forward spiking classifier: data -&gt; hidden layers -&gt; prediction, two-compartment LIF neurons
    /// (learns with eRBP or peRBP, or not at all); its forward projections are the network a chip runs.</summary>
    FeedForward,
    /// <summary>A synaptic sampling machine: visible (pixels, labels) and hidden LIF samplers joined by one symmetric
    /// blank-out weight matrix, with a bias unit per layer (learns with eCD).</summary>
    SynapticSampling,
}

/// <summary>What each family builds: the one place commands ask (model files, train, test, export, import), instead
/// of testing the learning rule. Which export formats hold a family: <see cref="Export.ExportFormats"/>.</summary>
public static class ModelFamilies
{
    /// <summary>The family a learning rule trains: eCD an S2M, eRBP and peRBP (and none, inference only) a feed-forward network.</summary>
    public static ModelFamily Of(RuleKind rule) => rule == RuleKind.S2m ? ModelFamily.SynapticSampling : ModelFamily.FeedForward;

    /// <summary>The family's name in files and JSON output.</summary>
    public static string Name(ModelFamily family) => family switch
    {
        ModelFamily.FeedForward => "feed-forward",
        ModelFamily.SynapticSampling => "synaptic-sampling",
        _ => family.ToString(),
    };

    public static ModelFamily Parse(string? name, string where) => name switch
    {
        "feed-forward" => ModelFamily.FeedForward,
        "synaptic-sampling" => ModelFamily.SynapticSampling,
        _ => throw new NeuromorphicException($"{where}: family '{Text.Escape(name)}', expected feed-forward or synaptic-sampling"),
    };

    /// <summary>The family's factory: its network for <paramref name="layers"/> (S2M: [pixels, hidden, classes]).</summary>
    public static Network Build(int[] layers, SimulationConfig config) => config.Family switch
    {
        ModelFamily.FeedForward => ErbpNetwork.Build(layers, config),
        ModelFamily.SynapticSampling => layers.Length == 3
            ? S2m.S2mNetwork.Build(layers[1], config, layers[0], layers[2])
            : throw new NeuromorphicException($"an S2M has layers pixels-hidden-classes, got {Architecture.Format(layers)}"),
        _ => throw new NeuromorphicException($"model family {(int)config.Family} is not one of feed-forward (0), synaptic-sampling (1)"),
    };
}
