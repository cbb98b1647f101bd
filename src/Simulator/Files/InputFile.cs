namespace Neuromorphic.Simulator.Files;

/// <summary>Checks made before a file given by the user is opened.</summary>
public static class InputFile
{
    /// <summary>
    /// The length of the file at <paramref name="path"/>, following symbolic links; throws naming the file when it is
    /// missing or has no bytes. A named pipe or a device (/dev/zero) reports length 0 too and is refused here, before
    /// it is opened: opening a pipe blocks until a writer comes, and reading a device may never end.
    /// <paramref name="kind"/> says what the file should be ("model file").
    /// </summary>
    public static long Require(string path, string kind)
    {
        var info = new FileInfo(path);
        if (info.Exists && info.LinkTarget != null && info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target) info = target;
        if (!info.Exists) throw new NeuromorphicException($"{path}: {kind} not found");
        if (info.Length == 0) throw new NeuromorphicException($"{path}: empty {kind}, or not a regular file (a pipe or a device)");
        return info.Length;
    }

    /// <summary>The whole text (UTF-8) of a small file the user or a run gave (a study file, a run's record): checked as by
    /// <see cref="Require"/>, and refused when it holds more than <paramref name="maxBytes"/>, before and while it is
    /// read (a file that grows after the check is cut off at the cap, not read to its end).</summary>
    public static string ReadText(string path, string kind, int maxBytes)
    {
        long length = Require(path, kind);
        if (length > maxBytes) throw new NeuromorphicException($"{path}: {kind} of {length} bytes; at most {maxBytes} expected");
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
        var bytes = new byte[(int)length + 1];
        int n = 0, k;
        while (n < bytes.Length && (k = f.Read(bytes, n, bytes.Length - n)) > 0) n += k;
        if (n > length) throw new NeuromorphicException($"{path}: {kind} grew while it was read; at most {maxBytes} bytes expected");
        int bom = n >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
        return new System.Text.UTF8Encoding(false).GetString(bytes, bom, n - bom);
    }
}
