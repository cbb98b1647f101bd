using ILGPU;
using ILGPU.Runtime;
using Neuromorphic.Neurons;

namespace Neuromorphic.Kernels;

/// <summary>Scalars of <see cref="FusedInferenceKernel.Run"/>.</summary>
public struct FusedArgs
{
    /// <summary>Populations in the chain (data, hidden..., prediction).</summary>
    public int Populations;
    /// <summary>Neurons of all populations together: the per-lane stride of every state section.</summary>
    public int TotalNeurons;
    public int Steps, InputStride, EncoderRefractorySteps;
    /// <summary>Size of each state section (lanes x total neurons).</summary>
    public int Section;
    public ulong Seed;
}

/// <summary>
/// Inference of a feed-forward chain in one launch: one thread group per lane runs every step of the
/// sample, with group barriers where the per-phase kernels have launch boundaries. Launch overhead, which
/// dominates the per-phase kernels (about 8 launches a step), is gone. The arithmetic is the same: the step
/// functions of src/Neurons, the same random keys, spike lists in ascending neuron order (built with a
/// group-wide prefix sum over contiguous chunks of neurons) and the gather sum in spike-list order, so the
/// result is bit-identical to the native CPU path.
/// <para>Layout (int view): [0..P) population sizes, [P..2P) offsets within a lane, [2P..3P-1) weight offsets
/// of the projections p -&gt; p+1. Float state: sections current | soma | dendrite | inbox | drive (the
/// prediction neurons' integrated synaptic current, the readout's tie-break). Int state:
/// sections refractory | spike list | spike count per neuron.</para>
/// </summary>
public static class FusedInferenceKernel
{
    /// <summary>Threads per group (and the size of the scan buffer).</summary>
    public const int MaxGroupSize = 256;
    /// <summary>At most this many neurons per thread (a 64-bit mask remembers which spiked).</summary>
    public const int MaxChunk = 64;
    public const int MaxPopulations = 16;
    /// <summary>Float state sections, in order (each lanes x total neurons).</summary>
    public const int CurrentSection = 0, SomaSection = 1, DendriteSection = 2, InboxSection = 3, DriveSection = 4, FloatSections = 5;
    /// <summary>Int state sections, in order.</summary>
    public const int RefractorySection = 0, ListSection = 1, SpikeCountSection = 2, IntSections = 3;

    public static void Run(ArrayView<int> layout, FusedArgs a, ArrayView<LifCoefficients> coefficients, ArrayView<float> weights,
        ArrayView<byte> pixels, ArrayView<long> presentations, ArrayView<ulong> thresholds,
        ArrayView<float> f, ArrayView<int> n, ArrayView<long> synOps)
    {
        var scan = SharedMemory.Allocate<int>(MaxGroupSize);
        var counts = SharedMemory.Allocate<int>(MaxPopulations);
        int lane = Grid.IdxX, t = Group.IdxX, g = Group.DimX;
        int P = a.Populations, laneBase = lane * a.TotalNeurons;
        var current = f.SubView(CurrentSection * a.Section, a.Section);
        var soma = f.SubView(SomaSection * a.Section, a.Section);
        var dendrite = f.SubView(DendriteSection * a.Section, a.Section);
        var inbox = f.SubView(InboxSection * a.Section, a.Section);
        var drive = f.SubView(DriveSection * a.Section, a.Section);
        var refractory = n.SubView(RefractorySection * a.Section, a.Section);
        var spikes = n.SubView(SpikeCountSection * a.Section, a.Section);
        int list = ListSection * a.Section; // the spike lists stay in n: the group writes them (DeviceSteps.ListSpikes) and the gathers read them
        long events = 0;
        long presentation = presentations[lane];

        for (int step = 0; step < a.Steps; step++)
        {
            ulong counter = CounterRng.StepCounter(presentation, step);
            ulong inputKey = CounterRng.StepKey(a.Seed, CounterRng.StreamInput, counter); // shared by the step's input draws
            for (int p = 0; p < P; p++)
            {
                int size = layout[p], off = laneBase + layout[P + p];
                int chunk = (size + g - 1) / g, start = t * chunk, end = start + chunk;
                if (end > size) end = size;
                ulong mask = 0;
                int c = 0;
                for (int i = start; i < end; i++)
                {
                    int k = off + i;
                    bool spike;
                    if (p == 0)
                    {
                        ulong threshold = thresholds[(int)pixels[lane * a.InputStride + i]];
                        spike = threshold != 0 && DeviceSteps.IntegrateEncoder(refractory, k, threshold, inputKey, CounterRng.NeuronKey(0, i), a.EncoderRefractorySteps);
                    }
                    else
                    {
                        var coeff = coefficients[p];
                        bool noise = DeviceSteps.NoiseEvent(coeff, a.Seed, counter, p, i);
                        spike = DeviceSteps.IntegrateLif(current, soma, dendrite, refractory, k, inbox[k], 0f, noise, coeff, out float ci);
                        inbox[k] = 0f;
                        if (p == P - 1) drive[k] += ci;
                    }
                    if (spike) { mask |= 1UL << (i - start); c++; spikes[k] += 1; }
                }
                int through = DeviceSteps.ListSpikes(scan, n, list + off, t, g, c, start, end, mask);
                if (t == g - 1) counts[p] = through;
                Group.Barrier();
            }
            // Deliver: projection p -> p+1, gather form, spikes in list order.
            for (int p = 0; p < P - 1; p++)
            {
                int spikeCount = counts[p];
                if (spikeCount == 0) continue;
                int pre = laneBase + layout[P + p], post = layout[p + 1], postOff = laneBase + layout[P + p + 1], w0 = layout[2 * P + p];
                for (int i = t; i < post; i += g)
                {
                    inbox[postOff + i] = DeviceSteps.GatherAll(inbox[postOff + i], weights, w0, post, n, list + pre, spikeCount, i);
                    events += spikeCount;
                }
            }
            Group.Barrier();
        }
        if (events != 0) Atomic.Add(ref synOps[lane], events);
    }
}
