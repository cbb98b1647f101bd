using ILGPU;
using ILGPU.Algorithms;
using Neuromorphic.Neurons;
using Neuromorphic.Plasticity;

namespace Neuromorphic.Kernels;

/// <summary>
/// ILGPU kernels of the synaptic sampling machine: the same step functions, random keys and orders as
/// S2mCpuEngine (src/Simulator/S2m), made of the device steps of <see cref="DeviceSteps"/>. The visible-side bias
/// unit is visible unit Rows-1, the hidden-side one hidden unit Columns-1. <see cref="S2mArgs.Mode"/>: one of
/// <see cref="ModeClamped"/>, <see cref="ModeFree"/>, <see cref="ModeClassify"/>. Blank-out keys: projection
/// <see cref="VisibleToHidden"/> for visible-to-hidden events, <see cref="HiddenToVisible"/> for hidden-to-visible events.
/// </summary>
public static class S2mKernels
{
    /// <summary>Visible modes: all visible units clamped (data phase), all free (reconstruction), pixels clamped and
    /// labels free (classification). The values of the simulator's <c>VisibleMode</c>.</summary>
    public const int ModeClamped = 0, ModeFree = 1, ModeClassify = 2;

    /// <summary>The two directions through the one matrix, as projection indices of the blank-out and rounding keys.</summary>
    public const int VisibleToHidden = 0, HiddenToVisible = 1;

    /// <summary>The two layers, as population indices of the input and noise keys.</summary>
    public const int VisibleLayer = 0, HiddenLayer = 1;

    /// <summary>Visible units, one thread per (lane, unit): trace, then encoder, sampler or bias unit.</summary>
    public static void IntegrateVisible(Index1D index, S2mArgs a, ArrayView<float> lifFloats, ArrayView<int> lifInts, ArrayView<float> inbox,
        ArrayView<float> trace, ArrayView<byte> flags, ArrayView<ulong> thresholds, ArrayView<long> presentations, ArrayView<int> labelCounts,
        ArrayView<int> spikeCounts)
    {
        int b = index / a.Rows, j = index % a.Rows;
        var state = LifStateView.Of(lifFloats, lifInts);
        trace[index] = a.PhaseStart != 0 ? 0f : EcdRule.AdvanceTrace(trace[index], flags[index] != 0, a.TraceDecay, a.Ecd.Nearest);
        ulong counter = CounterRng.StepCounter(presentations[b], a.Step);
        bool spike;
        if (j == a.Rows - 1) spike = a.Bias != 0;
        else if (a.Mode == ModeClamped || (a.Mode == ModeClassify && j < a.LabelStart))
            spike = DeviceSteps.IntegrateEncoder(state.RefractoryStepsLeft, index, thresholds[index],
                CounterRng.StepKey(a.Seed, CounterRng.StreamInput, counter),
                CounterRng.NeuronKey(VisibleLayer, j), a.EncoderRefractorySteps);
        else spike = Sample(a, state, inbox, index, counter, VisibleLayer, j);
        inbox[index] = 0f;
        flags[index] = spike ? (byte)1 : (byte)0;
        if (spike)
        {
            spikeCounts[index] += 1;
            if (a.Count != 0) labelCounts[index] += 1;
        }
    }

    /// <summary>Hidden units, one thread per (lane, unit).</summary>
    public static void IntegrateHidden(Index1D index, S2mArgs a, ArrayView<float> lifFloats, ArrayView<int> lifInts, ArrayView<float> inbox,
        ArrayView<float> trace, ArrayView<byte> flags, ArrayView<int> spikeCounts, ArrayView<long> presentations)
    {
        int b = index / a.Columns, i = index % a.Columns;
        trace[index] = a.PhaseStart != 0 ? 0f : EcdRule.AdvanceTrace(trace[index], flags[index] != 0, a.TraceDecay, a.Ecd.Nearest);
        bool spike = i == a.Columns - 1 ? a.Bias != 0
            : Sample(a, LifStateView.Of(lifFloats, lifInts), inbox, index, CounterRng.StepCounter(presentations[b], a.Step), HiddenLayer, i);
        inbox[index] = 0f;
        flags[index] = spike ? (byte)1 : (byte)0;
        if (spike) spikeCounts[index] += 1;
    }

    /// <summary>A free unit k (unit <paramref name="unit"/> of <paramref name="layer"/>, <see cref="VisibleLayer"/> or <see cref="HiddenLayer"/>)
    /// as a noisy one-compartment LIF sampler driven by its inbox.</summary>
    static bool Sample(in S2mArgs a, in LifStateView state, ArrayView<float> inbox, int k, ulong counter, int layer, int unit)
        => DeviceSteps.IntegrateSampler(state, k, inbox[k],
            DeviceSteps.NoiseEvent(a.Sampler, a.Seed, counter, layer, unit), a.Sampler);

    /// <summary>The matrix in one direction as <see cref="DeviceSteps"/> sees it: visible-to-hidden events walk rows
    /// (pre j, post i: weight j * Columns + i), hidden-to-visible events walk columns (pre i, post j: the same weight).</summary>
    static Synapses Direction(in S2mArgs a, int direction) => new()
    {
        PreStride = direction == VisibleToHidden ? a.Columns : 1, PostStride = direction == VisibleToHidden ? 1 : a.Columns,
        MaskOffset = a.HasMask != 0 ? 0 : Synapses.NoMask, Projection = direction, Seed = a.Seed, BlankOutThreshold = a.BlankOutThreshold,
    };

    /// <summary>Forward delivery, gather form: thread (lane, hidden i) sums row entries W[j, i] of the lane's visible spikes in list order.</summary>
    public static void DeliverToHidden(Index1D index, S2mArgs a, ArrayView<float> weights, ArrayView<byte> mask,
        ArrayView<int> list, ArrayView<int> counts, ArrayView<float> inbox, ArrayView<long> presentations, ArrayView<long> synOps)
    {
        int b = index / a.Columns, i = index % a.Columns;
        if (i == a.Columns - 1) return;
        Deliver(a, VisibleToHidden, weights, mask, list, counts, inbox, presentations, synOps, index, b, a.Rows, i);
    }

    /// <summary>Backward delivery through the same matrix: thread (lane, free visible j) sums W[j, i] over the lane's hidden spikes i.</summary>
    public static void DeliverToVisible(Index1D index, S2mArgs a, ArrayView<float> weights, ArrayView<byte> mask,
        ArrayView<int> list, ArrayView<int> counts, ArrayView<float> inbox, ArrayView<long> presentations, ArrayView<long> synOps)
    {
        int b = index / a.Rows, j = index % a.Rows;
        if (j == a.Rows - 1 || (a.Mode == ModeClassify && j < a.LabelStart)) return;
        Deliver(a, HiddenToVisible, weights, mask, list, counts, inbox, presentations, synOps, index, b, a.Columns, j);
    }

    /// <summary>One direction's delivery to unit <paramref name="post"/> of lane <paramref name="b"/> (inbox entry k), whose
    /// presynaptic layer has <paramref name="preSize"/> units: the two directions differ only in index order.</summary>
    static void Deliver(in S2mArgs a, int direction, ArrayView<float> weights, ArrayView<byte> mask, ArrayView<int> list, ArrayView<int> counts,
        ArrayView<float> inbox, ArrayView<long> presentations, ArrayView<long> synOps, int k, int b, int preSize, int post)
    {
        int n = counts[b];
        if (n == 0) return;
        ulong counter = CounterRng.StepCounter(presentations[b], a.Step);
        inbox[k] = DeviceSteps.Gather(inbox[k], Direction(a, direction), weights, mask, counter, list, b * preSize, n, post, out int events);
        if (events != 0) Atomic.Add(ref synOps[b], (long)events);
    }

    /// <summary>
    /// eCD, one thread per hidden unit i owning column i of W: lane by lane, the presynaptic updates of the
    /// lane's visible spikes (list order), then the postsynaptic update of i if it spiked. The same order per
    /// weight as the CPU driver's row-then-column passes, so the result is bit-identical.
    /// </summary>
    public static void Learn(Index1D i, S2mArgs a, ArrayView<float> weights, ArrayView<byte> mask,
        ArrayView<int> visibleList, ArrayView<int> visibleCounts, ArrayView<byte> visibleFlags, ArrayView<float> visibleTrace,
        ArrayView<byte> hiddenFlags, ArrayView<float> hiddenTrace, ArrayView<long> presentations)
    {
        bool biasColumn = i == a.Columns - 1;
        var rows = Direction(a, VisibleToHidden);
        var columns = Direction(a, HiddenToVisible);
        for (int b = 0; b < a.Lanes; b++)
        {
            ulong counter = CounterRng.StepCounter(presentations[b], a.Step);
            float post = hiddenTrace[b * a.Columns + i];
            int n = visibleCounts[b];
            for (int s = 0; s < n; s++)
            {
                int j = visibleList[b * a.Rows + s];
                if (biasColumn && j == a.Rows - 1) continue;
                int w = j * a.Columns + i;
                if (!DeviceSteps.Reaches(rows, mask, counter, j, i, w)) continue;
                float before = weights[w];
                float after = WeightUpdate.Apply(before, EcdRule.PreSpikeChange(a.EtaG, post), a.Quantized != 0, a.WeightGrid, a.Seed, counter,
                    VisibleToHidden, j, i);
                weights[w] = EcdRule.Cap(before, after, a.Ecd.WeightMaxMv);
            }
            if (hiddenFlags[b * a.Columns + i] == 0) continue;
            int end = biasColumn ? a.Rows - 1 : a.Rows;
            for (int j = 0; j < end; j++)
            {
                int w = j * a.Columns + i;
                if (!DeviceSteps.Reaches(columns, mask, counter, i, j, w)) continue;
                float before = weights[w];
                float change = EcdRule.PostSpikeChange(a.EtaG, visibleTrace[b * a.Rows + j], visibleFlags[b * a.Rows + j] != 0, a.Ecd.Nearest);
                float after = WeightUpdate.Apply(before, change, a.Quantized != 0, a.WeightGrid, a.Seed, counter, HiddenToVisible, i, j);
                weights[w] = EcdRule.Cap(before, after, a.Ecd.WeightMaxMv);
            }
        }
    }

    /// <summary>The per-sample weight decay: every weight times <paramref name="factor"/> (<see cref="EcdParameters.DecayFactor"/>).</summary>
    public static void Decay(Index1D index, ArrayView<float> weights, float factor) => weights[index] = EcdRule.Decayed(weights[index], factor);
}
