using System.Text.Json;
using Neuromorphic.Cli;
using Neuromorphic.Neurons;
using Neuromorphic.Simulator;
using Neuromorphic.Simulator.Engine;
using Neuromorphic.Simulator.Export;
using Neuromorphic.Simulator.Files;
using Neuromorphic.Simulator.S2m;
using NUnit.Framework;

namespace Neuromorphic.Tests.Export;

/// <summary>Exports by model family (S2M tables), blank-out stated in every format, one refractory convention.</summary>
public class FamilyExportTests
{
    string _dir = "";
    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "nm-family-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    static (Network, SimulationConfig) SmallS2m()
    {
        var config = new SimulationConfig { Rule = RuleKind.S2m, TransmissionProbability = 0.5, LabelUnitsPerClass = 2, S2mInitMv = 20 };
        var net = S2mNetwork.Build(6, config, pixels: 12, classes: 3);
        // Biases too: the last row (hidden biases) and column (visible biases) must keep their place.
        var layout = S2mLayout.Of(net, config);
        var w = net.Projections[0].Weights;
        for (int i = 0; i < layout.Hidden; i++) w[layout.VisibleBias * layout.Columns + i] = 30 + i;
        for (int j = 0; j < layout.Visible; j++) w[j * layout.Columns + layout.HiddenBias] = -40 - j;
        return (net, config);
    }

    static (Network, SimulationConfig) SmallPerbp()
    {
        var config = new SimulationConfig { Rule = RuleKind.Perbp, TransmissionProbability = 0.45, Hidden = new LifParameters(RefractoryMs: 3.9) };
        return (ErbpNetwork.Build([20, 7, 3], config), config);
    }

    [Test]
    public void TheFamilyComesFromTheRuleAndEachFamilyHasItsFactory()
    {
        var (s2m, sc) = SmallS2m();
        Assert.That(sc.Family, Is.EqualTo(ModelFamily.SynapticSampling));
        Assert.That(new SimulationConfig { Rule = RuleKind.None }.Family, Is.EqualTo(ModelFamily.FeedForward));
        var again = Networks.Build(s2m.Layers, sc);
        Assert.That(again.Projections.Single().Name, Is.EqualTo("visible<->hidden"));
        Assert.That(ExportFormats.Refusal(ExportFormats.Parse("nir"), ModelFamily.SynapticSampling), Does.Contain("undirected"));
        Assert.That(ExportFormats.All.Where(f => ExportFormats.Refusal(f, ModelFamily.FeedForward) != null), Is.Empty);
    }

    static void AssertSameS2m(ExportedS2m a, ExportedS2m b)
    {
        Assert.That((b.Chip, b.Pixels, b.Classes, b.LabelUnitsPerClass, b.Hidden, b.DtMs, b.BiasRateHz),
            Is.EqualTo((a.Chip, a.Pixels, a.Classes, a.LabelUnitsPerClass, a.Hidden, a.DtMs, a.BiasRateHz)));
        Assert.That((b.Synapses, b.TrainedTransmissionProbability, b.Matrix.TransmissionProbability),
            Is.EqualTo((a.Synapses, a.TrainedTransmissionProbability, a.Matrix.TransmissionProbability)));
        Assert.That((b.Matrix.Rows, b.Matrix.Columns), Is.EqualTo((a.Matrix.Rows, a.Matrix.Columns)));
        Assert.That(b.Matrix.Weights, Is.EqualTo(a.Matrix.Weights), "float32 weights bit for bit");
        if (a.Matrix.Integer is { } q) Assert.That(b.Matrix.Integer!.Mantissas, Is.EqualTo(q.Mantissas));
        Assert.That(b.Sampler with { Name = "", Population = "" }, Is.EqualTo(a.Sampler with { Name = "", Population = "" }));
    }

    [TestCase("float")]
    [TestCase("loihi")]
    public void S2mRoundTripsThroughEveryFormatThatHoldsIt(string chip)
    {
        var (net, config) = SmallS2m();
        var e = ExportedS2m.From(net, config, chip);
        Assert.That((e.Matrix.Rows, e.Matrix.Columns), Is.EqualTo((12 + 3 * 2 + 1, 6 + 1)));
        Assert.That(e.Synapses, Is.EqualTo(SynapseModes.Stochastic));
        Assert.That(e.Matrix.TransmissionProbability, Is.EqualTo(0.5));
        if (chip == "float") Assert.That(e.Matrix.Weights, Is.EqualTo(net.Projections[0].Weights));

        string msg = Path.Combine(_dir, "s.msgpack"), npz = Path.Combine(_dir, "s.npz");
        string npy = Path.Combine(_dir, "npy"), csv = Path.Combine(_dir, "csv");
        WeightTables.Write(msg, e);
        CsvNpy.WriteNpz(npz, e);
        CsvNpy.WriteNpyFolder(npy, e);
        CsvNpy.WriteCsvFolder(csv, e);
        Assert.That(WeightTables.Family(msg), Is.EqualTo(ModelFamily.SynapticSampling));
        AssertSameS2m(e, WeightTables.ReadS2m(msg));
        AssertSameS2m(e, CsvNpy.S2mFromArrays(CsvNpy.ReadNpz(npz), chip, npz));
        AssertSameS2m(e, CsvNpy.S2mFromArrays(CsvNpy.ReadNpyFolder(npy), chip, npy));
        AssertSameS2m(e, CsvNpy.ReadCsvS2mFolder(csv));
        // The feed-forward readers say what the file is instead of failing on a missing fc2.
        Assert.That(() => WeightTables.Read(msg), Throws.TypeOf<NeuromorphicException>().With.Message.Contains("synaptic sampling machine"));
        Assert.That(() => CsvNpy.FromArrays(CsvNpy.ReadNpz(npz), chip, npz),
            Throws.TypeOf<NeuromorphicException>().With.Message.Contains("synaptic sampling machine"));
        Assert.That(() => CsvNpy.ReadCsvFolder(csv), Throws.TypeOf<NeuromorphicException>().With.Message.Contains("synaptic sampling machine"));
        var z = CsvNpy.ReadNpz(npz);
        Assert.That(z["family"].Strings, Is.EqualTo(new[] { "synaptic-sampling" }));
        Assert.That((z["visible_bias_row"].Values[0], z["hidden_bias_column"].Values[0], z["label_start"].Values[0]), Is.EqualTo((18.0, 6.0, 12.0)));
    }

    [Test]
    public void S2mMessagePackIsAPlainMapThatNamesTheUnits()
    {
        var (net, config) = SmallS2m();
        var path = Path.Combine(_dir, "s.msgpack");
        WeightTables.Write(path, ExportedS2m.From(net, config, "float"));
        var root = (IDictionary<object, object>)MessagePack.MessagePackSerializer.Deserialize<object>(File.ReadAllBytes(path))!;
        Assert.That(root["family"], Is.EqualTo("synaptic-sampling"));
        Assert.That(root["synapses"], Is.EqualTo("stochastic"));
        var s2m = (IDictionary<object, object>)root["s2m"];
        Assert.That(Convert.ToInt32(s2m["visible_bias_row"]), Is.EqualTo(18));
        var p0 = (IDictionary<object, object>)((object[])root["projections"])[0];
        var w = (object[])p0["weights"];
        Assert.That(Convert.ToSingle(w[18 * 7 + 2]), Is.EqualTo(32f), "row visible_bias_row holds the hidden biases");
        Assert.That(Convert.ToSingle(w[5 * 7 + 6]), Is.EqualTo(-45f), "column hidden_bias_column holds the visible biases");
        Assert.That(Convert.ToDouble(p0["transmission_probability"]), Is.EqualTo(0.5));
    }

    [Test]
    public void S2mExpectedValueTablesAreTheWeightsTimesP()
    {
        var (net, config) = SmallS2m();
        var e = ExportedS2m.From(net, config, "float", SynapseModes.Expected);
        Assert.That((e.Synapses, e.Matrix.TransmissionProbability, e.TrainedTransmissionProbability), Is.EqualTo((SynapseModes.Expected, 1.0, 0.5)));
        Assert.That(e.Matrix.Weights, Is.EqualTo(net.Projections[0].Weights.Select(w => (float)(w * 0.5)).ToArray()));
    }

    [TestCase("msgpack")]
    [TestCase("npz")]
    [TestCase("csv")]
    [TestCase("nir")]
    public void BlankOutIsStoredAndReadBack(string format)
    {
        var (net, config) = SmallPerbp();
        foreach (var mode in new[] { SynapseModes.Stochastic, SynapseModes.Expected })
        {
            var e = ExportedNetwork.From(net, config, "float", mode);
            float[] learned = net.ForwardProjections.First().Weights;
            Assert.That(e.Projections[0].Weights,
                Is.EqualTo(mode == SynapseModes.Expected ? learned.Select(w => (float)(w * 0.45)).ToArray() : learned));
            double p = mode == SynapseModes.Stochastic ? 0.45 : 1.0;
            string path = Path.Combine(_dir, $"{mode}.{format}");
            if (format == "nir")
            {
                NirFile.Write(path, e, "test");
                var imported = NirImport.Import(path);
                Assert.That(imported.Model.Config().TransmissionProbability, Is.EqualTo(p));
                Assert.That(imported.Notes.Any(n => n.Contains("blank-out")), Is.EqualTo(p < 1), "a note whenever the imported synapses draw");
                var n2 = imported.Model.ToNetwork(imported.Model.Config(), path);
                Assert.That(n2.ForwardProjections.Select(x => x.TransmissionProbability), Is.All.EqualTo(p),
                    "the imported network draws as the tables say");
                continue;
            }
            ExportedNetwork back = format switch
            {
                "msgpack" => Write(path, () => WeightTables.Write(path, e), () => WeightTables.Read(path)),
                "npz" => Write(path, () => CsvNpy.WriteNpz(path, e), () => CsvNpy.FromArrays(CsvNpy.ReadNpz(path), "float", path)),
                _ => Write(path, () => CsvNpy.WriteCsvFolder(path, e), () => CsvNpy.ReadCsvFolder(path)),
            };
            Assert.That((back.Synapses, back.TrainedTransmissionProbability), Is.EqualTo((mode, 0.45)));
            Assert.That(back.Projections.Select(x => x.TransmissionProbability), Is.All.EqualTo(p));
            Assert.That(back.Projections[0].Weights, Is.EqualTo(e.Projections[0].Weights));
        }
    }

    static ExportedNetwork Write(string path, Action write, Func<ExportedNetwork> read) { write(); return read(); }

    [Test]
    public void EveryFormatStatesTheSameDeadTime()
    {
        var (net, config) = SmallPerbp(); // hidden hold 3.9 ms at dt 0.1 ms: dead time 4.0 ms
        var e = ExportedNetwork.From(net, config, "float");
        string msg = Path.Combine(_dir, "w.msgpack"), npz = Path.Combine(_dir, "w.npz");
        string csv = Path.Combine(_dir, "csv"), nir = Path.Combine(_dir, "w.nir");
        WeightTables.Write(msg, e); CsvNpy.WriteNpz(npz, e); CsvNpy.WriteCsvFolder(csv, e); NirFile.Write(nir, e, "test");
        var root = (IDictionary<object, object>)MessagePack.MessagePackSerializer.Deserialize<object>(File.ReadAllBytes(msg))!;
        double fromMsgpack = Convert.ToDouble(((IDictionary<object, object>)((object[])root["neurons"])[0])["refractory_period_ms"]);
        double fromNpz = CsvNpy.ReadNpz(npz)["lif1_refractory_period_ms"].Values[0];
        var csvRow = File.ReadAllLines(Path.Combine(csv, "neurons.csv"));
        double fromCsv = double.Parse(csvRow[1].Split(',')[Array.IndexOf(csvRow[0].Split(','), "refractory_period_ms")],
            System.Globalization.CultureInfo.InvariantCulture);
        var lif1 = NirFile.Read(nir).Groups["node"].Groups["nodes"].Groups["lif1"];
        double fromNir = lif1.Groups["metadata"].Arrays["refractory_period"].Values[0] * 1000;
        Assert.That(new[] { fromMsgpack, fromNpz, fromCsv }, Is.All.EqualTo(4.0));
        Assert.That(fromNir, Is.EqualTo(4.0).Within(1e-12));
        // And each reader turns it back into our neuron's hold.
        Assert.That(WeightTables.Read(msg).Neurons[0].RefractoryMs, Is.EqualTo(3.9));
        Assert.That(CsvNpy.ReadCsvFolder(csv).Neurons[0].RefractoryMs, Is.EqualTo(3.9));
    }

    [Test]
    public void AVersion1TableStillReadsItsRefractoryFieldAsTheHold()
    {
        var (net, config) = SmallPerbp();
        var path = Path.Combine(_dir, "v1.msgpack");
        WeightTables.Write(path, ExportedNetwork.From(net, config, "float"));
        var root = (Dictionary<object, object>)MessagePack.MessagePackSerializer.Deserialize<object>(File.ReadAllBytes(path))!;
        root["version"] = 1;
        foreach (var k in new[] { "family", "synapses", "trained_transmission_probability", "s2m" }) root.Remove(k);
        foreach (Dictionary<object, object> n in (object[])root["neurons"]) { n.Remove("refractory_period_ms"); n["refractory_ms"] = 3.9; }
        foreach (Dictionary<object, object> p in (object[])root["projections"]) p.Remove("transmission_probability");
        File.WriteAllBytes(path, MessagePack.MessagePackSerializer.Serialize<object>(root));
        var back = WeightTables.Read(path);
        Assert.That(back.Neurons[0].RefractoryMs, Is.EqualTo(3.9));
        Assert.That((back.Synapses, back.Projections[0].TransmissionProbability), Is.EqualTo((SynapseModes.Deterministic, 1.0)));
    }

    [Test]
    public void AFeedForwardExportIntoAnS2mFolderLeavesNoS2mTableBehind()
    {
        var (s2m, sc) = SmallS2m();
        var (net, config) = SmallPerbp();
        var csv = Path.Combine(_dir, "csv");
        CsvNpy.WriteCsvFolder(csv, ExportedS2m.From(s2m, sc, "loihi"));
        CsvNpy.WriteCsvFolder(csv, ExportedNetwork.From(net, config, "float"));
        Assert.That(Directory.GetFiles(csv).Select(Path.GetFileName).Where(f => f!.StartsWith("visible_hidden") || f == "s2m.csv"), Is.Empty);
        Assert.That(CsvNpy.ReadCsvFolder(csv).Layers, Is.EqualTo(new[] { 20, 7, 3 }));
    }

    static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var oldOut = Console.Out; var oldErr = Console.Error;
        var o = new StringWriter(); var e = new StringWriter();
        Console.SetOut(o); Console.SetError(e);
        try { return (Commands.Execute(args), o.ToString(), e.ToString()); }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
    }

    [Test]
    public void ExportOfAnS2mWritesEveryFormatButNirWhichItRefusesInOneLine()
    {
        var config = new SimulationConfig { Rule = RuleKind.S2m, TransmissionProbability = 0.5 };
        var model = Path.Combine(_dir, "s2m.nmm");
        ModelFile.From(S2mNetwork.Build(5, config), config, new()).Save(model);
        var (code, _, err) = Cli("export", model, "--format", "nir", "--out", Path.Combine(_dir, "s.nir"), "--test-samples", "0");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(err, Does.Contain("synaptic sampling machine").And.Contain("NIR"));
        Assert.That(File.Exists(Path.Combine(_dir, "s.nir")), Is.False);
        foreach (var f in new[] { "msgpack", "npz", "npy", "csv" })
        {
            var (c, o, e) = Cli("export", model, "--format", f, "--out", Path.Combine(_dir, "s." + f), "--test-samples", "0", "--json");
            Assert.That(c, Is.Zero, e);
            var j = JsonDocument.Parse(o.TrimEnd().Split('\n')[^1]).RootElement;
            Assert.That(j.GetProperty("family").GetString(), Is.EqualTo("synaptic-sampling"));
            Assert.That(j.GetProperty("synapses").GetString(), Is.EqualTo("stochastic"));
            Assert.That(j.GetProperty("notes").GetArrayLength(), Is.GreaterThan(0), "blank-out is said out loud");
        }
        Assert.That(WeightTables.ReadS2m(Path.Combine(_dir, "s.msgpack")).Matrix.Rows, Is.EqualTo(784 + 10 + 1));
    }
}
