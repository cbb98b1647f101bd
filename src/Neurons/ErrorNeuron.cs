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
    /// <summary>One step; with <paramref name="stateBits"/> &gt; 0 the potential is a signed code of
    /// <paramref name="stateStepMv"/> (input rounded to the nearest code, saturation at the S-bit range), as the
    /// two-compartment neuron's fixed-point state.</summary>
    public static bool Step(ref float potential, float inputMv, float thresholdMv, int stateBits, float stateStepMv)
    {
        if (stateBits == 0) return Step(ref potential, inputMv, thresholdMv);
        long max = (1L << (stateBits - 1)) - 1;
        long e = (long)MathF.Floor(potential / stateStepMv + 0.5f) + (long)MathF.Floor(inputMv / stateStepMv + 0.5f);
        if (e < 0) e = 0;
        if (e > max) e = max;
        long theta = (long)MathF.Floor(thresholdMv / stateStepMv + 0.5f);
        bool spike = e >= theta;
        if (spike) e -= theta;
        potential = e * stateStepMv;
        return spike;
    }

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
