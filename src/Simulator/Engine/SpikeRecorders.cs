namespace Neuromorphic.Simulator.Engine;

/// <summary>Receives every step's spikes, for rasters, per-step counts and parity checks.</summary>
public interface ISpikeRecorder
{
    void OnSpikes(int step, int population, int lane, ReadOnlySpan<int> neurons);
}

/// <summary>A recorder that also samples the state of chosen neurons every step (after the step's spikes), as Brian2's
/// StateMonitor does. The CPU backend calls it for its two-compartment populations; the GPU kernels keep the state on
/// the device and do not (<see cref="CpuEngine"/>).</summary>
public interface IStateRecorder : ISpikeRecorder
{
    /// <summary>Neurons of <paramref name="population"/> whose state to report (empty: none).</summary>
    int[] StateNeurons(int population);
    /// <summary>Neuron <c>StateNeurons(population)[slot]</c> at the end of <paramref name="step"/>: synaptic current I,
    /// somatic potential V and dendritic potential U, all in mV.</summary>
    void OnState(int step, int population, int lane, int slot, float currentMv, float somaMv, float dendriteMv);
}
