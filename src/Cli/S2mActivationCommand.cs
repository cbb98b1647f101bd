using System.Globalization;
using Neuromorphic.Neurons;
using Neuromorphic.Simulator.S2m;

namespace Neuromorphic.Cli;

/// <summary>`s2m-activation`: measures the firing probability of one S2M sampler under many blank-out inputs
/// against the erf prediction (see <see cref="S2mActivation"/>), prints the table and optionally plots it.</summary>
public static class S2mActivationCommand
{
    /// <summary>The largest --spread-mv: 10 V.</summary>
    public const double MaxSpreadMv = 10_000;

    public static Command Create(Option<bool> jsonOpt)
    {
        var png = new Option<string?>("--png") { Description = "write the plot of measured and predicted firing probability to this PNG" };
        var inputs = new Option<int>("--inputs")
        {
            Description = "presynaptic neurons firing together in each trial",
            DefaultValueFactory = _ => 200,
        };
        var trials = new Option<int>("--trials") { Description = "trials per point", DefaultValueFactory = _ => 3000 };
        var p = new Option<double>("--blank-out") { Description = "transmission probability of each synapse", DefaultValueFactory = _ => 0.5 };
        var spread = new Option<double>("--spread-mv") { Description = "weights are mean +- spread (uniform), mV", DefaultValueFactory = _ => 20 };
        var seed = new Option<ulong>("--seed") { Description = "seed of the weights and blank-out draws", DefaultValueFactory = _ => 3 };
        var c = new Command("s2m-activation", "measure the erf activation that blank-out synapses give an S2M sampler neuron");
        foreach (var o in new Option[] { png, inputs, trials, p, spread, seed, jsonOpt }) c.Options.Add(o);
        c.SetAction(r => CliCommon.Guard(() =>
        {
            int n = r.GetValue(inputs), t = r.GetValue(trials);
            double pv = r.GetValue(p), sp = r.GetValue(spread);
            if (n < 2 || n > 100_000) throw new NeuromorphicException($"--inputs must lie in 2..100000, got {n}");
            if (t < 1 || t > 10_000_000) throw new NeuromorphicException($"--trials must lie in 1..10000000, got {t}");
            // Bounded: the drive's variance holds spread^2 (1e200 overflowed it to infinity); 10 V is far beyond any synapse.
            if (!(sp is >= 0 and <= MaxSpreadMv)) throw new NeuromorphicException($"--spread-mv must lie in 0..{MaxSpreadMv} mV, got "
                + $"{sp.ToString(CultureInfo.InvariantCulture)}");
            if (!(pv > 0 && pv < 1)) throw new NeuromorphicException($"--blank-out must lie in (0, 1) for an activation curve, got {pv}");
            var sampler = new LifParameters(RefractoryMs: 4.0);
            // Centre the sweep on the mean weight that reaches threshold: p n mu G = theta, G ~ 0.63 for tau_m 1, tau_syn 4 ms;
            // sigma of the drive is sqrt(p(1-p) n (mu^2 + spread^2/3)); sweep u over about +-3.
            double centre = sampler.ThresholdMv / 0.63 / (pv * n);
            double sigma = Math.Sqrt(pv * (1 - pv) * n * (centre * centre + sp * sp / 3));
            double step = 0.5 * sigma / (pv * n);
            var means = Enumerable.Range(-6, 13).Select(k => centre + k * step).ToArray();
            var pts = S2mActivation.Measure(sampler, 0.1, pv, n, sp, means, t, r.GetValue(seed));
            Output.Table($"S2M sampler: {n} inputs, blank-out p = {pv}, {t} trials per point",
                pts.Select(x => ($"u = {x.Drive,6:F2}", $"measured {x.Measured:F3}   erf {x.Predicted:F3}")));
            double maxGap = pts.Max(x => Math.Abs(x.Measured - x.Predicted));
            Output.Line($"largest gap between measured and predicted firing probability: {maxGap:F4}");
            if (r.GetValue(png) is { } path)
            {
                var plt = new ScottPlot.Plot();
                var xs = Enumerable.Range(0, 121).Select(k => -3 + k * 0.05).ToArray();
                var curve = plt.Add.ScatterLine(xs, xs.Select(u => 0.5 * (1 + S2mActivation.Erf(u / Math.Sqrt(2)))).ToArray());
                curve.LegendText = "Gaussian prediction 1/2 (1 + erf(u / sqrt 2))";
                var meas = plt.Add.ScatterPoints(pts.Select(x => x.Drive).ToArray(), pts.Select(x => x.Measured).ToArray());
                meas.LegendText = $"measured ({t} trials per point)";
                meas.MarkerSize = 9;
                plt.XLabel("normalised drive u = (p sum w - theta/G) / sqrt(p (1-p) sum w^2)");
                plt.YLabel("firing probability");
                plt.Title($"S2M sampler under {n} blank-out synapses (p = {pv.ToString(CultureInfo.InvariantCulture)})");
                plt.ShowLegend();
                AtomicFile.Write(path, tmp => plt.SavePng(tmp, 900, 560));
                Output.Line($"plot written to {path}");
            }
            if (r.GetValue(jsonOpt))
                Output.Json(new Dictionary<string, object?>
                {
                    ["inputs"] = n, ["trials"] = t, ["blank_out"] = pv, ["max_gap"] = Math.Round(maxGap, 5),
                    ["points"] = pts.Select(x => new Dictionary<string,
                        double>
                    { ["u"] = Math.Round(x.Drive, 4), ["measured"] = x.Measured, ["predicted"] = Math.Round(x.Predicted, 5) }).ToList(),
                });
            return 0;
        }));
        return c;
    }
}
