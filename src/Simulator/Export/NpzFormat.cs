namespace Neuromorphic.Simulator.Export;

/// <summary><c>--format npz</c>: the same NumPy arrays as <c>npy</c>, in one .npz (zip) file (<see cref="CsvNpy"/>).</summary>
public sealed class NpzFormat : IExportFormat
{
    public string Name => "npz";
    public string Title => "NumPy";
    public bool WritesFolder => false;
    public bool HoldsBiasCurrents => false;
    public bool HoldsIntegerWeights => true;
    public string? S2mRefusal => null;
    public string? StochasticSynapsesNote(double p) => null;
    public void Write(string path, ExportedNetwork net, string source) => CsvNpy.WriteNpz(path, net);
    public void Write(string path, ExportedS2m s2m) => CsvNpy.WriteNpz(path, s2m);
}
