using System.Numerics;
using System.Runtime.Intrinsics;

namespace Neuromorphic.Plasticity;

/// <summary>
/// Blank-out (stochastic) synapse: each presynaptic event is transmitted to each synapse independently
/// with probability p; a synapse that does not transmit does not learn either (peRBP, S2M).
/// The caller draws 32 random bits from the counter-based generator keyed by (seed, step, synapse);
/// the threshold is p * 2^32 (2^32 for p = 1, 0 for p = 0), so p = 0 and p = 1 are exact.
/// </summary>
public static class BlankOutSynapse
{
    public static ulong Threshold(double transmissionProbability)
    {
        if (!(transmissionProbability >= 0 && transmissionProbability <= 1))
            throw new ArgumentException($"blank-out transmission probability must lie in [0, 1], got {transmissionProbability}");
        if (transmissionProbability >= 1) return 1UL << 32;
        return (ulong)Math.Round(transmissionProbability * 4294967296.0);
    }

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
