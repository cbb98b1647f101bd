using System.Runtime.CompilerServices;
using Neuromorphic.Plasticity;

namespace Neuromorphic.Simulator.S2m;

/// <summary>
/// W transposed, kept beside W so that a hidden unit's synapses (a column of W) are a contiguous row as well.
/// W ([rows][columns], row-major, the network's) owns the values; the mirror is [columns][rows]. The rules that keep
/// the two equal bit for bit live here:
/// <list type="bullet">
/// <item><see cref="Rebuild"/> after anything changed W from outside (the mask is mirrored with it);</item>
/// <item>after an update of one row, in either layout, <see cref="CopyIntoColumn"/> writes the positions it changed
/// into the other layout's column, so every weight sees its changes in the same order as with one matrix;</item>
/// <item>per-sample batches: each lane learns on private copies of both (<see cref="CopyToLane"/>), then
/// <see cref="MergeLanes"/> adds the lanes' changes, summed in lane order, to W and the mirror alike.</item>
/// </list>
/// <see cref="Disagreements"/> counts the entries where the two differ (0 unless W changed behind its back).
/// </summary>
public sealed class TransposedMirror
{
    readonly int _rows, _columns;
    byte[]? _mask;
    // Per-sample batches: lane b's private W and mirror (allocated on first use).
    float[][]? _laneW, _laneMirror;

    public TransposedMirror(int rows, int columns)
    {
        _rows = rows; _columns = columns;
        Weights = new float[rows * columns];
    }

    /// <summary>W transposed, [columns][rows].</summary>
    public float[] Weights { get; }
    /// <summary>The mask transposed, [columns][rows]; null: nothing pruned.</summary>
    public byte[]? Mask => _mask;

    /// <summary>Rebuilds the mirror (and the mask's) from W.</summary>
    public void Rebuild(float[] w, byte[]? mask)
    {
        Transpose(w, Weights, _rows, _columns);
        if (mask is { } m) { _mask ??= new byte[m.Length]; Transpose(m, _mask, _rows, _columns); }
        else _mask = null;
    }

    /// <summary>dst[i][j] = src[j][i], src [rows][cols] row-major.</summary>
    public static void Transpose<T>(T[] src, T[] dst, int rows, int cols)
    {
        // In blocks, so both sides stay in cache.
        const int B = 32;
        for (int j0 = 0; j0 < rows; j0 += B)
            for (int i0 = 0; i0 < cols; i0 += B)
                for (int j = j0, je = Math.Min(j0 + B, rows); j < je; j++)
                    for (int i = i0, ie = Math.Min(i0 + B, cols); i < ie; i++)
                        dst[i * rows + j] = src[j * cols + i];
    }

    /// <summary>After row <paramref name="index"/> of one layout changed at <paramref name="changed"/>: copies those
    /// values into column <paramref name="index"/> of the other layout, whose rows are <paramref name="otherRowLength"/>
    /// long (W's row j into the mirror: the rows of W; the mirror's row i into W: the columns).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CopyIntoColumn(ReadOnlySpan<float> row, ReadOnlySpan<int> changed, float[] other, int otherRowLength, int index)
    {
        for (int c = 0; c < changed.Length; c++) { int k = changed[c]; other[k * otherRowLength + index] = row[k]; }
    }

    /// <summary>Entries where the mirror is not exactly <paramref name="w"/> transposed, bit for bit.</summary>
    public int Disagreements(ReadOnlySpan<float> w)
    {
        int bad = 0;
        for (int j = 0; j < _rows; j++)
            for (int i = 0; i < _columns; i++)
                if (BitConverter.SingleToInt32Bits(w[j * _columns + i]) != BitConverter.SingleToInt32Bits(Weights[i * _rows + j])) bad++;
        return bad;
    }

    /// <summary>Allocates the private copies of lanes 0..n-1 (of <paramref name="capacity"/>) that do not exist yet;
    /// call before the lanes run in parallel. Kept for the next batch.</summary>
    public void EnsureLanes(int n, int capacity)
    {
        _laneW ??= new float[capacity][];
        _laneMirror ??= new float[capacity][];
        for (int b = 0; b < n; b++) { _laneW[b] ??= new float[Weights.Length]; _laneMirror[b] ??= new float[Weights.Length]; }
    }

    /// <summary>Lane b's private W and mirror (<see cref="EnsureLanes"/> first), copied from the shared ones.</summary>
    public (float[] W, float[] Mirror) CopyToLane(float[] w, int lane)
    {
        var (lw, lm) = (_laneW![lane], _laneMirror![lane]);
        w.CopyTo(lw, 0);
        Weights.CopyTo(lm, 0);
        return (lw, lm);
    }

    /// <summary>W += the changes of lanes 0..n-1 on their private copies, summed in lane order
    /// (<see cref="BatchUpdate"/>), elementwise, in W and in the mirror alike, so the two stay equal. Fixed-point
    /// weights round the sum to nearest on <paramref name="format"/>'s grid.</summary>
    public void MergeLanes(float[] w, int n, QuantFormat? format)
    {
        if (n == 0) return;
        var nearest = format is { } f ? (f with { Rounding = Rounding.Nearest }).Coefficients : default;
        Merge(w, _laneW!, n, format.HasValue, nearest);
        Merge(Weights, _laneMirror!, n, format.HasValue, nearest);
    }

    static void Merge(float[] shared, float[][] lanes, int n, bool quantized, QuantCoefficients nearest)
    {
        Parallel.For(0, Environment.ProcessorCount, Engine.LaneScheduler.Options, part =>
        {
            int parts = Environment.ProcessorCount, lo = (int)((long)shared.Length * part / parts),
                hi = (int)((long)shared.Length * (part + 1) / parts);
            for (int k = lo; k < hi; k++)
            {
                float s = shared[k], sum = 0f;
                for (int b = 0; b < n; b++) sum = BatchUpdate.Accumulate(sum, lanes[b][k], s);
                shared[k] = BatchUpdate.Apply(s, sum, quantized, nearest);
            }
        });
    }
}
