namespace Neuromorphic.Simulator.Engine;

/// <summary>Layer sizes of a feed-forward network, written 784-200-10 (inputs, hidden layers, classes).</summary>
public static class Architecture
{
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
            if (!int.TryParse(parts[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out sizes[i]) || sizes[i] <= 0 || sizes[i] > 1_000_000)
                throw new NeuromorphicException($"{option} '{text}': layer {i + 1} ('{parts[i]}') is not a positive whole number of neurons");
        }
        return sizes;
    }

    public static string Format(IReadOnlyList<int> sizes) => string.Join('-', sizes);
}
