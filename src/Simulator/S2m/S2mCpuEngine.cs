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
    }

    public override string BackendName => "cpu";
    public S2mSchedule Schedule => _s;

    public override BatchResult Run(BatchInput input, bool train, ISpikeRecorder? recorder = null)
    {
        int n = input.Count;
        if (n < 1 || n > BatchCapacity) throw new ArgumentOutOfRangeException(nameof(input), $"batch of {n} lanes, capacity {BatchCapacity}");
        int steps = _s.Steps(train);
        for (int b = 0; b < n; b++) ResetLane(input, b, train);
        if (train || recorder != null || n == 1)
            RunLanes(input, 0, n, steps, train, recorder);
        else
            Parallel.For(0, n, b => RunLanes(input, b, b + 1, steps, false, null));
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
            for (int b = lo; b < hi; b++)
            {
                ulong counter = CounterRng.StepCounter(input.Presentations[b], step);
                IntegrateVisible(b, counter, mode, phaseStart, bias, count);
                IntegrateHidden(b, counter, phaseStart, bias);
            }
            for (int b = lo; b < hi; b++)
            {
                ulong counter = CounterRng.StepCounter(input.Presentations[b], step);
                DeliverToHidden(b, counter, w, mask);
                if (mode != VisibleMode.Clamped) DeliverToVisible(b, counter, w, mask, mode);
            }
            int g = _s.Modulation(train, step);
            if (g != 0)
            {
                float eta = LearningRate, etaG = g > 0 ? eta : -eta;
                for (int b = lo; b < hi; b++) Learn(b, CounterRng.StepCounter(input.Presentations[b], step), w, mask, etaG);
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
        ulong seed = Constants.Seed;
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
                uint bits = t == 0 ? 0u : CounterRng.Bits(seed, CounterRng.StreamInput, counter, CounterRng.NeuronKey(0, j));
                spike = InputEncoders.Step(ref _vRefr[k], t, bits, refrSteps);
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

    /// <summary>Forward: every hidden sampler (not the bias unit) sums the transmitted weights of the visible spikes, in spike order.</summary>
    void DeliverToHidden(int b, ulong counter, float[] w, byte[]? mask)
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
            ulong key = stochastic ? CounterRng.RowKey(Constants.Seed, CounterRng.StreamBlankOut, counter, S2mSchedule.ForwardKey, j) : 0;
            for (int i = 0; i < hs; i++)
            {
                if (mask != null && mask[j * cols + i] == 0) continue;
                if (stochastic && !BlankOutSynapse.Transmits(CounterRng.RowBits(key, i), blank)) continue;
                inbox[i] += row[i];
                events++;
            }
        }
        _synOps[b] += events;
    }

    /// <summary>Backward, through the same matrix: every free visible unit gathers column entries W[j, i] of the hidden spikes i.</summary>
    void DeliverToVisible(int b, ulong counter, float[] w, byte[]? mask, VisibleMode mode)
    {
        int n = _hCount[b], cols = _h;
        if (n == 0) return;
        ulong blank = _s.BlankOut;
        bool stochastic = blank < (1UL << 32);
        Span<ulong> keys = n <= 1024 ? stackalloc ulong[n] : new ulong[n];
        for (int s = 0; s < n; s++)
            keys[s] = stochastic ? CounterRng.RowKey(Constants.Seed, CounterRng.StreamBlankOut, counter, S2mSchedule.BackwardKey, _hList[b * _h + s]) : 0;
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
                if (stochastic && !BlankOutSynapse.Transmits(CounterRng.RowBits(keys[s], j), blank)) continue;
                acc += w[rowStart + i];
                events++;
            }
            _vIn[b * _v + j] = acc;
        }
        _synOps[b] += events;
    }

    /// <summary>eCD on the step's events of lane b: presynaptic (visible) spikes first, then postsynaptic (hidden) ones.
    /// A synapse that did not transmit an event does not learn from it; the bias-bias corner never learns.</summary>
    void Learn(int b, ulong counter, float[] w, byte[]? mask, float etaG)
    {
        int cols = _h, ov = b * _v, oh = b * _h;
        ulong blank = _s.BlankOut;
        bool stochastic = blank < (1UL << 32);
        var postTrace = _hTrace.AsSpan(oh, _h);
        for (int s = 0; s < _vCount[b]; s++)
        {
            int j = _vList[ov + s];
            ulong key = stochastic ? CounterRng.RowKey(Constants.Seed, CounterRng.StreamBlankOut, counter, S2mSchedule.ForwardKey, j) : 0;
            int end = j == _l.VisibleBias ? _l.Hidden : _h;
            var row = w.AsSpan(j * cols, _h);
            for (int i = 0; i < end; i++)
            {
                if (mask != null && mask[j * cols + i] == 0) continue;
                if (stochastic && !BlankOutSynapse.Transmits(CounterRng.RowBits(key, i), blank)) continue;
                row[i] += EcdRule.PreSpikeChange(etaG, postTrace[i]);
            }
        }
        for (int s = 0; s < _hCount[b]; s++)
        {
            int i = _hList[oh + s];
            ulong key = stochastic ? CounterRng.RowKey(Constants.Seed, CounterRng.StreamBlankOut, counter, S2mSchedule.BackwardKey, i) : 0;
            int end = i == _l.HiddenBias ? _l.Visible : _v;
            for (int j = 0; j < end; j++)
            {
                int k = j * cols + i;
                if (mask != null && mask[k] == 0) continue;
                if (stochastic && !BlankOutSynapse.Transmits(CounterRng.RowBits(key, j), blank)) continue;
                w[k] += EcdRule.PostSpikeChange(etaG, _vTrace[ov + j], _vFlag[ov + j]);
            }
        }
    }

    public override float[][] ReadState(int population)
    {
        return population == 0
            ? [_vI.AsSpan(0, _v).ToArray(), _vV.AsSpan(0, _v).ToArray(), _vTrace.AsSpan(0, _v).ToArray()]
            : [_hI.AsSpan(0, _h).ToArray(), _hV.AsSpan(0, _h).ToArray(), _hTrace.AsSpan(0, _h).ToArray()];
    }
}
