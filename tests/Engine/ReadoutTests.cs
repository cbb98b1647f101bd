using Neuromorphic.Simulator.Engine;
using Neuromorphic.Simulator.S2m;
using NUnit.Framework;

namespace Neuromorphic.Tests.Engine;

/// <summary>The readout's pure functions (BatchResult.Predicted's use of them: EngineTests).</summary>
public class ReadoutTests
{
    [Test]
    public void PredictTakesMostSpikesThenTheLargerDriveAndMinusOneOnlyWhenNothingDiffers()
    {
        Assert.That(Readout.Predict([1, 4, 2], [9f, 0f, 9f]), Is.EqualTo(1), "most spikes wins whatever the drive");
        Assert.That(Readout.Predict([3, 3, 1], [1f, 2f, 50f]), Is.EqualTo(1), "a tie goes to the larger drive");
        Assert.That(Readout.Predict([0, 0, 0], [-5f, -2f, -7f]), Is.EqualTo(1), "silence: the larger drive");
        Assert.That(Readout.Predict([2, 2], [0f, 0f]), Is.EqualTo(0), "a full tie with spikes: the lower class");
        Assert.That(Readout.Predict([0, 0], [1f, 1f]), Is.EqualTo(-1), "nothing distinguishes them");
    }

    [Test]
    public void S2mLabelCountsSumEachClassesLabelUnits()
    {
        var l = new S2mLayout(Pixels: 4, Classes: 3, LabelUnits: 2, Hidden: 5);
        var units = new int[l.Rows];
        for (int j = 0; j < units.Length; j++) units[j] = 100; // pixels and bias: not label units, never counted
        for (int u = 0; u < l.Classes * l.LabelUnits; u++) units[l.LabelStart + u] = u + 1;
        var counts = new int[l.Classes];
        Readout.LabelCounts(units, l, counts);
        Assert.That(counts, Is.EqualTo(new[] { 1 + 2, 3 + 4, 5 + 6 }));
    }
}
