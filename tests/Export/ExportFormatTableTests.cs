using Neuromorphic.Simulator;
using Neuromorphic.Simulator.Engine;
using Neuromorphic.Simulator.Export;
using Neuromorphic.Simulator.Files;
using Neuromorphic.Tests.Cli;
using NUnit.Framework;

namespace Neuromorphic.Tests.Export;

/// <summary>The table of export formats: the names the command line accepts, the help and refusals derived from each
/// format's properties, and a refused export that leaves nothing behind, not even an empty folder.</summary>
public class ExportFormatTableTests
{
    string _dir = "";
    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "nm-formats-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    [Test]
    public void TheCommandLineContractFollowsFromTheTable()
    {
        Assert.That(ExportFormats.Names, Is.EqualTo(new[] { "msgpack", "nir", "csv", "npy", "npz" }), "format names are a contract");
        Assert.That(ExportFormats.Help, Is.EqualTo("msgpack | nir | csv (a folder) | npy (a folder) | npz; an S2M: all but nir"));
        Assert.That(ExportFormats.OutHelp, Is.EqualTo("file (msgpack, nir, npz) or folder (csv, npy) to write"));
        Assert.That(ExportFormats.Titles, Is.EqualTo("MessagePack, NIR, CSV, NumPy"));
        Assert.That(ExportFormats.BiasFormats, Is.EqualTo("nir"));
        Assert.That(ExportFormats.Parse(" NPZ ").Name, Is.EqualTo("npz"));
        Assert.That(() => ExportFormats.Parse("onnx"),
            Throws.TypeOf<NeuromorphicException>().With.Message.EqualTo("--format 'onnx': expected one of msgpack, nir, csv, npy, npz"));
        Assert.That(ExportFormats.Refusal(ExportFormats.Parse("nir"), ModelFamily.SynapticSampling),
            Does.EndWith("; export an S2M as msgpack, csv, npy or npz"));
    }

    /// <summary>A format without a place for the chip's integers (none of ours today) refuses an integer export in one
    /// line that names the formats that can; a float export passes.</summary>
    [Test]
    public void AFormatWithoutIntegersRefusesAChipProfile()
    {
        var config = new SimulationConfig { Rule = RuleKind.None };
        var net = ErbpNetwork.Build([6, 4, 3], config);
        var floatOnly = new FloatOnlyFormat();
        Assert.That(ExportFormats.Refusal(floatOnly, ExportedNetwork.From(net, config, "float")), Is.Null);
        Assert.That(ExportFormats.Refusal(floatOnly, ExportedNetwork.From(net, config, "int8")),
            Is.EqualTo("--chip int8: float-only files hold float weights only; export with --chip float, or as msgpack, nir, csv, npy or npz"));
        Assert.That(ExportFormats.Refusal(ExportFormats.Parse("npz"), ExportedNetwork.From(net, config, "int8")), Is.Null);
    }

    sealed class FloatOnlyFormat : IExportFormat
    {
        public string Name => "float-only";
        public string Title => "Float";
        public bool WritesFolder => false;
        public bool HoldsBiasCurrents => false;
        public bool HoldsIntegerWeights => false;
        public string? S2mRefusal => null;
        public string? StochasticSynapsesNote(double p) => null;
        public void Write(string path, ExportedNetwork net, string source) => throw new NotSupportedException();
        public void Write(string path, ExportedS2m s2m) => throw new NotSupportedException();
    }

    /// <summary>A model with bias currents (as imported from NIR Affine biases) exported to a format without a place for
    /// them: one line, exit 2, and no file or folder at --out (an existing folder stays as it was, empty).</summary>
    [Test]
    public void ARefusedExportCreatesNothing()
    {
        var config = new SimulationConfig { Rule = RuleKind.None };
        var net = ErbpNetwork.Build([6, 4, 3], config);
        int hidden = net.Populations.FindIndex(p => p.Name == "hidden1");
        net.Populations[hidden] = net.Populations[hidden] with { BiasMv = [1f, 2f, 3f, 4f] };
        var model = Path.Combine(_dir, "biased.nmm");
        ModelFile.From(net, config, new()).Save(model);
        var existing = Path.Combine(_dir, "existing");
        Directory.CreateDirectory(existing);
        foreach (var (fmt, o) in new[] { ("csv", Path.Combine(_dir, "csv")), ("npy", Path.Combine(_dir, "new", "npy")), ("npy", existing),
            ("npz", Path.Combine(_dir, "x.npz")), ("msgpack", Path.Combine(_dir, "x.msgpack")) })
        {
            var r = CliRun.Run("export", model, "--format", fmt, "--out", o, "--test-samples", "0");
            Assert.That(r.Code, Is.EqualTo(2), r.Err);
            Assert.That(r.Err.Trim(), Is.EqualTo($"error: --format {fmt}: the model's hidden1 neurons have bias currents "
                + $"(imported from NIR Affine biases), which {fmt} tables cannot hold; export with --format nir"));
            Assert.That(File.Exists(o), Is.False, $"{fmt}: no file");
            if (o == existing) Assert.That(Directory.EnumerateFileSystemEntries(o), Is.Empty, "the existing folder is left as it was");
            else Assert.That(Directory.Exists(o), Is.False, $"{fmt}: no folder at {o}");
        }
        // The same model exports to NIR, which holds the biases.
        var nir = Path.Combine(_dir, "x.nir");
        Assert.That(CliRun.Run("export", model, "--format", "nir", "--out", nir, "--test-samples", "0").Code, Is.Zero);
        Assert.That(File.Exists(nir));
    }
}
