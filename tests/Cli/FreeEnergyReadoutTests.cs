using Neuromorphic.Simulator.Data;
using NUnit.Framework;
using static Neuromorphic.Tests.Cli.CliRun;

namespace Neuromorphic.Tests.Cli;

/// <summary>`test --readout free-energy`: the S2M's weights read as a class-RBM, refused for other models.</summary>
public class FreeEnergyReadoutTests
{
    static string Model(string file)
    {
        for (var d = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Neuromorphic.sln"))) return Path.Combine(d.FullName, "models", file);
        throw new InvalidOperationException("repository root not found");
    }

    static void OneLine((int Code, string Out, string Err) r, string mustContain)
    {
        Assert.That(r.Code, Is.EqualTo(2));
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), r.Err);
        Assert.That(lines[0], Does.Contain(mustContain));
    }

    [Test]
    public void RefusedForAnErbpModel() => OneLine(Run("test", Model("erbp-784-200-10-2ep.nmm"), "--readout", "free-energy"), "only S2M models");

    [Test]
    public void AnInferenceKernelIsRefusedWithTheFreeEnergyReadout()
        => OneLine(Run("test", Model("s2m-824-500-3ep.nmm"), "--readout", "free-energy", "--inference-kernel", "network"), "simulates nothing");

    [Test]
    public void EnergyScaleNeedsTheFreeEnergyReadout() => OneLine(Run("test", Model("s2m-824-500-3ep.nmm"), "--energy-scale", "0.001"), "--readout free-energy");

    [TestCase("0")]
    [TestCase("NaN")]
    public void EnergyScaleMustBePositive(string scale)
        => OneLine(Run("test", Model("s2m-824-500-3ep.nmm"), "--readout", "free-energy", "--energy-scale", scale), "--energy-scale must be a positive number");

    [Test, Category("Mnist")]
    public void TheCommittedS2mReadByFreeEnergy()
    {
        MnistFiles.Ensure(MnistFiles.ResolveDirectory(null), TestContext.Progress.WriteLine);
        var j = LastJson(Run("test", Model("s2m-824-500-3ep.nmm"), "--readout", "free-energy", "--test-samples", "1000", "--json"));
        Assert.That(j.GetProperty("readout").GetString(), Is.EqualTo("free-energy"));
        Assert.That(j.GetProperty("energy_scale_source").GetString(), Is.EqualTo("erf"));
        Assert.That(j.GetProperty("test_samples").GetInt32(), Is.EqualTo(1000));
        // The machine's weights classify (the sampling readout gets 11.95% on the first 2,000); a scale ten times
        // smaller flattens every softplus and loses the classes (docs/s2m.md's table).
        double error = j.GetProperty("test_error").GetDouble();
        Assert.That(error, Is.LessThan(0.12));
        var flat = LastJson(Run("test", Model("s2m-824-500-3ep.nmm"), "--readout", "free-energy", "--energy-scale", "1e-5", "--test-samples", "1000", "--json"));
        Assert.That(flat.GetProperty("test_error").GetDouble(), Is.GreaterThan(error + 0.2));
        Assert.That(flat.GetProperty("energy_scale_source").GetString(), Is.EqualTo("option"));
    }
}
