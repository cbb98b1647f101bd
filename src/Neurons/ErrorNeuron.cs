namespace Neuromorphic.Neurons;

/// <summary>Parameters of the eRBP error neuron (MODEL.md section 4).</summary>
/// <param name="ThresholdMv">Firing threshold (100 mV); a spike subtracts it.</param>
public readonly record struct ErrorNeuronParameters(double ThresholdMv = 100.0)
{
    /// <summary>The published defaults (a bare <c>new()</c> of a record struct would give zeros).</summary>
    public ErrorNeuronParameters() : this(ThresholdMv: 100.0) { }

    public void Validate(string where) => LifParameters.Require(ThresholdMv, nameof(ThresholdMv), where);
}

/// <summary>
/// Error neuron E+ or E-: a non-leaky integrator with reset by subtraction and a floor at zero,
/// <code>
///   E &lt;- max(0, E + input);   E &gt;= theta =&gt; spike, E &lt;- E - theta
/// </code>
/// so that E+_k fires at about (w_L/theta)(label rate - prediction rate)+ and E-_k at the mirror image.
/// </summary>
public static class ErrorNeuron
{
    public static bool Step(ref float potential, float inputMv, float thresholdMv)
    {
        float e = potential + inputMv;
        if (e < 0f) e = 0f;
        bool spike = e >= thresholdMv;
        if (spike) e -= thresholdMv;
        potential = e;
        return spike;
    }
}
