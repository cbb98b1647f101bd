namespace Neuromorphic.Simulator;

/// <summary>A problem with the user's input (a file, an option, a parameter): the CLI prints its message as
/// one line and exits non-zero, without a stack trace. Messages name the place and what was expected. The message is
/// kept on one line, with control characters escaped (<see cref="Text.Escape"/>), whatever a file put into it.
/// <para>A bad value of the configuration names the fields it is about (<see cref="Fields"/>): the paths of
/// <see cref="Engine.SimulationConfig"/> fields (<c>Erbp.LearningRate</c>, <c>LabelUnitsPerClass</c>) or a run's
/// parameters (<see cref="Engine.RunFields"/>). The library's message spells them so; a front end spells them its own
/// way with <see cref="MessageWith"/> (the CLI's option table writes <c>--eta</c>).</para></summary>
public sealed class NeuromorphicException : Exception
{
    readonly Func<IReadOnlyList<string>, string>? _format;

    public NeuromorphicException(string message, Exception? inner = null) : base(Text.Escape(message, Text.MaxLine), inner) => Fields = [];

    NeuromorphicException(IReadOnlyList<string> fields, Func<IReadOnlyList<string>, string> format, Exception? inner = null)
        : base(Text.Escape(format(fields), Text.MaxLine), inner)
    {
        Fields = fields;
        _format = format;
    }

    /// <summary>The configuration fields the message names, in the order it names them (none for other errors).</summary>
    public IReadOnlyList<string> Fields { get; }

    /// <summary>A message about <paramref name="field"/>: <paramref name="format"/> receives the field's spelling.</summary>
    public static NeuromorphicException ForField(string field, Func<string, string> format) => new([field], n => format(n[0]));

    /// <summary>A message about two fields.</summary>
    public static NeuromorphicException ForField(string field1, string field2, Func<string, string, string> format) =>
        new([field1, field2], n => format(n[0], n[1]));

    /// <summary>A message about several fields: <paramref name="format"/> receives their spellings in order.</summary>
    public static NeuromorphicException ForFields(IReadOnlyList<string> fields, Func<IReadOnlyList<string>, string> format) => new(fields, format);

    /// <summary>The message with each field spelt by <paramref name="spell"/> (one line, escaped as every message is);
    /// the message itself when it names no field.</summary>
    public string MessageWith(Func<string, string> spell) => _format == null ? Message
        : Text.Escape(_format(Fields.Select(spell).ToList()), Text.MaxLine);

    /// <summary>The same error after <paramref name="prefix"/> (a file, a place): the fields stay known.</summary>
    public NeuromorphicException Prefixed(string prefix)
    {
        if (_format is not { } format) return new NeuromorphicException(prefix + Message, this);
        return new NeuromorphicException(Fields, n => prefix + format(n), this);
    }

    /// <summary>A parameter record's <see cref="ArgumentException"/> (src/Neurons, src/Plasticity, which know nothing of
    /// this class) as a user error: when it names its field (<see cref="ArgumentException.ParamName"/>, a property of the
    /// record, written in the message under the same name) the field becomes <paramref name="record"/>.ParamName.
    /// A message that writes the field in parentheses ("the learning rate (LearningRate)") has the spelling put there;
    /// one that writes it bare ("TauStdpMs must be ...") keeps it and gets another spelling after it in parentheses.</summary>
    public static NeuromorphicException FromArgument(ArgumentException e, string record)
    {
        string message = e.Message;
        if (e.ParamName is not { Length: > 0 } name) return new NeuromorphicException(message, e);
        string suffix = $" (Parameter '{name}')";
        if (message.EndsWith(suffix, StringComparison.Ordinal)) message = message[..^suffix.Length];
        string field = record.Length == 0 ? name : $"{record}.{name}";
        int paren = message.IndexOf($"({name})", StringComparison.Ordinal);
        if (paren >= 0) return new NeuromorphicException([field], n => message[..(paren + 1)] + n[0] + message[(paren + 1 + name.Length)..], e);
        var m = System.Text.RegularExpressions.Regex.Match(message, $@"\b{System.Text.RegularExpressions.Regex.Escape(name)}\b");
        if (!m.Success) return new NeuromorphicException(message, e);
        int end = m.Index + name.Length;
        return new NeuromorphicException([field], n => n[0] == field ? message : $"{message[..end]} ({n[0]}){message[end..]}", e);
    }
}
