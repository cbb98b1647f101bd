using System.Diagnostics;
using System.Globalization;

namespace Neuromorphic.Simulator.Files;

/// <summary>Writes a file so that readers see the old content or the new, never half of it: the content goes
/// to a temporary file beside the target, <c>.NAME.tmp-PID</c>, which is then renamed over it; a failed write
/// leaves nothing behind, and temporary files left by a killed process (no process of that id runs) are removed
/// on the next write of the same file.</summary>
public static class AtomicFile
{
    public static void Write(string path, Action<string> writeTemporary)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        string tmp = TemporaryName(full);
        try
        {
            Directory.CreateDirectory(dir);
            RemoveStale(full);
            // A link planted at the temporary name would have the write go through it: remove it, write a new file.
            if (File.Exists(tmp) || new FileInfo(tmp).LinkTarget != null) File.Delete(tmp);
            writeTemporary(tmp);
            File.Move(tmp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Name the user's file, not the hidden temporary one.
            throw new NeuromorphicException($"{path}: could not be written ({e.Message.Replace(tmp, full)})", e);
        }
        finally
        {
            try { if (File.Exists(tmp)) File.Delete(tmp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    static string TemporaryName(string full) => Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.tmp-{Environment.ProcessId}");

    /// <summary>Deletes <c>.NAME.tmp-PID</c> files of <paramref name="full"/> whose process no longer runs.</summary>
    static void RemoveStale(string full)
    {
        string dir = Path.GetDirectoryName(full)!, prefix = $".{Path.GetFileName(full)}.tmp-";
        foreach (var f in Directory.EnumerateFiles(dir, prefix + "*"))
        {
            var suffix = Path.GetFileName(f)[prefix.Length..];
            if (!int.TryParse(suffix, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) || pid == Environment.ProcessId || Running(pid))
                continue;
            try { File.Delete(f); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    static bool Running(int pid)
    {
        try { using var p = Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    /// <summary>Checks, before any work, that <paramref name="path"/> can be written as a file: not empty, not a
    /// folder, its folder creatable and writable (a temporary file is created there and removed).
    /// <paramref name="option"/> names where the path came from (e.g. <c>--out</c>).</summary>
    public static void CheckWritable(string? path, string option)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new NeuromorphicException($"{option}: empty path; expected a file name");
        string full;
        try { full = Path.GetFullPath(path); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new NeuromorphicException($"{option} '{path}': not a usable path ({e.Message})");
        }
        if (Directory.Exists(full)) throw new NeuromorphicException($"{option} '{path}' is a folder; expected a file name");
        string tmp = TemporaryName(full);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            using (new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new NeuromorphicException($"{option} '{path}': cannot write there ({e.Message.Replace(tmp, full)})");
        }
    }

    /// <summary>As <see cref="CheckWritable"/> for an output folder (CSV and NumPy exports): not an existing file, creatable.
    /// A folder the check had to create is removed again: a refusal after the check leaves no empty folder behind (the
    /// writer creates it).</summary>
    public static void CheckWritableFolder(string? path, string option)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new NeuromorphicException($"{option}: empty path; expected a folder");
        if (File.Exists(path)) throw new NeuromorphicException($"{option} '{path}' is a file; expected a folder");
        try
        {
            bool existed = Directory.Exists(path);
            Directory.CreateDirectory(path);
            var probe = Path.Combine(path, $".write-check.tmp-{Environment.ProcessId}");
            using (new FileStream(probe, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
            if (!existed) Directory.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new NeuromorphicException($"{option} '{path}': cannot write there ({e.Message})");
        }
    }
}
