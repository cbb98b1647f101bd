using System.Numerics;
using System.Runtime.Intrinsics;
using Neuromorphic.Neurons;
using Neuromorphic.Plasticity;
using Neuromorphic.Simulator.Engine;

namespace Neuromorphic.Simulator.S2m;

/// <summary>How the visible units of an S2M are driven at a given step.</summary>
public enum VisibleMode
{
    /// <summary>Data phase: pixels and labels clamped (escape-rate encoder).</summary>
    Clamped = 0,
    /// <summary>Reconstruction phase: every visible unit is a free sampler driven through W transposed.</summary>
    Free = 1,
    /// <summary>Classification: pixels clamped, label units free.</summary>
    LabelsFree = 2,
}

/// <summary>
/// Per-run constants of an S2M shared by both drivers, and the schedule of one sample.
/// </summary>
public sealed class S2mSchedule
{
    public S2mSchedule(Network net, SimulationConfig config)
    {
        Layout = S2mLayout.Of(net, config);
        Sampler = new LifCoefficients(config.Sampler, config.DtMs);
        TraceDecay = EcdRule.TraceDecay(config.Ecd.TauStdpMs, config.DtMs);
        BiasPeriod = Math.Max(1, (int)Math.Round(1000.0 / (config.BiasRateHz * config.DtMs)));
        TrainSteps = config.StepsPerSample(true);
        TestSteps = config.StepsPerSample(false);
        TrainBurnIn = EcdRule.BurnInSteps(TrainSteps, config.Ecd.BurnInFraction);
        TestBurnIn = EcdRule.BurnInSteps(TestSteps, config.Ecd.BurnInFraction);
        BlankOut = BlankOutSynapse.Threshold(config.TransmissionProbability);
    }
    public S2mLayout Layout { get; }
    public LifCoefficients Sampler { get; }
    public float TraceDecay { get; }
    /// <summary>Bias units spike every this many steps, counted from the start of each phase.</summary>
    public int BiasPeriod { get; }
    public int TrainSteps { get; }
    public int TestSteps { get; }
    public int TrainBurnIn { get; }
    public int TestBurnIn { get; }
    public ulong BlankOut { get; }

    public int Steps(bool train) => train ? TrainSteps : TestSteps;
    public VisibleMode Mode(bool train, int step) => !train ? VisibleMode.LabelsFree : step < TrainSteps / 2 ? VisibleMode.Clamped : VisibleMode.Free;
    public bool PhaseStart(bool train, int step) => train ? EcdRule.IsPhaseStart(step, TrainSteps) : step == 0;
    public bool BiasSpikes(bool train, int step) => (train && step >= TrainSteps / 2 ? step - TrainSteps / 2 : step) % BiasPeriod == 0;
    /// <summary>Label spikes are counted from here on: after the burn-in of a test sample, after the second
    /// burn-in of a training sample (labels are clamped before).</summary>
    public int CountFrom(bool train) => train ? TrainSteps / 2 + TrainBurnIn : TestBurnIn;
    public int Modulation(bool train, int step) => train ? EcdRule.Modulation(step, TrainSteps, TrainBurnIn) : 0;

    /// <summary>Projection numbers in the blank-out keys: one per direction of the symmetric matrix, so an
    /// event each way has its own draw.</summary>
    public const int ForwardKey = 0, BackwardKey = 1;
}

/// <summary>
/// The native CPU driver of the S2M. One step, all lanes:
/// <list type="number">
/// <item>integrate visible units (clamped: encoder; free: LIF sampler; bias: every BiasPeriod steps) and hidden units, advancing traces;</item>
/// <item>deliver: hidden units gather the visible spikes through W (rows), free visible units gather the hidden spikes through W (columns), each event blanked out per synapse; delivery reads the weights as they were at the start of the step;</item>
/// <item>the blank-out bits of a spike's row are drawn once per step, before delivery, and kept for learning (same keys, so the same bits as a draw per use);</item>
/// <item>learn (g != 0): lane by lane, first the presynaptic (visible) spike updates, then the postsynaptic (hidden) ones, on transmitted synapses only.</item>
/// </list>
/// Inference runs lanes in parallel; training runs one time loop over all lanes (the ILGPU driver applies the same order).
/// </summary>
public sealed class S2mCpuEngine : SimulationEngine
{
    readonly S2mSchedule _s;
    readonly S2mLayout _l;
    readonly int _v, _h;
    // [lane][unit] state; the dendrite is unused by the sampler but TwoCompartmentLif.Step wants one.
    readonly float[] _vI, _vV, _vIn, _vTrace, _hI, _hV, _hIn, _hTrace;
    readonly int[] _vRefr, _hRefr, _vList, _hList, _vCount, _hCount, _labelCounts;
    readonly bool[] _vFlag, _hFlag;
    readonly ulong[] _vThreshold;
    readonly long[] _synOps, _spikes;
    // [lane] this step's blank-out draws, one row per spike in spike-list order: forward (visible spike over the _h
    // hidden synapses) and backward (hidden spike over the _v visible ones). Per lane because inference runs
    // lanes in parallel; grown on demand.
    readonly uint[][] _forwardDraws, _backwardDraws;

    public S2mCpuEngine(Network network, SimulationConfig config, int batchCapacity) : base(network, config, batchCapacity)
    {
        _s = new S2mSchedule(network, config);
        _l = _s.Layout;
        _v = _l.Rows; _h = _l.Columns;
        int b = batchCapacity;
        _vI = new float[b * _v]; _vV = new float[b * _v]; _vIn = new float[b * _v]; _vTrace = new float[b * _v];
        _hI = new float[b * _h]; _hV = new float[b * _h]; _hIn = new float[b * _h]; _hTrace = new float[b * _h];
        _vRefr = new int[b * _v]; _hRefr = new int[b * _h]; _vList = new int[b * _v]; _hList = new int[b * _h];
        _vCount = new int[b]; _hCount = new int[b]; _labelCounts = new int[b * _v];
        _vFlag = new bool[b * _v]; _hFlag = new bool[b * _h];
        _vThreshold = new ulong[b * _v];
        _synOps = new long[b]; _spikes = new long[b];
        _forwardDraws = new uint[b][]; _backwardDraws = new uint[b][];
        for (int k = 0; k < b; k++) { _forwardDraws[k] = []; _backwardDraws[k] = []; }
    }

    public override string BackendName => "cpu";
    public S2mSchedule Schedule => _s;

    public override BatchResult Run(BatchInput input, bool train, ISpikeRecorder? recorder = null)
    {
        int n = input.Count;
        if (n < 1 || n > BatchCapacity) throw new ArgumentOutOfRangeException(nameof(input), $"batch of {n} lanes, capacity {BatchCapacity}");
        int steps = _s.Steps(train);
        if (train || recorder != null || n == 1)
        {
            for (int b = 0; b < n; b++) ResetLane(input, b, train);
            RunLanes(input, 0, n, steps, train, recorder);
        }
        else
            LaneScheduler.Run(n, null, b => { ResetLane(input, b, false); RunLanes(input, b, b + 1, steps, false, null); });
        var result = new BatchResult(BatchCapacity, Network.Classes) { Count = n };
        for (int b = 0; b < n; b++)
        {
            for (int k = 0; k < _l.Classes; k++)
            {
                int c = 0;
                for (int u = 0; u < _l.LabelUnits; u++) c += _labelCounts[b * _v + _l.LabelStart + k * _l.LabelUnits + u];
                result.OutputCounts[b * _l.Classes + k] = c;
            }
            result.SynOps += _synOps[b];
            result.Spikes += _spikes[b];
        }
        return result;
    }

    void ResetLane(BatchInput input, int b, bool train)
    {
        int ov = b * _v, oh = b * _h;
        foreach (var a in new[] { _vI, _vV, _vIn, _vTrace }) a.AsSpan(ov, _v).Clear();
        foreach (var a in new[] { _hI, _hV, _hIn, _hTrace }) a.AsSpan(oh, _h).Clear();
        _vRefr.AsSpan(ov, _v).Clear(); _hRefr.AsSpan(oh, _h).Clear(); _labelCounts.AsSpan(ov, _v).Clear();
        _vFlag.AsSpan(ov, _v).Clear(); _hFlag.AsSpan(oh, _h).Clear();
        _vCount[b] = 0; _hCount[b] = 0; _synOps[b] = 0; _spikes[b] = 0;
        FillThresholds(_vThreshold.AsSpan(ov, _v), input.Pixels.AsSpan(b * input.InputSize, input.InputSize), train ? input.Labels[b] : -1, _l, Constants.EncoderThresholds);
    }

    /// <summary>Encoder threshold of every visible unit while clamped: the pixel's level, "label on" for the
    /// true class's label units (training only), 0 (silent) otherwise.</summary>
    public static void FillThresholds(Span<ulong> dst, ReadOnlySpan<byte> pixels, int label, S2mLayout l, ulong[] table)
    {
        dst.Clear();
        for (int j = 0; j < l.Pixels; j++) dst[j] = table[pixels[j]];
        if (label >= 0 && label < l.Classes)
            for (int u = 0; u < l.LabelUnits; u++) dst[l.LabelStart + label * l.LabelUnits + u] = table[256];
    }

    void RunLanes(BatchInput input, int lo, int hi, int steps, bool train, ISpikeRecorder? recorder)
    {
        var proj = Network.Projections[0];
        var w = proj.Weights;
        var mask = proj.Mask;
        int countFrom = _s.CountFrom(train);
        for (int step = 0; step < steps; step++)
        {
            var mode = _s.Mode(train, step);
            bool phaseStart = _s.PhaseStart(train, step), bias = _s.BiasSpikes(train, step), count = step >= countFrom;
            int g = _s.Modulation(train, step);
            // Full backward rows serve free visible units and learning; label-only delivery draws per entry instead.
            bool backwardRows = mode == VisibleMode.Free || g != 0;
            for (int b = lo; b < hi; b++)
            {
                ulong counter = CounterRng.StepCounter(input.Presentations[b], step);
                IntegrateVisible(b, counter, mode, phaseStart, bias, count);
                IntegrateHidden(b, counter, phaseStart, bias);
            }
            for (int b = lo; b < hi; b++)
            {
                ulong counter = CounterRng.StepCounter(input.Presentations[b], step);
                DrawBlankOut(b, counter, backwardRows);
                DeliverToHidden(b, w, mask);
                if (mode != VisibleMode.Clamped) DeliverToVisible(b, counter, w, mask, mode, backwardRows);
            }
            if (g != 0)
            {
                float eta = LearningRate, etaG = g > 0 ? eta : -eta;
                for (int b = lo; b < hi; b++) Learn(b, w, mask, etaG);
            }
            if (recorder != null)
                for (int b = lo; b < hi; b++)
                {
                    recorder.OnSpikes(step, 0, b, _vList.AsSpan(b * _v, _vCount[b]));
                    recorder.OnSpikes(step, 1, b, _hList.AsSpan(b * _h, _hCount[b]));
                }
        }
    }

    void IntegrateVisible(int b, ulong counter, VisibleMode mode, bool phaseStart, bool bias, bool count)
    {
        int o = b * _v, c = 0, refrSteps = Constants.EncoderRefractorySteps;
        var coef = _s.Sampler;
        ulong inputKey = CounterRng.StepKey(Constants.Seed, CounterRng.StreamInput, counter);
        float decay = _s.TraceDecay, dummy = 0f;
        for (int j = 0; j < _v; j++)
        {
            int k = o + j;
            _vTrace[k] = phaseStart ? 0f : EcdRule.AdvanceTrace(_vTrace[k], _vFlag[k], decay);
            bool spike;
            if (j == _l.VisibleBias) spike = bias;
            else if (Clamped(mode, j, _l))
            {
                ulong t = _vThreshold[k];
                spike = t == 0 ? InputEncoders.Step(ref _vRefr[k], 0, 0u, refrSteps) : InputEncoders.Step(ref _vRefr[k], t, inputKey, CounterRng.NeuronKey(0, j), refrSteps);
                _vIn[k] = 0f;
            }
            else
            {
                spike = TwoCompartmentLif.Step(ref _vI[k], ref _vV[k], ref dummy, ref _vRefr[k], _vIn[k], 0f, false, coef);
                _vIn[k] = 0f;
            }
            _vFlag[k] = spike;
            if (spike)
            {
                _vList[o + c++] = j;
                if (count) _labelCounts[k]++;
            }
        }
        _vCount[b] = c;
        _spikes[b] += c;
    }

    /// <summary>Whether visible unit j follows its encoder in this mode (the bias unit is handled apart).</summary>
    public static bool Clamped(VisibleMode mode, int j, in S2mLayout l)
        => mode == VisibleMode.Clamped || (mode == VisibleMode.LabelsFree && j < l.LabelStart);

    void IntegrateHidden(int b, ulong counter, bool phaseStart, bool bias)
    {
        int o = b * _h, c = 0;
        var coef = _s.Sampler;
        float decay = _s.TraceDecay, dummy = 0f;
        for (int i = 0; i < _h; i++)
        {
            int k = o + i;
            _hTrace[k] = phaseStart ? 0f : EcdRule.AdvanceTrace(_hTrace[k], _hFlag[k], decay);
            bool spike = i == _l.HiddenBias ? bias : TwoCompartmentLif.Step(ref _hI[k], ref _hV[k], ref dummy, ref _hRefr[k], _hIn[k], 0f, false, coef);
            _hIn[k] = 0f;
            _hFlag[k] = spike;
            if (spike) _hList[o + c++] = i;
        }
        _hCount[b] = c;
        _spikes[b] += c;
    }

    /// <summary>Draws the blank-out bits of this step's spikes of lane b, a whole row per spike: forward rows always
    /// (delivery to the hidden units reads them), backward rows when <paramref name="backwardRows"/>. Row s holds
    /// RowBits(RowKey(.., direction, pre_s), 0 .. width - 1), the bits the per-synapse draws would give.</summary>
    void DrawBlankOut(int b, ulong counter, bool backwardRows)
    {
        if (_s.BlankOut >= (1UL << 32)) return;
        DrawRows(ref _forwardDraws[b], counter, S2mSchedule.ForwardKey, _vList.AsSpan(b * _v, _vCount[b]), _h, _v);
        if (backwardRows) DrawRows(ref _backwardDraws[b], counter, S2mSchedule.BackwardKey, _hList.AsSpan(b * _h, _hCount[b]), _v, _h);
    }

    void DrawRows(ref uint[] store, ulong counter, int direction, ReadOnlySpan<int> spikes, int width, int maxSpikes)
    {
        int need = spikes.Length * width;
        if (store.Length < need) store = new uint[Math.Max(need, Math.Min(2 * store.Length, maxSpikes * width))];
        for (int s = 0; s < spikes.Length; s++)
            CounterRng.RowBitsInto(CounterRng.RowKey(Constants.Seed, CounterRng.StreamBlankOut, counter, direction, spikes[s]), store.AsSpan(s * width, width));
    }

    /// <summary>Forward: every hidden sampler (not the bias unit) sums the transmitted weights of the visible spikes, in spike order.</summary>
    void DeliverToHidden(int b, float[] w, byte[]? mask)
    {
        int n = _vCount[b], hs = _l.Hidden, cols = _h;
        if (n == 0) return;
        var inbox = _hIn.AsSpan(b * _h, hs);
        ulong blank = _s.BlankOut;
        bool stochastic = blank < (1UL << 32);
        long events = 0;
        for (int s = 0; s < n; s++)
        {
            int j = _vList[b * _v + s];
            var row = w.AsSpan(j * cols, hs);
            var draws = stochastic ? _forwardDraws[b].AsSpan(s * cols, hs) : default;
            if (mask == null)
            {
                events += DeliverRow(row, inbox, draws, stochastic ? (uint)blank : 0u, stochastic);
                continue;
            }
            for (int i = 0; i < hs; i++)
            {
                if (mask[j * cols + i] == 0) continue;
                if (stochastic && !BlankOutSynapse.Transmits(draws[i], blank)) continue;
                inbox[i] += row[i];
                events++;
            }
        }
        _synOps[b] += events;
    }

    /// <summary>
    /// One visible spike's row into the hidden inboxes (no mask), eight synapses at a time: where the synapse
    /// transmits, inbox + weight (a blended select leaves the other inboxes' bits untouched), so every inbox gets
    /// the same IEEE additions in the same order as the scalar loop. Returns the events transmitted. A synapse
    /// transmits when its draw is below <paramref name="threshold"/>, or always when not <paramref name="stochastic"/>
    /// (p = 1, draws unused). Public for the tests, which hold it to the scalar loop bit for bit.
    /// </summary>
    public static int DeliverRow(ReadOnlySpan<float> row, Span<float> inbox, ReadOnlySpan<uint> draws, uint threshold, bool stochastic)
    {
        int n = row.Length, i = 0, events = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var thr = Vector256.Create(threshold);
            for (; i <= n - 8; i += 8)
            {
                var transmit = stochastic ? Vector256.LessThan(Vector256.Create<uint>(draws.Slice(i)), thr).AsSingle() : Vector256<float>.AllBitsSet;
                var box = Vector256.Create<float>(inbox.Slice(i));
                Vector256.ConditionalSelect(transmit, box + Vector256.Create<float>(row.Slice(i)), box).CopyTo(inbox.Slice(i));
                events += BitOperations.PopCount(transmit.ExtractMostSignificantBits());
            }
        }
        for (; i < n; i++)
        {
            if (stochastic && !BlankOutSynapse.Transmits(draws[i], threshold)) continue;
            inbox[i] += row[i];
            events++;
        }
        return events;
    }

    /// <summary>Backward, through the same matrix: every free visible unit gathers column entries W[j, i] of the hidden spikes i.
    /// <paramref name="backwardRows"/>: this step's backward rows were drawn (see <see cref="DrawBlankOut"/>).</summary>
    void DeliverToVisible(int b, ulong counter, float[] w, byte[]? mask, VisibleMode mode, bool backwardRows)
    {
        int n = _hCount[b], cols = _h, rows = _v;
        if (n == 0) return;
        ulong blank = _s.BlankOut;
        bool stochastic = blank < (1UL << 32), drawn = stochastic && backwardRows;
        var draws = drawn ? _backwardDraws[b].AsSpan(0, n * rows) : default;
        // Without drawn rows (label units only, no learning) a row key per spike and a draw per entry read.
        Span<ulong> keys = stochastic && !drawn ? (n <= 1024 ? stackalloc ulong[n] : new ulong[n]) : default;
        for (int s = 0; s < keys.Length; s++)
            keys[s] = CounterRng.RowKey(Constants.Seed, CounterRng.StreamBlankOut, counter, S2mSchedule.BackwardKey, _hList[b * _h + s]);
        int first = mode == VisibleMode.Free ? 0 : _l.LabelStart;
        long events = 0;
        for (int j = first; j < _l.Visible; j++)
        {
            float acc = _vIn[b * _v + j];
            int rowStart = j * cols;
            for (int s = 0; s < n; s++)
            {
                int i = _hList[b * _h + s];
                if (mask != null && mask[rowStart + i] == 0) continue;
                if (stochastic && !BlankOutSynapse.Transmits(drawn ? draws[s * rows + j] : CounterRng.RowBits(keys[s], j), blank)) continue;
                acc += w[rowStart + i];
                events++;
            }
            _vIn[b * _v + j] = acc;
        }
        _synOps[b] += events;
    }

    /// <summary>eCD on the step's events of lane b: presynaptic (visible) spikes first, then postsynaptic (hidden) ones.
    /// A synapse that did not transmit an event does not learn from it (the bits drawn for delivery, both rows
    /// drawn this step); the bias-bias corner never learns.</summary>
    void Learn(int b, float[] w, byte[]? mask, float etaG)
    {
        int cols = _h, rows = _v, ov = b * _v, oh = b * _h;
        ulong blank = _s.BlankOut;
        bool stochastic = blank < (1UL << 32);
        var postTrace = _hTrace.AsSpan(oh, _h);
        for (int s = 0; s < _vCount[b]; s++)
        {
            int j = _vList[ov + s];
            int end = j == _l.VisibleBias ? _l.Hidden : _h;
            var row = w.AsSpan(j * cols, end);
            var draws = stochastic ? _forwardDraws[b].AsSpan(s * cols, end) : default;
            if (mask == null)
            {
                LearnRow(row, postTrace, draws, stochastic ? (uint)blank : 0u, stochastic, etaG);
                continue;
            }
            for (int i = 0; i < end; i++)
            {
                if (mask[j * cols + i] == 0) continue;
                if (stochastic && !BlankOutSynapse.Transmits(draws[i], blank)) continue;
                row[i] += EcdRule.PreSpikeChange(etaG, postTrace[i]);
            }
        }
        for (int s = 0; s < _hCount[b]; s++)
        {
            int i = _hList[oh + s];
            int end = i == _l.HiddenBias ? _l.Visible : _v;
            var draws = stochastic ? _backwardDraws[b].AsSpan(s * rows, end) : default;
            for (int j = 0; j < end; j++)
            {
                int k = j * cols + i;
                if (mask != null && mask[k] == 0) continue;
                if (stochastic && !BlankOutSynapse.Transmits(draws[j], blank)) continue;
                w[k] += EcdRule.PostSpikeChange(etaG, _vTrace[ov + j], _vFlag[ov + j]);
            }
        }
    }

    /// <summary>
    /// The presynaptic updates of one visible spike's row (no mask), eight synapses at a time: where the synapse
    /// transmitted, w + <see cref="EcdRule.PreSpikeChange(Vector256{float}, Vector256{float})"/>, one multiply then one
    /// add per element as in the scalar loop (a blended select leaves the other weights' bits untouched). Draws and
    /// threshold as in <see cref="DeliverRow"/>; public for the tests.
    /// </summary>
    public static void LearnRow(Span<float> row, ReadOnlySpan<float> postTrace, ReadOnlySpan<uint> draws, uint threshold, bool stochastic, float etaG)
    {
        int n = row.Length, i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var thr = Vector256.Create(threshold);
            var vEtaG = Vector256.Create(etaG);
            for (; i <= n - 8; i += 8)
            {
                var transmit = stochastic ? Vector256.LessThan(Vector256.Create<uint>(draws.Slice(i)), thr).AsSingle() : Vector256<float>.AllBitsSet;
                var wv = Vector256.Create<float>(row.Slice(i));
                Vector256.ConditionalSelect(transmit, wv + EcdRule.PreSpikeChange(vEtaG, Vector256.Create<float>(postTrace.Slice(i))), wv).CopyTo(row.Slice(i));
            }
        }
        for (; i < n; i++)
        {
            if (stochastic && !BlankOutSynapse.Transmits(draws[i], threshold)) continue;
            row[i] += EcdRule.PreSpikeChange(etaG, postTrace[i]);
        }
    }

    public override float[][] ReadState(int population)
    {
        return population == 0
            ? [_vI.AsSpan(0, _v).ToArray(), _vV.AsSpan(0, _v).ToArray(), _vTrace.AsSpan(0, _v).ToArray()]
            : [_hI.AsSpan(0, _h).ToArray(), _hV.AsSpan(0, _h).ToArray(), _hTrace.AsSpan(0, _h).ToArray()];
    }
}
