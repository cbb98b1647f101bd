using Neuromorphic.Simulator;
using Neuromorphic.Simulator.Export;
using NUnit.Framework;

namespace Neuromorphic.Tests.Export;

/// <summary>NIR (HDF5) files that reach outside themselves: external raw-data storage (a secret file, a named pipe),
/// external links, virtual datasets, soft links (a cycle overflowed PureHDF's stack). All are written here with h5py
/// and refused before any data is read, in one line naming the dataset or link, with exit code 2.</summary>
public class NirHostileStorageTests
{
    const string Secret = "TOP-SECRET-4f2a9c";
    string _dir = "", _secret = "";
    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "nm-nirhostile-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        _secret = Path.Combine(_dir, "secret.txt");
        File.WriteAllText(_secret, Secret + new string('x', 8000 - Secret.Length)); // 8000 bytes: all of fc's 2x784 float32 weights and more
    }
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    /// <summary>The hand-built 784-2-10 graph with <paramref name="script"/> applied (h5py, file opened as f).</summary>
    string Hostile(string script, string? libver = null)
    {
        var p = Path.Combine(_dir, "hostile.nir");
        string open = libver == null ? "h5py.File(sys.argv[1], 'a')" : $"h5py.File(sys.argv[1], 'a', libver='{libver}')";
        NirInteropTests.Python(NirInteropTests.HandBuilt + $"\nf = {open}\n" + script + "\nf.close()\n", p, "5.0", _secret, _dir);
        return p;
    }

    /// <summary>Import refused: exit 2, one line naming <paramref name="what"/>, no secret in any output, no model written.</summary>
    void Refused(string nir, string what, string kind)
    {
        var model = Path.Combine(_dir, "m.nmm");
        var run = Task.Run(() => HostileInputTests.Cli("import", nir, "--out", model));
        if (!run.Wait(TimeSpan.FromSeconds(60))) Assert.Fail("import hangs");
        var r = run.Result;
        HostileInputTests.OneLine(r, $"'{what}' ");
        Assert.That(r.Err, Does.Contain(kind));
        Assert.That(r.Out + r.Err, Does.Not.Contain(Secret).And.Not.Contain("xxxx"));
        Assert.That(File.Exists(model), Is.False, "no model written");
        Assert.That(() => NirFile.Read(nir), Throws.TypeOf<NeuromorphicException>().With.Message.Contains(what));
    }

    [Test]
    public void ExternalRawStorageOfASecretFileIsRefused()
        => Refused(Hostile("del f['node/nodes/fc/weight']\nf['node/nodes/fc'].create_dataset('weight', shape=(2, 784), dtype='f4', external=[(sys.argv[3], 0, 2 * 784 * 4)])"),
            "/node/nodes/fc/weight", "external raw-data storage");

    [Test]
    public void ExternalRawStorageOfANamedPipeIsRefusedWithoutOpeningIt()
    {
        var fifo = Path.Combine(_dir, "pipe");
        var p = Hostile("import os\nos.mkfifo(sys.argv[4] + '/pipe')\ndel f['node/nodes/lif/tau_syn']\nf['node/nodes/lif'].create_dataset('tau_syn', shape=(2,), dtype='f8', external=[(sys.argv[4] + '/pipe', 0, 16)])");
        Assert.That(File.Exists(fifo), Is.True);
        Refused(p, "/node/nodes/lif/tau_syn", "external raw-data storage");
    }

    [Test]
    public void ExternalLinkIsRefused()
    {
        var p = Hostile("""
g = h5py.File(sys.argv[4] + '/other.h5', 'w')
g.create_dataset('w', shape=(2, 784), dtype='f4', external=[(sys.argv[3], 0, 2 * 784 * 4)])
g.close()
del f['node/nodes/fc/weight']
f['node/nodes/fc/weight'] = h5py.ExternalLink(sys.argv[4] + '/other.h5', '/w')
""");
        Refused(p, "/node/nodes/fc/weight", "external link");
    }

    [Test]
    public void ExternalLinkInADenselyStoredGroupIsRefused()
    {
        // libver 'latest' and more than 8 links: the group keeps its links in a fractal heap, not in its header.
        var p = Hostile("""
g = f['node'].create_group('extra')
for i in range(12): g.create_dataset('x%d' % i, data=np.arange(3.0))
g['sneaky'] = h5py.ExternalLink(sys.argv[3], '/w')
""", "latest");
        Refused(p, "/node/extra/sneaky", "external link");
    }

    [Test]
    public void VirtualDatasetIsRefused()
    {
        var p = Hostile("""
g = h5py.File(sys.argv[4] + '/src.h5', 'w')
g.create_dataset('w', data=np.ones((2, 784), np.float32))
g.close()
del f['node/nodes/fc/weight']
lay = h5py.VirtualLayout(shape=(2, 784), dtype='f4')
lay[:] = h5py.VirtualSource(sys.argv[4] + '/src.h5', 'w', shape=(2, 784))
f['node/nodes/fc'].create_virtual_dataset('weight', lay)
""", "latest");
        Refused(p, "/node/nodes/fc/weight", "virtual dataset");
    }

    [Test]
    public void SoftLinksAreRefusedAndACycleDoesNotOverflowTheStack()
    {
        Refused(Hostile("f['node/nodes/loop'] = h5py.SoftLink('/node/nodes/loop')"), "/node/nodes/loop", "soft link");
        Refused(Hostile("f['node/nodes/loop'] = h5py.SoftLink('/node/nodes/loop')", "latest"), "/node/nodes/loop", "soft link");
    }

    [Test]
    public void AnOrdinaryH5pyFileStillImports()
    {
        var p = Hostile("pass");
        var r = HostileInputTests.Cli("import", p, "--out", Path.Combine(_dir, "ok.nmm"));
        Assert.That(r.Code, Is.Zero, r.Err);
        p = Hostile("g = f['node'].create_group('extra')\nfor i in range(12): g.create_dataset('x%d' % i, data=np.arange(3.0))", "latest");
        Assert.That(() => NirFile.Read(p), Throws.Nothing, "dense link storage with hard links only is read");
    }
}
