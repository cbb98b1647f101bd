using NUnit.Framework;
using Neuromorphic.Neurons;
using Neuromorphic.Simulator.Engine;

namespace Neuromorphic.Tests.Engine;

/// <summary>Records every spike, for comparing runs exactly.</summary>
public sealed class RasterRecorder : ISpikeRecorder
{
    public readonly List<string> Events = [];
    public long Spikes;
    public void OnSpikes(int step, int population, int lane, ReadOnlySpan<int> neurons)
    {
        if (neurons.Length == 0) return;
        Spikes += neurons.Length;
        Events.Add($"{step}:{population}:{lane}:{string.Join(',', neurons.ToArray())}");
    }
}

public static class TestNetworks
{
    /// <summary>A short-sample configuration for tiny networks (200 steps of 0.1 ms).</summary>
    public static SimulationConfig Config(RuleKind rule = RuleKind.None, ulong seed = 7, double blankOut = 1.0, double noiseMv = 0) => new()
    {
        Rule = rule, Seed = seed, SampleMs = 20, TestSampleMs = 20, TransmissionProbability = blankOut,
        Erbp = new Neuromorphic.Plasticity.ErbpParameters(LearningRate: 5e-3, OnsetMs: 5),
        Hidden = new LifParameters(RefractoryMs: 3.9, NoiseWeightMv: noiseMv),
        Output = new LifParameters(RefractoryMs: 3.9, NoiseWeightMv: noiseMv),
    };

    /// <summary>Bright random images, one per lane (a third of the pixels black).</summary>
    public static BatchInput Input(SimulationEngine engine, int lanes, int salt, bool labels = false)
    {
        var input = engine.NewInput();
        input.Count = lanes;
        for (int b = 0; b < lanes; b++)
        {
            for (int j = 0; j < input.InputSize; j++)
                input.Pixels[b * input.InputSize + j] = (byte)(CounterRng.Bits(99, 1, (ulong)(salt * 1000 + b), (ulong)j) % 3 == 0 ? 0 : 200 + CounterRng.Bits(99, 2, (ulong)b, (ulong)j) % 56);
            input.Labels[b] = labels ? (salt + b) % engine.Network.Classes : -1;
            input.Presentations[b] = salt * 100 + b;
        }
        return input;
    }

    /// <summary>Inference parity: the two engines' batch results (prediction counts, integrated current, SynOps,
    /// spikes) and the final I, V, U of every feed-forward population after the data neurons are identical.</summary>
    public static void AssertSameInference(SimulationEngine cpu, BatchResult rc, SimulationEngine gpu, BatchResult rg)
    {
        Assert.That(rc.Spikes, Is.GreaterThan(300), "a network that fires");
        Assert.That(rg.OutputCounts, Is.EqualTo(rc.OutputCounts));
        Assert.That(rg.OutputDrive, Is.EqualTo(rc.OutputDrive), "integrated current of the prediction neurons");
        Assert.That(rg.SynOps, Is.EqualTo(rc.SynOps));
        Assert.That(rg.Spikes, Is.EqualTo(rc.Spikes));
        for (int p = 1; p < cpu.Network.Layers.Length; p++)
        {
            var (sc, sg) = (cpu.ReadState(p), gpu.ReadState(p));
            for (int k = 0; k < 3; k++) Assert.That(sg[k], Is.EqualTo(sc[k]), $"population {p}, variable {k}");
        }
    }
}
