namespace Neuromorphic.Cli;

/// <summary>`neuromorphic test`: test a trained model on its dataset's test (or training) images.</summary>
public static class TestCommand
{
    public static Command Create()
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
            int testBatch = InferenceBatch(r.GetResult(BatchOpt) is { Implicit: false } ? r.GetValue(BatchOpt) : null, backend);
            using var engine = Backends.Create(backend, net, config, testBatch);
            var figures = new Dictionary<string, object?>
            {
                ["split"] = which, ["model"] = path, ["epochs"] = file.Progress.EpochsCompleted, ["train_samples"] = file.Progress.SamplesSeen, ["train_samples_total"] = file.Progress.SamplesSeen, ["rule"] = config.Rule.ToString().ToLowerInvariant(),
                ["test_sample_ms"] = config.TestSampleMs, ["readout"] = config.Rule == RuleKind.S2m ? (config.Readout == Neuromorphic.Simulator.S2m.S2mReadout.WholeSample ? "whole" : "after-burn-in") : null,
            };
            FinalTest(engine, data, testSet, Math.Min(ntest, testSet.Count), figures);
            if (r.GetValue(JsonOpt)) Output.Json(figures);
            return 0;
        }));
        return c;
    }
}
