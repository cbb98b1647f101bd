using Neuromorphic.Simulator.S2m;

namespace Neuromorphic.Cli;

/// <summary>`neuromorphic test`: test a trained model on its dataset's test (or training) images.</summary>
public static class TestCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "model file written by train" };
        var testSamples = new Option<int>("--test-samples") { Description = "test digits (default: all 10,000)", DefaultValueFactory = _ => 10_000 };
        var sampleMs = new Option<double?>("--test-sample-ms") { Description = "duration of a test sample in ms (default: the model's, 250)" };
        var split = new Option<string>("--split")
        {
            Description = "test: the 10,000 test digits; train: the first digits of the training pool (the ones trained on), to "
                + "tell under- from over-fitting",
            DefaultValueFactory = _ => "test",
        };
        var readout = new Option<string?>("--readout")
        {
            Description = "S2M models: which label spikes decide the class: after-burn-in (default: those after the first 10% of the sample) | "
                + "whole (all of them) | free-energy (no spikes: the weights read as an RBM, docs/s2m.md)",
        };
        var energyScale = new Option<double?>("--energy-scale")
        {
            Description = "with --readout free-energy: energy per mV of weight (default: from the erf activation of blank-out, docs/s2m.md)",
        };
        var outOpt = new Option<string?>("--out") { Description = "the NumPy .npz file --record writes" };
        var kernel = InferenceKernelOption();
        var record = new RecordOptions();
        var c = new Command("test", "test a trained model on the test images of its dataset (MNIST digits unless it was trained on another)");
        c.Arguments.Add(model);
        Add(c, testSamples, sampleMs, split, readout, energyScale, BackendOpt, BatchOpt, DatasetOpt, DataDirOpt, outOpt, JsonOpt, kernel);
        record.AddTo(c);
        c.SetAction(r => Guard(() =>
        {
            string path = r.GetValue(model)!;
            var backend = Backends.Parse(r.GetValue(BackendOpt)!);
            bool perPhase = PerPhaseInferenceChosen(r.GetValue(kernel), backend);
            var (net, config, file) = LoadModelFile(path);
            if (r.GetValue(sampleMs) is { } ms) { config = config with { TestSampleMs = ms }; config.Validate(); }
            bool freeEnergy = false;
            if (r.GetValue(readout) is { } ro)
            {
                if (config.Family != ModelFamily.SynapticSampling)
                    throw new NeuromorphicException($"--readout {ro}: only S2M models have a label readout; {path} is "
                        + $"{config.Rule.ToString().ToLowerInvariant()}");
                if (ro.Trim().Equals("free-energy", StringComparison.OrdinalIgnoreCase)) freeEnergy = true;
                else config = config with { Readout = ConfigOptions.ParseReadout(ro) };
            }
            // The free-energy readout simulates nothing: a kernel asked for would be silently ignored.
            if (freeEnergy && r.GetResult(kernel) is { Implicit: false })
                throw new NeuromorphicException($"--inference-kernel {r.GetValue(kernel)}: --readout free-energy simulates nothing "
                    + "(it reads the weights); drop one of them");
            if (r.GetValue(energyScale) is { } es && !(freeEnergy && es > 0 && double.IsFinite(es)))
                throw new NeuromorphicException(freeEnergy ? $"--energy-scale must be a positive number, got {es}"
                    : "--energy-scale is an option of --readout free-energy");
            int ntest = r.GetValue(testSamples);
            if (ntest < 1) throw new NeuromorphicException($"--test-samples must be at least 1, got {ntest}");
            string which = r.GetValue(split)!;
            if (which is not ("test" or "train")) throw new NeuromorphicException($"--split: expected test or train, got '{which}'");
            string? outPath = r.GetValue(outOpt);
            var kinds = record.Kinds(r, outPath, "--out");
            if (outPath != null && kinds == null) throw new NeuromorphicException($"--out {outPath}: test writes a file only with --record "
                + $"(spikes, state or spikes,state)");
            var data = OpenData(r, config, path, net.Layers);
            var testSet = which == "test" ? data.LoadTest() : data.LoadTrain();
            if (which == "train") ntest = Math.Min(ntest, Trainer.TrainPoolSize);
            if (freeEnergy) return FreeEnergyTest(net, config, file, data, testSet, train: which == "train" ? testSet : data.LoadTrain(),
                Math.Min(ntest, testSet.Count),
                r.GetValue(energyScale), path, which, r.GetValue(JsonOpt));
            // Predictions do not depend on the batch (each digit's random numbers are keyed by the digit), so
            // unless --batch is given, test as train's final test does: 16 lanes on the CPU, 1024 on a GPU.
            int testBatch = InferenceBatch(r.GetResult(BatchOpt) is { Implicit: false } ? r.GetValue(BatchOpt) : null, backend);
            using var engine = Backends.Create(backend, net, config, testBatch);
            if (perPhase) ((IlgpuEngine)engine).UseFusedInference = false;
            var figures = new Dictionary<string, object?>
            {
                ["split"] = which, ["model"] = path, ["epochs"] = file.Progress.EpochsCompleted, ["train_samples"] = file.Progress.SamplesSeen,
                ["train_samples_total"] = file.Progress.SamplesSeen, ["rule"] = config.Rule.ToString().ToLowerInvariant(),
                ["test_sample_ms"] = config.TestSampleMs, ["readout"] = config.Family == ModelFamily.SynapticSampling
                    ? (config.Readout == Neuromorphic.Simulator.S2m.S2mReadout.WholeSample ? "whole" : "after-burn-in") : null,
            };
            ntest = Math.Min(ntest, testSet.Count);
            var recording = record.Create(r, kinds, engine, config.StepsPerSample(false), ntest, 100);
            FinalTest(engine, data, testSet, ntest, figures);
            if (recording != null)
            {
                // A second pass over the first samples with the recorder: the same presentations, so the same spikes and predictions.
                recording.Simulate(engine, testSet, Evaluation.TestPresentationBase);
                recording.WriteNpz(outPath!);
                Output.Line($"recording of the first {recording.Samples} {data.Items} ({r.GetValue(record.Record)}) written to {outPath}");
                figures["record"] = outPath; figures["recorded_samples"] = recording.Samples;
            }
            if (r.GetValue(JsonOpt)) Output.Json(figures);
            return 0;
        }));
        return c;
    }

    /// <summary>test --readout free-energy: each digit's class by the free energy of the S2M's weights read as an RBM
    /// (<see cref="FreeEnergy"/>, <see cref="S2mEnergyReading"/>); no spikes.</summary>
    static int FreeEnergyTest(Network net, SimulationConfig config, ModelFile file, Dataset data, IdxImageSet testSet, IdxImageSet train, int ntest,
        double? energyPerMv, string path, string which, bool json)
    {
        var layout = S2mLayout.Of(net, config);
        var w = net.Projections[0].Weights;
        double p = config.TransmissionProbability;
        // The default scale: sigma of the erf activation over the first 1,000 training digits (never the digits tested).
        var images = Enumerable.Range(0, Math.Min(1000, train.Count)).Select(n =>
            {
                var x = new float[layout.Pixels];
                var im = train.Image(n);
                for (int j = 0; j < x.Length; j++) x[j] = im[j] / 255f;
                return x;
            }).ToList();
        double perMv = energyPerMv ?? S2mEnergyReading.ErfEnergyPerMv(layout, w, p, images);
        var reading = new S2mEnergyReading(perMv, p, config.Sampler.ThresholdMv, S2mActivation.PeakGain(config.Sampler, config.DtMs));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var predictions = FreeEnergy.ClassifyImages(layout, w, testSet, 0, ntest, reading.Scale, reading.Shift);
        int wrong = 0;
        for (int n = 0; n < ntest; n++) if (predictions[n] != testSet.Labels[n]) wrong++;
        double error = wrong / (double)ntest;
        Output.Table($"free-energy readout of {ntest} {data.Title} {(which == "train" ? "training" : "test")} {data.Items}", [
            ("test error", $"{error:P2}"), ("test accuracy", $"{1 - error:P2}"),
                ("energy per mV", $"{perMv:G4}{(energyPerMv == null ? " (erf activation)" : "")}"),
            ("threshold shift", $"{reading.Shift:G4}"), ("test samples/s", $"{ntest / clock.Elapsed.TotalSeconds:F1}"),
        ]);
        if (json)
            Output.Json(new Dictionary<string, object?>
            {
                ["split"] = which, ["model"] = path, ["epochs"] = file.Progress.EpochsCompleted,
                ["train_samples"] = file.Progress.SamplesSeen, ["rule"] = "s2m",
                ["readout"] = "free-energy", ["energy_per_mv"] = perMv, ["energy_scale_source"] = energyPerMv == null ? "erf" : "option",
                ["threshold_shift"] = reading.Shift,
                ["dataset"] = data.Name, ["test_samples"] = ntest, ["test_accuracy"] = Math.Round(1 - error, 6),
                ["test_error"] = Math.Round(error, 6),
                ["predictions_sha256"] = Convert.ToHexStringLower(
                    System.Security.Cryptography.SHA256.HashData(predictions.SelectMany(BitConverter.GetBytes).ToArray())),
            });
        return 0;
    }
}
