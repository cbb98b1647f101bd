using System.Globalization;
using Neuromorphic.Simulator.Export;


namespace Neuromorphic.Cli;

/// <summary>`neuromorphic export MODEL` (weight tables for chips) and `neuromorphic import FILE.nir`.</summary>
public static class ExportCommand
{
    public static Command Export()
    {
        var model = new Argument<string>("model") { Description = "model file written by train (or import)" };
        var format = new Option<string>("--format") { Description = ExportFormats.Help, Required = true };
        var outOpt = new Option<string>("--out") { Description = ExportFormats.OutHelp, Required = true };
        var chip = new Option<string>("--chip")
        {
            Description = "integer format: loihi | spinnaker | int8 | int4 (default: float32 weights)", DefaultValueFactory = _ => "float",
        };
        var synapses = new Option<string>("--synapses")
        {
            Description = "a model trained with blank-out (p < 1): stochastic (the learned weights, p stored beside them) | "
                + "expected (weights x p, every synapse transmitting)",
            DefaultValueFactory = _ => SynapseModes.Stochastic,
        };
        var testSamples = new Option<int>("--test-samples")
        {
            Description = "test digits to simulate with the exported weights and the float model (0 = skip)", DefaultValueFactory = _ => 10_000,
        };
        var c = new Command("export", $"write the trained weights and neuron parameters for a chip toolchain ({ExportFormats.Titles})");
        c.Arguments.Add(model);
        Option[] options = [format, outOpt, chip, synapses, testSamples, BackendOpt, InferenceBatchOpt, DatasetOpt, DataDirOpt, JsonOpt];
        foreach (var o in options) c.Options.Add(o);
        c.SetAction(r => Guard(() =>
        {
            var fmt = ExportFormats.Parse(r.GetValue(format));
            string profile = ChipProfiles.Parse(r.GetValue(chip));
            string requested = SynapseModes.Parse(r.GetValue(synapses));
            int ntest = r.GetValue(testSamples);
            if (ntest < 0) throw new NeuromorphicException($"--test-samples must not be negative, got {ntest}");
            var backend = Backends.Parse(r.GetValue(BackendOpt)!);
            int batch = InferenceBatch(r.GetValue(InferenceBatchOpt), backend);
            string path = r.GetValue(model)!, outPath = r.GetValue(outOpt)!;
            if (fmt.WritesFolder) AtomicFile.CheckWritableFolder(outPath, "--out"); else AtomicFile.CheckWritable(outPath, "--out");
            var (net, config) = LoadModel(path);
            string family = ModelFamilies.Name(config.Family);
            if (ExportFormats.Refusal(fmt, config.Family) is { } why)
                throw new NeuromorphicException($"--format {fmt.Name}: {path} is a synaptic sampling machine; {why}");
            // What the format cannot hold (bias currents, a chip's integers) is refused before the test data are opened
            // and before anything is written.
            var s2m = config.Family == ModelFamily.SynapticSampling ? ExportedS2m.From(net, config, profile, requested) : null;
            var exported = s2m == null ? ExportedNetwork.From(net, config, profile, requested) : null;
            if ((s2m != null ? ExportFormats.Refusal(fmt, s2m) : ExportFormats.Refusal(fmt, exported!)) is { } refused)
                throw new NeuromorphicException(refused);
            // The test data are checked before anything is written: a model that does not fit them writes nothing.
            var data = ntest > 0 ? OpenData(r, config, path, net.Layers, path) : null;

            ExportedProjection[] projections;
            string mode;
            double trainedP;
            if (s2m != null)
            {
                fmt.Write(outPath, s2m);
                (projections, mode, trainedP) = ([s2m.Matrix], s2m.Synapses, s2m.TrainedTransmissionProbability);
                var l = s2m.Layout;
                Output.Line($"{fmt.Name} written to {outPath} ({profile} weights; an S2M: one symmetric {l.Rows}x{l.Columns} matrix, "
                    + $"rows {l.Pixels} pixels + {l.Classes}x{l.LabelUnits} label units + the bias unit, "
                    + $"columns {l.Hidden} hidden units + the bias unit)");
            }
            else
            {
                fmt.Write(outPath, exported!, Path.GetFileName(path));
                (projections, mode, trainedP) = (exported!.Projections, exported.Synapses, exported.TrainedTransmissionProbability);
                Output.Line($"{fmt.Name} written to {outPath} ({profile} weights, {exported.Projections.Length} forward projections; "
                    + "the error path is training machinery and is not exported)");
            }
            var notes = new List<string>();
            if (mode != SynapseModes.Deterministic && requested == SynapseModes.Stochastic && r.GetResult(synapses) is null or { Implicit: true })
                notes.Add($"the model has blank-out synapses (p = {trainedP}): the tables hold the learned weights with transmission_probability "
                    + $"{trainedP} beside them (--synapses stochastic, the default); a chip without stochastic synapses runs every synapse at "
                    + "full weight, which is another network; --synapses expected writes the expected-value network");
            if (mode == SynapseModes.Stochastic && fmt.StochasticSynapsesNote(trainedP) is { } readers) notes.Add(readers);
            if (mode == SynapseModes.Expected)
                notes.Add($"--synapses expected: the tables hold the expected-value network, every weight x p = {trainedP}, every synapse "
                    + "transmitting: a different network from the model (the test below measures both)");
            if (mode == SynapseModes.Deterministic && r.GetResult(synapses) is { Implicit: false })
                notes.Add($"--synapses {requested}: the model has no blank-out (p = 1); the tables are the learned weights");
            foreach (var n in notes) Console.Error.WriteLine($"note: {n}");
            var inv = CultureInfo.InvariantCulture;
            var rows = new List<Dictionary<string, object?>>();
            foreach (var p in projections)
            {
                var q = p.Integer;
                var row = new Dictionary<string, object?>
                {
                    ["name"] = p.Name, ["source"] = p.Source, ["target"] = p.Target, ["rows"] = p.Rows, ["columns"] = p.Columns,
                    ["transmission_probability"] = p.TransmissionProbability,
                };
                if (q != null)
                {
                    row["scale_mv"] = q.Scale; row["bits"] = q.Bits; row["min_code"] = q.MinCode; row["max_code"] = q.MaxCode;
                    row["weight_exp"] = q.WeightExponent; row["shift"] = q.Shift; row["sign_mode"] = q.SignMode?.ToString().ToLowerInvariant();
                    row["max_rounding_error_mv"] = Math.Round(q.MaxRoundingErrorMv, 9); row["saturated"] = q.Saturated; row["zeroed"] = q.Zeroed;
                    row["max_abs_mantissa"] = q.Mantissas.Max(Math.Abs);
                    string exp = q.WeightExponent is { } e ? $" = 2^{e}" : "";
                    Output.Line($"  {p.Name} ({p.Source}->{p.Target}, {p.Rows}x{p.Columns}): scale {q.Scale.ToString("G6", inv)} mV{exp}" +
                        (q.SignMode is { } sm ? $", sign mode {sm.ToString().ToLowerInvariant()}" : "") + (q.Shift is { } s ? $", shift {s}" : "") +
                        $", codes {q.MinCode}..{q.MaxCode}, largest |mantissa| {row["max_abs_mantissa"]}, " +
                        $"max rounding error {q.MaxRoundingErrorMv.ToString("G4", inv)} mV, {q.Saturated} saturated, {q.Zeroed} rounded to zero");
                }
                else
                {
                    Output.Line($"  {p.Name} ({p.Source}->{p.Target}, {p.Rows}x{p.Columns}): float32 weights"
                        + (p.TransmissionProbability < 1 ? $", transmission probability {p.TransmissionProbability}" : ""));
                }
                rows.Add(row);
            }
            var figures = new Dictionary<string, object?>
            {
                ["model"] = path, ["family"] = family, ["format"] = fmt.Name, ["chip"] = profile, ["synapses"] = mode,
                ["trained_transmission_probability"] = trainedP, ["out"] = outPath, ["projections"] = rows, ["notes"] = notes,
            };
            if (ntest > 0)
            {
                var testSet = data!.LoadTest();
                ntest = Math.Min(ntest, testSet.Count);
                EvaluationResult Test(Network n, SimulationConfig cfg, string label)
                {
                    using var engine = Backends.Create(backend, n, cfg, batch);
                    // The default simulates every test digit two or three times: say what one pass costs, and how to shorten it.
                    var bar = new ProgressLine(label, ntest)
                    {
                        EstimateNote = r.GetResult(testSamples) is { Implicit: false } || n != net
                            ? null
                            : "per evaluation; --test-samples N shortens it (0 skips the test)",
                    };
                    return Evaluation.Run(engine, testSet, 0, ntest, Evaluation.TestPresentationBase,
                        (done, correct) => bar.Report(done, done, correct, done == ntest));
                }
                string Hash(EvaluationResult e) =>
                    Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(e.Predictions.SelectMany(BitConverter.GetBytes).ToArray()));
                bool stochasticModel = trainedP < 1;
                var floatRes = Test(net, config, "float model");
                var weights = projections.Select(p => p.Weights).ToArray();
                // The exported tables as a chip without stochastic synapses runs them: every synapse transmitting. The same
                // network as the model when nothing changed it (float weights, no blank-out).
                EvaluationResult Exported(bool draws, string label)
                {
                    var (n, cfg) = SynapseModes.Simulated(net, config, weights, draws);
                    return Test(n, cfg, label);
                }
                var deterministic = profile == "float" && !stochasticModel ? floatRes : Exported(false, $"{profile} tables, deterministic");
                // Stochastic tables drawn as trained (the model itself for float weights).
                EvaluationResult? drawn = mode != SynapseModes.Stochastic ? null
                    : profile == "float" ? floatRes
                    : Exported(true, $"{profile} tables, with draws");
                var exportedRes = drawn ?? deterministic;
                var evaluations = new List<Dictionary<string, object?>>();
                void Row(string network, string synapsesRun, double p, EvaluationResult e, string label)
                {
                    evaluations.Add(new Dictionary<string, object?>
                    {
                        ["network"] = network, ["synapses"] = synapsesRun, ["transmission_probability"] = p, ["test_error"] = Math.Round(e.Error, 6),
                        ["synops_per_sample"] = Math.Round(e.SynOpsPerSample, 0), ["predictions_sha256"] = Hash(e),
                    });
                    Output.Line($"  {label,-58} {e.Error,8:P2}  {e.SynOpsPerSample,12:N0} SynOps/digit");
                }
                Output.Line($"test error on {ntest} digits:");
                Row("model", stochasticModel ? "draws" : "deterministic", trainedP, floatRes,
                    stochasticModel ? $"float model, blank-out drawn (p = {trainedP})" : "float model");
                Row("exported", "deterministic", 1.0, deterministic,
                    $"exported {profile} tables{(mode == SynapseModes.Expected ? " (expected values)" : "")}, every synapse transmitting");
                if (drawn != null) Row("exported", "draws", trainedP, drawn, $"exported {profile} tables, blank-out drawn (p = {trainedP})");
                Output.Line($"test error on {ntest} digits: {exportedRes.Error:P2} with the exported {profile} weights"
                    + $"{(drawn != null ? " (drawn)" : "")}, "
                    + $"{floatRes.Error:P2} with the float model ({exportedRes.Error - floatRes.Error:+0.00%;-0.00%;0.00%})");
                figures["test_samples"] = ntest;
                figures["test_error"] = Math.Round(exportedRes.Error, 6);
                figures["test_accuracy"] = Math.Round(exportedRes.Accuracy, 6);
                figures["synops_per_sample"] = Math.Round(exportedRes.SynOpsPerSample, 0);
                figures["deterministic_test_error"] = Math.Round(deterministic.Error, 6);
                figures["deterministic_synops_per_sample"] = Math.Round(deterministic.SynOpsPerSample, 0);
                figures["float_test_error"] = Math.Round(floatRes.Error, 6);
                figures["float_synops_per_sample"] = Math.Round(floatRes.SynOpsPerSample, 0);
                figures["predictions_sha256"] = Hash(exportedRes);
                int agreeing = exportedRes.Predictions.Zip(floatRes.Predictions).Count(x => x.First == x.Second);
                figures["prediction_agreement"] = Math.Round(agreeing / (double)ntest, 6);
                figures["evaluations"] = evaluations;
            }
            if (r.GetValue(JsonOpt)) Output.Json(figures);
            return 0;
        }));
        return c;
    }

    public static Command Import()
    {
        var file = new Argument<string>("file")
        {
            Description = "NIR file (HDF5) of a feed-forward graph: Input, Affine/Linear, LIF/CubaLIF/IF, Output",
        };
        var outOpt = new Option<string>("--out") { Description = "model file to write", Required = true };
        var dt = new Option<double?>("--dt-ms") { Description = "time step to simulate with (default: the file's metadata dt, else 0.1 ms)" };
        var allowLarge = new Option<bool>("--allow-large")
        {
            Description = $"read datasets of more than {NirFile.ElementsPerFileByte} elements per byte of the file (a highly compressed file), "
                + $"up to {NirFile.MaxTotalElements:N0}",
        };
        var c = new Command("import", "read a NIR graph (snnTorch, Norse or export --format nir) into a model file that test and run simulate");
        c.Arguments.Add(file);
        foreach (var o in new Option[] { outOpt, dt, allowLarge, JsonOpt }) c.Options.Add(o);
        c.SetAction(r => Guard(() =>
        {
            string path = r.GetValue(file)!, outPath = r.GetValue(outOpt)!;
            AtomicFile.CheckWritable(outPath, "--out");
            var res = NirImport.Import(path, r.GetValue(dt), r.GetValue(allowLarge));
            res.Model.Save(outPath);
            foreach (var n in res.Notes) Console.Error.WriteLine($"note: {Text.Escape(n, Text.MaxLine)}");
            var config = res.Model.Config();
            Output.Line($"model {Architecture.Format(res.Model.Layers)} written to {outPath} (dt {config.DtMs} ms, hidden tau_mem "
                + $"{config.Hidden.TauMembraneMs} ms, tau_syn {config.Hidden.TauSynapseMs} ms, prediction threshold {config.Output.ThresholdMv})");
            if (res.Model.Layers[0] != 784)
                Console.Error.WriteLine($"note: the input has {res.Model.Layers[0]} neurons; test and run feed the 784 MNIST pixels");
            if (r.GetValue(JsonOpt))
                Output.Json(new Dictionary<string, object?>
                {
                    ["file"] = path, ["model"] = outPath, ["family"] = ModelFamilies.Name(config.Family),
                    ["arch"] = Architecture.Format(res.Model.Layers), ["dt_ms"] = config.DtMs,
                    ["transmission_probability"] = config.TransmissionProbability,
                    ["bias_currents"] = res.Model.Biases?.Select(b => b.Population).ToArray() ?? [], ["notes"] = res.Notes,
                });
            return 0;
        }));
        return c;
    }
}
