using ILGPU;
using ILGPU.Algorithms;
using Neuromorphic.Neurons;
using Neuromorphic.Plasticity;

namespace Neuromorphic.Kernels;

/// <summary>
/// ILGPU kernels, one per phase of a step (integrate, compact spikes, deliver/learn). They hold no
/// mathematics of their own: each calls the step functions of src/Neurons and src/Plasticity that the
/// native CPU path calls, with the same counter-based random draws, in the same order per neuron.
/// Layout: state arrays are [lane][neuron]; weights [pre][post].
/// </summary>
public static class StepKernels
{
    /// <summary>Data or label neurons, one thread per (lane, neuron).</summary>
    public static void IntegrateInput(Index1D index, InputArgs a, ArrayView<byte> pixels, ArrayView<int> labels,
        ArrayView<long> presentations, ArrayView<ulong> thresholds, ArrayView<int> refractory, ArrayView<byte> flags, ArrayView<int> neuronSpikes)
    {
        int b = index / a.Size, j = index % a.Size;
        ulong threshold;
        if (a.IsLabel != 0) threshold = a.Learn != 0 && labels[b] == j ? thresholds[InputEncoders.LabelEntry] : 0UL;
        else threshold = thresholds[(int)pixels[b * a.InputStride + j]];
        byte spiked = 0;
        if (threshold != 0)
        {
            ulong counter = CounterRng.StepCounter(presentations[b], a.Step);
            uint bits = CounterRng.Bits(a.Seed, CounterRng.StreamInput, counter, CounterRng.NeuronKey(a.Population, j));
            int refr = refractory[index];
            if (InputEncoders.Step(ref refr, threshold, bits, a.RefractorySteps)) { spiked = 1; neuronSpikes[index] += 1; }
            refractory[index] = refr;
        }
        flags[index] = spiked;
    }

    /// <summary>Two-compartment LIF neurons, one thread per (lane, neuron).</summary>
    public static void IntegrateLif(Index1D index, LifArgs a, ArrayView<float> current, ArrayView<float> soma, ArrayView<float> dendrite,
        ArrayView<int> refractory, ArrayView<float> inSoma, ArrayView<float> inDendrite, ArrayView<long> presentations,
        ArrayView<byte> flags, ArrayView<int> neuronSpikes, ArrayView<float> drive)
    {
        int b = index / a.Size, i = index % a.Size;
        bool noise = false;
        if (a.Coefficients.NoiseThreshold != 0)
        {
            ulong counter = CounterRng.StepCounter(presentations[b], a.Step);
            noise = CounterRng.Bits(a.Seed, CounterRng.StreamNoise, counter, CounterRng.NeuronKey(a.Population, i)) < a.Coefficients.NoiseThreshold;
        }
        float cur = current[index], v = soma[index], u = dendrite[index];
        int refr = refractory[index];
        bool spike = TwoCompartmentLif.Step(ref cur, ref v, ref u, ref refr, inSoma[index], inDendrite[index], noise, a.Coefficients);
        current[index] = cur; soma[index] = v; dendrite[index] = u; refractory[index] = refr;
        inSoma[index] = 0f; inDendrite[index] = 0f;
        if (a.IsOutput != 0) drive[index] += cur;
        flags[index] = spike ? (byte)1 : (byte)0;
        if (spike) neuronSpikes[index] += 1;
    }

    /// <summary>Error neurons, one thread per (lane, neuron).</summary>
    public static void IntegrateError(Index1D index, ErrorArgs a, ArrayView<float> potential, ArrayView<float> inSoma,
        ArrayView<byte> flags, ArrayView<int> neuronSpikes)
    {
        float e = potential[index];
        bool spike = ErrorNeuron.Step(ref e, inSoma[index], a.ThresholdMv, a.StateBits, a.StateStepMv);
        potential[index] = e;
        inSoma[index] = 0f;
        flags[index] = spike ? (byte)1 : (byte)0;
        if (spike) neuronSpikes[index] += 1;
    }

    /// <summary>Turns a lane's spike flags into its spike list, in neuron order; one thread per lane.</summary>
    public static void Compact(Index1D lane, int size, ArrayView<byte> flags, ArrayView<int> list, ArrayView<int> counts)
    {
        int o = lane * size, c = 0;
        for (int i = 0; i < size; i++)
            if (flags[o + i] != 0) { list[o + c] = i; c++; }
        counts[lane] = c;
    }

    /// <summary>Whether presynaptic event j reaches synapse j -&gt; i (weight index w): not pruned, and transmitted
    /// by the blank-out draw of the same key the CPU path uses.</summary>
    static bool Reaches(in DeliverArgs a, ArrayView<byte> mask, ulong counter, int j, int i, int w)
    {
        if (a.HasMask != 0 && mask[w] == 0) return false;
        return Transmits(a, counter, j, i);
    }

    /// <summary>Whether the blank-out draw lets event j through to synapse j -&gt; i (always, without blank-out).</summary>
    static bool Transmits(in DeliverArgs a, ulong counter, int j, int i)
        => BlankOutSynapse.Receives(BlankOutSynapse.EventKey(a.Seed, counter, a.Projection, j), i, a.BlankOutThreshold);

    /// <summary>
    /// Delivery without learning, gather form: one thread per (lane, postsynaptic neuron) sums the weights
    /// of the lane's spikes in spike-list order (no atomics; the same sum in the same order as the CPU).
    /// </summary>
    public static void Deliver(Index1D index, DeliverArgs a, ArrayView<float> weights, ArrayView<byte> mask,
        ArrayView<int> list, ArrayView<int> counts, ArrayView<float> inbox, ArrayView<long> presentations, ArrayView<long> synOps)
    {
        int b = index / a.PostSize, i = index % a.PostSize;
        int n = counts[b];
        if (n == 0) return;
        float acc = inbox[index];
        long events = 0;
        ulong counter = CounterRng.StepCounter(presentations[b], a.Step);
        for (int s = 0; s < n; s++)
        {
            int j = list[b * a.PreSize + s];
            int w = j * a.PostSize + i;
            if (!Reaches(a, mask, counter, j, i, w)) continue;
            acc += weights[w];
            events++;
        }
        inbox[index] = acc;
        if (a.Forward != 0 && events != 0) Atomic.Add(ref synOps[b], events);
    }

    /// <summary>
    /// Delivery with eRBP learning: one thread per postsynaptic neuron i owns column i of the weights, and
    /// walks the lanes in order and each lane's spikes in order, updating W[j,i] by
    /// <see cref="ErbpRule.WeightChange(float, float, float, float, float, int)"/> before transmitting it. Race-free and deterministic.
    /// </summary>
    public static void DeliverLearn(Index1D i, DeliverArgs a, ArrayView<float> weights, ArrayView<byte> mask,
        ArrayView<int> list, ArrayView<int> counts, ArrayView<float> inbox, ArrayView<float> current, ArrayView<float> dendrite,
        ArrayView<long> presentations, ArrayView<long> synOps)
    {
        for (int b = 0; b < a.Lanes; b++)
        {
            int n = counts[b];
            if (n == 0) continue;
            int k = b * a.PostSize + i;
            float acc = inbox[k], cur = current[k], u = dendrite[k];
            long events = 0;
            ulong counter = CounterRng.StepCounter(presentations[b], a.Step);
            for (int s = 0; s < n; s++)
            {
                int j = list[b * a.PreSize + s];
                int w = j * a.PostSize + i;
                if (a.HasMask != 0 && mask[w] == 0) continue;
                bool transmits = Transmits(a, counter, j, i);
                if (!transmits && a.LearnBlanked == 0) continue;
                float wt = weights[w];
                if (a.Learn != 0)
                {
                    wt = WeightUpdate.Apply(wt, ErbpRule.WeightChange(cur, u, a.LearningRate, a.GateLow, a.GateHigh, a.Update),
                        a.Quantized != 0, a.WeightGrid, a.Seed, counter, a.Projection, j, i);
                    weights[w] = wt;
                }
                if (!transmits) continue;
                acc += wt;
                events++;
            }
            inbox[k] = acc;
            if (a.Forward != 0 && events != 0) Atomic.Add(ref synOps[b], events);
        }
    }
}
