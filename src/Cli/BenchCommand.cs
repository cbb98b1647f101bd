using System.Diagnostics;

namespace Neuromorphic.Cli;

/// <summary>`neuromorphic bench`: throughput of a fixed, seeded network (inference or training).</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var cfg = new ConfigOptions();
        var samples = new Option<int>("--samples") { Description = "samples to simulate after half a second of warm-up batches (0 = automatic: twice the batch, at least 64 for inference, 200 for training)", DefaultValueFactory = _ => 0 };
        var train = new Option<bool>("--train") { Description = "simulate training samples (learning on) instead of inference; the same as --rule erbp" };
        var compareCpu = new Option<bool>("--compare-cpu") { Description = "also run the native CPU path on the same host (same network and settings, at most 256 samples) and report the ratio" };
        var vsTraining = new Option<int>("--vs-training") { Description = "inference only: also time eRBP training at batch 1 on the same backend, alternating with the inference run this many times, and report the medians and their ratio (0 = off)", DefaultValueFactory = _ => 0 };
        var model = new Option<string?>("--model") { Description = "start from this model file's weights and configuration instead of a fresh seeded network (a trained machine fires as it does in training; fresh weights do not): inference, or training with --train or --rule" };
        var kernel = new Option<string>("--inference-kernel") { Description = "ILGPU backends, inference: chain (FusedInferenceKernel, the default) | network (the fused network kernel with learning off), to compare the two", DefaultValueFactory = _ => "chain" };
        var c = new Command("bench", "simulate a fixed, seeded network on real MNIST digits and report throughput (--rule none: inference; erbp, perbp or s2m: training)");
        Add(c, ArchOpt, samples, train, compareCpu, vsTraining, BackendOpt, BatchOpt, DatasetOpt, DataDirOpt, JsonOpt, model, kernel);
        cfg.AddTo(c);
        c.SetAction(r => Guard(() =>
        {
            int batch = CheckBatch(r.GetValue(BatchOpt));
            var backend = Backends.Parse(r.GetValue(BackendOpt)!);
            bool networkKernel = r.GetValue(kernel) switch
            {
                "chain" => false,
                "network" => true,
                var k => throw new NeuromorphicException($"--inference-kernel must be chain or network, got {k}"),
            };
            bool training = r.GetValue(train) || (r.GetValue(cfg.Rule) is { } rt && ConfigOptions.ParseRule(rt) != RuleKind.None);
            var config = cfg.Build(r, training ? null : RuleKind.None);
            if (!training) config = config with { Rule = RuleKind.None };
            int[]? arch = r.GetResult(ArchOpt) is { Implicit: false } ? Architecture.Parse(r.GetValue(ArchOpt)!) : null;
            Func<Network>? fromModel = null;
            SimulationConfig? storedConfig = null;
            if (r.GetValue(model) is { } modelPath)
            {
                cfg.RefuseWithModel(r, modelPath, "bench", cfg.Rule, cfg.BatchUpdateOpt);
                var (loaded, stored) = LoadModel(modelPath);
                if (r.GetValue(cfg.Rule) is { } given && ConfigOptions.ParseRule(given) is var rule && rule != RuleKind.None && rule != stored.Rule)
                    throw new NeuromorphicException($"--rule {given}: {modelPath} was trained with --rule {stored.Rule.ToString().ToLowerInvariant()}");
                // The model's configuration, with the batch mode of this command line; an S2M stays an S2M when benched for inference.
                config = stored with { BatchUpdate = config.BatchUpdate };
                if (!training && config.Rule != RuleKind.S2m) config = config with { Rule = RuleKind.None };
                arch = loaded.Layers;
                storedConfig = stored;
                fromModel = () => LoadModel(modelPath).Item1;
            }
            int repeats = r.GetValue(vsTraining);
            if (repeats < 0) throw new NeuromorphicException($"--vs-training must be at least 0, got {repeats}");
            if (repeats > 0 && training) throw new NeuromorphicException("--vs-training compares inference with training: use it without --train, with --rule none");
            var data = OpenData(r, storedConfig, r.GetValue(model), arch, r.GetValue(model) ?? "--arch");
            var layers = arch ?? ArchFor(r, data);
            var test = data.LoadTest();
            int n = r.GetValue(samples);
            if (n <= 0) n = Math.Max(batch * 2, training ? 200 : 64);
            var trainConfig = repeats > 0 ? cfg.Build(r, RuleKind.Erbp) with { Rule = RuleKind.Erbp } : null;
            var setup = new BenchSetup(backend, layers, config, batch, n, training, test, fromModel, networkKernel);
            var report = Bench.Run(setup, repeats, trainConfig, r.GetValue(compareCpu),
                (learning, total) => { var bar = new ProgressLine(learning ? "bench (training)" : "bench", total, accuracy: false); return done => bar.Report(done, done, 0, done == total); });
            var (run, net, engineName) = (report.Run, report.Run.Network, report.Run.Backend);
            double t = run.Seconds, sps = report.SamplesPerSecond;
            var figures = new Dictionary<string, object?>
            {
                ["backend"] = engineName, ["device"] = run.Device, ["model"] = r.GetValue(model),
                ["arch"] = Architecture.Format(net.Layers), ["batch"] = batch, ["mode"] = training ? $"train ({config.Rule})".ToLowerInvariant() : "inference",
                ["batch_update"] = training && batch > 1 ? (config.BatchUpdate == Neuromorphic.Plasticity.BatchUpdateMode.PerSample ? "sample" : "step") : null,
                ["ilgpu_path"] = run.Path?.ToString(),
                ["samples"] = run.Samples, ["steps_per_sample"] = report.StepsPerSample, ["seconds"] = Math.Round(t, 3),
                ["samples_per_s"] = Math.Round(sps, 2), ["synaptic_events_per_s"] = Math.Round(run.SynOps / t, 0),
                ["neuron_updates_per_s"] = Math.Round(report.NeuronUpdatesPerSecond, 0), ["spikes_per_sample"] = Math.Round((double)run.Spikes / run.Samples, 1),
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
                figures["inference_samples_per_s_runs"] = string.Join(" ", report.InferenceRates.Select(x => Math.Round(x, 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
                figures["training_samples_per_s_median"] = Math.Round(trn, 2);
                figures["training_samples_per_s_runs"] = string.Join(" ", report.TrainingRates.Select(x => Math.Round(x, 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
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
}
