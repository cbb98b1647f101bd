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
}
