using System.Globalization;
using Neuromorphic.Neurons;

namespace Neuromorphic.Cli;

/// <summary>The model and rule parameters every simulating command takes, one option per entry of
/// <see cref="ModelOptions.Table"/>; unset options keep the paper's values (or those of --config FILE, a JSON object of
/// <see cref="SimulationConfig"/> fields, or of --preset NAME). Each command gets its own instance (its help may show a
/// preset's values).</summary>
public sealed class ConfigOptions
{
    readonly List<(ModelOption Entry, Option Option)> _options;

    public ConfigOptions() : this(ModelOptions.Table) { }

    /// <summary>The options of <paramref name="table"/> (tests build one with an entry more).</summary>
    public ConfigOptions(IEnumerable<ModelOption> table) => _options = table.Select(e => (e, e.Create())).ToList();

    /// <summary>The option of the entry named <paramref name="name"/>.</summary>
    public Option this[string name] => _options.First(x => x.Entry.Name == name).Option;

    // The options the commands read themselves, beside the configuration.
    public Option<string?> Config => (Option<string?>)this[ModelOptions.ConfigName];
    public Option<string?> Rule => (Option<string?>)this[ModelOptions.RuleName];
    public Option<string?> PresetOpt => (Option<string?>)this[ModelOptions.PresetName];
    public Option<double?> Eta => (Option<double?>)this["--eta"];
    public Option<double?> EtaDecay => (Option<double?>)this["--eta-decay"];
    public Option<string?> BatchUpdateOpt => (Option<string?>)this["--batch-update"];

    /// <summary>Every entry with its option, in the table's order.</summary>
    public IEnumerable<(ModelOption Entry, Option Option)> Entries => _options;

    /// <summary>The options that show a value of the configuration (all but --config and --preset).</summary>
    IEnumerable<(ModelOption Entry, Option Option)> Shown => _options.Where(x => !x.Entry.StartsConfiguration);

    /// <summary>A command that starts from a preset (train: best) says so in its help: each option whose value the
    /// preset sets differently from the plain default gets "[preset NAME: VALUE]".</summary>
    public void ShowPreset(string presetName)
    {
        var preset = Neuromorphic.Simulator.Training.Presets.ConfigOf(presetName);
        var plain = new SimulationConfig();
        foreach (var (e, o) in Shown)
            if (!Equals(e.ValueIn(preset), e.ValueIn(plain)))
                o.Description += $" [preset {presetName}: {Convert.ToString(e.ValueIn(preset), CultureInfo.InvariantCulture)}]";
    }

    /// <summary>Every value the options set, as the options spell them, and where it came from: the command line, the
    /// --config file, the preset the configuration started from, or the default.</summary>
    public (Dictionary<string, object?> Values, Dictionary<string, string> Sources) Explain(ParseResult r, SimulationConfig config)
    {
        var values = new Dictionary<string, object?>();
        var sources = new Dictionary<string, string>();
        foreach (var (e, o) in Shown)
        {
            string key = e.Name.TrimStart('-').Replace('-', '_');
            values[key] = e.ValueIn(config);
            sources[key] = r.GetResult(o) is { Implicit: false } ? "command line"
                : r.GetValue(Config) is { } file ? $"--config {file}"
                : config.Preset != "" ? $"preset {config.Preset}" : "default";
        }
        return (values, sources);
    }

    /// <summary>Every model option, --rule last.</summary>
    public IEnumerable<Option> All => _options.Select(x => x.Option);

    /// <summary>Whether the command line gives a model option other than <see cref="BatchUpdateOpt"/> (and <see cref="Rule"/>).</summary>
    public bool AnyGivenBesidesBatchUpdate(ParseResult r) =>
        All.Any(o => o != Rule && o != BatchUpdateOpt && r.GetResult(o) is { Implicit: false });

    /// <summary>Adds every model option to <paramref name="c"/> (train, bench; tools/MeanField without --rule).</summary>
    public void AddTo(Command c, bool withRule = true)
    {
        foreach (var o in All) if (withRule || o != Rule) c.Options.Add(o);
    }

    /// <summary>Adds the model options that <paramref name="use"/> takes (run and plot raster: inference's), in help's order.</summary>
    public void AddTo(Command c, OptionUse use)
    {
        foreach (var (e, o) in _options) if (e.Uses.HasFlag(use)) c.Options.Add(o);
    }

    /// <summary>A model file fixes every model parameter and the architecture: an option that would change them is
    /// refused (it would be ignored), naming it and <paramref name="command"/>; <paramref name="applied"/> are those the
    /// command applies to a model.</summary>
    public void RefuseWithModel(ParseResult r, string modelPath, string command, params Option[] applied)
    {
        foreach (var o in All.Append(CommandLine.ArchOpt).Except(applied))
            if (r.GetResult(o) is { Implicit: false })
                throw new NeuromorphicException($"{o.Name} with {command} --model {modelPath}: the model file sets its architecture and every "
                    + $"model parameter, so {o.Name} would be ignored; drop it (or leave out --model to simulate random weights with it)");
    }

    // The names of the enums live in ConfigJson (one table for the options and for --config files).
    public static RuleKind ParseRule(string text) => ConfigJson.Parse<RuleKind>(text);
    public static Neuromorphic.Simulator.S2m.S2mReadout ParseReadout(string text) => ConfigJson.Parse<Neuromorphic.Simulator.S2m.S2mReadout>(text);

    /// <summary>The configuration the options describe: the preset (or <paramref name="defaultPreset"/>, or the
    /// paper's defaults), or --config FILE, then every option given explicitly.</summary>
    public SimulationConfig Build(ParseResult r, RuleKind? forceRule = null, string? defaultPreset = null)
    {
        var c = new SimulationConfig();
        string? presetName = r.GetValue(PresetOpt);
        if (presetName != null && r.GetValue(Config) != null) throw new NeuromorphicException($"--preset {presetName} and --config: give one (a "
            + $"--config file is a whole configuration)");
        RuleKind? givenRule = forceRule ?? (r.GetValue(Rule) is { } given ? ParseRule(given) : null);
        // train's default preset follows the rule: an S2M starts from the S2M's best, not from eRBP's.
        if (presetName == null && defaultPreset != null
            && givenRule is { } gr) defaultPreset = Neuromorphic.Simulator.Training.Presets.DefaultFor(gr);
        if ((presetName ?? (r.GetValue(Config) == null ? defaultPreset : null)) is { } pn)
        {
            var preset = Neuromorphic.Simulator.Training.Presets.Get(pn);
            if (givenRule is { } rk && rk != RuleKind.None && ModelFamilies.Of(rk) != preset.Config.Family)
                throw new NeuromorphicException($"--preset {preset.Name} describes "
                    + $"{(Neuromorphic.Simulator.Training.Presets.IsS2m(preset) ? "a synaptic sampling machine" : "an eRBP network")}; it cannot "
                    + $"be trained with --rule {rk.ToString().ToLowerInvariant()} (`neuromorphic presets` lists them)");
            c = Neuromorphic.Simulator.Training.Presets.ConfigOf(pn);
        }
        if (r.GetValue(Config) is { } path)
        {
            Neuromorphic.Simulator.Files.InputFile.Require(path, "configuration file (--config)"); // missing, empty, a pipe or a device
            c = ConfigJson.Read(File.ReadAllText(path), path);
        }
        var rule = forceRule ?? (r.GetValue(Rule) is { } ruleText ? ParseRule(ruleText) : c.Rule);
        // peRBP's published values (blank-out p = 0.45, eta = 1e-3) unless the config file set its own.
        if (rule == RuleKind.Perbp && c.Rule != RuleKind.Perbp && c.TransmissionProbability == 1.0 && c.Preset == "")
            c = c with { TransmissionProbability = 0.45, Erbp = c.Erbp with { LearningRate = 10e-4 } };
        // S2M's published values (140 ms samples, blank-out p = 0.5) unless the config file set its own.
        if (ModelFamilies.Of(rule) == ModelFamily.SynapticSampling && c.Family != ModelFamily.SynapticSampling)
            c = c with { TransmissionProbability = 0.5, SampleMs = 140, TestSampleMs = 140 };
        c = c with { Rule = rule };
        // An option of the other family's rule means nothing to this one: refused, not ignored. Only options typed on the
        // command line: a preset or --config file sets fields of both families.
        foreach (var (e, o) in _options)
            if (e.IgnoredBy(rule) && r.GetResult(o) is { Implicit: false })
                throw new NeuromorphicException(e.Rules == RuleScope.S2m
                    ? $"{o.Name} is an option of the synaptic sampling machine (--rule s2m); rule {ConfigJson.Name(rule)} would ignore it"
                    : $"{o.Name} is an option of eRBP (--rule erbp or perbp); rule {ConfigJson.Name(rule)} would ignore it");
        foreach (var (e, o) in _options) c = e.Apply(c, r, o);
        if (c.Rule == RuleKind.Erbp && c.TransmissionProbability < 1 && r.GetResult(this["--blank-out"]) is { Implicit: false })
            throw new NeuromorphicException($"--blank-out {c.TransmissionProbability} with --rule erbp: blank-out synapses "
                + $"are peRBP; use --rule perbp");
        c.Validate();
        return c;
    }
}
