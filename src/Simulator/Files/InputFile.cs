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
}
