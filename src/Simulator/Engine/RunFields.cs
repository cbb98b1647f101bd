namespace Neuromorphic.Simulator.Engine;

/// <summary>Names of a run's parameters that are not fields of <see cref="SimulationConfig"/> (the backend, the batch,
/// the layers), for <see cref="NeuromorphicException"/> naming its field messages; a front end spells them its own way, as it does the
/// configuration's fields (the CLI's option table: <c>Batch</c> is <c>--batch</c>).</summary>
public static class RunFields
{
    public const string Backend = "Backend";
    /// <summary>Lanes of the engine (samples simulated at once).</summary>
    public const string Batch = "Batch";
    /// <summary>Lanes of the validation and test engine of a training run.</summary>
    public const string TestBatch = "TestBatch";
    /// <summary>Hidden units of a network of one hidden layer (an S2M's hidden layer).</summary>
    public const string HiddenUnits = "HiddenUnits";
    /// <summary>Layer sizes of a feed-forward network (784-200-10).</summary>
    public const string Layers = "Layers";
    /// <summary>Which kernels run inference on an ILGPU backend: the fused network kernel or the per-phase kernels (<see
    /// cref="IlgpuEngine.UseFusedInference"/>).</summary>
    public const string InferenceKernel = "InferenceKernel";
    /// <summary>Threads per lane of ILGPU's fused network kernel at most (<see cref="IlgpuEngine.FusedGroupSizeLimit"/>).</summary>
    public const string GroupSize = "GroupSize";
    /// <summary>Training digits per epoch of a training run.</summary>
    public const string TrainSamples = "TrainSamples";
    /// <summary>Held-out digits a training run tests after each epoch.</summary>
    public const string ValidationSamples = "ValidationSamples";
    /// <summary>Training images a run draws from (50,000 or all 60,000).</summary>
    public const string TrainPool = "TrainPool";
    /// <summary>How an epoch draws its digits (<see cref="Training.SamplingKind"/>).</summary>
    public const string Sampling = "Sampling";
    /// <summary>Training samples between tests on the test digits during a run.</summary>
    public const string TestEvery = "TestEvery";
    /// <summary>Fraction of the weakest weights a resumed run removes before re-learning.</summary>
    public const string Prune = "Prune";
}
