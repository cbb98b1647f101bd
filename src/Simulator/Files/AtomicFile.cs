namespace Neuromorphic.Simulator.Files;

/// <summary>Writes a file so that readers see the old content or the new, never half of it: the content goes
/// to a temporary file beside the target, which is then renamed over it; a failed write leaves nothing behind.</summary>
public static class AtomicFile
{
    public static void Write(string path, Action<string> writeTemporary)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.tmp-{Environment.ProcessId}");
        try
        {
            writeTemporary(tmp);
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            try { if (File.Exists(tmp)) File.Delete(tmp); } catch (IOException) { }
        }
    }
}
