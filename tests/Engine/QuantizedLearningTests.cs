using Neuromorphic.Plasticity;
using Neuromorphic.Simulator.Analysis;
using Neuromorphic.Simulator.Engine;
using NUnit.Framework;

namespace Neuromorphic.Tests.Engine;

public class QuantizedLearningTests
{
    static SimulationConfig Config(int bits) => TestNetworks.Config(RuleKind.Erbp, seed: 21) with { WeightBits = bits, WeightRangeFactor = 1.5 };

    [Test]
    public void WeightsNeverLeaveTheGridDuringQuantizedLearning()
    {
        var config = Config(6);
        var net = ErbpNetwork.Build([20, 30, 5], config);
        Assert.That(net.ForwardProjections.All(Robustness.OnGrid), "initial weights on the grid");
        var before = (float[])net.Projections[0].Weights.Clone();
        using var engine = new CpuEngine(net, config, 2);
        for (int batch = 0; batch < 4; batch++)
        {
            engine.Run(TestNetworks.Input(engine, 2, 30 + batch, labels: true), true);
            foreach (var p in net.ForwardProjections) Assert.That(Robustness.OnGrid(p), Is.True, $"{p.Name} after batch {batch}");
        }
        Assert.That(net.Projections[0].Weights, Is.Not.EqualTo(before), "6-bit learning with stochastic rounding still moves weights");
    }

    [Test]
    public void QuantizedLearningIsBitIdenticalOnTheCpuAndIlgpuPaths()
    {
        var config = Config(8);
        var netCpu = ErbpNetwork.Build([20, 30, 5], config);
        var netGpu = ErbpNetwork.Build([20, 30, 5], config);
        using var cpu = new CpuEngine(netCpu, config, 3);
        using var gpu = new IlgpuEngine(netGpu, config, 3, BackendKind.IlgpuCpu);
        var rc = new RasterRecorder(); var rg = new RasterRecorder();
        cpu.Run(TestNetworks.Input(cpu, 3, 40, labels: true), true, rc);
        gpu.Run(TestNetworks.Input(gpu, 3, 40, labels: true), true, rg);
        gpu.PullWeights();
        Assert.That(rg.Events, Is.EqualTo(rc.Events));
        for (int q = 0; q < 2; q++) Assert.That(netGpu.Projections[q].Weights, Is.EqualTo(netCpu.Projections[q].Weights));
    }

    [Test]
    public void PostTrainingQuantizationPruningAndNoiseChangeOnlyWhatTheySay()
    {
        var config = TestNetworks.Config(RuleKind.Erbp, seed: 5);
        var net = ErbpNetwork.Build([20, 30, 5], config);
        var q = Robustness.Copy(net, config);
        var formats = Robustness.QuantizeWeights(q, 4);
        Assert.That(formats, Has.Count.EqualTo(2));
        foreach (var (p, f) in q.ForwardProjections.Zip(formats))
        {
            var distinct = p.Weights.Select(w => Quantizer.Code(w, (f with { Rounding = Rounding.Nearest }).Coefficients, 0)).Distinct().Count();
            Assert.That(distinct, Is.LessThanOrEqualTo(16));
        }
        Assert.That(net.Projections[0].Weights, Is.Not.EqualTo(q.Projections[0].Weights), "the copy changed, the original did not");

        var pr = Robustness.Copy(net, config);
        Robustness.Prune(pr, 0.75);
        var mask = pr.Projections[0].Mask!;
        Assert.That(mask.Count(m => m == 0), Is.EqualTo((int)Math.Round(0.75 * mask.Length)));
        float keptMin = Enumerable.Range(0, mask.Length).Where(k => mask[k] != 0).Min(k => Math.Abs(net.Projections[0].Weights[k]));
        float prunedMax = Enumerable.Range(0, mask.Length).Where(k => mask[k] == 0).Max(k => Math.Abs(net.Projections[0].Weights[k]));
        Assert.That(prunedMax, Is.LessThanOrEqualTo(keptMin), "the smallest magnitudes go first");

        var nz = Robustness.Copy(net, config);
        Robustness.AddNoise(nz, 0.1, 3);
        var ratios = nz.Projections[0].Weights.Zip(net.Projections[0].Weights, (a, b) => a / b - 1).ToArray();
        double sd = Math.Sqrt(ratios.Select(r => (double)r * r).Average());
        Assert.That(sd, Is.EqualTo(0.1).Within(0.01), "relative noise of the requested size");
    }
}

public class FixedPointStateEngineTests
{
    [Test]
    public void IntegerModeIsBitIdenticalOnTheCpuAndIlgpuPathsAndStaysInRange()
    {
        var config = TestNetworks.Config(RuleKind.Erbp, seed: 33) with { WeightBits = 8, WeightRangeFactor = 1.5, StateBits = 12, StateRangeMv = 1024 };
        double step = config.StateStepMv;
        Assert.That(step, Is.EqualTo(0.5));
        var netCpu = ErbpNetwork.Build([20, 30, 5], config);
        var netGpu = ErbpNetwork.Build([20, 30, 5], config);
        using var cpu = new CpuEngine(netCpu, config, 3);
        using var gpu = new IlgpuEngine(netGpu, config, 3, BackendKind.IlgpuCpu);
        var rc = new RasterRecorder(); var rg = new RasterRecorder();
        cpu.Run(TestNetworks.Input(cpu, 3, 50, labels: true), true, rc);
        gpu.Run(TestNetworks.Input(gpu, 3, 50, labels: true), true, rg);
        Assert.That(rc.Spikes, Is.GreaterThan(100));
        Assert.That(rg.Events, Is.EqualTo(rc.Events), "training spike trains");
        gpu.PullWeights();
        for (int q = 0; q < 2; q++) Assert.That(netGpu.Projections[q].Weights, Is.EqualTo(netCpu.Projections[q].Weights));
        for (int p = 1; p <= 2; p++)
            foreach (var state in cpu.ReadState(p))
                foreach (var x in state)
                {
                    Assert.That(x / step, Is.EqualTo(Math.Round(x / step)), "state on its grid");
                    Assert.That(x / step, Is.InRange(-2048, 2047), "state within 12 bits");
                }

        // Inference: the fused kernel in integer mode against the CPU path.
        var inference = config with { Rule = RuleKind.None };
        var net = ErbpNetwork.Build([20, 30, 5], inference);
        using var cpuI = new CpuEngine(net, inference, 3);
        using var gpuI = new IlgpuEngine(net, inference, 3, BackendKind.IlgpuCpu);
        var input = TestNetworks.Input(cpuI, 3, 51);
        var a = cpuI.Run(input, false); var b = gpuI.Run(input, false);
        Assert.That(b.OutputCounts, Is.EqualTo(a.OutputCounts));
        Assert.That(b.Spikes, Is.EqualTo(a.Spikes));
        Assert.That(gpuI.ReadState(1)[1], Is.EqualTo(cpuI.ReadState(1)[1]));
    }
}
