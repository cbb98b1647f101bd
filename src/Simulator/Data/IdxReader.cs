using System.Buffers.Binary;

namespace Neuromorphic.Simulator.Data;

/// <summary>
/// Reader of the IDX format of the MNIST files: a big-endian header (0x00 0x00, type 0x08 = unsigned byte,
/// number of dimensions), one 32-bit size per dimension, then the data. Every check names the file.
/// </summary>
public static class IdxReader
{
    /// <summary>Reads an IDX file of unsigned bytes with the expected number of dimensions.</summary>
    public static (int[] Shape, byte[] Data) Read(string path, int expectedDims)
    {
        Files.InputFile.Require(path, "file");
        byte[] bytes = File.ReadAllBytes(path);
        return Parse(bytes, path, expectedDims);
    }

    public static (int[] Shape, byte[] Data) Parse(byte[] bytes, string path, int expectedDims)
    {
        if (bytes.Length < 4) throw new NeuromorphicException($"{path}: truncated IDX file ({bytes.Length} bytes, no header)");
        if (bytes[0] != 0 || bytes[1] != 0)
            throw new NeuromorphicException($"{path}: wrong magic number 0x{BinaryPrimitives.ReadUInt32BigEndian(bytes):X8} (not an IDX file)");
        if (bytes[2] != 0x08) throw new NeuromorphicException($"{path}: IDX element type 0x{bytes[2]:X2}, expected 0x08 (unsigned byte)");
        int dims = bytes[3];
        if (dims != expectedDims)
            throw new NeuromorphicException($"{path}: wrong magic number 0x{BinaryPrimitives.ReadUInt32BigEndian(bytes):X8}: {dims} dimensions, "
                + $"expected {expectedDims} (0x0000080{expectedDims})");
        int header = 4 + 4 * dims;
        if (bytes.Length < header) throw new NeuromorphicException($"{path}: truncated IDX header ({bytes.Length} bytes, expected {header})");
        var shape = new int[dims];
        // The item count is a product of up to 255 sizes: kept below the file's length as it grows, so that it
        // cannot overflow (to 0 or to a small number that a short file would match).
        long items = 1;
        bool more = false;
        for (int d = 0; d < dims; d++)
        {
            uint size = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(4 + 4 * d));
            if (size == 0 || size > 100_000_000) throw new NeuromorphicException($"{path}: dimension {d} has implausible size {size}");
            shape[d] = (int)size;
            if (!more && (items *= size) > bytes.Length) more = true;
        }
        long expected = header + items;
        if (more || bytes.Length < expected)
            throw new NeuromorphicException($"{path}: truncated IDX file: {bytes.Length} bytes, header promises "
                + $"{(more ? $"more than {bytes.Length}" : expected.ToString(System.Globalization.CultureInfo.InvariantCulture))} "
                + $"({string.Join('x', shape)} items)");
        if (bytes.Length > expected)
            throw new NeuromorphicException($"{path}: {bytes.Length - expected} unexpected bytes after the {string.Join('x', shape)} items");
        return (shape, bytes.AsSpan(header).ToArray());
    }
}

/// <summary>Images and labels of one split of an IDX (MNIST-format) dataset: MNIST, Fashion-MNIST, KMNIST, EMNIST
/// digits or any four IDX files. Pixels are row-major bytes, <see cref="PixelsPerImage"/> per image; labels are class
/// numbers below <see cref="Classes"/>, whose names are <see cref="ClassNames"/>.</summary>
public sealed class IdxImageSet
{
    static readonly string[] Digits = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    public IdxImageSet(byte[] pixels, byte[] labels, int rows, int cols, IReadOnlyList<string>? classNames = null)
    {
        Pixels = pixels; Labels = labels; Rows = rows; Cols = cols; ClassNames = classNames ?? Digits;
    }
    public byte[] Pixels { get; }
    public byte[] Labels { get; }
    public int Rows { get; }
    public int Cols { get; }
    /// <summary>Name of each class, by class number (the digits 0-9 for MNIST).</summary>
    public IReadOnlyList<string> ClassNames { get; }
    public int Classes => ClassNames.Count;
    public int PixelsPerImage => Rows * Cols;
    public int Count => Labels.Length;
    public ReadOnlySpan<byte> Image(int i) => Pixels.AsSpan(i * PixelsPerImage, PixelsPerImage);

    /// <summary>Loads an image file and its label file (uncompressed) and checks that they belong together.</summary>
    public static IdxImageSet Load(string imagesPath, string labelsPath) =>
        Parse(ReadFile(imagesPath), imagesPath, ReadFile(labelsPath), labelsPath, null);

    static byte[] ReadFile(string path) { Files.InputFile.Require(path, "file"); return File.ReadAllBytes(path); }

    /// <summary>A split from the bytes of its image and label files (already decompressed): shapes and counts checked,
    /// every label below the number of <paramref name="classNames"/> (the digits 0-9 when null).</summary>
    public static IdxImageSet Parse(byte[] images, string imagesPath, byte[] labels, string labelsPath, IReadOnlyList<string>? classNames)
    {
        var (shape, pixels) = IdxReader.Parse(images, imagesPath, 3);
        var (lshape, values) = IdxReader.Parse(labels, labelsPath, 1);
        if (shape[0] != lshape[0])
            throw new NeuromorphicException($"{labelsPath}: count mismatch: {lshape[0]} labels for {shape[0]} images in {imagesPath}");
        var names = classNames ?? Digits;
        for (int i = 0; i < values.Length; i++)
            if (values[i] >= names.Count) throw new NeuromorphicException($"{labelsPath}: label {i} is {values[i]}, expected 0-{names.Count - 1}");
        return new IdxImageSet(pixels, values, shape[1], shape[2], names);
    }
}
