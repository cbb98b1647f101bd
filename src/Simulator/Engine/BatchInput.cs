namespace Neuromorphic.Simulator.Engine;

/// <summary>The samples of one batch: lane b shows image b (and, while training, its label).</summary>
public sealed class BatchInput
{
    public BatchInput(int capacity, int inputSize)
    {
        Pixels = new byte[capacity * inputSize];
        Labels = new int[capacity];
        Presentations = new long[capacity];
        InputSize = inputSize;
    }
    public int InputSize { get; }
    /// <summary>Lanes in use (the rest are idle).</summary>
    public int Count { get; set; }
    public byte[] Pixels { get; }
    /// <summary>True class per lane, -1 for none (test time).</summary>
    public int[] Labels { get; }
    /// <summary>Presentation number per lane: keys the lane's random numbers, so a sample sees the same
    /// input spikes whatever the batch size or the lane it runs in.</summary>
    public long[] Presentations { get; }

    /// <summary>Fills lanes 0..<paramref name="count"/>-1 from <paramref name="set"/> and sets <see cref="Count"/>: lane b gets
    /// the pixels of image <paramref name="image"/>(b), its label when <paramref name="withLabels"/> (a training sample;
    /// otherwise -1, the label neurons stay silent) and presentation number <paramref name="presentation"/>(b). The one
    /// loop that turns images into a batch (training, evaluation, activity, `run`, `bench`, `plot raster`).</summary>
    public void Fill(Data.IdxImageSet set, int count, Func<int, int> image, Func<int, long> presentation, bool withLabels)
    {
        if (count < 0 || count > Labels.Length) throw new ArgumentOutOfRangeException(nameof(count), count, $"a batch of {Labels.Length} lanes");
        if (set.PixelsPerImage != InputSize) throw new ArgumentException($"images of {set.PixelsPerImage} pixels for an input of {InputSize}",
            nameof(set));
        Count = count;
        for (int b = 0; b < count; b++)
        {
            int idx = image(b);
            set.Image(idx).CopyTo(Pixels.AsSpan(b * InputSize, InputSize));
            Labels[b] = withLabels ? set.Labels[idx] : -1;
            Presentations[b] = presentation(b);
        }
    }
}
