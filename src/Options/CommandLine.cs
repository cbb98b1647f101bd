namespace Neuromorphic.Cli;

/// <summary>How a command line is parsed and how its errors read, for `neuromorphic` and the tools built from the same
/// options (tools/MeanField): the parser without response files, the one-line parse error with a suggestion, the guard
/// that turns a user error into one line and exit code 2, and the options every such program shares.</summary>
public static class CommandLine
{
    public static readonly Option<bool> JsonOpt = new("--json") { Description = "end with one JSON object of the figures on the last line" };
    public static readonly Option<string> ArchOpt = new("--arch")
    {
        Description = "layer sizes, e.g. 784-200-10 (default: the data's pixels, 200 hidden neurons, the data's classes)",
        DefaultValueFactory = _ => "784-200-10",
    };

    /// <summary>True while a command runs with --json (<see cref="Invoke"/>): then standard output holds only the JSON
    /// object, and human-readable text goes to standard error.</summary>
    public static bool JsonOnStdout { get; private set; }

    /// <summary>How every command line is parsed: without response files. System.CommandLine would otherwise read any
    /// argument starting with @ as a file of more arguments (`@/dev/zero` fills the memory, a pipe hangs, a study's
    /// value "@x" reads a file), and `--out @run.png` could not name a file.</summary>
    public static readonly ParserConfiguration Parser = new() { ResponseFileTokenReplacer = null };

    /// <summary>Parses and runs <paramref name="root"/> (neuromorphic's, or a tool's built from the same options). A parse
    /// error: the one error, a suggestion for a misspelt option, and where help is, on stderr, exit 2 (not the whole
    /// help on stdout). Help itself, and a bare command, go the usual way.</summary>
    public static int Invoke(Command root, string[] args, string program = "neuromorphic")
    {
        var parse = root.Parse(args, Parser);
        if (parse.Errors.Count == 0 || args.Length == 0 || args.Any(a => a is "--help" or "-h" or "-?" or "--version"))
        {
            bool was = JsonOnStdout;
            JsonOnStdout = parse.Errors.Count == 0 && parse.GetResult(JsonOpt) != null && parse.GetValue(JsonOpt);
            try { return parse.Invoke(); }
            finally { JsonOnStdout = was; }
        }
        Console.Error.WriteLine($"error: {Text.Escape(ParseErrorLine(parse, program), Text.MaxLine)}");
        return 2;
    }

    /// <summary>The first parse error in words (no .NET type names), with the closest option or command for an
    /// unknown one, and the command whose --help lists them.</summary>
    public static string ParseErrorLine(ParseResult parse, string program = "neuromorphic")
    {
        var command = parse.CommandResult.Command;
        var unknown = parse.UnmatchedTokens.FirstOrDefault();
        string message = (unknown == null ? null : parse.Errors.FirstOrDefault(e =>
            e.Message.Contains($"'{unknown}'"))?.Message) ?? parse.Errors[0].Message;
        message = System.Text.RegularExpressions.Regex.Replace(message, @"as expected type '([^']*)'", m =>
        {
            string t = m.Groups[1].Value;
            return "as " + (t.Contains("UInt64") ? "a whole number in 0..18446744073709551615"
                : t.Contains("Int32") ? "a whole number" : t.Contains("Int64") ? "a whole number"
                : t.Contains("Double") || t.Contains("Single") ? "a number" : t.Contains("Boolean") ? "true or false"
                    : "a value of the expected kind");
        });
        if (unknown != null)
        {
            var names = command.Options.SelectMany(o => o.Aliases.Prepend(o.Name)).Concat(command.Subcommands.Select(c => c.Name)).Distinct();
            var best = names.Select(n => (Name: n, Distance: Distance(unknown, n))).OrderBy(x => x.Distance).FirstOrDefault();
            if (best.Name != null && best.Distance <= Math.Max(2, unknown.Length / 3)) message += $" Did you mean '{best.Name}'?";
        }
        return $"{message.Split('\n')[0].Trim()} (see `{CommandPath(parse, program)} --help`)";
    }

    /// <summary>The command line of the parsed command, from the program: `neuromorphic plot weights`, not `weights`.</summary>
    public static string CommandPath(ParseResult parse, string program = "neuromorphic")
    {
        var names = new List<string>();
        for (System.CommandLine.Parsing.SymbolResult? s = parse.CommandResult; s != null; s = s.Parent)
            if (s is System.CommandLine.Parsing.CommandResult c && c != parse.RootCommandResult) names.Insert(0, c.Command.Name);
        return string.Join(' ', names.Prepend(program));
    }

    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
        return d[a.Length, b.Length];
    }

    /// <summary>Runs a command body: user errors become one line on stderr and exit code 2.</summary>
    public static int Guard(Func<int> body)
    {
        try { return body(); }
        catch (NeuromorphicException e) { Console.Error.WriteLine($"error: {OptionNames.Message(e)}"); return 2; }
        catch (IOException e) { Console.Error.WriteLine($"error: {Text.Escape(e.Message, Text.MaxLine)}"); return 2; }
        catch (UnauthorizedAccessException e) { Console.Error.WriteLine($"error: {Text.Escape(e.Message, Text.MaxLine)}"); return 2; }
    }
}
