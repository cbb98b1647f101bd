using Neuromorphic.Simulator.Engine;
using NUnit.Framework;

namespace Neuromorphic.Tests.Engine;

/// <summary>The native CPU path and ILGPU's CPU accelerator run the same step functions in the same order:
/// spike trains, state and learnt weights must be identical.</summary>
public class BackendParityTests
{
    static (RasterRecorder, float[][], BatchResult) Run(SimulationEngine e, bool train, int salt)
    {
        var rec = new RasterRecorder();
        var r = e.Run(TestNetworks.Input(e, 3, salt, labels: train), train, rec);
        return (rec, e.ReadState(2), r);
    }

    [TestCase(1.0, 0.0)]
    [TestCase(0.5, 25.0)]
    public void InferenceSpikeTrainsAndStateAreIdentical(double blankOut, double noise)
    {
        var config = TestNetworks.Config(RuleKind.None, seed: 3, blankOut: blankOut, noiseMv: noise);
        var net = ErbpNetwork.Build([20, 30, 5], config);
        using var cpu = new CpuEngine(net, config, 3);
        using var gpu = new IlgpuEngine(net, config, 3, BackendKind.IlgpuCpu);
        var (rc, sc, resc) = Run(cpu, false, 1);
        var (rg, sg, resg) = Run(gpu, false, 1);
        Assert.That(rc.Spikes, Is.GreaterThan(200));
        Assert.That(rg.Events, Is.EqualTo(rc.Events));
        for (int k = 0; k < 3; k++) Assert.That(sg[k], Is.EqualTo(sc[k]));
        Assert.That(resg.SynOps, Is.EqualTo(resc.SynOps));
        Assert.That(resg.OutputCounts, Is.EqualTo(resc.OutputCounts));
        Assert.That(resg.OutputDrive, Is.EqualTo(resc.OutputDrive), "integrated current of the prediction neurons");
    }

    [Test]
    public void FusedInferenceMatchesTheCpuPathExactly()
    {
        var config = TestNetworks.Config(RuleKind.None, seed: 12, noiseMv: 25);
        var net = ErbpNetwork.Build([20, 30, 24, 5], config);
        using var cpu = new CpuEngine(net, config, 4);
        using var gpu = new IlgpuEngine(net, config, 4, BackendKind.IlgpuCpu);
        var input = TestNetworks.Input(cpu, 4, 3);
        var rc = cpu.Run(input, false);
        var rg = gpu.Run(input, false); // no recorder: one launch of the fused network kernel
        Assert.That(gpu.LastRunPath, Is.EqualTo(IlgpuRunPath.FusedNetwork));
        TestNetworks.AssertSameInference(cpu, rc, gpu, rg);
        gpu.UseFusedInference = false;
        Assert.That(gpu.Run(input, false).OutputCounts, Is.EqualTo(rc.OutputCounts), "per-phase kernels agree too");
        Assert.That(gpu.LastRunPath, Is.EqualTo(IlgpuRunPath.PerPhase));
    }

    [TestCase(RuleKind.Erbp, 1.0)]
    [TestCase(RuleKind.Perbp, 0.5)]
    public void LearningRunsGiveIdenticalWeights(RuleKind rule, double blankOut)
    {
        var config = TestNetworks.Config(rule, seed: 4, blankOut: blankOut);
        var netCpu = ErbpNetwork.Build([20, 30, 5], config);
        var netGpu = ErbpNetwork.Build([20, 30, 5], config);
        using var cpu = new CpuEngine(netCpu, config, 3);
        using var gpu = new IlgpuEngine(netGpu, config, 3, BackendKind.IlgpuCpu);
        var before = (float[])netCpu.Projections[0].Weights.Clone();
        for (int batch = 0; batch < 2; batch++)
        {
            var (rc, _, _) = Run(cpu, true, 10 + batch);
            var (rg, _, _) = Run(gpu, true, 10 + batch);
            Assert.That(rg.Events, Is.EqualTo(rc.Events), $"batch {batch}: spike trains");
        }
        gpu.PullWeights();
        Assert.That(netCpu.Projections[0].Weights, Is.Not.EqualTo(before), "the run must learn something");
        for (int q = 0; q < netCpu.Projections.Count; q++)
            Assert.That(netGpu.Projections[q].Weights, Is.EqualTo(netCpu.Projections[q].Weights), netCpu.Projections[q].Name);
    }
}
