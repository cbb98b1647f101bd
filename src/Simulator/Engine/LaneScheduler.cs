namespace Neuromorphic.Simulator.Engine;

/// <summary>
/// Runs the independent lanes of a batch on the native CPU path: one worker per core, each taking the next lane
/// from a shared counter until none is left, the costliest lanes first. Lanes never meet, so the order changes
/// no result, only how evenly the cores finish: a batch ends when its last lane does, and handing out the long
/// lanes first leaves short ones to fill the gaps.
/// </summary>
public static class LaneScheduler
{
    /// <summary>At most one worker per core. Unbounded, Parallel.For asks the thread pool for more workers than
    /// cores and they preempt one another.</summary>
    public static readonly ParallelOptions Options = new() { MaxDegreeOfParallelism = Environment.ProcessorCount };

    /// <summary>Calls <paramref name="lane"/> once for every lane 0..n-1, in parallel, in decreasing order of
    /// <paramref name="cost"/> (any estimate; null keeps lane order).</summary>
    public static void Run(int n, Func<int, long>? cost, Action<int> lane)
    {
        if (n <= 0) return;
        if (n == 1) { lane(0); return; }
        var order = new int[n];
        for (int b = 0; b < n; b++) order[b] = b;
        if (cost != null)
        {
            var keys = new long[n];
            for (int b = 0; b < n; b++) keys[b] = -cost(b);
            Array.Sort(keys, order);
        }
        int next = -1;
        Parallel.For(0, Math.Min(n, Environment.ProcessorCount), Options, _ =>
        {
            int k;
            while ((k = Interlocked.Increment(ref next)) < n) lane(order[k]);
        });
    }
}
