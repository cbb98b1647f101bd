using Neuromorphic.Simulator.S2m;

namespace Neuromorphic.Simulator.Engine;

/// <summary>
/// The readout: how a sample's class is read from what the network did (docs/model.md section 10). Pure functions,
/// the one home of the rule; the engines fill <see cref="BatchResult"/>'s per-class counts and drive, and every caller
/// reads the class through <see cref="BatchResult.Predicted"/>, which calls <see cref="Predict"/>. Which S2M label
/// spikes are counted (after the burn-in or the whole sample, <see cref="S2mReadout"/>) is a window of the sample's
/// schedule, <see cref="S2mSchedule.CountFrom"/>; the kernels count inside it, on the device.
/// </summary>
public static class Readout
{
    /// <summary>Class of the prediction neuron with most spikes. Ties, silence included (no prediction neuron
    /// spiked), go to the neuron with the larger integrated synaptic current (<paramref name="drive"/>): the one
    /// driven harder, which would have spiked first or more often in a longer sample. -1 only when nothing at all
    /// distinguishes them (all counts 0 and all drives equal).</summary>
    public static int Predict(ReadOnlySpan<int> counts, ReadOnlySpan<float> drive)
    {
        int best = -1, bestCount = -1;
        float bestDrive = float.NegativeInfinity;
        bool allAlike = true;
        for (int k = 0; k < counts.Length; k++)
        {
            int c = counts[k];
            float d = drive[k];
            if (k > 0 && (c != counts[0] || d != drive[0])) allAlike = false;
            if (c > bestCount || (c == bestCount && d > bestDrive)) { bestCount = c; bestDrive = d; best = k; }
        }
        return allAlike && bestCount == 0 ? -1 : best;
    }

    /// <summary>S2M: the per-class counts of one lane, each class the sum of its <see cref="S2mLayout.LabelUnits"/>
    /// label units' spike counts (<paramref name="unitCounts"/>: the lane's visible units). The class is then read by
    /// <see cref="Predict"/> with no drive (all 0), so a tie goes to the lower class and silence gives -1.</summary>
    public static void LabelCounts(ReadOnlySpan<int> unitCounts, S2mLayout layout, Span<int> classCounts)
    {
        for (int k = 0; k < layout.Classes; k++)
        {
            int c = 0;
            for (int u = 0; u < layout.LabelUnits; u++) c += unitCounts[layout.LabelStart + k * layout.LabelUnits + u];
            classCounts[k] = c;
        }
    }
}
