using System.Text.Json;
using Neuromorphic.Cli;
using Neuromorphic.Simulator.Data;
using NUnit.Framework;

namespace Neuromorphic.Tests.Training;

/// <summary>models/index.json is a promise: `neuromorphic test models/FILE` gives the entry's test error and
/// predictions hash exactly. The suite checks every file's weights hash and, to keep CI within its 5 minutes, the
/// entry's `first_2000` figures (`--test-samples 2000`: the first 2,000 test digits' error and predictions hash) of
/// the smallest eRBP model and the S2M model; the whole 10,000-digit figures of every entry are checked by the
/// explicit test <see cref="EveryModelReproducesItsWholeIndexEntry"/> (`dotnet test --filter
/// Name~EveryModelReproducesItsWholeIndexEntry`, about 4 minutes) and by hand as docs/reproduce.md says.</summary>
[Category("Mnist")]
public class PretrainedModelTests
{
    static string Repo()
    {
        for (var d = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Neuromorphic.sln"))) return d.FullName;
        throw new InvalidOperationException("repository root not found");
    }

    [Test]
    public void TestOfTheSmallestModelReproducesItsFirst2000DigitFigures()
    {
        string models = Path.Combine(Repo(), "models");
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(models, "index.json")));
        var entries = index.RootElement.EnumerateArray().ToList();
        Assert.That(entries, Is.Not.Empty);
        foreach (var e in entries)
        {
            foreach (var field in new[] { "name", "file", "arch", "rule", "preset", "command", "epochs", "test_error", "test_sample_ms", "weights_sha256", "predictions_sha256", "first_2000" })
                Assert.That(e.TryGetProperty(field, out _), Is.True, $"{e.GetProperty("name")}: index field {field}");
            Assert.That(File.Exists(Path.Combine(models, e.GetProperty("file").GetString()!)), $"{e.GetProperty("file")} is in models/");
        }
        var smallest = entries.OrderBy(e => new FileInfo(Path.Combine(models, e.GetProperty("file").GetString()!)).Length).First();
        Reproduce(models, smallest, 2000);
    }

    [Test, Explicit("the whole test set of every model: about 4 minutes on 2 cores")]
    public void EveryModelReproducesItsWholeIndexEntry()
    {
        string models = Path.Combine(Repo(), "models");
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(models, "index.json")));
        foreach (var e in index.RootElement.EnumerateArray()) Reproduce(models, e, 10_000);
    }

    [Test]
    public void TestOfTheS2mModelReproducesItsFirst2000DigitFigures()
    {
        // The S2M engine changed (rows, mirror, draws) after this model was trained: it must still test the same.
        string models = Path.Combine(Repo(), "models");
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(models, "index.json")));
        var s2m = index.RootElement.EnumerateArray().Where(e => e.GetProperty("rule").GetString() == "s2m").ToList();
        Assert.That(s2m, Is.Not.Empty, "models/ holds an S2M");
        Reproduce(models, s2m.OrderBy(e => new FileInfo(Path.Combine(models, e.GetProperty("file").GetString()!)).Length).First(), 2000);
    }

    /// <summary>`test` of the entry's file on its first <paramref name="samples"/> test digits (2,000: the entry's
    /// first_2000 figures; 10,000: its own) gives the recorded error and predictions hash, and the file the recorded weights.</summary>
    static void Reproduce(string models, JsonElement smallest, int samples)
    {
        var data = MnistFiles.ResolveDirectory(null);
        MnistFiles.Ensure(data, TestContext.Progress.WriteLine);
        var oldOut = Console.Out; var o = new StringWriter();
        Console.SetOut(o);
        int code;
        try { code = Commands.Execute(["test", Path.Combine(models, smallest.GetProperty("file").GetString()!), "--backend", "cpu", "--batch", "16", "--test-samples", $"{samples}", "--data-dir", data, "--json"]); }
        finally { Console.SetOut(oldOut); }
        Assert.That(code, Is.Zero);
        using var result = JsonDocument.Parse(o.ToString().TrimEnd().Split('\n')[^1]);
        var r = result.RootElement;
        var expected = samples == 10_000 ? smallest : smallest.GetProperty($"first_{samples}");
        Assert.That(r.GetProperty("test_samples").GetInt32(), Is.EqualTo(samples));
        Assert.That(r.GetProperty("test_error").GetDouble(), Is.EqualTo(expected.GetProperty("test_error").GetDouble()));
        Assert.That(r.GetProperty("predictions_sha256").GetString(), Is.EqualTo(expected.GetProperty("predictions_sha256").GetString()));
        Assert.That(r.GetProperty("weights_sha256").GetString(), Is.EqualTo(smallest.GetProperty("weights_sha256").GetString()));
    }
}
