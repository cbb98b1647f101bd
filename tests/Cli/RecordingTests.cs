using System.Diagnostics;
using System.Text.Json;
using NUnit.Framework;

namespace Neuromorphic.Tests.Cli;

/// <summary>`run --record`, `plot raster --record` and `test --record` write .npz recordings that NumPy (Debian's
/// python3-numpy; .ci/run installs it) reads; the spikes in them are the engine's, the state traces agree with the spikes.</summary>
[Category("Mnist")]
public class RecordingTests
{
    string _dir = "", _data = "", _model = "";

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "nm-rec-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        (_data, _model) = TinyMnistModel.Create(_dir);
    }

    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    /// <summary>Runs a script with NumPy; a missing NumPy fails the test (CI installs it), it never passes silently.
    /// The script prints one JSON object.</summary>
    static JsonElement NumPy(string script, params string[] args)
    {
        const string python = "/usr/bin/python3";
        if (!File.Exists(python)) Assert.Fail($"{python} not found: install python3-numpy (apt-get install -y python3-numpy; .ci/run does)");
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("import sys, json\ntry:\n    import numpy as np\nexcept ImportError:\n    print('NO-NUMPY'); sys.exit(3)\n" + script);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        string o = p.StandardOutput.ReadToEnd(), e = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (o.Contains("NO-NUMPY")) Assert.Fail("NumPy is missing: apt-get install -y python3-numpy (.ci/run installs it)");
        Assert.That(p.ExitCode, Is.Zero, $"python failed:\n{o}\n{e}");
        using var doc = JsonDocument.Parse(o.Trim().Split('\n')[^1]);
        return doc.RootElement.Clone();
    }

    const string Summary = """
r = np.load(sys.argv[1])
pops = [str(p) for p in r['populations']]
sizes = r['population_sizes']
dt, steps = float(r['dt_ms']), int(r['steps'])
n = len(r['labels'])
out = {'populations': pops, 'samples': n, 'labels': r['labels'].tolist(), 'predictions': r['predictions'].tolist(), 'images': r['images'].tolist(),
       'spikes': {}, 'per_sample': {}, 'state': {}}
for k, p in enumerate(pops):
    s, t, i = r[p + '_spike_sample'], r[p + '_spike_time_ms'], r[p + '_spike_neuron']
    assert s.dtype == np.int32 and i.dtype == np.int32 and t.dtype == np.float64, (s.dtype, t.dtype, i.dtype)
    assert len(s) == len(t) == len(i)
    assert ((i >= 0) & (i < sizes[k])).all(), p + ': neuron index out of range'
    assert ((t > 0) & (t <= steps * dt + 1e-9)).all(), p + ': spike time outside the sample'
    assert np.allclose(t / dt, np.rint(t / dt)), p + ': times are not whole steps'
    assert (np.diff(s) >= 0).all(), p + ': not ordered by sample'
    out['spikes'][p] = int(len(s))
    out['per_sample'][p] = np.bincount(s, minlength=n).tolist()
    if p + '_v_mv' in r:
        ids, V, U, I = r[p + '_state_neurons'], r[p + '_v_mv'], r[p + '_u_mv'], r[p + '_i_mv']
        assert V.shape == U.shape == I.shape == (n, steps, len(ids)) and V.dtype == np.float32, V.shape
        # The traces agree with the spikes: V is at the reset (0 mV) at the end of every step a neuron fired in,
        # and never above the threshold at the end of any other step.
        at_reset, fired = True, 0
        for j, nid in enumerate(ids):
            for q in range(n):
                m = (s == q) & (i == nid)
                st = np.rint(t[m] / dt).astype(int) - 1
                fired += len(st)
                at_reset &= bool((V[q, st, j] == 0).all())
                rest = np.ones(steps, bool); rest[st] = False
                assert (V[q, rest, j] <= 100.0 + 1e-3).all(), 'V above threshold without a spike'
        out['state'][p] = {'neurons': ids.tolist(), 'at_reset_when_fired': at_reset, 'fired': fired,
                           'distinct_v': int(len(np.unique(V))), 'finite': bool(np.isfinite(V).all() and np.isfinite(U).all() and np.isfinite(I).all())}
print(json.dumps(out))
""";

    [Test]
    public void RunRecordingRoundTripsThroughNumPyWithTheEnginesSpikes()
    {
        string rec = Path.Combine(_dir, "rec.npz");
        var run = CliRun.LastJson(CliRun.Run("run", "--model", _model, "--samples", "3", "--batch", "2", "--backend", "cpu", "--data-dir", _data,
            "--record", "spikes,state", "--record-neurons", "hidden1:0-3", "--record-neurons", "prediction:0,7", "--out", rec, "--json"));
        Assert.That(run.GetProperty("record").GetString(), Is.EqualTo(rec));
        var np = NumPy(Summary, rec);
        Assert.That(np.GetProperty("samples").GetInt32(), Is.EqualTo(3));
        Assert.That(np.GetProperty("populations").EnumerateArray().Select(p => p.GetString()), Is.EqualTo(new[] { "data", "hidden1", "prediction", "label", "error" }));
        Assert.That(np.GetProperty("labels").EnumerateArray().Select(x => x.GetInt32()), Is.EqualTo(run.GetProperty("labels").EnumerateArray().Select(x => x.GetInt32())));
        Assert.That(np.GetProperty("predictions").EnumerateArray().Select(x => x.GetInt32()), Is.EqualTo(run.GetProperty("predictions").EnumerateArray().Select(x => x.GetInt32())));
        Assert.That(np.GetProperty("images").EnumerateArray().Select(x => x.GetInt32()), Is.EqualTo(new[] { 0, 1, 2 }));
        // Every population's spikes, summed over the samples, are run's counts.
        foreach (var p in run.GetProperty("populations").EnumerateObject())
            Assert.That(np.GetProperty("spikes").GetProperty(p.Name).GetInt64(), Is.EqualTo(p.Value.GetProperty("spikes").GetInt64()), p.Name);
        Assert.That(np.GetProperty("spikes").GetProperty("hidden1").GetInt64(), Is.GreaterThan(0));
        Assert.That(np.GetProperty("spikes").GetProperty("label").GetInt64(), Is.Zero, "inference: the label neurons are not simulated");
        foreach (var (pop, ids) in new[] { ("hidden1", new[] { 0, 1, 2, 3 }), ("prediction", new[] { 0, 7 }) })
        {
            var st = np.GetProperty("state").GetProperty(pop);
            Assert.That(st.GetProperty("neurons").EnumerateArray().Select(x => x.GetInt32()), Is.EqualTo(ids));
            Assert.That(st.GetProperty("finite").GetBoolean() && st.GetProperty("at_reset_when_fired").GetBoolean(), pop);
            Assert.That(st.GetProperty("distinct_v").GetInt32(), Is.GreaterThan(10), $"{pop}: V moves");
        }
        Assert.That(np.GetProperty("state").GetProperty("hidden1").GetProperty("fired").GetInt32(), Is.GreaterThan(0), "some traced neuron fired: the reset check bit");

        // Per sample, against the engine's own count of one image (plot raster, batch 1: batch_spikes is the engine's counter).
        for (int k = 0; k < 3; k++)
        {
            string one = Path.Combine(_dir, $"r{k}.npz");
            var raster = CliRun.LastJson(CliRun.Run("plot", "raster", "--model", _model, "--digit", k.ToString(), "--out", Path.Combine(_dir, "r.png"), "--backend", "cpu", "--data-dir", _data,
                "--record", "spikes", "--record-out", one, "--json"));
            long recorded = np.GetProperty("per_sample").EnumerateObject().Sum(p => p.Value[k].GetInt64());
            Assert.That(recorded, Is.EqualTo(raster.GetProperty("batch_spikes").GetInt64()), $"sample {k}");
            var single = NumPy(Summary, one);
            foreach (var p in single.GetProperty("per_sample").EnumerateObject())
                Assert.That(p.Value[0].GetInt64(), Is.EqualTo(np.GetProperty("per_sample").GetProperty(p.Name)[k].GetInt64()), $"{p.Name}, sample {k}");
            Assert.That(single.GetProperty("images")[0].GetInt32(), Is.EqualTo(k));
            Assert.That(single.GetProperty("state").EnumerateObject(), Is.Empty, "spikes only");
        }
    }

    [Test]
    public void TestRecordsTheFirstSamplesWithTheTestsPredictions()
    {
        string rec = Path.Combine(_dir, "test.npz");
        var t = CliRun.LastJson(CliRun.Run("test", _model, "--test-samples", "5", "--backend", "cpu", "--data-dir", _data, "--record", "spikes", "--record-samples", "4", "--out", rec, "--json"));
        Assert.That(t.GetProperty("recorded_samples").GetInt32(), Is.EqualTo(4));
        var np = NumPy(Summary, rec);
        var run = CliRun.LastJson(CliRun.Run("run", "--model", _model, "--samples", "4", "--backend", "cpu", "--data-dir", _data, "--json"));
        Assert.That(np.GetProperty("predictions").EnumerateArray().Select(x => x.GetInt32()), Is.EqualTo(run.GetProperty("predictions").EnumerateArray().Select(x => x.GetInt32())));
        foreach (var p in run.GetProperty("populations").EnumerateObject())
            Assert.That(np.GetProperty("spikes").GetProperty(p.Name).GetInt64(), Is.EqualTo(p.Value.GetProperty("spikes").GetInt64()), p.Name);
    }

    [Test]
    public void BadRecordOptionsGetOneLineBeforeAnythingRuns()
    {
        string rec = Path.Combine(_dir, "x.npz");
        (string[] Args, string Message)[] cases =
        [
            (["run", "--model", _model, "--record", "spikes"], "give the .npz file to write with --out"),
            (["run", "--model", _model, "--record", "voltage", "--out", rec], "expected spikes, state or spikes,state, got 'voltage'"),
            (["run", "--model", _model, "--record", "spikes", "--out", Path.Combine(_dir, "x.csv")], "give a name ending in .npz"),
            (["run", "--model", _model, "--record", "spikes", "--record-neurons", "hidden1:0", "--out", rec], "records no state"),
            (["run", "--model", _model, "--record", "state", "--record-neurons", "hidden9:0", "--out", rec, "--backend", "cpu"], "no population 'hidden9'"),
            (["run", "--model", _model, "--record", "state", "--record-neurons", "hidden1:5-40", "--out", rec, "--backend", "cpu"], "neuron 40 is outside 0..11"),
            (["run", "--model", _model, "--record", "state", "--record-neurons", "data:0", "--out", rec, "--backend", "cpu"], "only two-compartment LIF populations"),
            (["run", "--model", _model, "--record", "state", "--out", rec, "--backend", "ilgpu-cpu"], "give --backend cpu"),
            (["run", "--model", _model, "--out", rec], "run writes a file only with --record"),
            (["test", _model, "--record", "spikes", "--record-samples", "0", "--out", rec], "--record-samples must be at least 1"),
        ];
        foreach (var (args, message) in cases)
        {
            var r = CliRun.Run([.. args, "--data-dir", _data]);
            Assert.That(r.Code, Is.EqualTo(2), string.Join(' ', args) + "\n" + r.Err);
            Assert.That(r.Err, Does.Contain(message), string.Join(' ', args));
            Assert.That(r.Err.Trim().Split('\n'), Has.Length.EqualTo(1), "one line");
        }
        Assert.That(File.Exists(rec), Is.False, "nothing written");
    }
}
