using System.Globalization;

namespace Neuromorphic.Cli;

/// <summary>File formats of a figure.</summary>
public enum FigureFormat { Png, Svg, Pdf }

/// <summary>A drawn figure and its size (pixels; points in a PDF): one ScottPlot plot, or several drawn into one canvas.
/// Written as PNG, SVG or PDF (atomically), or kept as PNG bytes (the report page).</summary>
public sealed class Figure
{
    readonly Action<SkiaSharp.SKCanvas, int, int> _draw;

    public Figure(ScottPlot.Plot plot, int width, int height) : this((c, w, h) => plot.Render(c, w, h), width, height) { }

    public Figure(Action<SkiaSharp.SKCanvas, int, int> draw, int width, int height)
    {
        _draw = draw;
        Width = width;
        Height = height;
    }

    public int Width { get; }
    public int Height { get; }

    /// <summary>Smallest and largest side (pixels) of a figure: beyond them text no longer fits, or the image is out of
    /// proportion to what it shows.</summary>
    public const int MinSide = 200, MaxSide = 8000;

    /// <summary>The same figure at another size (null: unchanged).</summary>
    public Figure Sized((int Width, int Height)? size) => size is { } s ? new Figure(_draw, s.Width, s.Height) : this;

    /// <summary>The format named by <paramref name="format"/> (png, svg, pdf), else by the extension of <paramref name="path"/>
    /// (.svg, .pdf; anything else is PNG).</summary>
    public static FigureFormat FormatOf(string path, string? format, string option = "--format") => format?.Trim().ToLowerInvariant() switch
    {
        null => Path.GetExtension(path).ToLowerInvariant() switch { ".svg" => FigureFormat.Svg, ".pdf" => FigureFormat.Pdf, _ => FigureFormat.Png },
        "png" => FigureFormat.Png,
        "svg" => FigureFormat.Svg,
        "pdf" => FigureFormat.Pdf,
        _ => throw new NeuromorphicException($"{option} '{format}': expected png, svg or pdf"),
    };

    /// <summary>Parses --size WIDTHxHEIGHT (pixels, each in <see cref="MinSide"/>..<see cref="MaxSide"/>); null stays null.</summary>
    public static (int Width, int Height)? ParseSize(string? text, string option = "--size")
    {
        if (text == null) return null;
        var parts = text.Trim().ToLowerInvariant().Split('x');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int w)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int h))
        {
            if (w is < MinSide or > MaxSide || h is < MinSide or > MaxSide)
                throw new NeuromorphicException($"{option} {text}: each side must lie in {MinSide}..{MaxSide} pixels");
            return (w, h);
        }
        throw new NeuromorphicException($"{option} '{text}': expected WIDTHxHEIGHT in pixels, e.g. 1200x800");
    }

    public void Save(string path, FigureFormat? format = null)
    {
        var f = format ?? FormatOf(path, null);
        Neuromorphic.Simulator.Files.AtomicFile.Write(path, tmp => File.WriteAllBytes(tmp, Bytes(f)));
    }

    public byte[] Png() => Bytes(FigureFormat.Png);

    public byte[] Bytes(FigureFormat format)
    {
        switch (format)
        {
            case FigureFormat.Png:
            {
                using var surface = SkiaSharp.SKSurface.Create(new SkiaSharp.SKImageInfo(Width, Height));
                _draw(surface.Canvas, Width, Height);
                using var image = surface.Snapshot();
                using var data = image.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
                return data.ToArray();
            }
            case FigureFormat.Svg:
            {
                using var ms = new MemoryStream();
                using (var canvas = SkiaSharp.SKSvgCanvas.Create(new SkiaSharp.SKRect(0, 0, Width, Height), ms)) _draw(canvas, Width, Height);
                return ms.ToArray();
            }
            default:
            {
                using var ms = new MemoryStream();
                using (var doc = SkiaSharp.SKDocument.CreatePdf(ms))
                {
                    _draw(doc.BeginPage(Width, Height), Width, Height);
                    doc.EndPage();
                    doc.Close();
                }
                return ms.ToArray();
            }
        }
    }

    /// <summary>Draws <paramref name="plot"/> at <paramref name="width"/> x <paramref name="height"/> into <paramref name="path"/>
    /// (format by extension).</summary>
    public static void Write(ScottPlot.Plot plot, string path, int width, int height) => new Figure(plot, width, height).Save(path);
}

/// <summary>Figures drawn with ScottPlot (PNG, headless), written atomically.</summary>
public static class Plots
{
    /// <summary>One history record as JSON figures (NaN accuracies as null).</summary>
    public static Dictionary<string, object?> HistoryJson(EpochRecord e) => TrainingRun.HistoryFigures(e);

    /// <summary>
    /// Learning curves: error (%) against epochs (integer ticks) or training samples seen, for each named history: the
    /// test error where it was measured (solid) and the validation error (dashed), and the error while learning (dotted),
    /// each point with its 95% Wilson interval (n in the legend). <paramref name="logX"/> draws the x axis on a log
    /// scale, as the eRBP paper's convergence figures do. The legend sits right of the axes, over no data.
    /// </summary>
    public static void Curve(IReadOnlyList<(string Name, List<EpochRecord> History)> runs, string path, bool logX,
        bool logY = false, bool samplesAxis = false,
        IReadOnlyList<IReadOnlyList<TestPoint>>? testPoints = null)
        => CurveFigure(runs, path, logX, logY, samplesAxis, testPoints).Save(path);

    /// <summary>Training samples of each epoch of <paramref name="h"/> (the history holds the running total).</summary>
    static long EpochSamples(List<EpochRecord> h, int i) => h[i].SamplesSeen - (i == 0 ? 0 : h[i - 1].SamplesSeen);

    /// <summary>"n = 1,000" or "n = 200-1,000" over the sample counts of the points drawn.</summary>
    static string SampleCounts(IEnumerable<long> ns)
    {
        var list = ns.Where(n => n > 0).ToList();
        if (list.Count == 0) return "n not recorded";
        long lo = list.Min(), hi = list.Max();
        return lo == hi ? $"n = {lo:N0}" : $"n = {lo:N0}-{hi:N0}";
    }

    /// <summary>Asymmetric vertical error bars from <paramref name="low"/> to <paramref name="high"/> around <paramref name="ys"/>.</summary>
    internal static void ErrorBars(ScottPlot.Plot plt, double[] xs, double[] ys, double[] low, double[] high, ScottPlot.Color color)
    {
        var eb = plt.Add.ErrorBar(xs, ys, ys.Select((y, i) => y - low[i]).ToArray());
        eb.YErrorNegative = ys.Select((y, i) => y - low[i]).ToArray();
        eb.YErrorPositive = ys.Select((y, i) => high[i] - y).ToArray();
        eb.Color = color;
        eb.LineWidth = 1;
    }

    /// <summary>Ticks at whole numbers only (epochs, bits, neuron indices): at most about <paramref name="most"/> of them.</summary>
    static ScottPlot.TickGenerators.NumericManual IntegerTicks(double from, double to, int most = 12, Func<double, string>? label = null)
    {
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        long lo = (long)Math.Ceiling(from), hi = (long)Math.Floor(to);
        long step = Math.Max(1, (long)Math.Ceiling((hi - lo + 1) / (double)most));
        foreach (long m in new long[] { 1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000 }) if (m >= step) { step = m; break; }
        for (long v = (lo + step - 1) / step * step; v <= hi; v += step) ticks.AddMajor(v, label?.Invoke(v)
            ?? v.ToString(CultureInfo.InvariantCulture));
        return ticks;
    }

    /// <summary>The figure of <see cref="Curve"/>, 1000 x 560; <paramref name="what"/> names it in the error when nothing can be drawn.</summary>
    public static Figure CurveFigure(IReadOnlyList<(string Name, List<EpochRecord> History)> runs, string what, bool logX,
        bool logY = false, bool samplesAxis = false,
        IReadOnlyList<IReadOnlyList<TestPoint>>? testPoints = null)
    {
        var plt = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int series = 0;
        double xMin = double.MaxValue, xMax = double.MinValue;
        var perEpoch = new HashSet<long>();
        for (int r = 0; r < runs.Count; r++)
        {
            var (name, h) = runs[r];
            var color = palette.GetColor(r);
            for (int i = 0; i < h.Count; i++) perEpoch.Add(EpochSamples(h, i));
            double Y(double errorPercent) => logY ? Math.Log10(Math.Max(errorPercent, 1e-3)) : errorPercent;
            void Line(Func<EpochRecord, double> acc, Func<int, long> samples, string label, ScottPlot.LinePattern pattern, double nudge)
            {
                // A point a chart cannot place (an infinite accuracy, epoch 0 on a log axis) is left out, not drawn off the chart.
                var idx = Enumerable.Range(0, h.Count).Where(i => double.IsFinite(acc(h[i]))
                    && (!logX || (samplesAxis ? h[i].SamplesSeen > 0 : h[i].Epoch > 0))).ToList();
                if (idx.Count == 0) return;
                double[] raw = idx.Select(i => samplesAxis ? h[i].SamplesSeen : (double)h[i].Epoch).ToArray();
                xMin = Math.Min(xMin, raw.Min()); xMax = Math.Max(xMax, raw.Max());
                // Test, validation and training points of an epoch side by side, so that their bars do not hide each other.
                double[] xs = raw.Select(x => logX ? Math.Log10(x) + 0.01 * nudge : x + (samplesAxis ? 0.01 * nudge * x : 0.04 * nudge)).ToArray();
                var errors = idx.Select(i => 1 - acc(h[i])).ToArray();
                var ci = idx.Select((i, k) => Binomial.Wilson(errors[k], (int)Math.Min(int.MaxValue, samples(i)))).ToArray();
                double[] ys = errors.Select(e => Y(100 * e)).ToArray();
                // Bars where the history says how many images a point was measured on (older files may not).
                var known = Enumerable.Range(0, idx.Count).Where(k => !double.IsNaN(ci[k].Low)).ToArray();
                if (known.Length > 0)
                    ErrorBars(plt, known.Select(k => xs[k]).ToArray(), known.Select(k => ys[k]).ToArray(),
                        known.Select(k => Y(100 * ci[k].Low)).ToArray(), known.Select(k => Y(100 * ci[k].High)).ToArray(), color);
                var sc = plt.Add.Scatter(xs, ys);
                sc.Color = color; sc.LinePattern = pattern; sc.LineWidth = 2; sc.MarkerSize = 5;
                sc.LegendText = $"{name}: {label} ({SampleCounts(idx.Select(samples))})";
                series++;
            }
            Line(e => e.TestAccuracy, i => h[i].TestSamples, "test", ScottPlot.LinePattern.Solid, -1);
            // Tests during training (--test-every): the papers' curve, drawn where they fall between epoch ends.
            if (testPoints != null && r < testPoints.Count && h.Count > 0
                && testPoints[r].Any(p => !h.Any(e => e.SamplesSeen == p.SamplesSeen && e.TestSamples > 0)))
            {
                double firstEpoch = Math.Max(1, EpochSamples(h, 0));
                var pts = testPoints[r].Where(p => p.TestSamples > 0 && double.IsFinite(p.TestAccuracy) && (!logX || p.SamplesSeen > 0)).ToList();
                if (pts.Count > 0)
                {
                    double[] raw = pts.Select(p => samplesAxis ? p.SamplesSeen : p.SamplesSeen / firstEpoch).ToArray();
                    xMin = Math.Min(xMin, raw.Min()); xMax = Math.Max(xMax, raw.Max());
                    double[] xs = raw.Select(x => logX ? Math.Log10(x) : x).ToArray();
                    var ci = pts.Select(p => Binomial.Wilson(1 - p.TestAccuracy, p.TestSamples)).ToArray();
                    double[] ys = pts.Select(p => Y(100 * (1 - p.TestAccuracy))).ToArray();
                    ErrorBars(plt, xs, ys, ci.Select(c => Y(100 * c.Low)).ToArray(), ci.Select(c => Y(100 * c.High)).ToArray(), color);
                    var sc = plt.Add.Scatter(xs, ys);
                    sc.Color = color; sc.LineWidth = 2; sc.MarkerSize = 5; sc.MarkerShape = ScottPlot.MarkerShape.FilledSquare;
                    sc.LegendText = $"{name}: tests during training ({SampleCounts(pts.Select(p => (long)p.TestSamples))})";
                    series++;
                }
            }
            Line(e => e.ValidationAccuracy, i => h[i].ValidationSamples, "validation", ScottPlot.LinePattern.Dashed, 0);
            Line(e => e.TrainAccuracy, i => EpochSamples(h, i), "while learning", ScottPlot.LinePattern.Dotted, 1);
        }
        if (series == 0) throw new NeuromorphicException($"{what}: nothing to draw (the models have no training "
            + $"history{(logX ? " with an epoch above 0 for the log axis" : "")} with a finite accuracy)");
        Func<double, string> xLabel = samplesAxis ? v => v.ToString("N0", CultureInfo.InvariantCulture)
            : v => v.ToString("0", CultureInfo.InvariantCulture);
        if (logX)
        {
            // Ticks at 1, 2, 5 x 10^k within the range, labelled as whole numbers.
            var ticks = new ScottPlot.TickGenerators.NumericManual();
            for (double decade = Math.Pow(10, Math.Floor(Math.Log10(xMin))); decade <= xMax * 10; decade *= 10)
                foreach (double m in new[] { 1.0, 2, 5 })
                    if (m * decade >= xMin * 0.99 && m * decade <= xMax * 1.01) ticks.AddMajor(Math.Log10(m * decade), xLabel(m * decade));
            plt.Axes.Bottom.TickGenerator = ticks;
            double pad = Math.Max(0.05, 0.04 * (Math.Log10(xMax) - Math.Log10(xMin)));
            plt.Axes.SetLimitsX(Math.Log10(xMin) - pad, Math.Log10(xMax) + pad);
        }
        else if (samplesAxis)
            plt.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = xLabel, IntegerTicksOnly = true };
        else
        {
            plt.Axes.Bottom.TickGenerator = IntegerTicks(xMin, xMax);
            double pad = Math.Max(0.3, 0.04 * (xMax - xMin));
            plt.Axes.SetLimitsX(xMin - pad, xMax + pad);
        }
        if (logY)
            plt.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
                LabelFormatter = v => Math.Pow(10, v).ToString("G3", CultureInfo.InvariantCulture),
            };
        string each = perEpoch.Count == 1 ? $"{perEpoch.First():N0} training samples each" : "training samples per epoch vary";
        plt.XLabel(samplesAxis ? $"training samples seen{(logX ? " (log scale)" : "")}" : $"epoch ({each}){(logX ? ", log scale" : "")}");
        plt.YLabel((logY ? "error (%, log scale)" : "error (%)") + ", bars: 95% Wilson interval");
        plt.Axes.Left.Label.FontSize = 14;
        plt.Title("learning curves");
        plt.ShowLegend(ScottPlot.Edge.Right);
        plt.Legend.FontSize = 11;
        return new Figure(plt, 1000, 560);
    }

    /// <summary>Draws <paramref name="plot"/> into <paramref name="rect"/> of <paramref name="canvas"/> only (a plot clears
    /// the whole canvas it renders to: the clip keeps it in its panel).</summary>
    static void Panel(SkiaSharp.SKCanvas canvas, ScottPlot.Plot plot, ScottPlot.PixelRect rect)
    {
        canvas.Save();
        canvas.ClipRect(new SkiaSharp.SKRect(rect.Left, rect.Top, rect.Right, rect.Bottom));
        plot.Render(canvas, rect);
        canvas.Restore();
    }

    /// <summary>How a raster is drawn: the time window (ms; NaN: to the end of the sample), the marker size in pixels
    /// (0: from the rows' height) and the class names that label the rows of the prediction and label layers.</summary>
    public sealed record RasterStyle(double FromMs = 0, double ToMs = double.NaN, float MarkerSize = 0, IReadOnlyList<string>? ClassNames = null);

    /// <summary>
    /// Spike raster of one sample, 1000 x 800: time (ms) against neuron, each population in its own band and colour
    /// (stacked from the data at the bottom to the prediction layer, or the S2M's visible and hidden layers), named with
    /// its size and spike count on the left, neuron indices (and, for the prediction and label layers, the class of each
    /// row) on the right. Bands are not to scale: each is at least a quarter of the height of the others together, so
    /// that ten prediction neurons stay readable beside 784 pixels (the axis label says so). Under it, each population's
    /// rate (Hz per neuron) in time bins: the trace Brian2 and NEST users draw under a raster.
    /// </summary>
    public static Figure Raster(Network net, IReadOnlyList<int> populations, IReadOnlyList<(int Step, int Population, int Neuron)> spikes,
        double dtMs, int steps, string title, RasterStyle? style = null)
    {
        style ??= new RasterStyle();
        double from = style.FromMs, to = double.IsNaN(style.ToMs) ? steps * dtMs : Math.Min(style.ToMs, steps * dtMs);
        var palette = new ScottPlot.Palettes.Category10();
        int total = populations.Sum(p => net.Populations[p].Size);
        double minBand = total / 4.0;
        double units = populations.Sum(p => Math.Max(net.Populations[p].Size, minBand));
        var raster = new ScottPlot.Plot();
        var rates = new ScottPlot.Plot();
        var left = new ScottPlot.TickGenerators.NumericManual();
        var right = new ScottPlot.TickGenerators.NumericManual();
        // Bins of 1, 2, 5, 10 ... ms: at least 40 across the window, never shorter than a step.
        double bin = dtMs;
        foreach (double b in new[] { 1.0, 2, 5, 10, 20, 50, 100 }) if (b >= dtMs && (to - from) / b >= 40) bin = b;
        int bins = Math.Max(1, (int)Math.Ceiling((to - from) / bin));
        double offset = 0, rateTop = 0;
        bool sawOuter = false;
        var rows = new List<(double Centre, double PerNeuron, int Size)>();
        for (int k = 0; k < populations.Count; k++)
        {
            int p = populations[k];
            var pop = net.Populations[p];
            var color = palette.GetColor(k);
            double band = Math.Max(pop.Size, minBand), perNeuron = band / pop.Size;
            var mine = spikes.Where(s => s.Population == p).Select(s => (Time: (s.Step + 1) * dtMs, s.Neuron)).Where(s =>
                s.Time > from && s.Time <= to).ToList();
            double[] xs = mine.Select(s => s.Time).ToArray();
            double[] ys = mine.Select(s => offset + (s.Neuron + 0.5) * perNeuron).ToArray();
            // Marker about as high as a row (pixels of the raster's data area: about 70% of a 800-pixel figure's 600).
            float marker = style.MarkerSize > 0 ? style.MarkerSize : (float)Math.Clamp(430.0 * band / units / pop.Size * 0.9, 1.2, 5);
            raster.Add.Markers(xs, ys, ScottPlot.MarkerShape.FilledSquare, marker, color);
            left.AddMajor(offset + band / 2, $"{pop.Name}\n{pop.Size:N0} neurons\n{mine.Count:N0} spikes");
            bool classes = style.ClassNames != null && (p == net.OutputPopulation || pop.Kind == PopulationKind.Label)
                && pop.Size == style.ClassNames.Count;
            if (classes)
                for (int n = 0; n < pop.Size; n++)
                {
                    string name = style.ClassNames![n];
                    right.AddMajor(offset + (n + 0.5) * perNeuron, n.ToString(CultureInfo.InvariantCulture) == name
                        ? $"class {name}" : $"{n} {name}");
                }
            else
            {
                // Neuron indices at round numbers, none in the top tenth of the band (where the next band's 0 is).
                long step = 1;
                foreach (long m in new long[] { 1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000,
                    10000 }) { step = m; if (pop.Size / m <= 4) break; }
                for (long n = 0; n < pop.Size * 0.9; n += step) right.AddMajor(offset + (n + 0.5) * perNeuron,
                    n.ToString(CultureInfo.InvariantCulture));
            }
            if (k > 0)
            {
                var sep = raster.Add.HorizontalLine(offset);
                sep.Color = ScottPlot.Colors.Gray; sep.LinePattern = ScottPlot.LinePattern.Dotted; sep.LineWidth = 1;
            }
            sawOuter |= band > pop.Size;
            offset += band;

            var counts = new double[bins + 1];
            foreach (var s in mine) counts[Math.Min(bins - 1, (int)((s.Time - from - 1e-9) / bin))]++;
            counts[bins] = counts[bins - 1];
            double[] rx = Enumerable.Range(0, bins + 1).Select(b => from + b * bin).ToArray();
            double[] ry = counts.Select(c => c / (pop.Size * bin * 1e-3)).ToArray();
            rateTop = Math.Max(rateTop, ry.Max());
            var line = rates.Add.Scatter(rx, ry);
            line.ConnectStyle = ScottPlot.ConnectStyle.StepHorizontal;
            line.Color = color; line.LineWidth = 1.5f; line.MarkerSize = 0;
        }
        raster.Axes.Left.TickGenerator = left;
        raster.Axes.Right.TickGenerator = right;
        raster.Axes.SetLimits(from, to, 0, offset);
        raster.Axes.SetLimitsY(0, offset, raster.Axes.Right);
        raster.Axes.Right.TickLabelStyle.FontSize = 10;
        raster.Axes.Left.TickLabelStyle.FontSize = 11;
        raster.YLabel(sawOuter ? "neuron (bands not to scale: each at least 1/4 of the rest; neuron 0 at the bottom)"
            : "neuron (neuron 0 at the bottom of its band)");
        raster.Axes.Left.Label.FontSize = 12;
        raster.Title(title);
        rates.Axes.SetLimits(from, to, 0, Math.Max(1, rateTop) * 1.08);
        rates.XLabel("time (ms)");
        rates.YLabel($"Hz/neuron ({bin:G3} ms bins)");
        rates.Axes.Left.Label.FontSize = 12;
        return new Figure((canvas, w, h) =>
        {
            canvas.Clear(SkiaSharp.SKColors.White);
            float split = (float)Math.Round(h * 0.74);
            raster.Layout.Fixed(new ScottPlot.PixelPadding(150, 110, 25, 40));
            rates.Layout.Fixed(new ScottPlot.PixelPadding(150, 110, 50, 8));
            Panel(canvas, raster, new ScottPlot.PixelRect(0, w, split, 0));
            Panel(canvas, rates, new ScottPlot.PixelRect(0, w, h, split));
        }, 1000, 800);
    }

    /// <summary>
    /// Receptive fields: the input weights of hidden units as a grid of image-shaped tiles (row-major, in the order of
    /// <paramref name="order"/>, unit 0 first by default), on one colour scale centred on 0 (blue negative, red positive,
    /// white 0), with its colour bar, 900 x 860. Pixels of <paramref name="silent"/> (those the same in every training
    /// image, such as MNIST's black border: <see cref="ReceptiveFields.ConstantPixels"/>) are grey: they carry no
    /// information and their weights keep their initial noise, which would draw the eye; the colour scale spans the
    /// other pixels. With <paramref name="classOfUnit"/>, each tile is marked with the class
    /// whose prediction neuron the unit excites most. <paramref name="weights"/> is [input][units] row-major with
    /// <paramref name="stride"/> columns per row (an S2M's matrix has a bias column more than it has hidden units).
    /// </summary>
    public static Figure Weights(float[] weights, int stride, int rows, int cols, int units, string title, bool[]? silent = null, int[]? order = null,
        int[]? classOfUnit = null, IReadOnlyList<string>? classNames = null)
    {
        order ??= Enumerable.Range(0, units).ToArray();
        int shown = order.Length;
        int across = (int)Math.Ceiling(Math.Sqrt(shown)), down = (shown + across - 1) / across;
        var grid = new double[down * (rows + 1) - 1, across * (cols + 1) - 1];
        for (int r = 0; r < grid.GetLength(0); r++) for (int c = 0; c < grid.GetLength(1); c++) grid[r, c] = double.NaN;
        double largest = 0;
        var plt = new ScottPlot.Plot();
        for (int t = 0; t < shown; t++)
        {
            int u = order[t], top = t / across * (rows + 1), left = t % across * (cols + 1);
            for (int j = 0; j < rows * cols; j++)
            {
                if (silent != null && silent[j]) continue;
                double w = weights[(long)j * stride + u];
                grid[top + j / cols, left + j % cols] = w;
                largest = Math.Max(largest, Math.Abs(w));
            }
        }
        if (largest == 0) largest = 1;
        var hm = plt.Add.Heatmap(grid);
        hm.Colormap = new ScottPlot.Colormaps.Balance();
        hm.ManualRange = new ScottPlot.Range(-largest, largest);
        hm.NaNCellColor = ScottPlot.Color.FromHex("#d0d0d0");
        if (classOfUnit != null)
            for (int t = 0; t < shown; t++)
            {
                int top = t / across * (rows + 1), left = t % across * (cols + 1);
                var text = plt.Add.Text(classNames == null ? $"{classOfUnit[order[t]]}"
                    : Dataset.ClassLabel(classNames, classOfUnit[order[t]]).Split(' ')[0], left + 0.3, grid.GetLength(0) - top - 0.2);
                text.LabelFontSize = 10; text.LabelBold = true; text.LabelFontColor = ScottPlot.Colors.Black;
                text.LabelAlignment = ScottPlot.Alignment.UpperLeft;
            }
        var bar = plt.Add.ColorBar(hm);
        bar.Label = "weight (mV)";
        plt.Axes.SetLimits(0, grid.GetLength(1), 0, grid.GetLength(0));
        plt.Axes.SquareUnits();
        plt.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual();
        plt.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual();
        plt.HideGrid();
        string sorted = classOfUnit == null ? $"unit {order[0]} top left, row by row" : "by the class each unit drives most (top left)";
        plt.XLabel($"{rows} x {cols} tiles {sorted}" + (silent != null && silent.Any(x => x)
            ? $"; grey: {silent.Count(x => x)} pixels blank in all training images" : ""));
        plt.Axes.Bottom.Label.FontSize = 13;
        plt.Title(title);
        return new Figure(plt, 900, 860);
    }

    /// <summary>How <see cref="Rates"/> draws the distribution: a histogram on a linear or a log axis, or the empirical
    /// cumulative distribution (silent pairs included).</summary>
    public enum RatesStyle { Histogram, Log, Ecdf }

    /// <summary>
    /// Firing-rate distributions: for each population, the rates (Hz) of its (neuron, image) pairs, as a histogram of
    /// those that fired (the silent fraction is in the legend; on a log axis with <see cref="RatesStyle.Log"/>) or as the
    /// cumulative fraction of all pairs (<see cref="RatesStyle.Ecdf"/>), with each population's ceiling as a dashed line
    /// (a LIF neuron's saturation, a data neuron's rate on a white pixel) and, for eRBP layers whose gate closes below
    /// saturation, the gate as a band: the rates of steady currents inside it (in the steady state a neuron above the
    /// band does not learn). A gate whose edge lies at saturation is said in the saturation line's legend instead (a band
    /// over the whole axis would say nothing). The legend sits right of the axes. 1000 x 560.
    /// </summary>
    public static Figure Rates(Network net, SimulationConfig config, Activity activity, IReadOnlyList<int> populations, string title,
        RatesStyle style = RatesStyle.Histogram)
    {
        var plt = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var refs = populations.Select(p => Activity.ReferenceRates(net, config, p)).ToList();
        double top = Math.Max(refs.Select(r => r.SaturationHz).Where(double.IsFinite).DefaultIfEmpty(0).Max(),
            populations.SelectMany(activity.RatesHz).DefaultIfEmpty(0).Max());
        if (!(top > 0)) top = 1;
        // The highest ceiling falls in the middle of the last bin, so that saturated neurons sit on its line.
        const int bins = 50;
        double width = top / (bins - 0.5);
        double peak = 0, floor = double.MaxValue;
        bool Informative(int k) => double.IsFinite(refs[k].GateEdgeHz)
            && !(double.IsFinite(refs[k].SaturationHz) && refs[k].GateEdgeHz >= 0.98 * refs[k].SaturationHz);
        // One band per distinct gate, naming the layers that share it.
        foreach (var gate in Enumerable.Range(0, populations.Count).Where(Informative).GroupBy(k => (refs[k].GateMv, refs[k].GateEdgeHz)))
        {
            var span = plt.Add.HorizontalSpan(0, gate.Key.GateEdgeHz);
            span.FillStyle.Color = ScottPlot.Colors.Green.WithAlpha(0.12);
            span.LineStyle.Width = 0;
            span.LegendText = $"eRBP gate of {string.Join(", ", gate.Select(k => net.Populations[populations[k]].Name))}: |I| < "
                + $"{gate.Key.GateMv:G4} mV, steady rate below {gate.Key.GateEdgeHz:F0} Hz";
        }
        for (int k = 0; k < populations.Count; k++)
        {
            int p = populations[k];
            var color = palette.GetColor(k);
            var rates = activity.RatesHz(p).ToArray();
            var active = rates.Where(x => x > 0).Order().ToArray();
            double silent = rates.Length == 0 ? 0 : 1 - (double)active.Length / rates.Length;
            double median = active.Length == 0 ? 0 : active[active.Length / 2];
            ScottPlot.Plottables.Scatter line;
            if (style == RatesStyle.Ecdf)
            {
                // Fraction of all pairs at or below each rate: it starts at the silent fraction.
                var xs = new List<double> { 0 };
                var ys = new List<double> { 100 * silent };
                for (int i = 0; i < active.Length; i++)
                    if (i == active.Length - 1 || active[i + 1] != active[i])
                    {
                        xs.Add(active[i]); ys.Add(100 * (silent
                        + (i + 1.0) / rates.Length));
                    }
                xs.Add(top * 1.05); ys.Add(ys[^1]);
                line = plt.Add.Scatter(xs.ToArray(), ys.ToArray());
                line.ConnectStyle = ScottPlot.ConnectStyle.StepHorizontal;
            }
            else
            {
                var counts = new double[bins + 1];
                foreach (var x in active) counts[Math.Min(bins - 1, (int)(x / width))]++;
                counts[bins] = counts[bins - 1];
                double[] xs = Enumerable.Range(0, bins + 1).Select(b => b * width).ToArray();
                double[] ys = counts.Select(c => active.Length == 0 ? 0 : 100 * c / active.Length).ToArray();
                peak = Math.Max(peak, ys.Max());
                if (style == RatesStyle.Log)
                {
                    floor = Math.Min(floor, ys.Where(y => y > 0).DefaultIfEmpty(1).Min());
                    ys = ys.Select(y => y > 0 ? Math.Log10(y) : double.NaN).ToArray();
                }
                line = plt.Add.Scatter(xs, ys);
                line.ConnectStyle = ScottPlot.ConnectStyle.StepHorizontal;
            }
            line.Color = color; line.LineWidth = 2; line.MarkerSize = style == RatesStyle.Log ? 3 : 0;
            line.LegendText = $"{net.Populations[p].Name} (n = {rates.Length:N0} pairs): {silent:P0} silent, median of the rest {median:F0} Hz";
            if (double.IsFinite(refs[k].SaturationHz))
            {
                var v = plt.Add.VerticalLine(refs[k].SaturationHz);
                v.Color = color; v.LinePattern = ScottPlot.LinePattern.Dashed; v.LineWidth = 1.5f;
                v.LegendText = net.Populations[p].Kind == PopulationKind.Data
                    ? $"{net.Populations[p].Name}: white pixel, {refs[k].SaturationHz:F0} Hz"
                    : $"{net.Populations[p].Name}: saturation, {refs[k].SaturationHz:F0} Hz" +
                      (double.IsFinite(refs[k].GateEdgeHz) && !Informative(k) ? $" (also the eRBP gate's edge, |I| = {refs[k].GateMv:G4} mV)" : "");
            }
        }
        plt.Axes.SetLimitsX(0, top * 1.05);
        string per = $"firing rate (Hz) over a {activity.SampleSeconds * 1000:G4} ms sample, {activity.Images} images";
        switch (style)
        {
            case RatesStyle.Ecdf:
                plt.Axes.SetLimitsY(0, 101);
                plt.YLabel("% of all (neuron, image) pairs at or below the rate");
                break;
            case RatesStyle.Log:
                double lo = Math.Floor(Math.Log10(Math.Max(1e-4, floor))), hi = Math.Log10(Math.Max(1, peak)) + 0.1;
                plt.Axes.SetLimitsY(lo, hi);
                var ticks = new ScottPlot.TickGenerators.NumericManual();
                for (double d = lo; d <= hi; d++) ticks.AddMajor(d, Math.Pow(10, d).ToString("G3", CultureInfo.InvariantCulture));
                plt.Axes.Left.TickGenerator = ticks;
                plt.YLabel("% of the pairs that fired (log scale)");
                break;
            default:
                plt.Axes.SetLimitsY(0, Math.Max(1, peak) * 1.08);
                plt.YLabel("% of the (neuron, image) pairs that fired");
                break;
        }
        plt.XLabel(per);
        plt.Title(title);
        plt.ShowLegend(ScottPlot.Edge.Right);
        plt.Legend.FontSize = 11;
        return new Figure(plt, 1200, 560);
    }

    /// <summary>SynOps of each simulated image against the multiply-accumulates of the same network as a dense ANN
    /// (one dashed line), with their mean, 900 x 420.</summary>
    public static Figure SynOps(Activity activity, long annMacs, string title)
    {
        var plt = new ScottPlot.Plot();
        double[] xs = Enumerable.Range(0, activity.Images).Select(i => (double)i).ToArray();
        double[] ys = activity.SynOps.Select(v => (double)v).ToArray();
        var correct = Enumerable.Range(0, activity.Images).Where(i => activity.Predictions[i] == activity.Labels[i]).ToArray();
        var wrong = Enumerable.Range(0, activity.Images).Where(i => activity.Predictions[i] != activity.Labels[i]).ToArray();
        var ok = plt.Add.Markers(correct.Select(i => xs[i]).ToArray(), correct.Select(i => ys[i]).ToArray(), ScottPlot.MarkerShape.FilledCircle,
            5, ScottPlot.Colors.SteelBlue);
        ok.LegendText = $"classified correctly ({correct.Length})";
        var bad = plt.Add.Markers(wrong.Select(i => xs[i]).ToArray(), wrong.Select(i => ys[i]).ToArray(), ScottPlot.MarkerShape.OpenCircle,
            6, ScottPlot.Colors.OrangeRed);
        bad.LegendText = $"misclassified ({wrong.Length})";
        double mean = ys.Length == 0 ? 0 : ys.Average();
        var m = plt.Add.HorizontalLine(mean);
        m.Color = ScottPlot.Colors.SteelBlue; m.LineWidth = 1.5f;
        m.LegendText = $"mean SynOps per image: {mean:N0}";
        var ann = plt.Add.HorizontalLine(annMacs);
        ann.Color = ScottPlot.Colors.Black; ann.LinePattern = ScottPlot.LinePattern.Dashed; ann.LineWidth = 1.5f;
        ann.LegendText = $"MACs of the same ANN: {annMacs:N0}";
        plt.Axes.SetLimitsY(0, Math.Max(annMacs, ys.DefaultIfEmpty(0).Max()) * 1.15);
        plt.XLabel("test image (index)");
        plt.YLabel("synaptic operations per image");
        plt.Title(title);
        plt.ShowLegend(ScottPlot.Edge.Right);
        return new Figure(plt, 1000, 420);
    }
}
