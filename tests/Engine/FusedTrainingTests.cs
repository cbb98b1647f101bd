using Neuromorphic.Plasticity;
using Neuromorphic.Simulator.Engine;
using NUnit.Framework;

namespace Neuromorphic.Tests.Engine;

/// <summary>The one-launch training kernel (kernels/FusedNetworkKernel.cs) and the per-sample batch update:
/// the CPU path and ILGPU's CPU accelerator must learn identical weights, and the batch update must be
/// the lanes' changes summed.</summary>
public class FusedTrainingTests
{
    static SimulationConfig Config(RuleKind rule, double blankOut = 1.0, BatchUpdateMode mode = BatchUpdateMode.PerSample, int weightBits = 0)
        => TestNetworks.Config(rule, seed: 21, blankOut: blankOut, noiseMv: 20) with { BatchUpdate = mode, WeightBits = weightBits };

    static void AssertSameWeights(Network a, Network b)
    {
        for (int q = 0; q < a.Projections.Count; q++)
            Assert.That(b.Projections[q].Weights, Is.EqualTo(a.Projections[q].Weights), a.Projections[q].Name);
    }

    [TestCase(RuleKind.Erbp, 1.0, 1, 0)]
    [TestCase(RuleKind.Perbp, 0.5, 1, 0)]
    [TestCase(RuleKind.Erbp, 1.0, 3, 0)]
    [TestCase(RuleKind.Erbp, 1.0, 3, 6)]
    public void FusedTrainingKernelLearnsTheSameWeightsAsTheCpuPath(RuleKind rule, double blankOut, int lanes, int weightBits)
    {
        var config = Config(rule, blankOut, weightBits: weightBits);
        var netCpu = ErbpNetwork.Build([20, 24, 16, 5], config);
        var netGpu = ErbpNetwork.Build([20, 24, 16, 5], config);
        // A pruned first layer exercises the mask in the kernel.
        var mask = new byte[netCpu.Projections[0].Weights.Length];
        for (int k = 0; k < mask.Length; k++) mask[k] = (byte)(k % 7 == 0 ? 0 : 1);
        netCpu.Projections[0].Mask = mask; netGpu.Projections[0].Mask = (byte[])mask.Clone();
        var before = (float[])netCpu.Projections[1].Weights.Clone();
        using var cpu = new CpuEngine(netCpu, config, lanes);
        using var gpu = new IlgpuEngine(netGpu, config, lanes, BackendKind.IlgpuCpu);
        for (int batch = 0; batch < 2; batch++)
        {
            var input = TestNetworks.Input(cpu, lanes, 30 + batch, labels: true);
            var rc = cpu.Run(input, true);
            var rg = gpu.Run(input, true); // no recorder: one launch of the fused network kernel
            Assert.That(gpu.LastRunUsedFusedTraining, Is.True, "the fused training kernel ran");
            Assert.That(rg.OutputCounts, Is.EqualTo(rc.OutputCounts), $"batch {batch}: prediction spikes");
            Assert.That(rg.OutputDrive, Is.EqualTo(rc.OutputDrive), $"batch {batch}: integrated current of the prediction neurons");
            Assert.That(rg.SynOps, Is.EqualTo(rc.SynOps), $"batch {batch}: synaptic events");
            Assert.That(rg.Spikes, Is.EqualTo(rc.Spikes), $"batch {batch}: all spikes");
        }
        for (int p = 1; p < netCpu.Populations.Count; p++)
        {
            var (sc, sg) = (cpu.ReadState(p), gpu.ReadState(p));
            for (int k = 0; k < 3; k++) Assert.That(sg[k], Is.EqualTo(sc[k]), $"population {p}, variable {k}");
        }
        gpu.PullWeights();
        Assert.That(netCpu.Projections[1].Weights, Is.Not.EqualTo(before), "the run must learn something");
        AssertSameWeights(netCpu, netGpu);
        for (int k = 0; k < mask.Length; k++)
            if (mask[k] == 0) Assert.That(netCpu.Projections[0].Weights[k], Is.EqualTo(ErbpNetwork.Build([20, 24, 16, 5], config).Projections[0].Weights[k]), "a pruned synapse never learns");
    }

    [Test]
    public void PerSampleUpdateWithOneLaneIsOnlineLearning()
    {
        var step = Config(RuleKind.Erbp, mode: BatchUpdateMode.PerStep);
        var sample = Config(RuleKind.Erbp, mode: BatchUpdateMode.PerSample);
        var a = ErbpNetwork.Build([20, 30, 5], step);
        var b = ErbpNetwork.Build([20, 30, 5], sample);
        using var ea = new CpuEngine(a, step, 1);
        using var eb = new IlgpuEngine(b, sample, 1, BackendKind.IlgpuCpu);
        for (int s = 0; s < 3; s++)
        {
            ea.Run(TestNetworks.Input(ea, 1, 40 + s, labels: true), true);
            eb.Run(TestNetworks.Input(eb, 1, 40 + s, labels: true), true);
            Assert.That(eb.LastRunUsedFusedTraining, Is.True);
        }
        eb.PullWeights();
        AssertSameWeights(a, b);
    }

    [Test]
    public void PerSampleUpdateAddsEachLanesOwnChange()
    {
        var config = Config(RuleKind.Erbp);
        var shared = ErbpNetwork.Build([20, 30, 5], config);
        var w = (float[])shared.Projections[0].Weights.Clone();
        // Each lane alone, from the same start.
        var alone = new float[2][];
        for (int lane = 0; lane < 2; lane++)
        {
            var net = ErbpNetwork.Build([20, 30, 5], config);
            using var e = new CpuEngine(net, config, 1);
            using var two = new CpuEngine(net, config, 2);
            var input = TestNetworks.Input(two, 2, 50, labels: true);
            // Move lane `lane` into lane 0: same pixels, label and presentation number, hence the same spikes.
            Array.Copy(input.Pixels, lane * input.InputSize, input.Pixels, 0, input.InputSize);
            input.Labels[0] = input.Labels[lane]; input.Presentations[0] = input.Presentations[lane]; input.Count = 1;
            e.Run(input, true);
            alone[lane] = net.Projections[0].Weights;
        }
        using var batch = new CpuEngine(shared, config, 2);
        batch.Run(TestNetworks.Input(batch, 2, 50, labels: true), true);
        var expected = new float[w.Length];
        for (int k = 0; k < w.Length; k++)
            expected[k] = BatchUpdate.Apply(w[k], BatchUpdate.Accumulate(BatchUpdate.Accumulate(0f, alone[0][k], w[k]), alone[1][k], w[k]), false, default);
        Assert.That(alone[0], Is.Not.EqualTo(alone[1]), "the two lanes must learn differently");
        Assert.That(shared.Projections[0].Weights, Is.EqualTo(expected));
    }

    [Test]
    public void PerSampleUpdateNeverFallsBackToPerStepOnIlgpu()
    {
        var config = Config(RuleKind.Erbp);
        var net = ErbpNetwork.Build([20, 30, 5], config);
        using var gpu = new IlgpuEngine(net, config, 2, BackendKind.IlgpuCpu);
        var input = TestNetworks.Input(gpu, 2, 60, labels: true);
        // A recorder needs the per-phase kernels, which know only the per-step update: refused, not changed.
        var e = Assert.Throws<Neuromorphic.Simulator.NeuromorphicException>(() => gpu.Run(input, true, new RasterRecorder()));
        Assert.That(Neuromorphic.Cli.OptionNames.Message(e!), Does.Contain("--batch-update sample"));
        gpu.Run(input, true);
        Assert.That(gpu.LastRunUsedFusedTraining, Is.True);
    }

    [Test]
    public void TheBatchSumStaysOnTheWeightGrid()
    {
        var grid = new QuantFormat(4, 0.25).Coefficients;
        Assert.That(BatchUpdate.Apply(0.5f, 0.3f, true, grid), Is.EqualTo(0.75f), "0.8 rounds to the nearest step");
        Assert.That(BatchUpdate.Apply(1.5f, 1.0f, true, grid), Is.EqualTo(7 * 0.25f), "saturates at the largest code");
        Assert.That(BatchUpdate.Apply(0.5f, 0.3f, false, grid), Is.EqualTo(0.8f), "float weights are not rounded");
    }
}
