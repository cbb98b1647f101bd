using Neuromorphic.Plasticity;
using Neuromorphic.Simulator.S2m;
using NUnit.Framework;

namespace Neuromorphic.Tests.S2m;

/// <summary>W and its transposed mirror kept equal bit for bit (the engine's use: S2mTests.TheTransposedMirrorNeverDisagreesWithW).</summary>
public class TransposedMirrorTests
{
    // Not multiples of the transpose's 32-wide blocks, so the ragged edges are covered.
    const int Rows = 37, Columns = 70;

    static float[] RandomW(int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, Rows * Columns).Select(_ => (float)(rng.NextDouble() * 40 - 20)).ToArray();
    }

    [Test]
    public void RebuildIsTheTransposeBitForBitMaskIncluded()
    {
        var w = RandomW(1);
        w[3] = -0f; w[5] = float.Epsilon; // bits that a value comparison would not tell apart
        var mask = Enumerable.Range(0, w.Length).Select(k => (byte)(k % 3 == 0 ? 0 : 1)).ToArray();
        var m = new TransposedMirror(Rows, Columns);
        m.Rebuild(w, mask);
        for (int j = 0; j < Rows; j++)
            for (int i = 0; i < Columns; i++)
            {
                Assert.That(BitConverter.SingleToInt32Bits(m.Weights[i * Rows + j]), Is.EqualTo(BitConverter.SingleToInt32Bits(w[j * Columns + i])), $"W[{j},{i}]");
                Assert.That(m.Mask![i * Rows + j], Is.EqualTo(mask[j * Columns + i]), $"mask[{j},{i}]");
            }
        Assert.That(m.Disagreements(w), Is.Zero);
        w[j0 * Columns + 4] = 1e9f;
        Assert.That(m.Disagreements(w), Is.EqualTo(1), "a change behind its back is seen");
        m.Rebuild(w, null);
        Assert.That(m.Mask, Is.Null, "nothing pruned any more");
        Assert.That(m.Disagreements(w), Is.Zero);
    }
    const int j0 = 11;

    [Test]
    public void ARowUpdateInEitherLayoutCopiedIntoTheOtherColumnKeepsThemEqual()
    {
        var w = RandomW(2);
        var m = new TransposedMirror(Rows, Columns);
        m.Rebuild(w, null);
        var changed = new int[Math.Max(Rows, Columns)];
        // A visible spike: row j of W learns from the hidden traces (half of them zero: those synapses keep their bits).
        var postTrace = Enumerable.Range(0, Columns).Select(i => i % 2 == 0 ? 0.5f : 0f).ToArray();
        int n = EcdRule.PreSpikeRow(w.AsSpan(j0 * Columns, Columns), postTrace, default, 0, false, 0.01f, changed: changed);
        Assert.That(n, Is.GreaterThan(0).And.LessThan(Columns), "the update changed some weights, not all");
        Assert.That(m.Disagreements(w), Is.EqualTo(n), "before the copy the mirror lags by exactly the changed weights");
        TransposedMirror.CopyIntoColumn(w.AsSpan(j0 * Columns, Columns), changed.AsSpan(0, n), m.Weights, Rows, j0);
        Assert.That(m.Disagreements(w), Is.Zero);
        // A hidden spike: row i of the mirror learns from the visible traces, then goes back into W's column i.
        const int i0 = 50;
        var preTrace = Enumerable.Range(0, Rows).Select(j => j % 3 == 0 ? 0.25f : 0f).ToArray();
        var preSpiked = new float[Rows];
        n = EcdRule.PostSpikeRow(m.Weights.AsSpan(i0 * Rows, Rows), preTrace, preSpiked, default, 0, false, 0.01f, changed: changed);
        Assert.That(n, Is.GreaterThan(0));
        Assert.That(m.Disagreements(w), Is.EqualTo(n));
        TransposedMirror.CopyIntoColumn(m.Weights.AsSpan(i0 * Rows, Rows), changed.AsSpan(0, n), w, Columns, i0);
        Assert.That(m.Disagreements(w), Is.Zero);
    }

    [Test]
    public void LanesLearnOnPrivateCopiesAndTheirChangesAreSummedIntoBoth()
    {
        var w = RandomW(3);
        w[7] = 1f;
        var before = (float[])w.Clone();
        var m = new TransposedMirror(Rows, Columns);
        m.Rebuild(w, null);
        m.EnsureLanes(2, 3);
        var (w0, m0) = m.CopyToLane(w, 0);
        var (w1, m1) = m.CopyToLane(w, 1);
        Assert.That(w0, Is.Not.SameAs(w).And.Not.SameAs(w1), "private copies");
        Assert.That(w0, Is.EqualTo(w)); Assert.That(m0, Is.EqualTo(m.Weights));
        // W[0,7] is changed by both lanes, W[1,2] by lane 1 only; each lane keeps its own pair equal.
        w0[7] += 0.5f; m0[7 * Rows] = w0[7];
        w1[7] += 0.25f; m1[7 * Rows] = w1[7];
        w1[Columns + 2] = 3f; m1[2 * Rows + 1] = 3f;
        Assert.That(w, Is.EqualTo(before), "the shared W is untouched while lanes run");
        m.MergeLanes(w, 2, null);
        Assert.That(w[7], Is.EqualTo(1.75f), "both lanes' changes summed");
        Assert.That(w[Columns + 2], Is.EqualTo(3f));
        Assert.That(Enumerable.Range(0, w.Length).Count(k => w[k] != before[k]), Is.EqualTo(2), "nothing else moved");
        Assert.That(m.Disagreements(w), Is.Zero, "the mirror took the same sums");
        // Fixed-point weights: the sum is rounded to nearest on the grid (steps of 0.5: 1.75 + 0.3 = 2.05 -> 2).
        m.EnsureLanes(1, 3);
        (w0, m0) = m.CopyToLane(w, 0);
        w0[7] += 0.3f; m0[7 * Rows] = w0[7];
        m.MergeLanes(w, 1, new QuantFormat(8, 0.5, Rounding.Stochastic));
        Assert.That(w[7], Is.EqualTo(2f));
        Assert.That(m.Disagreements(w), Is.Zero);
    }
}
