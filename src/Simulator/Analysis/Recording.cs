using System.IO.Compression;
using System.Runtime.InteropServices;
using Neuromorphic.Simulator.Engine;
using Neuromorphic.Simulator.Export;
using Neuromorphic.Simulator.Files;

namespace Neuromorphic.Simulator.Analysis;

/// <summary>
/// What a simulation did, for NumPy (`run --record`, `test --record`, `plot raster --record`): every spike of every
/// population per sample (time in ms and neuron index, as Brian2's SpikeMonitor keeps t and i) and, for chosen neurons
/// of the two-compartment populations, the synaptic current I and the potentials V and U at the end of every step (as a
/// StateMonitor), with each sample's label and prediction. Written as one .npz; layout in docs/formats.md.
/// </summary>
public sealed class Recording : IStateRecorder
{
    /// <summary>Most spikes one recording keeps (12 bytes each in memory): beyond it the run stops with a message.</summary>
    public const long MaxSpikes = 50_000_000;
    /// <summary>Most state values (samples x steps x neurons x 3 floats) one recording keeps.</summary>
    public const long MaxStateValues = 100_000_000;

    readonly Network _net;
    readonly int _steps;
    readonly double _dtMs;
    // [population][sample]: (step << 32 | neuron) in the order the engine reported them (step ascending).
    readonly List<long>[][]? _spikes;
    readonly int[][] _stateNeurons;
    // [population]: [sample][step][slot] flattened, for I, V and U.
    readonly float[][]? _current, _soma, _dendrite;
    long _spikeCount;

    /// <summary>A recording of <paramref name="samples"/> samples of <paramref name="steps"/> steps: spikes when
    /// <paramref name="spikes"/>, and the state of <paramref name="stateNeurons"/> (population -> neuron indices; null or
    /// empty: no traces). Checks the neurons and the size before anything runs.</summary>
    public Recording(Network net, double dtMs, int steps, int samples, bool spikes, IReadOnlyDictionary<int, int[]>? stateNeurons)
    {
        if (samples < 1) throw new ArgumentOutOfRangeException(nameof(samples), samples, "at least one sample");
        _net = net; _steps = steps; _dtMs = dtMs; Samples = samples;
        Images = Enumerable.Repeat(-1, samples).ToArray();
        Labels = Enumerable.Repeat(-1, samples).ToArray();
        Predictions = Enumerable.Repeat(-1, samples).ToArray();
        _stateNeurons = net.Populations.Select((_, p) => stateNeurons != null && stateNeurons.TryGetValue(p, out var ids) ? ids : []).ToArray();
        for (int p = 0; p < net.Populations.Count; p++)
        {
            var pop = net.Populations[p];
            if (_stateNeurons[p].Length == 0) continue;
            if (pop.Kind != PopulationKind.TwoCompartment)
                throw new NeuromorphicException($"--record-neurons {pop.Name}: only two-compartment LIF populations have I, V and U traces "
                    + $"({pop.Name} is {pop.Kind.ToString().ToLowerInvariant()})");
            int bad = Array.FindIndex(_stateNeurons[p], i => i < 0 || i >= pop.Size);
            if (bad >= 0) throw new NeuromorphicException($"--record-neurons {pop.Name}: neuron {_stateNeurons[p][bad]} "
                + $"is outside 0..{pop.Size - 1}");
        }
        long stateValues = 3L * samples * steps * _stateNeurons.Sum(s => (long)s.Length);
        if (stateValues > MaxStateValues)
            throw new NeuromorphicException($"--record state: {samples} samples x {steps} steps x {_stateNeurons.Sum(s => s.Length)} neurons x 3 "
                + $"traces is {stateValues:N0} values, more than {MaxStateValues:N0}; record fewer samples or neurons");
        if (spikes) _spikes = net.Populations.Select(_ => Enumerable.Range(0, samples).Select(_ => new List<long>()).ToArray()).ToArray();
        if (stateValues > 0)
        {
            _current = _stateNeurons.Select(ids => new float[(long)samples * steps * ids.Length]).ToArray();
            _soma = _stateNeurons.Select(ids => new float[(long)samples * steps * ids.Length]).ToArray();
            _dendrite = _stateNeurons.Select(ids => new float[(long)samples * steps * ids.Length]).ToArray();
        }
    }

    public int Samples { get; }
    public bool RecordsState => _current != null;
    /// <summary>Which sample lane b of the batch now running holds (-1: not recorded). Default: lane b is sample b.</summary>
    public Func<int, int> SampleOfLane { get; set; } = b => b;
    /// <summary>Per sample: index of the image in its split, its label and the predicted class (-1 until set).</summary>
    public int[] Images { get; }
    public int[] Labels { get; }
    public int[] Predictions { get; }

    /// <summary>Spikes recorded so far of <paramref name="population"/> in <paramref name="sample"/>.</summary>
    public int SpikeCount(int population, int sample) => _spikes?[population][sample].Count ?? 0;

    public void OnSpikes(int step, int population, int lane, ReadOnlySpan<int> neurons)
    {
        int sample = SampleOfLane(lane);
        if (_spikes == null || sample < 0 || sample >= Samples || neurons.Length == 0) return;
        _spikeCount += neurons.Length;
        if (_spikeCount > MaxSpikes)
            throw new NeuromorphicException($"--record spikes: more than {MaxSpikes:N0} spikes in {Samples} samples; record "
                + $"fewer samples (--record-samples)");
        var list = _spikes[population][sample];
        foreach (int n in neurons) list.Add((long)step << 32 | (uint)n);
    }

    public int[] StateNeurons(int population) => _stateNeurons[population];

    public void OnState(int step, int population, int lane, int slot, float currentMv, float somaMv, float dendriteMv)
    {
        int sample = SampleOfLane(lane);
        if (_current == null || sample < 0 || sample >= Samples || step >= _steps) return;
        int k = _stateNeurons[population].Length;
        long i = ((long)sample * _steps + step) * k + slot;
        _current[population][i] = currentMv; _soma![population][i] = somaMv; _dendrite![population][i] = dendriteMv;
    }

    /// <summary>Simulates images 0 .. <see cref="Samples"/> - 1 of <paramref name="set"/> without learning, a batch at a
    /// time, with the presentation numbers of <see cref="Training.Evaluation.Run"/> (so the spikes and predictions are
    /// those of the test), and records them.</summary>
    public void Simulate(SimulationEngine engine, Data.IdxImageSet set, long presentationBase)
    {
        var input = engine.NewInput();
        int count = Math.Min(Samples, set.Count);
        for (int start = 0; start < count; start += engine.BatchCapacity)
        {
            int m = Math.Min(engine.BatchCapacity, count - start), first = start;
            input.Fill(set, m, b => first + b, b => presentationBase + first + b, withLabels: false);
            SampleOfLane = lane => first + lane;
            var res = engine.Run(input, train: false, this);
            for (int b = 0; b < m; b++) (Images[first + b], Labels[first + b], Predictions[first + b]) = (first + b,
                set.Labels[first + b], res.Predicted(b));
        }
    }

    /// <summary>Writes the .npz atomically (nothing is left half-written).</summary>
    public void WriteNpz(string path) => AtomicFile.Write(path, tmp =>
    {
        using var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write);
        using var zip = new ZipArchive(fs, ZipArchiveMode.Create);
        void Entry(string name, byte[] header, ReadOnlySpan<byte> body)
        {
            using var s = zip.CreateEntry(name + ".npy", CompressionLevel.Fastest).Open();
            s.Write(header);
            s.Write(body);
        }
        void Ints(string name, int[] v) => Entry(name, CsvNpy.NpyHeader("<i4", [v.Length]), MemoryMarshal.AsBytes(v.AsSpan()));
        void Scalar(string name, double v) => Entry(name, CsvNpy.NpyHeader("<f8", []), BitConverter.GetBytes(v));
        var names = _net.Populations.Select(p => p.Name).ToArray();
        using (var s = zip.CreateEntry("populations.npy", CompressionLevel.Fastest).Open()) s.Write(CsvNpy.NpyStrings(names));
        Ints("population_sizes", _net.Populations.Select(p => p.Size).ToArray());
        Scalar("dt_ms", _dtMs);
        Entry("steps", CsvNpy.NpyHeader("<i8", []), BitConverter.GetBytes((long)_steps));
        Ints("images", Images);
        Ints("labels", Labels);
        Ints("predictions", Predictions);
        for (int p = 0; p < names.Length; p++)
        {
            if (_spikes != null)
            {
                int total = _spikes[p].Sum(l => l.Count);
                var sample = new int[total]; var neuron = new int[total]; var time = new double[total];
                int at = 0;
                for (int k = 0; k < Samples; k++)
                {
                    // Steps ascend in the list; within a step the engine lists neurons ascending (a sort keeps it exact).
                    var list = _spikes[p][k];
                    list.Sort();
                    foreach (long x in list)
                    {
                        sample[at] = k; neuron[at] = (int)(uint)x; time[at] = ((x >> 32) + 1) * _dtMs; at++;
                    }
                }
                Ints($"{names[p]}_spike_sample", sample);
                Entry($"{names[p]}_spike_time_ms", CsvNpy.NpyHeader("<f8", [total]), MemoryMarshal.AsBytes(time.AsSpan()));
                Ints($"{names[p]}_spike_neuron", neuron);
            }
            if (_current != null && _stateNeurons[p].Length > 0)
            {
                long[] shape = [Samples, _steps, _stateNeurons[p].Length];
                Ints($"{names[p]}_state_neurons", _stateNeurons[p]);
                Entry($"{names[p]}_i_mv", CsvNpy.NpyHeader("<f4", shape), MemoryMarshal.AsBytes(_current[p].AsSpan()));
                Entry($"{names[p]}_v_mv", CsvNpy.NpyHeader("<f4", shape), MemoryMarshal.AsBytes(_soma![p].AsSpan()));
                Entry($"{names[p]}_u_mv", CsvNpy.NpyHeader("<f4", shape), MemoryMarshal.AsBytes(_dendrite![p].AsSpan()));
            }
        }
    });
}

/// <summary>Two recorders fed the same spikes (and, where they take it, the same state).</summary>
public sealed class RecorderPair(ISpikeRecorder first, ISpikeRecorder? second) : IStateRecorder
{
    public void OnSpikes(int step, int population, int lane, ReadOnlySpan<int> neurons)
    {
        first.OnSpikes(step, population, lane, neurons);
        second?.OnSpikes(step, population, lane, neurons);
    }

    public int[] StateNeurons(int population) => (second as IStateRecorder)?.StateNeurons(population)
        ?? (first as IStateRecorder)?.StateNeurons(population) ?? [];

    public void OnState(int step, int population, int lane, int slot, float currentMv, float somaMv, float dendriteMv)
        => ((second as IStateRecorder) ?? (first as IStateRecorder))?.OnState(step, population, lane, slot, currentMv, somaMv, dendriteMv);
}
