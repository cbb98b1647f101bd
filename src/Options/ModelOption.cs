using System.Globalization;

namespace Neuromorphic.Cli;

/// <summary>The rules that read a model option: any rule, the eRBP family's (erbp, perbp), or the synaptic sampling
/// machine's (s2m). An option given with a rule that would ignore it is refused (rule none, inference, refuses none).</summary>
public enum RuleScope
{
    Any,
    Erbp,
    S2m,
}

/// <summary>The programs that take a model option: training (train, bench, and so study), inference (run, plot raster)
/// and tools/MeanField, which refuses the options its rate model has no counterpart for.</summary>
[Flags]
public enum OptionUse
{
    Training = 1,
    Inference = 2,
    MeanField = 4,
}

/// <summary>One model option, declared once (<see cref="ModelOptions.Table"/>): its name and help, the configuration
/// fields it sets (so error messages about them name it, <see cref="OptionNames"/>), how a value changes the
/// configuration, the rules that read it and the programs that take it. <see cref="ConfigOptions"/> builds a command's
/// options, the configuration, the preset's help and `train --json`'s options from these.</summary>
public abstract class ModelOption(string name, string help)
{
    public string Name { get; } = name;
    public string Help { get; } = help;

    /// <summary>The <see cref="SimulationConfig"/> paths the option sets (<c>Erbp.GateHighMv</c>); a library message
    /// about any of them spells it as this option. The first is the value the option shows.</summary>
    public IReadOnlyList<string> Fields { get; init; } = [];

    public RuleScope Rules { get; init; } = RuleScope.Any;
    public OptionUse Uses { get; init; } = OptionUse.Training;

    /// <summary>A value other than the default, as typed (the table's test gives each option it and reads it back).</summary>
    public string Example { get; init; } = "";

    /// <summary>Where a configuration starts (--config, --preset), not a value in it: not shown with a preset's values
    /// nor in `train --json`'s options.</summary>
    public bool StartsConfiguration { get; init; }

    /// <summary>The value as the option spells it, when it is not the first field's (an enum by its option's name).</summary>
    public Func<SimulationConfig, object?>? Show { get; init; }

    /// <summary>The value this option shows for <paramref name="config"/> (help's preset values, `train --json`).</summary>
    public object? ValueIn(SimulationConfig config) => Show != null ? Show(config) : Fields.Count > 0 ? Read(config, Fields[0]) : null;

    /// <summary>Whether <paramref name="rule"/> would ignore the option: an eRBP option with s2m, an S2M option with
    /// erbp or perbp (rule none, inference, ignores learning options but runs either network: nothing refused).</summary>
    public bool IgnoredBy(RuleKind rule) => Rules switch
    {
        RuleScope.Erbp => rule == RuleKind.S2m,
        RuleScope.S2m => rule is RuleKind.Erbp or RuleKind.Perbp,
        _ => false,
    };

    /// <summary>The option a command gets (each command its own object: help's preset notes differ).</summary>
    internal abstract Option Create();

    /// <summary><paramref name="config"/> with the value given on the command line, if any (its <c>Rule</c> already final).</summary>
    internal abstract SimulationConfig Apply(SimulationConfig config, ParseResult r, Option option);

    /// <summary>The value at a field path, an enum by its option's name.</summary>
    static object? Read(SimulationConfig config, string path)
    {
        object? value = config;
        foreach (var part in path.Split('.'))
        {
            if (value == null) return null;
            var property = value.GetType().GetProperty(part) ?? throw new InvalidOperationException($"no field {path} in SimulationConfig");
            value = property.GetValue(value);
        }
        return value is Enum e ? ConfigJson.Name(e) : value;
    }

    public override string ToString() => Name;
}

/// <summary>A model option with a number or switch (double, int, ulong, bool); <see cref="Set"/> applies it.</summary>
public sealed class ValueOption<T>(string name, string help) : ModelOption(name, help) where T : struct
{
    /// <summary>The configuration with the given value; null when the command reads the option itself.</summary>
    public Func<SimulationConfig, T, SimulationConfig>? Set { get; init; }

    internal override Option Create() => new Option<T?>(Name) { Description = Help };

    internal override SimulationConfig Apply(SimulationConfig config, ParseResult r, Option option) =>
        Set != null && r.GetValue((Option<T?>)option) is { } v ? Set(config, v) : config;
}

/// <summary>A model option with a word, a name or a list (<see cref="Set"/> parses and applies it).</summary>
public sealed class TextOption(string name, string help) : ModelOption(name, help)
{
    /// <summary>The configuration with the given text; null when the command reads the option itself.</summary>
    public Func<SimulationConfig, string, SimulationConfig>? Set { get; init; }

    internal override Option Create() => new Option<string?>(Name) { Description = Help };

    internal override SimulationConfig Apply(SimulationConfig config, ParseResult r, Option option) =>
        Set != null && r.GetValue((Option<string?>)option) is { } v ? Set(config, v) : config;

    /// <summary>Comma-separated positive numbers (<paramref name="option"/> names them in the error).</summary>
    public static double[] PositiveList(string text, string option)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var values = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !(values[i] > 0))
                throw new NeuromorphicException($"{option} '{text}': entry {i + 1} ('{parts[i]}') is not a positive number");
        return values;
    }
}
