using Neuromorphic.Simulator;
using Neuromorphic.Simulator.Data;
using NUnit.Framework;

namespace Neuromorphic.Tests.Data;

public class IdxReaderTests
{
    string _dir = "";

    [SetUp] public void SetUp() { _dir = Path.Combine(Path.GetTempPath(), "nm-idx-" + Guid.NewGuid().ToString("N")); Directory.CreateDirectory(_dir); }
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    static byte[] Images(int count, int rows = 28, int cols = 28)
    {
        var b = new byte[16 + count * rows * cols];
        b[2] = 8; b[3] = 3;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4), count);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(8), rows);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(12), cols);
        for (int i = 16; i < b.Length; i++) b[i] = (byte)i;
        return b;
    }

    static byte[] Labels(int count)
    {
        var b = new byte[8 + count];
        b[2] = 8; b[3] = 1;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4), count);
        for (int i = 0; i < count; i++) b[8 + i] = (byte)(i % 10);
        return b;
    }

    string Write(string name, byte[] bytes) { var p = Path.Combine(_dir, name); File.WriteAllBytes(p, bytes); return p; }

    [Test]
    public void ReadsAWellFormedPair()
    {
        var set = IdxImageSet.Load(Write("i", Images(3)), Write("l", Labels(3)));
        Assert.That(set.Count, Is.EqualTo(3));
        Assert.That(set.Image(1)[0], Is.EqualTo(unchecked((byte)(16 + 784))));
        Assert.That(set.Labels[2], Is.EqualTo(2));
    }

    [Test]
    public void RejectsAWrongMagicNumberNamingTheFile()
    {
        var bytes = Images(2); bytes[3] = 2;
        var e = Assert.Throws<NeuromorphicException>(() => IdxReader.Read(Write("bad-magic", bytes), 3));
        Assert.That(e!.Message, Does.Contain("bad-magic").And.Contain("magic"));
        var text = Write("text", "hello world"u8.ToArray());
        Assert.That(Assert.Throws<NeuromorphicException>(() => IdxReader.Read(text, 3))!.Message, Does.Contain("magic"));
    }

    [Test]
    public void RejectsATruncatedFile()
    {
        var bytes = Images(2);
        var e = Assert.Throws<NeuromorphicException>(() => IdxReader.Read(Write("short", bytes[..^10]), 3));
        Assert.That(e!.Message, Does.Contain("short").And.Contain("truncated"));
        Assert.That(Assert.Throws<NeuromorphicException>(() => IdxReader.Read(Write("tiny", bytes[..6]), 3))!.Message, Does.Contain("truncated"));
    }

    [Test]
    public void RejectsACountMismatchBetweenImagesAndLabels()
    {
        var e = Assert.Throws<NeuromorphicException>(() => IdxImageSet.Load(Write("i", Images(3)), Write("l", Labels(4))));
        Assert.That(e!.Message, Does.Contain("count mismatch"));
    }

    [Test]
    public void ChecksumMismatchIsReported()
    {
        var p = Write(MnistFiles.Files[1].Name, Labels(60000));
        Assert.That(MnistFiles.Check(p, MnistFiles.Files[1]), Does.Contain("SHA-256"));
        File.WriteAllBytes(p, Labels(5));
        Assert.That(MnistFiles.Check(p, MnistFiles.Files[1]), Does.Contain("expected 60008"));
    }

    [Test]
    public void DataDirectoryFollowsOptionThenEnvironment()
    {
        Assert.That(MnistFiles.ResolveDirectory("/x/y"), Is.EqualTo("/x/y"));
        var old = Environment.GetEnvironmentVariable(MnistFiles.EnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(MnistFiles.EnvironmentVariable, "/from/env");
            Assert.That(MnistFiles.ResolveDirectory(null), Is.EqualTo("/from/env"));
        }
        finally { Environment.SetEnvironmentVariable(MnistFiles.EnvironmentVariable, old); }
    }
}
