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
            throw new NeuromorphicException($"{path}: wrong magic number 0x{BinaryPrimitives.ReadUInt32BigEndian(bytes):X8}: {dims} dimensions, expected {expectedDims} (0x0000080{expectedDims})");
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
            throw new NeuromorphicException($"{path}: truncated IDX file: {bytes.Length} bytes, header promises {(more ? $"more than {bytes.Length}" : expected.ToString(System.Globalization.CultureInfo.InvariantCulture))} ({string.Join('x', shape)} items)");
        if (bytes.Length > expected)
            throw new NeuromorphicException($"{path}: {bytes.Length - expected} unexpected bytes after the {string.Join('x', shape)} items");
        return (shape, bytes.AsSpan(header).ToArray());
    }
}

/// <summary>Images and labels of one MNIST split. Pixels are row-major bytes, 784 per image.</summary>
public sealed class MnistSet
{
    public MnistSet(byte[] pixels, byte[] labels, int rows, int cols)
    {
        Pixels = pixels; Labels = labels; Rows = rows; Cols = cols;
    }
    public byte[] Pixels { get; }
    public byte[] Labels { get; }
    public int Rows { get; }
    public int Cols { get; }
    public int PixelsPerImage => Rows * Cols;
    public int Count => Labels.Length;
    public ReadOnlySpan<byte> Image(int i) => Pixels.AsSpan(i * PixelsPerImage, PixelsPerImage);

    /// <summary>Loads an image file and its label file and checks that they belong together.</summary>
    public static MnistSet Load(string imagesPath, string labelsPath)
    {
        var (shape, pixels) = IdxReader.Read(imagesPath, 3);
        var (lshape, labels) = IdxReader.Read(labelsPath, 1);
        if (shape[0] != lshape[0])
            throw new NeuromorphicException($"{labelsPath}: count mismatch: {lshape[0]} labels for {shape[0]} images in {imagesPath}");
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] > 9) throw new NeuromorphicException($"{labelsPath}: label {i} is {labels[i]}, expected 0-9");
        return new MnistSet(pixels, labels, shape[1], shape[2]);
    }
}
