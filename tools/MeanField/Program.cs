// meanfield: trains the eRBP network of this simulator in the firing-rate limit (MeanFieldErbp.cs) on MNIST and
// prints, after each epoch, the accuracy on 5,000 training digits and on the 10,000 test digits. A research tool
// (docs/results.md, session 5), not part of the neuromorphic CLI. Its model options are the CLI's own (ConfigOptions:
// the same names, parsing, checks and error lines as `neuromorphic train`, docs/cli.md); options of the simulator that
// the rate model does not represent are refused. Usage:
//   dotnet run --project tools/MeanField -c Release -- [--hidden 200] [--epochs 4] [--eta 6e-4] [--eta-decay 0.5]
//       [--gate-mv 600] [--gate-low-mv G] [--gate-high-mv G] [--layer-gates-mv H,O] [--init-scale 7]
//       [--feedback-scale 7] [--error-weight-mv 90] [--blank-out 1] [--tau-membrane-ms 1] [--refractory-ms 3.9]
//       [--noise-sigma-mv 0] [--sub-steps 10] [--target-hz H] [--train-samples 50000] [--seed 1] [--data-dir DIR]
using System.CommandLine;
using Neuromorphic.Cli;
using Neuromorphic.MeanField;
using Neuromorphic.Simulator;
using Neuromorphic.Simulator.Data;
using Neuromorphic.Simulator.Engine;

var cfg = new ConfigOptions();
var root = new RootCommand("meanfield: the eRBP network of neuromorphic in the firing-rate limit, trained and tested on MNIST");
cfg.AddTo(root, withRule: false);
// What the rate model has no counterpart for (the table's entries without OptionUse.MeanField): refused, not silently ignored.
Option[] notModelled = cfg.Entries.Where(x => x.Entry.Name != ModelOptions.RuleName && !x.Entry.Uses.HasFlag(OptionUse.MeanField))
    .Select(x => x.Option).ToArray();
var hidden = new Option<int>(OptionNames.Of(RunFields.HiddenUnits)) { Description = "hidden neurons (200)", DefaultValueFactory = _ => 200 };
var epochs = new Option<int>("--epochs") { Description = "epochs (4)", DefaultValueFactory = _ => 4 };
var trainSamples = new Option<int>("--train-samples")
{
    Description = "training digits per epoch, at most 60,000 (50,000)",
    DefaultValueFactory = _ => 50_000,
};
var subSteps = new Option<int>("--sub-steps") { Description = "rate iterations per sample (10)", DefaultValueFactory = _ => 10 };
var noiseSigma = new Option<double>("--noise-sigma-mv") { Description = "Gaussian noise of the membrane potential in the f-I curve, mV (0)" };
var targetHz = new Option<double?>("--target-hz") { Description = "rate the true class is trained towards (default: the label neuron's)" };
var dataDir = new Option<string?>("--data-dir") { Description = "MNIST's folder" };
// The tool's own: fields the CLI sets only through --config.
var gateLow = new Option<double?>("--gate-low-mv") { Description = "lower edge of the boxcar, mV" };
var gateHigh = new Option<double?>("--gate-high-mv") { Description = "upper edge of the boxcar, mV" };
var errorWeight = new Option<double?>("--error-weight-mv") { Description = "weight of the error neurons' projections, mV (90)" };
var refractory = new Option<double?>("--refractory-ms") { Description = "refractory period of hidden and prediction neurons, ms (3.9)" };
foreach (var o in new Option[] { hidden, epochs, trainSamples, subSteps, noiseSigma, targetHz, dataDir, gateLow, gateHigh, errorWeight, refractory })
    root.Options.Add(o);
root.SetAction(r => CommandLine.Guard(() =>
{
    if (notModelled.FirstOrDefault(o => r.GetResult(o) is { Implicit: false }) is { } refused)
        throw new NeuromorphicException($"{refused.Name}: the mean-field model has no counterpart for it (the "
            + $"simulator's `neuromorphic train` does)");
    var config = cfg.Build(r, RuleKind.Erbp);
    // The tool's default halves eta each epoch (the main job's schedule).
    if (r.GetValue(cfg.EtaDecay) == null && r.GetValue(cfg.Config) == null
        && r.GetValue(cfg.PresetOpt) == null) config = config with { EtaDecayPerEpoch = 0.5 };
    if (r.GetValue(gateLow) is { } lo) config = config with { Erbp = config.Erbp with { GateLowMv = lo } };
    if (r.GetValue(gateHigh) is { } hi) config = config with { Erbp = config.Erbp with { GateHighMv = hi } };
    if (r.GetValue(errorWeight) is { } ew) config = config with { ErrorWeightMv = ew };
    if (r.GetValue(refractory) is { } rf) config = config with
    {
        Hidden = config.Hidden with { RefractoryMs = rf },
        Output = config.Output with { RefractoryMs = rf }
    };
    config.Validate();
    int Positive(Option<int> o) => r.GetValue(o) is var v && v > 0 ? v : throw new NeuromorphicException($"{o.Name} must be at least 1, got {v}");
    var settings = new MeanFieldSettings
    {
        Config = config, Hidden = Positive(hidden), Epochs = Positive(epochs), TrainSamples = Math.Min(60_000, Positive(trainSamples)),
        SubSteps = Positive(subSteps), NoiseSigmaMv = r.GetValue(noiseSigma), TargetRateHz = r.GetValue(targetHz) ?? double.NaN,
    };
    string dir = MnistFiles.ResolveDirectory(r.GetValue(dataDir));
    MnistFiles.Verify(dir);
    var train = MnistFiles.LoadTrain(dir);
    var test = MnistFiles.LoadTest(dir);

    var net = new MeanFieldNetwork(settings);
    Console.WriteLine($"mean-field eRBP 784-{settings.Hidden}-10: {settings}");
    var order = Enumerable.Range(0, settings.TrainSamples).ToArray();
    for (int epoch = 0; epoch < settings.Epochs; epoch++)
    {
        double eta = settings.Config.LearningRateAt(epoch);
        new Random((int)settings.Config.Seed * 1000 + epoch).Shuffle(order);
        int right = 0;
        foreach (int n in order)
            if (net.Learn(train.Image(n), train.Labels[n], eta)) right++;
        double trainAccuracy = net.Test(train, 0, 5000);
        double testAccuracy = net.Test(test, 0, test.Count);
        Console.WriteLine($"epoch {epoch + 1}: eta {eta:g3}  while learning {right / (double)order.Length:P2}  " +
                          $"train (5,000) {trainAccuracy:P2}  test {testAccuracy:P2}  hidden inside gate {net.HiddenInsideGate:P1}");
    }
    return 0;
}));
return CommandLine.Invoke(root, args, "meanfield");
