using Neuromorphic.Simulator.Data;
using Neuromorphic.Simulator.Engine;
using Neuromorphic.Simulator.Files;
using NUnit.Framework;

namespace Neuromorphic.Tests.Cli;

/// <summary>For CLI tests on real digits: MNIST in its data folder and an untrained 784-12-10 model file with
/// 30 ms test samples (fast, and still classifies a few digits).</summary>
public static class TinyMnistModel
{
    /// <summary>Fetches MNIST if needed and writes <c>tiny.nmm</c> into <paramref name="dir"/>.</summary>
    public static (string DataDir, string ModelPath) Create(string dir)
    {
        var data = MnistFiles.ResolveDirectory(null);
        MnistFiles.Ensure(data, TestContext.Progress.WriteLine);
        var config = new SimulationConfig { TestSampleMs = 30 };
        var net = ErbpNetwork.Build([784, 12, 10], config);
        var model = Path.Combine(dir, "tiny.nmm");
        ModelFile.From(net, config, new()).Save(model);
        return (data, model);
    }
}
