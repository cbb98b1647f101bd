using System.Runtime.CompilerServices;
using Neuromorphic.Neurons;

namespace Neuromorphic.Plasticity;

/// <summary>
/// Applying a learning rule's change to one weight, the one place that knows fixed-point weights: with float
/// weights w + dw; on a fixed-point grid (<see cref="QuantCoefficients"/>) the sum rounded back onto it with the
/// synapse's own rounding bits, so weights never leave the grid. The bits are keyed like the blank-out draws
/// (<see cref="BlankOutSynapse.EventKey"/>) on their own stream: the same bits for the same synapse on every backend.
/// A zero change leaves the weight as it is (no rounding noise where the rule did not act).
/// </summary>
public static class WeightUpdate
{
    /// <summary>The key of the rounding draws of one presynaptic event's row (see <see cref="BlankOutSynapse.EventKey"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong RoundingKey(ulong seed, ulong counter, int projection, int pre)
        => CounterRng.RowKey(seed, CounterRng.StreamRounding, counter, projection, pre);

    /// <summary>w + dw, or on the grid: Quantize(w + dw) with synapse <paramref name="post"/>'s bits of the row keyed
    /// <paramref name="roundingKey"/> (<see cref="RoundingKey"/>, computed once per row by the CPU drivers).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(float w, float dw, bool quantized, in QuantCoefficients grid, ulong roundingKey, int post)
        => !quantized ? w + dw : dw == 0f ? w : Quantizer.Quantize(w + dw, grid, CounterRng.RowBits(roundingKey, post));

    /// <summary><see cref="Apply(float, float, bool, in QuantCoefficients, ulong, int)"/> that keys the rounding draw itself,
    /// only when it is needed (the kernels' per-synapse form).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(float w, float dw, bool quantized, in QuantCoefficients grid, ulong seed, ulong counter,
        int projection, int pre, int post)
        => !quantized ? w + dw : dw == 0f ? w : Quantizer.Quantize(w + dw, grid,
            CounterRng.RowBits(RoundingKey(seed, counter, projection, pre), post));
}
