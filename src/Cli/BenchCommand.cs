using System.CommandLine;
using System.Diagnostics;
using Neuromorphic.Simulator;
using Neuromorphic.Simulator.Data;
using Neuromorphic.Simulator.Engine;
using Neuromorphic.Simulator.Files;
using Neuromorphic.Simulator.Training;
using static Neuromorphic.Cli.CliCommon;

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
        var c = new Command("bench", "simulate a fixed, seeded network on real MNIST digits and report throughput (--rule none: inference; erbp, perbp or s2m: training)");
        Add(c, ArchOpt, samples, train, compareCpu, vsTraining, BackendOpt, BatchOpt, DatasetOpt, DataDirOpt, JsonOpt, model);
        cfg.AddTo(c);
        c.SetAction(r => Guard(() =>
        {
            int batch = CheckBatch(r.GetValue(BatchOpt));
            var backend = Backends.Parse(r.GetValue(BackendOpt)!);
            bool training = r.GetValue(train) || (r.GetValue(cfg.Rule) is { } rt && ConfigOptions.ParseRule(rt) != RuleKind.None);
            var config = cfg.Build(r, training ? null : RuleKind.None);
            if (!training) config = config with { Rule = RuleKind.None };
            int[]? arch = r.GetResult(ArchOpt) is { Implicit: false } ? Architecture.Parse(r.GetValue(ArchOpt)!) : null;
            Func<Network>? fromModel = null;
            SimulationConfig? storedConfig = null;
            if (r.GetValue(model) is { } modelPath)
            {
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
            var (done, t, synops, spikes, engineName, device, net) = Measure(backend, layers, config, batch, n, training, test, fromModel);
            // Inference against batch-1 training, alternating so that both see the same state of a shared
            // machine; the medians of the repetitions and their ratio are reported (issue 3's 3x target).
            var inferenceRates = new List<double> { done / t };
            var trainingRates = new List<double>();
            if (repeats > 0)
            {
                var trainConfig = cfg.Build(r, RuleKind.Erbp) with { Rule = RuleKind.Erbp };
                int nTrain = Math.Max(200, n / 3);
                for (int k = 0; k < repeats; k++)
                {
                    if (k > 0)
                    {
                        var again = Measure(backend, layers, config, batch, n, false, test, fromModel);
                        inferenceRates.Add(again.Done / again.Seconds);
                    }
                    var tr = Measure(backend, layers, trainConfig, 1, nTrain, true, test, fromModel);
                    trainingRates.Add(tr.Done / tr.Seconds);
                }
            }
            int steps = config.StepsPerSample(training);
            long neurons = net.Populations.Where(p => training || !p.ErrorPath).Sum(p => (long)p.Size);
            double sps = done / t;
            // A traffic model, not a counter: every synaptic event reads a 4-byte weight (and writes it back
            // while learning), every neuron update reads and writes about 24 bytes of state.
            double bytesPerSample = (double)synops / done * (training ? 8 : 4) + neurons * steps * 24.0;
            var figures = new Dictionary<string, object?>
            {
                ["backend"] = engineName, ["device"] = device, ["model"] = r.GetValue(model),
                ["arch"] = Architecture.Format(net.Layers), ["batch"] = batch, ["mode"] = training ? $"train ({config.Rule})".ToLowerInvariant() : "inference",
                ["batch_update"] = training && batch > 1 ? (config.BatchUpdate == Neuromorphic.Plasticity.BatchUpdateMode.PerSample ? "sample" : "step") : null,
                ["samples"] = done, ["steps_per_sample"] = steps, ["seconds"] = Math.Round(t, 3),
                ["samples_per_s"] = Math.Round(sps, 2), ["synaptic_events_per_s"] = Math.Round(synops / t, 0),
                ["neuron_updates_per_s"] = Math.Round(neurons * steps * sps, 0), ["spikes_per_sample"] = Math.Round((double)spikes / done, 1),
                ["synops_per_sample"] = Math.Round((double)synops / done, 0),
                ["modelled_memory_traffic_gb_per_s"] = Math.Round(bytesPerSample * sps / 1e9, 1),
                ["peak_memory_mib"] = Math.Round(Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0, 1),
            };
            if (repeats > 0)
            {
                static double Median(List<double> v) { var o = v.OrderBy(x => x).ToList(); return o.Count % 2 == 1 ? o[o.Count / 2] : (o[o.Count / 2 - 1] + o[o.Count / 2]) / 2; }
                double inf = Median(inferenceRates), trn = Median(trainingRates);
                figures["repeats"] = repeats;
                figures["inference_samples_per_s_median"] = Math.Round(inf, 2);
                figures["inference_samples_per_s_runs"] = string.Join(" ", inferenceRates.Select(x => Math.Round(x, 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
                figures["training_samples_per_s_median"] = Math.Round(trn, 2);
                figures["training_samples_per_s_runs"] = string.Join(" ", trainingRates.Select(x => Math.Round(x, 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
                figures["inference_over_training"] = Math.Round(inf / trn, 2);
            }
            if (r.GetValue(compareCpu) && engineName != "cpu")
            {
                var cpu = Measure(BackendKind.Cpu, layers, config, Math.Min(batch, 16), Math.Min(n, 256), training, test, fromModel);
                double cpuRate = cpu.Done / cpu.Seconds;
                figures["cpu_samples_per_s"] = Math.Round(cpuRate, 2);
                figures["speedup_over_cpu"] = Math.Round(sps / cpuRate, 1);
            }
            Output.Figures($"bench: {figures["mode"]}, {figures["arch"]}, batch {batch}, {engineName}", figures);
            if (r.GetValue(JsonOpt)) Output.Json(figures);
            return 0;
        }));
        return c;
    }

    /// <summary>Runs <paramref name="n"/> samples of a fresh seeded network after half a second of warm-up batches (JIT tiers, kernel compilation).</summary>
    static (int Done, double Seconds, long SynOps, long Spikes, string Backend, string Device, Network Net) Measure(
        BackendKind backend, int[] layers, SimulationConfig config, int batch, int n, bool training, MnistSet test, Func<Network>? fromModel = null)
    {
        // S2M: a 794-h machine with h = the first hidden layer of --arch (784-500-10 gives 794-500).
        var net = fromModel?.Invoke() ?? Networks.Build(config.Rule == RuleKind.S2m ? [layers[0], layers[1], layers[^1]] : layers, config);
        using var engine = Backends.Create(backend, net, config, batch);
        var input = engine.NewInput();
        void Fill(int start, int m)
        {
            input.Count = m;
            for (int b = 0; b < m; b++)
            {
                int idx = (start + b) % test.Count;
                test.Image(idx).CopyTo(input.Pixels.AsSpan(b * input.InputSize, input.InputSize));
                input.Labels[b] = training ? test.Labels[idx] : -1;
                input.Presentations[b] = start + b;
            }
        }
        // Warm up for half a second, not one batch: the JIT compiles the hot loops in tiers (and ILGPU its
        // kernels), and a single small batch would leave part of the measurement in unoptimised code.
        var warm = Stopwatch.StartNew();
        int warmBatches = 0;
        do { Fill(warmBatches * batch, batch); engine.Run(input, training); warmBatches++; }
        while (warm.Elapsed.TotalSeconds < 0.5 && warmBatches < 1000);
        long synops = 0, spikes = 0; int done = 0;
        var bar = new ProgressLine(training ? "bench (training)" : "bench", n, accuracy: false);
        var sw = Stopwatch.StartNew();
        while (done < n)
        {
            int m = Math.Min(batch, n - done);
            Fill(warmBatches * batch + done, m);
            var res = engine.Run(input, training);
            synops += res.SynOps; spikes += res.Spikes; done += m;
            bar.Report(done, done, 0, done == n);
        }
        string device = engine.DeviceName;
        return (done, sw.Elapsed.TotalSeconds, synops, spikes, engine.BackendName, device, net);
    }
}
