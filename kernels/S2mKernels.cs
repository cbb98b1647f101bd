using ILGPU;
using ILGPU.Algorithms;
using Neuromorphic.Neurons;
using Neuromorphic.Plasticity;

namespace Neuromorphic.Kernels;

/// <summary>
/// ILGPU kernels of the synaptic sampling machine: the same step functions, random keys and orders as
/// S2mCpuEngine (src/Simulator/S2m). The visible-side bias unit is visible unit Rows-1, the hidden-side
/// one hidden unit Columns-1. Mode: 0 all visible units clamped (data phase), 1 all free (reconstruction),
/// 2 pixels clamped and labels free (classification). Blank-out keys: projection 0 for visible-to-hidden
/// events, 1 for hidden-to-visible events.
/// </summary>
public static class S2mKernels
{
    /// <summary>Visible units, one thread per (lane, unit): trace, then encoder, sampler or bias unit.</summary>
    public static void IntegrateVisible(Index1D index, S2mArgs a, ArrayView<float> current, ArrayView<float> potential,
        ArrayView<int> refractory, ArrayView<float> inbox, ArrayView<float> trace, ArrayView<byte> flags,
        ArrayView<ulong> thresholds, ArrayView<long> presentations, ArrayView<int> labelCounts, ArrayView<int> spikeCounts)
    {
        int b = index / a.Rows, j = index % a.Rows;
        trace[index] = a.PhaseStart != 0 ? 0f : EcdRule.AdvanceTrace(trace[index], flags[index] != 0, a.TraceDecay);
        bool spike;
        if (j == a.Rows - 1) spike = a.Bias != 0;
        else if (a.Mode == 0 || (a.Mode == 2 && j < a.LabelStart))
        {
            ulong t = thresholds[index];
            uint bits = 0;
            if (t != 0) bits = CounterRng.Bits(a.Seed, CounterRng.StreamInput, CounterRng.StepCounter(presentations[b], a.Step), CounterRng.NeuronKey(0, j));
            int refr = refractory[index];
            spike = InputEncoders.Step(ref refr, t, bits, a.EncoderRefractorySteps);
            refractory[index] = refr;
        }
        else
        {
            float cur = current[index], v = potential[index], u = 0f;
            int refr = refractory[index];
            bool noise = a.Sampler.NoiseThreshold != 0 &&
                CounterRng.Bits(a.Seed, CounterRng.StreamNoise, CounterRng.StepCounter(presentations[b], a.Step), CounterRng.NeuronKey(0, j)) < a.Sampler.NoiseThreshold;
            spike = TwoCompartmentLif.Step(ref cur, ref v, ref u, ref refr, inbox[index], 0f, noise, a.Sampler);
            current[index] = cur; potential[index] = v; refractory[index] = refr;
        }
        inbox[index] = 0f;
        flags[index] = spike ? (byte)1 : (byte)0;
        if (spike)
        {
            spikeCounts[index] += 1;
            if (a.Count != 0) labelCounts[index] += 1;
        }
    }

    /// <summary>Hidden units, one thread per (lane, unit).</summary>
    public static void IntegrateHidden(Index1D index, S2mArgs a, ArrayView<float> current, ArrayView<float> potential,
        ArrayView<int> refractory, ArrayView<float> inbox, ArrayView<float> trace, ArrayView<byte> flags, ArrayView<int> spikeCounts,
        ArrayView<long> presentations)
    {
        int b = index / a.Columns, i = index % a.Columns;
        trace[index] = a.PhaseStart != 0 ? 0f : EcdRule.AdvanceTrace(trace[index], flags[index] != 0, a.TraceDecay);
        bool spike;
        if (i == a.Columns - 1) spike = a.Bias != 0;
        else
        {
            float cur = current[index], v = potential[index], u = 0f;
            int refr = refractory[index];
            bool noise = a.Sampler.NoiseThreshold != 0 &&
                CounterRng.Bits(a.Seed, CounterRng.StreamNoise, CounterRng.StepCounter(presentations[b], a.Step), CounterRng.NeuronKey(1, i)) < a.Sampler.NoiseThreshold;
            spike = TwoCompartmentLif.Step(ref cur, ref v, ref u, ref refr, inbox[index], 0f, noise, a.Sampler);
            current[index] = cur; potential[index] = v; refractory[index] = refr;
        }
        inbox[index] = 0f;
        flags[index] = spike ? (byte)1 : (byte)0;
        if (spike) spikeCounts[index] += 1;
    }

    static bool Reaches(in S2mArgs a, ArrayView<byte> mask, ulong counter, int direction, int pre, int post, int w)
    {
        if (a.HasMask != 0 && mask[w] == 0) return false;
        return BlankOutSynapse.Receives(BlankOutSynapse.EventKey(a.Seed, counter, direction, pre), post, a.BlankOutThreshold);
    }

    /// <summary>Forward delivery, gather form: thread (lane, hidden i) sums row entries W[j, i] of the lane's visible spikes in list order.</summary>
    public static void DeliverToHidden(Index1D index, S2mArgs a, ArrayView<float> weights, ArrayView<byte> mask,
        ArrayView<int> list, ArrayView<int> counts, ArrayView<float> inbox, ArrayView<long> presentations, ArrayView<long> synOps)
    {
        int b = index / a.Columns, i = index % a.Columns;
        int n = counts[b];
        if (n == 0 || i == a.Columns - 1) return;
        ulong counter = CounterRng.StepCounter(presentations[b], a.Step);
        float acc = inbox[index];
        long events = 0;
        for (int s = 0; s < n; s++)
        {
            int j = list[b * a.Rows + s];
            int w = j * a.Columns + i;
            if (!Reaches(a, mask, counter, 0, j, i, w)) continue;
            acc += weights[w];
            events++;
        }
        inbox[index] = acc;
        if (events != 0) Atomic.Add(ref synOps[b], events);
    }

    /// <summary>Backward delivery through the same matrix: thread (lane, free visible j) sums W[j, i] over the lane's hidden spikes i.</summary>
    public static void DeliverToVisible(Index1D index, S2mArgs a, ArrayView<float> weights, ArrayView<byte> mask,
        ArrayView<int> list, ArrayView<int> counts, ArrayView<float> inbox, ArrayView<long> presentations, ArrayView<long> synOps)
    {
        int b = index / a.Rows, j = index % a.Rows;
        int n = counts[b];
        if (n == 0 || j == a.Rows - 1 || (a.Mode == 2 && j < a.LabelStart)) return;
        ulong counter = CounterRng.StepCounter(presentations[b], a.Step);
        float acc = inbox[index];
        long events = 0;
        for (int s = 0; s < n; s++)
        {
            int i = list[b * a.Columns + s];
            int w = j * a.Columns + i;
            if (!Reaches(a, mask, counter, 1, i, j, w)) continue;
            acc += weights[w];
            events++;
        }
        inbox[index] = acc;
        if (events != 0) Atomic.Add(ref synOps[b], events);
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
                if (!Reaches(a, mask, counter, 0, j, i, w)) continue;
                weights[w] = WeightUpdate.Apply(weights[w], EcdRule.PreSpikeChange(a.EtaG, post), a.Quantized != 0, a.WeightGrid, a.Seed, counter, 0, j, i);
            }
            if (hiddenFlags[b * a.Columns + i] == 0) continue;
            int end = biasColumn ? a.Rows - 1 : a.Rows;
            for (int j = 0; j < end; j++)
            {
                int w = j * a.Columns + i;
                if (!Reaches(a, mask, counter, 1, i, j, w)) continue;
                weights[w] = WeightUpdate.Apply(weights[w], EcdRule.PostSpikeChange(a.EtaG, visibleTrace[b * a.Rows + j], visibleFlags[b * a.Rows + j] != 0),
                    a.Quantized != 0, a.WeightGrid, a.Seed, counter, 1, i, j);
            }
        }
    }
}
