using System.Text;

namespace Neuromorphic.Cli.Study;

/// <summary>Resources asked of Slurm for every array element; null: Slurm's (or the partition's) default.</summary>
public sealed record SlurmOptions(string? Partition = null, string? Time = null, int? CpusPerTask = null,
    string? Gpus = null, int? MaxParallel = null);

/// <summary>An sbatch script that runs a study as one job array: element I runs `neuromorphic study run FILE`,
/// which reads its index from SLURM_ARRAY_TASK_ID. Scheduling, placement, retries (requeue) and limits stay
/// with Slurm; the script only states the array and the resources.</summary>
public static class SlurmScript
{
    /// <summary>OUT/study.sbatch.</summary>
    public static string ScriptPath(StudyFile study) => Path.Combine(study.OutDir, "study.sbatch");

    /// <summary>OUT/slurm-job: the job id of the last submission.</summary>
    public static string JobIdPath(StudyFile study) => Path.Combine(study.OutDir, "slurm-job");

    public static string Create(StudyFile study, IReadOnlyList<string> executable, SlurmOptions o)
    {
        if (o.CpusPerTask is < 1) throw new NeuromorphicException($"--cpus-per-task must be at least 1, got {o.CpusPerTask}");
        if (o.MaxParallel is < 1) throw new NeuromorphicException($"--max-parallel must be at least 1, got {o.MaxParallel}");
        foreach (var (name, v) in new[] { ("--partition", o.Partition), ("--time", o.Time), ("--gpus", o.Gpus) })
            if (v != null && (v.Length == 0 || !v.All(ch => char.IsAsciiLetterOrDigit(ch) || "-_.:,+=/".Contains(ch))))
                throw new NeuromorphicException($"{name} '{v}': expected one word of letters, digits and - _ . : , + = /");
        // Every other text in the script comes from the study file or the file system: no control character (a
        // newline would end the line and start a command or directive of its own), and quoted for its reader below.
        foreach (var (what, v) in new[] { ("study file", study.Path), ("\"out\"", study.OutDir) }.Concat(executable.Select(e => ("executable", e))))
            if (v.Any(char.IsControl)) throw new NeuromorphicException($"{what} '{v}': holds a control character; cannot be "
                + $"written into an sbatch script");
        if (study.OutDir.Contains('\\'))
            throw new NeuromorphicException($"\"out\" '{study.OutDir}': holds a backslash, which turns off Slurm's %A and %a in the log file "
                + $"names; choose a folder without one");
        var jobName = new string(study.Name.Select(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.' ? ch : '_').ToArray());
        var sb = new StringBuilder();
        sb.Append("#!/bin/bash\n");
        sb.Append($"# Written by `neuromorphic study submit --slurm` for {StudyPlan.Quote(study.Path)}: {study.Count} "
            + $"runs, one array element each.\n");
        sb.Append($"#SBATCH --job-name=nm-{jobName}\n");
        sb.Append($"#SBATCH --array=0-{study.Count - 1}{(o.MaxParallel is { } m ? $"%{m}" : "")}\n");
        // sbatch reads its directives with its own quoting (double quotes, backslash escapes, # starts a comment
        // outside quotes) and expands % in the file name: %% is a literal %.
        sb.Append($"#SBATCH --output={DirectiveQuote(Path.Combine(study.OutDir.Replace("%", "%%"), "slurm-%A_%a.out"))}\n");
        sb.Append("#SBATCH --ntasks=1\n");
        if (o.Partition != null) sb.Append($"#SBATCH --partition={o.Partition}\n");
        if (o.Time != null) sb.Append($"#SBATCH --time={o.Time}\n");
        if (o.CpusPerTask is { } c) sb.Append($"#SBATCH --cpus-per-task={c}\n");
        if (o.Gpus != null) sb.Append($"#SBATCH --gpus={o.Gpus}\n");
        sb.Append("set -euo pipefail\n");
        sb.Append($"cd {StudyPlan.Quote(study.Folder)}\n");
        sb.Append("# The run's index comes from SLURM_ARRAY_TASK_ID; a finished index is skipped, so a requeue is harmless.\n");
        sb.Append($"exec {StudyPlan.Format(executable)} study run {StudyPlan.Quote(study.Path)}\n");
        return sb.ToString();
    }

    /// <summary>A value of an #SBATCH line as sbatch reads it: in double quotes, with backslash and double quote escaped.</summary>
    public static string DirectiveQuote(string v) => "\"" + v.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";

    /// <summary>The job id recorded in OUT/slurm-job by the last submission; null when there is none. The file is read
    /// as any input (a regular file, small) and must hold a job id.</summary>
    public static string? ReadJobId(StudyFile study)
    {
        var path = JobIdPath(study);
        if (!File.Exists(path)) return null;
        var id = InputFile.ReadText(path, "Slurm job id file", 4096).Trim();
        return id.Length is > 0 and <= 40 && id.All(ch => char.IsAsciiDigit(ch) || ch == '_') ? id
            : throw new NeuromorphicException($"{path}: expected the job id that `study submit` wrote, got '{Text.Escape(id)}'");
    }

    /// <summary>The job id in `sbatch --parsable` output ("12345" or "12345;cluster").</summary>
    public static string ParseJobId(string sbatchOutput)
    {
        var line = sbatchOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";
        var id = line.Split(';')[0];
        return id.Length > 0 && id.All(char.IsAsciiDigit) ? id : throw new NeuromorphicException($"sbatch printed no job "
            + $"id: '{sbatchOutput.Trim()}'");
    }
}
