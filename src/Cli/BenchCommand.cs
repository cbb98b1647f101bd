using System.Diagnostics;

namespace Neuromorphic.Cli;

/// <summary>`neuromorphic bench`: throughput of a fixed, seeded network (inference or training).</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var cfg = new ConfigOptions();
        var samples = new Option<int>("--samples")
        {
            Description = "samples to simulate after half a second of warm-up batches (0 = automatic: twice the batch, at least 64 for "
                + "inference, 200 for training)",
            DefaultValueFactory = _ => 0,
        };
        var train = new Option<bool>("--train")
        {
            Description = "simulate training samples (learning on) instead of inference; the same as --rule erbp",
        };
        var compareCpu = new Option<bool>("--compare-cpu")
        {
            Description = "also run the native CPU path on the same host (same network and settings, at most 256 samples) and report the ratio",
        };
        var vsTraining = new Option<int>("--vs-training")
        {
            Description = "inference only: also time eRBP training at batch 1 on the same backend, alternating with the inference run this many "
                + "times, and report the medians and their ratio (0 = off)",
            DefaultValueFactory = _ => 0,
        };
        var model = new Option<string?>("--model")
        {
            Description = "start from this model file's weights and configuration instead of a fresh seeded network (a trained machine fires as it "
                + "does in training; fresh weights do not): inference, or training with --train or --rule",
        };
        var fresh = new Option<bool>("--fresh")
        {
            Description = "time the fresh seeded network even where a committed trained model (models/index.json) fits the architecture and rule",
        };
        var kernel = InferenceKernelOption();
        var groupSize = new Option<int?>("--group-size")
        {
            Description = "ILGPU backends: threads per lane of the fused network kernel at most (1-256; default: 128 where every population fits "
                + "128 threads of 64 neurons, else 256), to tune occupancy on a device",
        };
        var c = new Command("bench", "simulate a fixed, seeded network on real MNIST digits and report throughput (--rule none: inference; "
            + "erbp, perbp or s2m: training)");
        Add(c, ArchOpt, samples, train, compareCpu, vsTraining, BackendOpt, BatchOpt, DatasetOpt, DataDirOpt, JsonOpt,
            model, fresh, kernel, groupSize);
        cfg.AddTo(c);
        c.SetAction(r => Guard(() =>
        {
            int batch = CheckBatch(r.GetValue(BatchOpt));
            var backend = Backends.Parse(r.GetValue(BackendOpt)!);
            bool perPhase = PerPhaseInferenceChosen(r.GetValue(kernel), backend);
            bool training = r.GetValue(train) || (r.GetValue(cfg.Rule) is { } rt && ConfigOptions.ParseRule(rt) != RuleKind.None);
            var config = cfg.Build(r, training ? null : RuleKind.None);
            if (!training) config = config with { Rule = RuleKind.None };
            int[]? arch = r.GetResult(ArchOpt) is { Implicit: false } ? Architecture.Parse(r.GetValue(ArchOpt)!) : null;
            Func<Network>? fromModel = null;
            SimulationConfig? storedConfig = null;
            int repeats = r.GetValue(vsTraining);
            // A trained network fires as in training, a fresh one less: by default, time a committed trained model
            // that fits (the command line naming no other model options), else say that the figure flatters.
            string? modelGiven = r.GetValue(model), committed = null;
            RuleKind? ruleGiven = r.GetValue(cfg.Rule) is { } rg ? ConfigOptions.ParseRule(rg) : null;
            if (modelGiven == null && !r.GetValue(fresh) && repeats == 0 && !cfg.AnyGivenBesidesBatchUpdate(r)
                && (r.GetValue(DatasetOpt) ?? "mnist").Equals("mnist", StringComparison.OrdinalIgnoreCase))
                committed = CommittedModel(arch ?? Architecture.Parse(r.GetValue(ArchOpt)!), training ? ruleGiven : RuleKind.None);
            if ((modelGiven ?? committed) is { } modelPath)
            {
                cfg.RefuseWithModel(r, modelPath, "bench", cfg.Rule, cfg.BatchUpdateOpt);
                var (loaded, stored) = LoadModel(modelPath);
                if (r.GetValue(cfg.Rule) is { } given && ConfigOptions.ParseRule(given) is var rule && rule != RuleKind.None && rule != stored.Rule)
                    throw new NeuromorphicException($"--rule {given}: {modelPath} was trained with --rule "
                        + $"{stored.Rule.ToString().ToLowerInvariant()}");
                // The model's configuration, with the batch mode of this command line; an S2M stays an S2M when benched for inference.
                config = stored with { BatchUpdate = config.BatchUpdate };
                if (!training && config.Family != ModelFamily.SynapticSampling) config = config with { Rule = RuleKind.None };
                arch = loaded.Layers;
                storedConfig = stored;
                fromModel = () => LoadModel(modelPath).Item1;
            }
            if (repeats < 0) throw new NeuromorphicException($"--vs-training must be at least 0, got {repeats}");
            if (repeats > 0 && training) throw new NeuromorphicException("--vs-training compares inference with training: use it "
                + "without --train, with --rule none");
            var data = OpenData(r, storedConfig, modelGiven ?? committed, arch, modelGiven ?? committed ?? "--arch");
            var layers = arch ?? ArchFor(r, data);
            var test = data.LoadTest();
            int n = r.GetValue(samples);
            if (n <= 0) n = Math.Max(batch * 2, training ? 200 : 64);
            var trainConfig = repeats > 0 ? cfg.Build(r, RuleKind.Erbp) with { Rule = RuleKind.Erbp } : null;
            if (r.GetValue(groupSize) is { } gs && gs is < 1 or > 256) throw new NeuromorphicException($"--group-size must lie in 1..256, got {gs}");
            var setup = new BenchSetup(backend, layers, config, batch, n, training, test, fromModel, perPhase, r.GetValue(groupSize));
            var report = Bench.Run(setup, repeats, trainConfig, r.GetValue(compareCpu),
                (learning, total) =>
                {
                    var bar = new ProgressLine(learning ? "bench (training)" : "bench", total, accuracy: false); return done =>
                    bar.Report(done, done, 0, done == total);
                });
            // Said once the run has passed every check, engine memory included (an error stays the only line).
            if (committed != null)
                Console.Error.WriteLine($"bench: from the committed trained model {committed} ({Architecture.Format(layers)}, "
                    + $"{storedConfig!.Rule.ToString().ToLowerInvariant()}, its configuration); --fresh times the seeded network");
            else if (modelGiven == null && !r.GetValue(fresh))
                Console.Error.WriteLine("bench: note: a fresh seeded network fires less than a trained one, so these figures overstate "
                    + "the speed on a trained network"
                    + " (no committed model in models/index.json fits this architecture, rule and options; --model MODEL times a trained one, "
                        + "--fresh says the fresh one is meant)");
            var (run, net, engineName) = (report.Run, report.Run.Network, report.Run.Backend);
            double t = run.Seconds, sps = report.SamplesPerSecond;
            var figures = new Dictionary<string, object?>
            {
                ["backend"] = engineName, ["device"] = run.Device, ["model"] = modelGiven ?? committed,
                ["fresh_network"] = modelGiven == null && committed == null,
                ["arch"] = Architecture.Format(net.Layers), ["batch"] = batch, ["mode"] = training
                    ? $"train ({config.Rule})".ToLowerInvariant() : "inference",
                ["batch_update"] = training && batch > 1 ? (config.BatchUpdate == Neuromorphic.Plasticity.BatchUpdateMode.PerSample ? "sample"
                    : "step") : null,
                ["ilgpu_path"] = run.Path?.ToString(), ["group_size"] = r.GetValue(groupSize),
                ["samples"] = run.Samples, ["steps_per_sample"] = report.StepsPerSample, ["seconds"] = Math.Round(t, 3),
                ["samples_per_s"] = Math.Round(sps, 2), ["synaptic_events_per_s"] = Math.Round(run.SynOps / t, 0),
                ["neuron_updates_per_s"] = Math.Round(report.NeuronUpdatesPerSecond, 0),
                ["spikes_per_sample"] = Math.Round((double)run.Spikes / run.Samples, 1),
                ["synops_per_sample"] = Math.Round((double)run.SynOps / run.Samples, 0),
                ["modelled_memory_traffic_gb_per_s"] = Math.Round(report.ModelledTrafficBytesPerSecond / 1e9, 1),
                ["peak_memory_mib"] = Math.Round(Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0, 1),
            };
            // Inference against batch-1 training, alternating so that both see the same state of a shared
            // machine; the medians of the repetitions and their ratio are reported (issue 3's 3x target).
            if (repeats > 0)
            {
                double inf = Bench.Median(report.InferenceRates), trn = Bench.Median(report.TrainingRates);
                figures["repeats"] = repeats;
                figures["inference_samples_per_s_median"] = Math.Round(inf, 2);
                figures["inference_samples_per_s_runs"] = string.Join(" ",
                    report.InferenceRates.Select(x => Math.Round(x, 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
                figures["training_samples_per_s_median"] = Math.Round(trn, 2);
                figures["training_samples_per_s_runs"] = string.Join(" ",
                    report.TrainingRates.Select(x => Math.Round(x, 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
                figures["inference_over_training"] = Math.Round(inf / trn, 2);
            }
            if (report.Cpu is { } cpu)
            {
                figures["cpu_samples_per_s"] = Math.Round(cpu.SamplesPerSecond, 2);
                figures["speedup_over_cpu"] = Math.Round(sps / cpu.SamplesPerSecond, 1);
            }
            Output.Figures($"bench: {figures["mode"]}, {figures["arch"]}, batch {batch}, {engineName}", figures);
            if (r.GetValue(JsonOpt)) Output.Json(figures);
            return 0;
        }));
        return c;
    }

    /// <summary>The first entry of the committed models (models/index.json in the working directory or a folder
    /// above it, or above the program's) whose network fits <paramref name="layers"/> and <paramref name="rule"/>:
    /// an eRBP or peRBP model of that architecture for inference (<see cref="RuleKind.None"/>) and for training
    /// without a named rule (null: the model's rule), a model of the named rule otherwise (S2M: layers [input,
    /// first hidden, classes]). Null when none fits or no index is found.</summary>
    public static string? CommittedModel(int[] layers, RuleKind? rule)
    {
        string? dir = null;
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var d = new DirectoryInfo(start); d != null && dir == null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "models", "index.json"))) dir = Path.Combine(d.FullName, "models");
            if (dir != null) break;
        }
        if (dir == null) return null;
        bool s2m = rule is { } rk && ModelFamilies.Of(rk) == ModelFamily.SynapticSampling;
        string want = Architecture.Format(s2m && layers.Length > 2 ? [layers[0], layers[1], layers[^1]] : layers);
        try
        {
            using var index = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "index.json")));
            foreach (var e in index.RootElement.EnumerateArray())
            {
                string? arch = e.GetProperty("arch").GetString(), file = e.GetProperty("file").GetString(),
                    entryRule = e.GetProperty("rule").GetString();
                if (arch != want || file == null || entryRule == null) continue;
                var r = ConfigOptions.ParseRule(entryRule);
                bool fits = rule is null or RuleKind.None ? r is RuleKind.Erbp or RuleKind.Perbp : r == rule;
                if (fits && File.Exists(Path.Combine(dir, file))) return Path.Combine(dir, file);
            }
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException
            or NeuromorphicException)
        { }
        return null;
    }
}
