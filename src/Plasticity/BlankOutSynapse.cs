namespace Neuromorphic.Plasticity;

/// <summary>
/// Blank-out (stochastic) synapse: each presynaptic event is transmitted to each synapse independently
/// with probability p; a synapse that does not transmit does not learn either (peRBP, S2M).
/// The caller draws 32 random bits from the counter-based generator keyed by (seed, step, synapse);
/// the threshold is p * 2^32 (2^32 for p = 1, 0 for p = 0), so p = 0 and p = 1 are exact.
/// </summary>
public static class BlankOutSynapse
{
    public static ulong Threshold(double transmissionProbability)
    {
        if (!(transmissionProbability >= 0 && transmissionProbability <= 1))
            throw new ArgumentException($"blank-out transmission probability must lie in [0, 1], got {transmissionProbability}");
        if (transmissionProbability >= 1) return 1UL << 32;
        return (ulong)Math.Round(transmissionProbability * 4294967296.0);
    }

    public static bool Transmits(uint randomBits, ulong threshold) => randomBits < threshold;
}
