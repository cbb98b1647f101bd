using System.Diagnostics;
using Neuromorphic.Simulator.Data;
using Neuromorphic.Simulator.Engine;

namespace Neuromorphic.Simulator.Analysis;

/// <summary>What to measure: a network (fresh and seeded from <see cref="Layers"/> and <see cref="Config"/>, or
/// <see cref="FromModel"/>'s), a backend and batch, <see cref="Samples"/> samples of <see cref="Images"/>. With
/// <see cref="PerPhaseInference"/> an ILGPU backend runs inference on the per-phase kernels instead of the fused network
/// kernel (to compare the two).</summary>
public sealed record BenchSetup(BackendKind Backend, int[] Layers, SimulationConfig Config, int Batch, int Samples, bool Training, IdxImageSet Images,
    Func<Network>? FromModel = null, bool PerPhaseInference = false, int? GroupSizeLimit = null);

/// <summary>One timed run: <see cref="Samples"/> samples in <see cref="Seconds"/> on <see cref="Backend"/>; <see cref="Path"/>:
/// the ILGPU code path of the last batch (null on the CPU).</summary>

public sealed record BenchRun(int Samples, double Seconds, long SynOps, long Spikes, string Backend, string Device,
    Network Network, IlgpuRunPath? Path = null)
{
    public double SamplesPerSecond => Samples / Seconds;
}

/// <summary>Everything `bench` reports: the run, the traffic model, and the optional comparisons.</summary>
public sealed record BenchReport(BenchRun Run, int StepsPerSample, long Neurons, double ModelledBytesPerSample,
    IReadOnlyList<double> InferenceRates, IReadOnlyList<double> TrainingRates, BenchRun? Cpu)
{
    public double SamplesPerSecond => Run.SamplesPerSecond;
    public double ModelledTrafficBytesPerSecond => ModelledBytesPerSample * SamplesPerSecond;
    public double NeuronUpdatesPerSecond => (double)Neurons * StepsPerSample * SamplesPerSecond;
}

/// <summary>The throughput measurement of `neuromorphic bench`: warm-up, timed batches, the comparison of inference
/// with batch-1 training and with the native CPU path. The <c>progress</c> arguments make, for a run
/// (training or not, samples), the callback that receives the samples done.</summary>
public static class Bench
{
    /// <summary>Runs the setup's samples after half a second of warm-up batches (JIT tiers, kernel compilation).</summary>
    public static BenchRun Measure(BenchSetup s, Func<bool, int, Action<int>>? progress = null)
    {
        // S2M: a 794-h machine with h = the first hidden layer of --arch (784-500-10 gives 794-500).
        var net = s.FromModel?.Invoke() ?? Networks.Build(s.Config.Family == ModelFamily.SynapticSampling
            ? [s.Layers[0], s.Layers[1], s.Layers[^1]] : s.Layers, s.Config);
        using var engine = Backends.Create(s.Backend, net, s.Config, s.Batch);
        if (s.PerPhaseInference)
        {
            if (engine is not IlgpuEngine ilgpu)
                throw NeuromorphicException.ForField(RunFields.InferenceKernel, RunFields.Backend,
                    (k, b) => $"{k} per-phase chooses between ILGPU's kernels: use it with {b} cuda or ilgpu-cpu, not {engine.BackendName}");
            ilgpu.UseFusedInference = false;
        }
        if (s.GroupSizeLimit is { } g)
        {
            if (engine is not IlgpuEngine ilgpu)
                throw NeuromorphicException.ForField(RunFields.GroupSize, RunFields.Backend,
                    (k, b) => $"{k} sets the threads per lane of ILGPU's fused network kernel: use it with {b} cuda or "
                    + $"ilgpu-cpu, not {engine.BackendName}");
            ilgpu.FusedGroupSizeLimit = g;
        }
        var input = engine.NewInput();
        var test = s.Images;
        void Fill(int start, int m) => input.Fill(test, m, b => (start + b) % test.Count, b => start + b, s.Training);
        // Warm up for half a second, not one batch: the JIT compiles the hot loops in tiers (and ILGPU its
        // kernels), and a single small batch would leave part of the measurement in unoptimised code.
        var warm = Stopwatch.StartNew();
        int warmBatches = 0;
        do { Fill(warmBatches * s.Batch, s.Batch); engine.Run(input, s.Training); warmBatches++; }
        while (warm.Elapsed.TotalSeconds < 0.5 && warmBatches < 1000);
        long synops = 0, spikes = 0; int done = 0;
        var report = progress?.Invoke(s.Training, s.Samples);
        var sw = Stopwatch.StartNew();
        while (done < s.Samples)
        {
            int m = Math.Min(s.Batch, s.Samples - done);
            Fill(warmBatches * s.Batch + done, m);
            var res = engine.Run(input, s.Training);
            synops += res.SynOps; spikes += res.Spikes; done += m;
            report?.Invoke(done);
        }
        return new BenchRun(done, sw.Elapsed.TotalSeconds, synops, spikes, engine.BackendName, engine.DeviceName, net,
            (engine as IlgpuEngine)?.LastRunPath);
    }

    /// <summary>Measures <paramref name="s"/>; with <paramref name="vsTraining"/> &gt; 0 also times batch-1 training
    /// with <paramref name="trainConfig"/> that many times, alternating with repeats of the inference run so that
    /// both see the same state of a shared machine; with <paramref name="compareCpu"/> (and another backend) also
    /// the native CPU path on at most 16 lanes and 256 samples.</summary>
    public static BenchReport Run(BenchSetup s, int vsTraining = 0, SimulationConfig? trainConfig = null, bool compareCpu = false,
        Func<bool, int, Action<int>>? progress = null)
    {
        if (vsTraining > 0 && trainConfig == null) throw new ArgumentNullException(nameof(trainConfig));
        var run = Measure(s, progress);
        var inferenceRates = new List<double> { run.SamplesPerSecond };
        var trainingRates = new List<double>();
        int nTrain = Math.Max(200, s.Samples / 3);
        for (int k = 0; k < vsTraining; k++)
        {
            if (k > 0) inferenceRates.Add(Measure(s with { Training = false }, progress).SamplesPerSecond);
            trainingRates.Add(Measure(s with { Config = trainConfig!, Batch = 1, Samples = nTrain, Training = true }, progress).SamplesPerSecond);
        }
        var cpu = compareCpu && run.Backend != "cpu"
            ? Measure(s with { Backend = BackendKind.Cpu, Batch = Math.Min(s.Batch, 16), Samples = Math.Min(s.Samples, 256) }, progress) : null;
        int steps = s.Config.StepsPerSample(s.Training);
        long neurons = run.Network.Populations.Where(p => s.Training || !p.ErrorPath).Sum(p => (long)p.Size);
        return new BenchReport(run, steps, neurons, ModelledBytesPerSample(run, neurons, steps, s.Training), inferenceRates, trainingRates, cpu);
    }

    /// <summary>A traffic model, not a counter: every synaptic event reads a 4-byte weight (and writes it back while
    /// learning), every neuron update reads and writes about 24 bytes of state.</summary>
    public static double ModelledBytesPerSample(BenchRun run, long neurons, int steps, bool training)
        => (double)run.SynOps / run.Samples * (training ? 8 : 4) + neurons * steps * 24.0;

    /// <summary>The median (the mean of the middle two for an even count).</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("no values", nameof(values));
        var o = values.OrderBy(x => x).ToList();
        return o.Count % 2 == 1 ? o[o.Count / 2] : (o[o.Count / 2 - 1] + o[o.Count / 2]) / 2;
    }
}
