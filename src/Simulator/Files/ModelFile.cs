using System.Text.Json;
using MessagePack;
using Neuromorphic.Simulator.Engine;

namespace Neuromorphic.Simulator.Files;

/// <summary>One projection's weights as stored in a model file: row-major [pre][post].</summary>
[MessagePackObject]
public sealed class StoredProjection
{
    [Key(0)] public string Name { get; set; } = "";
    [Key(1)] public int Rows { get; set; }
    [Key(2)] public int Columns { get; set; }
    [Key(3)] public float[] Weights { get; set; } = [];
    [Key(4)] public byte[]? Mask { get; set; }
}

/// <summary>One population's bias currents as stored in a model file: mV per neuron, added to the synaptic current
/// every step (<see cref="Population.BiasMv"/>).</summary>
[MessagePackObject]
public sealed class StoredBias
{
    [Key(0)] public string Population { get; set; } = "";
    [Key(1)] public float[] BiasMv { get; set; } = [];
}

/// <summary>Training progress: where a resumed run continues.</summary>
[MessagePackObject]
public sealed class TrainingProgress
{
    [Key(0)] public int EpochsCompleted { get; set; }
    /// <summary>Samples of the current epoch already trained.</summary>
    [Key(1)] public int PositionInEpoch { get; set; }
    [Key(2)] public long SamplesSeen { get; set; }
    [Key(3)] public int Epochs { get; set; }
    [Key(4)] public int TrainSamples { get; set; }
    [Key(5)] public int Batch { get; set; }
    /// <summary>Training digits of the current epoch classified correctly while learning, and seen (so that a resumed
    /// epoch reports the same accuracy while learning as an uninterrupted one).</summary>
    [Key(6)] public int CorrectInEpoch { get; set; }
    [Key(7)] public int SeenInEpoch { get; set; }
    /// <summary>Forward synaptic events of the current epoch's training samples so far.</summary>
    [Key(8)] public long SynOpsInEpoch { get; set; }
    /// <summary>Training images the run draws from (--train-pool: 50,000, or 60,000 with no held-out validation);
    /// 0 in files written before the option existed (read as 50,000).</summary>
    [Key(9)] public int TrainPool { get; set; }
    /// <summary>How each epoch draws its digits (--sampling): 0 a seeded permutation, 1 class-balanced with replacement.</summary>
    [Key(10)] public int Sampling { get; set; }
    /// <summary>Training samples between tests on the test digits (--test-every; 0 = none).</summary>
    [Key(11)] public int TestEvery { get; set; }
    /// <summary>The run's other test settings (--test-every-epoch, --test-samples, --validation-samples), so that a
    /// resumed run keeps testing as it did; null in files written before they were stored.</summary>
    [Key(12)] public bool? TestEachEpoch { get; set; }
    [Key(13)] public int? TestSamples { get; set; }
    [Key(14)] public int? ValidationSamples { get; set; }
}

/// <summary>One test on the test digits during training (--test-every N or --test-every-epoch): the papers' learning
/// curve and their statistic, the mean test error of the last five such tests.</summary>
[MessagePackObject]
public sealed class TestPoint
{
    /// <summary>Training samples seen when the test ran (the whole run).</summary>
    [Key(0)] public long SamplesSeen { get; set; }
    [Key(1)] public int TestSamples { get; set; }
    [Key(2)] public double TestAccuracy { get; set; } = double.NaN;
    [Key(3)] public double SynOpsPerSample { get; set; }
}

/// <summary>One finished epoch in a model's training history. Only figures that a seeded run reproduces exactly
/// (no timings), so a resumed run's history equals the uninterrupted run's bit for bit.</summary>
[MessagePackObject]
public sealed class EpochRecord
{
    /// <summary>1-based epoch number.</summary>
    [Key(0)] public int Epoch { get; set; }
    [Key(1)] public double LearningRate { get; set; }
    /// <summary>Training samples seen by the end of the epoch (the whole run).</summary>
    [Key(2)] public long SamplesSeen { get; set; }
    /// <summary>Fraction of the epoch's training digits classified correctly while learning.</summary>
    [Key(3)] public double TrainAccuracy { get; set; }
    [Key(4)] public int ValidationSamples { get; set; }
    /// <summary>Accuracy on the held-out digits (NaN when none were tested).</summary>
    [Key(5)] public double ValidationAccuracy { get; set; } = double.NaN;
    [Key(6)] public int TestSamples { get; set; }
    /// <summary>Accuracy on the test digits (NaN unless --test-every-epoch).</summary>
    [Key(7)] public double TestAccuracy { get; set; } = double.NaN;
    [Key(8)] public double SynOpsPerSample { get; set; }
}

/// <summary>
/// The model file (MessagePack, versioned): architecture, every parameter (the <see cref="SimulationConfig"/>
/// as JSON text, so new fields do not break old readers), all weights including the fixed feedback
/// matrices, the seed, and training progress. Written atomically: temporary file, then rename.
/// </summary>
[MessagePackObject]
public sealed class ModelFile
{
    public const string Magic = "neuromorphic-model";
    public const int CurrentVersion = 1;

    [Key(0)] public string Format { get; set; } = Magic;
    [Key(1)] public int Version { get; set; } = CurrentVersion;
    [Key(2)] public int[] Layers { get; set; } = [];
    [Key(3)] public string ConfigJson { get; set; } = "";
    [Key(4)] public StoredProjection[] Projections { get; set; } = [];
    [Key(5)] public TrainingProgress Progress { get; set; } = new();
    [Key(6)] public string CreatedBy { get; set; } = "neuromorphic";
    /// <summary>Every finished epoch, in order (empty in files written before the history existed).</summary>
    [Key(7)] public List<EpochRecord> History { get; set; } = [];
    /// <summary>Every test on the test digits during training, in order (empty before --test-every existed).</summary>
    [Key(8)] public List<TestPoint> TestPoints { get; set; } = [];
    /// <summary>Bias currents of the populations that have one (NIR import of Affine biases); null for none, and in files
    /// written before they existed (which load unchanged, with no bias).</summary>
    [Key(9)] public StoredBias[]? Biases { get; set; }

    static readonly MessagePackSerializerOptions Options =
        MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);
    public static readonly JsonSerializerOptions Json = new() { IncludeFields = true, WriteIndented = false };

    public static ModelFile From(Network net, SimulationConfig config, TrainingProgress progress, List<EpochRecord>? history = null,
        List<TestPoint>? testPoints = null) => new()
        {
            History = history ?? [],
            TestPoints = testPoints ?? [],
            Layers = net.Layers,
            ConfigJson = JsonSerializer.Serialize(config, Json),
            Projections = net.Projections.Select(p => new StoredProjection
            {
                Name = p.Name, Rows = net.Populations[p.Source].Size, Columns = net.Populations[p.Target].Size,
                Weights = (float[])p.Weights.Clone(), Mask = p.Mask?.ToArray(),
            }).ToArray(),
            Progress = progress,
            Biases = net.Populations.Any(p => p.BiasMv != null)
            ? net.Populations.Where(p => p.BiasMv != null).Select(p =>
                new StoredBias { Population = p.Name, BiasMv = (float[])p.BiasMv!.Clone() }).ToArray()
            : null,
        };

    public SimulationConfig Config()
        => JsonSerializer.Deserialize<SimulationConfig>(ConfigJson, Json) ?? throw new NeuromorphicException("model file: empty configuration");

    /// <summary>Rebuilds the network: structure from the stored architecture and configuration, weights from the file.</summary>
    public Network ToNetwork(SimulationConfig config, string path)
    {
        if (config.Family == ModelFamily.SynapticSampling && Layers.Length != 3)
            throw new NeuromorphicException($"{path}: an S2M model stores layers [pixels, hidden, classes], got {Architecture.Format(Layers)}");
        var net = Networks.Build(Layers, config);
        if (net.Projections.Count != Projections.Length)
            throw new NeuromorphicException($"{path}: {Projections.Length} projections stored, the architecture {Architecture.Format(Layers)} of "
                + $"family {ModelFamilies.Name(config.Family)} with rule {config.Rule.ToString().ToLowerInvariant()} has {net.Projections.Count}");
        for (int q = 0; q < Projections.Length; q++)
        {
            var s = Projections[q];
            var p = net.Projections[q];
            int rows = net.Populations[p.Source].Size, cols = net.Populations[p.Target].Size;
            if (s.Name != p.Name || s.Rows != rows || s.Columns != cols || s.Weights.Length != rows * cols)
                throw new NeuromorphicException($"{path}: projection {q} is '{Text.Escape(s.Name)}' {s.Rows}x{s.Columns} with {s.Weights.Length} "
                    + $"weights; expected '{p.Name}' {rows}x{cols}");
            if (s.Mask != null && s.Mask.Length != rows * cols)
                throw new NeuromorphicException($"{path}: mask of '{Text.Escape(s.Name)}' has {s.Mask.Length} entries, expected {rows * cols}");
            if (s.Weights.Any(w => !float.IsFinite(w)))
                throw new NeuromorphicException($"{path}: projection '{Text.Escape(s.Name)}' holds a weight that is not a finite number");
            Array.Copy(s.Weights, p.Weights, s.Weights.Length);
            p.Mask = s.Mask;
        }
        foreach (var b in Biases ?? [])
        {
            int p = b == null ? -1 : net.Populations.FindIndex(x => x.Name == b.Population);
            if (b?.BiasMv == null || p < 0 || net.Populations[p].Kind != PopulationKind.TwoCompartment || net.Populations[p].BiasMv != null)
                throw new NeuromorphicException($"{path}: bias entry '{Text.Escape(b?.Population)}' names no population of two-compartment neurons "
                    + $"(or one named twice, or holds no values): "
                    + $"{string.Join(", ", net.Populations.Where(x => x.Kind == PopulationKind.TwoCompartment).Select(x => x.Name))} may carry a "
                    + $"bias");
            if (b.BiasMv.Length != net.Populations[p].Size || b.BiasMv.Any(v => !float.IsFinite(v)))
                throw new NeuromorphicException($"{path}: bias of '{Text.Escape(b.Population)}' holds {b.BiasMv.Length} values for "
                    + $"{net.Populations[p].Size} neurons, or a value that is not a finite number");
            net.Populations[p] = net.Populations[p] with { BiasMv = b.BiasMv };
        }
        return net;
    }

    public void Save(string path) => AtomicFile.Write(path, tmp =>
    {
        using var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write);
        MessagePackSerializer.Serialize(fs, this, Options);
        fs.Flush(flushToDisk: true);
    });

    public static ModelFile Load(string path)
    {
        InputFile.Require(path, "model file");
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length == 0) throw new NeuromorphicException($"{path}: empty model file");
        ModelFile m;
        int read;
        try { m = MessagePackSerializer.Deserialize<ModelFile>((ReadOnlyMemory<byte>)bytes, Options, out read); }
        catch (MessagePackSerializationException e)
        {
            throw new NeuromorphicException($"{path}: corrupt or truncated model file ({(e.InnerException ?? e).Message.Split('\n')[0]})");
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidOperationException or OverflowException)
        {
            throw new NeuromorphicException($"{path}: corrupt or truncated model file ({e.Message.Split('\n')[0]})");
        }
        if (m == null || m.Format != Magic) throw new NeuromorphicException($"{path}: not a neuromorphic model file (format "
            + $"'{Text.Escape(m?.Format)}')");
        if (read != bytes.Length) throw new NeuromorphicException($"{path}: {bytes.Length - read:N0} unexpected bytes after the model (the file is "
            + $"{bytes.Length:N0} bytes, the model {read:N0})");
        if (m.Version != CurrentVersion) throw new NeuromorphicException($"{path}: model file version {m.Version}, this build "
            + $"reads version {CurrentVersion}");
        if (m.Layers == null || m.Layers.Length < 2 || m.Layers.Any(l => l <= 0 || l > Architecture.MaxLayerSize))
            throw new NeuromorphicException($"{path}: implausible architecture in model file");
        Architecture.Check(m.Layers, path);
        if (m.ConfigJson == null) throw new NeuromorphicException($"{path}: field config is missing (null)");
        if (m.Progress == null) throw new NeuromorphicException($"{path}: field progress is missing (null)");
        if (m.Projections == null) throw new NeuromorphicException($"{path}: field projections is missing (null)");
        // Every other stored field too (fields added later are covered without a change here), unless declared nullable.
        var nullability = new System.Reflection.NullabilityInfoContext();
        foreach (var p in typeof(ModelFile).GetProperties().Where(p => p.IsDefined(typeof(KeyAttribute), false) && !p.PropertyType.IsValueType))
            if (p.GetValue(m) == null && nullability.Create(p).ReadState != System.Reflection.NullabilityState.Nullable)
                throw new NeuromorphicException($"{path}: field {p.Name.ToLowerInvariant()} is missing (null)");
        for (int q = 0; q < m.Projections.Length; q++)
        {
            var s = m.Projections[q];
            if (s == null || s.Name == null || s.Weights == null)
                throw new NeuromorphicException($"{path}: projection {q} is missing (null) or lacks its name or weights");
            if ((long)s.Rows * s.Columns != s.Weights.Length || s.Rows < 0 || s.Columns < 0)
                throw new NeuromorphicException($"{path}: projection {q} ('{Text.Escape(s.Name)}') declares {s.Rows}x{s.Columns} but "
                    + $"holds {s.Weights.Length} weights");
        }
        // The history is drawn (plot curve, report) and carried on by train --resume: every entry present and plausible.
        for (int i = 0; i < m.History.Count; i++)
        {
            var h = m.History[i];
            if (h == null) throw new NeuromorphicException($"{path}: training history entry {i} is missing (null)");
            bool Fraction(double a, bool optional) => optional && double.IsNaN(a) || a is >= 0 and <= 1;
            if (h.Epoch < 1 || h.SamplesSeen < 0 || h.ValidationSamples < 0 || h.TestSamples < 0 || !Fraction(h.TrainAccuracy, true)
                || !Fraction(h.ValidationAccuracy, true) || !Fraction(h.TestAccuracy, true) || !double.IsFinite(h.LearningRate)
                    || !(h.SynOpsPerSample >= 0) || !double.IsFinite(h.SynOpsPerSample))
                throw new NeuromorphicException($"{path}: training history entry {i} is implausible (epoch {h.Epoch}, accuracies {h.TrainAccuracy},"
                    + $" {h.ValidationAccuracy}, {h.TestAccuracy}; "
                    + "an epoch counts from 1, an accuracy lies in 0..1 or is NaN where it was not measured)");
        }
        // The forward weights the architecture needs must all be in the file: compared before the network is built.
        long held = m.Projections.Sum(p => (long)p.Weights.Length), needed = Architecture.ForwardWeights(m.Layers);
        if (held < needed)
            throw new NeuromorphicException($"{path}: the architecture {Architecture.Format(m.Layers)} needs {needed:N0} forward "
                + $"weights, the file holds {held:N0}");
        var pr = m.Progress;
        // No count of the progress may be negative (every int and long field, including ones added later).
        bool negative = typeof(TrainingProgress).GetProperties().Any(p => (p.PropertyType == typeof(int) || p.PropertyType == typeof(long))
            && Convert.ToInt64(p.GetValue(pr)) < 0);
        if (negative || pr.PositionInEpoch > Math.Max(pr.TrainSamples, Training.Trainer.TrainPoolSize))
            throw new NeuromorphicException($"{path}: implausible training progress (epochs done {pr.EpochsCompleted}, position "
                + $"{pr.PositionInEpoch} in an epoch of {pr.TrainSamples}, samples seen {pr.SamplesSeen}, epochs {pr.Epochs}, batch {pr.Batch})");
        if (pr.TrainPool is not (0 or Training.Trainer.TrainPoolSize or Training.Trainer.FullTrainPoolSize) || pr.Sampling is not (0 or 1))
            throw new NeuromorphicException($"{path}: implausible training progress (training pool {pr.TrainPool}, sampling {pr.Sampling})");
        if (m.TestPoints.Any(t => t == null))
            throw new NeuromorphicException($"{path}: the training history holds an empty (nil) test point");
        if (m.TestPoints.FirstOrDefault(t => t.TestSamples < 0 || t.SamplesSeen < 0
            || !(double.IsNaN(t.TestAccuracy) || t.TestAccuracy is >= 0 and <= 1)) is { } bad)
            throw new NeuromorphicException($"{path}: test point at {bad.SamplesSeen} samples is implausible ({bad.TestSamples} digits, accuracy "
                + $"{bad.TestAccuracy}; an accuracy lies in 0..1)");
        try
        {
            if (JsonSerializer.Deserialize<SimulationConfig>(m.ConfigJson,
                Json) == null) throw new NeuromorphicException($"{path}: field config is null");
        }
        catch (JsonException e)
        {
            throw new NeuromorphicException($"{path}: configuration in model file is unreadable "
            + $"({Text.Plain(e.Message.Split('\n')[0])})");
        }
        return m;
    }
}
