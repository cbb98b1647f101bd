using System.Text.Json;
using System.Text.RegularExpressions;
using Neuromorphic.Cli;
using NUnit.Framework;

namespace Neuromorphic.Tests.Cli;

/// <summary>Issue 29: every command with --json prints exactly one JSON object on standard output (tables and lines
/// for people go to standard error), and every field it prints is in the one table of JSON fields in docs/cli.md,
/// listed for that command.</summary>
public class JsonContractTests
{
    string _dir = "";
    [SetUp] public void SetUp() { _dir = Path.Combine(Path.GetTempPath(), "nm-json-" + Guid.NewGuid().ToString("N")); Directory.CreateDirectory(_dir); }
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    /// <summary>docs/cli.md's table of JSON fields: field to the commands that print it.</summary>
    static Dictionary<string, HashSet<string>> DocumentedFields()
    {
        string dir = TestContext.CurrentContext.TestDirectory;
        while (!File.Exists(Path.Combine(dir, "Neuromorphic.sln"))) dir = Path.GetDirectoryName(dir)!;
        var text = File.ReadAllText(Path.Combine(dir, "docs", "cli.md"));
        int start = text.IndexOf("\n## JSON fields", StringComparison.Ordinal);
        Assert.That(start, Is.GreaterThan(0), "docs/cli.md has a section '## JSON fields'");
        int end = text.IndexOf("\n## ", start + 5, StringComparison.Ordinal);
        var d = new Dictionary<string, HashSet<string>>();
        foreach (Match m in Regex.Matches(text[start..(end < 0 ? text.Length : end)], @"^\| ((?:`[a-z0-9_]+`(?:, )?)+) \| ([^|]+) \|", RegexOptions.Multiline))
            foreach (Match f in Regex.Matches(m.Groups[1].Value, "`([a-z0-9_]+)`"))
                d[f.Groups[1].Value] = m.Groups[2].Value.Split(',', StringSplitOptions.TrimEntries).ToHashSet();
        return d;
    }

    [Test]
    public void EveryCommandPrintsOneJsonObjectOnStdoutWithDocumentedFields()
    {
        var (data, _) = TinyMnistModel.Create(_dir);
        string P(string name) => Path.Combine(_dir, name);
        string model = P("m.nmm");
        string[] cpu = ["--backend", "cpu", "--data-dir", data];
        File.WriteAllText(P("study.json"), JsonSerializer.Serialize(new
        {
            command = "test", arguments = new[] { model }, options = new Dictionary<string, object> { ["test-samples"] = "4", ["backend"] = "cpu", ["data-dir"] = data },
            axes = new Dictionary<string, object> { ["batch"] = new[] { "1", "2" } }, @out = "study-out",
        }));
        var commands = new (string Name, string[] Args)[]
        {
            ("train", ["train", "--arch", "784-5-10", "--train-samples", "20", "--validation-samples", "5", "--test-samples", "8", "--sample-ms", "20", "--test-sample-ms", "20", "--out", model, .. cpu]),
            ("test", ["test", model, "--test-samples", "8", .. cpu]),
            ("run", ["run", "--model", model, "--samples", "3", .. cpu]),
            ("bench", ["bench", "--arch", "784-5-10", "--samples", "4", "--test-sample-ms", "10", .. cpu]),
            ("devices", ["devices"]),
            ("data fetch", ["data", "fetch", "--data-dir", data]),
            ("presets", ["presets"]),
            ("s2m-activation", ["s2m-activation", "--inputs", "20", "--trials", "40"]),
            ("sweep", ["sweep", model, "--weight-bits", "8", "--test-samples", "8", .. cpu]),
            ("export", ["export", model, "--format", "nir", "--out", P("m.nir"), "--test-samples", "8", .. cpu]),
            ("import", ["import", P("m.nir"), "--out", P("i.nmm")]),
            ("plot curve", ["plot", "curve", model, "--out", P("c.png")]),
            ("plot raster", ["plot", "raster", "--model", model, "--out", P("r.png"), .. cpu]),
            ("plot weights", ["plot", "weights", model, "--out", P("w.png")]),
            ("plot rates", ["plot", "rates", model, "--digits", "3", "--out", P("ra.png"), .. cpu]),
            ("report", ["report", model, "--out", P("r.html"), "--test-samples", "8", "--digits", "3", .. cpu]),
            ("study plan", ["study", "plan", P("study.json")]),
            ("study run", ["study", "run", P("study.json"), "--all"]),
            ("study status", ["study", "status", P("study.json")]),
            ("study merge", ["study", "merge", P("study.json")]),
            ("study submit", ["study", "submit", P("study.json"), "--slurm", "--dry-run"]),
        };
        var documented = DocumentedFields();
        var missing = new List<string>();
        foreach (var (name, args) in commands)
        {
            var r = CliRun.Run([.. args, "--json"]);
            Assert.That(r.Code, Is.Zero, $"{name}: {r.Err}");
            // Standard output is one JSON object and nothing else (as `| python3 -m json.tool` or `| jq` need).
            var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.That(lines, Has.Length.EqualTo(1), $"{name}: stdout holds only the JSON object:\n{r.Out}");
            using var doc = JsonDocument.Parse(lines[0]);
            Assert.That(doc.RootElement.ValueKind, Is.EqualTo(JsonValueKind.Object), name);
            foreach (var p in doc.RootElement.EnumerateObject())
                if (!documented.TryGetValue(p.Name, out var cmds) || !cmds.Contains(name) && !cmds.Contains("all"))
                    missing.Add($"{name}: {p.Name}");
            if (name == "train")
            {
                // Every value with where it came from: the command line, or train's default preset.
                var (o, src) = (doc.RootElement.GetProperty("options"), doc.RootElement.GetProperty("option_sources"));
                Assert.That((o.GetProperty("test_sample_ms").GetDouble(), src.GetProperty("test_sample_ms").GetString()), Is.EqualTo((20.0, "command line")));
                Assert.That((o.GetProperty("encoder").GetString(), src.GetProperty("encoder").GetString()), Is.EqualTo(("linear", "preset best")));
                Assert.That((o.GetProperty("eta").GetDouble(), src.GetProperty("eta").GetString()), Is.EqualTo((3e-3, "preset best")));
            }
            // Without --json the same command prints its results for people on stdout, and no JSON.
            if (name is "test" or "presets") Assert.That(CliRun.Run(args).Out, Does.Not.StartWith("{"), name);
        }
        Assert.That(missing, Is.Empty, "fields printed but not in docs/cli.md's table of JSON fields (| `field` | commands | meaning |): " + string.Join("; ", missing));
    }
}
