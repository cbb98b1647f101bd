using Neuromorphic.Cli;
using Neuromorphic.Neurons;
using Neuromorphic.Plasticity;
using Neuromorphic.Simulator;
using Neuromorphic.Simulator.Engine;
using Neuromorphic.Simulator.S2m;
using Neuromorphic.Simulator.Training;
using Neuromorphic.Tests.Export;
using NUnit.Framework;

namespace Neuromorphic.Tests.Cli;

/// <summary>Issue 29: the tool runs the experiment that was asked for, or refuses with one line. A --config key it
/// does not know, an option it would ignore: exit 2 naming it; enum values by the options' names.</summary>
public class NoSilentChangesTests
{
    string _dir = "";
    [SetUp] public void SetUp() { _dir = Path.Combine(Path.GetTempPath(), "nm-silent-" + Guid.NewGuid().ToString("N")); Directory.CreateDirectory(_dir); }
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    string Config(string json) { var p = Path.Combine(_dir, "c.json"); File.WriteAllText(p, json); return p; }

    [Test]
    public void AnUnknownConfigKeyIsRefusedWithTheNearestKey()
    {
        HostileInputTests.OneLine(HostileInputTests.Cli("run", "--config", Config("{\"TestSampleMS\": 300}"), "--data-dir", _dir),
            "unknown key \"TestSampleMS\"; did you mean \"TestSampleMs\"?");
        // Nested keys, and an option's spelling, find the field.
        HostileInputTests.OneLine(HostileInputTests.Cli("train", "--config", Config("{\"Encoder\": {\"Kindd\": \"linear\"}}"), "--data-dir", _dir),
            "unknown key \"Encoder.Kindd\"; did you mean \"Encoder.Kind\"?");
        HostileInputTests.OneLine(HostileInputTests.Cli("bench", "--config", Config("{\"test-sample-ms\": 300}"), "--data-dir", _dir),
            "did you mean \"TestSampleMs\"?");
        // A derived value is not a setting.
        HostileInputTests.OneLine(HostileInputTests.Cli("run", "--config", Config("{\"StateStepMv\": 2}"), "--data-dir", _dir),
            "\"StateStepMv\" is computed from other fields and cannot be set");
        HostileInputTests.OneLine(HostileInputTests.Cli("run", "--config", Config("[1, 2]"), "--data-dir", _dir), "expected a JSON object");
    }

    [Test]
    public void ConfigEnumsReadByTheOptionsNames()
    {
        var c = ConfigJson.Read("""
            { "Rule": "perbp", "Encoder": { "Kind": "linear" }, "Schedule": { "Kind": "1/t" }, "BatchUpdate": "sample",
              "WeightRounding": "Nearest", "Erbp": { "Feedback": "sign", "Update": "manhattan" }, "Readout": "whole", // comments are allowed
              "TestSampleMs": 300, }
            """, "c.json");
        Assert.That((c.Rule, c.Encoder.Kind, c.Schedule.Kind, c.BatchUpdate, c.WeightRounding, c.Erbp.Feedback, c.Erbp.Update, c.Readout, c.TestSampleMs),
            Is.EqualTo((RuleKind.Perbp, EncoderKind.Linear, ScheduleKind.InverseTime, BatchUpdateMode.PerSample, Rounding.Nearest, FeedbackKind.Sign, UpdateKind.Manhattan, S2mReadout.WholeSample, 300.0)));
        // Numbers, as model files store them, still read.
        Assert.That(ConfigJson.Read("{\"Rule\": 2}", "c.json").Rule, Is.EqualTo(RuleKind.Perbp));
        var e = Assert.Throws<NeuromorphicException>(() => ConfigJson.Read("{\"Erbp\": {\"Feedback\": \"transpose\"}}", "c.json"))!;
        Assert.That(e.Message, Does.Contain("\"Erbp.Feedback\" (as --feedback) 'transpose': expected random, sign or symmetric"));
    }

    [Test]
    public void EveryPresetPrintsNamesAndReadsBackAsAConfigFile()
    {
        foreach (var p in Presets.All)
        {
            var config = Presets.ConfigOf(p.Name);
            var json = ConfigJson.Write(config);
            Assert.That((string?)json["Rule"], Is.EqualTo(config.Rule.ToString().ToLowerInvariant()), p.Name);
            Assert.That((string?)json["Encoder"]!["Kind"], Is.AnyOf("escape", "poisson", "linear", "reference"), p.Name);
            Assert.That(json.ContainsKey("RuleLearningRate"), Is.False, "computed values are not written");
            Assert.That(ConfigJson.Read(json.ToJsonString(), p.Name), Is.EqualTo(config), p.Name);
        }
        // `presets --json` prints them so.
        var presets = CliRun.LastJson(CliRun.Run("presets", "--json"));
        Assert.That(presets.GetProperty("presets")[0].GetProperty("values").GetProperty("Rule").GetString(), Is.EqualTo("perbp"));
    }

    [Test]
    public void ModelOptionsThatAModelFileFixesAreRefused()
    {
        var config = new SimulationConfig { Rule = RuleKind.None, TestSampleMs = 5 };
        var model = Path.Combine(_dir, "m.nmm");
        Neuromorphic.Simulator.Files.ModelFile.From(ErbpNetwork.Build([784, 3, 10], config), config, new()).Save(model);
        HostileInputTests.OneLine(HostileInputTests.Cli("run", "--model", model, "--dt-ms", "0.5", "--data-dir", _dir),
            $"--dt-ms with run --model {model}: the model file sets its architecture and every model parameter, so --dt-ms would be ignored");
        HostileInputTests.OneLine(HostileInputTests.Cli("run", "--model", model, "--arch", "784-50-10", "--data-dir", _dir), "--arch with run --model");
        HostileInputTests.OneLine(HostileInputTests.Cli("plot", "raster", "--model", model, "--tau-syn-ms", "8", "--out", Path.Combine(_dir, "r.png"), "--data-dir", _dir),
            "--tau-syn-ms with plot raster --model");
        HostileInputTests.OneLine(HostileInputTests.Cli("bench", "--model", model, "--seed", "3", "--data-dir", _dir), "--seed with bench --model");
        // Without --model the same options apply: the command gets as far as the data folder (here a file).
        HostileInputTests.OneLine(HostileInputTests.Cli("run", "--dt-ms", "0.5", "--arch", "784-50-10", "--data-dir", model), "--data-dir");
    }

    [Test]
    public void TrainHelpShowsThePresetsValues()
    {
        var help = CliRun.Run("train", "--help");
        Assert.That(help.Code, Is.Zero);
        string Line(string option) => help.Out.Split('\n').First(l => l.TrimStart().StartsWith(option + " "));
        Assert.That(Line("--test-sample-ms"), Does.Contain("[preset best: 500]"));
        Assert.That(Line("--eta"), Does.Contain("[preset best: 0.003]"));
        Assert.That(Line("--encoder"), Does.Contain("[preset best: linear]"));
        Assert.That(Line("--rule"), Does.Contain("[preset best: perbp]"));
        Assert.That(Line("--dt-ms"), Does.Not.Contain("[preset"), "a value the preset leaves alone");
        // run starts from no preset: its help shows none.
        Assert.That(CliRun.Run("run", "--help").Out, Does.Not.Contain("[preset best"));
    }

    [Test]
    public void ParseErrorsOfNestedCommandsNameTheWholeCommand()
    {
        HostileInputTests.OneLine(HostileInputTests.Cli("plot", "weights", "m.nmm", "--unitz", "3"), "Did you mean '--units'? (see `neuromorphic plot weights --help`)");
        HostileInputTests.OneLine(HostileInputTests.Cli("study", "status", "s.json", "--jsn"), "(see `neuromorphic study status --help`)");
    }
}
