using System.Diagnostics;
using Neuromorphic.Neurons;
using Neuromorphic.Simulator;
using Neuromorphic.Simulator.Engine;
using Neuromorphic.Simulator.Export;
using Neuromorphic.Simulator.Files;
using NUnit.Framework;

namespace Neuromorphic.Tests.Export;

/// <summary>Every format: written, read back, every value and shape equal.</summary>
public class ExportFormatTests
{
    string _dir = "";
    [SetUp] public void SetUp() { _dir = Path.Combine(Path.GetTempPath(), "nm-export-" + Guid.NewGuid().ToString("N")); Directory.CreateDirectory(_dir); }
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    internal static (Network, SimulationConfig) Small(int[]? layers = null)
    {
        var config = new SimulationConfig { Hidden = new LifParameters(RefractoryMs: 3.9, TauSynapseMs: 4.5), Output = new LifParameters(RefractoryMs: 2.0, ThresholdMv: 90) };
        return (ErbpNetwork.Build(layers ?? [20, 7, 3], config), config);
    }

    static void AssertSame(ExportedNetwork a, ExportedNetwork b, bool integers = true)
    {
        Assert.That(b.Chip, Is.EqualTo(a.Chip));
        Assert.That(b.Layers, Is.EqualTo(a.Layers));
        Assert.That(b.DtMs, Is.EqualTo(a.DtMs));
        for (int l = 0; l < a.Projections.Length; l++)
        {
            var (p, q) = (a.Projections[l], b.Projections[l]);
            Assert.That((q.Name, q.Rows, q.Columns), Is.EqualTo((p.Name, p.Rows, p.Columns)));
            Assert.That(q.Weights, Is.EqualTo(p.Weights), "float32 weights bit for bit");
            if (integers && p.Integer is { } pi)
            {
                Assert.That(q.Integer!.Mantissas, Is.EqualTo(pi.Mantissas));
                Assert.That(q.Integer.Scale, Is.EqualTo(pi.Scale));
            }
            var (n, m) = (a.Neurons[l], b.Neurons[l]);
            Assert.That(new[] { m.TauMembraneMs, m.TauSynapseMs, m.ThresholdMv, m.ResetMv, m.RefractoryMs }, Is.EqualTo(new[] { n.TauMembraneMs, n.TauSynapseMs, n.ThresholdMv, n.ResetMv, n.RefractoryMs }));
            Assert.That(m.Size, Is.EqualTo(n.Size));
        }
    }

    [TestCase("float")]
    [TestCase("loihi")]
    [TestCase("spinnaker")]
    [TestCase("int8")]
    [TestCase("int4")]
    public void MessagePackRoundTrip(string chip)
    {
        var (net, config) = Small();
        var e = ExportedNetwork.From(net, config, chip);
        var path = Path.Combine(_dir, "w.msgpack");
        WeightTables.Write(path, e);
        var back = WeightTables.Read(path);
        AssertSame(e, back);
        if (chip == "loihi") Assert.That(back.Projections[0].Integer!.WeightExponent, Is.EqualTo(e.Projections[0].Integer!.WeightExponent));
        if (chip != "float") Assert.That(back.Projections[1].Integer!.Zeroed, Is.EqualTo(e.Projections[1].Integer!.Zeroed));
    }

    [Test]
    public void MessagePackIsAPlainMapWithTheDocumentedFieldNames()
    {
        var (net, config) = Small();
        var path = Path.Combine(_dir, "w.msgpack");
        WeightTables.Write(path, ExportedNetwork.From(net, config, "loihi"));
        // Read as untyped data, as a reader without this project would.
        var root = (IDictionary<object, object>)MessagePack.MessagePackSerializer.Deserialize<object>(File.ReadAllBytes(path))!;
        Assert.That(root["format"], Is.EqualTo("neuromorphic-weight-tables"));
        var p0 = (IDictionary<object, object>)((object[])root["projections"])[0];
        Assert.That(p0.Keys, Is.SupersetOf(new[] { "name", "rows", "columns", "weights", "mantissas", "scale_mv", "weight_exp", "sign_mode" }));
        Assert.That(((object[])p0["weights"]).Length, Is.EqualTo(20 * 7));
        Assert.That(p0["sign_mode"], Is.EqualTo(1), "Lava's numbering: 1 = mixed");
    }

    [TestCase("float")]
    [TestCase("loihi")]
    [TestCase("int4")]
    public void CsvRoundTrip(string chip)
    {
        var (net, config) = Small();
        var e = ExportedNetwork.From(net, config, chip);
        CsvNpy.WriteCsvFolder(Path.Combine(_dir, "csv"), e);
        var back = CsvNpy.ReadCsvFolder(Path.Combine(_dir, "csv"));
        AssertSame(e, back);
        Assert.That(File.ReadAllLines(Path.Combine(_dir, "csv", "fc1_weight.csv")), Has.Length.EqualTo(20), "one row per presynaptic neuron");
    }

    [TestCase("float")]
    [TestCase("spinnaker")]
    [TestCase("int8")]
    public void NpzAndNpyRoundTrip(string chip)
    {
        var (net, config) = Small();
        var e = ExportedNetwork.From(net, config, chip);
        CsvNpy.WriteNpz(Path.Combine(_dir, "w.npz"), e);
        CsvNpy.WriteNpyFolder(Path.Combine(_dir, "npy"), e);
        var z = CsvNpy.ReadNpz(Path.Combine(_dir, "w.npz"));
        Assert.That(z["fc1_weight"].Shape, Is.EqualTo(new long[] { 20, 7 }));
        Assert.That(z["fc1_weight"].Descr, Is.EqualTo("<f4"));
        if (chip != "float") Assert.That(z["fc1_mantissa"].Descr, Is.EqualTo(chip == "int8" ? "|i1" : "<i2"));
        AssertSame(e, CsvNpy.FromArrays(z, chip, "w.npz"));
        AssertSame(e, CsvNpy.FromArrays(CsvNpy.ReadNpyFolder(Path.Combine(_dir, "npy")), chip, "npy"));
    }

    [TestCase("float")]
    [TestCase("loihi")]
    public void NirRoundTripThroughImportKeepsEveryWeightAndParameter(string chip)
    {
        var (net, config) = Small();
        var e = ExportedNetwork.From(net, config, chip);
        var path = Path.Combine(_dir, "m.nir");
        NirFile.Write(path, e, "test");
        var tree = NirFile.Read(path);
        var fc1 = tree.Groups["node"].Groups["nodes"].Groups["fc1"];
        Assert.That(fc1.Arrays["weight"].Shape, Is.EqualTo(new long[] { 7, 20 }), "NIR stores (out, in)");
        Assert.That(fc1.Arrays["weight"].Values[3 * 20 + 5], Is.EqualTo((double)e.Projections[0].Weights[5 * 7 + 3]));
        if (chip == "loihi")
            Assert.That(fc1.Groups["metadata"].Arrays["weight_mantissa"].Values[3 * 20 + 5], Is.EqualTo(e.Projections[0].Integer!.Mantissas[5 * 7 + 3]));
        var lif2 = tree.Groups["node"].Groups["nodes"].Groups["lif2"];
        Assert.That(lif2.Arrays["tau_syn"].Values, Is.EqualTo(Enumerable.Repeat(0.004, 3)));
        Assert.That(lif2.Arrays["v_threshold"].Values, Is.EqualTo(Enumerable.Repeat(90.0, 3)));
        Assert.That(lif2.Arrays["w_in"].Values[0], Is.EqualTo(40.0).Within(1e-9), "w_in = tau_syn / dt");

        var imported = NirImport.Import(path).Model;
        var c2 = imported.Config();
        var n2 = imported.ToNetwork(c2, path);
        var f1 = n2.ForwardProjections.ToArray();
        for (int l = 0; l < f1.Length; l++) Assert.That(f1[l].Weights, Is.EqualTo(e.Projections[l].Weights), "bit for bit");
        Assert.That(c2.Hidden with { TauDendriteMs = 0 }, Is.EqualTo(config.Hidden with { TauDendriteMs = 0 }));
        Assert.That(c2.Output, Is.EqualTo(config.Output));
        Assert.That(c2.DtMs, Is.EqualTo(config.DtMs));
        Assert.That(c2.Rule, Is.EqualTo(RuleKind.None));
    }

    [Test]
    public void NirImportOfARoundTripPredictsLikeTheOriginal()
    {
        var (net, config) = Small([784, 30, 10]);
        config = config with { TestSampleMs = 20 };
        var path = Path.Combine(_dir, "m.nir");
        NirFile.Write(path, ExportedNetwork.From(net, config, "float"), "test");
        var model = NirImport.Import(path).Model;
        var c2 = model.Config();
        var n2 = model.ToNetwork(c2, path);
        using var a = Backends.Create(BackendKind.Cpu, net, config, 4);
        using var b = Backends.Create(BackendKind.Cpu, n2, c2, 4);
        var ra = new Neuromorphic.Tests.Engine.RasterRecorder();
        var rb = new Neuromorphic.Tests.Engine.RasterRecorder();
        a.Run(Neuromorphic.Tests.Engine.TestNetworks.Input(a, 4, 1), false, ra);
        b.Run(Neuromorphic.Tests.Engine.TestNetworks.Input(b, 4, 1), false, rb);
        // The original also has error-path populations (silent at test); compare the forward populations' spikes.
        static IEnumerable<string> Forward(Neuromorphic.Tests.Engine.RasterRecorder r) => r.Events.Where(x => int.Parse(x.Split(':')[1]) <= 2);
        Assert.That(ra.Spikes, Is.GreaterThan(0));
        Assert.That(Forward(rb), Is.EqualTo(Forward(ra)));
    }
}
