namespace Neuromorphic.Simulator.Export;

/// <summary><c>--format csv</c>: a folder of CSV tables for spreadsheets (<see cref="CsvNpy"/>).</summary>
public sealed class CsvFormat : IExportFormat
{
    public string Name => "csv";
    public string Title => "CSV";
    public bool WritesFolder => true;
    public bool HoldsBiasCurrents => false;
    public bool HoldsIntegerWeights => true;
    public string? S2mRefusal => null;
    public string? StochasticSynapsesNote(double p) => null;
    public void Write(string path, ExportedNetwork net, string source) => CsvNpy.WriteCsvFolder(path, net);
    public void Write(string path, ExportedS2m s2m) => CsvNpy.WriteCsvFolder(path, s2m);
}
