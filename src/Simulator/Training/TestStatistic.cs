using Neuromorphic.Simulator.Files;

namespace Neuromorphic.Simulator.Training;

/// <summary>The eRBP paper's figure: the mean test error of the last five tests on the test digits made during
/// training (the authors' driver tested all 10,000 digits every two training loops, at constant eta).</summary>
public static class TestStatistic
{
    public const int PaperCount = 5;

    /// <summary>Mean error of the last <paramref name="count"/> tests (fewer when the run has fewer) and how many it
    /// averages; null when the run made none. The run's test points when it has them, else its per-epoch tests (files
    /// written before test points were stored).</summary>
    public static (double MeanError, int Count, int TestSamples)? LastMeanError(IReadOnlyList<TestPoint> points,
        IReadOnlyList<EpochRecord> history, int count = PaperCount)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count));
        var tests = points.Count > 0
            ? points.Where(p => p.TestSamples > 0 && double.IsFinite(p.TestAccuracy)).Select(p => (Error: 1 - p.TestAccuracy, p.TestSamples)).ToList()
            : history.Where(e => e.TestSamples > 0 && double.IsFinite(e.TestAccuracy)).Select(e =>
                (Error: 1 - e.TestAccuracy, e.TestSamples)).ToList();
        if (tests.Count == 0) return null;
        var last = tests.Skip(Math.Max(0, tests.Count - count)).ToList();
        return (last.Average(t => t.Error), last.Count, last.Min(t => t.TestSamples));
    }
}
