using System.CommandLine;
using Neuromorphic.Simulator;
using Neuromorphic.Simulator.Files;

namespace Neuromorphic.Cli;

/// <summary>`neuromorphic plot KIND ...`: figures of trained models.</summary>
public static class PlotCommand
{
    public static Command Create(Option<bool> json)
    {
        var models = new Argument<string[]>("models") { Description = "model files whose training history to draw (several: one plot to compare)", Arity = ArgumentArity.OneOrMore };
        var outOpt = new Option<string>("--out") { Description = "PNG file to write", DefaultValueFactory = _ => "curve.png" };
        var logX = new Option<bool>("--log-x") { Description = "epochs on a log axis (as the eRBP paper's convergence figures)" };
        var logY = new Option<bool>("--log-y") { Description = "error on a log axis" };
        var curve = new Command("curve", "learning curves: test, validation and training error against epochs from models' training histories");
        curve.Arguments.Add(models);
        foreach (var o in new Option[] { outOpt, logX, logY, json }) curve.Options.Add(o);
        curve.SetAction(r => Commands.Guard(() =>
        {
            string outPath = r.GetValue(outOpt)!;
            Neuromorphic.Simulator.Files.AtomicFile.CheckWritable(outPath, "--out");
            var runs = new List<(string, List<EpochRecord>)>();
            foreach (var m in r.GetValue(models)!)
            {
                var file = ModelFile.Load(m);
                if (file.History.Count == 0) throw new NeuromorphicException($"{m}: the model has no training history (trained before histories were stored, or imported)");
                runs.Add((Path.GetFileNameWithoutExtension(m), file.History));
            }
            Plots.Curve(runs, outPath, r.GetValue(logX), r.GetValue(logY));
            Output.Line($"learning curves of {runs.Count} model(s) written to {outPath}");
            if (r.GetValue(json))
                Output.Json(new Dictionary<string, object?> { ["out"] = outPath, ["models"] = runs.Count, ["epochs"] = runs.Select(x => x.Item2.Count).ToArray() });
            return 0;
        }));
        var c = new Command("plot", "figures of trained models (PNG)");
        c.Subcommands.Add(curve);
        return c;
    }
}
