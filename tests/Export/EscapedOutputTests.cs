using MessagePack;
using Neuromorphic.Simulator;
using Neuromorphic.Simulator.Files;
using NUnit.Framework;

namespace Neuromorphic.Tests.Export;

/// <summary>Strings from files (a model's format string, NIR node names and types) are shown escaped on one line:
/// a crafted file can neither clear the screen, set the terminal's title nor forge extra lines.</summary>
public class EscapedOutputTests
{
    const string Forged = "\u001b]0;pwned\u0007\u001b[2J\nerror: all is fine\r\u009b31m\u202e";
    string _dir = "";
    [SetUp] public void SetUp() { _dir = Path.Combine(Path.GetTempPath(), "nm-escape-" + Guid.NewGuid().ToString("N")); Directory.CreateDirectory(_dir); }
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    static void Clean(string s)
    {
        Assert.That(s.Where(c => c < ' ' && c != '\n' || c is >= '\u007f' and <= '\u009f' or '\u2028' or '\u2029' or >= '\u202a' and <= '\u202e'), Is.Empty, s);
        Assert.That(s, Does.Not.Contain("\nerror: all is fine"));
    }

    [Test]
    public void EscapeWritesControlCharactersVisiblyOnOneLine()
    {
        Assert.That(Text.Escape("plain name-1 (ok) é 😀"), Is.EqualTo("plain name-1 (ok) é 😀"));
        Assert.That(Text.Escape(Forged), Is.EqualTo("\\x1b]0;pwned\\x07\\x1b[2J\\nerror: all is fine\\r\\u009b31m\\u202e"));
        Assert.That(Text.Escape("a\tb\u007fc\u2028d\ud800e"), Is.EqualTo("a\\tb\\x7fc\\u2028d\\ud800e"));
        Assert.That(Text.Escape(null), Is.EqualTo(""));
        Assert.That(Text.Escape(Text.Escape(Forged)), Is.EqualTo(Text.Escape(Forged)), "escaping twice changes nothing");
        var longName = Text.Escape(new string('n', 1_000_000));
        Assert.That(longName, Is.EqualTo(new string('n', Text.MaxShown) + $"... ({1_000_000 - Text.MaxShown} more characters)"));
        Assert.That(new NeuromorphicException("x\ny\u001b").Message, Is.EqualTo("x\\ny\\x1b"), "a user error's message is one line whatever went into it");
    }

    [Test]
    public void AModelFilesFormatStringIsShownEscaped()
    {
        var (net, config) = ExportFormatTests.Small();
        var m = ModelFile.From(net, config, new());
        m.Format = Forged;
        var path = Path.Combine(_dir, "forged.nmm");
        File.WriteAllBytes(path, MessagePackSerializer.Serialize(m));
        var r = HostileInputTests.Cli("test", path, "--test-samples", "1");
        HostileInputTests.OneLine(r, "not a neuromorphic model file (format '\\x1b]0;pwned\\x07\\x1b[2J\\nerror: all is fine");
        Clean(r.Err + r.Out);
    }

    [Test]
    public void NirNodeNamesAndTypesAreShownEscaped()
    {
        void Expect(string script, string message)
        {
            var p = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".nir");
            NirInteropTests.Python(NirInteropTests.HandBuilt + "\nf = h5py.File(sys.argv[1], 'a')\n" + script + "\nf.close()\n", p, "5.0");
            var r = HostileInputTests.Cli("import", p, "--out", Path.Combine(_dir, "m.nmm"));
            HostileInputTests.OneLine(r, message);
            Clean(r.Err + r.Out);
        }
        const string evil = "'evil\\x1b]0;pwned\\x07\\nerror: all is fine'";
        Expect($"x = f['node/nodes'].create_group({evil})\nx.create_dataset('type', data='Conv\\x1b[2J\\r', dtype=h5py.string_dtype())",
            "node 'evil\\x1b]0;pwned\\x07\\nerror: all is fine' has type 'Conv\\x1b[2J\\r'");
        Expect($"del f['node/edges']\nf['node'].create_dataset('edges', data=np.array([['input', {evil}]], dtype=object), dtype=h5py.string_dtype())",
            "names node 'evil\\x1b]0;pwned\\x07\\nerror: all is fine'");
        Expect($"del f['node/nodes/fc/weight']\nf['node/nodes/fc'].create_dataset({evil}, data=np.zeros(3))\nf['node/nodes/fc'].create_dataset('weight', shape=(100000, 100000), dtype='f4')",
            "more than 100000000 elements");
    }
}
