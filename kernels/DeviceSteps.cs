using System.Runtime.CompilerServices;
using ILGPU;
using Neuromorphic.Neurons;
using Neuromorphic.Plasticity;

namespace Neuromorphic.Kernels;

/// <summary>
/// The device steps that every kernel is made of, each written once: integrate one neuron (encoder, LIF, error
/// neuron) from the state arrays, list a population's spikes, and gather one projection's weights for one
/// postsynaptic neuron (with or without eRBP learning on the way). The per-phase kernels (<see cref="StepKernels"/>),
/// the fused kernel (<see cref="FusedNetworkKernel"/>) and the S2M kernels
/// (<see cref="S2mKernels"/>) differ only in how threads are assigned to these steps and where the state lives:
/// a neuron is an index k into [lane][neuron] arrays (the fused kernel passes sections of one flat array).
/// <para>The mathematics is not here either: each step calls the functions of src/Neurons and src/Plasticity that
/// the native CPU path calls, with the same counter-based keys, so every kernel stays bit-identical to it.</para>
/// </summary>
public static class DeviceSteps
{
    /// <summary>Whether the Poisson noise source of LIF neuron <paramref name="neuron"/> of population
    /// <paramref name="population"/> fires at step <paramref name="counter"/> (never when the population has no noise).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool NoiseEvent(in LifCoefficients c, ulong seed, ulong counter, int population, int neuron)
        => c.NoiseThreshold != 0
            && CounterRng.Bits(seed, CounterRng.StreamNoise, counter, CounterRng.NeuronKey(population, neuron)) < c.NoiseThreshold;

    /// <summary>One data, label or clamped visible neuron k: <see cref="InputEncoders.Step(ref int, ulong, ulong, ulong, int)"/>
    /// on its dead-time counter, with the step's input key <paramref name="stepKey"/>
    /// (<see cref="CounterRng.StepKey"/> of <see cref="CounterRng.StreamInput"/>). Returns whether it spiked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IntegrateEncoder(ArrayView<int> refractory, int k, ulong threshold, ulong stepKey, ulong neuronKey, int refractorySteps)
    {
        int r = refractory[k];
        bool spike = InputEncoders.Step(ref r, threshold, stepKey, neuronKey, refractorySteps);
        refractory[k] = r;
        return spike;
    }

    /// <summary>One two-compartment LIF neuron k: <see cref="TwoCompartmentLif.Step(ref LifState, float, float, bool, in LifCoefficients)"/>
    /// on its state in <paramref name="state"/>, with the inputs delivered by last step's spikes (the caller clears its
    /// inboxes). Returns whether it spiked; <paramref name="synapticCurrent"/> is its new I.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IntegrateLif(in LifStateView state, int k, float somaInputMv, float dendriteInputMv, bool noise, in LifCoefficients c,
        out float synapticCurrent)
    {
        var s = state.Load(k);
        bool spike = TwoCompartmentLif.Step(ref s, somaInputMv, dendriteInputMv, noise, c);
        state.Store(k, s);
        synapticCurrent = s.SynapticCurrentMv;
        return spike;
    }

    /// <summary>One S2M sampler k: the one-compartment <see cref="TwoCompartmentLif.StepSoma"/> on its state in
    /// <paramref name="state"/>. Returns whether it spiked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IntegrateSampler(in LifStateView state, int k, float inputMv, bool noise, in LifCoefficients c)
    {
        var s = state.Load(k);
        bool spike = TwoCompartmentLif.StepSoma(ref s, inputMv, noise, c);
        state.Store(k, s);
        return spike;
    }

    /// <summary>The somatic input of LIF neuron k for this step: its inbox <paramref name="inboxMv"/>, plus its bias current
    /// <paramref name="bias"/>[<paramref name="biasIndex"/>] by <see cref="TwoCompartmentLif.SomaInputMv"/> when the
    /// population has one (<paramref name="biasIndex"/> &gt;= 0; -1: none, the inbox as is, as on the CPU path).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SomaInput(float inboxMv, ArrayView<float> bias, int biasIndex)
        => biasIndex < 0 ? inboxMv : TwoCompartmentLif.SomaInputMv(inboxMv, bias[biasIndex]);

    /// <summary>One error neuron k: <see cref="ErrorNeuron.Step(ref float, float, float, int, float)"/> on its
    /// potential, with the input delivered by last step's spikes (the caller clears its inbox).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IntegrateError(ArrayView<float> potential, int k, float inputMv, float thresholdMv, int stateBits, float stateStepMv)
    {
        float e = potential[k];
        bool spike = ErrorNeuron.Step(ref e, inputMv, thresholdMv, stateBits, stateStepMv);
        potential[k] = e;
        return spike;
    }

    /// <summary>A lane's spike list from its spike flags, by one thread: the neurons whose flag is set, in
    /// ascending order, from <paramref name="listBase"/> on. Returns their number.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ListFlags(ArrayView<byte> flags, ArrayView<int> list, int listBase, int size)
    {
        int c = 0;
        for (int i = 0; i < size; i++)
            if (flags[listBase + i] != 0) { list[listBase + c] = i; c++; }
        return c;
    }

    /// <summary>
    /// A population's spike list, built by a whole thread group (the fused kernel): an inclusive prefix sum
    /// (Hillis-Steele, in shared memory) of the per-thread spike counts gives each thread its offset, and it writes
    /// the neurons of its <paramref name="chunk"/> that spiked from <paramref name="listBase"/> + offset on: the list
    /// comes out in ascending neuron order, as from <see cref="ListFlags"/> and on the CPU. The last thread writes the
    /// population's spike count to <paramref name="counts"/>[<paramref name="population"/>]; ends with a group barrier.
    /// </summary>
    public static void ListSpikes(ArrayView<int> scan, ArrayView<int> counts, int population, ArrayView<int> ints, int listBase, int t, int g,
        in Chunk chunk)
    {
        scan[t] = chunk.Count;
        Group.Barrier();
        for (int d = 1; d < g; d <<= 1)
        {
            int add = t >= d ? scan[t - d] : 0;
            Group.Barrier();
            scan[t] += add;
            Group.Barrier();
        }
        int through = scan[t];
        int o = listBase + through - chunk.Count;
        for (int i = chunk.Start; i < chunk.End; i++)
            if ((chunk.Spiked & (1UL << (i - chunk.Start))) != 0) { ints[o] = i; o++; }
        if (t == g - 1) counts[population] = through;
        Group.Barrier();
    }

    /// <summary>
    /// One postsynaptic neuron's share of a projection at one step, gather form: for the spikes j of the list, in
    /// list order, whose event reaches synapse j -&gt; <paramref name="post"/> (<see cref="Reaches"/>), acc + W[j, post].
    /// <paramref name="reached"/> counts them (the synaptic events). With learning (<see cref="GatherLearn"/>) the same
    /// walk first updates each weight.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Gather(float acc, in Synapses p, ArrayView<float> weights, ArrayView<byte> mask, ulong counter,
        ArrayView<int> list, int listBase, int count, int post, out int reached)
    {
        reached = 0;
        for (int s = 0; s < count; s++)
        {
            int j = list[listBase + s];
            int w = j * p.PreStride + post * p.PostStride;
            if (!Reaches(p, mask, counter, j, post, w)) continue;
            acc += weights[p.WeightOffset + w];
            reached++;
        }
        return acc;
    }

    /// <summary>
    /// <see cref="Gather"/> with eRBP learning: before transmitting W[j, post] it updates it by
    /// <see cref="ErbpRule.WeightChange(float, float, in ErbpConstants)"/> of the postsynaptic neuron's I and U
    /// (<see cref="WeightUpdate.Apply(float, float, bool, in QuantCoefficients, ulong, ulong, int, int, int)"/> on a
    /// weight grid); a synapse the spike does not reach learns where <see cref="ErbpRule.Learns"/> says so.
    /// The thread calling it owns column <paramref name="post"/>, so the updates need no atomics.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float GatherLearn(float acc, in Synapses p, in ErbpConstants rule, float postCurrent, float postDendrite,
        ArrayView<float> weights, ArrayView<byte> mask, ulong counter, ArrayView<int> list, int listBase, int count, int post, out int reached)
    {
        reached = 0;
        for (int s = 0; s < count; s++)
        {
            int j = list[listBase + s];
            int w = j * p.PreStride + post * p.PostStride;
            if (Pruned(p, mask, w)) continue;
            bool transmits = Transmits(p, counter, j, post);
            if (!ErbpRule.Learns(transmits, rule)) continue;
            long wi = p.WeightOffset + w;
            float wt = WeightUpdate.Apply(weights[wi], ErbpRule.WeightChange(postCurrent, postDendrite, rule),
                rule.Quantized != 0, rule.Grid, p.Seed, counter, p.Projection, j, post);
            weights[wi] = wt;
            if (!transmits) continue;
            acc += wt;
            reached++;
        }
        return acc;
    }

    /// <summary>Whether the event of presynaptic neuron <paramref name="pre"/> reaches synapse pre -&gt; <paramref name="post"/>
    /// (weight index <paramref name="w"/> of the projection): not pruned, and transmitted by the blank-out draw of the key
    /// the CPU path uses.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Reaches(in Synapses p, ArrayView<byte> mask, ulong counter, int pre, int post, int w)
        => !Pruned(p, mask, w) && Transmits(p, counter, pre, post);

    /// <summary>Whether synapse <paramref name="w"/> of the projection is pruned (mask entry 0; never without a mask).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Pruned(in Synapses p, ArrayView<byte> mask, int w) => p.MaskOffset >= 0 && mask[p.MaskOffset + w] == 0;

    /// <summary>Whether the blank-out draw lets the event of <paramref name="pre"/> through to <paramref name="post"/>
    /// (always, without blank-out).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Transmits(in Synapses p, ulong counter, int pre, int post)
        => BlankOutSynapse.Receives(BlankOutSynapse.EventKey(p.Seed, counter, p.Projection, pre), post, p.BlankOutThreshold);
}

/// <summary>
/// The device view of <see cref="LifState"/> over the neurons of a kernel (the kernels' form of <see cref="LifStateRows"/>):
/// one section per state variable of a float and an int array, neuron k's state at index k of each. The device buffers
/// are sized by <see cref="FloatVariables"/> and <see cref="IntVariables"/>, so a new state variable is a field here,
/// not a buffer in every driver.
/// </summary>
public readonly struct LifStateView
{
    /// <summary>Sections of the float array: I, V, U; of the int array: the refractory count.</summary>
    public const int CurrentSection = 0, SomaSection = 1, DendriteSection = 2, FloatVariables = 3;
    public const int RefractorySection = 0, IntVariables = 1;

    public readonly ArrayView<float> SynapticCurrentMv, SomaMv, DendriteMv;
    public readonly ArrayView<int> RefractoryStepsLeft;

    LifStateView(ArrayView<float> floats, ArrayView<int> ints, long section)
    {
        SynapticCurrentMv = floats.SubView(CurrentSection * section, section);
        SomaMv = floats.SubView(SomaSection * section, section);
        DendriteMv = floats.SubView(DendriteSection * section, section);
        RefractoryStepsLeft = ints.SubView(RefractorySection * section, section);
    }

    /// <summary>The state of <paramref name="section"/> neurons in the first <see cref="FloatVariables"/> sections of
    /// <paramref name="floats"/> and the first <see cref="IntVariables"/> sections of <paramref name="ints"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LifStateView Of(ArrayView<float> floats, ArrayView<int> ints, long section) => new(floats, ints, section);

    /// <summary>The state of the neurons of a pair of buffers of exactly <see cref="FloatVariables"/> and
    /// <see cref="IntVariables"/> sections.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static LifStateView Of(ArrayView<float> floats, ArrayView<int> ints) => new(floats, ints, ints.Length / IntVariables);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public LifState Load(int k) => new()
    {
        SynapticCurrentMv = SynapticCurrentMv[k], SomaMv = SomaMv[k], DendriteMv = DendriteMv[k], RefractoryStepsLeft = RefractoryStepsLeft[k],
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Store(int k, in LifState s)
    {
        SynapticCurrentMv[k] = s.SynapticCurrentMv; SomaMv[k] = s.SomaMv; DendriteMv[k] = s.DendriteMv;
        RefractoryStepsLeft[k] = s.RefractoryStepsLeft;
    }
}

/// <summary>
/// One thread's share of a population in the fused kernel: the contiguous neurons [Start, End) of a population of
/// size n split over a group of g threads, and which of them spiked (a bit each: at most <see cref="MaxNeurons"/>).
/// </summary>
public struct Chunk
{
    public int Start, End, Count;
    public ulong Spiked;

    /// <summary>At most this many neurons per thread (a 64-bit mask remembers which spiked).</summary>
    public const int MaxNeurons = 64;

    /// <summary>Thread <paramref name="t"/>'s chunk of a population of <paramref name="size"/> neurons over <paramref name="g"/> threads.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Chunk Of(int size, int t, int g)
    {
        int length = (size + g - 1) / g, start = t * length, end = start + length;
        return new Chunk { Start = start, End = end > size ? size : end };
    }

    /// <summary>Neuron <paramref name="i"/> of the chunk spiked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Record(int i)
    {
        Spiked |= 1UL << (i - Start);
        Count++;
    }
}

/// <summary>
/// The state of the fused kernel, sections of two flat arrays, each section [lane][neuron] over all populations
/// (lanes x total neurons): float <see cref="LifStateView"/> (I | V | U) | soma inbox | dendrite inbox | drive (the
/// prediction neurons' integrated synaptic current, the readout's tie-break); int <see cref="LifStateView"/> (dead-time
/// counter, also the encoders') | spike list | spikes per neuron. An error neuron's potential is its V.
/// </summary>
public struct FusedState
{
    public const int SomaInboxSection = LifStateView.FloatVariables, DendriteInboxSection = SomaInboxSection + 1,
        DriveSection = SomaInboxSection + 2, FloatSections = SomaInboxSection + 3;
    public const int ListSection = LifStateView.IntVariables, SpikeCountSection = ListSection + 1, IntSections = ListSection + 2;

    /// <summary>The neurons' state.</summary>
    public LifStateView Lif;
    public ArrayView<float> SomaInbox, DendriteInbox, Drive;
    public ArrayView<int> SpikeCounts;
    /// <summary>Where the spike lists start in the int array: the group writes them (<see cref="DeviceSteps.ListSpikes"/>) and the gathers read them
    /// there.</summary>
    public int List;

    /// <summary>The sections of <paramref name="f"/> and <paramref name="n"/>, each <paramref name="section"/> long.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FusedState Of(ArrayView<float> f, ArrayView<int> n, int section) => new()
    {
        Lif = LifStateView.Of(f, n, section), SomaInbox = f.SubView(SomaInboxSection * section, section),
        DendriteInbox = f.SubView(DendriteInboxSection * section, section), Drive = f.SubView(DriveSection * section, section),
        SpikeCounts = n.SubView(SpikeCountSection * section, section), List = ListSection * section,
    };
}

/// <summary>
/// One projection as a gather sees it: synapse pre -&gt; post is weight WeightOffset + pre * PreStride + post * PostStride
/// (row-major [pre][post]: PreStride = the post count, PostStride = 1; the S2M's hidden-to-visible direction reads the
/// same matrix by columns: PreStride = 1, PostStride = the column count) and mask entry MaskOffset + the same index.
/// </summary>
public struct Synapses
{
    public long WeightOffset;
    public int PreStride, PostStride;
    /// <summary>Offset of the pruning mask in the mask array; <see cref="NoMask"/> for none.</summary>
    public int MaskOffset;
    /// <summary>The projection's index in the network (or the S2M direction): keys its blank-out and rounding draws.</summary>
    public int Projection;
    public ulong Seed, BlankOutThreshold;

    public const int NoMask = -1;

    /// <summary>A row-major [pre][post] projection of <paramref name="postSize"/> columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Synapses Rows(long weightOffset, int postSize, int maskOffset, int projection, ulong seed, ulong blankOutThreshold)
        => new()
        {
            WeightOffset = weightOffset, PreStride = postSize, PostStride = 1, MaskOffset = maskOffset, Projection = projection, Seed = seed,
            BlankOutThreshold = blankOutThreshold,
        };
}
