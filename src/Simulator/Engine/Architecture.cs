using System.Globalization;

namespace Neuromorphic.Simulator.Engine;

/// <summary>Layer sizes of a feed-forward network, written 784-200-10 (inputs, hidden layers, classes).</summary>
public static class Architecture
{
    /// <summary>Caps: neurons in one layer, and forward weights in the whole network (400 MB of float32; the
    /// training machinery adds feedback matrices and per-lane state on top).</summary>
    public const int MaxLayerSize = 1_000_000;
    public const long MaxWeights = 100_000_000;
    /// <summary>Pixels of an MNIST digit: the input layer of every network that run, bench, train and test simulate.</summary>
    public const int MnistInputs = 784;

    public static int[] Parse(string text, string option = "--arch")
    {
        if (string.IsNullOrWhiteSpace(text))
            throw new NeuromorphicException($"{option}: empty architecture; expected layer sizes such as 784-200-10");
        var parts = text.Trim().Split('-');
        if (parts.Length < 2)
            throw new NeuromorphicException($"{option} '{text}': needs at least an input and an output layer, e.g. 784-200-10");
        var sizes = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out long v) || v <= 0)
                throw new NeuromorphicException($"{option} '{text}': layer {i + 1} ('{parts[i]}') is not a positive whole number of neurons");
            if (v > MaxLayerSize)
                throw new NeuromorphicException($"{option} '{text}': layer {i + 1} has {v} neurons, more than the cap of "
                    + $"{MaxLayerSize:N0} per layer");
            sizes[i] = (int)v;
        }
        Check(sizes, $"{option} '{text}'");
        return sizes;
    }

    /// <summary>Refuses sizes outside 1..<see cref="MaxLayerSize"/> or more than <see cref="MaxWeights"/> forward
    /// weights, before anything is allocated; <paramref name="where"/> names the option or file.</summary>
    public static void Check(IReadOnlyList<int> sizes, string where)
    {
        if (sizes.Count < 2) throw new NeuromorphicException($"{where}: needs at least an input and an output layer");
        for (int i = 0; i < sizes.Count; i++)
            if (sizes[i] <= 0 || sizes[i] > MaxLayerSize)
                throw new NeuromorphicException($"{where}: layer {i + 1} has {sizes[i]} neurons, expected 1..{MaxLayerSize:N0}");
        long weights = ForwardWeights(sizes);
        if (weights > MaxWeights)
            throw new NeuromorphicException($"{where}: {Format(sizes)} has {weights:N0} forward weights, more than the cap of {MaxWeights:N0}");
    }

    /// <summary>Weights of the forward projections: the sum of the products of adjacent sizes (no overflow for sizes up to 10^6).</summary>
    public static long ForwardWeights(IReadOnlyList<int> sizes)
    {
        long w = 0;
        for (int i = 0; i + 1 < sizes.Count; i++) w += (long)sizes[i] * sizes[i + 1];
        return w;
    }

    public static string Format(IReadOnlyList<int> sizes) => string.Join('-', sizes);
}
