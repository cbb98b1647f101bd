// meanfield: trains the eRBP network of this simulator in the firing-rate limit (MeanFieldErbp.cs) on MNIST and
// prints, after each epoch, the accuracy on 5,000 training digits and on the 10,000 test digits. A research tool
// (docs/results.md, session 5), not part of the neuromorphic CLI. Model options are spelled and mean as in
// `neuromorphic train` (docs/cli.md). Usage:
//   dotnet run --project tools/MeanField -c Release -- [--hidden 200] [--epochs 4] [--eta 6e-4] [--eta-decay 0.5]
//       [--gate-mv 600] [--gate-low-mv G] [--gate-high-mv G] [--layer-gates-mv H,O] [--init-scale 7]
//       [--feedback-scale 7] [--error-weight-mv 90] [--blank-out 1] [--tau-membrane-ms 1] [--refractory-ms 3.9]
//       [--noise-sigma-mv 0] [--sub-steps 10] [--target-hz H] [--train-samples 50000] [--seed 1] [--data-dir DIR]
using System.Globalization;
using Neuromorphic.Cli;
using Neuromorphic.MeanField;
using Neuromorphic.Simulator;
using Neuromorphic.Simulator.Data;
using Neuromorphic.Simulator.Engine;

// The model options are spelt as the CLI spells the fields they set (OptionNames, the CLI's one table).
var modelOptions = new (string Field, Func<SimulationConfig, string, string, SimulationConfig> Set)[]
{
    ("Erbp.LearningRate", (c, n, t) => c with { Erbp = c.Erbp with { LearningRate = Num(n, t) } }),
    (nameof(SimulationConfig.EtaDecayPerEpoch), (c, n, t) => c with { EtaDecayPerEpoch = Num(n, t) }),
    ("Erbp.GateHighMv", (c, n, t) => c with { Erbp = c.Erbp with { GateLowMv = -Num(n, t), GateHighMv = Num(n, t) } }),
    (nameof(SimulationConfig.LayerGateMv), (c, n, t) => c with { LayerGateMv = t.Split(',').Select(g => double.TryParse(g, CultureInfo.InvariantCulture, out var v) && v > 0
        ? v : throw new ArgumentException($"option {n}: '{g}' is not a positive number")).ToArray() }),
    (nameof(SimulationConfig.InitScale), (c, n, t) => c with { InitScale = Num(n, t) }),
    (nameof(SimulationConfig.FeedbackScale), (c, n, t) => c with { FeedbackScale = Num(n, t) }),
    (nameof(SimulationConfig.TransmissionProbability), (c, n, t) => c with { TransmissionProbability = Num(n, t) }),
    ("Hidden.TauMembraneMs", (c, n, t) => c with { Hidden = c.Hidden with { TauMembraneMs = Num(n, t) }, Output = c.Output with { TauMembraneMs = Num(n, t) } }),
    (nameof(SimulationConfig.Seed), (c, n, t) => c with { Seed = (ulong)(long)Num(n, t) }),
    // The tool's own: fields the CLI sets only through --config.
    ("--gate-low-mv", (c, n, t) => c with { Erbp = c.Erbp with { GateLowMv = Num(n, t) } }),
    ("--gate-high-mv", (c, n, t) => c with { Erbp = c.Erbp with { GateHighMv = Num(n, t) } }),
    ("--error-weight-mv", (c, n, t) => c with { ErrorWeightMv = Num(n, t) }),
    ("--refractory-ms", (c, n, t) => c with { Hidden = c.Hidden with { RefractoryMs = Num(n, t) }, Output = c.Output with { RefractoryMs = Num(n, t) } }),
}.ToDictionary(o => o.Field.StartsWith("--") ? o.Field : OptionNames.Of(o.Field), o => o.Set);

var settings = new MeanFieldSettings();
string? dataDirOption = null;
try
{
    for (int a = 0; a < args.Length; a++)
    {
        string name = args[a];
        if (a + 1 >= args.Length) throw new ArgumentException($"option {name} needs a value");
        string text = args[++a];
        if (name == "--data-dir") { dataDirOption = text; continue; }
        if (modelOptions.TryGetValue(name, out var set)) { settings = settings with { Config = set(settings.Config, name, text) }; continue; }
        settings = name switch
        {
            _ when name == OptionNames.Of(RunFields.HiddenUnits) => settings with { Hidden = Positive((int)Num(name, text)) },
            "--epochs" => settings with { Epochs = Positive((int)Num(name, text)) },
            "--train-samples" => settings with { TrainSamples = Math.Min(60_000, Positive((int)Num(name, text))) },
            "--sub-steps" => settings with { SubSteps = Positive((int)Num(name, text)) },
            "--noise-sigma-mv" => settings with { NoiseSigmaMv = Num(name, text) },
            "--target-hz" => settings with { TargetRateHz = Num(name, text) },
            _ => throw new ArgumentException($"unknown option {name}"),
        };
    }
    string dataDir = MnistFiles.ResolveDirectory(dataDirOption);
    MnistFiles.Verify(dataDir);
    var train = MnistFiles.LoadTrain(dataDir);
    var test = MnistFiles.LoadTest(dataDir);

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
}
catch (NeuromorphicException e)
{
    Console.Error.WriteLine($"error: {OptionNames.Message(e)}");
    return 2;
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}

static double Num(string name, string text) => double.TryParse(text, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
    ? v : throw new ArgumentException($"option {name}: '{text}' is not a number");

static int Positive(int v) => v > 0 ? v : throw new ArgumentException($"expected a positive count, got {v}");
