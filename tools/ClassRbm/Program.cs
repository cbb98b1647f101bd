// classrbm: the discrete-time reference of the S2M (docs/s2m.md, "Discrete-time reference: the ceiling of 794-500").
// Trains a class-RBM (784 pixels and 10 x L label units visible, H hidden, visible and hidden biases) by CD-k on the
// first 50,000 MNIST training digits in the trainer's seeded order (Trainer.EpochOrder), or the discrete S2M (every
// weight use blanked out with probability 1 - p), and prints the free-energy test error on the 10,000 test digits after
// each epoch. A research tool, not part of the neuromorphic CLI. Usage:
//   dotnet run --project tools/ClassRbm -c Release -- [--machine rbm|s2m] [--blank-out 0.5] [--hidden 500]
//       [--label-units 1] [--labels softmax|independent] [--cd-k 1] [--learning-rate 0.01] [--batch 1]
//       [--pixels binary|probability] [--epochs 2] [--train-samples 50000] [--test-samples 10000] [--seed 1]
//       [--data-dir DIR] [--json]
using System.CommandLine;
using System.Diagnostics;
using Neuromorphic.ClassRbm;
using Neuromorphic.Cli;
using Neuromorphic.Simulator;
using Neuromorphic.Simulator.Data;
using Neuromorphic.Simulator.Training;

var root = new RootCommand("classrbm: a class-RBM (or discrete S2M) trained by CD-k on MNIST, tested by free energy");
var machine = new Option<string>("--machine")
{
    Description = "rbm: the plain class-RBM; s2m: every weight use blanked out (rbm)",
    DefaultValueFactory = _ => "rbm",
};
var blankOut = new Option<double>("--blank-out")
{
    Description = "with --machine s2m: transmission probability p of every weight use (0.5)",
    DefaultValueFactory = _ => 0.5,
};
var hidden = new Option<int>("--hidden") { Description = "hidden units (500)", DefaultValueFactory = _ => 500 };
var labelUnits = new Option<int>("--label-units") { Description = "label units per class (1; the S2M presets use 4)", DefaultValueFactory = _ => 1 };
var labels = new Option<string>("--labels")
{
    Description = "label reconstruction: softmax over classes | independent units (softmax)",
    DefaultValueFactory = _ => "softmax",
};
var cdK = new Option<int>("--cd-k") { Description = "Gibbs steps of the negative phase (1)", DefaultValueFactory = _ => 1 };
var lr = new Option<double>("--learning-rate") { Description = "learning rate per sample (0.01)", DefaultValueFactory = _ => 0.01 };
var batch = new Option<int>("--batch") { Description = "samples per update (1: on-line)", DefaultValueFactory = _ => 1 };
var pixels = new Option<string>("--pixels")
{
    Description = "binary (at 0.5) | probability (grey levels; sampled by the s2m machine) (binary)",
    DefaultValueFactory = _ => "binary",
};
var epochs = new Option<int>("--epochs") { Description = "epochs (2)", DefaultValueFactory = _ => 2 };
var trainSamples = new Option<int>("--train-samples")
{
    Description = "training digits per epoch, from the first 50,000 (50,000)",
    DefaultValueFactory = _ => 50_000,
};
var testSamples = new Option<int>("--test-samples") { Description = "test digits (10,000)", DefaultValueFactory = _ => 10_000 };
var seed = new Option<ulong>("--seed") { Description = "seed (1)", DefaultValueFactory = _ => 1UL };
var dataDir = new Option<string?>("--data-dir") { Description = "MNIST's folder" };
var json = new Option<bool>("--json") { Description = "one JSON object on stdout (progress on stderr)" };
foreach (var o in new Option[] { machine, blankOut, hidden, labelUnits, labels, cdK, lr, batch, pixels, epochs, trainSamples,
    testSamples, seed, dataDir, json })
    root.Options.Add(o);
root.SetAction(r => CliCommon.Guard(() =>
{
    string kind = r.GetValue(machine)!.Trim().ToLowerInvariant();
    if (kind is not ("rbm" or "s2m")) throw new NeuromorphicException($"--machine: expected rbm or s2m, got '{r.GetValue(machine)}'");
    if (kind == "rbm" && r.GetResult(blankOut) is { Implicit: false }) throw new NeuromorphicException("--blank-out is an option of --machine s2m");
    string px = r.GetValue(pixels)!.Trim().ToLowerInvariant();
    if (px is not ("binary" or "probability")) throw new NeuromorphicException($"--pixels: expected binary or probability,"
        + $" got '{r.GetValue(pixels)}'");
    string lab = r.GetValue(labels)!.Trim().ToLowerInvariant();
    if (lab is not ("softmax" or "independent")) throw new NeuromorphicException($"--labels: expected softmax or independent,"
        + $" got '{r.GetValue(labels)}'");
    var settings = new RbmSettings
    {
        Hidden = r.GetValue(hidden), LabelUnits = r.GetValue(labelUnits), CdK = r.GetValue(cdK), LearningRate = r.GetValue(lr),
        Batch = r.GetValue(batch), BinarisePixels = px == "binary", Labels = lab == "softmax" ? LabelKind.Softmax : LabelKind.Independent,
        BlankOut = kind == "s2m" ? r.GetValue(blankOut) : 1, Seed = r.GetValue(seed),
    };
    if (kind == "s2m" && !(settings.BlankOut < 1)) throw new NeuromorphicException($"--blank-out must lie in (0, 1) for --machine "
        + $"s2m, got {settings.BlankOut}");
    settings.Validate();
    int nEpochs = r.GetValue(epochs), nTrain = r.GetValue(trainSamples), nTest = r.GetValue(testSamples);
    if (nEpochs is < 1 or > 10_000) throw new NeuromorphicException($"--epochs must lie in 1..10000, got {nEpochs}");
    if (nTrain is < 1 or > Trainer.TrainPoolSize) throw new NeuromorphicException($"--train-samples must lie in "
        + $"1..{Trainer.TrainPoolSize}, got {nTrain}");
    if (nTest is < 1 or > 10_000) throw new NeuromorphicException($"--test-samples must lie in 1..10000, got {nTest}");
    bool asJson = r.GetValue(json);
    var log = asJson ? Console.Error : Console.Out;

    string dir = MnistFiles.ResolveDirectory(r.GetValue(dataDir));
    MnistFiles.Verify(dir);
    var train = MnistFiles.LoadTrain(dir);
    var test = MnistFiles.LoadTest(dir);
    var net = new ClassRbmMachine(settings);
    var layout = settings.Layout;
    log.WriteLine($"class-RBM {layout.Visible}-{layout.Hidden} ({kind}{(kind == "s2m" ? $", p = {settings.BlankOut}" : "")}): CD-{settings.CdK}, " +
                  $"learning rate {settings.LearningRate}, batch {settings.Batch}, {px} pixels, {lab} labels, {layout.LabelUnits} label unit(s) "
                      + $"per class, seed {settings.Seed}");
    var history = new List<Dictionary<string, object?>>();
    long presentation = 0;
    var scratch = new float[layout.Pixels];
    for (int epoch = 0; epoch < nEpochs; epoch++)
    {
        var clock = Stopwatch.StartNew();
        var order = Trainer.EpochOrder(settings.Seed, epoch, nTrain, Trainer.TrainPoolSize);
        double recon = 0;
        var chunk = new List<(byte[], int)>(settings.Batch);
        for (int start = 0; start < order.Length; start += settings.Batch)
        {
            chunk.Clear();
            for (int b = start; b < Math.Min(order.Length, start + settings.Batch); b++) chunk.Add((train.Image(order[b]).ToArray(),
                train.Labels[order[b]]));
            recon += net.Learn(chunk, presentation);
            presentation += chunk.Count;
        }
        double trainSeconds = clock.Elapsed.TotalSeconds;
        int wrong = 0;
        for (int n = 0; n < nTest; n++) if (net.Classify(test.Image(n), scratch) != test.Labels[n]) wrong++;
        double error = wrong / (double)nTest;
        log.WriteLine($"epoch {epoch + 1}: test error {error:P2} ({wrong} of {nTest})  reconstruction error while learning "
            + $"{recon / (order.Length * (double)layout.Visible):F4}  " +
                      $"train {trainSeconds:F0} s, test {clock.Elapsed.TotalSeconds - trainSeconds:F0} s");
        history.Add(new() { ["epoch"] = epoch + 1, ["test_error"] = Math.Round(error, 6), ["train_seconds"] = Math.Round(trainSeconds, 1) });
    }
    if (asJson)
        Output.Json(new Dictionary<string, object?>
        {
            ["machine"] = kind, ["blank_out"] = settings.BlankOut, ["visible"] = layout.Visible, ["hidden"] = layout.Hidden,
            ["label_units"] = layout.LabelUnits,
            ["labels"] = lab, ["pixels"] = px, ["cd_k"] = settings.CdK, ["learning_rate"] = settings.LearningRate, ["batch"] = settings.Batch,
            ["seed"] = settings.Seed, ["train_samples"] = nTrain, ["test_samples"] = nTest, ["epochs"] = history,
            ["weights_sha256"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
                System.Runtime.InteropServices.MemoryMarshal.AsBytes(net.Weights.AsSpan()))),
        });
    return 0;
}));
return CliCommon.Invoke(root, args, "classrbm");
