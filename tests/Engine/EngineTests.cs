using Neuromorphic.Neurons;
using Neuromorphic.Simulator.Engine;
using NUnit.Framework;

namespace Neuromorphic.Tests.Engine;

public class EngineTests
{
    [Test]
    public void EventDrivenDeliveryEqualsADenseMatrixVectorReference()
    {
        for (ulong seed = 1; seed <= 3; seed++)
        {
            var config = TestNetworks.Config(seed: seed);
            var net = ErbpNetwork.Build([20, 30, 5], config);
            using var engine = new CpuEngine(net, config, 1);
            var input = TestNetworks.Input(engine, 1, (int)seed);
            var rec = new RasterRecorder();
            engine.Run(input, false, rec);

            // Dense reference: every step, inbox = spikeVector * W, summed over all presynaptic neurons in order.
            var k = new EngineConstants(net, config);
            int steps = config.StepsPerSample(false);
            int[] sizes = [20, 30, 5];
            var cur = sizes.Select(n => new float[n]).ToArray(); var v = sizes.Select(n => new float[n]).ToArray();
            var u = sizes.Select(n => new float[n]).ToArray(); var refr = sizes.Select(n => new int[n]).ToArray();
            var inbox = sizes.Select(n => new float[n]).ToArray();
            var expected = new List<string>();
            for (int step = 0; step < steps; step++)
            {
                var spikes = sizes.Select(n => new float[n]).ToArray();
                ulong sc = CounterRng.StepCounter(input.Presentations[0], step);
                for (int j = 0; j < 20; j++)
                {
                    ulong t = k.EncoderThresholds[input.Pixels[j]];
                    if (t != 0 && InputEncoders.Step(ref refr[0][j], t, CounterRng.Bits(seed, CounterRng.StreamInput, sc, CounterRng.NeuronKey(0, j)), k.EncoderRefractorySteps)) spikes[0][j] = 1;
                }
                for (int p = 1; p < 3; p++)
                    for (int i = 0; i < sizes[p]; i++)
                    {
                        if (TwoCompartmentLif.Step(ref cur[p][i], ref v[p][i], ref u[p][i], ref refr[p][i], inbox[p][i], 0f, false, k.Lif[p])) spikes[p][i] = 1;
                        inbox[p][i] = 0f;
                    }
                for (int q = 0; q < 2; q++)
                {
                    var w = net.Projections[q].Weights;
                    for (int i = 0; i < sizes[q + 1]; i++)
                    {
                        float acc = 0f;
                        for (int j = 0; j < sizes[q]; j++) if (spikes[q][j] != 0) acc += spikes[q][j] * w[j * sizes[q + 1] + i];
                        inbox[q + 1][i] = acc;
                    }
                }
                for (int p = 0; p < 3; p++)
                {
                    var list = Enumerable.Range(0, sizes[p]).Where(i => spikes[p][i] != 0).ToArray();
                    if (list.Length > 0) expected.Add($"{step}:{p}:0:{string.Join(',', list)}");
                }
            }
            Assert.That(rec.Spikes, Is.GreaterThan(100), "the test network must be active");
            Assert.That(rec.Events, Is.EqualTo(expected), $"seed {seed}");
            var state = engine.ReadState(2);
            Assert.That(state[0], Is.EqualTo(cur[2])); Assert.That(state[1], Is.EqualTo(v[2]));
        }
    }

    [Test]
    public void SameSeedSameSpikesDifferentSeedDifferentSpikes()
    {
        string[] Run(ulong seed)
        {
            var config = TestNetworks.Config(seed: seed, noiseMv: 20);
            using var engine = new CpuEngine(ErbpNetwork.Build([20, 30, 5], config), config, 2);
            var rec = new RasterRecorder();
            engine.Run(TestNetworks.Input(engine, 2, 1), false, rec);
            return rec.Events.ToArray();
        }
        Assert.That(Run(11), Is.EqualTo(Run(11)));
        Assert.That(Run(11), Is.Not.EqualTo(Run(12)));
    }

    [Test]
    public void ASampleSeesTheSameSpikesWhateverTheBatchSizeOrThreads()
    {
        var config = TestNetworks.Config(seed: 5, noiseMv: 20);
        var net = ErbpNetwork.Build([20, 30, 5], config);
        using var one = new CpuEngine(net, config, 1);
        using var four = new CpuEngine(net, config, 4);
        var batch = TestNetworks.Input(four, 4, 3);
        var rBatch = four.Run(batch, false); // lanes in parallel
        for (int b = 0; b < 4; b++)
        {
            var single = one.NewInput();
            single.Count = 1;
            batch.Pixels.AsSpan(b * 20, 20).CopyTo(single.Pixels);
            single.Labels[0] = -1; single.Presentations[0] = batch.Presentations[b];
            var r = one.Run(single, false);
            Assert.That(r.OutputCounts.Take(5), Is.EqualTo(rBatch.OutputCounts.Skip(b * 5).Take(5)), $"lane {b}");
            Assert.That(r.OutputDrive.Take(5), Is.EqualTo(rBatch.OutputDrive.Skip(b * 5).Take(5)), $"lane {b}: integrated current");
        }
    }

    [Test]
    public void SynOpsCountForwardEventsTimesFanOut()
    {
        var config = TestNetworks.Config();
        var net = ErbpNetwork.Build([20, 30, 5], config);
        using var engine = new CpuEngine(net, config, 1);
        var rec = new RasterRecorder();
        var r = engine.Run(TestNetworks.Input(engine, 1, 2), false, rec);
        long expected = 0;
        foreach (var e in rec.Events)
        {
            var parts = e.Split(':');
            int pop = int.Parse(parts[1]), n = parts[3].Split(',').Length;
            if (pop == 0) expected += n * 30; else if (pop == 1) expected += n * 5;
        }
        Assert.That(r.SynOps, Is.EqualTo(expected));
    }

    [Test]
    public void PrunedSynapsesCarryNoEvents()
    {
        var config = TestNetworks.Config();
        var net = ErbpNetwork.Build([20, 30, 5], config);
        net.Projections[0].Mask = new byte[20 * 30]; // everything into the hidden layer pruned
        using var engine = new CpuEngine(net, config, 1);
        var r = engine.Run(TestNetworks.Input(engine, 1, 2), false);
        Assert.That(r.OutputCounts.Take(5).Sum(), Is.Zero);
        Assert.That(r.SynOps, Is.Zero);
    }

    [Test]
    public void ReadoutPicksTheMostActivePredictionNeuron()
    {
        var r = new BatchResult(2, 3) { Count = 2 };
        r.OutputCounts[0] = 1; r.OutputCounts[1] = 5; r.OutputCounts[2] = 5;
        Assert.That(r.Predicted(0), Is.EqualTo(1), "equal counts and equal drive go to the lower class");
        Assert.That(r.Predicted(1), Is.EqualTo(-1), "no spikes and no drive, no class");
        r.OutputDrive[2] = 10f; r.OutputDrive[1] = 9f; r.OutputDrive[0] = 1e6f;
        Assert.That(r.Predicted(0), Is.EqualTo(2), "a tie in spikes goes to the larger integrated current");
        r.OutputCounts[0] = 6;
        Assert.That(r.Predicted(0), Is.EqualTo(0), "spikes decide before current");
        r.OutputDrive[3] = -50f; r.OutputDrive[4] = -20f; r.OutputDrive[5] = -70f;
        Assert.That(r.Predicted(1), Is.EqualTo(1), "silence: the least inhibited prediction neuron");
    }

    [Test]
    public void SilentOutputsAreClassifiedByTheirIntegratedCurrentOnEveryPath()
    {
        // A network too weak to make the prediction layer spike: the readout must still come from the drive,
        // and the native CPU path and the ILGPU kernels must integrate it identically.
        var config = TestNetworks.Config(RuleKind.None, seed: 3);
        var net = ErbpNetwork.Build([20, 30, 5], config);
        var last = net.ForwardProjections.Last();
        for (int k = 0; k < last.Weights.Length; k++) last.Weights[k] *= 0.02f;
        using var cpu = new CpuEngine(net, config, 3);
        var rc = cpu.Run(TestNetworks.Input(cpu, 3, 2), false);
        Assert.That(rc.OutputCounts.Take(15).Sum(), Is.Zero, "the prediction layer stays silent");
        Assert.That(rc.OutputDrive.Take(15).Any(d => d != 0f), Is.True, "but it integrates current");
        for (int b = 0; b < 3; b++) Assert.That(rc.Predicted(b), Is.Not.EqualTo(-1));
        using var gpu = new IlgpuEngine(net, config, 3, BackendKind.IlgpuCpu);
        var rg = gpu.Run(TestNetworks.Input(gpu, 3, 2), false);
        Assert.That(rg.OutputDrive.Take(15).Select(BitConverter.SingleToInt32Bits), Is.EqualTo(rc.OutputDrive.Take(15).Select(BitConverter.SingleToInt32Bits)));
    }

    [TestCase("784-x-10")]
    [TestCase("784")]
    [TestCase("784-0-10")]
    [TestCase("")]
    public void MalformedArchitecturesAreRejected(string arch)
        => Assert.Throws<Neuromorphic.Simulator.NeuromorphicException>(() => Architecture.Parse(arch));
}
