namespace Neuromorphic.Cli;

/// <summary>The one table from configuration fields (paths of <see cref="SimulationConfig"/>, and the run's
/// <see cref="RunFields"/>) to the options that set them. The library's error messages name fields; the CLI prints
/// them with these spellings (<see cref="Message"/>), so the user reads the option to change: "--eta must be ...".
/// The model options' part comes from <see cref="ModelOptions.Table"/> (each entry's fields); the rest are the fields
/// that commands' own options set. tools/MeanField takes its options' names from here too.</summary>
public static class OptionNames
{
    /// <summary>Fields set by options of the commands themselves, not by a model option: the run's parameters, and
    /// the configuration's dataset (--dataset) and S2M readout (test --readout).</summary>
    static readonly (string Field, string Option)[] CommandFields =
    [
        (nameof(SimulationConfig.Dataset), "--dataset"),
        (nameof(SimulationConfig.Readout), "--readout"),
        (RunFields.Backend, "--backend"),
        (RunFields.Batch, "--batch"),
        (RunFields.TestBatch, "--test-batch"),
        (RunFields.HiddenUnits, "--hidden"),
        (RunFields.Layers, "--arch"),
        (RunFields.InferenceKernel, "--inference-kernel"),
        (RunFields.GroupSize, "--group-size"),
        (RunFields.TrainSamples, "--train-samples"),
        (RunFields.ValidationSamples, "--validation-samples"),
        (RunFields.TrainPool, "--train-pool"),
        (RunFields.Sampling, "--sampling"),
        (RunFields.TestEvery, "--test-every"),
        (RunFields.Prune, "--prune"),
    ];

    public static readonly IReadOnlyDictionary<string, string> Table = TableOf(ModelOptions.Table);

    /// <summary>The field-to-option table of a model-option table (<see cref="ModelOptions.Table"/>, or a test's) and
    /// the commands' own fields. A field two options claim is an error of the table.</summary>
    public static IReadOnlyDictionary<string, string> TableOf(IEnumerable<ModelOption> table)
    {
        var d = new Dictionary<string, string>();
        foreach (var (field, option) in table.SelectMany(e => e.Fields.Select(f => (f, e.Name))).Concat(CommandFields))
            if (!d.TryAdd(field, option)) throw new InvalidOperationException($"{field} is set by both {d[field]} and {option}");
        return d;
    }

    /// <summary>The option that sets <paramref name="field"/>; the field itself where no option does (a field only a
    /// --config file or a model file sets).</summary>
    public static string Of(string field) => Table.TryGetValue(field, out var option) ? option : field;

    /// <summary>The one line the CLI prints for <paramref name="e"/>: its fields spelt as options.</summary>
    public static string Message(NeuromorphicException e) => e.MessageWith(Of);
}
