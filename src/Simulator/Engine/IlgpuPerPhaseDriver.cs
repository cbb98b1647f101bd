using ILGPU;
using ILGPU.Runtime;
using Neuromorphic.Kernels;

namespace Neuromorphic.Simulator.Engine;

/// <summary>
/// The per-phase ILGPU driver: every step launches the kernels of kernels/StepKernels.cs in the population and
/// projection order of <see cref="CpuEngine"/> (integrate and <see cref="StepKernels.Compact"/> per population, one
/// delivery kernel per projection). It serves every case: a spike recorder (it copies the spike lists to the host
/// each step), per-step training with several lanes (<see cref="StepKernels.DeliverLearn"/> walks the lanes in order),
/// and whatever the fused network kernel does not cover. Owns one set of state buffers per population, [lane][neuron].
/// </summary>
internal sealed class IlgpuPerPhaseDriver : IDisposable
{
    sealed class PopBuffers : DeviceArrays
    {
        /// <summary>The neurons' state (<see cref="LifStateView"/>: an error neuron's potential is its V, an encoder's
        /// dead time its refractory count), in <see cref="LifFloats"/> and <see cref="LifInts"/>.</summary>
        public readonly LifStateView Lif;
        public readonly MemoryBuffer1D<float, Stride1D.Dense> LifFloats, InSoma, InDendrite, Drive;
        public readonly MemoryBuffer1D<int, Stride1D.Dense> LifInts, List, Counts, NeuronSpikes;
        public readonly MemoryBuffer1D<byte, Stride1D.Dense> Flags;
        /// <summary>The bias current per neuron (one element of 0 for a population without one).</summary>
        public readonly MemoryBuffer1D<float, Stride1D.Dense> Bias;

        public PopBuffers(Accelerator acc, int batch, int n, float[]? bias) : base(acc)
        {
            Bias = Constant(bias);
            long k = (long)batch * n;
            (LifFloats, LifInts) = (Buffer<float>(LifStateView.FloatVariables * k), Buffer<int>(LifStateView.IntVariables * k));
            Lif = LifStateView.Of(LifFloats.View, LifInts.View);
            (InSoma, InDendrite, Drive) = (Buffer<float>(k), Buffer<float>(k), Buffer<float>(k));
            (List, Counts, NeuronSpikes) = (Buffer<int>(k, rewrittenEachStep: true), Buffer<int>(batch), Buffer<int>(k));
            Flags = Buffer<byte>(k);
        }
    }

    readonly IlgpuShared _d;
    readonly PopBuffers[] _pops;
    readonly Action<Index1D, InputArgs, ArrayView<byte>, ArrayView<int>, ArrayView<long>, ArrayView<ulong>, ArrayView<int>, ArrayView<byte>,
        ArrayView<int>> _input;
    readonly Action<Index1D, LifArgs, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<long>, ArrayView<byte>,
        ArrayView<int>, ArrayView<float>, ArrayView<float>> _lif;
    readonly Action<Index1D, ErrorArgs, ArrayView<float>, ArrayView<float>, ArrayView<byte>, ArrayView<int>> _error;
    readonly Action<Index1D, int, ArrayView<byte>, ArrayView<int>, ArrayView<int>> _compact;
    readonly Action<Index1D, DeliverArgs, ArrayView<float>, ArrayView<byte>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<long>,
        ArrayView<long>> _deliver;
    readonly Action<Index1D, DeliverArgs, ArrayView<float>, ArrayView<byte>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>,
        ArrayView<float>, ArrayView<long>, ArrayView<long>> _deliverLearn;

    public IlgpuPerPhaseDriver(IlgpuShared shared)
    {
        _d = shared;
        var acc = shared.Accelerator;
        _pops = shared.Network.Populations.Select(p => new PopBuffers(acc, shared.BatchCapacity, p.Size, p.BiasMv)).ToArray();
        _input = acc.LoadAutoGroupedStreamKernel<Index1D, InputArgs, ArrayView<byte>, ArrayView<int>, ArrayView<long>, ArrayView<ulong>,
            ArrayView<int>, ArrayView<byte>, ArrayView<int>>(StepKernels.IntegrateInput);
        _lif = acc.LoadAutoGroupedStreamKernel<Index1D, LifArgs, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>,
            ArrayView<long>, ArrayView<byte>, ArrayView<int>, ArrayView<float>, ArrayView<float>>(StepKernels.IntegrateLif);
        _error = acc.LoadAutoGroupedStreamKernel<Index1D, ErrorArgs, ArrayView<float>, ArrayView<float>, ArrayView<byte>,
            ArrayView<int>>(StepKernels.IntegrateError);
        _compact = acc.LoadAutoGroupedStreamKernel<Index1D, int, ArrayView<byte>, ArrayView<int>, ArrayView<int>>(StepKernels.Compact);
        _deliver = acc.LoadAutoGroupedStreamKernel<Index1D, DeliverArgs, ArrayView<float>, ArrayView<byte>, ArrayView<int>, ArrayView<int>,
            ArrayView<float>, ArrayView<long>, ArrayView<long>>(StepKernels.Deliver);
        _deliverLearn = acc.LoadAutoGroupedStreamKernel<Index1D, DeliverArgs, ArrayView<float>, ArrayView<byte>, ArrayView<int>, ArrayView<int>,
            ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<long>, ArrayView<long>>(StepKernels.DeliverLearn);
    }

    /// <summary>Simulates the batch already loaded into the shared buffers (<see cref="IlgpuShared.Load"/>), step by step.</summary>
    public BatchResult Run(BatchInput input, int steps, bool learn, float learningRate, ISpikeRecorder? recorder)
    {
        int n = input.Count;
        var network = _d.Network;
        var constants = _d.Constants;
        var pops = network.Populations;
        var projs = network.Projections;
        int capacity = _d.BatchCapacity;
        foreach (var p in _pops) p.Zero();
        var hostList = recorder != null ? pops.Select(p => new int[capacity * p.Size]).ToArray() : null;
        var hostCounts = recorder != null ? pops.Select(_ => new int[capacity]).ToArray() : null;

        for (int step = 0; step < steps; step++)
        {
            for (int p = 0; p < pops.Count; p++)
            {
                var pop = pops[p];
                if (pop.ErrorPath && !learn) continue;
                var s = _pops[p];
                int extent = n * pop.Size;
                switch (pop.Kind)
                {
                    case PopulationKind.Data:
                    case PopulationKind.Label:
                        _input(extent, new InputArgs
                        {
                            Size = pop.Size, InputStride = input.InputSize, Population = p, RefractorySteps = constants.EncoderRefractorySteps,
                            Step = step, IsLabel = pop.Kind == PopulationKind.Label ? 1 : 0, Learn = learn ? 1 : 0, Seed = constants.Seed,
                        }, _d.Pixels.View, _d.Labels.View, _d.Presentations.View, _d.Thresholds.View, s.Lif.RefractoryStepsLeft, s.Flags.View,
                            s.NeuronSpikes.View);
                        break;
                    case PopulationKind.TwoCompartment:
                        var lif = new LifArgs
                        {
                            Coefficients = constants.Lif[p], Size = pop.Size, Population = p, Step = step, Seed = constants.Seed,
                            IsOutput = p == network.OutputPopulation ? 1 : 0, HasBias = pop.BiasMv != null ? 1 : 0,
                        };
                        _lif(extent, lif, s.LifFloats.View, s.LifInts.View, s.InSoma.View, s.InDendrite.View, _d.Presentations.View, s.Flags.View,
                            s.NeuronSpikes.View, s.Drive.View, s.Bias.View);
                        break;
                    case PopulationKind.Error:
                        var error = new ErrorArgs
                        {
                            ThresholdMv = constants.ErrorThresholdMv, StateBits = constants.StateBits, StateStepMv = constants.StateStepMv,
                        };
                        _error(extent, error, s.Lif.SomaMv, s.InSoma.View, s.Flags.View, s.NeuronSpikes.View);
                        break;
                }
                _compact(n, pop.Size, s.Flags.View, s.List.View, s.Counts.View);
            }
            for (int q = 0; q < projs.Count; q++)
            {
                var proj = projs[q];
                if (proj.ErrorPath && !learn) continue;
                var src = _pops[proj.Source];
                var dst = _pops[proj.Target];
                var inbox = proj.Compartment == Compartment.Soma ? dst.InSoma : dst.InDendrite;
                bool learnNow = learn && proj.Plastic && step >= constants.OnsetSteps;
                var args = new DeliverArgs
                {
                    PreSize = pops[proj.Source].Size, PostSize = pops[proj.Target].Size, Step = step, Projection = q, Lanes = n,
                    HasMask = proj.Mask != null ? 1 : 0, Forward = proj.Forward ? 1 : 0,
                    Seed = constants.Seed, BlankOutThreshold = constants.BlankOut[q], Rule = constants.Erbp[q].At(learningRate),
                };
                if (learnNow)
                    _deliverLearn(args.PostSize, args, _d.Weights[q].View, _d.Masks[q].View, src.List.View, src.Counts.View, inbox.View,
                        dst.Lif.SynapticCurrentMv, dst.Lif.DendriteMv, _d.Presentations.View, _d.SynOps.View);
                else
                    _deliver(n * args.PostSize, args, _d.Weights[q].View, _d.Masks[q].View, src.List.View, src.Counts.View, inbox.View,
                        _d.Presentations.View, _d.SynOps.View);
            }
            if (recorder != null)
            {
                _d.Accelerator.Synchronize();
                for (int p = 0; p < pops.Count; p++)
                {
                    if (pops[p].ErrorPath && !learn) continue;
                    _pops[p].List.CopyToCPU(hostList![p]);
                    _pops[p].Counts.CopyToCPU(hostCounts![p]);
                    for (int b = 0; b < n; b++)
                        recorder.OnSpikes(step, p, b, hostList[p].AsSpan(b * pops[p].Size, hostCounts[p][b]));
                }
            }
        }
        _d.Accelerator.Synchronize();
        var result = new BatchResult(capacity, network.Classes) { Count = n };
        var outCounts = new int[capacity * network.Classes];
        _pops[network.OutputPopulation].NeuronSpikes.CopyToCPU(outCounts);
        Array.Copy(outCounts, result.OutputCounts, n * network.Classes);
        var outDrive = new float[capacity * network.Classes];
        _pops[network.OutputPopulation].Drive.CopyToCPU(outDrive);
        Array.Copy(outDrive, result.OutputDrive, n * network.Classes);
        result.SynOps = _d.TotalSynOps(n);
        long spikes = 0;
        for (int p = 0; p < pops.Count; p++)
        {
            var counts = new int[capacity * pops[p].Size];
            _pops[p].NeuronSpikes.CopyToCPU(counts);
            for (int k = 0; k < n * pops[p].Size; k++) spikes += counts[k];
        }
        result.Spikes = spikes;
        return result;
    }

    /// <summary>Lane 0's I, V, U of a population after the last batch this driver ran.</summary>
    public float[][] ReadState(int population)
    {
        int size = _d.Network.Populations[population].Size;
        var s = _pops[population];
        float[] Read(ArrayView<float> view) { var a = new float[size]; view.SubView(0, size).CopyToCPU(a); return a; }
        return [Read(s.Lif.SynapticCurrentMv), Read(s.Lif.SomaMv), Read(s.Lif.DendriteMv)];
    }

    public void Dispose()
    {
        foreach (var p in _pops) p.Dispose();
    }
}
