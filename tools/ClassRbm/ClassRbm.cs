using System.Numerics;
using Neuromorphic.Neurons;
using Neuromorphic.Simulator.S2m;

namespace Neuromorphic.ClassRbm;

/// <summary>Label reconstruction: one softmax over the classes (a class's L units on together), or every label unit its
/// own Bernoulli unit, as the S2M's label samplers are.</summary>
public enum LabelKind { Softmax, Independent }

/// <summary>Settings of a discrete-time class-RBM (or discrete S2M) run.</summary>
public sealed record RbmSettings
{
    public int Pixels { get; init; } = 784;
    public int Classes { get; init; } = 10;
    public int Hidden { get; init; } = 500;
    public int LabelUnits { get; init; } = 1;
    /// <summary>Gibbs steps of the negative phase (CD-k).</summary>
    public int CdK { get; init; } = 1;
    /// <summary>Transmission probability of every weight use (1: the plain RBM; below 1: the discrete S2M).</summary>
    public double BlankOut { get; init; } = 1;
    public double LearningRate { get; init; } = 0.01;
    /// <summary>Samples whose updates are summed before W changes (1: on-line).</summary>
    public int Batch { get; init; } = 1;
    /// <summary>Pixels binarised at 0.5 (true) or given as intensities in [0, 1].</summary>
    public bool BinarisePixels { get; init; } = true;
    public LabelKind Labels { get; init; } = LabelKind.Softmax;
    public double InitSigma { get; init; } = 0.01;
    public ulong Seed { get; init; } = 1;

    public S2mLayout Layout => new(Pixels, Classes, LabelUnits, Hidden);

    public void Validate()
    {
        static void Need(bool ok, string what) { if (!ok) throw new Neuromorphic.Simulator.NeuromorphicException(what); }
        Need(Hidden is >= 1 and <= 100_000, $"--hidden must lie in 1..100000, got {Hidden}");
        Need(LabelUnits is >= 1 and <= 100, $"--label-units must lie in 1..100, got {LabelUnits}");
        Need(CdK is >= 1 and <= 1000, $"--cd-k must lie in 1..1000, got {CdK}");
        Need(BlankOut > 0 && BlankOut <= 1, $"--blank-out must lie in (0, 1], got {BlankOut}");
        Need(LearningRate > 0 && LearningRate < 100, $"--learning-rate must lie in (0, 100), got {LearningRate}");
        Need(Batch is >= 1 and <= 10_000, $"--batch must lie in 1..10000, got {Batch}");
        Need(InitSigma >= 0 && InitSigma < 10, $"initial weight spread must lie in [0, 10), got {InitSigma}");
        Need(Pixels >= 1 && Classes >= 2, "a class-RBM needs pixels and at least two classes");
    }
}

/// <summary>
/// A restricted Boltzmann machine over pixels and label units, trained by contrastive divergence (CD-k), its weights in
/// the S2M layout (<see cref="S2mLayout"/>: one [visible + 1][hidden + 1] matrix, the last row the hidden biases, the last
/// column the visible biases), so that <see cref="FreeEnergy"/> reads it as it reads an S2M's. With
/// <see cref="RbmSettings.BlankOut"/> p &lt; 1 it is the discrete S2M: every product of a weight with a unit draws a fresh
/// blank-out mask (each weight use transmits with probability p, keyed like the S2M's by
/// <see cref="CounterRng.RowKey"/>), the units' states entering a product are binary samples, and a weight learns only
/// from the uses that transmitted (the S2M's convention). The units stay the RBM's sigmoid units: the mask is synaptic
/// noise on top of their own. All random numbers come from the counter-based generator, keyed by (seed, sample, phase,
/// unit): the same seed gives the same machine.
/// </summary>
public sealed class ClassRbmMachine
{
    const uint StreamUnits = CounterRng.StreamSampling + 100;
    readonly RbmSettings _s;
    readonly S2mLayout _layout;
    readonly int _rows, _cols;
    readonly ulong _maskThreshold;
    // Scratch: visible vectors include the bias unit (last, always 1); hidden vectors include the bias unit (last, 1).
    readonly float[] _v0, _v1, _ph0, _phk, _h, _grad;
    readonly uint[] _bits;

    public ClassRbmMachine(RbmSettings settings)
    {
        settings.Validate();
        _s = settings;
        _layout = settings.Layout;
        _rows = _layout.Rows; _cols = _layout.Columns;
        Weights = new float[(long)_rows * _cols];
        for (int j = 0; j < _layout.Visible; j++)
            for (int i = 0; i < _layout.Hidden; i++)
                Weights[j * _cols + i] = (float)(settings.InitSigma * Gaussian(settings.Seed, (ulong)(j * _cols + i)));
        _maskThreshold = CounterRng.Threshold(settings.BlankOut);
        _v0 = new float[_rows]; _v1 = new float[_rows];
        _ph0 = new float[_cols]; _phk = new float[_cols]; _h = new float[_cols];
        _grad = settings.Batch > 1 ? new float[Weights.Length] : [];
        _bits = new uint[Math.Max(_rows, _cols)];
    }

    public RbmSettings Settings => _s;
    public S2mLayout Layout => _layout;
    /// <summary>[visible + 1][hidden + 1], row-major (the S2M layout).</summary>
    public float[] Weights { get; }
    bool Masked => _s.BlankOut < 1;

    /// <summary>The factor <see cref="FreeEnergy"/> applies to the weights: p, the mean of a blanked-out weight.</summary>
    public double ReadoutScale => _s.BlankOut;

    static double Gaussian(ulong seed, ulong k)
    {
        double u1 = (CounterRng.Uniform(seed, CounterRng.StreamInit, 5000UL, k) + 0.5 / 16777216.0);
        double u2 = CounterRng.Uniform(seed, CounterRng.StreamInit, 5001UL, k);
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    /// <summary>The visible vector of an image and its class (label group on), without the bias unit.</summary>
    public void Encode(ReadOnlySpan<byte> image, int label, Span<float> visible, long presentation)
    {
        visible.Slice(0, _layout.Visible).Clear();
        for (int j = 0; j < _layout.Pixels; j++)
        {
            float x = image[j] / 255f;
            visible[j] = _s.BinarisePixels ? (x >= 0.5f ? 1f : 0f)
                // The discrete S2M's products take binary states: grey pixels are sampled.
                : Masked ? (Uniform(presentation, 0, j) < x ? 1f : 0f) : x;
        }
        for (int l = 0; l < _layout.LabelUnits; l++) visible[_layout.LabelStart + label * _layout.LabelUnits + l] = 1f;
    }

    float Uniform(long presentation, int phase, int unit)
        => CounterRng.Uniform(_s.Seed, StreamUnits, (ulong)presentation * 4096 + (ulong)phase, (ulong)unit);

    /// <summary>One CD-k update from a batch of (image, label) pairs; <paramref name="presentation"/> numbers the first
    /// sample (keys its random numbers). Returns the summed squared reconstruction error of the visible units.</summary>
    public double Learn(IReadOnlyList<(byte[] Image, int Label)> batch, long presentation)
    {
        var target = _s.Batch > 1 ? _grad : Weights;
        if (_s.Batch > 1) Array.Clear(_grad);
        double error = 0;
        float lr = (float)(_s.LearningRate / batch.Count);
        for (int b = 0; b < batch.Count; b++)
        {
            long n = presentation + b;
            Encode(batch[b].Image, batch[b].Label, _v0, n);
            _v0[_layout.VisibleBias] = 1;
            HiddenProbabilities(_v0, _ph0, n, 1);
            Array.Copy(_ph0, _phk, _cols);
            for (int k = 0; k < _s.CdK; k++)
            {
                for (int i = 0; i < _layout.Hidden; i++) _h[i] = Uniform(n, 2 + 3 * k, i) < _phk[i] ? 1f : 0f;
                _h[_layout.HiddenBias] = 1;
                VisibleReconstruction(_h, _v1, n, 3 + 3 * k);
                HiddenProbabilities(_v1, _phk, n, 4 + 3 * k);
            }
            // Both phases' statistics from the W the chain ran on (on-line, W changes only after the sample's chain):
            // v0 (x) p(h | v0) and vk (x) p(h | vk), each through the masks of the pass that produced it.
            Accumulate(target, _v0, _ph0, lr, n, 1);
            Accumulate(target, _v1, _phk, -lr, n, 4 + 3 * (_s.CdK - 1));
            for (int j = 0; j < _layout.Visible; j++) { double d = _v0[j] - _v1[j]; error += d * d; }
        }
        if (_s.Batch > 1)
        {
            var w = Weights.AsSpan();
            int i = 0;
            for (; i <= w.Length - Vector<float>.Count; i += Vector<float>.Count)
                (new Vector<float>(w.Slice(i)) + new Vector<float>(_grad, i)).CopyTo(w.Slice(i));
            for (; i < w.Length; i++) w[i] += _grad[i];
        }
        // The corner joins two bias units: held at zero.
        Weights[_layout.VisibleBias * _cols + _layout.HiddenBias] = 0;
        return error;
    }

    ulong MaskKey(long presentation, int phase, int direction, int pre)
        => CounterRng.RowKey(_s.Seed, CounterRng.StreamBlankOut, (ulong)presentation * 4096 + (ulong)phase, direction, pre);

    /// <summary>p(h_i = 1 | v) for every hidden unit; the bias entry is set to 1. v includes the bias unit (1).</summary>
    void HiddenProbabilities(float[] v, float[] ph, long presentation, int phase)
    {
        var drive = ph.AsSpan(0, _cols);
        drive.Clear();
        for (int j = 0; j < _rows; j++)
        {
            float x = v[j];
            if (x == 0) continue;
            var row = Weights.AsSpan(j * _cols, _cols);
            if (Masked)
            {
                // x is 1 here (binary states); the row's mask for this use, one draw per synapse.
                var bits = _bits.AsSpan(0, _cols);
                CounterRng.RowBitsInto(MaskKey(presentation, phase, 0, j), bits);
                for (int i = 0; i < _cols; i++) if (bits[i] < _maskThreshold) drive[i] += row[i];
            }
            else Axpy(x, row, drive);
        }
        for (int i = 0; i < _layout.Hidden; i++) ph[i] = Sigmoid(drive[i]);
        ph[_layout.HiddenBias] = 1;
    }

    /// <summary>The reconstruction v1 from binary hidden states h (bias entry 1): pixel probabilities, labels by softmax
    /// over classes or as independent units. The discrete S2M samples every visible unit (its next product takes binary
    /// states); the RBM keeps probabilities (Hinton's guide).</summary>
    void VisibleReconstruction(float[] h, float[] v1, long presentation, int phase)
    {
        for (int j = 0; j < _layout.Visible; j++)
        {
            var row = Weights.AsSpan(j * _cols, _cols);
            float s = 0;
            if (Masked)
            {
                var bits = _bits.AsSpan(0, _cols);
                CounterRng.RowBitsInto(MaskKey(presentation, phase, 1, j), bits);
                for (int i = 0; i < _cols; i++) if (h[i] != 0 && bits[i] < _maskThreshold) s += row[i];
            }
            else s = Dot(row, h);
            v1[j] = s;
        }
        for (int j = 0; j < _layout.Pixels; j++) v1[j] = Sigmoid(v1[j]);
        int L = _layout.LabelUnits, start = _layout.LabelStart;
        if (_s.Labels == LabelKind.Softmax)
        {
            Span<double> logit = stackalloc double[_layout.Classes];
            double max = double.NegativeInfinity;
            for (int y = 0; y < _layout.Classes; y++)
            {
                double a = 0;
                for (int l = 0; l < L; l++) a += v1[start + y * L + l];
                logit[y] = a; max = Math.Max(max, a);
            }
            double z = 0;
            for (int y = 0; y < _layout.Classes; y++) { logit[y] = Math.Exp(logit[y] - max); z += logit[y]; }
            int chosen = -1;
            if (Masked)
            {
                double u = Uniform(presentation, phase, _layout.Visible), c = 0;
                for (int y = 0; y < _layout.Classes && chosen < 0; y++) { c += logit[y] / z; if (u < c) chosen = y; }
                if (chosen < 0) chosen = _layout.Classes - 1;
            }
            for (int y = 0; y < _layout.Classes; y++)
                for (int l = 0; l < L; l++) v1[start + y * L + l] = Masked ? (y == chosen ? 1f : 0f) : (float)(logit[y] / z);
        }
        else
            for (int j = start; j < _layout.Visible; j++) v1[j] = Sigmoid(v1[j]);
        if (Masked)
            for (int j = 0; j < (_s.Labels == LabelKind.Softmax ? _layout.Pixels : _layout.Visible); j++)
                v1[j] = Uniform(presentation, phase, j) < v1[j] ? 1f : 0f;
        v1[_layout.VisibleBias] = 1;
    }

    /// <summary>target[j, i] += lr v_j ph_i for every row with v_j != 0 (bias row and column included); with blank-out,
    /// only for the synapses whose mask transmitted in the pass that produced ph.</summary>
    void Accumulate(float[] target, float[] v, float[] ph, float lr, long presentation, int phase)
    {
        for (int j = 0; j < _rows; j++)
        {
            float x = v[j];
            if (x == 0) continue;
            var row = target.AsSpan(j * _cols, _cols);
            if (Masked)
            {
                var bits = _bits.AsSpan(0, _cols);
                CounterRng.RowBitsInto(MaskKey(presentation, phase, 0, j), bits);
                float a = lr * x;
                for (int i = 0; i < _cols; i++) if (bits[i] < _maskThreshold) row[i] += a * ph[i];
            }
            else Axpy(lr * x, ph, row);
        }
    }

    static void Axpy(float a, ReadOnlySpan<float> x, Span<float> y)
    {
        int i = 0, n = y.Length;
        var va = new Vector<float>(a);
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            (new Vector<float>(y.Slice(i)) + va * new Vector<float>(x.Slice(i))).CopyTo(y.Slice(i));
        for (; i < n; i++) y[i] += a * x[i];
    }

    static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int i = 0, n = a.Length;
        var acc = Vector<float>.Zero;
        for (; i <= n - Vector<float>.Count; i += Vector<float>.Count) acc += new Vector<float>(a.Slice(i)) * new Vector<float>(b.Slice(i));
        float s = Vector.Sum(acc);
        for (; i < n; i++) s += a[i] * b[i];
        return s;
    }

    /// <summary>The class of an image by free energy (<see cref="FreeEnergy.Classify"/>), pixels read as the training
    /// reads them (binarised or intensities), weights times <see cref="ReadoutScale"/>.</summary>
    public int Classify(ReadOnlySpan<byte> image, float[] pixels)
    {
        for (int j = 0; j < _layout.Pixels; j++)
        {
            float x = image[j] / 255f;
            pixels[j] = _s.BinarisePixels ? (x >= 0.5f ? 1f : 0f) : x;
        }
        return FreeEnergy.Classify(_layout, Weights, pixels, ReadoutScale);
    }

    /// <summary>Mean squared error of one mean-field reconstruction (v0 -> p(h) -> p(v)) over the given samples, without
    /// blank-out: how well the machine models its data (falls as CD learns).</summary>
    public double ReconstructionError(IReadOnlyList<(byte[] Image, int Label)> samples)
    {
        double err = 0;
        var v = new float[_rows]; var ph = new float[_cols]; var r = new float[_rows];
        foreach (var (image, label) in samples)
        {
            for (int j = 0; j < _layout.Pixels; j++) { float x = image[j] / 255f; v[j] = _s.BinarisePixels ? (x >= 0.5f ? 1f : 0f) : x; }
            for (int j = _layout.LabelStart; j < _layout.Visible; j++) v[j] = 0;
            for (int l = 0; l < _layout.LabelUnits; l++) v[_layout.LabelStart + label * _layout.LabelUnits + l] = 1;
            v[_layout.VisibleBias] = 1;
            var drive = ph.AsSpan(); drive.Clear();
            double p = ReadoutScale;
            for (int j = 0; j < _rows; j++) if (v[j] != 0) Axpy((float)(p * v[j]), Weights.AsSpan(j * _cols, _cols), drive);
            for (int i = 0; i < _layout.Hidden; i++) ph[i] = Sigmoid(ph[i]);
            ph[_layout.HiddenBias] = 1;
            for (int j = 0; j < _layout.Pixels; j++)
            {
                r[j] = Sigmoid((float)(p * Dot(Weights.AsSpan(j * _cols, _cols), ph)));
                double d = v[j] - r[j]; err += d * d;
            }
        }
        return err / (samples.Count * (double)_layout.Pixels);
    }
}
