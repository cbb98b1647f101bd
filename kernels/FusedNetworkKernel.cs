using ILGPU;
using ILGPU.Runtime;
using Neuromorphic.Neurons;
using Neuromorphic.Plasticity;

namespace Neuromorphic.Kernels;

/// <summary>One population as the fused kernel sees it.</summary>
public struct FusedPopulation
{
    /// <summary><see cref="KindData"/>, <see cref="KindLabel"/>, <see cref="KindLif"/> or <see cref="KindError"/>.</summary>
    public int Kind;
    public int Size;
    /// <summary>First neuron of this population within a lane's state.</summary>
    public int Offset;
    /// <summary>The population's index in the network: keys its random numbers, as on the CPU path.</summary>
    public int Index;
    public LifCoefficients Lif;
    /// <summary>First neuron's bias current in the kernel's bias array; <see cref="NoBias"/> for none.</summary>
    public int BiasOffset;

    public const int NoBias = -1;

    /// <summary>Values of <see cref="Kind"/>: data neurons (encoders of the pixels), label neurons (encoder of the
    /// true class while learning), two-compartment LIF neurons, error neurons.</summary>
    public const int KindData = 0, KindLabel = 1, KindLif = 2, KindError = 3;
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
    /// <summary>Offset of the pruning mask in the mask array, <see cref="Synapses.NoMask"/> for none.</summary>
    public int MaskOffset;
    public int Forward;
    /// <summary>The projection's index in the network: keys its blank-out and rounding draws.</summary>
    public int Index;
    public ulong BlankOutThreshold;
    /// <summary>The projection's eRBP constants at the batch's learning rate (read where it learns).</summary>
    public ErbpConstants Rule;
}

/// <summary>Scalars of <see cref="FusedNetworkKernel.Run"/>.</summary>
public struct FusedNetworkArgs
{
    public int Populations, Projections, TotalNeurons, Steps, InputStride, EncoderRefractorySteps;
    /// <summary>Size of each state section (lanes x total neurons).</summary>
    public int Section;
    /// <summary>1 while training: label neurons fire and plastic projections learn (after the onset). 0: inference
    /// (the engine then passes the populations and projections outside the error path only).</summary>
    public int Learn;
    public int OnsetSteps;
    /// <summary>Floats of one lane's private weight block.</summary>
    public int PrivateStride;
    public int StateBits;
    public float ErrorThresholdMv, StateStepMv;
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
/// blank-out, pruning masks, weight grids, bias currents) for every step of a sample in one launch: one thread group
/// per lane, group barriers where the per-phase kernels have launch boundaries.
/// <para>Learning in one launch needs no step-by-step exchange between lanes: each lane learns on a private
/// copy of the plastic weights (<see cref="BroadcastWeights"/> fills it), and after the batch
/// <see cref="CombineLanes"/> adds the lanes' changes to the shared weights in lane order
/// (the per-sample batch update). With one lane this is exactly on-line learning.</para>
/// <para>The arithmetic is that of the native CPU path: the step functions of src/Neurons and the rule of
/// src/Plasticity, the same random keys, spike lists in ascending neuron order (a group-wide prefix sum
/// over contiguous chunks of neurons) and the gather sum in spike-list order; thread t owns the postsynaptic
/// neurons t, t + g, ... of every projection, so the column it learns on is its own.</para>
/// <para>State: the sections of <see cref="FusedState"/>.</para>
/// </summary>
public static class FusedNetworkKernel
{
    /// <summary>Threads per group (and the size of the scan buffer).</summary>
    public const int MaxGroupSize = 256;
    /// <summary>Threads per group where every population fits them: 62 registers a thread hold a multiprocessor to
    /// four groups of 256, and more lanes of fewer threads ran faster on an H200 (training 1.36x, inference 1.31x
    /// against 256; docs/performance.md).</summary>
    public const int PreferredGroupSize = 128;
    /// <summary>At most this many neurons per thread (<see cref="Chunk.MaxNeurons"/>).</summary>
    public const int MaxChunk = Chunk.MaxNeurons;
    public const int MaxPopulations = 16;

    public static void Run(FusedNetworkArgs a, ArrayView<FusedPopulation> pops, ArrayView<FusedProjection> projs,
        ArrayView<float> weights, ArrayView<float> laneWeights, ArrayView<byte> masks,
        ArrayView<byte> pixels, ArrayView<int> labels, ArrayView<long> presentations, ArrayView<ulong> thresholds,
        ArrayView<float> f, ArrayView<int> n, ArrayView<long> synOps, ArrayView<float> biases)
    {
        var scan = SharedMemory.Allocate<int>(MaxGroupSize);
        var counts = SharedMemory.Allocate<int>(MaxPopulations);
        int lane = Grid.IdxX, t = Group.IdxX, g = Group.DimX;
        int laneBase = lane * a.TotalNeurons;
        var s = FusedState.Of(f, n, a.Section);
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
                int off = laneBase + pop.Offset;
                var chunk = Chunk.Of(pop.Size, t, g);
                for (int i = chunk.Start; i < chunk.End; i++)
                {
                    int k = off + i;
                    bool spike;
                    if (pop.Kind == FusedPopulation.KindData || pop.Kind == FusedPopulation.KindLabel)
                    {
                        ulong threshold;
                        if (pop.Kind == FusedPopulation.KindData) threshold = thresholds[(int)pixels[lane * a.InputStride + i]];
                        else threshold = a.Learn != 0 && label == i ? thresholds[InputEncoders.LabelEntry] : 0UL;
                        spike = threshold != 0
                            && DeviceSteps.IntegrateEncoder(s.Lif.RefractoryStepsLeft, k, threshold, inputKey, CounterRng.NeuronKey(pop.Index, i),
                            a.EncoderRefractorySteps);
                    }
                    else if (pop.Kind == FusedPopulation.KindLif)
                    {
                        bool noise = DeviceSteps.NoiseEvent(pop.Lif, a.Seed, counter, pop.Index, i);
                        float input = DeviceSteps.SomaInput(s.SomaInbox[k], biases, pop.BiasOffset < 0 ? -1 : pop.BiasOffset + i);
                        spike = DeviceSteps.IntegrateLif(s.Lif, k, input, s.DendriteInbox[k], noise, pop.Lif, out float ci);
                        s.SomaInbox[k] = 0f; s.DendriteInbox[k] = 0f;
                        if (pop.Index == a.OutputPopulation) s.Drive[k] += ci;
                    }
                    else
                    {
                        spike = DeviceSteps.IntegrateError(s.Lif.SomaMv, k, s.SomaInbox[k], a.ErrorThresholdMv, a.StateBits, a.StateStepMv);
                        s.SomaInbox[k] = 0f;
                    }
                    if (spike) { chunk.Record(i); s.SpikeCounts[k] += 1; }
                }
                DeviceSteps.ListSpikes(scan, counts, p, n, s.List + off, t, g, chunk);
            }
            // Deliver (and learn), projections in network order, gather form, spikes in list order.
            for (int q = 0; q < a.Projections; q++)
            {
                var proj = projs[q];
                int spikeCount = counts[proj.Source];
                if (spikeCount == 0) continue;
                int pre = laneBase + pops[proj.Source].Offset, post = pops[proj.Target].Size, postOff = laneBase + pops[proj.Target].Offset;
                var inbox = proj.Dendrite != 0 ? s.DendriteInbox : s.SomaInbox;
                bool learn = a.Learn != 0 && proj.Private != 0 && step >= a.OnsetSteps;
                var w = proj.Private != 0 ? laneWeights : weights;
                var synapses = Synapses.Rows(proj.Private != 0 ? privateBase + proj.WeightOffset : proj.WeightOffset, post, proj.MaskOffset,
                    proj.Index, a.Seed, proj.BlankOutThreshold);
                for (int i = t; i < post; i += g)
                {
                    int k = postOff + i;
                    int reached;
                    if (learn)
                        inbox[k] = DeviceSteps.GatherLearn(inbox[k], synapses, proj.Rule, s.Lif.SynapticCurrentMv[k], s.Lif.DendriteMv[k], w, masks,
                            counter, n, s.List + pre, spikeCount, i, out reached);
                    else inbox[k] = DeviceSteps.Gather(inbox[k], synapses, w, masks, counter, n, s.List + pre, spikeCount, i, out reached);
                    if (proj.Forward != 0) events += reached;
                }
            }
            Group.Barrier();
        }
        if (events != 0) Atomic.Add(ref synOps[lane], events);
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
