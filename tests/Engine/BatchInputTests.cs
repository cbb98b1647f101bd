using Neuromorphic.Simulator.Data;
using Neuromorphic.Simulator.Engine;
using NUnit.Framework;

namespace Neuromorphic.Tests.Engine;

public class BatchInputTests
{
    /// <summary>Four 2x3 images whose pixels name the image (image i: every pixel 10 i + position), labels 3, 1, 4, 1.</summary>
    internal static IdxImageSet Images() =>
        new(Enumerable.Range(0, 4).SelectMany(i => Enumerable.Range(0, 6).Select(j => (byte)(10 * i + j))).ToArray(), [3, 1, 4, 1], 2, 3);

    [Test]
    public void FillPutsEachImageItsLabelAndItsPresentationIntoItsLane()
    {
        var input = new BatchInput(4, 6);
        input.Fill(Images(), 3, b => 3 - b, b => 100 + b, withLabels: true);
        Assert.That(input.Count, Is.EqualTo(3));
        Assert.That(input.Pixels.AsSpan(0, 18).ToArray(), Is.EqualTo(new byte[] { 30, 31, 32, 33, 34, 35, 20, 21, 22, 23, 24, 25, 10, 11, 12, 13, 14, 15 }));
        Assert.That(input.Labels.Take(3), Is.EqualTo(new[] { 1, 4, 1 }));
        Assert.That(input.Presentations.Take(3), Is.EqualTo(new long[] { 100, 101, 102 }));
    }

    [Test]
    public void FillWithoutLabelsLeavesTheLabelNeuronsSilent()
    {
        var input = new BatchInput(2, 6);
        input.Fill(Images(), 2, b => b, b => b, withLabels: false);
        Assert.That(input.Labels, Is.EqualTo(new[] { -1, -1 }));
    }

    [Test]
    public void FillRefusesMoreLanesThanTheBatchHasAndImagesOfAnotherSize()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchInput(2, 6).Fill(Images(), 3, b => b, b => b, false));
        Assert.Throws<ArgumentException>(() => new BatchInput(2, 5).Fill(Images(), 1, b => b, b => b, false));
    }
}
