namespace Neuromorphic.Simulator.Engine;

/// <summary>What one batch produced.</summary>
public sealed class BatchResult(int capacity, int classes)
{
    public int Count { get; set; }
    public int Classes { get; } = classes;
    /// <summary>Prediction-neuron spike counts, [lane][class].</summary>
    public int[] OutputCounts { get; } = new int[capacity * classes];
    /// <summary>Synaptic events delivered on forward projections (one event = one addition).</summary>
    public long SynOps { get; set; }
    /// <summary>All spikes of all populations.</summary>
    public long Spikes { get; set; }

    /// <summary>Time integral of each prediction neuron's synaptic current over the sample (mV x steps),
    /// [lane][class]: the tie-break of <see cref="Predicted"/>.</summary>
    public float[] OutputDrive { get; } = new float[capacity * classes];

    /// <summary>The class of lane <paramref name="lane"/> by <see cref="Readout.Predict"/> (most spikes, ties to the
    /// larger integrated current, -1 when nothing distinguishes the classes).</summary>
    public int Predicted(int lane)
        => Readout.Predict(OutputCounts.AsSpan(lane * Classes, Classes), OutputDrive.AsSpan(lane * Classes, Classes));
}
