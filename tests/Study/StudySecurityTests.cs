using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Neuromorphic.Cli;
using Neuromorphic.Cli.Study;
using NUnit.Framework;

namespace Neuromorphic.Tests.Study;

/// <summary>Issue 27: a study file, a run record or a file planted in a study's folder cannot make the tool run other
/// commands, write outside the study, crash or hang. Every hostile input is made here; every refusal is exit code 2
/// and one escaped line naming the file or option, before any work, with nothing written.</summary>
public class StudySecurityTests
{
    string _dir = "";
    [SetUp] public void SetUp() { _dir = Path.Combine(Path.GetTempPath(), "nm-study-sec-" + Guid.NewGuid().ToString("N")); Directory.CreateDirectory(_dir); }
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    [DllImport("libc", SetLastError = true)] static extern int mkfifo(string path, uint mode);

    internal static string Fifo(string path)
    {
        if (mkfifo(path, Convert.ToUInt32("600", 8)) != 0) Assert.Ignore($"mkfifo failed ({Marshal.GetLastPInvokeError()})");
        return path;
    }

    /// <summary>Exit code 2, one line on stderr holding every piece of <paramref name="mustContain"/>, with no
    /// character a terminal acts on (escape, bell, C1 controls, bidirectional overrides) and no stack trace.</summary>
    internal static void OneEscapedLine((int Code, string Out, string Err) r, params string[] mustContain)
    {
        Assert.That(r.Code, Is.EqualTo(2), r.Out + r.Err);
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), r.Err);
        foreach (var m in mustContain) Assert.That(lines[0], Does.Contain(m));
        AssertNoTerminalControls(r.Out + r.Err);
        Assert.That(r.Err + r.Out, Does.Not.Contain("   at "), "no stack trace");
    }

    internal static void AssertNoTerminalControls(string s)
    {
        var bad = s.Where(c => c is < ' ' and not '\n' and not '\r' || c is >= '\x7f' and <= '\x9f' || c is >= '\u202a' and <= '\u202e' or >= '\u2066' and <= '\u2069').ToList();
        Assert.That(bad, Is.Empty, $"control characters reached the terminal: {string.Join(" ", bad.Select(c => ((int)c).ToString("x")))}");
    }

    static void Executable(string path, string body)
    {
        File.WriteAllText(path, body);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>The files under <paramref name="dir"/>, relative, sorted.</summary>
    static List<string> Tree(string dir) => Directory.GetFileSystemEntries(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir, f)).Order().ToList();

    /// <summary>The arguments of one #SBATCH line as sbatch reads them (Slurm's _get_argument in src/sbatch/opt.c):
    /// whitespace ends an argument outside quotes, ' and " quote, a backslash escapes the next character, an unquoted #
    /// starts a comment. sbatch stops reading directives at the first line that is not a comment.</summary>
    static List<string> SbatchDirectives(string script)
    {
        var args = new List<string>();
        foreach (var line in script.Split('\n').Skip(1))
        {
            if (line.Length > 0 && line[0] != '#') break;
            if (!line.StartsWith("#SBATCH", StringComparison.Ordinal)) continue;
            var sb = new System.Text.StringBuilder();
            int i = "#SBATCH".Length;
            while (i < line.Length && char.IsWhiteSpace(line[i])) i++;
            bool escape = false; char quote = '\0';
            for (; i < line.Length && (quote != '\0' || !char.IsWhiteSpace(line[i])); i++)
            {
                char c = line[i];
                if (escape) escape = false;
                else if (c == '\\') { escape = true; continue; }
                else if (quote != '\0') { if (c == quote) { quote = '\0'; continue; } }
                else if (c is '"' or '\'') { quote = c; continue; }
                else if (c == '#') break;
                sb.Append(c);
            }
            args.Add(sb.ToString());
        }
        return args;
    }

    [Test]
    public void TheSbatchScriptRunsOnlyTheIntendedCommandWhateverTheFolderAndFileNames()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("shell scripts stand in for sbatch and the tool");
        // Shell and sbatch syntax in every name that reaches the script: the folder, the study file, `out`.
        var folder = Path.Combine(_dir, "lab $(touch pwned-folder) `touch pwned-tick`");
        Directory.CreateDirectory(folder);
        var file = StudyCli.Write(folder, "s'; touch pwned-file; '.json", """
            { "name": "x$(touch pwned-name)", "command": "devices",
              "out": "o u t \"$(touch pwned-out)\" #c %j ' ; touch pwned-out2" }
            """);
        var outDir = Path.Combine(folder, "o u t \"$(touch pwned-out)\" #c %j ' ; touch pwned-out2");
        var bin = Path.Combine(_dir, "bin");
        Directory.CreateDirectory(bin);
        var calls = Path.Combine(_dir, "calls");
        // The tool: writes its arguments, one per line, and does nothing else.
        Executable(Path.Combine(bin, "fake-neuromorphic"), $"#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done >> '{calls}'\n");
        // sbatch: keeps the script it was given and prints a job id.
        Executable(Path.Combine(bin, "sbatch"), $"#!/bin/sh\ncp \"$2\" '{_dir}/submitted.sbatch'\necho '4242;cluster'\n");
        var path = Environment.GetEnvironmentVariable("PATH");
        Environment.SetEnvironmentVariable("PATH", bin + Path.PathSeparator + path);
        Environment.SetEnvironmentVariable(StudyCommand.ExecutableVariable, Path.Combine(bin, "fake-neuromorphic"));
        try
        {
            var r = StudyCli.Run("study", "submit", file, "--slurm", "--json");
            Assert.That(r.Code, Is.Zero, r.Err);
            Assert.That(StudyCli.LastJson(r.Out).GetProperty("job_id").GetString(), Is.EqualTo("4242"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("PATH", path);
            Environment.SetEnvironmentVariable(StudyCommand.ExecutableVariable, null);
        }
        var script = File.ReadAllText(Path.Combine(_dir, "submitted.sbatch"));
        // sbatch's reading of the directives: all before the first command, the log path intact (% doubled for Slurm's patterns).
        var directives = SbatchDirectives(script);
        Assert.That(directives, Does.Contain("--output=" + Path.Combine(outDir.Replace("%", "%%"), "slurm-%A_%a.out")), script);
        Assert.That(directives, Does.Contain("--array=0-0"));
        Assert.That(directives, Does.Contain("--ntasks=1"));
        Assert.That(directives, Does.Contain("--job-name=nm-x__touch_pwned-name_"));

        // Run the script as a Slurm node would: bash, with the array task id set.
        var psi = new ProcessStartInfo("bash") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = _dir };
        psi.ArgumentList.Add(Path.Combine(_dir, "submitted.sbatch"));
        psi.Environment["SLURM_ARRAY_TASK_ID"] = "0";
        using (var p = Process.Start(psi)!)
        {
            string err = p.StandardError.ReadToEnd();
            Assert.That(p.WaitForExit(30_000), "the script finishes");
            Assert.That(p.ExitCode, Is.Zero, err);
        }
        Assert.That(File.ReadAllLines(calls), Is.EqualTo(new[] { "study", "run", file }), "the tool ran once, with exactly the intended arguments");
        Assert.That(Tree(_dir).Where(f => Path.GetFileName(f).StartsWith("pwned", StringComparison.Ordinal)), Is.Empty, "no command hidden in a name ran");
    }

    [Test]
    public void ControlCharactersInAStudyAreRefusedBeforeAnythingIsWritten()
    {
        // A newline in `out` would end the #SBATCH line and put a command on a line of its own; a NUL cut the path.
        foreach (var (name, json, what) in new[]
        {
            ("nl.json", """{ "command": "devices", "out": "o\nexec touch pwned #" }""", "\"out\""),
            ("nul.json", """{ "command": "devices", "out": "o\u0000x" }""", "\"out\""),
            ("esc.json", """{ "command": "train", "axes": { "arch": ["784-1-10\u001b]0;title\u0007"] }, "out": "o" }""", "axis 'arch'"),
            ("c1.json", """{ "command": "train", "options": { "arch": "784-1-10\u009b2J" }, "out": "o" }""", "option 'arch'"),
            ("arg.json", """{ "command": "test", "arguments": ["m\r.nmm"], "out": "o" }""", "\"arguments\""),
        })
        {
            var file = StudyCli.Write(_dir, name, json);
            foreach (var sub in new[] { "plan", "status", "merge" })
                OneEscapedLine(StudyCli.Run("study", sub, file), name, what, "control character");
            OneEscapedLine(StudyCli.Run("study", "submit", file, "--slurm"), name, what);
            OneEscapedLine(StudyCli.Run("study", "run", file, "--index", "0"), name, what);
        }
        Assert.That(Tree(_dir).Where(f => !f.EndsWith(".json", StringComparison.Ordinal)), Is.Empty, "nothing written");
        // The options that reach #SBATCH lines: one word of a few characters.
        var ok = StudyCli.Write(_dir, "ok.json", """{ "command": "devices", "out": "o" }""");
        OneEscapedLine(StudyCli.Run("study", "submit", ok, "--slurm", "--dry-run", "--partition", "gpu\n#SBATCH --wrap=x"), "--partition", "gpu\\n#SBATCH");
        OneEscapedLine(StudyCli.Run("study", "submit", ok, "--slurm", "--dry-run", "--time", "1\\"), "--time");
        OneEscapedLine(StudyCli.Run("study", "submit", StudyCli.Write(_dir, "bs.json", """{ "command": "devices", "out": "o\\p" }"""), "--slurm", "--dry-run"), "backslash");
        Assert.That(Directory.Exists(Path.Combine(_dir, "o")), Is.False);
    }

    [Test]
    public void AnArgumentStartingWithAtIsNotAResponseFile()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("a named pipe and /dev/zero");
        var fifo = Fifo(Path.Combine(_dir, "args"));
        // Read as files of arguments, /dev/zero would fill the memory and the pipe would block for ever.
        foreach (var arg in new[] { "@/dev/zero", "@" + fifo })
        {
            var t = Task.Run(() => StudyCli.Run("devices", arg));
            Assert.That(t.Wait(TimeSpan.FromSeconds(30)), Is.True, $"`devices {arg}` answers");
            OneEscapedLine(t.Result, $"'{arg}'");
        }
        // Inside a study, the parse check of every run reads no file either: an axis value "@pipe" is the text "@pipe".
        var file = StudyCli.Write(_dir, "at.json", $$"""{ "command": "train", "axes": { "seed": [{{JsonSerializer.Serialize("@" + fifo)}}] }, "out": "o" }""");
        var check = Task.Run(() => StudyCli.Run("study", "plan", file));
        Assert.That(check.Wait(TimeSpan.FromSeconds(30)), Is.True, "the plan check answers");
        OneEscapedLine(check.Result, "at.json", "run 0", "@" + fifo);
        // A value starting with @ is an ordinary value: the plan lists it as given.
        var plain = StudyCli.Write(_dir, "at-ok.json", """{ "command": "run", "options": { "dataset": "@mnist" }, "out": "o" }""");
        var plan = StudyCli.Run("study", "plan", plain, "--json");
        Assert.That(plan.Code, Is.Zero, plan.Err);
        Assert.That(StudyCli.LastJson(plan.Out).GetProperty("plan")[0].GetProperty("arguments").EnumerateArray().Select(a => a.GetString()), Does.Contain("@mnist"));
    }

    [Test]
    public void APlantedLinkAtALogOrATemporaryRecordIsReplacedNotFollowed()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("symbolic links");
        var file = StudyCli.Write(_dir, "d.json", """{ "command": "devices", "out": "out" }""");
        var outDir = Path.Combine(_dir, "out");
        Directory.CreateDirectory(outDir);
        var victim = Path.Combine(_dir, "victim.txt");
        var victim2 = Path.Combine(_dir, "victim2.txt");
        File.WriteAllText(victim, "precious");
        File.WriteAllText(victim2, "precious too");
        File.CreateSymbolicLink(Path.Combine(outDir, "0.log"), victim);
        // The record's temporary file is .0.json.tmp-PID, PID this process's: a link there is removed before the write.
        File.CreateSymbolicLink(Path.Combine(outDir, $".0.json.tmp-{Environment.ProcessId}"), victim2);
        var r = StudyCli.Run("study", "run", file, "--index", "0");
        Assert.That(r.Code, Is.Zero, r.Out + r.Err);
        Assert.That(File.ReadAllText(victim), Is.EqualTo("precious"), "the file the log link pointed at is untouched");
        Assert.That(File.ReadAllText(victim2), Is.EqualTo("precious too"), "the file the temporary link pointed at is untouched");
        var log = new FileInfo(Path.Combine(outDir, "0.log"));
        Assert.That(log.LinkTarget, Is.Null, "the log is a new, regular file");
        Assert.That(File.ReadAllText(log.FullName), Does.StartWith("$ "));
        Assert.That(new FileInfo(Path.Combine(outDir, "0.json")).LinkTarget, Is.Null);
        Assert.That(StudyResult.Read(Path.Combine(outDir, "0.json"))!.Ok, Is.True);
    }

    static string Record(StudyFile study, int index, string figures, string status = "ok", string? message = null, string? axes = null) =>
        "{\"index\":" + index + ",\"status\":\"" + status + "\",\"exit_code\":" + (status == "ok" ? 0 : 2) + ",\"message\":" + JsonSerializer.Serialize(message) +
        ",\"seconds\":1,\"axes\":" + (axes ?? "{}") + ",\"arguments\":" + JsonSerializer.Serialize(StudyPlan.Run(study, index, true).Arguments) + ",\"figures\":" + figures + "}";

    [Test]
    public void TextFromRecordsAndAxesReachesTheTerminalEscaped()
    {
        var file = StudyCli.Write(_dir, "s.json", """{ "command": "train", "axes": { "arch": ["784-1-10", "784-2-10 \u202e[red]x[/]"], "seed": [1, 2] }, "out": "out" }""");
        var study = StudyFile.Load(file);
        var outDir = Path.Combine(_dir, "out");
        Directory.CreateDirectory(outDir);
        // A record's own "axes" and message try to reach the terminal; the table shows the plan's values, escaped.
        File.WriteAllText(Path.Combine(outDir, "0.json"), Record(study, 0, """{"test_error":0.1}""", axes: """{"arch":"\u001b[2J\u001b]0;pwned\u0007","seed":"1"}"""));
        File.WriteAllText(Path.Combine(outDir, "1.json"), Record(study, 1, """{"test_error":0.2}"""));
        File.WriteAllText(Path.Combine(outDir, "2.json"), Record(study, 2, """{"test_error":0.3}"""));
        File.WriteAllText(Path.Combine(outDir, "3.json"), Record(study, 3, "{}", "failed", "\u001b[31mred\u009b2J"));
        foreach (var sub in new[] { "merge", "status" })
        {
            var r = StudyCli.Run("study", sub, file);
            Assert.That(r.Code, Is.Zero, r.Err);
            AssertNoTerminalControls(r.Out + r.Err);
            Assert.That(r.Out, Does.Contain("\\x1b[31mred"), "the failure message, escaped");
        }
        var merge = StudyCli.Run("study", "merge", file);
        Assert.That(merge.Out, Does.Contain("784-2-10 \\u202e[red]x[/]"), "the axis value as text: escaped for the terminal, not read as markup");
        Assert.That(merge.Out, Does.Not.Contain("pwned"), "the record's own axes are not shown");
        // The progress lines of `study run` name the run by its axis values; a stand-in tool answers for the run.
        var tool = Path.Combine(_dir, "fake-neuromorphic");
        Executable(tool, "#!/bin/sh\necho '{\"test_error\":0.5}'\n");
        var bidi = StudyCli.Write(_dir, "b.json", """{ "command": "run", "axes": { "dataset": ["\u202emnist"] }, "out": "o" }""");
        Environment.SetEnvironmentVariable(StudyCommand.ExecutableVariable, tool);
        try
        {
            var run = StudyCli.Run("study", "run", bidi, "--index", "0");
            Assert.That(run.Code, Is.Zero, run.Out + run.Err);
            AssertNoTerminalControls(run.Out + run.Err);
            Assert.That(run.Err + run.Out, Does.Contain("dataset=\\u202emnist"));
        }
        finally { Environment.SetEnvironmentVariable(StudyCommand.ExecutableVariable, null); }
    }
}
