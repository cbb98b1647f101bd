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
        bool spike = threshold != 0 && DeviceSteps.IntegrateEncoder(refractory, index, threshold,
            CounterRng.StepKey(a.Seed, CounterRng.StreamInput, CounterRng.StepCounter(presentations[b], a.Step)),
            CounterRng.NeuronKey(a.Population, j), a.RefractorySteps);
        Flag(index, spike, flags, neuronSpikes);
    }

    /// <summary>Two-compartment LIF neurons, one thread per (lane, neuron), their state in <paramref name="lifFloats"/> and
    /// <paramref name="lifInts"/> (<see cref="LifStateView.Of(ArrayView{float}, ArrayView{int})"/>); <paramref name="bias"/>: the
    /// population's bias current per neuron, read when <see cref="LifArgs.HasBias"/> is 1.</summary>
    public static void IntegrateLif(Index1D index, LifArgs a, ArrayView<float> lifFloats, ArrayView<int> lifInts,
        ArrayView<float> inSoma, ArrayView<float> inDendrite, ArrayView<long> presentations,
        ArrayView<byte> flags, ArrayView<int> neuronSpikes, ArrayView<float> drive, ArrayView<float> bias)
    {
        int b = index / a.Size, i = index % a.Size;
        bool noise = DeviceSteps.NoiseEvent(a.Coefficients, a.Seed, CounterRng.StepCounter(presentations[b], a.Step), a.Population, i);
        float input = DeviceSteps.SomaInput(inSoma[index], bias, a.HasBias != 0 ? i : -1);
        bool spike = DeviceSteps.IntegrateLif(LifStateView.Of(lifFloats, lifInts), index, input, inDendrite[index], noise, a.Coefficients,
            out float cur);
        inSoma[index] = 0f; inDendrite[index] = 0f;
        if (a.IsOutput != 0) drive[index] += cur;
        Flag(index, spike, flags, neuronSpikes);
    }

    /// <summary>Error neurons, one thread per (lane, neuron).</summary>
    public static void IntegrateError(Index1D index, ErrorArgs a, ArrayView<float> potential, ArrayView<float> inSoma,
        ArrayView<byte> flags, ArrayView<int> neuronSpikes)
    {
        bool spike = DeviceSteps.IntegrateError(potential, index, inSoma[index], a.ThresholdMv, a.StateBits, a.StateStepMv);
        inSoma[index] = 0f;
        Flag(index, spike, flags, neuronSpikes);
    }

    /// <summary>Records neuron k's spike: its flag for <see cref="Compact"/> and its spike count.</summary>
    static void Flag(int k, bool spike, ArrayView<byte> flags, ArrayView<int> neuronSpikes)
    {
        flags[k] = spike ? (byte)1 : (byte)0;
        if (spike) neuronSpikes[k] += 1;
    }

    /// <summary>Turns a lane's spike flags into its spike list, in neuron order; one thread per lane.</summary>
    public static void Compact(Index1D lane, int size, ArrayView<byte> flags, ArrayView<int> list, ArrayView<int> counts)
        => counts[lane] = DeviceSteps.ListFlags(flags, list, lane * size, size);

    /// <summary>The projection of a launch as <see cref="DeviceSteps"/> sees it.</summary>
    static Synapses Projection(in DeliverArgs a)
        => Synapses.Rows(0, a.PostSize, a.HasMask != 0 ? 0 : Synapses.NoMask, a.Projection, a.Seed, a.BlankOutThreshold);

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
        ulong counter = CounterRng.StepCounter(presentations[b], a.Step);
        inbox[index] = DeviceSteps.Gather(inbox[index], Projection(a), weights, mask, counter, list, b * a.PreSize, n, i, out int events);
        if (a.Forward != 0 && events != 0) Atomic.Add(ref synOps[b], (long)events);
    }

    /// <summary>
    /// Delivery with eRBP learning: one thread per postsynaptic neuron i owns column i of the weights, and
    /// walks the lanes in order and each lane's spikes in order, updating W[j,i] by
    /// <see cref="ErbpRule.WeightChange(float, float, in ErbpConstants)"/> before transmitting it
    /// (<see cref="DeviceSteps.GatherLearn"/>). Race-free and deterministic. Launched only for a projection that
    /// learns at this step.
    /// </summary>
    public static void DeliverLearn(Index1D i, DeliverArgs a, ArrayView<float> weights, ArrayView<byte> mask,
        ArrayView<int> list, ArrayView<int> counts, ArrayView<float> inbox, ArrayView<float> current, ArrayView<float> dendrite,
        ArrayView<long> presentations, ArrayView<long> synOps)
    {
        var projection = Projection(a);
        for (int b = 0; b < a.Lanes; b++)
        {
            int n = counts[b];
            if (n == 0) continue;
            int k = b * a.PostSize + i;
            ulong counter = CounterRng.StepCounter(presentations[b], a.Step);
            inbox[k] = DeviceSteps.GatherLearn(inbox[k], projection, a.Rule, current[k], dendrite[k], weights, mask, counter, list,
                b * a.PreSize, n, i, out int events);
            if (a.Forward != 0 && events != 0) Atomic.Add(ref synOps[b], (long)events);
        }
    }
}
