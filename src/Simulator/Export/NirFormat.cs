namespace Neuromorphic.Simulator.Export;

/// <summary><c>--format nir</c>: one HDF5 file of a NIR graph (<see cref="NirFile"/>), feed-forward networks only; the
/// only format whose Affine nodes hold bias currents.</summary>
public sealed class NirFormat : IExportFormat
{
    public string Name => "nir";
    public string Title => "NIR";
    public bool WritesFolder => false;
    public bool HoldsBiasCurrents => true;
    public bool HoldsIntegerWeights => true;
    public string? S2mRefusal =>
        "NIR describes directed graphs and has no node for a symmetric (undirected) weight matrix shared by two layers of samplers";
    public string? StochasticSynapsesNote(double p) =>
        $"NIR has no stochastic synapses: NIR readers (snnTorch, Norse, Lava) run every synapse at full weight; "
        + $"p = {p} is only in the metadata (import reads it back)";
    public void Write(string path, ExportedNetwork net, string source) => NirFile.Write(path, net, source);
    public void Write(string path, ExportedS2m s2m) => throw new NeuromorphicException($"--format nir: {S2mRefusal}");
}
