using MessagePack;
using Neuromorphic.Simulator;
using Neuromorphic.Simulator.Data;
using Neuromorphic.Simulator.Engine;
using Neuromorphic.Simulator.Files;
using Neuromorphic.Tests.Export;
using NUnit.Framework;

namespace Neuromorphic.Tests.Cli;

/// <summary>Issue 16: hostile or mistaken input gives exit code 2 and one line naming the file or option, before
/// any long work; no stack trace, no hang, no allocation out of proportion to the input. Every file is made here.</summary>
public class HardeningTests
{
    string _dir = "";
    [SetUp] public void SetUp() { _dir = Path.Combine(Path.GetTempPath(), "nm-harden-" + Guid.NewGuid().ToString("N")); Directory.CreateDirectory(_dir); }
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    static (int Code, string Out, string Err) Cli(params string[] args) => HostileInputTests.Cli(args);
    static void OneLine((int Code, string Out, string Err) r, string message) => HostileInputTests.OneLine(r, message);

    /// <summary>A model file of a 784-<paramref name="hidden"/>-10 network (rule none), changed by <paramref name="edit"/>.</summary>
    string Model(string name, Action<ModelFile>? edit = null, int hidden = 3)
    {
        var config = new SimulationConfig { Rule = RuleKind.None, TestSampleMs = 5 };
        var m = ModelFile.From(ErbpNetwork.Build([784, hidden, 10], config), config, new());
        edit?.Invoke(m);
        var p = Path.Combine(_dir, name);
        File.WriteAllBytes(p, MessagePackSerializer.Serialize(m));
        return p;
    }

    [Test]
    public void NullFieldsInAModelFileAreOneLine()
    {
        OneLine(Cli("test", Model("w.nmm", m => m.Projections[0].Weights = null!)), "w.nmm: projection 0 is missing (null) or lacks its name or weights");
        OneLine(Cli("test", Model("p.nmm", m => m.Projections = null!)), "p.nmm: field projections is missing (null)");
        OneLine(Cli("test", Model("p0.nmm", m => m.Projections[1] = null!)), "p0.nmm: projection 1 is missing (null)");
        OneLine(Cli("test", Model("c.nmm", m => m.ConfigJson = null!)), "c.nmm: field config is missing (null)");
        OneLine(Cli("test", Model("cn.nmm", m => m.ConfigJson = "null")), "cn.nmm: field config is null");
        OneLine(Cli("test", Model("g.nmm", m => m.Progress = null!)), "g.nmm: field progress is missing (null)");
        OneLine(Cli("test", Model("n.nmm", m => m.Projections[0].Name = null!)), "n.nmm: projection 0 is missing (null) or lacks its name or weights");
        OneLine(Cli("test", Model("cb.nmm", m => m.CreatedBy = null!)), "cb.nmm: field createdby is missing (null)");
    }

    [Test]
    public void ArchitecturesBeyondTheCapsAreRefusedBeforeAnythingIsBuilt()
    {
        OneLine(Cli("run", "--arch", "784-200000000-10"), "--arch '784-200000000-10': layer 2 has 200000000 neurons, more than the cap of 1,000,000 per layer");
        OneLine(Cli("train", "--arch", "784-100000-100000-10", "--out", Path.Combine(_dir, "x.nmm")), "forward weights, more than the cap of 100,000,000");
        OneLine(Cli("bench", "--arch", "784-1000000-1000000-10"), "more than the cap of 100,000,000");
        OneLine(Cli("train", "--hidden", "2147483647", "--out", Path.Combine(_dir, "x.nmm")), "--hidden must lie in 1..1,000,000");
        // A small file declaring a large network: refused from the header, in well under a second, not after building it.
        var sw = System.Diagnostics.Stopwatch.StartNew();
        OneLine(Cli("test", Model("big.nmm", m => m.Layers = [784, 1_000_000, 10])), "big.nmm: 784-1000000-10 has 794,000,000 forward weights, more than the cap");
        OneLine(Cli("test", Model("mid.nmm", m => m.Layers = [784, 100_000, 10])), "mid.nmm: the architecture 784-100000-10 needs 79,400,000 forward weights, the file holds");
        Assert.That(sw.Elapsed.TotalSeconds, Is.LessThan(5));
    }

    [Test]
    public void AnInputLayerOtherThan784IsOneLineInEveryCommandThatFeedsDigits()
    {
        OneLine(Cli("run", "--arch", "20-7-3"), "--arch: the input layer has 20 neurons; MNIST digits have 784 pixels");
        OneLine(Cli("bench", "--arch", "20-7-3"), "--arch: the input layer has 20 neurons");
        OneLine(Cli("train", "--arch", "20-7-3", "--out", Path.Combine(_dir, "x.nmm")), "--arch: the input layer has 20 neurons");
        var (net, config) = ExportFormatTests.Small();
        var small = Path.Combine(_dir, "small.nmm");
        ModelFile.From(net, config, new()).Save(small);
        OneLine(Cli("test", small), "small.nmm: the input layer has 20 neurons");
        OneLine(Cli("run", "--model", small), "small.nmm: the input layer has 20 neurons");
        OneLine(Cli("train", "--resume", small, "--out", Path.Combine(_dir, "x.nmm")), "small.nmm: the input layer has 20 neurons");
        OneLine(Cli("sweep", small), "small.nmm: the input layer has 20 neurons");
    }

    [Test]
    public void ResumeOfANegativeOrAbsurdPositionIsOneLine()
    {
        var o = Path.Combine(_dir, "x.nmm");
        OneLine(Cli("train", "--resume", Model("neg.nmm", m => m.Progress.PositionInEpoch = -5), "--out", o), "neg.nmm: implausible training progress (epochs done 0, position -5");
        OneLine(Cli("train", "--resume", Model("far.nmm", m => m.Progress.PositionInEpoch = 2_000_000_000), "--out", o), "far.nmm: implausible training progress");
        OneLine(Cli("train", "--resume", Model("ep.nmm", m => m.Progress.EpochsCompleted = -3), "--out", o), "ep.nmm: implausible training progress (epochs done -3");
    }

    [Test]
    public void UnwritableOutputsAreRefusedBeforeTheWorkNamingTheUsersPath()
    {
        OneLine(Cli("train", "--out", ""), "--out: empty path");
        OneLine(Cli("train", "--out", _dir), $"--out '{_dir}' is a folder");
        var file = Path.Combine(_dir, "plain.txt");
        File.WriteAllText(file, "x");
        var under = Path.Combine(file, "m.nmm");
        var r = Cli("train", "--out", under);
        OneLine(r, $"--out '{under}': cannot write there");
        Assert.That(r.Err, Does.Not.Contain(".tmp-"), "the hidden temporary file is not named");
        var model = Model("ok.nmm");
        OneLine(Cli("sweep", model, "--csv", _dir), $"--csv '{_dir}' is a folder");
        OneLine(Cli("sweep", model, "--plot", under), "--plot");
        OneLine(Cli("import", Path.Combine(_dir, "none.nir"), "--out", ""), "--out: empty path");
        OneLine(Cli("export", model, "--format", "msgpack", "--out", _dir), "is a folder");
        OneLine(Cli("export", model, "--format", "csv", "--out", file), "is a file; expected a folder");
    }

    [Test]
    public void StaleTemporaryFilesOfKilledWritesAreRemovedOnTheNextWrite()
    {
        var target = Path.Combine(_dir, "m.nmm");
        var stale = Path.Combine(_dir, ".m.nmm.tmp-2147483000"); // no such process
        var live = Path.Combine(_dir, $".m.nmm.tmp-{Environment.ProcessId - 0}x"); // not a process id: left alone
        var other = Path.Combine(_dir, ".other.nmm.tmp-2147483000"); // another file's: left alone
        foreach (var f in new[] { stale, live, other }) File.WriteAllText(f, "partial");
        AtomicFile.Write(target, tmp => File.WriteAllText(tmp, "new"));
        Assert.That(File.ReadAllText(target), Is.EqualTo("new"));
        Assert.That(File.Exists(stale), Is.False);
        Assert.That(File.Exists(live) && File.Exists(other), Is.True);
    }

    [Test]
    public void StepsPerSampleAreCappedWhereverTheDurationOrDtEnters()
    {
        var model = Model("ok.nmm");
        OneLine(Cli("test", model, "--test-sample-ms", "1e12"), "test sample duration (--test-sample-ms) 1000000000000 ms at dt (--dt-ms) 0.1 ms is 1E+13 time steps per sample, more than the cap of 1,000,000");
        OneLine(Cli("run", "--dt-ms", "1e-300"), "test sample duration (--test-sample-ms) 250 ms at dt (--dt-ms) 1E-300 ms is 2.5E+302 time steps per sample, more than the cap of 1,000,000");
        OneLine(Cli("train", "--sample-ms", "1e12", "--out", Path.Combine(_dir, "x.nmm")), "training sample duration (--sample-ms)");
        var tiny = Model("tinydt.nmm", m => m.ConfigJson = m.ConfigJson.Replace("\"DtMs\":0.1", "\"DtMs\":1E-300"));
        Assert.That(File.ReadAllBytes(tiny).Length, Is.GreaterThan(0));
        OneLine(Cli("test", tiny), "tinydt.nmm: stored configuration: ");
        var nir = Path.Combine(_dir, "dt.nir");
        NirInteropTests.Python(NirInteropTests.HandBuilt + "\nf = h5py.File(sys.argv[1], 'a')\nf['node'].create_group('metadata').create_dataset('dt', data=1e-12)\nf.close()\n", nir, "5.0");
        OneLine(Cli("import", nir, "--out", Path.Combine(_dir, "i.nmm")), "more than the cap of 1,000,000");
    }

    [Test]
    public void ABatchThatDoesNotFitInMemoryIsRefusedWithTheLargestThatFits()
    {
        var config = new SimulationConfig { Rule = RuleKind.None };
        var net = ErbpNetwork.Build([784, 20_000, 10], config);
        // The library names the field (Batch, TestBatch); the CLI's line spells it as the option.
        var e = Assert.Throws<NeuromorphicException>(() => Backends.Create(BackendKind.Cpu, net, config, 1 << 20))!;
        Assert.That(Neuromorphic.Cli.OptionNames.Message(e), Does.Contain("--batch 1048576: the lanes of 784-20000-10 need about").And.Contains("the largest --batch that fits is"));
        Assert.That(e.Message, Does.StartWith("Batch 1048576"));
        var t = Assert.Throws<NeuromorphicException>(() => Backends.Create(BackendKind.Cpu, net, config, 1 << 20, RunFields.TestBatch))!;
        Assert.That(Neuromorphic.Cli.OptionNames.Message(t), Does.StartWith("--test-batch 1048576"));
        Assert.That(() => Backends.CheckBatchMemory(net, config, 4), Throws.Nothing);
    }

    [Test]
    public void ASmallCompressedNirFileCannotMakeImportAllocateGigabytes()
    {
        var nir = Path.Combine(_dir, "zeros.nir");
        NirInteropTests.Python(NirInteropTests.HandBuilt + "\nf = h5py.File(sys.argv[1], 'a')\nf['node'].create_dataset('padding', data=np.zeros((2000, 1000), np.float32), chunks=(200, 1000), compression='gzip', compression_opts=9)\nf.close()\n", nir, "5.0");
        Assert.That(new FileInfo(nir).Length, Is.LessThan(60_000), "two million zeros compress to a few KB");
        OneLine(Cli("import", nir, "--out", Path.Combine(_dir, "i.nmm")), "elements of 8 bytes (at '/node/padding'), more than 16 per byte of this");
        Assert.That(File.Exists(Path.Combine(_dir, "i.nmm")), Is.False);
        var r = Cli("import", nir, "--out", Path.Combine(_dir, "i.nmm"), "--allow-large");
        Assert.That(r.Code, Is.Zero, r.Err);
        // Fifty fixed-length strings of 100 MB each, never written (the fill value): a tiny file that would cost 5 GB.
        var wide = Path.Combine(_dir, "wide.nir");
        NirInteropTests.Python(NirInteropTests.HandBuilt + "\nf = h5py.File(sys.argv[1], 'a')\nf['node'].create_dataset('wide', shape=(50,), dtype='S100000000')\nf.close()\n", wide, "5.0");
        OneLine(Cli("import", wide, "--out", Path.Combine(_dir, "w.nmm")), "at '/node/wide'");
        OneLine(Cli("import", wide, "--out", Path.Combine(_dir, "w.nmm"), "--allow-large"), "more than 200000000 elements (of 8 bytes) in all datasets, at '/node/wide'");
    }

    [Test]
    public void InvalidValuesThatWereAcceptedAreRefused()
    {
        // Enumerations out of range in a model's stored configuration.
        string Json(ModelFile m) => m.ConfigJson;
        OneLine(Cli("test", Model("rule.nmm", m => m.ConfigJson = Json(m).Replace("\"Rule\":0", "\"Rule\":99"))), "rule.nmm: stored configuration: rule 99 is not one of none (0)");
        OneLine(Cli("test", Model("enc.nmm", m => m.ConfigJson = Json(m).Replace("\"Encoder\":{\"Kind\":0", "\"Encoder\":{\"Kind\":7"))), "enc.nmm: stored configuration: input encoder: encoder kind 7 is not one of");
        OneLine(Cli("test", Model("rnd.nmm", m => m.ConfigJson = Json(m).Replace("\"WeightRounding\":1", "\"WeightRounding\":9"))), "rnd.nmm: stored configuration: weight rounding 9 is not one of");
        OneLine(Cli("test", Model("refr.nmm", m => m.ConfigJson = Json(m).Replace("\"RefractoryMs\":3.9", "\"RefractoryMs\":1e300"))), "refr.nmm: stored configuration: hidden neurons' refractory period 1E+300 ms is more than 1,000,000 time steps");
        OneLine(Cli("test", Model("gate.nmm", m => m.ConfigJson = Json(m).Replace("\"LayerGateMv\":null", "\"LayerGateMv\":[-5]"))), "gate.nmm: stored configuration: layer gates (--layer-gates-mv) must be positive numbers of mV, got -5");
        // Options.
        var o = Path.Combine(_dir, "x.nmm");
        OneLine(Cli("train", "--checkpoint-every", "-5", "--out", o), "--checkpoint-every must be 0 (only at the end) or a positive number of samples, got -5");
        OneLine(Cli("run", "--noise-mv", "Infinity"), "noise rate must be >= 0 and its weight a finite number");
        OneLine(Cli("sweep", Model("ok.nmm"), "--noise", "Infinity"), "--noise");
        // Resuming a model that has no rule (imported, inference only) trains nothing: refused as --rule none is.
        OneLine(Cli("train", "--resume", Model("none.nmm"), "--out", o), "none.nmm: the model has rule none");
        // Trailing bytes after the model.
        var t = Model("trail.nmm");
        File.AppendAllText(t, "extra");
        OneLine(Cli("test", t), "trail.nmm: 5 unexpected bytes after the model");
        // NIR: w_in = 1e300 makes a weight that a float32 cannot hold; an encoder kind out of range in the stored configuration.
        void Nir(string script, string message)
        {
            var p = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".nir");
            NirInteropTests.Python(NirInteropTests.HandBuilt + "\nf = h5py.File(sys.argv[1], 'a')\n" + script + "\nf.close()\n", p, "5.0");
            OneLine(Cli("import", p, "--out", Path.Combine(_dir, "i.nmm")), message);
        }
        Nir("del f['node/nodes/lif/w_in']\nf['node/nodes/lif'].create_dataset('w_in', data=np.full(2, 1e300))", "node 'fc' weight (0, 0) becomes 1.25E+299 mV, which is not a finite float32 number");
        Nir("f['node'].create_group('metadata').create_dataset('neuromorphic_config', data='{\"Encoder\":{\"Kind\":7}}', dtype=h5py.string_dtype())", "configuration (/node/metadata/neuromorphic_config and the nodes' parameters): input encoder: encoder kind 7");
    }

    [Test]
    public void MessagesNameWhatTheUserGave()
    {
        // Parse errors: one line on stderr with a suggestion, no help on stdout, no .NET type names.
        var r = Cli("train", "--epoch", "2");
        OneLine(r, "Unrecognized command or argument '--epoch'. Did you mean '--epochs'? (see `neuromorphic train --help`)");
        Assert.That(r.Out, Is.Empty);
        r = Cli("run", "--seed", "-5");
        OneLine(r, "for option '--seed' as a whole number in 0..18446744073709551615");
        Assert.That(r.Err, Does.Not.Contain("System."));
        OneLine(Cli("trian"), "Did you mean 'train'?");
        // A stored configuration that JSON cannot convert: the kind of value in words, not a .NET type.
        r = Cli("test", Model("seed.nmm", m => m.ConfigJson = m.ConfigJson.Replace("\"Seed\":1", "\"Seed\":-1")));
        OneLine(r, "seed.nmm: configuration in model file is unreadable (The JSON value could not be converted to a whole number >= 0. Path: $.Seed");
        Assert.That(Text.Plain("expected type 'System.Nullable`1[System.Double]' or System.String[] or System.Boolean"), Is.EqualTo("expected type a number or a list or true or false"));
        // --config: a missing file, a pipe, a value of the wrong kind.
        OneLine(Cli("run", "--config", Path.Combine(_dir, "none.json")), "none.json: configuration file (--config) not found");
        var cfgFifo = Path.Combine(_dir, "cfg.json");
        NirInteropTests.Python("import os\nos.mkfifo(sys.argv[1])", cfgFifo);
        OneLine(Cli("run", "--config", cfgFifo), "cfg.json: empty configuration file (--config), or not a regular file");
        var cfgBad = Path.Combine(_dir, "bad.json");
        File.WriteAllText(cfgBad, "{\"Seed\": -3}");
        OneLine(Cli("run", "--config", cfgBad), "not a valid configuration (The JSON value could not be converted to a whole number >= 0.");
        // An oversized --test-batch is reported as --test-batch, not --batch.
        OneLine(Cli("train", "--arch", "784-5-10", "--test-batch", "2000000", "--backend", "cpu", "--out", Path.Combine(_dir, "tb.nmm")), "--test-batch must lie in 1..1048576, got 2000000");
        // --eta NaN names the option, not the field.
        OneLine(Cli("train", "--eta", "NaN", "--out", Path.Combine(_dir, "x.nmm")), "the learning rate (--eta) must be a number >= 0, got NaN");
        // --data-dir naming a file.
        var file = Path.Combine(_dir, "plain.txt");
        File.WriteAllText(file, "x");
        OneLine(Cli("run", "--data-dir", file), $"--data-dir '{file}' is a file; expected the folder of the four MNIST files");
    }

    [Test]
    public void MnistFilesLinkedOneByOneAreMeasuredThroughTheLink()
    {
        var data = MnistFiles.ResolveDirectory(null);
        MnistFiles.Ensure(data, TestContext.Progress.WriteLine);
        var linked = Path.Combine(_dir, "linked");
        Directory.CreateDirectory(linked);
        foreach (var f in MnistFiles.Files) File.CreateSymbolicLink(Path.Combine(linked, f.Name), Path.Combine(data, f.Name));
        Assert.That(() => MnistFiles.Verify(linked), Throws.Nothing);
        File.Delete(Path.Combine(linked, MnistFiles.Files[0].Name));
        File.CreateSymbolicLink(Path.Combine(linked, MnistFiles.Files[0].Name), Path.Combine(_dir, "nowhere"));
        Assert.That(() => MnistFiles.Verify(linked), Throws.TypeOf<NeuromorphicException>().With.Message.Contains("missing"));
    }

    [Test]
    public void HelpSaysWhatTheDefaultsAre()
    {
        string Help(params string[] a) => Cli([.. a, "--help"]).Out;
        var train = Help("train").Split('\n').First(l => l.Contains("--test-batch"));
        Assert.That(train, Does.Contain("16 on the CPU, 1024 on CUDA").And.Not.Contain("[default: 0]"));
        foreach (var cmd in new[] { "sweep", "export" })
        {
            var batch = Help(cmd).Split('\n').First(l => l.TrimStart().StartsWith("--batch"));
            Assert.That(batch, Does.Contain("default 16 on the CPU, 1024 on CUDA").And.Not.Contain("on-line learning").And.Not.Contain("[default: 1]"), cmd);
        }
        Assert.That(Help("bench").Split('\n').First(l => l.Contains("--samples")), Does.Contain("0 = automatic"));
        var run = Help("run");
        foreach (var trainingOnly in new[] { "--eta", "--gate-mv", "--burn-in", "--batch-update", "--sample-ms " })
            Assert.That(run, Does.Not.Contain(trainingOnly), trainingOnly);
        Assert.That(run, Does.Contain("--test-sample-ms"));
    }

    [Test]
    public void TheFirstProgressLineShowsNoRateYet()
    {
        var old = Console.Error;
        var e = new StringWriter();
        Console.SetError(e);
        try { new Neuromorphic.Cli.ProgressLine("test", 100).Report(3, 3, 2, force: true); }
        finally { Console.SetError(old); }
        Assert.That(e.ToString(), Does.Contain("3/100        - samples/s").And.Contain("ETA --:--:--"));
    }

    [Test]
    public void TrainJsonNamesBothBatchesAndRunAndBenchAreReadable()
    {
        var data = MnistFiles.ResolveDirectory(null);
        MnistFiles.Ensure(data, TestContext.Progress.WriteLine);
        var r = Cli("train", "--arch", "784-5-10", "--train-samples", "4", "--test-samples", "3", "--validation-samples", "2", "--sample-ms", "5",
            "--test-sample-ms", "5", "--batch", "2", "--test-batch", "3", "--backend", "cpu", "--json", "--out", Path.Combine(_dir, "t.nmm"));
        Assert.That(r.Code, Is.Zero, r.Err);
        var json = System.Text.Json.JsonDocument.Parse(r.Out.Trim().Split('\n')[^1]).RootElement;
        Assert.That(json.GetProperty("batch").GetInt32(), Is.EqualTo(2), "the training batch");
        Assert.That(json.GetProperty("test_batch").GetInt32(), Is.EqualTo(3));
        Assert.That(r.Err, Does.Contain("validation ["), "progress during validation");
        r = Cli("run", "--samples", "2", "--test-sample-ms", "5", "--backend", "cpu");
        Assert.That(r.Code, Is.Zero, r.Err);
        Assert.That(r.Err, Does.Contain("run [").And.Contain("2/2"));
        r = Cli("bench", "--arch", "784-5-10", "--samples", "4", "--batch", "2", "--test-sample-ms", "5", "--backend", "cpu");
        Assert.That(r.Code, Is.Zero, r.Err);
        Assert.That(r.Err, Does.Contain("bench [").And.Contain("4/4").And.Not.Contain(" acc "), "progress without an accuracy bench does not measure");
        // bench's table (Spectre writes it to the terminal): keys as words, numbers formatted.
        Assert.That(Neuromorphic.Cli.Output.Words("samples_per_s"), Is.EqualTo("samples/s"));
        Assert.That(Neuromorphic.Cli.Output.Words("steps_per_sample"), Is.EqualTo("steps per sample"));
        Assert.That(Neuromorphic.Cli.Output.Words("modelled_memory_traffic_gb_per_s"), Is.EqualTo("modelled memory traffic (GB/s)"));
        Assert.That(Neuromorphic.Cli.Output.Words("peak_memory_mib"), Is.EqualTo("peak memory (MiB)"));
        Assert.That(Neuromorphic.Cli.Output.Number(12345678.9), Is.EqualTo("12,345,679"));
        Assert.That(Neuromorphic.Cli.Output.Number(3.14159), Is.EqualTo("3.142"));
        Assert.That(Neuromorphic.Cli.Output.Number(250000L), Is.EqualTo("250,000"));
    }

    [Test]
    public void PipesAndDevicesGivenAsInputFilesAreRefusedWithoutOpeningThem()
    {
        var fifo = Path.Combine(_dir, "pipe.nmm");
        NirInteropTests.Python("import os\nos.mkfifo(sys.argv[1])", fifo);
        var link = Path.Combine(_dir, "link.nir");
        File.CreateSymbolicLink(link, fifo);
        var zero = Path.Combine(_dir, "zero.nmm");
        File.CreateSymbolicLink(zero, "/dev/zero");
        (int, string, string) Timed(params string[] a)
        {
            var t = Task.Run(() => Cli(a));
            if (!t.Wait(TimeSpan.FromSeconds(30))) Assert.Fail($"{string.Join(' ', a)} hangs");
            return t.Result;
        }
        OneLine(Timed("test", fifo), "pipe.nmm: empty model file, or not a regular file (a pipe or a device)");
        OneLine(Timed("import", link, "--out", Path.Combine(_dir, "i.nmm")), "link.nir: empty NIR file, or not a regular file");
        OneLine(Timed("test", zero), "zero.nmm: empty model file, or not a regular file");
        Assert.That(() => IdxReader.Read(fifo, 3), Throws.TypeOf<NeuromorphicException>().With.Message.Contains("not a regular file"));
    }

    [Test]
    public void ANirStringOfADeclaredTerabyteIsOneLine()
    {
        // The global heap object of a variable-length string claims 2^40 bytes: PureHDF threw OutOfMemoryException,
        // which left the CLI with a stack trace.
        var nir = Path.Combine(_dir, "heap.nir");
        NirInteropTests.Python(NirInteropTests.HandBuilt + """

import struct
b = bytearray(open(sys.argv[1], 'rb').read())
i = b.find(b'GCOL')
assert i > 0
b[i + 24:i + 32] = struct.pack('<Q', 1 << 40)
open(sys.argv[1], 'wb').write(b)
""", nir, "5.0");
        OneLine(Cli("import", nir, "--out", Path.Combine(_dir, "h.nmm")), "heap.nir: the file declares a size that cannot be allocated; damaged or crafted");
    }

    [Test]
    public void ANirStringThatWasNeverWrittenIsOneLine()
    {
        // An unwritten variable-length string reads as null: the edges' null node name crashed import (found by fuzzing).
        var nir = Path.Combine(_dir, "null.nir");
        NirInteropTests.Python(NirInteropTests.HandBuilt + """

f = h5py.File(sys.argv[1], 'a')
del f['node/edges']
e = f['node'].create_dataset('edges', shape=(5, 2), dtype=h5py.string_dtype())
e[0] = ['input', 'fc']
f.close()
""", nir, "5.0");
        OneLine(Cli("import", nir, "--out", Path.Combine(_dir, "n.nmm")), "null.nir: dataset '/node/edges' holds a string that cannot be read (a null or dangling reference)");
    }

    [Test]
    public void IdxHeaderWhoseItemCountOverflowsIsRefused()
    {
        // 2^26 x 2^26 x 2^12 items = 2^64: a 64-bit product wraps to 0, which a bare header would match.
        var header = new byte[] { 0, 0, 8, 3, 0x04, 0, 0, 0, 0x04, 0, 0, 0, 0, 0, 0x10, 0 };
        Assert.That(() => IdxReader.Parse(header, "wrap-idx3-ubyte", 3), Throws.TypeOf<NeuromorphicException>().With.Message.Contains("wrap-idx3-ubyte: truncated IDX file: 16 bytes, header promises more than 16"));
    }

    [Test]
    public void TheDeletedChainKernelAndPerPhaseOnTheCpuAreOneLineBeforeAnyWork()
    {
        // --inference-kernel chain chose FusedInferenceKernel, merged into the network kernel: scripts that still ask
        // for it are told so, not given another kernel silently.
        var model = Model("m.nmm");
        const string merged = "--inference-kernel chain: the chain kernel was merged into the network kernel (docs/performance.md); use --inference-kernel network";
        OneLine(Cli("bench", "--backend", "ilgpu-cpu", "--inference-kernel", "chain"), merged);
        OneLine(Cli("test", model, "--backend", "ilgpu-cpu", "--inference-kernel", "chain"), merged);
        OneLine(Cli("test", model, "--backend", "ilgpu-cpu", "--inference-kernel", "fused"), "--inference-kernel must be network or per-phase, got fused");
        OneLine(Cli("bench", "--backend", "cpu", "--inference-kernel", "per-phase"), "--inference-kernel per-phase chooses between ILGPU's kernels: use it with --backend cuda or ilgpu-cpu, not cpu");
        OneLine(Cli("test", model, "--backend", "cpu", "--inference-kernel", "per-phase"), "--inference-kernel per-phase chooses between ILGPU's kernels");
    }
}
