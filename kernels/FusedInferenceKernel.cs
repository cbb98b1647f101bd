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
/// of the projections p -&gt; p+1. State: the sections of <see cref="FusedState"/> (the dendrite inbox unused).</para>
/// </summary>
public static class FusedInferenceKernel
{
    /// <summary>Threads per group (and the size of the scan buffer).</summary>
    public const int MaxGroupSize = 256;
    /// <summary>At most this many neurons per thread (<see cref="Chunk.MaxNeurons"/>).</summary>
    public const int MaxChunk = Chunk.MaxNeurons;
    public const int MaxPopulations = 16;

    public static void Run(ArrayView<int> layout, FusedArgs a, ArrayView<LifCoefficients> coefficients, ArrayView<float> weights,
        ArrayView<byte> pixels, ArrayView<long> presentations, ArrayView<ulong> thresholds,
        ArrayView<float> f, ArrayView<int> n, ArrayView<long> synOps)
    {
        var scan = SharedMemory.Allocate<int>(MaxGroupSize);
        var counts = SharedMemory.Allocate<int>(MaxPopulations);
        int lane = Grid.IdxX, t = Group.IdxX, g = Group.DimX;
        int P = a.Populations, laneBase = lane * a.TotalNeurons;
        var s = FusedState.Of(f, n, a.Section);
        long events = 0;
        long presentation = presentations[lane];

        for (int step = 0; step < a.Steps; step++)
        {
            ulong counter = CounterRng.StepCounter(presentation, step);
            ulong inputKey = CounterRng.StepKey(a.Seed, CounterRng.StreamInput, counter); // shared by the step's input draws
            for (int p = 0; p < P; p++)
            {
                int off = laneBase + layout[P + p];
                var chunk = Chunk.Of(layout[p], t, g);
                for (int i = chunk.Start; i < chunk.End; i++)
                {
                    int k = off + i;
                    bool spike;
                    if (p == 0)
                    {
                        ulong threshold = thresholds[(int)pixels[lane * a.InputStride + i]];
                        spike = threshold != 0 && DeviceSteps.IntegrateEncoder(s.Refractory, k, threshold, inputKey, CounterRng.NeuronKey(0, i), a.EncoderRefractorySteps);
                    }
                    else
                    {
                        var coeff = coefficients[p];
                        bool noise = DeviceSteps.NoiseEvent(coeff, a.Seed, counter, p, i);
                        spike = DeviceSteps.IntegrateLif(s.Current, s.Soma, s.Dendrite, s.Refractory, k, s.SomaInbox[k], 0f, noise, coeff, out float ci);
                        s.SomaInbox[k] = 0f;
                        if (p == P - 1) s.Drive[k] += ci;
                    }
                    if (spike) { chunk.Record(i); s.SpikeCounts[k] += 1; }
                }
                DeviceSteps.ListSpikes(scan, counts, p, n, s.List + off, t, g, chunk);
            }
            // Deliver: projection p -> p+1, gather form, spikes in list order.
            for (int p = 0; p < P - 1; p++)
            {
                int spikeCount = counts[p];
                if (spikeCount == 0) continue;
                int pre = laneBase + layout[P + p], post = layout[p + 1], postOff = laneBase + layout[P + p + 1], w0 = layout[2 * P + p];
                for (int i = t; i < post; i += g)
                {
                    s.SomaInbox[postOff + i] = DeviceSteps.GatherAll(s.SomaInbox[postOff + i], weights, w0, post, n, s.List + pre, spikeCount, i);
                    events += spikeCount;
                }
            }
            Group.Barrier();
        }
        if (events != 0) Atomic.Add(ref synOps[lane], events);
    }
}
