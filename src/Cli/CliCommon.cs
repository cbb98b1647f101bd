namespace Neuromorphic.Cli;

/// <summary>What the commands share: the common options, the guard and the parse-error line (from
/// <see cref="CommandLine"/>), reading a model file, opening the dataset, the final test's table.</summary>
public static class CliCommon
{
    internal static readonly Option<bool> JsonOpt = CommandLine.JsonOpt;
    internal static readonly Option<string?> DataDirOpt = new("--data-dir")
    {
        Description = $"folder of the dataset's files (default: MNIST ${MnistFiles.EnvironmentVariable} or ~/.cache/neuromorphic/mnist, the "
            + $"others ~/.cache/neuromorphic/NAME)",
    };
    internal static readonly Option<string?> DatasetOpt = new("--dataset")
    {
        Description = "images to read: mnist (default) | fashion-mnist | kmnist | emnist-digits | idx:DIR (four IDX files with the standard "
            + "names); a model's own dataset by default",
    };
    internal static readonly Option<string> BackendOpt = new("--backend")
    {
        Description = "auto | cpu | cuda | ilgpu-cpu",
        DefaultValueFactory = _ => "auto",
    };
    internal static readonly Option<int> BatchOpt = new("--batch")
    {
        Description = "samples simulated at once (B copies sharing the weights); 1 = the paper's on-line learning",
        DefaultValueFactory = _ => 1,
    };
    /// <summary>--batch of the inference-only commands (sweep, export): lanes in parallel, default by backend.</summary>
    internal static readonly Option<int?> InferenceBatchOpt = new("--batch")
    {
        Description = "samples simulated at once (lanes in parallel); default 16 on the CPU, 1024 on CUDA",
    };
    internal static readonly Option<string> ArchOpt = CommandLine.ArchOpt;

    /// <summary>How every command line is parsed (<see cref="CommandLine.Parser"/>).</summary>
    public static ParserConfiguration Parser => CommandLine.Parser;

    /// <summary>Parses and runs <paramref name="root"/> (<see cref="CommandLine.Invoke"/>).</summary>
    public static int Invoke(Command root, string[] args, string program = "neuromorphic") => CommandLine.Invoke(root, args, program);

    /// <summary>Runs a command body: user errors become one line on stderr and exit code 2 (<see cref="CommandLine.Guard"/>).</summary>
    public static int Guard(Func<int> body) => CommandLine.Guard(body);

    internal static void Add(Command c, params Option[] options) { foreach (var o in options) c.Options.Add(o); }

    /// <summary>The dataset a command reads: --dataset, else the model's (<paramref name="model"/>, read from
    /// <paramref name="modelPath"/>), else MNIST; verified (MNIST fetched when missing) before it is used. A network's
    /// <paramref name="layers"/>, when given, must fit it (<paramref name="where"/> names them, by default the model file).</summary>
    internal static Dataset OpenData(ParseResult r, SimulationConfig? model, string? modelPath,
        IReadOnlyList<int>? layers = null, string? where = null)
    {
        string? given = r.GetValue(DatasetOpt);
        if (given != null && given.Trim().StartsWith(Dataset.IdxPrefix, StringComparison.OrdinalIgnoreCase) && r.GetValue(DataDirOpt) != null)
            throw new NeuromorphicException($"--dataset '{given}' and --data-dir '{r.GetValue(DataDirOpt)}' both name the folder; give one");
        var data = Dataset.Resolve(given ?? model?.Dataset, r.GetValue(DataDirOpt), given != null || modelPath == null ? "--dataset"
            : $"{modelPath}: its dataset");
        // A named set knows its image size and classes before its files are read: a network that cannot fit it is
        // refused before any download or checksum.
        if (layers != null && data.IsNamed) data.RequireFits(layers, where ?? modelPath ?? "--arch");
        data.Ensure(m => Console.Error.WriteLine(m));
        if (layers != null) data.RequireFits(layers, where ?? modelPath ?? "--arch");
        if (given != null && model != null && modelPath != null && data.Name != model.Dataset)
            Console.Error.WriteLine(Text.Escape($"note: {modelPath} was trained on {model.Dataset}; reading {data.Name}", Text.MaxLine));
        return data;
    }

    /// <summary>--arch when given (it must fit the data), else one hidden layer of 200 between the data's pixels and classes.</summary>
    internal static int[] ArchFor(ParseResult r, Dataset data)
    {
        if (r.GetResult(ArchOpt) is not { Implicit: false }) return [data.PixelsPerImage, 200, data.Classes];
        var layers = Architecture.Parse(r.GetValue(ArchOpt)!);
        data.RequireFits(layers, "--arch");
        return layers;
    }

    /// <summary>The batch of an inference: <paramref name="given"/> (checked), else lanes in parallel: 16 on the CPU, 1024 on a GPU.</summary>
    internal static int InferenceBatch(int? given, BackendKind backend) => given is { } b ? CheckBatch(b)
        : Backends.Resolve(backend) == BackendKind.Cpu ? 16 : 1024;

    /// <summary>--inference-kernel of bench and test: which ILGPU kernels run inference, the fused network kernel or the
    /// per-phase kernels (to compare them). The chain kernel it once chose is gone, merged into the network kernel.</summary>
    internal static Option<string> InferenceKernelOption() => new("--inference-kernel")
    {
        Description = "ILGPU backends, inference: network (the fused network kernel with learning off, one launch per batch; the default) | "
            + "per-phase (the per-phase kernels, several launches per step), to compare the two",
        DefaultValueFactory = _ => "network",
    };

    /// <summary>Whether --inference-kernel asks for the per-phase kernels (checked against the backend before any work).</summary>
    internal static bool PerPhaseInferenceChosen(string? kernel, BackendKind backend)
    {
        bool perPhase = kernel switch
        {
            "network" or null => false,
            "per-phase" => true,
            "chain" => throw new NeuromorphicException("--inference-kernel chain: the chain kernel was merged into the network kernel "
                + "(docs/performance.md); use --inference-kernel network"),
            var k => throw new NeuromorphicException($"--inference-kernel must be network or per-phase, got {k}"),
        };
        if (perPhase && Backends.Resolve(backend) == BackendKind.Cpu)
            throw new NeuromorphicException("--inference-kernel per-phase chooses between ILGPU's kernels: use it with "
                + "--backend cuda or ilgpu-cpu, not cpu");
        return perPhase;
    }

    internal static int CheckBatch(int batch, string option = "--batch") => batch is >= 1 and <= 1 << 20 ? batch
        : throw new NeuromorphicException($"{option} must lie in 1..1048576, got {batch}");

    /// <summary>Adds the model options that inference reads (run, plot raster): those of the table that say so
    /// (<see cref="OptionUse.Inference"/>), so that training options stay out of their help.</summary>
    internal static void AddInferenceOptions(Command c, ConfigOptions cfg) => cfg.AddTo(c, OptionUse.Inference);

    internal static (Network, SimulationConfig) LoadModel(string path) { var (n, c, _) = LoadModelFile(path); return (n, c); }

    /// <summary>Reads a model file once: its network, configuration and the file itself (for its progress).</summary>
    internal static (Network, SimulationConfig, ModelFile) LoadModelFile(string path)
    {
        var file = ModelFile.Load(path);
        SimulationConfig config;
        try { config = file.Config(); config.Validate(); }
        catch (System.Text.Json.JsonException e)
        {
            throw new NeuromorphicException($"{path}: configuration unreadable "
            + $"({Text.Plain(e.Message.Split('\n')[0])})");
        }
        catch (NeuromorphicException e) { throw e.Prefixed($"{path}: stored configuration: "); }
        return (file.ToNetwork(config, path), config, file);
    }

    /// <summary>The final test (or `test`): classifies the first <paramref name="ntest"/> images of <paramref name="testSet"/>,
    /// prints the table and adds the figures; null when <paramref name="ntest"/> is 0.</summary>
    internal static EvaluationResult? FinalTest(SimulationEngine engine, Dataset data, IdxImageSet testSet, int ntest,
        Dictionary<string, object?> figures)
    {
        figures["dataset"] = data.Name;
        if (ntest == 0) return null;
        var bar = new ProgressLine("test", ntest);
        var res = Evaluation.Run(engine, testSet, 0, ntest, Evaluation.TestPresentationBase,
            (done, correct) => bar.Report(done, done, correct, done == ntest));
        var net = engine.Network;
        figures["test_samples"] = res.Samples;
        figures["test_accuracy"] = Math.Round(res.Accuracy, 6);
        figures["test_error"] = Math.Round(res.Error, 6);
        var (lo, hi) = Binomial.Wilson(res.Error, res.Samples);
        figures["test_error_ci95"] = new[] { Math.Round(lo, 6), Math.Round(hi, 6) };
        figures["synops_per_sample"] = Math.Round(res.SynOpsPerSample, 0);
        figures["ann_macs_per_sample"] = net.AnnMacs;
        figures["test_samples_per_s"] = Math.Round(res.SamplesPerSecond, 2);
        figures["backend"] = engine.BackendName;
        figures.TryAdd("batch", engine.BatchCapacity);
        figures["test_batch"] = engine.BatchCapacity;
        figures["arch"] = Architecture.Format(net.Layers);
        figures["weights_sha256"] = WeightsHash(net);
        figures["predictions_sha256"] = Convert.ToHexStringLower(
            System.Security.Cryptography.SHA256.HashData(res.Predictions.SelectMany(BitConverter.GetBytes).ToArray()));
        Output.Table($"test on {res.Samples} {data.Title} "
            + $"{(figures.TryGetValue("split", out var sp) && (string?)sp == "train" ? "training" : "test")} {data.Items}", [
            ("test error", Binomial.Describe(res.Error, res.Samples)), ("test accuracy", $"{res.Accuracy:P2}"),
            ("SynOps per classification", $"{res.SynOpsPerSample:N0}"), ("MACs of the same ANN", $"{net.AnnMacs:N0}"),
            ("test samples/s", $"{res.SamplesPerSecond:F1}"),
        ]);
        return res;
    }

    /// <summary>SHA-256 of every weight of the forward projections, to compare runs across backends.</summary>
    internal static string WeightsHash(Network net)
    {
        using var h = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var p in net.ForwardProjections) h.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(p.Weights.AsSpan()));
        return Convert.ToHexStringLower(h.GetHashAndReset());
    }
}
