using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Neuromorphic.Neurons;

namespace Neuromorphic.Plasticity;

/// <summary>
/// Blank-out (stochastic) synapse: each presynaptic event is transmitted to each synapse independently
/// with probability p; a synapse that does not transmit does not learn either (peRBP, S2M).
/// This class owns the invariant "the same random bits for the same synapse on every backend": an event of
/// presynaptic neuron <c>pre</c> at step counter <c>counter</c> through projection (or direction) <c>projection</c>
/// has one key, <see cref="EventKey"/>, and synapse <c>post</c> of its row draws <c>CounterRng.RowBits(key, post)</c>.
/// Kernels ask <see cref="Receives"/> synapse by synapse; the CPU drivers draw whole rows with <see cref="DrawRow"/>
/// (the same bits, eight at a time). The threshold is p * 2^32 (2^32 for p = 1, 0 for p = 0), so p = 0 and p = 1 are exact.
/// </summary>
public static class BlankOutSynapse
{
    /// <summary>Threshold of transmission probability p: <see cref="CounterRng.Threshold"/> after checking that p is a probability.</summary>
    public static ulong Threshold(double transmissionProbability)
    {
        if (!(transmissionProbability >= 0 && transmissionProbability <= 1))
            throw new ArgumentException($"blank-out transmission probability must lie in [0, 1], got {transmissionProbability}");
        return CounterRng.Threshold(transmissionProbability);
    }

    /// <summary>False for p = 1 (threshold 2^32): every synapse transmits and no bits need drawing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsStochastic(ulong threshold) => threshold < (1UL << 32);

    /// <summary>The key of one presynaptic event's draws: neuron <paramref name="pre"/> spiking at step
    /// <paramref name="counter"/> through projection (or S2M direction) <paramref name="projection"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong EventKey(ulong seed, ulong counter, int projection, int pre)
        => CounterRng.RowKey(seed, CounterRng.StreamBlankOut, counter, projection, pre);

    /// <summary>Whether synapse <paramref name="post"/> of the event keyed <paramref name="eventKey"/> receives it
    /// (always when not <see cref="IsStochastic"/>): the kernels' per-synapse form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Receives(ulong eventKey, int post, ulong threshold)
        => !IsStochastic(threshold) || Transmits(CounterRng.RowBits(eventKey, post), threshold);

    /// <summary>The draws of synapses <paramref name="firstPost"/> .. firstPost + dest.Length - 1 of the event's row,
    /// the bits <see cref="Receives"/> tests (the CPU drivers' row form).</summary>
    public static void DrawRow(ulong eventKey, int firstPost, Span<uint> dest) => CounterRng.RowBitsInto(eventKey, firstPost, dest);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Transmits(uint randomBits, ulong threshold) => randomBits < threshold;

    /// <summary><see cref="Transmits(uint, ulong)"/> for the eight synapses from <paramref name="i"/> of a row, as a lane
    /// mask (all bits set where the synapse transmits); every lane transmits when not <paramref name="stochastic"/>.</summary>
    public static Vector256<float> Transmits(ReadOnlySpan<uint> draws, int i, Vector256<uint> threshold, bool stochastic)
        => stochastic ? Vector256.LessThan(Vector256.Create<uint>(draws.Slice(i)), threshold).AsSingle() : Vector256<float>.AllBitsSet;

    /// <summary>
    /// One presynaptic event over a row of blank-out synapses: where synapse i transmits, inbox[i] += row[i].
    /// Synapse i transmits when its draw is below <paramref name="threshold"/>, or always when not
    /// <paramref name="stochastic"/> (p = 1, draws unused); a synapse whose <paramref name="mask"/> entry is 0
    /// (pruned) never does (an empty mask: none pruned). Returns the events transmitted. Without a mask the row
    /// goes eight synapses at a time; a blended select leaves the other inboxes' bits untouched, so every inbox
    /// gets the same IEEE additions in the same order as the scalar loop (the S2M's CPU driver, both directions).
    /// </summary>
    public static int DeliverRow(ReadOnlySpan<float> row, Span<float> inbox, ReadOnlySpan<uint> draws, uint threshold, bool stochastic,
        ReadOnlySpan<byte> mask = default)
    {
        int n = row.Length, i = 0, events = 0;
        if (mask.IsEmpty && Vector256.IsHardwareAccelerated)
        {
            var thr = Vector256.Create(threshold);
            for (; i <= n - 8; i += 8)
            {
                var transmit = Transmits(draws, i, thr, stochastic);
                var box = Vector256.Create<float>(inbox.Slice(i));
                Vector256.ConditionalSelect(transmit, box + Vector256.Create<float>(row.Slice(i)), box).CopyTo(inbox.Slice(i));
                events += BitOperations.PopCount(transmit.ExtractMostSignificantBits());
            }
        }
        for (; i < n; i++)
        {
            if (!mask.IsEmpty && mask[i] == 0) continue;
            if (stochastic && !Transmits(draws[i], threshold)) continue;
            inbox[i] += row[i];
            events++;
        }
        return events;
    }
}
