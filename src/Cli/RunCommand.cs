using System.Diagnostics;

namespace Neuromorphic.Cli;

/// <summary>`neuromorphic run`: simulate a network on N test images; spike counts, rates and predicted classes.</summary>
public static class RunCommand
{
    sealed class CountRecorder(int populations, int steps) : ISpikeRecorder
    {
        public readonly long[,] PerStep = new long[populations, steps];
        /// <summary>Order-independent hash of every spike (step, population, lane, neuron), for comparing backends.</summary>
        public ulong SpikeHash;
        public long LaneOffset;
        public void OnSpikes(int step, int population, int lane, ReadOnlySpan<int> neurons)
        {
            PerStep[population, step] += neurons.Length;
            foreach (var n in neurons)
                SpikeHash += Neuromorphic.Neurons.CounterRng.Mix(((ulong)step << 40) ^ ((ulong)population << 56) ^ ((ulong)(LaneOffset
                    + lane) << 20) ^ (ulong)n);
        }
    }

    public static Command Create()
    {
        var cfg = new ConfigOptions();
        var samples = new Option<int>("--samples") { Description = "number of test digits to simulate", DefaultValueFactory = _ => 10 };
        var model = new Option<string?>("--model") { Description = "model file to simulate (default: random weights of --arch)" };
        var outOpt = new Option<string?>("--out") { Description = "the NumPy .npz file --record writes" };
        var record = new RecordOptions();
        var c = new Command("run", "simulate a network on N test images (MNIST digits by default); print spike counts, rates and predicted classes");
        Add(c, ArchOpt, samples, model, BackendOpt, BatchOpt, DatasetOpt, DataDirOpt, outOpt, JsonOpt);
        AddInferenceOptions(c, cfg);
        record.AddTo(c);
        c.SetAction(r => Guard(() =>
        {
            var backend = Backends.Parse(r.GetValue(BackendOpt)!);
            if (r.GetValue(model) is { } modelPath) cfg.RefuseWithModel(r, modelPath, "run");
            var (net, config) = r.GetValue(model) is { } path ? LoadModel(path) : (null, cfg.Build(r, RuleKind.None));
            int n = r.GetValue(samples);
            if (n < 1) throw new NeuromorphicException($"--samples must be at least 1, got {n}");
            string? outPath = r.GetValue(outOpt);
            var kinds = record.Kinds(r, outPath, "--out");
            if (outPath != null && kinds == null) throw new NeuromorphicException($"--out {outPath}: run writes a file only with --record "
                + $"(spikes, state or spikes,state)");
            int[]? given = net?.Layers ?? (r.GetResult(ArchOpt) is { Implicit: false } ? Architecture.Parse(r.GetValue(ArchOpt)!) : null);
            var data = OpenData(r, net == null ? null : config, r.GetValue(model), given, r.GetValue(model) ?? "--arch");
            net ??= ErbpNetwork.Build(ArchFor(r, data), config);
            data.RequireFits(net.Layers, r.GetValue(model) ?? "--arch");
            var test = data.LoadTest();
            n = Math.Min(n, test.Count);
            using var engine = Backends.Create(backend, net, config, CheckBatch(r.GetValue(BatchOpt)));
            int steps = config.StepsPerSample(false);
            var rec = new CountRecorder(net.Populations.Count, steps);
            var recording = record.Create(r, kinds, engine, steps, n, n);
            ISpikeRecorder recorder = recording == null ? rec : new RecorderPair(rec, recording);
            var input = engine.NewInput();
            var preds = new List<int>();
            var counts = new List<int[]>();
            long synops = 0;
            var sw = Stopwatch.StartNew();
            var bar = new ProgressLine("run", n);
            int seenCorrect = 0;
            for (int start = 0; start < n; start += engine.BatchCapacity)
            {
                int m = Math.Min(engine.BatchCapacity, n - start);
                input.Fill(test, m, b => start + b, b => Evaluation.TestPresentationBase + start + b, withLabels: false);
                rec.LaneOffset = start;
                if (recording != null) recording.SampleOfLane = lane => start + lane;
                var res = engine.Run(input, false, recorder);
                synops += res.SynOps;
                for (int b = 0; b < m && recording != null && start + b < recording.Samples; b++)
                    (recording.Images[start + b], recording.Labels[start + b], recording.Predictions[start + b]) = (start + b,
                        test.Labels[start + b], res.Predicted(b));
                for (int b = 0; b < m; b++)
                {
                    preds.Add(res.Predicted(b)); counts.Add(res.OutputCounts.AsSpan(b * net.Classes,
                    net.Classes).ToArray()); if (preds[^1] == test.Labels[start + b]) seenCorrect++;
                }
                bar.Report(start + m, start + m, seenCorrect, start + m == n);
            }
            double seconds = sw.Elapsed.TotalSeconds, sampleSec = steps * config.DtMs * 1e-3;
            Output.Line($"{n} {data.Items}, {steps} steps of {config.DtMs} ms each, backend {engine.BackendName}");
            var popRates = new Dictionary<string, object?>();
            for (int p = 0; p < net.Populations.Count; p++)
            {
                if (net.Populations[p].ErrorPath) continue;
                long total = 0; int peak = 0;
                for (int s = 0; s < steps; s++) { total += rec.PerStep[p, s]; peak = (int)Math.Max(peak, rec.PerStep[p, s]); }
                double rate = total / (n * sampleSec * net.Populations[p].Size);
                popRates[net.Populations[p].Name] = new Dictionary<string,
                    object?>
                { ["spikes"] = total, ["mean_rate_hz"] = Math.Round(rate, 3), ["peak_spikes_per_step"] = peak };
                Output.Line($"  {net.Populations[p].Name,-12} {net.Populations[p].Size,5} neurons  {total,9} spikes  {rate,8:F2} Hz "
                    + $"mean  peak {peak} spikes/step");
            }
            int correct = 0;
            for (int i = 0; i < n; i++)
            {
                if (preds[i] == test.Labels[i]) correct++;
                Output.Line($"  {data.Item} {i,4}: label {Dataset.ClassLabel(test.ClassNames, test.Labels[i])}  predicted "
                    + $"{Dataset.ClassLabel(test.ClassNames, preds[i])}  prediction spikes [{string.Join(' ', counts[i])}]");
            }
            Output.Line($"accuracy {correct}/{n}, {synops / (double)n:F0} SynOps per {data.Item}, {n / seconds:F1} samples/s");
            if (recording != null)
            {
                recording.WriteNpz(outPath!);
                Output.Line($"recording of {recording.Samples} {data.Items} ({r.GetValue(record.Record)}) written to {outPath}");
            }
            if (r.GetValue(JsonOpt))
                Output.Json(new Dictionary<string, object?>
                {
                    ["backend"] = engine.BackendName, ["dataset"] = data.Name, ["samples"] = n, ["steps"] = steps, ["populations"] = popRates,
                    ["predictions"] = preds, ["labels"] = Enumerable.Range(0, n).Select(i => (int)test.Labels[i]).ToArray(),
                    ["spike_hash"] = rec.SpikeHash.ToString("x16"), ["record"] = recording == null ? null : outPath,
                    ["recorded_samples"] = recording?.Samples,
                    ["accuracy"] = (double)correct / n, ["test_accuracy"] = (double)correct / n, ["test_samples"] = n,
                    ["synops_per_sample"] = synops / (double)n, ["samples_per_s"] = n / seconds,
                });
            return 0;
        }));
        return c;
    }
}
