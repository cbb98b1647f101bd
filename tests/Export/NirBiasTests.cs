using Neuromorphic.Neurons;
using Neuromorphic.Simulator;
using Neuromorphic.Simulator.Engine;
using Neuromorphic.Simulator.Export;
using Neuromorphic.Simulator.Files;
using Neuromorphic.Tests.Cli;
using Neuromorphic.Tests.Engine;
using NUnit.Framework;

namespace Neuromorphic.Tests.Export;

/// <summary>NIR Affine biases (snnTorch and Norse layers carry one by default) imported as bias currents: the imported
/// network fires as the equations of docs/formats.md say, the CPU path and every ILGPU path agree bit for bit, the model
/// file and NIR export carry the bias, and formats without a place for it refuse it in one line.</summary>
public class NirBiasTests
{
    string _dir = "";
    [SetUp] public void SetUp() { _dir = Path.Combine(Path.GetTempPath(), "nm-bias-" + Guid.NewGuid().ToString("N")); Directory.CreateDirectory(_dir); }
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    /// <summary>784-2-10 with no input weights: hidden neuron 1 (CubaLIF, w_in = tau_syn/dt: factor 1) is driven by its
    /// bias argv[2] alone and class 3 listens to it (weight 400); class 7 (LIF, tau 2 ms, threshold 1) by its own bias
    /// argv[3]. Without biases nothing fires.</summary>
    const string Biased = NirInteropTests.GraphPreamble + "\n" + """
md = g.create_group('metadata'); md.create_dataset('dt', data=dt)
node('input', 'Input', shape=np.array([784]))
node('fc', 'Affine', weight=np.zeros((2, 784), np.float32), bias=np.array([0.0, float(sys.argv[2])], np.float32))
node('lif', 'CubaLIF', tau_syn=np.full(2, 0.004), tau_mem=np.full(2, 0.001), r=np.ones(2), v_leak=np.zeros(2),
     v_threshold=np.full(2, 100.0), v_reset=np.zeros(2), w_in=np.full(2, 0.004 / dt))
w2 = np.zeros((10, 2), np.float32); w2[3, 1] = 400.0
b2 = np.zeros(10, np.float32); b2[7] = float(sys.argv[3])
node('out_fc', 'Affine', weight=w2, bias=b2)
node('out_lif', 'LIF', tau=np.full(10, 0.002), r=np.full(10, 1.0), v_leak=np.zeros(10), v_threshold=np.full(10, 1.0))
node('output', 'Output', shape=np.array([10]))
g.create_dataset('edges', data=np.array([['input','fc'],['fc','lif'],['lif','out_fc'],['out_fc','out_lif'],['out_lif','output']], dtype=object), dtype=h5py.string_dtype())
f.close()
""";

    (ModelFile Model, List<string> Notes, string Path) Import(string hiddenBias, string classBias)
    {
        var path = System.IO.Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".nir");
        NirInteropTests.Python(Biased, path, hiddenBias, classBias);
        var res = NirImport.Import(path);
        return (res.Model, res.Notes, path);
    }

    static BatchInput Dark(SimulationEngine engine)
    {
        var input = engine.NewInput();
        input.Count = 1;
        input.Labels[0] = -1;
        return input;
    }

    /// <summary>One neuron by the equations of docs/formats.md, written out: every step i = I + x (x: the bias plus what
    /// arrived), v = V e^(-dt/tau_m) + i g, I = i e^(-dt/tau_syn); V held at 0 for the refractory steps, else a spike
    /// above threshold. Returns the spike steps.</summary>
    static List<int> ByHand(LifParameters p, double dtMs, int steps, Func<int, float> input)
    {
        var c = new LifCoefficients(p, dtMs);
        float I = 0, V = 0; int hold = 0;
        var spikes = new List<int>();
        for (int s = 0; s < steps; s++)
        {
            float i = I + input(s);
            float v = V * c.MembraneDecay + i * c.CurrentToMembrane;
            I = i * c.SynapseDecay;
            if (hold > 0) { hold--; V = 0; }
            else if (v > c.ThresholdMv) { spikes.Add(s); hold = c.RefractorySteps; V = 0; }
            else V = v;
        }
        return spikes;
    }

    [Test]
    public void AffineBiasDrivesTheNeuronsEveryStepAsComputedByHand()
    {
        var (model, notes, path) = Import("12.5", "2.0");
        Assert.That(notes, Has.Some.Contains("node 'fc' has a nonzero bias (1 of 2 values").And.Contains("bias current"));
        Assert.That(notes, Has.Some.Contains("node 'out_fc' has a nonzero bias"));
        var config = model.Config();
        var net = model.ToNetwork(config, path);
        // CubaLIF with w_in = tau_syn/dt: factor 1, the bias in mV as written. LIF: the factor of its weights, r dt/tau
        // over the gain of the emulating current (a jump of v by b r dt/tau per step).
        Assert.That(net.Populations[1].BiasMv, Is.EqualTo(new[] { 0f, 12.5f }));
        double lifFactor = 0.1 / 2.0 / LifCoefficients.ExactCurrentGain(2.0, 1e-4, 0.1);
        float classBias = (float)(2.0 * lifFactor);
        Assert.That(net.Populations[2].BiasMv![7], Is.EqualTo(classBias));
        Assert.That(net.Populations[2].BiasMv!.Where((_, k) => k != 7), Is.All.Zero);
        Assert.That(net.ForwardProjections.ToArray()[1].Weights[1 * 10 + 3], Is.EqualTo((float)(400 * lifFactor)));

        int steps = config.StepsPerSample(false);
        var hidden = ByHand(config.Hidden, config.DtMs, steps, _ => 12.5f);
        var hiddenSteps = hidden.ToHashSet();
        float w = net.ForwardProjections.ToArray()[1].Weights[1 * 10 + 3];
        // A hidden spike at step s reaches the prediction neurons' input at step s + 1.
        var class3 = ByHand(config.Output, config.DtMs, steps, s => hiddenSteps.Contains(s - 1) ? w : 0f);
        var class7 = ByHand(config.Output, config.DtMs, steps, _ => classBias);
        Assert.That(hidden.Count, Is.GreaterThan(10), "the bias alone makes hidden neuron 1 fire");
        Assert.That(class7.Count, Is.GreaterThan(10));

        using var engine = Backends.Create(BackendKind.Cpu, net, config, 1);
        var r = engine.Run(Dark(engine), false);
        var expected = new int[10];
        expected[3] = class3.Count; expected[7] = class7.Count;
        Assert.That(r.OutputCounts.Take(10), Is.EqualTo(expected));

        // The same file with zero biases: nothing fires (no input spikes), and the import says nothing of a bias.
        var (plain, plainNotes, plainPath) = Import("0.0", "0.0");
        Assert.That(plainNotes, Has.None.Contains("bias"));
        Assert.That(plain.Biases, Is.Null, "a zero bias is no bias: the model file is as before");
        var plainNet = plain.ToNetwork(plain.Config(), plainPath);
        Assert.That(plainNet.Populations.All(p => p.BiasMv == null));
        using var plainEngine = Backends.Create(BackendKind.Cpu, plainNet, plain.Config(), 1);
        Assert.That(plainEngine.Run(Dark(plainEngine), false).OutputCounts.Take(10), Is.All.Zero);
    }

    /// <summary>A network with bias currents on every layer, with input: the CPU path, the per-phase kernels and the
    /// fused network kernel (ILGPU's CPU accelerator) give the same counts, currents and state bit for bit, with and
    /// without noise; the chain kernel leaves biased networks to the network kernel.</summary>
    [TestCase(0.0)]
    [TestCase(25.0)]
    public void BiasCurrentsAreBitIdenticalOnCpuAndIlgpu(double noiseMv)
    {
        var config = TestNetworks.Config(RuleKind.None, seed: 5, noiseMv: noiseMv);
        Network Build()
        {
            var net = ErbpNetwork.Build([20, 30, 24, 5], config);
            for (int p = 1; p < net.Populations.Count; p++)
                net.Populations[p] = net.Populations[p] with
                {
                    BiasMv = Enumerable.Range(0, net.Populations[p].Size).Select(i => (float)(CounterRng.Uniform(3, 4, (ulong)p, (ulong)i) * 20 - 5)).ToArray(),
                };
            return net;
        }
        using var cpu = new CpuEngine(Build(), config, 3);
        var input = TestNetworks.Input(cpu, 3, 2);
        var rc = cpu.Run(input, false);
        // Without the biases the same network fires differently: the test is not blind to them.
        using var unbiased = new CpuEngine(ErbpNetwork.Build([20, 30, 24, 5], config), config, 3);
        Assert.That(unbiased.Run(input, false).OutputDrive, Is.Not.EqualTo(rc.OutputDrive));

        using var gpu = new IlgpuEngine(Build(), config, 3, BackendKind.IlgpuCpu);
        var rd = gpu.Run(input, false);
        Assert.That(gpu.LastRunPath, Is.EqualTo(IlgpuRunPath.FusedNetwork), "the chain kernel has no bias currents: the network kernel takes the network");
        TestNetworks.AssertSameInference(cpu, rc, gpu, rd);
        gpu.UseFusedInference = false;
        var rp = gpu.Run(input, false);
        Assert.That(gpu.LastRunPath, Is.EqualTo(IlgpuRunPath.PerPhase));
        TestNetworks.AssertSameInference(cpu, rc, gpu, rp);
    }

    [Test]
    public void BiasSurvivesTheModelFileAndTheNirRoundTripWithTheSamePredictions()
    {
        var (model, _, path) = Import("12.5", "2.0");
        var config = model.Config();
        var net = model.ToNetwork(config, path);
        var saved = Path.Combine(_dir, "m.nmm");
        model.Save(saved);
        var loaded = ModelFile.Load(saved);
        var back = loaded.ToNetwork(loaded.Config(), saved);
        for (int p = 0; p < net.Populations.Count; p++) Assert.That(back.Populations[p].BiasMv, Is.EqualTo(net.Populations[p].BiasMv));

        // Export to NIR and import again: the bias is written as the Affine bias (factor 1 with our CubaLIF) and read back bit for bit.
        var nir = Path.Combine(_dir, "m.nir");
        NirFile.Write(nir, ExportedNetwork.From(back, loaded.Config(), "float"), "m.nmm");
        var again = NirImport.Import(nir);
        var againNet = again.Model.ToNetwork(again.Model.Config(), nir);
        for (int p = 0; p < net.Populations.Count; p++) Assert.That(againNet.Populations[p].BiasMv, Is.EqualTo(net.Populations[p].BiasMv));

        // Same predictions (counts and currents) with input: the biased hidden neuron and the input both drive the network.
        int[] Counts(Network n, SimulationConfig c)
        {
            using var e = Backends.Create(BackendKind.Cpu, n, c, 2);
            return e.Run(TestNetworks.Input(e, 2, 9), false).OutputCounts;
        }
        var reference = Counts(net, config);
        Assert.That(reference.Sum(), Is.GreaterThan(0));
        Assert.That(Counts(back, loaded.Config()), Is.EqualTo(reference));
        Assert.That(Counts(againNet, again.Model.Config()), Is.EqualTo(reference));
    }

    [Test]
    public void FormatsWithoutABiasAndHostileBiasesAreRefusedInOneLine()
    {
        var (_, _, path) = Import("12.5", "2.0");
        var saved = Path.Combine(_dir, "m.nmm");
        var json = CliRun.LastJson(CliRun.Run("import", path, "--out", saved, "--json"));
        Assert.That(json.GetProperty("bias_currents").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "hidden1", "prediction" }));
        Assert.That(json.GetProperty("notes").EnumerateArray().Count(e => e.GetString()!.Contains("nonzero bias")), Is.EqualTo(2));
        foreach (var fmt in new[] { "msgpack", "npz", "csv", "npy" })
        {
            var r = CliRun.Run("export", saved, "--format", fmt, "--out", Path.Combine(_dir, "x." + fmt), "--test-samples", "0");
            Assert.That(r.Code, Is.EqualTo(2), r.Err);
            Assert.That(r.Err, Does.Contain($"--format {fmt}: the model's hidden1 neurons have bias currents"));
            Assert.That(r.Err.Trim().Split('\n'), Has.Length.EqualTo(1));
            string o = Path.Combine(_dir, "x." + fmt);
            Assert.That(File.Exists(o) || Directory.Exists(o) && Directory.EnumerateFileSystemEntries(o).Any(), Is.False, $"{fmt}: nothing written");
        }
        var chip = CliRun.Run("export", saved, "--format", "nir", "--chip", "loihi", "--out", Path.Combine(_dir, "x.nir"), "--test-samples", "0");
        Assert.That(chip.Code, Is.EqualTo(2), chip.Err);
        Assert.That(chip.Err, Does.Contain("--chip loihi: the model's hidden1 neurons have bias currents"));

        // A model file whose bias does not fit the network.
        void Refused(Action<ModelFile> spoil, string message)
        {
            var m = ModelFile.Load(saved);
            spoil(m);
            var bad = Path.Combine(_dir, "bad.nmm");
            m.Save(bad);
            var l = ModelFile.Load(bad);
            Assert.That(() => l.ToNetwork(l.Config(), bad), Throws.TypeOf<NeuromorphicException>().With.Message.Contains(message));
        }
        Refused(m => m.Biases![0].BiasMv = [1f], "holds 1 values for 2 neurons");
        Refused(m => m.Biases![0].BiasMv[0] = float.NaN, "not a finite number");
        Refused(m => m.Biases![0].Population = "data", "names no population of two-compartment neurons");
        Refused(m => m.Biases = [m.Biases![0], m.Biases[0]], "named twice");

        // NIR: a nonzero bias of the wrong length, and on a Linear node (which has none).
        void Nir(string script, string message)
        {
            var p = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".nir");
            NirInteropTests.Python(Biased + "\nf = h5py.File(sys.argv[1], 'a')\n" + script + "\nf.close()\n", p, "1.0", "0.0");
            Assert.That(() => NirImport.Import(p), Throws.TypeOf<NeuromorphicException>().With.Message.Contains(message));
        }
        Nir("del f['node/nodes/fc/bias']\nf['node/nodes/fc'].create_dataset('bias', data=np.array([0, 0.5, 1], np.float32))", "node 'fc' bias has 3 values for 2 outputs");
        Nir("del f['node/nodes/out_fc/type']\nf['node/nodes/out_fc'].create_dataset('type', data='Linear', dtype=h5py.string_dtype())\nf['node/nodes/out_fc/bias'][7] = 1.0", "node 'out_fc' is Linear (no bias) but holds a nonzero dataset 'bias'");
    }

    [Test]
    public void CommittedModelsLoadWithoutBias()
    {
        var root = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "Neuromorphic.sln"))) root = root.Parent!;
        var dir = Path.Combine(root.FullName, "models");
        var file = Directory.GetFiles(dir, "*.nmm").OrderBy(f => new FileInfo(f).Length).First();
        var m = ModelFile.Load(file);
        Assert.That(m.Biases, Is.Null);
        Assert.That(m.ToNetwork(m.Config(), file).Populations.All(p => p.BiasMv == null));
    }
}
