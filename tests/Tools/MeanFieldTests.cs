using Neuromorphic.MeanField;
using Neuromorphic.Neurons;
using NUnit.Framework;

namespace Neuromorphic.Tests.Tools;

/// <summary>The mean-field model is only worth its conclusions if its rate functions are the simulator's.</summary>
public class MeanFieldTests
{
    [TestCase(100.5)]
    [TestCase(130)]
    [TestCase(300)]
    [TestCase(552)]
    [TestCase(2000)]
    public void LifRateIsTheSimulatedNeuronsRateForAConstantCurrent(double currentMv)
    {
        // A synaptic time constant of 10^9 ms holds I constant over the run.
        var p = new LifParameters(TauSynapseMs: 1e9, RefractoryMs: 3.9);
        var c = new LifCoefficients(p, 0.1);
        float i = (float)currentMv, v = 0, u = 0;
        int refractory = 0, spikes = 0, first = -1, last = -1;
        const int steps = 200_000;
        for (int s = 0; s < steps; s++)
        {
            if (!TwoCompartmentLif.Step(ref i, ref v, ref u, ref refractory, 0f, 0f, false, c)) continue;
            spikes++;
            if (first < 0) first = s;
            last = s;
        }
        double simulatedHz = (spikes - 1) / ((last - first) * 0.1e-3);
        Assert.That(MeanFieldErbp.LifRateHz(currentMv, p, 0.1), Is.EqualTo(simulatedHz).Within(1e-6 * simulatedHz));
    }

    [Test]
    public void LifRateIsZeroAtAndBelowThreshold()
    {
        var p = new LifParameters();
        Assert.That(MeanFieldErbp.LifRateHz(100, p, 0.1), Is.Zero);
        Assert.That(MeanFieldErbp.LifRateHz(-500, p, 0.1), Is.Zero);
        Assert.That(MeanFieldErbp.LifRateHz(1e6, p, 0.1), Is.EqualTo(1000.0 / (0.1 * 40)).Within(1e-9), "one charging step after 39 refractory");
    }

    [TestCase(255)]
    [TestCase(190)]
    public void DataRateIsTheEncodersSimulatedRate(int pixel)
    {
        var enc = new EncoderParameters();
        ulong threshold = InputEncoders.ThresholdTable(enc, 0.1)[pixel];
        int refractory = 0, spikes = 0;
        const int steps = 1_000_000;
        for (int s = 0; s < steps; s++)
            if (InputEncoders.Step(ref refractory, threshold, CounterRng.StepKey(7, 3, (ulong)s), 11, 40)) spikes++;
        double simulatedHz = spikes / (steps * 0.1e-3);
        double expected = MeanFieldErbp.DataRateHz(pixel, enc, 0.1);
        Assert.That(expected, Is.GreaterThan(5), "a pixel that fires");
        // Poisson-like count: 4 standard errors of the count, plus the count's own rounding.
        Assert.That(simulatedHz, Is.EqualTo(expected).Within(4 * Math.Sqrt(spikes) / (steps * 0.1e-3) + 0.1));
    }
}

/// <summary>meanfield takes its model options from the CLI (ConfigOptions): the same names, checks and error lines, and
/// it refuses what the rate model does not represent. Runs the built tool (copied beside the tests).</summary>
public class MeanFieldCommandLineTests
{
    static (int Code, string Err) Run(params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(TestContext.CurrentContext.TestDirectory, "meanfield.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["NEUROMORPHIC_DATA_DIR"] = "/nonexistent-meanfield-data";
        using var p = System.Diagnostics.Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        Assert.That(p.WaitForExit(60_000), "meanfield answers within a minute");
        return (p.ExitCode, err.Result);
    }

    [TestCase(new[] { "--weight-bits", "4" }, "--weight-bits: the mean-field model has no counterpart")]
    [TestCase(new[] { "--update", "manhattan" }, "--update: the mean-field model has no counterpart")]
    [TestCase(new[] { "--stdp-pairing", "nearest" }, "--stdp-pairing: the mean-field model has no counterpart")]
    [TestCase(new[] { "--eta", "-1" }, "the learning rate (--eta) must be a number >= 0, got -1")]
    [TestCase(new[] { "--gate-mv", "x" }, "--gate-mv")]
    [TestCase(new[] { "--etaa", "1" }, "Did you mean '--eta'? (see `meanfield --help`)")]
    [TestCase(new[] { "--epochs", "0" }, "--epochs must be at least 1, got 0")]
    public void BadOptionsGetTheCliErrorLineAndExitTwo(string[] args, string expected)
    {
        var (code, err) = Run(args);
        Assert.That(code, Is.EqualTo(2));
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), err);
        Assert.That(lines[0], Does.StartWith("error: ").And.Contain(expected));
    }
}
