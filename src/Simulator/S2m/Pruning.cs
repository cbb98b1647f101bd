using Neuromorphic.Simulator.Engine;

namespace Neuromorphic.Simulator.S2m;

/// <summary>Removes the weakest synapses of a trained network (MODEL.md section 7: S2M after pruning 80%).</summary>
public static class Pruning
{
    /// <summary>
    /// Masks the given fraction of the smallest |w| among the plastic synapses that join two neurons
    /// (for an S2M: the visible-hidden weights; the bias row and column stay) and sets them to zero.
    /// Already-pruned synapses count as removed. Ties at the threshold are broken by index, so the result
    /// is deterministic. Returns the number of synapses removed in total.
    /// </summary>
    public static int PruneWeakest(Network net, SimulationConfig config, double fraction)
    {
        if (!(fraction > 0 && fraction < 1)) throw new NeuromorphicException($"--prune must lie in (0, 1), got {fraction}");
        int removed = 0;
        for (int q = 0; q < net.Projections.Count; q++)
        {
            var p = net.Projections[q];
            if (!p.Plastic) continue;
            int rows = net.Populations[p.Source].Size, cols = net.Populations[p.Target].Size;
            bool s2m = config.Rule == RuleKind.S2m;
            var eligible = new List<int>(p.Weights.Length);
            for (int j = 0; j < rows; j++)
                for (int i = 0; i < cols; i++)
                    if (!s2m || (j < rows - 1 && i < cols - 1)) eligible.Add(j * cols + i);
            var mask = p.Mask ?? Enumerable.Repeat((byte)1, p.Weights.Length).ToArray();
            var order = eligible.OrderBy(k => mask[k] == 0 ? -1f : Math.Abs(p.Weights[k])).ThenBy(k => k).ToArray();
            int cut = (int)Math.Round(fraction * order.Length);
            for (int n = 0; n < cut; n++) { mask[order[n]] = 0; p.Weights[order[n]] = 0f; }
            p.Mask = mask;
            removed += cut;
        }
        return removed;
    }
}
