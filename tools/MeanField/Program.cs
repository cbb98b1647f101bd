// meanfield: trains the eRBP network of this simulator in the firing-rate limit (MeanFieldErbp.cs) on MNIST and
// prints, after each epoch, the accuracy on 5,000 training digits and on the 10,000 test digits. A research tool
// (docs/results.md, session 5), not part of the neuromorphic CLI. Usage:
//   dotnet run --project tools/MeanField -c Release -- [--hidden 200] [--epochs 4] [--eta 6e-4] [--eta-decay 0.5]
//       [--gate-mv 600] [--gate-low-mv G] [--gate-high-mv G] [--output-gate-mv 600] [--init-scale 7]
//       [--feedback-scale 7] [--blank-out 1] [--noise-sigma-mv 0] [--sub-steps 10] [--target-hz H]
//       [--error-weight-mv 90] [--tau-membrane-ms 1] [--refractory-ms 3.9] [--train-samples 50000] [--seed 1] [--data-dir DIR]
using Neuromorphic.MeanField;

var settings = new MeanFieldSettings();
string dataDir = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "neuromorphic", "mnist");
try
{
    for (int a = 0; a < args.Length; a++)
    {
        string name = args[a];
        if (a + 1 >= args.Length) throw new ArgumentException($"option {name} needs a value");
        string text = args[++a];
        double Num() => double.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v : throw new ArgumentException($"option {name}: '{text}' is not a number");
        if (name == "--data-dir") { dataDir = text; continue; }
        settings = name switch
        {
            "--hidden" => settings with { Hidden = Positive((int)Num()) },
            "--epochs" => settings with { Epochs = Positive((int)Num()) },
            "--train-samples" => settings with { TrainSamples = Math.Min(60_000, Positive((int)Num())) },
            "--eta" => settings with { LearningRate = Num() },
            "--eta-decay" => settings with { EtaDecayPerEpoch = Num() },
            "--gate-mv" => settings with { GateLowMv = -Num(), GateHighMv = Num(), OutputGateMv = Num() },
            "--gate-low-mv" => settings with { GateLowMv = Num() },
            "--gate-high-mv" => settings with { GateHighMv = Num() },
            "--output-gate-mv" => settings with { OutputGateMv = Num() },
            "--init-scale" => settings with { InitScale = Num() },
            "--feedback-scale" => settings with { FeedbackScale = Num() },
            "--blank-out" => settings with { TransmissionProbability = Num() },
            "--noise-sigma-mv" => settings with { NoiseSigmaMv = Num() },
            "--sub-steps" => settings with { SubSteps = Positive((int)Num()) },
            "--target-hz" => settings with { TargetRateHz = Num() },
            "--error-weight-mv" => settings with { ErrorWeightMv = Num() },
            "--tau-membrane-ms" => settings with { Neuron = settings.Neuron with { TauMembraneMs = Num() } },
            "--refractory-ms" => settings with { Neuron = settings.Neuron with { RefractoryMs = Num() } },
            "--seed" => settings with { Seed = (int)Num() },
            _ => throw new ArgumentException($"unknown option {name}"),
        };
    }
    byte[] trainImages = Idx(Path.Combine(dataDir, "train-images-idx3-ubyte"), 2051, 16, 60_000 * 784);
    byte[] trainLabels = Idx(Path.Combine(dataDir, "train-labels-idx1-ubyte"), 2049, 8, 60_000);
    byte[] testImages = Idx(Path.Combine(dataDir, "t10k-images-idx3-ubyte"), 2051, 16, 10_000 * 784);
    byte[] testLabels = Idx(Path.Combine(dataDir, "t10k-labels-idx1-ubyte"), 2049, 8, 10_000);

    var net = new MeanFieldNetwork(settings);
    Console.WriteLine($"mean-field eRBP 784-{settings.Hidden}-10: {settings}");
    var order = Enumerable.Range(0, settings.TrainSamples).ToArray();
    for (int epoch = 0; epoch < settings.Epochs; epoch++)
    {
        double eta = settings.LearningRate * Math.Pow(settings.EtaDecayPerEpoch, epoch);
        new Random(settings.Seed * 1000 + epoch).Shuffle(order);
        int right = 0;
        foreach (int n in order)
            if (net.Learn(trainImages.AsSpan(n * 784, 784), trainLabels[n], eta)) right++;
        double train = net.Test(trainImages, trainLabels, 0, 5000);
        double test = net.Test(testImages, testLabels, 0, 10_000);
        Console.WriteLine($"epoch {epoch + 1}: eta {eta:g3}  while learning {right / (double)order.Length:P2}  " +
                          $"train (5,000) {train:P2}  test {test:P2}  hidden inside gate {net.HiddenInsideGate:P1}");
    }
    return 0;
}
catch (Exception e) when (e is ArgumentException or IOException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}

static int Positive(int v) => v > 0 ? v : throw new ArgumentException($"expected a positive count, got {v}");

// Reads an uncompressed IDX file (the `neuromorphic data fetch` cache) and checks its magic number and size.
static byte[] Idx(string path, int magic, int header, int length)
{
    if (!File.Exists(path)) throw new IOException($"{path}: missing (run `neuromorphic data fetch` first)");
    byte[] all = File.ReadAllBytes(path);
    if (all.Length != header + length || (all[2] << 8 | all[3]) != (magic & 0xFFFF))
        throw new IOException($"{path}: not the expected IDX file ({all.Length} bytes)");
    return all[header..];
}
