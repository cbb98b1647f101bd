using System.Text.Json;
using Neuromorphic.Cli;
using Neuromorphic.Simulator.Data;
using NUnit.Framework;

namespace Neuromorphic.Tests.Training;

/// <summary>models/index.json is a promise: `neuromorphic test models/FILE` gives the entry's test error and
/// predictions hash exactly. Checked for the smallest model (the others: docs/reproduce.md).</summary>
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
    public void TestOfTheSmallestModelReproducesItsIndexEntry()
    {
        string models = Path.Combine(Repo(), "models");
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(models, "index.json")));
        var entries = index.RootElement.EnumerateArray().ToList();
        Assert.That(entries, Is.Not.Empty);
        foreach (var e in entries)
        {
            foreach (var field in new[] { "name", "file", "arch", "rule", "preset", "command", "epochs", "test_error", "test_sample_ms", "weights_sha256", "predictions_sha256" })
                Assert.That(e.TryGetProperty(field, out _), Is.True, $"{e.GetProperty("name")}: index field {field}");
            Assert.That(File.Exists(Path.Combine(models, e.GetProperty("file").GetString()!)), $"{e.GetProperty("file")} is in models/");
        }
        var smallest = entries.OrderBy(e => new FileInfo(Path.Combine(models, e.GetProperty("file").GetString()!)).Length).First();
        Reproduce(models, smallest);
    }

    [Test]
    public void TestOfTheS2mModelReproducesItsIndexEntry()
    {
        // The S2M engine changed (rows, mirror, draws) after this model was trained: it must still test the same.
        string models = Path.Combine(Repo(), "models");
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(models, "index.json")));
        var s2m = index.RootElement.EnumerateArray().Where(e => e.GetProperty("rule").GetString() == "s2m").ToList();
        Assert.That(s2m, Is.Not.Empty, "models/ holds an S2M");
        Reproduce(models, s2m.OrderBy(e => new FileInfo(Path.Combine(models, e.GetProperty("file").GetString()!)).Length).First());
    }

    static void Reproduce(string models, JsonElement smallest)
    {
        var data = MnistFiles.ResolveDirectory(null);
        MnistFiles.Ensure(data, TestContext.Progress.WriteLine);
        var oldOut = Console.Out; var o = new StringWriter();
        Console.SetOut(o);
        int code;
        try { code = Commands.Execute(["test", Path.Combine(models, smallest.GetProperty("file").GetString()!), "--backend", "cpu", "--batch", "16", "--data-dir", data, "--json"]); }
        finally { Console.SetOut(oldOut); }
        Assert.That(code, Is.Zero);
        using var result = JsonDocument.Parse(o.ToString().TrimEnd().Split('\n')[^1]);
        var r = result.RootElement;
        Assert.That(r.GetProperty("test_samples").GetInt32(), Is.EqualTo(10_000));
        Assert.That(r.GetProperty("test_error").GetDouble(), Is.EqualTo(smallest.GetProperty("test_error").GetDouble()));
        Assert.That(r.GetProperty("predictions_sha256").GetString(), Is.EqualTo(smallest.GetProperty("predictions_sha256").GetString()));
        Assert.That(r.GetProperty("weights_sha256").GetString(), Is.EqualTo(smallest.GetProperty("weights_sha256").GetString()));
    }
}
