using System.Text.Json;
using Neuromorphic.Cli;
using NUnit.Framework;

namespace Neuromorphic.Tests.Export;

/// <summary>export and import end to end on a tiny model and real MNIST digits.</summary>
[Category("Mnist")]
public class ExportCliTests
{
    static JsonElement Json(params string[] args)
    {
        var oldOut = Console.Out; var oldErr = Console.Error;
        var o = new StringWriter(); var e = new StringWriter();
        Console.SetOut(o); Console.SetError(e);
        int code;
        try { code = Commands.Execute(args); }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
        Assert.That(code, Is.Zero, e.ToString());
        return JsonDocument.Parse(o.ToString().TrimEnd().Split('\n')[^1]).RootElement.Clone();
    }

    [Test]
    public void ExportReportsTheChipFiguresAndAnImportedNirPredictsLikeTheExportedIntegers()
    {
        var dir = Path.Combine(Path.GetTempPath(), "nm-export-cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var (data, model) = Neuromorphic.Tests.Cli.TinyMnistModel.Create(dir);
            string nir = Path.Combine(dir, "tiny.nir"), back = Path.Combine(dir, "back.nmm");

            var ex = Json("export", model, "--format", "nir", "--chip", "loihi", "--out", nir, "--test-samples", "40", "--data-dir", data, "--json");
            var p0 = ex.GetProperty("projections")[0];
            Assert.That(p0.GetProperty("sign_mode").GetString(), Is.EqualTo("mixed"));
            Assert.That(p0.GetProperty("max_abs_mantissa").GetInt32(), Is.InRange(128, 256));
            Assert.That(p0.GetProperty("saturated").GetInt32(), Is.Zero);
            Assert.That(ex.GetProperty("test_samples").GetInt32(), Is.EqualTo(40));
            Assert.That(ex.TryGetProperty("float_test_error", out _) && ex.TryGetProperty("test_error", out _));

            Json("import", nir, "--out", back, "--json");
            var t = Json("test", back, "--test-samples", "40", "--batch", "16", "--data-dir", data, "--json");
            Assert.That(t.GetProperty("predictions_sha256").GetString(), Is.EqualTo(ex.GetProperty("predictions_sha256").GetString()),
                "the imported model simulates exactly the exported integers");
        }
        finally { Directory.Delete(dir, true); }
    }
}
