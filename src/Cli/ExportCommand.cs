using System.Globalization;
using Neuromorphic.Simulator.Export;


namespace Neuromorphic.Cli;

/// <summary>`neuromorphic export MODEL` (weight tables for chips) and `neuromorphic import FILE.nir`.</summary>
public static class ExportCommand
{
    static readonly string[] Formats = ["msgpack", "nir", "csv", "npy", "npz"];

    public static Command Export()
    {
        var model = new Argument<string>("model") { Description = "model file written by train (or import)" };
        var format = new Option<string>("--format") { Description = "msgpack | nir | csv (a folder) | npy (a folder) | npz", Required = true };
        var outOpt = new Option<string>("--out") { Description = "file (msgpack, nir, npz) or folder (csv, npy) to write", Required = true };
        var chip = new Option<string>("--chip") { Description = "integer format: loihi | spinnaker | int8 | int4 (default: float32 weights)", DefaultValueFactory = _ => "float" };
        var testSamples = new Option<int>("--test-samples") { Description = "test digits to simulate with the exported weights and the float model (0 = skip)", DefaultValueFactory = _ => 10_000 };
        var c = new Command("export", "write the trained forward weights and neuron parameters for a chip toolchain (MessagePack, NIR, CSV, NumPy)");
        c.Arguments.Add(model);
        foreach (var o in new Option[] { format, outOpt, chip, testSamples, BackendOpt, InferenceBatchOpt, DatasetOpt, DataDirOpt, JsonOpt }) c.Options.Add(o);
        c.SetAction(r => Guard(() =>
        {
            string fmt = r.GetValue(format)!.Trim().ToLowerInvariant();
            if (!Formats.Contains(fmt)) throw new NeuromorphicException($"--format '{r.GetValue(format)}': expected one of {string.Join(", ", Formats)}");
            string profile = ChipProfiles.Parse(r.GetValue(chip));
            int ntest = r.GetValue(testSamples);
            if (ntest < 0) throw new NeuromorphicException($"--test-samples must not be negative, got {ntest}");
            var backend = Backends.Parse(r.GetValue(BackendOpt)!);
            int batch = InferenceBatch(r.GetValue(InferenceBatchOpt), backend);
            string path = r.GetValue(model)!, outPath = r.GetValue(outOpt)!;
            if (fmt is "csv" or "npy") AtomicFile.CheckWritableFolder(outPath, "--out"); else AtomicFile.CheckWritable(outPath, "--out");
            var (net, config) = LoadModel(path);
            // The test data are checked before anything is written: a model that does not fit them writes nothing.
            var data = ntest > 0 ? OpenData(r, config, path, net.Layers, path) : null;
            var exported = ExportedNetwork.From(net, config, profile);
            switch (fmt)
            {
                case "msgpack": WeightTables.Write(outPath, exported); break;
                case "nir": NirFile.Write(outPath, exported, Path.GetFileName(path)); break;
                case "csv": CsvNpy.WriteCsvFolder(outPath, exported); break;
                case "npy": CsvNpy.WriteNpyFolder(outPath, exported); break;
                case "npz": CsvNpy.WriteNpz(outPath, exported); break;
            }
            Output.Line($"{fmt} written to {outPath} ({profile} weights, {exported.Projections.Length} forward projections; the error path is training machinery and is not exported)");
            var inv = CultureInfo.InvariantCulture;
            var rows = new List<Dictionary<string, object?>>();
            foreach (var p in exported.Projections)
            {
                var q = p.Integer;
                var row = new Dictionary<string, object?> { ["name"] = p.Name, ["source"] = p.Source, ["target"] = p.Target, ["rows"] = p.Rows, ["columns"] = p.Columns };
                if (q != null)
                {
                    row["scale_mv"] = q.Scale; row["bits"] = q.Bits; row["min_code"] = q.MinCode; row["max_code"] = q.MaxCode;
                    row["weight_exp"] = q.WeightExponent; row["shift"] = q.Shift; row["sign_mode"] = q.SignMode?.ToString().ToLowerInvariant();
                    row["max_rounding_error_mv"] = Math.Round(q.MaxRoundingErrorMv, 9); row["saturated"] = q.Saturated; row["zeroed"] = q.Zeroed;
                    row["max_abs_mantissa"] = q.Mantissas.Max(Math.Abs);
                    string exp = q.WeightExponent is { } e ? $" = 2^{e}" : "";
                    Output.Line($"  {p.Name} ({p.Source}->{p.Target}, {p.Rows}x{p.Columns}): scale {q.Scale.ToString("G6", inv)} mV{exp}" +
                        (q.SignMode is { } sm ? $", sign mode {sm.ToString().ToLowerInvariant()}" : "") + (q.Shift is { } s ? $", shift {s}" : "") +
                        $", codes {q.MinCode}..{q.MaxCode}, largest |mantissa| {row["max_abs_mantissa"]}, max rounding error {q.MaxRoundingErrorMv.ToString("G4", inv)} mV, {q.Saturated} saturated, {q.Zeroed} rounded to zero");
                }
                else Output.Line($"  {p.Name} ({p.Source}->{p.Target}, {p.Rows}x{p.Columns}): float32 weights");
                rows.Add(row);
            }
            var figures = new Dictionary<string, object?> { ["model"] = path, ["format"] = fmt, ["chip"] = profile, ["out"] = outPath, ["projections"] = rows };
            if (ntest > 0)
            {
                var testSet = data!.LoadTest();
                ntest = Math.Min(ntest, testSet.Count);
                EvaluationResult Test(Network n, string label)
                {
                    using var engine = Backends.Create(backend, n, config, batch);
                    // The default simulates every test digit twice: say what it costs, and how to shorten it.
                    var bar = new ProgressLine(label, ntest)
                    {
                        EstimateNote = r.GetResult(testSamples) is { Implicit: false } || n != net ? null : "--test-samples N shortens it (0 skips the test)",
                        Phases = profile != "float" ? 2 : 1,
                    };
                    return Evaluation.Run(engine, testSet, 0, ntest, Evaluation.TestPresentationBase, (done, correct) => bar.Report(done, done, correct, done == ntest));
                }
                var floatRes = Test(net, "float model");
                var res = floatRes;
                if (profile != "float")
                {
                    // The network the chip runs: exactly mantissa * scale in every forward weight.
                    var copy = Robustness.Copy(net, config);
                    var fwd = copy.ForwardProjections.ToArray();
                    for (int l = 0; l < fwd.Length; l++) Array.Copy(exported.Projections[l].Weights, fwd[l].Weights, fwd[l].Weights.Length);
                    res = Test(copy, $"{profile} weights");
                }
                Output.Line($"test error on {ntest} digits: {res.Error:P2} with the exported {profile} weights, {floatRes.Error:P2} with the float model ({res.Error - floatRes.Error:+0.00%;-0.00%;0.00%})");
                figures["test_samples"] = ntest;
                figures["test_error"] = Math.Round(res.Error, 6);
                figures["test_accuracy"] = Math.Round(res.Accuracy, 6);
                figures["float_test_error"] = Math.Round(floatRes.Error, 6);
                figures["predictions_sha256"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(res.Predictions.SelectMany(BitConverter.GetBytes).ToArray()));
                figures["prediction_agreement"] = Math.Round(res.Predictions.Zip(floatRes.Predictions).Count(x => x.First == x.Second) / (double)ntest, 6);
            }
            if (r.GetValue(JsonOpt)) Output.Json(figures);
            return 0;
        }));
        return c;
    }

    public static Command Import()
    {
        var file = new Argument<string>("file") { Description = "NIR file (HDF5) of a feed-forward graph: Input, Affine/Linear, LIF/CubaLIF/IF, Output" };
        var outOpt = new Option<string>("--out") { Description = "model file to write", Required = true };
        var dt = new Option<double?>("--dt-ms") { Description = "time step to simulate with (default: the file's metadata dt, else 0.1 ms)" };
        var allowLarge = new Option<bool>("--allow-large") { Description = $"read datasets of more than {NirFile.ElementsPerFileByte} elements per byte of the file (a highly compressed file), up to {NirFile.MaxTotalElements:N0}" };
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
            Output.Line($"model {Architecture.Format(res.Model.Layers)} written to {outPath} (dt {config.DtMs} ms, hidden tau_mem {config.Hidden.TauMembraneMs} ms, tau_syn {config.Hidden.TauSynapseMs} ms, prediction threshold {config.Output.ThresholdMv})");
            if (res.Model.Layers[0] != 784) Console.Error.WriteLine($"note: the input has {res.Model.Layers[0]} neurons; test and run feed the 784 MNIST pixels");
            if (r.GetValue(JsonOpt))
                Output.Json(new Dictionary<string, object?> { ["file"] = path, ["model"] = outPath, ["arch"] = Architecture.Format(res.Model.Layers), ["dt_ms"] = config.DtMs, ["notes"] = res.Notes });
            return 0;
        }));
        return c;
    }
}
