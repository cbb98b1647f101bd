using System.Buffers.Binary;
using System.IO.Compression;
using Neuromorphic.Simulator;
using Neuromorphic.Simulator.Data;
using Neuromorphic.Simulator.Engine;
using Neuromorphic.Simulator.Files;
using Neuromorphic.Tests.Cli;
using NUnit.Framework;

namespace Neuromorphic.Tests.Data;

/// <summary>`--dataset`: a folder of IDX files trains and tests end to end, the model remembers its dataset, and named
/// sets are refused with the file named when they are missing or not the published files.</summary>
public class DatasetTests
{
    string _dir = "";

    [SetUp] public void SetUp() { _dir = Path.Combine(Path.GetTempPath(), "nm-dataset-" + Guid.NewGuid().ToString("N")); Directory.CreateDirectory(_dir); }
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    /// <summary>Writes a small 28x28 IDX dataset: class k lights an 8 x 4 block at its own place (jittered by a pixel),
    /// over a few dim random pixels. The test files are gzip-compressed (the .gz variant).</summary>
    internal static string WriteBlocks(string dir, int train, int test, int classes = 10)
    {
        Directory.CreateDirectory(dir);
        var rng = new Random(1);
        (byte[] Images, byte[] Labels) Make(int n)
        {
            var images = new byte[16 + n * 784];
            var labels = new byte[8 + n];
            BinaryPrimitives.WriteInt32BigEndian(images, 0x803); BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(4), n);
            BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(8), 28); BinaryPrimitives.WriteInt32BigEndian(images.AsSpan(12), 28);
            BinaryPrimitives.WriteInt32BigEndian(labels, 0x801); BinaryPrimitives.WriteInt32BigEndian(labels.AsSpan(4), n);
            for (int i = 0; i < n; i++)
            {
                int k = i % classes;
                labels[8 + i] = (byte)k;
                var img = images.AsSpan(16 + i * 784, 784);
                int r0 = 4 + k / 5 * 12 + rng.Next(-1, 2), c0 = 2 + k % 5 * 5 + rng.Next(-1, 2);
                for (int r = r0; r < r0 + 8; r++) for (int c = c0; c < c0 + 4; c++) img[r * 28 + c] = 230;
                for (int d = 0; d < 20; d++) img[rng.Next(784)] = (byte)rng.Next(121);
            }
            return (images, labels);
        }
        var (ti, tl) = Make(train);
        File.WriteAllBytes(Path.Combine(dir, "train-images-idx3-ubyte"), ti);
        File.WriteAllBytes(Path.Combine(dir, "train-labels-idx1-ubyte"), tl);
        var (si, sl) = Make(test);
        foreach (var (name, bytes) in new[] { ("t10k-images-idx3-ubyte.gz", si), ("t10k-labels-idx1-ubyte.gz", sl) })
        {
            using var f = File.Create(Path.Combine(dir, name));
            using var gz = new GZipStream(f, CompressionLevel.Fastest);
            gz.Write(bytes);
        }
        return dir;
    }

    [Test]
    public void AnIdxFolderTrainsAndTestsAndTheModelRemembersIt()
    {
        string data = WriteBlocks(Path.Combine(_dir, "blocks"), 300, 100), model = Path.Combine(_dir, "blocks.nmm");
        var train = CliRun.LastJson(CliRun.Run("train", "--dataset", $"idx:{data}", "--arch", "784-20-10", "--epochs", "2", "--eta", "1e-2", "--train-samples", "300",
            "--validation-samples", "0", "--test-samples", "100", "--sample-ms", "100", "--test-sample-ms", "100", "--out", model, "--backend", "cpu", "--json"));
        Assert.That(train.GetProperty("dataset").GetString(), Is.EqualTo($"idx:{data}"));
        Assert.That(train.GetProperty("test_samples").GetInt32(), Is.EqualTo(100));
        Assert.That(train.GetProperty("test_accuracy").GetDouble(), Is.GreaterThan(0.5), "ten well separated classes: far above chance (0.1)");
        Assert.That(ModelFile.Load(model).Config().Dataset, Is.EqualTo($"idx:{data}"));

        // `test` reads the model's own dataset, without --dataset.
        var test = CliRun.LastJson(CliRun.Run("test", model, "--test-samples", "100", "--backend", "cpu", "--json"));
        Assert.That(test.GetProperty("dataset").GetString(), Is.EqualTo($"idx:{data}"));
        Assert.That(test.GetProperty("predictions_sha256").GetString(), Is.EqualTo(train.GetProperty("predictions_sha256").GetString()));

        // A resumed run continues on the checkpoint's dataset; one folder is named once.
        var resume = CliRun.Run("train", "--resume", model, "--dataset", "mnist", "--out", Path.Combine(_dir, "x.nmm"));
        Assert.That(resume.Err.Trim(), Does.Contain($"--dataset 'mnist': {model} was trained on idx:{data}"));
        var twice = CliRun.Run("test", model, "--dataset", $"idx:{data}", "--data-dir", data);
        Assert.That(twice.Err.Trim(), Does.Contain("both name the folder; give one"));

        // The output layer must match the data's classes.
        var wrong = CliRun.Run("train", "--dataset", $"idx:{data}", "--arch", "784-20-5", "--out", Path.Combine(_dir, "x.nmm"));
        Assert.That(wrong.Code, Is.EqualTo(2));
        Assert.That(wrong.Err.Trim(), Does.Contain("the output layer has 5 neurons").And.Contain("has 10 classes"));
        Assert.That(File.Exists(Path.Combine(_dir, "x.nmm")), Is.False);

        // Without --arch the network takes its input and output sizes from the data.
        string six = WriteBlocks(Path.Combine(_dir, "six"), 60, 12, classes: 6);
        var small = CliRun.LastJson(CliRun.Run("train", "--dataset", $"idx:{six}", "--hidden", "8", "--train-samples", "30", "--validation-samples", "0", "--test-samples", "12",
            "--sample-ms", "60", "--test-sample-ms", "30", "--out", Path.Combine(_dir, "six.nmm"), "--backend", "cpu", "--json"));
        Assert.That(small.GetProperty("arch").GetString(), Is.EqualTo("784-8-6"));
    }

    [Test]
    public void NamedSetsAreVerifiedAndTheBadFileIsNamed()
    {
        string folder = Path.Combine(_dir, "kmnist");
        Directory.CreateDirectory(folder);
        var missing = CliRun.Run("data", "fetch", "--dataset", "kmnist", "--data-dir", folder);
        Assert.That(missing.Code, Is.EqualTo(2));
        Assert.That(missing.Err.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(missing.Err, Does.Contain($"KMNIST is not in {folder}").And.Contain("train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz"));

        // The published sizes, wrong bytes: refused by SHA-256, naming the file.
        foreach (var (name, size) in new[] { ("train-images-idx3-ubyte.gz", 18165135), ("train-labels-idx1-ubyte.gz", 29497), ("t10k-images-idx3-ubyte.gz", 3041136), ("t10k-labels-idx1-ubyte.gz", 5120) })
            File.WriteAllBytes(Path.Combine(folder, name), new byte[size]);
        var bad = CliRun.Run("train", "--dataset", "kmnist", "--data-dir", folder, "--out", Path.Combine(_dir, "k.nmm"));
        Assert.That(bad.Code, Is.EqualTo(2));
        Assert.That(bad.Err.Trim().Split('\n'), Has.Length.EqualTo(1), bad.Err);
        Assert.That(bad.Err, Does.Contain(Path.Combine(folder, "train-images-idx3-ubyte.gz") + ": SHA-256").And.Contain("51467d22d8cc72929e2a028a0428f2086b092bb31cfb79c69cc0a90ce135fde4"));

        File.WriteAllBytes(Path.Combine(folder, "t10k-labels-idx1-ubyte.gz"), new byte[10]);
        var shortFile = CliRun.Run("data", "fetch", "--dataset", "kmnist", "--data-dir", folder);
        Assert.That(shortFile.Err, Does.Contain("train-images-idx3-ubyte.gz: SHA-256"), "files are checked in order");

        var unknown = CliRun.Run("run", "--dataset", "cifar10");
        Assert.That(unknown.Err, Does.Contain("--dataset 'cifar10': unknown dataset"));
        var letters = CliRun.Run("data", "fetch", "--dataset", "emnist-letters");
        Assert.That(letters.Err, Does.Contain("idx:DIR"));
    }

    [Test]
    public void IdxFoldersAreCheckedLikeMnist()
    {
        string data = WriteBlocks(Path.Combine(_dir, "d"), 20, 10);
        var set = Dataset.Resolve($"idx:{data}", null);
        set.Ensure(_ => { });
        Assert.That((set.Rows, set.Cols, set.Classes), Is.EqualTo((28, 28, 10)));
        var test = set.LoadTest();
        Assert.That(test.Count, Is.EqualTo(10), "read from the .gz files");
        Assert.That(test.ClassNames[3], Is.EqualTo("3"));

        File.Delete(Path.Combine(data, "train-labels-idx1-ubyte"));
        var e = Assert.Throws<NeuromorphicException>(() => Dataset.Resolve($"idx:{data}", null).Ensure(_ => { }))!;
        Assert.That(e.Message, Does.Contain("train-labels-idx1-ubyte: missing"));

        var labels = new byte[8 + 19];
        BinaryPrimitives.WriteInt32BigEndian(labels, 0x801); BinaryPrimitives.WriteInt32BigEndian(labels.AsSpan(4), 19);
        File.WriteAllBytes(Path.Combine(data, "train-labels-idx1-ubyte"), labels);
        var other = Dataset.Resolve($"idx:{data}", null);
        other.Ensure(_ => { });
        e = Assert.Throws<NeuromorphicException>(() => other.LoadTrain())!;
        Assert.That(e.Message, Does.Contain("count mismatch: 19 labels for 20 images"));

        Assert.That(Dataset.Resolve("fashion-mnist", null).ClassNames[9], Is.EqualTo("Ankle boot"));
        Assert.That(Dataset.Resolve("fashion-mnist", null).Directory, Is.EqualTo(MnistFiles.CacheDirectory("fashion-mnist")));
    }

    [Test]
    public void ModelFilesWithoutADatasetReadAsMnist()
    {
        var config = new SimulationConfig { TestSampleMs = 30 };
        var net = ErbpNetwork.Build([784, 5, 10], config);
        var file = ModelFile.From(net, config, new());
        // A file written before the field existed: its configuration has no "Dataset".
        var json = System.Text.Json.Nodes.JsonNode.Parse(file.ConfigJson)!.AsObject();
        Assert.That(json.Remove("Dataset"), Is.True);
        file.ConfigJson = json.ToJsonString();
        string path = Path.Combine(_dir, "old.nmm");
        file.Save(path);
        Assert.That(ModelFile.Load(path).Config().Dataset, Is.EqualTo("mnist"));
    }
}
