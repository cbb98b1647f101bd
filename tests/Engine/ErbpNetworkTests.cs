using Neuromorphic.Simulator.Engine;
using Neuromorphic.Tests.Engine;
using NUnit.Framework;

namespace Neuromorphic.Tests.Engine;

public class ErbpNetworkTests
{
    [Test]
    public void RandomFeedbackHasZeroMeanOverClassesForEveryHiddenNeuron()
    {
        var config = new SimulationConfig { Seed = 3 };
        var g = ErbpNetwork.RandomFeedback(200, 10, 1, config);
        double a = 1000 * Math.Sqrt(7.0 / 210);
        for (int i = 0; i < 200; i++)
        {
            double sum = 0, spread = 0;
            for (int k = 0; k < 10; k++) { sum += g[i * 10 + k]; spread += Math.Abs(g[i * 10 + k]); }
            Assert.That(sum, Is.EqualTo(0).Within(1e-3), $"hidden neuron {i}");
            Assert.That(spread / 10, Is.InRange(0.2 * a, a), "entries keep the Uniform(-a, a) scale");
        }
    }

    [Test]
    public void EveryHiddenLayerGetsDirectFeedbackFromTheErrorNeurons()
    {
        var net = ErbpNetwork.Build([784, 50, 40, 10], new SimulationConfig());
        var names = net.Projections.Where(p => p.ErrorPath).Select(p => p.Name).ToArray();
        Assert.That(names, Is.EquivalentTo(new[] { "label->error", "prediction->error", "error->prediction", "error->hidden1", "error->hidden2" }));
        int[] layers = [784, 50, 40, 10];
        var forward = net.ForwardProjections.ToArray();
        for (int l = 0; l < 3; l++)
        {
            float b = (float)(1000 * Math.Sqrt(7.0 / (layers[l] + layers[l + 1])));
            Assert.That(forward[l].Weights.Max(), Is.LessThanOrEqualTo(b).And.GreaterThan(0.9f * b), $"layer {l + 1}: Uniform(-b, b)");
            Assert.That(forward[l].Weights.Min(), Is.GreaterThanOrEqualTo(-b).And.LessThan(-0.9f * b));
        }
    }

    [Test]
    public void WeightsChangeOnlyInRowsOfPresynapticNeuronsThatSpiked()
    {
        var config = TestNetworks.Config(RuleKind.Erbp, seed: 2);
        var net = ErbpNetwork.Build([20, 30, 5], config);
        using var engine = new CpuEngine(net, config, 1);
        var before = (float[])net.Projections[0].Weights.Clone();
        var input = TestNetworks.Input(engine, 1, 4, labels: true);
        var rec = new RasterRecorder();
        engine.Run(input, true, rec);
        var spiking = new HashSet<int>();
        foreach (var e in rec.Events)
        {
            var parts = e.Split(':');
            if (parts[1] == "0" && int.Parse(parts[0]) >= engine.Constants.OnsetSteps) foreach (var j in parts[3].Split(',')) spiking.Add(int.Parse(j));
        }
        int changedRows = 0;
        for (int j = 0; j < 20; j++)
        {
            bool changed = Enumerable.Range(0, 30).Any(i => net.Projections[0].Weights[j * 30 + i] != before[j * 30 + i]);
            if (!spiking.Contains(j)) Assert.That(changed, Is.False, $"row {j} changed without a presynaptic spike after the onset");
            if (changed) changedRows++;
        }
        Assert.That(changedRows, Is.GreaterThan(5));
        Assert.That(spiking.Count, Is.LessThan(20), "some data neurons (black pixels) stay silent");
    }

    [Test]
    public void ZeroTransmissionProbabilityNeverLearnsOrTransmits()
    {
        var config = TestNetworks.Config(RuleKind.Perbp, seed: 2, blankOut: 0.0);
        var net = ErbpNetwork.Build([20, 30, 5], config);
        using var engine = new CpuEngine(net, config, 1);
        var before = net.Projections.Select(p => (float[])p.Weights.Clone()).ToArray();
        var r = engine.Run(TestNetworks.Input(engine, 1, 4, labels: true), true);
        Assert.That(r.SynOps, Is.Zero);
        for (int q = 0; q < 2; q++) Assert.That(net.Projections[q].Weights, Is.EqualTo(before[q]));
    }

    [Test]
    public void NoLearningBeforeTheOnset()
    {
        var config = TestNetworks.Config(RuleKind.Erbp, seed: 2) with { Erbp = new(LearningRate: 5e-3, OnsetMs: 20) };
        var net = ErbpNetwork.Build([20, 30, 5], config);
        using var engine = new CpuEngine(net, config, 1);
        var before = (float[])net.Projections[0].Weights.Clone();
        engine.Run(TestNetworks.Input(engine, 1, 4, labels: true), true);
        Assert.That(net.Projections[0].Weights, Is.EqualTo(before));
    }

    static (int ePlus, int eMinus) ErrorSpikes(float outputWeight, int label, int outputClass)
    {
        var config = TestNetworks.Config(RuleKind.Erbp, seed: 8) with { Erbp = new(LearningRate: 0, OnsetMs: 0), SampleMs = 200 };
        var net = ErbpNetwork.Build([20, 30, 5], config);
        Array.Fill(net.Projections[0].Weights, 300f); // hidden layer busy
        var w = net.Projections[1].Weights;
        Array.Clear(w);
        for (int j = 0; j < 30; j++) w[j * 5 + outputClass] = outputWeight;
        using var engine = new CpuEngine(net, config, 1);
        var input = TestNetworks.Input(engine, 1, 4, labels: true);
        input.Labels[0] = label;
        var rec = new RasterRecorder();
        engine.Run(input, true, rec);
        int plus = 0, minus = 0;
        foreach (var e in rec.Events)
        {
            var parts = e.Split(':');
            if (int.Parse(parts[1]) != net.ErrorPopulation) continue;
            foreach (var n in parts[3].Split(',').Select(int.Parse))
            {
                if (n == label) plus++;
                if (n == 5 + outputClass) minus++;
                if (n != label && n != 5 + outputClass) Assert.Fail($"unexpected error neuron {n}");
            }
        }
        return (plus, minus);
    }

    [Test]
    public void ALabelWithoutAPredictionDrivesEPlusOnly()
    {
        var (plus, minus) = ErrorSpikes(-500f, label: 2, outputClass: 2);
        Assert.That(plus, Is.GreaterThan(10));
        Assert.That(minus, Is.Zero);
    }

    [Test]
    public void APredictionWithoutItsLabelDrivesEMinusOnly()
    {
        var (plus, minus) = ErrorSpikes(500f, label: 1, outputClass: 3);
        Assert.That(minus, Is.GreaterThan(10));
        Assert.That(plus, Is.GreaterThan(10), "E+ of the true class fires: its label is not predicted");
    }
}
