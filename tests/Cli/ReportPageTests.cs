using System.Diagnostics;
using System.Text.RegularExpressions;
using NUnit.Framework;

namespace Neuromorphic.Tests.Cli;

/// <summary>
/// The run report is read by a browser: headless Chromium (Debian's `chromium`, installed by .ci/run) loads it without
/// console errors, decodes every image (non-zero natural size), fetches nothing outside the file and takes a screenshot.
/// </summary>
[Category("Mnist")]
public class ReportPageTests
{
    string _dir = "";

    [SetUp] public void SetUp() { _dir = Path.Combine(Path.GetTempPath(), "nm-report-" + Guid.NewGuid().ToString("N")); Directory.CreateDirectory(_dir); }
    [TearDown] public void TearDown() => Directory.Delete(_dir, true);

    [Test]
    public void TrainReportAndReportCommandPagesLoadInHeadlessChromium()
    {
        var (data, _) = TinyMnistModel.Create(_dir);
        string model = Path.Combine(_dir, "run.nmm"), trainReport = Path.Combine(_dir, "train.html"), page = Path.Combine(_dir, "report.html");
        var train = CliRun.LastJson(CliRun.Run("train", "--arch", "784-12-10", "--train-samples", "20", "--validation-samples", "5", "--test-samples", "20",
            "--sample-ms", "60", "--test-sample-ms", "40", "--out", model, "--report", trainReport, "--report-digits", "4", "--backend", "cpu", "--data-dir", data, "--json"));
        Assert.That(train.GetProperty("report").GetString(), Is.EqualTo(trainReport));
        var report = CliRun.LastJson(CliRun.Run("report", model, "--out", page, "--test-samples", "16", "--digits", "3", "--backend", "cpu", "--data-dir", data, "--json"));
        Assert.That(report.GetProperty("test_samples").GetInt32(), Is.EqualTo(16));

        foreach (var html in new[] { trainReport, page })
        {
            string text = File.ReadAllText(html);
            foreach (var section in new[] { "Provenance", "Configuration", "Learning curve", "Epochs", "Confusion matrix", "Receptive fields", "Firing rates", "Spike raster of one image", "SynOps per image" })
                Assert.That(text, Does.Contain($"<h2>{section}"), $"{html}: section {section}");
            // Provenance: the tool's version with its commit, the command line, the weights' hash (the test's, in the JSON), the wall time.
            Assert.That(text, Does.Contain(Neuromorphic.Cli.Commands.Version));
            Assert.That(Neuromorphic.Cli.Commands.Version, Does.Match(@"\+[0-9a-f]{40}"), "the version carries the commit");
            Assert.That(text, Does.Contain(html == page ? "neuromorphic report " + System.Net.WebUtility.HtmlEncode(model) : "neuromorphic train --arch 784-12-10"));
            Assert.That(text, Does.Contain((html == page ? report : train).GetProperty("weights_sha256").GetString()));
            Assert.That(text, Does.Contain("SHA-256 of the model file"));
            Assert.That(Regex.IsMatch(text, @"wall time of the command up to this page</td><td>\d+\.\d s"), Is.True, "wall time");
            // The configuration names enumerations and leaves out S2M's fields on an eRBP run.
            Assert.That(Regex.IsMatch(text, "<td>Rule</td><td>(erbp|perbp)</td>", RegexOptions.IgnoreCase), Is.True, "the rule by name, not its number");
            Assert.That(text, Does.Not.Contain("<td>Ecd.").And.Not.Contain("<td>S2mInitMv</td>"));
            Assert.That(text, Does.Contain("<td>Erbp.LearningRate</td>"));
            Assert.That(text, Does.Contain("95% CI"), "the test error carries its interval");
            Assert.That(text, Does.Not.Contain("<script"), "readable without scripts");
            Assert.That(Regex.IsMatch(text, @"(src|href)\s*=\s*""(?!data:)"), Is.False, "every image is a data: URI, no link leaves the file");
            int images = Regex.Matches(text, "<img ").Count;
            Assert.That(images, Is.EqualTo(5), "learning curve, receptive fields, rates, raster, SynOps");

            var check = Chromium.Check(html, _dir);
            Assert.That(check.ConsoleMessages, Is.Empty, $"{html}: console messages");
            Assert.That(check.ExternalResources, Is.Empty, $"{html}: resources fetched from outside the page");
            Assert.That(check.Images, Has.Count.EqualTo(images), $"{html}: images seen by the browser");
            foreach (var (complete, w, h) in check.Images)
                Assert.That(complete && w > 0 && h > 0, $"{html}: an image did not decode ({w} x {h})");
            using var shot = SkiaSharp.SKBitmap.Decode(check.Screenshot);
            Assert.That(shot, Is.Not.Null, "the screenshot decodes");
            Assert.That((shot.Width, shot.Height), Is.EqualTo((Chromium.Width, Chromium.Height)));
        }
    }

    [Test]
    public void TheBrowserCheckCatchesABrokenImage()
    {
        // The check itself is tested: an image that does not decode and a console error are seen.
        string bad = Path.Combine(_dir, "bad.html");
        File.WriteAllText(bad, "<!DOCTYPE html><html><body><img src=\"data:image/png;base64,AAAA\"><img src=\"missing.png\"><script>console.error('boom')</script></body></html>");
        var check = Chromium.Check(bad, _dir);
        Assert.That(check.Images.Select(i => i.Width), Is.EqualTo(new[] { 0, 0 }));
        Assert.That(check.ConsoleMessages, Has.Some.Contains("boom"));
    }
}

/// <summary>Headless Chromium driven from the command line: a screenshot, and a wrapper page whose script reads the
/// natural size of every image of the page under test (in an iframe; --allow-file-access-from-files lets it) and the
/// resources the page fetched, and writes them into its DOM, which --dump-dom prints. Console messages come on stderr
/// with --enable-logging=stderr.</summary>
public static class Chromium
{
    public const int Width = 1100, Height = 3000;

    public sealed record Result(List<(bool Complete, int Width, int Height)> Images, List<string> ExternalResources, List<string> ConsoleMessages, string Screenshot);

    /// <summary>The browser: $NEUROMORPHIC_CHROMIUM, else chromium, chromium-browser or google-chrome on PATH. Missing is a
    /// failure, not a skip: .ci/run installs Debian's chromium package.</summary>
    static string Executable()
    {
        if (Environment.GetEnvironmentVariable("NEUROMORPHIC_CHROMIUM") is { Length: > 0 } given)
        {
            if (!File.Exists(given)) Assert.Fail($"$NEUROMORPHIC_CHROMIUM is {given}, which does not exist; unset it to use chromium from PATH (.ci/run installs it: apt-get install -y chromium)");
            return given;
        }
        foreach (var name in new[] { "chromium", "chromium-browser", "google-chrome" })
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
                if (File.Exists(Path.Combine(dir, name))) return Path.Combine(dir, name);
        Assert.Fail("headless Chromium is needed to check the report page and was not found (chromium, chromium-browser or google-chrome on PATH, " +
            "or $NEUROMORPHIC_CHROMIUM); tools/test.sh installs it, or: apt-get install -y chromium");
        return "";
    }

    static (string Out, string Err) Launch(string work, params string[] args)
    {
        var psi = new ProcessStartInfo(Executable())
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        // Root needs --no-sandbox; its own profile folder keeps runs apart; no GPU on a server.
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars", $"--user-data-dir={Path.Combine(work, "chromium-profile")}" }.Concat(args))
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(90_000)) { p.Kill(true); Assert.Fail($"chromium did not finish within 90 s: {string.Join(' ', args)}"); }
        return (output, err.Result);
    }

    public static Result Check(string page, string work)
    {
        string full = Path.GetFullPath(page), shot = Path.Combine(work, Path.GetFileNameWithoutExtension(page) + "-screenshot.png");
        var (_, shotErr) = Launch(work, $"--window-size={Width},{Height}", $"--screenshot={shot}", new Uri(full).AbsoluteUri);
        Assert.That(File.Exists(shot), $"chromium wrote no screenshot: {shotErr}");

        string wrapper = Path.Combine(work, Path.GetFileNameWithoutExtension(page) + "-check.html");
        File.WriteAllText(wrapper, $$"""
            <!DOCTYPE html><html><body><iframe id="page" src="{{new Uri(full).AbsoluteUri}}" width="1100" height="800"></iframe>
            <script>
            document.getElementById('page').addEventListener('load', function () {
              var out = [], doc = this.contentDocument, win = this.contentWindow;
              for (var i = 0; i < doc.images.length; i++) out.push('img ' + doc.images[i].complete + ' ' + doc.images[i].naturalWidth + ' ' + doc.images[i].naturalHeight);
              var res = win.performance.getEntriesByType('resource');
              for (var k = 0; k < res.length; k++) if (res[k].name.indexOf('data:') !== 0) out.push('resource ' + res[k].name);
              var pre = document.createElement('pre'); pre.id = 'check'; pre.textContent = out.join('\n') + '\nend'; document.body.appendChild(pre);
            });
            </script></body></html>
            """);
        var (dom, err) = Launch(work, "--allow-file-access-from-files", "--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000", "--dump-dom", new Uri(wrapper).AbsoluteUri);
        var m = Regex.Match(dom, "<pre id=\"check\">(.*?)</pre>", RegexOptions.Singleline);
        Assert.That(m.Success && m.Groups[1].Value.TrimEnd().EndsWith("end"), $"the check page did not report (is the page readable?): {err}");
        var lines = System.Net.WebUtility.HtmlDecode(m.Groups[1].Value).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var images = lines.Where(l => l.StartsWith("img ")).Select(l => l.Split(' ')).Select(f => (f[1] == "true", int.Parse(f[2]), int.Parse(f[3]))).ToList();
        var external = lines.Where(l => l.StartsWith("resource ")).Select(l => l[9..]).ToList();
        // Console messages of the page (the wrapper itself logs nothing): "...:CONSOLE(n)] "text", source: ...".
        var console = (shotErr + "\n" + err).Split('\n').Where(l => l.Contains(":CONSOLE")).ToList();
        return new Result(images, external, console, shot);
    }
}
