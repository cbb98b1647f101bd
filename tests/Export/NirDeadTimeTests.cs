using Neuromorphic.Neurons;
using Neuromorphic.Simulator.Engine;
using Neuromorphic.Simulator.Export;
using NUnit.Framework;

namespace Neuromorphic.Tests.Export;

/// <summary>Issue 16: the NIR export states the dead time our neurons really have (the shortest inter-spike
/// interval, one step more than the hold after the spike), and import reads any file's refractory_period back the
/// same way.</summary>
public class NirDeadTimeTests
{
    string _dir = "";
    [SetUp] public void SetUp() { _dir = Path.Combine(Path.GetTempPath(), "nm-dead-" + Guid.NewGuid().ToString("N")); Directory.CreateDirectory(_dir); }
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    [Test]
    public void ExportedRefractoryPeriodIsTheShortestInterSpikeInterval()
    {
        // Our neuron, driven far above threshold every step: spikes every 40 steps (4.0 ms) with RefractoryMs 3.9.
        var p = new LifParameters(RefractoryMs: 3.9);
        var c = new LifCoefficients(p, 0.1);
        float i = 0, v = 0, u = 0; int refr = 0;
        var spikes = new List<int>();
        for (int step = 0; step < 400; step++)
        {
            i = 0;
            if (TwoCompartmentLif.Step(ref i, ref v, ref u, ref refr, 1e6f, 0, false, c)) spikes.Add(step);
        }
        var isi = spikes.Zip(spikes.Skip(1), (a, b) => b - a).Distinct().ToArray();
        Assert.That(isi, Is.EqualTo(new[] { 40 }));

        var (net, config) = ExportFormatTests.Small();
        Assert.That(config.Hidden.RefractoryMs, Is.EqualTo(3.9));
        var path = Path.Combine(_dir, "m.nir");
        NirFile.Write(path, ExportedNetwork.From(net, config, "float"), "test");
        var o = NirInteropTests.Python("""
f = h5py.File(sys.argv[1], 'r')
m = f['node/nodes/lif1/metadata']
print('refractory', repr(float(m['refractory_period'][0])), 'dt', repr(float(m['dt'][()])))
print('convention', m['refractory_convention'].asstr()[()])
""", path);
        Assert.That(o, Does.Contain("refractory 0.004 dt 0.0001"), "40 steps of 0.1 ms");
        Assert.That(o, Does.Contain("convention dead time: the shortest interval between two spikes"));
        Assert.That(NirImport.Import(path).Model.Config().Hidden.RefractoryMs, Is.EqualTo(3.9), "read back as the hold after the spike's step");
    }

    [Test]
    public void ImportReadsAForeignRefractoryPeriodAsDeadTime()
    {
        var path = Path.Combine(_dir, "hand.nir");
        NirInteropTests.Python(NirInteropTests.HandBuilt + """

f = h5py.File(sys.argv[1], 'a')
f['node/nodes/lif'].create_group('metadata').create_dataset('refractory_period', data=np.full(2, 0.002))
f.close()
""", path, "5.0");
        var config = NirImport.Import(path).Model.Config();
        Assert.That(config.Hidden.RefractoryMs, Is.EqualTo(1.9), "2 ms dead time at dt 0.1 ms: V held for 19 steps, next spike after 20");
        Assert.That(config.Output.RefractoryMs, Is.EqualTo(0), "no refractory_period: none");
    }
}
