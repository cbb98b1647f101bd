using Neuromorphic.Simulator.Engine;
using NUnit.Framework;

namespace Neuromorphic.Tests.Engine;

/// <summary>Inference on ILGPU: by default one launch of the fused network kernel with learning off, for a plain chain
/// and for a pruned, blank-out network alike (the chain kernel that once took plain chains is gone); bit-identical to the
/// CPU path, and so are the per-phase kernels that <see cref="IlgpuEngine.UseFusedInference"/> = false forces.</summary>
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
        using var gpu = new IlgpuEngine(netGpu, config, 4, BackendKind.IlgpuCpu);
        var input = TestNetworks.Input(cpu, 4, 3);
        var rc = cpu.Run(input, false);
        var rg = gpu.Run(input, false);
        Assert.That(gpu.LastRunPath, Is.EqualTo(IlgpuRunPath.FusedNetwork), "the default route, plain chain or not");
        Assert.That(gpu.LastRunUsedFusedTraining, Is.False);
        TestNetworks.AssertSameInference(cpu, rc, gpu, rg);
        gpu.UseFusedInference = false;
        var rp = gpu.Run(input, false);
        Assert.That(gpu.LastRunPath, Is.EqualTo(IlgpuRunPath.PerPhase));
        TestNetworks.AssertSameInference(cpu, rc, gpu, rp);
    }
}
