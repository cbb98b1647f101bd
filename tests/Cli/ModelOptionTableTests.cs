using System.CommandLine;
using System.Globalization;
using Neuromorphic.Cli;
using Neuromorphic.Simulator;
using Neuromorphic.Simulator.Engine;
using Neuromorphic.Simulator.Training;
using Neuromorphic.Tests.Export;
using NUnit.Framework;

namespace Neuromorphic.Tests.Cli;

/// <summary>Issue 31, item 5: each model option is one entry of <see cref="ModelOptions.Table"/>, and the commands'
/// options, the configuration they build, the field-to-option names of error messages and the rule checks all come
/// from it. Each test walks the whole table, so an entry that one of those places lacks fails here.</summary>
public class ModelOptionTableTests
{
    static IEnumerable<Command> All(Command c) => c.Subcommands.SelectMany(All).Prepend(c);

    static Command CommandAt(string path) => All(Commands.Root()).Single(c => CliCommandPath(c) == path);

    static string CliCommandPath(Command c)
    {
        var names = new List<string>();
        for (Symbol? s = c; s is Command cmd && s is not RootCommand; s = cmd.Parents.FirstOrDefault()) names.Insert(0, cmd.Name);
        return string.Join(' ', names);
    }

    static IEnumerable<ModelOption> Entries => ModelOptions.Table;

    /// <summary>The configuration a command built from <paramref name="cfg"/> gets for <paramref name="args"/>
    /// (as train builds it, without its default preset).</summary>
    static SimulationConfig Build(ConfigOptions cfg, params string[] args)
    {
        var command = new RootCommand();
        cfg.AddTo(command);
        var r = command.Parse(args, CommandLine.Parser);
        Assert.That(r.Errors, Is.Empty, string.Join(" ", args));
        return cfg.Build(r);
    }

    static string Shown(object? value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "(null)";

    [Test]
    public void TheTableIsWellFormed()
    {
        Assert.That(Entries.Select(e => e.Name).Distinct().Count(), Is.EqualTo(Entries.Count()), "one entry per name");
        Assert.That(Entries.Last().Name, Is.EqualTo(ModelOptions.RuleName), "--rule last in help");
        foreach (var e in Entries)
        {
            Assert.That(e.Uses.HasFlag(OptionUse.Training), $"{e}: train and bench take every model option");
            Assert.That(e.Help, Is.Not.Empty, e.Name);
            // Only --config names no field: everything else sets one, so messages about it can name the option.
            Assert.That(e.Fields, e.Name == ModelOptions.ConfigName ? Is.Empty : Is.Not.Empty, e.Name);
            if (e.Name != ModelOptions.ConfigName) Assert.That(e.Example, Is.Not.Empty, $"{e}: an example value for the tests");
            // The mean-field tool models eRBP: an S2M option cannot be one of its.
            if (e.Rules == RuleScope.S2m) Assert.That(e.Uses.HasFlag(OptionUse.MeanField), Is.False, e.Name);
        }
    }

    /// <summary>train and bench take every entry; run and plot raster those that inference reads, never --rule.</summary>
    [Test]
    public void EveryEntryIsAnOptionOfTheCommandsItNames()
    {
        string[] Names(string path) => CommandAt(path).Options.Select(o => o.Name).ToArray();
        foreach (var e in Entries)
        {
            Assert.That(Names("train"), Does.Contain(e.Name), "train");
            Assert.That(Names("bench"), Does.Contain(e.Name), "bench");
            foreach (var inference in new[] { "run", "plot raster" })
                Assert.That(Names(inference).Contains(e.Name), Is.EqualTo(e.Uses.HasFlag(OptionUse.Inference)), $"{inference} {e.Name}");
        }
    }

    /// <summary>Each entry's example, given on the command line, reaches its field and reads back as given; the
    /// default differs, so the option really changed something. Rule-neutral options are checked under both families.</summary>
    [Test]
    public void EveryEntryReachesItsFieldThroughTheParser()
    {
        foreach (var e in Entries.Where(e => e.Name != ModelOptions.ConfigName))
        {
            var rules = e.Name == ModelOptions.RuleName ? [""]
                : e.Rules == RuleScope.S2m ? ["s2m"]
                : e.Rules == RuleScope.Erbp || e.StartsConfiguration ? ["perbp"] : new[] { "perbp", "s2m" };
            foreach (var rule in rules)
            {
                string[] args = rule == "" ? [e.Name, e.Example] : ["--rule", rule, e.Name, e.Example];
                var cfg = new ConfigOptions();
                var command = new RootCommand();
                cfg.AddTo(command);
                var r = command.Parse(args, CommandLine.Parser);
                var config = cfg.Build(r);
                Assert.That(Shown(e.ValueIn(config)), Is.EqualTo(e.Example).IgnoreCase, string.Join(" ", args));
                var plain = rule == "" ? new SimulationConfig() : Build(new ConfigOptions(), "--rule", rule);
                Assert.That(Shown(e.ValueIn(plain)), Is.Not.EqualTo(e.Example).IgnoreCase, $"{e}: the example is not the default under {rule}");
                if (!e.StartsConfiguration)
                {
                    var (values, sources) = cfg.Explain(r, config);
                    string key = e.Name[2..].Replace('-', '_');
                    Assert.That(Shown(values[key]), Is.EqualTo(e.Example).IgnoreCase, $"train --json options.{key}");
                    Assert.That(sources[key], Is.EqualTo("command line"), key);
                }
            }
        }
    }

    /// <summary>Every field an entry sets is a field of the configuration, and a library message about it reads as
    /// the option; the option names of the fields that were mapped before the table are all still there.</summary>
    [Test]
    public void EveryFieldOfAnEntryIsSpeltAsItsOptionInErrorMessages()
    {
        foreach (var e in Entries)
            foreach (var field in e.Fields)
            {
                Type type = typeof(SimulationConfig);
                foreach (var part in field.Split('.'))
                    type = type.GetProperty(part)?.PropertyType ?? throw new AssertionException($"{e}: {field} is not a field of SimulationConfig");
                Assert.That(OptionNames.Of(field), Is.EqualTo(e.Name), field);
                var error = NeuromorphicException.ForField(field, f => $"{f} must be positive, got -1");
                Assert.That(error.Message, Does.StartWith(field), "the library names the field");
                Assert.That(OptionNames.Message(error), Is.EqualTo($"{e.Name} must be positive, got -1"), "the CLI names the option");
            }
        string[] before =
        [
            "Rule", "Seed", "DtMs", "SampleMs", "TestSampleMs", "Hidden.TauMembraneMs", "Hidden.TauSynapseMs", "Hidden.TauDendriteMs",
            "Hidden.NoiseWeightMv", "Erbp.LearningRate", "Ecd.LearningRate", "EtaDecayPerEpoch", "Schedule.Kind", "Schedule.FloorFraction",
            "Erbp.GateHighMv", "LayerGateMv", "TransmissionProbability", "LabelUnitsPerClass", "BiasRateHz", "S2mInitMv", "Ecd.BurnInFraction",
            "Ecd.TauStdpMs", "Ecd.Pairing", "Ecd.WeightMaxMv", "Encoder.Kind", "Encoder.MaxRateHz", "WeightBits", "WeightRounding",
            "WeightRangeFactor", "WeightStepPowerOfTwo", "StateBits", "StateRangeMv", "BatchUpdate", "Preset", "Dataset", "Readout",
            "Erbp.Feedback", "Erbp.FeedbackRefreshSamples", "Erbp.Update", "Erbp.LearnOnBlankedSpikes", "InitScale", "FeedbackScale",
            RunFields.Backend, RunFields.Batch, RunFields.TestBatch, RunFields.HiddenUnits, RunFields.Layers, RunFields.InferenceKernel,
            RunFields.GroupSize, RunFields.TrainSamples, RunFields.ValidationSamples, RunFields.TrainPool, RunFields.Sampling,
            RunFields.TestEvery, RunFields.Prune,
        ];
        Assert.That(OptionNames.Table.Keys, Is.SupersetOf(before));
    }

    /// <summary>An option typed with a rule of the other family is refused in one line naming it and the rule:
    /// eRBP's with s2m, the S2M's with erbp and perbp.</summary>
    [Test]
    public void AnOptionOfTheOtherFamilysRuleIsRefused()
    {
        int refused = 0;
        foreach (var e in Entries.Where(e => e.Rules != RuleScope.Any))
            foreach (var rule in e.Rules == RuleScope.Erbp ? ["s2m"] : new[] { "erbp", "perbp" })
            {
                var x = Assert.Throws<NeuromorphicException>(() => Build(new ConfigOptions(), "--rule", rule, e.Name, e.Example), $"{e} with {rule}")!;
                string family = e.Rules == RuleScope.Erbp ? "eRBP (--rule erbp or perbp)" : "the synaptic sampling machine (--rule s2m)";
                Assert.That(x.Message, Is.EqualTo($"{e.Name} is an option of {family}; rule {rule} would ignore it"));
                refused++;
            }
        Assert.That(refused, Is.GreaterThanOrEqualTo(9 + 2 * 7), "nine eRBP options, seven S2M options");
        // Rule none (inference, bench) runs whichever network: it refuses neither.
        var cfg = new ConfigOptions();
        var command = new RootCommand();
        cfg.AddTo(command);
        Assert.That(cfg.Build(command.Parse(["--gate-mv", "450"], CommandLine.Parser), RuleKind.None).Erbp.GateHighMv, Is.EqualTo(450));
        // Through the CLI: exit 2, one line, before any data is read.
        string none = Path.Combine(Path.GetTempPath(), "nm-no-data-" + Guid.NewGuid().ToString("N"));
        HostileInputTests.OneLine(HostileInputTests.Cli("train", "--rule", "s2m", "--gate-mv", "500", "--data-dir", none),
            "--gate-mv is an option of eRBP (--rule erbp or perbp); rule s2m would ignore it");
        HostileInputTests.OneLine(HostileInputTests.Cli("train", "--preset", "best-s2m", "--update", "manhattan", "--data-dir", none),
            "--update is an option of eRBP (--rule erbp or perbp); rule s2m would ignore it");
        HostileInputTests.OneLine(HostileInputTests.Cli("bench", "--rule", "s2m", "--feedback", "sign", "--data-dir", none),
            "--feedback is an option of eRBP");
        HostileInputTests.OneLine(HostileInputTests.Cli("train", "--rule", "perbp", "--weight-max-mv", "30", "--data-dir", none),
            "--weight-max-mv is an option of the synaptic sampling machine (--rule s2m); rule perbp would ignore it");
    }

    /// <summary>Presets and --config files set fields of both families; only options typed are refused.</summary>
    [Test]
    public void PresetsAndConfigFilesAreNotRefused()
    {
        foreach (var p in Presets.All)
            Assert.That(Build(new ConfigOptions(), "--preset", p.Name).Preset, Is.EqualTo(p.Name));
        // train's default preset follows the rule (best-s2m for s2m), whose eRBP fields are the defaults' own.
        var cfg = new ConfigOptions();
        var command = new RootCommand();
        cfg.AddTo(command);
        var s2m = cfg.Build(command.Parse(["--rule", "s2m"], CommandLine.Parser), defaultPreset: Presets.DefaultForTraining);
        Assert.That(s2m.Rule, Is.EqualTo(RuleKind.S2m));
        string file = Path.Combine(Path.GetTempPath(), "nm-table-" + Guid.NewGuid().ToString("N") + ".json");
        try
        {
            File.WriteAllText(file, """{ "Rule": "s2m", "Erbp": { "GateHighMv": 450, "GateLowMv": -450 }, "InitScale": 3 }""");
            var fromFile = Build(new ConfigOptions(), "--config", file, "--burn-in", "0.2");
            Assert.That((fromFile.Rule, fromFile.Erbp.GateHighMv, fromFile.Ecd.BurnInFraction), Is.EqualTo((RuleKind.S2m, 450.0, 0.2)));
        }
        finally { File.Delete(file); }
    }

    /// <summary>The measure of item 5: a new model option is one entry. A table with one more (a hypothetical
    /// --refractory-ms) gets it into a command's options, inference's, the configuration, `train --json`'s options,
    /// the names of error messages and the rule check, with no other change.</summary>
    [Test]
    public void AnEntryAddedToTheTableReachesEveryPlace()
    {
        var added = new ValueOption<double>("--refractory-ms", "refractory period of hidden and prediction neurons, ms (3.9)")
        {
            Fields = ["Hidden.RefractoryMs", "Output.RefractoryMs"], Rules = RuleScope.Erbp, Uses = OptionUse.Training | OptionUse.Inference,
            Example = "2.5",
            Set = (c, v) => c with { Hidden = c.Hidden with { RefractoryMs = v }, Output = c.Output with { RefractoryMs = v } },
        };
        var table = ModelOptions.Table.Append(added).ToList();
        var cfg = new ConfigOptions(table);
        var train = new RootCommand();
        cfg.AddTo(train);
        Assert.That(train.Options.Select(o => o.Name), Does.Contain("--refractory-ms"));
        var run = new RootCommand();
        new ConfigOptions(table).AddTo(run, OptionUse.Inference);
        Assert.That(run.Options.Select(o => o.Name), Does.Contain("--refractory-ms"));
        var r = train.Parse(["--refractory-ms", "2.5"], CommandLine.Parser);
        var config = cfg.Build(r);
        Assert.That((config.Hidden.RefractoryMs, config.Output.RefractoryMs), Is.EqualTo((2.5, 2.5)));
        Assert.That(cfg.Explain(r, config).Values["refractory_ms"], Is.EqualTo(2.5));
        var names = OptionNames.TableOf(table);
        Assert.That((names["Hidden.RefractoryMs"], names["Output.RefractoryMs"]), Is.EqualTo(("--refractory-ms", "--refractory-ms")));
        Assert.Throws<NeuromorphicException>(() => cfg.Build(train.Parse(["--rule", "s2m", "--refractory-ms", "2.5"], CommandLine.Parser)));
        // A field claimed twice is an error of the table, not a silent choice.
        var twice = table.Append(new ValueOption<double>("--hidden-refractory-ms", "x") { Fields = ["Hidden.RefractoryMs"] });
        Assert.Throws<InvalidOperationException>(() => OptionNames.TableOf(twice));
    }
}
