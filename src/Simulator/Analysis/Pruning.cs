using Neuromorphic.Simulator.Engine;

namespace Neuromorphic.Simulator.Analysis;

/// <summary>Removes the weakest synapses of a network: the one pruning of `train --prune` and `sweep --prune`
/// (MODEL.md section 7: an S2M after pruning 80%).</summary>
public static class Pruning
{
    /// <summary>
    /// Masks the given fraction of the smallest |w| of every forward projection and sets them to zero; pruned
    /// synapses neither transmit nor learn. In an S2M only the weights that join two neurons are candidates (the
    /// bias row and column stay). Already-pruned synapses count as removed. Ties are broken by index, so the result
    /// is deterministic. Returns the number of synapses removed in total (0 for a fraction of 0).
    /// </summary>
    public static int PruneWeakest(Network net, double fraction)
    {
        if (!(fraction >= 0 && fraction < 1)) throw new NeuromorphicException($"--prune must lie in [0, 1), got {fraction}");
        if (fraction == 0) return 0;
        bool s2m = net.Populations[0].Kind == PopulationKind.Sampler;
        int removed = 0;
        foreach (var p in net.ForwardProjections)
        {
            int rows = net.Populations[p.Source].Size, cols = net.Populations[p.Target].Size;
            var eligible = new List<int>(p.Weights.Length);
            for (int j = 0; j < rows; j++)
                for (int i = 0; i < cols; i++)
                    if (!s2m || (j < rows - 1 && i < cols - 1)) eligible.Add(j * cols + i);
            var mask = p.Mask?.ToArray() ?? Enumerable.Repeat((byte)1, p.Weights.Length).ToArray();
            var order = eligible.OrderBy(k => mask[k] == 0 ? -1f : Math.Abs(p.Weights[k])).ThenBy(k => k).ToArray();
            int cut = (int)Math.Round(fraction * order.Length);
            for (int n = 0; n < cut; n++) { mask[order[n]] = 0; p.Weights[order[n]] = 0f; }
            p.Mask = mask;
            removed += cut;
        }
        return removed;
    }
}
