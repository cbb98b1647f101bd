using System.Text.Json;
using Neuromorphic.Cli;
using NUnit.Framework;

namespace Neuromorphic.Tests.Cli;

/// <summary>Runs the command line in-process and reads what it printed: exit code, stdout, stderr, the JSON last line,
/// and checks a written PNG.</summary>
public static class CliRun
{
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var oldOut = Console.Out; var oldErr = Console.Error;
        var o = new StringWriter(); var e = new StringWriter();
        Console.SetOut(o); Console.SetError(e);
        try { return (Commands.Execute(args), o.ToString(), e.ToString()); }
        finally { Console.SetOut(oldOut); Console.SetError(oldErr); }
    }

    public static JsonElement LastJson((int Code, string Out, string Err) r)
    {
        Assert.That(r.Code, Is.Zero, r.Err);
        using var doc = JsonDocument.Parse(r.Out.TrimEnd().Split('\n')[^1]);
        return doc.RootElement.Clone();
    }

    public static void AssertPng(string path, int width, int height)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.That(bytes.Take(8), Is.EqualTo(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }), "PNG signature");
        using var img = SkiaSharp.SKBitmap.Decode(path);
        Assert.That(img, Is.Not.Null, $"{path} decodes");
        Assert.That((img.Width, img.Height), Is.EqualTo((width, height)));
        // Something was drawn: not every pixel the same colour.
        Assert.That(Enumerable.Range(0, 200).Select(i => img.GetPixel(i * 37 % width, i * 53 % height)).Distinct().Count(), Is.GreaterThan(1));
    }
}
