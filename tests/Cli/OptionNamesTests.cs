using System.CommandLine;
using System.Text.RegularExpressions;
using Neuromorphic.Cli;
using Neuromorphic.Neurons;
using Neuromorphic.Plasticity;
using Neuromorphic.Simulator;
using Neuromorphic.Simulator.Engine;
using NUnit.Framework;

namespace Neuromorphic.Tests.Cli;

/// <summary>The library's messages name configuration fields; the CLI spells them with one table (OptionNames).</summary>
public class OptionNamesTests
{
    static IEnumerable<Command> All(Command c) => c.Subcommands.SelectMany(All).Prepend(c);

    static readonly HashSet<string> CliOptions = All(Commands.Root()).SelectMany(c => c.Options).SelectMany(o => o.Aliases.Prepend(o.Name)).ToHashSet();

    static string Root()
    {
        for (var d = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); d != null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Neuromorphic.sln"))) return d.FullName;
        throw new DirectoryNotFoundException("Neuromorphic.sln");
    }

    [Test]
    public void EveryOptionOfTheTableIsAnOptionOfTheCli()
    {
        foreach (var (field, option) in OptionNames.Table)
            Assert.That(CliOptions, Does.Contain(option), $"{field} maps to {option}, which no command has");
    }

    /// <summary>Every field a library message names (ForField/ForFields with nameof, RunFields or a "Record.Field"
    /// literal) has its option in the table: a new message about a field without a mapping fails here.</summary>
    [Test]
    public void EveryFieldThatALibraryMessageNamesHasAnOption()
    {
        var named = new HashSet<string>();
        foreach (var file in new[] { "src/Simulator", "src/Neurons", "src/Plasticity", "kernels" }.SelectMany(d => Directory.EnumerateFiles(Path.Combine(Root(), d), "*.cs", SearchOption.AllDirectories)))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")) continue;
            foreach (Match call in Regex.Matches(File.ReadAllText(file), @"NeuromorphicException\.ForFields?\((\[[^\]]*\]|[^=]*?)(?:,\s*\(?[a-z]\w*\)?\s*=>|,\s*\([a-z]\w*,\s*[a-z]\w*\)\s*=>)"))
                foreach (Match arg in Regex.Matches(call.Groups[1].Value, @"nameof\((?:SimulationConfig\.)?(\w+)\)|RunFields\.(\w+)|""([\w.]+)"""))
                    named.Add(arg.Groups[1].Success ? arg.Groups[1].Value : arg.Groups[2].Success ? (string)typeof(RunFields).GetField(arg.Groups[2].Value)!.GetValue(null)! : arg.Groups[3].Value);
        }
        Assert.That(named, Has.Count.GreaterThan(15), "the scan finds the library's messages");
        foreach (var field in named.Where(f => f != "field" && f != "batchField"))
            Assert.That(OptionNames.Table.ContainsKey(field), $"no option for {field}");
    }

    /// <summary>Each bad value, through Validate, names its field, and the CLI's line names the option.</summary>
    [TestCase("LabelUnitsPerClass", "--label-units must lie in 1..1000, got 0")]
    [TestCase("BiasRateHz", "--bias-rate-hz must lie in (0, 1/dt], got -1")]
    [TestCase("S2mInitMv", "--init-mv must be >= 0, got -1")]
    [TestCase("StateBits", "--state-bits must lie in 8..24 (float32 storage holds such codes exactly), got 30")]
    [TestCase("StateRangeMv", "--state-range-mv must be positive, got 0")]
    [TestCase("WeightBits", "--weight-bits: bit width must lie in 1..16, got 17")]
    [TestCase("LayerGateMv", "layer gates (--layer-gates-mv) must be positive numbers of mV, got -5")]
    [TestCase("Erbp.LearningRate", "eRBP rule: the learning rate (--eta) must be a number >= 0, got -1")]
    [TestCase("Ecd.LearningRate", "eCD rule: LearningRate (--eta) must be >= 0, got -1")]
    [TestCase("Ecd.TauStdpMs", "eCD rule: TauStdpMs (--tau-stdp-ms) must be a positive number, got 0")]
    [TestCase("Ecd.BurnInFraction", "eCD rule: BurnInFraction (--burn-in) must lie in [0, 0.5), got 0.7")]
    [TestCase("Erbp.Feedback", "--feedback and --update are options of eRBP; --rule s2m learns by eCD")]
    [TestCase("TestSampleMs", "test sample duration (--test-sample-ms) 1000000000000 ms at dt (--dt-ms) 0.1 ms is 1E+13 time steps per sample")]
    public void ABadValueNamesItsFieldAndTheCliItsOption(string field, string line)
    {
        var s2m = new SimulationConfig { Rule = RuleKind.S2m };
        var bad = field switch
        {
            "LabelUnitsPerClass" => s2m with { LabelUnitsPerClass = 0 },
            "BiasRateHz" => s2m with { BiasRateHz = -1 },
            "S2mInitMv" => s2m with { S2mInitMv = -1 },
            "StateBits" => new SimulationConfig { StateBits = 30 },
            "StateRangeMv" => new SimulationConfig { StateRangeMv = 0 },
            "WeightBits" => new SimulationConfig { WeightBits = 17 },
            "LayerGateMv" => new SimulationConfig { LayerGateMv = [-5] },
            "Erbp.LearningRate" => new SimulationConfig { Erbp = new ErbpParameters(LearningRate: -1) },
            "Ecd.LearningRate" => s2m with { Ecd = new EcdParameters(LearningRate: -1) },
            "Ecd.TauStdpMs" => s2m with { Ecd = new EcdParameters(TauStdpMs: 0) },
            "Ecd.BurnInFraction" => s2m with { Ecd = new EcdParameters(BurnInFraction: 0.7) },
            "Erbp.Feedback" => s2m with { Erbp = new ErbpParameters { Feedback = FeedbackKind.Sign } },
            "TestSampleMs" => new SimulationConfig { TestSampleMs = 1e12 },
            _ => throw new ArgumentException(field),
        };
        var e = Assert.Throws<NeuromorphicException>(() => bad.Validate())!;
        Assert.That(e.Fields[0], Is.EqualTo(field));
        Assert.That(e.Message, Does.Contain(field.Split('.')[^1]), "the library's message names the field");
        Assert.That(e.Message, Does.Not.Contain("--"), "and no option");
        Assert.That(OptionNames.Message(e), Does.StartWith(line));
        Assert.That(e.Fields.All(OptionNames.Table.ContainsKey));
    }

    [Test]
    public void AWrappedMessageKeepsItsFields()
    {
        var e = Assert.Throws<NeuromorphicException>(() => new SimulationConfig { StateBits = 30 }.Validate())!.Prefixed("m.nmm: stored configuration: ");
        Assert.That(OptionNames.Message(e), Does.StartWith("m.nmm: stored configuration: --state-bits must lie in 8..24"));
        Assert.That(e.Message, Does.StartWith("m.nmm: stored configuration: StateBits must lie in 8..24"));
        Assert.That(OptionNames.Message(new NeuromorphicException("plain")), Is.EqualTo("plain"));
    }

    [Test]
    public void AFieldWithoutAnOptionIsSpeltAsTheField() => Assert.That(OptionNames.Of("LabelWeightMv"), Is.EqualTo("LabelWeightMv"));
}
