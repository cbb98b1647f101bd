namespace Neuromorphic.Simulator.Export;

/// <summary><c>--format npy</c>: a folder of NumPy .npy arrays, one per array name (<see cref="CsvNpy"/>).</summary>
public sealed class NpyFormat : IExportFormat
{
    public string Name => "npy";
    public string Title => "NumPy";
    public bool WritesFolder => true;
    public bool HoldsBiasCurrents => false;
    public bool HoldsIntegerWeights => true;
    public string? S2mRefusal => null;
    public string? StochasticSynapsesNote(double p) => null;
    public void Write(string path, ExportedNetwork net, string source) => CsvNpy.WriteNpyFolder(path, net);
    public void Write(string path, ExportedS2m s2m) => CsvNpy.WriteNpyFolder(path, s2m);
}
