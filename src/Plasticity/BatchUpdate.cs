namespace Neuromorphic.Plasticity;

/// <summary>How the updates of B samples learnt at once reach the shared weights.</summary>
public enum BatchUpdateMode
{
    /// <summary>Every step, the lanes update the one shared weight matrix in lane order (each lane sees the
    /// earlier lanes' changes at the next spike). The default; B = 1 is on-line learning.</summary>
    PerStep = 0,
    /// <summary>Each lane learns on a private copy of the weights for its whole sample; after the batch the
    /// lanes' changes are summed in lane order and added. Lanes need not meet every step, so a GPU runs the
    /// batch in one launch and the CPU runs lanes on all cores. B = 1 is on-line learning.</summary>
    PerSample = 1,
}

/// <summary>The per-sample batch update as pure functions, shared by the CPU path and the kernels:
/// W &lt;- W + sum over lanes b, in lane order, of (W_b - W), rounded to the nearest grid point when the
/// weights are fixed point (saturating at the end codes).</summary>
public static class BatchUpdate
{
    /// <summary>Adds one lane's change to the running sum.</summary>
    public static float Accumulate(float sum, float laneWeight, float sharedWeight) => sum + (laneWeight - sharedWeight);

    /// <summary>The new shared weight. <paramref name="nearestGrid"/> is the grid with round-to-nearest.</summary>
    public static float Apply(float sharedWeight, float sum, bool quantized, in QuantCoefficients nearestGrid)
    {
        float x = sharedWeight + sum;
        return quantized ? Quantizer.Quantize(x, nearestGrid, 0) : x;
    }
}
