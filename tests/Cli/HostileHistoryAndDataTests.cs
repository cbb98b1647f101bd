using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using MessagePack;
using Neuromorphic.Cli;
using Neuromorphic.Simulator;
using Neuromorphic.Simulator.Engine;
using Neuromorphic.Simulator.Files;
using Neuromorphic.Tests.Data;
using NUnit.Framework;
using static Neuromorphic.Tests.Study.StudySecurityTests;

namespace Neuromorphic.Tests.Cli;

/// <summary>Issue 27: model histories with nil or implausible entries, IDX folders whose .gz files are pipes or bombs,
/// absurd option values, the --batch memory guard under an address-space limit, file text in notes. Exit code 2 and one
/// escaped line, before any work. Every file is made here.</summary>
public class HostileHistoryAndDataTests
{
    string _dir = "";
    [SetUp] public void SetUp() { _dir = Path.Combine(Path.GetTempPath(), "nm-hostile27-" + Guid.NewGuid().ToString("N")); Directory.CreateDirectory(_dir); }
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    static (int Code, string Out, string Err) Cli(params string[] args) => CliRun.Run(args);

    string Model(string name, Action<ModelFile> edit)
    {
        var config = new SimulationConfig { Rule = RuleKind.Erbp, TestSampleMs = 5 };
        var m = ModelFile.From(ErbpNetwork.Build([784, 3, 10], config), config, new(), [new EpochRecord { Epoch = 1, TrainAccuracy = 0.5, SamplesSeen = 10 }]);
        edit(m);
        var p = Path.Combine(_dir, name);
        File.WriteAllBytes(p, MessagePackSerializer.Serialize(m));
        return p;
    }

    [Test]
    public void ANilOrImplausibleHistoryEntryIsRefusedByEveryCommandThatReadsIt()
    {
        var nil = Model("nil.nmm", m => m.History.Add(null!));
        var png = Path.Combine(_dir, "c.png");
        OneEscapedLine(Cli("plot", "curve", nil, "--out", png), "nil.nmm: training history entry 1 is missing (null)");
        OneEscapedLine(Cli("report", nil, "--out", Path.Combine(_dir, "r.html")), "nil.nmm: training history entry 1 is missing (null)");
        var resumed = Path.Combine(_dir, "resumed.nmm");
        OneEscapedLine(Cli("train", "--resume", nil, "--out", resumed, "--epochs", "2", "--train-samples", "10", "--test-samples", "0"), "nil.nmm: training history entry 1");
        Assert.That(File.Exists(resumed) || File.Exists(png), Is.False, "refused before training, nothing written");
        // An epoch 0 (nothing on a log axis) or an infinite accuracy (nothing on any axis) would draw an empty chart.
        OneEscapedLine(Cli("plot", "curve", Model("e0.nmm", m => m.History[0].Epoch = 0), "--out", png), "e0.nmm: training history entry 0 is implausible (epoch 0");
        OneEscapedLine(Cli("plot", "curve", Model("inf.nmm", m => m.History[0].TestAccuracy = double.PositiveInfinity), "--out", png), "inf.nmm: training history entry 0 is implausible");
        // The chart itself says so when nothing can be placed on it.
        var blank = new List<EpochRecord> { new() { Epoch = 1, TrainAccuracy = double.NaN } };
        Assert.That(() => Plots.CurveFigure([("m", blank)], "m.png", logX: true), Throws.TypeOf<NeuromorphicException>().With.Message.Contains("m.png: nothing to draw"));
    }

    /// <summary>An IDX folder in the layout of <see cref="DatasetTests.WriteBlocks"/> (test files gzip-compressed).</summary>
    string Blocks() => DatasetTests.WriteBlocks(Path.Combine(_dir, "idx"), 20, 10);

    static byte[] Gzip(Action<Stream> write)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true)) write(gz);
        return ms.ToArray();
    }

    [Test]
    public void ACompressedIdxFileThatIsAPipeOrABombIsRefused()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("a named pipe");
        var dir = Blocks();
        var images = Path.Combine(dir, "t10k-images-idx3-ubyte.gz");
        File.Delete(images);
        Fifo(images);
        var t = Task.Run(() => Cli("run", "--dataset", $"idx:{dir}", "--samples", "1"));
        Assert.That(t.Wait(TimeSpan.FromSeconds(30)), Is.True, "a pipe is not opened");
        OneEscapedLine(t.Result, "t10k-images-idx3-ubyte.gz", "not a regular file");
        File.Delete(images);

        // 64 MiB of zeros behind a header that declares 10 images of 28 x 28: refused once past the 7,856 bytes declared.
        var header = new byte[16];
        BinaryPrimitives.WriteInt32BigEndian(header, 0x803); BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), 10);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(8), 28); BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(12), 28);
        File.WriteAllBytes(images, Gzip(gz => { gz.Write(header); var zeros = new byte[1 << 20]; for (int i = 0; i < 64; i++) gz.Write(zeros); }));
        Assert.That(new FileInfo(images).Length, Is.LessThan(1 << 20), "a small file");
        OneEscapedLine(Cli("run", "--dataset", $"idx:{dir}", "--samples", "1"), "t10k-images-idx3-ubyte.gz: unpacks to more than the 7,856 bytes its IDX header declares");
        // A header that declares more than the cap is refused from the header.
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), 100_000_000);
        File.WriteAllBytes(images, Gzip(gz => gz.Write(header)));
        OneEscapedLine(Cli("run", "--dataset", $"idx:{dir}", "--samples", "1"), "t10k-images-idx3-ubyte.gz: its IDX header declares more than 1024 MiB");
    }

    [Test]
    public void TheDatasetNoteShowsAModelsDatasetNameEscaped()
    {
        var dir = Blocks();
        var model = Model("m.nmm", m =>
        {
            var c = System.Text.Json.JsonSerializer.Deserialize<SimulationConfig>(m.ConfigJson, ModelFile.Json)! with { Dataset = "idx:/x\u001b]0;pwned\u0007\u001b[2J" };
            m.ConfigJson = System.Text.Json.JsonSerializer.Serialize(c, ModelFile.Json);
        });
        var r = Cli("test", model, "--dataset", $"idx:{dir}", "--test-samples", "5");
        Assert.That(r.Code, Is.Zero, r.Err);
        Assert.That(r.Err, Does.Contain("was trained on idx:/x\\x1b]0;pwned\\x07\\x1b[2J"));
        AssertNoTerminalControls(r.Err);
    }

    [Test]
    public void AnAbsurdSpreadIsRefused()
    {
        foreach (var v in new[] { "1e200", "Infinity", "NaN", "-1", "10001" })
            OneEscapedLine(Cli("s2m-activation", "--spread-mv", v, "--trials", "10"), "--spread-mv must lie in 0..10000 mV");
    }

    [Test]
    public void TheBatchMemoryGuardHonoursTheAddressSpaceLimit()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("ulimit -v");
        // A 4 GB address space (ulimit -v, as clusters set it): the lanes of 100,000 samples need about 17 GiB. Without the
        // limit in the guard the process died of an out-of-memory exception with a stack trace.
        var exe = string.Join(" ", StudyCommandExecutable().Select(a => "'" + a.Replace("'", "'\\''") + "'"));
        var psi = new ProcessStartInfo("bash") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add($"ulimit -v 4000000 && exec {exe} bench --arch 784-2000-10 --batch 100000 --backend cpu");
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        Assert.That(p.WaitForExit(120_000), "answers");
        OneEscapedLine((p.ExitCode, output, err.Result), "--batch 100000: the lanes of 784-2000-10 need about 16.8 GiB", "the largest --batch that fits is");
    }

    static IReadOnlyList<string> StudyCommandExecutable() => StudyCommand.Executable();
}
