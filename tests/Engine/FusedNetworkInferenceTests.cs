using Neuromorphic.Simulator.Engine;
using NUnit.Framework;

namespace Neuromorphic.Tests.Engine;

/// <summary>Inference on the fused network kernel with learning off (<see cref="IlgpuEngine.UseNetworkKernelForInference"/>):
/// bit-identical to the CPU path, for a plain chain (which the fused inference kernel also covers) and for a pruned,
/// blank-out network (which only the network kernel and the per-phase kernels cover, and where inference now takes
/// the network kernel by default).</summary>
public class FusedNetworkInferenceTests
{
    [TestCase(1.0, false)]
    [TestCase(0.5, true)]
    public void NetworkKernelWithLearningOffMatchesTheCpuPathExactly(double blankOut, bool pruned)
    {
        var config = TestNetworks.Config(RuleKind.Erbp, seed: 12, blankOut: blankOut, noiseMv: 25);
        var netCpu = ErbpNetwork.Build([20, 30, 24, 5], config);
        var netGpu = ErbpNetwork.Build([20, 30, 24, 5], config);
        if (pruned)
        {
            var mask = new byte[netCpu.Projections[0].Weights.Length];
            for (int k = 0; k < mask.Length; k++) mask[k] = (byte)(k % 5 == 0 ? 0 : 1);
            netCpu.Projections[0].Mask = mask; netGpu.Projections[0].Mask = (byte[])mask.Clone();
        }
        using var cpu = new CpuEngine(netCpu, config, 4);
        using var gpu = new IlgpuEngine(netGpu, config, 4, BackendKind.IlgpuCpu) { UseNetworkKernelForInference = true };
        var input = TestNetworks.Input(cpu, 4, 3);
        var rc = cpu.Run(input, false);
        var rg = gpu.Run(input, false);
        Assert.That(gpu.LastRunPath, Is.EqualTo(IlgpuRunPath.FusedNetwork));
        Assert.That(gpu.LastRunUsedFusedTraining, Is.False);
        TestNetworks.AssertSameInference(cpu, rc, gpu, rg);
        gpu.UseNetworkKernelForInference = false;
        var rd = gpu.Run(input, false);
        // The default route: the chain kernel where it applies, else the network kernel (no longer the per-phase kernels).
        Assert.That(gpu.LastRunPath, Is.EqualTo(pruned ? IlgpuRunPath.FusedNetwork : IlgpuRunPath.FusedInference), "the default route");
        Assert.That(rd.OutputCounts, Is.EqualTo(rc.OutputCounts));
        Assert.That(rd.OutputDrive, Is.EqualTo(rc.OutputDrive));
    }
}
