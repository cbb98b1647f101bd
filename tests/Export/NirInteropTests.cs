using System.Diagnostics;
using Neuromorphic.Simulator;
using Neuromorphic.Simulator.Engine;
using Neuromorphic.Simulator.Export;
using NUnit.Framework;

namespace Neuromorphic.Tests.Export;

/// <summary>NIR files checked with the reference HDF5 library (h5py, Debian's python3-h5py; .ci/run installs it),
/// and NIR files written by h5py imported and simulated.</summary>
public class NirInteropTests
{
    string _dir = "";
    [SetUp] public void SetUp() { _dir = Path.Combine(Path.GetTempPath(), "nm-nir-" + Guid.NewGuid().ToString("N")); Directory.CreateDirectory(_dir); }
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    /// <summary>Runs a Python script with h5py; a missing h5py fails the test (CI installs it), it never passes silently.</summary>
    internal static string Python(string script, params string[] args)
    {
        const string python = "/usr/bin/python3";
        if (!File.Exists(python)) Assert.Fail($"{python} not found: install python3-h5py (apt-get install -y python3-h5py; .ci/run does)");
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("import sys\ntry:\n    import h5py, numpy as np\nexcept ImportError:\n    print('NO-H5PY'); sys.exit(3)\n" + script);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        string o = p.StandardOutput.ReadToEnd(), e = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (o.Contains("NO-H5PY")) Assert.Fail("h5py is missing: apt-get install -y python3-h5py (.ci/run installs it)");
        Assert.That(p.ExitCode, Is.Zero, $"python failed:\n{o}\n{e}");
        return o;
    }

    [Test]
    public void WrittenNirHasTheReferenceLayoutWhenOpenedWithH5py()
    {
        var (net, config) = ExportFormatTests.Small();
        var e = ExportedNetwork.From(net, config, "loihi");
        var path = Path.Combine(_dir, "m.nir");
        NirFile.Write(path, e, "test");
        var o = Python("""
f = h5py.File(sys.argv[1], 'r')
def s(d):
    assert h5py.check_string_dtype(d.dtype) is not None, d.name + ' is not a string dataset'
    v = d.asstr()[()]
    return v
assert set(f.keys()) == {'version', 'node'}, list(f.keys())
print('version', s(f['version']))
g = f['node']
assert s(g['type']) == 'NIRGraph'
nodes = g['nodes']
assert set(nodes.keys()) == {'input', 'fc1', 'lif1', 'fc2', 'lif2', 'output'}, list(nodes.keys())
types = {k: s(nodes[k]['type']) for k in nodes}
assert types == {'input': 'Input', 'fc1': 'Affine', 'lif1': 'CubaLIF', 'fc2': 'Affine', 'lif2': 'CubaLIF', 'output': 'Output'}, types
e = g['edges']
assert e.shape == (5, 2), e.shape
edges = [tuple(x) for x in e.asstr()[()].tolist()]
assert edges == [('input','fc1'),('fc1','lif1'),('lif1','fc2'),('fc2','lif2'),('lif2','output')], edges
assert nodes['fc1']['weight'].shape == (7, 20) and nodes['fc1']['weight'].dtype == np.float32
assert nodes['fc1']['bias'].shape == (7,)
assert nodes['fc2']['weight'].shape == (3, 7)
for k, n in (('lif1', 7), ('lif2', 3)):
    for p in ('tau_syn', 'tau_mem', 'r', 'v_leak', 'v_threshold', 'v_reset', 'w_in'):
        assert nodes[k][p].shape == (n,), (k, p, nodes[k][p].shape)
    assert nodes[k]['metadata/refractory_period'].shape == (n,)
assert list(nodes['input']['shape'][()]) == [20] and list(nodes['output']['shape'][()]) == [3]
m = nodes['fc1']['metadata']
w = nodes['fc1']['weight'][()]
assert np.array_equal(w, m['weight_mantissa'][()] * 2.0 ** m['weight_exp'][()]), 'weight = mantissa * 2^weight_exp'
assert s(m['sign_mode']) == 'mixed'
print('tau_syn', nodes['lif1']['tau_syn'][0], 'dt', g['metadata/dt'][()], 'w13', repr(float(w[1, 3])))
""", path);
        Assert.That(o, Does.Contain("version 1.0.0"));
        Assert.That(o, Does.Contain("tau_syn 0.0045 dt 0.0001"));
        Assert.That(o, Does.Contain($"w13 {((double)e.Projections[0].Weights[3 * 7 + 1]).ToString("R", System.Globalization.CultureInfo.InvariantCulture)}"));
    }

    /// <summary>The start of every hand-built NIR file of the tests: an HDF5 file at argv[1] with a NIRGraph, node(name,
    /// type, **datasets) to add a node, and dt (0.1 ms).</summary>
    internal const string GraphPreamble = """
f = h5py.File(sys.argv[1], 'w')
f.create_dataset('version', data='0.5.0', dtype=h5py.string_dtype())
g = f.create_group('node')
g.create_dataset('type', data='NIRGraph', dtype=h5py.string_dtype())
n = g.create_group('nodes')
def node(name, t, **kw):
    x = n.create_group(name)
    x.create_dataset('type', data=t, dtype=h5py.string_dtype())
    for k, v in kw.items(): x.create_dataset(k, data=v)
    return x
dt = 1e-4
""";

    /// <summary>A 784-2-10 graph as snnTorch writes one: Affine with zero bias, CubaLIF with w_in = tau_syn/dt and
    /// r = 1, then Linear and LIF with scalar-like per-neuron arrays; hidden neuron 0 sees every pixel, and only class 3
    /// listens to it.</summary>
    internal const string HandBuilt = GraphPreamble + "\n" + """
node('input', 'Input', shape=np.array([784]))
w1 = np.zeros((2, 784), np.float32); w1[0, :] = float(sys.argv[2])
node('fc', 'Affine', weight=w1, bias=np.zeros(2, np.float32))
node('lif', 'CubaLIF', tau_syn=np.full(2, 0.004), tau_mem=np.full(2, 0.001), r=np.ones(2), v_leak=np.zeros(2),
     v_threshold=np.full(2, 100.0), v_reset=np.zeros(2), w_in=np.full(2, 0.004 / dt))
w2 = np.zeros((10, 2), np.float32); w2[3, 0] = 400.0
node('out_fc', 'Linear', weight=w2)
node('out_lif', 'LIF', tau=np.full(10, 0.002), r=np.full(10, 1.0), v_leak=np.zeros(10), v_threshold=np.full(10, 1.0))
node('output', 'Output', shape=np.array([10]))
g.create_dataset('edges', data=np.array([['input','fc'],['fc','lif'],['lif','out_fc'],['out_fc','out_lif'],['out_lif','output']], dtype=object), dtype=h5py.string_dtype())
f.close()
""";

    [Test]
    public void HandBuiltNirGraphImportsAndSimulatesAsItsWeightsSay()
    {
        var path = Path.Combine(_dir, "hand.nir");
        Python(HandBuilt, path, "5.0");
        var res = NirImport.Import(path, 0.1);
        var config = res.Model.Config();
        var net = res.Model.ToNetwork(config, path);
        Assert.That(net.Layers, Is.EqualTo(new[] { 784, 2, 10 }));
        Assert.That(config.Hidden.TauSynapseMs, Is.EqualTo(4.0));
        Assert.That(config.Hidden.TauMembraneMs, Is.EqualTo(1.0));
        Assert.That(config.Output.TauMembraneMs, Is.EqualTo(2.0), "LIF tau in seconds becomes ms");
        Assert.That(config.Output.ThresholdMv, Is.EqualTo(1.0));
        var fwd = net.ForwardProjections.ToArray();
        Assert.That(fwd[0].Weights[0 * 2 + 0], Is.EqualTo(5.0f).Within(1e-5f), "CubaLIF: r w_in dt / tau_syn = 1, weight carried over");
        Assert.That(fwd[0].Weights[0 * 2 + 1], Is.Zero);
        // LIF: one input spike moves v by r W dt / tau = 400 * 0.1/2 = 20: check the emulation does exactly that.
        var c = new Neuromorphic.Neurons.LifCoefficients(config.Output, config.DtMs);
        float i = 0, v = 0, u = 0; int refr = 0;
        // (a fortieth of the weight, so that v stays below the threshold of 1 and can be read: 0.5)
        bool spiked = Neuromorphic.Neurons.TwoCompartmentLif.Step(ref i, ref v, ref u, ref refr, fwd[1].Weights[0 * 10 + 3] / 40, 0, false, c);
        Assert.That(spiked, Is.False);
        Assert.That(v, Is.EqualTo(0.5f).Within(1e-4f));
        i = 0; v = 0;
        Assert.That(Neuromorphic.Neurons.TwoCompartmentLif.Step(ref i, ref v, ref u, ref refr, fwd[1].Weights[0 * 10 + 3], 0, false, c), Is.True, "the full weight crosses the threshold");

        using var engine = Backends.Create(BackendKind.Cpu, net, config, 2);
        var input = Neuromorphic.Tests.Engine.TestNetworks.Input(engine, 2, 5);
        var r = engine.Run(input, false);
        for (int lane = 0; lane < 2; lane++)
        {
            Assert.That(r.Predicted(lane), Is.EqualTo(3));
            Assert.That(Enumerable.Range(0, 10).Where(k => k != 3).Sum(k => r.OutputCounts[lane * 10 + k]), Is.Zero, "only class 3 listens to the active hidden neuron");
        }
    }

    [Test]
    public void PerNeuronParametersThatDifferOnlyByFloat32RoundingImportAsOneValueWithANote()
    {
        // snnTorch writes tau = dt / (1 - beta) per neuron in float32: equal betas give taus a rounding apart.
        var path = Path.Combine(_dir, "snn.nir");
        Python(HandBuilt + "\n" + """
f = h5py.File(sys.argv[1], 'a')
x = f['node/nodes/lif']
del x['tau_mem']
x.create_dataset('tau_mem', data=np.array([0.001, np.nextafter(np.float32(0.001), np.float32(1))], np.float32))
del x['w_in']
x.create_dataset('w_in', data=np.array([40.0, 40.0], np.float32))
f.close()
""", path, "5.0");
        var res = NirImport.Import(path, 0.1);
        Assert.That(res.Model.Config().Hidden.TauMembraneMs, Is.EqualTo(1.0).Within(1e-6));
        Assert.That(res.Notes, Has.Some.Contains("parameter 'tau_mem' varies between neurons").And.Contains("mean"));
    }

    [Test]
    public void ImportRefusesWhatTheEngineCannotRepresentOrTheFileDoesNotHold()
    {
        void Expect(string script, string message)
        {
            var p = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".nir");
            Python(HandBuilt + "\nf = h5py.File(sys.argv[1], 'a')\n" + script + "\nf.close()\n", p, "5.0");
            Assert.That(() => NirImport.Import(p), Throws.TypeOf<NeuromorphicException>().With.Message.Contains(message));
        }
        Expect("x = f['node/nodes'].create_group('conv')\nx.create_dataset('type', data='Conv2d', dtype=h5py.string_dtype())", "node 'conv' has type 'Conv2d'");
        Expect("del f['node/edges']\nf['node'].create_dataset('edges', data=np.array([['input','fc'],['fc','ghost']], dtype=object), dtype=h5py.string_dtype())", "names node 'ghost', which is not in /node/nodes");
        Expect("del f['node/nodes/fc/weight']\nf['node/nodes/fc'].create_dataset('weight', shape=(100000, 100000), dtype='f4')", "more than 100000000 elements");
        Expect("del f['node/nodes/lif/tau_mem']\nf['node/nodes/lif'].create_dataset('tau_mem', data=np.array([0.001, 0.002]))", "parameter 'tau_mem' differs between neurons");
        Expect("del f['node/nodes/fc/weight']\nf['node/nodes/fc'].create_dataset('weight', data='oops', dtype=h5py.string_dtype())", "node 'fc' lacks numeric dataset 'weight'");
        Expect("del f['node/nodes/out_lif/v_leak']\nf['node/nodes/out_lif'].create_dataset('v_leak', data=np.full(10, -0.5))", "v_leak = -0.5");
    }
}
