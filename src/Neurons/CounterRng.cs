using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Neuromorphic.Neurons;

/// <summary>
/// Counter-based random numbers: every draw is a pure function of (seed, stream, step, index), so a
/// spike train does not depend on thread scheduling, batch size or backend. The mixer is three rounds of
/// a 64-bit avalanche (SplitMix64 finaliser) over the packed counter: integer-only, so the CPU, ILGPU's
/// CPU accelerator and CUDA produce the same bits.
/// </summary>
public static class CounterRng
{
    /// <summary>Streams keep the draws of different consumers independent.</summary>
    public const uint StreamInput = 1, StreamNoise = 2, StreamBlankOut = 3, StreamInit = 4, StreamRounding = 5, StreamSampling = 6,
        StreamBalancedSampling = 7;

    /// <summary>SplitMix64 finaliser: a bijective avalanche on 64 bits.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>32 random bits for (seed, stream, step, index). <paramref name="step"/> is a 64-bit
    /// counter (sample presentation and time step packed by the caller); <paramref name="index"/>
    /// names the neuron or synapse.</summary>
    public static uint Bits(ulong seed, uint stream, ulong step, ulong index)
        => BitsAt(StepKey(seed, stream, step), index);

    /// <summary>The part of <see cref="Bits"/> shared by every neuron of one (seed, stream, step): a loop over a
    /// population computes it once and calls <see cref="BitsAt(ulong, ulong)"/> per neuron (one mix instead of three, same bits).</summary>
    public static ulong StepKey(ulong seed, uint stream, ulong step)
        => Mix(Mix(seed ^ ((ulong)stream << 56) ^ 0x9E3779B97F4A7C15UL) ^ step);

    /// <summary>32 random bits for <paramref name="index"/> under a key from <see cref="StepKey"/>.</summary>
    public static uint BitsAt(ulong stepKey, ulong index) => (uint)(Mix(stepKey ^ index) >> 32);

    /// <summary>Uniform in [0, 1) with 24 random bits (exact in float32).</summary>
    public static float Uniform(ulong seed, uint stream, ulong step, ulong index)
        => (Bits(seed, stream, step, index) >> 8) * (1.0f / 16777216.0f);

    /// <summary>Integer threshold for an event of probability <paramref name="p"/>: the event occurs when
    /// the 32 random bits are below it. p &lt;= 0 never happens, p &gt;= 1 always does (0xFFFFFFFF plus the
    /// <see cref="Happens"/> rule below).</summary>
    public static ulong Threshold(double p)
    {
        if (!(p > 0)) return 0;
        if (p >= 1) return 1UL << 32;
        return (ulong)Math.Round(p * 4294967296.0);
    }

    /// <summary>Threshold of at least one event of a Poisson process of <paramref name="rateHz"/> in a step of
    /// <paramref name="dtMs"/>: p = 1 - exp(-rate dt) (0 for a rate &lt;= 0). Data neurons and neural noise use it.</summary>
    public static ulong PoissonThreshold(double rateHz, double dtMs) => rateHz <= 0 ? 0 : Threshold(1 - Math.Exp(-rateHz * dtMs * 1e-3));

    /// <summary>True with probability threshold / 2^32.</summary>
    public static bool Happens(uint bits, ulong threshold) => bits < threshold;

    /// <summary>Key of neuron i of population p, for noise and input draws.</summary>
    public static ulong NeuronKey(int population, int neuron) => ((ulong)population << 32) | (uint)neuron;

    /// <summary>Key of a presynaptic event: the spike of neuron <paramref name="pre"/> of projection
    /// <paramref name="projection"/>'s source at (seed, stream, step). Mixed once per spike, then
    /// <see cref="RowBits"/> gives each synapse of the row its own draw with one more round.</summary>
    public static ulong RowKey(ulong seed, uint stream, ulong step, int projection, int pre)
    {
        ulong h = Mix(seed ^ ((ulong)stream << 56) ^ 0x9E3779B97F4A7C15UL);
        h = Mix(h ^ step);
        return Mix(h ^ (((ulong)projection << 32) | (uint)pre));
    }

    /// <summary>32 random bits for synapse <paramref name="post"/> of the row keyed by <see cref="RowKey"/>.</summary>
    public static uint RowBits(ulong rowKey, int post) => (uint)(Mix(rowKey + 0x9E3779B97F4A7C15UL * (ulong)(uint)(post + 1)) >> 32);

    /// <summary>
    /// <see cref="RowBits"/> for posts 0 .. dest.Length - 1, into <paramref name="dest"/>: the same values, eight
    /// at a time with 256-bit integer vectors (CPU path only; the kernels call <see cref="RowBits"/>).
    /// </summary>
    public static void RowBitsInto(ulong rowKey, Span<uint> dest) => RowBitsInto(rowKey, 0, dest);

    /// <summary><see cref="RowBits"/> for posts <paramref name="firstPost"/> .. firstPost + dest.Length - 1 (a part of a row).</summary>
    public static void RowBitsInto(ulong rowKey, int firstPost, Span<uint> dest)
    {
        int n = dest.Length, i = 0;
        if (Vector512.IsHardwareAccelerated && Avx512DQ.IsSupported && n >= 16)
        {
            // Sixteen at a time where AVX-512 multiplies 64-bit lanes itself (vpmullq): the same sums and products modulo 2^64.
            var golden = Vector512.Create(0x9E3779B97F4A7C15UL);
            var c1 = Vector512.Create(0xBF58476D1CE4E5B9UL);
            var c2 = Vector512.Create(0x94D049BB133111EBUL);
            ulong f = (ulong)(uint)firstPost;
            var x = Vector512.Create(rowKey) + golden * Vector512.Create(f + 1, f + 2, f + 3, f + 4, f + 5, f + 6, f + 7, f + 8);
            var stride = golden * Vector512.Create(8UL);
            for (; i <= n - 16; i += 16)
            {
                var a = MixVector(x, c1, c2); x += stride;
                var b = MixVector(x, c1, c2); x += stride;
                Vector512.Narrow(Vector512.ShiftRightLogical(a, 32), Vector512.ShiftRightLogical(b, 32)).CopyTo(dest.Slice(i));
            }
        }
        if (Vector256.IsHardwareAccelerated && n - i >= 8)
        {
            var golden = Vector256.Create(0x9E3779B97F4A7C15UL);
            var key = Vector256.Create(rowKey);
            var c1 = Vector256.Create(0xBF58476D1CE4E5B9UL);
            var c2 = Vector256.Create(0x94D049BB133111EBUL);
            ulong f = (ulong)(uint)(firstPost + i);
            // key + golden * post, advanced by golden * 4 per vector (the same sums modulo 2^64).
            var x = key + Multiply(golden, Vector256.Create(f + 1, f + 2, f + 3, f + 4));
            var stride = Multiply(golden, Vector256.Create(4UL));
            for (; i <= n - 8; i += 8)
            {
                var a = MixVector(x, c1, c2); x += stride;
                var b = MixVector(x, c1, c2); x += stride;
                Vector256.Narrow(Vector256.ShiftRightLogical(a, 32), Vector256.ShiftRightLogical(b, 32)).CopyTo(dest.Slice(i));
            }
        }
        for (; i < n; i++) dest[i] = RowBits(rowKey, firstPost + i);
    }

    /// <summary><see cref="BitsAt(ulong, ulong)"/> for four indices at once (the bits in the low half of each element).</summary>
    public static Vector256<ulong> BitsAt(ulong stepKey, Vector256<ulong> index)
        => Vector256.ShiftRightLogical(MixVector(Vector256.Create(stepKey) ^ index, Vector256.Create(0xBF58476D1CE4E5B9UL),
            Vector256.Create(0x94D049BB133111EBUL)), 32);

    static Vector512<ulong> MixVector(Vector512<ulong> z, Vector512<ulong> c1, Vector512<ulong> c2)
    {
        z = (z ^ Vector512.ShiftRightLogical(z, 30)) * c1;
        z = (z ^ Vector512.ShiftRightLogical(z, 27)) * c2;
        return z ^ Vector512.ShiftRightLogical(z, 31);
    }

    static Vector256<ulong> MixVector(Vector256<ulong> z, Vector256<ulong> c1, Vector256<ulong> c2)
    {
        z = Multiply(z ^ Vector256.ShiftRightLogical(z, 30), c1);
        z = Multiply(z ^ Vector256.ShiftRightLogical(z, 27), c2);
        return z ^ Vector256.ShiftRightLogical(z, 31);
    }

    /// <summary>The low 64 bits of x * c per element. AVX2 has no 64-bit multiply; three 32 x 32 -&gt; 64 products
    /// (lo*lo + (hi*lo + lo*hi) &lt;&lt; 32) are about 1.7 times faster than the runtime's general fallback.</summary>
    static Vector256<ulong> Multiply(Vector256<ulong> x, Vector256<ulong> c)
    {
        if (!Avx2.IsSupported || Avx512DQ.VL.IsSupported) return x * c;
        var low = Avx2.Multiply(x.AsUInt32(), c.AsUInt32());
        var cross = Avx2.Multiply(Avx2.ShiftRightLogical(x, 32).AsUInt32(), c.AsUInt32())
            + Avx2.Multiply(x.AsUInt32(), Avx2.ShiftRightLogical(c, 32).AsUInt32());
        return low + Avx2.ShiftLeftLogical(cross, 32);
    }

    /// <summary>Bits of a counter left to the step within a sample (2^24 steps: 1,677 s at dt = 0.1 ms).</summary>
    public const int StepBits = 24;

    /// <summary>Packs a sample presentation number and a step within the sample into one counter.</summary>
    public static ulong StepCounter(long presentation, int step) => ((ulong)presentation << StepBits) ^ (uint)step;
}
