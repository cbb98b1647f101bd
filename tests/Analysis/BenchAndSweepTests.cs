using Neuromorphic.Simulator.Analysis;
using Neuromorphic.Simulator.Data;
using Neuromorphic.Simulator.Engine;
using Neuromorphic.Tests.Engine;
using NUnit.Framework;

namespace Neuromorphic.Tests.Analysis;

public class BenchAndSweepTests
{
    /// <summary>Eight bright random 4x5 images of 5 classes.</summary>
    static IdxImageSet Images() => new(Enumerable.Range(0, 8 * 20).Select(i => (byte)(i * 37 % 3 == 0 ? 0 : 200 + i % 50)).ToArray(),
        Enumerable.Range(0, 8).Select(i => (byte)(i % 5)).ToArray(), 4, 5, ["a", "b", "c", "d", "e"]);

    [Test]
    public void MedianOfOddAndEvenCounts()
    {
        Assert.That(Bench.Median([3, 1, 2]), Is.EqualTo(2));
        Assert.That(Bench.Median([4, 1, 3, 2]), Is.EqualTo(2.5));
        Assert.Throws<ArgumentException>(() => Bench.Median([]));
    }

    [Test]
    public void BenchCountsEverySampleAndComparesWithTraining()
    {
        var config = TestNetworks.Config();
        var reported = new List<int>();
        var runs = new List<(bool Training, int Samples)>();
        var report = Bench.Run(new BenchSetup(BackendKind.Cpu, [20, 12, 5], config, 2, 5, false, Images()), vsTraining: 2,
            trainConfig: TestNetworks.Config(RuleKind.Erbp), progress: (training, total) =>
            {
                runs.Add((training, total));
                return done => { if (!training && done == total) reported.Add(done); };
            });
        // --vs-training alternates: inference, training, inference, training (both see the same state of the machine);
        // the training runs are batch-1 training of at least 200 samples.
        Assert.That(runs, Is.EqualTo(new[] { (false, 5), (true, 200), (false, 5), (true, 200) }));
        Assert.That(report.TrainingRates.Concat(report.InferenceRates), Has.All.GreaterThan(0));
        Assert.That(report.Run.Samples, Is.EqualTo(5));
        Assert.That(report.InferenceRates, Has.Count.EqualTo(2));
        Assert.That(report.TrainingRates, Has.Count.EqualTo(2));
        Assert.That(reported, Is.EqualTo(new[] { 5, 5 }), "the first run and the repeat report their last sample");
        Assert.That(report.Cpu, Is.Null, "no comparison asked");
        Assert.That(report.Neurons, Is.EqualTo(20 + 12 + 5), "inference: the error path is not counted");
        Assert.That(report.StepsPerSample, Is.EqualTo(config.StepsPerSample(false)));
    }

    [Test]
    public void InferenceRunsTheFusedNetworkKernelUnlessPerPhaseIsAsked()
    {
        // The kernels' parity with the CPU path has its own tests (tests/Engine/FusedNetworkInferenceTests.cs); here the
        // choice must reach the engine. (Spike counts of two bench runs are not comparable: the warm-up, timed, decides
        // which digits are measured.)
        var config = TestNetworks.Config();
        var network = Bench.Measure(new BenchSetup(BackendKind.IlgpuCpu, [20, 12, 5], config, 2, 4, false, Images()));
        Assert.That(network.Path, Is.EqualTo(IlgpuRunPath.FusedNetwork));
        Assert.That(network.Samples, Is.EqualTo(4));
        var perPhase = Bench.Measure(new BenchSetup(BackendKind.IlgpuCpu, [20, 12, 5], config, 2, 4, false, Images(), PerPhaseInference: true));
        Assert.That(perPhase.Path, Is.EqualTo(IlgpuRunPath.PerPhase));
        Assert.That(Bench.Measure(new BenchSetup(BackendKind.Cpu, [20, 12, 5], config, 2, 4, false, Images())).Path, Is.Null);
        var cpu = new BenchSetup(BackendKind.Cpu, [20, 12, 5], config, 2, 4, false, Images(), PerPhaseInference: true);
        var e = Assert.Throws<Neuromorphic.Simulator.NeuromorphicException>(() => Bench.Measure(cpu))!;
        Assert.That(e.Fields, Is.EqualTo(new[] { RunFields.InferenceKernel, RunFields.Backend }));
    }

    [Test]
    public void SweepTestsTheFloatModelFirstAndEveryCombinationAfter()
    {
        var config = TestNetworks.Config();
        var images = Images();
        var o = new SweepOptions([2, 8], [0, 0.5], [0], [0], false, true, BackendKind.Cpu, 4, images, 8);
        var settings = Sweep.Settings(o);
        Assert.That(settings.Select(s => s.Label), Is.EqualTo(new[]
        {
            new SweepSetting(0, 0, 0).Label, new SweepSetting(2, 0, 0).Label, new SweepSetting(8, 0, 0).Label,
            new SweepSetting(0, 0.5, 0).Label, new SweepSetting(2, 0.5, 0).Label, new SweepSetting(8, 0.5, 0).Label,
        }));
        var net = ErbpNetwork.Build([20, 12, 5], config);
        var rows = Sweep.Run(net, config, o);
        Assert.That(rows.Select(r => r.Setting), Is.EqualTo(settings));
        Assert.That(rows[0].DeltaError, Is.EqualTo(0));
        Assert.That(rows.All(r => r.Result.Samples == 8));
        Assert.That(rows.Select(r => r.DeltaError), Is.EqualTo(rows.Select(r => r.Result.Error - rows[0].Result.Error)));
        // The model itself is untouched: the float row again gives the same predictions.
        Assert.That(Sweep.Run(net, config, o with { WeightBits = [], Prune = [0] })[0].Result.Predictions, Is.EqualTo(rows[0].Result.Predictions));
    }
}
