using MessagePack;
using Neuromorphic.Cli;
using Neuromorphic.Simulator;
using Neuromorphic.Simulator.Export;
using NUnit.Framework;

namespace Neuromorphic.Tests.Export;

/// <summary>Missing, truncated and hostile files: a clear message naming the file and the problem, never a crash.</summary>
public class HostileInputTests
{
    string _dir = "";
    [SetUp] public void SetUp() { _dir = Path.Combine(Path.GetTempPath(), "nm-hostile-" + Guid.NewGuid().ToString("N")); Directory.CreateDirectory(_dir); }
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    static void Rejects(TestDelegate read, string message)
        => Assert.That(read, Throws.TypeOf<NeuromorphicException>().With.Message.Contains(message));

    string Written(string chip = "loihi")
    {
        var (net, config) = ExportFormatTests.Small();
        var path = Path.Combine(_dir, "w.msgpack");
        WeightTables.Write(path, ExportedNetwork.From(net, config, chip));
        return path;
    }

    string Raw(string name, object value)
    {
        var p = Path.Combine(_dir, name);
        File.WriteAllBytes(p, MessagePackSerializer.Serialize(value));
        return p;
    }

    static Dictionary<string, object?> Map(string path) => ((IDictionary<object, object>)MessagePackSerializer.Deserialize<object>(File.ReadAllBytes(path))!)
        .ToDictionary(kv => (string)kv.Key, kv => (object?)kv.Value);

    [Test] public void MissingWeightTable() => Rejects(() => WeightTables.Read(Path.Combine(_dir, "none.msgpack")), "weight-table file not found");

    [Test]
    public void TruncatedWeightTable()
    {
        var p = Written();
        var b = File.ReadAllBytes(p);
        File.WriteAllBytes(p, b[..(b.Length / 2)]);
        Rejects(() => WeightTables.Read(p), "corrupt or truncated weight-table file");
    }

    [Test]
    public void WeightTableWithWrongTypes()
    {
        var m = Map(Written());
        m["layers"] = "784-200-10";
        Rejects(() => WeightTables.Read(Raw("types.msgpack", m)), "corrupt or truncated weight-table file");
    }

    [Test]
    public void WeightTableWithAbsurdShapes()
    {
        var m = Map(Written());
        var p0 = ((IDictionary<object, object>)((object[])m["projections"]!)[0]);
        p0["rows"] = 1_000_000; p0["columns"] = 1_000_000;
        Rejects(() => WeightTables.Read(Raw("shape.msgpack", m)), "projection 'fc1' is 1000000x1000000 with 140 weights");
        m["layers"] = new[] { 20, -7, 3 };
        Rejects(() => WeightTables.Read(Raw("layers.msgpack", m)), "layers [20, -7, 3]");
    }

    [Test]
    public void WeightTableWithMantissaOutOfRangeOrNotMatchingTheWeight()
    {
        var m = Map(Written());
        var p0 = ((IDictionary<object, object>)((object[])m["projections"]!)[0]);
        var mant = ((object[])p0["mantissas"]).ToArray();
        mant[4] = 9999;
        p0["mantissas"] = mant;
        Rejects(() => WeightTables.Read(Raw("mant.msgpack", m)), "mantissa 4 = 9999 lies outside [-256, 254]");
    }

    [Test]
    public void NotAWeightTable() => Rejects(() => WeightTables.Read(Raw("other.msgpack", new Dictionary<string, object> { ["format"] = "something-else", ["version"] = 1 })), "not a weight-table file (format 'something-else'");

    [Test]
    public void DeeplyNestedMessagePackIsRefusedByTheUntrustedDataSettings()
    {
        object deep = 1;
        for (int i = 0; i < 1000; i++) deep = new object[] { deep };
        var p = Raw("deep.msgpack", new Dictionary<string, object> { ["format"] = WeightTableFile.Magic, ["neurons"] = deep });
        Rejects(() => WeightTables.Read(p), "corrupt or truncated weight-table file");
    }

    [Test] public void MissingNir() => Rejects(() => NirFile.Read(Path.Combine(_dir, "none.nir")), "NIR file not found");

    [Test]
    public void GarbageAndTruncatedNir()
    {
        var g = Path.Combine(_dir, "garbage.nir");
        File.WriteAllBytes(g, Enumerable.Range(0, 5000).Select(i => (byte)(i * 7919 % 251)).ToArray());
        Rejects(() => NirFile.Read(g), "not a readable HDF5 file");
        var (net, config) = ExportFormatTests.Small([784, 40, 10]);
        var t = Path.Combine(_dir, "trunc.nir");
        NirFile.Write(t, ExportedNetwork.From(net, config, "float"), "test");
        var b = File.ReadAllBytes(t);
        File.WriteAllBytes(t, b[..(b.Length / 2)]);
        Rejects(() => NirImport.Import(t), "trunc.nir");
    }

    [Test]
    public void NpyWithAbsurdShapeOrTruncatedData()
    {
        var a = CsvNpy.NpyBytes(new NpyArray("<f4", [3, 4], new double[12]));
        Rejects(() => CsvNpy.ParseNpy(a[..(a.Length - 5)], "x.npy"), "x.npy: 43 bytes of data");
        var header = System.Text.Encoding.ASCII.GetBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000, 1000000000), }     \n");
        var b = new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0, (byte)header.Length, 0 }.Concat(header).ToArray();
        Rejects(() => CsvNpy.ParseNpy(b, "big.npy"), "big.npy: shape (1000000000, 1000000000) is not a list of sizes up to 100000000");
        Rejects(() => CsvNpy.ParseNpy([1, 2, 3], "tiny.npy"), "tiny.npy: not a .npy array");
    }

    internal static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var oldOut = Console.Out; var oldErr = Console.Error;
        var o = new StringWriter(); var e = new StringWriter();
        Console.SetOut(o); Console.SetError(e);
        try { return (Commands.Execute(args), o.ToString(), e.ToString()); }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
    }

    internal static void OneLine((int Code, string Out, string Err) r, string message)
    {
        Assert.That(r.Code, Is.EqualTo(2), r.Err);
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), r.Err);
        Assert.That(lines[0], Does.Contain(message));
        Assert.That(r.Err + r.Out, Does.Not.Contain("   at "));
    }

    [Test] public void ImportOfAMissingFileIsOneLine() => OneLine(Cli("import", Path.Combine(_dir, "none.nir"), "--out", Path.Combine(_dir, "m.nmm")), "NIR file not found");

    [Test]
    public void ImportOfGarbageIsOneLineAndWritesNothing()
    {
        var g = Path.Combine(_dir, "garbage.nir");
        File.WriteAllText(g, "this is not HDF5");
        OneLine(Cli("import", g, "--out", Path.Combine(_dir, "m.nmm")), "not a readable HDF5 file");
        Assert.That(Directory.GetFiles(_dir), Is.EqualTo(new[] { g }), "no model file, no temporary file left");
    }

    [Test]
    public void ExportWithUnknownChipOrFormatIsOneLine()
    {
        var (net, config) = ExportFormatTests.Small();
        var model = Path.Combine(_dir, "m.nmm");
        Neuromorphic.Simulator.Files.ModelFile.From(net, config, new()).Save(model);
        OneLine(Cli("export", model, "--format", "nir", "--chip", "truenorth", "--out", Path.Combine(_dir, "x.nir")), "--chip 'truenorth'");
        OneLine(Cli("export", model, "--format", "onnx", "--out", Path.Combine(_dir, "x.onnx")), "--format 'onnx'");
        OneLine(Cli("export", Path.Combine(_dir, "none.nmm"), "--format", "nir", "--out", Path.Combine(_dir, "x.nir")), "model file not found");
    }
}
