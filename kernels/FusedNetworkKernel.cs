using ILGPU;
using ILGPU.Runtime;
using Neuromorphic.Neurons;
using Neuromorphic.Plasticity;

namespace Neuromorphic.Kernels;

/// <summary>One population as the fused kernel sees it.</summary>
public struct FusedPopulation
{
    /// <summary>0 data, 1 label, 2 two-compartment LIF, 3 error neuron.</summary>
    public int Kind;
    public int Size;
    /// <summary>First neuron of this population within a lane's state.</summary>
    public int Offset;
    /// <summary>The population's index in the network: keys its random numbers, as on the CPU path.</summary>
    public int Index;
    public LifCoefficients Lif;
}

/// <summary>One projection as the fused kernel sees it (source and target index the fused population array).</summary>
public struct FusedProjection
{
    public int Source, Target;
    /// <summary>1: spikes add to the target's dendrite, 0: to its soma.</summary>
    public int Dendrite;
    /// <summary>Offset of the [pre][post] weights in the shared weight array (and, for a lane-private
    /// projection, in each lane's private block).</summary>
    public int WeightOffset;
    /// <summary>1: the lane learns on its private copy of these weights during the sample.</summary>
    public int Private;
    /// <summary>Offset of the pruning mask in the mask array, -1 for none.</summary>
    public int MaskOffset;
    public int Forward, Quantized;
    /// <summary>The projection's index in the network: keys its blank-out and rounding draws.</summary>
    public int Index;
    public float GateLow, GateHigh;
    public ulong BlankOutThreshold;
    public QuantCoefficients Grid;
}

/// <summary>Scalars of <see cref="FusedNetworkKernel.Run"/>.</summary>
public struct FusedNetworkArgs
{
    public int Populations, Projections, TotalNeurons, Steps, InputStride, EncoderRefractorySteps;
    /// <summary>Size of each state section (lanes x total neurons).</summary>
    public int Section;
    /// <summary>1 while training: label neurons fire and plastic projections learn (after the onset).</summary>
    public int Learn;
    public int OnsetSteps;
    /// <summary>Floats of one lane's private weight block.</summary>
    public int PrivateStride;
    public int StateBits;
    public float LearningRate, ErrorThresholdMv, StateStepMv;
    /// <summary>eRBP update kind (<see cref="UpdateKind"/>); 1: blank-out synapses learn on spikes they do not transmit.</summary>
    public int Update, LearnBlanked;
    public ulong Seed;
    /// <summary>Index of the prediction population, whose integrated synaptic current is kept (the readout's tie-break).</summary>
    public int OutputPopulation;
}

/// <summary>Scalars of <see cref="FusedNetworkKernel.CombineLanes"/>.</summary>
public struct CombineArgs
{
    public int Offset, Lanes, PrivateStride, Quantized;
    /// <summary>Round-to-nearest form of the projection's weight grid.</summary>
    public QuantCoefficients Grid;
}

/// <summary>
/// A whole network (data, label, LIF, error populations; soma and dendrite projections; eRBP learning,
/// blank-out, pruning masks, weight grids) for every step of a sample in one launch: one thread group
/// per lane, group barriers where the per-phase kernels have launch boundaries.
/// <para>Learning in one launch needs no step-by-step exchange between lanes: each lane learns on a private
/// copy of the plastic weights (<see cref="BroadcastWeights"/> fills it), and after the batch
/// <see cref="CombineLanes"/> adds the lanes' changes to the shared weights in lane order
/// (the per-sample batch update). With one lane this is exactly on-line learning.</para>
/// <para>The arithmetic is that of the native CPU path: the step functions of src/Neurons and the rule of
/// src/Plasticity, the same random keys, spike lists in ascending neuron order (a group-wide prefix sum
/// over contiguous chunks of neurons) and the gather sum in spike-list order; thread t owns the postsynaptic
/// neurons t, t + g, ... of every projection, so the column it learns on is its own.</para>
/// <para>State (float): sections current | soma | dendrite | soma inbox | dendrite inbox | drive (integrated
/// current of the prediction neurons). (int): refractory |
/// spike list | spikes per neuron. Each section is [lane][neuron].</para>
/// </summary>
public static class FusedNetworkKernel
{
    /// <summary>Threads per group (and the size of the scan buffer).</summary>
    public const int MaxGroupSize = 256;
    /// <summary>At most this many neurons per thread (a 64-bit mask remembers which spiked).</summary>
    public const int MaxChunk = 64;
    public const int MaxPopulations = 16;
    public const int FloatSections = 6, IntSections = 3;

    public static void Run(FusedNetworkArgs a, ArrayView<FusedPopulation> pops, ArrayView<FusedProjection> projs,
        ArrayView<float> weights, ArrayView<float> laneWeights, ArrayView<byte> masks,
        ArrayView<byte> pixels, ArrayView<int> labels, ArrayView<long> presentations, ArrayView<ulong> thresholds,
        ArrayView<float> f, ArrayView<int> n, ArrayView<long> synOps)
    {
        var scan = SharedMemory.Allocate<int>(MaxGroupSize);
        var counts = SharedMemory.Allocate<int>(MaxPopulations);
        int lane = Grid.IdxX, t = Group.IdxX, g = Group.DimX;
        int laneBase = lane * a.TotalNeurons;
        int cur = 0, soma = a.Section, dend = 2 * a.Section, inSoma = 3 * a.Section, inDend = 4 * a.Section, drive = 5 * a.Section;
        int refr = 0, list = a.Section, spikes = 2 * a.Section;
        long events = 0;
        long presentation = presentations[lane];
        int label = labels[lane];
        long privateBase = (long)lane * a.PrivateStride;

        for (int step = 0; step < a.Steps; step++)
        {
            ulong counter = CounterRng.StepCounter(presentation, step);
            ulong inputKey = CounterRng.StepKey(a.Seed, CounterRng.StreamInput, counter); // shared by the step's input draws
            for (int p = 0; p < a.Populations; p++)
            {
                var pop = pops[p];
                int size = pop.Size, off = laneBase + pop.Offset;
                int chunk = (size + g - 1) / g, start = t * chunk, end = start + chunk;
                if (end > size) end = size;
                ulong mask = 0;
                int c = 0;
                for (int i = start; i < end; i++)
                {
                    int k = off + i;
                    bool spike = false;
                    if (pop.Kind <= 1)
                    {
                        ulong threshold;
                        if (pop.Kind == 0) threshold = thresholds[(int)pixels[lane * a.InputStride + i]];
                        else threshold = a.Learn != 0 && label == i ? thresholds[InputEncoders.LabelEntry] : 0UL;
                        if (threshold != 0)
                        {
                            int r = n[refr + k];
                            spike = InputEncoders.Step(ref r, threshold, inputKey, CounterRng.NeuronKey(pop.Index, i), a.EncoderRefractorySteps);
                            n[refr + k] = r;
                        }
                    }
                    else if (pop.Kind == 2)
                    {
                        bool noise = pop.Lif.NoiseThreshold != 0 &&
                            CounterRng.Bits(a.Seed, CounterRng.StreamNoise, counter, CounterRng.NeuronKey(pop.Index, i)) < pop.Lif.NoiseThreshold;
                        float ci = f[cur + k], vi = f[soma + k], ui = f[dend + k];
                        int r = n[refr + k];
                        spike = TwoCompartmentLif.Step(ref ci, ref vi, ref ui, ref r, f[inSoma + k], f[inDend + k], noise, pop.Lif);
                        f[cur + k] = ci; f[soma + k] = vi; f[dend + k] = ui; n[refr + k] = r;
                        f[inSoma + k] = 0f; f[inDend + k] = 0f;
                        if (pop.Index == a.OutputPopulation) f[drive + k] += ci;
                    }
                    else
                    {
                        float e = f[soma + k];
                        spike = ErrorNeuron.Step(ref e, f[inSoma + k], a.ErrorThresholdMv, a.StateBits, a.StateStepMv);
                        f[soma + k] = e;
                        f[inSoma + k] = 0f;
                    }
                    if (spike) { mask |= 1UL << (i - start); c++; n[spikes + k] += 1; }
                }
                int through = ListSpikes(scan, n, list + off, t, g, c, start, end, mask);
                if (t == g - 1) counts[p] = through;
                Group.Barrier();
            }
            // Deliver (and learn), projections in network order, gather form, spikes in list order.
            for (int q = 0; q < a.Projections; q++)
            {
                var proj = projs[q];
                int spikeCount = counts[proj.Source];
                if (spikeCount == 0) continue;
                int pre = laneBase + pops[proj.Source].Offset, post = pops[proj.Target].Size, postOff = laneBase + pops[proj.Target].Offset;
                int inbox = proj.Dendrite != 0 ? inDend : inSoma;
                bool learn = a.Learn != 0 && proj.Private != 0 && step >= a.OnsetSteps;
                var w = proj.Private != 0 ? laneWeights : weights;
                long w0 = proj.Private != 0 ? privateBase + proj.WeightOffset : proj.WeightOffset;
                for (int i = t; i < post; i += g)
                {
                    int k = postOff + i;
                    float acc = f[inbox + k], ci = f[cur + k], ui = f[dend + k];
                    int reached = 0;
                    for (int s = 0; s < spikeCount; s++)
                    {
                        int j = n[list + pre + s];
                        int widx = j * post + i;
                        if (proj.MaskOffset >= 0 && masks[proj.MaskOffset + widx] == 0) continue;
                        bool transmits = BlankOutSynapse.Receives(BlankOutSynapse.EventKey(a.Seed, counter, proj.Index, j), i, proj.BlankOutThreshold);
                        if (!transmits && (a.LearnBlanked == 0 || !learn)) continue;
                        float wt = w[w0 + widx];
                        if (learn)
                        {
                            wt = WeightUpdate.Apply(wt, ErbpRule.WeightChange(ci, ui, a.LearningRate, proj.GateLow, proj.GateHigh, a.Update),
                                proj.Quantized != 0, proj.Grid, a.Seed, counter, proj.Index, j, i);
                            w[w0 + widx] = wt;
                        }
                        if (!transmits) continue;
                        acc += wt;
                        reached++;
                    }
                    f[inbox + k] = acc;
                    if (proj.Forward != 0) events += reached;
                }
            }
            Group.Barrier();
        }
        if (events != 0) Atomic.Add(ref synOps[lane], events);
    }

    /// <summary>
    /// A population's spike list, built by the whole group: an inclusive prefix sum (Hillis-Steele, in shared
    /// memory) of the per-thread spike counts <paramref name="count"/> gives each thread its offset, and it writes
    /// the neurons of its chunk [start, end) whose bit is set in <paramref name="spiked"/> from
    /// <paramref name="listBase"/> + offset on: the list comes out in ascending neuron order, as on the CPU.
    /// Returns the count of spikes up to and including this thread's chunk (the total, in the last thread).
    /// </summary>
    public static int ListSpikes(ArrayView<int> scan, ArrayView<int> ints, int listBase, int t, int g, int count, int start, int end, ulong spiked)
    {
        scan[t] = count;
        Group.Barrier();
        for (int d = 1; d < g; d <<= 1)
        {
            int add = t >= d ? scan[t - d] : 0;
            Group.Barrier();
            scan[t] += add;
            Group.Barrier();
        }
        int through = scan[t];
        int o = listBase + through - count;
        for (int i = start; i < end; i++)
            if ((spiked & (1UL << (i - start))) != 0) { ints[o] = i; o++; }
        return through;
    }

    /// <summary>Fills every lane's private block with the shared weights: laneWeights[b][k] = weights[k].</summary>
    public static void BroadcastWeights(Index1D index, int privateStride, ArrayView<float> weights, ArrayView<float> laneWeights)
        => laneWeights[index] = weights[index % privateStride];

    /// <summary>
    /// The per-sample batch update of one projection, one thread per weight: W += sum over lanes b, in lane
    /// order, of (W_b - W); on a weight grid the sum is rounded to the nearest grid point (saturating).
    /// With one lane W = W_0, exactly the lane's on-line result.
    /// </summary>
    public static void CombineLanes(Index1D k, CombineArgs a, ArrayView<float> weights, ArrayView<float> laneWeights)
    {
        int w = a.Offset + k;
        if (a.Lanes == 1) { weights[w] = laneWeights[w]; return; }
        float shared = weights[w], sum = 0f;
        for (int b = 0; b < a.Lanes; b++) sum = BatchUpdate.Accumulate(sum, laneWeights[(long)b * a.PrivateStride + w], shared);
        weights[w] = BatchUpdate.Apply(shared, sum, a.Quantized != 0, a.Grid);
    }
}
