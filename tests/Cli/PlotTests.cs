using System.Text.Json;
using Neuromorphic.Cli;
using Neuromorphic.Simulator.Engine;
using Neuromorphic.Simulator.Files;
using NUnit.Framework;

namespace Neuromorphic.Tests.Cli;

/// <summary>`plot raster`, `plot weights` and `plot rates` on a tiny model: each writes a PNG that decodes, of the
/// size the docs state; the raster draws exactly the spikes the simulation reports.</summary>
[Category("Mnist")]
public class PlotTests
{
    string _dir = "", _data = "", _model = "";

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "nm-plot-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        (_data, _model) = TinyMnistModel.Create(_dir);
    }

    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    [Test]
    public void RasterDrawsEverySpikeOfTheSampleThatRunCounts()
    {
        string png = Path.Combine(_dir, "raster.png");
        var j = CliRun.LastJson(CliRun.Run("plot", "raster", "--model", _model, "--digit", "0", "--out", png, "--backend", "cpu", "--data-dir", _data, "--json"));
        CliRun.AssertPng(png, 1000, 800);
        int spikes = j.GetProperty("spikes").GetInt32();
        Assert.That(spikes, Is.GreaterThan(0));
        Assert.That(j.GetProperty("batch_spikes").GetInt64(), Is.EqualTo(spikes), "one lane: the raster holds every spike the engine counted");
        Assert.That(j.GetProperty("label").GetInt32(), Is.EqualTo(7), "MNIST test image 0 is a 7");

        // `run` on the same image reports the same spikes per population.
        var run = CliRun.LastJson(CliRun.Run("run", "--model", _model, "--samples", "1", "--batch", "1", "--backend", "cpu", "--data-dir", _data, "--json"));
        var pops = j.GetProperty("populations");
        foreach (var p in run.GetProperty("populations").EnumerateObject())
            Assert.That(pops.GetProperty(p.Name).GetInt64(), Is.EqualTo(p.Value.GetProperty("spikes").GetInt64()), p.Name);
        Assert.That(pops.EnumerateObject().Sum(p => p.Value.GetInt64()), Is.EqualTo(spikes));
        Assert.That(run.GetProperty("predictions")[0].GetInt32(), Is.EqualTo(j.GetProperty("predicted").GetInt32()));

        // The same image in lane 2 of a batch of 3: the same spikes (random numbers are keyed by the image, not the lane).
        var lane = CliRun.LastJson(CliRun.Run("plot", "raster", "--model", _model, "--digit", "0", "--batch", "3", "--lane", "2", "--out", png, "--backend", "cpu", "--data-dir", _data, "--json"));
        Assert.That(lane.GetProperty("spikes").GetInt32(), Is.EqualTo(spikes));
        Assert.That(lane.GetProperty("batch_spikes").GetInt64(), Is.GreaterThan(spikes), "the batch's other lanes spiked too");
        CliRun.AssertPng(png, 1000, 800);
    }

    [Test]
    public void RasterOfRandomWeightsAndOfATrainingSample()
    {
        string png = Path.Combine(_dir, "random.png");
        var j = CliRun.LastJson(CliRun.Run("plot", "raster", "--arch", "784-15-10", "--test-sample-ms", "20", "--digit", "5", "--out", png, "--backend", "cpu", "--data-dir", _data, "--json"));
        CliRun.AssertPng(png, 1000, 800);
        Assert.That(j.GetProperty("arch").GetString(), Is.EqualTo("784-15-10"));
        Assert.That(j.GetProperty("spikes").GetInt32(), Is.EqualTo(j.GetProperty("batch_spikes").GetInt64()));

        // --learn: label and error neurons take part and are drawn.
        var learn = CliRun.LastJson(CliRun.Run("plot", "raster", "--model", _model, "--learn", "--out", png, "--backend", "cpu", "--data-dir", _data, "--json"));
        Assert.That(learn.GetProperty("populations").EnumerateObject().Select(p => p.Name), Is.SupersetOf(new[] { "label", "error" }));
        Assert.That(learn.GetProperty("populations").GetProperty("label").GetInt32(), Is.GreaterThan(0));
        Assert.That(learn.GetProperty("spikes").GetInt32(), Is.EqualTo(learn.GetProperty("batch_spikes").GetInt64()));
        CliRun.AssertPng(png, 1000, 800);

        var bad = CliRun.Run("plot", "raster", "--model", _model, "--batch", "2", "--lane", "2", "--out", png, "--data-dir", _data);
        Assert.That(bad.Code, Is.EqualTo(2));
        Assert.That(bad.Err, Does.Contain("--lane must lie in 0..1"));
    }

    [Test]
    public void WeightsDrawsTilesOfEveryModelKind()
    {
        string png = Path.Combine(_dir, "weights.png");
        var j = CliRun.LastJson(CliRun.Run("plot", "weights", _model, "--units", "12", "--out", png, "--json"));
        CliRun.AssertPng(png, 900, 860);
        Assert.That((j.GetProperty("units").GetInt32(), j.GetProperty("rows").GetInt32(), j.GetProperty("projection").GetString()), Is.EqualTo((12, 28, "data->hidden1")));
        Assert.That(j.GetProperty("max_abs_weight_mv").GetDouble(), Is.GreaterThan(0));

        // An S2M: the hidden units' columns of the visible<->hidden matrix (the bias column is not a unit).
        var s2mConfig = new SimulationConfig { Rule = RuleKind.S2m };
        var s2m = Neuromorphic.Simulator.S2m.S2mNetwork.Build(9, s2mConfig);
        string s2mPath = Path.Combine(_dir, "s2m.nmm");
        ModelFile.From(s2m, s2mConfig, new()).Save(s2mPath);
        var s = CliRun.LastJson(CliRun.Run("plot", "weights", s2mPath, "--out", png, "--json"));
        CliRun.AssertPng(png, 900, 860);
        Assert.That(s.GetProperty("units").GetInt32(), Is.EqualTo(9), "all nine hidden units, not the bias column");

        var tooMany = CliRun.Run("plot", "weights", s2mPath, "--units", "10", "--out", png);
        Assert.That(tooMany.Code, Is.EqualTo(2));
        Assert.That(tooMany.Err, Does.Contain("--units must lie in 1..9"));
    }

    [Test]
    public void RatesDrawsEveryPopulationAgainstSaturationAndTheGate()
    {
        string png = Path.Combine(_dir, "rates.png");
        var j = CliRun.LastJson(CliRun.Run("plot", "rates", _model, "--digits", "4", "--out", png, "--backend", "cpu", "--data-dir", _data, "--json"));
        CliRun.AssertPng(png, 1200, 560);
        Assert.That(j.GetProperty("images").GetInt32(), Is.EqualTo(4));
        var pops = j.GetProperty("populations");
        Assert.That(pops.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "data", "hidden1", "prediction" }));
        var hidden = pops.GetProperty("hidden1");
        Assert.That(hidden.GetProperty("saturation_hz").GetDouble(), Is.EqualTo(250).Within(1e-9), "3.9 ms refractory at dt 0.1 ms: one spike per 40 steps");
        // The default gate of +-600 mV: the steady rate at its edge lies below saturation.
        Assert.That(hidden.GetProperty("gate_edge_hz").GetDouble(), Is.GreaterThan(0).And.LessThan(250));
        Assert.That(pops.GetProperty("data").GetProperty("gate_edge_hz").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(pops.GetProperty("data").GetProperty("mean_rate_hz").GetDouble(), Is.GreaterThan(0));
    }

    [Test]
    public void FormatsSizesMaskingSortingAndStyles()
    {
        // SVG by extension, sorted by class, the blank border masked.
        string svg = Path.Combine(_dir, "w.svg");
        var w = CliRun.LastJson(CliRun.Run("plot", "weights", _model, "--units", "12", "--sort", "class", "--out", svg, "--data-dir", _data, "--json"));
        Assert.That(File.ReadAllText(svg), Does.StartWith("<?xml").And.Contain("<svg"));
        Assert.That(w.GetProperty("masked_pixels").GetInt32(), Is.EqualTo(67), "MNIST: 67 pixels are 0 in all 60,000 training digits");
        var driven = w.GetProperty("driven_class").EnumerateArray().Select(x => x.GetInt32()).ToArray();
        var order = w.GetProperty("order").EnumerateArray().Select(x => x.GetInt32()).ToArray();
        Assert.That(order.Order(), Is.EqualTo(Enumerable.Range(0, 12)));
        Assert.That(order.Select(u => driven[u]), Is.Ordered, "tiles grouped by the class each unit drives");

        // PDF by --format whatever the extension; a chosen size; an ECDF.
        string pdf = Path.Combine(_dir, "rates.out");
        CliRun.LastJson(CliRun.Run("plot", "rates", _model, "--digits", "2", "--style", "ecdf", "--format", "pdf", "--out", pdf, "--backend", "cpu", "--data-dir", _data, "--json"));
        Assert.That(File.ReadAllBytes(pdf).Take(5), Is.EqualTo("%PDF-"u8.ToArray()));
        string png = Path.Combine(_dir, "r.png");
        CliRun.LastJson(CliRun.Run("plot", "raster", "--model", _model, "--from-ms", "5", "--to-ms", "25", "--size", "640x480", "--out", png, "--backend", "cpu", "--data-dir", _data, "--json"));
        CliRun.AssertPng(png, 640, 480);
        CliRun.LastJson(CliRun.Run("plot", "rates", _model, "--digits", "2", "--style", "log", "--out", png, "--backend", "cpu", "--data-dir", _data, "--json"));
        CliRun.AssertPng(png, 1200, 560);

        (string[] Args, string Message)[] bad =
        [
            (["plot", "weights", _model, "--size", "10x10", "--out", png], "each side must lie in 200..8000"),
            (["plot", "weights", _model, "--size", "big", "--out", png], "expected WIDTHxHEIGHT"),
            (["plot", "weights", _model, "--format", "gif", "--out", png], "expected png, svg or pdf"),
            (["plot", "weights", _model, "--sort", "size", "--out", png], "expected unit or class"),
            (["plot", "rates", _model, "--style", "pie", "--out", png], "expected histogram, log or ecdf"),
            (["plot", "raster", "--model", _model, "--from-ms", "20", "--to-ms", "10", "--out", png], "--to-ms must be later"),
            (["plot", "raster", "--model", _model, "--from-ms", "40", "--out", png], "the sample lasts 30 ms"),
        ];
        foreach (var (args, message) in bad)
        {
            var r = CliRun.Run([.. args, "--data-dir", _data]);
            Assert.That(r.Code, Is.EqualTo(2), string.Join(' ', args));
            Assert.That(r.Err, Does.Contain(message), string.Join(' ', args));
        }
    }
}
