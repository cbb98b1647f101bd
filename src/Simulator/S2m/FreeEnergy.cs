namespace Neuromorphic.Simulator.S2m;

/// <summary>
/// The free energy of a restricted Boltzmann machine stored in the S2M layout (<see cref="S2mLayout"/>: one
/// [visible + 1][hidden + 1] matrix whose last row holds the hidden biases and last column the visible biases),
/// and the class-RBM readout by it: the class y whose label units, switched on with the image, give the lowest
/// free energy (Larochelle and Bengio 2008; the 2014 eCD paper read its learning curves out this way).
/// <code>
///   F(v) = - sum_j v_j b_j  -  sum_i softplus(x_i(v)),   x_i(v) = s (c_i + sum_j v_j W_ji) + shift
///   b_j = s W[j, bias column],  c_i = W[bias row, i]
/// </code>
/// <c>s</c> (the scale argument) turns stored weights into energy units (1 for a machine trained as an RBM;
/// energy per mV for an S2M's weights), <c>shift</c> is added to every hidden drive in energy units (0 for an RBM; the
/// sampler's threshold for an S2M). F is -log of the unnormalised marginal p(v): exp(-F(v)) = sum over h of exp(-E(v, h)),
/// E(v, h) = -sum_j v_j b_j - sum_i h_i x_i(v). v may be probabilities (mean-field reading of grey pixels).
/// </summary>
public static class FreeEnergy
{
    /// <summary>log(1 + e^x) without overflow.</summary>
    public static double Softplus(double x) => x > 0 ? x + Math.Log(1 + Math.Exp(-x)) : Math.Log(1 + Math.Exp(x));

    /// <summary>F(v) for a full visible vector (pixels and label units, without the bias unit).</summary>
    public static double Of(S2mLayout layout, ReadOnlySpan<float> weights, ReadOnlySpan<float> visible, double scale = 1, double shift = 0)
    {
        Check(layout, weights);
        if (visible.Length != layout.Visible) throw new ArgumentException($"visible vector of {visible.Length}, layout has {layout.Visible}");
        int cols = layout.Columns;
        var drive = new double[layout.Hidden];
        for (int i = 0; i < layout.Hidden; i++) drive[i] = weights[layout.VisibleBias * cols + i];
        double f = 0;
        for (int j = 0; j < layout.Visible; j++)
        {
            double v = visible[j];
            if (v == 0) continue;
            var row = weights.Slice(j * cols, cols);
            f -= scale * v * row[layout.HiddenBias];
            for (int i = 0; i < layout.Hidden; i++) drive[i] += v * row[i];
        }
        for (int i = 0; i < layout.Hidden; i++) f -= Softplus(scale * drive[i] + shift);
        return f;
    }

    /// <summary>
    /// The class of the image <paramref name="pixels"/> (layout.Pixels values) by free energy: argmin over classes y of
    /// F(pixels, label group y on, other label units off); ties go to the lower class. The pixels' own bias terms are the
    /// same for every class and are left out. <paramref name="energies"/> (layout.Classes), when given, receives
    /// F(pixels, y) minus those pixel bias terms.
    /// </summary>
    public static int Classify(S2mLayout layout, ReadOnlySpan<float> weights, ReadOnlySpan<float> pixels, double scale = 1, double shift = 0,
        Span<double> energies = default)
    {
        Check(layout, weights);
        if (pixels.Length != layout.Pixels) throw new ArgumentException($"image of {pixels.Length} pixels, layout has {layout.Pixels}");
        int cols = layout.Columns, h = layout.Hidden;
        // Hidden drive from the pixels and the hidden bias, computed once; each class adds its label group's rows.
        var baseDrive = new float[h];
        weights.Slice(layout.VisibleBias * cols, h).CopyTo(baseDrive);
        for (int j = 0; j < layout.Pixels; j++)
        {
            float v = pixels[j];
            if (v == 0) continue;
            var row = weights.Slice(j * cols, h);
            for (int i = 0; i < h; i++) baseDrive[i] += v * row[i];
        }
        var drive = new float[h];
        int best = -1;
        double bestF = double.PositiveInfinity;
        for (int y = 0; y < layout.Classes; y++)
        {
            baseDrive.CopyTo(drive, 0);
            double f = 0;
            for (int l = 0; l < layout.LabelUnits; l++)
            {
                var row = weights.Slice((layout.LabelStart + y * layout.LabelUnits + l) * cols, cols);
                f -= scale * row[layout.HiddenBias];
                for (int i = 0; i < h; i++) drive[i] += row[i];
            }
            for (int i = 0; i < h; i++) f -= Softplus(scale * drive[i] + shift);
            if (!energies.IsEmpty) energies[y] = f;
            if (f < bestF) { bestF = f; best = y; }
        }
        return best < 0 ? 0 : best;
    }

    /// <summary>The classes of images first .. first + count - 1 of <paramref name="set"/> by <see cref="Classify"/>, pixels
    /// read as intensities byte / 255 in [0, 1].</summary>
    public static int[] ClassifyImages(S2mLayout layout, float[] weights, Data.IdxImageSet set, int first, int count, double scale = 1,
        double shift = 0)
    {
        if (set.PixelsPerImage != layout.Pixels) throw new NeuromorphicException($"images of {set.PixelsPerImage} pixels, the machine has "
            + $"{layout.Pixels} pixel units");
        var predictions = new int[count];
        var x = new float[layout.Pixels];
        for (int n = 0; n < count; n++)
        {
            var image = set.Image(first + n);
            for (int j = 0; j < x.Length; j++) x[j] = image[j] / 255f;
            predictions[n] = Classify(layout, weights, x, scale, shift);
        }
        return predictions;
    }

    static void Check(S2mLayout layout, ReadOnlySpan<float> weights)
    {
        if (weights.Length != (long)layout.Rows * layout.Columns)
            throw new ArgumentException($"{weights.Length} weights, layout needs {(long)layout.Rows * layout.Columns}");
    }
}

/// <summary>
/// How an S2M's weights (mV) are read as an RBM for <see cref="FreeEnergy"/>. A sampler fires when its blanked-out input
/// times the PSP peak gain G crosses the threshold theta: P(spike) = Phi(u), u = (p sum w z - theta/G) / sigma,
/// sigma = sqrt(p (1-p) sum w^2 z) (docs/s2m.md, "How blank-out gives the erf activation"), and Phi(u) is close to the
/// logistic sigmoid of 1.702 u. Taking one sigma for the whole machine gives an RBM with weights p W / sigma * 1.702 and
/// every hidden drive shifted by -theta/G / sigma * 1.702: <see cref="Scale"/> and <see cref="Shift"/>. One sigma for all
/// units and inputs is the approximation (the sampler's own sigma varies with its input): docs/s2m.md compares scales.
/// </summary>
public readonly record struct S2mEnergyReading(double EnergyPerMv, double TransmissionProbability, double ThresholdMv, double PeakGain)
{
    /// <summary>logit(Phi(u)) is about 1.702 u near the middle (the usual probit-logit factor).</summary>
    public const double ProbitToLogit = 1.702;

    /// <summary>The factor on the stored weights: energy per mV times the mean transmission p.</summary>
    public double Scale => EnergyPerMv * TransmissionProbability;
    /// <summary>The threshold, as a shift of every hidden drive in energy units.</summary>
    public double Shift => -EnergyPerMv * ThresholdMv / PeakGain;

    /// <summary>
    /// The energy per mV of the erf activation: 1.702 / sigma, sigma = sqrt(p (1-p) mean over images and hidden units of
    /// sum_j x_j W_ji^2) over the pixels x (in [0, 1]) of <paramref name="images"/> and the always-on bias unit (labels off).
    /// </summary>
    public static double ErfEnergyPerMv(S2mLayout layout, ReadOnlySpan<float> weights, double p, IReadOnlyList<float[]> images)
    {
        if (!(p > 0 && p < 1)) throw new NeuromorphicException($"an energy scale from the erf activation needs a blank-out "
            + $"probability in (0, 1), got {p}");
        if (images.Count == 0) throw new NeuromorphicException("an energy scale from the erf activation needs at least one image");
        int cols = layout.Columns, h = layout.Hidden;
        var sq = new double[h];
        double total = 0;
        foreach (var x in images)
        {
            Array.Clear(sq);
            for (int j = 0; j <= layout.Pixels; j++)
            {
                double v = j == layout.Pixels ? 1 : x[j];
                int row = j == layout.Pixels ? layout.VisibleBias : j;
                if (v == 0) continue;
                for (int i = 0; i < h; i++) { double w = weights[row * cols + i]; sq[i] += v * w * w; }
            }
            total += sq.Sum() / h;
        }
        double sigma = Math.Sqrt(p * (1 - p) * total / images.Count);
        if (!(sigma > 0)) throw new NeuromorphicException("an energy scale from the erf activation: the weights are all zero");
        return ProbitToLogit / sigma;
    }
}
