using Neuromorphic.Neurons;
using Neuromorphic.Plasticity;
using Neuromorphic.Simulator.Engine;

namespace Neuromorphic.Simulator.S2m;

/// <summary>
/// The native CPU driver of the S2M. One step, all lanes:
/// <list type="number">
/// <item>integrate visible units (clamped: encoder; free: LIF sampler; bias: every BiasPeriod steps) and hidden units, advancing traces (rows of
/// neurons eight at a time);</item>
/// <item>deliver: hidden units gather the visible spikes through W (rows), free visible units gather the hidden spikes through the transposed mirror
/// of W (rows too), each event blanked out per synapse; delivery reads the weights as they were at the start of the step;</item>
/// <item>the blank-out bits of a spike's row are drawn once per step, before delivery, and kept for learning (same keys, so the same bits as a draw
/// per use);</item>
/// <item>learn (g != 0): lane by lane, first the presynaptic (visible) spike updates, then the postsynaptic (hidden) ones, on transmitted synapses
/// only.</item>
/// </list>
/// <para>The transposed mirror (<see cref="TransposedMirror"/>): the network's W ([visible + 1][hidden + 1], row-major)
/// owns the values; the engine keeps W transposed beside it so that a hidden spike's synapses are a contiguous row as
/// well. Every update writes both (a visible spike's row into W, then its values into the mirror's column; a hidden
/// spike's row into the mirror, then back into W's column), so the two never disagree (<see cref="MirrorDisagreements"/>;
/// a test checks it after training). Whoever changes W from outside calls <see cref="PushWeights"/>, which rebuilds the mirror.</para>
/// <para>Inference runs lanes in parallel; training runs one time loop over all lanes (the ILGPU driver applies the
/// same order), or, with <see cref="BatchUpdateMode.PerSample"/>, each lane on its own copy of W and the mirror on
/// its own core, the lanes' changes summed after the batch in lane order.</para>
/// </summary>
public sealed class S2mCpuEngine : SimulationEngine
{
    readonly S2mSchedule _s;
    readonly S2mLayout _l;
    readonly int _v, _h;
    // [lane][unit] state; spiked is 1 or 0 (this step's spikes, read by the next step's trace advance and by learning).
    // The samplers' LIF state (nothing drives the dendrite of an S2M unit: it stays at rest); a visible encoder's dead
    // time is its refractory count.
    readonly LifStateArrays _vLif, _hLif;
    readonly float[] _vIn, _vTrace, _vSpiked, _hIn, _hTrace, _hSpiked;
    readonly int[] _vList, _hList, _vCount, _hCount, _labelCounts;
    // [lane] the clamped units whose encoder can spike (non-zero threshold), increasing: the others never spike
    // and, since every sample starts from rest, have no dead time to count down while clamped.
    readonly int[][] _active;
    readonly int[] _activeCount;
    readonly ulong[] _vThreshold;
    readonly long[] _synOps, _spikes;
    // [lane] this step's blank-out draws, one row per spike in spike-list order: forward (visible spike over the _h
    // hidden synapses) and backward (hidden spike over the _v visible ones). Per lane because inference runs
    // lanes in parallel; grown on demand.
    readonly uint[][] _forwardDraws, _backwardDraws;
    // W transposed, [hidden + 1][visible + 1], and the mask likewise; per-sample batches' lane copies.
    readonly TransposedMirror _mirror;
    readonly bool _fixedPointState;
    readonly int[][] _changed;
    // Fixed-point weights: the lane's presentation, part of its rounding draws' key.
    readonly long[] _presentation;

    public S2mCpuEngine(Network network, SimulationConfig config, int batchCapacity) : base(network, config, batchCapacity)
    {
        _s = new S2mSchedule(network, config);
        _l = _s.Layout;
        _v = _l.Rows; _h = _l.Columns;
        int b = batchCapacity;
        _vLif = new LifStateArrays(b * _v); _hLif = new LifStateArrays(b * _h);
        _vIn = new float[b * _v]; _vTrace = new float[b * _v]; _vSpiked = new float[b * _v];
        _hIn = new float[b * _h]; _hTrace = new float[b * _h]; _hSpiked = new float[b * _h];
        _vList = new int[b * _v]; _hList = new int[b * _h];
        _vCount = new int[b]; _hCount = new int[b]; _labelCounts = new int[b * _v];
        _active = new int[b][]; _activeCount = new int[b];
        _vThreshold = new ulong[b * _v];
        _synOps = new long[b]; _spikes = new long[b];
        _forwardDraws = new uint[b][]; _backwardDraws = new uint[b][];
        _changed = new int[b][];
        _presentation = new long[b];
        for (int k = 0; k < b; k++)
        {
            _forwardDraws[k] = []; _backwardDraws[k] = []; _active[k] = new int[_v]; _changed[k] = new int[Math.Max(_v, _h)];
        }
        _mirror = new TransposedMirror(_v, _h);
        _fixedPointState = _s.Sampler.StateBits != 0;
        PushWeights();
    }

    public override string BackendName => "cpu";
    public S2mSchedule Schedule => _s;

    /// <summary>Rebuilds the transposed mirror (and mask) from the network's W: call after changing W from outside.</summary>
    public override void PushWeights()
    {
        var proj = Network.Projections[0];
        _mirror.Rebuild(proj.Weights, proj.Mask);
    }

    /// <summary>Entries where the mirror is not exactly W transposed (bit for bit): 0 unless something changed W
    /// without <see cref="PushWeights"/>. For the tests.</summary>
    public int MirrorDisagreements() => _mirror.Disagreements(Network.Projections[0].Weights);

    public override BatchResult Run(BatchInput input, bool train, ISpikeRecorder? recorder = null)
    {
        int n = Lanes(input);
        int steps = _s.Steps(train);
        var w = Network.Projections[0].Weights;
        if (train && n > 1 && recorder == null && Config.BatchUpdate == BatchUpdateMode.PerSample)
            RunPerSample(input, n, steps);
        else if (train || recorder != null || n == 1)
        {
            for (int b = 0; b < n; b++) ResetLane(input, b, train);
            RunLanes(input, 0, n, steps, train, recorder, w, _mirror.Weights);
        }
        else
            LaneScheduler.Run(n, null, b => { ResetLane(input, b, false); RunLanes(input, b, b + 1, steps, false, null, w, _mirror.Weights); });
        if (train) DecayWeights(n);
        var result = new BatchResult(BatchCapacity, Network.Classes) { Count = n };
        for (int b = 0; b < n; b++)
        {
            Readout.LabelCounts(_labelCounts.AsSpan(b * _v, _v), _l, result.OutputCounts.AsSpan(b * _l.Classes, _l.Classes));
            result.SynOps += _synOps[b];
            result.Spikes += _spikes[b];
        }
        return result;
    }

    /// <summary>Each lane learns its whole sample on a private copy of W and the mirror, lanes on all cores; then
    /// W and the mirror += the lanes' changes summed in lane order (<see cref="TransposedMirror.MergeLanes"/>).</summary>
    void RunPerSample(BatchInput input, int n, int steps)
    {
        var w = Network.Projections[0].Weights;
        _mirror.EnsureLanes(n, BatchCapacity);
        LaneScheduler.Run(n, null, b =>
        {
            var (laneW, laneMirror) = _mirror.CopyToLane(w, b);
            ResetLane(input, b, true);
            RunLanes(input, b, b + 1, steps, true, null, laneW, laneMirror);
        });
        _mirror.MergeLanes(w, n, Network.Projections[0].WeightFormat);
    }

    /// <summary>The per-sample weight decay after <paramref name="n"/> training samples, on W and its mirror alike.</summary>
    void DecayWeights(int n)
    {
        float factor = Config.Ecd.DecayFactor(LearningRate, n);
        if (factor == 1f) return;
        EcdRule.Decay(Network.Projections[0].Weights, factor);
        EcdRule.Decay(_mirror.Weights, factor);
    }

    void ResetLane(BatchInput input, int b, bool train)
    {
        int ov = b * _v, oh = b * _h;
        foreach (var a in new[] { _vIn, _vTrace, _vSpiked }) a.AsSpan(ov, _v).Clear();
        foreach (var a in new[] { _hIn, _hTrace, _hSpiked }) a.AsSpan(oh, _h).Clear();
        _vLif.Rows(ov, _v).Clear(); _hLif.Rows(oh, _h).Clear(); _labelCounts.AsSpan(ov, _v).Clear();
        _vCount[b] = 0; _hCount[b] = 0; _synOps[b] = 0; _spikes[b] = 0;
        var thresholds = _vThreshold.AsSpan(ov, _v);
        FillThresholds(thresholds, input.Pixels.AsSpan(b * input.InputSize, input.InputSize), train ? input.Labels[b] : -1, _l,
            Constants.EncoderThresholds);
        int c = 0;
        for (int j = 0; j < _l.Visible; j++) if (thresholds[j] != 0) _active[b][c++] = j;
        _activeCount[b] = c;
    }

    /// <summary>Encoder threshold of every visible unit while clamped: the pixel's level, "label on" for the
    /// true class's label units (training only), 0 (silent) otherwise.</summary>
    public static void FillThresholds(Span<ulong> dst, ReadOnlySpan<byte> pixels, int label, S2mLayout l, ulong[] table)
    {
        dst.Clear();
        for (int j = 0; j < l.Pixels; j++) dst[j] = table[pixels[j]];
        if (label >= 0 && label < l.Classes)
            for (int u = 0; u < l.LabelUnits; u++) dst[l.LabelStart + label * l.LabelUnits + u] = table[InputEncoders.LabelEntry];
    }

    void RunLanes(BatchInput input, int lo, int hi, int steps, bool train, ISpikeRecorder? recorder, float[] w, float[] wt)
    {
        var mask = Network.Projections[0].Mask;
        int countFrom = _s.CountFrom(train);
        for (int step = 0; step < steps; step++)
        {
            var mode = _s.Mode(train, step);
            bool phaseStart = _s.PhaseStart(train, step), bias = _s.BiasSpikes(train, step), count = step >= countFrom;
            int g = _s.Modulation(train, step);
            // Full backward rows serve free visible units and learning; label-only delivery draws the label part.
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
                if (mode != VisibleMode.Clamped) DeliverToVisible(b, counter, wt, mode, backwardRows);
            }
            if (g != 0)
            {
                float eta = LearningRate, etaG = g > 0 ? eta : -eta;
                for (int b = lo; b < hi; b++) { _presentation[b] = input.Presentations[b]; Learn(b, step, w, wt, mask, etaG); }
            }
            if (recorder != null)
                for (int b = lo; b < hi; b++)
                {
                    recorder.OnSpikes(step, 0, b, _vList.AsSpan(b * _v, _vCount[b]));
                    recorder.OnSpikes(step, 1, b, _hList.AsSpan(b * _h, _hCount[b]));
                }
        }
    }

    /// <summary>Visible units of lane b: traces advance (restart at a phase start), then clamped units follow their
    /// encoder, free ones step as samplers, the bias unit spikes on schedule; the spike list is in increasing order.</summary>
    void IntegrateVisible(int b, ulong counter, VisibleMode mode, bool phaseStart, bool bias, bool count)
    {
        int o = b * _v, c = 0;
        var trace = _vTrace.AsSpan(o, _v);
        var spiked = _vSpiked.AsSpan(o, _v);
        if (phaseStart) trace.Clear(); else EcdRule.AdvanceTraces(trace, spiked, _s.TraceDecay, _s.Ecd.Nearest);
        // Last step's spikes, the only ones set.
        for (int s = 0; s < _vCount[b]; s++) spiked[_vList[o + s]] = 0f;
        var list = _vList.AsSpan(o, _v);
        if (mode != VisibleMode.Free)
        {
            // Encoders of the clamped units that can spike (all of them in the data phase, the pixels when classifying).
            ulong inputKey = CounterRng.StepKey(Constants.Seed, CounterRng.StreamInput, counter);
            int refrSteps = Constants.EncoderRefractorySteps, limit = mode == VisibleMode.Clamped ? _l.Visible : _l.LabelStart;
            var active = _active[b];
            for (int a = 0; a < _activeCount[b]; a++)
            {
                int j = active[a];
                if (j >= limit) break;
                if (InputEncoders.Step(ref _vLif.RefractoryStepsLeft[o + j], _vThreshold[o + j], inputKey, CounterRng.NeuronKey(0, j), refrSteps))
                    list[c++] = j;
            }
        }
        if (mode != VisibleMode.Clamped)
        {
            int first = mode == VisibleMode.Free ? 0 : _l.LabelStart;
            c += StepSamplers(o + first, _l.Visible - first, _vLif, _vIn, list.Slice(c), first, 0, counter);
        }
        if (bias) list[c++] = _l.VisibleBias;
        for (int s = 0; s < c; s++)
        {
            int j = list[s];
            spiked[j] = 1f;
            if (count) _labelCounts[o + j]++;
        }
        _vCount[b] = c;
        _spikes[b] += c;
    }

    void IntegrateHidden(int b, ulong counter, bool phaseStart, bool bias)
    {
        int o = b * _h;
        var trace = _hTrace.AsSpan(o, _h);
        var spiked = _hSpiked.AsSpan(o, _h);
        if (phaseStart) trace.Clear(); else EcdRule.AdvanceTraces(trace, spiked, _s.TraceDecay, _s.Ecd.Nearest);
        for (int s = 0; s < _hCount[b]; s++) spiked[_hList[o + s]] = 0f;
        var list = _hList.AsSpan(o, _h);
        int c = StepSamplers(o, _l.Hidden, _hLif, _hIn, list, 0, 1, counter);
        if (bias) list[c++] = _l.HiddenBias;
        for (int s = 0; s < c; s++) spiked[list[s]] = 1f;
        _hCount[b] = c;
        _spikes[b] += c;
    }

    /// <summary>n samplers from offset o: one LIF step each (inboxes consumed), spiking indices + <paramref name="index0"/>
    /// written to <paramref name="spikes"/> in increasing order. Float state:
    /// <see cref="TwoCompartmentLif.StepRow(LifStateRows, Span{float}, Span{float}, in LifCoefficients, Span{int}, bool)"/>
    /// (the dendrite is unused); with neural noise or fixed-point state: the scalar step. <paramref name="population"/> keys the noise (0 visible, 1
    /// hidden).</summary>
    int StepSamplers(int o, int n, LifStateArrays lif, float[] inbox, Span<int> spikes, int index0, int population, ulong counter)
    {
        var coef = _s.Sampler;
        int c;
        var rows = lif.Rows(o, n);
        if (!_fixedPointState && coef.NoiseThreshold == 0)
            c = TwoCompartmentLif.StepRow(rows, inbox.AsSpan(o, n), default, coef, spikes, dendrite: false);
        else
        {
            // Neural noise (the 2014 eCD machine) or fixed-point state: neuron by neuron, noise events keyed as in eRBP.
            c = 0;
            ulong noiseKey = CounterRng.StepKey(Constants.Seed, CounterRng.StreamNoise, counter);
            for (int k = 0; k < n; k++)
            {
                bool noise = coef.NoiseThreshold != 0
                    && CounterRng.Happens(CounterRng.BitsAt(noiseKey, CounterRng.NeuronKey(population, index0 + k)), coef.NoiseThreshold);
                var state = rows.Load(k);
                if (TwoCompartmentLif.StepSoma(ref state, inbox[o + k], noise, coef)) spikes[c++] = k;
                rows.Store(k, state);
                inbox[o + k] = 0f;
            }
        }
        if (index0 != 0) for (int s = 0; s < c; s++) spikes[s] += index0;
        return c;
    }

    /// <summary>Draws the blank-out bits of this step's spikes of lane b, a whole row per spike: forward rows always
    /// (delivery to the hidden units reads them), backward rows when <paramref name="backwardRows"/>. Row s holds
    /// the draws of <see cref="BlankOutSynapse.EventKey"/>(.., direction, pre_s), the bits the kernels' per-synapse test reads.</summary>
    void DrawBlankOut(int b, ulong counter, bool backwardRows)
    {
        if (!BlankOutSynapse.IsStochastic(_s.BlankOut)) return;
        DrawRows(ref _forwardDraws[b], counter, S2mSchedule.ForwardKey, _vList.AsSpan(b * _v, _vCount[b]), _h, _v);
        if (backwardRows) DrawRows(ref _backwardDraws[b], counter, S2mSchedule.BackwardKey, _hList.AsSpan(b * _h, _hCount[b]), _v, _h);
    }

    void DrawRows(ref uint[] store, ulong counter, int direction, ReadOnlySpan<int> spikes, int width, int maxSpikes)
    {
        int need = spikes.Length * width;
        if (store.Length < need) store = new uint[Math.Max(need, Math.Min(2 * store.Length, maxSpikes * width))];
        for (int s = 0; s < spikes.Length; s++)
            BlankOutSynapse.DrawRow(BlankOutSynapse.EventKey(Constants.Seed, counter, direction, spikes[s]), 0, store.AsSpan(s * width, width));
    }

    /// <summary>Forward: every hidden sampler (not the bias unit) sums the transmitted weights of the visible spikes, in spike order.</summary>
    void DeliverToHidden(int b, float[] w, byte[]? mask)
    {
        int n = _vCount[b], hs = _l.Hidden, cols = _h;
        if (n == 0) return;
        var inbox = _hIn.AsSpan(b * _h, hs);
        ulong blank = _s.BlankOut;
        bool stochastic = BlankOutSynapse.IsStochastic(blank);
        long events = 0;
        for (int s = 0; s < n; s++)
        {
            int j = _vList[b * _v + s];
            events += BlankOutSynapse.DeliverRow(w.AsSpan(j * cols, hs), inbox, stochastic ? _forwardDraws[b].AsSpan(s * cols, hs) : default,
                stochastic ? (uint)blank : 0u, stochastic, mask == null ? default : mask.AsSpan(j * cols, hs));
        }
        _synOps[b] += events;
    }

    /// <summary>Backward, through the mirror: every free visible unit (not the bias unit) gathers W[j, i] of the
    /// hidden spikes i, in spike order. <paramref name="backwardRows"/>: this step's backward rows were drawn (see
    /// <see cref="DrawBlankOut"/>); without them (label units only, no learning) the label part of each row is drawn here.</summary>
    void DeliverToVisible(int b, ulong counter, float[] wt, VisibleMode mode, bool backwardRows)
    {
        int n = _hCount[b], rows = _v;
        if (n == 0) return;
        ulong blank = _s.BlankOut;
        bool stochastic = BlankOutSynapse.IsStochastic(blank), drawn = stochastic && backwardRows;
        int first = mode == VisibleMode.Free ? 0 : _l.LabelStart, width = _l.Visible - first;
        var inbox = _vIn.AsSpan(b * _v + first, width);
        var maskT = _mirror.Mask;
        Span<uint> part = stochastic && !drawn ? (width <= 2048 ? stackalloc uint[width] : new uint[width]) : default;
        long events = 0;
        for (int s = 0; s < n; s++)
        {
            int i = _hList[b * _h + s];
            scoped ReadOnlySpan<uint> draws = default;
            if (drawn) draws = _backwardDraws[b].AsSpan(s * rows + first, width);
            else if (stochastic)
            {
                BlankOutSynapse.DrawRow(BlankOutSynapse.EventKey(Constants.Seed, counter, S2mSchedule.BackwardKey, i), first, part);
                draws = part;
            }
            events += BlankOutSynapse.DeliverRow(wt.AsSpan(i * rows + first, width), inbox, draws, stochastic ? (uint)blank : 0u, stochastic,
                maskT == null ? default : maskT.AsSpan(i * rows + first, width));
        }
        _synOps[b] += events;
    }

    /// <summary>eCD on the step's events of lane b: presynaptic (visible) spikes first, then postsynaptic (hidden) ones.
    /// A synapse that did not transmit an event does not learn from it (the bits drawn for delivery, both rows
    /// drawn this step); the bias-bias corner never learns. Each update is made in one copy as a row and the weights
    /// it changed are copied into the other's column, so W and the mirror stay equal and every weight sees its changes in the same order
    /// as with one matrix.</summary>
    void Learn(int b, int step, float[] w, float[] wt, byte[]? mask, float etaG)
    {
        int cols = _h, rows = _v, ov = b * _v, oh = b * _h;
        ulong blank = _s.BlankOut;
        bool stochastic = BlankOutSynapse.IsStochastic(blank);
        uint thr = stochastic ? (uint)blank : 0u;
        var postTrace = _hTrace.AsSpan(oh, _h);
        // Fixed-point weights: each row's rounding draws, keyed like its blank-out draws (direction, presynaptic unit).
        var format = Network.Projections[0].WeightFormat;
        bool quantized = format.HasValue;
        var grid = format?.Coefficients ?? default;
        ulong counter = quantized ? CounterRng.StepCounter(_presentation[b], step) : 0;
        // The positions an update changed: only those are copied into the other layout (most synapses either
        // did not transmit or pair with a partner whose trace is 0, and keep their bits).
        var changed = _changed[b];
        for (int s = 0; s < _vCount[b]; s++)
        {
            int j = _vList[ov + s];
            int end = j == _l.VisibleBias ? _l.Hidden : _h;
            var row = w.AsSpan(j * cols, end);
            int m = EcdRule.PreSpikeRow(row, postTrace.Slice(0, end), stochastic ? _forwardDraws[b].AsSpan(s * cols, end) : default, thr,
                stochastic, etaG, mask == null ? default : mask.AsSpan(j * cols, end), changed, quantized, grid,
                quantized ? WeightUpdate.RoundingKey(Constants.Seed, counter, S2mSchedule.ForwardKey, j) : 0, _s.Ecd);
            TransposedMirror.CopyIntoColumn(row, changed.AsSpan(0, m), wt, rows, j);
        }
        var preTrace = _vTrace.AsSpan(ov, _v);
        var maskT = _mirror.Mask;
        var preSpiked = _vSpiked.AsSpan(ov, _v);
        for (int s = 0; s < _hCount[b]; s++)
        {
            int i = _hList[oh + s];
            int end = i == _l.HiddenBias ? _l.Visible : _v;
            var row = wt.AsSpan(i * rows, end);
            int m = EcdRule.PostSpikeRow(row, preTrace.Slice(0, end), preSpiked.Slice(0, end),
                stochastic ? _backwardDraws[b].AsSpan(s * rows, end) : default, thr, stochastic, etaG,
                maskT == null ? default : maskT.AsSpan(i * rows, end), changed, quantized, grid,
                quantized ? WeightUpdate.RoundingKey(Constants.Seed, counter, S2mSchedule.BackwardKey, i) : 0, _s.Ecd);
            TransposedMirror.CopyIntoColumn(row, changed.AsSpan(0, m), w, cols, i);
        }
    }

    public override float[][] ReadState(int population)
    {
        return population == 0
            ? [_vLif.SynapticCurrentMv.AsSpan(0, _v).ToArray(), _vLif.SomaMv.AsSpan(0, _v).ToArray(), _vTrace.AsSpan(0, _v).ToArray()]
            : [_hLif.SynapticCurrentMv.AsSpan(0, _h).ToArray(), _hLif.SomaMv.AsSpan(0, _h).ToArray(), _hTrace.AsSpan(0, _h).ToArray()];
    }
}
