using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Neuromorphic.Neurons;
using Neuromorphic.Plasticity;

namespace Neuromorphic.Simulator.Engine;

/// <summary>
/// The native CPU path: the step functions of src/Neurons and src/Plasticity driven by plain loops over
/// spans. Inference runs lanes in parallel (each lane its own time loop: no per-step synchronisation);
/// training runs all lanes in one time loop on one thread so that the shared weights see the lanes'
/// updates in lane order, exactly as the ILGPU kernels apply them.
/// </summary>
public sealed class CpuEngine : SimulationEngine
{
    sealed class PopState
    {
        public PopState(int batch, int size)
        {
            // Lanes run on different threads: every lane's slice has at least 16 unused elements (64 bytes, whatever
            // the array's alignment) before and after it, and per-lane counters are 16 apart with a gap before the
            // first, so a lane never writes a cache line that another lane writes, or that holds an object the other
            // threads read every step (this object's fields sat in the line of lane 0's first elements, and two lanes
            // ran no faster than one).
            Stride = (size + LanePad - 1) / LanePad * LanePad + LanePad;
            int n = (batch + 1) * Stride, counters = (batch + 2) * LanePad;
            Lif = new LifStateArrays(n);
            InSoma = new float[n]; InDendrite = new float[n];
            SpikeList = new int[n]; SpikeCount = new int[counters]; NeuronSpikes = new int[n];
            Active = new int[n]; ActiveCount = new int[counters]; ActiveThreshold = new ulong[n];
            ActiveKey = new ulong[n]; ActiveRefractory = new long[n];
            Certain = new int[n]; CertainCount = new int[counters]; CertainRefractory = new int[counters];
        }
        public readonly int Stride;
        /// <summary>First element of lane b's slice of every state array.</summary>
        public int Lane(int b) => (b + 1) * Stride;
        /// <summary>Lane b's element of the counter arrays.</summary>
        public static int Counter(int b) => (b + 1) * LanePad;
        /// <summary>The two-compartment neurons' state (an error neuron's potential is its <see cref="LifState.SomaMv"/>).</summary>
        public readonly LifStateArrays Lif;
        public readonly float[] InSoma, InDendrite;
        public readonly int[] SpikeList, SpikeCount, NeuronSpikes, Active, ActiveCount;
        // Data and label neurons, per active slot: threshold, random key and dead time (parallel arrays for InputEncoders.StepRow).
        public readonly ulong[] ActiveThreshold, ActiveKey;
        public readonly long[] ActiveRefractory;
        // Data and label neurons whose threshold is certain (InputEncoders.FiresWheneverAlive): they need no draws, and
        // since every sample starts them all at rest they share one dead-time counter per lane and fire together.
        public readonly int[] Certain, CertainCount, CertainRefractory;
    }

    const int LanePad = 16;
    readonly PopState[] _pops;
    readonly long[] _laneSynOps;
    // Integrated synaptic current of the prediction neurons, [lane][neuron] (the readout's tie-break).
    readonly float[] _outputDrive;
    // Per-sample batch update: each lane's private copy of the plastic weights, [lane][projection] (null for
    // fixed projections), allocated on first use.
    float[]?[][]? _laneWeights;

    public CpuEngine(Network network, SimulationConfig config, int batchCapacity) : base(network, config, batchCapacity)
    {
        _pops = network.Populations.Select(p => new PopState(batchCapacity, p.Size)).ToArray();
        _laneSynOps = new long[(batchCapacity + 2) * LanePad];
        _outputDrive = new float[(batchCapacity + 1) * _pops[network.OutputPopulation].Stride];
        _dendriteOnlyFromErrorPath = network.Projections.All(p => p.Compartment != Compartment.Dendrite || p.ErrorPath);
    }

    // True when only error-path projections reach a dendrite (eRBP's wiring): without learning nothing drives U
    // then, and the neuron update may skip it.
    readonly bool _dendriteOnlyFromErrorPath;

    public override string BackendName => "cpu";

    public override BatchResult Run(BatchInput input, bool train, ISpikeRecorder? recorder = null)
    {
        int n = Lanes(input);
        bool learn = Learns(train);
        int steps = Config.StepsPerSample(train);
        Array.Clear(_laneSynOps);
        if (!learn && recorder == null && n > 1)
        {
            // Independent lanes: each is reset and run by whichever core takes it, the digits with the most
            // firing pixels first (their lanes take longest).
            var table = Constants.EncoderThresholds;
            LaneScheduler.Run(n, b =>
            {
                int firing = 0;
                foreach (byte x in input.Pixels.AsSpan(b * input.InputSize, input.InputSize)) if (table[x] != 0) firing++;
                return firing;
            }, b => { ResetLane(input, b, false); RunLanes(input, b, b + 1, steps, false, null, null); });
        }
        else
        {
            if (learn && n > 1 && Config.BatchUpdate == BatchUpdateMode.PerSample)
                RunPerSample(input, n, steps, recorder);
            else
            {
                for (int b = 0; b < n; b++) ResetLane(input, b, learn);
                RunLanes(input, 0, n, steps, learn, recorder, null);
            }
        }

        var result = new BatchResult(BatchCapacity, Network.Classes) { Count = n };
        var outPop = _pops[Network.OutputPopulation];
        for (int b = 0; b < n; b++)
        {
            Array.Copy(outPop.NeuronSpikes, outPop.Lane(b), result.OutputCounts, b * Network.Classes, Network.Classes);
            Array.Copy(_outputDrive, outPop.Lane(b), result.OutputDrive, b * Network.Classes, Network.Classes);
        }
        long synops = 0, spikes = 0;
        for (int b = 0; b < n; b++) synops += _laneSynOps[PopState.Counter(b)];
        for (int p = 0; p < _pops.Length; p++)
            for (int b = 0; b < n; b++)
                foreach (int c in _pops[p].NeuronSpikes.AsSpan(_pops[p].Lane(b), Network.Populations[p].Size)) spikes += c;
        result.SynOps = synops;
        result.Spikes = spikes;
        return result;
    }

    void ResetLane(BatchInput input, int b, bool learn)
    {
        var table = Constants.EncoderThresholds;
        for (int p = 0; p < _pops.Length; p++)
        {
            var s = _pops[p];
            int size = Network.Populations[p].Size, o = s.Lane(b);
            s.Lif.Rows(o, size).Clear();
            s.InSoma.AsSpan(o, size).Clear(); s.InDendrite.AsSpan(o, size).Clear();
            s.NeuronSpikes.AsSpan(o, size).Clear(); s.SpikeCount[PopState.Counter(b)] = 0; s.ActiveRefractory.AsSpan(o, size).Clear();
            if (p == Network.OutputPopulation) _outputDrive.AsSpan(o, size).Clear();
            int active = 0, certain = 0;
            switch (Network.Populations[p].Kind)
            {
                case PopulationKind.Data:
                    for (int j = 0; j < size; j++)
                    {
                        ulong t = table[input.Pixels[b * input.InputSize + j]];
                        if (t == 0) continue;
                        if (InputEncoders.FiresWheneverAlive(t)) { s.Certain[o + certain++] = j; continue; }
                        s.Active[o + active] = j; s.ActiveThreshold[o + active] = t; s.ActiveKey[o + active] = CounterRng.NeuronKey(p, j); active++;
                    }
                    break;
                case PopulationKind.Label:
                    int label = input.Labels[b];
                    if (learn && label >= 0 && label < size)
                    {
                        if (InputEncoders.FiresWheneverAlive(table[InputEncoders.LabelEntry])) s.Certain[o + certain++] = label;
                        else
                        {
                            s.Active[o] = label; s.ActiveThreshold[o] = table[InputEncoders.LabelEntry];
                            s.ActiveKey[o] = CounterRng.NeuronKey(p, label); active = 1;
                        }
                    }
                    break;
            }
            s.ActiveCount[PopState.Counter(b)] = active;
            s.CertainCount[PopState.Counter(b)] = certain;
            s.CertainRefractory[PopState.Counter(b)] = 0;
        }
    }

    /// <summary>Weights per task when the lanes' changes are merged (a block of 16 KiB of floats per core at a time).</summary>
    const int MergeBlock = 4096;

    /// <summary>The per-sample batch update: lanes learn on private weight copies (in parallel: they never
    /// meet during the sample), then their changes are added to the shared weights in lane order. Each lane's
    /// reset and copy of the weights run on the core that runs the lane (they were a serial part of the batch).</summary>
    void RunPerSample(BatchInput input, int n, int steps, ISpikeRecorder? recorder)
    {
        var projs = Network.Projections;
        _laneWeights ??= Enumerable.Range(0, BatchCapacity).Select(_
            => projs.Select(p => p.Plastic ? new float[p.Weights.Length] : null).ToArray()).ToArray();
        void Lane(int b, ISpikeRecorder? rec)
        {
            ResetLane(input, b, true);
            for (int q = 0; q < projs.Count; q++)
                if (_laneWeights[b][q] is { } lw) Array.Copy(projs[q].Weights, lw, lw.Length);
            RunLanes(input, b, b + 1, steps, true, rec, _laneWeights[b]);
        }
        if (recorder != null)
            for (int b = 0; b < n; b++) Lane(b, recorder);
        else
            LaneScheduler.Run(n, null, b => Lane(b, null));
        for (int q = 0; q < projs.Count; q++)
        {
            if (!projs[q].Plastic) continue;
            var w = projs[q].Weights;
            bool quantized = projs[q].WeightFormat.HasValue;
            var nearest = quantized ? (projs[q].WeightFormat!.Value with { Rounding = Rounding.Nearest }).Coefficients : default;
            var lanes = _laneWeights;
            Parallel.For(0, (w.Length + MergeBlock - 1) / MergeBlock, LaneScheduler.Options, blk =>
            {
                int end = Math.Min(w.Length, (blk + 1) * MergeBlock);
                for (int k = blk * MergeBlock; k < end; k++)
                {
                    float shared = w[k], sum = 0f;
                    for (int b = 0; b < n; b++) sum = BatchUpdate.Accumulate(sum, lanes[b][q]![k], shared);
                    w[k] = BatchUpdate.Apply(shared, sum, quantized, nearest);
                }
            });
        }
    }

    void RunLanes(BatchInput input, int lo, int hi, int steps, bool learn, ISpikeRecorder? recorder, float[]?[]? laneWeights)
    {
        var pops = Network.Populations;
        var projs = Network.Projections;
        for (int step = 0; step < steps; step++)
        {
            for (int p = 0; p < pops.Count; p++)
            {
                if (pops[p].ErrorPath && !learn) continue;
                for (int b = lo; b < hi; b++) Integrate(p, b, CounterRng.StepCounter(input.Presentations[b], step), learn);
            }
            for (int q = 0; q < projs.Count; q++)
            {
                var proj = projs[q];
                if (proj.ErrorPath && !learn) continue;
                bool learnNow = learn && proj.Plastic && step >= Constants.OnsetSteps;
                var weights = laneWeights?[q] ?? proj.Weights;
                for (int b = lo; b < hi; b++) Deliver(q, proj, weights, b, CounterRng.StepCounter(input.Presentations[b], step), learnNow);
            }
            if (recorder != null)
                for (int p = 0; p < pops.Count; p++)
                {
                    if (pops[p].ErrorPath && !learn) continue;
                    for (int b = lo; b < hi; b++)
                        recorder.OnSpikes(step, p, b, _pops[p].SpikeList.AsSpan(_pops[p].Lane(b), _pops[p].SpikeCount[PopState.Counter(b)]));
                }
            if (recorder is IStateRecorder states)
                for (int p = 0; p < pops.Count; p++)
                {
                    if (pops[p].Kind != PopulationKind.TwoCompartment || (pops[p].ErrorPath && !learn)) continue;
                    var ids = states.StateNeurons(p);
                    var s = _pops[p];
                    for (int b = lo; b < hi; b++)
                        for (int k = 0; k < ids.Length; k++)
                        {
                            int i = s.Lane(b) + ids[k];
                            states.OnState(step, p, b, k, s.Lif.SynapticCurrentMv[i], s.Lif.SomaMv[i], s.Lif.DendriteMv[i]);
                        }
                }
        }
    }

    void Integrate(int p, int b, ulong stepCounter, bool learn)
    {
        var pop = Network.Populations[p];
        var s = _pops[p];
        int size = pop.Size, o = s.Lane(b), count = 0;
        ulong seed = Constants.Seed;
        switch (pop.Kind)
        {
            case PopulationKind.Data:
            case PopulationKind.Label:
            {
                int lane = PopState.Counter(b), active = s.ActiveCount[lane], certain = s.CertainCount[lane];
                var list = s.SpikeList.AsSpan(o, size);
                count = active == 0 ? 0 : InputEncoders.StepRow(s.ActiveRefractory.AsSpan(o, active), s.ActiveThreshold.AsSpan(o, active),
                    s.ActiveKey.AsSpan(o, active), CounterRng.StepKey(seed, CounterRng.StreamInput, stepCounter),
                    Constants.EncoderRefractorySteps, list);
                // List position -> neuron, in place (positions ascend, so neurons do).
                for (int k = 0; k < count; k++) list[k] = s.Active[o + list[k]];
                // The certain neurons: InputEncoders.Step with bits that cannot matter, once for all of them.
                int shared = s.CertainRefractory[lane];
                if (certain > 0 && InputEncoders.Step(ref shared, 1UL << 32, 0u, Constants.EncoderRefractorySteps))
                    count = MergeAscending(list, count, s.Certain.AsSpan(o, certain));
                s.CertainRefractory[lane] = shared;
                for (int k = 0; k < count; k++) s.NeuronSpikes[o + list[k]]++;
                break;
            }
            case PopulationKind.TwoCompartment:
            {
                ref readonly var c = ref Constants.Lif[p];
                bool noisy = c.NoiseThreshold != 0;
                var bias = pop.BiasMv;
                if (!noisy && c.StateBits == 0 && bias == null)
                {
                    var list = s.SpikeList.AsSpan(o, size);
                    count = TwoCompartmentLif.StepRow(s.Lif.Rows(o, size), s.InSoma.AsSpan(o, size), s.InDendrite.AsSpan(o, size), c, list,
                        dendrite: learn || !_dendriteOnlyFromErrorPath); // without learning the error path is off and U stays at rest
                    for (int k = 0; k < count; k++) s.NeuronSpikes[o + list[k]]++;
                    break;
                }
                ulong noiseKey = CounterRng.StepKey(seed, CounterRng.StreamNoise, stepCounter);
                var rows = s.Lif.Rows(o, size);
                var inS = s.InSoma.AsSpan(o, size); var inD = s.InDendrite.AsSpan(o, size);
                for (int i = 0; i < size; i++)
                {
                    bool noise = noisy && CounterRng.Happens(CounterRng.BitsAt(noiseKey, CounterRng.NeuronKey(p, i)), c.NoiseThreshold);
                    float input = bias == null ? inS[i] : TwoCompartmentLif.SomaInputMv(inS[i], bias[i]);
                    var state = rows.Load(i);
                    if (TwoCompartmentLif.Step(ref state, input, inD[i], noise, c))
                    {
                        s.SpikeList[o + count++] = i; s.NeuronSpikes[o + i]++;
                    }
                    rows.Store(i, state);
                    inS[i] = 0f; inD[i] = 0f;
                }
                break;
            }
            case PopulationKind.Error:
            {
                float thr = Constants.ErrorThresholdMv;
                for (int i = 0; i < size; i++)
                {
                    if (ErrorNeuron.Step(ref s.Lif.SomaMv[o + i], s.InSoma[o + i], thr, Constants.StateBits, Constants.StateStepMv))
                    {
                        s.SpikeList[o + count++] = i; s.NeuronSpikes[o + i]++;
                    }
                    s.InSoma[o + i] = 0f;
                }
                break;
            }
        }
        s.SpikeCount[PopState.Counter(b)] = count;
        if (p == Network.OutputPopulation)
        {
            var drive = _outputDrive.AsSpan(o, size);
            var cur = s.Lif.SynapticCurrentMv.AsSpan(o, size);
            for (int k = 0; k < size; k++) drive[k] += cur[k];
        }
    }

    /// <summary>Merges the ascending <paramref name="more"/> into the ascending first <paramref name="count"/>
    /// elements of <paramref name="list"/> (from the back, in place; the two never share a neuron); returns the new count.</summary>
    static int MergeAscending(Span<int> list, int count, ReadOnlySpan<int> more)
    {
        int a = count - 1, m = more.Length - 1, w = count + more.Length - 1;
        while (m >= 0)
            list[w--] = a >= 0 && list[a] > more[m] ? list[a--] : more[m--];
        return count + more.Length;
    }

    void Deliver(int q, Projection proj, float[] weights, int b, ulong stepCounter, bool learn)
    {
        var src = _pops[proj.Source];
        var dst = _pops[proj.Target];
        int nPost = Network.Populations[proj.Target].Size;
        int spikes = src.SpikeCount[PopState.Counter(b)];
        if (spikes == 0) return;
        var inbox = (proj.Compartment == Compartment.Soma ? dst.InSoma : dst.InDendrite).AsSpan(dst.Lane(b), nPost);
        var current = dst.Lif.SynapticCurrentMv.AsSpan(dst.Lane(b), nPost);
        var dendrite = dst.Lif.DendriteMv.AsSpan(dst.Lane(b), nPost);
        var rule = Constants.Erbp[q].At(LearningRate);
        ulong blank = Constants.BlankOut[q];
        bool quantized = rule.Quantized != 0;
        bool stochastic = BlankOutSynapse.IsStochastic(blank);
        bool simple = proj.Mask == null && !stochastic && !(quantized && learn);
        var spikeList = src.SpikeList.AsSpan(src.Lane(b), spikes);
        if (simple)
        {
            if (weights.Length < (long)Network.Populations[proj.Source].Size * nPost)
                throw new InvalidOperationException($"{proj.Name}: weight matrix too small");
            ref float box = ref MemoryMarshal.GetReference(inbox);
            foreach (int j in spikeList)
            {
                if (learn) ErbpRule.ApplyToRow(weights.AsSpan(j * nPost, nPost), current, dendrite, rule);
                // j is a neuron of the source population, so its row lies inside the matrix checked above.
                AddRow(ref box, ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(weights), j * nPost), nPost);
            }
            if (proj.Forward) _laneSynOps[PopState.Counter(b)] += (long)spikes * nPost;
            return;
        }
        long events = 0;
        var draws = stochastic ? RowDraws(nPost) : default;
        foreach (int j in spikeList)
        {
            if (stochastic) BlankOutSynapse.DrawRow(BlankOutSynapse.EventKey(Constants.Seed, stepCounter, q, j), 0, draws);
            events += ErbpRule.DeliverRow(weights.AsSpan(j * nPost, nPost), inbox, current, dendrite, draws, stochastic ? (uint)blank : 0u,
                stochastic, learn, rule, proj.Mask == null ? default : proj.Mask.AsSpan(j * nPost, nPost),
                quantized && learn ? WeightUpdate.RoundingKey(Constants.Seed, stepCounter, q, j) : 0);
        }
        if (proj.Forward) _laneSynOps[PopState.Counter(b)] += events;
    }

    [ThreadStatic] static uint[]? t_rowBits;

    /// <summary>This thread's buffer for one row of blank-out draws.</summary>
    static Span<uint> RowDraws(int n)
        => (t_rowBits is { } tb && tb.Length >= n ? tb : (t_rowBits = new uint[Math.Max(n, 256)])).AsSpan(0, n);

    /// <summary>dst[i] += src[i] for i &lt; n, vectorised (the widest vectors the hardware accelerates); the same IEEE
    /// additions as the scalar loop. Unchecked: the caller guarantees n elements behind both references.</summary>
    static void AddRow(ref float dst, ref float src, int n)
    {
        nuint i = 0, end = (nuint)n;
        if (Vector512.IsHardwareAccelerated)
            for (; i + 16 <= end; i += 16)
                (Vector512.LoadUnsafe(ref dst, i) + Vector512.LoadUnsafe(ref src, i)).StoreUnsafe(ref dst, i);
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= end; i += 8)
                (Vector256.LoadUnsafe(ref dst, i) + Vector256.LoadUnsafe(ref src, i)).StoreUnsafe(ref dst, i);
        for (; i < end; i++) Unsafe.Add(ref dst, i) += Unsafe.Add(ref src, i);
    }

    public override float[][] ReadState(int population)
    {
        int size = Network.Populations[population].Size;
        var s = _pops[population];
        int o = s.Lane(0);
        var rows = s.Lif.Rows(o, size);
        return [rows.SynapticCurrentMv.ToArray(), rows.SomaMv.ToArray(), rows.DendriteMv.ToArray()];
    }
}
