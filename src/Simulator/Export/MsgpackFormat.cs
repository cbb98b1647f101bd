namespace Neuromorphic.Simulator.Export;

/// <summary><c>--format msgpack</c>: one MessagePack file of the versioned weight-table schema (<see cref="WeightTables"/>).</summary>
public sealed class MsgpackFormat : IExportFormat
{
    public string Name => "msgpack";
    public string Title => "MessagePack";
    public bool WritesFolder => false;
    public bool HoldsBiasCurrents => false;
    public bool HoldsIntegerWeights => true;
    public string? S2mRefusal => null;
    public string? StochasticSynapsesNote(double p) => null;
    public void Write(string path, ExportedNetwork net, string source) => WeightTables.Write(path, net);
    public void Write(string path, ExportedS2m s2m) => WeightTables.Write(path, s2m);
}
